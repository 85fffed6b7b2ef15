/* Internal state of a target (see kbaudit/target.h). A target is one backend behind the
 * public interface: the offline one (a mounted tree or hive files, read with the regf reader
 * and the evidence layer) or the live one (the running Windows system, through the Win32
 * registry API; Windows builds only). target_api.c dispatches through `ops`. */
#ifndef KBAUDIT_TARGET_INTERNAL_H
#define KBAUDIT_TARGET_INTERNAL_H

#include "kbaudit/target.h"

typedef struct target_ops {
    /* 0 when the hive can be read; err says why not (KB_ERR_NOTFOUND: none given) */
    int (*hive_open)(kb_target *t, kb_hive_id id, kb_error *err);
    int (*key_exists)(kb_target *t, kb_hive_id id, const char *key, bool *exists, kb_error *err);
    int (*reg_string)(kb_target *t, kb_hive_id id, const char *key, const char *value, kb_buf *out,
                      kb_error *err);
    int (*reg_dword)(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t *out,
                     kb_error *err);
    int (*reg_value)(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t type,
                     kb_buf *out, kb_error *err);
    int (*reg_subkeys)(kb_target *t, kb_hive_id id, const char *key, char ***names, size_t *n,
                       char ***skipped, size_t *nskipped, kb_error *err);
    int (*file)(kb_target *t, const char *winpath, char **host, kb_error *err);
    char *(*show_path)(kb_target *t, const char *dir, const char *name);
    void (*close)(kb_target *t);
} target_ops;

struct kb_target {
    kb_target_kind kind;
    const target_ops *ops;
    char *root;              /* realpath of --root (tree); NULL for hive files and live */
    char *windir;            /* tree: on-disk name of the Windows directory, relative to root;
                                live: the Windows directory itself ("C:\Windows") */
    const char *windir_found_by;   /* "SystemRoot" or "probe" (tree), "GetSystemWindowsDirectory"
                                      (live), NULL (hives) */
    char *hive_path[2];      /* host paths of SOFTWARE and SYSTEM (NULL when none); live:
                                "HKLM\SOFTWARE", "HKLM\SYSTEM" */
    regf_hive *hive[2];      /* offline only */
    kb_hive_recovery recovery[2];  /* what was done about each hive's logs */
    unsigned flags;          /* KB_TARGET_NO_LOGS */
    bool hive_tried[2];
    kb_error hive_err[2];    /* why a hive could not be opened */
    void *backend;           /* the live backend's own state */
    /* offline: the key the last registry read found (facts read several values of one key
     * in a row: CurrentState, InstallClient... of each package; one path lookup serves them) */
    char *last_key;
    /* tree: the folder (below the Windows directory) a file was last found in, and its host
     * path: the files of one folder are read in a row (every .mum of servicing\Packages) */
    char *dir_spec, *dir_host;
    const regf_hive *last_hive;
    regf_off last_off;
};

extern const target_ops target_offline_ops;

/* Frees what the offline backend remembers between reads (last_key, dir_spec, dir_host):
 * target_close does it, and so must the users of a temporary copy of a target. */
void target_drop_caches(kb_target *t);

/* Resolves WINPATH (relative to `base`, a path relative to the root; NULL = the root)
 * case-insensitively inside the root; see target_file. */
int target_resolve(const kb_target *t, const char *base, const char *winpath, char **host,
                   kb_error *err);

/* Opens the hive file PATH applying the logs at LOGS (host paths, malloc'ed, taken over; NULL
 * entries for none). A log found but refused before it could be opened (a link leading out of
 * the root) is named by LOGS with its reason in REFUSED (NULL: none refused). */
int target_open_hive_logs(const char *path, char *logs[REGF_MAX_LOGS], const kb_error *refused,
                          unsigned flags, regf_hive **out, kb_hive_recovery *rec, kb_error *err);

/* The offline backend's operations (target_reg.c, target_path.c). */
int target_offline_hive_open(kb_target *t, kb_hive_id id, kb_error *err);
int target_offline_key_exists(kb_target *t, kb_hive_id id, const char *key, bool *exists, kb_error *err);
int target_offline_string(kb_target *t, kb_hive_id id, const char *key, const char *value, kb_buf *out,
                          kb_error *err);
int target_offline_dword(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t *out,
                         kb_error *err);
int target_offline_value(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t type,
                         kb_buf *out, kb_error *err);
int target_offline_subkeys(kb_target *t, kb_hive_id id, const char *key, char ***names, size_t *n,
                           char ***skipped, size_t *nskipped, kb_error *err);
int target_offline_file(kb_target *t, const char *winpath, char **host, kb_error *err);
char *target_offline_show_path(kb_target *t, const char *dir, const char *name);

/* NAME (LEN bytes, maybe NULs inside) with every NUL as \0 and other control characters as
 * \xNN, malloc'ed (target_reg.c; the live backend uses it too). */
char *target_escape_name(const char *name, size_t len);
/* Appends S (malloc'ed, may be NULL: out of memory) to the name list V of N; on failure S is
 * freed and err says so. Both backends build their subkey lists with it. */
int target_push_name(char ***v, size_t *n, char *s, kb_error *err);
/* The length of the root as the start of a host path: "/" and "E:/" end in the separator the
 * components are joined with, so it is left out ("" and "E:"). */
size_t target_root_prefix_len(const kb_target *t);

#endif
