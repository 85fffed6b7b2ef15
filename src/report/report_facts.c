/* `kbaudit facts` output: JSON (docs/facts-json.md) and text. */
#include <string.h>

#include "kbaudit/json.h"
#include "kbaudit/peversion.h"
#include "kbaudit/report.h"

static void json_fact_str(kb_json *j, const char *key, const fact_str *s)
{
    json_key(j, key);
    if (s->value == NULL) {
        json_null(j);
        return;
    }
    json_object_begin(j);
    json_key(j, "value");
    json_string(j, s->value);
    json_key(j, "source");
    json_string(j, s->source);
    json_object_end(j);
}

static void json_fact_num(kb_json *j, const char *key, const fact_num *n, bool object_when_absent)
{
    json_key(j, key);
    if (!n->present && !object_when_absent) {
        json_null(j);
        return;
    }
    json_object_begin(j);
    json_key(j, "value");
    if (n->present)
        json_uint(j, n->value);
    else
        json_null(j);
    json_key(j, "source");
    json_string(j, n->source);
    if (object_when_absent) {   /* null value: absent, or evidence not there to look at */
        json_key(j, "available");
        json_bool(j, !n->unavailable);
    }
    json_object_end(j);
}

static void json_fact_flag(kb_json *j, const char *key, const fact_flag *b)
{
    json_key(j, key);
    json_object_begin(j);
    json_key(j, "value");
    if (b->known)
        json_bool(j, b->value);
    else
        json_null(j);
    json_key(j, "source");
    json_string(j, b->source);
    json_object_end(j);
}

static void json_files(kb_json *j, const kb_facts *f)
{
    char v[24];
    json_key(j, "files");
    json_array_begin(j);
    for (size_t i = 0; i < f->nfiles; i++) {
        const facts_file *x = &f->files[i];
        bool ok = x->present && !x->error;
        json_object_begin(j);
        json_key(j, "role"), json_string(j, x->role);
        json_key(j, "path"), json_string(j, x->path);
        json_key(j, "present"), json_bool(j, x->present);
        json_key(j, "machine"), json_string(j, ok ? pe_machine_name(x->machine) : NULL);
        json_key(j, "file_version"), json_string(j, ok && x->has_version ? report_version(x->file_version, v) : NULL);
        json_key(j, "product_version"), json_string(j, ok && x->has_version ? report_version(x->product_version, v) : NULL);
        json_key(j, "version_string"), json_string(j, x->version_string);
        json_key(j, "branch"), json_string(j, x->branch);
        json_key(j, "error"), json_string(j, x->error);
        json_object_end(j);
    }
    json_array_end(j);
}

static void json_packages(kb_json *j, const kb_facts *f)
{
    char t[32];
    json_key(j, "packages");
    json_array_begin(j);
    for (size_t i = 0; i < f->npackages; i++) {
        const facts_package *p = &f->packages[i];
        json_object_begin(j);
        json_key(j, "identity"), json_string(j, p->identity);
        json_key(j, "name"), json_string(j, p->name);
        json_key(j, "kb");
        p->kb ? json_uint(j, p->kb) : json_null(j);
        json_key(j, "arch"), json_string(j, p->arch);
        json_key(j, "version"), json_string(j, p->version);
        json_key(j, "state");
        p->has_state ? json_uint(j, p->state) : json_null(j);
        json_key(j, "state_name"), json_string(j, p->has_state ? facts_state_name(p->state) : NULL);
        json_key(j, "install_client"), json_string(j, p->install_client);
        json_key(j, "install_time");
        json_string(j, p->has_install_time && *report_filetime(p->install_time, t) ? t : NULL);
        json_key(j, "source"), json_string(j, p->source);
        json_key(j, "listed"), json_bool(j, p->listed);
        json_key(j, "mum");
        if (!p->has_mum) {
            json_null(j);
        } else {
            json_object_begin(j);
            json_key(j, "path"), json_string(j, p->mum_path);
            json_key(j, "identifier"), json_string(j, p->mum_identifier);
            json_key(j, "release_type"), json_string(j, p->mum_release_type);
            json_key(j, "restart"), json_string(j, p->mum_restart);
            json_key(j, "error"), json_string(j, p->mum_error);
            json_object_end(j);
        }
        json_object_end(j);
    }
    json_array_end(j);
}

const char *report_target_kind(kb_target_kind kind)
{
    return kind == KB_TARGET_TREE ? "tree" : kind == KB_TARGET_LIVE ? "live"
           : kind == KB_TARGET_PACKAGE_LIST ? "package-list" : "hives";
}

int report_facts_json(const kb_facts *f, FILE *out, kb_error *err)
{
    kb_json j;
    json_init(&j);
    json_object_begin(&j);
    json_key(&j, "kbaudit_version"), json_string(&j, KBAUDIT_VERSION);
    json_key(&j, "target");
    json_object_begin(&j);
    json_key(&j, "kind"), json_string(&j, report_target_kind(f->kind));
    json_key(&j, "root"), json_string(&j, f->root);
    json_key(&j, "windows_dir"), json_string(&j, f->windows_dir);
    json_key(&j, "windows_dir_found_by"), json_string(&j, f->windows_dir_found_by);
    json_key(&j, "software"), json_string(&j, f->software_path);
    json_key(&j, "system"), json_string(&j, f->system_path);
    json_key(&j, "files_available"), json_bool(&j, f->files_available);
    json_object_end(&j);

    /* package-list evidence: how its text was read (docs/facts-json.md "package_list") */
    json_key(&j, "package_list");
    if (f->kind != KB_TARGET_PACKAGE_LIST) {
        json_null(&j);
    } else {
        const facts_list *l = &f->list;
        json_object_begin(&j);
        json_key(&j, "systeminfo"), json_string(&j, l->systeminfo_path);
        json_key(&j, "encoding"), json_string(&j, l->encoding);
        json_key(&j, "format"), json_string(&j, l->format);
        json_key(&j, "language"), json_string(&j, l->language);
        json_key(&j, "qfe"), json_string(&j, l->qfe_path);
        json_key(&j, "qfe_encoding"), json_string(&j, l->qfe_encoding);
        json_key(&j, "qfe_format"), json_string(&j, l->qfe_format);
        json_key(&j, "rows"), json_uint(&j, l->rows);
        json_key(&j, "not_kb"), json_uint(&j, l->not_kb);
        json_key(&j, "placeholders"), json_uint(&j, l->placeholders);
        json_key(&j, "incomplete"), json_bool(&j, l->incomplete);
        json_object_end(&j);
    }

    json_key(&j, "hives");
    json_object_begin(&j);
    for (int i = KB_HIVE_SOFTWARE; i <= KB_HIVE_SYSTEM; i++) {
        const facts_hive *h = &f->hives[i];
        json_key(&j, i == KB_HIVE_SOFTWARE ? "software" : "system");
        json_object_begin(&j);
        json_key(&j, "path"), json_string(&j, i == KB_HIVE_SOFTWARE ? f->software_path : f->system_path);
        json_key(&j, "readable"), json_bool(&j, h->readable);
        json_key(&j, "dirty"), json_bool(&j, h->dirty);
        json_key(&j, "logs"), json_string(&j, h->logs);
        json_key(&j, "logs_pages"), json_uint(&j, h->logs_pages);
        json_key(&j, "logs_detail"), json_string(&j, h->logs_detail);
        json_key(&j, "corrupt"), json_bool(&j, h->corrupt);
        json_key(&j, "error"), json_string(&j, h->error);
        json_object_end(&j);
    }
    json_object_end(&j);

    json_key(&j, "os");
    json_object_begin(&j);
    json_fact_str(&j, "product_name", &f->product_name);
    json_fact_str(&j, "edition_id", &f->edition_id);
    json_fact_str(&j, "installation_type", &f->installation_type);
    json_fact_str(&j, "current_version", &f->current_version);
    json_fact_str(&j, "current_build", &f->current_build);
    json_fact_str(&j, "current_build_number", &f->current_build_number);
    json_fact_str(&j, "csd_version", &f->csd_version);
    json_fact_str(&j, "build_lab", &f->build_lab);
    json_fact_str(&j, "build_lab_ex", &f->build_lab_ex);
    json_fact_str(&j, "system_root", &f->system_root);
    json_fact_num(&j, "current_control_set", &f->current_control_set, false);
    json_fact_str(&j, "processor_architecture", &f->processor_architecture);
    json_fact_str(&j, "product_type", &f->product_type);
    json_key(&j, "arch"), json_string(&j, facts_arch_name(f->arch));
    json_key(&j, "arch_source"), json_string(&j, f->arch_source);
    json_object_end(&j);

    json_files(&j, f);
    json_packages(&j, f);

    json_key(&j, "pending");
    json_object_begin(&j);
    json_fact_flag(&j, "cbs_reboot_pending", &f->pending.cbs_reboot_pending);
    json_fact_flag(&j, "cbs_packages_pending", &f->pending.cbs_packages_pending);
    json_fact_flag(&j, "cbs_reboot_in_progress", &f->pending.cbs_reboot_in_progress);
    json_fact_num(&j, "cbs_execute_state", &f->pending.cbs_execute_state, true);
    json_fact_num(&j, "pending_file_renames", &f->pending.pending_file_renames, true);
    json_fact_num(&j, "pending_xml_operations", &f->pending.pending_xml_operations, true);
    if (f->pending.pending_xml_error) {   /* only then: the file exists but could not be read */
        json_key(&j, "pending_xml_error");
        json_string(&j, f->pending.pending_xml_error);
    }
    json_fact_flag(&j, "wu_reboot_required", &f->pending.wu_reboot_required);
    json_object_end(&j);

    json_key(&j, "denied");
    json_array_begin(&j);
    for (size_t i = 0; i < f->ndenied; i++)
        json_string(&j, f->denied[i]);
    json_array_end(&j);
    json_key(&j, "warnings");
    json_array_begin(&j);
    for (size_t i = 0; i < f->nwarnings; i++)
        json_string(&j, f->warnings[i]);
    json_array_end(&j);
    json_object_end(&j);
    int r = json_write(&j, out);
    json_free(&j);
    return r ? kb_error_set(err, KB_ERR_IO, "cannot write the report") : 0;
}

static void text_str(FILE *out, const char *label, const fact_str *s)
{
    fprintf(out, "  %-24s %s", label, s->value ? s->value : "(absent)");
    if (s->value)
        fprintf(out, "    [%s]", s->source);
    fputc('\n', out);
}

int report_facts_text(const kb_facts *f, FILE *out, kb_error *err)
{
    char v[24], t[32];
    if (f->kind == KB_TARGET_PACKAGE_LIST) {
        const facts_list *l = &f->list;
        fprintf(out, "Target: package list %s  [%s, %s, %s]\n", l->systeminfo_path, l->encoding, l->format,
                l->language);
        if (l->qfe_path)
            fprintf(out, "  qfe       %s  [%s, %s]\n", l->qfe_path, l->qfe_encoding, l->qfe_format);
        fprintf(out, "  hotfix rows %zu (%zu not KB numbers, %zu \"File 1\" placeholders skipped)%s\n", l->rows,
                l->not_kb, l->placeholders, l->incomplete ? "; the list is incomplete" : "");
        fputs("  CBS states, file versions and pending-reboot markers: not in a package list\n", out);
    } else {
        fprintf(out, "Target: %s %s\n",
                f->kind == KB_TARGET_TREE ? "tree" : f->kind == KB_TARGET_LIVE ? "live system" : "hive files",
                f->root ? f->root : f->kind == KB_TARGET_LIVE ? f->windows_dir : f->software_path);
    }
    if (f->windows_dir)
        fprintf(out, "  Windows   %s (found by %s)\n", f->windows_dir,
                f->windows_dir_found_by ? f->windows_dir_found_by : "?");
    for (int i = KB_HIVE_SOFTWARE; i <= KB_HIVE_SYSTEM; i++) {
        const facts_hive *h = &f->hives[i];
        const char *path = i == KB_HIVE_SOFTWARE ? f->software_path : f->system_path;
        fprintf(out, "  %-8s  %s%s%s\n", i == KB_HIVE_SOFTWARE ? "SOFTWARE" : "SYSTEM",
                path ? path : "(not available)", h->corrupt ? "  [CORRUPT] " : "",
                h->corrupt && h->error ? h->error : "");
        if (h->dirty && h->logs_detail)
            fprintf(out, "            logs: %s\n", h->logs_detail);
    }
    fprintf(out, "\nOperating system:\n");
    text_str(out, "ProductName", &f->product_name);
    text_str(out, "EditionID", &f->edition_id);
    text_str(out, "InstallationType", &f->installation_type);
    text_str(out, "CurrentVersion", &f->current_version);
    text_str(out, "CurrentBuild", &f->current_build);
    text_str(out, "CurrentBuildNumber", &f->current_build_number);
    text_str(out, "CSDVersion", &f->csd_version);
    text_str(out, "BuildLab", &f->build_lab);
    text_str(out, "BuildLabEx", &f->build_lab_ex);
    text_str(out, "SystemRoot", &f->system_root);
    text_str(out, "PROCESSOR_ARCHITECTURE", &f->processor_architecture);
    text_str(out, "ProductType", &f->product_type);
    fprintf(out, "  %-24s %s%s%s%s\n", "Architecture", facts_arch_name(f->arch) ? facts_arch_name(f->arch) : "(unknown)",
            f->arch_source ? "    [" : "", f->arch_source ? f->arch_source : "", f->arch_source ? "]" : "");

    bool listed = f->kind == KB_TARGET_PACKAGE_LIST;
    fprintf(out, "\nFiles:%s\n", f->files_available ? "" : listed ? " unavailable (a package list)"
                                                               : " unavailable (hive files only)");
    for (size_t i = 0; i < f->nfiles; i++) {
        const facts_file *x = &f->files[i];
        fprintf(out, "  %-14s %s: ", x->role, x->path);
        if (!x->present)
            fprintf(out, "%s\n", x->error ? x->error : "absent");
        else if (x->error)
            fprintf(out, "unreadable: %s\n", x->error);
        else
            fprintf(out, "%s %s%s%s%s\n", pe_machine_name(x->machine),
                    x->has_version ? report_version(x->file_version, v) : "(no version)",
                    x->version_string ? "  \"" : "", x->version_string ? x->version_string : "",
                    x->version_string ? "\"" : "");
    }

    fprintf(out, "\nServicing packages (%zu):\n", f->npackages);
    for (size_t i = 0; i < f->npackages; i++) {
        const facts_package *p = &f->packages[i];
        if (p->kb == 0)
            continue;
        fprintf(out, "  KB%-8u %-18s %s", p->kb,
                p->has_state ? facts_state_name(p->state) : p->listed ? "listed"
                : p->has_key ? "(no CurrentState)" : "(manifest only)",
                p->identity);
        if (p->has_install_time && *report_filetime(p->install_time, t))
            fprintf(out, "  installed %s", t);
        fputc('\n', out);
    }

    const facts_pending *pd = &f->pending;
    fprintf(out, "\nPending reboot markers:\n");
    const fact_flag *flags[] = {&pd->cbs_reboot_pending, &pd->cbs_packages_pending,
                                &pd->cbs_reboot_in_progress, &pd->wu_reboot_required};
    for (size_t i = 0; i < 4; i++)
        fprintf(out, "  %-70s %s\n", flags[i]->source,
                !flags[i]->known ? "unknown" : flags[i]->value ? "PRESENT" : "absent");
    const fact_num *nums[] = {&pd->cbs_execute_state, &pd->pending_file_renames, &pd->pending_xml_operations};
    for (size_t i = 0; i < 3; i++) {
        if (nums[i]->present)
            fprintf(out, "  %-70s %u%s\n", nums[i]->source, nums[i]->value,
                    i == 0 && nums[i]->value == 0xFFFFFFFFu ? " (none)"
                    : i == 2 && pd->pending_xml_error ? " (exists but cannot be read)" : "");
        else if (nums[i]->unavailable)
            fprintf(out, "  %-70s unavailable (%s)\n", nums[i]->source ? nums[i]->source : "?",
                    listed ? "not in a package list"
                    : i == 2 ? (f->files_available ? "cannot be read: see the warnings" : "hive files only: no file evidence")
                    : i == 1 && !f->hives[KB_HIVE_SYSTEM].readable ? "no readable SYSTEM hive"
                                                                    : "cannot be read: see the warnings");
        else
            fprintf(out, "  %-70s %s\n", nums[i]->source ? nums[i]->source : "?", "absent");
    }
    if (f->nwarnings) {
        fprintf(out, "\nWarnings:\n");
        for (size_t i = 0; i < f->nwarnings; i++)
            fprintf(out, "  - %s\n", f->warnings[i]);
    }
    return ferror(out) ? kb_error_set(err, KB_ERR_IO, "cannot write the report") : 0;
}
