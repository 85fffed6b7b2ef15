/* kbaudit's entry point: global options and dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_platform.h"
#include "kbaudit/kbdb.h"

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

/* "kbaudit 0.1.0 (knowledge base: 195 updates, newest 2026-01-13)": the version and how
 * current the embedded database is (the release date of its newest update). */
static int print_version(void)
{
    kbdb *db = NULL;
    kb_error err = {0};
    if (kbdb_load_embedded(&db, &err) != 0) {
        printf("kbaudit %s\n", KBAUDIT_VERSION);
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    const kbdb_update *u = kbdb_newest(db);
    printf("kbaudit %s (knowledge base: %lu updates", KBAUDIT_VERSION, (unsigned long)db->nupdates);
    if (u != NULL)
        printf(", newest %04u-%02u", (unsigned)u->date.year, (unsigned)u->date.month);
    if (u != NULL && u->date.day != 0)   /* a month-only date prints as 2026-01 */
        printf("-%02u", (unsigned)u->date.day);
    puts(")");
#ifdef KBAUDIT_BUILD_NOTE
    /* the Windows builds say which exe this is: both are called kbaudit.exe */
    puts(KBAUDIT_BUILD_NOTE);
#endif
    kbdb_free(db);
    return 0;
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
        return print_version();
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
