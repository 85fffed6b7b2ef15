/* The hotfix lists of WMI's Win32_QuickFixEngineering as admins save them: `wmic qfe list
 * full` (Key=Value records), `wmic qfe` (a table), `Get-HotFix | Format-List` ("Key : Value"
 * records), Get-HotFix's default table, and CSV (Export-Csv / ConvertTo-Csv). The property
 * names are WMI's and not localized; the HotFixID column or field is read, and the host name
 * (CSName, or Source: the alias Get-HotFix shows for it) so the caller can check that the
 * text is of the host it means. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sysinfo_internal.h"

static const char hotfixid[] = "HotFixID";
/* CSName first: when a record or header has both, they are the same value */
static const char *const host_keys[] = {"CSName", "Source"};

/* LINE (blanks trimmed) is KEY SEP value; *v is the value. */
static bool keyed(const char *line, size_t len, const char *key, char sep, const char **v, size_t *vlen)
{
    sysinfo_trim(&line, &len);
    size_t n = strlen(key), k = n;
    if (len < n || strncasecmp(line, key, n) != 0)
        return false;
    while (k < len && line[k] == ' ')
        k++;
    if (k >= len || line[k] != sep)
        return false;
    *v = line + k + 1;
    *vlen = len - k - 1;
    return true;
}

/* A host name V of LINE: kept when it is the first, or the first that differs from it. */
static int note_host(sysinfo_qfe *q, const char *v, size_t vlen, size_t line, const char *label, const char *name,
                     kb_error *err)
{
    sysinfo_trim(&v, &vlen);
    if (vlen == 0 || q->other_host.value != NULL)
        return 0;
    sysinfo_field *f = &q->host;
    if (f->value != NULL) {
        if (strlen(f->value) == vlen && strncasecmp(f->value, v, vlen) == 0)
            return 0;
        f = &q->other_host;
    }
    if ((f->value = kb_strndup(v, vlen)) == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: line %zu: out of memory", name, line);
    f->line = line;
    f->label = label;
    return 0;
}

/* Key=Value or Key : Value records: every HotFixID line is one update. */
static int parse_records(sysinfo_qfe *q, sysinfo_lines *l, char sep, const char *name, kb_error *err)
{
    const char *line, *v;
    size_t len, vlen, found = 0;
    int r;
    while ((r = sysinfo_next_line(l, name, &line, &len, err)) == 1) {
        if (keyed(line, len, hotfixid, sep, &v, &vlen)) {
            found++;
            if (sysinfo_add_hotfix(&q->hotfixes, name, v, vlen, l->number, err) != 0)
                return -1;
        }
        for (size_t i = 0; i < sizeof host_keys / sizeof host_keys[0]; i++)
            if (keyed(line, len, host_keys[i], sep, &v, &vlen) &&
                note_host(q, v, vlen, l->number, host_keys[i], name, err) != 0)
                return -1;
    }
    if (r < 0)
        return -1;
    if (found == 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: no \"HotFixID%c\" line in %zu lines of %s records", name, sep,
                            l->number, sep == '=' ? "wmic qfe list full" : "Get-HotFix | Format-List");
    return 0;
}

/* Code points of UTF-8 text, and the byte offset of code point COL (len when past the end):
 * table columns are aligned in characters, and a computer or user name may not be ASCII. */
static size_t byte_at(const char *s, size_t len, size_t col)
{
    size_t i = 0;
    for (size_t c = 0; i < len && c < col; c++)
        for (i++; i < len && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

static size_t chars(const char *s, size_t len)
{
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* A table column: it runs from its title to the next title, in characters (*width huge for
 * the last). False when the header has no such title. */
static bool column(const char *hdr, size_t hlen, const char *title, size_t *start, size_t *width)
{
    size_t n = strlen(title);
    for (size_t i = 0; i + n <= hlen; i++)
        if ((i == 0 || hdr[i - 1] == ' ') && strncasecmp(hdr + i, title, n) == 0 && (i + n == hlen || hdr[i + n] == ' ')) {
            size_t stop = i + n;
            while (stop < hlen && hdr[stop] == ' ')
                stop++;
            *start = chars(hdr, i);
            *width = stop < hlen ? chars(hdr + i, stop - i) : (size_t)-1 / 2;
            return true;
        }
    return false;
}

/* The cell of LINE in the column at START (characters) WIDTH wide. */
static const char *cell_at(const char *line, size_t len, size_t start, size_t width, size_t *n)
{
    size_t b = byte_at(line, len, start);
    *n = byte_at(line + b, len - b, width);
    return line + b;
}

/* A table: the header names the columns, padded to their width. A line of dashes under the
 * header (Get-HotFix) is skipped. */
static int parse_table(sysinfo_qfe *q, sysinfo_lines *l, const char *hdr, size_t hlen, const char *name,
                       kb_error *err)
{
    size_t start, width, hstart = 0, hwidth = 0;
    if (!column(hdr, hlen, hotfixid, &start, &width))
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: not wmic qfe or Get-HotFix output: no HotFixID field, "
                                                "column or CSV title", name, l->number);
    const char *hlabel = NULL;
    for (size_t i = 0; i < sizeof host_keys / sizeof host_keys[0] && hlabel == NULL; i++)
        if (column(hdr, hlen, host_keys[i], &hstart, &hwidth))
            hlabel = host_keys[i];
    const char *line, *c;
    size_t len, n;
    int r;
    while ((r = sysinfo_next_line(l, name, &line, &len, err)) == 1) {
        if (len == 0)
            continue;
        const char *p = line;
        size_t pn = len;
        sysinfo_trim(&p, &pn);
        if (pn > 0 && strspn(p, "- ") >= pn)   /* the dashes under Get-HotFix's titles */
            continue;
        c = cell_at(line, len, start, width, &n);
        if (sysinfo_add_hotfix(&q->hotfixes, name, c, n, l->number, err) != 0)
            return -1;
        if (hlabel) {
            c = cell_at(line, len, hstart, hwidth, &n);
            if (note_host(q, c, n, l->number, hlabel, name, err) != 0)
                return -1;
        }
    }
    return r < 0 ? -1 : 0;
}

static int parse_csv(sysinfo_qfe *q, sysinfo_lines *l, const char *hdr, size_t hlen, const char *name,
                     kb_error *err)
{
    kb_buf cell = KB_BUF_INIT;
    size_t pos = 0, i = 0, col = SIZE_MAX, hcol = SIZE_MAX, hline = l->number;
    const char *hlabel = NULL;
    int r;
    while ((r = sysinfo_csv_cell(hdr, hlen, &pos, &cell, name, hline, err)) == 1) {
        if (col == SIZE_MAX && strcasecmp(cell.data, hotfixid) == 0)
            col = i;
        for (size_t k = 0; k < sizeof host_keys / sizeof host_keys[0]; k++)   /* CSName before Source */
            if (strcasecmp(cell.data, host_keys[k]) == 0 && (hlabel == NULL || k == 0))
                hcol = i, hlabel = host_keys[k];
        i++;
    }
    if (r < 0 || col == SIZE_MAX) {
        kb_buf_free(&cell);
        return r < 0 ? -1 : kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: the CSV header has no HotFixID column",
                                         name, hline);
    }
    size_t last = hcol != SIZE_MAX && hcol > col ? hcol : col;
    const char *line;
    size_t len;
    while ((r = sysinfo_next_line(l, name, &line, &len, err)) == 1) {
        if (len == 0)
            continue;
        pos = 0;
        size_t c = 0;
        bool got = false;
        while (c <= last && (r = sysinfo_csv_cell(line, len, &pos, &cell, name, l->number, err)) == 1) {
            if (c == col && sysinfo_add_hotfix(&q->hotfixes, name, cell.data, cell.len, l->number, err) != 0)
                r = -1;
            got |= c == col;
            if (r > 0 && c == hcol && note_host(q, cell.data, cell.len, l->number, hlabel, name, err) != 0)
                r = -1;
            if (r < 0)
                break;
            c++;
        }
        if (r < 0)
            break;
        if (!got) {
            r = kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: %zu cells: no HotFixID (column %zu of the header on "
                                                 "line %zu)", name, l->number, c, col + 1, hline);
            break;
        }
    }
    kb_buf_free(&cell);
    return r < 0 ? -1 : 0;
}

static int parse_text(sysinfo_qfe *q, const sysinfo_text *t, const char *name, kb_error *err)
{
    sysinfo_lines l;
    sysinfo_lines_init(&l, t);
    const char *line = NULL;
    size_t len = 0;
    int r;
    while ((r = sysinfo_next_line(&l, name, &line, &len, err)) == 1) {
        const char *p = line;
        size_t n = len;
        sysinfo_trim(&p, &n);
        if (n > 0)
            break;
    }
    if (r < 0)
        return -1;
    if (r == 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: no text: not wmic qfe or Get-HotFix output", name);
    if (len >= 5 && strncmp(line, "#TYPE", 5) == 0) {   /* Export-Csv's type line */
        while ((r = sysinfo_next_line(&l, name, &line, &len, err)) == 1 && len == 0)
            ;
        if (r != 1)
            return r < 0 ? -1 : kb_error_set(err, KB_ERR_FORMAT, "%s: a #TYPE line and no CSV header", name);
    }
    if (line[0] == '"') {
        q->format = "csv";
        return parse_csv(q, &l, line, len, name, err);
    }
    /* records: the first line is "Key=Value" (wmic) or "Key : Value" (Format-List) */
    size_t key = strcspn(line, "=: ");
    size_t after = key;
    while (after < len && line[after] == ' ')
        after++;
    if (key > 0 && key < len && line[key] == '=') {
        q->format = "wmic-list";
        l.p = line, l.number--;
        return parse_records(q, &l, '=', name, err);
    }
    if (key > 0 && after < len && line[after] == ':') {
        q->format = "format-list";
        l.p = line, l.number--;
        return parse_records(q, &l, ':', name, err);
    }
    q->format = strncasecmp(line, "Caption", 7) == 0 ? "wmic-table" : "table";
    return parse_table(q, &l, line, len, name, err);
}

int sysinfo_parse_qfe(const char *name, const uint8_t *data, size_t n, sysinfo_qfe *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    sysinfo_text t;
    bool oem;
    int r = sysinfo_decode(name, data, n, &t, &oem, err);
    /* HotFixID values are ASCII; other columns (a user name) may be in an OEM code page, which
     * does not matter to them: CP437 keeps the columns' character count */
    if (r == 0 && oem) {
        kb_buf_free(&t.utf8);
        r = sysinfo_decode_oem(name, data, n, sysinfo_cp437, "cp437", &t, err);
    }
    if (r == 0) {
        out->encoding = t.encoding;
        r = parse_text(out, &t, name, err);
    }
    kb_buf_free(&t.utf8);
    if (r != 0)
        sysinfo_qfe_free(out);
    return r;
}

void sysinfo_qfe_free(sysinfo_qfe *q)
{
    sysinfo_hotfixes_free(&q->hotfixes);
    free(q->host.value);
    free(q->other_host.value);
    memset(q, 0, sizeof *q);
}

static int parse_qfe(const char *name, const uint8_t *data, size_t n, void *out, kb_error *err)
{
    return sysinfo_parse_qfe(name, data, n, out, err);
}

int sysinfo_read_qfe_file(const char *path, sysinfo_qfe *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    return sysinfo_parse_file(path, "qfe text", parse_qfe, out, err);
}
