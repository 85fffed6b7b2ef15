/* `kbaudit mum`: print what servicing package manifests (.mum) say, or count the pending
 * operations in pending.xml. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kbaudit/mum.h"
#include "kbaudit/utf.h"

const char cli_mum_help[] =
    "usage: kbaudit mum [--format text|json] FILE...\n"
    "       kbaudit mum --pending [--format text|json] FILE...\n"
    "\n"
    "Read servicing package manifests (%windir%\\servicing\\Packages\\*.mum) and print the\n"
    "package identity, its CBS name (Name~PublicKeyToken~Arch~Language~Version, as in the\n"
    "registry), the update identifier and KB number, release type, restart requirement,\n"
    "description, support link, creation time, parent packages, and each update with the\n"
    "child packages and components it names. Files are opened read-only; a .mum larger\n"
    "than 4 MiB, any <!DOCTYPE>, and nesting deeper than 64 elements are refused.\n"
    "\n"
    "  -f, --format FMT  text (default): KEY<TAB>VALUE lines, a blank line between files;\n"
    "                    json: one array with an object per file ({\"file\", \"error\"} for a\n"
    "                    file that could not be read)\n"
    "  -p, --pending     the FILEs are %windir%\\winsxs\\pending.xml files: print the number\n"
    "                    of <POQ> queues, of pending operations (their child elements) and\n"
    "                    of BeginTransaction/Checkpoint markers\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 a file is unreadable or malformed (the\n"
    "message names the file, the line and the problem; the other files are still printed).\n";

typedef struct mum_opts {
    bool json, pending;
    int nfiles;
    char **files;
} mum_opts;

static int parse(int argc, char **argv, mum_opts *o)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                              {"pending", no_argument, NULL, 'p'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+f:ph", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_format_text_json("mum", optarg, &o->json) != 0)
                return EXIT_USAGE;
            break;
        case 'p': o->pending = true; break;
        default:
            return cli_usage_error("mum", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    o->nfiles = argc - optind;
    o->files = argv + optind;
    if (o->nfiles < 1)
        return cli_usage_error("mum", "no FILE given");
    return 0;
}

/* Text values: control characters (a hostile file may hold &#10; or &#9;) become \xNN so
 * that every KEY<TAB>VALUE stays on one line. */
static void put_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
}

static void line(const char *key, const char *value)
{
    if (value == NULL)
        return;
    fputs(key, stdout);
    putchar('\t');
    put_text(value);
    putchar('\n');
}

/* A JSON string: quotes, backslashes and control characters escaped; bytes that are not
 * UTF-8 (a file name from the command line may hold any) become \ufffd. */
static void put_json(const char *s)
{
    if (s == NULL) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    const char *end = s + strlen(s);
    const char *p = s;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            printf("\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            putchar(c);
            p++;
        } else {
            const char *start = p;
            uint32_t cp = kb_utf8_next(&p, end);
            if (cp == 0xFFFD && !(p - start == 3 && memcmp(start, "\xEF\xBF\xBD", 3) == 0))
                fputs("\\ufffd", stdout);
            else
                fwrite(start, 1, (size_t)(p - start), stdout);
        }
    }
    putchar('"');
}

static void json_field(const char *key, const char *value, bool comma)
{
    printf("%s\"%s\": ", comma ? ", " : "", key);
    put_json(value);
}

static const char *cbs_name(const mum_identity *id, kb_buf *b)
{
    kb_buf_reset(b);
    if (mum_identity_format(id, b) != 0)
        return "(out of memory)";
    return b->data ? b->data : "";
}

static void json_identity(const mum_identity *id, kb_buf *b)
{
    putchar('{');
    json_field("name", id->name, false);
    json_field("publicKeyToken", id->public_key_token, true);
    json_field("processorArchitecture", id->arch, true);
    json_field("language", id->language, true);
    json_field("version", id->version, true);
    json_field("cbsName", cbs_name(id, b), true);
    putchar('}');
}

static void json_identities(const char *key, const mum_identity_list *l, kb_buf *b)
{
    printf(", \"%s\": [", key);
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            fputs(", ", stdout);
        json_identity(&l->v[i], b);
    }
    putchar(']');
}

static void print_json(const char *file, const mum_manifest *m)
{
    kb_buf b = KB_BUF_INIT;
    putchar('{');
    json_field("file", file, false);
    fputs(", \"identity\": ", stdout);
    json_identity(&m->identity, &b);
    json_field("identifier", m->identifier, true);
    if (m->kb)
        printf(", \"kb\": %" PRIu32, m->kb);
    else
        fputs(", \"kb\": null", stdout);
    json_field("releaseType", m->release_type, true);
    json_field("restart", m->restart_text, true);
    json_field("description", m->description, true);
    json_field("supportInformation", m->support_information, true);
    json_field("creationTimeStamp", m->creation_time_stamp, true);
    json_field("lastUpdateTimeStamp", m->last_update_time_stamp, true);
    json_identities("parents", &m->parents, &b);
    fputs(", \"updates\": [", stdout);
    for (size_t i = 0; i < m->nupdates; i++) {
        const mum_update *u = &m->updates[i];
        fputs(i ? ", {" : "{", stdout);
        json_field("name", u->name, false);
        json_identities("packages", &u->packages, &b);
        json_identities("components", &u->components, &b);
        putchar('}');
    }
    fputs("]}", stdout);
    kb_buf_free(&b);
}

static void print_text(const char *file, const mum_manifest *m)
{
    kb_buf b = KB_BUF_INIT;
    line("file", file);
    line("name", m->identity.name);
    line("publicKeyToken", m->identity.public_key_token);
    line("processorArchitecture", m->identity.arch);
    line("language", m->identity.language);
    line("version", m->identity.version);
    line("cbsName", cbs_name(&m->identity, &b));
    line("identifier", m->identifier);
    if (m->kb)
        printf("kb\t%" PRIu32 "\n", m->kb);
    line("releaseType", m->release_type);
    line("restart", m->restart_text);
    line("description", m->description);
    line("supportInformation", m->support_information);
    line("creationTimeStamp", m->creation_time_stamp);
    line("lastUpdateTimeStamp", m->last_update_time_stamp);
    for (size_t i = 0; i < m->parents.n; i++)
        line("parent", cbs_name(&m->parents.v[i], &b));
    for (size_t i = 0; i < m->nupdates; i++) {
        const mum_update *u = &m->updates[i];
        line("update", u->name ? u->name : "");
        for (size_t j = 0; j < u->packages.n; j++)
            line("  package", cbs_name(&u->packages.v[j], &b));
        for (size_t j = 0; j < u->components.n; j++)
            line("  component", cbs_name(&u->components.v[j], &b));
    }
    kb_buf_free(&b);
}

static void print_pending(const char *file, const mum_pending *p, bool json)
{
    if (json) {
        putchar('{');
        json_field("file", file, false);
        printf(", \"queues\": %" PRIu32 ", \"operations\": %" PRIu64 ", \"markers\": %" PRIu64 "}",
               p->queues, p->operations, p->markers);
        return;
    }
    line("file", file);
    printf("queues\t%" PRIu32 "\noperations\t%" PRIu64 "\nmarkers\t%" PRIu64 "\n", p->queues,
           p->operations, p->markers);
}

int cli_mum(int argc, char **argv)
{
    if (cli_wants_help("mum", argc, argv))
        return 0;
    mum_opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    if (o.json)
        putchar('[');
    bool first = true;
    for (int i = 0; i < o.nfiles; i++) {
        const char *file = o.files[i];
        kb_error err = {0};
        mum_manifest m;
        mum_pending p;
        int r = o.pending ? mum_pending_read_file(file, &p, &err) : mum_read_file(file, &m, &err);
        if (r != 0) {
            cli_print_error(&err);
            rc = EXIT_UNREADABLE;
            if (!o.json)
                continue;   /* text: nothing on stdout for this file */
        }
        if (o.json)
            fputs(first ? "\n" : ",\n", stdout);
        else if (!first)
            putchar('\n');
        first = false;
        if (r != 0) {
            putchar('{');
            json_field("file", file, false);
            json_field("error", err.msg, true);
            putchar('}');
            continue;
        }
        if (o.pending)
            print_pending(file, &p, o.json);
        else if (o.json)
            print_json(file, &m);
        else
            print_text(file, &m);
        if (!o.pending)
            mum_manifest_free(&m);
    }
    if (o.json)
        fputs("\n]\n", stdout);
    if (fflush(stdout) != 0) {
        perror("standard output");
        return EXIT_UNREADABLE;
    }
    return rc;
}
