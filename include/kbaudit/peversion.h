/* kbaudit — read-only reader for the version resource of PE files (EXE, DLL, SYS).
 *
 * A PE32 or PE32+ file is opened from a path (mapped read-only) or from a caller's
 * buffer. Opening checks the headers and the section table; pe_version_read then walks
 * the resource directory to the RT_VERSION resource and decodes its VS_VERSIONINFO:
 * the VS_FIXEDFILEINFO (binary file and product versions) and the strings of the first
 * StringTable (FileVersion, ProductVersion, OriginalFilename, CompanyName...), UTF-8.
 *
 * Hostile input gives an error naming the file, the offset and the problem, never an
 * out-of-bounds read, an endless loop or an unbounded allocation: every RVA goes through
 * the section table, the resource walk is bounded in depth and in entries and refuses
 * loops, the version resource is capped at PE_MAX_VERSION_SIZE. A file without a
 * version resource is not an error: has_version is false. Layout and limits: docs/pe.md. */
#ifndef KBAUDIT_PEVERSION_H
#define KBAUDIT_PEVERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"

typedef struct pe_file pe_file;

/* IMAGE_FILE_HEADER.Machine values kbaudit names; others are reported as numbers. */
#define PE_MACHINE_I386 0x014Cu
#define PE_MACHINE_IA64 0x0200u
#define PE_MACHINE_AMD64 0x8664u

/* Limits that keep hostile input bounded (docs/pe.md). */
#define PE_MAX_SECTIONS 96            /* the Windows loader's limit */
#define PE_MAX_VERSION_SIZE 65536u    /* bytes of the RT_VERSION resource looked at */
#define PE_MAX_RSRC_DEPTH 8           /* resource directory nesting (Windows uses 3) */
#define PE_MAX_RSRC_ENTRIES 65536u    /* directory entries read in one walk */
#define PE_MAX_LANGS 256              /* languages kept per list below */

/* One string of a StringTable, both sides UTF-8 (cut at the first NUL). */
typedef struct pe_string {
    char *key;
    char *value;
} pe_string;

typedef struct pe_version_info {
    uint16_t machine;              /* IMAGE_FILE_HEADER.Machine */
    bool is_pe32plus;              /* optional header magic 0x20B (else PE32, 0x10B) */

    bool has_version;              /* an RT_VERSION resource with a valid VS_VERSION_INFO root */
    bool has_fixed;                /* its VS_FIXEDFILEINFO is present (wValueLength != 0) */
    bool version_zero;             /* fixed file version is 0.0.0.0: present, but scanners
                                      must treat it as "no version" (pe_version_usable) */
    uint16_t file_version[4];      /* major, minor, build, revision */
    uint16_t product_version[4];
    uint32_t file_flags_mask, file_flags, file_os, file_type, file_subtype;

    uint16_t resource_lang;        /* language ID of the RT_VERSION resource that was read */
    uint16_t *resource_langs;      /* language IDs of every RT_VERSION resource, in
                                      directory order (the first is the one read) */
    size_t n_resource_langs;
    char string_table[9];          /* key of the StringTable read, e.g. "040904B0"; "" if none */
    uint32_t *tables;              /* every StringTable key as (language << 16 | code page);
                                      a key that is not 8 hex digits gives 0xFFFFFFFF */
    size_t n_tables;
    uint32_t *translations;        /* VarFileInfo\Translation as (language << 16 | code page) */
    size_t n_translations;
    pe_string *strings;            /* the first StringTable, in file order */
    size_t n_strings;

    char warning[KB_ERROR_MAX];    /* "" or what was skipped (a damaged StringFileInfo...):
                                      the fields above still hold what was read before it */
} pe_version_info;

/* A FileVersion string split into its parts:
 * "6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)" gives version "6.0.6003.20489",
 * parts {6,0,6003,20489}, branch "vistasp2_ldr_escrow", stamp "190320-1700". */
typedef struct pe_file_version_parts {
    char version[48];              /* the leading dotted number as written */
    uint16_t parts[4];             /* its numbers; parts past nparts are 0 */
    int nparts;                    /* 1..4 */
    char branch[64];               /* build branch from the parenthesised tag; "" if none */
    char stamp[32];                /* what follows the branch in the tag ("190320-1700") */
} pe_file_version_parts;

int pe_open_file(const char *path, pe_file **out, kb_error *err);
/* `data` must stay valid until pe_close; `name` is used in error messages. */
int pe_open_buffer(const void *data, size_t size, const char *name, pe_file **out, kb_error *err);
void pe_close(pe_file *pe);
const char *pe_name(const pe_file *pe);

/* Fills `out` (free it with pe_version_info_free, also after an error). Returns 0 when the
 * file was read, including "no version resource" (has_version false); -1 with `err` set
 * when the resource directory or the version resource is corrupt. */
int pe_version_read(const pe_file *pe, pe_version_info *out, kb_error *err);
void pe_version_info_free(pe_version_info *vi);

/* True when the fixed file version can be used: present and not 0.0.0.0. */
bool pe_version_usable(const pe_version_info *vi);
/* Value of a string of the table read; keys compare ASCII case-insensitively as
 * VerQueryValue does. NULL when absent. */
const char *pe_version_string(const pe_version_info *vi, const char *key);
/* "x86", "x64", "ia64", or NULL for a machine kbaudit does not name. */
const char *pe_machine_name(uint16_t machine);
/* Splits a FileVersion/ProductVersion string (see pe_file_version_parts). Returns 0 when
 * the string starts with a dotted version of 1 to 4 numbers below 65536, else -1. */
int pe_split_file_version(const char *s, pe_file_version_parts *out);

#endif
