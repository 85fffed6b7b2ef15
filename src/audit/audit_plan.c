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
    kb_state s = audit_kb_state(c, kb);
    return s == KB_STATE_INSTALLED || s == KB_STATE_PENDING;
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

void audit_plan(audit_ctx *c)
{
    if (c->r->pending_reboot)
        add_step(c, NULL, "reboot",
                 audit_printf(c, "a reboot is pending: restart first, so that staged updates complete before anything else is installed"));
    const audit_requirement *ssu = req(c, "ssu"), *sha2 = req(c, "sha2"), *rollup = req(c, "rollup"),
                            *latest = req(c, "latest");
    /* A pending requirement always gets a step: staged but not installed, with no reboot to
     * finish it, is installed again; installed per the package registry but not in effect in
     * the files is finished by a restart (or, when that does not help, installed again). */
    bool rebooting = c->r->pending_reboot;
    for (size_t i = 0; i < c->r->nreqs; i++) {
        const audit_requirement *q = &c->r->reqs[i];
        const kb_status *st = q->pending_kb ? audit_kb_status(c, q->pending_kb) : NULL;
        const kbdb_update *u = q->pending_kb ? kbdb_find(c->db, q->pending_kb) : NULL;
        if (q->status != AUDIT_PENDING || u == NULL || st == NULL)
            continue;
        if (st->state == KB_STATE_PENDING && !rebooting)
            add_step(c, u, NULL, audit_printf(c, "KB%u is %s, not installed: run its installation again to complete it",
                                              u->kb, st->state_name));
        else if (st->state == KB_STATE_INSTALLED && !rebooting) {
            add_step(c, NULL, "reboot",
                     audit_printf(c, "restart to finish installing KB%u: the package registry says installed, the files "
                                     "are below its level; if they still are after the restart, the install failed: install "
                                     "KB%u again", u->kb, u->kb));
            rebooting = true;
        }
    }
    /* the registry still says 6002 while nothing else fails (no kernel file to decide): restart */
    if (!rebooting && c->r->build.effective == 6002 && !c->r->build.kernel) {
        bool all = true;
        for (size_t i = 0; i < c->r->nreqs; i++)
            all = all && c->r->reqs[i].status == AUDIT_SATISFIED;
        if (all)
            add_step(c, NULL, "reboot",
                     audit_printf(c, "the registry says build 6002 although the requirements hold: restart, so that the "
                                     "kernel writes the new build at boot; if it stays 6002, the rollup's install failed"));
    }
    uint32_t first_ssu = 0;
    if (ssu && ssu->status == AUDIT_MISSING) {
        const kbdb_update *u = kbdb_find(c->db, ssu->kb);
        if (u && add_step(c, u, NULL, audit_printf(c, "servicing stack first: KB%u or a later SSU; it prepares the servicing stack for the updates below", u->kb)))
            first_ssu = u->kb;
    }
    if (sha2 && sha2->status == AUDIT_MISSING) {
        const kbdb_update *u = kbdb_find(c->db, sha2->kb);
        if (u)
            add_step(c, u, NULL, audit_printf(c, "SHA-2 code-signing support: updates released from July 2019 on are SHA-2 signed only"));
    }
    bool need_rollup = (rollup && rollup->status == AUDIT_MISSING) || (latest && latest->status == AUDIT_MISSING);
    if (!need_rollup)
        return;
    const kbdb_update *target = kbdb_newest_of_kind(c->db, KBDB_KIND_ROLLUP);
    const kbdb_update *newest_ssu = kbdb_newest_of_kind(c->db, KBDB_KIND_SSU);
    const kbdb_update *have_ssu = audit_newest_installed(c, KBDB_KIND_SSU);
    if (newest_ssu && newest_ssu->kb != first_ssu && !installed_or_pending(c, newest_ssu->kb) &&
        (have_ssu == NULL || kbdb_date_cmp(newest_ssu->date, have_ssu->date) > 0))
        add_step(c, newest_ssu, NULL,
                 audit_printf(c, "the latest servicing stack update before the rollup (Microsoft's order: SSU, SHA-2, then the latest SSU)"));
    if (target == NULL)
        return;
    if (target->esu == KBDB_YES) {
        const kbdb_update *prep = kbdb_newest_of_kind(c->db, KBDB_KIND_ESU_PREP);
        if (prep && !installed_or_pending(c, prep->kb))
            add_step(c, prep, NULL,
                     audit_printf(c, "ESU licensing preparation package: needed before updates that require an ESU licence; then install and activate the ESU MAK"));
    }
    const kbdb_update *pub = newest_public_rollup(c);
    char alt[200] = "", d[16];
    if (target->esu != KBDB_NO && pub)
        snprintf(alt, sizeof alt, "; it %s an ESU licence: without one, the newest rollup is KB%u (%s)",
                 target->esu == KBDB_YES ? "needs" : "may need (unconfirmed)", pub->kb, audit_date(pub->date, d));
    const char *doubt = target->unconfirmed & KBDB_U_DATE ? "; its release date is unconfirmed in the database" : "";
    audit_step *s = add_step(c, target, NULL,
                             audit_printf(c, "the newest monthly rollup known to the database (KB%u or any later rollup satisfies the baseline%s)%s%s",
                                          rollup ? rollup->kb : 4493471u,
                                          latest ? "; --baseline latest requires this one" : "", alt, doubt));
    if (s)
        s->reboot_after = true;   /* every rollup of this line restarts the host */
}
