/* `kbaudit audit`: the main job. Wires knowledge base, target, facts, audit and report, and
 * exits with the code the audit decided (cli.h; the exit codes are a CI contract). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_audit_target.h"
#include "kbaudit/outfile.h"
#include "cli_target.h"
#include "cli_updates.h"
#include "kbaudit/audit.h"
#include "kbaudit/facts.h"
#include "kbaudit/kbdb.h"
#include "kbaudit/report.h"

const char cli_audit_help[] =
    "usage: kbaudit audit (--live | TARGET...) [--no-logs]\n"
    "                     [--format text|json|jsonl|junit|cmd|ps1]\n"
    "                     [--updates DIR] [-o FILE] [--db FILE] [-j N]\n"
    "                     [--baseline default|latest] [--no-color] [-q]\n"
    "  TARGET: --root DIR | --software FILE [--system FILE] | --systeminfo FILE [--qfe FILE]\n"
    "          | --targets FILE\n"
    "\n"
    "Say whether a Windows Server 2008 SP2 system is at build 6002 or 6003, which of the\n"
    "updates that build 6003 needs are missing (servicing stack KB4493730 or later, SHA-2\n"
    "support KB4474419, the April 2019 rollup KB4493471 or later), in what order to install\n"
    "them, and whether a reboot is pending. The kernel file's version decides the build; when\n"
    "the registry disagrees, the report says so.\n"
    "\n"
    "  --live            the running Windows system this runs on (the Windows build,\n"
    "                    kbaudit.exe; run it from an elevated prompt): the registry through\n"
    "                    the Windows API in its 64-bit view, the files of %SystemRoot%;\n"
    "                    not combined with other targets\n"
    "  --root DIR        the root of a mounted Windows volume (read-only, nothing outside DIR)\n"
    "  --software FILE   a SOFTWARE hive file; file evidence is then unavailable\n"
    "  --system FILE     the SYSTEM hive that goes with the --software right before (or after) it\n"
    "  --systeminfo FILE the saved output of `systeminfo` (LIST or CSV; UTF-8, UTF-16LE or an\n"
    "                    OEM code page; docs/sysinfo.md): a package list, which cannot show\n"
    "                    CBS states, file versions or a pending reboot, so the verdict is at\n"
    "                    best inconclusive\n"
    "  --qfe FILE        the saved output of `wmic qfe list full`, `wmic qfe` or Get-HotFix\n"
    "                    (list, table or CSV) for the same host (right before or after its\n"
    "                    --systeminfo), added to its hotfix list\n"
    "  --targets FILE    one target a line: a bare path (a --root folder) or target options as\n"
    "                    above (\"--software S --system Y\"); a path with blanks, or a bare path\n"
    "                    starting with -- or #, in double quotes (\"host 1\", \"--x\") or as ./--x;\n"
    "                    '#' starts a comment line; relative paths are relative to FILE's folder;\n"
    "                    UTF-8 or ASCII (a BOM is skipped; UTF-16 is refused); '-' (once) reads\n"
    "                    standard input (paths relative to the current folder)\n"
    "  --no-logs         read dirty hives as they are on disk: without --no-logs their\n"
    "                    transaction logs (HIVE.LOG1/.LOG2 beside them) are applied in\n"
    "                    memory, as Windows would at load time (the report says so per hive)\n"
    "  --format FMT      text (default), json (docs/json-output.md), jsonl (one JSON document\n"
    "                    per target, one line each) or junit (JUnit XML);\n"
    "                    with --updates also cmd or ps1: a script for the server that runs\n"
    "                    wusa.exe FILE /quiet /norestart per step in plan order, checks each\n"
    "                    exit code (0, 3010 restart needed, 2359302 already installed; anything\n"
    "                    else stops it) and restarts at each reboot point (run it again after)\n"
    "  --updates DIR     match the plan's updates to the .msu files in DIR by their content\n"
    "                    (KB, Windows version, architecture): steps with no file, files for\n"
    "                    another Windows or architecture, superseded files (docs/msu.md);\n"
    "                    one target only\n"
    "  -o, --output FILE write the report to FILE (refused inside the evidence: under --root,\n"
    "                    onto a file given as evidence or a hive's HIVE.LOG1/.LOG2, or onto\n"
    "                    a --targets file)\n"
    "  -j, --jobs N      audit up to N targets at once (default: the number of processors;\n"
    "                    the Windows build audits one at a time); the output is the same\n"
    "  --db FILE         use this knowledge base (XML or gzip) instead of the embedded one\n"
    "  --baseline B      default: the database's \"build 6003 ready\" requirements;\n"
    "                    latest: also require the newest rollup the database knows\n"
    "  --no-color        no colour (text is coloured only on a terminal, and never when the\n"
    "                    NO_COLOR environment variable is set)\n"
    "  -q, --quiet       text: print only the verdict line (several targets: only the table)\n"
    "\n"
    "Several targets (or --targets, or --format jsonl) make one report of all of them, in the\n"
    "order given: text has a line per target, then the reports of the not-compliant ones, then\n"
    "totals; json an array of documents; jsonl a line per target; junit a testsuite per target.\n"
    "A target that cannot be read does not stop the others. On a terminal, standard error\n"
    "shows \"n of N done; waiting for TARGET\" (the next in order) while more than 3 targets\n"
    "run, cleared before each report line.\n"
    "\n"
    "Exit status (several targets: the highest of the targets' statuses, so 4 > 3 > 1 > 0):\n"
    "  0  compliant: the requirements hold, the files are at build 6003, no reboot pending\n"
    "  1  not compliant (a requirement missing or pending, build 6002, a reboot pending),\n"
    "     or inconclusive (compliance cannot be shown from the evidence given)\n"
    "  2  usage error, a bad --db file, or the --output file cannot be written\n"
    "  3  evidence unreadable: systeminfo/qfe text that cannot be read for certain, no readable SOFTWARE hive (--live: HKLM\\SOFTWARE cannot be\n"
    "     opened), a SYSTEM hive that is there but unreadable, or a corrupt key or value the\n"
    "     audit depends on (or one of the wrong type); keys or files refused because kbaudit\n"
    "     is not elevated are not exit 3: the verdict is then inconclusive (exit 1); with\n"
    "     --format json or junit a document still says why (verdict inconclusive, errors)\n"
    "  4  not covered: the target is not Windows Server 2008 SP2 (e.g. 2008 R2, Vista)\n";

const char *cli_audit_baseline_name(const audit_cli_opts *o)
{
    return o->audit.baseline == AUDIT_BASELINE_LATEST ? "latest" : "default";
}

static int parse_jobs(const char *s, unsigned *jobs)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 1024 || s[0] == '-' || s[0] == '+')
        return cli_usage_error("audit", "-j takes a number of workers from 1 to 1024, not '%s'", s);
    *jobs = (unsigned)v;
    return 0;
}

static int parse(int argc, char **argv, audit_cli_opts *o)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},     {"live", no_argument, NULL, 'L'},     {"software", required_argument, NULL, 's'},
        {"system", required_argument, NULL, 'y'},   {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},   {"db", required_argument, NULL, 'd'},
        {"baseline", required_argument, NULL, 'b'}, {"no-color", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"updates", required_argument, NULL, 'u'},  {"systeminfo", required_argument, NULL, 'S'},
        {"qfe", required_argument, NULL, 'Q'},      {"targets", required_argument, NULL, 'T'},
        {"jobs", required_argument, NULL, 'j'},     {"no-logs", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = "text";
    optind = 0;
    opterr = 0;
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "+o:qj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': rc = cli_targets_add("audit", &o->targets, "--root", optarg); break;
        case 'L': rc = cli_targets_add("audit", &o->targets, "--live", NULL); break;
        case 's': rc = cli_targets_add("audit", &o->targets, "--software", optarg); break;
        case 'y': rc = cli_targets_add("audit", &o->targets, "--system", optarg); break;
        case 'S': rc = cli_targets_add("audit", &o->targets, "--systeminfo", optarg); break;
        case 'Q': rc = cli_targets_add("audit", &o->targets, "--qfe", optarg); break;
        case 'T': rc = cli_targets_read("audit", &o->targets, optarg); break;
        case 'j': rc = parse_jobs(optarg, &o->jobs); break;
        case 'N': o->no_logs = true; break;
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
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
    bool script = strcmp(o->format, "cmd") == 0 || strcmp(o->format, "ps1") == 0;
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 && strcmp(o->format, "junit") != 0 &&
        strcmp(o->format, "jsonl") != 0 && !script)
        return cli_usage_error("audit", "--format must be text, json, jsonl, junit, cmd or ps1");
    if (script && o->updates == NULL)
        return cli_usage_error("audit", "--format %s writes an install script: it needs --updates DIR", o->format);
    if ((rc = cli_targets_finish("audit", &o->targets)) != 0)
        return rc;
    /* --no-logs holds for every target of the run */
    for (size_t i = 0; i < o->targets.n; i++)
        o->targets.items[i].no_logs = o->no_logs;
    bool several = o->targets.n > 1 || o->targets.from_file;
    if (several && (script || o->updates))
        return cli_usage_error("audit", "--updates and --format cmd/ps1 plan one server: give one target");
    if (cli_targets_output_hits(&o->targets, o->output))
        return cli_usage_error("audit", "--output %s would write into the evidence; evidence is read-only "
                                        "(and so is a --targets file)", o->output);
    return 0;
}

FILE *cli_audit_open_output(const audit_cli_opts *o)
{
    FILE *out = o->output ? kb_fopen_write(o->output) : stdout;
    if (out == NULL)
        cli_cmd_errorf("audit", "cannot write %s: %s", o->output, strerror(errno));
    return out;
}

int cli_audit_close_output(const audit_cli_opts *o, FILE *out, int r2, const kb_error *err)
{
    int closed = out != stdout ? fclose(out) : fflush(out);
    if (r2 == 0 && closed == 0)
        return 0;
    /* the writer's own message already says "cannot write the report" */
    if (r2 != 0 && strncmp(err->msg, "cannot write the report", 23) == 0)
        cli_cmd_errorf("audit", "%s%s%s", err->msg, o->output ? ": " : "", o->output ? o->output : "");
    else
        cli_cmd_errorf("audit", "cannot write the report%s%s: %s", o->output ? " to " : "",
                       o->output ? o->output : "", r2 != 0 ? err->msg : strerror(errno));
    return EXIT_USAGE;
}

static report_audit_opts report_opts(const audit_cli_opts *o, const kbdb *db)
{
    report_audit_opts ro = {
        .quiet = o->quiet,
        .target = o->targets.labels[0],
        .database = db->name,
        .baseline = cli_audit_baseline_name(o),
        .updates_dir = o->updates,
    };
    return ro;
}

/* Renders into the output; returns 0 or EXIT_USAGE (the message is printed). */
static int render(const audit_cli_opts *o, const audit_result *r, const kbdb *db, const cli_updates *u,
                  const audit_updates *m)
{
    FILE *out = cli_audit_open_output(o);
    if (out == NULL)
        return EXIT_USAGE;
    report_audit_opts ro = report_opts(o, db);
    ro.color = report_color_wanted(fileno(out), o->no_color);
    ro.packages = u ? u->packages : NULL;
    ro.updates = m;
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
    return cli_audit_close_output(o, out, r2, &err);
}

/* Exit 3 with --format json or junit: CI still finds a document, which says why there is no
 * verdict (the other formats have only the line on standard error). Returns 0 or EXIT_USAGE. */
static int render_error(const audit_cli_opts *o, const cli_outcome *oc, const kbdb *db)
{
    bool json = strcmp(o->format, "json") == 0;
    if (!json && strcmp(o->format, "junit") != 0)
        return 0;
    FILE *out = cli_audit_open_output(o);
    if (out == NULL)
        return EXIT_USAGE;
    report_audit_opts ro = report_opts(o, db);
    kb_error err = {0};
    int r2 = json ? report_audit_error_json(oc->errors, oc->nerrors, &ro, out, &err)
                  : report_audit_error_junit(oc->errors, oc->nerrors, &ro, out, &err);
    return cli_audit_close_output(o, out, r2, &err);
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
    if (rc) {
        cli_targets_free(&o.targets);
        return rc;
    }
    /* the knowledge base first: a bad --db is a usage error whatever the evidence */
    kbdb *db = NULL;
    kb_error err = {0};
    if ((o.db ? kbdb_load_file(o.db, 0, &db, &err) : kbdb_load_embedded(&db, &err)) != 0) {
        cli_cmd_errorf("audit", "bad knowledge base: %s", err.msg);
        cli_targets_free(&o.targets);
        return EXIT_USAGE;
    }
    if (o.targets.n > 1 || o.targets.from_file || strcmp(o.format, "jsonl") == 0) {
        rc = cli_audit_fleet(&o, db);
    } else {
        cli_outcome oc;
        cli_audit_target(&o.targets.items[0], db, &o.audit, &oc);
        if (oc.code == EXIT_USAGE) {
            rc = cli_usage_error("audit", "%s", oc.message ? oc.message : "out of memory");
        } else if (!oc.audited) {
            cli_cmd_errorf("audit", "%s", oc.message ? oc.message : "out of memory");
            rc = render_error(&o, &oc, db);
            if (rc == 0)
                rc = oc.code;
        } else {
            rc = render_with_updates(&o, &oc.res, db);
            if (rc == 0)
                rc = oc.code;
        }
        cli_outcome_free(&oc);
    }
    kbdb_free(db);
    cli_targets_free(&o.targets);
    return rc;
}
