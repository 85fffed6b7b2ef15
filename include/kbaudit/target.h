/* kbaudit — targets: one small interface over "a Windows system" whose evidence we read.
 *
 *  - tree:  the root of a mounted Windows volume (--root DIR). Windows paths resolve
 *           case-insensitively, component by component, and may never leave DIR: a symlink
 *           or junction leading outside it is refused.
 *  - hives: hive files alone (--software FILE [--system FILE]), e.g. copied with `reg save`;
 *           file evidence is then unavailable (not missing).
 *  - live:  the running Windows system (--live; Windows builds only): the registry through
 *           the Win32 API in its 64-bit view (KEY_WOW64_64KEY), files under the Windows
 *           directory with the WOW64 file-system redirector off. Provenance is written as
 *           the system names it: "HKLM\SOFTWARE\...", "C:\Windows\System32\...".
 *
 * Nothing is ever opened for writing. Facts (src/facts) read the registry and files only
 * through this interface. */
#ifndef KBAUDIT_TARGET_H
#define KBAUDIT_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/buf.h"
#include "kbaudit/error.h"
#include "kbaudit/regf.h"

typedef struct kb_target kb_target;

/* KB_TARGET_PACKAGE_LIST is no target: facts read from systeminfo / qfe text
 * (facts_gather_package_list); it names that kind of evidence in kb_facts.kind. */
typedef enum kb_target_kind { KB_TARGET_TREE, KB_TARGET_HIVES, KB_TARGET_LIVE, KB_TARGET_PACKAGE_LIST } kb_target_kind;
typedef enum kb_hive_id { KB_HIVE_SOFTWARE = 0, KB_HIVE_SYSTEM = 1 } kb_hive_id;

/* Transaction logs (docs/regf.md): a dirty hive file is read with the logs beside it
 * (HIVE.LOG1, HIVE.LOG2, names compared as Windows does) applied in memory, unless
 * KB_TARGET_NO_LOGS is given; nothing under the target is written. What was done: */
#define KB_TARGET_NO_LOGS 1u

typedef struct kb_hive_recovery {
    regf_recovery rep;
    size_t nlogs;
    char *log_path[REGF_MAX_LOGS];   /* host paths of the logs found (NULL: none) */
    char *summary;                   /* one line: "clean", "recovered 3 dirty pages from ..." */
} kb_hive_recovery;

/* Opens the hive file PATH (a hive given by the user, e.g. `kbaudit reg`), with the logs
 * found beside it unless FLAGS has KB_TARGET_NO_LOGS. REC is filled whenever 0 is returned;
 * free it with target_hive_recovery_free. */
int target_open_hive_file(const char *path, unsigned flags, regf_hive **out, kb_hive_recovery *rec,
                          kb_error *err);
void target_hive_recovery_free(kb_hive_recovery *rec);
/* What was done about a hive's logs (offline targets, once the hive is open); NULL for a
 * live target or a hive that is not open. */
const kb_hive_recovery *target_hive_recovery(const kb_target *t, kb_hive_id id);

/* Opens a tree: finds the Windows directory and opens its SOFTWARE hive. The candidates are
 * the top-level folders holding System32\config\SOFTWARE (Windows and WINNT first, any
 * case); the first whose hive's SystemRoot value (drive dropped, resolved case-insensitively
 * under the root) names that folder is chosen, else the first candidate (probing). Fails
 * (KB_ERR_IO / KB_ERR_FORMAT / KB_ERR_NOTFOUND) when no readable SOFTWARE hive is there. */
int target_open_tree(const char *root, unsigned flags, kb_target **out, kb_error *err);
/* Opens hive files; `system` may be NULL. Fails when SOFTWARE cannot be read. */
int target_open_hives(const char *software, const char *system, unsigned flags, kb_target **out,
                      kb_error *err);
/* Opens the running system (Windows builds; elsewhere KB_ERR_UNSUPPORTED). Fails when
 * HKLM\SOFTWARE cannot be opened (KB_ERR_DENIED when access is refused). */
int target_open_live(kb_target **out, kb_error *err);
void target_close(kb_target *t);

kb_target_kind target_kind(const kb_target *t);
const char *target_root(const kb_target *t);          /* NULL for hives and live */
/* tree: the on-disk name relative to root; live: the directory itself ("C:\Windows"); hives: NULL */
const char *target_windows_dir(const kb_target *t);
/* How the Windows directory was found: "SystemRoot" or "probe" (tree), "GetSystemWindowsDirectory"
 * (live); NULL for hives. */
const char *target_windows_dir_found_by(const kb_target *t);
/* HOST (a host path target_file returned) relative to the root, as on disk ("WINDOWS/
 * SERVICING/PACKAGES/X.MUM"); HOST itself when it is not under the root. */
const char *target_relative(const kb_target *t, const char *host);
bool target_files_available(const kb_target *t);

/* 0 when the hive can be read (opened on first use); -1 with KB_ERR_NOTFOUND when the target
 * has none (no SYSTEM given), other kinds when it is unreadable. */
int target_hive_open(kb_target *t, kb_hive_id id, kb_error *err);
/* The hive file (offline targets), opened on first use; NULL as above, and for a live target
 * (KB_ERR_UNSUPPORTED: the operating system holds its hives). */
const regf_hive *target_hive(kb_target *t, kb_hive_id id, kb_error *err);
const char *target_hive_path(const kb_target *t, kb_hive_id id);   /* NULL when none */
const char *target_hive_name(kb_hive_id id);                        /* "SOFTWARE", "SYSTEM" */
/* The hive as provenance names it: "SOFTWARE" offline, "HKLM\SOFTWARE" live. */
const char *target_hive_label(const kb_target *t, kb_hive_id id);

/* Registry reads: KEY is relative to the hive root, case-insensitive. A missing key or
 * value is KB_ERR_NOTFOUND; a corrupt hive KB_ERR_FORMAT, and so is a value of the wrong
 * type: target_reg_dword wants REG_DWORD, target_reg_string REG_SZ or REG_EXPAND_SZ. */
int target_reg_key_exists(kb_target *t, kb_hive_id id, const char *key, bool *exists, kb_error *err);
int target_reg_string(kb_target *t, kb_hive_id id, const char *key, const char *value, kb_buf *out,
                      kb_error *err);
int target_reg_dword(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t *out,
                     kb_error *err);
/* Raw data of a value that must be of TYPE (REG_MULTI_SZ...), appended to out; another type
 * is a KB_ERR_FORMAT error, like the string and dword readers'. */
int target_reg_value(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t type,
                     kb_buf *out, kb_error *err);
/* Names of the subkeys of KEY (UTF-8, in hive order); free with target_free_names. A name
 * with a NUL or a backslash inside cannot be reached by a key path: it is left out of NAMES and, when
 * SKIPPED is not NULL, listed there escaped (NUL as \0, control characters as \xNN). */
int target_reg_subkeys(kb_target *t, kb_hive_id id, const char *key, char ***names, size_t *n,
                       char ***skipped, size_t *nskipped, kb_error *err);
void target_free_names(char **names, size_t n);

/* Files. WINPATH uses backslashes or slashes and is relative to the Windows directory
 * ("System32\ntoskrnl.exe"); a leading backslash makes it relative to the root instead.
 * target_file resolves it case-insensitively and returns the host path (malloc'ed):
 * KB_ERR_NOTFOUND when absent, KB_ERR_UNSUPPORTED for hive-only targets, KB_ERR_IO with
 * "outside the root" when a symlink, junction or other reparse point escapes. A live target
 * returns "C:\Windows\..." after checking the file is there. */
int target_file(kb_target *t, const char *winpath, char **host_path, kb_error *err);
/* Names of the entries of a directory (not . and ..). */
int target_list_dir(kb_target *t, const char *winpath, char ***names, size_t *n, kb_error *err);
/* The path of DIR\NAME (below the Windows directory) as a report shows it, whether or not it
 * exists: tree: relative to the root with the folder as found on disk and '/'
 * ("WINDOWS/SYSTEM32/x.dll"); live: "C:\Windows\System32\x.dll". malloc'ed. */
char *target_show_path(kb_target *t, const char *dir, const char *name);

#endif
