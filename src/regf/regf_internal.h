/* On-disk layout of regf hives and the one check that guards every offset.
 * Field offsets are from the start of a cell's payload (after its 4-byte size).
 * Format reference: libyal "Windows NT Registry File (REGF) format" (docs/regf.md). */
#ifndef KBAUDIT_REGF_INTERNAL_H
#define KBAUDIT_REGF_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "kbaudit/regf.h"

#define REGF_BASE_BLOCK 4096u
#define REGF_HBIN_ALIGN 4096u
#define REGF_HBIN_HEADER 32u

/* base block */
#define BB_SIG 0x000          /* "regf" */
#define BB_SEQ1 0x004
#define BB_SEQ2 0x008
#define BB_TIME 0x00C
#define BB_MAJOR 0x014
#define BB_MINOR 0x018
#define BB_TYPE 0x01C
#define BB_FORMAT 0x020
#define BB_ROOT 0x024
#define BB_BINS_SIZE 0x028
#define BB_CHECKSUM 0x1FC
#define BB_LOG_PART 512u   /* a log holds the first 512 bytes of a base block */

/* nk: key node */
#define NK_FLAGS 2
#define NK_TIME 4
#define NK_PARENT 16
#define NK_SUBKEYS 20
#define NK_SUBKEY_LIST 28
#define NK_VALUES 36
#define NK_VALUE_LIST 40
#define NK_CLASS 48
#define NK_NAME_LEN 72
#define NK_CLASS_LEN 74
#define NK_NAME 76
#define NK_COMP_NAME 0x0020   /* name stored as Latin-1 bytes */

/* vk: value */
#define VK_NAME_LEN 2
#define VK_DATA_LEN 4
#define VK_DATA_OFF 8
#define VK_TYPE 12
#define VK_FLAGS 16
#define VK_NAME 20
#define VK_COMP_NAME 0x0001
#define VK_DATA_RESIDENT 0x80000000u

/* lf/lh/li/ri lists and db big data */
#define LIST_COUNT 2
#define LIST_ITEMS 4
#define DB_COUNT 2
#define DB_LIST 4

struct regf_hive {
    const uint8_t *file;       /* whole file */
    size_t file_size;
    const uint8_t *bins;       /* first hive bin (file + 4096) */
    uint32_t bins_size;        /* bytes of hive bins that were validated */
    uint32_t *cell_starts;     /* bitmap: 1 bit per 4 bytes, set where an allocated cell starts */
    const void *mapping;       /* non-NULL when we mmap'ed the file */
    void *owned;               /* a recovered image (regf_log.c), freed on close */
    size_t mapping_size;
    char *name;
    regf_header hdr;
    /* Filled while reading, the only state that changes after opening (regf_mutable): */
    struct regf_index_cache *index;   /* sorted name indexes of big subkey lists (regf_index.c) */
    bool index_off;                   /* always scan lists linearly (tests compare both ways) */
    uint64_t entries_read;            /* subkey-list entries visited: lets tests check scaling */
};

/* The hive behind a const pointer, for its caches: every hive is allocated by regf_open_*,
 * never const itself, so writing the fields above through this is defined. Not safe for
 * concurrent use from several threads (kbaudit reads a hive from one thread). */
static inline regf_hive *regf_mutable(const regf_hive *h) { return (regf_hive *)(uintptr_t)h; }

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);  /* little-endian hosts only; see regf_open */
    return v;
}
static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* THE validity check: `off` names the start of an allocated cell found while validating
 * the bins. Anything else (out of range, misaligned, free, middle of a cell) fails. */
static inline bool regf_is_cell(const regf_hive *h, uint32_t off)
{
    return off < h->bins_size && (off & 3u) == 0 &&
           (h->cell_starts[off >> 7] >> ((off >> 2) & 31u) & 1u);
}

/* The error paths of regf_cell and regf_record (out of line: they are rare). They set err
 * and return NULL. */
const uint8_t *regf_cell_error(const regf_hive *h, uint32_t off, const char *what, kb_error *err);
const uint8_t *regf_record_error(const regf_hive *h, uint32_t off, const char *sig, uint32_t len,
                                 const char *what, kb_error *err);

/* Payload of the allocated cell at `off` and its length (size minus the 4-byte header).
 * `what` names the structure for the error message. NULL on error.
 * Inline: an export calls it several times per key and per value. */
static inline const uint8_t *regf_cell(const regf_hive *h, uint32_t off, uint32_t *len,
                                       const char *what, kb_error *err)
{
    if (!regf_is_cell(h, off)) {
        *len = 0;
        return regf_cell_error(h, off, what, err);
    }
    int32_t raw;
    memcpy(&raw, h->bins + off, 4);
    *len = (uint32_t)-raw - 4;
    return h->bins + off + 4;
}

/* Same, and requires a 2-byte signature and a minimum payload length. */
static inline const uint8_t *regf_record(const regf_hive *h, uint32_t off, const char *sig,
                                         uint32_t min_len, uint32_t *len, const char *what,
                                         kb_error *err)
{
    const uint8_t *p = regf_cell(h, off, len, what, err);
    if (p == NULL)
        return NULL;
    if (*len < 2 || p[0] != (uint8_t)sig[0] || p[1] != (uint8_t)sig[1] || *len < min_len)
        return regf_record_error(h, off, sig, *len, what, err);
    return p;
}

/* Decodes a stored name (Latin-1 when `compressed`, else UTF-16LE) to UTF-8. */
int regf_decode_name(kb_buf *out, const uint8_t *p, uint32_t n, bool compressed);
/* Case-insensitive equality of a stored name with an upper-cased UTF-16 name. */
bool regf_name_equals(const uint8_t *p, uint32_t n, bool compressed, const uint16_t *want,
                      size_t want_len);

/* A key's stored name (N bytes; Latin-1 when *COMPRESSED, else UTF-16LE) after checking the
 * nk record and the name's length; NULL with err set when either is corrupt. */
const uint8_t *regf_key_stored_name(const regf_hive *h, regf_off key, uint32_t *n, bool *compressed,
                                    kb_error *err);
/* Checks a name's stored length against the bytes available after it; a UTF-16 name of odd
 * length is corrupt. `what` and `off` name the record. */
int regf_check_name(const regf_hive *h, const char *what, uint32_t off, uint32_t n, uint32_t avail,
                    bool compressed, kb_error *err);
/* Adds context after the file name: "file: <context>: rest of the message". Returns -1. */
int regf_error_context(const regf_hive *h, kb_error *err, const char *fmt, ...) KB_PRINTF(3, 4);

/* The base block checksum: XOR of the first 508 bytes' dwords, 0 stored as 1 and
 * 0xFFFFFFFF as 0xFFFFFFFE. */
uint32_t regf_base_block_checksum(const uint8_t *bb);

int regf_offlist_push(regf_offlist *l, regf_off off);

/* Calls `visit` for each subkey entry of `key` in list order (regf_node.c): the child's
 * offset and, in an lh leaf, the entry's name hash. `visit` returns 0 to go on, 1 to stop,
 * -1 on error. Checks that the entries add up to the nk's subkey count; returns 0 when done
 * or stopped, -1 on error. */
typedef int (*regf_subkey_visit)(void *ctx, const regf_hive *h, regf_off child, uint32_t hash,
                                 bool has_hash, kb_error *err);
int regf_for_each_subkey(const regf_hive *h, regf_off key, regf_subkey_visit visit, void *ctx,
                         kb_error *err);

/* Sorted name indexes of big subkey lists (regf_index.c). regf_index_find gives exactly what
 * the linear scan of find_child would: the first entry in list order whose name equals WANT
 * (upper-cased UTF-16) and, when USE_HASH, whose lh hash (if it has one) is HASH; REGF_NONE
 * when none does. regf_index_get returns NULL when the key has no usable index (small list,
 * first lookup, a list that is corrupt anywhere, memory budget spent): then scan. */
typedef struct regf_index regf_index;
const regf_index *regf_index_get(const regf_hive *h, regf_off key);
regf_off regf_index_find(const regf_index *ix, const uint16_t *want, size_t want_len, uint32_t hash,
                         bool use_hash);
void regf_index_free(regf_hive *h);

#endif
