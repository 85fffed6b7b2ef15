/* Update packages on hand against the install plan (docs/how-kbaudit-decides.md, "Update
 * packages on hand"). Pure: the packages arrive as plain data. A package serves a step when
 * it carries the step's KB, is for Windows 6.0 and for the host's architecture; the first
 * such package serves it, later ones are duplicates. A package for no step is superseded
 * when a step of the plan supersedes it (it need not be installed), else simply not needed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/audit.h"

const char *audit_file_status_name(audit_file_status s)
{
    static const char *const names[] = {"planned", "duplicate", "superseded", "not-needed",
                                        "wrong-os", "wrong-arch", "unknown", "unreadable"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static int set_reason(audit_file_match *m, const char *fmt, ...) KB_PRINTF(2, 3);
static int set_reason(audit_file_match *m, const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    m->reason = malloc(strlen(b) + 1);
    if (m->reason == NULL)
        return -1;
    strcpy(m->reason, b);
    return 0;
}

static const char *arch_name(kb_arch a)
{
    const char *n = facts_arch_name(a);
    return n ? n : "unknown";
}

/* Decides one package; fills m (reason included). */
static int classify(const audit_result *r, const kbdb *db, const audit_package *p, audit_updates *u,
                    audit_file_match *m, size_t index)
{
    m->step = SIZE_MAX;
    if (p->error) {
        m->status = AUDIT_FILE_UNREADABLE;
        return set_reason(m, "not readable as an update package: %s", p->error);
    }
    if (p->kb == 0 || p->os_version == NULL || p->os_version[0] == 0) {
        m->status = AUDIT_FILE_UNKNOWN;
        return set_reason(m, "the package does not say %s", p->kb == 0 ? "its KB" : "which Windows it is for");
    }
    if (strcmp(p->os_version, "6.0") != 0) {
        m->status = AUDIT_FILE_WRONG_OS;
        return set_reason(m, "KB%u for Windows %s%s, not Windows 6.0 (Server 2008 SP2)", p->kb, p->os_version,
                          strcmp(p->os_version, "6.1") == 0 ? " (Windows 7 / Server 2008 R2)" : "");
    }
    if (r->arch != KB_ARCH_UNKNOWN && p->arch != r->arch) {
        m->status = AUDIT_FILE_WRONG_ARCH;
        return set_reason(m, "KB%u for %s, the host is %s", p->kb, arch_name(p->arch), arch_name(r->arch));
    }
    for (size_t s = 0; s < r->nplan; s++) {
        if (r->plan[s].kb != p->kb)
            continue;
        m->step = s;
        if (u->step_file[s] == SIZE_MAX) {
            u->step_file[s] = index;
            m->status = AUDIT_FILE_PLANNED;
            return set_reason(m, "KB%u: step %zu of the plan", p->kb, s + 1);
        }
        m->status = AUDIT_FILE_DUPLICATE;
        return set_reason(m, "KB%u: step %zu is already served by another file", p->kb, s + 1);
    }
    for (size_t s = 0; s < r->nplan; s++) {
        if (r->plan[s].kb && kbdb_supersedes_transitively(db, r->plan[s].kb, p->kb)) {
            m->step = s;
            m->status = AUDIT_FILE_SUPERSEDED;
            return set_reason(m, "KB%u is superseded by KB%u (step %zu): not needed", p->kb, r->plan[s].kb, s + 1);
        }
    }
    m->status = AUDIT_FILE_NOT_NEEDED;
    return set_reason(m, "KB%u is not in the plan (installed already, or not required)", p->kb);
}

int audit_match_updates(const audit_result *r, const kbdb *db, const audit_package *pkgs, size_t n,
                        audit_updates *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    out->step_file = malloc((r->nplan ? r->nplan : 1) * sizeof *out->step_file);
    out->files = calloc(n ? n : 1, sizeof *out->files);
    if (out->step_file == NULL || out->files == NULL) {
        audit_updates_free(out);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    out->nsteps = r->nplan;
    out->nfiles = n;
    for (size_t s = 0; s < r->nplan; s++)
        out->step_file[s] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (classify(r, db, &pkgs[i], out, &out->files[i], i) != 0) {
            audit_updates_free(out);
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        }
    }
    for (size_t s = 0; s < r->nplan; s++)
        if (r->plan[s].kb != 0 && out->step_file[s] == SIZE_MAX)
            out->steps_without_file++;
    return 0;
}

void audit_updates_free(audit_updates *u)
{
    for (size_t i = 0; u->files && i < u->nfiles; i++)
        free(u->files[i].reason);
    free(u->files);
    free(u->step_file);
    memset(u, 0, sizeof *u);
}
