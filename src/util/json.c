/* Streaming JSON writer (see kbaudit/json.h). */
#include "kbaudit/json.h"

#include <inttypes.h>
#include <string.h>

#include "kbaudit/utf.h"

void json_init(kb_json *j)
{
    memset(j, 0, sizeof *j);
    j->first[0] = true;
}

void json_free(kb_json *j)
{
    kb_buf_free(&j->out);
}

int json_write(kb_json *j, FILE *fp)
{
    if (j->failed || kb_buf_putc(&j->out, '\n') != 0)
        return -1;
    return fwrite(j->out.data, 1, j->out.len, fp) == j->out.len ? 0 : -1;
}

static void put(kb_json *j, const char *s, size_t n)
{
    if (!j->failed && kb_buf_append(&j->out, s, n) != 0)
        j->failed = true;
}

static void newline_indent(kb_json *j)
{
    if (j->compact)
        return;
    put(j, "\n", 1);
    for (int i = 0; i < j->depth; i++)
        put(j, "  ", 2);
}

/* Before any value or key: the comma and the line break of its position. */
static void before_item(kb_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (!j->first[j->depth])
        put(j, ",", 1);
    j->first[j->depth] = false;
    newline_indent(j);
}

static void open(kb_json *j, char c)
{
    before_item(j);
    put(j, &c, 1);
    if (j->depth >= JSON_MAX_DEPTH) {
        j->failed = true;
        return;
    }
    j->depth++;
    j->first[j->depth] = true;
}

static void close(kb_json *j, char c)
{
    if (j->depth == 0) {
        j->failed = true;
        return;
    }
    bool empty = j->first[j->depth];
    j->depth--;
    if (!empty)
        newline_indent(j);
    put(j, &c, 1);
}

void json_object_begin(kb_json *j) { open(j, '{'); }
void json_object_end(kb_json *j) { close(j, '}'); }
void json_array_begin(kb_json *j) { open(j, '['); }
void json_array_end(kb_json *j) { close(j, ']'); }

/* Appends s as a JSON string: control characters, quotes and backslashes escaped, valid
 * UTF-8 kept as it is, and bytes that are not UTF-8 (a file name from a disk image can be
 * anything) written as \ufffd so that the document stays valid. */
int json_quote(kb_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (kb_buf_reserve(b, n + 2) != 0 || kb_buf_putc(b, '"') != 0)
        return -1;
    const char *p = s, *end = s + n, *run = s;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        const char *start = p;
        char esc[7] = {'\\', 0};
        size_t len = 0;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp = kb_utf8_next(&p, end);
            bool replacement = p - start == 3 && memcmp(start, "\xEF\xBF\xBD", 3) == 0;
            if (cp != 0xFFFD || replacement)
                continue;   /* valid UTF-8: copied with the run */
            memcpy(esc + 1, "ufffd", 5);
            len = 6;
        } else {
            p++;
            len = 2;
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                len = 6;
            }
        }
        if (kb_buf_append(b, run, (size_t)(start - run)) != 0 || kb_buf_append(b, esc, len) != 0)
            return -1;
        run = p;
    }
    if (kb_buf_append(b, run, (size_t)(end - run)) != 0)
        return -1;
    return kb_buf_putc(b, '"');
}

void json_key(kb_json *j, const char *key)
{
    before_item(j);
    if (!j->failed && json_quote(&j->out, key, strlen(key)) != 0)
        j->failed = true;
    put(j, ": ", j->compact ? 1 : 2);
    j->after_key = true;
}

void json_string_n(kb_json *j, const char *s, size_t n)
{
    before_item(j);
    if (!j->failed && json_quote(&j->out, s, n) != 0)
        j->failed = true;
}

void json_string(kb_json *j, const char *s)
{
    if (s == NULL)
        json_null(j);
    else
        json_string_n(j, s, strlen(s));
}

void json_int(kb_json *j, int64_t v)
{
    before_item(j);
    if (!j->failed && kb_buf_printf(&j->out, "%" PRId64, v) != 0)
        j->failed = true;
}

void json_uint(kb_json *j, uint64_t v)
{
    before_item(j);
    if (!j->failed && kb_buf_printf(&j->out, "%" PRIu64, v) != 0)
        j->failed = true;
}

void json_bool(kb_json *j, bool v)
{
    before_item(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(kb_json *j)
{
    before_item(j);
    put(j, "null", 4);
}
