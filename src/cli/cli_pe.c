/* `kbaudit pe`: print the machine, the fixed file and product versions and the version
 * strings of PE files, as text or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kbaudit/peversion.h"
#include "kbaudit/utf.h"

const char cli_pe_help[] =
    "usage: kbaudit pe [--format text|json] FILE...\n"
    "\n"
    "Read the version resource of PE files (EXE, DLL, SYS; PE32 and PE32+) without Windows.\n"
    "Files are only ever opened read-only. For each FILE it prints the path, the machine\n"
    "(x86, x64, ia64 or the number), the fixed file and product versions from\n"
    "VS_FIXEDFILEINFO, the resource and string-table languages and the strings of the first\n"
    "string table (FileVersion, ProductVersion, OriginalFilename, CompanyName...). The build\n"
    "branch is split off the FileVersion string (\"6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)\"\n"
    "gives branch vistasp2_ldr_escrow).\n"
    "\n"
    "A file without a version resource is not an error: it prints \"no version resource\".\n"
    "A fixed version of 0.0.0.0 is printed but flagged: scanners treat it as no version.\n"
    "\n"
    "  --format text  one NAME<TAB>VALUE line per fact, a blank line between files (default);\n"
    "                 control characters in strings are escaped (\\t, \\n, \\\\, \\xNN)\n"
    "  --format json  one JSON array with an object per file (see docs/pe.md)\n"
    "\n"
    "Exit status: 0 every file was read, 2 usage error, 3 some file could not be read as a\n"
    "PE file or its version resource is corrupt (the message names the file, the offset and\n"
    "the problem; the other files are still printed).\n";

/* ---- text ---- */

static void text_escaped(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

static void text_version(FILE *out, const char *name, const uint16_t v[4])
{
    fprintf(out, "%s\t%u.%u.%u.%u\n", name, v[0], v[1], v[2], v[3]);
}

static void text_machine(FILE *out, const pe_version_info *vi)
{
    const char *m = pe_machine_name(vi->machine);
    fprintf(out, "machine\t%s (0x%04x)\n", m ? m : "unknown", vi->machine);
    fprintf(out, "format\t%s\n", vi->is_pe32plus ? "PE32+" : "PE32");
}

static void text_file(FILE *out, const char *path, const pe_version_info *vi)
{
    fputs("path\t", out);
    text_escaped(out, path);
    fputc('\n', out);
    text_machine(out, vi);
    if (!vi->has_version) {
        fputs("version\tno version resource\n", out);
    } else if (!vi->has_fixed) {
        fputs("version\tno VS_FIXEDFILEINFO (wValueLength 0): treated as no version\n", out);
    } else {
        text_version(out, "file_version", vi->file_version);
        text_version(out, "product_version", vi->product_version);
        if (vi->version_zero)
            fputs("version_zero\tyes: 0.0.0.0 is treated as no version\n", out);
    }
    if (vi->n_resource_langs) {
        fputs("resource_languages\t", out);
        for (size_t i = 0; i < vi->n_resource_langs; i++)
            fprintf(out, "%s0x%04x", i ? " " : "", vi->resource_langs[i]);
        fputc('\n', out);
    }
    if (vi->string_table[0]) {
        fprintf(out, "string_table\t%s\n", vi->string_table);
        fputs("string_tables\t", out);
        for (size_t i = 0; i < vi->n_tables; i++)
            fprintf(out, i ? " %08" PRIX32 : "%08" PRIX32, vi->tables[i]);
        fputc('\n', out);
    }
    if (vi->n_translations) {
        fputs("translations\t", out);
        for (size_t i = 0; i < vi->n_translations; i++)
            fprintf(out, "%s%04X%04X", i ? " " : "", vi->translations[i] >> 16, vi->translations[i] & 0xFFFF);
        fputc('\n', out);
    }
    for (size_t i = 0; i < vi->n_strings; i++) {
        fputs("string\t", out);
        text_escaped(out, vi->strings[i].key);
        fputc('\t', out);
        text_escaped(out, vi->strings[i].value);
        fputc('\n', out);
    }
    pe_file_version_parts fv;
    if (pe_split_file_version(pe_version_string(vi, "FileVersion"), &fv) == 0 && fv.branch[0]) {
        fputs("branch\t", out);
        text_escaped(out, fv.branch);
        fputc('\n', out);
    }
    if (vi->warning[0]) {
        fputs("warning\t", out);
        text_escaped(out, vi->warning);
        fputc('\n', out);
    }
}

/* ---- json ---- */

static void json_string(FILE *out, const char *s)
{
    const char *p = s, *end = s + strlen(s);
    fputc('"', out);
    while (p < end) {
        const char *start = p;
        uint32_t c = kb_utf8_next(&p, end);
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", (char)c);
        else if (c < 0x20 || c == 0x7F)
            fprintf(out, "\\u%04x", c);
        else if (c == 0xFFFD && !(p - start == 3 && memcmp(start, "\xEF\xBF\xBD", 3) == 0))
            fputs("\\ufffd", out);   /* bytes that are not UTF-8 (e.g. in a path) */
        else
            fwrite(start, 1, (size_t)(p - start), out);
    }
    fputc('"', out);
}

static void json_version(FILE *out, const char *name, bool present, const uint16_t v[4])
{
    fprintf(out, ", \"%s\": ", name);
    if (present)
        fprintf(out, "\"%u.%u.%u.%u\"", v[0], v[1], v[2], v[3]);
    else
        fputs("null", out);
}

static void json_file(FILE *out, const char *path, const pe_version_info *vi)
{
    const char *m = pe_machine_name(vi->machine);
    fputs("{\"path\": ", out);
    json_string(out, path);
    fputs(", \"ok\": true, \"machine\": ", out);
    if (m)
        fprintf(out, "\"%s\"", m);
    else
        fputs("null", out);
    fprintf(out, ", \"machine_code\": %u, \"format\": \"%s\"", vi->machine, vi->is_pe32plus ? "PE32+" : "PE32");
    fprintf(out, ", \"has_version\": %s, \"has_fixed\": %s, \"version_zero\": %s, \"usable\": %s",
            vi->has_version ? "true" : "false", vi->has_fixed ? "true" : "false",
            vi->version_zero ? "true" : "false", pe_version_usable(vi) ? "true" : "false");
    json_version(out, "file_version", vi->has_fixed, vi->file_version);
    json_version(out, "product_version", vi->has_fixed, vi->product_version);
    if (vi->has_fixed)
        fprintf(out, ", \"file_flags\": %u, \"file_os\": %u, \"file_type\": %u, \"file_subtype\": %u",
                vi->file_flags & vi->file_flags_mask, vi->file_os, vi->file_type, vi->file_subtype);
    fputs(", \"resource_languages\": [", out);
    for (size_t i = 0; i < vi->n_resource_langs; i++)
        fprintf(out, "%s%u", i ? ", " : "", vi->resource_langs[i]);
    fputs("], \"string_table\": ", out);
    if (vi->string_table[0])
        json_string(out, vi->string_table);
    else
        fputs("null", out);
    fputs(", \"string_tables\": [", out);
    for (size_t i = 0; i < vi->n_tables; i++)
        fprintf(out, "%s\"%08" PRIX32 "\"", i ? ", " : "", vi->tables[i]);
    fputs("], \"translations\": [", out);
    for (size_t i = 0; i < vi->n_translations; i++)
        fprintf(out, "%s\"%04X%04X\"", i ? ", " : "", vi->translations[i] >> 16, vi->translations[i] & 0xFFFF);
    fputs("], \"strings\": [", out);
    for (size_t i = 0; i < vi->n_strings; i++) {
        fputs(i ? ", {\"key\": " : "{\"key\": ", out);
        json_string(out, vi->strings[i].key);
        fputs(", \"value\": ", out);
        json_string(out, vi->strings[i].value);
        fputc('}', out);
    }
    fputs("], \"file_version_string\": ", out);
    pe_file_version_parts fv;
    if (pe_split_file_version(pe_version_string(vi, "FileVersion"), &fv) == 0) {
        fputs("{\"version\": ", out);
        json_string(out, fv.version);
        fputs(", \"branch\": ", out);
        json_string(out, fv.branch);
        fputs(", \"stamp\": ", out);
        json_string(out, fv.stamp);
        fputc('}', out);
    } else {
        fputs("null", out);
    }
    fputs(", \"warning\": ", out);
    if (vi->warning[0])
        json_string(out, vi->warning);
    else
        fputs("null", out);
    fputc('}', out);
}

static void json_error(FILE *out, const char *path, const kb_error *err)
{
    fputs("{\"path\": ", out);
    json_string(out, path);
    fputs(", \"ok\": false, \"error\": ", out);
    json_string(out, err->msg[0] ? err->msg : "unknown error");
    fputc('}', out);
}

int cli_pe(int argc, char **argv)
{
    if (cli_wants_help("pe", argc, argv))
        return 0;
    bool json;
    int usage = cli_parse_format_files("pe", argc, argv, &json);
    if (usage != 0)
        return usage;
    int rc = 0;
    if (json)
        fputs("[", stdout);
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        kb_error err = {0};
        pe_file *pe = NULL;
        pe_version_info vi;
        memset(&vi, 0, sizeof vi);
        bool ok = pe_open_file(path, &pe, &err) == 0 && pe_version_read(pe, &vi, &err) == 0;
        if (json && i > optind)
            fputs(",\n ", stdout);
        if (ok) {
            if (json)
                json_file(stdout, path, &vi);
            else
                text_file(stdout, path, &vi), fputs(i + 1 < argc ? "\n" : "", stdout);
        } else {
            cli_print_error(&err);
            rc = EXIT_UNREADABLE;
            if (json)
                json_error(stdout, path, &err);
            else {
                fputs("path\t", stdout);
                text_escaped(stdout, path);
                fputs("\nerror\t", stdout);
                text_escaped(stdout, err.msg);
                fputs(i + 1 < argc ? "\n\n" : "\n", stdout);
            }
        }
        pe_version_info_free(&vi);
        pe_close(pe);
    }
    if (json)
        fputs("]\n", stdout);
    if (fflush(stdout) != 0) {
        perror("standard output");
        return EXIT_UNREADABLE;
    }
    return rc;
}
