/* What the systeminfo and the qfe parsers share: hotfix rows, CSV cells, reading a file. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kbaudit/evidence.h"
#include "sysinfo_internal.h"

/* "KB4493730" or "4493730" (1 to 9 digits) -> the number; anything else -> 0. */
static uint32_t number_of(const char *s, size_t len)
{
    if (len > 2 && (s[0] == 'K' || s[0] == 'k') && (s[1] == 'B' || s[1] == 'b'))
        s += 2, len -= 2;
    if (len == 0 || len > 9)
        return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    return v;
}

/* "File 1", "File 12": what systeminfo prints for an update WMI lists without a HotFixID. */
static bool placeholder(const char *s, size_t len)
{
    if (len < 6 || strncasecmp(s, "File ", 5) != 0)
        return false;
    for (size_t i = 5; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int sysinfo_add_hotfix(sysinfo_hotfixes *h, const char *name, const char *id, size_t len, size_t line, kb_error *err)
{
    sysinfo_trim(&id, &len);
    if (len == 0) {
        h->empty++;
        return 0;
    }
    if (placeholder(id, len)) {
        h->placeholders++;
        return 0;
    }
    if (h->n >= SYSINFO_MAX_HOTFIXES)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: more than %d hotfix rows: over the limit for one host",
                            name, line, SYSINFO_MAX_HOTFIXES);
    if ((h->n & (h->n - 1)) == 0) {   /* grow at powers of two: linear time for long lists */
        sysinfo_hotfix *v = realloc(h->rows, (h->n ? 2 * h->n : 1) * sizeof *v);
        if (v == NULL)
            return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory for the hotfix list", name);
        h->rows = v;
    }
    sysinfo_hotfix *r = &h->rows[h->n];
    if ((r->id = kb_strndup(id, len)) == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory for the hotfix list", name);
    r->number = number_of(id, len);
    r->line = line;
    h->n++;
    return 0;
}

void sysinfo_hotfixes_free(sysinfo_hotfixes *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->rows[i].id);
    free(h->rows);
    memset(h, 0, sizeof *h);
}

int sysinfo_csv_cell(const char *line, size_t len, size_t *pos, kb_buf *cell, const char *name, size_t lineno,
                     kb_error *err)
{
    size_t i = *pos;
    if (i > len)
        return 0;
    kb_buf_reset(cell);
    int r = 0;
    if (i < len && line[i] == '"') {
        for (i++;; i++) {
            if (i >= len)
                return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: a CSV cell opened with \" is not closed", name,
                                    lineno);
            if (line[i] == '"' && i + 1 < len && line[i + 1] == '"')
                r |= kb_buf_putc(cell, '"'), i++;
            else if (line[i] == '"')
                break;
            else
                r |= kb_buf_putc(cell, line[i]);
        }
        i++;
        if (i < len && line[i] != ',')
            return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: text after a closing quote in a CSV cell", name,
                                lineno);
    } else {
        size_t start = i;
        while (i < len && line[i] != ',')
            i++;
        r |= kb_buf_append(cell, line + start, i - start);
    }
    r |= kb_buf_reserve(cell, 1);
    if (r != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory reading CSV", name);
    *pos = i + 1;   /* past the comma; past len at the end of the line */
    return 1;
}

int sysinfo_parse_file(const char *path, const char *what,
                       int (*parse)(const char *name, const uint8_t *data, size_t n, void *out, kb_error *err),
                       void *out, kb_error *err)
{
    const void *data;
    size_t size;
    if (kb_map_readonly(path, true, &data, &size, err) != 0)
        return -1;
    int r;
    if (size > SYSINFO_MAX_BYTES)
        r = kb_error_set(err, KB_ERR_FORMAT, "%s: %zu bytes, larger than the %zu MiB limit for %s", path, size,
                         SYSINFO_MAX_BYTES >> 20, what);
    else
        r = parse(path, data, size, out, err);
    kb_unmap(data, size);
    return r;
}
