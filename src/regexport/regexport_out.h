/* A buffered text sink: output is built as UTF-8 in memory and flushed in large blocks,
 * converted to UTF-16LE with CRLF line ends when the caller asked for regedit's encoding. */
#ifndef KBAUDIT_REGEXPORT_OUT_H
#define KBAUDIT_REGEXPORT_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "kbaudit/buf.h"
#include "kbaudit/error.h"
#include "kbaudit/regf.h"

typedef struct rx_out {
    FILE *fp;
    bool utf16;
    kb_buf text;      /* pending UTF-8 output, always ends on a line boundary when flushed */
    kb_buf wide;      /* conversion scratch for UTF-16 */
    bool failed;
} rx_out;

#define RX_FLUSH_AT (1u << 20)

void rx_init(rx_out *o, FILE *fp, bool utf16);
/* Call at a line end: writes the buffer out once it is large. */
int rx_maybe_flush(rx_out *o, kb_error *err);
int rx_flush(rx_out *o, kb_error *err);
void rx_free(rx_out *o);

/* Appends the lowercase hex of `n` bytes (no separators). */
int rx_hex(kb_buf *b, const uint8_t *p, size_t n);
/* Appends s as a JSON string using ASCII only, as Python's json.dumps(ensure_ascii=True). */
int rx_json_string(kb_buf *b, const char *s, size_t n);

/* Reads one value for an export: its info, its name (into `name`, reset first) and its data
 * (big data assembled in `scratch`), charged to the walk `w`. */
int rx_read_value(regf_walker *w, const regf_hive *h, regf_off value, regf_value_info *vi,
                  kb_buf *name, kb_buf *scratch, const uint8_t **data, uint32_t *len, kb_error *err);

#endif
