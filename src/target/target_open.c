/* Opening targets: a mounted tree (find the Windows directory and its hives) or hive files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "target_internal.h"

#define CONFIG_DIR "System32\\config\\"

static const char *const hive_names[2] = {"SOFTWARE", "SYSTEM"};

const char *target_hive_name(kb_hive_id id) { return hive_names[id]; }

void target_close(kb_target *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < 2; i++) {
        regf_close(t->hive[i]);
        free(t->hive_path[i]);
    }
    free(t->root);
    free(t->windir);
    free(t);
}

kb_target_kind target_kind(const kb_target *t) { return t->kind; }
const char *target_root(const kb_target *t) { return t->root; }
const char *target_windows_dir(const kb_target *t) { return t->windir; }
bool target_files_available(const kb_target *t) { return t->kind == KB_TARGET_TREE; }
const char *target_hive_path(const kb_target *t, kb_hive_id id) { return t->hive_path[id]; }

const regf_hive *target_hive(kb_target *t, kb_hive_id id, kb_error *err)
{
    if (!t->hive_tried[id]) {
        t->hive_tried[id] = true;
        if (t->hive_path[id] == NULL)
            kb_error_set(&t->hive_err[id], KB_ERR_NOTFOUND, "no %s hive %s", hive_names[id],
                         t->kind == KB_TARGET_TREE ? "in the tree" : "was given");
        else
            regf_open_file(t->hive_path[id], &t->hive[id], &t->hive_err[id]);
    }
    if (t->hive[id] == NULL && err)
        *err = t->hive_err[id];
    return t->hive[id];
}

/* The Windows directory is the folder whose System32\config\SOFTWARE exists: Windows and
 * WINNT first (any case), then every top-level folder. */
static int find_windows_dir(kb_target *t, kb_error *err)
{
    static const char *const usual[] = {"Windows", "WINNT"};
    kb_error e = {0};
    char *host = NULL;
    char spec[PATH_MAX];
    for (size_t i = 0; i < 2; i++) {
        snprintf(spec, sizeof spec, "\\%s\\" CONFIG_DIR "SOFTWARE", usual[i]);
        if (target_resolve(t, NULL, spec, &host, &e) == 0)
            break;
        if (e.kind != KB_ERR_NOTFOUND) {   /* e.g. a symlink leading outside the root */
            *err = e;
            return -1;
        }
    }
    if (host == NULL) {
        char **names;
        size_t n;
        if (target_resolve(t, NULL, "\\", &host, &e) != 0)
            return *err = e, -1;
        free(host);
        host = NULL;
        kb_target probe = *t;
        probe.windir = NULL;
        if (target_list_dir(&probe, "\\", &names, &n, &e) != 0)
            return *err = e, -1;
        for (size_t i = 0; i < n && host == NULL; i++) {
            snprintf(spec, sizeof spec, "\\%s\\" CONFIG_DIR "SOFTWARE", names[i]);
            if (target_resolve(t, NULL, spec, &host, &e) != 0)
                host = NULL;
        }
        target_free_names(names, n);
        if (host == NULL)
            return kb_error_set(err, KB_ERR_NOTFOUND,
                                "%s: no Windows directory found (no folder with System32\\config\\SOFTWARE)",
                                t->root);
    }
    /* host = <root>/<windir>/System32/config/SOFTWARE, as found on disk */
    size_t rlen = strcmp(t->root, "/") == 0 ? 0 : strlen(t->root);
    const char *rel = host + rlen + 1;
    const char *slash = strchr(rel, '/');
    t->windir = strndup(rel, slash ? (size_t)(slash - rel) : strlen(rel));
    t->hive_path[KB_HIVE_SOFTWARE] = host;
    if (t->windir == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return 0;
}

int target_open_tree(const char *root, kb_target **out, kb_error *err)
{
    *out = NULL;
    kb_target *t = calloc(1, sizeof *t);
    if (t == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    t->kind = KB_TARGET_TREE;
    struct stat st;
    t->root = realpath(root, NULL);
    if (t->root == NULL || stat(t->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        kb_error_set(err, KB_ERR_IO, "%s: not a readable directory%s%s", root, errno ? ": " : "",
                     errno ? strerror(errno) : "");
        target_close(t);
        return -1;
    }
    if (find_windows_dir(t, err) != 0) {
        target_close(t);
        return -1;
    }
    kb_error e = {0};
    char *system = NULL;
    if (target_file(t, CONFIG_DIR "SYSTEM", &system, &e) == 0)
        t->hive_path[KB_HIVE_SYSTEM] = system;
    if (target_hive(t, KB_HIVE_SOFTWARE, err) == NULL) {
        target_close(t);
        return -1;
    }
    *out = t;
    return 0;
}

int target_open_hives(const char *software, const char *system, kb_target **out, kb_error *err)
{
    *out = NULL;
    kb_target *t = calloc(1, sizeof *t);
    if (t == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    t->kind = KB_TARGET_HIVES;
    t->hive_path[KB_HIVE_SOFTWARE] = strdup(software);
    t->hive_path[KB_HIVE_SYSTEM] = system ? strdup(system) : NULL;
    if (t->hive_path[KB_HIVE_SOFTWARE] == NULL || (system && t->hive_path[KB_HIVE_SYSTEM] == NULL)) {
        target_close(t);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    if (target_hive(t, KB_HIVE_SOFTWARE, err) == NULL) {
        target_close(t);
        return -1;
    }
    *out = t;
    return 0;
}
