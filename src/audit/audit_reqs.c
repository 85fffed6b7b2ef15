/* The baseline's requirements: each satisfied (by the update itself, or by a later one that
 * supersedes it), pending, or missing; the rollup level is also recognised from the
 * kernel's file version, the way version-based scanners do it, and the files decide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"

/* Does installed update `u` count for requirement `req`? The update itself; for
 * accept-later requirements, a later update of the same kind (or one that supersedes it).
 * A preview rollup released after the required rollup is cumulative too. Security-only
 * updates are not cumulative: they never stand in for another update, whatever supersedence
 * link a source gives. An update whose kind the database does not confirm never counts as
 * "a later one of the same kind" (a warning says so instead). */
static bool counts_for(const audit_ctx *c, const kbdb_requirement *req, const kbdb_update *reqd,
                       const kbdb_update *u)
{
    if (u->kb == req->kb)
        return true;
    if (!req->accept_later || u->kind == KBDB_KIND_SECURITY_ONLY || (u->unconfirmed & KBDB_U_KIND))
        return false;
    if (kbdb_supersedes_transitively(c->db, u->kb, req->kb))
        return true;
    bool same_kind = u->kind == req->kind ||
                     (req->kind == KBDB_KIND_ROLLUP && u->kind == KBDB_KIND_PREVIEW_ROLLUP);
    return same_kind && reqd && kbdb_date_cmp(u->date, reqd->date) > 0;
}

/* Installed updates that would count for `req` were their kind confirmed. */
static void warn_unconfirmed_kind(audit_ctx *c, const kbdb_requirement *req, const audit_requirement *out)
{
    const kbdb_update *reqd = kbdb_find(c->db, req->kb);
    for (size_t i = 0; req->accept_later && reqd && i < c->nkbs; i++) {
        const kbdb_update *u = kbdb_find(c->db, c->kbs[i].kb);
        if (u && c->kbs[i].state == KB_STATE_INSTALLED && u->kb != req->kb && (u->unconfirmed & KBDB_U_KIND) &&
            u->kind == req->kind && kbdb_date_cmp(u->date, reqd->date) > 0)
            audit_warn(c, "KB%u is installed and the database lists it as %s, but that kind is unconfirmed: it is "
                          "not counted for requirement %s (%s)",
                       u->kb, kbdb_kind_name(u->kind), req->id, audit_status_name(out->status));
    }
}

/* The update satisfying `req` in the given state: the required KB itself when it is in that
 * state (and, when installed, not merely superseded by a later package), else the newest
 * later one (NULL if none). */
static const kbdb_update *best_in_state(const audit_ctx *c, const kbdb_requirement *req, kb_state want)
{
    const kbdb_update *reqd = kbdb_find(c->db, req->kb), *best = NULL;
    const kb_status *own = audit_kb_status(c, req->kb);
    if (reqd && own && own->state == want && !(want == KB_STATE_INSTALLED && own->superseded))
        return reqd;
    for (size_t i = 0; i < c->nkbs; i++) {
        if (c->kbs[i].state != want)
            continue;
        const kbdb_update *u = kbdb_find(c->db, c->kbs[i].kb);
        if (u == NULL || !counts_for(c, req, reqd, u))
            continue;
        if (best == NULL || kbdb_date_cmp(u->date, best->date) > 0 ||
            (u->kb == req->kb && kbdb_date_cmp(u->date, best->date) == 0))
            best = u;
    }
    return best;
}

static void judge(audit_ctx *c, const kbdb_requirement *req, audit_requirement *out)
{
    const audit_build *b = &c->r->build;
    const kbdb_update *inst = best_in_state(c, req, KB_STATE_INSTALLED);
    const kbdb_update *pend = best_in_state(c, req, KB_STATE_PENDING);
    bool kernel_known = req->has_min_kernel && b->has_kernel_version;
    bool kernel_ok = kernel_known && kbdb_version_cmp(b->kernel_version, req->min_kernel) >= 0;
    char kv[24], mv[24];
    if (kernel_known) {
        audit_version(b->kernel_version, kv);
        audit_version(req->min_kernel, mv);
    }
    if (inst && (!kernel_known || kernel_ok)) {
        out->status = AUDIT_SATISFIED;
        out->satisfied_by = inst->kb;
        out->evidence_kind = kernel_known ? "package+file-version" : "package";
        const char *how = inst->kb == req->kb ? ""
                          : kbdb_supersedes_transitively(c->db, inst->kb, req->kb) ? " and supersedes KB"
                                                                                 : " and is a later update of the same kind as KB";
        char later[16] = "";
        if (inst->kb != req->kb)
            snprintf(later, sizeof later, "%u", req->kb);
        out->evidence = audit_printf(c, "KB%u is installed (CBS package)%s%s%s%s%s", inst->kb, how, later,
                                     kernel_known ? "; ntoskrnl.exe " : "", kernel_known ? kv : "",
                                     kernel_known ? " reaches the level" : "");
        return;
    }
    if (inst && kernel_known && !kernel_ok) {
        out->status = AUDIT_PENDING;
        out->satisfied_by = 0;
        out->pending_kb = inst->kb;
        out->evidence_kind = "package+file-version";
        out->evidence = audit_printf(c, "the CBS registry says KB%u is installed, but ntoskrnl.exe is %s, "
                                        "below %s: the install is waiting for a reboot or failed (the files decide)",
                                     inst->kb, kv, mv);
        audit_warn(c, "KB%u: the package registry says installed but the kernel file is %s (< %s)", inst->kb, kv, mv);
        return;
    }
    if (pend) {
        out->status = AUDIT_PENDING;
        out->pending_kb = pend->kb;
        out->evidence_kind = "package";
        out->evidence = audit_printf(c, "KB%u is %s (CBS package), not installed yet%s%s", pend->kb,
                                     "staged or install-pending", kernel_known ? "; ntoskrnl.exe is " : "",
                                     kernel_known ? kv : "");
        return;
    }
    out->status = AUDIT_MISSING;
    out->evidence_kind = kernel_known ? "package+file-version" : "package";
    kb_state direct = audit_kb_state(c, req->kb);
    out->evidence = audit_printf(c, "no CBS package of KB%u%s%s%s%s%s", req->kb,
                                 req->accept_later ? " or of a later update" : "",
                                 direct == KB_STATE_MANIFEST_ONLY ? " is installed (a .mum exists but no CBS key)" : " is installed",
                                 direct == KB_STATE_REMOVING ? " (its package is uninstall-pending or broken)" : "",
                                 kernel_known ? "; ntoskrnl.exe is " : "",
                                 kernel_known ? kv : "");
}

/* Is a security-only package installed for a month after `month` (the host installs
 * security-only updates, which are not cumulative)? Returns the newest such, or NULL. */
static const kbdb_update *later_security_only(const audit_ctx *c, kbdb_date month)
{
    const kbdb_update *best = NULL;
    for (size_t i = 0; i < c->nkbs; i++) {
        const kbdb_update *u = c->kbs[i].state == KB_STATE_INSTALLED ? kbdb_find(c->db, c->kbs[i].kb) : NULL;
        if (u && u->kind == KBDB_KIND_SECURITY_ONLY && audit_months(u->date) > audit_months(month) &&
            (best == NULL || kbdb_date_cmp(u->date, best->date) > 0))
            best = u;
    }
    return best;
}

/* Does the CBS package registry list any monthly update at all, in whatever state? */
static bool any_monthly_package(const audit_ctx *c)
{
    for (size_t i = 0; i < c->nkbs; i++) {
        const kbdb_update *u = kbdb_find(c->db, c->kbs[i].kb);
        if (u && audit_monthly_kind(u->kind))
            return true;
    }
    return false;
}

/* A package of a monthly update of `month` or later that the package registry lists in a
 * state that is neither installed nor in progress (uninstall pending, resolved, absent,
 * invalid, unknown), or NULL; prefers an uninstall-pending one. */
static const facts_package *contradicting_package(const audit_ctx *c, kbdb_date month)
{
    const facts_package *best = NULL;
    for (size_t i = 0; i < c->f->npackages; i++) {
        const facts_package *p = &c->f->packages[i];
        const kbdb_update *u =
            p->kb && p->has_state && !audit_state_present(audit_package_state(p)) ? kbdb_find(c->db, p->kb) : NULL;
        if (u == NULL || !audit_monthly_kind(u->kind) || audit_months(u->date) < audit_months(month) ||
            audit_kb_state(c, p->kb) == KB_STATE_INSTALLED)
            continue;
        if (best == NULL || (p->state == 0x05 && best->state != 0x05))
            best = p;
    }
    return best;
}

/* The rollup requirement: the required month's level (April 2019), reached by that rollup or
 * a later one (cumulative), or by that month's security-only update (security-only updates
 * are not cumulative: only the month's own one counts, never a later one), the files
 * agreeing; or shown by the files alone when no package explains them otherwise. */
static void judge_rollup(audit_ctx *c, const kbdb_requirement *req, audit_requirement *out)
{
    const audit_build *b = &c->r->build;
    const kbdb_update *reqd = kbdb_find(c->db, req->kb);
    if (reqd == NULL) {
        judge(c, req, out);
        return;
    }
    const kbdb_update *inst = best_in_state(c, req, KB_STATE_INSTALLED);
    const kbdb_update *sec = audit_partner(c, reqd, KBDB_KIND_SECURITY_ONLY);
    kb_state sec_state = sec ? audit_kb_state(c, sec->kb) : KB_STATE_ABSENT;
    bool kernel_known = req->has_min_kernel && b->has_kernel_version;
    bool kernel_ok = kernel_known && kbdb_version_cmp(b->kernel_version, req->min_kernel) >= 0;
    char kv[24] = "", mv[24] = "", month[16];
    if (kernel_known) {
        audit_version(b->kernel_version, kv);
        audit_version(req->min_kernel, mv);
    }
    snprintf(month, sizeof month, "%04u-%02u", reqd->date.year, reqd->date.month);
    if (inst || !sec || sec_state != KB_STATE_INSTALLED) {
        judge(c, req, out);
        const kbdb_update *by = out->satisfied_by ? kbdb_find(c->db, out->satisfied_by) : NULL;
        if (out->status == AUDIT_SATISFIED && by && by->kind == KBDB_KIND_ROLLUP && kernel_known &&
            !audit_in_effect(c, by)) {
            /* the files reach the required month, not the package's own: they decide, and
             * the package is not named as what satisfies it (rollup_level warns) */
            free(out->evidence);
            out->satisfied_by = 0;
            out->evidence_kind = "file-version";
            out->evidence = audit_printf(c, "KB%u is installed per the CBS package registry, but the files do not show "
                                            "its level; ntoskrnl.exe %s reaches the level of %s (at least %s)",
                                         by->kb, kv, month, mv);
            return;
        }
        if (out->status != AUDIT_MISSING)
            return;
        if (sec && sec_state == KB_STATE_PENDING) {
            free(out->evidence);
            out->status = AUDIT_PENDING;
            out->pending_kb = sec->kb;
            out->evidence_kind = "package";
            out->evidence = audit_printf(c, "security-only KB%u (%s) is staged or install-pending (CBS package), not "
                                            "installed yet; no rollup of %s or later is installed",
                                         sec->kb, month, month);
            return;
        }
        if (!kernel_ok) {
            char secname[24] = "";
            if (sec)
                snprintf(secname, sizeof secname, " KB%u", sec->kb);
            free(out->evidence);
            out->evidence = audit_printf(c, "no CBS package of KB%u, of a later rollup, or of the month's security-only "
                                            "update%s is installed%s%s",
                                         req->kb, secname, kernel_known ? "; ntoskrnl.exe is " : "", kv);
            return;
        }
    } else {
        /* the month's own security-only update */
        free(out->evidence);
        out->evidence = NULL;
        out->evidence_kind = kernel_known ? "package+file-version" : "package";
        if (!kernel_known || kernel_ok) {
            out->status = AUDIT_SATISFIED;
            out->satisfied_by = sec->kb;
            out->evidence = audit_printf(c, "security-only KB%u (%s, the month of KB%u) is installed (CBS package)%s%s%s; "
                                            "security-only updates are not cumulative, so later months are judged one by one",
                                         sec->kb, month, reqd->kb, kernel_known ? "; ntoskrnl.exe " : "", kv,
                                         kernel_known ? " reaches the level" : "");
        } else {
            out->status = AUDIT_PENDING;
            out->pending_kb = sec->kb;
            out->evidence = audit_printf(c, "the CBS registry says security-only KB%u is installed, but ntoskrnl.exe is %s, "
                                            "below %s: the install is waiting for a reboot or failed (the files decide)",
                                         sec->kb, kv, mv);
            audit_warn(c, "KB%u: the package registry says installed but the kernel file is %s (< %s)", sec->kb, kv, mv);
        }
        return;
    }
    /* missing as a package, but the files reach the level */
    const kbdb_update *later = later_security_only(c, reqd->date);
    const audit_level *l = &c->r->level;
    char d[16];
    free(out->evidence);
    out->evidence = NULL;
    if (later) {
        out->status = AUDIT_MISSING;
        out->evidence_kind = "package+file-version";
        out->evidence = audit_printf(c, "no rollup of %s or later and no security-only update of %s (KB%u) is installed; %s, "
                                        "which the installed security-only KB%u (%s) explains: security-only updates are "
                                        "not cumulative, so the %s level is not shown",
                                     month, month, sec ? sec->kb : 0, l->evidence ? l->evidence : "the files reach the level",
                                     later->kb, audit_date(later->date, d), month);
        return;
    }
    /* a package the files would otherwise stand in for: uninstall pending (the level goes
     * with the restart) or in a state that is neither installed nor in progress */
    const facts_package *odd = contradicting_package(c, reqd->date);
    if (odd && odd->state == 0x05) {
        out->status = AUDIT_MISSING;
        out->evidence_kind = "package+file-version";
        out->evidence = audit_printf(c, "KB%u's package %s is uninstall-pending (CurrentState 0x05) and no other rollup or "
                                        "security-only package of %s or later is installed: the files still reach the "
                                        "level (ntoskrnl.exe %s), but the removal waits only for a restart",
                                     odd->kb, odd->identity, month, kv);
        return;
    }
    out->status = AUDIT_SATISFIED;
    out->satisfied_by = 0;
    out->evidence_kind = "file-version";
    if (odd) {
        out->evidence = audit_printf(c, "no rollup or security-only package of %s or later is installed; %s (ntoskrnl.exe "
                                        "%s is at least %s), but the package registry lists KB%u in state 0x%X (%s): the "
                                        "packages and the files disagree",
                                     month, l->evidence ? l->evidence : "the files reach the level", kv, mv, odd->kb,
                                     (unsigned)odd->state, facts_state_name(odd->state));
        audit_doubt(c, "the package registry lists KB%u in state 0x%X (%s) while the files reach its level: which "
                       "update brought the files is unknown", odd->kb, (unsigned)odd->state, facts_state_name(odd->state));
        return;
    }
    out->evidence = audit_printf(c, "no rollup or security-only package of %s or later in CBS; %s (ntoskrnl.exe %s is at least %s)",
                                 month, l->evidence ? l->evidence : "the files reach the level", kv, mv);
    if (!any_monthly_package(c))
        audit_warn(c, "the CBS package registry lists no monthly rollup or security-only update: which update brought "
                      "these file versions is unknown; the files decide the level");
}

static void add_latest(audit_ctx *c, unsigned order)
{
    const kbdb_update *newest = kbdb_newest_of_kind(c->db, KBDB_KIND_ROLLUP);
    if (newest == NULL)
        return;
    audit_requirement *out = &c->r->reqs[c->r->nreqs++];
    out->id = strdup("latest");
    out->kb = newest->kb;
    out->kind = KBDB_KIND_ROLLUP;
    out->order = order;
    /* the newest installed rollup package, and whether the files show it (cumulative: a
     * month without a threshold of its own needs at least the newest earlier one) */
    const kbdb_update *inst = audit_newest_installed(c, KBDB_KIND_ROLLUP);
    const audit_build *b = &c->r->build;
    bool kernel_ok = newest->has_kernel && b->has_kernel_version &&
                     kbdb_version_cmp(b->kernel_version, newest->kernel) >= 0;
    bool inst_new = inst && kbdb_date_cmp(inst->date, newest->date) >= 0;
    bool inst_effective = inst_new && audit_in_effect(c, inst);
    char d[16];
    if (inst_effective || kernel_ok) {
        out->status = AUDIT_SATISFIED;
        out->satisfied_by = inst_effective ? inst->kb : newest->kb;
        out->evidence_kind = kernel_ok ? "file-version" : "package";
        out->evidence = audit_printf(c, "the newest known rollup KB%u is reached%s", newest->kb,
                                     inst_effective && !kernel_ok && audit_reaches(c, inst) != 1
                                         ? " (CBS package; the files cannot show its month, and they show nothing older)"
                                         : "");
    } else if (inst_new) {
        out->status = AUDIT_PENDING;
        out->pending_kb = inst->kb;
        out->evidence_kind = "package+file-version";
        out->evidence = audit_printf(c, "--baseline latest: KB%u is installed per the CBS package registry, but the files "
                                        "do not show its level (rollups are cumulative: it implies at least the newest "
                                        "file threshold known before it): the install is waiting for a reboot or failed",
                                     inst->kb);
    } else {
        out->status = best_in_state(c, &(kbdb_requirement){.kb = newest->kb, .kind = KBDB_KIND_ROLLUP}, KB_STATE_PENDING)
                          ? AUDIT_PENDING : AUDIT_MISSING;
        if (out->status == AUDIT_PENDING)
            out->pending_kb = newest->kb;
        out->evidence_kind = "package";
        char installed[48] = "; no rollup is installed";
        if (inst)
            snprintf(installed, sizeof installed, "; the newest installed is KB%u", inst->kb);
        out->evidence = audit_printf(c, "--baseline latest: the newest known rollup is KB%u (%s)%s", newest->kb,
                                     audit_date(newest->date, d), installed);
    }
    if (out->id == NULL || out->evidence == NULL)
        c->oom = true;
}

/* Packages of a KB in a state that is neither installed nor in progress nor uninstall-pending
 * or invalid (those the package index warns about): resolved, absent, API-only or unknown. */
static void warn_odd_states(audit_ctx *c)
{
    for (size_t i = 0; i < c->f->npackages; i++) {
        const facts_package *p = &c->f->packages[i];
        if (!p->kb || !p->has_state || audit_package_state(p) != KB_STATE_ABSENT)
            continue;
        audit_warn(c, "KB%u: package %s is in state 0x%X (%s), neither installed nor in progress: it is counted as not "
                      "installed", p->kb, p->identity, (unsigned)p->state, facts_state_name(p->state));
    }
}

void audit_requirements(audit_ctx *c)
{
    const kbdb *db = c->db;
    warn_odd_states(c);
    c->r->reqs = calloc(db->nbaseline + 1, sizeof *c->r->reqs);
    if (c->r->reqs == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < db->nbaseline; i++) {
        const kbdb_requirement *req = &db->baseline[i];
        audit_requirement *out = &c->r->reqs[c->r->nreqs++];
        out->id = strdup(req->id);
        out->kb = req->kb;
        out->kind = req->kind;
        out->order = req->order;
        if (req->kind == KBDB_KIND_ROLLUP)
            judge_rollup(c, req, out);
        else
            judge(c, req, out);
        warn_unconfirmed_kind(c, req, out);
        if (out->id == NULL || out->evidence == NULL)
            c->oom = true;
    }
    if (c->opt->baseline == AUDIT_BASELINE_LATEST)
        add_latest(c, (unsigned)db->nbaseline + 1);
}
