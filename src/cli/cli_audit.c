/* `kbaudit audit`: the main job. Wires knowledge base, target, facts, audit and report, and
 * exits with the code the audit decided (cli.h; the exit codes are a CI contract). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kbaudit/outfile.h"
#include "cli_target.h"
#include "cli_updates.h"
#include "kbaudit/audit.h"
#include "kbaudit/facts.h"
#include "kbaudit/kbdb.h"
#include "kbaudit/report.h"

const char cli_audit_help[] =
    "usage: kbaudit audit (--live | --root DIR | --software FILE [--system FILE])\n"
    "                     [--no-logs] [--format text|json|junit|cmd|ps1] [--updates DIR] [-o FILE]\n"
    "                     [--db FILE]\n"
    "                     [--baseline default|latest] [--no-color] [-q]\n"
    "\n"
    "Say whether a Windows Server 2008 SP2 system is at build 6002 or 6003, which of the\n"
    "updates that build 6003 needs are missing (servicing stack KB4493730 or later, SHA-2\n"
    "support KB4474419, the April 2019 rollup KB4493471 or later), in what order to install\n"
    "them, and whether a reboot is pending. The kernel file's version decides the build; when\n"
    "the registry disagrees, the report says so.\n"
    "\n"
    "  --live            the running Windows system this runs on (the Windows build,\n"
    "                    kbaudit.exe; run it from an elevated prompt): the registry through\n"
    "                    the Windows API in its 64-bit view, the files of %SystemRoot%\n"
    "  --root DIR        the root of a mounted Windows volume (read-only, nothing outside DIR)\n"
    "  --software FILE   a SOFTWARE hive file; file evidence is then unavailable\n"
    "  --system FILE     the SYSTEM hive file that goes with it (optional)\n"
    "  --no-logs         read dirty hives as they are on disk: without --no-logs their\n"
    "                    transaction logs (HIVE.LOG1/.LOG2 beside them) are applied in\n"
    "                    memory, as Windows would at load time (the report says so per hive)\n"
    "  --format FMT      text (default), json (docs/json-output.md) or junit (JUnit XML);\n"
    "                    with --updates also cmd or ps1: a script for the server that runs\n"
    "                    wusa.exe FILE /quiet /norestart per step in plan order, checks each\n"
    "                    exit code (0, 3010 restart needed, 2359302 already installed; anything\n"
    "                    else stops it) and restarts at each reboot point (run it again after)\n"
    "  --updates DIR     match the plan's updates to the .msu files in DIR by their content\n"
    "                    (KB, Windows version, architecture): steps with no file, files for\n"
    "                    another Windows or architecture, superseded files (docs/msu.md)\n"
    "  -o, --output FILE write the report to FILE (refused inside the evidence: under --root,\n"
    "                    or onto a hive given as evidence)\n"
    "  --db FILE         use this knowledge base (XML or gzip) instead of the embedded one\n"
    "  --baseline B      default: the database's \"build 6003 ready\" requirements;\n"
    "                    latest: also require the newest rollup the database knows\n"
    "  --no-color        no colour (text is coloured only on a terminal, and never when the\n"
    "                    NO_COLOR environment variable is set)\n"
    "  -q, --quiet       text: print only the verdict line\n"
    "\n"
    "Exit status:\n"
    "  0  compliant: the requirements hold, the files are at build 6003, no reboot pending\n"
    "  1  not compliant (a requirement missing or pending, build 6002, a reboot pending),\n"
    "     or inconclusive (compliance cannot be shown from the evidence given)\n"
    "  2  usage error, a bad --db file, or the --output file cannot be written\n"
    "  3  evidence unreadable: no readable SOFTWARE hive (--live: HKLM\\SOFTWARE cannot be\n"
    "     opened), a SYSTEM hive that is there but unreadable, or a corrupt key or value the\n"
    "     audit depends on (or one of the wrong type); keys or files refused because kbaudit\n"
    "     is not elevated are not exit 3: the verdict is then inconclusive (exit 1)\n"
    "  4  not covered: the target is not Windows Server 2008 SP2 (e.g. 2008 R2, Vista)\n";

typedef struct audit_cli_opts {
    cli_target_opts target;
    const char *format, *output, *db, *updates;
    audit_options audit;
    bool no_color, quiet;
} audit_cli_opts;

static int parse(int argc, char **argv, audit_cli_opts *o)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},     {"live", no_argument, NULL, 'L'},     {"software", required_argument, NULL, 's'},
        {"system", required_argument, NULL, 'y'},   {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},   {"db", required_argument, NULL, 'd'},
        {"baseline", required_argument, NULL, 'b'}, {"no-color", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"updates", required_argument, NULL, 'u'},  {"no-logs", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = "text";
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+o:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->target.root = optarg; break;
        case 'L': o->target.live = true; break;
        case 's': o->target.software = optarg; break;
        case 'y': o->target.system = optarg; break;
        case 'N': o->target.no_logs = true; break;
        case 'f': o->format = optarg; break;
        case 'o': o->output = optarg; break;
        case 'd': o->db = optarg; break;
        case 'b':
            if (strcmp(optarg, "default") == 0)
                o->audit.baseline = AUDIT_BASELINE_DEFAULT;
            else if (strcmp(optarg, "latest") == 0)
                o->audit.baseline = AUDIT_BASELINE_LATEST;
            else
                return cli_usage_error("audit", "--baseline must be default or latest");
            break;
        case 'n': o->no_color = true; break;
        case 'q': o->quiet = true; break;
        case 'u': o->updates = optarg; break;
        default: return cli_usage_error("audit", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
    bool script = strcmp(o->format, "cmd") == 0 || strcmp(o->format, "ps1") == 0;
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 && strcmp(o->format, "junit") != 0 &&
        !script)
        return cli_usage_error("audit", "--format must be text, json, junit, cmd or ps1");
    if (script && o->updates == NULL)
        return cli_usage_error("audit", "--format %s writes an install script: it needs --updates DIR", o->format);
    return 0;
}

/* Renders into the output; returns 0 or EXIT_USAGE (the message is printed). */
static int render(const audit_cli_opts *o, const audit_result *r, const kbdb *db, const cli_updates *u,
                  const audit_updates *m)
{
    FILE *out = o->output ? kb_fopen_write(o->output) : stdout;
    if (out == NULL) {
        cli_cmd_errorf("audit", "cannot write %s: %s", o->output, strerror(errno));
        return EXIT_USAGE;
    }
    report_audit_opts ro = {
        .color = report_color_wanted(fileno(out), o->no_color),
        .quiet = o->quiet,
        .target = o->target.live ? "live system" : o->target.root ? o->target.root : o->target.software,
        .database = db->name,
        .baseline = o->audit.baseline == AUDIT_BASELINE_LATEST ? "latest" : "default",
        .updates_dir = o->updates,
        .packages = u ? u->packages : NULL,
        .updates = m,
    };
    kb_error err = {0};
    int r2;
    if (strcmp(o->format, "text") == 0)
        kb_stream_text(out);
    if (strcmp(o->format, "json") == 0)
        r2 = report_audit_json(r, &ro, out, &err);
    else if (strcmp(o->format, "cmd") == 0)
        r2 = report_plan_cmd(r, &ro, out, &err);
    else if (strcmp(o->format, "ps1") == 0)
        r2 = report_plan_ps1(r, &ro, out, &err);
    else if (strcmp(o->format, "junit") == 0)
        r2 = report_audit_junit(r, &ro, out, &err);
    else
        r2 = report_audit_text(r, &ro, out, &err);
    int closed = out != stdout ? fclose(out) : fflush(out);
    if (r2 != 0 || closed != 0) {
        /* the writer's own message already says "cannot write the report" */
        if (r2 != 0 && strncmp(err.msg, "cannot write the report", 23) == 0)
            cli_cmd_errorf("audit", "%s%s%s", err.msg, o->output ? ": " : "", o->output ? o->output : "");
        else
            cli_cmd_errorf("audit", "cannot write the report%s%s: %s", o->output ? " to " : "",
                           o->output ? o->output : "", r2 != 0 ? err.msg : strerror(errno));
        return EXIT_USAGE;
    }
    return 0;
}

/* With --updates, reads the packages and matches them to the plan before rendering. A folder
 * that cannot be listed is a usage error (exit 2): the audit itself did not fail. */
static int render_with_updates(const audit_cli_opts *o, const audit_result *r, const kbdb *db)
{
    if (o->updates == NULL)
        return render(o, r, db, NULL, NULL);
    cli_updates u;
    audit_updates m;
    kb_error err = {0};
    if (cli_updates_read(o->updates, &u, &err) != 0) {
        cli_cmd_errorf("audit", "--updates: %s", err.msg);
        return EXIT_USAGE;
    }
    if (audit_match_updates(r, db, u.packages, u.n, &m, &err) != 0) {
        cli_cmd_errorf("audit", "%s", err.msg);
        cli_updates_free(&u);
        return EXIT_UNREADABLE;
    }
    for (size_t i = 0; i < u.n; i++)
        if (m.files[i].status == AUDIT_FILE_UNREADABLE)
            cli_cmd_errorf("audit", "warning: %s", u.errors[i] ? u.errors[i] : u.names[i]);
    int rc = render(o, r, db, &u, &m);
    audit_updates_free(&m);
    cli_updates_free(&u);
    return rc;
}

int cli_audit(int argc, char **argv)
{
    if (cli_wants_help("audit", argc, argv))
        return 0;
    audit_cli_opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    if (cli_output_hits_evidence(&o.target, o.output))
        return cli_usage_error("audit", "--output %s would write into the evidence; evidence is read-only",
                               o.output);
    /* the knowledge base first: a bad --db is a usage error whatever the evidence */
    kbdb *db = NULL;
    kb_error err = {0};
    if ((o.db ? kbdb_load_file(o.db, 0, &db, &err) : kbdb_load_embedded(&db, &err)) != 0) {
        cli_cmd_errorf("audit", "bad knowledge base: %s", err.msg);
        return EXIT_USAGE;
    }
    kb_target *t = NULL;
    rc = cli_target_open("audit", &o.target, &t);
    if (rc) {
        kbdb_free(db);
        return rc;
    }
    kb_facts f;
    if (facts_gather(t, &f, &err) != 0) {
        cli_cmd_errorf("audit", "evidence unreadable: %s", err.msg);
        target_close(t);
        kbdb_free(db);
        return EXIT_UNREADABLE;
    }
    /* a corrupt structure the audit depends on (or an unreadable SYSTEM hive): no verdict */
    const char *corrupt = facts_unreadable(&f);
    if (corrupt) {
        cli_cmd_errorf("audit", "evidence unreadable: %s", corrupt);
        facts_free(&f);
        target_close(t);
        kbdb_free(db);
        return EXIT_UNREADABLE;
    }
    audit_result res;
    memset(&res, 0, sizeof res);
    if (audit_run(&f, db, &o.audit, &res, &err) != 0) {
        /* audit_run fails only on out of memory: not a verdict, so not 0, 1 or 4 */
        cli_cmd_errorf("audit", "%s", err.msg[0] ? err.msg : "out of memory");
        rc = EXIT_UNREADABLE;
    } else {
        rc = render_with_updates(&o, &res, db);
        if (rc == 0)
            rc = res.exit_code;
    }
    audit_result_free(&res);
    facts_free(&f);
    target_close(t);
    kbdb_free(db);
    return rc;
}
