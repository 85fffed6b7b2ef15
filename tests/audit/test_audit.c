/* Unit tests of the rules engine on hand-written facts and the bundled knowledge base:
 * every requirement state, supersedence, a rollup recognised only by the kernel's version,
 * disagreements between registry and files, pending reboots, coverage, x86 and x64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/audit.h"

static kbdb *db;

static int load_db(void **state)
{
    (void)state;
    kb_error err = {0};
    return kbdb_load_embedded(&db, &err);
}

static int free_db(void **state)
{
    (void)state;
    kbdb_free(db);
    return 0;
}

static void set(fact_str *s, const char *v)
{
    s->value = v ? strdup(v) : NULL;
    s->source = strdup("test");
}

/* A Windows Server 2008 SP2 host of the given arch; registry build `reg`, kernel version
 * 6.0.<kb>.<rev> (kbuild 0 = no kernel file), no packages. */
static void host(kb_facts *f, kb_arch arch, const char *reg, uint16_t kbuild, uint16_t krev)
{
    memset(f, 0, sizeof *f);
    f->kind = KB_TARGET_TREE;
    f->files_available = true;
    set(&f->product_name, "Windows Server (R) 2008 Standard");
    set(&f->edition_id, "ServerStandard");
    set(&f->current_version, "6.0");
    set(&f->current_build_number, reg);
    set(&f->csd_version, "Service Pack 2");
    f->arch = arch;
    f->files = calloc(2, sizeof *f->files);
    f->nfiles = 1;
    f->files[0].role = "kernel";
    f->files[0].path = strdup("Windows/System32/ntoskrnl.exe");
    if (kbuild) {
        f->files[0].present = true;
        f->files[0].has_version = true;
        f->files[0].machine = arch == KB_ARCH_X64 ? 0x8664 : 0x14c;
        uint16_t v[4] = {6, 0, kbuild, krev};
        memcpy(f->files[0].file_version, v, sizeof v);
    }
    f->pending.cbs_execute_state.present = true;
    f->pending.cbs_execute_state.value = 0xFFFFFFFFu;
}

static void package(kb_facts *f, uint32_t kb, uint32_t state)
{
    f->packages = realloc(f->packages, (f->npackages + 1) * sizeof *f->packages);
    facts_package *p = &f->packages[f->npackages++];
    memset(p, 0, sizeof *p);
    char id[128];
    snprintf(id, sizeof id, "Package_for_KB%u~31bf3856ad364e35~amd64~~6.0.1.0", kb);
    p->identity = strdup(id);
    p->kb = kb;
    p->index = -1;
    p->has_state = true;
    p->state = state;
}

static void prerequisites(kb_facts *f)
{
    package(f, 4493730, 0x70);
    package(f, 4474419, 0x70);
}

static audit_result run(kb_facts *f, audit_baseline baseline)
{
    audit_result r;
    kb_error err = {0};
    audit_options o = {baseline};
    if (audit_run(f, db, &o, &r, &err) != 0)
        fail_msg("%s", err.msg);
    return r;
}

static const audit_requirement *req(const audit_result *r, const char *id)
{
    for (size_t i = 0; i < r->nreqs; i++)
        if (strcmp(r->reqs[i].id, id) == 0)
            return &r->reqs[i];
    fail_msg("no requirement %s", id);
    return NULL;
}

static bool has_warning(const audit_result *r, const char *needle)
{
    for (size_t i = 0; i < r->nwarnings; i++)
        if (strstr(r->warnings[i], needle))
            return true;
    return false;
}

static void test_compliant_x64(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6003", 6003, 20489);
    prerequisites(&f);
    package(&f, 4493471, 0x70);
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(r.verdict, AUDIT_COMPLIANT);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.build.registry, 6003);
    assert_int_equal(r.build.kernel, 6003);
    assert_int_equal(r.build.effective, 6003);
    assert_true(r.build.consistent);
    assert_int_equal(req(&r, "ssu")->satisfied_by, 4493730);
    assert_int_equal(req(&r, "sha2")->satisfied_by, 4474419);
    assert_int_equal(req(&r, "rollup")->satisfied_by, 4493471);
    assert_string_equal(req(&r, "rollup")->evidence_kind, "package+file-version");
    assert_int_equal(r.nplan, 0);
    assert_int_equal(r.newest_rollup_kb, 4493471);
    assert_true(r.months_behind > 60);          /* April 2019 vs the newest known rollup */
    assert_true(has_warning(&r, "behind the newest known rollup"));
    audit_result_free(&r);
    /* --baseline latest makes the newest rollup a requirement */
    r = run(&f, AUDIT_BASELINE_LATEST);
    assert_int_equal(r.verdict, AUDIT_NOT_COMPLIANT);
    assert_int_equal(req(&r, "latest")->status, AUDIT_MISSING);
    assert_true(r.nplan >= 1);
    assert_int_equal(r.plan[r.nplan - 1].kb, r.newest_known_rollup_kb);
    audit_result_free(&r);
    facts_free(&f);
}

static void test_6002_nothing_installed_x86(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X86, "6002", 6002, 18005);
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(r.verdict, AUDIT_NOT_COMPLIANT);
    assert_int_equal(r.exit_code, 1);
    assert_int_equal(r.build.effective, 6002);
    for (size_t i = 0; i < r.nreqs; i++)
        assert_int_equal(r.reqs[i].status, AUDIT_MISSING);
    /* plan: SSU, SHA-2, ..., the newest rollup last */
    assert_true(r.nplan >= 3);
    assert_int_equal(r.plan[0].kb, 4493730);
    assert_int_equal(r.plan[1].kb, 4474419);
    assert_int_equal(r.plan[r.nplan - 1].kind, KBDB_KIND_ROLLUP);
    assert_true(r.plan[r.nplan - 1].reboot_after);
    assert_int_equal(r.newest_rollup_kb, 0);
    assert_int_equal(r.months_behind, -1);
    audit_result_free(&r);
    facts_free(&f);
}

static void test_supersedence(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6003", 6003, 20625);
    package(&f, 4517134, 0x70);      /* Sept 2019 SSU instead of KB4493730 */
    package(&f, 4474419, 0x70);
    package(&f, 4516026, 0x70);      /* Sept 2019 rollup, several levels above KB4493471 */
    package(&f, 4493471, 0x50);      /* superseded */
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(r.verdict, AUDIT_COMPLIANT);
    assert_int_equal(req(&r, "ssu")->status, AUDIT_SATISFIED);
    assert_int_equal(req(&r, "ssu")->satisfied_by, 4517134);
    assert_int_equal(req(&r, "rollup")->satisfied_by, 4516026);
    assert_non_null(strstr(req(&r, "rollup")->evidence, "KB4516026"));
    assert_int_equal(r.newest_rollup_kb, 4516026);
    audit_result_free(&r);
    facts_free(&f);
}

static void test_rollup_by_kernel_only(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6003", 6003, 20512);   /* May 2019 level */
    prerequisites(&f);
    package(&f, 4499180, 0x70);                    /* a security-only update: not a rollup */
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    const audit_requirement *q = req(&r, "rollup");
    assert_int_equal(q->status, AUDIT_SATISFIED);
    assert_string_equal(q->evidence_kind, "file-version");
    assert_int_equal(q->satisfied_by, 4499149);
    assert_int_equal(r.newest_rollup_kb, 4499149);
    assert_string_equal(r.newest_rollup_evidence, "file-version");
    assert_int_equal(r.verdict, AUDIT_COMPLIANT);
    audit_result_free(&r);
    facts_free(&f);
}

static void test_registry_says_6003_kernel_6002(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6003", 6002, 24565);
    prerequisites(&f);
    package(&f, 4493471, 0x70);
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(r.verdict, AUDIT_NOT_COMPLIANT);
    assert_int_equal(r.build.effective, 6002);     /* the files decide */
    assert_false(r.build.consistent);
    assert_int_equal(req(&r, "rollup")->status, AUDIT_PENDING);
    assert_true(has_warning(&r, "waiting for a reboot or failed"));
    audit_result_free(&r);
    facts_free(&f);
}

static void test_kernel_ahead_of_registry_is_pending_reboot(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6002", 6003, 20489);
    prerequisites(&f);
    package(&f, 4493471, 0x70);
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_true(r.pending_reboot);
    assert_int_equal(r.verdict, AUDIT_NOT_COMPLIANT);
    assert_int_equal(r.plan[0].kb, 0);
    assert_string_equal(r.plan[0].kind_name, "reboot");
    audit_result_free(&r);
    facts_free(&f);
}

static void test_staged_and_install_pending(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6002", 6002, 18005);
    package(&f, 4493730, 0x40);    /* staged */
    package(&f, 4474419, 0x60);    /* install pending */
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(req(&r, "ssu")->status, AUDIT_PENDING);
    assert_int_equal(req(&r, "sha2")->status, AUDIT_PENDING);
    assert_int_equal(req(&r, "rollup")->status, AUDIT_MISSING);
    assert_true(r.pending_reboot);                 /* 0x60 */
    assert_int_equal(r.verdict, AUDIT_NOT_COMPLIANT);
    audit_result_free(&r);
    facts_free(&f);
}

static void test_pending_markers(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6003", 6003, 20489);
    prerequisites(&f);
    package(&f, 4493471, 0x70);
    f.pending.cbs_reboot_pending.known = true;
    f.pending.cbs_reboot_pending.value = true;
    f.pending.cbs_reboot_pending.source = strdup("SOFTWARE\\...\\RebootPending");
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_true(r.pending_reboot);
    assert_int_equal(r.npending_reasons, 1);
    assert_int_equal(r.verdict, AUDIT_NOT_COMPLIANT);
    audit_result_free(&r);
    facts_free(&f);
}

static void test_not_covered(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "7601", 7601, 24545);
    free(f.product_name.value);
    f.product_name.value = strdup("Windows Server 2008 R2 Standard");
    free(f.current_version.value);
    f.current_version.value = strdup("6.1");
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(r.verdict, AUDIT_NOT_COVERED);
    assert_int_equal(r.exit_code, 4);
    assert_non_null(strstr(r.verdict_reason, "6.1"));
    audit_result_free(&r);
    free(f.product_name.value);
    f.product_name.value = strdup("Windows Vista (TM) Business");
    free(f.current_version.value);
    f.current_version.value = strdup("6.0");
    r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(r.verdict, AUDIT_NOT_COVERED);
    assert_non_null(strstr(r.verdict_reason, "Vista"));
    audit_result_free(&r);
    facts_free(&f);
}

static void test_hive_files_only_is_inconclusive(void **state)
{
    (void)state;
    kb_facts f;
    host(&f, KB_ARCH_X64, "6003", 0, 0);
    f.files_available = false;
    free(f.files[0].path);   /* hive files only: no file facts at all */
    f.files[0].path = NULL;
    f.nfiles = 0;
    prerequisites(&f);
    package(&f, 4493471, 0x70);
    audit_result r = run(&f, AUDIT_BASELINE_DEFAULT);
    assert_int_equal(r.verdict, AUDIT_INCONCLUSIVE);
    assert_int_equal(r.exit_code, 1);
    assert_int_equal(r.build.kernel, 0);
    assert_int_equal(r.build.effective, 6003);
    assert_string_equal(req(&r, "rollup")->evidence_kind, "package");
    audit_result_free(&r);
    facts_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compliant_x64),
        cmocka_unit_test(test_6002_nothing_installed_x86),
        cmocka_unit_test(test_supersedence),
        cmocka_unit_test(test_rollup_by_kernel_only),
        cmocka_unit_test(test_registry_says_6003_kernel_6002),
        cmocka_unit_test(test_kernel_ahead_of_registry_is_pending_reboot),
        cmocka_unit_test(test_staged_and_install_pending),
        cmocka_unit_test(test_pending_markers),
        cmocka_unit_test(test_not_covered),
        cmocka_unit_test(test_hive_files_only_is_inconclusive),
    };
    return cmocka_run_group_tests(tests, load_db, free_db);
}
