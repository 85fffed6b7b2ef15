/* *-pkgProperties.txt: one Key="Value" per line (CRLF), e.g. KB Article Number="4538483",
 * Applies to="Windows 6.1", Processor Architecture="amd64". Real files are ASCII; UTF-16LE
 * with a byte order mark is accepted too, since Windows tools write text either way. */
#include <stdlib.h>
#include <string.h>

#include "kbaudit/buf.h"
#include "kbaudit/utf.h"
#include "msu_internal.h"

static char *trimmed(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    return kb_strndup(s, n);
}

static int add(msu_package *p, const char *line, size_t n, kb_error *err)
{
    const char *eq = memchr(line, '=', n);
    if (eq == NULL)
        return 0;   /* not a property line: nothing to keep */
    if (p->nprops >= MSU_MAX_PROPS)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: more than %d properties", p->file, MSU_MAX_PROPS);
    msu_property *v = realloc(p->props, (p->nprops + 1) * sizeof *v);
    if (v == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    p->props = v;
    msu_property *q = &v[p->nprops];
    q->key = trimmed(line, (size_t)(eq - line));
    q->value = trimmed(eq + 1, n - (size_t)(eq - line) - 1);
    if (q->key == NULL || q->value == NULL) {
        free(q->key), free(q->value);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    p->nprops++;
    return 0;
}

int msu_props_parse(msu_package *p, const uint8_t *data, size_t n, kb_error *err)
{
    kb_buf text = KB_BUF_INIT;
    int rc;
    if (n >= 2 && data[0] == 0xFF && data[1] == 0xFE)
        rc = kb_utf16le_to_utf8(&text, data + 2, n - 2);
    else if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        rc = kb_buf_append(&text, data + 3, n - 3);
    else
        rc = kb_buf_append(&text, data, n);
    if (rc != 0) {
        kb_buf_free(&text);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    const char *s = text.data ? text.data : "", *end = s + text.len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (add(p, s, len, err) != 0) {
            kb_buf_free(&text);
            return -1;
        }
        s += len + (nl != NULL);
    }
    kb_buf_free(&text);
    return 0;
}
