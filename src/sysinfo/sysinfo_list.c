/* systeminfo output, LIST form ("OS Name:   Microsoft ...", hotfix rows "[01]: KB...") and
 * CSV form (`systeminfo /fo csv`: a header row of labels and one row of values). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sysinfo_internal.h"
#include "sysinfo_labels.h"

static sysinfo_field *field_of(sysinfo_doc *d, sysinfo_field_id id)
{
    switch (id) {
    case SYSINFO_HOST_NAME: return &d->host_name;
    case SYSINFO_OS_NAME: return &d->os_name;
    case SYSINFO_OS_VERSION: return &d->os_version;
    case SYSINFO_SYSTEM_TYPE: return &d->system_type;
    default: return &d->hotfix_header;
    }
}

/* The label LINE starts with, followed by blanks and a colon (ASCII or full-width); *value is
 * what follows the colon. NULL when none. */
static const sysinfo_label *match_label(const char *line, size_t len, const char **value, size_t *vlen)
{
    for (size_t i = 0; i < sysinfo_nlabels; i++) {
        const sysinfo_label *l = &sysinfo_labels[i];
        size_t n = strlen(l->text), k = n;
        if (len < n || strncasecmp(line, l->text, n) != 0)
            continue;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        size_t colon = k < len && line[k] == ':' ? 1 : k + 2 < len && memcmp(line + k, "\xEF\xBC\x9A", 3) == 0 ? 3 : 0;
        if (colon == 0)
            continue;
        *value = line + k + colon;
        *vlen = len - k - colon;
        sysinfo_trim(value, vlen);
        return l;
    }
    return NULL;
}

/* The exact label a CSV header cell is, or NULL. */
static const sysinfo_label *match_title(const char *cell)
{
    for (size_t i = 0; i < sysinfo_nlabels; i++)
        if (strcasecmp(cell, sysinfo_labels[i].text) == 0)
            return &sysinfo_labels[i];
    return NULL;
}

static int set_field(sysinfo_doc *d, const sysinfo_label *l, const char *v, size_t vlen, size_t line,
                     const char *name, kb_error *err)
{
    sysinfo_field *f = field_of(d, l->field);
    if (f->value)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: a second \"%s\" field (the first is on line %zu): "
                                                "one host per file", name, line, l->text, f->line);
    if ((f->value = kb_strndup(v, vlen)) == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
    f->line = line;
    f->label = l->text;
    if (l->field == SYSINFO_OS_NAME)
        d->language = l->language;
    if (l->field == SYSINFO_HOTFIXES) {   /* "271 Hotfix(s) Installed.": the count, when it leads */
        long n = 0;
        size_t i = 0;
        for (; i < vlen && i < 7 && v[i] >= '0' && v[i] <= '9'; i++)
            n = n * 10 + (v[i] - '0');
        d->declared = i > 0 && i < 7 ? n : -1;
    }
    return 0;
}

/* "[01]: KB4493730" -> its index and value; false when the text is not a row. */
static bool parse_row(const char *s, size_t len, long *index, const char **v, size_t *vlen)
{
    sysinfo_trim(&s, &len);
    if (len < 4 || s[0] != '[')
        return false;
    size_t i = 1;
    long n = 0;
    for (; i < len && i < 8 && s[i] >= '0' && s[i] <= '9'; i++)
        n = n * 10 + (s[i] - '0');
    if (i == 1 || i + 1 >= len || s[i] != ']' || s[i + 1] != ':')
        return false;
    *index = n;
    *v = s + i + 2;
    *vlen = len - i - 2;
    return true;
}

/* "[246]" with nothing after it. */
static bool bare_row(const char *s, size_t len)
{
    sysinfo_trim(&s, &len);
    if (len < 3 || s[0] != '[' || s[len - 1] != ']')
        return false;
    for (size_t i = 1; i + 1 < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int add_row(sysinfo_doc *d, const char *s, size_t len, size_t line, long *expect, const char *name,
                   kb_error *err)
{
    long index;
    const char *v;
    size_t vlen;
    if (!parse_row(s, len, &index, &v, &vlen))
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: in the hotfix list (\"%s\", line %zu), expected a row "
                                                "\"[NN]: KB...\"", name, line, d->hotfix_header.label,
                            d->hotfix_header.line);
    if (index != *expect)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: hotfix row [%02ld] where [%02ld] was expected: rows "
                                                "are missing or out of order", name, line, index, *expect);
    (*expect)++;
    return sysinfo_add_hotfix(&d->hotfixes, name, v, vlen, line, err);
}

static int parse_list(sysinfo_doc *d, sysinfo_lines *l, const char *name, kb_error *err)
{
    const char *line;
    size_t len;
    bool in_hotfixes = false;
    long expect = 1;
    int r;
    while ((r = sysinfo_next_line(l, name, &line, &len, err)) == 1) {
        if (len == 0)
            continue;
        if (line[0] == ' ' || line[0] == '\t') {   /* a continuation of the field above */
            if (in_hotfixes && bare_row(line, len)) {   /* where systeminfo stopped listing */
                d->incomplete_line = l->number;
                in_hotfixes = false;
            } else if (in_hotfixes && add_row(d, line, len, l->number, &expect, name, err) != 0) {
                return -1;
            }
            continue;
        }
        in_hotfixes = false;
        const char *v;
        size_t vlen;
        const sysinfo_label *lab = match_label(line, len, &v, &vlen);
        if (lab == NULL)
            continue;   /* a field kbaudit does not need */
        if (set_field(d, lab, v, vlen, l->number, name, err) != 0)
            return -1;
        in_hotfixes = lab->field == SYSINFO_HOTFIXES;
    }
    return r;
}

/* The hotfix cell of the CSV form: "N Hotfix(s) Installed.,[01]: KB...,[02]: ...". */
static int csv_hotfixes(sysinfo_doc *d, const char *cell, size_t line, const char *name, kb_error *err)
{
    long expect = 1;
    const char *p = strchr(cell, ',');
    size_t head = p ? (size_t)(p - cell) : strlen(cell);
    const sysinfo_label lab = {SYSINFO_HOTFIXES, NULL, d->hotfix_header.label};
    d->hotfix_header.label = NULL;   /* set again by set_field */
    if (set_field(d, &lab, cell, head, line, name, err) != 0)
        return -1;
    while (p) {
        const char *s = p + 1;
        p = strchr(s, ',');
        size_t n = p ? (size_t)(p - s) : strlen(s);
        if (add_row(d, s, n, line, &expect, name, err) != 0)
            return -1;
    }
    return 0;
}

#define CSV_MAX_COLUMNS 256

static int parse_csv(sysinfo_doc *d, sysinfo_lines *l, const char *hdr, size_t hlen, const char *name,
                     kb_error *err)
{
    const sysinfo_label *cols[CSV_MAX_COLUMNS];
    size_t ncols = 0, pos = 0, hline = l->number;
    kb_buf cell = KB_BUF_INIT;
    int r;
    while ((r = sysinfo_csv_cell(hdr, hlen, &pos, &cell, name, hline, err)) == 1) {
        if (ncols == CSV_MAX_COLUMNS) {
            kb_buf_free(&cell);
            return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: more than %d CSV columns", name, hline,
                                CSV_MAX_COLUMNS);
        }
        cols[ncols++] = match_title(cell.data);
    }
    const char *line;
    size_t len, rows = 0;
    while (r == 0 && (r = sysinfo_next_line(l, name, &line, &len, err)) == 1) {
        if (len == 0) {
            r = 0;
            continue;
        }
        if (++rows > 1) {
            r = kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: a second row of values: the CSV holds more than one "
                                                 "host; give one host per file", name, l->number);
            break;
        }
        size_t c = 0;
        pos = 0;
        while ((r = sysinfo_csv_cell(line, len, &pos, &cell, name, l->number, err)) == 1) {
            if (c >= ncols) {
                r = kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: more cells than the %zu columns of the header "
                                                     "(line %zu)", name, l->number, ncols, hline);
                break;
            }
            const sysinfo_label *lab = cols[c++];
            int rf = 0;   /* a column kbaudit does not need: skipped */
            if (lab && lab->field == SYSINFO_HOTFIXES) {
                d->hotfix_header.label = lab->text;
                rf = csv_hotfixes(d, cell.data, l->number, name, err);
            } else if (lab) {
                rf = set_field(d, lab, cell.data, cell.len, l->number, name, err);
            }
            if (rf != 0) {
                r = -1;
                break;
            }
        }
        if (r == 0 && c != ncols)
            r = kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: %zu cells where the header (line %zu) has %zu columns",
                             name, l->number, c, hline, ncols);
        if (r != 0)
            break;
    }
    kb_buf_free(&cell);
    return r < 0 ? -1 : 0;
}

/* Parses decoded text. KB_ERR_NOTFOUND: no OS Name / OS Version label (perhaps another
 * encoding would show one). */
static int parse_text(sysinfo_doc *d, const sysinfo_text *t, const char *name, kb_error *err)
{
    memset(d, 0, sizeof *d);
    d->declared = -1;
    d->encoding = t->encoding;
    sysinfo_lines l;
    sysinfo_lines_init(&l, t);
    const char *line = NULL;
    size_t len = 0;
    int r;
    while ((r = sysinfo_next_line(&l, name, &line, &len, err)) == 1 && len == 0)
        ;
    if (r == 1 && line[0] == '"') {
        d->format = "csv";
        r = parse_csv(d, &l, line, len, name, err);
    } else if (r == 1) {
        d->format = "list";
        l.p = line, l.number--;   /* read the first line again */
        r = parse_list(d, &l, name, err);
    }
    if (r < 0)
        return -1;
    if (d->os_name.value == NULL || d->os_version.value == NULL)
        return kb_error_set(err, KB_ERR_NOTFOUND, "%s: no \"%s\" line", name,
                            d->os_name.value ? "OS Version" : "OS Name");
    size_t held = d->hotfixes.n + d->hotfixes.placeholders + d->hotfixes.empty;
    if (d->declared >= 0 && (size_t)d->declared < held)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: \"%s\" says %ld hotfix(es) but the list holds %zu "
                                                "rows: the text is edited", name, d->hotfix_header.line,
                            d->hotfix_header.label, d->declared, held);
    d->incomplete = (d->declared >= 0 && (size_t)d->declared > held) || d->incomplete_line != 0;
    return 0;
}

int sysinfo_parse(const char *name, const uint8_t *data, size_t n, sysinfo_doc *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: empty file: not systeminfo output", name);
    sysinfo_text t;
    bool oem;
    kb_error e = {0};
    int r = sysinfo_decode(name, data, n, &t, &oem, &e);
    if (r == 0 && !oem)
        r = parse_text(out, &t, name, &e);
    kb_buf_free(&t.utf8);
    /* not UTF-8: the OEM code pages systeminfo writes to a redirected file, each tried until
     * one makes the labels readable */
    static const struct {
        const uint16_t *table;
        const char *name;
    } pages[] = {{sysinfo_cp850, "cp850"}, {sysinfo_cp437, "cp437"}, {sysinfo_cp866, "cp866"}};
    for (size_t i = 0; oem && i < sizeof pages / sizeof pages[0]; i++) {
        sysinfo_doc_free(out);
        r = sysinfo_decode_oem(name, data, n, pages[i].table, pages[i].name, &t, &e);
        if (r == 0)
            r = parse_text(out, &t, name, &e);
        kb_buf_free(&t.utf8);
        if (r == 0 || e.kind != KB_ERR_NOTFOUND)
            break;
    }
    if (r != 0 && e.kind == KB_ERR_NOTFOUND)
        kb_error_set(&e, KB_ERR_FORMAT, "%s: not systeminfo output: no \"OS Name\" and \"OS Version\" fields in a "
                                        "language kbaudit reads (English, German, French, Spanish, Dutch, Italian, "
                                        "Russian, Chinese)%s", name,
                     oem ? ", in UTF-8, UTF-16LE or the OEM code pages 850, 437 and 866 (Chinese GBK/CP936 text is "
                           "not decoded: convert it to UTF-8)" : "");
    if (r != 0) {
        sysinfo_doc_free(out);
        if (err)
            *err = e;
    }
    return r;
}

void sysinfo_doc_free(sysinfo_doc *d)
{
    sysinfo_field *f[] = {&d->host_name, &d->os_name, &d->os_version, &d->system_type, &d->hotfix_header};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        free(f[i]->value);
    sysinfo_hotfixes_free(&d->hotfixes);
    memset(d, 0, sizeof *d);
    d->declared = -1;
}

static int parse_doc(const char *name, const uint8_t *data, size_t n, void *out, kb_error *err)
{
    return sysinfo_parse(name, data, n, out, err);
}

int sysinfo_read_file(const char *path, sysinfo_doc *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    return sysinfo_parse_file(path, "systeminfo text", parse_doc, out, err);
}
