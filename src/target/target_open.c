/* Opening targets: a mounted tree (find the Windows directory and its hives) or hive files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/evidence.h"
#include "target_internal.h"

#define CONFIG_DIR "System32\\config\\"

static void offline_close(kb_target *t)
{
    for (int i = 0; i < 2; i++) {
        regf_close(t->hive[i]);
        target_hive_recovery_free(&t->recovery[i]);
    }
}

int target_offline_hive_open(kb_target *t, kb_hive_id id, kb_error *err)
{
    return target_hive(t, id, err) ? 0 : -1;
}

const target_ops target_offline_ops = {
    target_offline_hive_open, target_offline_key_exists, target_offline_string, target_offline_dword,
    target_offline_value,     target_offline_subkeys,    target_offline_file,   target_offline_show_path,
    offline_close,
};

/* A tree's hive with its logs, found like any file of the tree: case-insensitively and never
 * through a link that leaves the root (System32\config\SOFTWARE.LOG1). */
static void open_tree_hive(kb_target *t, kb_hive_id id)
{
    static const char *const suffix[REGF_MAX_LOGS] = {".LOG1", ".LOG2"};
    char *logs[REGF_MAX_LOGS] = {NULL, NULL};
    kb_error refused[REGF_MAX_LOGS] = {{KB_OK, ""}, {KB_OK, ""}};
    for (size_t i = 0; i < REGF_MAX_LOGS && t->windir && !(t->flags & KB_TARGET_NO_LOGS); i++) {
        char spec[128];
        kb_error e = {0};
        snprintf(spec, sizeof spec, CONFIG_DIR "%s%s", target_hive_name(id), suffix[i]);
        if (target_file(t, spec, &logs[i], &e) == 0)
            continue;
        logs[i] = NULL;
        /* there but refused (a link out of the root): reported, not silently ignored */
        if (e.kind != KB_ERR_NOTFOUND && (logs[i] = strdup(spec + strlen(CONFIG_DIR))) != NULL)
            refused[i] = e;
    }
    target_open_hive_logs(t->hive_path[id], logs, refused, t->flags, &t->hive[id], &t->recovery[id],
                          &t->hive_err[id]);
}

const regf_hive *target_hive(kb_target *t, kb_hive_id id, kb_error *err)
{
    if (t->ops != &target_offline_ops) {
        if (err)
            kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: not a hive file", t->hive_path[id] ? t->hive_path[id] : "?");
        return NULL;
    }
    if (!t->hive_tried[id]) {
        t->hive_tried[id] = true;
        if (t->hive_path[id] == NULL)
            kb_error_set(&t->hive_err[id], KB_ERR_NOTFOUND, "no %s hive %s", target_hive_name(id),
                         t->kind == KB_TARGET_TREE ? "in the tree" : "was given");
        else if (t->kind == KB_TARGET_TREE)
            open_tree_hive(t, id);
        else
            target_open_hive_file(t->hive_path[id], t->flags, &t->hive[id], &t->recovery[id], &t->hive_err[id]);
    }
    if (t->hive[id] == NULL && err)
        *err = t->hive_err[id];
    return t->hive[id];
}

/* The host path of <root>\<name>\System32\config\SOFTWARE, or NULL (err set: KB_ERR_NOTFOUND
 * when there is none, another kind when e.g. a symlink on the way leads outside the root). */
static char *software_under(const kb_target *t, const char *name, kb_error *err)
{
    kb_buf spec = KB_BUF_INIT;
    char *host = NULL;
    if (kb_buf_printf(&spec, "\\%s\\" CONFIG_DIR "SOFTWARE", name) != 0)
        kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    else if (target_resolve(t, NULL, spec.data, &host, err) != 0)
        host = NULL;
    kb_buf_free(&spec);
    return host;
}

/* The on-disk name (relative to the root) of the folder holding HOST, a SOFTWARE hive found
 * at <root>/<windir>/System32/config/SOFTWARE. */
static char *windir_of(const kb_target *t, const char *host)
{
    const char *rel = target_relative(t, host);
    const char *slash = strchr(rel, '/');
    return kb_strndup(rel, slash ? (size_t)(slash - rel) : strlen(rel));
}

/* True when the hive at HOST names, in CurrentVersion\SystemRoot ("C:\Windows",
 * "D:\Win2008"), the folder it lies in: the drive is dropped and the rest resolved
 * case-insensitively under the root (".." and links leading out are refused). */
static bool names_itself(const kb_target *t, const char *host)
{
    kb_target probe = {.kind = KB_TARGET_TREE, .ops = &target_offline_ops, .root = t->root,
                       .flags = KB_TARGET_NO_LOGS};
    probe.hive_path[KB_HIVE_SOFTWARE] = (char *)host;
    kb_buf value = KB_BUF_INIT;
    kb_error e = {0};
    bool same = false;
    if (target_reg_string(&probe, KB_HIVE_SOFTWARE, "Microsoft\\Windows NT\\CurrentVersion", "SystemRoot",
                          &value, &e) == 0 && value.data) {
        const char *dir = value.data;
        if (((dir[0] | 0x20) >= 'a' && (dir[0] | 0x20) <= 'z') && dir[1] == ':')
            dir += 2;
        char *named = dir[strspn(dir, "\\/")] ? software_under(t, dir, &e) : NULL;
        same = named && strcmp(named, host) == 0;
        free(named);
    }
    kb_buf_free(&value);
    target_drop_caches(&probe);
    regf_close(probe.hive[KB_HIVE_SOFTWARE]);
    target_hive_recovery_free(&probe.recovery[KB_HIVE_SOFTWARE]);
    return same;
}

/* The Windows directory: among the top-level folders holding System32\config\SOFTWARE
 * (Windows and WINNT, any case, tried first; then every other one), the first whose hive's
 * SystemRoot names that folder; failing that, the first found (probing). */
static int find_windows_dir(kb_target *t, kb_error *err)
{
    static const char *const usual[] = {"Windows", "WINNT"};
    kb_error e = {0};
    char **names = NULL;
    size_t n = 0;
    char *first = NULL, *chosen = NULL;
    for (size_t i = 0; i < 2 && chosen == NULL; i++) {
        char *host = software_under(t, usual[i], &e);
        if (host == NULL && e.kind != KB_ERR_NOTFOUND) {   /* e.g. a symlink leading outside the root */
            free(first);
            *err = e;
            return -1;
        }
        if (host && names_itself(t, host))
            chosen = host;
        else if (host && first == NULL)
            first = host;
        else
            free(host);
    }
    if (chosen == NULL) {
        kb_target probe = *t;
        probe.windir = NULL;
        probe.last_key = probe.dir_spec = probe.dir_host = NULL;   /* t's own, not the probe's */
        int listed = target_list_dir(&probe, "\\", &names, &n, &e);
        target_drop_caches(&probe);
        if (listed != 0) {
            free(first);
            *err = e;
            return -1;
        }
        for (size_t i = 0; i < n && chosen == NULL; i++) {
            char *host = software_under(t, names[i], &e);
            if (host && (first == NULL || strcmp(host, first) != 0) && names_itself(t, host))
                chosen = host;
            else if (host && first == NULL)
                first = host;
            else
                free(host);
        }
        target_free_names(names, n);
    }
    t->windir_found_by = chosen ? "SystemRoot" : "probe";
    if (chosen)
        free(first);
    else
        chosen = first;
    if (chosen == NULL)
        return kb_error_set(err, KB_ERR_NOTFOUND,
                            "%s: no Windows directory found (no folder with System32\\config\\SOFTWARE)",
                            t->root);
    t->windir = windir_of(t, chosen);
    t->hive_path[KB_HIVE_SOFTWARE] = chosen;
    if (t->windir == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return 0;
}

int target_open_tree(const char *root, unsigned flags, kb_target **out, kb_error *err)
{
    *out = NULL;
    kb_target *t = calloc(1, sizeof *t);
    if (t == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    t->kind = KB_TARGET_TREE;
    t->ops = &target_offline_ops;
    t->flags = flags;
    kb_error e = {0};
    bool is_dir = false;
    t->root = kb_realpath(root, &e);
    if (t->root && kb_path_is_dir(t->root, &is_dir, &e) == 0 && !is_dir)
        kb_error_set(&e, KB_ERR_IO, "%s: not a directory", root);
    if (t->root == NULL || !is_dir) {
        /* e names the path already */
        kb_error_set(err, e.kind == KB_ERR_DENIED ? KB_ERR_DENIED : KB_ERR_IO, "not a readable directory: %s", e.msg);
        target_close(t);
        return -1;
    }
    if (find_windows_dir(t, err) != 0) {
        target_close(t);
        return -1;
    }
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

int target_open_hives(const char *software, const char *system, unsigned flags, kb_target **out,
                      kb_error *err)
{
    *out = NULL;
    kb_target *t = calloc(1, sizeof *t);
    if (t == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    t->kind = KB_TARGET_HIVES;
    t->ops = &target_offline_ops;
    t->flags = flags;
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
