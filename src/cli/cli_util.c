/* Usage errors and error printing shared by the subcommands. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command cli_commands[] = {
#define KB_COMMAND(name, fn, help, summary) {#name, fn, help, summary},
#include "commands.h"
#undef KB_COMMAND
};
const size_t cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        if (strcmp(cli_commands[i].name, name) == 0)
            return &cli_commands[i];
    return NULL;
}

const char *cli_help_text(const char *cmd)
{
    const cli_command *c = cli_find_command(cmd);
    return c ? c->help : NULL;
}

/* Writes "kbaudit: MESSAGE" (or "kbaudit CMD: MESSAGE") as one line to stderr with its control
 * characters as \xNN: messages carry file names, key names and arguments from the evidence,
 * which must not move the cursor or change the terminal's state (an ESC sequence in a hostile
 * file name). */
static void write_escaped_line(const char *cmd, const char *fmt, va_list ap)
{
    char msg[KB_ERROR_MAX + 512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "kbaudit%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('\n', stderr);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_escaped_line(NULL, fmt, ap);
    va_end(ap);
}

void cli_cmd_errorf(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_escaped_line(cmd, fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_escaped_line(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'kbaudit help %s' for more information.\n", cmd);
    return EXIT_USAGE;
}

void cli_print_error(const kb_error *err)
{
    cli_errorf("%s", err->msg[0] ? err->msg : "unknown error");
}

bool cli_wants_help(const char *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            const char *t = cli_help_text(cmd);
            fputs(t ? t : "no help available\n", stdout);
            return true;
        }
    }
    return false;
}

int cli_format_text_json(const char *cmd, const char *value, bool *json)
{
    if (strcmp(value, "json") == 0)
        *json = true;   /* as before: a later --format text does not undo it */
    else if (strcmp(value, "text") != 0)
        return cli_usage_error(cmd, "unknown format '%s' (text or json)", value);
    return 0;
}

int cli_parse_format_files(const char *cmd, int argc, char **argv, bool *json)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    *json = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+f:h", longopts, NULL)) != -1) {
        if (c != 'f')
            return cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        if (cli_format_text_json(cmd, optarg, json) != 0)
            return EXIT_USAGE;
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "no FILE given");
    return 0;
}
