/* Internal state of a target (see kbaudit/target.h). */
#ifndef KBAUDIT_TARGET_INTERNAL_H
#define KBAUDIT_TARGET_INTERNAL_H

#include "kbaudit/target.h"

struct kb_target {
    kb_target_kind kind;
    char *root;              /* realpath of --root (tree) */
    char *windir;            /* on-disk name of the Windows directory, relative to root */
    const char *windir_found_by;   /* "SystemRoot" or "probe" (tree), NULL (hives) */
    char *hive_path[2];      /* host paths of SOFTWARE and SYSTEM (NULL when none) */
    regf_hive *hive[2];
    bool hive_tried[2];
    kb_error hive_err[2];    /* why a hive could not be opened */
};

/* Resolves WINPATH (relative to `base`, a path relative to the root; NULL = the root)
 * case-insensitively inside the root; see target_file. */
int target_resolve(const kb_target *t, const char *base, const char *winpath, char **host,
                   kb_error *err);

#endif
