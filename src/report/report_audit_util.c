/* Helpers shared by the audit renderers: KB and date formatting, making evidence text safe
 * for a terminal or an XML file. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kbaudit/utf.h"
#include "report_audit_util.h"

const char *report_kb(uint32_t kb, char buf[16])
{
    if (kb == 0)
        return NULL;
    snprintf(buf, 16, "KB%u", kb);
    return buf;
}

const char *report_date(kbdb_date d, char buf[16])
{
    /* year 0 is "unknown" in kbdb; a month outside 1..12 would be a bug upstream, and
     * printing it would be a guess either way */
    if (d.year == 0 || d.month < 1 || d.month > 12 || d.day > 31)
        return NULL;
    if (d.day == 0)
        snprintf(buf, 16, "%04u-%02u", (unsigned)d.year, (unsigned)d.month);
    else
        snprintf(buf, 16, "%04u-%02u-%02u", (unsigned)d.year, (unsigned)d.month, (unsigned)d.day);
    return buf;
}

const char *report_step_kind(const audit_step *s)
{
    if (s->kind_name != NULL)
        return s->kind_name;
    if (s->kb == 0 || s->kind == KBDB_KIND_NONE)
        return "reboot";
    return kbdb_kind_name(s->kind);
}

size_t report_count_status(const audit_result *r, audit_status s)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nreqs; i++)
        if (r->reqs[i].status == s)
            n++;
    return n;
}

/* Decodes the next code point into *c and says whether its bytes were well-formed UTF-8
 * (kb_utf8_next returns U+FFFD for both a bad sequence and a literal U+FFFD). */
static bool next_ok(const char **p, const char *end, uint32_t *c)
{
    const char *start = *p;
    *c = kb_utf8_next(p, end);
    return *c != 0xFFFD || ((size_t)(*p - start) == 3 && memcmp(start, "\xEF\xBF\xBD", 3) == 0);
}

int report_clean(kb_buf *b, const char *s, bool keep_lines)
{
    if (s == NULL)
        return 0;
    const char *p = s, *end = s + strlen(s);
    while (p < end) {
        const char *start = p;
        uint32_t c;
        bool ok = next_ok(&p, end, &c);
        size_t n = (size_t)(p - start);
        int r = 0;
        if (!ok) {
            /* not UTF-8: show the bytes that were consumed */
            for (size_t i = 0; i < n && r == 0; i++)
                r = kb_buf_printf(b, "\\x%02x", (unsigned char)start[i]);
        } else if ((c < 0x20 || c == 0x7F) && !(keep_lines && (c == '\n' || c == '\t'))) {
            r = kb_buf_printf(b, "\\x%02x", (unsigned)c);
        } else if ((c >= 0x80 && c <= 0x9F) || c == 0xFFFE || c == 0xFFFF) {
            /* C1 controls include CSI (U+009B), which terminals obey like ESC [ ; U+FFFE and
             * U+FFFF are not allowed in XML */
            r = kb_buf_printf(b, "\\u%04x", (unsigned)c);
        } else {
            r = kb_buf_append(b, start, n);
        }
        if (r != 0)
            return -1;
    }
    return 0;
}

static bool script_safe(const char *s)
{
    if (s == NULL || *s == 0 || *s == '-')
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-' || c == '+' || c == '~'))
            return false;
    }
    return true;
}

const char *report_step_file(const report_audit_opts *o, size_t s, const char **why)
{
    *why = "no .msu file for it in the updates folder";
    if (o == NULL || o->updates == NULL || s >= o->updates->nsteps || o->updates->step_file[s] == SIZE_MAX)
        return NULL;
    const char *f = o->packages[o->updates->step_file[s]].file;
    if (!script_safe(f)) {
        *why = "the name of its file has characters a script cannot carry safely: rename it";
        return NULL;
    }
    return f;
}
