/* Facts from a package list: the systeminfo text of a host and, optionally, its wmic qfe /
 * Get-HotFix text (docs/sysinfo.md). Such text names the product, the version and build and
 * the updates WMI lists; it cannot show CBS states, file versions or a pending reboot, so
 * those stay unknown and the audit is at best inconclusive (docs/how-kbaudit-decides.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts_internal.h"
#include "kbaudit/buf.h"
#include "kbaudit/evidence.h"
#include "kbaudit/sysinfo.h"

static char *source_of(const char *path, size_t line, const char *label)
{
    kb_buf b = KB_BUF_INIT;
    if (kb_buf_printf(&b, "%s:%zu%s%s%s", path, line, label ? " (" : "", label ? label : "", label ? ")" : "") != 0) {
        kb_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* Trademark signs after a word of the product name, as code pages leave them: "Microsoftr"
 * and "VistaT" (CP437 has no ® or ™), "Microsoft®", "MicrosoftÆ", "Microsoft(R)". */
static const char *const words[] = {"Microsoft", "Windows", "Server", "Vista"};
static const char *const marks[] = {"\xC2\xAE", "(R)", "(r)", "\xC3\x86", "\xE2\x84\xA2", "(TM)", "r", "T"};

static char *clean_product(const char *name)
{
    kb_buf b = KB_BUF_INIT;
    const char *p = name;
    int r = 0;
    while (*p) {
        size_t w = 0;
        for (size_t i = 0; i < sizeof words / sizeof words[0] && w == 0; i++)
            if ((p == name || p[-1] == ' ') && strncmp(p, words[i], strlen(words[i])) == 0)
                w = strlen(words[i]);
        if (w == 0) {
            if (!(*p == ' ' && (b.len == 0 || b.data[b.len - 1] == ' ')))   /* runs of blanks: one */
                r |= kb_buf_putc(&b, *p);
            p++;
            continue;
        }
        r |= kb_buf_append(&b, p, w);
        p += w;
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
            size_t m = strlen(marks[i]);
            /* "r" and "T" only where a word ends: "Serverr 2008", never "Serverless" */
            if (strncmp(p, marks[i], m) == 0 && (m > 1 || p[1] == ' ' || p[1] == '\0')) {
                p += m;
                break;
            }
        }
    }
    while (b.len > 0 && b.data[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    if (r != 0 || b.data == NULL) {
        kb_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* "6.0.6002 Service Pack 2 Build 6002" -> "6.0", "6002", "Service Pack 2". */
static int read_version(kb_facts *f, const sysinfo_doc *d, const char *path, kb_error *err)
{
    const char *v = d->os_version.value;
    unsigned major, minor, build;
    int used = 0;
    if (sscanf(v, "%3u.%3u.%6u%n", &major, &minor, &build, &used) != 3 || (v[used] != ' ' && v[used] != '\0') ||
        v[0] < '0' || v[0] > '9')
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: \"%s\" is \"%s\": it does not start with a version "
                                                "number MAJOR.MINOR.BUILD", path, d->os_version.line,
                            d->os_version.label, v);
    char s[32];
    snprintf(s, sizeof s, "%u.%u", major, minor);
    f->current_version.value = strdup(s);
    snprintf(s, sizeof s, "%u", build);
    f->current_build_number.value = strdup(s);
    f->current_version.source = source_of(path, d->os_version.line, d->os_version.label);
    f->current_build_number.source = source_of(path, d->os_version.line, d->os_version.label);
    const char *sp = strstr(v, "Service Pack ");
    if (sp && sp[13] >= '1' && sp[13] <= '9') {
        snprintf(s, sizeof s, "Service Pack %c", sp[13]);
        f->csd_version.value = strdup(s);
        f->csd_version.source = source_of(path, d->os_version.line, d->os_version.label);
    }
    /* the build is written twice ("... Build 6002"): the two should agree */
    const char *last = strrchr(v, ' ');
    char *end;
    unsigned long again = last ? strtoul(last + 1, &end, 10) : 0;
    if (last && last[1] >= '0' && last[1] <= '9' && *end == '\0' && again != build)
        facts_warn(f, "%s: line %zu: \"%s\" gives build %u and, at its end, %lu: build %u is used", path,
                   d->os_version.line, v, build, again, build);
    return 0;
}

/* "x64-based PC", "X86-based PC", "PC à base de x64", "Itanium-based": the processor's name,
 * the same in every language. */
static void read_arch(kb_facts *f, const sysinfo_doc *d, const char *path)
{
    const char *t = d->system_type.value;
    if (t == NULL) {
        facts_warn(f, "%s: no \"System Type\" line: the architecture is unknown", path);
        return;
    }
    f->processor_architecture.value = strdup(t);
    f->processor_architecture.source = source_of(path, d->system_type.line, d->system_type.label);
    kb_buf up = KB_BUF_INIT;
    for (const char *p = t; *p; p++)
        kb_buf_putc(&up, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
    const char *u = up.data ? up.data : "";
    bool x64 = strstr(u, "X64") || strstr(u, "AMD64"), x86 = strstr(u, "X86") != NULL,
         ia64 = strstr(u, "ITANIUM") || strstr(u, "IA64");
    if (x64 + x86 + ia64 == 1) {
        f->arch = x64 ? KB_ARCH_X64 : x86 ? KB_ARCH_X86 : KB_ARCH_IA64;
        f->arch_source = "systeminfo System Type";
    } else {
        facts_warn(f, "%s: line %zu: \"%s\" is \"%s\": not one processor kbaudit knows (x86, x64, Itanium): the "
                      "architecture is unknown", path, d->system_type.line, d->system_type.label, t);
    }
    kb_buf_free(&up);
}

typedef struct row_ref {
    const sysinfo_hotfix *row;
    const char *path;
    size_t order;
} row_ref;

static int by_kb(const void *a, const void *b)
{
    const row_ref *x = a, *y = b;
    if (x->row->number != y->row->number)
        return x->row->number < y->row->number ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* One package per KB number both lists name (the first row that names it is its source). */
static int read_packages(kb_facts *f, const sysinfo_hotfixes *lists[2], const char *paths[2], kb_error *err)
{
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        n += lists[i] ? lists[i]->n : 0;
    row_ref *refs = calloc(n ? n : 1, sizeof *refs);
    f->packages = calloc(n ? n : 1, sizeof *f->packages);
    if (refs == NULL || f->packages == NULL) {
        free(refs);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for the hotfix list");
    }
    size_t k = 0;
    const sysinfo_hotfix *first_other = NULL;
    const char *first_other_path = NULL;
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; lists[i] && j < lists[i]->n; j++) {
            const sysinfo_hotfix *h = &lists[i]->rows[j];
            f->list.rows++;
            if (h->number == 0) {
                f->list.not_kb++;
                if (first_other == NULL)
                    first_other = h, first_other_path = paths[i];
                continue;
            }
            refs[k] = (row_ref){h, paths[i], k};
            k++;
        }
    qsort(refs, k, sizeof *refs, by_kb);
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && refs[i].row->number == refs[i - 1].row->number)
            continue;
        facts_package *p = &f->packages[f->npackages++];
        p->identity = strdup(refs[i].row->id);
        p->kb = refs[i].row->number;
        p->index = -1;
        p->listed = true;
        p->source = source_of(refs[i].path, refs[i].row->line, NULL);
        if (p->identity == NULL || p->source == NULL) {
            free(refs);
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory for the hotfix list");
        }
    }
    free(refs);
    if (first_other)
        facts_warn(f, "%zu hotfix row(s) are not KB numbers and are not counted (the first: \"%s\", %s:%zu)",
                   f->list.not_kb, first_other->id, first_other_path, first_other->line);
    return 0;
}

static void unknown_pending(kb_facts *f)
{
    facts_pending *p = &f->pending;
    fact_flag *flags[] = {&p->cbs_reboot_pending, &p->cbs_packages_pending, &p->cbs_reboot_in_progress,
                          &p->wu_reboot_required};
    static const char *const names[] = {"CBS RebootPending", "CBS PackagesPending", "CBS RebootInProgress",
                                        "WindowsUpdate RebootRequired"};
    for (size_t i = 0; i < 4; i++)
        flags[i]->source = strdup(names[i]);
    fact_num *nums[] = {&p->cbs_execute_state, &p->pending_file_renames, &p->pending_xml_operations};
    static const char *const nnames[] = {"CBS ExecuteState", "PendingFileRenameOperations", "pending.xml"};
    for (size_t i = 0; i < 3; i++) {
        nums[i]->unavailable = true;
        nums[i]->source = strdup(nnames[i]);
    }
}

/* The qfe text must be of the host the systeminfo text is of: a mixed-up file would make an
 * unpatched host look patched. Host names are compared ASCII-case-insensitively, as Windows
 * does; when either text names none the two cannot be matched, which the reader is told. */
static int match_hosts(kb_facts *f, const sysinfo_doc *d, const sysinfo_qfe *q, const char *si_path,
                       const char *qfe_path, kb_error *err)
{
    if (q->other_host.value)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: lines %zu and %zu: the qfe text names two hosts, \"%s\" and "
                                                "\"%s\" (%s): give the text of one host", qfe_path, q->host.line,
                            q->other_host.line, q->host.value, q->other_host.value, q->other_host.label);
    const char *si = d->host_name.value, *qh = q->host.value;
    /* qfe text in an OEM code page is read as CP437 (its HotFixIDs are ASCII): a non-ASCII
     * letter of the host name may then be another letter, so such names are not compared */
    bool guessed = false;
    for (const char *p = qh; p && *p && strcmp(q->encoding, "cp437") == 0; p++)
        guessed |= (unsigned char)*p >= 0x80;
    if (si && *si && qh && !guessed) {
        if (strcasecmp(si, qh) == 0)
            return 0;
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %zu: the qfe text is of host \"%s\" (%s), but %s: line "
                                                "%zu: \"%s\" is \"%s\": not the same host (a mixed-up file?)",
                            qfe_path, q->host.line, qh, q->host.label, si_path, d->host_name.line,
                            d->host_name.label, si);
    }
    facts_warn(f, "%s and %s: the two texts could not be matched to one host: %s", si_path, qfe_path,
               guessed ? "the qfe text's host name is in an OEM code page kbaudit cannot tell for certain"
               : si && *si ? "the qfe text names none (no CSName or Source)"
               : qh ? "the systeminfo text has no Host Name line" : "neither names one");
    return 0;
}

int facts_gather_package_list(const char *systeminfo_path, const char *qfe_path, kb_facts *f, kb_error *err)
{
    memset(f, 0, sizeof *f);
    f->kind = KB_TARGET_PACKAGE_LIST;
    sysinfo_doc d;
    sysinfo_qfe q;
    memset(&q, 0, sizeof q);
    if (sysinfo_read_file(systeminfo_path, &d, err) != 0)
        return -1;
    if (qfe_path && sysinfo_read_qfe_file(qfe_path, &q, err) != 0) {
        sysinfo_doc_free(&d);
        return -1;
    }
    f->list.systeminfo_path = kb_native_path(systeminfo_path);
    f->list.qfe_path = kb_native_path(qfe_path);
    f->list.encoding = d.encoding, f->list.format = d.format, f->list.language = d.language;
    f->list.qfe_encoding = qfe_path ? q.encoding : NULL, f->list.qfe_format = qfe_path ? q.format : NULL;
    f->list.placeholders = d.hotfixes.placeholders + q.hotfixes.placeholders;
    int r = qfe_path ? match_hosts(f, &d, &q, systeminfo_path, qfe_path, err) : 0;
    if (r == 0)
        r = read_version(f, &d, systeminfo_path, err);
    if (r == 0) {
        f->product_name.value = clean_product(d.os_name.value);
        f->product_name.source = source_of(systeminfo_path, d.os_name.line, d.os_name.label);
        if (f->product_name.value && strcmp(f->product_name.value, d.os_name.value) != 0)
            facts_warn(f, "%s: line %zu: the product \"%s\" is read as \"%s\" (trademark signs a code page mangled, "
                          "and blanks, dropped)", systeminfo_path, d.os_name.line, d.os_name.value,
                       f->product_name.value);
        read_arch(f, &d, systeminfo_path);
        const sysinfo_hotfixes *lists[2] = {&d.hotfixes, qfe_path ? &q.hotfixes : NULL};
        const char *paths[2] = {systeminfo_path, qfe_path};
        r = read_packages(f, lists, paths, err);
    }
    if (r == 0 && d.hotfix_header.value == NULL && qfe_path == NULL)
        facts_warn(f, "%s: no \"Hotfix(s)\" field and no qfe text: no update is listed", systeminfo_path);
    if (r == 0 && d.incomplete) {
        f->list.incomplete = qfe_path == NULL;
        facts_warn(f, "%s: line %zu: the hotfix list declares %ld update(s) but names %zu%s%s", systeminfo_path,
                   d.hotfix_header.line, d.declared,
                   d.hotfixes.n + d.hotfixes.placeholders + d.hotfixes.empty,
                   d.incomplete_line ? " (systeminfo stopped listing at a bare row)" : "",
                   qfe_path ? "; the qfe text completes it" : ": an update it does not name may be installed "
                                                              "(give the host's wmic qfe output with --qfe)");
    }
    if (r == 0 && f->list.placeholders)
        facts_warn(f, "%zu \"File 1\" placeholder row(s) skipped: systeminfo writes them for updates WMI lists "
                      "without an ID, so those updates are unknown", f->list.placeholders);
    unknown_pending(f);
    sysinfo_doc_free(&d);
    sysinfo_qfe_free(&q);
    if (r != 0)
        facts_free(f);
    return r;
}
