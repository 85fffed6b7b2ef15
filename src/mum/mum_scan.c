/* A byte-level pass over the document before (or, when streaming, just ahead of) libxml2,
 * for the two things libxml2 cannot be asked to bound:
 *
 * - Attributes per start tag. libxml2 2.9 checks an element's attributes (and namespace
 *   declarations) for duplicates pairwise, so one tag with 200 000 attributes takes minutes.
 *   Counting '=' outside quoted values inside each tag stops that first.
 * - The encoding. Servicing files are UTF-8 (with or without a byte order mark); the XML
 *   declaration's encoding is ignored (XML_PARSE_IGNORE_ENC) and inputs that start like
 *   UTF-16, UTF-32 or EBCDIC are refused. That keeps libxml2 on one decoder and makes this
 *   byte scan exact: in UTF-8 the bytes < ' " = > never occur inside a multi-byte character.
 *
 * The scanner knows just enough of XML to find tags: comments, CDATA sections, processing
 * instructions and declarations (a DOCTYPE's bracketed internal subset included) are skipped,
 * and quoted attribute values may hold '>' and '='. Everything else is libxml2's job; the
 * state survives chunk boundaries. */
#include "mum_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    S_TEXT,
    S_LT,          /* after '<' */
    S_BANG,        /* after "<!" */
    S_BANG_DASH,   /* after "<!-" */
    S_BANG_CDATA,  /* inside "<![CDATA[" (match counts the bytes matched) */
    S_TAG,         /* a start or end tag, outside quotes */
    S_QUOTE,       /* inside a quoted attribute value */
    S_COMMENT,
    S_CDATA,
    S_PI,
    S_DECL         /* <!DOCTYPE ...>, <!ELEMENT ...>: brackets and quotes tracked */
};

static void scan_fail(mum_scan *s, const char *fmt, ...) KB_PRINTF(2, 3);
static void scan_fail(mum_scan *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
    s->failed = true;
}

void mum_scan_init(mum_scan *s)
{
    memset(s, 0, sizeof *s);
    s->state = S_TEXT;
    s->line = 1;
}

/* The first bytes decide the encoding; called once at least 4 bytes (or all) are there. */
static void check_encoding(mum_scan *s)
{
    const uint8_t *h = s->head;
    size_t n = s->nhead, skip = 0;
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        skip = 3;   /* UTF-8 byte order mark */
    bool nul = memchr(h + skip, 0, n - skip) != NULL;
    bool bom16 = n >= 2 && ((h[0] == 0xFF && h[1] == 0xFE) || (h[0] == 0xFE && h[1] == 0xFF));
    bool ebcdic = n >= 4 && h[0] == 0x4C && h[1] == 0x6F && h[2] == 0xA7 && h[3] == 0x94;
    if (nul || bom16 || ebcdic)
        scan_fail(s, "not UTF-8 (the first bytes are those of UTF-16, UTF-32 or EBCDIC): servicing "
                     "files are UTF-8");
}

static void tag_byte(mum_scan *s, uint8_t c)
{
    if (c == '"' || c == '\'') {
        s->quote = (char)c;
        s->state = S_QUOTE;
    } else if (c == '=') {
        if (++s->attrs > MUM_MAX_ATTRIBUTES)
            scan_fail(s, "an element with more than %d attributes", MUM_MAX_ATTRIBUTES);
    } else if (c == '>') {
        s->state = S_TEXT;
    }
}

static void decl_byte(mum_scan *s, uint8_t c)
{
    if (s->quote) {
        if (c == (uint8_t)s->quote)
            s->quote = 0;
    } else if (c == '"' || c == '\'') {
        s->quote = (char)c;
    } else if (c == '[') {
        s->depth++;
    } else if (c == ']' && s->depth > 0) {
        s->depth--;
    } else if (c == '>' && s->depth == 0) {
        s->state = S_TEXT;
    }
}

int mum_scan_feed(mum_scan *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n && !s->failed; i++) {
        /* Text and quoted values are most of a manifest: their bytes change nothing but the
         * line count up to the next '<' or closing quote, so they are skipped in a tight loop
         * (a .mum is scanned once per package: 20,000 of them on a long-serviced system). */
        if (s->nhead == sizeof s->head && (s->state == S_TEXT || s->state == S_QUOTE)) {
            uint8_t stop = s->state == S_TEXT ? '<' : (uint8_t)s->quote;
            size_t j = i;
            while (j < n && p[j] != stop && p[j] != '\n')
                j++;
            if (j == n)
                break;
            i = j;
        }
        uint8_t c = p[i];
        if (s->nhead < sizeof s->head) {
            s->head[s->nhead++] = c;
            if (s->nhead == sizeof s->head)
                check_encoding(s);
            if (s->failed)
                break;
        }
        if (c == '\n')
            s->line++;
        switch (s->state) {
        case S_TEXT:
            if (c == '<')
                s->state = S_LT;
            break;
        case S_LT:
            if (c == '!') {
                s->state = S_BANG;
            } else if (c == '?') {
                s->state = S_PI;
                s->run = 0;
            } else {
                s->state = S_TAG;
                s->attrs = 0;
                tag_byte(s, c);
            }
            break;
        case S_BANG:
            if (c == '-') {
                s->state = S_BANG_DASH;
            } else if (c == '[') {
                s->state = S_BANG_CDATA;
                s->run = 0;
            } else {
                s->state = S_DECL;
                s->quote = 0;
                s->depth = 0;
                decl_byte(s, c);
            }
            break;
        case S_BANG_DASH:
            s->run = 0;
            s->quote = 0;
            s->depth = 0;
            s->state = c == '-' ? S_COMMENT : S_DECL;
            if (s->state == S_DECL)
                decl_byte(s, c);
            break;
        case S_BANG_CDATA:
            /* "<![" then "CDATA[": anything else is malformed, left to libxml2 */
            if (c != (uint8_t)"CDATA["[s->run]) {
                s->state = S_DECL;
                s->quote = 0;
                s->depth = 1;   /* the '[' already seen */
                decl_byte(s, c);
            } else if (++s->run == 6) {
                s->state = S_CDATA;
                s->run = 0;
            }
            break;
        case S_TAG:
            tag_byte(s, c);
            break;
        case S_QUOTE:
            if (c == (uint8_t)s->quote)
                s->state = S_TAG;
            break;
        case S_COMMENT:   /* ends at "-->" */
            if (c == '>' && s->run >= 2)
                s->state = S_TEXT;
            s->run = c == '-' ? s->run + 1 : 0;
            break;
        case S_CDATA:     /* ends at "]]>" */
            if (c == '>' && s->run >= 2)
                s->state = S_TEXT;
            s->run = c == ']' ? s->run + 1 : 0;
            break;
        case S_PI:        /* ends at "?>" */
            if (c == '>' && s->run >= 1)
                s->state = S_TEXT;
            s->run = c == '?' ? 1 : 0;
            break;
        case S_DECL:
            decl_byte(s, c);
            break;
        }
    }
    return s->failed ? -1 : 0;
}

int mum_scan_finish(mum_scan *s)
{
    if (!s->failed && s->nhead < sizeof s->head)
        check_encoding(s);
    return s->failed ? -1 : 0;
}
