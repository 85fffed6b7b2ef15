/* Transaction logs: what the format readers (regf_log_old.c, regf_log_new.c) hand to the
 * recovery (regf_log.c). Every function here checks the bytes it is given and says why in
 * WHY (REGF_LOG_REASON bytes) when it refuses them; none allocates beyond its inputs. */
#ifndef KBAUDIT_REGF_LOG_INTERNAL_H
#define KBAUDIT_REGF_LOG_INTERNAL_H

#include "regf_internal.h"

/* Fuzz builds (tests/fuzz/CMakeLists.txt defines FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
 * compute the Marvin32 hashes and the log's base block checksum but do not act on them, so
 * that the fuzzer reaches the checks behind them; every other build enforces them. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define REGF_LOG_ENFORCE_SUMS 0
#else
#define REGF_LOG_ENFORCE_SUMS 1
#endif

#define REGF_LOG_SECTOR 512u
#define REGF_LOG_PAGE 512u           /* old format: one dirty-vector bit per 512 bytes */
#define REGF_LOG_MAX_BINS 0x7FFFF000u /* offsets are 31-bit: no hive is larger */

/* The partial base block at the start of a log. */
typedef struct regf_log_header {
    unsigned format;                 /* 1: old ("DIRT"), 2: new ("HvLE") */
    uint32_t seq;                    /* primary = secondary, checked */
    uint64_t time;
    uint32_t bins_size;
} regf_log_header;

int regf_log_header_read(const uint8_t *d, size_t n, regf_log_header *out, char *why);

/* Old format: checks the dirty vector for a hive of BINS bytes (at most LIMIT) and that the
 * log holds a page for each of its bits; *pages gets their number. */
int regf_log_old_check(const uint8_t *d, size_t n, uint32_t bins, uint32_t limit, uint32_t *pages,
                       char *why);
/* Writes the dirty pages into BINS_OUT (the recovered hive bins, BINS bytes). */
void regf_log_old_apply(const uint8_t *d, uint32_t bins, uint8_t *bins_out);

/* New format: one verified log entry. */
typedef struct regf_log_entry {
    uint32_t seq, bins_size, npages;
    size_t off, size;                /* where it sits in its log */
    unsigned log;                    /* index of its log */
} regf_log_entry;

typedef struct regf_log_entries {
    regf_log_entry *v;
    size_t n, cap;
} regf_log_entries;

/* Appends to OUT (room for one entry per 512 bytes of the log) the entries of log LOG from the first one in a row of consecutive sequence
 * numbers whose hashes, sizes and page references check; stops at the first that does not
 * (WHY says why when it is not simply the end of the log). Hive bins sizes above LIMIT are
 * refused. -1 only when OUT is full (it cannot be when sized as said). */
int regf_log_new_scan(const uint8_t *d, size_t n, unsigned log, uint32_t limit, regf_log_entries *out,
                      char *why);
/* Writes the entry's pages into BINS_OUT (at least the entry's hive bins size). */
void regf_log_new_apply(const uint8_t *d, const regf_log_entry *e, uint8_t *bins_out);

#endif
