/* On-disk layout of PE files as far as kbaudit reads them, and the one check that guards
 * every RVA. Offsets are from the start of each structure.
 * Format reference: Microsoft "PE Format" and the VS_VERSIONINFO family (docs/pe.md). */
#ifndef KBAUDIT_PE_INTERNAL_H
#define KBAUDIT_PE_INTERNAL_H

#include <string.h>

#include "kbaudit/peversion.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kbaudit's PE reader assumes a little-endian host"
#endif

/* MS-DOS header */
#define DOS_MAGIC 0x5A4Du          /* "MZ" */
#define DOS_LFANEW 0x3C
#define DOS_HEADER_SIZE 0x40

/* "PE\0\0" then the COFF file header */
#define NT_SIGNATURE 0x00004550u
#define COFF_MACHINE 4
#define COFF_NSECTIONS 6
#define COFF_OPT_SIZE 20
#define COFF_END 24                /* signature + 20-byte file header */

/* optional header */
#define OPT_MAGIC 0
#define OPT_MAGIC_PE32 0x10Bu
#define OPT_MAGIC_PE32PLUS 0x20Bu
#define OPT32_NRVA 92              /* NumberOfRvaAndSizes */
#define OPT32_DIRS 96
#define OPT64_NRVA 108
#define OPT64_DIRS 112
#define DIR_RESOURCE 2             /* index of IMAGE_DIRECTORY_ENTRY_RESOURCE */
#define DIR_ENTRY_SIZE 8

/* section header */
#define SEC_SIZE 40
#define SEC_VSIZE 8
#define SEC_VADDR 12
#define SEC_RAWSIZE 16
#define SEC_RAWPTR 20

/* resource directory table, its entries, data entries */
#define RSRC_DIR_SIZE 16
#define RSRC_DIR_NNAMED 12
#define RSRC_DIR_NIDS 14
#define RSRC_ENTRY_SIZE 8
#define RSRC_HIGH_BIT 0x80000000u
#define RSRC_DATA_SIZE 16
#define RT_VERSION 16u

/* VS_VERSIONINFO blocks: wLength, wValueLength, wType, then szKey */
#define VB_HEADER 6
#define VS_FIXED_SIZE 52
#define VS_FIXED_SIGNATURE 0xFEEF04BDu

typedef struct pe_section {
    uint32_t vaddr;                /* VirtualAddress */
    uint32_t vsize;                /* VirtualSize, or SizeOfRawData when that is 0 */
    uint32_t raw_ptr;              /* PointerToRawData */
    uint32_t raw_size;             /* SizeOfRawData, cut to what the file holds */
} pe_section;

struct pe_file {
    const uint8_t *data;
    size_t size;
    const void *mapping;           /* non-NULL when we mmap'ed the file */
    size_t mapping_size;
    char *name;
    uint16_t machine;
    bool pe32plus;
    uint32_t rsrc_rva, rsrc_size;  /* resource data directory (0 when absent) */
    pe_section sections[PE_MAX_SECTIONS];
    unsigned nsections;
};

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint32_t align4(uint32_t v) { return (v + 3u) & ~3u; }

/* THE check: the `len` bytes at `rva` lie in the file-backed part of one section.
 * Returns a pointer to them, or NULL with `err` naming `what` and the RVA. */
const uint8_t *pe_rva_ptr(const pe_file *pe, uint32_t rva, uint32_t len, const char *what,
                          kb_error *err);
/* Bytes available from `rva` to the end of its section's file data (0 if unmapped). */
uint32_t pe_rva_avail(const pe_file *pe, uint32_t rva);
/* File offset of an RVA known to be mapped (for messages). */
uint32_t pe_rva_to_offset(const pe_file *pe, uint32_t rva);

/* One RT_VERSION resource found by the walk. */
typedef struct pe_rsrc_leaf {
    uint16_t lang;
    uint32_t data_rva, data_size;  /* from its IMAGE_RESOURCE_DATA_ENTRY */
    uint32_t entry_off;            /* file offset of that data entry (for messages) */
} pe_rsrc_leaf;

/* Walks the resource directory to every RT_VERSION leaf (at most PE_MAX_LANGS, in
 * directory order). *n = 0 when the file has no resources or no RT_VERSION. */
int pe_rsrc_find_versions(const pe_file *pe, pe_rsrc_leaf *leaves, size_t *n, kb_error *err);

/* Decodes one VS_VERSIONINFO blob (`blob_off` = its file offset, for messages). */
int pe_verinfo_parse(const pe_file *pe, const uint8_t *blob, uint32_t size, uint32_t blob_off,
                     pe_version_info *out, kb_error *err);

#endif
