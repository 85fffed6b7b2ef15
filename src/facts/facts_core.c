/* Gathering facts from a target, and the helpers the gatherers share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts_internal.h"
#include "kbaudit/evidence.h"

char *facts_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void facts_warn(kb_facts *f, const char *fmt, ...)
{
    char msg[KB_ERROR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    void *v = f->warnings;
    if (kb_array_room(&v, f->nwarnings, sizeof *f->warnings) != 0)
        return;
    f->warnings = v;
    if ((f->warnings[f->nwarnings] = strdup(msg)) != NULL)
        f->nwarnings++;
}

char *facts_source(const kb_facts *f, kb_hive_id hive, const char *key, const char *value)
{
    kb_buf b = KB_BUF_INIT;
    /* live provenance is written as the system names it: HKLM\SOFTWARE\... */
    if (f->kind == KB_TARGET_LIVE)
        kb_buf_puts(&b, "HKLM\\");
    kb_buf_puts(&b, target_hive_name(hive));
    if (key && *key && (kb_buf_putc(&b, '\\') || kb_buf_puts(&b, key)))
        return kb_buf_free(&b), NULL;
    if (value && (kb_buf_putc(&b, '\\') || kb_buf_puts(&b, value)))
        return kb_buf_free(&b), NULL;
    return b.data;
}

void facts_corrupt(kb_facts *f, kb_hive_id hive, const char *fmt, ...)
{
    char msg[KB_ERROR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    facts_hive *h = &f->hives[hive];
    h->corrupt = true;
    if (h->error == NULL)
        h->error = strdup(msg);
    facts_warn(f, "%s", msg);
}

void facts_denied(kb_facts *f, const char *what, const char *msg)
{
    void *v = f->denied;
    if (kb_array_room(&v, f->ndenied, sizeof *f->denied) == 0) {
        f->denied = v;
        if ((f->denied[f->ndenied] = strdup(what)) != NULL)
            f->ndenied++;
    }
    facts_warn(f, "%s could not be read (access denied: run kbaudit from an elevated prompt, as an "
                  "administrator): %s", what, msg);
}

void facts_read_failed(kb_facts *f, kb_hive_id hive, const kb_error *e, const char *what)
{
    if (e->kind == KB_ERR_DENIED)
        facts_denied(f, what, e->msg);
    else
        facts_corrupt(f, hive, "%s: %s", what, e->msg);
}

/* A failure other than "not found" is a corrupt structure (or a value of the wrong type) the
 * audit depends on, or a read the system refused; an unreadable SYSTEM hive is reported once,
 * by facts_gather. */
static void corrupt_unless_missing(kb_facts *f, kb_hive_id hive, const kb_error *e, const char *what)
{
    if (e->kind != KB_ERR_NOTFOUND && f->hives[hive].readable)
        facts_read_failed(f, hive, e, what);
}

void facts_read_str(kb_facts *f, kb_target *t, kb_hive_id hive, const char *key, const char *value,
                    fact_str *out)
{
    kb_buf b = KB_BUF_INIT;
    kb_error e = {0};
    out->source = facts_source(f, hive, key, value);
    if (target_reg_string(t, hive, key, value, &b, &e) == 0) {
        out->value = b.data ? b.data : strdup("");
        return;
    }
    kb_buf_free(&b);
    corrupt_unless_missing(f, hive, &e, out->source ? out->source : value);
}

void facts_read_num(kb_facts *f, kb_target *t, kb_hive_id hive, const char *key, const char *value,
                    fact_num *out)
{
    kb_error e = {0};
    out->source = facts_source(f, hive, key, value);
    if (target_reg_dword(t, hive, key, value, &out->value, &e) == 0) {
        out->present = true;
        return;
    }
    if (!f->hives[hive].readable)
        out->unavailable = true;
    corrupt_unless_missing(f, hive, &e, out->source ? out->source : value);
}

void facts_read_flag(kb_facts *f, kb_target *t, kb_hive_id hive, const char *key, fact_flag *out)
{
    kb_error e = {0};
    out->source = facts_source(f, hive, key, NULL);
    if (target_reg_key_exists(t, hive, key, &out->value, &e) == 0) {
        out->known = true;
        return;
    }
    corrupt_unless_missing(f, hive, &e, out->source ? out->source : key);
}

const char *facts_control_set(const kb_facts *f, char buf[32])
{
    uint32_t n = f->current_control_set.value;
    if (!f->current_control_set.present || n < 1 || n > CONTROL_SET_MAX)
        return NULL;   /* out of range: facts_gather warns once */
    snprintf(buf, 32, "ControlSet%03u", (unsigned)n);
    return buf;
}

int facts_gather(kb_target *t, kb_facts *f, kb_error *err)
{
    memset(f, 0, sizeof *f);
    if (target_hive_open(t, KB_HIVE_SOFTWARE, err) != 0)
        return -1;
    f->kind = target_kind(t);
    /* the target joins components with '/'; a report shows the platform's spelling */
    f->root = kb_native_path(target_root(t));
    f->windows_dir = facts_strdup(target_windows_dir(t));
    f->windows_dir_found_by = target_windows_dir_found_by(t);
    f->software_path = kb_native_path(target_hive_path(t, KB_HIVE_SOFTWARE));
    f->system_path = kb_native_path(target_hive_path(t, KB_HIVE_SYSTEM));
    f->files_available = target_files_available(t);
    kb_error e = {0};
    f->hives[KB_HIVE_SOFTWARE].given = f->hives[KB_HIVE_SOFTWARE].readable = true;
    f->hives[KB_HIVE_SYSTEM].given = f->system_path != NULL;
    if (f->system_path == NULL)
        facts_warn(f, "no SYSTEM hive: control set, architecture and pending file renames are unknown");
    else if (target_hive_open(t, KB_HIVE_SYSTEM, &e) == 0)
        f->hives[KB_HIVE_SYSTEM].readable = true;
    else if (e.kind == KB_ERR_DENIED)
        facts_denied(f, f->system_path, e.msg);
    else
        facts_corrupt(f, KB_HIVE_SYSTEM, "SYSTEM hive unreadable, its facts are unknown: %s", e.msg);
    for (int i = KB_HIVE_SOFTWARE; i <= KB_HIVE_SYSTEM && f->kind != KB_TARGET_LIVE; i++) {
        /* a live system's hives are loaded by its kernel: never dirty as seen through the API */
        const regf_hive *h = f->hives[i].readable ? target_hive(t, (kb_hive_id)i, NULL) : NULL;
        const kb_hive_recovery *rec = h ? target_hive_recovery(t, (kb_hive_id)i) : NULL;
        if (rec == NULL)
            continue;
        facts_hive *fh = &f->hives[i];
        fh->dirty = rec->rep.status != REGF_RECOVERY_CLEAN;
        fh->logs = regf_recovery_status_name(rec->rep.status);
        fh->logs_pages = rec->rep.status == REGF_RECOVERY_APPLIED ? rec->rep.pages : 0;
        fh->logs_detail = facts_strdup(rec->summary);
        if (fh->dirty && rec->rep.status != REGF_RECOVERY_APPLIED)
            facts_warn(f, "%s hive %s is dirty (base block sequence numbers %u and %u differ) and was read "
                          "without its transaction logs (%s): the registry may be older than the system's "
                          "last state",
                       target_hive_name((kb_hive_id)i), target_hive_path(t, (kb_hive_id)i), rec->rep.file_seq1,
                       rec->rep.file_seq2, rec->summary ? rec->summary : "?");
    }
    facts_gather_os(f, t);
    const fact_num *cs = &f->current_control_set;
    if (cs->present && (cs->value < 1 || cs->value > CONTROL_SET_MAX))
        facts_warn(f, "%s is %u, not a control set number (1 to %d): the current control set is unknown",
                   cs->source, cs->value, CONTROL_SET_MAX);
    facts_gather_files(f, t);
    facts_gather_packages(f, t);
    facts_gather_pending(f, t);
    return 0;
}

static void free_str(fact_str *s)
{
    free(s->value);
    free(s->source);
}

void facts_free(kb_facts *f)
{
    if (f == NULL)
        return;
    free(f->root);
    free(f->windows_dir);
    free(f->software_path);
    free(f->system_path);
    free(f->list.systeminfo_path);
    free(f->list.qfe_path);
    fact_str *strs[] = {&f->product_name, &f->edition_id, &f->installation_type, &f->current_version,
                        &f->current_build, &f->current_build_number, &f->csd_version, &f->build_lab,
                        &f->build_lab_ex, &f->system_root, &f->processor_architecture, &f->product_type};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free_str(strs[i]);
    free(f->current_control_set.source);
    for (size_t i = 0; i < f->nfiles; i++) {
        facts_file *x = &f->files[i];
        free(x->path), free(x->error), free(x->version_string), free(x->branch);
    }
    free(f->files);
    for (size_t i = 0; i < f->npackages; i++) {
        facts_package *p = &f->packages[i];
        free(p->identity), free(p->name), free(p->arch), free(p->version), free(p->install_client);
        free(p->source), free(p->mum_path), free(p->mum_identifier), free(p->mum_release_type);
        free(p->mum_restart), free(p->mum_error);
    }
    free(f->packages);
    facts_pending *pd = &f->pending;
    free(pd->cbs_reboot_pending.source), free(pd->cbs_packages_pending.source);
    free(pd->cbs_reboot_in_progress.source), free(pd->wu_reboot_required.source);
    free(pd->cbs_execute_state.source), free(pd->pending_file_renames.source);
    free(pd->pending_xml_operations.source);
    free(pd->pending_xml_error);
    free(f->hives[KB_HIVE_SOFTWARE].error), free(f->hives[KB_HIVE_SYSTEM].error);
    free(f->hives[KB_HIVE_SOFTWARE].logs_detail), free(f->hives[KB_HIVE_SYSTEM].logs_detail);
    for (size_t i = 0; i < f->nwarnings; i++)
        free(f->warnings[i]);
    free(f->warnings);
    for (size_t i = 0; i < f->ndenied; i++)
        free(f->denied[i]);
    free(f->denied);
    memset(f, 0, sizeof *f);
}

const char *facts_unreadable(const kb_facts *f)
{
    for (int i = KB_HIVE_SOFTWARE; i <= KB_HIVE_SYSTEM; i++)
        if (f->hives[i].corrupt)
            return f->hives[i].error ? f->hives[i].error : "a hive is corrupt";
    return NULL;
}

const char *facts_state_name(uint32_t state)
{
    switch (state) {
    case 0x0: return "absent";
    case 0x5: return "uninstall-pending";
    case 0x10: return "resolving";
    case 0x20: return "resolved";
    case 0x30: return "staging";
    case 0x40: return "staged";
    case 0x50: return "superseded";
    case 0x60: return "install-pending";
    case 0x65: return "partially-installed";
    case 0x70: return "installed";
    case 0x80: return "permanent";
    case 0xFFFFFFE0u: return "invalid-resolved";
    case 0xFFFFFFC0u: return "invalid-staged";
    case 0xFFFFFF90u: return "invalid-installed";
    case 0xFFFFFF80u: return "invalid-permanent";
    /* internal API-only values (kb-facts.md 6.2), not expected in the registry */
    case 0xFFFFFFF0u: return "default";
    case 0xFFFFFFEFu: return "superseded-applicability";
    case 0xFFFFFFEEu: return "cancel";
    case 0xFFFFFFEDu: return "partially-installed-aggregate";
    default: return "unknown";
    }
}

const char *facts_arch_name(kb_arch a)
{
    switch (a) {
    case KB_ARCH_X86: return "x86";
    case KB_ARCH_X64: return "x64";
    case KB_ARCH_IA64: return "ia64";
    default: return NULL;
    }
}

const facts_file *facts_find_file(const kb_facts *f, const char *role)
{
    for (size_t i = 0; i < f->nfiles; i++)
        if (strcmp(f->files[i].role, role) == 0)
            return &f->files[i];
    return NULL;
}
