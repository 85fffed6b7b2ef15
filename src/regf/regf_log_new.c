/* The new transaction log format (Windows 8.1 and later): a partial base block, then from
 * offset 512 "HvLE" log entries, each on a 512-byte boundary:
 *   0 "HvLE", 4 size, 8 flags, 12 sequence number, 16 hive bins data size, 20 dirty page
 *   count, 24 hash-1 (Marvin32 of bytes 40..size), 32 hash-2 (Marvin32 of bytes 0..32),
 *   40 count x {offset in the hive bins, size}, then the pages' bytes packed in that order. */
#include "regf_log_internal.h"

#include <stdio.h>

#define LE_SIZE 4
#define LE_SEQ 12
#define LE_BINS 16
#define LE_COUNT 20
#define LE_HASH1 24
#define LE_HASH2 32
#define LE_REFS 40

/* Checks the entry at OFF (whose signature is "HvLE"); fills E or says why not. */
static int check_entry(const uint8_t *d, size_t n, size_t off, uint32_t limit, regf_log_entry *e, char *why)
{
    const uint8_t *p = d + off;
    uint32_t size = rd32(p + LE_SIZE);
    if (size < LE_REFS || size % REGF_LOG_SECTOR != 0 || size > n - off) {
        snprintf(why, REGF_LOG_REASON, "entry at 0x%zx: size 0x%x is not a multiple of 512 inside the log",
                 off, size);
        return -1;
    }
    /* Hash-2 covers the header (with hash-1), hash-1 the rest: check them before trusting
     * any other field. */
    bool bad = rd64(p + LE_HASH2) != regf_marvin32(REGF_LOG_MARVIN_SEED, p, 32) ||
               rd64(p + LE_HASH1) != regf_marvin32(REGF_LOG_MARVIN_SEED, p + LE_REFS, size - LE_REFS);
    if (bad && REGF_LOG_ENFORCE_SUMS) {
        snprintf(why, REGF_LOG_REASON, "entry at 0x%zx: Marvin32 hash mismatch", off);
        return -1;
    }
    uint32_t bins = rd32(p + LE_BINS), count = rd32(p + LE_COUNT);
    if (bins == 0 || bins % REGF_HBIN_ALIGN != 0 || bins > limit) {
        snprintf(why, REGF_LOG_REASON, "entry at 0x%zx: hive bins size 0x%x is not a multiple of 4096 up to 0x%x",
                 off, bins, limit);
        return -1;
    }
    uint64_t data = LE_REFS + (uint64_t)count * 8;
    if (data > size) {
        snprintf(why, REGF_LOG_REASON, "entry at 0x%zx: %u page references do not fit its %u bytes", off,
                 count, size);
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t po = rd32(p + LE_REFS + 8 * (size_t)i), ps = rd32(p + LE_REFS + 8 * (size_t)i + 4);
        if (ps == 0 || po % REGF_LOG_SECTOR != 0 || ps % REGF_LOG_SECTOR != 0 || ps > bins || po > bins - ps) {
            snprintf(why, REGF_LOG_REASON,
                     "entry at 0x%zx: page %u (offset 0x%x, 0x%x bytes) is not 512-aligned inside the hive bins (0x%x)",
                     off, i, po, ps, bins);
            return -1;
        }
        data += ps;
        if (data > size) {
            snprintf(why, REGF_LOG_REASON, "entry at 0x%zx: its pages run past its %u bytes", off, size);
            return -1;
        }
    }
    e->seq = rd32(p + LE_SEQ);
    e->bins_size = bins;
    e->npages = count;
    e->off = off;
    e->size = size;
    return 0;
}

int regf_log_new_scan(const uint8_t *d, size_t n, unsigned log, uint32_t limit, regf_log_entries *out,
                      char *why)
{
    why[0] = '\0';
    size_t off = REGF_LOG_SECTOR;
    bool first = true;
    uint32_t prev = 0;
    /* Each entry is at least 512 bytes and the walk only moves forward: at most n / 512. */
    while (off <= n && n - off >= LE_REFS && memcmp(d + off, "HvLE", 4) == 0) {
        regf_log_entry e;
        if (check_entry(d, n, off, limit, &e, why) != 0)
            break;
        /* Windows reuses a log from its start: entries after a break in the sequence are
         * left over from an earlier round, as are zeros after the last entry. */
        if (!first && (prev == UINT32_MAX || e.seq != prev + 1))
            break;
        e.log = log;
        if (out->n == out->cap)
            return -1;       /* the caller sized OUT for one entry per 512 bytes */
        out->v[out->n++] = e;
        first = false;
        prev = e.seq;
        off += e.size;
    }
    return 0;
}

void regf_log_new_apply(const uint8_t *d, const regf_log_entry *e, uint8_t *bins_out)
{
    const uint8_t *p = d + e->off;
    const uint8_t *page = p + LE_REFS + 8 * (size_t)e->npages;
    for (uint32_t i = 0; i < e->npages; i++) {
        uint32_t po = rd32(p + LE_REFS + 8 * (size_t)i), ps = rd32(p + LE_REFS + 8 * (size_t)i + 4);
        memcpy(bins_out + po, page, ps);
        page += ps;
    }
}
