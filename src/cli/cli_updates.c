/* `kbaudit audit --updates DIR`: reads every .msu in DIR with the msu module and hands the
 * packages' identities to the audit as plain data (cli_updates.h). Which package is which KB
 * comes from its content, never its file name: the name is only used to point at the file. */
#include <stdlib.h>
#include <string.h>

#include "cli_updates.h"
#include "kbaudit/buf.h"
#include "kbaudit/evidence.h"
#include "kbaudit/msu.h"

/* A folder of updates holds tens of files; this bounds a hostile one. */
#define MAX_PACKAGES 4096

static bool is_msu(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && name[n - 4] == '.' && (name[n - 3] | 32) == 'm' && (name[n - 2] | 32) == 's' &&
           (name[n - 1] | 32) == 'u';
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static kb_arch arch_of(const char *a)
{
    return strcmp(a, "x64") == 0 ? KB_ARCH_X64 : strcmp(a, "x86") == 0 ? KB_ARCH_X86
                                              : strcmp(a, "ia64") == 0 ? KB_ARCH_IA64 : KB_ARCH_UNKNOWN;
}

static int list(const char *dir, char ***names, size_t *n, kb_error *err)
{
    kb_dir *d = kb_dir_open(dir, err);
    if (d == NULL)
        return -1;
    const char *name;
    while ((name = kb_dir_next(d)) != NULL) {
        if (!is_msu(name))
            continue;
        char **v = *n < MAX_PACKAGES ? realloc(*names, (*n + 1) * sizeof *v) : NULL;
        if (v == NULL || (v[*n] = kb_strndup(name, 4096)) == NULL) {
            if (v)
                *names = v;
            kb_dir_close(d);
            return kb_error_set(err, KB_ERR_NOMEM, "%s: too many .msu files or out of memory", dir);
        }
        *names = v;
        (*n)++;
    }
    int rc = kb_dir_status(d, err);
    kb_dir_close(d);
    if (rc == 0 && *n > 1)
        qsort(*names, *n, sizeof **names, by_name);
    return rc;
}

int cli_updates_read(const char *dir, cli_updates *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    if (list(dir, &out->names, &out->n, err) != 0) {
        cli_updates_free(out);
        return -1;
    }
    out->packages = calloc(out->n ? out->n : 1, sizeof *out->packages);
    out->msu = calloc(out->n ? out->n : 1, sizeof *out->msu);
    out->errors = calloc(out->n ? out->n : 1, sizeof *out->errors);
    if (out->packages == NULL || out->msu == NULL || out->errors == NULL) {
        cli_updates_free(out);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < out->n; i++) {
        kb_buf path = KB_BUF_INIT;
        kb_error e = {0};
        audit_package *p = &out->packages[i];
        p->file = out->names[i];
        if (kb_buf_printf(&path, "%s/%s", dir, out->names[i]) != 0) {
            cli_updates_free(out);
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        }
        if (msu_read_file(path.data, &out->msu[i], &e) != 0) {
            out->errors[i] = kb_strndup(e.msg, sizeof e.msg);
            p->error = out->errors[i] ? out->errors[i] : "unreadable";
        } else if (out->msu[i].sources_disagree) {
            /* which of the two is right cannot be told: such a file is never planned */
            kb_buf why = KB_BUF_INIT;
            kb_buf_printf(&why, "its package metadata contradicts itself: %s",
                          out->msu[i].nwarnings ? out->msu[i].warnings[0] : "pkgProperties and the unattend file differ");
            out->errors[i] = why.data;
            p->error = out->errors[i] ? out->errors[i] : "its package metadata contradicts itself";
        } else {
            p->kb = out->msu[i].kb;
            p->os_version = out->msu[i].os_version;
            p->arch = arch_of(out->msu[i].arch);
        }
        kb_buf_free(&path);
    }
    return 0;
}

void cli_updates_free(cli_updates *u)
{
    for (size_t i = 0; i < u->n; i++) {
        if (u->msu)
            msu_package_free(&u->msu[i]);
        if (u->errors)
            free(u->errors[i]);
        if (u->names)
            free(u->names[i]);
    }
    free(u->msu), free(u->errors), free(u->names), free(u->packages);
    memset(u, 0, sizeof *u);
}
