/* kbaudit — facts: everything the audit needs to know about a host, gathered from a target
 * into plain structs (no handles inside), each fact with its provenance (hive + key + value,
 * or a file path). See docs/facts-json.md for the meaning of every field. */
#ifndef KBAUDIT_FACTS_H
#define KBAUDIT_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"
#include "kbaudit/target.h"

/* A string fact: value NULL when it could not be established; source says where we looked. */
typedef struct fact_str {
    char *value;
    char *source;
} fact_str;

typedef struct fact_num {
    bool unavailable;            /* the evidence holding it was not given or not readable */
    bool present;
    uint32_t value;
    char *source;
} fact_num;

typedef struct fact_flag {
    bool known;          /* false when the hive holding it is unavailable */
    bool value;
    char *source;
} fact_flag;

typedef enum kb_arch { KB_ARCH_UNKNOWN = 0, KB_ARCH_X86, KB_ARCH_X64, KB_ARCH_IA64 } kb_arch;

typedef struct facts_file {
    const char *role;            /* "kernel", "kernel-pae", or a month's marker file: "marker-crypt32",
                                    "marker-appinfo", "marker-spoolsv" (static string) */
    char *path;                  /* Windows path relative to the root, with '/' */
    bool present;
    char *error;                 /* present but unreadable as PE (NULL otherwise) */
    uint16_t machine;
    bool has_version;            /* a usable fixed file version (not 0.0.0.0) */
    uint16_t file_version[4];
    uint16_t product_version[4];
    char *version_string;        /* StringFileInfo FileVersion */
    char *branch;                /* "vistasp2_ldr_escrow" from the FileVersion tag */
} facts_file;

typedef struct facts_package {
    char *identity;              /* registry key name (or .mum file name without .mum) */
    char *name;                  /* Package_for_KB4493471 */
    uint32_t kb;                 /* 0 when the name carries none */
    int32_t index;               /* N of Package_N_for_KB..., -1 when absent */
    char *arch, *version;
    bool has_state;              /* CurrentState read from the registry */
    uint32_t state;
    char *install_client;
    bool has_install_time;
    uint64_t install_time;       /* FILETIME from InstallTimeHigh/Low */
    char *source;                /* registry key, or the .mum path when only a .mum exists */
    bool has_key;                /* a CBS Packages key exists (false: manifest only) */
    /* the .mum manifest in servicing\Packages, when found; mum_path relative to the root,
     * as on disk */
    char *mum_path, *mum_identifier, *mum_release_type, *mum_restart, *mum_error;
    bool has_mum;
    /* named by a hotfix list (systeminfo, wmic qfe, Get-HotFix): no CBS state, key or .mum;
     * identity is the row as written, source its file and line */
    bool listed;
} facts_package;

typedef struct facts_pending {
    fact_flag cbs_reboot_pending;       /* CBS\RebootPending key exists */
    fact_flag cbs_packages_pending;     /* CBS\PackagesPending key exists */
    fact_flag cbs_reboot_in_progress;   /* CBS\RebootInProgress key exists */
    fact_flag wu_reboot_required;       /* WindowsUpdate\Auto Update\RebootRequired exists */
    fact_num cbs_execute_state;         /* CBS ExecuteState; 0xFFFFFFFF = none */
    fact_num pending_file_renames;      /* pairs in Session Manager PendingFileRenameOperations */
    fact_num pending_xml_operations;    /* operations in winsxs\pending.xml (absent = not present;
                                           unavailable for hive files); source: its path */
    char *pending_xml_error;            /* pending.xml exists but could not be read (it is then
                                           counted as 1 operation); NULL otherwise */
} facts_pending;

/* What became of one hive (docs/facts-json.md "hives"). A corrupt structure met while reading
 * a key or value the audit depends on (or a value of the wrong type) sets `corrupt`; `error`
 * keeps the first such problem ("SOFTWARE\key\value: FILE: what is wrong"). Everything else
 * that was read stays valid: `kbaudit facts` prints it, `kbaudit audit` stops (exit 3). */
typedef struct facts_hive {
    bool given;          /* a file for this hive is there (tree) or was named (hive files) */
    bool readable;       /* it opened: base block and root key sound */
    bool dirty;          /* the file's base block sequence numbers differ: its newest changes
                            are in its transaction logs (.LOG1/.LOG2) */
    const char *logs;    /* what was done about those logs (regf_recovery_status_name):
                            "clean", "recovered", "dirty-no-log", "dirty-log-rejected",
                            "dirty-logs-not-read" (--no-logs); NULL when not read (live) */
    uint32_t logs_pages; /* dirty pages applied ("recovered") */
    char *logs_detail;   /* one line: the pages applied and from which file(s), or why
                            each log was not applied; NULL with `logs` */
    bool corrupt;        /* unreadable, or a structure the audit depends on is corrupt */
    char *error;         /* the first problem that set `corrupt`; NULL when none */
} facts_hive;

/* Package-list evidence (kind KB_TARGET_PACKAGE_LIST): how the text was read. */
typedef struct facts_list {
    char *systeminfo_path, *qfe_path;      /* as given; qfe_path NULL when none */
    const char *encoding, *format, *language;       /* of the systeminfo text (static) */
    const char *qfe_encoding, *qfe_format;          /* NULL without qfe text */
    size_t rows;          /* hotfix rows read (systeminfo and qfe together) */
    size_t not_kb;        /* rows that are no KB number ("{GUID}"): not counted */
    size_t placeholders;  /* "File 1" rows: skipped */
    /* systeminfo's list is incomplete (it declares more than it lists) and no qfe text
     * completes it: an update it does not name may still be installed */
    bool incomplete;
} facts_list;

typedef struct kb_facts {
    kb_target_kind kind;
    facts_list list;     /* kind KB_TARGET_PACKAGE_LIST only */
    char *root, *windows_dir, *software_path, *system_path;
    const char *windows_dir_found_by;   /* "SystemRoot", "probe" (tree) or NULL (hives) */
    bool files_available;

    fact_str product_name, edition_id, installation_type, current_version, current_build,
        current_build_number, csd_version, build_lab, build_lab_ex, system_root,
        processor_architecture;
    /* SYSTEM\<current control set>\Control\ProductOptions\ProductType: "WinNT" (a workstation:
     * Vista on NT 6.0), "ServerNT" (a server), "LanmanNT" (a domain controller) */
    fact_str product_type;
    fact_num current_control_set;
    kb_arch arch;
    const char *arch_source;     /* "SYSTEM environment", "kernel machine type" or NULL */

    facts_file *files;
    size_t nfiles;
    facts_package *packages;
    size_t npackages;
    facts_pending pending;
    facts_hive hives[2];         /* indexed by kb_hive_id */

    char **warnings;
    size_t nwarnings;
    /* what the system refused to let us read (a key, value or file, as provenance names it):
     * a live run without elevation. Not empty: the audit is at best inconclusive. */
    char **denied;
    size_t ndenied;
} kb_facts;

/* Gathers the facts. Fails only when the SOFTWARE hive cannot be read (then err says why);
 * everything else that cannot be read becomes an absent fact and a warning (and, for a
 * corrupt hive structure, the hive's `corrupt` flag). */
int facts_gather(kb_target *t, kb_facts *out, kb_error *err);
/* Gathers the facts a package list shows: systeminfo text (required) and wmic qfe / Get-HotFix
 * text (optional, QFE_PATH NULL), docs/sysinfo.md. Product, version, build and architecture
 * come from systeminfo; packages are the KB numbers both list (`listed`, no state); file
 * versions are unavailable and the pending-reboot markers unknown. Fails (KB_ERR_FORMAT,
 * KB_ERR_IO; the message names the file and line and what is wrong) when the text is not
 * usable: not systeminfo / qfe output, or an OS Version without a version number. */
int facts_gather_package_list(const char *systeminfo_path, const char *qfe_path, kb_facts *out, kb_error *err);
void facts_free(kb_facts *f);
/* Why the evidence is unreadable for an audit: the first error of a hive that is corrupt
 * (SOFTWARE first, then SYSTEM), or NULL when none is. */
const char *facts_unreadable(const kb_facts *f);

const char *facts_state_name(uint32_t state);   /* "installed", "staged"... or "unknown" */
const char *facts_arch_name(kb_arch a);         /* "x86", "x64", "ia64" or NULL */
kb_arch facts_arch_of_machine(uint16_t machine); /* a PE image's machine type (facts_file.machine) */
/* The file of a role ("kernel"), or NULL. */
const facts_file *facts_find_file(const kb_facts *f, const char *role);

#endif
