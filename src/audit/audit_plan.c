/* The install plan: missing updates in prerequisite order with reboot points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"

static audit_step *add_step(audit_ctx *c, const kbdb_update *u, const char *kind_name, char *reason)
{
    audit_result *r = c->r;
    audit_step *v = realloc(r->plan, (r->nplan + 1) * sizeof *v);
    if (v == NULL || reason == NULL) {
        free(reason);
        c->oom = true;
        return NULL;
    }
    r->plan = v;
    audit_step *s = &v[r->nplan++];
    memset(s, 0, sizeof *s);
    s->reason = reason;
    if (u == NULL) {
        s->kind = KBDB_KIND_NONE;
        s->kind_name = kind_name;
        return s;
    }
    s->kb = u->kb;
    s->kind = u->kind;
    s->kind_name = kbdb_kind_name(u->kind);
    s->title = u->title ? strdup(u->title) : NULL;
    s->reboot_after = u->reboot != KBDB_NO;
    s->reboot_unconfirmed = u->reboot == KBDB_UNKNOWN || (u->unconfirmed & KBDB_U_REBOOT);
    s->needs_esu = u->esu == KBDB_YES;
    s->needs_esu_known = u->esu != KBDB_UNKNOWN;
    return s;
}

static const audit_requirement *req(const audit_ctx *c, const char *id)
{
    for (size_t i = 0; i < c->r->nreqs; i++)
        if (strcmp(c->r->reqs[i].id, id) == 0)
            return &c->r->reqs[i];
    return NULL;
}

static bool installed_or_pending(const audit_ctx *c, uint32_t kb)
{
    return audit_state_present(audit_kb_state(c, kb));
}

/* The newest rollup known not to need an ESU licence (after January 2024 the database does
 * not know, so those do not count). */
static const kbdb_update *newest_public_rollup(const audit_ctx *c)
{
    const kbdb_update *best = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind == KBDB_KIND_ROLLUP && u->esu == KBDB_NO && (best == NULL || kbdb_date_cmp(u->date, best->date) > 0))
            best = u;
    }
    return best;
}

/* Does update u name a prerequisite of this kind (by kind, or by a KB of that kind)? With
 * `latest`, only a reference to "the latest" one of the kind counts. */
static bool names_prerequisite(const audit_ctx *c, const kbdb_update *u, kbdb_kind kind, bool latest)
{
    for (size_t i = 0; u && i < u->nprerequisites; i++) {
        const kbdb_ref *p = &u->prerequisites[i];
        const kbdb_update *v = p->kb ? kbdb_find(c->db, p->kb) : NULL;
        if (latest ? p->kind == kind && p->latest : p->kind == kind || (v && v->kind == kind))
            return true;
    }
    return false;
}

static bool kind_installed_or_pending(const audit_ctx *c, kbdb_kind kind)
{
    for (size_t i = 0; i < c->nkbs; i++) {
        const kbdb_update *u = kbdb_find(c->db, c->kbs[i].kb);
        if (u && u->kind == kind && audit_state_present(c->kbs[i].state))
            return true;
    }
    return false;
}

/* The newest ESU licensing preparation package of a confirmed kind that is known to exist
 * for the host's architecture (KB4575904 names x64 only), or NULL. */
static const kbdb_update *esu_prep_for_host(const audit_ctx *c)
{
    unsigned arch = c->f->arch == KB_ARCH_X86 ? KBDB_ARCH_X86 : c->f->arch == KB_ARCH_X64 ? KBDB_ARCH_X64 : 0;
    const kbdb_update *best = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind != KBDB_KIND_ESU_PREP || (u->unconfirmed & KBDB_U_KIND) || (u->archs && arch && !(u->archs & arch)))
            continue;
        if (best == NULL || kbdb_date_cmp(u->date, best->date) > 0)
            best = u;
    }
    return best;
}

typedef struct plan_state {
    uint32_t planned_ssu;     /* the SSU already in the plan */
    bool latest_ssu_done, esu_prep_done, rollup_done;
} plan_state;

/* The steps that come before a rollup (kb-facts.md §5.2): the latest SSU when Microsoft's
 * order asks for it (the newest rollup, or a rollup whose prerequisites name it), and the
 * ESU licensing preparation package when the database says the rollup needs an ESU licence
 * (or names the package as a prerequisite). Unknown stays unknown: no step is invented. */
static void before_rollup(audit_ctx *c, plan_state *ps, const kbdb_update *u, bool newest)
{
    const kbdb_update *newest_ssu = kbdb_newest_of_kind(c->db, KBDB_KIND_SSU);
    const kbdb_update *have_ssu = audit_newest_installed(c, KBDB_KIND_SSU);
    if (!ps->latest_ssu_done && newest_ssu && (newest || names_prerequisite(c, u, KBDB_KIND_SSU, true)) &&
        newest_ssu->kb != ps->planned_ssu && !installed_or_pending(c, newest_ssu->kb) &&
        (have_ssu == NULL || kbdb_date_cmp(newest_ssu->date, have_ssu->date) > 0)) {
        add_step(c, newest_ssu, NULL,
                 audit_printf(c, "the latest servicing stack update before the rollup (Microsoft's order: SSU, "
                                 "SHA-2, then the latest SSU)"));
        ps->latest_ssu_done = true;
    }
    if (!ps->esu_prep_done && (u->esu == KBDB_YES || names_prerequisite(c, u, KBDB_KIND_ESU_PREP, false)) &&
        !kind_installed_or_pending(c, KBDB_KIND_ESU_PREP)) {
        const kbdb_update *prep = esu_prep_for_host(c);
        if (prep)
            add_step(c, prep, NULL,
                             audit_printf(c, "ESU licensing preparation package: KB%u %s; then install and activate "
                                             "the ESU MAK (kb-facts.md §5.2: SSU, SHA-2, the latest SSU, this package, "
                                             "the ESU key)",
                                          u->kb, u->esu == KBDB_YES ? "needs an ESU licence"
                                                                    : "names it as a prerequisite (unconfirmed)"));
        ps->esu_prep_done = true;
    }
}

/* A pending requirement's step: staged but not installed, with no reboot to finish it, is
 * installed again; installed per the package registry but not in effect in the files is
 * finished by a restart (or, when that does not help, installed again). */
static void finish_pending(audit_ctx *c, plan_state *ps, const audit_requirement *q)
{
    const kb_status *st = q->pending_kb ? audit_kb_status(c, q->pending_kb) : NULL;
    const kbdb_update *u = q->pending_kb ? kbdb_find(c->db, q->pending_kb) : NULL;
    if (u == NULL || st == NULL)
        return;
    /* a pending reboot (the plan's first step) finishes staged work itself */
    if (st->state == KB_STATE_PENDING && !c->r->pending_reboot) {
        if (audit_monthly_kind(u->kind))
            before_rollup(c, ps, u, false);
        add_step(c, u, NULL, audit_printf(c, "KB%u is %s, not installed: run its installation again to complete it",
                                          u->kb, st->state_name));
    } else if (st->state == KB_STATE_INSTALLED && !(c->r->nplan && c->r->plan[c->r->nplan - 1].kb == 0)) {
        add_step(c, NULL, "reboot",
                 audit_printf(c, "restart to finish installing KB%u: the package registry says installed, the files "
                                 "are below its level; if they still are after the restart, the install failed: install "
                                 "KB%u again", u->kb, u->kb));
    }
}

/* The newest rollup as the step that satisfies `rollup` / `latest`. */
static void install_newest_rollup(audit_ctx *c, plan_state *ps, const audit_requirement *rollup,
                                  const audit_requirement *latest)
{
    const kbdb_update *target = kbdb_newest_of_kind(c->db, KBDB_KIND_ROLLUP);
    if (target == NULL)
        return;
    before_rollup(c, ps, target, true);
    const kbdb_update *pub = newest_public_rollup(c);
    /* the newest rollup known to need an ESU licence: after it, the database's rollups come
     * from MSRC data only (kb-facts.md §5.1: public availability UNCONFIRMED) */
    const kbdb_update *last_esu = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind == KBDB_KIND_ROLLUP && u->esu == KBDB_YES && (last_esu == NULL || kbdb_date_cmp(u->date, last_esu->date) > 0))
            last_esu = u;
    }
    char alt[400] = "", avail[200] = "", d[16], d2[16];
    if (target->esu == KBDB_YES && pub)
        snprintf(alt, sizeof alt, "; it needs an ESU licence: without one, the newest rollup is KB%u (%s)", pub->kb,
                 audit_date(pub->date, d));
    else if (target->esu == KBDB_UNKNOWN && pub)
        snprintf(alt, sizeof alt, "; whether it needs an ESU licence is unknown to the database (if it does, the ESU "
                                  "licensing preparation package and an activated ESU MAK come first, kb-facts.md "
                                  "§5.2): without a licence, the newest rollup is KB%u (%s)",
                 pub->kb, audit_date(pub->date, d));
    if (last_esu && kbdb_date_cmp(target->date, last_esu->date) > 0)
        snprintf(avail, sizeof avail, "; it is newer than the last ESU rollup KB%u (%s): whether it is publicly "
                                      "available is UNCONFIRMED (it is known from MSRC data only)",
                 last_esu->kb, audit_date(last_esu->date, d2));
    const char *doubt = target->unconfirmed & KBDB_U_DATE ? "; its release date is unconfirmed in the database" : "";
    const char *tdoubt = target->unconfirmed & KBDB_U_TITLE ? "; its title is descriptive, not Microsoft's" : "";
    audit_step *s = add_step(c, target, NULL,
                             audit_printf(c, "the newest monthly rollup known to the database (KB%u or any later rollup satisfies the baseline%s)%s%s%s%s",
                                          rollup ? rollup->kb : 4493471u,
                                          latest ? "; --baseline latest requires this one" : "", alt, avail, doubt, tdoubt));
    if (s)
        s->reboot_after = true;   /* every rollup of this line restarts the host */
    ps->rollup_done = true;
}

/* Steps in prerequisite order — reboot when one is pending, then per requirement in the
 * baseline's order (SSU, SHA-2, rollup, latest): install what is missing, finish what is
 * pending, the latest SSU and the ESU preparation package right before the rollup. */
void audit_plan(audit_ctx *c)
{
    plan_state ps = {0, false, false, false};
    if (c->r->pending_reboot)
        add_step(c, NULL, "reboot",
                 audit_printf(c, "a reboot is pending: restart first, so that staged updates (and pending uninstalls) "
                                 "complete before anything else is installed"));
    const audit_requirement *rollup = req(c, "rollup"), *latest = req(c, "latest");
    /* the registry still says 6002 while nothing else fails (no kernel file to decide): restart */
    if (!c->r->pending_reboot && c->r->build.effective == 6002 && !c->r->build.kernel) {
        bool all = true;
        for (size_t i = 0; i < c->r->nreqs; i++)
            all = all && c->r->reqs[i].status == AUDIT_SATISFIED;
        if (all) {
            add_step(c, NULL, "reboot",
                     audit_printf(c, "the registry says build 6002 although the requirements hold: restart (at boot "
                                     "the registry's build is expected to follow the kernel; unconfirmed for NT 6.0); "
                                     "if it stays 6002, the rollup's install failed"));
        }
    }
    for (size_t i = 0; i < c->r->nreqs; i++) {
        const audit_requirement *q = &c->r->reqs[i];
        if (q->status == AUDIT_PENDING) {
            finish_pending(c, &ps, q);
            continue;
        }
        if (q->status != AUDIT_MISSING)
            continue;
        const kbdb_update *u = kbdb_find(c->db, q->kb);
        if (q->kind == KBDB_KIND_ROLLUP) {
            if (!ps.rollup_done)
                install_newest_rollup(c, &ps, rollup, latest);
        } else if (q->kind == KBDB_KIND_SSU && u) {
            if (add_step(c, u, NULL, audit_printf(c, "servicing stack first: KB%u or a later SSU; it prepares the "
                                                     "servicing stack for the updates below", u->kb)))
                ps.planned_ssu = u->kb;
        } else if (q->kind == KBDB_KIND_SHA2 && u) {
            add_step(c, u, NULL, audit_printf(c, "SHA-2 code-signing support: updates released from July 2019 on "
                                                 "are SHA-2 signed only"));
        } else if (u) {
            add_step(c, u, NULL, audit_printf(c, "required by the baseline (%s)", q->id));
        }
    }
}
