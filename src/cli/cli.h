/* Shared pieces of the command-line interface: exit codes, usage errors, help text. */
#ifndef KBAUDIT_CLI_H
#define KBAUDIT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "kbaudit/error.h"

/* Exit codes are an API (docs/kbaudit.1, README). */
enum {
    EXIT_COMPLIANT = 0,
    EXIT_NOT_COMPLIANT = 1,   /* audit: something missing/pending; reg get: not found */
    EXIT_USAGE = 2,           /* bad arguments, bad --db */
    EXIT_UNREADABLE = 3,      /* evidence cannot be read (corrupt or missing hive) */
    EXIT_NOT_COVERED = 4      /* audit: not a Windows Server 2008 SP2 host */
};

#define KB_COMMAND(name, fn, help, summary) int fn(int argc, char **argv); extern const char help[];
#include "commands.h"
#undef KB_COMMAND

typedef struct cli_command {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
    const char *summary;
} cli_command;

extern const cli_command cli_commands[];
extern const size_t cli_ncommands;
const cli_command *cli_find_command(const char *name);

/* Prints "kbaudit CMD: message" and a hint to run `kbaudit help CMD`; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) KB_PRINTF(2, 3);
/* Prints "kbaudit: <err->msg>" to stderr. */
void cli_print_error(const kb_error *err);
/* "kbaudit: MESSAGE" on stderr, control characters escaped as \xNN. */
void cli_errorf(const char *fmt, ...) KB_PRINTF(1, 2);
/* "kbaudit CMD: MESSAGE" on stderr, escaped the same way. */
void cli_cmd_errorf(const char *cmd, const char *fmt, ...) KB_PRINTF(2, 3);
/* The long help of a subcommand (NULL if unknown). */
const char *cli_help_text(const char *cmd);
/* The value of --format for the commands that print text or JSON (pe, mum, msu): "json" sets
 * *json, "text" leaves it; returns 0, or EXIT_USAGE with the message printed for any other value. */
int cli_format_text_json(const char *cmd, const char *value, bool *json);
/* The arguments of a command that takes only [--format text|json] FILE... (pe, msu): sets
 * *json and leaves optind at the first FILE; returns 0, or EXIT_USAGE with the message printed
 * (an unknown option or format, no FILE). */
int cli_parse_format_files(const char *cmd, int argc, char **argv, bool *json);
/* True when --help/-h is among the arguments before "--": prints help and returns true. */
bool cli_wants_help(const char *cmd, int argc, char **argv);

#endif
