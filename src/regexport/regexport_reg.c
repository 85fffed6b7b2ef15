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

#include <stdlib.h>
#include <string.h>

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

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RX_LITTLE_ENDIAN 1
#else
#define RX_LITTLE_ENDIAN 0
#endif

#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u

/* For 8 bytes read as a little-endian word: a mask with the high bit of each byte that needs
 * an escape (below 0x20, and `\` or `"` when `quoted`) and of no byte before the first one.
 * The classic "has zero byte" trick can flag bytes after a real hit (borrows), never before,
 * so the lowest set bit is exact. Bytes >= 0x80 are never flagged. */
static inline uint64_t special_bytes(uint64_t x, bool quoted)
{
    uint64_t m = (x - ONES * 0x20) & ~x & HIGHS;
    if (quoted) {
        uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
        m |= ((q - ONES) & ~q & HIGHS) | ((b - ONES) & ~b & HIGHS);
    }
    return m;
}

/* Writes s with regedit's escapes: \\\\ and \\" (when `quoted`), control pictures for C0.
 * Names and key paths are copied 8 bytes at a time. The caller has reserved 3 bytes per
 * byte of s (the most one byte can become), which leaves room for the 8-byte stores. */
static char *write_escaped(char *w, const char *s, size_t n, bool quoted)
{
    size_t i = 0, plain = 0;   /* s[plain..i) needed no escape and was copied as it is */
    while (i < n) {
        /* the last, short block is read as the final 8 bytes of s, overlapping bytes
         * already copied: allowed when those needed no escape, so that they sit at the
         * same distance in the output and are not flagged (no hit below them) */
        if (RX_LITTLE_ENDIAN && (n - i >= 8 || (n >= 8 && n - 8 >= plain))) {
            size_t at = n - i >= 8 ? i : n - 8, back = i - at;
            uint64_t x;
            memcpy(&x, s + at, 8);
            memcpy(w - back, &x, 8);   /* speculative: only the bytes before a hit are kept */
            uint64_t m = special_bytes(x, quoted);
            if (m == 0) {
                w += 8 - back;
                i = at + 8;
                continue;
            }
            size_t k = (size_t)__builtin_ctzll(m) >> 3;   /* >= back */
            w += k - back;
            i = at + k;
        } else {
            char c = s[i];
            if ((unsigned char)c >= 0x20 && (!quoted || (c != '\\' && c != '"'))) {
                *w++ = c;
                i++;
                continue;
            }
        }
        char c = s[i++];
        if ((unsigned char)c < 0x20) {
            w = put_control_picture(w, c);
        } else {
            *w++ = '\\';
            *w++ = c;
        }
        plain = i;
    }
    return w;
}

/* Appends s with write_escaped's escapes. */
static int put_escaped(kb_buf *b, const char *s, size_t n, bool quoted)
{
    if (n > (SIZE_MAX - 1) / 3 || kb_buf_reserve(b, n * 3) != 0)
        return -1;
    char *w = write_escaped(b->data + b->len, s, n, quoted);
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* True when data is one well-formed UTF-16 string: even length, a single NUL at the end,
 * no control characters (U+0000..U+001F), no unpaired surrogates. regedit round-trips exactly these as "text". */
static bool is_plain_string(const uint8_t *d, uint32_t n)
{
    if (n < 2 || n % 2 != 0 || d[n - 2] != 0 || d[n - 1] != 0)
        return false;
    uint32_t end = n - 2, i = 0;
    while (i < end) {
        /* four units below 0x100 and not below 0x20 (so not NUL, CR, LF or a surrogate)
         * pass at once; anything else is judged one unit at a time */
        if (RX_LITTLE_ENDIAN && end - i >= 8) {
            uint64_t x;
            memcpy(&x, d + i, 8);
            if ((x & 0xFF00FF00FF00FF00u) == 0 &&
                ((x - 0x0020002000200020u) & 0x8000800080008000u) == 0) {
                i += 8;
                continue;
            }
        }
        uint16_t c = (uint16_t)(d[i] | d[i + 1] << 8);
        if (c < 0x20)   /* NUL, CR, LF, TAB...: only hex(1) keeps them exactly */
            return false;
        if (c >= 0xD800 && c <= 0xDBFF) {
            uint16_t next = (uint16_t)(d[i + 2] | d[i + 3] << 8);
            if (i + 4 >= n || next < 0xDC00 || next > 0xDFFF)
                return false;
            i += 2;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return false;
        }
        i += 2;
    }
    return true;
}

/* Writes the `units` code units of a string that passed is_plain_string (so surrogates
 * come in pairs) as UTF-8 with write_escaped's escapes, in one pass: the same bytes as
 * kb_utf16le_to_utf8 followed by write_escaped(quoted). The caller has reserved 3 bytes per
 * unit (a control picture, a BMP character; a pair makes 4 of 2 units), which leaves room
 * for the 4-byte stores. */
static char *write_plain_string(char *w, const uint8_t *d, size_t units)
{
    size_t i = 0;
    while (i < units) {
        if (RX_LITTLE_ENDIAN && units - i >= 4) {
            uint64_t x;
            memcpy(&x, d + 2 * i, 8);
            if ((x & 0xFF80FF80FF80FF80u) == 0) {
                /* four ASCII units: pack their low bytes, pad with 'A' and look for escapes */
                x = (x | x >> 8) & 0x0000FFFF0000FFFFu;
                x = ((x | x >> 16) & 0xFFFFFFFFu) | 0x4141414100000000u;
                uint32_t four = (uint32_t)x;
                memcpy(w, &four, 4);
                uint64_t m = special_bytes(x, true);
                if (m == 0) {
                    w += 4;
                    i += 4;
                    continue;
                }
                size_t k = (size_t)__builtin_ctzll(m) >> 3;
                w += k;
                i += k;
            }
        }
        uint32_t c = (uint32_t)d[2 * i] | (uint32_t)d[2 * i + 1] << 8;
        i++;
        if (c < 0x80) {
            if (c < 0x20) {
                w = put_control_picture(w, (char)c);
            } else {
                if (c == '"' || c == '\\')
                    *w++ = '\\';
                *w++ = (char)c;
            }
        } else if (c < 0x800) {
            *w++ = (char)(0xC0 | c >> 6);
            *w++ = (char)(0x80 | (c & 0x3F));
        } else if (c >= 0xD800 && c <= 0xDBFF) {
            uint32_t lo = (uint32_t)d[2 * i] | (uint32_t)d[2 * i + 1] << 8;
            i++;
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            *w++ = (char)(0xF0 | c >> 18);
            *w++ = (char)(0x80 | ((c >> 12) & 0x3F));
            *w++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *w++ = (char)(0x80 | (c & 0x3F));
        } else {
            *w++ = (char)(0xE0 | c >> 12);
            *w++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *w++ = (char)(0x80 | (c & 0x3F));
        }
    }
    return w;
}

/* "xx," for every byte value, built once; 4 bytes per entry so that one 32-bit store
 * writes it (the 4th byte is overwritten by the next entry or trimmed). */
static const char *hex_triplets(void)
{
    static char table[256 * 4];
    static bool ready;
    if (!ready) {
        static const char digits[] = "0123456789abcdef";
        for (int i = 0; i < 256; i++) {
            table[4 * i] = digits[i >> 4];
            table[4 * i + 1] = digits[i & 15];
            table[4 * i + 2] = ',';
            table[4 * i + 3] = ' ';
        }
        ready = true;
    }
    return table;
}

/* Columns as regedit counts them: UTF-16 code units (what its buffer holds), not UTF-8
 * bytes nor characters: a character above U+FFFF (a 4-byte UTF-8 sequence) counts 2. */
static size_t columns(const char *p, size_t n)
{
    size_t cols = 0, i = 0;
    /* 8 bytes at a time: count the bytes that are not UTF-8 continuation bytes (10xxxxxx),
     * plus one per lead byte of a 4-byte sequence (11110xxx) */
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        /* one bit per byte at bit 7 of that byte (the shifts move bits 6..4 of a byte to
         * its own bit 7); the multiply sums the bytes */
        uint64_t cont = (x & ~(x << 1) & HIGHS) >> 7;
        uint64_t four = (x & (x << 1) & (x << 2) & (x << 3) & ~(x << 4) & HIGHS) >> 7;
        cols += 8 - (size_t)((cont * ONES) >> 56) + (size_t)((four * ONES) >> 56);
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        cols += ((c & 0xC0) != 0x80) + ((c & 0xF8) == 0xF0);
    }
    return cols;
}

/* Hex bytes "xx,xx,...": a line is folded with ",\\" once it passes FOLD_COLUMN, and
 * continues after two spaces. `line` is where the current line starts. The caller has
 * reserved hex_room(n) bytes. */
static uint64_t hex_room(uint32_t n)
{
    /* "xx," per byte, a 4-byte fold per 20 bytes at worst, and the store of a 4th byte */
    return (uint64_t)n * 3 + ((uint64_t)n / 20 + 2) * 4 + 1;
}

static char *write_hex_folded(char *w, const char *line, const uint8_t *d, uint32_t n)
{
    const char *hex = hex_triplets();
    if (n == 0)
        return w;
    size_t col = columns(line, (size_t)(w - line));
    uint32_t i = 0;
    for (;;) {
        /* bytes on this line: the smallest k with col + 3k > FOLD_COLUMN */
        uint32_t k = col > FOLD_COLUMN ? 1 : (uint32_t)((FOLD_COLUMN - col) / 3 + 1);
        if (k > n - i)
            k = n - i;
        const uint8_t *src = d + i;
        uint32_t j = 0;
        for (; j + 4 <= k; j += 4, w += 12) {
            memcpy(w, hex + 4 * src[j], 4);
            memcpy(w + 3, hex + 4 * src[j + 1], 4);
            memcpy(w + 6, hex + 4 * src[j + 2], 4);
            memcpy(w + 9, hex + 4 * src[j + 3], 4);
        }
        for (; j < k; j++, w += 3)
            memcpy(w, hex + 4 * src[j], 4);
        i += k;
        if (i == n)
            break;
        memcpy(w, "\\\n  ", 4);
        w += 4;
        col = 2;
    }
    return w - 1;   /* no comma after the last byte */
}

/* "hex:" for REG_BINARY, "hex(N):" with N in lowercase hex for any other type (at most 14
 * bytes). */
static char *write_hex_prefix(char *w, uint32_t type)
{
    if (type == REGF_BINARY) {
        memcpy(w, "hex:", 4);
        return w + 4;
    }
    static const char digits[] = "0123456789abcdef";
    memcpy(w, "hex(", 4);
    w += 4;
    int shift = 28;
    while (shift > 0 && ((type >> shift) & 15) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *w++ = digits[(type >> shift) & 15];
    *w++ = ')';
    *w++ = ':';
    return w;
}

/* One value line. Room for the longest form is reserved once, then the line is written
 * without further checks. */
static int put_value(kb_buf *t, const char *name, size_t name_len, bool has_name, uint32_t type,
                     const uint8_t *d, uint32_t n)
{
    /* "name"= with every name byte escaped to 3, then the data: a quoted string of at most
     * 3 bytes per unit, dword:xxxxxxxx, or a hex prefix and folded hex; then LF */
    if (name_len > SIZE_MAX / 8)
        return -1;
    uint64_t room = 3 + (uint64_t)name_len * 3 + 14 + hex_room(n) + 1;
    if (room >= SIZE_MAX / 2 || kb_buf_reserve(t, (size_t)room) != 0)
        return -1;
    char *line = t->data + t->len, *w = line;
    if (!has_name) {
        memcpy(w, "@=", 2);
        w += 2;
    } else {
        *w++ = '"';
        w = write_escaped(w, name, name_len, true);
        memcpy(w, "\"=", 2);
        w += 2;
    }
    if (type == REGF_SZ && is_plain_string(d, n)) {
        *w++ = '"';
        w = write_plain_string(w, d, (n - 2) / 2);
        *w++ = '"';
    } else if (type == REGF_DWORD && n == 4) {
        uint32_t v = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
        static const char digits[] = "0123456789abcdef";
        memcpy(w, "dword:", 6);
        w += 6;
        for (int i = 0; i < 8; i++)
            *w++ = digits[(v >> (28 - 4 * i)) & 15];
    } else {
        w = write_hex_prefix(w, type);
        w = write_hex_folded(w, line, d, n);
    }
    *w++ = '\n';
    t->len = (size_t)(w - t->data);
    t->data[t->len] = '\0';
    return 0;
}

/* Writes one key: `full_path` is already escaped. */
static int export_key(regf_walker *w, const regf_hive *h, regf_off key, const char *full_path, size_t full_len,
                      rx_out *o, regf_offlist *vals, kb_buf *name, kb_buf *scratch, kb_error *err)
{
    kb_buf *t = &o->text;
    if (full_len > SIZE_MAX - 8 || kb_buf_reserve(t, full_len + 3) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    char *at = t->data + t->len;
    *at++ = '[';
    memcpy(at, full_path, full_len);
    at += full_len;
    memcpy(at, "]\n", 3);   /* with the terminator */
    t->len += full_len + 3;
    if (regf_walk_values(w, key, vals, err) != 0)
        return -1;
    for (size_t i = 0; i < vals->n; i++) {
        regf_value_info vi;
        const uint8_t *data;
        uint32_t len;
        if (rx_read_value(w, h, vals->v[i], &vi, name, scratch, &data, &len, err) != 0)
            return -1;
        if (put_value(t, name->data, name->len, vi.has_name, vi.type, data, len) != 0)
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
    kb_buf name = KB_BUF_INIT, scratch = KB_BUF_INIT, full = KB_BUF_INIT;
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
    /* the escaped path of each level is kept, so a key costs only its own name */
    size_t *level_len = calloc(REGF_MAX_DEPTH + 2, sizeof *level_len);
    kb_buf esc = KB_BUF_INIT;
    if (r == 0 && (level_len == NULL || put_escaped(&esc, full.data ? full.data : "", full.len, false)))
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    if (r == 0)
        r = regf_walk_begin(h, key, &w, err);
    regf_off cur;
    while (r == 0 && (r = regf_walk_next(w, &cur, err)) == 1) {
        unsigned depth = regf_walk_depth(w);
        if (depth == 0) {
            level_len[0] = esc.len;
        } else {
            size_t nlen;
            const char *kname = regf_walk_name(w, &nlen);
            /* regedit's format has no escape for '\' inside a key name: such a key reads
             * back as nested keys. Written as it is; the caller is told. */
            if (opt->on_backslash_name && memchr(kname, '\\', nlen) != NULL)
                opt->on_backslash_name(opt->ctx, h, kname, nlen);
            esc.len = level_len[depth - 1];
            if ((esc.len && kb_buf_putc(&esc, '\\')) || put_escaped(&esc, kname, nlen, false)) {
                r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
                break;
            }
            level_len[depth] = esc.len;
        }
        r = export_key(w, h, cur, esc.data ? esc.data : "", esc.len, &o, &vals, &name, &scratch, err);
    }
    if (r == 0)
        r = rx_flush(&o, err);
    regf_walk_end(w);
    regf_offlist_free(&vals);
    kb_buf_free(&name);
    kb_buf_free(&scratch);
    kb_buf_free(&full);
    kb_buf_free(&esc);
    free(level_len);
    rx_free(&o);
    return r < 0 ? -1 : 0;
}
