/* Opening a hive: map it, validate the base block and every hive bin, and record where
 * each allocated cell starts so later lookups can check offsets in O(1). */
#include "regf_internal.h"
#include "kbaudit/evidence.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kbaudit's regf reader assumes a little-endian host"
#endif

static int fail(regf_hive *h, kb_error *err, const char *fmt, ...) KB_PRINTF(3, 4);
static int fail(regf_hive *h, kb_error *err, const char *fmt, ...)
{
    char msg[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kb_error_set(err, KB_ERR_FORMAT, "%s: %s", h->name, msg);
}

static int check_base_block(regf_hive *h, kb_error *err)
{
    const uint8_t *bb = h->file;
    if (h->file_size < REGF_BASE_BLOCK)
        return fail(h, err, "truncated: file is %u bytes, a hive needs at least a %u-byte base block",
                    (unsigned)h->file_size, REGF_BASE_BLOCK);
    if (memcmp(bb + BB_SIG, "regf", 4) != 0)
        return fail(h, err, "bad signature: not a registry hive (no \"regf\" at offset 0)");
    uint32_t sum = regf_base_block_checksum(bb);
    if (sum != rd32(bb + BB_CHECKSUM))
        return fail(h, err, "bad base block checksum: stored 0x%08x, computed 0x%08x",
                    rd32(bb + BB_CHECKSUM), sum);
    h->hdr.seq_primary = rd32(bb + BB_SEQ1);
    h->hdr.seq_secondary = rd32(bb + BB_SEQ2);
    h->hdr.dirty = h->hdr.seq_primary != h->hdr.seq_secondary;
    h->hdr.last_written = rd64(bb + BB_TIME);
    h->hdr.major = rd32(bb + BB_MAJOR);
    h->hdr.minor = rd32(bb + BB_MINOR);
    if (h->hdr.major != 1 || h->hdr.minor > 6)
        return fail(h, err, "unsupported version %u.%u (only 1.0 to 1.6 exist)", h->hdr.major,
                    h->hdr.minor);
    if (rd32(bb + BB_TYPE) != 0)
        return fail(h, err, "unsupported file type %u (0 is a primary hive; this may be a log)",
                    rd32(bb + BB_TYPE));
    h->hdr.root = rd32(bb + BB_ROOT);
    h->hdr.bins_size = rd32(bb + BB_BINS_SIZE);
    if (h->hdr.bins_size == 0 || h->hdr.bins_size % REGF_HBIN_ALIGN != 0)
        return fail(h, err, "hive bins size 0x%x in the base block is not a non-zero multiple of 0x%x",
                    h->hdr.bins_size, REGF_HBIN_ALIGN);
    if ((uint64_t)h->hdr.bins_size > h->file_size - REGF_BASE_BLOCK)
        return fail(h, err, "truncated: base block says %u bytes of hive bins, the file holds %zu",
                    h->hdr.bins_size, h->file_size - REGF_BASE_BLOCK);
    return 0;
}

uint32_t regf_base_block_checksum(const uint8_t *bb)
{
    uint32_t sum = 0;
    for (unsigned i = 0; i < BB_CHECKSUM; i += 4)
        sum ^= rd32(bb + i);
    if (sum == 0xFFFFFFFFu)
        sum = 0xFFFFFFFEu;
    else if (sum == 0)
        sum = 1;
    return sum;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void mark_cell(regf_hive *h, uint32_t off)
{
    h->cell_starts[off >> 7] |= 1u << ((off >> 2) & 31u);
}

/* Walks one bin's cells: each must have a sane size and end inside the bin
 * (a cell straddling the bin's end is how hivex's CVE-2021-3504 read out of bounds). */
static int check_cells(regf_hive *h, uint32_t bin, uint32_t bin_size, kb_error *err)
{
    uint32_t end = bin + bin_size;
    uint32_t off = bin + REGF_HBIN_HEADER;
    while (off < end) {
        if (end - off < 4)
            return fail(h, err, "cell at offset 0x%x: no room for its size field in the bin ending at 0x%x",
                        off, end);
        int32_t raw;
        memcpy(&raw, h->bins + off, 4);
        if (raw == INT32_MIN || raw == 0)
            return fail(h, err, "cell at offset 0x%x: invalid cell size 0x%08x", off, (uint32_t)raw);
        uint32_t size = raw < 0 ? (uint32_t)-raw : (uint32_t)raw;
        if (size < 8 || size % 4 != 0)
            return fail(h, err, "cell at offset 0x%x: cell size 0x%x is below 8 or not a multiple of 4",
                        off, size);
        if (size > end - off)
            return fail(h, err, "cell at offset 0x%x: cell of 0x%x bytes runs past the end of its hive bin",
                        off, size);
        if (raw < 0)
            mark_cell(h, off);
        off += size;
    }
    return 0;
}

static int check_bins(regf_hive *h, kb_error *err)
{
    uint32_t total = h->hdr.bins_size;
    h->bins = h->file + REGF_BASE_BLOCK;
    h->cell_starts = calloc((size_t)total / 128 + 1, sizeof(uint32_t));
    if (h->cell_starts == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory for the cell map", h->name);
    uint32_t off = 0;
    while (off < total) {
        const uint8_t *b = h->bins + off;
        if (memcmp(b, "hbin", 4) != 0) {
            /* Windows 8.1 can leave zero-filled bins at the end; accept and ignore them. */
            if (off > 0 && all_zero(b, total - off)) {
                h->hdr.zero_tail = true;
                break;
            }
            return fail(h, err, "hive bin at offset 0x%x: bad signature (expected \"hbin\")", off);
        }
        uint32_t self = rd32(b + 4), size = rd32(b + 8);
        if (self != off)
            return fail(h, err, "hive bin at offset 0x%x: records its own offset as 0x%x", off, self);
        if (size < REGF_HBIN_ALIGN || size % REGF_HBIN_ALIGN != 0)
            return fail(h, err, "hive bin at offset 0x%x: size 0x%x is not a non-zero multiple of 4096",
                        off, size);
        if (size > total - off)
            return fail(h, err, "hive bin at offset 0x%x: size 0x%x runs past the hive bins data",
                        off, size);
        if (check_cells(h, off, size, err) != 0)
            return -1;
        off += size;
    }
    h->bins_size = off;
    h->hdr.bins_used = off;
    return 0;
}

static int check_root(regf_hive *h, kb_error *err)
{
    uint32_t len;
    if (regf_record(h, h->hdr.root, "nk", NK_NAME, &len, "root key", err) == NULL)
        return -1;
    return 0;
}

static int open_common(regf_hive *h, kb_error *err)
{
    if (check_base_block(h, err) != 0 || check_bins(h, err) != 0 || check_root(h, err) != 0)
        return -1;
    return 0;
}

int regf_open_buffer(const void *data, size_t size, const char *name, regf_hive **out, kb_error *err)
{
    *out = NULL;
    regf_hive *h = calloc(1, sizeof *h);
    if (h == NULL || (h->name = strdup(name ? name : "(buffer)")) == NULL) {
        free(h);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    h->file = data;
    h->file_size = size;
    if (open_common(h, err) != 0) {
        regf_close(h);
        return -1;
    }
    *out = h;
    return 0;
}

int regf_open_file_logs(const char *path, const regf_log_input *logs, size_t nlogs, regf_hive **out,
                        regf_recovery *rep, kb_error *err)
{
    *out = NULL;
    /* Evidence is read-only (and its access time left alone where the kernel allows). */
    const void *map;
    size_t size;
    if (kb_map_readonly(path, true, &map, &size, err) != 0)
        return -1;
    regf_hive *h = NULL;
    if (regf_open_recovered(map, size, path, logs, nlogs, &h, rep, err) != 0) {
        kb_unmap(map, size);
        return -1;
    }
    if (h->owned) {
        kb_unmap(map, size);   /* the recovered hive is a copy */
    } else {
        h->mapping = size ? map : NULL;
        h->mapping_size = size;
    }
    *out = h;
    return 0;
}

int regf_open_file(const char *path, regf_hive **out, kb_error *err)
{
    regf_recovery rep;
    return regf_open_file_logs(path, NULL, 0, out, &rep, err);
}

void regf_close(regf_hive *h)
{
    if (h == NULL)
        return;
    if (h->mapping)
        kb_unmap(h->mapping, h->mapping_size);
    free(h->owned);
    regf_index_free(h);
    free(h->cell_starts);
    free(h->name);
    free(h);
}

const char *regf_name(const regf_hive *h) { return h->name; }
const regf_header *regf_get_header(const regf_hive *h) { return &h->hdr; }
regf_off regf_root(const regf_hive *h) { return h->hdr.root; }

const uint8_t *regf_cell_error(const regf_hive *h, uint32_t off, const char *what, kb_error *err)
{
    const char *why = off >= h->bins_size && off < h->hdr.bins_size && h->hdr.zero_tail
                          ? "in the zero-filled area after the last hbin"
                      : off >= h->bins_size ? "outside the hive bins"
                      : (off & 3u)        ? "misaligned"
                                          : "not the start of an allocated cell";
    kb_error_set(err, KB_ERR_FORMAT, "%s: %s at offset 0x%x: offset is %s", h->name, what, off, why);
    return NULL;
}

const uint8_t *regf_record_error(const regf_hive *h, uint32_t off, const char *sig, uint32_t len,
                                 const char *what, kb_error *err)
{
    const uint8_t *p = h->bins + off + 4;
    if (len < 2 || p[0] != (uint8_t)sig[0] || p[1] != (uint8_t)sig[1])
        kb_error_set(err, KB_ERR_FORMAT, "%s: %s at offset 0x%x: expected a \"%s\" record", h->name,
                     what, off, sig);
    else
        kb_error_set(err, KB_ERR_FORMAT, "%s: %s at offset 0x%x: cell of %u bytes is too small for a \"%s\" record",
                     h->name, what, off, len, sig);
    return NULL;
}

int regf_check_name(const regf_hive *h, const char *what, uint32_t off, uint32_t n, uint32_t avail,
                    bool compressed, kb_error *err)
{
    if (n > avail)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %s at offset 0x%x: name length %u exceeds its cell",
                            h->name, what, off, n);
    if (!compressed && (n & 1u))
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %s at offset 0x%x: UTF-16 name has an odd length %u",
                            h->name, what, off, n);
    return 0;
}

int regf_error_context(const regf_hive *h, kb_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char ctx[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    size_t nl = strlen(h->name);
    const char *rest = err->msg;
    if (strncmp(rest, h->name, nl) == 0 && rest[nl] == ':' && rest[nl + 1] == ' ')
        rest += nl + 2;
    char old[KB_ERROR_MAX];
    snprintf(old, sizeof old, "%s", rest);
    return kb_error_set(err, err->kind, "%s: %s: %s", h->name, ctx, old);
}
