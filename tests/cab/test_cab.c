/* The cabinet reader against gcab-made cabinets (every member byte for byte as cabextract
 * extracts it), hand-corrupted ones (each a clean error with the expected words), and the
 * real .msu files of ../shared/corpus/msu (skipped when absent). build_fixtures.py makes
 * the fixtures at test time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "kbaudit/cab.h"

#define FX KBAUDIT_FIXTURE_DIR "/cab"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    *n = len;
    return b;
}

/* Every member of the cabinet equals the file cabextract wrote into DIR; returns the count. */
static size_t compare_all(const char *cab_path, const char *dir)
{
    cab_archive *c = NULL;
    kb_error err = {0};
    if (cab_open_file(cab_path, NULL, &c, &err) != 0)
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < c->nmembers; i++) {
        uint8_t *got = NULL;
        size_t n = 0;
        if (cab_extract(c, i, 0, &got, &n, &err) != 0)
            fail_msg("%s", err.msg);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, c->members[i].name);
        size_t wn = 0;
        uint8_t *want = slurp(path, &wn);
        if (want == NULL)
            fail_msg("%s: cabextract wrote no %s", cab_path, path);
        assert_int_equal(n, wn);
        assert_int_equal(c->members[i].size, wn);
        if (n)
            assert_memory_equal(got, want, n);
        free(got);
        free(want);
    }
    size_t members = c->nmembers;
    cab_close(c);
    return members;
}

static void test_gcab_cabinets(void **state)
{
    (void)state;
    FILE *list = fopen(FX "/good/list.txt", "r");
    assert_non_null(list);
    char name[256];
    int cabs = 0;
    while (fscanf(list, "%255s", name) == 1) {
        char cab[1024], dir[1024];
        snprintf(cab, sizeof cab, FX "/good/%s.cab", name);
        snprintf(dir, sizeof dir, FX "/good/%s.d", name);
        size_t n = compare_all(cab, dir);
        if (strcmp(name, "many-files") == 0)
            assert_int_equal(n, 300);
        cabs++;
    }
    fclose(list);
    assert_true(cabs >= 5);
}

/* Members read out of order restart the folder and still come out right. */
static void test_backwards(void **state)
{
    (void)state;
    cab_archive *c = NULL;
    kb_error err = {0};
    assert_int_equal(cab_open_file(FX "/good/multiblock.cab", NULL, &c, &err), 0);
    for (size_t k = c->nmembers; k-- > 0;) {
        uint8_t *a = NULL;
        size_t n = 0;
        assert_int_equal(cab_extract(c, k, 0, &a, &n, &err), 0);
        assert_int_equal(n, c->members[k].size);
        free(a);
    }
    /* the cap refuses before inflating */
    uint8_t *a = NULL;
    size_t n = 0;
    long big = cab_find(c, "NOISE.BIN");
    assert_true(big >= 0);
    assert_int_not_equal(cab_extract(c, (size_t)big, 1000, &a, &n, &err), 0);
    assert_non_null(strstr(err.msg, "limit"));
    assert_null(a);
    cab_close(c);
}

/* A tiny inflate budget stops the work with a message. */
static void test_budget(void **state)
{
    (void)state;
    cab_options opt = {.inflate_budget = 40000};
    cab_archive *c = NULL;
    kb_error err = {0};
    assert_int_equal(cab_open_file(FX "/good/multiblock.cab", &opt, &c, &err), 0);
    uint8_t *a = NULL;
    size_t n = 0;
    long big = cab_find(c, "noise.bin");
    assert_int_not_equal(cab_extract(c, (size_t)big, 0, &a, &n, &err), 0);
    assert_non_null(strstr(err.msg, "budget"));
    cab_close(c);
}

static void test_corrupt(void **state)
{
    (void)state;
    FILE *f = fopen(FX "/bad/expect.txt", "r");
    assert_non_null(f);
    char line[512];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *name = strtok(line, "\t"), *phase = strtok(NULL, "\t"), *text = strtok(NULL, "\t");
        if (name == NULL || phase == NULL)
            continue;
        char path[1024];
        snprintf(path, sizeof path, FX "/bad/%s.cab", name);
        cab_archive *c = NULL;
        kb_error err = {0};
        int rc = cab_open_file(path, NULL, &c, &err);
        if (strcmp(phase, "open") == 0) {
            if (rc == 0)
                fail_msg("%s: opened, expected an error", name);
        } else {
            if (rc != 0)
                fail_msg("%s: %s", name, err.msg);
            int failed = 0;
            for (size_t i = 0; i < c->nmembers; i++) {
                uint8_t *a = NULL;
                size_t n = 0;
                if (cab_extract(c, i, 0, &a, &n, &err) != 0)
                    failed = 1;
                free(a);
            }
            if (strcmp(phase, "ok") == 0 && failed)
                fail_msg("%s: %s", name, err.msg);
            if (strcmp(phase, "extract") == 0 && !failed)
                fail_msg("%s: extracted, expected an error", name);
            cab_close(c);
        }
        if (strcmp(phase, "ok") != 0) {
            if (strstr(err.msg, path) == NULL)
                fail_msg("%s: the message does not name the file: %s", name, err.msg);
            if (text && strstr(err.msg, text) == NULL)
                fail_msg("%s: expected \"%s\" in: %s", name, text, err.msg);
        }
        checked++;
    }
    fclose(f);
    assert_true(checked >= 15);
}

static void test_corpus_msu(void **state)
{
    (void)state;
    DIR *d = opendir(KBAUDIT_SHARED_DIR "/corpus/msu");
    if (d == NULL) {
        print_message("skipped: %s/corpus/msu is absent\n", KBAUDIT_SHARED_DIR);
        skip();
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".msu") != 0)
            continue;
        char msu[1024], dir[1024];
        snprintf(msu, sizeof msu, KBAUDIT_SHARED_DIR "/corpus/msu/%s", e->d_name);
        snprintf(dir, sizeof dir, FX "/corpus/%s.d", e->d_name);
        assert_true(compare_all(msu, dir) >= 4);
        cab_archive *c = NULL;
        kb_error err = {0};
        assert_int_equal(cab_open_file(msu, NULL, &c, &err), 0);
        assert_true(cab_trailing_bytes(c) > 0);   /* the package's signature */
        cab_close(c);
        n++;
    }
    closedir(d);
    print_message("%d real .msu files read identically to cabextract\n", n);
    assert_true(n > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcab_cabinets), cmocka_unit_test(test_backwards), cmocka_unit_test(test_budget),
        cmocka_unit_test(test_corrupt),       cmocka_unit_test(test_corpus_msu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
