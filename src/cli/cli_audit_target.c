/* One target of `kbaudit audit`: open it, gather its facts, audit them; or say exactly why
 * not, both as the line standard error shows and, for the JSON and JUnit reports, split into
 * file, key and offset where the message names them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_audit_target.h"
#include "kbaudit/buf.h"
#include "kbaudit/outfile.h"

static char *keep(cli_outcome *o, char *s)
{
    if (s != NULL && o->nowned < sizeof o->owned / sizeof o->owned[0])
        return o->owned[o->nowned++] = s;
    free(s);
    return NULL;
}

/* "offset 0x520" (a hive cell) or "offset 1631" (a byte of systeminfo text) after AT. */
static bool offset_in(const char *at, unsigned long long *v)
{
    for (const char *off = strstr(at, "offset "); off; off = strstr(off + 7, "offset ")) {
        const char *num = off + 7;
        bool hex = strncmp(num, "0x", 2) == 0;
        num += hex ? 2 : 0;
        if (!(hex ? isxdigit((unsigned char)*num) : isdigit((unsigned char)*num)))
            continue;
        char *end;
        *v = strtoull(num, &end, hex ? 16 : 10);
        return end != num;
    }
    return false;
}

/* FILE inside TEXT, any two path separators counting as the same: on Windows the messages
 * show host paths with '/' where the facts keep them with '\'. */
static const char *find_path(const char *text, const char *file)
{
    size_t n = strlen(file);
    for (const char *p = text; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] &&
               (p[i] == file[i] || (kb_is_path_separator(p[i]) && kb_is_path_separator(file[i]))))
            i++;
        if (i == n)
            return p;
    }
    return NULL;
}

/* One problem of the evidence. FILE (may be NULL) is the evidence file it is about when known;
 * the message says the rest: "KEY: FILE: ... offset 0x520 ..." for a corrupt key. */
static void add_error(cli_outcome *o, const char *problem, const char *file)
{
    if (o->nerrors >= CLI_OUTCOME_MAX_ERRORS)
        return;
    report_evidence_error *e = &o->errors[o->nerrors];
    memset(e, 0, sizeof *e);
    e->problem = keep(o, strdup(problem));
    if (e->problem == NULL)
        return;
    o->nerrors++;
    if (file == NULL || *file == '\0')
        return;
    e->file = keep(o, strdup(file));
    const char *at = find_path(e->problem, file);
    if (at) {
        /* what precedes ": FILE" is the key or value, when it is one (a hive's path) */
        size_t klen = (size_t)(at - e->problem);
        if (klen > 2 && at[-2] == ':' && at[-1] == ' ' &&
            (strncmp(e->problem, "SOFTWARE\\", 9) == 0 || strncmp(e->problem, "SYSTEM\\", 7) == 0))
            e->key = keep(o, kb_strndup(e->problem, klen - 2));
    }
    unsigned long long v;
    e->has_offset = offset_in(at ? at : e->problem, &v);
    e->offset = e->has_offset ? v : 0;
}

/* The file a tree's open error is about: the tree layer starts its message with the path it
 * failed on, resolved ("/mnt/win/Windows/System32/config/SOFTWARE: bad signature ...", or the
 * root itself: "/mnt/win: no Windows directory found"); other messages name the ROOT given. */
static char *tree_error_file(const char *problem, const char *root)
{
    const char *colon = strstr(problem, ": ");
    bool path = problem[0] == '/' || problem[0] == '\\' ||
                (isalpha((unsigned char)problem[0]) && problem[1] == ':' && (problem[2] == '\\' || problem[2] == '/'));
    return colon && path ? kb_strndup(problem, (size_t)(colon - problem)) : strdup(root);
}

static void unreadable(cli_outcome *o, const char *problem, const char *file)
{
    o->code = EXIT_UNREADABLE;
    kb_buf b = KB_BUF_INIT;
    if (kb_buf_printf(&b, "evidence unreadable: %s", problem) == 0)
        o->message = b.data;
    add_error(o, problem, file);
}

/* Facts from a kb_target (live, tree, hive files) or from systeminfo text. */
static int gather(const cli_target_opts *t, cli_outcome *o)
{
    kb_error err = {0};
    if (t->systeminfo) {
        if (facts_gather_package_list(t->systeminfo, t->qfe, &o->facts, &err) == 0)
            return 0;
        unreadable(o, err.msg, t->systeminfo);
        return -1;
    }
    kb_target *kt = NULL;
    if (cli_target_open_quiet(t, &kt, &err) != 0) {
        if (err.kind == KB_ERR_UNSUPPORTED && t->live) {   /* --live outside Windows: a usage error */
            o->code = EXIT_USAGE;
            o->message = strdup(err.msg);
        } else {
            char *file = t->software ? strdup(t->software) : t->root ? tree_error_file(err.msg, t->root) : NULL;
            unreadable(o, err.msg, file);
            free(file);
        }
        return -1;
    }
    int rc = facts_gather(kt, &o->facts, &err);
    if (rc != 0)
        unreadable(o, err.msg, target_hive_path(kt, KB_HIVE_SOFTWARE));
    target_close(kt);
    return rc;
}

void cli_audit_target(const cli_target_opts *t, const kbdb *db, const audit_options *ao, cli_outcome *o)
{
    memset(o, 0, sizeof *o);
    if (gather(t, o) != 0)
        return;
    /* a corrupt structure the audit depends on (or an unreadable SYSTEM hive): no verdict */
    const char *corrupt = facts_unreadable(&o->facts);
    if (corrupt) {
        unreadable(o, corrupt, o->facts.hives[KB_HIVE_SOFTWARE].corrupt ? o->facts.software_path
                                                                        : o->facts.system_path);
        /* the SYSTEM hive's problem too, when both are bad: the report lists every reason */
        const facts_hive *sys = &o->facts.hives[KB_HIVE_SYSTEM];
        if (o->facts.hives[KB_HIVE_SOFTWARE].corrupt && sys->corrupt && sys->error)
            add_error(o, sys->error, o->facts.system_path);
        return;
    }
    kb_error err = {0};
    if (audit_run(&o->facts, db, ao, &o->res, &err) != 0) {
        /* audit_run fails only on out of memory: not a verdict, so not 0, 1 or 4 */
        o->code = EXIT_UNREADABLE;
        o->message = strdup(err.msg[0] ? err.msg : "out of memory");
        add_error(o, err.msg[0] ? err.msg : "out of memory", NULL);
        audit_result_free(&o->res);
        return;
    }
    o->audited = true;
    o->code = o->res.exit_code;
}

void cli_outcome_free(cli_outcome *o)
{
    if (o->audited)
        audit_result_free(&o->res);
    facts_free(&o->facts);
    free(o->message);
    for (size_t i = 0; i < o->nowned; i++)
        free(o->owned[i]);
    memset(o, 0, sizeof *o);
}
