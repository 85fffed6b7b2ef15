/* Target options shared by the commands that read a Windows system. */
#ifndef KBAUDIT_CLI_TARGET_H
#define KBAUDIT_CLI_TARGET_H

#include "kbaudit/target.h"

typedef struct cli_target_opts {
    const char *root, *software, *system;
} cli_target_opts;

/* Opens the target named by the options; returns 0, EXIT_USAGE or EXIT_UNREADABLE (the
 * message is printed). */
int cli_target_open(const char *cmd, const cli_target_opts *o, kb_target **t);

#endif
