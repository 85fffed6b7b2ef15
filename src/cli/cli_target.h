/* Target options shared by the commands that read a Windows system: --live, --root DIR,
 * --software FILE [--system FILE], --systeminfo FILE [--qfe FILE]. */
#ifndef KBAUDIT_CLI_TARGET_H
#define KBAUDIT_CLI_TARGET_H

#include <stdbool.h>

#include "kbaudit/facts.h"
#include "kbaudit/target.h"

typedef struct cli_target_opts {
    bool live;
    const char *root, *software, *system;
    /* text an admin already has: the output of systeminfo, and of wmic qfe or Get-HotFix
     * that goes with it (may be NULL). Package-list evidence, not a kb_target: its facts
     * come from facts_gather_package_list. */
    const char *systeminfo, *qfe;
    bool no_logs;            /* --no-logs: read dirty hives without their transaction logs */
} cli_target_opts;

/* The targets of one `kbaudit audit` run, in the order given (cli_targets.c). Each entry
 * names one target: live, root, software (+ system) or systeminfo (+ qfe); `label` is how
 * the reports name it. Paths read from a --targets file are owned by the list. */
typedef struct cli_target_list {
    cli_target_opts *items;
    const char **labels;
    size_t n, cap;
    char **owned;
    size_t nowned, capowned;
    bool from_file;          /* a --targets FILE was given: a multi-target run even for one */
    bool read_stdin;         /* --targets - was given (standard input can be read once) */
    const char **files;      /* the --targets FILEs: the run's input, which -o must not hit */
    size_t nfiles, capfiles;
    const char *pending, *pending_option;   /* a --system or --qfe given before its target */
} cli_target_list;

/* Adds what one option says to the list: "--root" DIR, "--software" FILE, "--system" FILE
 * (to the last --software without one, or the next), "--systeminfo" FILE, "--qfe" FILE (to
 * the last --systeminfo without one, or the next), "--live". Returns 0 or EXIT_USAGE (printed). */
int cli_targets_add(const char *cmd, cli_target_list *l, const char *option, const char *value);
/* Reads a --targets FILE (docs/kbaudit.1, "TARGETS FILE"): one target a line, as the options
 * above ("--software S --system Y") or a bare path (a --root folder); blank lines and lines
 * starting with '#' are skipped; relative paths are relative to the folder of FILE; a bare
 * path may be in double quotes ("host 1", "--x"); a UTF-8 BOM is skipped, UTF-16 refused.
 * Returns 0 or EXIT_USAGE (printed, with the file and line). */
int cli_targets_read(const char *cmd, cli_target_list *l, const char *file);
/* Checks the list once every option is in: something given, a --system or --qfe left
 * without its file, --live alone. Returns 0 or EXIT_USAGE (printed). */
int cli_targets_finish(const char *cmd, cli_target_list *l);
/* True when OUTPUT would hit one of the list's evidence or one of its --targets files. */
bool cli_targets_output_hits(const cli_target_list *l, const char *output);
void cli_targets_free(cli_target_list *l);

/* Opens the target (live, tree or hive files) the options name, printing nothing: 0, or -1
 * with ERR set. The options are not checked (cli_target_open does). */
int cli_target_open_quiet(const cli_target_opts *o, kb_target **t, kb_error *err);
/* Opens the target named by the options; returns 0, EXIT_USAGE or EXIT_UNREADABLE (the
 * message is printed). */
int cli_target_open(const char *cmd, const cli_target_opts *o, kb_target **t);

/* Gathers the facts the options name: from a target (opened into *t; close it after
 * facts_free), or from --systeminfo/--qfe text (*t stays NULL). Returns 0, EXIT_USAGE or
 * EXIT_UNREADABLE (the message is printed). */
int cli_gather_facts(const char *cmd, const cli_target_opts *o, kb_target **t, kb_facts *f);

/* Evidence is read-only (DESIGN.md): true when writing OUTPUT (may be NULL: standard output)
 * would write into the evidence the options name: a path under --root, the --software or
 * --system file itself (also through another name: a symbolic or hard link) or its
 * transaction log (HIVE.LOG1/.LOG2/.LOG, any case), or the --systeminfo or --qfe file.
 * Callers refuse it as a usage error before anything is opened. */
bool cli_output_hits_evidence(const cli_target_opts *o, const char *output);
/* The same check for one input FILE (may be NULL: false): a folder and anything below it
 * (CLI_EVIDENCE_FOLDER), a hive and its transaction logs (CLI_EVIDENCE_HIVE), else the file
 * itself under any name. Used for `reg`'s HIVE and the --targets files too. */
enum { CLI_EVIDENCE_FOLDER = 1, CLI_EVIDENCE_HIVE = 2 };
bool cli_output_hits_file(const char *output, const char *file, unsigned how);

#endif
