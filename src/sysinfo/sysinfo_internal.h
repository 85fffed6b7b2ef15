/* Shared by the systeminfo / qfe reader's files. */
#ifndef KBAUDIT_SYSINFO_INTERNAL_H
#define KBAUDIT_SYSINFO_INTERNAL_H

#include <stdbool.h>

#include "kbaudit/buf.h"
#include "kbaudit/sysinfo.h"

extern const uint16_t sysinfo_cp437[128], sysinfo_cp850[128], sysinfo_cp866[128];

/* The text as UTF-8, NUL-free, with its encoding's name. */
typedef struct sysinfo_text {
    kb_buf utf8;
    const char *encoding;
} sysinfo_text;

/* Decodes DATA when its encoding shows for certain: a BOM, the NUL pattern of UTF-16LE, or
 * valid UTF-8 (ASCII included). *oem is set (and nothing decoded) when the bytes are none of
 * these: the caller then tries the OEM code pages with sysinfo_decode_oem. */
int sysinfo_decode(const char *name, const uint8_t *data, size_t n, sysinfo_text *out, bool *oem,
                   kb_error *err);
/* Decodes single-byte text with the upper half TABLE. */
int sysinfo_decode_oem(const char *name, const uint8_t *data, size_t n, const uint16_t table[128],
                       const char *encoding, sysinfo_text *out, kb_error *err);

/* Walks the lines of decoded text: CRLF and LF both end a line; a line longer than
 * SYSINFO_MAX_LINE is an error. */
typedef struct sysinfo_lines {
    const char *p, *end;
    size_t number;   /* of the line last returned, 1-based */
} sysinfo_lines;
void sysinfo_lines_init(sysinfo_lines *l, const sysinfo_text *t);
/* 1 and the line (not NUL-terminated: *len), 0 at the end, -1 with err set. */
int sysinfo_next_line(sysinfo_lines *l, const char *name, const char **line, size_t *len, kb_error *err);

/* Appends a row to H (ID is copied, trimmed): "File N" placeholders and empty values are
 * counted, not kept. Fails at SYSINFO_MAX_HOTFIXES rows or out of memory. */
int sysinfo_add_hotfix(sysinfo_hotfixes *h, const char *name, const char *id, size_t len, size_t line,
                       kb_error *err);
void sysinfo_hotfixes_free(sysinfo_hotfixes *h);

/* Leading and trailing blanks (space, tab) dropped. */
void sysinfo_trim(const char **s, size_t *len);

/* One cell of a CSV line ("a","b ""c""",d) at *pos; its text (quotes removed, "" as ")
 * replaces the contents of CELL. 1 when a cell was read, 0 at the end of the line, -1 with
 * err set (an unterminated quote). */
int sysinfo_csv_cell(const char *line, size_t len, size_t *pos, kb_buf *cell, const char *name, size_t lineno,
                     kb_error *err);

/* Maps PATH read-only (kb_map_readonly), refuses more than SYSINFO_MAX_BYTES ("a WHAT") and
 * hands the bytes to PARSE. */
int sysinfo_parse_file(const char *path, const char *what,
                       int (*parse)(const char *name, const uint8_t *data, size_t n, void *out, kb_error *err),
                       void *out, kb_error *err);

#endif
