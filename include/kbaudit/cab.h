/* kbaudit — Microsoft cabinet (MSCF) reader: header, folders, file entries, and members
 * extracted into memory. MSZIP folders are inflated with zlib; uncompressed folders are
 * copied; LZX and Quantum folders are listed and reported as not readable, never guessed.
 * A reader: it knows nothing of Windows updates (the msu module does). docs/cab.md has the
 * format, every check and the sources. */
#ifndef KBAUDIT_CAB_H
#define KBAUDIT_CAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"

/* MS-CAB: a folder's (and so a member's) uncompressed data is at most 0x7FFF8000 bytes. */
#define CAB_MAX_FOLDER_SIZE 0x7FFF8000u
/* The bytes one archive may inflate over its life unless cab_options says otherwise: a
 * member at the end of the largest folder MS-CAB allows, read twice. */
#define CAB_DEFAULT_INFLATE_BUDGET (2ull * CAB_MAX_FOLDER_SIZE)

typedef enum cab_method {
    CAB_METHOD_NONE = 0,      /* stored */
    CAB_METHOD_MSZIP = 1,
    CAB_METHOD_QUANTUM = 2,
    CAB_METHOD_LZX = 3,
    CAB_METHOD_OTHER          /* a value MS-CAB does not define */
} cab_method;

typedef struct cab_folder {
    uint32_t data_offset;     /* coffCabStart: the first CFDATA */
    uint16_t nblocks;         /* cCFData */
    uint16_t type_compress;   /* typeCompress as stored (method in the low 4 bits) */
    cab_method method;
    bool readable;            /* stored or MSZIP */
    uint64_t size;            /* sum of the blocks' declared uncompressed sizes */
    uint64_t packed;          /* sum of the blocks' compressed sizes */
} cab_folder;

typedef struct cab_member {
    char *name;               /* UTF-8 (attribute 0x80), else each byte read as Latin-1 */
    uint32_t size;            /* cbFile */
    uint32_t offset;          /* uoffFolderStart */
    uint16_t folder;          /* iFolder; 0xFFFD-0xFFFF: continued from/to another cabinet */
    uint16_t date, time, attribs;
    bool spanned;             /* part of it lives in another cabinet: not readable here */
} cab_member;

typedef struct cab_options {
    uint64_t inflate_budget;  /* bytes this archive may produce in all; 0: the default */
} cab_options;

typedef struct cab_archive {
    char *name;               /* for messages: the path or the name given */
    const uint8_t *data;
    size_t size;              /* the whole input */
    uint32_t cab_size;        /* cbCabinet: bytes after it (an .msu's signature) are trailing */
    uint8_t version_major, version_minor;
    uint16_t flags, set_id, cabinet_index;
    const uint8_t *header_reserve;    /* abReserve of CFHEADER (an .msu points at its signature) */
    uint16_t header_reserve_size;
    uint8_t folder_reserve_size, data_reserve_size;
    cab_folder *folders;
    size_t nfolders;
    cab_member *members;
    size_t nmembers;
    /* private */
    bool mapped;
    uint64_t budget_left;
    void *stream;             /* the decoder of the folder read last (cab_inflate.c) */
} cab_archive;

/* Reads the structure of a cabinet held in memory (which must outlive the archive). Every
 * offset, count and size is checked against the data; the CFDATA chains are walked (not
 * inflated) so each folder's size is known and every member is checked to lie inside it.
 * Fails with KB_ERR_FORMAT and a message naming NAME and the problem. */
int cab_open_buffer(const void *data, size_t size, const char *name, const cab_options *opt,
                    cab_archive **out, kb_error *err);
/* The same for a file, mapped read-only through the evidence layer. */
int cab_open_file(const char *path, const cab_options *opt, cab_archive **out, kb_error *err);
void cab_close(cab_archive *c);

/* Bytes after cbCabinet (0 for a plain cabinet; an .msu's signature block). */
size_t cab_trailing_bytes(const cab_archive *c);
/* The index of the first member whose name equals NAME ignoring ASCII case; -1 if none. */
long cab_find(const cab_archive *c, const char *name);
/* Whether member I can be extracted: not spanned, and its folder is stored or MSZIP. */
bool cab_member_readable(const cab_archive *c, size_t i);
const char *cab_method_name(cab_method m);   /* "none", "mszip", "quantum", "lzx", "other" */

/* Extracts member I into a malloc'ed buffer (*out; never NULL on success, even when empty).
 * A member larger than CAP bytes is refused before anything is inflated (CAP 0: no cap).
 * CFDATA checksums are verified, every MSZIP block must start with "CK" and inflate to
 * exactly the size it declares; the archive's inflate budget stops runaway work. */
int cab_extract(cab_archive *c, size_t i, size_t cap, uint8_t **out, size_t *len, kb_error *err);

#endif
