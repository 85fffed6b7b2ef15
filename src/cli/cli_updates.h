/* The packages of `audit --updates DIR`, read for the audit (cli_updates.c). */
#ifndef KBAUDIT_CLI_UPDATES_H
#define KBAUDIT_CLI_UPDATES_H

#include "kbaudit/audit.h"
#include "kbaudit/msu.h"

typedef struct cli_updates {
    char **names;             /* the .msu files' names in DIR, sorted */
    msu_package *msu;         /* as read (zeroed where unreadable) */
    char **errors;            /* why a file is unreadable, else NULL */
    audit_package *packages;  /* what the audit is given; points into the above */
    size_t n;
} cli_updates;

/* Fails when DIR cannot be listed; a file that is not a readable package is kept with its
 * error (the report lists it). */
int cli_updates_read(const char *dir, cli_updates *out, kb_error *err);
void cli_updates_free(cli_updates *u);

#endif
