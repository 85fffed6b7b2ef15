/* Dirty hives: finding the transaction logs beside a hive file and reading them for the regf
 * reader, which applies them in memory (src/regf/regf_log.c). Logs are opened like any
 * evidence: read-only, regular files only (a folder or a FIFO named SOFTWARE.LOG1 is
 * refused and reported, never read or waited on). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/evidence.h"
#include "kbaudit/buf.h"
#include "kbaudit/outfile.h"
#include "target_internal.h"

static const char *const log_suffix[REGF_MAX_LOGS] = {".LOG1", ".LOG2"};

void target_hive_recovery_free(kb_hive_recovery *rec)
{
    for (size_t i = 0; i < REGF_MAX_LOGS; i++)
        free(rec->log_path[i]);
    free(rec->summary);
    memset(rec, 0, sizeof *rec);
}

static int describe(kb_hive_recovery *rec, const regf_log_input *in, kb_error *err)
{
    char line[REGF_MAX_LOGS * (REGF_LOG_REASON + 300) + 200];
    regf_recovery_describe(&rec->rep, in, line, sizeof line);
    if ((rec->summary = strdup(line)) == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return 0;
}

int target_open_hive_logs(const char *path, char *logs[REGF_MAX_LOGS], const kb_error *refused,
                          unsigned flags, regf_hive **out, kb_hive_recovery *rec, kb_error *err)
{
    memset(rec, 0, sizeof *rec);
    for (size_t i = 0; i < REGF_MAX_LOGS; i++) {
        rec->log_path[i] = logs ? logs[i] : NULL;   /* ours from here on */
        if (rec->log_path[i])
            rec->nlogs = i + 1;
    }
    if (regf_open_file(path, out, err) != 0) {
        target_hive_recovery_free(rec);
        return -1;
    }
    regf_log_input in[REGF_MAX_LOGS] = {{NULL, NULL, 0, NULL}};
    kb_error why[REGF_MAX_LOGS];
    /* A clean hive, or one read alone on request: the logs stay closed. */
    rec->rep.file_seq1 = regf_get_header(*out)->seq_primary;
    rec->rep.file_seq2 = regf_get_header(*out)->seq_secondary;
    if (!regf_get_header(*out)->dirty || (flags & KB_TARGET_NO_LOGS) || rec->nlogs == 0) {
        rec->rep.status = !regf_get_header(*out)->dirty ? REGF_RECOVERY_CLEAN
                          : (flags & KB_TARGET_NO_LOGS) ? REGF_RECOVERY_SKIPPED
                                                         : REGF_RECOVERY_NO_LOG;
        return describe(rec, in, err) == 0 ? 0 : (regf_close(*out), *out = NULL, target_hive_recovery_free(rec), -1);
    }
    regf_close(*out);
    *out = NULL;
    size_t n = 0;
    for (size_t i = 0; i < REGF_MAX_LOGS; i++) {
        if (rec->log_path[i] == NULL)
            continue;
        /* reports name the file as it is on disk; its folder is the hive's */
        const char *name = rec->log_path[i];
        for (const char *c = name; *c; c++)
            if (kb_is_path_separator(*c))
                name = c + 1;
        in[n].name = name;
        kb_error_clear(&why[n]);
        if (refused && refused[i].kind != KB_OK) {
            why[n] = refused[i];
            in[n].error = why[n].msg;
        } else if (kb_map_readonly(rec->log_path[i], true, &in[n].data, &in[n].size, &why[n]) != 0) {
            in[n].data = NULL;
            in[n].size = 0;
            in[n].error = why[n].msg;
        }
        n++;
    }
    int r = regf_open_file_logs(path, in, n, out, &rec->rep, err);
    for (size_t i = 0; i < n; i++)
        if (in[i].data)
            kb_unmap(in[i].data, in[i].size);
    if (r == 0 && describe(rec, in, err) != 0) {
        regf_close(*out);
        *out = NULL;
        r = -1;
    }
    if (r != 0)
        target_hive_recovery_free(rec);
    return r;
}

int target_open_hive_file(const char *path, unsigned flags, regf_hive **out, kb_hive_recovery *rec,
                          kb_error *err)
{
    char *logs[REGF_MAX_LOGS] = {NULL, NULL};
    if (!(flags & KB_TARGET_NO_LOGS)) {
        /* PATH's folder with its separator ("" for a bare name) and its file name. */
        size_t cut = 0;
        for (size_t i = 0; path[i]; i++)
            if (kb_is_path_separator(path[i]))
                cut = i + 1;
        /* The folder to list: without its last separator unless that is a root ("/", "E:\"). */
        size_t keep = cut > 1 && path[cut - 2] != ':' ? cut - 1 : cut;
        char *dir = cut ? kb_strndup(path, keep) : strdup(".");
        if (dir == NULL)
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < REGF_MAX_LOGS; i++) {
            char *name = NULL, *found = NULL;
            size_t n = strlen(path + cut) + strlen(log_suffix[i]) + 1;
            if ((name = malloc(n)) != NULL) {
                snprintf(name, n, "%s%s", path + cut, log_suffix[i]);
                if (kb_dir_find(dir, name, &found, NULL) == 0) {
                    size_t m = cut + strlen(found) + 1;
                    if ((logs[i] = malloc(m)) != NULL)
                        snprintf(logs[i], m, "%.*s%s", (int)cut, path, found);
                    free(found);
                }
                free(name);
            }
        }
        free(dir);
    }
    return target_open_hive_logs(path, logs, NULL, flags, out, rec, err);
}

const kb_hive_recovery *target_hive_recovery(const kb_target *t, kb_hive_id id)
{
    return t->ops == &target_offline_ops && t->hive[id] ? &t->recovery[id] : NULL;
}
