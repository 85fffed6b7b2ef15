/* `kbaudit reg`: read hive files (get, ls, export, dump, info). */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_target.h"
#include "kbaudit/outfile.h"
#include "kbaudit/regexport.h"
#include "kbaudit/regf.h"
#include "kbaudit/target.h"
#include "kbaudit/utf.h"

const char cli_reg_help[] =
    "usage: kbaudit reg get [-q] [--no-logs] HIVE KEYPATH [VALUE]\n"
    "       kbaudit reg ls [-q] [--no-logs] [--long] HIVE [KEYPATH]\n"
    "       kbaudit reg export [-q] [--no-logs] [--prefix ROOT] [--utf16] [-o FILE] HIVE [KEYPATH]\n"
    "       kbaudit reg dump [-q] [--no-logs] [-o FILE] HIVE [KEYPATH]\n"
    "       kbaudit reg info [--no-logs] HIVE\n"
    "\n"
    "Read a registry hive file (SOFTWARE, SYSTEM, NTUSER.DAT...) without Windows. The file\n"
    "is only ever opened read-only. KEYPATH is relative to the hive's root key,\n"
    "backslash-separated and case-insensitive ('Microsoft\\Windows NT\\CurrentVersion');\n"
    "without KEYPATH the root key is meant. A dirty hive (its base block sequence numbers\n"
    "differ) is read with its transaction logs, HIVE.LOG1 and HIVE.LOG2 beside it (any case),\n"
    "applied in memory as Windows would at load time; nothing is written.\n"
    "\n"
    "  get      print each value of KEYPATH as NAME<TAB>TYPE<TAB>DATA, or with VALUE only\n"
    "           that value's data (\"\" or @ names the default value). Strings print as text,\n"
    "           REG_MULTI_SZ one string per line, DWORD/QWORD as 0x... hex, others as hex bytes\n"
    "  ls       list the subkeys of KEYPATH, one per line; --long adds the last-write time\n"
    "           (UTC), the number of subkeys and of values\n"
    "  export   write the subtree as a regedit .reg file (Windows Registry Editor Version 5.00)\n"
    "           --prefix ROOT  root key name written before paths\n"
    "                          (default HKEY_LOCAL_MACHINE\\SOFTWARE)\n"
    "           --utf16        UTF-16LE with BOM and CRLF line ends, as regedit writes;\n"
    "                          the default is UTF-8 with LF line ends\n"
    "  dump     lossless listing, one line per key and value:\n"
    "           K<TAB>\"path\" and V<TAB>\"path\"<TAB>\"name\"<TAB>type<TAB>hex data\n"
    "  info     base block facts: format version, the file's sequence numbers (dirty or not),\n"
    "           what was done about its logs (logs, logs_detail), size of the hive read\n"
    "\n"
    "  -o, --output FILE  write to FILE instead of standard output; never HIVE or its\n"
    "                     transaction logs (HIVE.LOG1/.LOG2): refused as a usage error\n"
    "  -q, --quiet        do not say on stderr that a hive is dirty (and what was recovered)\n"
    "  --no-logs          read a dirty hive as it is on disk, without its transaction logs\n"
    "\nOptions may come before or after the operands; '--' ends the options.\n"
    "\n"
    "Exit status: 0 success, 1 key or value not found, 2 usage error,\n"
    "3 the hive cannot be read (the message names the file, the offset and the problem).\n";

typedef struct reg_opts {
    const char *action;
    const char *output;
    const char *prefix;
    bool utf16, long_list, quiet, no_logs;
    int nargs;
    char **args;   /* the operands, options removed (argv is reordered in place) */
} reg_opts;

/* GNU-style: options may come before, between or after the operands; "--" ends the
 * options (so a KEYPATH may start with '-'). Returns 0 or EXIT_USAGE. */
static int parse(int argc, char **argv, reg_opts *o)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"prefix", required_argument, NULL, 'p'},
        {"utf16", no_argument, NULL, 'u'},        {"long", no_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {"no-logs", no_argument, NULL, 'N'},      {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->prefix = "HKEY_LOCAL_MACHINE\\SOFTWARE";
    if (argc < 2)
        return cli_usage_error("reg", "missing action (get, ls, export, dump or info)");
    o->action = argv[1];
    int n = argc - 1;
    char **av = argv + 1;   /* av[0] is the action, as getopt expects a program name */
    optind = 0;
    opterr = 0;
    /* "-" first: operands come back in order as option 1, whatever POSIXLY_CORRECT says;
     * they are packed to the front of av as they come (getopt has read them already). */
    o->nargs = 0;
    o->args = av + 1;
    int c;
    while ((c = getopt_long(n, av, "-:o:lqh", longopts, NULL)) != -1) {
        switch (c) {
        case 1: o->args[o->nargs++] = optarg; break;
        case 'o': o->output = optarg; break;
        case 'p': o->prefix = optarg; break;
        case 'u': o->utf16 = true; break;
        case 'l': o->long_list = true; break;
        case 'q': o->quiet = true; break;
        case 'N': o->no_logs = true; break;
        case ':':
            return cli_usage_error("reg", "option '%s' needs an argument", av[optind - 1]);
        default:
            return cli_usage_error("reg", "unknown option '%s'", av[optind - 1]);
        }
    }
    /* after "--": the rest are operands */
    while (optind < n)
        o->args[o->nargs++] = av[optind++];
    return 0;
}

/* Checks the operand counts and the options that only some actions take, before any
 * hive is opened. */
static int validate(const reg_opts *o)
{
    static const struct { const char *action, *usage; int min, max; } rules[] = {
        {"get", "get needs HIVE KEYPATH [VALUE]", 2, 3},
        {"ls", "ls takes HIVE [KEYPATH]", 1, 2},
        {"export", "export takes HIVE [KEYPATH]", 1, 2},
        {"dump", "dump takes HIVE [KEYPATH]", 1, 2},
        {"info", "info takes one HIVE", 1, 1},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(o->action, rules[i].action) != 0)
            continue;
        if (o->nargs < rules[i].min || o->nargs > rules[i].max)
            return cli_usage_error("reg", "%s", rules[i].usage);
        if (o->long_list && strcmp(o->action, "ls") != 0)
            return cli_usage_error("reg", "--long is only for ls");
        if (o->utf16 && strcmp(o->action, "export") != 0)
            return cli_usage_error("reg", "--utf16 is only for export");
        /* the same check as audit/facts -o: never the hive read, nor its transaction logs */
        if (cli_output_hits_file(o->output, o->args[0], CLI_EVIDENCE_HIVE))
            return cli_usage_error("reg", "--output %s would write into the evidence (the hive %s or its "
                                          "transaction logs); evidence is read-only", o->output, o->args[0]);
        return 0;
    }
    return cli_usage_error("reg", "unknown action '%s' (get, ls, export, dump or info)", o->action);
}

static int open_hive(const char *path, const reg_opts *o, regf_hive **h, kb_hive_recovery *rec)
{
    kb_error err = {0};
    if (target_open_hive_file(path, o->no_logs ? KB_TARGET_NO_LOGS : 0, h, rec, &err) != 0) {
        cli_print_error(&err);
        return EXIT_UNREADABLE;
    }
    bool quiet = o->quiet || strcmp(o->action, "info") == 0;
    if (rec->rep.status == REGF_RECOVERY_APPLIED && !quiet)
        cli_errorf("note: %s is dirty (sequence numbers %u and %u differ): %s", path, rec->rep.file_seq1,
                   rec->rep.file_seq2, rec->summary);
    else if (rec->rep.status != REGF_RECOVERY_CLEAN && !quiet)
        cli_errorf("warning: %s is dirty (sequence numbers %u and %u differ) and is read without its "
                   "transaction logs (%s): recent changes may be missing",
                   path, rec->rep.file_seq1, rec->rep.file_seq2, rec->summary);
    return 0;
}

/* Resolves KEYPATH (and, when asked, its path with the names as stored in the hive). */
static int resolve(regf_hive *h, const char *path, regf_off *key, kb_buf *stored)
{
    kb_error err = {0};
    if (regf_key_lookup_stored(h, regf_root(h), path ? path : "", key, stored, &err) == 0)
        return 0;
    if (err.kind == KB_ERR_NOTFOUND) {
        cli_errorf("%s: %s", regf_name(h), err.msg);
        return EXIT_NOT_COMPLIANT;
    }
    cli_print_error(&err);
    return err.kind == KB_ERR_USAGE ? EXIT_USAGE : EXIT_UNREADABLE;
}

static FILE *open_output(const char *path)
{
    if (path == NULL)
        return stdout;
    FILE *fp = kb_fopen_write(path);
    if (fp == NULL)
        perror(path);
    return fp;
}

static int close_output(FILE *fp, const char *path, int rc)
{
    if (fp != stdout) {
        if (fclose(fp) != 0 && rc == 0) {
            perror(path);
            return EXIT_UNREADABLE;
        }
    } else if (fflush(stdout) != 0 && rc == 0) {
        perror("standard output");
        return EXIT_UNREADABLE;
    }
    return rc;
}

static void print_filetime(FILE *fp, uint64_t ft)
{
    /* FILETIME: 100 ns since 1601-01-01 */
    const uint64_t epoch_delta = 11644473600ull;
    time_t t = (time_t)(ft / 10000000ull - (ft / 10000000ull >= epoch_delta ? epoch_delta : ft / 10000000ull));
    struct tm tm;
    char s[32] = "-";
    if (ft / 10000000ull >= epoch_delta && gmtime_r(&t, &tm))
        strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fputs(s, fp);
}

static int do_ls(regf_hive *h, const reg_opts *o)
{
    regf_off key;
    int rc = resolve(h, o->nargs > 1 ? o->args[1] : NULL, &key, NULL);
    if (rc)
        return rc;
    kb_error err = {0};
    regf_offlist kids = {0};
    kb_buf name = KB_BUF_INIT;
    FILE *out = open_output(o->output);
    if (out == NULL)
        return EXIT_USAGE;
    rc = regf_key_subkeys(h, key, &kids, &err) ? EXIT_UNREADABLE : 0;
    for (size_t i = 0; rc == 0 && i < kids.n; i++) {
        kb_buf_reset(&name);
        regf_key_info ki;
        if (regf_key_name(h, kids.v[i], &name, &err) || regf_key_info_get(h, kids.v[i], &ki, &err)) {
            rc = EXIT_UNREADABLE;
            break;
        }
        if (o->long_list) {
            print_filetime(out, ki.last_write);
            fprintf(out, "\t%u\t%u\t", ki.subkey_count, ki.value_count);
        }
        fwrite(name.data, 1, name.len, out);
        fputc('\n', out);
    }
    if (rc == EXIT_UNREADABLE)
        cli_print_error(&err);
    regf_offlist_free(&kids);
    kb_buf_free(&name);
    return close_output(out, o->output, rc);
}

static void print_hex(FILE *out, const uint8_t *d, uint32_t n, const char *sep)
{
    for (uint32_t i = 0; i < n; i++)
        fprintf(out, "%s%02x", i ? sep : "", d[i]);
}

/* Prints the data of one value in the human form documented in the help. */
static int print_data(FILE *out, uint32_t type, const uint8_t *d, uint32_t n, bool one_line)
{
    kb_buf s = KB_BUF_INIT;
    if (type == REGF_SZ || type == REGF_EXPAND_SZ || type == REGF_LINK) {
        uint32_t end = 0;
        while (end + 1 < n && (d[end] | d[end + 1]))
            end += 2;
        kb_utf16le_to_utf8(&s, d, end);
        fwrite(s.data ? s.data : "", 1, s.len, out);
    } else if (type == REGF_MULTI_SZ) {
        uint32_t i = 0;
        bool first = true;
        while (i + 1 < n) {
            uint32_t end = i;
            while (end + 1 < n && (d[end] | d[end + 1]))
                end += 2;
            if (end == i)
                break;   /* the empty string ends the list */
            kb_buf_reset(&s);
            kb_utf16le_to_utf8(&s, d + i, end - i);
            if (!first)
                fputs(one_line ? "\\0" : "\n", out);
            fwrite(s.data, 1, s.len, out);
            first = false;
            i = end + 2;
        }
    } else if ((type == REGF_DWORD || type == REGF_DWORD_BE) && n == 4) {
        uint32_t v = type == REGF_DWORD ? (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24
                                        : (uint32_t)d[3] | (uint32_t)d[2] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[0] << 24;
        fprintf(out, "0x%08" PRIx32, v);
    } else if (type == REGF_QWORD && n == 8) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
            v = v << 8 | d[i];
        fprintf(out, "0x%016" PRIx64, v);
    } else {
        print_hex(out, d, n, one_line ? " " : " ");
    }
    kb_buf_free(&s);
    return 0;
}

static int do_get(regf_hive *h, const reg_opts *o)
{
    regf_off key;
    int rc = resolve(h, o->args[1], &key, NULL);
    if (rc)
        return rc;
    kb_error err = {0};
    kb_buf name = KB_BUF_INIT, scratch = KB_BUF_INIT;
    regf_offlist vals = {0};
    FILE *out = open_output(o->output);
    if (out == NULL)
        return EXIT_USAGE;
    if (o->nargs == 3) {
        const char *want = strcmp(o->args[2], "@") == 0 ? "" : o->args[2];
        regf_off v;
        if (regf_value_lookup(h, key, want, &v, &err) != 0) {
            rc = err.kind == KB_ERR_NOTFOUND ? EXIT_NOT_COMPLIANT : EXIT_UNREADABLE;
            if (rc == EXIT_NOT_COMPLIANT)
                cli_errorf("%s: %s: no value named \"%s\"", regf_name(h), o->args[1], want);
        } else {
            vals.v = malloc(sizeof *vals.v);
            if (vals.v)
                vals.v[0] = v, vals.n = vals.cap = 1;
        }
    } else if (regf_key_values(h, key, &vals, &err) != 0) {
        rc = EXIT_UNREADABLE;
    }
    for (size_t i = 0; rc == 0 && i < vals.n; i++) {
        regf_value_info vi;
        const uint8_t *d;
        uint32_t n;
        kb_buf_reset(&name);
        if (regf_value_info_get(h, vals.v[i], &vi, &err) || regf_value_name(h, vals.v[i], &name, &err) ||
            regf_value_data(h, vals.v[i], &scratch, &d, &n, &err)) {
            rc = EXIT_UNREADABLE;
            break;
        }
        if (o->nargs == 2) {
            const char *tn = regf_type_name(vi.type);
            fprintf(out, "%s\t", vi.has_name ? name.data : "(Default)");
            if (tn)
                fprintf(out, "%s\t", tn);
            else
                fprintf(out, "REG_0x%x\t", vi.type);
        }
        print_data(out, vi.type, d, n, o->nargs == 2);
        fputc('\n', out);
    }
    if (rc == EXIT_UNREADABLE)
        cli_print_error(&err);
    regf_offlist_free(&vals);
    kb_buf_free(&name);
    kb_buf_free(&scratch);
    return close_output(out, o->output, rc);
}

/* A key whose name holds '\' reads back from a .reg file as nested keys: say so. */
static void warn_backslash_name(void *ctx, const regf_hive *h, const char *name, size_t len)
{
    (void)ctx;
    cli_errorf("warning: %s: key name \"%.*s\" contains '\\': in the .reg file it reads as nested keys",
               regf_name(h), (int)len, name);
}

static int do_export(regf_hive *h, const reg_opts *o, bool dump)
{
    regf_off key;
    kb_buf stored = KB_BUF_INIT;
    int rc = resolve(h, o->nargs > 1 ? o->args[1] : NULL, &key, &stored);
    if (rc) {
        kb_buf_free(&stored);
        return rc;
    }
    FILE *out = open_output(o->output);
    if (out == NULL) {
        kb_buf_free(&stored);
        return EXIT_USAGE;
    }
    kb_error err = {0};
    regexport_options eo = {o->prefix, o->utf16, warn_backslash_name, NULL};
    int r = dump ? regexport_dump(h, key, out, &err)
                 : regexport_reg(h, key, stored.data ? stored.data : "", &eo, out, &err);
    if (r != 0) {
        cli_print_error(&err);
        rc = EXIT_UNREADABLE;
    }
    kb_buf_free(&stored);
    return close_output(out, o->output, rc);
}

static int do_info(regf_hive *h, const kb_hive_recovery *rec)
{
    const regf_header *hdr = regf_get_header(h);
    printf("file\t%s\n", regf_name(h));
    printf("version\t%u.%u\n", hdr->major, hdr->minor);
    printf("sequence\t%u %u\n", rec->rep.file_seq1, rec->rep.file_seq2);
    printf("dirty\t%s\n", rec->rep.file_seq1 != rec->rep.file_seq2 ? "yes" : "no");
    printf("logs\t%s\n", regf_recovery_status_name(rec->rep.status));
    printf("logs_detail\t%s\n", rec->summary ? rec->summary : "");
    if (rec->rep.status == REGF_RECOVERY_APPLIED)
        printf("recovered_sequence\t%u\n", hdr->seq_primary);
    printf("last_written\t");
    print_filetime(stdout, hdr->last_written);
    printf("\nroot_offset\t0x%x\n", hdr->root);
    printf("bins_size\t%u\n", hdr->bins_size);
    printf("zero_tail\t%s\n", hdr->zero_tail ? "yes" : "no");
    return 0;
}

int cli_reg(int argc, char **argv)
{
    if (cli_wants_help("reg", argc, argv))
        return 0;
    reg_opts o;
    int rc = parse(argc, argv, &o);
    if (rc == 0)
        rc = validate(&o);
    if (rc)
        return rc;
    regf_hive *h = NULL;
    kb_hive_recovery rec;
    rc = open_hive(o.args[0], &o, &h, &rec);
    if (rc)
        return rc;
    if (strcmp(o.action, "get") == 0)
        rc = do_get(h, &o);
    else if (strcmp(o.action, "ls") == 0)
        rc = do_ls(h, &o);
    else if (strcmp(o.action, "info") == 0)
        rc = do_info(h, &rec);
    else
        rc = do_export(h, &o, strcmp(o.action, "dump") == 0);
    regf_close(h);
    target_hive_recovery_free(&rec);
    return rc;
}
