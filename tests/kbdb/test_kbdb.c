/* Unit tests of the knowledge base: the loader on good and hostile inputs (fixtures in
 * tests/fixtures/kbdb/, gzip files written here at test time), the integrity checker, the
 * queries, and a few facts of the bundled database. */
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
#include <zlib.h>

#include "kbaudit/buf.h"
#include "kbaudit/kbdb.h"

#define FIXTURES KBAUDIT_SOURCE_DIR "/tests/fixtures/kbdb/"
#define OUT_DIR KBAUDIT_FIXTURE_DIR "/kbdb"

/* ---- helpers ---- */

static char *out_path(const char *name)
{
    static char buf[4][1024];
    static int n;
    char *p = buf[n++ % 4];
    mkdir(KBAUDIT_FIXTURE_DIR, 0755);
    mkdir(OUT_DIR, 0755);
    snprintf(p, sizeof buf[0], "%s/%s", OUT_DIR, name);
    return p;
}

static char *read_all(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, size, fp), size);
    assert_int_equal(fclose(fp), 0);
}

/* minimal.xml with one replacement applied (the first occurrence), as a new string. */
static char *variant(const char *from, const char *to)
{
    size_t n;
    char *s = read_all(FIXTURES "minimal.xml", &n);
    char *at = strstr(s, from);
    assert_non_null(at);
    size_t out_n = n - strlen(from) + strlen(to);
    char *out = malloc(out_n + 1);
    assert_non_null(out);
    size_t pre = (size_t)(at - s);
    memcpy(out, s, pre);
    memcpy(out + pre, to, strlen(to));
    strcpy(out + pre + strlen(to), at + strlen(from));
    free(s);
    return out;
}

static int load_str(const char *xml, unsigned flags, kbdb **db, kb_error *err)
{
    return kbdb_load_memory(xml, strlen(xml), "variant.xml", flags, db, err);
}

/* Loads without the integrity check, runs it, and returns the problems. */
static kbdb_problems check_str(const char *xml)
{
    kbdb *db = NULL;
    kb_error err = {0};
    if (load_str(xml, KBDB_LOAD_NO_CHECK, &db, &err) != 0)
        fail_msg("load failed: %s", err.msg);
    kbdb_problems p = {0};
    assert_int_equal(kbdb_check(db, &p, &err), 0);
    kbdb_free(db);
    return p;
}

static bool has_problem(const kbdb_problems *p, const char *needle)
{
    for (size_t i = 0; i < p->count; i++)
        if (strstr(p->items[i].message, needle))
            return true;
    return false;
}

static void expect_load_error(const char *path, const char *needle)
{
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_file(path, 0, &db, &err), -1);
    assert_null(db);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("error \"%s\" does not mention \"%s\"", err.msg, needle);
}

static void write_gz(const char *path, const void *data, size_t size, size_t repeat)
{
    gzFile gz = gzopen(path, "wb9");
    assert_non_null(gz);
    for (size_t i = 0; i < repeat; i++)
        assert_int_equal(gzwrite(gz, data, (unsigned)size), (int)size);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* ---- the bundled database ---- */

static void test_embedded_loads_and_checks(void **state)
{
    (void)state;
    kbdb *db = NULL;
    kb_error err = {0};
    if (kbdb_load_embedded(&db, &err) != 0)
        fail_msg("%s", err.msg);
    size_t per_kind[KBDB_KIND_COUNT] = {0};
    for (size_t i = 0; i < db->nupdates; i++)
        per_kind[db->updates[i].kind]++;
    assert_int_equal(db->nupdates, 195);
    assert_int_equal(per_kind[KBDB_KIND_SSU], 13);
    assert_int_equal(per_kind[KBDB_KIND_SHA2], 1);
    assert_int_equal(per_kind[KBDB_KIND_ROLLUP], 85);
    assert_int_equal(per_kind[KBDB_KIND_PREVIEW_ROLLUP], 10);
    assert_int_equal(per_kind[KBDB_KIND_SECURITY_ONLY], 80);
    assert_int_equal(per_kind[KBDB_KIND_ESU_PREP], 3);
    assert_int_equal(per_kind[KBDB_KIND_OTHER], 3);
    kbdb_problems p = {0};
    assert_int_equal(kbdb_check(db, &p, &err), 0);
    for (size_t i = 0; i < p.count; i++)
        print_error("problem: %s\n", p.items[i].message);
    assert_int_equal(p.count, 0);
    kbdb_problems_free(&p);
    /* every entry cites a source and has an address or description for it */
    for (size_t i = 0; i < db->nupdates; i++) {
        assert_true(db->updates[i].nsources > 0);
        assert_non_null(db->updates[i].source);
    }
    kbdb_free(db);
}

static void test_embedded_facts(void **state)
{
    (void)state;
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_embedded(&db, &err), 0);

    const kbdb_update *u = kbdb_find(db, 4493471);
    assert_non_null(u);
    assert_int_equal(u->kind, KBDB_KIND_ROLLUP);
    assert_int_equal(u->date.year, 2019);
    assert_int_equal(u->date.month, 4);
    assert_int_equal(u->date.day, 9);
    assert_int_equal(u->build, 6003);
    assert_true(u->has_kernel);
    uint16_t k20489[4] = {6, 0, 6003, 20489};
    assert_int_equal(kbdb_version_cmp(u->kernel, k20489), 0);
    assert_true(u->kernel_threshold);
    assert_false(u->unconfirmed & KBDB_U_KERNEL);
    assert_true(u->has_supersedes);
    assert_int_equal(u->nsupersedes, 1);
    assert_int_equal(u->supersedes[0].kb, 4489880);
    assert_int_equal(u->esu, KBDB_NO);

    /* unconfirmed facts stay unconfirmed */
    u = kbdb_find(db, 4474419);
    assert_non_null(u);
    assert_int_equal(u->kind, KBDB_KIND_SHA2);
    assert_true(u->unconfirmed & KBDB_U_DATE);
    assert_int_equal(u->date.day, 0);   /* only the month (September 2019) */
    assert_false(u->has_supersedes);
    assert_int_equal(u->reboot, KBDB_YES);
    assert_true(u->unconfirmed & KBDB_U_REBOOT);
    u = kbdb_find(db, 4489887);
    assert_int_equal(u->kind, KBDB_KIND_PREVIEW_ROLLUP);
    assert_int_equal(u->build, 6003);
    assert_true(u->unconfirmed & KBDB_U_BUILD);
    u = kbdb_find(db, 4565353);
    assert_true(u->unconfirmed & KBDB_U_KIND);
    assert_null(u->title);
    u = kbdb_find(db, 4493458);   /* security-only: the 6003 kernel is an inference */
    assert_true(u->unconfirmed & KBDB_U_KERNEL);
    assert_true(u->unconfirmed & KBDB_U_BUILD);
    u = kbdb_find(db, 4039648);
    assert_int_equal(u->date.year, 0);   /* pre-2019, exact date unknown */
    assert_int_equal(u->archs, KBDB_ARCH_X64);

    /* marker files where ntoskrnl.exe is not the month's marker */
    u = kbdb_find(db, 4534303);
    assert_false(u->has_kernel);
    assert_int_equal(u->nfiles, 1);
    assert_string_equal(u->files[0].name, "crypt32.dll");
    assert_true(u->files[0].marker);
    u = kbdb_find(db, 5004955);
    assert_string_equal(u->files[0].name, "spoolsv.exe");

    /* ESU */
    assert_int_equal(kbdb_find(db, 4537810)->esu, KBDB_YES);   /* February 2020 */
    assert_int_equal(kbdb_find(db, 4534303)->esu, KBDB_NO);    /* January 2020 */
    assert_int_equal(kbdb_find(db, 5034795)->esu, KBDB_UNKNOWN); /* after January 2024 */

    /* the baseline */
    assert_int_equal(db->nbaseline, 3);
    assert_string_equal(db->baseline[0].id, "ssu");
    assert_int_equal(db->baseline[0].kb, 4493730);
    assert_int_equal(db->baseline[0].kind, KBDB_KIND_SSU);
    assert_true(db->baseline[0].accept_later);
    assert_string_equal(db->baseline[1].id, "sha2");
    assert_int_equal(db->baseline[1].kb, 4474419);
    assert_false(db->baseline[1].accept_later);
    assert_string_equal(db->baseline[2].id, "rollup");
    assert_int_equal(db->baseline[2].kb, 4493471);
    assert_true(db->baseline[2].accept_later);
    assert_true(db->baseline[2].has_min_kernel);
    assert_int_equal(kbdb_version_cmp(db->baseline[2].min_kernel, k20489), 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(db->baseline[i].order, i + 1);
    kbdb_free(db);
}

static void test_embedded_queries(void **state)
{
    (void)state;
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_embedded(&db, &err), 0);
    assert_null(kbdb_find(db, 1));
    assert_null(kbdb_find(db, 4480968));   /* named as superseded, but outside the range */
    /* the rollup chain is transitive across years and the OOB rollup of July 2021 */
    assert_true(kbdb_supersedes_transitively(db, 5034173, 4493471));
    assert_true(kbdb_supersedes_transitively(db, 5004305, 5003661));
    assert_true(kbdb_supersedes_transitively(db, 4493471, 4487023));
    assert_false(kbdb_supersedes_transitively(db, 4493471, 5034173));
    assert_false(kbdb_supersedes_transitively(db, 4493471, 4493471));
    assert_false(kbdb_supersedes_transitively(db, 1, 4493471));
    /* security-only updates are not chained, except where MSRC says so */
    assert_false(kbdb_supersedes_transitively(db, 5003695, 5003225));
    assert_true(kbdb_supersedes_transitively(db, 5003225, 5001332));
    /* an unconfirmed link counts only for the _any form */
    assert_false(kbdb_supersedes_transitively(db, 4517134, 4493730));
    assert_true(kbdb_supersedes_transitively_any(db, 4517134, 4493730));

    assert_int_equal(kbdb_newest_of_kind(db, KBDB_KIND_SSU)->kb, 5039341);
    assert_int_equal(kbdb_newest_of_kind(db, KBDB_KIND_ROLLUP)->kb, 5073697);
    assert_int_equal(kbdb_newest_of_kind(db, KBDB_KIND_SHA2)->kb, 4474419);
    assert_int_equal(kbdb_newest_of_kind(db, KBDB_KIND_PREVIEW_ROLLUP)->kb, 4525244);
    assert_int_equal(kbdb_newest_of_kind(db, KBDB_KIND_ESU_PREP)->kb, 5016891);
    assert_null(kbdb_newest_of_kind(db, KBDB_KIND_NONE));
    /* newest of any kind: January 2026's rollup and security-only update share a day; the
     * later entry in the file wins, and no update is newer */
    const kbdb_update *newest = kbdb_newest(db);
    assert_non_null(newest);
    assert_int_equal(newest->kb, 5073700);
    assert_int_equal(newest->date.year, 2026);
    assert_int_equal(newest->date.month, 1);
    assert_int_equal(newest->date.day, 13);
    for (size_t i = 0; i < db->nupdates; i++)
        assert_true(kbdb_date_cmp(db->updates[i].date, newest->date) <= 0);
    assert_null(kbdb_newest(NULL));
    kbdb_free(db);
}

static void test_embedded_bytes_match_schema_and_data(void **state)
{
    (void)state;
    size_t n, m;
    const unsigned char *xml = kbdb_embedded_xml(&n);
    const unsigned char *rng = kbdb_embedded_schema(&m);
    size_t fn, fm;
    char *file_xml = read_all(KBAUDIT_SOURCE_DIR "/data/kbdb.xml", &fn);
    char *file_rng = read_all(KBAUDIT_SOURCE_DIR "/data/kbdb.rng", &fm);
    assert_int_equal(n, fn);
    assert_int_equal(m, fm);
    assert_memory_equal(xml, file_xml, n);
    assert_memory_equal(rng, file_rng, m);
    free(file_xml);
    free(file_rng);
}

/* ---- vocabularies ---- */

static void test_parse_kb(void **state)
{
    (void)state;
    uint32_t kb = 0;
    assert_int_equal(kbdb_parse_kb("KB4493471", &kb), 0);
    assert_int_equal(kb, 4493471);
    assert_int_equal(kbdb_parse_kb("kb4493471", &kb), 0);
    assert_int_equal(kbdb_parse_kb("4493471", &kb), 0);
    assert_int_equal(kb, 4493471);
    assert_int_equal(kbdb_parse_kb("999999999", &kb), 0);
    assert_int_equal(kb, 999999999u);
    const char *bad[] = {"", "KB", "KB0", "0123", "KB1234567890", "12a", "KB-1", " 123", "KB 123"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (kbdb_parse_kb(bad[i], &kb) == 0)
            fail_msg("\"%s\" was accepted", bad[i]);
}

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 1; k < KBDB_KIND_COUNT; k++) {
        kbdb_kind back;
        assert_int_equal(kbdb_kind_from_name(kbdb_kind_name((kbdb_kind)k), &back), 0);
        assert_int_equal(back, k);
    }
    kbdb_kind back;
    assert_int_equal(kbdb_kind_from_name("none", &back), -1);
    assert_int_equal(kbdb_kind_from_name("hotfix", &back), -1);
    assert_string_equal(kbdb_kind_name(KBDB_KIND_PREVIEW_ROLLUP), "preview-rollup");
    assert_string_equal(kbdb_kind_name((kbdb_kind)99), "none");
    assert_string_equal(kbdb_tristate_name(KBDB_UNKNOWN), "unknown");
}

static void test_dates_and_versions(void **state)
{
    (void)state;
    kbdb_date a = {2019, 4, 9}, b = {2019, 5, 14}, month = {2019, 4, 0}, none = {0, 0, 0};
    assert_true(kbdb_date_cmp(a, b) < 0);
    assert_true(kbdb_date_cmp(b, a) > 0);
    assert_int_equal(kbdb_date_cmp(a, a), 0);
    assert_true(kbdb_date_cmp(month, a) < 0);
    assert_true(kbdb_date_cmp(none, month) < 0);
    uint16_t v1[4] = {6, 0, 6002, 24565}, v2[4] = {6, 0, 6003, 20489};
    assert_true(kbdb_version_cmp(v1, v2) < 0);
    assert_true(kbdb_version_cmp(v2, v1) > 0);
    assert_int_equal(kbdb_version_cmp(v2, v2), 0);
}

/* ---- small files: good ---- */

static void test_minimal(void **state)
{
    (void)state;
    kbdb *db = NULL;
    kb_error err = {0};
    if (kbdb_load_file(FIXTURES "minimal.xml", 0, &db, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(db->nupdates, 5);
    assert_int_equal(db->nsources, 2);
    assert_string_equal(db->platform, "test");
    const kbdb_update *u = kbdb_find(db, 200);
    assert_string_equal(u->title, "Test SHA-2 update");   /* white space collapsed */
    assert_true(u->unconfirmed & KBDB_U_TITLE);
    assert_true(u->unconfirmed & KBDB_U_PREREQUISITES);
    assert_true(u->prerequisites[0].unconfirmed);
    assert_int_equal(u->date.month, 9);
    assert_int_equal(u->date.day, 0);
    assert_string_equal(u->source, "https://example.invalid/t1");   /* the first with an address */
    assert_int_equal(u->nsources, 2);
    assert_string_equal(u->sources[0]->id, "T2");
    u = kbdb_find(db, 301);
    assert_int_equal(u->nprerequisites, 3);
    assert_int_equal(u->prerequisites[2].kb, 0);
    assert_int_equal(u->prerequisites[2].kind, KBDB_KIND_SSU);
    assert_true(u->prerequisites[2].latest);
    assert_int_equal(u->nfiles, 1);
    assert_false(u->files[0].marker);
    assert_false(u->files[0].threshold);
    u = kbdb_find(db, 300);
    assert_true(u->supersedes[0].outside);
    assert_int_equal(u->archs, KBDB_ARCH_X86 | KBDB_ARCH_X64);
    u = kbdb_find(db, 302);
    assert_true(u->has_supersedes);
    assert_int_equal(u->nsupersedes, 0);
    assert_false(u->has_prerequisites);
    assert_true(u->unconfirmed & KBDB_U_KIND);
    assert_string_equal(u->source, "Test source two, no address");
    assert_true(db->baseline[1].order_unconfirmed);
    assert_int_equal(db->baseline[1].nnotes, 1);
    kbdb_free(db);
}

static void test_gzip_file_and_memory(void **state)
{
    (void)state;
    size_t n;
    char *xml = read_all(FIXTURES "minimal.xml", &n);
    const char *path = out_path("minimal.xml.gz");
    write_gz(path, xml, n, 1);
    kbdb *db = NULL;
    kb_error err = {0};
    if (kbdb_load_file(path, 0, &db, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(db->nupdates, 5);
    kbdb_free(db);
    size_t gn;
    char *gz = read_all(path, &gn);
    assert_int_equal(kbdb_load_memory(gz, gn, "mem.gz", 0, &db, &err), 0);
    assert_int_equal(db->nupdates, 5);
    kbdb_free(db);
    /* truncated gzip: both readers say so */
    const char *cut = out_path("truncated.xml.gz");
    write_file(cut, gz, gn / 2);
    expect_load_error(cut, "gzip");
    assert_int_equal(kbdb_load_memory(gz, gn / 2, "cut.gz", 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "gzip"));
    /* gzip member followed by garbage: refused from memory and from a file alike */
    char *trail = malloc(gn * 2 + 4);
    assert_non_null(trail);
    memcpy(trail, gz, gn);
    memcpy(trail + gn, "junk", 4);
    assert_int_equal(kbdb_load_memory(trail, gn + 4, "trail.gz", 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "trailing"));
    const char *trail_path = out_path("trailing.xml.gz");
    write_file(trail_path, trail, gn + 4);
    expect_load_error(trail_path, "4 bytes of trailing garbage after the gzip data");
    /* a wrong CRC-32 in the trailer: the data check fails, the message names the file */
    memcpy(trail, gz, gn);
    trail[gn - 8] ^= 0x55;
    const char *crc_path = out_path("bad-crc.xml.gz");
    write_file(crc_path, trail, gn);
    expect_load_error(crc_path, "bad-crc.xml.gz: bad gzip data at offset");
    /* two members back to back are one stream (as gzip -c a b > c writes): allowed, but
     * the XML is then two documents and fails to parse */
    memcpy(trail, gz, gn);
    memcpy(trail + gn, gz, gn);
    const char *two_path = out_path("two-members.xml.gz");
    write_file(two_path, trail, gn * 2);
    assert_int_equal(kbdb_load_file(two_path, 0, &db, &err), -1);
    assert_null(strstr(err.msg, "gzip"));
    free(trail);
    free(gz);
    free(xml);
}

/* ---- small files: bad ---- */

static void test_cycle(void **state)
{
    (void)state;
    expect_load_error(FIXTURES "cycle.xml", "cycle");
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_file(FIXTURES "cycle.xml", KBDB_LOAD_NO_CHECK, &db, &err), 0);
    kbdb_problems p = {0};
    assert_int_equal(kbdb_check(db, &p, &err), 0);
    assert_true(has_problem(&p, "supersedence cycle: KB300 -> KB301 -> KB300"));
    /* queries terminate on a cycle */
    assert_true(kbdb_supersedes_transitively(db, 300, 301));
    assert_true(kbdb_supersedes_transitively(db, 301, 300));
    assert_false(kbdb_supersedes_transitively(db, 301, 100));
    kbdb_problems_free(&p);
    kbdb_free(db);
}

static void test_self_and_prerequisite_cycles(void **state)
{
    (void)state;
    char *xml = variant("<supersedes><kb>KB300</kb></supersedes>", "<supersedes><kb>KB301</kb></supersedes>");
    kbdb_problems p = check_str(xml);
    assert_true(has_problem(&p, "supersedence cycle: KB301 -> KB301"));
    kbdb_problems_free(&p);
    free(xml);
    xml = variant("<prerequisites confidence=\"unconfirmed\"><kb>KB100</kb></prerequisites>",
                  "<prerequisites><kb>KB301</kb></prerequisites>");
    p = check_str(xml);   /* KB200 requires KB301, which requires KB200 */
    assert_true(has_problem(&p, "prerequisite cycle"));
    kbdb_problems_free(&p);
    free(xml);
}

static void test_missing_reference(void **state)
{
    (void)state;
    expect_load_error(FIXTURES "missing-ref.xml", "KB301 supersedes KB999, which is not in the database");
    char *xml = variant("<prerequisites><kb>KB100</kb></prerequisites>", "<prerequisites><kb>KB7</kb></prerequisites>");
    kbdb_problems p = check_str(xml);
    assert_true(has_problem(&p, "KB300 requires KB7, which is not in the database"));
    kbdb_problems_free(&p);
    free(xml);
    /* outside="true" on a KB that is described */
    xml = variant("<kb outside=\"true\" note=\"before the range\">KB299</kb>", "<kb outside=\"true\">KB100</kb>");
    p = check_str(xml);
    assert_true(has_problem(&p, "marks KB100 as outside the database"));
    kbdb_problems_free(&p);
    free(xml);
}

static void test_dates(void **state)
{
    (void)state;
    expect_load_error(FIXTURES "bad-date.xml", "does not exist");
    expect_load_error(FIXTURES "date-order.xml", "which is not older");
    /* month precision: same month is not a problem, an earlier month is */
    char *xml = variant("<released>2019-05-14</released>\n      <supersedes>",
                        "<released>2019-04</released>\n      <supersedes>");
    kbdb_problems p = check_str(xml);
    assert_int_equal(p.count, 0);
    kbdb_problems_free(&p);
    free(xml);
    xml = variant("<released>2019-05-14</released>\n      <supersedes>", "<released>2019-03</released>\n      <supersedes>");
    p = check_str(xml);
    assert_true(has_problem(&p, "which is not older"));
    kbdb_problems_free(&p);
    free(xml);
    kbdb *db = NULL;
    kb_error err = {0};
    xml = variant("<released>2019-04-09</released>", "<released>2019-13-01</released>");
    assert_int_equal(load_str(xml, 0, &db, &err), -1);   /* the schema's pattern */
    free(xml);
    xml = variant("<released>2019-04-09</released>", "<released>2020-02-29</released>");
    assert_int_equal(load_str(xml, KBDB_LOAD_NO_CHECK, &db, &err), 0);   /* leap year */
    kbdb_free(db);
    free(xml);
}

static void test_kernel_chain(void **state)
{
    (void)state;
    expect_load_error(FIXTURES "kernel-down.xml", "KB303's ntoskrnl.exe 6.0.6003.20400 is lower than 6.0.6003.20489 of KB300");
    char *xml = variant("<kernel version=\"6.0.6003.20512\"", "<kernel version=\"6.0.6002.20512\"");
    kbdb_problems p = check_str(xml);
    assert_true(has_problem(&p, "build 6003 does not match its kernel version 6.0.6002.20512"));
    assert_true(has_problem(&p, "is lower than"));
    kbdb_problems_free(&p);
    free(xml);
    kbdb *db = NULL;
    kb_error err = {0};
    xml = variant("<kernel version=\"6.0.6003.20512\"", "<kernel version=\"6.0.6003.65536\"");
    assert_int_equal(load_str(xml, 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "larger than 65535"));
    free(xml);
}

static void test_duplicates_and_baseline(void **state)
{
    (void)state;
    char *xml = variant("<update kb=\"KB302\"", "<update kb=\"KB301\"");
    kbdb_problems p = check_str(xml);
    assert_true(has_problem(&p, "KB301 is described more than once"));
    kbdb_problems_free(&p);
    free(xml);
    xml = variant("<source id=\"T2\"", "<source id=\"T1\" grade=\"B\">Again</source>\n    <source id=\"T2\"");
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(load_str(xml, KBDB_LOAD_NO_CHECK, &db, &err), 0);
    p = (kbdb_problems){0};
    assert_int_equal(kbdb_check(db, &p, &err), 0);
    assert_true(has_problem(&p, "source id \"T1\" is defined more than once"));
    kbdb_problems_free(&p);
    kbdb_free(db);
    free(xml);
    xml = variant("kind=\"sha2\" kb=\"KB200\"", "kind=\"sha2\" kb=\"KB300\"");
    p = check_str(xml);
    assert_true(has_problem(&p, "is of kind sha2 but KB300 is rollup"));
    kbdb_problems_free(&p);
    free(xml);
    xml = variant("order=\"2\"", "order=\"1\"");
    p = check_str(xml);
    assert_true(has_problem(&p, "have the same order 1"));
    kbdb_problems_free(&p);
    free(xml);
    xml = variant("min-kernel=\"6.0.6003.20489\"", "min-kernel=\"6.0.6003.20500\"");
    p = check_str(xml);
    assert_true(has_problem(&p, "asks for ntoskrnl.exe 6.0.6003.20500 but KB300 brings only 6.0.6003.20489"));
    kbdb_problems_free(&p);
    free(xml);
    xml = variant("<source ref=\"T2\"/>\n    </update>", "<source ref=\"T9\"/>\n    </update>");
    assert_int_equal(load_str(xml, KBDB_LOAD_NO_CHECK, &db, &err), -1);
    assert_non_null(strstr(err.msg, "cites source \"T9\", which <sources> does not define"));
    free(xml);
}

static void test_schema_violations(void **state)
{
    (void)state;
    expect_load_error(FIXTURES "schema-violation.xml", "does not match the kbdb schema");
    expect_load_error(FIXTURES "schema-violation.xml", "line 64");
    const char *bad[][2] = {
        {"version=\"1\"", "version=\"2\""},                                   /* unknown format version */
        {"<kbdb xmlns=\"urn:x-kbaudit:kbdb:1\"", "<kbdb xmlns=\"urn:other\""}, /* wrong namespace */
        {"<title>Test rollup, April</title>", "<title></title>"},              /* empty text */
        {"<arch>x86 x64</arch>", "<arch>arm64</arch>"},
        {"kb=\"KB100\" accept-later", "kb=\"KB1000000000\" accept-later"},    /* 10 digits */
        {"<esu>no</esu>", "<esu>maybe</esu>"},
        {"<released>2019-04-09</released>\n      <arch>x86 x64 ia64</arch>",
         "<arch>x86 x64 ia64</arch>\n      <released>2019-04-09</released>"},  /* order */
        {"<source ref=\"T1\"/>\n    </update>\n    <update kb=\"KB200\"", "</update>\n    <update kb=\"KB200\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *xml = variant(bad[i][0], bad[i][1]);
        kbdb *db = NULL;
        kb_error err = {0};
        if (load_str(xml, KBDB_LOAD_NO_CHECK, &db, &err) == 0)
            fail_msg("variant %zu was accepted", i);
        assert_non_null(strstr(err.msg, "variant.xml: line "));
        free(xml);
    }
}

static void test_not_xml(void **state)
{
    (void)state;
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_memory("", 0, "empty", 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "empty: line"));
    assert_int_equal(load_str("<a><b></a>", 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "not well-formed"));
    assert_int_equal(load_str("\x1f", 0, &db, &err), -1);
    assert_int_equal(load_str("<?xml version=\"1.0\"?><!-- only a comment -->", 0, &db, &err), -1);
    /* an undeclared entity is an error, not a lookup */
    char *xml = variant("<title>Test rollup, April</title>", "<title>&nope;</title>");
    assert_int_equal(load_str(xml, 0, &db, &err), -1);
    free(xml);
    expect_load_error(OUT_DIR "/does-not-exist.xml", "cannot open");
    expect_load_error("/dev/null", "not a regular file");
    expect_load_error(KBAUDIT_SOURCE_DIR, "not a regular file");
}

/* ---- hostile files ---- */

static void test_xxe_refused(void **state)
{
    (void)state;
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_file(FIXTURES "xxe.xml", KBDB_LOAD_NO_CHECK, &db, &err), -1);
    assert_non_null(strstr(err.msg, "DOCTYPE is not allowed"));
    assert_null(strstr(err.msg, "root:"));
    /* the same with the DOCTYPE in UTF-16 (a byte scan would miss it) */
    size_t n;
    char *utf8 = read_all(FIXTURES "xxe.xml", &n);
    char *nl = strchr(utf8, '\n');   /* drop the encoding declaration */
    size_t rest = n - (size_t)(nl + 1 - utf8);
    unsigned char *u16 = malloc(2 + 2 * rest);
    u16[0] = 0xff;
    u16[1] = 0xfe;
    for (size_t i = 0; i < rest; i++) {
        u16[2 + 2 * i] = (unsigned char)nl[1 + i];
        u16[3 + 2 * i] = 0;
    }
    assert_int_equal(kbdb_load_memory(u16, 2 + 2 * rest, "xxe16.xml", 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "DOCTYPE is not allowed"));
    free(u16);
    free(utf8);
}

static void test_billion_laughs_refused(void **state)
{
    (void)state;
    expect_load_error(FIXTURES "laughs.xml", "DOCTYPE is not allowed");
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    /* 16 MiB of XML white space inside a comment compresses to ~16 KiB */
    static char block[65536];
    memset(block, ' ', sizeof block);
    const char *path = out_path("bomb.xml.gz");
    gzFile gz = gzopen(path, "wb9");
    assert_non_null(gz);
    gzputs(gz, "<?xml version=\"1.0\"?><!--");
    for (int i = 0; i < 256; i++)
        assert_int_equal(gzwrite(gz, block, sizeof block), (int)sizeof block);
    gzputs(gz, "--><kbdb/>");
    assert_int_equal(gzclose(gz), Z_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size < 100000);
    expect_load_error(path, "decompresses to more than 4194304 bytes");
    size_t n;
    char *data = read_all(path, &n);
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_memory(data, n, "bomb.gz", 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "decompresses to more than"));
    free(data);
}

static void test_oversized_file(void **state)
{
    (void)state;
    const char *path = out_path("oversized.xml");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)KBDB_MAX_BYTES + 1), 0);   /* sparse: no disk cost */
    close(fd);
    expect_load_error(path, "larger than the 4 MiB limit for a database");
    unlink(path);
    /* exactly at the limit the size is fine (then the content is not XML) */
    static char big[KBDB_MAX_BYTES + 1];
    memset(big, ' ', sizeof big);
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_memory(big, sizeof big, "big", 0, &db, &err), -1);
    assert_non_null(strstr(err.msg, "limit"));
    assert_int_equal(kbdb_load_memory(big, KBDB_MAX_BYTES, "big", 0, &db, &err), -1);
    assert_null(strstr(err.msg, "limit"));
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* far deeper than libxml2's default limit of 256: an error, not a stack overflow */
    kb_buf b = KB_BUF_INIT;
    for (int i = 0; i < 100000; i++)
        kb_buf_puts(&b, "<a>");
    kbdb *db = NULL;
    kb_error err = {0};
    assert_int_equal(kbdb_load_memory(b.data, b.len, "deep", 0, &db, &err), -1);
    kb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_loads_and_checks),
        cmocka_unit_test(test_embedded_facts),
        cmocka_unit_test(test_embedded_queries),
        cmocka_unit_test(test_embedded_bytes_match_schema_and_data),
        cmocka_unit_test(test_parse_kb),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_dates_and_versions),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_gzip_file_and_memory),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_self_and_prerequisite_cycles),
        cmocka_unit_test(test_missing_reference),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_kernel_chain),
        cmocka_unit_test(test_duplicates_and_baseline),
        cmocka_unit_test(test_schema_violations),
        cmocka_unit_test(test_not_xml),
        cmocka_unit_test(test_xxe_refused),
        cmocka_unit_test(test_billion_laughs_refused),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_oversized_file),
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
