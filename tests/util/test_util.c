/* Unit tests of the shared utilities: the JSON writer (structure, escapes, invalid UTF-8),
 * UTF-16/Latin-1 conversion and Windows-style upper-casing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/error.h"
#include "kbaudit/json.h"
#include "kbaudit/utf.h"

/* kb_strerror: the system's text in the caller's buffer, whichever strerror_r variant the C
 * library declares; a text even for a value with none, and never beyond the buffer. */
static void test_strerror(void **state)
{
    (void)state;
    char buf[128];
    const char *t = kb_strerror(ENOENT, buf, sizeof buf);
    assert_non_null(t);
    assert_string_equal(t, strerror(ENOENT));   /* same text, main thread only here */
    char tiny[4] = "xyz";
    t = kb_strerror(ENOENT, tiny, sizeof tiny);
    assert_true(t != tiny || strlen(tiny) < sizeof tiny);
    assert_true(strlen(kb_strerror(-12345, buf, sizeof buf)) > 0);
    assert_string_equal(kb_strerror(EACCES, NULL, 0), "unknown error");
    assert_string_equal(KB_STRERROR(EACCES), strerror(EACCES));
}

static void test_json_document(void **state)
{
    (void)state;
    kb_json j;
    json_init(&j);
    json_object_begin(&j);
    json_key(&j, "s"), json_string(&j, "a\"b\\c\n\x01");
    json_key(&j, "n"), json_int(&j, -5);
    json_key(&j, "u"), json_uint(&j, 4294967295u);
    json_key(&j, "null"), json_string(&j, NULL);
    json_key(&j, "empty"), json_array_begin(&j), json_array_end(&j);
    json_key(&j, "list"), json_array_begin(&j), json_bool(&j, true), json_bool(&j, false), json_array_end(&j);
    json_object_end(&j);
    assert_false(j.failed);
    assert_string_equal(j.out.data,
                        "{\n"
                        "  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n"
                        "  \"n\": -5,\n"
                        "  \"u\": 4294967295,\n"
                        "  \"null\": null,\n"
                        "  \"empty\": [],\n"
                        "  \"list\": [\n"
                        "    true,\n"
                        "    false\n"
                        "  ]\n"
                        "}");
    json_free(&j);
}

static void test_json_utf8(void **state)
{
    (void)state;
    kb_buf b = KB_BUF_INIT;
    /* valid UTF-8 stays, a lone 0xFF byte and a truncated sequence become \ufffd */
    assert_int_equal(json_quote(&b, "Gr\xc3\xbc\xc3\x9f" "e \xff x \xe2\x82", 14), 0);
    assert_string_equal(b.data, "\"Gr\xc3\xbc\xc3\x9f" "e \\ufffd x \\ufffd\"");
    kb_buf_free(&b);
}

static void test_json_unbalanced(void **state)
{
    (void)state;
    kb_json j;
    json_init(&j);
    json_object_end(&j);
    assert_true(j.failed);
    json_free(&j);
    json_init(&j);
    for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
        json_array_begin(&j);
    assert_true(j.failed);
    json_free(&j);
}

static void test_utf16(void **state)
{
    (void)state;
    kb_buf b = KB_BUF_INIT;
    /* "A", U+00FC, U+1F600 as a surrogate pair, an unpaired surrogate, an odd trailing byte */
    static const uint8_t s[] = {'A', 0, 0xFC, 0, 0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xD8, 'x', 0, 0x42};
    assert_int_equal(kb_utf16le_to_utf8(&b, s, sizeof s), 0);
    assert_string_equal(b.data, "A\xc3\xbc\xf0\x9f\x98\x80\xef\xbf\xbdx");
    kb_buf_reset(&b);
    static const uint8_t latin1[] = {'c', 'a', 'f', 0xE9};
    assert_int_equal(kb_latin1_to_utf8(&b, latin1, 4), 0);
    assert_string_equal(b.data, "caf\xc3\xa9");
    kb_buf_free(&b);
    assert_int_equal(kb_upcase16('a'), 'A');
    assert_int_equal(kb_upcase16(0xE4), 0xC4);    /* ä */
    assert_int_equal(kb_upcase16(0xDF), 0xDF);    /* ß has no one-letter upper case */
    assert_int_equal(kb_upcase16(0x3C9), 0x3A9);  /* ω */
    assert_int_equal(kb_upcase16(0x43A), 0x41A);  /* к */
    assert_int_equal(kb_upcase16(0x101), 0x100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_json_document),
        cmocka_unit_test(test_json_utf8),
        cmocka_unit_test(test_json_unbalanced),
        cmocka_unit_test(test_utf16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
