/* One target of `kbaudit audit`, from its options to an audit result or the reason there is
 * none; used alike by a single-target run and by each worker of a multi-target run, so it
 * prints nothing: the caller prints, in order. */
#ifndef KBAUDIT_CLI_AUDIT_TARGET_H
#define KBAUDIT_CLI_AUDIT_TARGET_H

#include "cli_target.h"
#include "kbaudit/audit.h"
#include "kbaudit/facts.h"
#include "kbaudit/kbdb.h"
#include "kbaudit/report.h"

#define CLI_OUTCOME_MAX_ERRORS 2   /* a corrupt SOFTWARE and a corrupt SYSTEM hive */

typedef struct cli_outcome {
    int code;                /* the target's exit code: the verdict's (0, 1, 4), 2 (--live where it
                                cannot run), 3 (evidence unreadable) */
    bool audited;            /* facts and res hold the audit (code 0, 1 or 4) */
    kb_facts facts;
    audit_result res;
    char *message;           /* code 2 or 3: the line for standard error, after "kbaudit audit: " */
    report_evidence_error errors[CLI_OUTCOME_MAX_ERRORS];   /* code 3: for the JSON and JUnit reports */
    size_t nerrors;
    char *owned[3 * CLI_OUTCOME_MAX_ERRORS];
    size_t nowned;
} cli_outcome;

/* Gathers the facts of target T and audits them with DB. Never fails as a function: what went
 * wrong is in the outcome. Safe to call from several threads at once (DB is only read). */
void cli_audit_target(const cli_target_opts *t, const kbdb *db, const audit_options *ao, cli_outcome *out);
void cli_outcome_free(cli_outcome *o);

#endif
