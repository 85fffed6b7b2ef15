/* Differential test on real Microsoft manifests: every .mum under ../shared/corpus/mum is read
 * with mum_read_file, and each value is compared with what `xmllint --xpath` (libxml2's own
 * command-line tool, a separate code path: XPath over its default parse) reports for the
 * same file. Every other file there (WinSxS component manifests, package metadata) must be
 * refused cleanly. Skips with a message when the corpus or xmllint is absent. */
#include <dirent.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kbaudit/mum.h"

extern char **environ;

#define CORPUS KBAUDIT_SHARED_DIR "/corpus/mum"
#define NS "urn:schemas-microsoft-com:asm.v3"
/* An element of the manifest namespace in an XPath step (xmllint cannot bind a prefix). */
#define E(local) "*[local-name()='" local "' and namespace-uri()='" NS "']"
#define ASSEMBLY "/" E("assembly")
#define PACKAGE ASSEMBLY "/" E("package")
/* The five identity fields of the node set X, joined by '|' (no corpus value holds one). */
#define IDENTITY_FIELDS(x)                                                                        \
    "concat(string(" x "/@name),'|',string(" x "/@publicKeyToken),'|',string(" x                  \
    "/@processorArchitecture),'|',string(" x "/@language),'|',string(" x "/@version))"

static int files_read, values_compared;

/* snprintf that fails the test instead of truncating. */
static void fmt(char *buf, size_t cap, const char *f, ...) KB_PRINTF(3, 4);
static void fmt(char *buf, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, cap, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap)
        fail_msg("text of %d bytes does not fit in %zu", n, cap);
}

/* Runs xmllint --xpath EXPR FILE; returns its output without the final newline. */
static void xpath(const char *file, const char *expr, char *out, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = {(char *)XMLLINT, (char *)"--xpath", (char *)expr, (char *)file, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, XMLLINT, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    assert_int_equal(rc, 0);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fds[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    out[n] = '\0';
    if (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("xmllint --xpath \"%s\" %s failed (status %d)", expr, file, status);
}

static void same(const char *file, const char *what, const char *ours, const char *theirs)
{
    if (strcmp(ours ? ours : "", theirs) != 0)
        fail_msg("%s: %s: kbaudit \"%s\", xmllint \"%s\"", file, what, ours ? ours : "(absent)", theirs);
    values_compared++;
}

static void same_identity(const char *file, const char *what, const mum_identity *id, const char *nodes)
{
    char expr[4096], got[4096], ours[4096];
    fmt(expr, sizeof expr, IDENTITY_FIELDS("%s"), nodes, nodes, nodes, nodes, nodes);
    xpath(file, expr, got, sizeof got);
    fmt(ours, sizeof ours, "%s|%s|%s|%s|%s", id->name, id->public_key_token ? id->public_key_token : "",
             id->arch ? id->arch : "", id->language ? id->language : "", id->version ? id->version : "");
    same(file, what, ours, got);
}

static size_t count(const char *file, const char *nodes)
{
    char expr[4096], got[64];
    fmt(expr, sizeof expr, "count(%s)", nodes);
    xpath(file, expr, got, sizeof got);
    return (size_t)strtoul(got, NULL, 10);
}

static void same_list(const char *file, const char *what, const mum_identity_list *l, const char *nodes)
{
    size_t n = count(file, nodes);
    if (n != l->n)
        fail_msg("%s: %s: kbaudit %zu, xmllint %zu", file, what, l->n, n);
    for (size_t i = 0; i < n; i++) {
        char one[4096];
        fmt(one, sizeof one, "(%s)[%zu]", nodes, i + 1);
        same_identity(file, what, &l->v[i], one);
    }
}

static void compare(const char *file)
{
    mum_manifest m;
    kb_error err = {0};
    if (mum_read_file(file, &m, &err) != 0)
        fail_msg("%s", err.msg);
    files_read++;
    char got[4096], ours[4096], nodes[4096];
    same_identity(file, "identity", &m.identity, ASSEMBLY "/" E("assemblyIdentity"));
    xpath(file, "concat(string(" ASSEMBLY "/@description),'|',string(" ASSEMBLY "/@supportInformation),'|',"
                "string(" ASSEMBLY "/@creationTimeStamp),'|',string(" ASSEMBLY "/@lastUpdateTimeStamp))",
          got, sizeof got);
    fmt(ours, sizeof ours, "%s|%s|%s|%s", m.description ? m.description : "",
             m.support_information ? m.support_information : "", m.creation_time_stamp ? m.creation_time_stamp : "",
             m.last_update_time_stamp ? m.last_update_time_stamp : "");
    same(file, "assembly attributes", ours, got);
    xpath(file, "concat(string(" PACKAGE "/@identifier),'|',string(" PACKAGE "/@releaseType),'|',string(" PACKAGE
                "/@restart))",
          got, sizeof got);
    fmt(ours, sizeof ours, "%s|%s|%s", m.identifier ? m.identifier : "", m.release_type ? m.release_type : "",
             m.restart_text ? m.restart_text : "");
    same(file, "package attributes", ours, got);
    /* the KB number, by XPath's own arithmetic */
    xpath(file, "string(number(substring-after(" PACKAGE "/@identifier,'KB')))", got, sizeof got);
    fmt(ours, sizeof ours, "%u", (unsigned)m.kb);
    same(file, "kb", ours, got);
    same_list(file, "parents", &m.parents, PACKAGE "/" E("parent") "/" E("assemblyIdentity"));
    size_t nu = count(file, PACKAGE "/" E("update"));
    if (nu != m.nupdates)
        fail_msg("%s: updates: kbaudit %zu, xmllint %zu", file, m.nupdates, nu);
    for (size_t i = 0; i < nu; i++) {
        char upd[1024];
        fmt(upd, sizeof upd, PACKAGE "/" E("update") "[%zu]", i + 1);
        fmt(nodes, sizeof nodes, "string(%s/@name)", upd);
        xpath(file, nodes, got, sizeof got);
        same(file, "update name", m.updates[i].name, got);
        fmt(nodes, sizeof nodes, "%s/" E("package") "/" E("assemblyIdentity"), upd);
        same_list(file, "update packages", &m.updates[i].packages, nodes);
        fmt(nodes, sizeof nodes, "%s/" E("component") "/" E("assemblyIdentity"), upd);
        same_list(file, "update components", &m.updates[i].components, nodes);
    }
    mum_manifest_free(&m);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Not a package manifest: refused with a message naming the file, never a crash. */
static void refuse(const char *file)
{
    mum_manifest m;
    kb_error err = {0};
    if (mum_read_file(file, &m, &err) == 0)
        fail_msg("%s: read as a package manifest", file);
    assert_non_null(strstr(err.msg, file));
    if (ends_with(file, ".manifest") && strstr(err.msg, "no <package>") == NULL)
        fail_msg("%s: component manifest refused for another reason: %s", file, err.msg);
}

static void test_corpus(void **state)
{
    (void)state;
    struct stat st;
    if (stat(CORPUS, &st) != 0) {
        print_message("skipped: %s is absent (the corpus lives in ../shared, outside the project)\n", CORPUS);
        skip();
    }
    if (access(XMLLINT, X_OK) != 0) {
        print_message("skipped: xmllint (%s) is not installed (Debian: libxml2-utils)\n", XMLLINT);
        skip();
    }
    DIR *top = opendir(CORPUS);
    assert_non_null(top);
    struct dirent *d;
    int others = 0;
    while ((d = readdir(top)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        char dir[1024];
        fmt(dir, sizeof dir, "%s/%s", CORPUS, d->d_name);
        DIR *sub = opendir(dir);
        if (sub == NULL)
            continue;
        struct dirent *f;
        while ((f = readdir(sub)) != NULL) {
            char path[2048];
            fmt(path, sizeof path, "%s/%s", dir, f->d_name);
            if (f->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            if (ends_with(f->d_name, ".mum")) {
                compare(path);
            } else {
                refuse(path);
                others++;
            }
        }
        closedir(sub);
    }
    closedir(top);
    print_message("compared %d values in %d .mum files with xmllint; refused %d other files\n", values_compared,
                  files_read, others);
    assert_true(files_read > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_corpus)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
