/* Windows paths on a mounted volume: resolved component by component, case-insensitively
 * (mounts differ in case: WINDOWS, System32, config\software...), and never outside the
 * root: every symlink met on the way is resolved and must stay inside it. */
#include <stdlib.h>
#include <string.h>

#include "kbaudit/evidence.h"
#include "target_internal.h"

#define TARGET_MAX_COMPONENTS 64

/* A root that ends in '/' is a file-system root ("/", "E:/"): every component is appended to
 * it as "/NAME", so its own separator is not part of the prefix. */
size_t target_root_prefix_len(const kb_target *t)
{
    size_t n = strlen(t->root);
    return n > 0 && t->root[n - 1] == '/' ? n - 1 : n;
}

static bool inside_root(const kb_target *t, const char *real)
{
    size_t n = target_root_prefix_len(t);
    return strncmp(real, t->root, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/* Appends "/<entry>" to path, where entry is the directory entry of `path` matching `comp`
 * (exact name first, then as Windows compares names). */
static int append_component(const kb_target *t, kb_buf *path, const char *comp, kb_error *err)
{
    char *found = NULL;
    /* the folder itself: a root that is a file-system root keeps its '/' ("E:/", "/") */
    bool at_root = path->len == target_root_prefix_len(t);
    if (kb_dir_find(at_root ? t->root : path->data, comp, &found, err) != 0)
        return -1;
    int r = kb_buf_putc(path, '/') || kb_buf_puts(path, found) ? kb_error_set(err, KB_ERR_NOMEM, "out of memory") : 0;
    free(found);
    return r;
}

/* A link met on the way is followed only if it resolves inside the root. */
static int check_link(const kb_target *t, kb_buf *path, kb_error *err)
{
    kb_path_kind kind;
    if (kb_path_kind_of(path->data, &kind, err) != 0)
        return -1;
    if (kind != KB_PATH_LINK)
        return 0;
    kb_error e = {0};
    char *real = kb_realpath(path->data, &e);
    if (real == NULL)
        return kb_error_set(err, e.kind == KB_ERR_NOTFOUND ? KB_ERR_NOTFOUND : e.kind == KB_ERR_DENIED ? KB_ERR_DENIED : KB_ERR_IO,
                            "%s: symlink cannot be resolved: %s", path->data, e.msg);
    int r = 0;
    if (!inside_root(t, real))
        r = kb_error_set(err, KB_ERR_IO, "%s: refused: symlink leads outside the root %s (to %s)",
                         path->data, t->root, real);
    free(real);
    return r;
}

/* Where the path finally leads must be inside the root too: a link that the file system does
 * not present as one (wine shows a Unix symlink to a file as a plain file) is caught here. */
static int check_final(const kb_target *t, kb_buf *path, kb_error *err)
{
    kb_error e = {0};
    char *real = kb_realpath(path->data, &e);
    if (real == NULL)   /* where it leads is unknown: not read */
        return kb_error_set(err, e.kind == KB_ERR_DENIED ? KB_ERR_DENIED : e.kind == KB_ERR_NOTFOUND ? KB_ERR_NOTFOUND : KB_ERR_IO,
                            "%s", e.msg);
    int r = 0;
    if (!inside_root(t, real))
        r = kb_error_set(err, KB_ERR_IO, "%s: refused: symlink leads outside the root %s (to %s)", path->data,
                         t->root, real);
    free(real);
    return r;
}

int target_resolve(const kb_target *t, const char *base, const char *winpath, char **host,
                   kb_error *err)
{
    *host = NULL;
    if (t->kind != KB_TARGET_TREE)
        return kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: file evidence is unavailable for hive files",
                            winpath);
    kb_buf path = KB_BUF_INIT, spec = KB_BUF_INIT;
    int r = 0;
    if (kb_buf_append(&path, t->root, target_root_prefix_len(t)) ||
        (base && winpath[0] != '\\' && winpath[0] != '/' &&
         (kb_buf_puts(&spec, base) || kb_buf_putc(&spec, '\\'))) ||
        kb_buf_puts(&spec, winpath))
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    char *save = NULL;
    int count = 0;
    for (char *c = r ? NULL : strtok_r(spec.data, "\\/", &save); c && r == 0;
         c = strtok_r(NULL, "\\/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0 || ++count > TARGET_MAX_COMPONENTS) {
            r = kb_error_set(err, KB_ERR_USAGE, "%s: refused: \"..\" or too many components", winpath);
            break;
        }
        r = append_component(t, &path, c, err);
        if (r == 0)
            r = check_link(t, &path, err);
    }
    if (r == 0 && path.len == target_root_prefix_len(t))   /* the root itself */
        r = kb_buf_putc(&path, '/') ? kb_error_set(err, KB_ERR_NOMEM, "out of memory") : 0;
    else if (r == 0)
        r = check_final(t, &path, err);
    kb_buf_free(&spec);
    if (r != 0) {
        kb_buf_free(&path);
        return -1;
    }
    *host = path.data;
    return 0;
}

/* How many components target_resolve counts in SPEC (all but "." and empty ones); -1 when it
 * holds "..". */
static int count_components(const char *spec)
{
    int n = 0;
    for (const char *c = spec; *c;) {
        size_t len = strcspn(c, "\\/");
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return -1;
        n += len > 0 && !(len == 1 && c[0] == '.');
        c += len + (c[len] != '\0');
    }
    return n;
}

/* DIR\NAME below the Windows directory, with DIR resolved once and kept: reading every .mum
 * of servicing\Packages resolves the same folders once per package otherwise. NAME alone is
 * then resolved and checked, exactly as target_resolve would after walking DIR; anything
 * unusual (a "..", a failure while resolving DIR) goes through target_resolve as a whole, so
 * its errors read as they always did. */
int target_offline_file(kb_target *t, const char *winpath, char **host_path, kb_error *err)
{
    *host_path = NULL;
    const char *slash = strrchr(winpath, '\\'), *fwd = strrchr(winpath, '/');
    if (fwd > slash)
        slash = fwd;
    const char *name = slash ? slash + 1 : NULL;
    int n = slash ? count_components(name) : -1;
    if (t->kind != KB_TARGET_TREE || n != 1 || winpath[0] == '\\' || winpath[0] == '/')
        return target_resolve(t, t->windir, winpath, host_path, err);
    size_t dlen = (size_t)(slash - winpath);
    if (t->dir_spec == NULL || strlen(t->dir_spec) != dlen || memcmp(t->dir_spec, winpath, dlen) != 0) {
        char *dir = kb_strndup(winpath, dlen), *dir_host = NULL;
        kb_error e = {0};
        int count = dir ? count_components(dir) : -1, above = t->windir ? count_components(t->windir) : 0;
        if (count < 1 || above < 0 || above + count + 1 > TARGET_MAX_COMPONENTS ||
            target_resolve(t, t->windir, dir, &dir_host, &e) != 0) {
            free(dir);
            return target_resolve(t, t->windir, winpath, host_path, err);
        }
        free(t->dir_spec);
        free(t->dir_host);
        t->dir_spec = dir;
        t->dir_host = dir_host;
    }
    kb_buf path = KB_BUF_INIT;
    int r = kb_buf_puts(&path, t->dir_host) ? kb_error_set(err, KB_ERR_NOMEM, "out of memory") : 0;
    if (r == 0)
        r = append_component(t, &path, name, err);
    if (r == 0)
        r = check_link(t, &path, err);
    if (r == 0)
        r = check_final(t, &path, err);
    if (r != 0) {
        kb_buf_free(&path);
        return -1;
    }
    *host_path = path.data;
    return 0;
}

char *target_offline_show_path(kb_target *t, const char *dir, const char *name)
{
    char *host = NULL;
    kb_error e = {0};
    kb_buf p = KB_BUF_INIT;
    /* the folder as found on disk when it exists ("WINDOWS/SYSTEM32/x.dll" in an upper-case tree) */
    if (target_offline_file(t, dir, &host, &e) == 0)
        kb_buf_printf(&p, "%s/%s", target_relative(t, host), name);
    else
        kb_buf_printf(&p, "%s/%s/%s", t->windir ? t->windir : "Windows", dir, name);
    free(host);
    return p.data;
}

int target_list_dir(kb_target *t, const char *winpath, char ***names, size_t *n, kb_error *err)
{
    *names = NULL;
    *n = 0;
    char *host;
    if (target_file(t, winpath, &host, err) != 0)
        return -1;
    kb_dir *d = kb_dir_open(host, err);
    free(host);
    if (d == NULL)
        return -1;
    size_t cap = 0;
    int r = 0;
    const char *entry;
    while ((entry = kb_dir_next(d)) != NULL) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = realloc(*names, cap * sizeof *v);
            if (v == NULL) {
                r = -1;
                break;
            }
            *names = v;
        }
        if (((*names)[*n] = strdup(entry)) == NULL) {
            r = -1;
            break;
        }
        ++*n;
    }
    kb_error e = {0};
    if (r != 0)
        kb_error_set(&e, KB_ERR_NOMEM, "out of memory");
    else if (kb_dir_status(d, &e) != 0)   /* a short listing would hide packages */
        r = -1;
    kb_dir_close(d);
    if (r != 0) {
        target_free_names(*names, *n);
        *names = NULL;
        *n = 0;
        if (err)
            *err = e;
        return -1;
    }
    return 0;
}
