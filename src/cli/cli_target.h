/* Target options shared by the commands that read a Windows system: --live, --root DIR,
 * --software FILE [--system FILE]. */
#ifndef KBAUDIT_CLI_TARGET_H
#define KBAUDIT_CLI_TARGET_H

#include <stdbool.h>

#include "kbaudit/target.h"

typedef struct cli_target_opts {
    bool live;
    const char *root, *software, *system;
    bool no_logs;            /* --no-logs: read dirty hives without their transaction logs */
} cli_target_opts;

/* Opens the target named by the options; returns 0, EXIT_USAGE or EXIT_UNREADABLE (the
 * message is printed). */
int cli_target_open(const char *cmd, const cli_target_opts *o, kb_target **t);

/* Evidence is read-only (DESIGN.md): true when writing OUTPUT (may be NULL: standard output)
 * would write into the evidence the options name: a path under --root, or the --software or
 * --system file itself (also through another name: a symbolic or hard link). Callers refuse
 * it as a usage error before anything is opened. */
bool cli_output_hits_evidence(const cli_target_opts *o, const char *output);

#endif
