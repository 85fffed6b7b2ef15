/* The sorted subkey index (src/regf/regf_index.c) against the linear scan it replaces.
 *
 * Hives are built here, in memory, by a small writer: a root key whose subkey list is
 * sorted or shuffled, holds names that differ only in case (ASCII, Latin-1 and UTF-16
 * names folded by the upcase table), duplicates (which Windows never writes), wrong lh
 * hashes, and lf, lh, li or ri-of-leaves lists; some are corrupt (an entry naming no key,
 * a wrong subkey count). Every name is looked up in one copy of the hive with the index
 * switched off and in another with it on, and the two answers (offset, error kind and
 * message) must be the same. A second test checks that looking up every package of a
 * SOFTWARE hive reads a number of subkey-list entries linear in the packages (the scan made
 * it quadratic): counted, not timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kbaudit/facts.h"
#include "kbaudit/regf.h"
#include "kbaudit/target.h"
#include "kbaudit/utf.h"
#include "regf/regf_internal.h"

/* ---- a minimal hive writer: one hive bin holding every cell ------------------------------- */

typedef struct writer {
    uint8_t *d;             /* base block + bins */
    size_t len, cap;
} writer;

static uint32_t bins_off(size_t file_off) { return (uint32_t)(file_off - 4096); }

static uint32_t cell(writer *w, size_t payload)
{
    size_t size = (payload + 4 + 7) & ~(size_t)7;
    while (w->len + size > w->cap) {
        w->cap = w->cap ? w->cap * 2 : 65536;
        w->d = realloc(w->d, w->cap);
        assert_non_null(w->d);
    }
    size_t at = w->len;
    memset(w->d + at, 0, size);
    int32_t raw = -(int32_t)size;
    memcpy(w->d + at, &raw, 4);
    w->len += size;
    return bins_off(at);
}

static uint8_t *payload(writer *w, uint32_t off) { return w->d + 4096 + off + 4; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void writer_init(writer *w)
{
    memset(w, 0, sizeof *w);
    w->cap = 1 << 20;
    w->d = calloc(1, w->cap);
    assert_non_null(w->d);
    w->len = 4096 + 32;   /* base block, hive bin header */
}

/* A key named NAME (UTF-8): Latin-1 bytes when it fits and !UTF16, else UTF-16LE. */
static uint32_t key(writer *w, const char *name, bool utf16, uint32_t parent)
{
    kb_buf u = KB_BUF_INIT;
    assert_int_equal(kb_utf8_to_utf16le(&u, name, strlen(name)), 0);
    bool latin1 = !utf16;
    for (size_t i = 0; i + 1 < u.len; i += 2)
        latin1 = latin1 && u.data[i + 1] == 0;
    size_t n = latin1 ? u.len / 2 : u.len;
    uint32_t off = cell(w, 76 + n);
    uint8_t *p = payload(w, off);
    memcpy(p, "nk", 2);
    put16(p + 2, latin1 ? 0x20 : 0);
    put32(p + 16, parent);
    put32(p + 28, REGF_NONE);
    put32(p + 40, REGF_NONE);
    put32(p + 44, REGF_NONE);
    put32(p + 48, REGF_NONE);
    put16(p + 72, (uint16_t)n);
    for (size_t i = 0; i < n; i++)
        p[76 + i] = latin1 ? (uint8_t)u.data[2 * i] : (uint8_t)u.data[i];
    kb_buf_free(&u);
    return off;
}

/* The lh hash of a key's stored name, as Windows computes it (upper-cased units). */
static uint32_t lh_hash(writer *w, uint32_t k)
{
    const uint8_t *p = payload(w, k);
    bool latin1 = p[2] & 0x20;
    uint32_t n = (uint32_t)(p[72] | p[73] << 8), h = 0;
    for (uint32_t i = 0; i < (latin1 ? n : n / 2); i++)
        h = h * 37u + kb_upcase16(latin1 ? p[76 + i] : (uint16_t)(p[76 + 2 * i] | p[77 + 2 * i] << 8));
    return h;
}

/* A leaf ("lf", "lh" or "li") of N entries; BAD_HASH[i] makes entry i's lh hash wrong. */
static uint32_t leaf(writer *w, const char *sig, const uint32_t *kids, const bool *bad_hash, size_t n)
{
    size_t stride = sig[1] == 'i' ? 4 : 8;
    uint32_t off = cell(w, 4 + n * stride);
    uint8_t *p = payload(w, off);
    memcpy(p, sig, 2);
    put16(p + 2, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        put32(p + 4 + i * stride, kids[i]);
        if (sig[1] == 'h')
            put32(p + 8 + i * stride, lh_hash(w, kids[i]) + (bad_hash && bad_hash[i]));
        else if (sig[1] == 'f')
            memcpy(p + 8 + i * stride, payload(w, kids[i]) + 76, 4);   /* hint: not checked */
    }
    return off;
}

/* Gives KEY its subkey list: one leaf of SIG, or (LEAFSIZE > 0) an ri of leaves of that size. */
static void set_subkeys(writer *w, uint32_t k, const char *sig, size_t leafsize, const uint32_t *kids,
                        const bool *bad_hash, size_t n, uint32_t count)
{
    uint32_t list;
    if (leafsize == 0) {
        list = leaf(w, sig, kids, bad_hash, n);
    } else {
        size_t nleaves = (n + leafsize - 1) / leafsize;
        uint32_t *leaves = calloc(nleaves, sizeof *leaves);
        assert_non_null(leaves);
        for (size_t i = 0; i < nleaves; i++) {
            size_t m = n - i * leafsize < leafsize ? n - i * leafsize : leafsize;
            leaves[i] = leaf(w, sig, kids + i * leafsize, bad_hash ? bad_hash + i * leafsize : NULL, m);
        }
        list = leaf(w, "ri", leaves, NULL, nleaves);
        free(leaves);
    }
    put32(payload(w, k) + 20, count);
    put32(payload(w, k) + 28, list);
}

/* Closes the hive bin (a free cell up to a 4 KiB boundary) and writes the base block. */
static void finish(writer *w, uint32_t root)
{
    size_t end = (w->len + 4095) & ~(size_t)4095;
    if (end > w->len) {
        int32_t free_size = (int32_t)(end - w->len);
        memset(w->d + w->len, 0, end - w->len);
        memcpy(w->d + w->len, &free_size, 4);
        w->len = end;
    }
    uint8_t *b = w->d;
    memset(b, 0, 4096);
    memcpy(b, "regf", 4);
    put32(b + 4, 1), put32(b + 8, 1);
    put32(b + 0x14, 1), put32(b + 0x18, 5);
    put32(b + 0x20, 1);
    put32(b + 0x24, root);
    put32(b + 0x28, (uint32_t)(w->len - 4096));
    put32(b + 0x2C, 1);
    memcpy(b + 4096, "hbin", 4);
    put32(b + 4096 + 4, 0);
    put32(b + 4096 + 8, (uint32_t)(w->len - 4096));
    uint32_t sum = 0;
    for (unsigned i = 0; i < 0x1FC; i += 4) {
        uint32_t v;
        memcpy(&v, b + i, 4);
        sum ^= v;
    }
    put32(b + 0x1FC, sum == 0 ? 1 : sum == 0xFFFFFFFFu ? 0xFFFFFFFEu : sum);
}

static regf_hive *open_buffer(const writer *w, bool index_off)
{
    regf_hive *h = NULL;
    kb_error err = {0};
    if (regf_open_buffer(w->d, w->len, "test.hive", &h, &err) != 0)
        fail_msg("%s", err.msg);
    h->index_off = index_off;
    return h;
}

/* ---- the property test -------------------------------------------------------------------- */

/* Names that fold onto each other (a/A, é/É, ß stays, Greek and Cyrillic pairs, the Latin-1
 * ÿ whose capital Ÿ is outside Latin-1), and plain ones. */
static const char *const pool[] = {
    "a", "A", "ab", "AB", "aB", "b", "B", "\xc3\xa9", "\xc3\x89", "\xc3\x9f", "SS", "\xc3\xbf", "\xc5\xb8",
    "\xcf\x83\xce\xb1", "\xce\xa3\xce\x91", "\xd0\xb4", "\xd0\x94", "Package_for_KB4493471", "package_FOR_kb4493471",
    "z", "Zz", "", "x~y", "X~Y", "k\xc3\xa4", "K\xc3\x84",
};
#define NPOOL (sizeof pool / sizeof pool[0])

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static char *name_of(uint32_t i)
{
    char *s = malloc(48);
    assert_non_null(s);
    if (i < NPOOL)
        snprintf(s, 48, "%s", pool[i]);
    else
        snprintf(s, 48, "%s%u", (i & 1) ? "key" : "KEY", (i - (uint32_t)NPOOL) / 2);   /* key7 / KEY7 */
    return s;
}

static int cmp_upcased(const void *a, const void *b)
{
    kb_buf x = KB_BUF_INIT, y = KB_BUF_INIT;
    const char *s = *(char *const *)a, *t = *(char *const *)b;
    kb_utf8_to_utf16le(&x, s, strlen(s));
    kb_utf8_to_utf16le(&y, t, strlen(t));
    int r = 0;
    for (size_t i = 0; r == 0 && i < x.len && i < y.len; i += 2)
        r = (int)kb_upcase16((uint16_t)((uint8_t)x.data[i] | (uint8_t)x.data[i + 1] << 8)) -
            (int)kb_upcase16((uint16_t)((uint8_t)y.data[i] | (uint8_t)y.data[i + 1] << 8));
    if (r == 0)
        r = x.len < y.len ? -1 : x.len > y.len;
    kb_buf_free(&x);
    kb_buf_free(&y);
    return r;
}

typedef struct answer {
    int rc;
    kb_error_kind kind;
    regf_off off;
    char msg[KB_ERROR_MAX];
} answer;

static answer ask(const regf_hive *h, const char *name)
{
    answer a = {0};
    kb_error err = {0};
    a.off = REGF_NONE;
    a.rc = regf_key_child(h, regf_root(h), name, strlen(name), &a.off, &err);
    a.kind = err.kind;
    snprintf(a.msg, sizeof a.msg, "%s", a.rc ? err.msg : "");
    return a;
}

/* One random hive; returns whether its list was indexed. */
static bool one_hive(unsigned round)
{
    static const char *const sigs[] = {"lh", "lf", "li"};
    writer w;
    writer_init(&w);
    uint32_t root = key(&w, "ROOT", false, 0);
    size_t n = 64 + rnd(600);
    char **names = calloc(n, sizeof *names);
    uint32_t *kids = calloc(n, sizeof *kids);
    bool *bad_hash = calloc(n, sizeof *bad_hash);
    assert_true(names && kids && bad_hash);
    uint32_t spread = rnd(4) == 0 ? (uint32_t)NPOOL : (uint32_t)(NPOOL + 2 * n);   /* few names: many duplicates */
    for (size_t i = 0; i < n; i++)
        names[i] = name_of(rnd(spread));
    if (rnd(2))   /* sorted as Windows writes it (duplicates in any order), else as generated */
        qsort(names, n, sizeof *names, cmp_upcased);
    for (size_t i = 0; i < n; i++) {
        kids[i] = key(&w, names[i], rnd(5) == 0, root);
        bad_hash[i] = rnd(8) == 0;
    }
    uint32_t count = (uint32_t)n;
    int corrupt = rnd(6);
    if (corrupt == 0)
        kids[rnd((uint32_t)n)] = 0x10;   /* an entry that names no cell */
    else if (corrupt == 1)
        count += 1;                      /* the lists hold fewer entries than the count */
    else if (corrupt == 2)
        count -= 1;                      /* ... or more */
    const char *sig = sigs[rnd(3)];
    set_subkeys(&w, root, sig, rnd(2) ? 0 : 1 + rnd(100), kids, bad_hash, n, count);
    finish(&w, root);

    regf_hive *scan = open_buffer(&w, true), *indexed = open_buffer(&w, false);
    for (uint32_t q = 0; q < NPOOL + 2 * n + 8; q++) {
        char *name = name_of(q);
        for (int pass = 0; pass < 2; pass++) {   /* the first lookup scans, later ones use the index */
            answer a = ask(scan, name), b = ask(indexed, name);
            if (a.rc != b.rc || a.kind != b.kind || a.off != b.off || strcmp(a.msg, b.msg) != 0)
                fail_msg("round %u (%zu entries, %s list): \"%s\": scan %d 0x%x \"%s\", index %d 0x%x \"%s\"", round, n,
                         sig, name, a.rc, a.off, a.msg, b.rc, b.off, b.msg);
        }
        free(name);
    }
    bool used = regf_index_get(indexed, root) != NULL;
    assert_int_equal(used, corrupt > 2);   /* indexed exactly when the scan reads the list whole */
    regf_close(scan);
    regf_close(indexed);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(kids);
    free(bad_hash);
    free(w.d);
    return used;
}

/* The valgrind preset sets KBAUDIT_TEST_TIME_SCALE: memcheck runs this test some 100 times
 * slower, so it checks fewer hives and smaller systems there (the same properties; what
 * memcheck adds is the check of every byte the index reads). */
static bool slow_runner(void)
{
    const char *s = getenv("KBAUDIT_TEST_TIME_SCALE");
    return s != NULL && strtod(s, NULL) > 1.0;
}

static void test_index_same_as_scan(void **state)
{
    (void)state;
    rnd_state = 2008;
    unsigned rounds = slow_runner() ? 25 : 150, indexed = 0;
    for (unsigned round = 0; round < rounds; round++)
        indexed += one_hive(round);
    assert_true(indexed > rounds / 3);   /* the index really answered most rounds */
}

/* A lookup answered by the index reads no list entries; a lookup in a small list is a scan. */
static void test_index_reads_nothing(void **state)
{
    (void)state;
    writer w;
    writer_init(&w);
    uint32_t root = key(&w, "ROOT", false, 0);
    uint32_t kids[200];
    char name[16];
    for (unsigned i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "K%03u", i);
        kids[i] = key(&w, name, false, root);
    }
    set_subkeys(&w, root, "lh", 0, kids, NULL, 200, 200);
    finish(&w, root);
    regf_hive *h = open_buffer(&w, false);
    regf_off k;
    kb_error err = {0};
    assert_int_equal(regf_key_child(h, root, "k150", 4, &k, &err), 0);   /* scan: 151 entries */
    assert_int_equal(h->entries_read, 151);
    assert_int_equal(regf_key_child(h, root, "k199", 4, &k, &err), 0);   /* builds: all 200 */
    assert_int_equal(h->entries_read, 351);
    assert_int_equal(k, kids[199]);
    assert_int_equal(regf_key_child(h, root, "K000", 4, &k, &err), 0);
    assert_int_equal(regf_key_child(h, root, "nope", 4, &k, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    assert_int_equal(h->entries_read, 351);
    regf_close(h);
    free(w.d);
}

/* ---- scaling of a whole facts gathering --------------------------------------------------- */

/* A SOFTWARE hive with N packages under CBS\Packages, sorted as Windows keeps them. */
static void write_software(const char *path, unsigned n)
{
    static const char *const chain[] = {"Microsoft", "Windows", "CurrentVersion", "Component Based Servicing",
                                        "Packages"};
    writer w;
    writer_init(&w);
    uint32_t root = key(&w, "ROOT", false, 0), parent = root;
    for (size_t i = 0; i < 5; i++) {
        uint32_t k = key(&w, chain[i], false, parent);
        set_subkeys(&w, parent, "lh", 0, &k, NULL, 1, 1);
        parent = k;
    }
    char **names = calloc(n, sizeof *names);
    uint32_t *kids = calloc(n, sizeof *kids);
    assert_true(names && kids);
    for (unsigned i = 0; i < n; i++) {
        names[i] = malloc(80);
        assert_non_null(names[i]);
        snprintf(names[i], 80, "Package_for_KB%u~31bf3856ad364e35~amd64~~6.0.1.%u", 900000 + i * 7, i % 4);
    }
    qsort(names, n, sizeof *names, cmp_upcased);
    for (unsigned i = 0; i < n; i++)
        kids[i] = key(&w, names[i], false, parent);
    set_subkeys(&w, parent, "lh", 500, kids, NULL, n, n);
    finish(&w, root);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(w.d, 1, w.len, f), w.len);
    assert_int_equal(fclose(f), 0);
    for (unsigned i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(kids);
    free(w.d);
}

static uint64_t entries_read_by_facts(unsigned n)
{
    char path[] = "/tmp/kbaudit-index-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_software(path, n);
    kb_target *t = NULL;
    kb_error err = {0};
    if (target_open_hives(path, NULL, 0, &t, &err) != 0)
        fail_msg("%s", err.msg);
    kb_facts f;
    memset(&f, 0, sizeof f);
    assert_int_equal(facts_gather(t, &f, &err), 0);
    assert_int_equal(f.npackages, n);
    uint64_t read = target_hive(t, KB_HIVE_SOFTWARE, &err)->entries_read;
    facts_free(&f);
    target_close(t);
    unlink(path);
    return read;
}

static void test_facts_linear_in_packages(void **state)
{
    (void)state;
    unsigned n = slow_runner() ? 500 : 2000;
    uint64_t a = entries_read_by_facts(n), b = entries_read_by_facts(2 * n);
    /* linear: listing the packages, one scan, one index build, and per package the five
     * one-entry lists on its path (about 8 n); the scan per package read n^2 / 2 more
     * (at n = 2,000: 2,000,000 and 8,000,000) */
    assert_true(a <= 10 * (uint64_t)n);
    assert_true(b <= 20 * (uint64_t)n);
    assert_true(b <= 2 * a + 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_same_as_scan),
        cmocka_unit_test(test_index_reads_nothing),
        cmocka_unit_test(test_facts_linear_in_packages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
