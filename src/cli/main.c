/* kbaudit's entry point: global options and dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_platform.h"

static void print_help(FILE *fp)
{
    fprintf(fp,
            "usage: kbaudit [--help] [--version] COMMAND [ARGS]\n"
            "\n"
            "Audit the patch level of Windows Server 2008 SP2 (build 6002 or 6003) from\n"
            "registry hives, file versions and servicing manifests.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < cli_ncommands; i++)
        fprintf(fp, "  %-8s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fprintf(fp, "  %-8s %s\n", "help", "show the help of a command: kbaudit help COMMAND");
    fprintf(fp,
            "\n"
            "Exit status: 0 compliant / success, 1 not compliant (or not found),\n"
            "2 usage error, 3 evidence unreadable, 4 not covered.\n"
            "See kbaudit(1) (docs/kbaudit.1) for details.\n");
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: kbaudit [--help] [--version] COMMAND [ARGS] (try 'kbaudit --help')\n", stderr);
        return EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
        printf("kbaudit %s\n", KBAUDIT_VERSION);
        return 0;
    }
    if (strcmp(arg, "help") == 0) {
        if (argc < 3) {
            print_help(stdout);
            return 0;
        }
        const char *t = cli_help_text(argv[2]);
        if (t == NULL) {
            cli_errorf("no such command '%s'", argv[2]), fputs("Try 'kbaudit --help'.\n", stderr);
            return EXIT_USAGE;
        }
        fputs(t, stdout);
        return 0;
    }
    const cli_command *c = cli_find_command(arg);
    if (c == NULL) {
        cli_errorf("unknown command '%s'", arg), fputs("Try 'kbaudit --help'.\n", stderr);
        return EXIT_USAGE;
    }
    return c->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    if (cli_platform_start(&argc, &argv) != 0) {
        fputs("kbaudit: out of memory reading the command line\n", stderr);
        return EXIT_USAGE;
    }
    int rc = run(argc, argv);
    cli_platform_finish();
    return rc;
}
