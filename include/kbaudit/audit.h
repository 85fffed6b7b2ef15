/* kbaudit — the audit: a pure function of facts and the knowledge base. No I/O: it is tested
 * with plain structs. docs/how-kbaudit-decides.md explains every rule. */
#ifndef KBAUDIT_AUDIT_H
#define KBAUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"
#include "kbaudit/facts.h"
#include "kbaudit/kbdb.h"

typedef enum audit_verdict {
    AUDIT_COMPLIANT = 0,      /* exit 0 */
    AUDIT_NOT_COMPLIANT,      /* exit 1 */
    AUDIT_INCONCLUSIVE,       /* exit 1: compliance cannot be shown from the evidence given */
    AUDIT_NOT_COVERED         /* exit 4 */
} audit_verdict;

typedef enum audit_status {
    AUDIT_SATISFIED = 0,
    AUDIT_PENDING,            /* staged or install pending, or installed but not yet in effect */
    AUDIT_MISSING
} audit_status;

typedef enum audit_baseline {
    AUDIT_BASELINE_DEFAULT = 0,   /* the database's "build 6003 ready" baseline */
    AUDIT_BASELINE_LATEST         /* ... plus the newest known rollup */
} audit_baseline;

typedef struct audit_options {
    audit_baseline baseline;
} audit_options;

typedef struct audit_requirement {
    char *id;                 /* "ssu", "sha2", "rollup" (and "latest" with --baseline latest) */
    uint32_t kb;              /* the KB the baseline names */
    kbdb_kind kind;
    unsigned order;
    audit_status status;
    uint32_t satisfied_by;    /* the KB that satisfies it (may be a later one); 0 = none */
    uint32_t pending_kb;      /* status pending: the KB that is staged or install-pending; 0 = none */
    char *evidence;           /* which evidence decided, in words */
    const char *evidence_kind;/* "package", "file-version", "package+file-version" or "none" */
} audit_requirement;

typedef struct audit_step {
    uint32_t kb;              /* 0 for a step that is not an update ("reboot") */
    kbdb_kind kind;           /* KBDB_KIND_NONE for a reboot step */
    const char *kind_name;    /* "ssu", "sha2", "rollup", "esu-prep"..., or "reboot" */
    bool reboot_after;
    bool reboot_unconfirmed;  /* the database does not know whether it needs a reboot */
    bool needs_esu;           /* the update needs an ESU licence */
    char *title;
    char *reason;
} audit_step;

typedef struct audit_build {
    uint32_t registry;        /* CurrentBuildNumber (else CurrentBuild); 0 = unknown */
    uint32_t kernel;          /* third part of ntoskrnl.exe's file version; 0 = unknown */
    uint32_t effective;       /* the files decide; the registry only when files are unavailable */
    bool consistent_known;
    bool consistent;
    uint16_t kernel_version[4];
    bool has_kernel_version;
} audit_build;

typedef struct audit_result {
    audit_verdict verdict;
    int exit_code;
    char *verdict_reason;     /* one line: why this verdict */
    /* host */
    char *product, *edition;
    kb_arch arch;
    bool server_core;
    audit_build build;
    /* requirements in install order, and the plan */
    audit_requirement *reqs;
    size_t nreqs;
    audit_step *plan;
    size_t nplan;
    /* pending reboot */
    bool pending_reboot;
    char **pending_reasons;
    size_t npending_reasons;
    /* rollup level */
    uint32_t newest_rollup_kb;        /* 0 = none installed */
    kbdb_date newest_rollup_date;
    const char *newest_rollup_evidence;   /* "package" or "file-version" */
    int months_behind;                /* -1 = unknown */
    uint32_t newest_known_rollup_kb;
    kbdb_date newest_known_rollup_date;
    /* ESU tail */
    uint32_t newest_installed_kb;     /* newest update of any kind installed; 0 = none */
    kbdb_date newest_installed_date;
    size_t esu_updates_missing;       /* updates newer than the newest installed that need ESU */
    char **warnings;
    size_t nwarnings;
} audit_result;

/* Runs the audit. Fails only on out of memory. */
int audit_run(const kb_facts *facts, const kbdb *db, const audit_options *opt, audit_result *out,
              kb_error *err);
void audit_result_free(audit_result *r);

const char *audit_verdict_name(audit_verdict v);   /* "compliant", "not-compliant", ... */
const char *audit_status_name(audit_status s);     /* "satisfied", "pending", "missing" */

#endif
