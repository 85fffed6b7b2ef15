/* Shared state of one audit run. */
#ifndef KBAUDIT_AUDIT_INTERNAL_H
#define KBAUDIT_AUDIT_INTERNAL_H

#include "kbaudit/audit.h"

/* What the CBS package registry says of one KB, all its packages taken together. */
typedef enum kb_state {
    KB_STATE_ABSENT = 0,
    KB_STATE_MANIFEST_ONLY,   /* a .mum on disk, no CBS key: state unknown */
    KB_STATE_REMOVING,        /* uninstall pending, or an invalid ("broken") state */
    KB_STATE_PENDING,         /* staging, staged, install pending, partially installed */
    KB_STATE_INSTALLED        /* installed, permanent, or superseded (was installed) */
} kb_state;

typedef struct kb_status {
    uint32_t kb;
    kb_state state;
    const char *state_name;   /* of the package that decided */
    bool superseded;          /* installed only as "superseded" (0x50): a later package replaced it */
} kb_status;

typedef struct audit_ctx {
    const kb_facts *f;
    const kbdb *db;
    const audit_options *opt;
    audit_result *r;
    kb_status *kbs;           /* sorted by kb */
    size_t nkbs;
    bool oom;
    char *identity_doubt;     /* why the product's identity is in doubt: never compliant */
    char *evidence_doubt;     /* why the evidence contradicts itself: never compliant */
} audit_ctx;

/* "6.0.6003.20489" into buf (24 bytes). */
const char *audit_version(const uint16_t v[4], char buf[24]);

/* "2019-04-09", or "2019-09" when the database knows only the month (buf of 16). */
const char *audit_date(kbdb_date d, char buf[16]);

void audit_warn(audit_ctx *c, const char *fmt, ...) KB_PRINTF(2, 3);
char *audit_printf(audit_ctx *c, const char *fmt, ...) KB_PRINTF(2, 3);
void audit_add_pending(audit_ctx *c, const char *fmt, ...) KB_PRINTF(2, 3);
/* The evidence contradicts itself: the verdict is at best inconclusive (the first reason is kept). */
void audit_doubt(audit_ctx *c, const char *fmt, ...) KB_PRINTF(2, 3);

/* The state one CBS package stands for (its CurrentState, or manifest only). */
kb_state audit_package_state(const facts_package *p);
/* Installed, or on its way (staging, staged, install pending, partially installed). */
static inline bool audit_state_present(kb_state s)
{
    return s == KB_STATE_INSTALLED || s == KB_STATE_PENDING;
}
/* A monthly update: rollup, preview rollup or security-only. */
static inline bool audit_monthly_kind(kbdb_kind k)
{
    return k == KBDB_KIND_ROLLUP || k == KBDB_KIND_PREVIEW_ROLLUP || k == KBDB_KIND_SECURITY_ONLY;
}

kb_state audit_kb_state(const audit_ctx *c, uint32_t kb);
const kb_status *audit_kb_status(const audit_ctx *c, uint32_t kb);   /* NULL if no package */
/* The newest installed update of `kind` (by date), or NULL. */
const kbdb_update *audit_newest_installed(const audit_ctx *c, kbdb_kind kind);

int audit_months(kbdb_date d);   /* year * 12 + month */
/* Does the host reach update u's file threshold (ntoskrnl.exe, or the month's marker file)?
 * 1 yes, 0 no, -1 unknown (no threshold in the database, or the file was not read). */
int audit_reaches(const audit_ctx *c, const kbdb_update *u);
/* True when audit_reaches(c, u) is 1 on unconfirmed thresholds alone (the wording says so). */
bool audit_reaches_unconfirmed(const audit_ctx *c, const kbdb_update *u);
/* True when a file read is below one of u's unconfirmed thresholds and none of its confirmed
 * ones says so (the package then stays in effect, with a warning). */
bool audit_below_unconfirmed(const audit_ctx *c, const kbdb_update *u);
/* "ntoskrnl.exe 6.0.6003.20562, threshold 6.0.6003.20489" into buf. */
const char *audit_threshold_text(const audit_ctx *c, const kbdb_update *u, char *buf, size_t n);
/* The update of `kind` released with u (same date, else same month), or NULL. */
const kbdb_update *audit_partner(const audit_ctx *c, const kbdb_update *u, kbdb_kind kind);
/* The newest rollup whose file threshold the host's files reach, or NULL; *lower_bound tells
 * whether later months cannot be told apart from it. */
const kbdb_update *audit_files_level(const audit_ctx *c, bool *lower_bound);
/* Is installed rollup package u in effect in the files (its own threshold, or for a month
 * without one the newest earlier threshold, rollups being cumulative)? */
bool audit_in_effect(const audit_ctx *c, const kbdb_update *u);
/* Sets result.level from the files (before the requirements are judged). */
void audit_level_from_files(audit_ctx *c);

/* Package-list evidence (audit_list.c): the requirements' evidence in its words (listed, not
 * installed; a PENDING that only files could cause becomes SATISFIED by the listed KB), and
 * the verdict, at best inconclusive. */
static inline bool audit_is_list(const audit_ctx *c)
{
    return c->f->kind == KB_TARGET_PACKAGE_LIST;
}
void audit_list_requirements(audit_ctx *c);
void audit_list_verdict(audit_ctx *c, size_t missing, bool at_6002);

/* Returns false when the host is not covered (verdict and reason set). */
bool audit_host(audit_ctx *c);
void audit_pending(audit_ctx *c);
void audit_requirements(audit_ctx *c);
void audit_rollup_level(audit_ctx *c);
void audit_plan(audit_ctx *c);

#endif
