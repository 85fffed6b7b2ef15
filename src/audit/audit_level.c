/* The update level: which month the files show (ntoskrnl.exe, or the month's marker file,
 * kb-facts.md §4), which rollup package is installed and in effect, the security-only track
 * (judged month by month: security-only updates are not cumulative), months behind, and the
 * ESU tail. The files decide; a package the files contradict is a warning, not a level. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_internal.h"

int audit_months(kbdb_date d)
{
    return d.year * 12 + d.month;
}

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

/* The host's file of that name (read with a usable version), or NULL. */
static const facts_file *host_file(const audit_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->f->nfiles; i++) {
        const facts_file *x = &c->f->files[i];
        if (x->present && !x->error && x->has_version && x->path && strcasecmp(base_name(x->path), name) == 0)
            return x;
    }
    return NULL;
}

/* The file that shows update u and its threshold: ntoskrnl.exe's version, else the month's
 * first marker file. False when the database gives none. Used for wording; whether the
 * files reach the update is audit_reaches(), which weighs every threshold. */
static bool threshold_of(const kbdb_update *u, const char **name, const uint16_t **version)
{
    if (u->has_kernel) {
        *name = "ntoskrnl.exe";
        *version = u->kernel;
        return true;
    }
    for (size_t i = 0; i < u->nfiles; i++)
        if (u->files[i].marker) {
            *name = u->files[i].name;
            *version = u->files[i].version;
            return true;
        }
    return false;
}

/* Does a threshold given for `archs` (0: every one) apply to the host? An unknown host
 * architecture takes every value: the bundled thresholds are the same for x86 and x64. */
static bool arch_applies(const audit_ctx *c, unsigned archs)
{
    unsigned bit = c->f->arch == KB_ARCH_X86 ? KBDB_ARCH_X86 : c->f->arch == KB_ARCH_X64 ? KBDB_ARCH_X64
                   : c->f->arch == KB_ARCH_IA64 ? KBDB_ARCH_IA64 : 0;
    return archs == 0 || bit == 0 || (archs & bit) != 0;
}

/* How the host's files stand against update u's thresholds. A threshold the database marks
 * unconfirmed (a single scanner's bound, an inference) may confirm a level but never refute
 * one: a file below it only makes the answer unknown (kb-facts.md: an unconfirmed value never
 * becomes a certainty, and "the install failed" is a claim the audit must not rest on one). */
typedef struct reach_detail {
    bool confirmed_hit;     /* a confirmed threshold whose file was read is reached */
    bool confirmed_below;   /* a confirmed threshold whose file was read is not */
    bool unconfirmed_hit, unconfirmed_below;
} reach_detail;

static void tally(reach_detail *d, bool unconfirmed, bool reached)
{
    if (unconfirmed)
        *(reached ? &d->unconfirmed_hit : &d->unconfirmed_below) = true;
    else
        *(reached ? &d->confirmed_hit : &d->confirmed_below) = true;
}

static reach_detail reach_of(const audit_ctx *c, const kbdb_update *u)
{
    reach_detail d = {false, false, false, false};
    if (u->has_kernel && arch_applies(c, u->kernel_archs) && c->r->build.has_kernel_version)
        tally(&d, (u->unconfirmed & KBDB_U_KERNEL) != 0, kbdb_version_cmp(c->r->build.kernel_version, u->kernel) >= 0);
    for (size_t i = 0; i < u->nfiles; i++) {
        const kbdb_file *f = &u->files[i];
        if (!f->marker || !arch_applies(c, f->archs))
            continue;
        const facts_file *x = host_file(c, f->name);
        if (x != NULL)
            tally(&d, f->unconfirmed, kbdb_version_cmp(x->file_version, f->version) >= 0);
    }
    return d;
}

/* 1 when the files read show u (every confirmed threshold whose file was read is reached, or,
 * with none read, every unconfirmed one), 0 when a confirmed threshold's file is below it, -1
 * when nothing read decides. A file that was not read never counts either way: the level
 * rests only on evidence. */
int audit_reaches(const audit_ctx *c, const kbdb_update *u)
{
    reach_detail d = reach_of(c, u);
    if (d.confirmed_below)
        return 0;
    if (d.confirmed_hit)
        return 1;
    if (d.unconfirmed_hit && !d.unconfirmed_below)
        return 1;
    return -1;
}

bool audit_reaches_unconfirmed(const audit_ctx *c, const kbdb_update *u)
{
    reach_detail d = reach_of(c, u);
    return !d.confirmed_hit && !d.confirmed_below && d.unconfirmed_hit && !d.unconfirmed_below;
}

bool audit_below_unconfirmed(const audit_ctx *c, const kbdb_update *u)
{
    reach_detail d = reach_of(c, u);
    return !d.confirmed_below && d.unconfirmed_below;
}

const kbdb_update *audit_partner(const audit_ctx *c, const kbdb_update *u, kbdb_kind kind)
{
    const kbdb_update *same_month = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *v = &c->db->updates[i];
        if (v->kind != kind || v->date.year == 0)
            continue;
        if (kbdb_date_cmp(v->date, u->date) == 0)
            return v;
        if (audit_months(v->date) == audit_months(u->date) && same_month == NULL)
            same_month = v;
    }
    return same_month;
}

/* The newest rollup whose threshold the host's files reach, and whether later months cannot
 * be told apart (no threshold in the database, or their file was not read). */
const kbdb_update *audit_files_level(const audit_ctx *c, bool *lower_bound)
{
    const kbdb_update *best = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind == KBDB_KIND_ROLLUP && audit_reaches(c, u) == 1 &&
            (best == NULL || kbdb_date_cmp(u->date, best->date) > 0))
            best = u;
    }
    if (lower_bound == NULL || best == NULL)
        return best;
    /* the first later rollup known not to be reached bounds the level from above */
    const kbdb_update *ceiling = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind == KBDB_KIND_ROLLUP && kbdb_date_cmp(u->date, best->date) > 0 && audit_reaches(c, u) == 0 &&
            (ceiling == NULL || kbdb_date_cmp(u->date, ceiling->date) < 0))
            ceiling = u;
    }
    *lower_bound = false;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind == KBDB_KIND_ROLLUP && kbdb_date_cmp(u->date, best->date) > 0 &&
            (ceiling == NULL || kbdb_date_cmp(u->date, ceiling->date) < 0) && audit_reaches(c, u) == -1)
            *lower_bound = true;
    }
    return best;
}

const char *audit_threshold_text(const audit_ctx *c, const kbdb_update *u, char *buf, size_t n)
{
    const char *name;
    const uint16_t *want;
    char v[24], h[24] = "?";
    if (!threshold_of(u, &name, &want)) {
        snprintf(buf, n, "no file threshold known for KB%u", u->kb);
        return buf;
    }
    if (strcmp(name, "ntoskrnl.exe") == 0 && c->r->build.has_kernel_version)
        audit_version(c->r->build.kernel_version, h);
    else if (strcmp(name, "ntoskrnl.exe") != 0 && host_file(c, name))
        audit_version(host_file(c, name)->file_version, h);
    uint16_t w[4];
    memcpy(w, want, sizeof w);
    /* on x86 the kernel's version may be ntkrnlpa.exe's (the lower of the two kernels) */
    if (strcmp(name, "ntoskrnl.exe") == 0 && c->r->build.kernel_file)
        name = c->r->build.kernel_file;
    snprintf(buf, n, "%s %s, threshold %s", name, h, audit_version(w, v));
    return buf;
}

/* The newest rollup of u's date or earlier with a file threshold (u itself when it has one):
 * rollups are cumulative, so u implies at least that level. NULL if none. */
static const kbdb_update *threshold_rollup(const audit_ctx *c, const kbdb_update *u)
{
    const char *name;
    const uint16_t *want;
    if (threshold_of(u, &name, &want))
        return u;
    const kbdb_update *best = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *v = &c->db->updates[i];
        if (v->kind == KBDB_KIND_ROLLUP && kbdb_date_cmp(v->date, u->date) <= 0 && threshold_of(v, &name, &want) &&
            (best == NULL || kbdb_date_cmp(v->date, best->date) > 0))
            best = v;
    }
    return best;
}

/* Is installed rollup package u in effect? Not when its own threshold is not reached, nor
 * (no threshold of its own) when the newest earlier threshold is not reached (rollups are
 * cumulative), nor when the files show an exact level older than its month. */
bool audit_in_effect(const audit_ctx *c, const kbdb_update *u)
{
    const kbdb_update *t = threshold_rollup(c, u);
    int reach = t ? audit_reaches(c, t) : -1;
    if (reach == 0)
        return false;
    if (reach == 1 && t == u)
        return true;
    const audit_level *l = &c->r->level;
    return !(l->known && !l->lower_bound && audit_months(l->date) < audit_months(u->date));
}

/* Why the files do not show installed rollup u, in words, into buf. */
static const char *not_shown_text(const audit_ctx *c, const kbdb_update *u, char *buf, size_t n)
{
    const kbdb_update *t = threshold_rollup(c, u);
    char th[96], d[16];
    if (t == u || t == NULL)
        return audit_threshold_text(c, u, buf, n);
    snprintf(buf, n, "no file threshold is known for its month; the newest known threshold before it, of KB%u (%s), "
                     "is not reached: %s",
             t->kb, audit_date(t->date, d), audit_threshold_text(c, t, th, sizeof th));
    return buf;
}

void audit_level_from_files(audit_ctx *c)
{
    audit_level *l = &c->r->level;
    bool lower = false;
    const kbdb_update *u = audit_files_level(c, &lower);
    if (u == NULL)
        return;
    const kbdb_update *sec = audit_partner(c, u, KBDB_KIND_SECURITY_ONLY);
    char d[16], t[96];
    l->known = true;
    l->date = u->date;
    l->rollup_kb = u->kb;
    l->security_only_kb = sec ? sec->kb : 0;
    l->lower_bound = lower;
    l->evidence_kind = "file-version";
    char secs[32] = "";
    if (sec)
        snprintf(secs, sizeof secs, " / security-only KB%u", sec->kb);
    bool unc = audit_reaches_unconfirmed(c, u);
    l->evidence = audit_printf(c, "file versions reach the level of %s%s (%s; the month of rollup KB%u%s)%s",
                               audit_date(u->date, d), lower ? " at least" : "",
                               audit_threshold_text(c, u, t, sizeof t), u->kb, secs,
                               unc ? "; that threshold is unconfirmed in the database" : "");
}

static void rollup_level(audit_ctx *c)
{
    audit_result *r = c->r;
    audit_level *l = &r->level;
    char d1[16], d2[16];
    /* the newest rollup package installed and in effect; a newer one the files contradict is a warning */
    const kbdb_update *pkg = NULL;
    for (size_t i = 0; i < c->nkbs; i++) {
        const kbdb_update *u = c->kbs[i].state == KB_STATE_INSTALLED ? kbdb_find(c->db, c->kbs[i].kb) : NULL;
        if (u == NULL || u->kind != KBDB_KIND_ROLLUP)
            continue;
        if (!audit_in_effect(c, u)) {
            char why[320];
            audit_warn(c, "KB%u (rollup, %s) is installed per the CBS package registry, but the files do not show it "
                          "(%s): the install is waiting for a reboot or failed; the level is what the files show",
                       u->kb, audit_date(u->date, d1), not_shown_text(c, u, why, sizeof why));
            continue;
        }
        if (audit_below_unconfirmed(c, u)) {
            char th[96];
            audit_warn(c, "KB%u (rollup, %s) is installed per the CBS package registry and taken as in effect, but the "
                          "files are below a threshold the database marks unconfirmed (%s): either that value is wrong "
                          "or the install waits for a reboot or failed",
                       u->kb, audit_date(u->date, d1), audit_threshold_text(c, u, th, sizeof th));
        }
        if (pkg == NULL || kbdb_date_cmp(u->date, pkg->date) > 0)
            pkg = u;
    }
    if (pkg) {
        r->newest_rollup_kb = pkg->kb;
        r->newest_rollup_date = pkg->date;
        /* whether, and on what, the files show the package: weighed once */
        bool shown = audit_reaches(c, pkg) == 1, shown_unconfirmed = shown && audit_reaches_unconfirmed(c, pkg);
        r->newest_rollup_evidence = shown ? "package+file-version" : "package";
        /* a package newer than anything the files can show raises the level */
        if (!l->known || audit_months(pkg->date) > audit_months(l->date) ||
            (l->lower_bound && audit_months(pkg->date) >= audit_months(l->date))) {
            const kbdb_update *sec = audit_partner(c, pkg, KBDB_KIND_SECURITY_ONLY);
            free(l->evidence);
            l->known = true;
            l->date = pkg->date;
            l->rollup_kb = pkg->kb;
            l->security_only_kb = sec ? sec->kb : 0;
            l->lower_bound = false;
            l->evidence_kind = r->newest_rollup_evidence;
            const char *name;
            const uint16_t *want;
            l->evidence = audit_printf(c, "rollup KB%u (%s) is %s%s", pkg->kb, audit_date(pkg->date, d1),
                                       audit_is_list(c) ? "in the hotfix list" : "installed (CBS package)",
                                       audit_is_list(c) ? " (listed: file versions are unknown, so nothing confirms it)"
                                       : shown_unconfirmed
                                           ? " and the files reach its level (by a threshold the database marks unconfirmed)"
                                       : shown ? " and the files reach its level"
                                       : !c->f->files_available ? "; file versions are unavailable (hive files only), so "
                                                                  "the files cannot confirm it"
                                       : threshold_of(pkg, &name, &want) ? "; its marker file could not be read"
                                                                         : "; the database has no file threshold for it");
        } else if (l->known && audit_months(pkg->date) == audit_months(l->date) && !l->lower_bound) {
            l->evidence_kind = "package+file-version";
        }
    }
    const kbdb_update *known = kbdb_newest_of_kind(c->db, KBDB_KIND_ROLLUP);
    if (known) {
        r->newest_known_rollup_kb = known->kb;
        r->newest_known_rollup_date = known->date;
    }
    if (l->known && known) {
        int behind = audit_months(known->date) - audit_months(l->date);
        if (behind < 0)
            behind = 0;
        if (l->lower_bound) {
            r->months_behind_at_most = behind;
            audit_warn(c, "the files show the level of %s at least (the database has no file threshold for later "
                          "months): at most %d month(s) behind the newest known rollup KB%u (%s)",
                       audit_date(l->date, d2), behind, known->kb, audit_date(known->date, d1));
        } else {
            r->months_behind = behind;
            if (behind > 0)
                audit_warn(c, "%d month(s) behind the newest known rollup KB%u (%s): the host is at the level of %s (%s)",
                           behind, known->kb, audit_date(known->date, d1), audit_date(l->date, d2), l->evidence_kind);
        }
    }
}

static bool push_secfix(audit_ctx *c, const kbdb_update *u)
{
    audit_result *r = c->r;
    audit_secfix *v = realloc(r->security_only_missing, (r->nsecurity_only_missing + 1) * sizeof *v);
    if (v == NULL)
        return c->oom = true, false;
    r->security_only_missing = v;
    const kbdb_update *roll = audit_partner(c, u, KBDB_KIND_ROLLUP);
    v[r->nsecurity_only_missing++] = (audit_secfix){u->kb, u->date, roll ? roll->kb : 0};
    return true;
}

/* Security-only updates are not cumulative: a host that installs them is judged month by
 * month, from the baseline's month (or the month after its newest rollup) to its newest
 * security-only update. */
static void security_only_track(audit_ctx *c)
{
    audit_result *r = c->r;
    const kbdb_update *newest_sec = audit_newest_installed(c, KBDB_KIND_SECURITY_ONLY);
    const kbdb_update *roll = r->newest_rollup_kb ? kbdb_find(c->db, r->newest_rollup_kb) : NULL;
    if (newest_sec == NULL || (roll && kbdb_date_cmp(roll->date, newest_sec->date) >= 0))
        return;
    r->security_only_track = true;
    r->security_only_newest_kb = newest_sec->kb;
    r->security_only_newest_date = newest_sec->date;
    const kbdb_update *base = NULL;
    for (size_t i = 0; i < c->db->nbaseline; i++)
        if (c->db->baseline[i].kind == KBDB_KIND_ROLLUP)
            base = kbdb_find(c->db, c->db->baseline[i].kb);
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind != KBDB_KIND_SECURITY_ONLY || kbdb_date_cmp(u->date, newest_sec->date) > 0 ||
            (roll && audit_months(u->date) <= audit_months(roll->date)) ||
            (base && audit_months(u->date) < audit_months(base->date)) ||
            audit_kb_state(c, u->kb) == KB_STATE_INSTALLED)
            continue;
        if (!push_secfix(c, u))
            return;
    }
    char d[16];
    for (size_t i = 0; i < r->nsecurity_only_missing; i++) {
        const audit_secfix *m = &r->security_only_missing[i];
        audit_warn(c, "security-only track: KB%u (%s) is not installed; security-only updates are not cumulative, "
                      "so that month's fixes are missing (its rollup KB%u, or any later rollup, would cover it)",
                   m->kb, audit_date(m->date, d), m->rollup_kb);
    }
}

/* ESU tail (kb-facts.md §5): the months newer than the newest installed update whose updates
 * need an ESU licence, one entry per month (its rollup and security-only update are
 * alternatives), and the SSUs newer than the newest installed one that need it. */
static void esu_tail(audit_ctx *c)
{
    audit_result *r = c->r;
    const kbdb_update *newest = audit_newest_installed(c, KBDB_KIND_NONE);
    kbdb_date level = r->level.date;
    if (newest) {
        r->newest_installed_kb = newest->kb;
        r->newest_installed_date = newest->date;
    }
    const kbdb_update *db_newest = NULL;
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if ((u->kind == KBDB_KIND_ROLLUP || u->kind == KBDB_KIND_SECURITY_ONLY) &&
            (db_newest == NULL || kbdb_date_cmp(u->date, db_newest->date) > 0))
            db_newest = u;
    }
    if (db_newest) {
        r->newest_db_kb = db_newest->kb;
        r->newest_db_date = db_newest->date;
    }
    /* months after the newest month the host has: its level, or its newest monthly update */
    int from = r->level.known ? audit_months(level) : 0;
    const kbdb_kind monthly[] = {KBDB_KIND_ROLLUP, KBDB_KIND_SECURITY_ONLY};
    for (size_t k = 0; k < 2; k++) {
        /* a rollup counts when in effect (a package the files contradict does not) */
        const kbdb_update *u = monthly[k] == KBDB_KIND_ROLLUP
                                   ? (r->newest_rollup_kb ? kbdb_find(c->db, r->newest_rollup_kb) : NULL)
                                   : audit_newest_installed(c, monthly[k]);
        if (u && audit_months(u->date) > from)
            from = audit_months(u->date);
    }
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if ((u->kind != KBDB_KIND_ROLLUP && u->kind != KBDB_KIND_SECURITY_ONLY) || u->esu != KBDB_YES ||
            audit_months(u->date) <= from)
            continue;
        size_t j = 0;
        while (j < r->esu_updates_missing && audit_months(r->esu_months[j].date) != audit_months(u->date))
            j++;
        if (j == r->esu_updates_missing) {
            audit_esu_month *v = realloc(r->esu_months, (j + 1) * sizeof *v);
            if (v == NULL)
                return (void)(c->oom = true);
            r->esu_months = v;
            v[j] = (audit_esu_month){u->date, 0, 0};
            r->esu_updates_missing++;
        }
        audit_esu_month *m = &r->esu_months[j];
        uint32_t *slot = u->kind == KBDB_KIND_ROLLUP ? &m->rollup_kb : &m->security_only_kb;
        const kbdb_update *have = *slot ? kbdb_find(c->db, *slot) : NULL;
        if (have == NULL || kbdb_date_cmp(u->date, have->date) > 0)
            *slot = u->kb;     /* the month's last one (an out-of-band update comes first) */
        if (kbdb_date_cmp(u->date, m->date) > 0)
            m->date = u->date;
    }
    const kbdb_update *have_ssu = audit_newest_installed(c, KBDB_KIND_SSU);
    for (size_t i = 0; i < c->db->nupdates; i++) {
        const kbdb_update *u = &c->db->updates[i];
        if (u->kind != KBDB_KIND_SSU || u->esu != KBDB_YES || (u->unconfirmed & KBDB_U_KIND) ||
            (have_ssu && kbdb_date_cmp(u->date, have_ssu->date) <= 0))
            continue;
        uint32_t *v = realloc(r->esu_ssus, (r->nesu_ssus + 1) * sizeof *v);
        if (v == NULL)
            return (void)(c->oom = true);
        r->esu_ssus = v;
        v[r->nesu_ssus++] = u->kb;
    }
    char d1[16], d2[16], d3[16];
    if (newest && db_newest && kbdb_date_cmp(newest->date, db_newest->date) < 0)
        audit_warn(c, "the newest update %s is KB%u (%s), older than the newest in the database, KB%u (%s)",
                   r->package_list ? "listed" : "installed", newest->kb, audit_date(newest->date, d1), db_newest->kb, audit_date(db_newest->date, d2));
    if (r->esu_updates_missing) {
        const audit_esu_month *a = &r->esu_months[0], *b = &r->esu_months[r->esu_updates_missing - 1];
        audit_warn(c, "%zu newer month(s) need an Extended Security Updates licence: %s (rollup KB%u) to %s "
                      "(rollup KB%u); each month's rollup or security-only update",
                   r->esu_updates_missing, audit_date(a->date, d1), a->rollup_kb, audit_date(b->date, d3), b->rollup_kb);
    }
}

void audit_rollup_level(audit_ctx *c)
{
    rollup_level(c);
    security_only_track(c);
    esu_tail(c);
}
