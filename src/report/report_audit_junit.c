/* `kbaudit audit --format junit`: JUnit XML for CI servers, written with libxml2's
 * xmlwriter into memory and then to the output in one go (a failed write leaves no
 * half-document behind in memory). One testsuite for the host; testcases for the build, each
 * requirement and the pending reboot, so that the failures a CI server shows are exactly
 * the reasons for exit code 1. docs/json-output.md, "JUnit XML". */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "kbaudit/report.h"
#include "report_audit_util.h"

typedef struct junit_out {
    xmlTextWriterPtr w;
    kb_buf tmp;
    bool failed;
} junit_out;

static void check(junit_out *o, int rc)
{
    if (rc < 0)
        o->failed = true;
}

/* Evidence text made XML-safe (control characters cannot appear in XML 1.0 even as
 * references); the writer escapes <, & and quotes. */
static const xmlChar *clean(junit_out *o, const char *s, bool keep_lines)
{
    kb_buf_reset(&o->tmp);
    if (report_clean(&o->tmp, s, keep_lines) != 0 || kb_buf_puts(&o->tmp, "") != 0) {
        o->failed = true;
        return BAD_CAST "";
    }
    return BAD_CAST o->tmp.data;
}

static void attr(junit_out *o, const char *name, const char *value)
{
    check(o, xmlTextWriterWriteAttribute(o->w, BAD_CAST name, clean(o, value ? value : "", false)));
}

static void attr_num(junit_out *o, const char *name, size_t v)
{
    /* formatted here, not by libxml2: its printf is the C runtime's, which on Windows
     * Server 2008 (msvcrt) does not know %zu */
    char num[24];
    snprintf(num, sizeof num, "%zu", v);
    check(o, xmlTextWriterWriteAttribute(o->w, BAD_CAST name, BAD_CAST num));
}

static void start(junit_out *o, const char *element)
{
    check(o, xmlTextWriterStartElement(o->w, BAD_CAST element));
}

static void end(junit_out *o)
{
    check(o, xmlTextWriterEndElement(o->w));
}

static void property(junit_out *o, const char *name, const char *value)
{
    start(o, "property");
    attr(o, "name", name);
    attr(o, "value", value);
    end(o);
}

/* One testcase; outcome "failure" or "skipped" (with message and body), or NULL: passed. */
static void testcase(junit_out *o, const char *classname, const char *name, const char *outcome,
                     const char *type, const char *message, const char *body)
{
    start(o, "testcase");
    attr(o, "classname", classname);
    attr(o, "name", name);
    attr(o, "time", "0");
    if (outcome) {
        start(o, outcome);
        attr(o, "message", message);
        if (type)
            attr(o, "type", type);
        if (body && *body)
            check(o, xmlTextWriterWriteString(o->w, clean(o, body, true)));
        end(o);
    }
    end(o);
}

/* What each testcase says, decided before writing so that the counts on <testsuites> and
 * <testsuite> are right. */
typedef struct junit_plan {
    bool skip;                /* not covered: every testcase is skipped */
    bool build_fails;
    bool reboot_fails;
    size_t tests, failures, errors, skipped;
} junit_plan;

static void decide(const audit_result *r, junit_plan *p)
{
    memset(p, 0, sizeof *p);
    p->tests = r->nreqs + 2;
    if (r->verdict == AUDIT_NOT_COVERED) {
        p->skip = true;
        p->skipped = p->tests;
        return;
    }
    p->build_fails = r->build.effective != 6003;
    p->reboot_fails = r->pending_reboot;
    size_t failing = (size_t)p->build_fails + (size_t)p->reboot_fails + report_count_status(r, AUDIT_MISSING) +
                     report_count_status(r, AUDIT_PENDING);
    /* a non-compliant verdict must show as a failure even when its reason is none of the
     * above: it goes on the build testcase, with the engine's reason */
    if (failing == 0 && r->verdict != AUDIT_COMPLIANT) {
        p->build_fails = true;
        failing = 1;
    }
    p->failures = failing;
    p->skipped = r->package_list;   /* the reboot: a package list does not show it */
}

static void build_case(junit_out *o, const audit_result *r, const junit_plan *p, kb_buf *b)
{
    const audit_build *bd = &r->build;
    char v[24];
    kb_buf_reset(b);
    int rc = 0;
    const char *src = r->package_list ? "systeminfo (OS Version)" : "registry (CurrentBuildNumber)";
    rc |= bd->registry ? kb_buf_printf(b, "%s: %u\n", src, bd->registry) : kb_buf_printf(b, "%s: unknown\n", src);
    if (r->package_list)
        rc |= kb_buf_puts(b, "evidence: package list (systeminfo / qfe text): CBS states, file versions and a "
                             "pending reboot are unknown\n");
    rc |= bd->has_kernel_version ? kb_buf_printf(b, "kernel (%s): %s\n", bd->kernel_file ? bd->kernel_file : "ntoskrnl.exe",
                                                       report_version(bd->kernel_version, v))
                                 : kb_buf_puts(b, "kernel (ntoskrnl.exe): unknown\n");
    rc |= bd->consistent_known ? kb_buf_printf(b, "consistent: %s\n", bd->consistent ? "yes" : "no")
                               : kb_buf_puts(b, "consistent: unknown\n");
    if (r->verdict_reason)
        rc |= kb_buf_printf(b, "verdict: %s\n", r->verdict_reason);
    if (rc)
        o->failed = true;
    kb_buf msg = KB_BUF_INIT;
    if (p->skip)
        rc = kb_buf_puts(&msg, r->verdict_reason ? r->verdict_reason : "not covered");
    else if (bd->effective == 6003)   /* only here when the verdict fails for another reason */
        rc = kb_buf_printf(&msg, "%s: %s", audit_verdict_name(r->verdict),
                           r->verdict_reason ? r->verdict_reason : "see the report");
    else if (bd->effective)
        rc = kb_buf_printf(&msg, "build %u", bd->effective);
    else
        rc = kb_buf_puts(&msg, "build unknown");
    if (rc)
        o->failed = true;
    const char *outcome = p->skip ? "skipped" : p->build_fails ? "failure" : NULL;
    testcase(o, "kbaudit.build", "build 6003", outcome, p->skip ? NULL : "build", msg.data ? msg.data : "", b->data);
    kb_buf_free(&msg);
}

static void requirement_cases(junit_out *o, const audit_result *r, const junit_plan *p, kb_buf *b)
{
    for (size_t i = 0; i < r->nreqs; i++) {
        const audit_requirement *q = &r->reqs[i];
        char kb[16], by[16], name[64], msg[96];
        const char *k = report_kb(q->kb, kb);
        snprintf(name, sizeof name, "%.24s %s", q->id ? q->id : "?", k ? k : "(any)");
        kb_buf_reset(b);
        int rc = 0;
        if (q->satisfied_by)
            rc |= kb_buf_printf(b, "satisfied by: %s\n", report_kb(q->satisfied_by, by));
        if (q->evidence)
            rc |= kb_buf_printf(b, "evidence (%s): %s\n", q->evidence_kind ? q->evidence_kind : "?", q->evidence);
        if (rc)
            o->failed = true;
        const char *outcome = NULL;
        if (p->skip) {
            outcome = "skipped";
            snprintf(msg, sizeof msg, "not covered");
        } else if (q->status != AUDIT_SATISFIED) {
            outcome = "failure";
            snprintf(msg, sizeof msg, "%s %s", k ? k : "(any)", audit_status_name(q->status));
        }
        testcase(o, "kbaudit.requirement", name, outcome, audit_status_name(q->status),
                 p->skip && r->verdict_reason ? r->verdict_reason : msg, b->data);
    }
}

static void reboot_case(junit_out *o, const audit_result *r, const junit_plan *p, kb_buf *b)
{
    kb_buf_reset(b);
    for (size_t i = 0; i < r->npending_reasons; i++)
        if (kb_buf_printf(b, "%s\n", r->pending_reasons[i] ? r->pending_reasons[i] : "") != 0)
            o->failed = true;
    if (!p->skip && r->package_list) {
        testcase(o, "kbaudit.reboot", "no reboot pending", "skipped", NULL,
                 "unknown: a package list (systeminfo / qfe text) does not show a pending reboot", b->data);
        return;
    }
    const char *outcome = p->skip ? "skipped" : p->reboot_fails ? "failure" : NULL;
    testcase(o, "kbaudit.reboot", "no reboot pending", outcome, p->skip ? NULL : "reboot",
             p->skip ? (r->verdict_reason ? r->verdict_reason : "not covered") : "reboot pending", b->data);
}

/* The install plan and the warnings as lines, for people reading the CI page. */
static int plan_text(const audit_result *r, kb_buf *b)
{
    char kb[16];
    int rc = 0;
    kb_buf_reset(b);
    rc |= kb_buf_puts(b, r->nplan ? "Install plan:\n" : "Install plan: nothing to install\n");
    for (size_t i = 0; i < r->nplan; i++) {
        const audit_step *s = &r->plan[i];
        if (s->kb == 0)
            rc |= kb_buf_printf(b, "%zu. reboot%s%s\n", i + 1, s->reason ? ": " : "", s->reason ? s->reason : "");
        else
            rc |= kb_buf_printf(b, "%zu. %s %s %s%s%s\n", i + 1, report_kb(s->kb, kb), report_step_kind(s),
                                s->title ? s->title : "", s->reboot_after ? (s->reboot_unconfirmed ? " (then reboot; unconfirmed whether needed)" : " (then reboot)")
                                : s->reboot_unconfirmed ? " (reboot: unknown)" : "",
                                s->needs_esu ? " (needs an ESU licence)"
                                : s->needs_esu_known ? "" : " (ESU licence: unknown)");
    }
    for (size_t i = 0; i < r->nwarnings; i++)
        rc |= kb_buf_printf(b, "warning: %s\n", r->warnings[i] ? r->warnings[i] : "");
    return rc ? -1 : 0;
}

static void counts(junit_out *o, const junit_plan *p)
{
    attr_num(o, "tests", p->tests);
    attr_num(o, "failures", p->failures);
    attr_num(o, "errors", p->errors);
    attr_num(o, "skipped", p->skipped);
    attr(o, "time", "0");
}

/* <properties>: the verdict and what was audited with what; R (NULL for the document of
 * unreadable evidence) adds the evidence kind and what was done about each hive's logs. */
static void properties(junit_out *o, const report_audit_opts *opt, const char *verdict, int code, const char *reason,
                       const audit_result *r, kb_buf *b)
{
    char exit_code[16];
    snprintf(exit_code, sizeof exit_code, "%d", code);
    start(o, "properties");
    property(o, "verdict", verdict);
    property(o, "exit_code", exit_code);
    if (r && r->evidence)
        property(o, "evidence_kind", r->evidence);
    if (reason)
        property(o, "verdict_reason", reason);
    property(o, "kbaudit_version", KBAUDIT_VERSION);
    if (opt->database)
        property(o, "database", opt->database);
    if (opt->baseline)
        property(o, "baseline", opt->baseline);
    if (opt->target)
        property(o, "target", opt->target);
    for (int i = 0; r && i < 2; i++)
        if (r->hives[i].logs) {
            kb_buf_reset(b);
            if (kb_buf_printf(b, "hive_logs_%s", r->hives[i].hive) != 0)
                o->failed = true;
            property(o, b->data ? b->data : "hive_logs", r->hives[i].detail ? r->hives[i].detail : r->hives[i].logs);
        }
    end(o);
}

/* What one document or fragment holds: an audit result, or the errors of a target whose
 * evidence could not be read. */
typedef struct junit_content {
    const audit_result *r;
    const report_evidence_error *errors;
    size_t nerrors;
    const report_audit_opts *opt;
} junit_content;

static void result_suite(junit_out *o, const junit_content *c, const junit_plan *p, kb_buf *b)
{
    const audit_result *r = c->r;
    const report_audit_opts *opt = c->opt;
    start(o, "testsuite");
    kb_buf_reset(b);
    const char *arch = facts_arch_name(r->arch);
    if (kb_buf_printf(b, "%s%s%s%s%s%s", r->product ? r->product : "unknown product", arch ? " " : "",
                      arch ? arch : "", opt->target ? " (" : "", opt->target ? opt->target : "",
                      opt->target ? ")" : "") != 0)
        o->failed = true;
    attr(o, "name", b->data);
    counts(o, p);
    properties(o, opt, audit_verdict_name(r->verdict), r->exit_code, r->verdict_reason, r, b);
    build_case(o, r, p, b);
    requirement_cases(o, r, p, b);
    reboot_case(o, r, p, b);
    if (!p->skip) {
        if (plan_text(r, b) != 0)
            o->failed = true;
        start(o, "system-out");
        check(o, xmlTextWriterWriteString(o->w, clean(o, b->data, true)));
        end(o);
    }
    end(o);   /* testsuite */
}

/* Exit 3: one testcase, "evidence readable", in error; its message is the first problem as
 * standard error says it, its body every problem with where it is. */
static void error_suite(junit_out *o, const junit_content *c, const junit_plan *p, kb_buf *b)
{
    const report_audit_opts *opt = c->opt;
    const char *first = c->nerrors && c->errors[0].problem ? c->errors[0].problem : "unknown problem";
    kb_buf reason = KB_BUF_INIT;
    int rc = kb_buf_printf(&reason, "evidence unreadable: %s", first);
    kb_buf_reset(b);
    rc |= kb_buf_printf(b, "evidence unreadable%s%s%s", opt->target ? " (" : "", opt->target ? opt->target : "",
                        opt->target ? ")" : "");
    if (rc)
        o->failed = true;
    start(o, "testsuite");
    attr(o, "name", b->data);
    counts(o, p);
    properties(o, opt, audit_verdict_name(AUDIT_INCONCLUSIVE), 3, reason.data, NULL, b);
    kb_buf_reset(b);
    rc = 0;
    for (size_t i = 0; i < c->nerrors; i++) {
        const report_evidence_error *e = &c->errors[i];
        rc |= kb_buf_printf(b, "%s\n", e->problem ? e->problem : "unknown problem");
        if (e->file)
            rc |= kb_buf_printf(b, "  file: %s\n", e->file);
        if (e->key)
            rc |= kb_buf_printf(b, "  key: %s\n", e->key);
        if (e->has_offset)
            rc |= kb_buf_printf(b, "  offset: 0x%llx\n", (unsigned long long)e->offset);
    }
    if (rc)
        o->failed = true;
    start(o, "testcase");
    attr(o, "classname", "kbaudit.evidence");
    attr(o, "name", "evidence readable");
    attr(o, "time", "0");
    start(o, "error");
    attr(o, "message", reason.data ? reason.data : first);
    attr(o, "type", "unreadable");
    if (b->data && *b->data)
        check(o, xmlTextWriterWriteString(o->w, clean(o, b->data, true)));
    end(o);   /* error */
    end(o);   /* testcase */
    end(o);   /* testsuite */
    kb_buf_free(&reason);
}

static void suite(junit_out *o, const junit_content *c, const junit_plan *p, kb_buf *b)
{
    if (c->r)
        result_suite(o, c, p, b);
    else
        error_suite(o, c, p, b);
}

static void plan_counts(const junit_content *c, junit_plan *p)
{
    if (c->r) {
        decide(c->r, p);
        return;
    }
    memset(p, 0, sizeof *p);
    p->tests = 1;
    p->errors = 1;
}

/* Writes C as a whole document (whole) or as one <testsuite> element of a document that
 * report_junit_begin started. */
static int write_junit(const junit_content *c, bool whole, FILE *out, kb_error *err)
{
    static const report_audit_opts none = {0};
    junit_content cc = *c;
    if (cc.opt == NULL)
        cc.opt = &none;
    xmlBufferPtr xb = xmlBufferCreate();
    if (xb == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    junit_out o = {xmlNewTextWriterMemory(xb, 0), KB_BUF_INIT, false};
    kb_buf b = KB_BUF_INIT;
    if (o.w == NULL) {
        xmlBufferFree(xb);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    }
    check(&o, xmlTextWriterSetIndent(o.w, 1));
    check(&o, xmlTextWriterSetIndentString(o.w, BAD_CAST "  "));
    junit_plan p;
    plan_counts(&cc, &p);
    if (whole) {
        check(&o, xmlTextWriterStartDocument(o.w, NULL, "UTF-8", NULL));
        start(&o, "testsuites");
        attr(&o, "name", "kbaudit");
        counts(&o, &p);
    }
    suite(&o, &cc, &p, &b);
    if (whole) {
        end(&o);   /* testsuites */
        check(&o, xmlTextWriterEndDocument(o.w));
    }
    xmlFreeTextWriter(o.w);   /* flushes into xb */
    int rc = 0;
    if (o.failed)
        rc = kb_error_set(err, KB_ERR_NOMEM, "cannot build the JUnit document");
    else if (fwrite(xmlBufferContent(xb), 1, (size_t)xmlBufferLength(xb), out) != (size_t)xmlBufferLength(xb) ||
             (!whole && fputc('\n', out) == EOF))
        rc = kb_error_set(err, KB_ERR_IO, "cannot write the report");
    kb_buf_free(&b);
    kb_buf_free(&o.tmp);
    xmlBufferFree(xb);
    return rc;
}

int report_audit_junit(const audit_result *r, const report_audit_opts *opt, FILE *out, kb_error *err)
{
    junit_content c = {.r = r, .opt = opt};
    return write_junit(&c, true, out, err);
}

int report_audit_junit_suite(const audit_result *r, const report_audit_opts *opt, FILE *out, kb_error *err)
{
    junit_content c = {.r = r, .opt = opt};
    return write_junit(&c, false, out, err);
}

int report_audit_error_junit(const report_evidence_error *e, size_t n, const report_audit_opts *opt, FILE *out,
                             kb_error *err)
{
    junit_content c = {.errors = e, .nerrors = n, .opt = opt};
    return write_junit(&c, true, out, err);
}

int report_audit_error_junit_suite(const report_evidence_error *e, size_t n, const report_audit_opts *opt,
                                   FILE *out, kb_error *err)
{
    junit_content c = {.errors = e, .nerrors = n, .opt = opt};
    return write_junit(&c, false, out, err);
}

/* The frame of a document of several targets, written as text: the same declaration
 * xmlwriter writes for a single target. */
int report_junit_begin(FILE *out, kb_error *err)
{
    if (fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kbaudit\">\n", out) == EOF)
        return kb_error_set(err, KB_ERR_IO, "cannot write the report");
    return 0;
}

int report_junit_end(FILE *out, kb_error *err)
{
    if (fputs("</testsuites>\n", out) == EOF)
        return kb_error_set(err, KB_ERR_IO, "cannot write the report");
    return 0;
}
