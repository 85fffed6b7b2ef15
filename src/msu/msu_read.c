/* Reading a package: the outer cabinet, its two metadata members, and what they say the
 * package is for. The inner cabinet (the payload, LZX) is never extracted. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/buf.h"
#include "kbaudit/cab.h"
#include "msu_internal.h"

int msu_warn(msu_package *p, const char *fmt, ...)
{
    kb_buf b = KB_BUF_INIT;
    char line[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **v = realloc(p->warnings, (p->nwarnings + 1) * sizeof *v);
    if (v == NULL || kb_buf_puts(&b, line) != 0) {
        if (v)
            p->warnings = v;
        kb_buf_free(&b);
        return -1;
    }
    p->warnings = v;
    v[p->nwarnings++] = b.data;
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (tolower((unsigned char)s[n - k + i]) != tolower((unsigned char)suffix[i]))
            return false;
    return true;
}

static const char *prop(const msu_package *p, const char *key)
{
    for (size_t i = 0; i < p->nprops; i++)
        if (strcmp(p->props[i].key, key) == 0)
            return p->props[i].value;
    return NULL;
}

/* "N.M" from the first "Windows N.M" (or a bare "N.M" when PREFIX is NULL) in S. */
static bool os_of(const char *s, const char *prefix, char out[8])
{
    if (s == NULL)
        return false;
    const char *p = s;
    if (prefix) {
        p = strstr(s, prefix);
        if (p == NULL)
            return false;
        p += strlen(prefix);
    }
    if (!isdigit((unsigned char)p[0]) || p[1] != '.' || !isdigit((unsigned char)p[2]))
        return false;
    snprintf(out, 8, "%c.%c", p[0], p[2]);
    return true;
}

static const char *arch_of(const char *a)
{
    if (a == NULL)
        return "";
    if (strcmp(a, "amd64") == 0 || strcmp(a, "x64") == 0 || strcmp(a, "AMD64") == 0)
        return "x64";
    if (strcmp(a, "x86") == 0 || strcmp(a, "X86") == 0)
        return "x86";
    if (strcmp(a, "ia64") == 0 || strcmp(a, "IA64") == 0)
        return "ia64";
    return "";
}

static uint32_t kb_in(const char *s)
{
    if (s == NULL)
        return 0;
    const char *k = strstr(s, "KB");
    const char *d = k ? k + 2 : s;
    uint32_t v = 0;
    size_t n = 0;
    for (; isdigit((unsigned char)d[n]) && n < 9; n++)
        v = v * 10 + (uint32_t)(d[n] - '0');
    return (n > 0 && (k || d[n] == 0)) ? v : 0;
}

static int derive(msu_package *p)
{
    p->applies_to = prop(p, "Applies to");
    p->product_name = prop(p, "Product Name");
    p->package_type = prop(p, "Package Type");
    p->processor_arch = prop(p, "Processor Architecture");
    p->installer_version = prop(p, "Installer Version");
    p->build_date = prop(p, "Build Date");
    p->applicability = prop(p, "ApplicabilityInfo");
    uint32_t kb_prop = kb_in(prop(p, "KB Article Number")), kb_id = kb_in(p->assembly_name);
    p->kb = kb_prop ? kb_prop : kb_id;
    int rc = 0;
    p->sources_disagree = (kb_prop && kb_id && kb_prop != kb_id);
    if (kb_prop && kb_id && kb_prop != kb_id)
        rc |= msu_warn(p, "pkgProperties says KB%u, the unattend file's package KB%u", kb_prop, kb_id);
    /* the OS: "Applies to" says it in words; the package version's first two parts are the
     * NT version the package was built for (6.1.1.2 for a Windows 6.1 package) */
    char from_props[8] = "", from_id[8] = "";
    if (!os_of(p->applies_to, "Windows ", from_props))
        os_of(p->product_name, "Windows ", from_props);
    os_of(p->assembly_version, NULL, from_id);
    snprintf(p->os_version, sizeof p->os_version, "%s", from_props[0] ? from_props : from_id);
    if (from_props[0] && from_id[0] && strcmp(from_props, from_id) != 0)
        p->sources_disagree = true;
    if (from_props[0] && from_id[0] && strcmp(from_props, from_id) != 0)
        rc |= msu_warn(p, "pkgProperties says Windows %s, the unattend package version %s", from_props,
                       p->assembly_version);
    const char *a1 = arch_of(p->processor_arch), *a2 = arch_of(p->assembly_arch);
    snprintf(p->arch, sizeof p->arch, "%s", a1[0] ? a1 : a2);
    if (a1[0] && a2[0] && strcmp(a1, a2) != 0)
        p->sources_disagree = true;
    if (a1[0] && a2[0] && strcmp(a1, a2) != 0)
        rc |= msu_warn(p, "pkgProperties says %s, the unattend file %s", p->processor_arch, p->assembly_arch);
    return rc;
}

/* Extracts member I and hands it to PARSE; a failure becomes a warning. */
static int read_member(msu_package *p, cab_archive *c, long i, char **member_name,
                       int (*parse)(msu_package *, const uint8_t *, size_t, kb_error *))
{
    if (i < 0)
        return 0;
    *member_name = kb_strndup(c->members[i].name, 4096);
    if (*member_name == NULL)
        return -1;
    uint8_t *data = NULL;
    size_t n = 0;
    kb_error e = {0};
    if (cab_extract(c, (size_t)i, MSU_MEMBER_CAP, &data, &n, &e) != 0 || parse(p, data, n, &e) != 0) {
        free(data);
        return e.kind == KB_ERR_NOMEM && strcmp(e.msg, "out of memory") == 0 ? -1 : msu_warn(p, "%s", e.msg);
    }
    free(data);
    return 0;
}

static int read_cabinet(msu_package *p, cab_archive *c, kb_error *err)
{
    long props = -1, unattend = -1;
    for (size_t i = 0; i < c->nmembers; i++) {
        const char *n = c->members[i].name;
        if (props < 0 && ends_with(n, "-pkgProperties.txt"))
            props = (long)i;
        else if (unattend < 0 && ends_with(n, ".xml"))
            unattend = (long)i;
    }
    if (props < 0 && unattend < 0)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: a cabinet, but not an update package (no *-pkgProperties.txt, no unattend .xml)",
                            p->file);
    p->trailing_bytes = cab_trailing_bytes(c);
    if (read_member(p, c, props, &p->properties_member, msu_props_parse) != 0 ||
        read_member(p, c, unattend, &p->unattend_member, msu_unattend_parse) != 0 || derive(p) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    if (props < 0)
        msu_warn(p, "no *-pkgProperties.txt");
    if (unattend < 0)
        msu_warn(p, "no unattend .xml");
    return 0;
}

static int finish(msu_package *p, cab_archive *c, int rc, kb_error *err)
{
    if (rc == 0)
        rc = read_cabinet(p, c, err);
    cab_close(c);
    if (rc != 0)
        msu_package_free(p);
    return rc;
}

/* The inflate work one package may cost: its metadata sits in the same MSZIP folder as the
 * payload (after it, in real packages), so the folder is inflated up to it; real packages
 * inflate about 1:1, so 4x the file (at least 64 MiB) leaves room and stops a cabinet of
 * zeros from costing seconds of CPU per file in a folder of thousands. */
static cab_options budget_for(uint64_t size)
{
    cab_options o = {size > (16u << 20) ? size * 4 : 64u << 20};
    return o;
}

int msu_read_buffer(const void *data, size_t size, const char *name, msu_package *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    if ((out->file = kb_strndup(name ? name : "package", 4096)) == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    cab_archive *c = NULL;
    cab_options opt = budget_for(size);
    if (cab_open_buffer(data, size, out->file, &opt, &c, err) != 0) {
        msu_package_free(out);
        return -1;
    }
    return finish(out, c, 0, err);
}

int msu_read_file(const char *path, msu_package *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    if ((out->file = kb_strndup(path, 4096)) == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    cab_archive *c = NULL;
    if (cab_open_file(path, NULL, &c, err) != 0) {
        msu_package_free(out);
        return -1;
    }
    c->budget_left = budget_for(c->size).inflate_budget;   /* the size is known once it is open */
    return finish(out, c, 0, err);
}

void msu_package_free(msu_package *p)
{
    for (size_t i = 0; p->props && i < p->nprops; i++)
        free(p->props[i].key), free(p->props[i].value);
    for (size_t i = 0; p->warnings && i < p->nwarnings; i++)
        free(p->warnings[i]);
    free(p->props), free(p->warnings), free(p->file), free(p->properties_member), free(p->unattend_member);
    free(p->assembly_name), free(p->assembly_version), free(p->assembly_arch), free(p->assembly_language);
    free(p->assembly_token), free(p->source_location);
    memset(p, 0, sizeof *p);
}

bool msu_applies(const msu_package *p, const char *arch)
{
    return strcmp(p->os_version, "6.0") == 0 && arch != NULL && strcmp(p->arch, arch) == 0;
}

const char *msu_applies_reason(const msu_package *p, const char *arch, char *buf, size_t cap)
{
    if (p->os_version[0] == 0)
        return "the package does not say which Windows it is for";
    if (strcmp(p->os_version, "6.0") != 0) {
        const char *what = strcmp(p->os_version, "6.1") == 0 ? " (Windows 7 / Server 2008 R2)" : "";
        snprintf(buf, cap, "for Windows %s%s, not 6.0 (Vista / Server 2008)", p->os_version, what);
        return buf;
    }
    if (p->arch[0] == 0)
        return "for Windows 6.0, architecture not stated";
    if (arch == NULL || strcmp(p->arch, arch) != 0) {
        snprintf(buf, cap, "for Windows 6.0 %s, not %s", p->arch, arch ? arch : "(unknown)");
        return buf;
    }
    snprintf(buf, cap, "for Windows 6.0 %s (Server 2008 SP2 %s)", p->arch, arch);
    return buf;
}
