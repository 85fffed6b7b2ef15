/* Buffered output for exports (see regexport_out.h). */
#include "regexport_out.h"

#include <errno.h>
#include <string.h>

#include "kbaudit/utf.h"

void rx_init(rx_out *o, FILE *fp, bool utf16)
{
    memset(o, 0, sizeof *o);
    o->fp = fp;
    o->utf16 = utf16;
}

static int write_all(rx_out *o, const void *p, size_t n, kb_error *err)
{
    if (n && fwrite(p, 1, n, o->fp) != n) {
        o->failed = true;
        return kb_error_set(err, KB_ERR_IO, "write error: %s", KB_STRERROR(errno));
    }
    return 0;
}

int rx_flush(rx_out *o, kb_error *err)
{
    int r = 0;
    if (!o->utf16) {
        r = write_all(o, o->text.data, o->text.len, err);
    } else {
        /* LF -> CRLF, then UTF-16LE */
        kb_buf_reset(&o->wide);
        const char *p = o->text.data, *end = p + o->text.len;
        while (p < end && r == 0) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl ? nl : end;
            if (kb_utf8_to_utf16le(&o->wide, p, (size_t)(stop - p)) != 0 ||
                (nl && kb_buf_append(&o->wide, "\r\0\n\0", 4) != 0))
                r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
            p = nl ? nl + 1 : end;
        }
        if (r == 0)
            r = write_all(o, o->wide.data, o->wide.len, err);
    }
    kb_buf_reset(&o->text);
    return r;
}

int rx_maybe_flush(rx_out *o, kb_error *err)
{
    return o->text.len >= RX_FLUSH_AT ? rx_flush(o, err) : 0;
}

void rx_free(rx_out *o)
{
    kb_buf_free(&o->text);
    kb_buf_free(&o->wide);
}

int rx_hex(kb_buf *b, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (n > (SIZE_MAX - 1) / 2 || kb_buf_reserve(b, n * 2) != 0)
        return -1;
    char *w = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        *w++ = digits[p[i] >> 4];
        *w++ = digits[p[i] & 15];
    }
    b->len += n * 2;
    b->data[b->len] = '\0';
    return 0;
}

static int json_u(kb_buf *b, uint32_t u)
{
    return kb_buf_printf(b, "\\u%04x", u);
}

int rx_json_string(kb_buf *b, const char *s, size_t n)
{
    if (kb_buf_putc(b, '"') != 0)
        return -1;
    const char *p = s, *end = s + n;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        int r = 0;
        if (c >= 0x20 && c < 0x7F) {
            r = (c == '"' || c == '\\') ? kb_buf_putc(b, '\\') : 0;
            r = r ? r : kb_buf_putc(b, (char)c);
            p++;
        } else if (c < 0x80) {
            const char *esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                            : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            r = esc ? kb_buf_puts(b, esc) : json_u(b, c);
            p++;
        } else {
            uint32_t cp = kb_utf8_next(&p, end);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                r = json_u(b, 0xD800 + (cp >> 10));
                r = r ? r : json_u(b, 0xDC00 + (cp & 0x3FF));
            } else {
                r = json_u(b, cp);
            }
        }
        if (r != 0)
            return -1;
    }
    return kb_buf_putc(b, '"');
}

int rx_read_value(regf_walker *w, const regf_hive *h, regf_off value, regf_value_info *vi,
                  kb_buf *name, kb_buf *scratch, const uint8_t **data, uint32_t *len, kb_error *err)
{
    kb_buf_reset(name);
    if (regf_value_info_get(h, value, vi, err) != 0 || regf_value_name(h, value, name, err) != 0 ||
        regf_walk_value_data(w, value, scratch, data, len, err) != 0)
        return -1;
    return 0;
}
