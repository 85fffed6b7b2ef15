/* The old transaction log format (Windows XP to 7, Server 2003 to 2008 R2): a partial base
 * block, then at offset 512 "DIRT" and a bitmap with one bit per 512-byte page of the hive
 * bins, then, from the next 512-byte boundary, the dirty pages in bitmap order. */
#include "regf_log_internal.h"

#include <stdio.h>

static size_t vector_bytes(uint32_t bins) { return bins / REGF_LOG_PAGE / 8u; }

static size_t pages_start(uint32_t bins)
{
    size_t v = 4 + vector_bytes(bins);
    return REGF_LOG_SECTOR + (v + REGF_LOG_SECTOR - 1) / REGF_LOG_SECTOR * REGF_LOG_SECTOR;
}

static unsigned popcount8(uint8_t b)
{
    unsigned c = 0;
    for (; b; b &= (uint8_t)(b - 1))
        c++;
    return c;
}

int regf_log_old_check(const uint8_t *d, size_t n, uint32_t bins, uint32_t limit, uint32_t *pages,
                       char *why)
{
    /* The bitmap's length comes from the log's hive bins size: a size the hive could not
     * reach would make a dirty vector larger than any hive. */
    if (bins == 0 || bins % REGF_HBIN_ALIGN != 0 || bins > limit) {
        snprintf(why, REGF_LOG_REASON,
                 "hive bins size 0x%x in its base block is not a multiple of 4096 up to 0x%x", bins, limit);
        return -1;
    }
    size_t vb = vector_bytes(bins);
    if (n < REGF_LOG_SECTOR + 4 || memcmp(d + REGF_LOG_SECTOR, "DIRT", 4) != 0) {
        snprintf(why, REGF_LOG_REASON, "no \"DIRT\" dirty vector at offset 512");
        return -1;
    }
    if (vb > n - REGF_LOG_SECTOR - 4) {
        snprintf(why, REGF_LOG_REASON, "dirty vector of %zu bytes runs past the end of the log (%zu bytes)",
                 vb, n);
        return -1;
    }
    uint64_t count = 0;
    for (size_t i = 0; i < vb; i++)
        count += popcount8(d[REGF_LOG_SECTOR + 4 + i]);
    size_t start = pages_start(bins);
    if (start > n || count > (n - start) / REGF_LOG_PAGE) {
        snprintf(why, REGF_LOG_REASON, "dirty vector marks %llu pages, the log holds %zu",
                 (unsigned long long)count, start > n ? 0 : (n - start) / REGF_LOG_PAGE);
        return -1;
    }
    if (count == 0) {
        snprintf(why, REGF_LOG_REASON, "dirty vector marks no page");
        return -1;
    }
    *pages = (uint32_t)count;
    return 0;
}

void regf_log_old_apply(const uint8_t *d, uint32_t bins, uint8_t *bins_out)
{
    const uint8_t *vec = d + REGF_LOG_SECTOR + 4;
    const uint8_t *page = d + pages_start(bins);
    uint32_t bits = bins / REGF_LOG_PAGE;
    for (uint32_t i = 0; i < bits; i++)
        if (vec[i / 8] >> (i % 8) & 1u) {
            memcpy(bins_out + (size_t)i * REGF_LOG_PAGE, page, REGF_LOG_PAGE);
            page += REGF_LOG_PAGE;
        }
}
