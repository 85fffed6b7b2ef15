/* `kbaudit db`: look into the knowledge base (the embedded one or --db FILE) and check
 * database files: list, show, baseline, check, export. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kbaudit/outfile.h"
#include "kbaudit/json.h"
#include "kbaudit/kbdb.h"

const char cli_db_help[] =
    "usage: kbaudit db list [--kind KIND] [--db FILE] [--format text|json]\n"
    "       kbaudit db show KB [--db FILE] [--format text|json]\n"
    "       kbaudit db baseline [--db FILE] [--format text|json]\n"
    "       kbaudit db check [FILE]\n"
    "       kbaudit db export [--schema] [-o FILE]\n"
    "\n"
    "The knowledge base: every Windows Server 2008 SP2 update around the 6002 -> 6003 build\n"
    "change (servicing stack, SHA-2, monthly rollups, previews, security-only, ESU preparation),\n"
    "with dates, supersedence, prerequisites, kernel versions and sources. kbaudit carries it\n"
    "compiled in; --db FILE uses another one (XML, or gzip-compressed XML). See docs/kbdb.md.\n"
    "\n"
    "  list      one line per update in file order: KB, kind, release date, build, ntoskrnl.exe\n"
    "            version, how many sources give its file thresholds ('-': none), title.\n"
    "            A '?' marks a value the sources do not confirm.\n"
    "            --kind KIND  only updates of this kind: ssu, sha2, rollup, preview-rollup,\n"
    "                         security-only, esu-prep, other\n"
    "  show      everything known about one update (KB4493471 or 4493471), including the\n"
    "            updates that supersede it, the notes and the sources\n"
    "  baseline  the requirements for \"build 6003 ready\", in install order\n"
    "  check     validate FILE (the embedded database without FILE) against the schema and\n"
    "            check its integrity: references, cycles, date order, kernel versions\n"
    "  export    write the embedded database (with --schema: its RELAX NG schema), a starting\n"
    "            point for an override file\n"
    "\n"
    "  --db FILE             use FILE instead of the embedded database\n"
    "  --format text|json    output format (default text)\n"
    "  -o, --output FILE     export: write to FILE instead of standard output\n"
    "\n"
    "Exit status: 0 success, 1 show: no such update in the database, 2 usage error or a bad\n"
    "database (the message names the file, the line and the problem).\n";

typedef struct db_opts {
    const char *action;
    const char *db;
    const char *output;
    kbdb_kind kind;
    bool json, schema;
    int nargs;
    char **args;
} db_opts;

static int parse(int argc, char **argv, db_opts *o)
{
    static const struct option longopts[] = {
        {"kind", required_argument, NULL, 'k'}, {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"schema", no_argument, NULL, 's'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    if (argc < 2)
        return cli_usage_error("db", "missing action (list, show, baseline, check or export)");
    o->action = argv[1];
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (kbdb_kind_from_name(optarg, &o->kind) != 0)
                return cli_usage_error("db", "unknown kind '%s' (ssu, sha2, rollup, preview-rollup, "
                                             "security-only, esu-prep, other)", optarg);
            break;
        case 'd': o->db = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                o->json = true;
            else if (strcmp(optarg, "text") != 0)
                return cli_usage_error("db", "unknown format '%s' (text or json)", optarg);
            break;
        case 'o': o->output = optarg; break;
        case 's': o->schema = true; break;
        default:
            return cli_usage_error("db", "unknown or incomplete option '%s'", argv[optind]);
        }
    }
    o->nargs = argc - 1 - optind;
    o->args = argv + 1 + optind;
    return 0;
}

static int load(const db_opts *o, kbdb **db)
{
    kb_error err = {0};
    int rc = o->db ? kbdb_load_file(o->db, 0, db, &err) : kbdb_load_embedded(db, &err);
    if (rc != 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    return 0;
}

/* ---- formatting helpers ---- */

static void fmt_date(char *buf, size_t cap, kbdb_date d)
{
    if (d.year == 0)
        snprintf(buf, cap, "-");
    else if (d.day == 0)
        snprintf(buf, cap, "%04u-%02u", d.year, d.month);
    else
        snprintf(buf, cap, "%04u-%02u-%02u", d.year, d.month, d.day);
}

static void fmt_version(char *buf, size_t cap, const uint16_t v[4])
{
    snprintf(buf, cap, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
}

static const char *q(const kbdb_update *u, unsigned flag)
{
    return (u->unconfirmed & flag) ? "?" : "";
}

static const char *const field_flags[] = {"kind",          "released", "title",  "arch",   "supersedes",
                                          "prerequisites", "reboot",   "build",  "kernel", "esu"};

static void json_refs(kb_json *j, bool has, const kbdb_ref *r, size_t n)
{
    if (!has) {
        json_null(j);
        return;
    }
    json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        char kb[16];
        json_object_begin(j);
        if (r[i].kb) {
            snprintf(kb, sizeof kb, "KB%u", (unsigned)r[i].kb);
            json_key(j, "kb");
            json_string(j, kb);
        } else {
            json_key(j, "kind");
            json_string(j, kbdb_kind_name(r[i].kind));
            json_key(j, "latest");
            json_bool(j, r[i].latest);
        }
        json_key(j, "unconfirmed");
        json_bool(j, r[i].unconfirmed);
        if (r[i].outside) {
            json_key(j, "outside");
            json_bool(j, true);
        }
        json_object_end(j);
    }
    json_array_end(j);
}

/* A threshold's own source ids; without any (a file written before thresholds carried
 * them) the entry's, which is what the value then rests on. */
static void json_value_sources(kb_json *j, const kbdb_update *u, const kbdb_source *const *src, size_t n)
{
    if (n == 0) {
        src = u->sources;
        n = u->nsources;
    }
    json_array_begin(j);
    for (size_t i = 0; i < n; i++)
        json_string(j, src[i]->id);
    json_array_end(j);
}

static void print_value_sources(const kbdb_update *u, const kbdb_source *const *src, size_t n)
{
    bool own = n != 0;
    if (!own) {
        src = u->sources;
        n = u->nsources;
    }
    printf("  %-15s%s", "", own ? "from" : "from the entry's sources:");
    for (size_t i = 0; i < n; i++)
        printf(" %s (%c)", src[i]->id, src[i]->grade);
    printf("\n");
}

static void json_update(kb_json *j, const kbdb_update *u)
{
    char buf[32];
    json_object_begin(j);
    snprintf(buf, sizeof buf, "KB%u", (unsigned)u->kb);
    json_key(j, "kb");
    json_string(j, buf);
    json_key(j, "kind");
    json_string(j, kbdb_kind_name(u->kind));
    fmt_date(buf, sizeof buf, u->date);
    json_key(j, "released");
    json_string(j, u->date.year ? buf : NULL);
    json_key(j, "title");
    json_string(j, u->title);
    json_key(j, "arch");
    if (u->archs == 0) {
        json_null(j);
    } else {
        static const char *const names[] = {"x86", "x64", "ia64"};
        json_array_begin(j);
        for (int i = 0; i < 3; i++)
            if (u->archs & (1u << i))
                json_string(j, names[i]);
        json_array_end(j);
    }
    json_key(j, "supersedes");
    json_refs(j, u->has_supersedes, u->supersedes, u->nsupersedes);
    json_key(j, "prerequisites");
    json_refs(j, u->has_prerequisites, u->prerequisites, u->nprerequisites);
    json_key(j, "reboot");
    json_string(j, kbdb_tristate_name(u->reboot));
    json_key(j, "build");
    if (u->build)
        json_uint(j, u->build);
    else
        json_null(j);
    json_key(j, "kernel");
    if (u->has_kernel) {
        fmt_version(buf, sizeof buf, u->kernel);
        json_object_begin(j);
        json_key(j, "file");
        json_string(j, "ntoskrnl.exe");
        json_key(j, "version");
        json_string(j, buf);
        json_key(j, "basis");
        json_string(j, u->kernel_threshold ? "threshold" : "exact");
        json_key(j, "sources");
        json_value_sources(j, u, u->kernel_sources, u->nkernel_sources);
        json_object_end(j);
    } else {
        json_null(j);
    }
    json_key(j, "files");
    json_array_begin(j);
    for (size_t i = 0; i < u->nfiles; i++) {
        const kbdb_file *f = &u->files[i];
        fmt_version(buf, sizeof buf, f->version);
        json_object_begin(j);
        json_key(j, "name");
        json_string(j, f->name);
        json_key(j, "version");
        json_string(j, buf);
        json_key(j, "role");
        json_string(j, f->marker ? "marker" : "shipped");
        json_key(j, "basis");
        json_string(j, f->threshold ? "threshold" : "exact");
        json_key(j, "unconfirmed");
        json_bool(j, f->unconfirmed);
        json_key(j, "sources");
        json_value_sources(j, u, f->sources, f->nsources);
        json_object_end(j);
    }
    json_array_end(j);
    json_key(j, "threshold_sources");
    json_uint(j, (unsigned)kbdb_threshold_sources(u));
    json_key(j, "esu");
    json_string(j, kbdb_tristate_name(u->esu));
    json_key(j, "unconfirmed");
    json_array_begin(j);
    for (unsigned i = 0; i < sizeof field_flags / sizeof field_flags[0]; i++)
        if (u->unconfirmed & (1u << i))
            json_string(j, field_flags[i]);
    json_array_end(j);
    json_key(j, "source");
    json_string(j, u->source);
    json_key(j, "sources");
    json_array_begin(j);
    for (size_t i = 0; i < u->nsources; i++)
        json_string(j, u->sources[i]->id);
    json_array_end(j);
    json_key(j, "notes");
    json_array_begin(j);
    for (size_t i = 0; i < u->nnotes; i++) {
        json_object_begin(j);
        json_key(j, "field");
        json_string(j, u->notes[i].field);
        json_key(j, "text");
        json_string(j, u->notes[i].text);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
}

/* Writes a finished document; a failure is a write error on standard output. */
static int json_finish(kb_json *j)
{
    int rc = json_write(j, stdout) == 0 ? 0 : EXIT_USAGE;
    if (rc != 0)
        cli_errorf("standard output: write error");
    json_free(j);
    return rc;
}

/* ---- list ---- */

static bool wanted(const db_opts *o, const kbdb_update *u)
{
    return o->kind == KBDB_KIND_NONE || u->kind == o->kind;
}

static int list_json(const db_opts *o, const kbdb *db)
{
    kb_json j;
    json_init(&j);
    json_object_begin(&j);
    json_key(&j, "database");
    json_string(&j, db->name);
    json_key(&j, "updates");
    json_array_begin(&j);
    for (size_t i = 0; i < db->nupdates; i++)
        if (wanted(o, &db->updates[i]))
            json_update(&j, &db->updates[i]);
    json_array_end(&j);
    json_object_end(&j);
    return json_finish(&j);
}

static void list_text(const db_opts *o, const kbdb *db)
{
    bool any_unconfirmed = false;
    for (size_t i = 0; i < db->nupdates; i++) {
        const kbdb_update *u = &db->updates[i];
        if (!wanted(o, u))
            continue;
        char date[16], kernel[32] = "-", build[8] = "-", kb[16];
        char c_kind[24], c_date[24], c_build[16], c_kernel[40], c_src[8] = "-";
        fmt_date(date, sizeof date, u->date);
        if (u->has_kernel)
            fmt_version(kernel, sizeof kernel, u->kernel);
        if (u->build)
            snprintf(build, sizeof build, "%u", u->build);
        snprintf(kb, sizeof kb, "KB%u", (unsigned)u->kb);
        snprintf(c_kind, sizeof c_kind, "%s%s", kbdb_kind_name(u->kind), q(u, KBDB_U_KIND));
        snprintf(c_date, sizeof c_date, "%s%s", date, q(u, KBDB_U_DATE));
        snprintf(c_build, sizeof c_build, "%s%s", build, q(u, KBDB_U_BUILD));
        snprintf(c_kernel, sizeof c_kernel, "%s%s", kernel, q(u, KBDB_U_KERNEL));
        size_t nsrc = kbdb_threshold_sources(u);
        if (nsrc)
            snprintf(c_src, sizeof c_src, "%zu", nsrc > 99 ? (size_t)99 : nsrc);
        printf("%-10s %-15s %-11s %-5s %-15s %-4s %s%s\n", kb, c_kind, c_date, c_build, c_kernel, c_src,
               u->title ? u->title : "-", u->title ? q(u, KBDB_U_TITLE) : "");
        any_unconfirmed |= (u->unconfirmed & (KBDB_U_KIND | KBDB_U_DATE | KBDB_U_BUILD | KBDB_U_KERNEL |
                                              KBDB_U_TITLE)) != 0;
    }
    if (any_unconfirmed)
        printf("(? marks a value the sources do not confirm; 'kbaudit db show KB' tells why)\n");
    printf("(the 5th column counts the sources of the update's file thresholds, - when it has none)\n");
}

static int do_list(const db_opts *o)
{
    if (o->nargs != 0)
        return cli_usage_error("db", "list takes no arguments");
    kbdb *db = NULL;
    int rc = load(o, &db);
    if (rc != 0)
        return rc;
    if (o->json)
        rc = list_json(o, db);
    else
        list_text(o, db);
    kbdb_free(db);
    return rc;
}

/* ---- show ---- */

static void print_refs(const char *label, bool has, const kbdb_ref *r, size_t n, bool list_unconfirmed)
{
    printf("  %-15s", label);
    if (!has) {
        printf("unknown\n");
        return;
    }
    if (n == 0)
        printf("none");
    for (size_t i = 0; i < n; i++) {
        if (r[i].kb)
            printf("%sKB%u", i ? ", " : "", (unsigned)r[i].kb);
        else
            printf("%s%s %s", i ? ", " : "", r[i].latest ? "the latest" : "any", kbdb_kind_name(r[i].kind));
        if (r[i].outside)
            printf(" (not in the database)");
    }
    printf("%s\n", list_unconfirmed ? " (unconfirmed)" : "");
}

static void show_text(const kbdb *db, const kbdb_update *u)
{
    char buf[32];
    const char *unc = " (unconfirmed)";
    printf("KB%u  %s%s\n", (unsigned)u->kb, kbdb_kind_name(u->kind), (u->unconfirmed & KBDB_U_KIND) ? unc : "");
    printf("  %-15s%s%s\n", "title", u->title ? u->title : "unknown", (u->unconfirmed & KBDB_U_TITLE) ? unc : "");
    fmt_date(buf, sizeof buf, u->date);
    printf("  %-15s%s%s\n", "released", u->date.year ? buf : "unknown", (u->unconfirmed & KBDB_U_DATE) ? unc : "");
    printf("  %-15s%s%s%s%s\n", "architectures", u->archs ? "" : "unknown", (u->archs & KBDB_ARCH_X86) ? "x86" : "",
           (u->archs & KBDB_ARCH_X64) ? (u->archs & KBDB_ARCH_X86 ? " x64" : "x64") : "",
           (u->archs & KBDB_ARCH_IA64) ? (u->archs & (KBDB_ARCH_X86 | KBDB_ARCH_X64) ? " ia64" : "ia64") : "");
    if (u->unconfirmed & KBDB_U_ARCH)
        printf("  %-15s(unconfirmed)\n", "");
    print_refs("supersedes", u->has_supersedes, u->supersedes, u->nsupersedes,
               (u->unconfirmed & KBDB_U_SUPERSEDES) != 0);
    printf("  %-15s", "superseded by");
    size_t nby = 0;
    for (size_t i = 0; i < db->nupdates; i++)
        for (size_t j = 0; j < db->updates[i].nsupersedes; j++)
            if (db->updates[i].supersedes[j].kb == u->kb)
                printf("%sKB%u%s", nby++ ? ", " : "", (unsigned)db->updates[i].kb,
                       db->updates[i].supersedes[j].unconfirmed ? " (unconfirmed)" : "");
    printf("%s\n", nby ? "" : "nothing in the database");
    if (nby && u->kind == KBDB_KIND_SECURITY_ONLY)
        printf("  %-15s(a source's link only: security-only updates are not cumulative, so kbaudit never\n"
               "  %-15s treats this update as superseded)\n", "", "");
    print_refs("prerequisites", u->has_prerequisites, u->prerequisites, u->nprerequisites,
               (u->unconfirmed & KBDB_U_PREREQUISITES) != 0);
    printf("  %-15s%s%s\n", "reboot", kbdb_tristate_name(u->reboot), (u->unconfirmed & KBDB_U_REBOOT) ? unc : "");
    if (u->build)
        printf("  %-15s%u%s\n", "build", u->build, (u->unconfirmed & KBDB_U_BUILD) ? unc : "");
    else
        printf("  %-15sunknown (or no change)\n", "build");
    if (u->has_kernel) {
        fmt_version(buf, sizeof buf, u->kernel);
        printf("  %-15sntoskrnl.exe %s%s%s%s\n", "kernel", buf, u->kernel_threshold ? " or later (scanner threshold)" : "",
               u->kernel_archs == KBDB_ARCH_X86 ? " (x86)" : u->kernel_archs == KBDB_ARCH_X64 ? " (x64)" : "",
               (u->unconfirmed & KBDB_U_KERNEL) ? unc : "");
        print_value_sources(u, u->kernel_sources, u->nkernel_sources);
    } else {
        printf("  %-15sunknown\n", "kernel");
    }
    for (size_t i = 0; i < u->nfiles; i++) {
        const kbdb_file *f = &u->files[i];
        fmt_version(buf, sizeof buf, f->version);
        printf("  %-15s%s %s%s (%s)%s\n", i ? "" : "files", f->name, buf, f->threshold ? " or later" : "",
               f->marker ? "marker file of the month" : "shipped", f->unconfirmed ? unc : "");
        print_value_sources(u, f->sources, f->nsources);
    }
    printf("  %-15s%s%s\n", "ESU licence", kbdb_tristate_name(u->esu), (u->unconfirmed & KBDB_U_ESU) ? unc : "");
    if (u->nnotes)
        printf("  notes\n");
    for (size_t i = 0; i < u->nnotes; i++)
        printf("    %s%s%s\n", u->notes[i].field ? u->notes[i].field : "", u->notes[i].field ? ": " : "",
               u->notes[i].text);
    printf("  sources\n");
    for (size_t i = 0; i < u->nsources; i++) {
        const kbdb_source *s = u->sources[i];
        printf("    [%s, grade %c] %s%s%s\n", s->id, s->grade, s->text, s->href ? "\n      " : "",
               s->href ? s->href : "");
    }
}

static int do_show(const db_opts *o)
{
    if (o->nargs != 1)
        return cli_usage_error("db", "show takes one KB number (KB4493471 or 4493471)");
    uint32_t kb;
    if (kbdb_parse_kb(o->args[0], &kb) != 0)
        return cli_usage_error("db", "'%s' is not a KB number (KB4493471 or 4493471)", o->args[0]);
    kbdb *db = NULL;
    int rc = load(o, &db);
    if (rc != 0)
        return rc;
    const kbdb_update *u = kbdb_find(db, kb);
    if (u == NULL) {
        cli_errorf("%s: KB%u is not in the database", db->name, (unsigned)kb);
        kbdb_free(db);
        return EXIT_NOT_COMPLIANT;
    }
    if (o->json) {
        kb_json j;
        json_init(&j);
        json_update(&j, u);
        rc = json_finish(&j);
    } else {
        show_text(db, u);
    }
    kbdb_free(db);
    return rc;
}

/* ---- baseline ---- */

static void baseline_json(kb_json *j, const kbdb *db)
{
    char buf[32];
    json_object_begin(j);
    json_key(j, "id");
    json_string(j, db->baseline_id);
    json_key(j, "title");
    json_string(j, db->baseline_title);
    json_key(j, "requirements");
    json_array_begin(j);
    for (size_t i = 0; i < db->nbaseline; i++) {
        const kbdb_requirement *r = &db->baseline[i];
        json_object_begin(j);
        json_key(j, "id");
        json_string(j, r->id);
        json_key(j, "order");
        json_uint(j, r->order);
        snprintf(buf, sizeof buf, "KB%u", (unsigned)r->kb);
        json_key(j, "kb");
        json_string(j, buf);
        json_key(j, "kind");
        json_string(j, kbdb_kind_name(r->kind));
        json_key(j, "accept_later");
        json_bool(j, r->accept_later);
        json_key(j, "min_kernel");
        if (r->has_min_kernel)
            fmt_version(buf, sizeof buf, r->min_kernel);
        json_string(j, r->has_min_kernel ? buf : NULL);
        json_key(j, "order_unconfirmed");
        json_bool(j, r->order_unconfirmed);
        json_key(j, "text");
        json_string(j, r->text);
        json_key(j, "notes");
        json_array_begin(j);
        for (size_t k = 0; k < r->nnotes; k++)
            json_string(j, r->notes[k]);
        json_array_end(j);
        json_key(j, "sources");
        json_array_begin(j);
        for (size_t k = 0; k < r->nsources; k++)
            json_string(j, r->sources[k]->id);
        json_array_end(j);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
}

static int do_baseline(const db_opts *o)
{
    if (o->nargs != 0)
        return cli_usage_error("db", "baseline takes no arguments");
    kbdb *db = NULL;
    int rc = load(o, &db);
    if (rc != 0)
        return rc;
    if (o->json) {
        kb_json j;
        json_init(&j);
        baseline_json(&j, db);
        rc = json_finish(&j);
        kbdb_free(db);
        return rc;
    }
    char buf[32];
    printf("%s\n", db->baseline_title ? db->baseline_title : db->baseline_id);
    for (size_t i = 0; i < db->nbaseline; i++) {
        const kbdb_requirement *r = &db->baseline[i];
        printf("%u. %-7s KB%u%s (%s)%s\n", r->order, r->id, (unsigned)r->kb, r->accept_later ? " or later" : "",
               kbdb_kind_name(r->kind), r->order_unconfirmed ? "  [order unconfirmed]" : "");
        if (r->has_min_kernel) {
            fmt_version(buf, sizeof buf, r->min_kernel);
            printf("   %-7s or ntoskrnl.exe %s or later\n", "", buf);
        }
        printf("   %-7s %s\n", "", r->text ? r->text : "");
        for (size_t k = 0; k < r->nnotes; k++)
            printf("   %-7s note: %s\n", "", r->notes[k]);
    }
    kbdb_free(db);
    return 0;
}

/* ---- check ---- */

static int do_check(const db_opts *o)
{
    if (o->nargs > 1 || o->db)
        return cli_usage_error("db", "check takes one FILE (or none for the embedded database)");
    const char *path = o->nargs ? o->args[0] : NULL;
    kb_error err = {0};
    kbdb *db = NULL;
    int rc = path ? kbdb_load_file(path, KBDB_LOAD_NO_CHECK, &db, &err)
                  : kbdb_load_embedded(&db, &err);   /* checked on load */
    if (rc != 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    kbdb_problems p = {0};
    if (kbdb_check(db, &p, &err) != 0) {
        cli_print_error(&err);
        kbdb_free(db);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < p.count; i++)
        cli_errorf("%s: %s", db->name, p.items[i].message);
    rc = p.count ? EXIT_USAGE : 0;
    if (p.count == 0) {
        size_t per_kind[KBDB_KIND_COUNT] = {0};
        for (size_t i = 0; i < db->nupdates; i++)
            per_kind[db->updates[i].kind]++;
        printf("%s: ok: %zu updates (", db->name, db->nupdates);
        for (unsigned k = 1; k < KBDB_KIND_COUNT; k++)
            printf("%s%zu %s", k > 1 ? ", " : "", per_kind[k], kbdb_kind_name((kbdb_kind)k));
        printf("), %zu baseline requirements, %zu sources\n", db->nbaseline, db->nsources);
    } else {
        cli_errorf("%s: %zu problem%s", db->name, p.count, p.count == 1 ? "" : "s");
    }
    kbdb_problems_free(&p);
    kbdb_free(db);
    return rc;
}

/* ---- export ---- */

static int do_export(const db_opts *o)
{
    if (o->nargs != 0 || o->db)
        return cli_usage_error("db", "export takes no arguments");
    size_t size;
    const unsigned char *data = o->schema ? kbdb_embedded_schema(&size) : kbdb_embedded_xml(&size);
    FILE *fp = o->output ? kb_fopen_write(o->output) : stdout;
    if (fp == NULL) {
        perror(o->output);
        return EXIT_USAGE;
    }
    int rc = fwrite(data, 1, size, fp) == size ? 0 : EXIT_USAGE;
    if (fp != stdout && fclose(fp) != 0)
        rc = EXIT_USAGE;
    if (rc != 0)
        cli_errorf("%s: write error", o->output ? o->output : "standard output");
    return rc;
}

int cli_db(int argc, char **argv)
{
    if (cli_wants_help("db", argc, argv))
        return 0;
    db_opts o;
    int rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (strcmp(o.action, "list") == 0)
        return do_list(&o);
    if (strcmp(o.action, "show") == 0)
        return do_show(&o);
    if (strcmp(o.action, "baseline") == 0)
        return do_baseline(&o);
    if (strcmp(o.action, "check") == 0)
        return do_check(&o);
    if (strcmp(o.action, "export") == 0)
        return do_export(&o);
    return cli_usage_error("db", "unknown action '%s' (list, show, baseline, check or export)", o.action);
}
