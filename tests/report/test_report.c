/* Tests of the audit reports on hand-made results (no evidence, no engine): the text verdict
 * line, colour and NO_COLOR, quiet mode, JSON nulls, JUnit counts, hostile strings. Every
 * rendering is also written to KBAUDIT_FIXTURE_DIR/report/ where check_reports.py validates
 * it with json.tool, jq and xmllint (ctest fixture "report_outputs"). */
#define _XOPEN_SOURCE 700   /* posix_openpt and friends, for the terminal test */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kbaudit/report.h"

#define OUT_DIR KBAUDIT_FIXTURE_DIR "/report"

/* ---- hand-made results ---- */

static audit_requirement reqs_satisfied[] = {
    {.id = (char *)"ssu", .kb = 4493730, .kind = KBDB_KIND_SSU, .order = 1, .status = AUDIT_SATISFIED,
     .satisfied_by = 4517134, .evidence = (char *)"KB4517134 is installed (CBS package) and supersedes KB4493730",
     .evidence_kind = "package"},
    {.id = (char *)"sha2", .kb = 4474419, .kind = KBDB_KIND_SHA2, .order = 2, .status = AUDIT_SATISFIED,
     .satisfied_by = 4474419, .evidence = (char *)"KB4474419 is installed (CBS package)", .evidence_kind = "package"},
    {.id = (char *)"rollup", .kb = 4493471, .kind = KBDB_KIND_ROLLUP, .order = 3, .status = AUDIT_SATISFIED,
     .satisfied_by = 4499180, .evidence = (char *)"ntoskrnl.exe 6.0.6003.20512 is at least May 2019's 6.0.6003.20512",
     .evidence_kind = "file-version"},
};

static void base(audit_result *r, audit_verdict v, int exit_code, const char *reason)
{
    memset(r, 0, sizeof *r);
    r->verdict = v;
    r->exit_code = exit_code;
    r->verdict_reason = (char *)reason;
    r->product = (char *)"Windows Server (R) 2008 Standard";
    r->edition = (char *)"ServerStandard";
    r->arch = KB_ARCH_X64;
    r->months_behind = -1;
}

static void make_compliant(audit_result *r)
{
    base(r, AUDIT_COMPLIANT, 0, "the baseline's requirements hold and ntoskrnl.exe is at build 6003");
    r->build = (audit_build){.registry = 6003, .kernel = 6003, .effective = 6003, .consistent_known = true,
                             .consistent = true, .kernel_version = {6, 0, 6003, 20512}, .has_kernel_version = true};
    r->reqs = reqs_satisfied;
    r->nreqs = 3;
    r->newest_rollup_kb = 4499180;
    r->newest_rollup_date = (kbdb_date){2019, 5, 14};
    r->newest_rollup_evidence = "file-version";
    r->months_behind = 0;
    r->newest_known_rollup_kb = 4499180;
    r->newest_known_rollup_date = (kbdb_date){2019, 5, 14};
    r->newest_installed_kb = 4499180;
    r->newest_installed_date = (kbdb_date){2019, 5, 14};
}

static audit_requirement reqs_missing[] = {
    {.id = (char *)"ssu", .kb = 4493730, .kind = KBDB_KIND_SSU, .order = 1, .status = AUDIT_MISSING,
     .evidence = (char *)"no servicing stack update of 2019-04 or later is installed", .evidence_kind = "package"},
    {.id = (char *)"sha2", .kb = 4474419, .kind = KBDB_KIND_SHA2, .order = 2, .status = AUDIT_MISSING,
     .evidence = (char *)"KB4474419 is not installed", .evidence_kind = "package"},
    {.id = (char *)"rollup", .kb = 4493471, .kind = KBDB_KIND_ROLLUP, .order = 3, .status = AUDIT_MISSING,
     .evidence = (char *)"ntoskrnl.exe 6.0.6002.24000 is below 6.0.6003.20489", .evidence_kind = "file-version"},
};

static audit_step plan_full[] = {
    {.kb = 4493730, .kind = KBDB_KIND_SSU, .kind_name = "ssu", .reboot_after = false,
     .title = (char *)"Servicing stack update for Windows Server 2008 SP2: April 9, 2019",
     .reason = (char *)"the servicing stack first: later updates need it to install"},
    {.kb = 4474419, .kind = KBDB_KIND_SHA2, .kind_name = "sha2", .reboot_after = true, .reboot_unconfirmed = true,
     .title = (char *)"SHA-2 code signing support update", .reason = (char *)"updates from 2019-08 are SHA-2 signed"},
    {.kb = 0, .kind = KBDB_KIND_NONE, .kind_name = "reboot", .reason = (char *)"KB4474419 needs a reboot"},
    {.kb = 5073697, .kind = KBDB_KIND_ROLLUP, .kind_name = NULL, .reboot_after = true, .needs_esu = true, .needs_esu_known = true,
     .title = (char *)"2026-01 Security Monthly Quality Rollup", .reason = (char *)"the newest rollup the database knows"},
    {.kb = 0, .kind = KBDB_KIND_NONE, .kind_name = NULL, .reason = NULL},
    {.kb = 4500331, .kind = KBDB_KIND_OTHER, .kind_name = NULL, .reboot_unconfirmed = true,
     .title = NULL, .reason = (char *)"database does not know whether it reboots"},
};

static char *missing_warnings[] = {(char *)"81 month(s) behind the newest known rollup KB5073697 (2026-01-13)"};

static void make_not_compliant(audit_result *r)
{
    base(r, AUDIT_NOT_COMPLIANT, 1, "3 requirements missing; ntoskrnl.exe is at build 6002");
    r->build = (audit_build){.registry = 6002, .kernel = 6002, .effective = 6002, .consistent_known = true,
                             .consistent = true, .kernel_version = {6, 0, 6002, 24000}, .has_kernel_version = true};
    r->reqs = reqs_missing;
    r->nreqs = 3;
    r->plan = plan_full;
    r->nplan = sizeof plan_full / sizeof plan_full[0];
    r->newest_known_rollup_kb = 5073697;
    r->newest_known_rollup_date = (kbdb_date){2026, 1, 13};
    r->newest_installed_kb = 4474419;
    r->newest_installed_date = (kbdb_date){2019, 9, 0};
    r->esu_updates_missing = 93;
    r->warnings = missing_warnings;
    r->nwarnings = 1;
}

static void make_not_covered(audit_result *r)
{
    base(r, AUDIT_NOT_COVERED, 4,
         "detected Windows Server 2008 R2 (NT 6.1, build 7601): these updates are for Windows Server 2008 SP2");
    r->product = (char *)"Windows Server 2008 R2 Standard";
    r->build = (audit_build){.registry = 7601, .kernel = 7601, .effective = 7601, .consistent_known = true,
                             .consistent = true, .kernel_version = {6, 1, 7601, 24544}, .has_kernel_version = true};
}

static audit_requirement reqs_pending[] = {
    {.id = (char *)"ssu", .kb = 4493730, .kind = KBDB_KIND_SSU, .order = 1, .status = AUDIT_SATISFIED,
     .satisfied_by = 4493730, .evidence = (char *)"installed", .evidence_kind = "package"},
    {.id = (char *)"sha2", .kb = 4474419, .kind = KBDB_KIND_SHA2, .order = 2, .status = AUDIT_SATISFIED,
     .satisfied_by = 4474419, .evidence = (char *)"installed", .evidence_kind = "package"},
    {.id = (char *)"rollup", .kb = 4493471, .kind = KBDB_KIND_ROLLUP, .order = 3, .status = AUDIT_PENDING,
     .satisfied_by = 0, .evidence = (char *)"KB4493471 is Install Pending (CBS state 0x50)",
     .evidence_kind = "package"},
};
static char *pending_reasons[] = {(char *)"Component Based Servicing\\RebootPending exists",
                                  (char *)"2 PendingFileRenameOperations"};
static audit_step plan_reboot[] = {
    {.kb = 0, .kind = KBDB_KIND_NONE, .kind_name = "reboot", .reason = (char *)"finish installing KB4493471"},
};

static void make_pending(audit_result *r)
{
    base(r, AUDIT_NOT_COMPLIANT, 1, "a reboot is pending: KB4493471 is not in effect yet");
    r->server_core = true;
    r->build = (audit_build){.registry = 6002, .kernel = 6003, .effective = 6003, .consistent_known = true,
                             .consistent = false, .kernel_version = {6, 0, 6003, 20489}, .has_kernel_version = true};
    r->reqs = reqs_pending;
    r->nreqs = 3;
    r->plan = plan_reboot;
    r->nplan = 1;
    r->pending_reboot = true;
    r->pending_reasons = pending_reasons;
    r->npending_reasons = 2;
    r->months_behind = 81;
    r->newest_rollup_kb = 0;
    r->newest_known_rollup_kb = 5073697;
    r->newest_known_rollup_date = (kbdb_date){2026, 1, 13};
}

/* Nothing known: every absent fact must come out as null, never as 0 or "KB0". */
static void make_nulls(audit_result *r)
{
    memset(r, 0, sizeof *r);
    r->verdict = AUDIT_INCONCLUSIVE;
    r->exit_code = 1;
    r->arch = KB_ARCH_UNKNOWN;
    r->months_behind = -1;
}

/* Requirements hold and the files say 6003, yet the verdict is inconclusive: the JUnit
 * report must still show a failure. */
static void make_inconclusive_6003(audit_result *r)
{
    make_compliant(r);
    r->verdict = AUDIT_INCONCLUSIVE;
    r->exit_code = 1;
    r->verdict_reason = (char *)"the package registry could not be read completely";
}

static char *evil_warnings[] = {(char *)"line one\nline two\r\x1b[2J\x07 bell", (char *)"C1 CSI: \xc2\x9b" "31m red",
                                (char *)"bad UTF-8: \xff\xfe\xc3 end", (char *)"ok \xef\xbf\xbd and U+FFFF \xef\xbf\xbf"};
static audit_requirement evil_reqs[] = {
    {.id = (char *)"ssu\x1b[31m", .kb = 4493730, .kind = KBDB_KIND_SSU, .order = 1, .status = AUDIT_MISSING,
     .evidence = (char *)"</failure><injected/> & \"quotes\" ]]> \x01\x02", .evidence_kind = "package"},
};

/* Strings as hostile evidence could make them: escapes, XML specials, bytes that are not UTF-8. */
static void make_hostile(audit_result *r)
{
    base(r, AUDIT_NOT_COMPLIANT, 1, "reason with \x1b]0;title\x07 and <xml> & \xfe");
    r->product = (char *)"Evil \x1b[31mServer\x1b[0m <&\"'> ]]> \xff";
    r->edition = (char *)"Tab\there\nNewline";
    r->build = (audit_build){.registry = 6002, .kernel = 6002, .effective = 6002, .consistent_known = true,
                             .consistent = true};
    r->reqs = evil_reqs;
    r->nreqs = 1;
    r->warnings = evil_warnings;
    r->nwarnings = 4;
    r->pending_reboot = true;
    r->pending_reasons = evil_warnings;
    r->npending_reasons = 2;
}

/* ---- rendering helpers ---- */

enum fmt { FMT_TEXT, FMT_JSON, FMT_JUNIT };

static const report_audit_opts default_opts = {
    .target = "/mnt/win", .database = "embedded kbdb.xml", .baseline = "default"};

static char *render(enum fmt f, const audit_result *r, const report_audit_opts *o, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&text, &n);
    assert_non_null(fp);
    kb_error err = {0};
    int rc = f == FMT_JSON ? report_audit_json(r, o, fp, &err)
             : f == FMT_JUNIT ? report_audit_junit(r, o, fp, &err)
                              : report_audit_text(r, o, fp, &err);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(rc, 0);
    if (len)
        *len = n;
    return text;
}

static void save(const char *name, const char *ext, const char *text)
{
    char path[512];
    mkdir(OUT_DIR, 0755);
    snprintf(path, sizeof path, "%s/%s.%s", OUT_DIR, name, ext);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static char *first_line(const char *text)
{
    size_t n = strcspn(text, "\n");
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, text, n);
    s[n] = '\0';
    return s;
}

/* Counts of a JUnit document, read back with libxml2. */
typedef struct junit_counts {
    long tests_attr, failures_attr, skipped_attr;      /* on <testsuites> */
    long suite_tests, suite_failures, suite_skipped;   /* on <testsuite> */
    long testcases, failures, skipped, suites;         /* elements actually present */
    char suite_name[256];
} junit_counts;

static long attr_long(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    long x = v ? strtol((const char *)v, NULL, 10) : -1;
    xmlFree(v);
    return x;
}

static void junit_read(const char *xml, size_t len, junit_counts *c)
{
    memset(c, 0, sizeof *c);
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "junit.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "testsuites");
    c->tests_attr = attr_long(root, "tests");
    c->failures_attr = attr_long(root, "failures");
    c->skipped_attr = attr_long(root, "skipped");
    for (xmlNode *s = root->children; s; s = s->next) {
        if (s->type != XML_ELEMENT_NODE)
            continue;
        assert_string_equal((const char *)s->name, "testsuite");
        c->suites++;
        c->suite_tests = attr_long(s, "tests");
        c->suite_failures = attr_long(s, "failures");
        c->suite_skipped = attr_long(s, "skipped");
        xmlChar *name = xmlGetProp(s, BAD_CAST "name");
        snprintf(c->suite_name, sizeof c->suite_name, "%s", name ? (const char *)name : "");
        xmlFree(name);
        for (xmlNode *t = s->children; t; t = t->next) {
            if (t->type != XML_ELEMENT_NODE || strcmp((const char *)t->name, "testcase") != 0)
                continue;
            c->testcases++;
            for (xmlNode *o = t->children; o; o = o->next) {
                if (o->type != XML_ELEMENT_NODE)
                    continue;
                if (strcmp((const char *)o->name, "failure") == 0)
                    c->failures++;
                else if (strcmp((const char *)o->name, "skipped") == 0)
                    c->skipped++;
            }
        }
    }
    xmlFreeDoc(doc);
}

/* Renders a case in the three formats, saves them for check_reports.py, checks the JUnit
 * counts agree with the elements, and returns the counts. */
static void render_all(const char *name, const audit_result *r, junit_counts *c)
{
    char *text = render(FMT_TEXT, r, &default_opts, NULL);
    save(name, "txt", text);
    free(text);
    char *json = render(FMT_JSON, r, &default_opts, NULL);
    save(name, "json", json);
    free(json);
    size_t n;
    char *xml = render(FMT_JUNIT, r, &default_opts, &n);
    save(name, "xml", xml);
    junit_read(xml, n, c);
    free(xml);
    assert_int_equal(c->suites, 1);
    assert_int_equal(c->tests_attr, c->testcases);
    assert_int_equal(c->suite_tests, c->testcases);
    assert_int_equal(c->failures_attr, c->failures);
    assert_int_equal(c->suite_failures, c->failures);
    assert_int_equal(c->skipped_attr, c->skipped);
    assert_int_equal(c->suite_skipped, c->skipped);
    /* the CI contract: a JUnit report shows failures exactly when the exit code is 1 */
    if (r->exit_code == 1)
        assert_true(c->failures > 0);
    else
        assert_int_equal(c->failures, 0);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("expected to find [%s] in:\n%s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle) != NULL)
        fail_msg("did not expect [%s] in:\n%s", needle, hay);
}

/* ---- tests ---- */

static void test_compliant(void **state)
{
    (void)state;
    audit_result r;
    make_compliant(&r);
    junit_counts c;
    render_all("compliant", &r, &c);
    assert_int_equal(c.testcases, 5);   /* build + 3 requirements + reboot */
    assert_int_equal(c.failures, 0);
    assert_string_equal(c.suite_name, "Windows Server (R) 2008 Standard x64 (/mnt/win)");

    char *text = render(FMT_TEXT, &r, &default_opts, NULL);
    char *line = first_line(text);
    assert_string_equal(line, "COMPLIANT: build 6003, all 3 requirements satisfied");
    assert_contains(text, "by KB4517134 (a later update)");
    assert_contains(text, "Install plan: nothing to install");
    assert_contains(text, "ntoskrnl.exe 6.0.6003.20512");
    assert_lacks(text, "\033");
    free(line);
    free(text);

    char *json = render(FMT_JSON, &r, &default_opts, NULL);
    assert_contains(json, "\"verdict\": \"compliant\"");
    assert_contains(json, "\"exit_code\": 0");
    assert_contains(json, "\"effective\": 6003");
    assert_contains(json, "\"consistent\": true");
    assert_contains(json, "\"satisfied_by\": \"KB4517134\"");
    assert_contains(json, "\"date\": \"2019-05-14\"");
    assert_contains(json, "\"months_behind\": 0");
    free(json);
}

static void test_not_compliant_plan(void **state)
{
    (void)state;
    audit_result r;
    make_not_compliant(&r);
    junit_counts c;
    render_all("not-compliant", &r, &c);
    assert_int_equal(c.testcases, 5);
    assert_int_equal(c.failures, 4);   /* build 6002 and the three missing requirements */

    char *text = render(FMT_TEXT, &r, &default_opts, NULL);
    char *line = first_line(text);
    assert_string_equal(line, "NOT COMPLIANT: build 6002, 3 requirements missing");
    assert_contains(text, "   1. KB4493730  ssu ");
    assert_contains(text, "   2. KB4474419  sha2 ");
    /* a planned reboot the database does not confirm says so, as the JSON does */
    assert_contains(text, "      then reboot (planned: the database does not confirm whether it needs one)\n"
                          "   3. reboot: KB4474419 needs a reboot\n");
    assert_contains(text, "   4. KB5073697  rollup ");
    assert_contains(text, "[needs an ESU licence]");
    assert_contains(text, "   5. reboot\n");
    assert_contains(text, "(title unknown)");
    assert_contains(text, "reboot: the database does not say whether it needs one");
    assert_contains(text, "KB4474419 (2019-09)");
    free(line);
    free(text);

    char *json = render(FMT_JSON, &r, &default_opts, NULL);
    assert_contains(json, "\"verdict\": \"not-compliant\"");
    assert_contains(json, "\"status\": \"missing\"");
    assert_contains(json, "\"satisfied_by\": null");
    assert_contains(json, "\"kind\": \"reboot\"");
    assert_contains(json, "\"kind\": \"rollup\"");   /* from kbdb_kind_name when the engine gave none */
    assert_contains(json, "\"kind\": \"other\"");
    assert_contains(json, "\"reboot_after\": null");   /* unconfirmed and not planned */
    assert_contains(json, "\"reboot_after\": true,\n      \"reboot_unconfirmed\": true");
    assert_contains(json, "\"needs_esu\": true");
    assert_contains(json, "\"newest_rollup_installed\": null");
    assert_contains(json, "\"updates_needing_esu_missing\": 93");
    assert_contains(json, "\"date\": \"2019-09\"");
    free(json);
}

static void test_not_covered(void **state)
{
    (void)state;
    audit_result r;
    make_not_covered(&r);
    junit_counts c;
    render_all("not-covered", &r, &c);
    assert_int_equal(c.testcases, 2);   /* build + reboot; no requirements apply */
    assert_int_equal(c.skipped, 2);
    assert_int_equal(c.failures, 0);

    char *text = render(FMT_TEXT, &r, &default_opts, NULL);
    char *line = first_line(text);
    assert_string_equal(line, "NOT COVERED: detected Windows Server 2008 R2 (NT 6.1, build 7601): these updates "
                              "are for Windows Server 2008 SP2");
    assert_lacks(text, "Install plan");   /* a plan for a platform not covered would be a guess */
    free(line);
    free(text);

    char *json = render(FMT_JSON, &r, &default_opts, NULL);
    assert_contains(json, "\"verdict\": \"not-covered\"");
    assert_contains(json, "\"exit_code\": 4");
    assert_contains(json, "\"registry\": 7601");
    free(json);
}

static void test_pending_reboot(void **state)
{
    (void)state;
    audit_result r;
    make_pending(&r);
    junit_counts c;
    render_all("pending-reboot", &r, &c);
    assert_int_equal(c.failures, 2);   /* the pending rollup and the pending reboot */

    char *text = render(FMT_TEXT, &r, &default_opts, NULL);
    char *line = first_line(text);
    assert_string_equal(line, "NOT COMPLIANT: build 6003 (registry says 6002), 1 requirement pending, reboot pending");
    assert_contains(text, "Server Core");
    assert_contains(text, "consistent   no");
    assert_contains(text, "Pending reboot: yes\n  - Component Based Servicing\\RebootPending exists\n");
    assert_contains(text, "newest installed   none");
    assert_contains(text, "months behind      81");
    free(line);
    free(text);

    char *json = render(FMT_JSON, &r, &default_opts, NULL);
    assert_contains(json, "\"pending_reboot\": true");
    assert_contains(json, "\"consistent\": false");
    assert_contains(json, "\"server_core\": true");
    assert_contains(json, "\"status\": \"pending\"");
    assert_contains(json, "\"2 PendingFileRenameOperations\"");
    free(json);
}

static void test_nulls(void **state)
{
    (void)state;
    audit_result r;
    make_nulls(&r);
    junit_counts c;
    render_all("nulls", &r, &c);
    assert_int_equal(c.testcases, 2);
    assert_int_equal(c.failures, 1);   /* build unknown */

    char *text = render(FMT_TEXT, &r, NULL, NULL);
    char *line = first_line(text);
    assert_string_equal(line, "INCONCLUSIVE: build unknown");
    assert_contains(text, "(product unknown)");
    assert_contains(text, "months behind      unknown");
    free(line);
    free(text);

    char *json = render(FMT_JSON, &r, NULL, NULL);
    assert_lacks(json, "KB0");
    assert_lacks(json, ": 0,");   /* no unknown rendered as a zero */
    assert_contains(json, "\"product\": null");
    assert_contains(json, "\"arch\": null");
    assert_contains(json, "\"server_core\": null");
    assert_contains(json, "\"registry\": null");
    assert_contains(json, "\"kernel\": null");
    assert_contains(json, "\"effective\": null");
    assert_contains(json, "\"consistent\": null");
    assert_contains(json, "\"months_behind\": null");
    assert_contains(json, "\"newest_known_rollup\": null");
    assert_contains(json, "\"database\": null");
    free(json);

    /* an unknown date or an impossible one is null, a month-only one is YYYY-MM */
    r.newest_rollup_kb = 4493471;
    r.newest_rollup_date = (kbdb_date){2019, 13, 1};
    json = render(FMT_JSON, &r, NULL, NULL);
    assert_contains(json, "\"kb\": \"KB4493471\",\n    \"date\": null");
    free(json);
}

static void test_inconclusive_junit_fails(void **state)
{
    (void)state;
    audit_result r;
    make_inconclusive_6003(&r);
    junit_counts c;
    render_all("inconclusive-6003", &r, &c);
    assert_int_equal(c.failures, 1);
    size_t n;
    char *xml = render(FMT_JUNIT, &r, &default_opts, &n);
    assert_contains(xml, "message=\"inconclusive: the package registry could not be read completely\"");
    free(xml);
    char *text = render(FMT_TEXT, &r, &default_opts, NULL);
    char *line = first_line(text);
    assert_string_equal(line, "INCONCLUSIVE: the package registry could not be read completely");
    free(line);
    free(text);
}

static void test_hostile_strings(void **state)
{
    (void)state;
    audit_result r;
    make_hostile(&r);
    junit_counts c;
    render_all("hostile", &r, &c);   /* the XML parses: the counts are read back */

    char *text = render(FMT_TEXT, &r, &default_opts, NULL);
    assert_lacks(text, "\033");
    assert_lacks(text, "\x07");
    assert_lacks(text, "\r");
    assert_lacks(text, "\xc2\x9b");
    assert_lacks(text, "\xff");
    assert_contains(text, "Evil \\x1b[31mServer\\x1b[0m <&\"'> ]]> \\xff");
    assert_contains(text, "Tab\\x09here\\x0aNewline");
    assert_contains(text, "C1 CSI: \\u009b31m red");
    assert_contains(text, "bad UTF-8: \\xff\\xfe\\xc3 end");
    assert_contains(text, "ok \xef\xbf\xbd and U+FFFF \\uffff");   /* a real U+FFFD is kept */
    free(text);

    /* colour on: the only escapes are ours */
    report_audit_opts o = default_opts;
    o.color = true;
    text = render(FMT_TEXT, &r, &o, NULL);
    assert_lacks(text, "\033[31mServer");
    assert_lacks(text, "\033[2J");
    free(text);

    char *json = render(FMT_JSON, &r, &default_opts, NULL);
    assert_lacks(json, "\xff");
    assert_contains(json, "\\u001b[31mServer");
    assert_contains(json, "bad UTF-8: \\ufffd\\ufffd\\ufffd end");   /* by the JSON writer */
    free(json);

    size_t n;
    char *xml = render(FMT_JUNIT, &r, &default_opts, &n);
    assert_lacks(xml, "<injected/>");
    assert_contains(xml, "&lt;/failure&gt;&lt;injected/&gt; &amp;");
    free(xml);
}

static void test_color(void **state)
{
    (void)state;
    audit_result r;
    make_not_compliant(&r);
    report_audit_opts o = default_opts;
    o.color = true;
    char *text = render(FMT_TEXT, &r, &o, NULL);
    assert_true(strncmp(text, "\033[1;31mNOT COMPLIANT\033[0m: build 6002", 36) == 0);
    assert_contains(text, "\033[1;31mmissing\033[0m\n");
    free(text);
    make_compliant(&r);
    text = render(FMT_TEXT, &r, &o, NULL);
    assert_true(strncmp(text, "\033[1;32mCOMPLIANT\033[0m", 20) == 0);
    free(text);
}

static void test_quiet(void **state)
{
    (void)state;
    audit_result r;
    make_pending(&r);
    report_audit_opts o = default_opts;
    o.quiet = true;
    char *text = render(FMT_TEXT, &r, &o, NULL);
    char line[256];
    report_audit_verdict_line(&r, line, sizeof line);
    assert_string_equal(line, "NOT COMPLIANT: build 6003 (registry says 6002), 1 requirement pending, reboot pending");
    size_t n = strlen(line);
    assert_int_equal(strlen(text), n + 1);
    assert_memory_equal(text, line, n);
    assert_int_equal(text[n], '\n');
    free(text);

    /* truncation keeps a terminated string */
    char small[10];
    report_audit_verdict_line(&r, small, sizeof small);
    assert_string_equal(small, "NOT COMPL");
}

/* NO_COLOR (any value, even empty) and --no-color switch colour off; a file never gets it;
 * a terminal does otherwise. */
static void test_no_color(void **state)
{
    (void)state;
    char path[512];
    mkdir(OUT_DIR, 0755);
    snprintf(path, sizeof path, "%s/color-probe.txt", OUT_DIR);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    unsetenv("NO_COLOR");
    assert_false(report_color_wanted(fd, false));   /* not a terminal */
    close(fd);

    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        if (master >= 0)
            close(master);
        skip();
    }
    const char *name = ptsname(master);
    int tty = name ? open(name, O_RDWR | O_NOCTTY) : -1;
    if (tty < 0) {
        close(master);
        skip();
    }
    assert_true(report_color_wanted(tty, false));
    assert_false(report_color_wanted(tty, true));   /* --no-color */
    setenv("NO_COLOR", "1", 1);
    assert_false(report_color_wanted(tty, false));
    setenv("NO_COLOR", "", 1);
    assert_false(report_color_wanted(tty, false));   /* set, even empty */
    unsetenv("NO_COLOR");
    assert_true(report_color_wanted(tty, false));
    close(tty);
    close(master);
}

/* ---- several targets and unreadable evidence ---- */

/* Writes with FN into memory; the text, NUL-terminated (its length in *len). */
#define CAPTURE(text, len, call)                                                                   \
    do {                                                                                           \
        FILE *fp_ = open_memstream(&(text), &(len));                                               \
        assert_non_null(fp_);                                                                      \
        kb_error err = {0};                                                                        \
        FILE *out = fp_;                                                                           \
        int rc_ = (call);                                                                          \
        assert_int_equal(fclose(fp_), 0);                                                          \
        if (rc_ != 0)                                                                              \
            fail_msg("writer failed: %s", err.msg);                                                \
    } while (0)

static const report_evidence_error evil_errors[] = {
    {.file = "/mnt/win/Windows/System32/config/SOFTWARE", .key = "SOFTWARE\\Microsoft\\x\x1b[2J",
     .has_offset = true, .offset = 0x520, .problem = "key at offset 0x520: bad \x1b[31m\n<error/> & \xff"},
    {.file = NULL, .key = NULL, .problem = "SYSTEM hive unreadable"},
};

static void test_error_documents(void **state)
{
    (void)state;
    char *json = NULL;
    size_t n = 0;
    CAPTURE(json, n, report_audit_error_json(evil_errors, 2, &default_opts, out, &err));
    save("error", "json", json);
    assert_contains(json, "\"verdict\": \"inconclusive\",\n  \"exit_code\": 3,");
    assert_contains(json, "\"verdict_reason\": \"evidence unreadable: key at offset 0x520: bad \\u001b[31m\\n<error/> & \\ufffd\"");
    assert_contains(json, "\"offset\": 1312,");
    assert_contains(json, "\"file\": null,\n      \"key\": null,\n      \"offset\": null,");
    assert_contains(json, "\"target\": \"/mnt/win\"");
    assert_lacks(json, "\"host\"");
    free(json);

    /* jsonl: the same document on one line */
    report_audit_opts o = default_opts;
    o.compact = true;
    CAPTURE(json, n, report_audit_error_json(evil_errors, 1, &o, out, &err));
    assert_int_equal(strchr(json, '\n') - json, (long)n - 1);
    assert_contains(json, "{\"kbaudit_version\":");
    assert_contains(json, "\"exit_code\":3,");
    free(json);
    audit_result r;
    make_not_compliant(&r);
    CAPTURE(json, n, report_audit_json(&r, &o, out, &err));
    assert_int_equal(strchr(json, '\n') - json, (long)n - 1);
    free(json);

    /* JUnit: one testcase in error, counted, its text XML-safe */
    char *xml = NULL;
    CAPTURE(xml, n, report_audit_error_junit(evil_errors, 2, &default_opts, out, &err));
    save("error", "xml", xml);
    xmlDoc *doc = xmlReadMemory(xml, (int)n, "error.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    assert_contains(xml, "tests=\"1\" failures=\"0\" errors=\"1\"");
    assert_contains(xml, "<error message=\"evidence unreadable: key at offset 0x520: bad \\x1b[31m\\x0a&lt;error/&gt; &amp; \\xff\" type=\"unreadable\">");
    assert_contains(xml, "  offset: 0x520\n");
    assert_contains(xml, "SYSTEM hive unreadable\n");
    assert_lacks(xml, "\x1b");
    free(xml);
}

static void test_several_targets(void **state)
{
    (void)state;
    audit_result nc, ok;
    make_not_compliant(&nc);
    make_compliant(&ok);
    char *xml = NULL;
    size_t n = 0;
    report_audit_opts o = default_opts;
    CAPTURE(xml, n,
            report_junit_begin(out, &err) || report_audit_junit_suite(&nc, &o, out, &err) ||
                report_audit_error_junit_suite(evil_errors, 1, &o, out, &err) ||
                report_audit_junit_suite(&ok, &o, out, &err) || report_junit_end(out, &err));
    save("several", "xml", xml);
    xmlDoc *doc = xmlReadMemory(xml, (int)n, "several.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    assert_non_null(doc);
    long suites = 0;
    for (xmlNode *s = xmlDocGetRootElement(doc)->children; s; s = s->next)
        suites += s->type == XML_ELEMENT_NODE && strcmp((const char *)s->name, "testsuite") == 0;
    xmlFreeDoc(doc);
    assert_int_equal(suites, 3);
    free(xml);

    /* text: a line per target, the missing KBs named, the target escaped */
    char *text = NULL;
    CAPTURE(text, n, report_audit_summary_line(&nc, "/mnt/a", out, &err));
    assert_string_equal(text, "/mnt/a: NOT COMPLIANT: build 6002, 3 requirements missing; "
                              "missing: KB4493730, KB4474419, KB4493471\n");
    free(text);
    audit_requirement staged[3];
    memcpy(staged, reqs_missing, sizeof staged);
    staged[1].status = AUDIT_PENDING;
    nc.reqs = staged;
    CAPTURE(text, n, report_audit_summary_line(&nc, "/mnt/a", out, &err));
    assert_string_equal(text, "/mnt/a: NOT COMPLIANT: build 6002, 2 requirements missing, 1 requirement pending; "
                              "missing: KB4493730, KB4493471; pending: KB4474419\n");
    free(text);
    CAPTURE(text, n, report_audit_summary_line(&ok, "/mnt/b", out, &err));
    assert_string_equal(text, "/mnt/b: COMPLIANT: build 6003, all 3 requirements satisfied\n");
    free(text);
    CAPTURE(text, n, report_audit_error_line("/mnt/\x1b[2Jc", evil_errors[0].problem, out, &err));
    assert_string_equal(text, "/mnt/\\x1b[2Jc: ERROR: evidence unreadable: key at offset 0x520: bad \\x1b[31m\\x0a<error/> & \\xff\n");
    free(text);
    report_totals t = {.targets = 3, .compliant = 1, .not_compliant = 1, .unreadable = 1, .exit_code = 3};
    CAPTURE(text, n, report_audit_totals_line(&t, out, &err));
    assert_string_equal(text, "3 targets: 1 compliant, 1 not compliant, 0 inconclusive, 0 not covered, 1 unreadable; exit 3\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compliant),      cmocka_unit_test(test_not_compliant_plan),
        cmocka_unit_test(test_not_covered),    cmocka_unit_test(test_pending_reboot),
        cmocka_unit_test(test_nulls),          cmocka_unit_test(test_inconclusive_junit_fails),
        cmocka_unit_test(test_hostile_strings), cmocka_unit_test(test_color),
        cmocka_unit_test(test_quiet),          cmocka_unit_test(test_no_color),
        cmocka_unit_test(test_error_documents), cmocka_unit_test(test_several_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
