/* kbaudit — reader of the text admins already hold about a Windows host: the output of
 * `systeminfo` (LIST or CSV form) and of `wmic qfe` / `Get-HotFix` (docs/sysinfo.md).
 *
 * A reader: it decodes the bytes (UTF-8 with or without BOM, UTF-16LE with or without BOM,
 * the OEM code pages 437, 850 and 866), finds the fields by their localized labels and gives
 * them back as UTF-8 strings with the line each came from. It knows nothing of what a
 * Windows update means: a hotfix row is a string and, when it is written as one, a number.
 * Anything it cannot read for certain is an error naming the line; it never guesses. */
#ifndef KBAUDIT_SYSINFO_H
#define KBAUDIT_SYSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"

/* Bounds on hostile input (docs/sysinfo.md "Limits"). */
#define SYSINFO_MAX_BYTES ((size_t)64 << 20)   /* a file */
#define SYSINFO_MAX_LINE 65536                 /* bytes of one decoded line */
#define SYSINFO_MAX_HOTFIXES 100000            /* rows of one hotfix list */

/* One hotfix row as written: "KB4493730", "4493730", "{7A068575-...}". */
typedef struct sysinfo_hotfix {
    char *id;           /* the text of the row, trimmed */
    uint32_t number;    /* "KB4493730" or a bare "4493730" as a number; 0 for anything else */
    size_t line;        /* 1-based line of the decoded text */
} sysinfo_hotfix;

typedef struct sysinfo_hotfixes {
    sysinfo_hotfix *rows;
    size_t n;
    size_t placeholders;   /* "File 1" rows: skipped (systeminfo writes them for updates that
                              WMI lists without an ID) */
    size_t empty;          /* rows or records without a HotFixID value: skipped */
} sysinfo_hotfixes;

/* A field: value NULL when absent; line 0 then. */
typedef struct sysinfo_field {
    char *value;
    size_t line;
    const char *label;   /* the label as matched (static), e.g. "Betriebssystemversion" */
} sysinfo_field;

typedef struct sysinfo_doc {
    const char *encoding;   /* "utf-8", "utf-8+bom", "utf-16le", "utf-16le+bom", "cp437",
                               "cp850", "cp866" (static) */
    const char *format;     /* "list" or "csv" (static) */
    const char *language;   /* of the OS Name label: "en", "de", "fr", "es", "nl", "it", "ru",
                               "zh" (static) */
    sysinfo_field host_name, os_name, os_version, system_type, hotfix_header;
    long declared;          /* the count "N Hotfix(s) Installed." states; -1 when none */
    /* the list holds fewer rows than it declares: systeminfo itself stops listing after a few
     * hundred (the Windows 7 sample in the corpus ends its 271 at a bare "[246]") */
    bool incomplete;
    size_t incomplete_line; /* the bare "[NNN]" row where it stopped; 0 when none */
    sysinfo_hotfixes hotfixes;
} sysinfo_doc;

typedef struct sysinfo_qfe {
    const char *encoding;
    const char *format;     /* "wmic-list", "wmic-table", "format-list", "table", "csv" (static) */
    /* the computer the text names, from its CSName (wmic, Format-List *, CSV) or Source
     * (Get-HotFix's table and default list) field or column: the first non-empty value, and
     * the first later one that differs from it ASCII-case-insensitively (value NULL when every
     * row names the same host, or none names one); label is "CSName" or "Source" */
    sysinfo_field host, other_host;
    sysinfo_hotfixes hotfixes;
} sysinfo_qfe;

/* Parses systeminfo output held in DATA. NAME names the input in messages ("FILE: line N:
 * ..."). Fails with KB_ERR_FORMAT when the text is not systeminfo output in a known encoding
 * and language (no OS Name / OS Version line), or is malformed (a line over the limit, a NUL,
 * invalid UTF-16, a hotfix row out of sequence, more rows than the limit...); KB_ERR_NOMEM
 * when out of memory. */
int sysinfo_parse(const char *name, const uint8_t *data, size_t n, sysinfo_doc *out, kb_error *err);
/* Reads and parses a file (through kb_map_readonly; KB_ERR_IO when it cannot be read). */
int sysinfo_read_file(const char *path, sysinfo_doc *out, kb_error *err);
void sysinfo_doc_free(sysinfo_doc *d);

/* Parses `wmic qfe list full`, `wmic qfe` (table), `Get-HotFix | Format-List`, the
 * Get-HotFix table, or CSV (`Export-Csv` / `ConvertTo-Csv`, with or without "#TYPE"). */
int sysinfo_parse_qfe(const char *name, const uint8_t *data, size_t n, sysinfo_qfe *out, kb_error *err);
int sysinfo_read_qfe_file(const char *path, sysinfo_qfe *out, kb_error *err);
void sysinfo_qfe_free(sysinfo_qfe *q);

#endif
