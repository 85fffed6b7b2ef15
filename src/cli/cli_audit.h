/* `kbaudit audit`: the options of a run, shared by the single-target path (cli_audit.c) and
 * the run over several targets (cli_audit_fleet.c). */
#ifndef KBAUDIT_CLI_AUDIT_H
#define KBAUDIT_CLI_AUDIT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli_target.h"
#include "kbaudit/audit.h"
#include "kbaudit/kbdb.h"

typedef struct audit_cli_opts {
    cli_target_list targets;
    const char *format, *output, *db, *updates;
    audit_options audit;
    bool no_color, quiet;
    bool no_logs;            /* --no-logs: for every target */
    unsigned jobs;           /* -j: 0 = the default (cli_pool_default_jobs) */
} audit_cli_opts;

/* Several targets (or --targets, or --format jsonl): each audited on a worker, the reports
 * written in the order given. Returns the highest of the targets' exit codes, or EXIT_USAGE
 * when the report cannot be written. */
int cli_audit_fleet(const audit_cli_opts *o, const kbdb *db);
/* The report's destination: -o FILE or standard output. NULL (the message printed) when it
 * cannot be created. */
FILE *cli_audit_open_output(const audit_cli_opts *o);
/* Closes what cli_audit_open_output gave after the writers returned R2 (ERR their message);
 * returns 0 or EXIT_USAGE (the message printed). */
int cli_audit_close_output(const audit_cli_opts *o, FILE *out, int r2, const kb_error *err);
/* The baseline's name in reports. */
const char *cli_audit_baseline_name(const audit_cli_opts *o);

#endif
