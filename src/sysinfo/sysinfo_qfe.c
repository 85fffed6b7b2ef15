/* The hotfix lists of WMI's Win32_QuickFixEngineering as admins save them: `wmic qfe list
 * full` (Key=Value records), `wmic qfe` (a table), `Get-HotFix | Format-List` ("Key : Value"
 * records), Get-HotFix's default table, and CSV (Export-Csv / ConvertTo-Csv). The property
 * names are WMI's and not localized; only the HotFixID column or field is read. */
#include <string.h>
#include <strings.h>

#include "sysinfo_internal.h"

static const char hotfixid[] = "HotFixID";

/* LINE (blanks trimmed) is "HotFixID" SEP value; *v is the value. */
static bool keyed(const char *line, size_t len, char sep, const char **v, size_t *vlen)
{
    sysinfo_trim(&line, &len);
    size_t n = sizeof hotfixid - 1, k = n;
    if (len < n || strncasecmp(line, hotfixid, n) != 0)
        return false;
    while (k < len && line[k] == ' ')
        k++;
    if (k >= len || line[k] != sep)
        return false;
    *v = line + k + 1;
    *vlen = len - k - 1;
    return true;
}

/* Key=Value or Key : Value records: every HotFixID line is one update. */
static int parse_records(sysinfo_qfe *q, sysinfo_lines *l, char sep, const char *name, kb_error *err)
{
    const char *line, *v;
    size_t len, vlen, found = 0;
    int r;
    while ((r = sysinfo_next_line(l, name, &line, &len, err)) == 1)
        if (keyed(line, len, sep, &v, &vlen)) {
            found++;
            if (sysinfo_add_hotfix(&q->hotfixes, name, v, vlen, l->number, err) != 0)
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

/* A table: the header names the columns, padded to their width; the HotFixID column runs from
 * its title to the next title. A line of dashes under the header (Get-HotFix) is skipped. */
static int parse_table(sysinfo_qfe *q, sysinfo_lines *l, const char *hdr, size_t hlen, const char *name,
                       kb_error *err)
{
    const char *at = NULL;
    for (size_t i = 0; i + sizeof hotfixid - 1 <= hlen; i++)
        if ((i == 0 || hdr[i - 1] == ' ') && strncasecmp(hdr + i, hotfixid, sizeof hotfixid - 1) == 0 &&
            (i + sizeof hotfixid - 1 == hlen || hdr[i + sizeof hotfixid - 1] == ' ')) {
            at = hdr + i;
            break;
        }
    if (at == NULL)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: not wmic qfe or Get-HotFix output: no HotFixID field, "
                                                "column or CSV title", name, l->number);
    size_t start = chars(hdr, (size_t)(at - hdr)), stop = (size_t)(at - hdr) + sizeof hotfixid - 1;
    while (stop < hlen && hdr[stop] == ' ')
        stop++;
    size_t width = stop < hlen ? chars(at, (size_t)(hdr + stop - at)) : (size_t)-1 / 2;
    const char *line;
    size_t len;
    int r;
    while ((r = sysinfo_next_line(l, name, &line, &len, err)) == 1) {
        if (len == 0)
            continue;
        const char *p = line;
        size_t n = len;
        sysinfo_trim(&p, &n);
        if (n > 0 && strspn(p, "- ") >= n)   /* the dashes under Get-HotFix's titles */
            continue;
        size_t b = byte_at(line, len, start), e = b + byte_at(line + b, len - b, width);
        if (sysinfo_add_hotfix(&q->hotfixes, name, line + b, e - b, l->number, err) != 0)
            return -1;
    }
    return r < 0 ? -1 : 0;
}

static int parse_csv(sysinfo_qfe *q, sysinfo_lines *l, const char *hdr, size_t hlen, const char *name,
                     kb_error *err)
{
    kb_buf cell = KB_BUF_INIT;
    size_t pos = 0, col = 0, hline = l->number;
    int r;
    bool found = false;
    while (!found && (r = sysinfo_csv_cell(hdr, hlen, &pos, &cell, name, hline, err)) == 1)
        found = strcasecmp(cell.data, hotfixid) == 0 || !++col;
    if (!found) {
        kb_buf_free(&cell);
        return r < 0 ? -1 : kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: the CSV header has no HotFixID column",
                                         name, hline);
    }
    const char *line;
    size_t len;
    while ((r = sysinfo_next_line(l, name, &line, &len, err)) == 1) {
        if (len == 0)
            continue;
        pos = 0;
        size_t c = 0;
        while ((r = sysinfo_csv_cell(line, len, &pos, &cell, name, l->number, err)) == 1 && c < col)
            c++;
        if (r < 0)
            break;
        if (r == 0) {
            r = kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: %zu cells: no HotFixID (column %zu of the header on "
                                                 "line %zu)", name, l->number, c, col + 1, hline);
            break;
        }
        if ((r = sysinfo_add_hotfix(&q->hotfixes, name, cell.data, cell.len, l->number, err)) != 0)
            break;
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
