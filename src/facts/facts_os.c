/* OS identity: SOFTWARE\Microsoft\Windows NT\CurrentVersion, the current control set, the
 * processor architecture and the product type from the SYSTEM hive (kb-facts.md §6.1). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts_internal.h"

static kb_arch arch_from_env(const char *s)
{
    if (s == NULL)
        return KB_ARCH_UNKNOWN;
    if (strcasecmp(s, "AMD64") == 0)
        return KB_ARCH_X64;
    if (strcasecmp(s, "x86") == 0)
        return KB_ARCH_X86;
    if (strcasecmp(s, "IA64") == 0)
        return KB_ARCH_IA64;
    return KB_ARCH_UNKNOWN;
}

void facts_gather_os(kb_facts *f, kb_target *t)
{
    static const struct {
        size_t offset;
        const char *value;
    } cv[] = {
        {offsetof(kb_facts, product_name), "ProductName"},
        {offsetof(kb_facts, edition_id), "EditionID"},
        {offsetof(kb_facts, installation_type), "InstallationType"},
        {offsetof(kb_facts, current_version), "CurrentVersion"},
        {offsetof(kb_facts, current_build), "CurrentBuild"},
        {offsetof(kb_facts, current_build_number), "CurrentBuildNumber"},
        {offsetof(kb_facts, csd_version), "CSDVersion"},
        {offsetof(kb_facts, build_lab), "BuildLab"},
        {offsetof(kb_facts, build_lab_ex), "BuildLabEx"},
        {offsetof(kb_facts, system_root), "SystemRoot"},
    };
    for (size_t i = 0; i < sizeof cv / sizeof cv[0]; i++)
        facts_read_str(f, t, KB_HIVE_SOFTWARE, CURRENT_VERSION_KEY, cv[i].value,
                       (fact_str *)(void *)((char *)f + cv[i].offset));

    facts_read_num(f, t, KB_HIVE_SYSTEM, "Select", "Current", &f->current_control_set);
    char cs[32], key[128];
    if (facts_control_set(f, cs) != NULL) {
        snprintf(key, sizeof key, "%s\\Control\\Session Manager\\Environment", cs);
        facts_read_str(f, t, KB_HIVE_SYSTEM, key, "PROCESSOR_ARCHITECTURE", &f->processor_architecture);
        f->arch = arch_from_env(f->processor_architecture.value);
        if (f->arch != KB_ARCH_UNKNOWN)
            f->arch_source = "SYSTEM environment";
    }

    if (facts_control_set(f, cs) != NULL) {
        /* ProductType tells a workstation (WinNT: Vista on NT 6.0) from a server (ServerNT,
         * LanmanNT), whatever ProductName says. */
        snprintf(key, sizeof key, "%s\\Control\\ProductOptions", cs);
        facts_read_str(f, t, KB_HIVE_SYSTEM, key, "ProductType", &f->product_type);
    }

    /* The SystemRoot value names the Windows directory ("C:\Windows"): say so when the tree's
     * folder is another one (an image of a multi-boot disk, or a moved system). */
    const char *sr = f->system_root.value, *wd = f->windows_dir;
    if (sr && wd && f->kind == KB_TARGET_LIVE) {
        /* live: the system's own Windows directory, a full path (C:\Windows) */
        if (strcasecmp(sr, wd) != 0)
            facts_warn(f, "SystemRoot is \"%s\" but the system's Windows directory is \"%s\"", sr, wd);
    } else if (sr && wd) {
        const char *last = strrchr(sr, '\\');
        last = last ? last + 1 : sr;
        if (strcasecmp(last, wd) != 0)
            facts_warn(f, "SystemRoot is \"%s\" but the Windows directory found in the tree is \"%s\"", sr, wd);
    }
}
