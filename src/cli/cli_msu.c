/* `kbaudit msu`: what standalone update packages (.msu) are, and whether each applies to
 * Windows Server 2008 SP2 x86 / x64. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "kbaudit/json.h"
#include "kbaudit/msu.h"

const char cli_msu_help[] =
    "usage: kbaudit msu [--format text|json] FILE...\n"
    "\n"
    "Read standalone update packages (.msu, Microsoft cabinets) and print what their\n"
    "*-pkgProperties.txt says (KB Article Number, Applies to, Package Type, Processor\n"
    "Architecture, Installer Version, Build Date...) and the package identity of their unattend\n"
    ".xml (name, version, architecture), and whether each applies to Windows Server 2008 SP2\n"
    "(Windows 6.0) x86 and x64. The inner cabinet is not extracted. A Windows 6.1 package is\n"
    "for Windows 7 / Server 2008 R2 and does not install on 2008 SP2. Files are opened\n"
    "read-only; docs/msu.md and docs/cab.md describe the checks and limits.\n"
    "\n"
    "  -f, --format FMT  text (default): KEY<TAB>VALUE lines, a blank line between files;\n"
    "                    json: one array with an object per file ({\"file\", \"error\"} for a\n"
    "                    file that could not be read)\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 a file is unreadable or not an update package\n"
    "(the message names the file and the problem; the other files are still printed).\n";

static void line(const char *key, const char *value)
{
    if (value == NULL || value[0] == 0)
        return;
    fputs(key, stdout);
    putchar('\t');
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        (*p < 0x20 || *p == 0x7f) ? printf("\\x%02x", *p) : putchar(*p);
    putchar('\n');
}

static void print_text(const msu_package *p)
{
    char b1[160], b2[160], kb[16] = "";
    if (p->kb)
        snprintf(kb, sizeof kb, "KB%u", p->kb);
    line("file", p->file);
    line("kb", kb);
    line("windows", p->os_version);
    line("arch", p->arch);
    line("package_type", p->package_type);
    line("applies_to", p->applies_to);
    line("product_name", p->product_name);
    line("applicability", p->applicability);
    line("installer_version", p->installer_version);
    line("build_date", p->build_date);
    line("package", p->assembly_name);
    line("package_version", p->assembly_version);
    line("package_arch", p->assembly_arch);
    line("source", p->source_location);
    line("2008sp2_x86", msu_applies(p, "x86") ? "yes" : msu_applies_reason(p, "x86", b1, sizeof b1));
    line("2008sp2_x64", msu_applies(p, "x64") ? "yes" : msu_applies_reason(p, "x64", b2, sizeof b2));
    for (size_t i = 0; i < p->nwarnings; i++)
        line("warning", p->warnings[i]);
}

static void jstr(kb_json *j, const char *key, const char *v)
{
    json_key(j, key);
    json_string(j, v && v[0] ? v : NULL);
}

static void japplies(kb_json *j, const msu_package *p, const char *arch)
{
    char b[160];
    json_object_begin(j);
    json_key(j, "applies"), json_bool(j, msu_applies(p, arch));
    jstr(j, "reason", msu_applies_reason(p, arch, b, sizeof b));
    json_object_end(j);
}

static void print_json(kb_json *j, const msu_package *p)
{
    char kb[16] = "";
    if (p->kb)
        snprintf(kb, sizeof kb, "KB%u", p->kb);
    json_object_begin(j);
    jstr(j, "file", p->file);
    jstr(j, "kb", kb);
    jstr(j, "windows", p->os_version);
    jstr(j, "arch", p->arch);
    json_key(j, "applies_to_2008sp2");
    json_object_begin(j);
    json_key(j, "x86"), japplies(j, p, "x86");
    json_key(j, "x64"), japplies(j, p, "x64");
    json_object_end(j);
    json_key(j, "properties");
    json_object_begin(j);
    for (size_t i = 0; i < p->nprops; i++)
        json_key(j, p->props[i].key), json_string(j, p->props[i].value);
    json_object_end(j);
    json_key(j, "package");
    json_object_begin(j);
    jstr(j, "name", p->assembly_name);
    jstr(j, "version", p->assembly_version);
    jstr(j, "processorArchitecture", p->assembly_arch);
    jstr(j, "language", p->assembly_language);
    jstr(j, "publicKeyToken", p->assembly_token);
    jstr(j, "source", p->source_location);
    json_object_end(j);
    jstr(j, "properties_member", p->properties_member);
    jstr(j, "unattend_member", p->unattend_member);
    json_key(j, "trailing_bytes"), json_uint(j, p->trailing_bytes);
    json_key(j, "warnings");
    json_array_begin(j);
    for (size_t i = 0; i < p->nwarnings; i++)
        json_string(j, p->warnings[i]);
    json_array_end(j);
    json_object_end(j);
}

int cli_msu(int argc, char **argv)
{
    if (cli_wants_help("msu", argc, argv))
        return 0;
    bool json;
    int usage = cli_parse_format_files("msu", argc, argv, &json);
    if (usage != 0)
        return usage;
    kb_json j;
    json_init(&j);
    json_array_begin(&j);
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        msu_package p;
        kb_error err = {0};
        if (msu_read_file(argv[i], &p, &err) != 0) {
            cli_print_error(&err);
            rc = EXIT_UNREADABLE;
            if (json) {
                json_object_begin(&j);
                jstr(&j, "file", argv[i]);
                jstr(&j, "error", err.msg);
                json_object_end(&j);
            }
            continue;
        }
        if (json) {
            print_json(&j, &p);
        } else {
            if (i > optind)
                putchar('\n');
            print_text(&p);
        }
        msu_package_free(&p);
    }
    json_array_end(&j);
    if (json && json_write(&j, stdout) != 0)
        rc = EXIT_USAGE;
    json_free(&j);
    return rc;
}
