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
    const char *evidence_kind;/* "package", "file-version", "package+file-version", or
                                 "package-list" (named by systeminfo / qfe text, state unknown) */
} audit_requirement;

typedef struct audit_step {
    uint32_t kb;              /* 0 for a step that is not an update ("reboot") */
    kbdb_kind kind;           /* KBDB_KIND_NONE for a reboot step */
    const char *kind_name;    /* "ssu", "sha2", "rollup", "esu-prep"..., or "reboot" */
    bool reboot_after;
    bool reboot_unconfirmed;  /* the database does not know whether it needs a reboot */
    bool needs_esu;           /* the update needs an ESU licence */
    bool needs_esu_known;     /* false: the database does not know (needs_esu is then false) */
    char *title;
    char *reason;
} audit_step;

typedef struct audit_build {
    uint32_t registry;        /* CurrentBuildNumber (else CurrentBuild); 0 = unknown */
    uint32_t kernel;          /* third part of ntoskrnl.exe's file version; 0 = unknown */
    uint32_t effective;       /* the files decide; the registry only when files are unavailable */
    bool consistent_known;
    bool consistent;          /* registry = kernel, the x86 kernels agree, the kernel image's
                                 architecture is the SYSTEM hive's */
    uint16_t kernel_version[4];
    bool has_kernel_version;
    const char *kernel_file;  /* the file kernel_version is from: "ntoskrnl.exe", or on x86
                                 "ntkrnlpa.exe" when the PAE kernel is the lower of the two */
} audit_build;

/* The update level the files show: the newest month whose marker file (ntoskrnl.exe, or
 * crypt32.dll, appinfo.dll, spoolsv.exe, kb-facts.md §4) the host's file reaches. */
typedef struct audit_level {
    bool known;
    kbdb_date date;           /* that month's rollup date */
    uint32_t rollup_kb;       /* the month's rollup and security-only update (which one the host */
    uint32_t security_only_kb;/* installed, if any, is for the packages to say); 0 = none */
    bool lower_bound;         /* later months have no threshold the files can be compared with */
    const char *evidence_kind;/* "file-version", or "package" / "package+file-version" when an
                                 installed rollup package is newer than what the files can show */
    char *evidence;
} audit_level;

/* One month of the ESU tail: its rollup and security-only update are alternatives. */
typedef struct audit_esu_month {
    kbdb_date date;
    uint32_t rollup_kb, security_only_kb;   /* 0 when the database has none that month */
} audit_esu_month;

/* A security-only update the host is missing although it installs security-only updates. */
typedef struct audit_secfix {
    uint32_t kb;
    kbdb_date date;
    uint32_t rollup_kb;       /* the same month's rollup, which would cover it; 0 = none */
} audit_secfix;

typedef struct audit_result {
    audit_verdict verdict;
    int exit_code;
    char *verdict_reason;     /* one line: why this verdict */
    /* the kind of evidence: "tree", "hives", "live" or "package-list" (static). A package list
     * (systeminfo / qfe text) cannot show CBS states, file versions or a pending reboot:
     * package_list is then true, pending_reboot means nothing and the verdict is at best
     * inconclusive (docs/how-kbaudit-decides.md "Package lists") */
    const char *evidence;
    bool package_list;
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
    uint32_t newest_rollup_kb;        /* newest rollup package installed and in effect; 0 = none */
    kbdb_date newest_rollup_date;
    const char *newest_rollup_evidence;   /* "package" or "package+file-version" */
    int months_behind;                /* -1 = unknown (or only an upper bound is known) */
    int months_behind_at_most;        /* -1 unless the level is a lower bound */
    uint32_t newest_known_rollup_kb;
    kbdb_date newest_known_rollup_date;
    /* ESU tail */
    uint32_t newest_installed_kb;     /* newest update of any kind installed; 0 = none */
    kbdb_date newest_installed_date;
    size_t esu_updates_missing;       /* months newer than the newest installed whose updates need
                                         ESU; also the length of esu_months */
    audit_level level;
    audit_esu_month *esu_months;      /* those months, oldest first */
    uint32_t *esu_ssus;               /* SSUs newer than the newest SSU installed that need ESU */
    size_t nesu_ssus;
    uint32_t newest_db_kb;            /* the newest rollup or security-only update in the database */
    kbdb_date newest_db_date;
    audit_secfix *security_only_missing;  /* security-only track: months not installed */
    size_t nsecurity_only_missing;
    bool security_only_track;         /* security-only updates installed after the newest rollup */
    uint32_t security_only_newest_kb;
    kbdb_date security_only_newest_date;
    char **warnings;
    size_t nwarnings;
    /* What was done about each hive's transaction logs, from the facts (facts_hive.logs):
     * NULL `logs` when the hive was not read from a file (live, or none). */
    struct audit_hive_logs {
        const char *hive;             /* "SOFTWARE", "SYSTEM" */
        const char *logs;             /* "clean", "recovered", "dirty-no-log", ... */
        uint32_t pages;
        char *detail;
    } hives[2];
} audit_result;

/* Runs the audit. Fails only on out of memory. */
int audit_run(const kb_facts *facts, const kbdb *db, const audit_options *opt, audit_result *out,
              kb_error *err);
void audit_result_free(audit_result *r);

const char *audit_verdict_name(audit_verdict v);   /* "compliant", "not-compliant", ... */
const char *audit_status_name(audit_status s);     /* "satisfied", "pending", "missing" */

/* --- Update packages on hand (`audit --updates DIR`) ---------------------------------------
 * The packages' identities come in as data (the cli reads them with the msu module); matching
 * them to the plan is pure, like the rest of the audit. */
typedef struct audit_package {
    const char *file;         /* as the report and the script name it (the file's name in DIR) */
    uint32_t kb;              /* 0: the package does not say */
    const char *os_version;   /* "6.0", "6.1"...; NULL or "": not stated */
    kb_arch arch;             /* KB_ARCH_UNKNOWN: not stated */
    const char *error;        /* not NULL: the file could not be read as a package (why) */
} audit_package;

typedef enum audit_file_status {
    AUDIT_FILE_PLANNED = 0,   /* installs a step of the plan */
    AUDIT_FILE_DUPLICATE,     /* another file already serves that step */
    AUDIT_FILE_SUPERSEDED,    /* a step of the plan supersedes it: not needed */
    AUDIT_FILE_NOT_NEEDED,    /* not in the plan (installed already, or not required) */
    AUDIT_FILE_WRONG_OS,      /* for another Windows version (6.1 is Windows 7 / 2008 R2) */
    AUDIT_FILE_WRONG_ARCH,
    AUDIT_FILE_UNKNOWN,       /* says no KB or no Windows version */
    AUDIT_FILE_UNREADABLE
} audit_file_status;

typedef struct audit_file_match {
    audit_file_status status;
    size_t step;              /* PLANNED, DUPLICATE: the plan step's index; SUPERSEDED: the step
                                 that supersedes it; SIZE_MAX otherwise */
    char *reason;             /* one line, for people */
} audit_file_match;

typedef struct audit_updates {
    size_t *step_file;        /* per plan step: the package serving it, SIZE_MAX for none */
    size_t nsteps;
    size_t steps_without_file;
    audit_file_match *files;  /* per package, in the order given */
    size_t nfiles;
} audit_updates;

/* Matches packages to R's plan: same KB, Windows 6.0, the host's architecture. Fails only on
 * out of memory. */
int audit_match_updates(const audit_result *r, const kbdb *db, const audit_package *pkgs, size_t n,
                        audit_updates *out, kb_error *err);
void audit_updates_free(audit_updates *u);
const char *audit_file_status_name(audit_file_status s);   /* "planned", "wrong-os", ... */

#endif
