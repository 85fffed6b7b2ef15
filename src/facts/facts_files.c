/* File evidence: the kernel images' versions, read with the PE reader. The kernel's file
 * version is what decides the build (6.0.6002.x or 6.0.6003.x); on x86 the PAE kernel
 * (ntkrnlpa.exe) is what most hosts actually boot, so it is read too. Three months are
 * recognised by another file than the kernel (kb-facts.md §4: January 2020 crypt32.dll,
 * March 2021 appinfo.dll, the July 2021 out-of-band update spoolsv.exe): those are read too,
 * and so are the files of the thresholds later research added (issue 12: win32k.sys for July
 * 2019 from Greenbone's check, cmitrust.dll for KB4565353), because the audit may use a file's
 * threshold only when the file was read from the target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts_internal.h"
#include "kbaudit/peversion.h"

/* All in System32 below the Windows directory. */
static const struct {
    const char *role;
    const char *name;
} kernel_files[] = {
    {"kernel", "ntoskrnl.exe"},
    {"kernel-pae", "ntkrnlpa.exe"},
    {"marker-crypt32", "crypt32.dll"},
    {"marker-appinfo", "appinfo.dll"},
    {"marker-spoolsv", "spoolsv.exe"},
    {"marker-win32k", "win32k.sys"},
    {"marker-cmitrust", "cmitrust.dll"},
};

kb_arch facts_arch_of_machine(uint16_t machine)
{
    return machine == PE_MACHINE_AMD64 ? KB_ARCH_X64
           : machine == PE_MACHINE_I386 ? KB_ARCH_X86
           : machine == PE_MACHINE_IA64 ? KB_ARCH_IA64 : KB_ARCH_UNKNOWN;
}

static void read_version(facts_file *x, const char *host, kb_error_kind *kind)
{
    pe_file *pe = NULL;
    pe_version_info vi;
    kb_error e = {0};
    memset(&vi, 0, sizeof vi);
    if (pe_open_file(host, &pe, &e) != 0 || pe_version_read(pe, &vi, &e) != 0) {
        x->error = strdup(e.msg);
        *kind = e.kind;
        pe_version_info_free(&vi);   /* a failed read may leave parts allocated */
        pe_close(pe);
        return;
    }
    x->machine = vi.machine;
    x->has_version = pe_version_usable(&vi);
    memcpy(x->file_version, vi.file_version, sizeof x->file_version);
    memcpy(x->product_version, vi.product_version, sizeof x->product_version);
    const char *s = pe_version_string(&vi, "FileVersion");
    if (s) {
        pe_file_version_parts parts;
        x->version_string = strdup(s);
        if (pe_split_file_version(s, &parts) == 0 && parts.branch[0])
            x->branch = strdup(parts.branch);
    }
    pe_version_info_free(&vi);
    pe_close(pe);
}

void facts_gather_files(kb_facts *f, kb_target *t)
{
    if (!f->files_available)
        return;
    size_t n = sizeof kernel_files / sizeof kernel_files[0];
    f->files = calloc(n, sizeof *f->files);
    if (f->files == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        facts_file *x = &f->files[f->nfiles++];
        x->role = kernel_files[i].role;
        char *host = NULL, winpath[64];
        kb_error e = {0};
        snprintf(winpath, sizeof winpath, "System32\\%s", kernel_files[i].name);
        if (target_file(t, winpath, &host, &e) != 0) {
            x->path = target_show_path(t, "System32", kernel_files[i].name);
            if (e.kind == KB_ERR_DENIED)
                facts_denied(f, x->path, e.msg);
            else if (e.kind != KB_ERR_NOTFOUND)
                facts_warn(f, "%s", e.msg);
            if (e.kind != KB_ERR_NOTFOUND)
                x->error = strdup(e.msg);
            continue;
        }
        x->present = true;
        x->path = strdup(target_relative(t, host));
        kb_error_kind kind = KB_OK;
        read_version(x, host, &kind);
        if (x->error && kind == KB_ERR_DENIED)
            facts_denied(f, x->path, x->error);
        else if (x->error)
            facts_warn(f, "%s: %s", x->path, x->error);
        free(host);
    }
    /* The SYSTEM hive's environment decides the architecture; the kernel is the fallback. */
    const facts_file *k = facts_find_file(f, "kernel");
    if (f->arch == KB_ARCH_UNKNOWN && k && k->present && !k->error) {
        f->arch = facts_arch_of_machine(k->machine);
        if (f->arch != KB_ARCH_UNKNOWN)
            f->arch_source = "kernel machine type";
    } else if (f->arch != KB_ARCH_UNKNOWN && k && k->present && !k->error) {
        kb_arch from_kernel = facts_arch_of_machine(k->machine);
        if (from_kernel != KB_ARCH_UNKNOWN && from_kernel != f->arch)
            facts_warn(f, "architecture: the SYSTEM hive says %s but %s is a %s image",
                       facts_arch_name(f->arch), k->path, facts_arch_name(from_kernel));
    }
}
