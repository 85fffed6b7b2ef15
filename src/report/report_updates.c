/* The `--updates DIR` part of the audit report: which file serves each plan step, and what
 * each file in the folder is (docs/json-output.md, "updates"). */
#include <stdint.h>

#include "kbaudit/json.h"
#include "report_audit_util.h"

static const char *arch_or_null(kb_arch a)
{
    return facts_arch_name(a);
}

void report_updates_json(kb_json *j, const audit_result *r, const report_audit_opts *o)
{
    if (o == NULL || o->updates == NULL)
        return;
    const audit_updates *u = o->updates;
    char kb[16];
    json_key(j, "updates");
    json_object_begin(j);
    json_key(j, "folder"), json_string(j, o->updates_dir);
    json_key(j, "steps");
    json_array_begin(j);
    for (size_t s = 0; s < r->nplan && s < u->nsteps; s++) {
        if (r->plan[s].kb == 0)
            continue;   /* a restart needs no file */
        json_object_begin(j);
        json_key(j, "step"), json_uint(j, s + 1);
        json_key(j, "kb"), json_string(j, report_kb(r->plan[s].kb, kb));
        json_key(j, "file"), json_string(j, u->step_file[s] == SIZE_MAX ? NULL : o->packages[u->step_file[s]].file);
        json_object_end(j);
    }
    json_array_end(j);
    json_key(j, "steps_without_file"), json_uint(j, u->steps_without_file);
    json_key(j, "files");
    json_array_begin(j);
    for (size_t i = 0; i < u->nfiles; i++) {
        const audit_package *p = &o->packages[i];
        const audit_file_match *m = &u->files[i];
        json_object_begin(j);
        json_key(j, "file"), json_string(j, p->file);
        json_key(j, "kb"), json_string(j, report_kb(p->kb, kb));
        json_key(j, "windows"), json_string(j, p->os_version && p->os_version[0] ? p->os_version : NULL);
        json_key(j, "arch"), json_string(j, arch_or_null(p->arch));
        json_key(j, "status"), json_string(j, audit_file_status_name(m->status));
        json_key(j, "step");
        m->step == SIZE_MAX ? json_null(j) : json_uint(j, m->step + 1);
        json_key(j, "reason"), json_string(j, m->reason);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
}

int report_updates_text(kb_buf *b, const audit_result *r, const report_audit_opts *o)
{
    if (o == NULL || o->updates == NULL)
        return 0;
    const audit_updates *u = o->updates;
    char kb[16];
    int rc = kb_buf_puts(b, "\nUpdate files (");
    rc |= report_clean(b, o->updates_dir, false);
    rc |= kb_buf_printf(b, "): %zu step(s) without a file\n", u->steps_without_file);
    for (size_t s = 0; s < r->nplan && s < u->nsteps; s++) {
        if (r->plan[s].kb == 0)
            continue;
        rc |= kb_buf_printf(b, "  step %zu %s: ", s + 1, report_kb(r->plan[s].kb, kb));
        if (u->step_file[s] == SIZE_MAX)
            rc |= kb_buf_puts(b, "NO FILE");
        else
            rc |= report_clean(b, o->packages[u->step_file[s]].file, false);
        rc |= kb_buf_putc(b, '\n');
    }
    for (size_t i = 0; i < u->nfiles; i++) {
        if (u->files[i].status == AUDIT_FILE_PLANNED)
            continue;
        rc |= kb_buf_puts(b, "  ");
        rc |= report_clean(b, o->packages[i].file, false);
        rc |= kb_buf_printf(b, ": %s: ", audit_file_status_name(u->files[i].status));
        rc |= report_clean(b, u->files[i].reason, false);
        rc |= kb_buf_putc(b, '\n');
    }
    return rc ? -1 : 0;
}
