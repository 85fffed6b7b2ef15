/* Package identity: the real KB4538483 packages of ../shared/corpus/msu (Windows 6.1: not for
 * 2008 SP2; skipped when absent), a package made with mkmsu.py at test time (Windows 6.0 x64),
 * and hostile metadata (a DOCTYPE in the unattend file, no metadata at all). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/msu.h"

#define WORK KBAUDIT_FIXTURE_DIR "/msu-unit"
#define X64 "/corpus/msu/windows6.1-kb4538483-x64_3e861ae5fe3f6b3c9d185decbd96a436ca0c5035.msu"

static void test_corpus(void **state)
{
    (void)state;
    FILE *f = fopen(KBAUDIT_SHARED_DIR X64, "rb");
    if (f == NULL) {
        print_message("skipped: %s is absent\n", KBAUDIT_SHARED_DIR X64);
        skip();
    }
    fclose(f);
    msu_package p;
    kb_error err = {0};
    assert_int_equal(msu_read_file(KBAUDIT_SHARED_DIR X64, &p, &err), 0);
    assert_int_equal(p.kb, 4538483);
    assert_string_equal(p.os_version, "6.1");
    assert_string_equal(p.arch, "x64");
    assert_string_equal(p.assembly_name, "Package_for_KB4538483");
    assert_string_equal(p.assembly_version, "6.1.1.2");
    assert_string_equal(p.package_type, "Security Update");
    assert_int_equal(p.trailing_bytes, 8616);
    assert_int_equal(p.nwarnings, 0);
    assert_false(msu_applies(&p, "x64"));
    char b[160];
    assert_non_null(strstr(msu_applies_reason(&p, "x64", b, sizeof b), "Windows 6.1"));
    msu_package_free(&p);
}

static void test_made(void **state)
{
    (void)state;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s %s ok.msu:4493730:6.0:x64", PYTHON, MKMSU, WORK);
    assert_int_equal(system(cmd), 0);
    msu_package p;
    kb_error err = {0};
    assert_int_equal(msu_read_file(WORK "/ok.msu", &p, &err), 0);
    assert_int_equal(p.kb, 4493730);
    assert_string_equal(p.os_version, "6.0");
    assert_true(msu_applies(&p, "x64"));
    assert_false(msu_applies(&p, "x86"));
    assert_string_equal(p.source_location, "%configsetroot%\\Windows6.0-KB4493730-x64.cab");
    msu_package_free(&p);
}

/* A cabinet in memory: one stored folder, members given as name/content pairs. */
static size_t make_cab(uint8_t *out, const char *const *names, const char *const *data, size_t n)
{
    size_t files = 44, entries = 0, total_data = 0;
    for (size_t i = 0; i < n; i++)
        entries += 16 + strlen(names[i]) + 1, total_data += strlen(data[i]);
    size_t data_off = files + entries, size = data_off + 8 + total_data;
    memset(out, 0, size);
    memcpy(out, "MSCF", 4);
    out[8] = (uint8_t)size, out[9] = (uint8_t)(size >> 8);
    out[16] = (uint8_t)files;
    out[24] = 3, out[25] = 1, out[26] = 1, out[28] = (uint8_t)n;
    out[36] = (uint8_t)data_off, out[37] = (uint8_t)(data_off >> 8), out[40] = 1;   /* 1 block, stored */
    size_t pos = files, off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(data[i]);
        out[pos] = (uint8_t)len, out[pos + 1] = (uint8_t)(len >> 8);
        out[pos + 4] = (uint8_t)off, out[pos + 5] = (uint8_t)(off >> 8);
        strcpy((char *)out + pos + 16, names[i]);
        pos += 16 + strlen(names[i]) + 1;
        off += len;
    }
    out[data_off + 4] = out[data_off + 6] = (uint8_t)total_data;
    out[data_off + 5] = out[data_off + 7] = (uint8_t)(total_data >> 8);
    for (size_t i = 0, at = data_off + 8; i < n; at += strlen(data[i]), i++)
        memcpy(out + at, data[i], strlen(data[i]));
    return size;
}

static void test_hostile(void **state)
{
    (void)state;
    static uint8_t cab[4096];
    const char *names[] = {"x-pkgProperties.txt", "x.xml"};
    const char *data[] = {"KB Article Number=\"4493730\"\r\nApplies to=\"Windows 6.0\"\r\nnoise\r\n"
                          "Processor Architecture=\"x86\"\r\n",
                          "<!DOCTYPE a [<!ENTITY e \"x\">]><unattend/>"};
    size_t n = make_cab(cab, names, data, 2);
    msu_package p;
    kb_error err = {0};
    assert_int_equal(msu_read_buffer(cab, n, "hostile.msu", &p, &err), 0);
    assert_int_equal(p.kb, 4493730);
    assert_true(msu_applies(&p, "x86"));
    assert_int_equal(p.nwarnings, 1);
    assert_non_null(strstr(p.warnings[0], "document type declaration refused"));
    msu_package_free(&p);

    const char *plain[] = {"readme.txt"}, *text[] = {"hello"};
    n = make_cab(cab, plain, text, 1);
    assert_int_not_equal(msu_read_buffer(cab, n, "plain.cab", &p, &err), 0);
    assert_non_null(strstr(err.msg, "plain.cab: a cabinet, but not an update package"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus), cmocka_unit_test(test_made), cmocka_unit_test(test_hostile)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
