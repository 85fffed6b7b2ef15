/* The rollup level (newest rollup installed, months behind the newest known), the ESU tail,
 * and the install plan: missing updates in prerequisite order with reboot points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"

static int months(kbdb_date d)
{
    return d.year * 12 + d.month;
}

void audit_rollup_level(audit_ctx *c)
{
    audit_result *r = c->r;
    const kbdb_update *pkg = audit_newest_installed(c, KBDB_KIND_ROLLUP);
    const kbdb_update *lvl = audit_kernel_level(c);
    const kbdb_update *best = pkg;
    r->newest_rollup_evidence = pkg ? "package" : NULL;
    if (lvl && (pkg == NULL || kbdb_date_cmp(lvl->date, pkg->date) > 0)) {
        best = lvl;
        r->newest_rollup_evidence = "file-version";
    }
    if (best) {
        r->newest_rollup_kb = best->kb;
        r->newest_rollup_date = best->date;
    }
    const kbdb_update *known = kbdb_newest_of_kind(c->db, KBDB_KIND_ROLLUP);
    if (known) {
        r->newest_known_rollup_kb = known->kb;
        r->newest_known_rollup_date = known->date;
    }
    if (best && known) {
        r->months_behind = months(known->date) - months(best->date);
        if (r->months_behind < 0)
            r->months_behind = 0;
        char d1[16], d2[16];
        if (r->months_behind > 0)
            audit_warn(c, "%d month(s) behind the newest known rollup KB%u (%s): the newest installed is KB%u (%s)",
                       r->months_behind, known->kb, audit_date(known->date, d1), best->kb, audit_date(best->date, d2));
    }

    /* ESU tail (kb-facts.md §5): what is newer than the newest installed update */
    const kbdb_update *newest = audit_newest_installed(c, KBDB_KIND_NONE);
    if (lvl && (newest == NULL || kbdb_date_cmp(lvl->date, newest->date) > 0))
        newest = lvl;
    if (newest) {
        r->newest_installed_kb = newest->kb;
        r->newest_installed_date = newest->date;
    }
    size_t newer = 0;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (newest && kbdb_date_cmp(u->date, newest->date) <= 0)
            continue;
        if (u->kind != KBDB_KIND_ROLLUP && u->kind != KBDB_KIND_SECURITY_ONLY && u->kind != KBDB_KIND_SSU)
            continue;
        newer++;
        r->esu_updates_missing += u->esu == KBDB_YES;
    }
    char d[16];
    if (newest && r->esu_updates_missing)
        audit_warn(c, "the newest installed update is KB%u (%s); the database knows %zu newer update(s), "
                      "%zu of which need an Extended Security Updates licence",
                   newest->kb, audit_date(newest->date, d), newer, r->esu_updates_missing);
}

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
    s->reboot_unconfirmed = u->reboot == KBDB_UNKNOWN;
    s->needs_esu = u->esu == KBDB_YES;
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
    /* staged but not installed, with no reboot to finish it: the install has to be run again */
    for (size_t i = 0; !c->r->pending_reboot && i < c->r->nreqs; i++) {
        const audit_requirement *q = &c->r->reqs[i];
        const kb_status *st = q->pending_kb ? audit_kb_status(c, q->pending_kb) : NULL;
        const kbdb_update *u = q->pending_kb ? kbdb_find(c->db, q->pending_kb) : NULL;
        if (q->status == AUDIT_PENDING && u && st && st->state == KB_STATE_PENDING)
            add_step(c, u, NULL, audit_printf(c, "KB%u is %s, not installed: run its installation again to complete it",
                                              u->kb, st->state_name));
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
