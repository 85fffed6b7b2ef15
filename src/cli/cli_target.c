/* Target options shared by `facts` and `audit`: --live | --root DIR | --software FILE [--system FILE]. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_target.h"
#include "kbaudit/buf.h"
#include "kbaudit/evidence.h"
#include "kbaudit/outfile.h"

int cli_target_open_quiet(const cli_target_opts *o, kb_target **t, kb_error *err)
{
    unsigned flags = o->no_logs ? KB_TARGET_NO_LOGS : 0;
    return o->live ? target_open_live(t, err)
           : o->root ? target_open_tree(o->root, flags, t, err)
                     : target_open_hives(o->software, o->system, flags, t, err);
}

int cli_target_open(const char *cmd, const cli_target_opts *o, kb_target **t)
{
    *t = NULL;
    if (o->qfe && !o->systeminfo)
        return cli_usage_error(cmd, "--qfe needs --systeminfo");
    if (o->systeminfo && (o->live || o->root || o->software || o->system))
        return cli_usage_error(cmd, "--systeminfo cannot be combined with --live/--root/--software/--system");
    if (o->live && (o->root || o->software || o->system))
        return cli_usage_error(cmd, "--live cannot be combined with --root/--software/--system");
    if (o->root && (o->software || o->system))
        return cli_usage_error(cmd, "--root cannot be combined with --software/--system");
    if (!o->live && !o->root && !o->software)
        return cli_usage_error(cmd, o->system ? "--system needs --software"
                                              : "give --live, --root DIR, --software FILE or --systeminfo FILE");
    kb_error err = {0};
    int r = cli_target_open_quiet(o, t, &err);
    if (r != 0 && err.kind == KB_ERR_UNSUPPORTED && o->live)
        return cli_usage_error(cmd, "%s", err.msg);
    if (r != 0) {
        cli_cmd_errorf(cmd, "evidence unreadable: %s", err.msg);
        return EXIT_UNREADABLE;
    }
    return 0;
}

int cli_gather_facts(const char *cmd, const cli_target_opts *o, kb_target **t, kb_facts *f)
{
    kb_error err = {0};
    *t = NULL;
    if (o->systeminfo && !o->live && !o->root && !o->software && !o->system) {
        /* text, not a target: the facts come straight from it */
        if (facts_gather_package_list(o->systeminfo, o->qfe, f, &err) == 0)
            return 0;
        cli_cmd_errorf(cmd, "evidence unreadable: %s", err.msg);
        return EXIT_UNREADABLE;
    }
    int rc = cli_target_open(cmd, o, t);
    if (rc)
        return rc;
    if (facts_gather(*t, f, &err) != 0) {
        cli_cmd_errorf(cmd, "evidence unreadable: %s", err.msg);
        target_close(*t);
        *t = NULL;
        return EXIT_UNREADABLE;
    }
    return 0;
}

/* The canonical form of an output path that may not exist yet: its folder resolved, plus its
 * name. NULL when the folder does not resolve either (then opening it fails and says why). */
static char *canonical_output(const char *given)
{
    /* absolute first: on Windows "E:report.json" is relative to E:'s own current folder */
    char *path = kb_absolute_path(given);
    if (path == NULL)
        return NULL;
    char *full = kb_realpath(path, NULL);
    if (full != NULL) {
        free(path);
        return full;
    }
    const char *slash = NULL;
    for (const char *p = path; *p; p++)
        if (kb_is_path_separator(*p))
            slash = p;
    char *dir = slash ? kb_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *rdir = dir ? kb_realpath(dir, NULL) : NULL;
    free(dir);
    if (rdir == NULL) {
        free(path);
        return NULL;
    }
    const char *name = slash ? slash + 1 : path;
    kb_buf b = KB_BUF_INIT;
    size_t n = strlen(rdir);
    if (kb_buf_puts(&b, rdir) || (n == 0 || rdir[n - 1] != '/' ? kb_buf_putc(&b, '/') : 0) || kb_buf_puts(&b, name))
        kb_buf_free(&b);
    free(rdir);
    free(path);
    return b.data;
}

/* Where the last separator of a canonical path is (4 in "/a/b/NAME"); 0 when none. */
static size_t last_separator(const char *path)
{
    size_t dir = 0;
    for (size_t i = 0; path[i]; i++)
        if (kb_is_path_separator(path[i]))
            dir = i;
    return dir;
}

/* True when OUT (canonical) is HIVE's transaction log: in the same folder and named
 * HIVE.LOG, HIVE.LOG1, HIVE.LOG2 or anything else HIVE.LOG*, in any case, because the
 * hive readers find the logs case-insensitively (Windows names them SOFTWARE.LOG1, copies
 * made elsewhere may say software.log1). */
static bool is_hive_log(const char *out, const char *hive)
{
    size_t d = last_separator(hive);
    if (!kb_is_path_separator(hive[d]) || last_separator(out) != d || strncmp(out, hive, d + 1) != 0)
        return false;
    const char *name = hive + d + 1, *oname = out + d + 1;
    size_t n = strlen(name);
    if (strlen(oname) < n + 4)
        return false;
    for (size_t i = 0; i < n + 4; i++) {
        char a = oname[i], b = i < n ? name[i] : ".LOG"[i - n];
        if ((a >= 'a' && a <= 'z' ? a - 32 : a) != (b >= 'a' && b <= 'z' ? b - 32 : b))
            return false;
    }
    return true;
}

bool cli_output_hits_file(const char *output, const char *file, unsigned how)
{
    if (output == NULL || file == NULL)
        return false;
    char *out = canonical_output(output);
    char *e = out ? kb_realpath(file, NULL) : NULL;
    bool hit = false;
    if (e != NULL) {
        size_t n = strlen(e);
        if (n > 0 && e[n - 1] == '/')   /* a file-system root: "/", "E:/" */
            n--;
        if (how & CLI_EVIDENCE_FOLDER)   /* anything below it */
            hit = strncmp(out, e, n) == 0 && (out[n] == '/' || out[n] == '\0');
        else
            hit = strcmp(out, e) == 0 || kb_same_file(out, e) ||
                  ((how & CLI_EVIDENCE_HIVE) && is_hive_log(out, e));
    }
    free(e);
    free(out);
    return hit;
}

bool cli_output_hits_evidence(const cli_target_opts *o, const char *output)
{
    return cli_output_hits_file(output, o->root, CLI_EVIDENCE_FOLDER) ||
           cli_output_hits_file(output, o->software, CLI_EVIDENCE_HIVE) ||
           cli_output_hits_file(output, o->system, CLI_EVIDENCE_HIVE) ||
           cli_output_hits_file(output, o->systeminfo, 0) || cli_output_hits_file(output, o->qfe, 0);
}
