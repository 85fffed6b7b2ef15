/* Unit tests of targets: case-insensitive resolution, containment in the root (symlinks,
 * ".."), hive-only targets, and failures when SOFTWARE is missing or corrupt. Trees are made
 * in a temporary folder by the test itself, with the fixture SOFTWARE hive. */
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

#include "kbaudit/facts.h"
#include "kbaudit/target.h"

#define SOFTWARE_FIXTURE KBAUDIT_FIXTURE_DIR "/hives/software.hive"

static char tmp[256];

static void run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/kbaudit-target-XXXXXX");
    if (mkdtemp(tmp) == NULL)
        return -1;
    run("mkdir -p %s/root/WINDOWS/SYSTEM32/CONFIG %s/root/WINDOWS/servicing/Packages", tmp, tmp);
    run("cp %s %s/root/WINDOWS/SYSTEM32/CONFIG/SOFTWARE", SOFTWARE_FIXTURE, tmp);
    run("printf 'MZ' > %s/root/WINDOWS/SYSTEM32/NtOsKrnl.EXE", tmp);
    run("mkdir -p %s/outside && echo secret > %s/outside/secret.txt", tmp, tmp);
    run("ln -s %s/outside %s/root/WINDOWS/SYSTEM32/escape", tmp, tmp);
    run("ln -s ../servicing %s/root/WINDOWS/SYSTEM32/inside", tmp);
    run("ln -s %s/outside/secret.txt %s/root/WINDOWS/SYSTEM32/leak.txt", tmp, tmp);
    run("printf 'x' > %s/root/WINDOWS/servicing/Packages/A.MUM", tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    run("rm -rf %s", tmp);
    return 0;
}

static kb_target *open_tree(void)
{
    char root[300];
    snprintf(root, sizeof root, "%s/root", tmp);
    kb_target *t = NULL;
    kb_error err = {0};
    if (target_open_tree(root, 0, &t, &err) != 0)
        fail_msg("%s", err.msg);
    return t;
}

static void test_case_insensitive(void **state)
{
    (void)state;
    kb_target *t = open_tree();
    assert_string_equal(target_windows_dir(t), "WINDOWS");
    assert_true(target_files_available(t));
    char *host = NULL;
    kb_error err = {0};
    assert_int_equal(target_file(t, "System32\\ntoskrnl.exe", &host, &err), 0);
    assert_non_null(strstr(host, "/root/WINDOWS/SYSTEM32/NtOsKrnl.EXE"));
    free(host);
    assert_int_equal(target_file(t, "\\windows/system32/config/software", &host, &err), 0);
    free(host);
    assert_int_equal(target_file(t, "System32\\missing.dll", &host, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    assert_null(host);
    target_close(t);
}

static void test_containment(void **state)
{
    (void)state;
    kb_target *t = open_tree();
    char *host = NULL;
    kb_error err = {0};
    assert_int_equal(target_file(t, "System32\\escape\\secret.txt", &host, &err), -1);
    assert_int_equal(err.kind, KB_ERR_IO);
    assert_non_null(strstr(err.msg, "outside the root"));
    assert_int_equal(target_file(t, "System32\\..\\..\\..\\etc\\passwd", &host, &err), -1);
    assert_non_null(strstr(err.msg, "refused"));
    /* a symlink that stays inside the root is followed */
    assert_int_equal(target_file(t, "System32\\inside\\Packages", &host, &err), 0);
    free(host);
    char **names;
    size_t n;
    assert_int_equal(target_list_dir(t, "System32\\escape", &names, &n, &err), -1);
    target_close(t);
}

/* The folder of the last file found is kept for the next file of that folder: a link to
 * outside in it is still refused, other folders and ".." still resolve as a whole, and a
 * miss in the kept folder is an ordinary "not found". */
static void test_folder_kept(void **state)
{
    (void)state;
    kb_target *t = open_tree();
    char *host = NULL;
    kb_error err = {0};
    assert_int_equal(target_file(t, "System32\\ntoskrnl.exe", &host, &err), 0);
    free(host);
    assert_int_equal(target_file(t, "system32\\leak.txt", &host, &err), -1);   /* other case: resolved whole */
    assert_non_null(strstr(err.msg, "outside the root"));
    assert_int_equal(target_file(t, "System32\\leak.txt", &host, &err), -1);   /* kept folder */
    assert_int_equal(err.kind, KB_ERR_IO);
    assert_non_null(strstr(err.msg, "outside the root"));
    assert_null(host);
    assert_int_equal(target_file(t, "servicing\\Packages\\a.mum", &host, &err), 0);
    assert_non_null(strstr(host, "/root/WINDOWS/servicing/Packages/A.MUM"));
    free(host);
    assert_int_equal(target_file(t, "servicing\\Packages\\b.mum", &host, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    assert_int_equal(target_file(t, "servicing\\Packages\\..\\..\\..\\x", &host, &err), -1);
    assert_non_null(strstr(err.msg, "refused"));
    assert_int_equal(target_file(t, "System32\\escape\\secret.txt", &host, &err), -1);
    assert_non_null(strstr(err.msg, "outside the root"));
    target_close(t);
}

static void test_registry(void **state)
{
    (void)state;
    kb_target *t = open_tree();
    kb_buf s = KB_BUF_INIT;
    kb_error err = {0};
    assert_int_equal(target_reg_string(t, KB_HIVE_SOFTWARE, "microsoft\\windows nt\\currentversion",
                                       "currentbuildnumber", &s, &err), 0);
    assert_string_equal(s.data, "6003");
    bool exists = true;
    assert_int_equal(target_reg_key_exists(t, KB_HIVE_SOFTWARE, "No\\Such\\Key", &exists, &err), 0);
    assert_false(exists);
    /* the tree has no SYSTEM hive */
    assert_null(target_hive(t, KB_HIVE_SYSTEM, &err));
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    kb_buf_free(&s);
    target_close(t);
}

static void test_hive_files(void **state)
{
    (void)state;
    kb_target *t = NULL;
    kb_error err = {0};
    assert_int_equal(target_open_hives(SOFTWARE_FIXTURE, NULL, 0, &t, &err), 0);
    assert_false(target_files_available(t));
    char *host = NULL;
    assert_int_equal(target_file(t, "System32\\ntoskrnl.exe", &host, &err), -1);
    assert_int_equal(err.kind, KB_ERR_UNSUPPORTED);
    kb_facts f;
    assert_int_equal(facts_gather(t, &f, &err), 0);
    assert_false(f.files_available);
    assert_int_equal(f.nfiles, 0);
    assert_string_equal(f.current_build_number.value, "6003");
    facts_free(&f);
    target_close(t);
}

static void test_open_failures(void **state)
{
    (void)state;
    kb_target *t = NULL;
    kb_error err = {0};
    char path[300];
    snprintf(path, sizeof path, "%s/outside", tmp);
    assert_int_equal(target_open_tree(path, 0, &t, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "no Windows directory"));
    snprintf(path, sizeof path, "%s/outside/secret.txt", tmp);
    assert_int_equal(target_open_hives(path, NULL, 0, &t, &err), -1);
    assert_int_equal(err.kind, KB_ERR_FORMAT);
    assert_int_equal(target_open_tree("/nonexistent/kbaudit", 0, &t, &err), -1);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_insensitive),
        cmocka_unit_test(test_containment),
        cmocka_unit_test(test_folder_kept),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_hive_files),
        cmocka_unit_test(test_open_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
