/* Unit tests of the hive reader on fixture hives built at test time from
 * tests/fixtures/hives/NAME.hivedesc (see tests/regf/CMakeLists.txt), and on buffers
 * corrupted in the test itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/regf.h"
#include "kbaudit/utf.h"

#define HIVE(name) KBAUDIT_FIXTURE_DIR "/hives/" name ".hive"

static regf_hive *open_ok(const char *path)
{
    regf_hive *h = NULL;
    kb_error err = {0};
    int r = regf_open_file(path, &h, &err);
    if (r != 0)
        fail_msg("%s", err.msg);
    return h;
}

static regf_off key_ok(regf_hive *h, const char *path)
{
    regf_off k = REGF_NONE;
    kb_error err = {0};
    if (regf_key_lookup(h, regf_root(h), path, &k, &err) != 0)
        fail_msg("lookup %s: %s", path, err.msg);
    return k;
}

/* Data of value `name` under key `path`; returns its type, fills buf/len. */
static uint32_t value_ok(regf_hive *h, const char *path, const char *name, kb_buf *buf,
                         const uint8_t **data, uint32_t *len)
{
    regf_off v;
    kb_error err = {0};
    regf_off k = key_ok(h, path);
    if (regf_value_lookup(h, k, name, &v, &err) != 0)
        fail_msg("value %s\\%s: %s", path, name, err.msg);
    regf_value_info vi;
    assert_int_equal(regf_value_info_get(h, v, &vi, &err), 0);
    assert_int_equal(regf_value_data(h, v, buf, data, len, &err), 0);
    assert_int_equal(vi.length, *len);
    return vi.type;
}

static void string_of(regf_hive *h, const char *path, const char *name, const char *want)
{
    regf_off v;
    kb_error err = {0};
    kb_buf s = KB_BUF_INIT;
    assert_int_equal(regf_value_lookup(h, key_ok(h, path), name, &v, &err), 0);
    assert_int_equal(regf_value_string(h, v, &s, &err), 0);
    assert_string_equal(s.data ? s.data : "", want);
    kb_buf_free(&s);
}

/* dirty.hivedesc: sequence numbers 42 and 41 */
static void test_dirty(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("dirty"));
    const regf_header *hdr = regf_get_header(h);
    assert_int_equal(hdr->seq_primary, 42);
    assert_int_equal(hdr->seq_secondary, 41);
    assert_true(hdr->dirty);
    regf_close(h);
}

/* Case-insensitive lookup beyond Latin-1 (upcase.hivedesc): Greek with tonos, fullwidth
 * Latin, Latin Extended Additional, Armenian. */
static void test_upcase_lookup(void **state)
{
    (void)state;
    assert_int_equal(kb_upcase16(0x03AC), 0x0386);   /* ά -> Ά */
    assert_int_equal(kb_upcase16(0xFF46), 0xFF26);   /* ｆ -> Ｆ */
    assert_int_equal(kb_upcase16(0x1EBF), 0x1EBE);   /* ế -> Ế */
    assert_int_equal(kb_upcase16(0x0561), 0x0531);   /* ա -> Ա */
    assert_int_equal(kb_upcase16(0x1EBE), 0x1EBE);   /* already upper */
    assert_int_equal(kb_upcase16(0x00DF), 0x00DF);   /* ß: no 1:1 upper case */
    assert_int_equal(kb_upcase16(0x0131), 0x0131);   /* dotless i: left alone */
    assert_int_equal(kb_upcase16('q'), 'Q');
    assert_int_equal(kb_upcase16(0x00FF), 0x0178);   /* ÿ -> Ÿ */
    regf_hive *h = open_ok(HIVE("upcase"));
    static const char *const pairs[][2] = {
        {"άλφα", "ΆΛΦΑ"}, {"ｆｕｌｌ", "ＦＵＬＬ"}, {"ế", "Ế"}, {"ա", "Ա"}, {"ǆ", "ǅ"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        regf_off k = key_ok(h, pairs[i][0]);
        kb_buf name = KB_BUF_INIT;
        kb_error err = {0};
        assert_int_equal(regf_key_name(h, k, &name, &err), 0);
        assert_string_equal(name.data, pairs[i][1]);
        kb_buf_free(&name);
    }
    kb_buf buf = KB_BUF_INIT;
    const uint8_t *d;
    uint32_t n;
    assert_int_equal(value_ok(h, "άλφα", "τιμή", &buf, &d, &n), REGF_DWORD);
    kb_buf_free(&buf);
    regf_close(h);
}

static void test_header_and_root(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("basic"));
    const regf_header *hdr = regf_get_header(h);
    assert_int_equal(hdr->major, 1);
    assert_int_equal(hdr->minor, 5);
    assert_false(hdr->dirty);
    assert_int_equal(hdr->bins_size % 4096, 0);
    kb_buf name = KB_BUF_INIT;
    kb_error err = {0};
    assert_int_equal(regf_key_name(h, regf_root(h), &name, &err), 0);
    assert_string_equal(name.data, "BASIC");
    kb_buf_free(&name);
    string_of(h, "", "", "root default value");
    string_of(h, "\\", "", "root default value");
    regf_close(h);
}

static void test_types(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("basic"));
    kb_buf buf = KB_BUF_INIT;
    const uint8_t *d;
    uint32_t n;
    assert_int_equal(value_ok(h, "Types", "REG_NONE", &buf, &d, &n), REGF_NONE_TYPE);
    assert_int_equal(n, 4);
    assert_memory_equal(d, "\xde\xad\xbe\xef", 4);
    assert_int_equal(value_ok(h, "Types", "REG_BINARY", &buf, &d, &n), REGF_BINARY);
    assert_int_equal(n, 17);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(d[i], i);
    assert_int_equal(value_ok(h, "Types", "REG_QWORD", &buf, &d, &n), REGF_QWORD);
    assert_int_equal(n, 8);
    assert_memory_equal(d, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    assert_int_equal(value_ok(h, "Types", "REG_MULTI_SZ", &buf, &d, &n), REGF_MULTI_SZ);
    assert_int_equal(n, 2 * (6 + 7 + 6 + 1));   /* first\0second\0third\0\0 */
    assert_int_equal(value_ok(h, "Unknown types", "type 0x12", &buf, &d, &n), 0x12);
    assert_int_equal(value_ok(h, "Unknown types", "type 0xffff0000", &buf, &d, &n), 0xffff0000u);
    string_of(h, "Types", "REG_SZ", "hello, world");
    string_of(h, "TYPES", "reg_expand_sz", "%SystemRoot%\\system32\\drivers");
    string_of(h, "Types", "", "default value of Types");
    regf_off v;
    kb_error err = {0};
    uint32_t dw;
    assert_int_equal(regf_value_lookup(h, key_ok(h, "Types"), "REG_DWORD", &v, &err), 0);
    assert_int_equal(regf_value_dword(h, v, &dw, &err), 0);
    assert_int_equal(dw, 0x1a);
    assert_int_equal(regf_value_lookup(h, key_ok(h, "Types"), "REG_DWORD_BIG_ENDIAN", &v, &err), 0);
    assert_int_equal(regf_value_dword(h, v, &dw, &err), 0);
    assert_int_equal(dw, 0x10);
    assert_int_equal(regf_value_lookup(h, key_ok(h, "Odd data"), "dword 3 bytes", &v, &err), 0);
    assert_int_equal(regf_value_dword(h, v, &dw, &err), -1);
    assert_int_equal(err.kind, KB_ERR_FORMAT);
    kb_buf_free(&buf);
    regf_close(h);
}

static void test_resident_and_empty(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("basic"));
    kb_buf buf = KB_BUF_INIT;
    const uint8_t *d;
    uint32_t n;
    static const char *names[] = {"len0", "len1", "len2", "len3", "len4", "len5", "len8"};
    static const uint32_t lens[] = {0, 1, 2, 3, 4, 5, 8};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(value_ok(h, "Resident lengths", names[i], &buf, &d, &n), REGF_BINARY);
        assert_int_equal(n, lens[i]);
        for (uint32_t j = 0; j < n; j++)
            assert_int_equal(d[j], 0xa1 + j);
    }
    assert_int_equal(value_ok(h, "Empty values", "multi_sz zero bytes", &buf, &d, &n), REGF_MULTI_SZ);
    assert_int_equal(n, 0);
    string_of(h, "Odd data", "sz no terminator", "abc");
    string_of(h, "Odd data", "sz junk after nul", "ab");
    string_of(h, "Odd data", "sz odd length", "A");
    kb_buf_free(&buf);
    regf_close(h);
}

static void test_class_names(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("basic"));
    kb_buf c = KB_BUF_INIT;
    kb_error err = {0};
    assert_int_equal(regf_key_class(h, key_ok(h, "Classes"), &c, &err), 0);
    assert_string_equal(c.data, "KeyClassName");
    kb_buf_reset(&c);
    assert_int_equal(regf_key_class(h, key_ok(h, "Classes\\Child no class"), &c, &err), 0);
    assert_int_equal(c.len, 0);
    kb_buf_free(&c);
    regf_close(h);
}

static void test_not_found(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("basic"));
    regf_off k;
    kb_error err = {0};
    assert_int_equal(regf_key_lookup(h, regf_root(h), "Types\\Nope", &k, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "Nope"));
    assert_int_equal(regf_value_lookup(h, key_ok(h, "Types"), "missing", &k, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    regf_close(h);
}

static void test_unicode_names(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("unicode"));
    /* Latin-1 (compressed) and UTF-16 names, matched case-insensitively */
    string_of(h, "latin-1", "GRÜßE", "Grüße");
    key_ok(h, "LATIN-1\\ärger");
    key_ok(h, "Latin-1\\ÄRMEL");
    string_of(h, "UTF-16", "日本語", "日本語のテキスト");
    string_of(h, "utf-16", "ελληνικά", "Ελληνικά");
    string_of(h, "UTF-16", "emoji 😀", "smile 😀 and 🎉");
    key_ok(h, "UTF-16\\КИРИЛЛИЦА");
    key_ok(h, "utf-16\\ΩMEGA LOWER");
    key_ok(h, "Forced UTF-16\\forcedkey");
    key_ok(h, "Forced UTF-16\\GRÜßE FORCED KEY");   /* ß has no one-letter upper case */
    regf_close(h);
}

static void test_many_subkeys(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("manykeys"));
    regf_offlist kids = {0};
    kb_error err = {0};
    static const struct { const char *path; size_t n; const char *last; } cases[] = {
        {"li3000", 3000, "li3000\\Key2999"},
        {"ri5000", 5000, "ri5000\\sub04999"},
        {"lf800", 800, "lf800\\Item799"},
        {"auto507", 507, "auto507\\N506"},
        {"auto508", 508, "auto508\\n507"},
        {"ri-li", 100, "ri-li\\X099"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(regf_key_subkeys(h, key_ok(h, cases[i].path), &kids, &err), 0);
        assert_int_equal(kids.n, cases[i].n);
        key_ok(h, cases[i].last);
    }
    regf_offlist_free(&kids);
    regf_close(h);
}

static void test_walk_deep(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("deep"));
    regf_walker *w;
    kb_error err = {0};
    assert_int_equal(regf_walk_begin(h, regf_root(h), &w, &err), 0);
    regf_off k;
    int r, keys = 0;
    unsigned max_depth = 0;
    while ((r = regf_walk_next(w, &k, &err)) == 1) {
        keys++;
        if (regf_walk_depth(w) > max_depth)
            max_depth = regf_walk_depth(w);
        if (regf_walk_depth(w) == 100) {
            size_t len;
            const char *p = regf_walk_path(w, &len);
            assert_int_equal(len, 100 * 8 + 99);
            assert_memory_equal(p + len - 8, "Level100", 8);
        }
    }
    assert_int_equal(r, 0);
    assert_int_equal(keys, 1 + 100 + 1);
    assert_int_equal(max_depth, 100);
    regf_walk_end(w);
    regf_close(h);
}

static void test_big_data(void **state)
{
    (void)state;
    regf_hive *h = open_ok(HIVE("bigdata"));
    regf_off k = regf_root(h), v;
    kb_error err = {0};
    regf_offlist vals = {0};
    kb_buf buf = KB_BUF_INIT;
    regf_walker *w;
    size_t total = 0, values = 0;
    assert_int_equal(regf_walk_begin(h, k, &w, &err), 0);
    while (regf_walk_next(w, &k, &err) == 1) {
        assert_int_equal(regf_key_values(h, k, &vals, &err), 0);
        for (size_t i = 0; i < vals.n; i++) {
            const uint8_t *d;
            uint32_t n;
            regf_value_info vi;
            v = vals.v[i];
            assert_int_equal(regf_value_info_get(h, v, &vi, &err), 0);
            if (regf_value_data(h, v, &buf, &d, &n, &err) != 0)
                fail_msg("%s", err.msg);
            assert_int_equal(n, vi.length);
            total += n;
            values++;
        }
    }
    assert_true(values > 0);
    assert_true(total > 1000000);   /* the fixture holds a ~1 MB value */
    regf_walk_end(w);
    regf_offlist_free(&vals);
    kb_buf_free(&buf);
    regf_close(h);
}

/* ---- corruption made in the test: copy a good hive, break one field ---- */

static uint8_t *load(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *size = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *p = malloc(*size);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, *size, fp), *size);
    fclose(fp);
    return p;
}

static void fix_checksum(uint8_t *p)
{
    uint32_t sum = 0, w;
    for (int i = 0; i < 0x1FC; i += 4) {
        memcpy(&w, p + i, 4);
        sum ^= w;
    }
    memcpy(p + 0x1FC, &sum, 4);
}

static void expect_open_error(const uint8_t *p, size_t n, const char *needle)
{
    regf_hive *h = NULL;
    kb_error err = {0};
    assert_int_equal(regf_open_buffer(p, n, "bad.hive", &h, &err), -1);
    assert_null(h);
    assert_int_equal(err.kind, KB_ERR_FORMAT);
    if (strstr(err.msg, needle) == NULL || strncmp(err.msg, "bad.hive: ", 10) != 0)
        fail_msg("message \"%s\" lacks \"%s\" or the file name", err.msg, needle);
}

static void test_open_errors(void **state)
{
    (void)state;
    size_t n;
    uint8_t *good = load(HIVE("basic"), &n);
    uint8_t *p = malloc(n);
    assert_non_null(p);

    expect_open_error(good, 0, "truncated");
    expect_open_error(good, 4095, "truncated");
    expect_open_error(good, 4096 + 100, "truncated");

    memcpy(p, good, n);
    p[0] = 'x';
    expect_open_error(p, n, "signature");

    memcpy(p, good, n);
    p[0x100] ^= 1;   /* inside the checksummed area */
    expect_open_error(p, n, "checksum");

    memcpy(p, good, n);
    p[0x14] = 2;     /* major version */
    fix_checksum(p);
    expect_open_error(p, n, "version");

    memcpy(p, good, n);
    memcpy(p + 4096, "hbix", 4);
    expect_open_error(p, n, "hbin");

    memcpy(p, good, n);
    uint32_t bad_self = 0x2000;
    memcpy(p + 4096 + 4, &bad_self, 4);
    expect_open_error(p, n, "own offset");

    /* first cell of the first bin: size 3, then 0x80000000, then past the bin's end */
    int32_t sizes[] = {-3, INT32_MIN, -0x7FFFFFF0, 0};
    const char *needles[] = {"multiple of 4", "invalid cell size", "past the end", "invalid cell size"};
    for (int i = 0; i < 4; i++) {
        memcpy(p, good, n);
        memcpy(p + 4096 + 32, &sizes[i], 4);
        expect_open_error(p, n, needles[i]);
    }

    memcpy(p, good, n);
    uint32_t root = 0xFFFFFFFFu;
    memcpy(p + 0x24, &root, 4);
    fix_checksum(p);
    expect_open_error(p, n, "root key");

    memcpy(p, good, n);
    root = 0x20 + 8;   /* the middle of the first cell */
    memcpy(p + 0x24, &root, 4);
    fix_checksum(p);
    expect_open_error(p, n, "not the start of an allocated cell");
    free(p);
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_root),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_resident_and_empty),
        cmocka_unit_test(test_class_names),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_unicode_names),
        cmocka_unit_test(test_many_subkeys),
        cmocka_unit_test(test_walk_deep),
        cmocka_unit_test(test_big_data),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_dirty),
        cmocka_unit_test(test_upcase_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
