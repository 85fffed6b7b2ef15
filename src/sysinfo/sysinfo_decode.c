/* Bytes to UTF-8: the encodings systeminfo and qfe output comes in (docs/sysinfo.md
 * "Encodings"). Every decoder refuses a NUL (text never holds one: it is a binary file, or
 * UTF-16 read with the wrong byte order) and names where it met it. */
#include <string.h>

#include "sysinfo_internal.h"

static int put_cp(kb_buf *b, uint32_t cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | (cp >> 6)), s[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xE0 | (cp >> 12)), s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        s[0] = (char)(0xF0 | (cp >> 18)), s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), s[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    return kb_buf_append(b, s, n);
}

static int nomem(kb_error *err, const char *name)
{
    return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory decoding the text", name);
}

/* Strict UTF-16LE: an odd length, a NUL or an unpaired surrogate is an error at its offset. */
static int decode_utf16(const char *name, const uint8_t *d, size_t n, size_t start, kb_buf *out, kb_error *err)
{
    if ((n - start) % 2 != 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: UTF-16LE text of an odd number of bytes (%zu): truncated or "
                                                "not UTF-16", name, n);
    if (kb_buf_reserve(out, (n - start) / 2 * 3 / 2 + 16) != 0)
        return nomem(err, name);
    for (size_t i = start; i < n; i += 2) {
        uint32_t u = (uint32_t)d[i] | (uint32_t)d[i + 1] << 8;
        if (u == 0)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: offset %zu: a NUL character in UTF-16LE text", name, i);
        if (u >= 0xDC00 && u <= 0xDFFF)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: offset %zu: invalid UTF-16: a low surrogate (0x%04X) "
                                                    "without a high one", name, i, (unsigned)u);
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo = i + 3 < n ? ((uint32_t)d[i + 2] | (uint32_t)d[i + 3] << 8) : 0;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return kb_error_set(err, KB_ERR_FORMAT, "%s: offset %zu: invalid UTF-16: a high surrogate (0x%04X) "
                                                        "not followed by a low one", name, i, (unsigned)u);
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        }
        if (put_cp(out, u) != 0)
            return nomem(err, name);
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at d[i] (1..4), or 0 when it is not one. */
static size_t utf8_seq(const uint8_t *d, size_t n, size_t i)
{
    uint8_t c = d[i];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > n)
        return 0;
    for (size_t k = 1; k < len; k++)
        if ((d[i + k] & 0xC0) != 0x80)
            return 0;
    /* overlong forms, surrogates and code points past U+10FFFF */
    if ((c == 0xE0 && d[i + 1] < 0xA0) || (c == 0xED && d[i + 1] >= 0xA0) || (c == 0xF0 && d[i + 1] < 0x90) ||
        (c == 0xF4 && d[i + 1] >= 0x90))
        return 0;
    return len;
}

static size_t line_of(const uint8_t *d, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += d[i] == '\n';
    return line;
}

static int nul_error(const char *name, const uint8_t *d, size_t off, kb_error *err)
{
    return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu (offset %zu): a NUL byte: not text (or UTF-16 without "
                                            "the byte order this reader knows)", name, line_of(d, off), off);
}

/* UTF-16LE without a BOM: a quarter of the odd bytes at least are 0 (the ASCII of the
 * labels, digits and padding) and the even ones hardly ever (UTF-8 and OEM text hold no 0). */
static bool looks_utf16le(const uint8_t *d, size_t n)
{
    size_t pairs = n / 2 < 256 ? n / 2 : 256, zero_hi = 0, zero_lo = 0;
    for (size_t i = 0; i < pairs; i++) {
        zero_lo += d[2 * i] == 0;
        zero_hi += d[2 * i + 1] == 0;
    }
    return pairs >= 2 && zero_hi * 4 >= pairs && zero_lo * 8 <= zero_hi;
}

int sysinfo_decode(const char *name, const uint8_t *d, size_t n, sysinfo_text *out, bool *oem, kb_error *err)
{
    memset(out, 0, sizeof *out);
    *oem = false;
    if (n >= 2 && d[0] == 0xFE && d[1] == 0xFF)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: UTF-16 big-endian text (byte order mark FE FF): not supported; "
                                                "convert it to UTF-16LE or UTF-8", name);
    if (n >= 2 && d[0] == 0xFF && d[1] == 0xFE) {
        out->encoding = "utf-16le+bom";
        return decode_utf16(name, d, n, 2, &out->utf8, err);
    }
    if (looks_utf16le(d, n)) {
        out->encoding = "utf-16le";
        return decode_utf16(name, d, n, 0, &out->utf8, err);
    }
    size_t start = n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF ? 3 : 0;
    out->encoding = start ? "utf-8+bom" : "utf-8";
    for (size_t i = start; i < n;) {
        if (d[i] == 0)
            return nul_error(name, d, i, err);
        size_t len = utf8_seq(d, n, i);
        if (len == 0) {
            if (start)   /* a BOM promised UTF-8 */
                return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu (offset %zu): invalid UTF-8 after a UTF-8 byte "
                                                        "order mark", name, line_of(d, i), i);
            *oem = true;
            return 0;
        }
        i += len;
    }
    if (kb_buf_append(&out->utf8, d + start, n - start) != 0 || kb_buf_reserve(&out->utf8, 1) != 0)
        return nomem(err, name);
    return 0;
}

int sysinfo_decode_oem(const char *name, const uint8_t *d, size_t n, const uint16_t table[128], const char *encoding,
                       sysinfo_text *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    out->encoding = encoding;
    if (kb_buf_reserve(&out->utf8, n + n / 2 + 1) != 0)
        return nomem(err, name);
    for (size_t i = 0; i < n; i++) {
        if (d[i] == 0)
            return nul_error(name, d, i, err);
        if (put_cp(&out->utf8, d[i] < 0x80 ? d[i] : table[d[i] - 0x80]) != 0)
            return nomem(err, name);
    }
    return 0;
}

void sysinfo_lines_init(sysinfo_lines *l, const sysinfo_text *t)
{
    l->p = t->utf8.data ? t->utf8.data : "";
    l->end = l->p + t->utf8.len;
    l->number = 0;
}

int sysinfo_next_line(sysinfo_lines *l, const char *name, const char **line, size_t *len, kb_error *err)
{
    if (l->p >= l->end)
        return 0;
    const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    const char *stop = nl ? nl : l->end;
    l->number++;
    *line = l->p;
    *len = (size_t)(stop - l->p);
    while (*len > 0 && (*line)[*len - 1] == '\r')   /* CRLF, and the CRCRLF of a doubled conversion */
        (*len)--;
    l->p = nl ? nl + 1 : l->end;
    if (*len > SYSINFO_MAX_LINE)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: %zu bytes, longer than the %d-byte limit for a line",
                            name, l->number, *len, SYSINFO_MAX_LINE);
    return 1;
}

void sysinfo_trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}
