/* `kbaudit facts`: print every fact gathered from a Windows system, with provenance. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "kbaudit/outfile.h"
#include "cli_target.h"
#include "kbaudit/facts.h"
#include "kbaudit/report.h"

const char cli_facts_help[] =
    "usage: kbaudit facts (--live | --root DIR | --software FILE [--system FILE] |\n"
    "                      --systeminfo FILE [--qfe FILE])\n"
    "                     [--no-logs] [--format text|json] [-o FILE]\n"
    "\n"
    "Print what kbaudit reads from a Windows system, each fact with where it came from:\n"
    "the OS identity (SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion, SYSTEM ProductType),\n"
    "the architecture (SYSTEM current control set), the versions of the kernel files\n"
    "(ntoskrnl.exe, ntkrnlpa.exe) and of the months' marker files (crypt32.dll, appinfo.dll,\n"
    "spoolsv.exe), the Component Based Servicing packages and their states, matched with\n"
    "their .mum manifests, the pending-reboot markers, and whether each hive is readable,\n"
    "dirty or corrupt. A dirty hive (one Windows had not finished writing) is read with its\n"
    "transaction logs (HIVE.LOG1/.LOG2 beside it) applied in memory, as Windows would at\n"
    "load time; the report says per hive what was recovered, or why a log was not used.\n"
    "\n"
    "  --live            the running Windows system this runs on (the Windows build,\n"
    "                    kbaudit.exe; run it from an elevated prompt): the registry through\n"
    "                    the Windows API in its 64-bit view, the files of %SystemRoot%\n"
    "  --root DIR        the root of a mounted Windows volume (paths resolve case-insensitively;\n"
    "                    nothing outside DIR is read, nothing is written)\n"
    "  --software FILE   a SOFTWARE hive file (e.g. saved with `reg save`); file evidence is\n"
    "                    then unavailable\n"
    "  --system FILE     the SYSTEM hive file that goes with it (optional)\n"
    "  --systeminfo FILE the saved output of `systeminfo`, and\n"
    "  --qfe FILE        of `wmic qfe` / Get-HotFix (optional): a package list (docs/sysinfo.md)\n"
    "  --no-logs         read dirty hives as they are on disk, without their transaction logs\n"
    "  --format FMT      text (default) or json (docs/facts-json.md)\n"
    "  -o, --output FILE write to FILE (refused inside the evidence: under --root, or a hive\n"
    "                    given as evidence)\n"
    "\n"
    "Exit status: 0 success (also when parts could not be read: they are shown as such),\n"
    "2 usage error, 3 evidence unreadable (no readable SOFTWARE hive, systeminfo or qfe text\n"
    "that cannot be read).\n";

int cli_facts(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},     {"live", no_argument, NULL, 'L'},   {"software", required_argument, NULL, 's'},
        {"system", required_argument, NULL, 'y'}, {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {"systeminfo", required_argument, NULL, 'I'}, {"qfe", required_argument, NULL, 'Q'},
        {"no-logs", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0}};
    if (cli_wants_help("facts", argc, argv))
        return 0;
    cli_target_opts to = {0};
    const char *format = "text", *output = NULL;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': to.root = optarg; break;
        case 'L': to.live = true; break;
        case 's': to.software = optarg; break;
        case 'y': to.system = optarg; break;
        case 'I': to.systeminfo = optarg; break;
        case 'Q': to.qfe = optarg; break;
        case 'N': to.no_logs = true; break;
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        default: return cli_usage_error("facts", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("facts", "unexpected argument '%s'", argv[optind]);
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return cli_usage_error("facts", "--format must be text or json");
    if (cli_output_hits_evidence(&to, output))
        return cli_usage_error("facts", "--output %s would write into the evidence; evidence is read-only",
                               output);
    kb_target *t;
    kb_facts f;
    kb_error err = {0};
    int rc = cli_gather_facts("facts", &to, &t, &f);
    if (rc)
        return rc;
    FILE *out = output ? kb_fopen_write(output) : stdout;
    if (out == NULL) {
        cli_cmd_errorf("facts", "cannot write %s: %s", output, strerror(errno));
        rc = EXIT_USAGE;
    } else {
        if (strcmp(format, "text") == 0)
            kb_stream_text(out);
        int r = strcmp(format, "json") == 0 ? report_facts_json(&f, out, &err) : report_facts_text(&f, out, &err);
        if ((out != stdout ? fclose(out) : fflush(out)) != 0 || r != 0) {
            cli_cmd_errorf("facts", "cannot write the output%s%s", output ? " to " : "", output ? output : "");
            rc = EXIT_USAGE;   /* as audit: an output that cannot be written is exit 2 */
        }
    }
    facts_free(&f);
    target_close(t);
    return rc;
}
