/* audit_run: facts + knowledge base -> verdict, requirements, plan, warnings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_internal.h"
#include "kbaudit/buf.h"

const char *audit_version(const uint16_t v[4], char buf[24])
{
    snprintf(buf, 24, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
    return buf;
}

const char *audit_date(kbdb_date d, char buf[16])
{
    if (d.day)
        snprintf(buf, 16, "%04u-%02u-%02u", d.year, d.month, d.day);
    else
        snprintf(buf, 16, "%04u-%02u", d.year, d.month);
    return buf;
}

static char **push(audit_ctx *c, char ***list, size_t *n, char *s)
{
    if (s == NULL)
        return NULL;
    void *v = *list;
    if (kb_array_room(&v, *n, sizeof **list) != 0) {
        free(s);
        c->oom = true;
        return NULL;
    }
    *list = v;
    (*list)[(*n)++] = s;
    return *list;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *audit_printf(audit_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    if (s == NULL)
        c->oom = true;
    return s;
}

void audit_warn(audit_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    for (size_t i = 0; s && i < c->r->nwarnings; i++)
        if (strcmp(c->r->warnings[i], s) == 0) {   /* said once is enough */
            free(s);
            return;
        }
    if (s == NULL)
        c->oom = true;
    push(c, &c->r->warnings, &c->r->nwarnings, s);
}

void audit_doubt(audit_ctx *c, const char *fmt, ...)
{
    if (c->evidence_doubt)   /* the first doubt is the reason given */
        return;
    va_list ap;
    va_start(ap, fmt);
    c->evidence_doubt = vformat(fmt, ap);
    va_end(ap);
    if (c->evidence_doubt == NULL)
        c->oom = true;
}

/* Every warning of the facts, as "evidence: ..." after the audit's own (docs/how-kbaudit-decides.md). */
static void copy_fact_warnings(audit_ctx *c)
{
    for (size_t i = 0; i < c->f->nwarnings; i++)
        audit_warn(c, "evidence: %s", c->f->warnings[i]);
}

/* What was done about each hive's logs, for the reports to say (docs/json-output.md). */
static void copy_hive_logs(audit_ctx *c)
{
    static const char *const names[2] = {"SOFTWARE", "SYSTEM"};
    for (int i = 0; i < 2; i++) {
        const facts_hive *h = &c->f->hives[i];
        struct audit_hive_logs *o = &c->r->hives[i];
        o->hive = names[i];
        o->logs = h->logs;
        o->pages = h->logs_pages;
        if (h->logs_detail && (o->detail = strdup(h->logs_detail)) == NULL)
            c->oom = true;
    }
}

/* The pending-reboot markers whose value is unknown, as "A, B" (NULL when all are known):
 * "no reboot pending" needs every one of them. */
static char *unknown_markers(audit_ctx *c)
{
    const facts_pending *p = &c->f->pending;
    const fact_flag *flags[] = {&p->cbs_reboot_pending, &p->cbs_packages_pending, &p->cbs_reboot_in_progress,
                                &p->wu_reboot_required};
    const fact_num *nums[] = {&p->cbs_execute_state, &p->pending_file_renames, &p->pending_xml_operations};
    kb_buf s = KB_BUF_INIT;
    int r = 0;
    for (size_t i = 0; i < 4; i++)
        if (!flags[i]->known)
            r |= kb_buf_printf(&s, "%s%s", s.len ? ", " : "", flags[i]->source ? flags[i]->source : "?");
    for (size_t i = 0; i < 3; i++)
        if (!nums[i]->present && nums[i]->unavailable)
            r |= kb_buf_printf(&s, "%s%s", s.len ? ", " : "", nums[i]->source ? nums[i]->source : "?");
    if (r != 0) {
        c->oom = true;
        kb_buf_free(&s);
    }
    return s.data;   /* NULL when nothing was written */
}

void audit_add_pending(audit_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    c->r->pending_reboot = true;
    push(c, &c->r->pending_reasons, &c->r->npending_reasons, s);
}

static int cmp_status(const void *a, const void *b)
{
    uint32_t x = ((const kb_status *)a)->kb, y = ((const kb_status *)b)->kb;
    return x < y ? -1 : x > y;
}

kb_state audit_package_state(const facts_package *p)
{
    if (p->listed)   /* a hotfix list names what WMI reports installed; audit_list words it so */
        return KB_STATE_INSTALLED;
    if (!p->has_state)
        return KB_STATE_MANIFEST_ONLY;
    switch (p->state) {
    case 0x70: case 0x80: case 0x50:
        return KB_STATE_INSTALLED;
    case 0x30: case 0x40: case 0x60: case 0x65:
        return KB_STATE_PENDING;
    case 0x05: case 0xFFFFFFE0u: case 0xFFFFFFC0u: case 0xFFFFFF90u: case 0xFFFFFF80u:
        return KB_STATE_REMOVING;
    default:
        return KB_STATE_ABSENT;
    }
}

/* One state per KB over all its packages (Package_1_for_KB..., Package_for_KB..._sc...):
 * any package in progress makes the KB pending; otherwise a broken or uninstalling package
 * makes it "removing" (a KB partly being removed is not installed); otherwise an installed
 * one makes it installed. */
static int rank(kb_state s)
{
    static const int ranks[] = {[KB_STATE_ABSENT] = 0, [KB_STATE_MANIFEST_ONLY] = 1,
                                [KB_STATE_INSTALLED] = 2, [KB_STATE_REMOVING] = 3,
                                [KB_STATE_PENDING] = 4};
    return ranks[s];
}

/* A package built for another processor than the host's (an x86 package on an x64 host) is
 * not an update of this host: Windows does not install one, so its presence means the
 * registry is not what it seems (a hive from another system, or edited). NULL when it fits
 * or either side is unknown. */
static const char *foreign_arch(const kb_facts *f, const facts_package *p)
{
    static const char *const names[] = {[KB_ARCH_X86] = "x86", [KB_ARCH_X64] = "amd64", [KB_ARCH_IA64] = "ia64"};
    if (f->arch == KB_ARCH_UNKNOWN || p->arch == NULL)
        return NULL;
    for (size_t a = KB_ARCH_X86; a <= KB_ARCH_IA64; a++)
        if (strcasecmp(p->arch, names[a]) == 0)
            return a == (size_t)f->arch ? NULL : names[a];
    return NULL;   /* "neutral", "wow64", ...: not a whole-package processor mismatch */
}

/* Where each KB already collected sits in c->kbs: open addressing on the KB number, index
 * + 1 (0: free). A scan of c->kbs per package made the audit quadratic in packages. */
typedef struct kb_slots {
    size_t *v;
    size_t mask;
} kb_slots;

static size_t *kb_slot(const kb_slots *s, const kb_status *kbs, uint32_t kb)
{
    size_t i = (size_t)(kb * 2654435761u) & s->mask;
    while (s->v[i] && kbs[s->v[i] - 1].kb != kb)
        i = (i + 1) & s->mask;
    return &s->v[i];
}

static void index_packages(audit_ctx *c)
{
    const kb_facts *f = c->f;
    kb_slots slots = {NULL, 15};
    while (slots.mask < f->npackages * 2)   /* at most half full */
        slots.mask = slots.mask * 2 + 1;
    c->kbs = calloc(f->npackages ? f->npackages : 1, sizeof *c->kbs);
    slots.v = calloc(slots.mask + 1, sizeof *slots.v);
    if (c->kbs == NULL || slots.v == NULL) {
        free(slots.v);
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < f->npackages; i++) {
        const facts_package *p = &f->packages[i];
        if (p->kb == 0)
            continue;
        const char *foreign = foreign_arch(f, p);
        if (foreign) {
            audit_warn(c, "KB%u: package %s is for %s, not this %s host: not counted", p->kb, p->identity, foreign,
                       facts_arch_name(f->arch));
            audit_doubt(c, "the package registry lists a package built for another processor (%s)", p->identity);
            continue;
        }
        kb_state s = audit_package_state(p);
        const char *name = p->has_state ? facts_state_name(p->state) : p->listed ? "listed" : "manifest only";
        size_t *slot = kb_slot(&slots, c->kbs, p->kb);
        size_t j = *slot ? *slot - 1 : c->nkbs;
        bool superseded = p->has_state && p->state == 0x50;
        if (j == c->nkbs) {
            c->kbs[c->nkbs++] = (kb_status){p->kb, s, name, superseded};
            *slot = c->nkbs;
        } else if (rank(s) > rank(c->kbs[j].state)) {
            c->kbs[j].state = s;
            c->kbs[j].state_name = name;
            c->kbs[j].superseded = superseded;
        } else if (s == KB_STATE_INSTALLED && c->kbs[j].state == s && !superseded) {
            c->kbs[j].superseded = false;
        }
        if (s == KB_STATE_REMOVING)
            audit_warn(c, "KB%u: package %s is in state %s", p->kb, p->identity, name);
    }
    free(slots.v);
    qsort(c->kbs, c->nkbs, sizeof *c->kbs, cmp_status);
}

const kb_status *audit_kb_status(const audit_ctx *c, uint32_t kb)
{
    kb_status key = {kb, KB_STATE_ABSENT, NULL, false};
    return bsearch(&key, c->kbs, c->nkbs, sizeof *c->kbs, cmp_status);
}

kb_state audit_kb_state(const audit_ctx *c, uint32_t kb)
{
    const kb_status *s = audit_kb_status(c, kb);
    return s ? s->state : KB_STATE_ABSENT;
}

const kbdb_update *audit_newest_installed(const audit_ctx *c, kbdb_kind kind)
{
    const kbdb_update *best = NULL;
    for (size_t i = 0; i < c->nkbs; i++) {
        if (c->kbs[i].state != KB_STATE_INSTALLED)
            continue;
        const kbdb_update *u = kbdb_find(c->db, c->kbs[i].kb);
        if (u && (kind == KBDB_KIND_NONE || u->kind == kind) &&
            (best == NULL || kbdb_date_cmp(u->date, best->date) > 0))
            best = u;
    }
    return best;
}

static void decide(audit_ctx *c)
{
    audit_result *r = c->r;
    size_t missing = 0, pending = 0;
    for (size_t i = 0; i < r->nreqs; i++) {
        missing += r->reqs[i].status == AUDIT_MISSING;
        pending += r->reqs[i].status == AUDIT_PENDING;
    }
    /* below 6003 in the files: 6002, or a registry-SP2 host whose kernel is older (audit_host) */
    bool at_6002 = r->build.effective && r->build.effective < 6003;
    char *unknown = NULL;
    /* evidence the system refused to show (a live run without elevation): what is missing may
     * only be unreadable, so nothing but a kernel below 6003 is certain enough for a verdict */
    bool kernel_below = r->build.kernel && r->build.kernel < 6003;
    if (audit_is_list(c)) {
        audit_list_verdict(c, missing, at_6002);
    } else if (c->f->ndenied > 0 && !kernel_below) {
        r->verdict = AUDIT_INCONCLUSIVE;
        kb_buf what = KB_BUF_INIT;
        for (size_t i = 0; i < c->f->ndenied && i < 3; i++)
            kb_buf_printf(&what, "%s%s", i ? ", " : "", c->f->denied[i]);
        if (c->f->ndenied > 3)
            kb_buf_printf(&what, " and %zu more", c->f->ndenied - 3);
        r->verdict_reason = audit_printf(c, "access denied to %zu item(s) of the evidence (%s): run kbaudit from an "
                                            "elevated prompt; a verdict needs all of it",
                                         c->f->ndenied, what.data ? what.data : "");
        kb_buf_free(&what);
    } else if (missing || pending || at_6002 || r->pending_reboot) {
        r->verdict = AUDIT_NOT_COMPLIANT;
        char build[24] = "";
        if (at_6002)
            snprintf(build, sizeof build, "build %u, ", r->build.effective);
        r->verdict_reason = audit_printf(c, "%s%zu requirement(s) missing, %zu pending%s", build, missing, pending,
                                         r->pending_reboot ? ", reboot pending" : "");
    } else if (c->identity_doubt || c->evidence_doubt) {
        r->verdict = AUDIT_INCONCLUSIVE;
        r->verdict_reason = audit_printf(c, "requirements hold, but %s",
                                         c->identity_doubt ? c->identity_doubt : c->evidence_doubt);
    } else if (facts_unreadable(c->f)) {   /* the CLI stops before (exit 3); never compliant anyway */
        r->verdict = AUDIT_INCONCLUSIVE;
        r->verdict_reason = audit_printf(c, "requirements hold, but the evidence is corrupt: %s", facts_unreadable(c->f));
    } else if (r->build.effective != 6003 || !c->f->files_available || !r->build.kernel) {
        r->verdict = AUDIT_INCONCLUSIVE;
        r->verdict_reason = audit_printf(
            c, "%s", !c->f->files_available
                         ? "requirements hold in the registry, but file versions are unavailable (hive files only): build 6003 cannot be confirmed from ntoskrnl.exe"
                         : "requirements hold, but the kernel's version could not be read: build 6003 cannot be confirmed");
    } else if ((unknown = unknown_markers(c)) != NULL) {
        r->verdict = AUDIT_INCONCLUSIVE;
        r->verdict_reason = audit_printf(c, "build 6003, every requirement satisfied, but whether a reboot is pending "
                                            "is unknown: %s could not be read", unknown);
        free(unknown);
    } else {
        r->verdict = AUDIT_COMPLIANT;
        r->verdict_reason = audit_printf(c, "build 6003, every requirement satisfied, no reboot pending");
    }
    r->exit_code = r->verdict == AUDIT_COMPLIANT ? 0 : 1;
}

int audit_run(const kb_facts *facts, const kbdb *db, const audit_options *opt, audit_result *out,
              kb_error *err)
{
    static const audit_options defaults = {AUDIT_BASELINE_DEFAULT};
    memset(out, 0, sizeof *out);
    out->months_behind = -1;
    out->months_behind_at_most = -1;
    audit_ctx c = {facts, db, opt ? opt : &defaults, out, NULL, 0, false, NULL, NULL};
    static const char *const kinds[] = {[KB_TARGET_TREE] = "tree", [KB_TARGET_HIVES] = "hives",
                                        [KB_TARGET_LIVE] = "live", [KB_TARGET_PACKAGE_LIST] = "package-list"};
    out->evidence = (size_t)facts->kind < sizeof kinds / sizeof kinds[0] ? kinds[facts->kind] : NULL;
    out->package_list = audit_is_list(&c);
    index_packages(&c);
    if (audit_host(&c)) {
        audit_level_from_files(&c);
        audit_pending(&c);
        audit_requirements(&c);
        if (audit_is_list(&c))
            audit_list_requirements(&c);
        audit_rollup_level(&c);
        audit_plan(&c);
        decide(&c);
    }
    copy_fact_warnings(&c);
    copy_hive_logs(&c);
    free(c.kbs);
    free(c.identity_doubt);
    free(c.evidence_doubt);
    if (c.oom) {
        audit_result_free(out);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory during the audit");
    }
    return 0;
}

void audit_result_free(audit_result *r)
{
    if (r == NULL)
        return;
    free(r->verdict_reason);
    free(r->product);
    free(r->edition);
    for (size_t i = 0; i < r->nreqs; i++)
        free(r->reqs[i].id), free(r->reqs[i].evidence);
    free(r->reqs);
    for (size_t i = 0; i < r->nplan; i++)
        free(r->plan[i].title), free(r->plan[i].reason);
    free(r->plan);
    for (size_t i = 0; i < r->npending_reasons; i++)
        free(r->pending_reasons[i]);
    free(r->pending_reasons);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    free(r->hives[0].detail), free(r->hives[1].detail);
    free(r->level.evidence);
    free(r->esu_months);
    free(r->esu_ssus);
    free(r->security_only_missing);
    memset(r, 0, sizeof *r);
}

const char *audit_verdict_name(audit_verdict v)
{
    static const char *const names[] = {"compliant", "not-compliant", "inconclusive", "not-covered"};
    return v <= AUDIT_NOT_COVERED ? names[v] : "unknown";
}

const char *audit_status_name(audit_status s)
{
    static const char *const names[] = {"satisfied", "pending", "missing"};
    return s <= AUDIT_MISSING ? names[s] : "unknown";
}
