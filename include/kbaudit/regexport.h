/* kbaudit — writing a hive subtree as text: the .reg format regedit exports, and a
 * lossless line-based dump used for differential tests and diffing. */
#ifndef KBAUDIT_REGEXPORT_H
#define KBAUDIT_REGEXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "kbaudit/error.h"
#include "kbaudit/regf.h"

typedef struct regexport_options {
    const char *prefix;   /* root key name written before the path, e.g. HKEY_LOCAL_MACHINE\SOFTWARE */
    bool utf16;           /* UTF-16LE with BOM and CRLF, byte for byte what regedit writes */
    /* called for each key written whose name holds '\' (regedit's format has no escape for it:
     * the key reads back as nested keys); NULL: not reported */
    void (*on_backslash_name)(void *ctx, const regf_hive *h, const char *name, size_t len);
    void *ctx;
} regexport_options;

/* Writes the subtree under `key` in regedit's "Windows Registry Editor Version 5.00" format.
 * Returns 0, or -1 with err set (corrupt hive or a write error). */
int regexport_reg(const regf_hive *h, regf_off key, const char *key_path,
                  const regexport_options *opt, FILE *out, kb_error *err);

/* Writes the subtree as lines  K\t<path>  and  V\t<path>\t<name>\t<type>\t<hex data>,
 * paths and names as JSON strings with only ASCII (\uXXXX escapes). */
int regexport_dump(const regf_hive *h, regf_off key, FILE *out, kb_error *err);

#endif
