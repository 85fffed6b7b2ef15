/* Unit tests of the package identity parsers: Name~PublicKeyToken~Arch~Language~Version
 * strings, the KB number and sub-package index in package names, "KBnnnn" identifiers and
 * four-part versions, including odd and hostile strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/mum.h"

#define TOKEN "31bf3856ad364e35"

static void slice_is(mum_slice s, const char *want)
{
    if (s.n != strlen(want) || memcmp(s.p, want, s.n) != 0)
        fail_msg("got \"%.*s\", want \"%s\"", (int)s.n, s.p, want);
}

static mum_package_id parse_ok(const char *s)
{
    mum_package_id id;
    kb_error err = {0};
    if (mum_package_id_parse(s, strlen(s), &id, &err) != 0)
        fail_msg("%s: %s", s, err.msg);
    return id;
}

static void parse_bad(const char *s, size_t n, const char *want)
{
    mum_package_id id;
    kb_error err = {0};
    if (mum_package_id_parse(s, n, &id, &err) == 0)
        fail_msg("\"%.*s\" parsed", (int)(n > 200 ? 200 : n), s ? s : "");
    if (strstr(err.msg, want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    assert_int_equal(err.kind, KB_ERR_FORMAT);
}

/* For strings without a NUL inside. */
#define BAD(s, want) parse_bad(s, strlen(s), want)

static void test_shapes(void **state)
{
    (void)state;
    mum_package_id id = parse_ok("Package_for_KB4493471~" TOKEN "~amd64~~6.0.1.4");
    slice_is(id.name, "Package_for_KB4493471");
    slice_is(id.public_key_token, TOKEN);
    slice_is(id.arch, "amd64");
    slice_is(id.language, "");
    slice_is(id.version, "6.0.1.4");
    assert_int_equal(id.version_parts[0], 6);
    assert_int_equal(id.version_parts[1], 0);
    assert_int_equal(id.version_parts[2], 1);
    assert_int_equal(id.version_parts[3], 4);
    assert_int_equal(id.kb, 4493471);
    assert_int_equal(id.index, -1);
    assert_int_equal(id.suffix.n, 0);

    id = parse_ok("Package_1_for_KB4493730~" TOKEN "~x86~~6.0.1.2");
    assert_int_equal(id.kb, 4493730);
    assert_int_equal(id.index, 1);
    assert_int_equal(id.suffix.n, 0);

    id = parse_ok("Package_for_KB958690_sc_0~" TOKEN "~amd64~~6.0.1.6.mum");   /* a file name */
    assert_int_equal(id.kb, 958690);
    assert_int_equal(id.index, -1);
    slice_is(id.suffix, "sc_0");
    slice_is(id.version, "6.0.1.6");

    /* names as stored in a CAB: lower case */
    id = parse_ok("package_1_for_kb4538483~" TOKEN "~amd64~~6.1.1.2.MUM");
    assert_int_equal(id.kb, 4538483);
    assert_int_equal(id.index, 1);
    id = parse_ok("PACKAGE_FOR_KB4538483_SP1~" TOKEN "~AMD64~~6.1.1.2");
    slice_is(id.suffix, "SP1");
    slice_is(id.arch, "AMD64");
    id = parse_ok("package_12_for_kb2999226_bf~" TOKEN "~ia64~~6.0.1.6");
    assert_int_equal(id.index, 12);
    slice_is(id.suffix, "bf");

    /* a localized package keeps its language */
    id = parse_ok("Package_for_KB948609~" TOKEN "~amd64~en-US~6.0.6001.3053");
    slice_is(id.language, "en-US");
    assert_int_equal(id.version_parts[3], 3053);

    /* names without a KB number parse, with kb = 0 */
    id = parse_ok("Microsoft-Windows-Foundation-Package~" TOKEN "~x86~~6.0.6001.18000");
    assert_int_equal(id.kb, 0);
    assert_int_equal(id.index, -1);
    id = parse_ok("Package_for_RollupFix~" TOKEN "~amd64~~6.0.1.0");
    assert_int_equal(id.kb, 0);
    id = parse_ok("Package_for_KB1234567890~" TOKEN "~amd64~~6.0.1.0");   /* 10 digits: not a KB */
    assert_int_equal(id.kb, 0);
    id = parse_ok("Package_for_KB123456789~" TOKEN "~amd64~~65535.65535.65535.65535");
    assert_int_equal(id.kb, 123456789);
    assert_int_equal(id.version_parts[0], 65535);
}

static void test_odd_strings(void **state)
{
    (void)state;
    parse_bad(NULL, 0, "empty");
    BAD("", "empty");
    BAD("Package_for_KB4493471", "1 '~'-separated field, expected 5");
    BAD("Package_for_KB4493471~" TOKEN "~amd64~6.0.1.4", "4 '~'-separated fields");
    BAD("P~" TOKEN "~amd64~~6.0.1.4~extra", "more than 5");
    BAD("P~" TOKEN "~amd64~~6.0.1.4~", "more than 5");
    BAD("~~~~", "empty name");
    BAD("~" TOKEN "~amd64~~6.0.1.4", "empty name");
    BAD("P~~amd64~~6.0.1.4", "public key token \"\" is not 16 hex digits");
    BAD("P~31bf3856ad364e3~amd64~~6.0.1.4", "is not 16 hex digits");
    BAD("P~31bf3856ad364e355~amd64~~6.0.1.4", "is not 16 hex digits");
    BAD("P~31bf3856ad364e3g~amd64~~6.0.1.4", "is not 16 hex digits");
    BAD("P~" TOKEN "~~~6.0.1.4", "empty processor architecture");
    BAD("P~" TOKEN "~x86~~", "version \"\"");
    BAD("P~" TOKEN "~x86~~6.0.1", "version \"6.0.1\"");
    BAD("P~" TOKEN "~x86~~6.0.1.4.5", "is not four numbers");
    BAD("P~" TOKEN "~x86~~6.0.1.65536", "is not four numbers");
    BAD("P~" TOKEN "~x86~~6..1.4", "is not four numbers");
    BAD("P~" TOKEN "~x86~~6.0.1.x", "is not four numbers");
    BAD("P~" TOKEN "~x86~~.6.0.1", "is not four numbers");
    BAD("P~" TOKEN "~x86~~6.0.1.4.", "is not four numbers");
    BAD("P~" TOKEN "~x86~~-6.0.1.4", "is not four numbers");
    BAD(".mum", "1 '~'-separated field");
    /* control characters, including a NUL inside the counted string */
    BAD("P~" TOKEN "~x86~\t~6.0.1.4", "control character 0x09 at offset 23");
    static const char nul[] = "P\0~" TOKEN "~x86~~6.0.1.4";
    parse_bad(nul, sizeof nul - 1, "control character 0x00 at offset 1");
}

static void test_long_strings(void **state)
{
    (void)state;
    char *s = malloc(MUM_MAX_IDENTITY_STRING + 64);
    assert_non_null(s);
    /* exactly the limit: a long name is fine */
    const char *tail = "~" TOKEN "~amd64~~6.0.1.4";
    size_t name_len = MUM_MAX_IDENTITY_STRING - strlen(tail);
    memset(s, 'N', name_len);
    memcpy(s + name_len, tail, strlen(tail) + 1);
    mum_package_id id;
    kb_error err = {0};
    assert_int_equal(mum_package_id_parse(s, strlen(s), &id, &err), 0);
    assert_int_equal(id.name.n, name_len);
    /* one byte more is refused */
    memset(s, 'N', name_len + 1);
    memcpy(s + name_len + 1, tail, strlen(tail) + 1);
    parse_bad(s, strlen(s), "longer than the 1024-byte limit");
    /* many tildes */
    memset(s, '~', MUM_MAX_IDENTITY_STRING);
    parse_bad(s, MUM_MAX_IDENTITY_STRING, "more than 5");
    /* a huge KB number in a long name */
    memcpy(s, "Package_for_KB", 14);
    memset(s + 14, '9', 900);
    memcpy(s + 914, tail, strlen(tail) + 1);
    id = (mum_package_id){0};
    assert_int_equal(mum_package_id_parse(s, strlen(s), &id, &err), 0);
    assert_int_equal(id.kb, 0);
    free(s);
}

static bool name_kb(const char *name, uint32_t *kb, int32_t *index, mum_slice *suffix)
{
    return mum_package_name_kb(name, strlen(name), kb, index, suffix);
}

static void test_package_names(void **state)
{
    (void)state;
    uint32_t kb;
    int32_t index;
    mum_slice suffix;
    assert_true(name_kb("Package_for_KB4474419", &kb, &index, &suffix));
    assert_int_equal(kb, 4474419);
    assert_true(name_kb("PACKAGE_FOR_KB1", &kb, &index, &suffix));
    assert_int_equal(kb, 1);
    assert_true(name_kb("Package_999999999_for_KB7_x", &kb, &index, &suffix));
    assert_int_equal(index, 999999999);
    slice_is(suffix, "x");
    static const char *const no[] = {
        "Package__for_KB1", "Package_for_KB", "Package_for_KB0", "Package_for_KB12_", "Package_for_KB12x",
        "Package_1234567890_for_KB1", "Package_1for_KB1", "Package_for_Kb", "Package_", "Packag",
        "", "Package_for_KB-1", "Package_x_for_KB1", "MyPackage_for_KB1", "Package_for_KB 1",
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (name_kb(no[i], &kb, &index, &suffix))
            fail_msg("\"%s\" read as a KB package name", no[i]);
        assert_int_equal(kb, 0);
        assert_int_equal(index, -1);
        assert_int_equal(suffix.n, 0);
    }
    assert_false(mum_package_name_kb(NULL, 0, &kb, &index, &suffix));
}

static void test_kb_and_version(void **state)
{
    (void)state;
    uint32_t kb;
    assert_true(mum_kb_parse("KB4474419", 9, &kb));
    assert_int_equal(kb, 4474419);
    assert_true(mum_kb_parse("kb1", 3, &kb));
    assert_int_equal(kb, 1);
    assert_true(mum_kb_parse("KB4474419-v4", 9, &kb));   /* only the counted bytes */
    static const char *const no[] = {"KB", "KB-1", "KB1234567890", "KB12a", " KB1", "KB 1", "Foundation",
                                     "", "KB0", "4474419"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_false(mum_kb_parse(no[i], strlen(no[i]), &kb));
        assert_int_equal(kb, 0);
    }
    assert_false(mum_kb_parse(NULL, 0, &kb));
    uint16_t v[4];
    assert_true(mum_version_parse("6.0.6003.20489", 14, v));
    assert_int_equal(v[2], 6003);
    assert_int_equal(v[3], 20489);
    assert_true(mum_version_parse("0.0.0.0", 7, v));
    assert_true(mum_version_parse("00006.0.0.0", 11, v));        /* leading zeros are read */
    assert_false(mum_version_parse("000006.0.0.0", 12, v));      /* at most 5 digits */
    assert_false(mum_version_parse("1.2.3", 5, v));
    assert_false(mum_version_parse("1.2.3.4 ", 8, v));
    assert_false(mum_version_parse("", 0, v));
}

static void test_format(void **state)
{
    (void)state;
    mum_identity id = {"Package_for_KB4474419", TOKEN, "amd64", "neutral", "6.0.4.0"};
    kb_buf b = KB_BUF_INIT;
    assert_int_equal(mum_identity_format(&id, &b), 0);
    assert_string_equal(b.data, "Package_for_KB4474419~" TOKEN "~amd64~~6.0.4.0");
    id.language = "NEUTRAL";
    kb_buf_reset(&b);
    mum_identity_format(&id, &b);
    assert_string_equal(b.data, "Package_for_KB4474419~" TOKEN "~amd64~~6.0.4.0");
    id.language = "en-US";
    kb_buf_reset(&b);
    mum_identity_format(&id, &b);
    assert_string_equal(b.data, "Package_for_KB4474419~" TOKEN "~amd64~en-US~6.0.4.0");
    mum_identity empty = {"X", NULL, NULL, NULL, NULL};
    kb_buf_reset(&b);
    mum_identity_format(&empty, &b);
    assert_string_equal(b.data, "X~~~~");
    /* what format writes, parse reads back */
    kb_buf_reset(&b);
    id.language = "neutral";
    mum_identity_format(&id, &b);
    mum_package_id p;
    kb_error err = {0};
    assert_int_equal(mum_package_id_parse(b.data, b.len, &p, &err), 0);
    assert_int_equal(p.kb, 4474419);
    kb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),         cmocka_unit_test(test_odd_strings),
        cmocka_unit_test(test_long_strings),   cmocka_unit_test(test_package_names),
        cmocka_unit_test(test_kb_and_version), cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
