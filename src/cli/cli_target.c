/* Target options shared by `facts` and `audit`: --root DIR | --software FILE [--system FILE]. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_target.h"

int cli_target_open(const char *cmd, const cli_target_opts *o, kb_target **t)
{
    *t = NULL;
    if (o->root && (o->software || o->system))
        return cli_usage_error(cmd, "--root cannot be combined with --software/--system");
    if (!o->root && !o->software)
        return cli_usage_error(cmd, o->system ? "--system needs --software" : "give --root DIR or --software FILE");
    kb_error err = {0};
    int r = o->root ? target_open_tree(o->root, t, &err) : target_open_hives(o->software, o->system, t, &err);
    if (r != 0) {
        cli_cmd_errorf(cmd, "evidence unreadable: %s", err.msg);
        return EXIT_UNREADABLE;
    }
    return 0;
}

/* The canonical form of an output path that may not exist yet: its folder resolved, plus its
 * name. NULL when the folder does not resolve either (then fopen fails and says why). */
static char *canonical_output(const char *path)
{
    char *full = realpath(path, NULL);
    if (full != NULL)
        return full;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *rdir = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    if (rdir == NULL)
        return NULL;
    const char *name = slash ? slash + 1 : path;
    size_t n = strlen(rdir) + strlen(name) + 2;
    full = malloc(n);
    if (full)
        snprintf(full, n, "%s%s%s", rdir, strcmp(rdir, "/") == 0 ? "" : "/", name);
    free(rdir);
    return full;
}

/* The same file under two names (a hard link to a hive given as evidence). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool cli_output_hits_evidence(const cli_target_opts *o, const char *output)
{
    if (output == NULL)
        return false;
    char *out = canonical_output(output);
    if (out == NULL)
        return false;
    bool hit = false;
    const char *evidence[] = {o->root, o->software, o->system};
    for (size_t i = 0; i < 3 && !hit; i++) {
        char *e = evidence[i] ? realpath(evidence[i], NULL) : NULL;
        if (e == NULL)
            continue;
        size_t n = strlen(e);
        if (i == 0)   /* a folder: anything below it */
            hit = strncmp(out, e, n) == 0 && (out[n] == '/' || out[n] == '\0' || strcmp(e, "/") == 0);
        else
            hit = strcmp(out, e) == 0 || same_file(out, e);
        free(e);
    }
    free(out);
    return hit;
}
