/* The host: is it covered (Windows Server 2008 SP2, x86 or x64), which build is it at
 * (registry and kernel file, the files decide), and is a reboot pending. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_internal.h"

static bool contains_ci(const char *s, const char *needle)
{
    if (s == NULL)
        return false;
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

/* "6003" -> 6003; anything that is not a plain number -> 0 (unknown). */
static uint32_t parse_build(const char *s)
{
    if (s == NULL || !isdigit((unsigned char)*s))
        return 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return (*end == '\0' || *end == '.') && v < 100000 ? (uint32_t)v : 0;
}

static bool not_covered(audit_ctx *c, const char *fmt, const char *detail)
{
    audit_result *r = c->r;
    r->verdict = AUDIT_NOT_COVERED;
    r->exit_code = 4;
    r->verdict_reason = audit_printf(c, fmt, detail);
    return false;
}

static bool not_covered_build(audit_ctx *c, const char *what, const char *build, const char *detail)
{
    audit_result *r = c->r;
    r->verdict = AUDIT_NOT_COVERED;
    r->exit_code = 4;
    r->verdict_reason = audit_printf(c, "%s says build %s%s: Windows Server 2008 must be at Service Pack 2 (build "
                                        "6002 or 6003); RTM reports 6001 (it shipped at SP1 level)",
                                     what, build, detail);
    return false;
}

static void read_build(audit_ctx *c)
{
    const kb_facts *f = c->f;
    audit_build *b = &c->r->build;
    b->registry = parse_build(f->current_build_number.value);
    if (b->registry == 0)
        b->registry = parse_build(f->current_build.value);
    uint32_t cur = parse_build(f->current_build.value), num = parse_build(f->current_build_number.value);
    if (cur && num && cur != num)
        audit_warn(c, "registry disagrees with itself: CurrentBuildNumber says %u but CurrentBuild says %u (whether "
                      "CurrentBuild follows the build change on NT 6.0 is unconfirmed); CurrentBuildNumber is used",
                   num, cur);
    uint32_t lab = parse_build(f->build_lab_ex.value);
    if (b->registry && lab && lab != b->registry)
        audit_warn(c, "registry disagrees with itself: CurrentBuildNumber says %u but BuildLabEx says %u",
                   b->registry, lab);
    const facts_file *k = facts_find_file(f, "kernel");
    if (k && k->present && !k->error && k->has_version) {
        b->kernel = k->file_version[2];
        memcpy(b->kernel_version, k->file_version, sizeof b->kernel_version);
        b->has_kernel_version = true;
    } else if (f->files_available) {
        audit_warn(c, "the kernel's file version could not be read (%s): the build rests on the registry",
                   k && k->error ? k->error : k && k->present ? "no version resource" : "ntoskrnl.exe not found");
    }
    char v[24], v2[24];
    /* x86 ships two kernels; which one boots (PAE or not) is not known from the files: the
     * lower version decides, so that neither is taken for more than it shows */
    const char *kname = "ntoskrnl.exe";
    bool kernels_disagree = false;
    const facts_file *pae = facts_find_file(f, "kernel-pae");
    if (b->has_kernel_version && pae && pae->present && !pae->error && pae->has_version &&
        kbdb_version_cmp(pae->file_version, b->kernel_version) != 0) {
        kernels_disagree = true;
        bool pae_lower = kbdb_version_cmp(pae->file_version, b->kernel_version) < 0;
        audit_warn(c, "ntoskrnl.exe is %s but the PAE kernel ntkrnlpa.exe is %s: which of the two boots is not known "
                      "from the files, so the lower one (%s) decides the build and the level",
                   audit_version(b->kernel_version, v), audit_version(pae->file_version, v2),
                   pae_lower ? "ntkrnlpa.exe" : "ntoskrnl.exe");
        if (pae_lower) {
            memcpy(b->kernel_version, pae->file_version, sizeof b->kernel_version);
            b->kernel = pae->file_version[2];
            kname = "ntkrnlpa.exe";
        }
    }
    /* the kernel image's machine type against the SYSTEM hive's architecture */
    bool arch_mismatch = false;
    if (b->has_kernel_version && k && k->machine && f->arch_source && strcmp(f->arch_source, "SYSTEM environment") == 0) {
        kb_arch karch = facts_arch_of_machine(k->machine);
        if (karch != KB_ARCH_UNKNOWN && f->arch != KB_ARCH_UNKNOWN && karch != f->arch) {
            arch_mismatch = true;
            audit_warn(c, "the SYSTEM hive says %s (PROCESSOR_ARCHITECTURE) but ntoskrnl.exe is an %s image: the kernel "
                          "file and the hive do not describe the same installation, so its version (%s) cannot confirm "
                          "the build",
                       facts_arch_name(f->arch), facts_arch_name(karch), audit_version(b->kernel_version, v));
            audit_doubt(c, "the SYSTEM hive says %s but ntoskrnl.exe is an %s image: the kernel file cannot confirm the "
                           "build", facts_arch_name(f->arch), facts_arch_name(karch));
        }
    }
    b->kernel_file = b->has_kernel_version ? kname : NULL;
    b->effective = b->kernel ? b->kernel : b->registry;
    if (b->kernel && (b->registry || kernels_disagree || arch_mismatch)) {
        b->consistent_known = true;
        b->consistent = b->kernel == b->registry && !kernels_disagree && !arch_mismatch;
    }
    if (b->kernel && b->registry && b->kernel != b->registry && b->kernel >= 6002) {
        if (b->registry > b->kernel)
            audit_warn(c, "registry says build %u but %s is %s: the update that raised the build is "
                          "waiting for a reboot or failed; the files decide: build %u",
                       b->registry, kname, audit_version(b->kernel_version, v), b->kernel);
        else
            audit_warn(c, "%s is %s but the registry still says build %u: the host has probably not restarted "
                          "into the new kernel (the registry's build is expected to be rewritten at boot; inferred, "
                          "unconfirmed for NT 6.0, kb-facts.md §6.1)",
                       kname, audit_version(b->kernel_version, v), b->registry);
    }
}

bool audit_host(audit_ctx *c)
{
    const kb_facts *f = c->f;
    audit_result *r = c->r;
    r->product = f->product_name.value ? strdup(f->product_name.value) : NULL;
    r->edition = f->edition_id.value ? strdup(f->edition_id.value) : NULL;
    r->arch = f->arch;
    r->server_core = contains_ci(f->edition_id.value, "Core") ||
                     contains_ci(f->installation_type.value, "Server Core");
    read_build(c);

    const char *product = f->product_name.value, *version = f->current_version.value,
               *edition = f->edition_id.value;
    const char *ptype = f->product_type.value;
    bool workstation = ptype && strcasecmp(ptype, "WinNT") == 0;
    bool server = ptype && (strcasecmp(ptype, "ServerNT") == 0 || strcasecmp(ptype, "LanmanNT") == 0);
    if (ptype && !workstation && !server)
        audit_warn(c, "%s is \"%s\", not one of WinNT, ServerNT, LanmanNT", f->product_type.source, ptype);
    if (product == NULL && version == NULL && edition == NULL && ptype == NULL)
        return not_covered(c, "%s", "the product could not be identified (no ProductName, EditionID or CurrentVersion in "
                                    "SOFTWARE, no ProductType in SYSTEM)");
    if (version && strcmp(version, "6.0") != 0 && audit_is_list(c) && product) {
        char *what = audit_printf(c, "detected \"%s\" (NT %s", product, version);
        not_covered(c, "%s): these updates are for Windows Server 2008 SP2 (NT 6.0); NT 6.1 (Windows 7, Windows "
                       "Server 2008 R2, build 7601) and later versions have their own update lines", what ? what : "");
        free(what);
        return false;
    }
    if (version && strcmp(version, "6.0") != 0)
        return not_covered(c, "detected Windows NT %s: these updates are for Windows Server 2008 SP2 "
                              "(NT 6.0); Windows Server 2008 R2 / Windows 7 is NT 6.1 (build 7601) and has its own update line",
                           version);
    if (product && contains_ci(product, "R2"))
        return not_covered(c, "detected \"%s\": Windows Server 2008 R2 has its own update line (build 7601)", product);
    if (workstation && !contains_ci(product, "Server"))
        return not_covered(c, "%s", "ProductType is WinNT (a workstation): on NT 6.0 that is Windows Vista; the Windows "
                                    "Server 2008 SP2 updates of the 6003 line do not apply to it (Vista's support ended in 2017)");
    if (workstation) {
        audit_warn(c, "ProductName \"%s\" names a server but %s is WinNT (a workstation)", product, f->product_type.source);
        c->identity_doubt = audit_printf(c, "the product's identity is in doubt: ProductName \"%s\" names a server, "
                                            "ProductType WinNT a workstation (Windows Vista)", product);
    }
    if (product && !contains_ci(product, "Server"))
        return not_covered(c, "detected \"%s\": a client edition of NT 6.0 (Windows Vista); the Windows Server 2008 SP2 "
                              "updates of the 6003 line do not apply to it (Vista's support ended in 2017)",
                           product);
    if (product == NULL && edition && strncasecmp(edition, "Server", 6) != 0)
        return not_covered(c, "detected EditionID \"%s\" (no ProductName): not a server edition, so NT 6.0 Windows Vista; "
                              "the Windows Server 2008 SP2 updates of the 6003 line do not apply to it", edition);
    if (product == NULL && edition == NULL && !server && c->identity_doubt == NULL)
        c->identity_doubt = audit_printf(c, "the product could not be identified: no ProductName, EditionID or ProductType "
                                            "(Windows Vista and Windows Server 2008 are both NT 6.0)");
    else if (product == NULL)
        audit_warn(c, "no ProductName: the product is identified as a server from %s",
                   edition ? "EditionID" : "ProductType alone");
    if (product && !contains_ci(product, "2008"))
        return not_covered(c, "detected \"%s\": not Windows Server 2008", product);
    /* the registry names the service pack level: 6000/6001 is before SP2 (2008 RTM reports
     * 6001, kb-facts.md §1), not covered; a registry at SP2 with an older kernel file is a
     * broken SP2 installation, audited (and never compliant, the files decide) */
    uint32_t reg = r->build.registry, ker = r->build.kernel;
    char kv[24];
    if (reg && reg != 6002 && reg != 6003) {
        char detail[96] = "";
        if (ker && ker != reg)
            snprintf(detail, sizeof detail, "; ntoskrnl.exe is %s", audit_version(r->build.kernel_version, kv));
        char regs[16];
        snprintf(regs, sizeof regs, "%u", reg);
        return not_covered_build(c, audit_is_list(c) ? "the systeminfo OS Version" : "the registry's CurrentBuildNumber",
                                 regs, detail);
    }
    if (!reg && ker && ker != 6002 && ker != 6003)
        return not_covered_build(c, "ntoskrnl.exe", audit_version(r->build.kernel_version, kv),
                                 " (the registry gives no build)");
    if (ker && ker > 6003)
        return not_covered_build(c, "ntoskrnl.exe", audit_version(r->build.kernel_version, kv), "");
    if (ker && ker < 6002) {
        audit_warn(c, "the registry says build %u (Service Pack 2) but ntoskrnl.exe is %s (build %u, older than Service "
                      "Pack 2's 6002): Service Pack 2 is not in effect in the files (a failed or rolled-back SP2 "
                      "installation, or a kernel file from another installation); the files decide: build %u, not "
                      "compliant; repair Service Pack 2 before the updates below",
                   reg, audit_version(r->build.kernel_version, kv), ker, ker);
    }
    if (f->arch == KB_ARCH_IA64)
        return not_covered(c, "%s", "detected an Itanium (IA-64) system: kbaudit covers x86 and x64");
    if (f->arch == KB_ARCH_UNKNOWN)
        audit_warn(c, "the architecture is unknown (no SYSTEM hive and no readable kernel)");
    return true;
}

void audit_pending(audit_ctx *c)
{
    const facts_pending *p = &c->f->pending;
    const fact_flag *flags[] = {&p->cbs_reboot_pending, &p->cbs_packages_pending, &p->cbs_reboot_in_progress,
                                &p->wu_reboot_required};
    for (size_t i = 0; i < 4; i++)
        if (flags[i]->known && flags[i]->value)
            audit_add_pending(c, "%s exists", flags[i]->source);
    if (p->cbs_execute_state.present && p->cbs_execute_state.value != 0xFFFFFFFFu)
        audit_add_pending(c, "%s is 0x%x (a servicing operation is in progress; 0xffffffff means none)",
                          p->cbs_execute_state.source, p->cbs_execute_state.value);
    if (p->pending_file_renames.present && p->pending_file_renames.value > 0)
        audit_add_pending(c, "%s holds %u file operation(s)", p->pending_file_renames.source,
                          p->pending_file_renames.value);
    if (p->pending_xml_operations.present && p->pending_xml_error)
        audit_add_pending(c, "%s exists but could not be read (%s): a reboot is taken to be pending",
                          p->pending_xml_operations.source, p->pending_xml_error);
    else if (p->pending_xml_operations.present)
        audit_add_pending(c, "%s exists (%u pending operation(s))", p->pending_xml_operations.source,
                          p->pending_xml_operations.value);
    for (size_t i = 0; i < c->f->npackages; i++) {
        const facts_package *pk = &c->f->packages[i];
        if (pk->has_state && pk->state == 0x60)
            audit_add_pending(c, "package %s is install-pending (CurrentState 0x60)", pk->identity);
        else if (pk->has_state && pk->state == 0x05)
            audit_add_pending(c, "package %s is uninstall-pending (CurrentState 0x05): its removal waits for a restart",
                              pk->identity);
    }
    const audit_build *b = &c->r->build;
    if (b->registry && b->kernel > b->registry)
        audit_add_pending(c, "the kernel file is build %u but the registry says %u (the registry's build is expected "
                             "to be rewritten at boot: inferred, unconfirmed for NT 6.0)",
                          b->kernel, b->registry);
}
