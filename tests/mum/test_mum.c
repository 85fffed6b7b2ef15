/* Unit tests of the servicing-manifest reader and the pending.xml counter, on the fixtures
 * built at test time from tests/fixtures/mum (see tests/mum/CMakeLists.txt). Hostile inputs
 * must fail with a message naming the file and the problem, and fast: each read is timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kbaudit/mum.h"
#include "mum/mum_internal.h"

#define FX KBAUDIT_FIXTURE_DIR "/mum/"
#define KB4493471 "Package_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.4.mum"
#define KB4493730 "Package_1_for_KB4493730~31bf3856ad364e35~x86~~6.0.1.2.mum"
#define KB4474419 "Package_for_KB4474419~31bf3856ad364e35~amd64~~6.0.4.0.mum"
#define KB958690 "Package_for_KB958690_sc_0~31bf3856ad364e35~amd64~~6.0.1.6.mum"
#define FOUNDATION "Microsoft-Windows-Foundation-Package~31bf3856ad364e35~x86~en-US~6.0.6001.18000.mum"

/* Time limits are multiplied by KBAUDIT_TEST_TIME_SCALE when set: the valgrind preset sets
 * it, because memcheck runs everything some 30 times slower; the limits catch superlinear
 * work on hostile input, which a constant slowdown is not. */
static double time_scale(void)
{
    const char *s = getenv("KBAUDIT_TEST_TIME_SCALE");
    double f = s != NULL ? strtod(s, NULL) : 1.0;
    return f >= 1.0 ? f : 1.0;
}

/* Hostile input must be refused well within this many seconds (sanitizer builds included). */
#define FAST (1.0 * time_scale())

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void read_ok(const char *path, mum_manifest *m)
{
    kb_error err = {0};
    if (mum_read_file(path, m, &err) != 0)
        fail_msg("%s", err.msg);
}

/* stderr goes to a temporary file between quiet_begin and quiet_end, which fails the test if
 * anything was written there: the reader reports through kb_error only (libxml2 would print
 * some errors itself if it were let). */
static int saved_stderr = -1;
static FILE *captured;

static void quiet_begin(void)
{
    fflush(stderr);
    captured = tmpfile();
    assert_non_null(captured);
    saved_stderr = dup(2);
    dup2(fileno(captured), 2);
}

static void quiet_end(const char *what)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    struct stat st;
    assert_int_equal(fstat(fileno(captured), &st), 0);
    fclose(captured);
    if (st.st_size != 0)
        fail_msg("%s: %lld bytes written to stderr", what, (long long)st.st_size);
}

static void one_line(const char *msg)
{
    if (strchr(msg, '\n') || strchr(msg, '\r'))
        fail_msg("message is not one line: \"%s\"", msg);
}

/* Reads a file that must fail, within FAST seconds and silently, with a one-line message that
 * names the file and contains `want` (and "line N: " when line > 0). */
static void read_bad(const char *path, const char *want, long line)
{
    mum_manifest m;
    kb_error err = {0};
    quiet_begin();
    double t0 = now();
    int r = mum_read_file(path, &m, &err);
    double dt = now() - t0;
    quiet_end(path);
    one_line(err.msg);
    if (r == 0)
        fail_msg("%s: read without error", path);
    if (dt > FAST)
        fail_msg("%s: took %.3f s to fail (limit %.1f s)", path, dt, FAST);
    if (strstr(err.msg, path) == NULL || strstr(err.msg, want) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", path, err.msg, want);
    if (line > 0) {
        char l[32];
        snprintf(l, sizeof l, ": line %ld: ", line);
        if (strstr(err.msg, l) == NULL)
            fail_msg("%s: message \"%s\" lacks \"%s\"", path, err.msg, l);
    }
    /* a failed read leaves nothing to free */
    assert_null(m.identity.name);
    assert_null(m.updates);
    assert_int_equal(m.parents.n, 0);
}

static void identity_is(const mum_identity *id, const char *name, const char *token, const char *arch,
                        const char *lang, const char *version)
{
    assert_string_equal(id->name, name);
    assert_string_equal(id->public_key_token, token);
    assert_string_equal(id->arch, arch);
    assert_string_equal(id->language, lang);
    assert_string_equal(id->version, version);
}

static void test_rollup_4493471(void **state)
{
    (void)state;
    mum_manifest m;
    read_ok(FX "good/" KB4493471, &m);
    identity_is(&m.identity, "Package_for_KB4493471", "31bf3856ad364e35", "amd64", "neutral", "6.0.1.4");
    assert_string_equal(m.description, "Fix for KB4493471");
    assert_string_equal(m.support_information, "http://support.microsoft.com/?kbid=4493471");
    assert_string_equal(m.creation_time_stamp, "2019-03-29T02:05:11Z");
    assert_string_equal(m.last_update_time_stamp, "2019-03-29T02:05:11Z");
    assert_string_equal(m.identifier, "KB4493471");
    assert_int_equal(m.kb, 4493471);
    assert_string_equal(m.release_type, "Security Update");
    assert_string_equal(m.restart_text, "required");
    assert_int_equal(m.restart, MUM_RESTART_REQUIRED);
    assert_int_equal(m.parents.n, 2);
    identity_is(&m.parents.v[0], "Microsoft-Windows-Foundation-Package", "31bf3856ad364e35", "amd64",
                "neutral", "6.0.6001.18000");
    assert_string_equal(m.parents.v[1].name, "Microsoft-Windows-ServerCore-Package");
    assert_int_equal(m.nupdates, 3);
    assert_string_equal(m.updates[0].name, "4493471-1_neutral_PACKAGE");
    assert_int_equal(m.updates[0].packages.n, 1);
    assert_int_equal(m.updates[0].components.n, 0);
    identity_is(&m.updates[0].packages.v[0], "Package_1_for_KB4493471", "31bf3856ad364e35", "amd64",
                "neutral", "6.0.1.4");
    assert_string_equal(m.updates[1].packages.v[0].name, "Package_2_for_KB4493471");
    /* the applicable/updateComponent identity is not a component of the update */
    assert_string_equal(m.updates[2].name, "4493471-3_neutral_LDR");
    assert_int_equal(m.updates[2].packages.n, 0);
    assert_int_equal(m.updates[2].components.n, 1);
    identity_is(&m.updates[2].components.v[0], "Microsoft-Windows-OS-Kernel", "31bf3856ad364e35", "amd64",
                "neutral", "6.0.6003.20489");
    mum_manifest_free(&m);
    mum_manifest_free(&m);   /* freeing twice is harmless: free zeroes */
}

static void test_ssu_4493730_prefixed(void **state)
{
    (void)state;
    mum_manifest m;
    read_ok(FX "good/" KB4493730, &m);
    identity_is(&m.identity, "Package_1_for_KB4493730", "31bf3856ad364e35", "x86", "neutral", "6.0.1.2");
    assert_int_equal(m.kb, 4493730);
    assert_string_equal(m.release_type, "Update");
    assert_int_equal(m.restart, MUM_RESTART_NEVER);
    assert_int_equal(m.parents.n, 1);
    assert_int_equal(m.nupdates, 2);
    assert_int_equal(m.updates[0].components.n, 1);
    assert_string_equal(m.updates[0].components.v[0].name, "Microsoft-Windows-ServicingStack");
    assert_int_equal(m.updates[1].components.n, 2);
    assert_string_equal(m.updates[1].components.v[1].name, "Microsoft-Windows-TrustedInstaller");
    assert_string_equal(m.updates[1].components.v[1].version, "6.0.6003.20470");
    mum_manifest_free(&m);
}

/* Same fields with and without a UTF-8 byte order mark. */
static void same_manifest(const mum_manifest *a, const mum_manifest *b)
{
    identity_is(&b->identity, a->identity.name, a->identity.public_key_token, a->identity.arch,
                a->identity.language, a->identity.version);
    assert_string_equal(a->description, b->description);
    assert_string_equal(a->identifier, b->identifier);
    assert_int_equal(a->kb, b->kb);
    assert_int_equal(a->restart, b->restart);
    assert_int_equal(a->parents.n, b->parents.n);
    assert_int_equal(a->nupdates, b->nupdates);
    for (size_t i = 0; i < a->nupdates; i++) {
        assert_string_equal(a->updates[i].name, b->updates[i].name);
        assert_int_equal(a->updates[i].packages.n, b->updates[i].packages.n);
        assert_int_equal(a->updates[i].components.n, b->updates[i].components.n);
    }
}

static void test_bom(void **state)
{
    (void)state;
    mum_manifest plain, bom;
    read_ok(FX "good/" KB4474419, &plain);
    read_ok(FX "good/bom/" KB4474419, &bom);
    same_manifest(&plain, &bom);
    assert_int_equal(plain.kb, 4474419);
    assert_int_equal(plain.restart, MUM_RESTART_POSSIBLE);
    assert_string_equal(plain.creation_time_stamp, "2019-08-09T15:14:44Z");
    mum_manifest_free(&plain);
    mum_manifest_free(&bom);
    read_ok(FX "good/" KB4493471, &plain);
    read_ok(FX "good/bom/" KB4493471, &bom);
    same_manifest(&plain, &bom);
    mum_manifest_free(&plain);
    mum_manifest_free(&bom);
}

static void test_minimal_958690(void **state)
{
    (void)state;
    mum_manifest m;
    read_ok(FX "good/" KB958690, &m);
    assert_string_equal(m.identity.name, "Package_for_KB958690_sc_0");
    assert_int_equal(m.kb, 958690);
    assert_string_equal(m.release_type, "Hotfix");
    assert_null(m.restart_text);
    assert_int_equal(m.restart, MUM_RESTART_UNSPECIFIED);
    assert_null(m.creation_time_stamp);
    assert_string_equal(m.description, "Fix for KB958690 & friends");               /* &amp; */
    assert_string_equal(m.support_information, "http://support.microsoft.com/?kbid=958690&x=1"); /* &#38; */
    assert_int_equal(m.parents.n, 0);
    assert_int_equal(m.nupdates, 0);
    assert_null(m.updates);
    mum_manifest_free(&m);
}

static void test_foundation_not_kb(void **state)
{
    (void)state;
    mum_manifest m;
    read_ok(FX "good/" FOUNDATION, &m);
    /* the decoy identity in another namespace is skipped */
    identity_is(&m.identity, "Microsoft-Windows-Foundation-Package", "31bf3856ad364e35", "x86", "en-US",
                "6.0.6001.18000");
    assert_string_equal(m.identifier, "Foundation");
    assert_int_equal(m.kb, 0);
    assert_string_equal(m.restart_text, "Sometimes");
    assert_int_equal(m.restart, MUM_RESTART_OTHER);
    assert_int_equal(m.nupdates, 1);
    assert_string_equal(m.updates[0].name, "Foundation-1");
    assert_int_equal(m.updates[0].packages.n + m.updates[0].components.n, 0);
    mum_manifest_free(&m);
}

/* The CBS name built from each manifest's identity is its file name, and parsing the file
 * name gives back the identity. */
static void test_identity_matches_file_name(void **state)
{
    (void)state;
    static const char *const files[] = {KB4493471, KB4493730, KB4474419, KB958690, FOUNDATION};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, FX "good/%s", files[i]);
        mum_manifest m;
        read_ok(path, &m);
        kb_buf b = KB_BUF_INIT;
        assert_int_equal(mum_identity_format(&m.identity, &b), 0);
        assert_int_equal(strncmp(b.data, files[i], b.len), 0);
        assert_string_equal(files[i] + b.len, ".mum");
        mum_package_id id;
        kb_error err = {0};
        assert_int_equal(mum_package_id_parse(files[i], strlen(files[i]), &id, &err), 0);
        assert_int_equal(id.name.n, strlen(m.identity.name));
        assert_memory_equal(id.name.p, m.identity.name, id.name.n);
        assert_memory_equal(id.version.p, m.identity.version, id.version.n);
        assert_int_equal(id.kb, m.kb);
        kb_buf_free(&b);
        mum_manifest_free(&m);
    }
}

static void test_generated_good(void **state)
{
    (void)state;
    mum_manifest m;
    read_ok(FX "good/gen/skipped-huge-attribute.mum", &m);   /* 1 MiB where nothing is kept */
    assert_string_equal(m.identity.name, "Package_for_KB4493471");
    mum_manifest_free(&m);
    read_ok(FX "good/gen/longest-kept-attribute.mum", &m);
    assert_int_equal(strlen(m.description), MUM_MAX_VALUE);
    mum_manifest_free(&m);
    read_ok(FX "good/gen/nesting-at-limit.mum", &m);
    assert_int_equal(m.kb, 4493471);
    mum_manifest_free(&m);
    read_ok(FX "good/gen/attributes-at-limit.mum", &m);     /* 64 attributes, "=" in values */
    assert_int_equal(m.kb, 4493471);
    mum_manifest_free(&m);
    read_ok(FX "good/gen/namespaces-at-limit.mum", &m);     /* 32 namespace declarations */
    assert_int_equal(m.kb, 4493471);
    mum_manifest_free(&m);
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *file, *want;
        long line;
    } cases[] = {
        {"truncated.mum", "expected", 6},
        {"wrong-namespace.mum", "namespace \"urn:schemas-microsoft-com:asm.v1\"", 3},
        {"no-namespace.mum", "has no namespace", 2},
        {"wrong-root.mum", "root element is <package>", 2},
        {"missing-identity.mum", "no <assemblyIdentity>", 3},
        {"identity-no-name.mum", "<assemblyIdentity> in <assembly> has no name", 3},
        {"parent-no-name.mum", "<assemblyIdentity> in <parent> has no name", 7},
        {"two-identities.mum", "more than one <assemblyIdentity>", 5},
        {"two-packages.mum", "more than one <package>", 5},
        {"no-package.mum", "no <package>", 3},
        {"undeclared-entity.mum", "nope", 2},
        {"unbound-prefix.mum", "asmv3", 2},
        {"mismatched-tags.mum", "mismatch", 5},
        {"duplicate-attribute.mum", "redefined", 3},
        {"not-xml.mum", "Start tag expected", 1},
        {"empty.mum", "empty file", 0},
        {"gen/bad-encoding.mum", "not proper UTF-8", 2},   /* the Shift_JIS declaration is ignored */
        {"gen/bad-utf16.mum", "not UTF-8", 1},
        {"gen/bad-utf8.mum", "not proper UTF-8", 1},
        {"gen/utf16.mum", "not UTF-8 (the first bytes are those of UTF-16", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, FX "bad/%s", cases[i].file);
        read_bad(path, cases[i].want, cases[i].line);
    }
}

static void test_hostile(void **state)
{
    (void)state;
    read_bad(FX "bad/xxe.mum", "DOCTYPE", 2);
    read_bad(FX "bad/xxe-remote-dtd.mum", "DOCTYPE", 2);
    read_bad(FX "bad/xxe-parameter.mum", "DOCTYPE", 2);
    read_bad(FX "bad/billion-laughs.mum", "DOCTYPE", 2);
    read_bad(FX "bad/doctype-plain.mum", "DOCTYPE", 2);
    read_bad(FX "bad/gen/deep-nesting.mum", "nested deeper than 64 levels", 6);
    read_bad(FX "bad/gen/too-many-elements.mum", "more than 200000 elements", 6);
    read_bad(FX "bad/gen/huge-attribute.mum", "attribute description of <assembly> is 3145728 bytes", 2);
    read_bad(FX "bad/gen/huge-identity-name.mum", "attribute name of <assemblyIdentity> is 4097 bytes", 3);
    read_bad(FX "bad/gen/too-many-attributes.mum", "an element with more than 64 attributes", 5);
    read_bad(FX "bad/gen/huge-attribute-count.mum", "an element with more than 64 attributes", 5);
    read_bad(FX "bad/gen/too-many-namespaces.mum", "more than 32 namespace declarations in scope", 2);
    read_bad(KBAUDIT_FIXTURE_DIR "/mum-limits/oversize.mum", "larger than the 4 MiB limit", 0);
}

/* Hostile text held in memory: the XXE must not read the file it names, and nothing leaks
 * into the result. */
static void test_buffer(void **state)
{
    (void)state;
    static const char good[] =
        "\xEF\xBB\xBF<assembly xmlns='urn:schemas-microsoft-com:asm.v3'><assemblyIdentity name='P' "
        "version='1.2.3.4'/><package identifier='kb12' restart='POSSIBLE'/></assembly>";
    mum_manifest m;
    kb_error err = {0};
    assert_int_equal(mum_read_buffer(good, sizeof good - 1, "mem", &m, &err), 0);
    assert_string_equal(m.identity.name, "P");
    assert_null(m.identity.arch);
    assert_int_equal(m.kb, 12);
    assert_int_equal(m.restart, MUM_RESTART_POSSIBLE);
    mum_manifest_free(&m);

    /* the declared encoding is ignored: the bytes are UTF-8 */
    static const char latin1[] = "<?xml version='1.0' encoding='ISO-8859-1'?><assembly "
                                 "xmlns='urn:schemas-microsoft-com:asm.v3' description='caf\xC3\xA9'>"
                                 "<assemblyIdentity name='P'/><package/></assembly>";
    assert_int_equal(mum_read_buffer(latin1, sizeof latin1 - 1, "latin1", &m, &err), 0);
    assert_string_equal(m.description, "caf\xC3\xA9");
    mum_manifest_free(&m);

    static const char nul[] = "<assembly xmlns='urn:schemas-microsoft-com:asm.v3'>\0</assembly>";
    assert_int_equal(mum_read_buffer(nul, sizeof nul - 1, "nul", &m, &err), -1);
    assert_non_null(strstr(err.msg, "nul: line 1: "));

    size_t big = MUM_MAX_FILE_SIZE + 1;
    char *p = calloc(1, big);
    assert_non_null(p);
    assert_int_equal(mum_read_buffer(p, big, "big", &m, &err), -1);
    assert_non_null(strstr(err.msg, "big: 4194305 bytes, larger than the 4 MiB limit"));
    free(p);
    assert_int_equal(mum_read_buffer("", 0, NULL, &m, &err), -1);
    assert_non_null(strstr(err.msg, "(buffer): empty file"));
}

/* The byte pass: '=' counts only outside quoted values inside tags, and not in comments,
 * CDATA, processing instructions or declarations; feeding byte by byte gives the same. */
static int scan_all(const char *text, bool bytewise, long *line)
{
    mum_scan s;
    mum_scan_init(&s);
    size_t n = strlen(text);
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i += bytewise ? 1 : n)
        r = mum_scan_feed(&s, text + i, bytewise ? 1 : n);
    if (r == 0)
        r = mum_scan_finish(&s);
    *line = s.line;
    return r;
}

static void test_scan(void **state)
{
    (void)state;
    char many[2048] = "<a";
    for (int i = 0; i < MUM_MAX_ATTRIBUTES; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), " b%d='='", i);
    char over[sizeof many + 16];
    snprintf(over, sizeof over, "%s c=\"x\">", many);
    strcat(many, ">");
    static const char *const ok[] = {
        "<a b='1' c=\"2\"/>",
        "<!-- a=b c=d e=f -- - -><x/> -->",
        "<![CDATA[ <x a=1 b=2> ]]]]><y/>",
        "<?pi a=1 b=2 ?>",
        "<!DOCTYPE a [ <!ENTITY e '> = = ='> <!-- x --> ]><a/>",
        "<a b='> = ='/>",
        "\xEF\xBB\xBF<a/>",
        "<a/",
        "",
    };
    long line;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        for (int bytewise = 0; bytewise < 2; bytewise++)
            if (scan_all(ok[i], bytewise, &line) != 0)
                fail_msg("refused: %s", ok[i]);
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        assert_int_equal(scan_all(many, bytewise, &line), 0);
        assert_int_equal(scan_all(over, bytewise, &line), -1);
        assert_int_equal(scan_all("<a\n\n x=1", bytewise, &line), 0);
        assert_int_equal(line, 3);
        assert_int_equal(scan_all("\xFF\xFE<\0", bytewise, &line), -1);
    }
    /* encodings decided from fewer than 4 bytes too */
    assert_int_equal(scan_all("<a", false, &line), 0);
    mum_scan s;
    mum_scan_init(&s);
    assert_int_equal(mum_scan_feed(&s, "<\0", 2), 0);
    assert_int_equal(mum_scan_finish(&s), -1);
    assert_non_null(strstr(s.msg, "not UTF-8"));
}

static void test_not_a_file(void **state)
{
    (void)state;
    mum_manifest m;
    kb_error err = {0};
    assert_int_equal(mum_read_file(FX "does-not-exist.mum", &m, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    assert_int_equal(mum_read_file(FX "good", &m, &err), -1);
    assert_non_null(strstr(err.msg, "not a regular file"));
    /* a FIFO must be refused without blocking on open or read */
    char fifo[] = "/tmp/kbaudit-mum-fifo-XXXXXX";
    int fd = mkstemp(fifo);
    assert_true(fd >= 0);
    close(fd);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    double t0 = now();
    assert_int_equal(mum_read_file(fifo, &m, &err), -1);
    assert_true(now() - t0 < FAST);
    assert_non_null(strstr(err.msg, "not a regular file"));
    mum_pending p;
    assert_int_equal(mum_pending_read_file(fifo, &p, &err), -1);
    unlink(fifo);
}

static void test_pending(void **state)
{
    (void)state;
    mum_pending p;
    kb_error err = {0};
    if (mum_pending_read_file(FX "pending/pending.xml", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(p.queues, 2);
    assert_int_equal(p.operations, 9);
    assert_int_equal(p.markers, 3);
    uint64_t n = 99;
    assert_int_equal(mum_pending_count(FX "pending/pending.xml", &n, &err), 0);
    assert_int_equal(n, 9);
    assert_int_equal(mum_pending_count(FX "pending/pending-empty.xml", &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(mum_pending_read_file(FX "pending/gen/pending-bom.xml", &p, &err), 0);
    assert_int_equal(p.operations, 9);   /* a UTF-8 byte order mark changes nothing */
    assert_int_equal(p.markers, 3);
    assert_int_equal(mum_pending_read_file(FX "pending/pending-empty.xml", &p, &err), 0);
    assert_int_equal(p.queues, 2);
    double t0 = now();
    assert_int_equal(mum_pending_read_file(FX "pending/gen/many-operations.xml", &p, &err), 0);
    assert_true(now() - t0 < 10.0 * time_scale());
    assert_int_equal(p.operations, 200000);
    assert_int_equal(p.queues, 1);
    /* absent: the caller is told it does not exist */
    assert_int_equal(mum_pending_count(FX "pending/absent.xml", &n, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);
    /* the same from memory, fed in chunks */
    static const char mem[] = "<PendingTransaction><POQ><Checkpoint/><MoveFile/><x><y/></x></POQ>"
                              "<InstallerQueue><Action/></InstallerQueue><POQ/></PendingTransaction>";
    assert_int_equal(mum_pending_read_buffer(mem, sizeof mem - 1, "mem", &p, &err), 0);
    assert_int_equal(p.queues, 2);
    assert_int_equal(p.operations, 2);
    assert_int_equal(p.markers, 1);
}

static void pending_bad(const char *path, const char *want)
{
    mum_pending p = {1, 1, 1};
    kb_error err = {0};
    quiet_begin();
    double t0 = now();
    int r = mum_pending_read_file(path, &p, &err);
    double dt = now() - t0;
    quiet_end(path);
    assert_int_equal(r, -1);
    assert_true(dt < FAST);
    one_line(err.msg);
    if (strstr(err.msg, path) == NULL || strstr(err.msg, want) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", path, err.msg, want);
    assert_int_equal(p.operations + p.markers + p.queues, 0);
}

static void test_pending_bad(void **state)
{
    (void)state;
    pending_bad(FX "pending/bad-root.xml", "line 2: root element is <Transactions>");
    pending_bad(FX "pending/truncated.xml", "line 6: ");
    pending_bad(FX "pending/billion-laughs.xml", "line 2: document type declaration");
    pending_bad(FX "pending/xxe.xml", "line 2: document type declaration");
    pending_bad(FX "pending/gen/deep-nesting.xml", "nested deeper than 64 levels");
    pending_bad(FX "bad/empty.mum", "empty file");
    pending_bad(FX "pending/gen/bad-encoding.xml", "line 2: Input is not proper UTF-8");
    pending_bad(KBAUDIT_FIXTURE_DIR "/mum-limits/oversize-pending.xml", "larger than the 64 MiB limit");
}

/* A DOCTYPE is refused even after a recoverable libxml2 error (a colon in a processing
 * instruction's name): libxml2 goes on parsing after such errors, and once read the internal
 * subset and its entity (and, in the stream, the document libxml2 made to hold it, which the
 * sanitizer build would report as a leak). Found by fuzz_mum; tests/fuzz/regressions/mum. */
static void test_doctype_after_error(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "<?a:b x?><!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>",
        "<?a:b x?>\n<!DOCTYPE assembly [<!ENTITY e \"x\">]>\n<assembly>&e;</assembly>",
        "<?a:b x?><!DOCTYPE PendingTransaction SYSTEM \"http://example.invalid/x.dtd\"><Pending/>",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        kb_error err = {0};
        mum_manifest m;
        assert_int_equal(mum_read_buffer(docs[i], strlen(docs[i]), "mem", &m, &err), -1);
        if (strstr(err.msg, "document type declaration (<!DOCTYPE>) refused") == NULL)
            fail_msg("manifest %zu: %s", i, err.msg);
        mum_pending p = {1, 1, 1};
        assert_int_equal(mum_pending_read_buffer(docs[i], strlen(docs[i]), "mem", &p, &err), -1);
        if (strstr(err.msg, "document type declaration (<!DOCTYPE>) refused") == NULL)
            fail_msg("pending %zu: %s", i, err.msg);
        assert_int_equal(p.operations + p.markers + p.queues, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollup_4493471),
        cmocka_unit_test(test_ssu_4493730_prefixed),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_minimal_958690),
        cmocka_unit_test(test_foundation_not_kb),
        cmocka_unit_test(test_identity_matches_file_name),
        cmocka_unit_test(test_generated_good),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_buffer),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_not_a_file),
        cmocka_unit_test(test_pending),
        cmocka_unit_test(test_pending_bad),
        cmocka_unit_test(test_doctype_after_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
