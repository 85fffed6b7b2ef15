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
    FILE *warn;           /* where to warn about keys whose name holds '\' (NULL: nowhere) */
    unsigned long ambiguous_keys;   /* out: how many such keys were written */
} regexport_options;

/* Writes the subtree under `key` in regedit's "Windows Registry Editor Version 5.00" format.
 * Returns 0, or -1 with err set (corrupt hive or a write error). */
int regexport_reg(const regf_hive *h, regf_off key, const char *key_path,
                  regexport_options *opt, FILE *out, kb_error *err);

/* Writes the subtree as lines  K\t<path>  and  V\t<path>\t<name>\t<type>\t<hex data>,
 * paths and names as JSON strings with only ASCII (\uXXXX escapes). */
int regexport_dump(const regf_hive *h, regf_off key, FILE *out, kb_error *err);

#endif
