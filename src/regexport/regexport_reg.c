/* regedit's .reg export format ("Windows Registry Editor Version 5.00").
 *
 * What regedit does, and so do we: keys as [ROOT\path], values as "name"=data or @=data for
 * the default value; `\` and `"` escaped with a backslash in names and strings; REG_SZ as a
 * quoted string, REG_DWORD as dword:xxxxxxxx, everything else as hex bytes: hex: for
 * REG_BINARY, hex(N): for type N (hex(2) expandable string, hex(7) multi-string, hex(b)
 * QWORD, hex(0) REG_NONE...), folded with ",\" once a line passes 76 columns, continuation
 * lines indented by two spaces.
 *
 * Where regedit would lose information, we keep it: a REG_SZ that is not exactly one
 * NUL-terminated string without line breaks (odd length, missing terminator, junk after the
 * NUL, invalid UTF-16) is written as hex(1): bytes; a REG_DWORD that is not 4 bytes as
 * hex(4):. regedit has no escape for control characters inside a name (NUL, CR, LF...): we write
 * their Unicode Control Pictures (documented in docs/reg-export.md). */
#include "kbaudit/regexport.h"

#include <string.h>

#include "kbaudit/utf.h"
#include "regexport_out.h"

#define FOLD_COLUMN 76

/* A C0 control character (U+0000..U+001F) inside a name would break the line structure
 * and regedit has no escape for it: it is written as its Control Picture, U+2400 + c
 * (NUL as U+2400, CR as U+240D, LF as U+240A). */
static char *put_control_picture(char *w, char c)
{
    *w++ = (char)0xE2;
    *w++ = (char)0x90;
    *w++ = (char)(0x80 + c);
    return w;
}

/* Appends s with regedit's escapes: \ and \" (when `quoted`), control pictures for C0. */
static int put_escaped(kb_buf *b, const char *s, size_t n, bool quoted)
{
    if (kb_buf_reserve(b, n * 3) != 0)
        return -1;
    char *w = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((unsigned char)c < 0x20) {
            w = put_control_picture(w, c);
            continue;
        }
        if (quoted && (c == '\\' || c == '"'))
            *w++ = '\\';
        *w++ = c;
    }
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* True when data is one well-formed UTF-16 string: even length, a single NUL at the end,
 * no line breaks, no unpaired surrogates. regedit round-trips exactly these as "text". */
static bool is_plain_string(const uint8_t *d, uint32_t n)
{
    if (n < 2 || n % 2 != 0 || d[n - 2] != 0 || d[n - 1] != 0)
        return false;
    for (uint32_t i = 0; i + 2 < n; i += 2) {
        uint16_t c = (uint16_t)(d[i] | d[i + 1] << 8);
        if (c == 0 || c == '\r' || c == '\n')
            return false;
        if (c >= 0xD800 && c <= 0xDBFF) {
            uint16_t next = (uint16_t)(d[i + 2] | d[i + 3] << 8);
            if (i + 4 >= n || next < 0xDC00 || next > 0xDFFF)
                return false;
            i += 2;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return false;
        }
    }
    return true;
}

static int put_hex_folded(kb_buf *b, size_t line_start, const uint8_t *d, uint32_t n)
{
    static const char digits[] = "0123456789abcdef";
    /* worst case per byte: "xx," plus a fold "\\\n  " */
    if (kb_buf_reserve(b, (size_t)n * 8) != 0)
        return -1;
    char *w = b->data + b->len;
    size_t col = b->len - line_start;
    for (uint32_t i = 0; i < n; i++) {
        *w++ = digits[d[i] >> 4];
        *w++ = digits[d[i] & 15];
        col += 2;
        if (i + 1 < n) {
            *w++ = ',';
            col++;
            if (col > FOLD_COLUMN) {
                memcpy(w, "\\\n  ", 4);
                w += 4;
                col = 2;
            }
        }
    }
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    return 0;
}

static int put_value(kb_buf *t, const char *name, size_t name_len, bool has_name, uint32_t type,
                     const uint8_t *d, uint32_t n, kb_buf *tmp)
{
    size_t line_start = t->len;
    if (!has_name) {
        if (kb_buf_puts(t, "@="))
            return -1;
    } else if (kb_buf_putc(t, '"') || put_escaped(t, name, name_len, true) || kb_buf_puts(t, "\"=")) {
        return -1;
    }
    if (type == REGF_SZ && is_plain_string(d, n)) {
        kb_buf_reset(tmp);
        if (kb_utf16le_to_utf8(tmp, d, n - 2) || kb_buf_putc(t, '"') ||
            put_escaped(t, tmp->data, tmp->len, true) || kb_buf_putc(t, '"'))
            return -1;
    } else if (type == REGF_DWORD && n == 4) {
        uint32_t v = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
        if (kb_buf_printf(t, "dword:%08x", v))
            return -1;
    } else {
        if ((type == REGF_BINARY ? kb_buf_puts(t, "hex:") : kb_buf_printf(t, "hex(%x):", type)) ||
            put_hex_folded(t, line_start, d, n))
            return -1;
    }
    return kb_buf_putc(t, '\n');
}

static int export_key(const regf_hive *h, regf_off key, const char *full_path, size_t full_len,
                      rx_out *o, regf_offlist *vals, kb_buf *name, kb_buf *scratch, kb_buf *tmp,
                      kb_error *err)
{
    kb_buf *t = &o->text;
    if (kb_buf_putc(t, '[') || put_escaped(t, full_path, full_len, false) || kb_buf_puts(t, "]\n"))
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    if (regf_key_values(h, key, vals, err) != 0)
        return -1;
    for (size_t i = 0; i < vals->n; i++) {
        regf_value_info vi;
        const uint8_t *data;
        uint32_t len;
        kb_buf_reset(name);
        if (regf_value_info_get(h, vals->v[i], &vi, err) != 0 ||
            regf_value_name(h, vals->v[i], name, err) != 0 ||
            regf_value_data(h, vals->v[i], scratch, &data, &len, err) != 0)
            return -1;
        if (put_value(t, name->data, name->len, vi.has_name, vi.type, data, len, tmp) != 0)
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    if (kb_buf_putc(t, '\n'))
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return rx_maybe_flush(o, err);
}

int regexport_reg(const regf_hive *h, regf_off key, const char *key_path,
                  const regexport_options *opt, FILE *out, kb_error *err)
{
    rx_out o;
    rx_init(&o, out, opt->utf16);
    regf_walker *w = NULL;
    regf_offlist vals = {0};
    kb_buf name = KB_BUF_INIT, scratch = KB_BUF_INIT, tmp = KB_BUF_INIT, full = KB_BUF_INIT;
    int r = 0;
    if (opt->utf16 && fwrite("\xff\xfe", 1, 2, out) != 2)
        r = kb_error_set(err, KB_ERR_IO, "write error");
    if (r == 0 && kb_buf_puts(&o.text, "Windows Registry Editor Version 5.00\n\n"))
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    /* full path = prefix [\ key_path] [\ relative path] */
    if (r == 0 && (kb_buf_puts(&full, opt->prefix ? opt->prefix : "") ||
                   (key_path && *key_path && full.len && kb_buf_putc(&full, '\\')) ||
                   kb_buf_puts(&full, key_path ? key_path : "")))
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    size_t base_len = full.len;
    if (r == 0)
        r = regf_walk_begin(h, key, &w, err);
    regf_off cur;
    while (r == 0 && (r = regf_walk_next(w, &cur, err)) == 1) {
        size_t plen;
        const char *rel = regf_walk_path(w, &plen);
        full.len = base_len;
        if ((plen && base_len && kb_buf_putc(&full, '\\')) || kb_buf_append(&full, rel, plen)) {
            r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
            break;
        }
        r = export_key(h, cur, full.data, full.len, &o, &vals, &name, &scratch, &tmp, err);
    }
    if (r == 0)
        r = rx_flush(&o, err);
    regf_walk_end(w);
    regf_offlist_free(&vals);
    kb_buf_free(&name);
    kb_buf_free(&scratch);
    kb_buf_free(&tmp);
    kb_buf_free(&full);
    rx_free(&o);
    return r < 0 ? -1 : 0;
}
