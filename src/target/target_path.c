/* Windows paths on a mounted volume: resolved component by component, case-insensitively
 * (mounts differ in case: WINDOWS, System32, config\software...), and never outside the
 * root: every symlink met on the way is resolved and must stay inside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbaudit/evidence.h"
#include "kbaudit/utf.h"
#include "target_internal.h"

#define TARGET_MAX_COMPONENTS 64

/* Case-insensitive equality of two UTF-8 names, folding as Windows does (kb_upcase16). */
static bool same_name(const char *a, const char *b)
{
    const char *ae = a + strlen(a), *be = b + strlen(b);
    while (a < ae && b < be) {
        uint32_t x = kb_utf8_next(&a, ae), y = kb_utf8_next(&b, be);
        if (x < 0x10000)
            x = kb_upcase16((uint16_t)x);
        if (y < 0x10000)
            y = kb_upcase16((uint16_t)y);
        if (x != y)
            return false;
    }
    return a == ae && b == be;
}

static bool inside_root(const kb_target *t, const char *real)
{
    size_t n = strlen(t->root);
    if (strcmp(t->root, "/") == 0)
        return true;
    return strncmp(real, t->root, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/* Appends "/<entry>" to path, where entry is the directory entry of `path` matching `comp`
 * (exact name first, then a case-insensitive scan). */
static int append_component(kb_buf *path, const char *comp, kb_error *err)
{
    size_t len = path->len;
    if (kb_buf_putc(path, '/') || kb_buf_puts(path, comp))
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    struct stat st;
    if (lstat(path->data, &st) == 0)
        return 0;
    path->len = len;
    path->data[len] = '\0';
    DIR *d = kb_opendir_readonly(path->data, err);
    if (d == NULL)
        return -1;
    struct dirent *e;
    const char *found = NULL;
    while ((e = readdir(d)) != NULL) {
        if (same_name(e->d_name, comp)) {
            found = e->d_name;
            break;
        }
    }
    int r = 0;
    if (found == NULL)
        r = kb_error_set(err, KB_ERR_NOTFOUND, "%s: no entry named \"%s\" (any case)", path->data, comp);
    else if (kb_buf_putc(path, '/') || kb_buf_puts(path, found))
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    closedir(d);
    return r;
}

/* A symlink met on the way is followed only if it resolves inside the root. */
static int check_link(const kb_target *t, kb_buf *path, kb_error *err)
{
    struct stat st;
    if (lstat(path->data, &st) != 0 || !S_ISLNK(st.st_mode))
        return 0;
    char *real = realpath(path->data, NULL);
    if (real == NULL)
        return kb_error_set(err, errno == ENOENT ? KB_ERR_NOTFOUND : KB_ERR_IO,
                            "%s: symlink cannot be resolved: %s", path->data, strerror(errno));
    int r = 0;
    if (!inside_root(t, real))
        r = kb_error_set(err, KB_ERR_IO, "%s: refused: symlink leads outside the root %s (to %s)",
                         path->data, t->root, real);
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
    if (kb_buf_puts(&path, strcmp(t->root, "/") == 0 ? "" : t->root) ||
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
        r = append_component(&path, c, err);
        if (r == 0)
            r = check_link(t, &path, err);
    }
    if (r == 0 && path.len == 0)
        r = kb_buf_putc(&path, '/') ? kb_error_set(err, KB_ERR_NOMEM, "out of memory") : 0;
    kb_buf_free(&spec);
    if (r != 0) {
        kb_buf_free(&path);
        return -1;
    }
    *host = path.data;
    return 0;
}

int target_file(kb_target *t, const char *winpath, char **host_path, kb_error *err)
{
    return target_resolve(t, t->windir, winpath, host_path, err);
}

void target_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int target_list_dir(kb_target *t, const char *winpath, char ***names, size_t *n, kb_error *err)
{
    *names = NULL;
    *n = 0;
    char *host;
    if (target_file(t, winpath, &host, err) != 0)
        return -1;
    DIR *d = kb_opendir_readonly(host, err);
    if (d == NULL) {
        free(host);
        return -1;
    }
    size_t cap = 0;
    int r = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = realloc(*names, cap * sizeof *v);
            if (v == NULL) {
                r = -1;
                break;
            }
            *names = v;
        }
        if (((*names)[*n] = strdup(e->d_name)) == NULL) {
            r = -1;
            break;
        }
        ++*n;
    }
    closedir(d);
    free(host);
    if (r != 0) {
        target_free_names(*names, *n);
        *names = NULL;
        *n = 0;
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    return 0;
}
