/* kbaudit — the identity of a standalone update package (.msu): what its outer cabinet's
 * *-pkgProperties.txt and unattend *.xml say, read without touching the inner cabinet
 * (LZX, not readable here anyway). A reader of package files: whether the package suits a
 * host is decided from these plain fields (msu_applies and the audit). docs/msu.md. */
#ifndef KBAUDIT_MSU_H
#define KBAUDIT_MSU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"

/* The metadata members are small text files: anything larger is refused. */
#define MSU_MEMBER_CAP (64u * 1024u)

typedef struct msu_property {
    char *key, *value;
} msu_property;

typedef struct msu_package {
    char *file;                   /* the path it was read from */
    /* *-pkgProperties.txt, every Key="Value" line in order */
    char *properties_member;      /* its member name; NULL when the cabinet has none */
    msu_property *props;
    size_t nprops;
    uint32_t kb;                  /* "KB Article Number"; 0 = none or not a number */
    const char *applies_to, *product_name, *package_type, *processor_arch, *installer_version,
        *build_date, *applicability;   /* point into props; NULL when absent */
    /* the unattend XML: servicing/package/assemblyIdentity */
    char *unattend_member;
    char *assembly_name, *assembly_version, *assembly_arch, *assembly_language, *assembly_token;
    char *source_location;        /* package/source/@location: the inner cabinet */
    /* derived */
    char os_version[8];           /* "6.0", "6.1"...: assembly version's first two parts, else
                                     "Applies to"'s "Windows N.M"; "" unknown */
    char arch[8];                 /* "x86", "x64", "ia64", "" unknown */
    size_t trailing_bytes;        /* after the cabinet: the package's signature */
    bool sources_disagree;        /* pkgProperties and the unattend file name another KB,
                                     Windows version or architecture (warned): not to be planned */
    char **warnings;              /* disagreements between the two sources, unreadable parts */
    size_t nwarnings;
} msu_package;

/* Reads the package at PATH (through the evidence layer). Fails when it is not a readable
 * cabinet or holds neither metadata member; a member that cannot be read or parsed (the
 * other one can) is a warning. */
int msu_read_file(const char *path, msu_package *out, kb_error *err);
/* The same from memory; NAME is used in messages and as `file`. */
int msu_read_buffer(const void *data, size_t size, const char *name, msu_package *out, kb_error *err);
void msu_package_free(msu_package *p);

/* Whether the package is for Windows Server 2008 SP2 (NT 6.0) on ARCH ("x86" or "x64"). */
bool msu_applies(const msu_package *p, const char *arch);
/* One line: why it does or does not apply to 2008 SP2 ARCH, e.g. "for Windows 6.1 (Windows 7 /
 * 2008 R2), not 6.0". Static or in BUF (of CAP bytes). */
const char *msu_applies_reason(const msu_package *p, const char *arch, char *buf, size_t cap);

#endif
