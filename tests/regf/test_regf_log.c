/* Unit tests of transaction log recovery (src/regf/regf_log*.c) on dirty hives and logs
 * built at test time by tests/support/mklog.py from tests/fixtures/logs (see
 * build_log_fixtures.sh), and on copies of those logs broken in the test itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/regf.h"

#define LOGS KBAUDIT_FIXTURE_DIR "/logs/"
#define PKG "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\"
#define KB4493471 PKG "Package_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.0"
#define KB4474419 PKG "Package_for_KB4474419~31bf3856ad364e35~amd64~~6.0.4.0"

typedef struct file {
    uint8_t *p;
    size_t n;
} file;

static file load(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    file f = {NULL, (size_t)ftell(fp)};
    fseek(fp, 0, SEEK_SET);
    f.p = malloc(f.n + 1);
    assert_non_null(f.p);
    assert_int_equal(fread(f.p, 1, f.n, fp), f.n);
    fclose(fp);
    return f;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_checksum(uint8_t *p)
{
    uint32_t sum = 0;
    for (int i = 0; i < 0x1FC; i += 4)
        sum ^= get32(p + i);
    put32(p + 0x1FC, sum == 0 ? 1 : sum == 0xFFFFFFFFu ? 0xFFFFFFFEu : sum);
}

/* Recomputes both Marvin32 hashes of the HvLE entry at OFF after a test changed it. */
static void fix_hashes(uint8_t *p, size_t off)
{
    uint32_t size = get32(p + off + 4);
    put64(p + off + 24, regf_marvin32(REGF_LOG_MARVIN_SEED, p + off + 40, size - 40));
    put64(p + off + 32, regf_marvin32(REGF_LOG_MARVIN_SEED, p + off, 32));
}

typedef struct opened {
    file primary;
    regf_log_input logs[2];
    regf_hive *h;
    regf_recovery rep;
} opened;

static void open_with(opened *o, const char *primary, const file *l1, const file *l2)
{
    o->primary = load(primary);
    size_t n = 0;
    const file *lf[2] = {l1, l2};
    static const char *const names[2] = {"X.LOG1", "X.LOG2"};
    for (int i = 0; i < 2; i++)
        if (lf[i]) {
            o->logs[n] = (regf_log_input){names[i], lf[i]->p, lf[i]->n, NULL};
            n++;
        }
    kb_error err = {0};
    if (regf_open_recovered(o->primary.p, o->primary.n, primary, o->logs, n, &o->h, &o->rep, &err) != 0)
        fail_msg("%s", err.msg);
}

static void close_opened(opened *o)
{
    regf_close(o->h);
    free(o->primary.p);
}

static uint32_t dword(const regf_hive *h, const char *key, const char *value)
{
    regf_off k, v;
    uint32_t d = 0;
    kb_error err = {0};
    if (regf_key_lookup(h, regf_root(h), key, &k, &err) != 0 || regf_value_lookup(h, k, value, &v, &err) != 0 ||
        regf_value_dword(h, v, &d, &err) != 0)
        fail_msg("%s", err.msg);
    return d;
}

static void expect_reason(const opened *o, int log, const char *what)
{
    if (strstr(o->rep.reason[log], what) == NULL)
        fail_msg("log %d: reason \"%s\" lacks \"%s\"", log + 1, o->rep.reason[log], what);
}

/* ---- Marvin32 ---- */

static void test_marvin32_known_answer(void **state)
{
    (void)state;
    /* The first 32 bytes of the first HvLE entry of a Windows 10 NTUSER.DAT.LOG1 (regipy's
     * test data) and the hash-2 Windows stored after them. */
    static const uint8_t head[32] = {
        'H', 'v', 'L', 'E', 0x00, 0xAE, 0x03, 0x00, 0, 0, 0, 0, 0x36, 0x02, 0, 0,
        0x00, 0xE0, 0x0B, 0x00, 0x18, 0, 0, 0, 0xCD, 0xC9, 0x8B, 0x95, 0xD9, 0xA7, 0x67, 0x75};
    assert_int_equal(regf_marvin32(REGF_LOG_MARVIN_SEED, head, sizeof head), 0x3a7721d280253d1cull);
    /* Tail lengths 0-3 take different paths; the hash changes with each byte. */
    assert_true(regf_marvin32(REGF_LOG_MARVIN_SEED, head, 31) != regf_marvin32(REGF_LOG_MARVIN_SEED, head, 30));
    assert_true(regf_marvin32(REGF_LOG_MARVIN_SEED, "", 0) != regf_marvin32(REGF_LOG_MARVIN_SEED, "\0", 1));
}

/* ---- the good cases ---- */

static void test_old_format_applied(void **state)
{
    (void)state;
    file l1 = load(LOGS "cbs-old.LOG1"), l2 = load(LOGS "cbs-old.LOG2");
    opened o = {0};
    open_with(&o, LOGS "cbs-old", &l1, &l2);
    assert_int_equal(o.rep.status, REGF_RECOVERY_APPLIED);
    assert_int_equal(o.rep.format, 1);
    assert_int_equal(o.rep.pages, 1);
    assert_true(o.rep.used[0]);
    assert_false(o.rep.used[1]);
    expect_reason(&o, 1, "X.LOG1 is newer");
    assert_int_equal(dword(o.h, KB4493471, "CurrentState"), 0x70);
    const regf_header *hd = regf_get_header(o.h);
    assert_false(hd->dirty);
    assert_int_equal(hd->seq_primary, 42);
    char line[600];
    regf_recovery_describe(&o.rep, o.logs, line, sizeof line);
    assert_non_null(strstr(line, "recovered 1 dirty page from X.LOG1"));
    close_opened(&o);

    /* Given in the other order, the newer log still wins. */
    open_with(&o, LOGS "cbs-old", &l2, &l1);
    assert_int_equal(o.rep.status, REGF_RECOVERY_APPLIED);
    assert_false(o.rep.used[0]);
    assert_true(o.rep.used[1]);
    close_opened(&o);

    /* The older log alone is still one Windows would apply. */
    open_with(&o, LOGS "cbs-old", &l2, NULL);
    assert_int_equal(o.rep.status, REGF_RECOVERY_APPLIED);
    assert_int_equal(o.rep.seq_last, 41);
    close_opened(&o);
    free(l1.p);
    free(l2.p);
}

static void test_no_logs_reads_primary(void **state)
{
    (void)state;
    opened o = {0};
    open_with(&o, LOGS "cbs-old", NULL, NULL);
    assert_int_equal(o.rep.status, REGF_RECOVERY_NO_LOG);
    assert_true(regf_get_header(o.h)->dirty);
    assert_int_equal(dword(o.h, KB4493471, "CurrentState"), 0x20);
    close_opened(&o);
}

static void test_new_format_applied(void **state)
{
    (void)state;
    file l1 = load(LOGS "cbs-new.LOG1"), l2 = load(LOGS "cbs-new.LOG2");
    opened o = {0};
    open_with(&o, LOGS "cbs-new", &l1, &l2);
    assert_int_equal(o.rep.status, REGF_RECOVERY_APPLIED);
    assert_int_equal(o.rep.format, 2);
    assert_int_equal(o.rep.entries, 2);
    assert_int_equal(o.rep.seq_first, 300);
    assert_int_equal(o.rep.seq_last, 301);
    assert_true(o.rep.used[0] && o.rep.used[1]);
    /* The stale entry 299 (first in LOG1, its page zeroes the first hive bin) was skipped:
     * had it been applied the hive would not open. */
    assert_int_equal(dword(o.h, KB4493471, "CurrentState"), 0x70);
    assert_int_equal(dword(o.h, KB4474419, "CurrentState"), 0x70);
    close_opened(&o);

    /* LOG1 alone: entry 300 only. */
    open_with(&o, LOGS "cbs-new", &l1, NULL);
    assert_int_equal(o.rep.entries, 1);
    assert_int_equal(dword(o.h, KB4493471, "CurrentState") + dword(o.h, KB4474419, "CurrentState"), 0x90);
    close_opened(&o);
    free(l1.p);
    free(l2.p);
}

static void test_grow(void **state)
{
    (void)state;
    static const char *const cases[] = {LOGS "grow-old", LOGS "grow-new"};
    file after = load(LOGS "grow-after.hive");
    for (int i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s.LOG1", cases[i]);
        file l1 = load(path);
        opened o = {0};
        open_with(&o, cases[i], &l1, NULL);
        assert_int_equal(o.rep.status, REGF_RECOVERY_APPLIED);
        /* The recovered hive is larger than the primary file and equals the logged one. */
        assert_true(regf_get_header(o.h)->bins_size > o.primary.n - 4096);
        assert_int_equal(regf_get_header(o.h)->bins_size, get32(after.p + 0x28));
        regf_off k;
        regf_key_info ki;
        kb_error err = {0};
        assert_int_equal(regf_key_lookup(o.h, regf_root(o.h), "Software\\Vendor\\Added", &k, &err), 0);
        assert_int_equal(regf_key_info_get(o.h, k, &ki, &err), 0);
        assert_int_equal(ki.subkey_count, 200);
        close_opened(&o);
        free(l1.p);
    }
    free(after.p);
}

static void test_clean_hive_ignores_logs(void **state)
{
    (void)state;
    file l1 = load(LOGS "cbs-old.LOG1");
    opened o = {0};
    open_with(&o, LOGS "cbs.hive", &l1, NULL);
    assert_int_equal(o.rep.status, REGF_RECOVERY_CLEAN);
    assert_false(o.rep.used[0]);
    close_opened(&o);
    free(l1.p);
}

/* ---- hostile logs: each is "not applied" with a reason; the primary opens as it is ---- */

static void expect_rejected(const char *primary, file *log, const char *what)
{
    opened o = {0};
    open_with(&o, primary, log, NULL);
    if (o.rep.status != REGF_RECOVERY_REJECTED)
        fail_msg("%s: status %s, expected rejected (%s)", primary, regf_recovery_status_name(o.rep.status), what);
    expect_reason(&o, 0, what);
    assert_false(o.rep.used[0]);
    assert_true(regf_get_header(o.h)->dirty);
    assert_int_equal(dword(o.h, KB4493471, "CurrentState"), 0x20);
    close_opened(&o);
}

static void test_old_format_hostile(void **state)
{
    (void)state;
    file good = load(LOGS "cbs-old.LOG1");
    file l = {malloc(good.n + 8192), good.n};
    assert_non_null(l.p);
#define RESET() (memcpy(l.p, good.p, good.n), l.n = good.n)

    RESET();
    l.p[0x30] ^= 1;                            /* base block checksum */
    expect_rejected(LOGS "cbs-old", &l, "checksum");

    RESET();
    put32(l.p + 0x1C, 3);                      /* not a log type */
    fix_checksum(l.p);
    expect_rejected(LOGS "cbs-old", &l, "file type 3");

    RESET();
    put32(l.p + 4, get32(l.p + 4) + 1);        /* its own sequence numbers differ */
    fix_checksum(l.p);
    expect_rejected(LOGS "cbs-old", &l, "written partially");

    RESET();
    l.p[0x0C] ^= 0x10;                         /* another last-written time */
    fix_checksum(l.p);
    expect_rejected(LOGS "cbs-old", &l, "last-written time");

    RESET();
    put32(l.p + 4, 3);                         /* older than the hive's last complete write */
    put32(l.p + 8, 3);
    fix_checksum(l.p);
    expect_rejected(LOGS "cbs-old", &l, "older than the hive");

    RESET();
    put32(l.p + 0x28, 0x7FFFF000u);            /* a dirty vector larger than any hive */
    fix_checksum(l.p);
    expect_rejected(LOGS "cbs-old", &l, "hive bins size");

    RESET();
    put32(l.p + 0x28, 0x1001);                 /* not a multiple of 4096 */
    fix_checksum(l.p);
    expect_rejected(LOGS "cbs-old", &l, "hive bins size");

    RESET();
    memcpy(l.p + 512, "DIRU", 4);
    expect_rejected(LOGS "cbs-old", &l, "DIRT");

    RESET();
    l.n -= 512;                                /* its one page cut off */
    expect_rejected(LOGS "cbs-old", &l, "the log holds 0");

    RESET();
    size_t vb = get32(l.p + 0x28) / 4096;      /* dirty vector bytes */
    memset(l.p + 516, 0xFF, vb);               /* every page marked, one present */
    char why[64];
    snprintf(why, sizeof why, "marks %zu pages, the log holds 1", vb * 8);
    expect_rejected(LOGS "cbs-old", &l, why);

    RESET();
    memset(l.p + 516, 0, vb);
    expect_rejected(LOGS "cbs-old", &l, "marks no page");

    RESET();
    l.n = 520;                                 /* vector cut */
    expect_rejected(LOGS "cbs-old", &l, "past the end");

    RESET();
    l.n = 100;                                 /* not even a base block */
    expect_rejected(LOGS "cbs-old", &l, "shorter than");

    RESET();
    /* Checks pass, but the page turns the first hive bin into garbage: the recovered hive
     * fails validation, so the log is not applied. */
    memset(l.p + 516, 0, vb);
    l.p[516] = 1;                              /* the page now goes to hive offset 0 */
    expect_rejected(LOGS "cbs-old", &l, "invalid");

#undef RESET
    free(l.p);
    free(good.p);
}

static void test_new_format_hostile(void **state)
{
    (void)state;
    /* LOG1 of cbs-new: a stale entry (299) at 512, then entry 300. */
    file good = load(LOGS "cbs-new.LOG1");
    size_t e = 512 + get32(good.p + 512 + 4);  /* entry 300 */
    assert_int_equal(get32(good.p + e + 12), 300);
    file l = {malloc(good.n * 3), good.n};
    assert_non_null(l.p);
#define RESET() (memcpy(l.p, good.p, good.n), l.n = good.n)

    RESET();
    l.p[l.n - 1] ^= 1;                         /* page data: hash-1 */
    expect_rejected(LOGS "cbs-new", &l, "hash mismatch");

    RESET();
    l.p[e + 16] ^= 1;                          /* header: hash-2 */
    expect_rejected(LOGS "cbs-new", &l, "hash mismatch");

    RESET();
    put32(l.p + e + 40, get32(l.p + e + 16));  /* page offset at the end of the bins */
    fix_hashes(l.p, e);
    expect_rejected(LOGS "cbs-new", &l, "not 512-aligned inside the hive bins");

    RESET();
    put32(l.p + e + 40, 0xFFFFFE00u);          /* offset + size wraps */
    fix_hashes(l.p, e);
    expect_rejected(LOGS "cbs-new", &l, "inside the hive bins");

    RESET();
    put32(l.p + e + 44, 0);                    /* empty page */
    fix_hashes(l.p, e);
    expect_rejected(LOGS "cbs-new", &l, "inside the hive bins");

    RESET();
    put32(l.p + e + 20, 0x20000000u);          /* page count far beyond the entry */
    fix_hashes(l.p, e);
    expect_rejected(LOGS "cbs-new", &l, "do not fit");

    RESET();
    put32(l.p + e + 44, 0x1000);               /* page larger than the entry holds */
    fix_hashes(l.p, e);
    expect_rejected(LOGS "cbs-new", &l, "run past");

    RESET();
    put32(l.p + e + 16, 0x7FFFF000u);          /* hive bins size larger than the inputs allow */
    fix_hashes(l.p, e);
    expect_rejected(LOGS "cbs-new", &l, "hive bins size");

    RESET();
    put32(l.p + e + 4, 0x7FFFFE00u);           /* size past the end of the log */
    expect_rejected(LOGS "cbs-new", &l, "size 0x7ffffe00");

    RESET();
    put32(l.p + e + 4, 100);                   /* size not a multiple of 512 */
    expect_rejected(LOGS "cbs-new", &l, "size 0x64");

    RESET();
    put32(l.p + 0x1C, 5);                      /* base block type */
    fix_checksum(l.p);
    expect_rejected(LOGS "cbs-new", &l, "file type 5");

    RESET();
    l.n = e;                                   /* only the stale entry */
    expect_rejected(LOGS "cbs-new", &l, "no entry from sequence 300");

    /* Sequence numbers that loop: 300, 301, 300, 301... Each number is applied once. */
    file l2 = load(LOGS "cbs-new.LOG2");
    size_t e300 = get32(good.p + e + 4), e301 = get32(l2.p + 512 + 4);
    size_t at = 512;
    memcpy(l.p, good.p, 512);
    for (int r = 0; r < 3; r++) {
        memcpy(l.p + at, good.p + e, e300);
        at += e300;
        memcpy(l.p + at, l2.p + 512, e301);
        at += e301;
    }
    l.n = at;
    opened o = {0};
    open_with(&o, LOGS "cbs-new", &l, NULL);
    assert_int_equal(o.rep.status, REGF_RECOVERY_APPLIED);
    assert_int_equal(o.rep.entries, 2);
    assert_int_equal(dword(o.h, KB4474419, "CurrentState"), 0x70);
    close_opened(&o);

    /* A gap: entry 302 in LOG2 after 300 in LOG1 (301 missing) stops at 300. */
    file gap = {malloc(l2.n), l2.n};
    assert_non_null(gap.p);
    memcpy(gap.p, l2.p, l2.n);
    put32(gap.p + 512 + 12, 302);
    fix_hashes(gap.p, 512);
    file l1 = {good.p, good.n};
    open_with(&o, LOGS "cbs-new", &l1, &gap);
    assert_int_equal(o.rep.entries, 1);
    assert_false(o.rep.used[1]);
    expect_reason(&o, 1, "sequence 302 after 300");
    close_opened(&o);

    /* A sequence number at the top of the range ends the chain cleanly. */
    memcpy(gap.p, l2.p, l2.n);
    put32(gap.p + 512 + 12, 0xFFFFFFFFu);
    fix_hashes(gap.p, 512);
    open_with(&o, LOGS "cbs-new", &gap, NULL);
    assert_int_equal(o.rep.status, REGF_RECOVERY_APPLIED);
    assert_int_equal(o.rep.seq_last, 0xFFFFFFFFu);
    close_opened(&o);

#undef RESET
    free(gap.p);
    free(l2.p);
    free(l.p);
    free(good.p);
}

static void test_unreadable_log(void **state)
{
    (void)state;
    regf_log_input in = {"X.LOG1", NULL, 0, "X.LOG1: is a directory"};
    file p = load(LOGS "cbs-old");
    regf_hive *h = NULL;
    regf_recovery rep;
    kb_error err = {0};
    assert_int_equal(regf_open_recovered(p.p, p.n, "cbs-old", &in, 1, &h, &rep, &err), 0);
    assert_int_equal(rep.status, REGF_RECOVERY_REJECTED);
    assert_string_equal(rep.reason[0], "X.LOG1: is a directory");
    char line[600];
    regf_recovery_describe(&rep, &in, line, sizeof line);
    assert_string_equal(line, "dirty, no usable transaction log; X.LOG1: X.LOG1: is a directory");
    regf_close(h);
    free(p.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marvin32_known_answer),
        cmocka_unit_test(test_old_format_applied),
        cmocka_unit_test(test_no_logs_reads_primary),
        cmocka_unit_test(test_new_format_applied),
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_clean_hive_ignores_logs),
        cmocka_unit_test(test_old_format_hostile),
        cmocka_unit_test(test_new_format_hostile),
        cmocka_unit_test(test_unreadable_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
