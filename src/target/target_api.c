/* The public target interface: accessors, and every read dispatched to the target's backend
 * (offline: target_open.c, target_reg.c, target_path.c; live: target_live_win32.c). */
#include <stdlib.h>
#include <string.h>

#include "target_internal.h"

static const char *const hive_names[2] = {"SOFTWARE", "SYSTEM"};
static const char *const live_hive_labels[2] = {"HKLM\\SOFTWARE", "HKLM\\SYSTEM"};

const char *target_hive_name(kb_hive_id id) { return hive_names[id]; }

const char *target_hive_label(const kb_target *t, kb_hive_id id)
{
    return t->kind == KB_TARGET_LIVE ? live_hive_labels[id] : hive_names[id];
}

void target_close(kb_target *t)
{
    if (t == NULL)
        return;
    if (t->ops)
        t->ops->close(t);
    for (int i = 0; i < 2; i++)
        free(t->hive_path[i]);
    free(t->root);
    free(t->windir);
    target_drop_caches(t);
    free(t);
}

void target_drop_caches(kb_target *t)
{
    free(t->last_key);
    free(t->dir_spec);
    free(t->dir_host);
    t->last_key = t->dir_spec = t->dir_host = NULL;
    t->last_hive = NULL;
}

kb_target_kind target_kind(const kb_target *t) { return t->kind; }
const char *target_root(const kb_target *t) { return t->root; }
const char *target_windows_dir(const kb_target *t) { return t->windir; }
const char *target_windows_dir_found_by(const kb_target *t) { return t->windir_found_by; }
bool target_files_available(const kb_target *t) { return t->kind != KB_TARGET_HIVES; }
const char *target_hive_path(const kb_target *t, kb_hive_id id) { return t->hive_path[id]; }

const char *target_relative(const kb_target *t, const char *host)
{
    if (t->root == NULL)
        return host;
    size_t n = target_root_prefix_len(t);
    if (strncmp(host, t->root, n) != 0 || host[n] != '/')
        return host;
    return host + n + 1;
}

int target_hive_open(kb_target *t, kb_hive_id id, kb_error *err)
{
    return t->ops->hive_open(t, id, err);
}

int target_reg_key_exists(kb_target *t, kb_hive_id id, const char *key, bool *exists, kb_error *err)
{
    return t->ops->key_exists(t, id, key, exists, err);
}

int target_reg_string(kb_target *t, kb_hive_id id, const char *key, const char *value, kb_buf *out,
                      kb_error *err)
{
    return t->ops->reg_string(t, id, key, value, out, err);
}

int target_reg_dword(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t *out,
                     kb_error *err)
{
    return t->ops->reg_dword(t, id, key, value, out, err);
}

int target_reg_value(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t type,
                     kb_buf *out, kb_error *err)
{
    return t->ops->reg_value(t, id, key, value, type, out, err);
}

int target_reg_subkeys(kb_target *t, kb_hive_id id, const char *key, char ***names, size_t *n,
                       char ***skipped, size_t *nskipped, kb_error *err)
{
    return t->ops->reg_subkeys(t, id, key, names, n, skipped, nskipped, err);
}

int target_file(kb_target *t, const char *winpath, char **host_path, kb_error *err)
{
    return t->ops->file(t, winpath, host_path, err);
}

char *target_show_path(kb_target *t, const char *dir, const char *name)
{
    return t->ops->show_path(t, dir, name);
}

void target_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
