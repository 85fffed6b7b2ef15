/* UTF-16LE / Latin-1 / UTF-8 conversions (see kbaudit/utf.h). */
#include "kbaudit/utf.h"
#include "util/upcase_table.h"

#include <stdint.h>
#include <string.h>

/* The UTF-16 fast path reads four code units as one little-endian 64-bit word. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define UTF_LITTLE_ENDIAN 1
#else
#define UTF_LITTLE_ENDIAN 0
#endif

static size_t encode_utf8(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int kb_utf16le_to_utf8(kb_buf *out, const uint8_t *src, size_t nbytes)
{
    size_t units = nbytes / 2;
    /* worst case: 3 bytes of UTF-8 per UTF-16 unit */
    if (units > (SIZE_MAX - 1) / 3 || kb_buf_reserve(out, units * 3) != 0)
        return -1;
    char *w = out->data + out->len;
    for (size_t i = 0; i < units; i++) {
        /* ASCII fast path: four units whose high bytes are 0 and low bytes below 0x80 are
         * packed to four bytes at once (3 bytes reserved per unit leave room for it) */
        while (UTF_LITTLE_ENDIAN && units - i >= 4) {
            uint64_t x;
            memcpy(&x, src + 2 * i, 8);
            if (x & 0xFF80FF80FF80FF80u)
                break;
            x = (x | x >> 8) & 0x0000FFFF0000FFFFu;
            uint32_t four = (uint32_t)(x | x >> 16);
            memcpy(w, &four, 4);
            w += 4;
            i += 4;
        }
        if (i == units)
            break;
        uint32_t c = (uint32_t)src[2 * i] | ((uint32_t)src[2 * i + 1] << 8);
        if (c < 0x80) {
            *w++ = (char)c;
            continue;
        }
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
            uint32_t d = (uint32_t)src[2 * i + 2] | ((uint32_t)src[2 * i + 3] << 8);
            if (d >= 0xDC00 && d <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        w += encode_utf8(c, w);
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
    return 0;
}

int kb_latin1_to_utf8(kb_buf *out, const uint8_t *src, size_t n)
{
    if (n > (SIZE_MAX - 1) / 2 || kb_buf_reserve(out, n * 2) != 0)
        return -1;
    char *w = out->data + out->len;
    size_t i = 0, plain = 0;   /* src[plain..i) is ASCII, copied one to one */
    while (i < n) {
        /* names are nearly always ASCII: copy 8 bytes at a time while no high bit is set
         * (the reservation of 2n bytes leaves room for the 8-byte store). The last, short
         * block is read as the final 8 bytes, overlapping bytes already copied as they are
         * (possible when those are ASCII). */
        if (n - i >= 8 || (n >= 8 && n - 8 >= plain)) {
            size_t at = n - i >= 8 ? i : n - 8, back = i - at;
            uint64_t x;
            memcpy(&x, src + at, 8);
            if ((x & 0x8080808080808080u) == 0) {
                memcpy(w - back, &x, 8);
                w += 8 - back;
                i = at + 8;
                continue;
            }
        }
        uint8_t c = src[i++];
        if (c < 0x80) {
            *w++ = (char)c;
        } else {
            *w++ = (char)(0xC0 | (c >> 6));
            *w++ = (char)(0x80 | (c & 0x3F));
            plain = i;
        }
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
    return 0;
}

uint32_t kb_utf8_next(const char **pp, const char *end)
{
    const unsigned char *p = (const unsigned char *)*pp;
    const unsigned char *e = (const unsigned char *)end;
    uint32_t c = *p++;
    int more;
    uint32_t min;
    if (c < 0x80) {
        *pp = (const char *)p;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        more = 1, c &= 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        more = 2, c &= 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        more = 3, c &= 0x07, min = 0x10000;
    } else {
        *pp = (const char *)p;
        return 0xFFFD;
    }
    for (int i = 0; i < more; i++) {
        if (p >= e || (*p & 0xC0) != 0x80) {
            *pp = (const char *)p;
            return 0xFFFD;
        }
        c = (c << 6) | (*p++ & 0x3F);
    }
    *pp = (const char *)p;
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0xFFFD;
    return c;
}

int kb_utf8_to_utf16le(kb_buf *out, const char *src, size_t n)
{
    const char *p = src, *end = src + n;
    /* at most 2 bytes out per byte in (a 4-byte sequence gives a surrogate pair): one
     * reservation, then appends that never reallocate (key lookups convert every name) */
    if (n > SIZE_MAX / 2 || kb_buf_reserve(out, 2 * n) != 0)
        return -1;
    while (p < end) {
        uint32_t c = kb_utf8_next(&p, end);
        uint8_t u[4];
        size_t k = 2;
        if (c >= 0x10000) {
            uint32_t v = c - 0x10000;
            uint32_t hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
            u[0] = (uint8_t)hi, u[1] = (uint8_t)(hi >> 8), u[2] = (uint8_t)lo, u[3] = (uint8_t)(lo >> 8);
            k = 4;
        } else {
            u[0] = (uint8_t)c, u[1] = (uint8_t)(c >> 8);
        }
        if (kb_buf_append(out, u, k) != 0)
            return -1;
    }
    return 0;
}

uint16_t kb_upcase16(uint16_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? (uint16_t)(c - 32) : c;
    /* the last run whose first code unit is <= c */
    unsigned lo = 0, hi = kb_upcase_nruns;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (kb_upcase_runs[mid].first <= c)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return c;
    const kb_upcase_run *r = &kb_upcase_runs[lo - 1];
    if (c > r->last || (c - r->first) % r->stride != 0)
        return c;
    return (uint16_t)(c + r->delta);
}
