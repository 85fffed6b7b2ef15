/* Recovering a dirty hive in memory from its transaction logs, as Windows does at load
 * time (rules and sources: docs/regf.md "Transaction logs"). The primary file is never
 * changed: the recovered hive is a private copy (base block + hive bins) that the ordinary
 * reader then validates like any hive. Memory is bounded by the inputs: the recovered hive
 * bins may not exceed the primary's plus the logs' sizes. */
#include "regf_log_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void say(char *why, const char *fmt, ...) KB_PRINTF(2, 3);
static void say(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, REGF_LOG_REASON, fmt, ap);
    va_end(ap);
}

int regf_log_header_read(const uint8_t *d, size_t n, regf_log_header *out, char *why)
{
    if (n < REGF_LOG_SECTOR || memcmp(d + BB_SIG, "regf", 4) != 0) {
        say(why, n < REGF_LOG_SECTOR ? "%zu bytes, shorter than a log's base block" : "no \"regf\" base block",
            n);
        return -1;
    }
    if (regf_base_block_checksum(d) != rd32(d + BB_CHECKSUM) && REGF_LOG_ENFORCE_SUMS) {
        say(why, "bad base block checksum");
        return -1;
    }
    uint32_t type = rd32(d + BB_TYPE);
    if (type == 1 || type == 2)
        out->format = 1;
    else if (type == 6)
        out->format = 2;
    else {
        say(why, "file type %u is not a transaction log (1, 2 or 6)", type);
        return -1;
    }
    /* The writer bumps the first number before writing the log and the second after: a log
     * whose numbers differ was itself not written completely. */
    if (rd32(d + BB_SEQ1) != rd32(d + BB_SEQ2)) {
        say(why, "its own sequence numbers differ (%u, %u): written partially", rd32(d + BB_SEQ1),
            rd32(d + BB_SEQ2));
        return -1;
    }
    out->seq = rd32(d + BB_SEQ1);
    out->time = rd64(d + BB_TIME);
    out->bins_size = rd32(d + BB_BINS_SIZE);
    return 0;
}

typedef struct recovery {
    const regf_hive *primary;
    const regf_log_input *logs;
    size_t nlogs;
    regf_recovery *rep;
    uint32_t limit;                  /* largest recovered hive bins size accepted */
    regf_log_header hdr[REGF_MAX_LOGS];
    bool ok[REGF_MAX_LOGS];          /* base block checked */
} recovery;

/* A fresh image: the primary's base block and bins, grown (zero-filled) or cut to BINS. */
static uint8_t *new_image(const regf_hive *h, uint32_t bins)
{
    uint8_t *img = calloc(1, (size_t)REGF_BASE_BLOCK + bins);
    if (img == NULL)
        return NULL;
    size_t have = h->hdr.bins_size < bins ? h->hdr.bins_size : bins;
    memcpy(img, h->file, REGF_BASE_BLOCK + have);
    return img;
}

static void seal(uint8_t *img, uint32_t seq, uint32_t bins)
{
    uint32_t type = 0, sum;
    memcpy(img + BB_SEQ1, &seq, 4);
    memcpy(img + BB_SEQ2, &seq, 4);
    memcpy(img + BB_TYPE, &type, 4);
    memcpy(img + BB_BINS_SIZE, &bins, 4);
    sum = regf_base_block_checksum(img);
    memcpy(img + BB_CHECKSUM, &sum, 4);
}

/* Old format: among the logs written for this primary (same last-written time) and not
 * older than its last complete write, the newest one is applied whole. */
static int recover_old(recovery *r, uint8_t **img, size_t *img_size)
{
    const regf_header *ph = &r->primary->hdr;
    int best = -1;
    uint32_t pages[REGF_MAX_LOGS] = {0};
    for (size_t i = 0; i < r->nlogs; i++) {
        if (!r->ok[i] || r->hdr[i].format != 1)
            continue;
        char *why = r->rep->reason[i];
        const uint8_t *d = r->logs[i].data;
        if (r->hdr[i].time != ph->last_written)
            say(why, "written for another state of the hive (last-written time differs)");
        else if (r->hdr[i].seq < ph->seq_secondary)
            say(why, "older than the hive (sequence %u, the hive's last complete write is %u)", r->hdr[i].seq,
                ph->seq_secondary);
        else if (regf_log_old_check(d, r->logs[i].size, r->hdr[i].bins_size, r->limit, &pages[i], why) == 0) {
            if (best >= 0 && r->hdr[i].seq <= r->hdr[best].seq)
                say(why, "not needed: %s is newer", r->logs[best].name);
            else {
                if (best >= 0)
                    say(r->rep->reason[best], "not needed: %s is newer", r->logs[i].name);
                best = (int)i;
            }
        }
    }
    if (best < 0)
        return 0;
    uint32_t bins = r->hdr[best].bins_size;
    if ((*img = new_image(r->primary, bins)) == NULL)
        return -1;
    /* The log's base block is the newer one: its first 512 bytes replace the primary's. */
    memcpy(*img, r->logs[best].data, BB_LOG_PART);
    regf_log_old_apply(r->logs[best].data, bins, *img + REGF_BASE_BLOCK);
    seal(*img, r->hdr[best].seq, bins);
    *img_size = (size_t)REGF_BASE_BLOCK + bins;
    r->rep->format = 1;
    r->rep->pages = pages[best];
    r->rep->seq_first = r->rep->seq_last = r->hdr[best].seq;
    r->rep->used[best] = true;
    return 0;
}

static int by_seq(const void *a, const void *b)
{
    const regf_log_entry *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->log < y->log ? -1 : x->log > y->log;
}

/* New format: the verified entries of both logs from the hive's secondary sequence number
 * on, in sequence order, each number once, until the first gap. */
static int recover_new(recovery *r, uint8_t **img, size_t *img_size)
{
    const regf_header *ph = &r->primary->hdr;
    /* Every entry takes at least 512 bytes of its log: room for all of them at once. */
    size_t cap = 1;
    for (size_t i = 0; i < r->nlogs; i++)
        if (r->ok[i])
            cap += r->logs[i].size / REGF_LOG_SECTOR;
    regf_log_entries all = {calloc(cap, sizeof(regf_log_entry)), 0, cap};
    if (all.v == NULL)
        return -1;
    for (size_t i = 0; i < r->nlogs; i++)
        if (r->ok[i] && r->hdr[i].format == 2 &&
            regf_log_new_scan(r->logs[i].data, r->logs[i].size, (unsigned)i, r->limit, &all,
                              r->rep->reason[i]) != 0) {
            free(all.v);
            return -1;
        }
    /* Keep the chain: entries older than the hive's last complete write were applied. */
    size_t n = 0;
    for (size_t i = 0; i < all.n; i++)
        if (all.v[i].seq >= ph->seq_secondary)
            all.v[n++] = all.v[i];
    qsort(all.v, n, sizeof *all.v, by_seq);
    size_t k = 0;
    uint32_t max_bins = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && all.v[i].seq == all.v[k - 1].seq)
            continue;                /* the same entry in both logs: once */
        if (k > 0 && all.v[i].seq != all.v[k - 1].seq + 1) {
            say(r->rep->reason[all.v[i].log], "entry at 0x%zx: sequence %u after %u: stopped there",
                all.v[i].off, all.v[i].seq, all.v[k - 1].seq);
            break;
        }
        all.v[k++] = all.v[i];
        if (all.v[i].bins_size > max_bins)
            max_bins = all.v[i].bins_size;
    }
    if (k == 0) {
        for (size_t i = 0; i < r->nlogs; i++)
            if (r->ok[i] && r->hdr[i].format == 2 && r->rep->reason[i][0] == '\0')
                say(r->rep->reason[i], "no entry from sequence %u on", ph->seq_secondary);
        free(all.v);
        return 0;
    }
    if ((*img = new_image(r->primary, max_bins)) == NULL) {
        free(all.v);
        return -1;
    }
    for (size_t i = 0; i < k; i++) {
        regf_log_new_apply(r->logs[all.v[i].log].data, &all.v[i], *img + REGF_BASE_BLOCK);
        r->rep->pages += all.v[i].npages;
        r->rep->used[all.v[i].log] = true;
    }
    uint32_t bins = all.v[k - 1].bins_size;
    seal(*img, all.v[k - 1].seq, bins);
    *img_size = (size_t)REGF_BASE_BLOCK + bins;
    r->rep->format = 2;
    r->rep->entries = (uint32_t)k;
    r->rep->seq_first = all.v[0].seq;
    r->rep->seq_last = all.v[k - 1].seq;
    free(all.v);
    return 0;
}

static int recover(recovery *r, uint8_t **img, size_t *img_size)
{
    uint64_t limit = r->primary->hdr.bins_size;
    for (size_t i = 0; i < r->nlogs; i++) {
        char *why = r->rep->reason[i];
        if (r->logs[i].data == NULL)
            say(why, "%s", r->logs[i].error ? r->logs[i].error : "could not be read");
        else if (regf_log_header_read(r->logs[i].data, r->logs[i].size, &r->hdr[i], why) == 0)
            r->ok[i] = true;
        if (r->logs[i].data)
            limit += r->logs[i].size;
    }
    r->limit = limit > REGF_LOG_MAX_BINS ? REGF_LOG_MAX_BINS : (uint32_t)limit;
    /* Windows writes one format per hive; were both there, the new one is tried first. */
    if (recover_new(r, img, img_size) != 0)
        return -1;
    return *img ? 0 : recover_old(r, img, img_size);
}

int regf_open_recovered(const void *data, size_t size, const char *name, const regf_log_input *logs,
                        size_t nlogs, regf_hive **out, regf_recovery *rep, kb_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (regf_open_buffer(data, size, name, out, err) != 0)
        return -1;
    rep->file_seq1 = (*out)->hdr.seq_primary;
    rep->file_seq2 = (*out)->hdr.seq_secondary;
    if (!(*out)->hdr.dirty)
        return 0;
    rep->nlogs = nlogs < REGF_MAX_LOGS ? nlogs : REGF_MAX_LOGS;
    if (rep->nlogs == 0) {
        rep->status = REGF_RECOVERY_NO_LOG;
        return 0;
    }
    recovery r = {*out, logs, rep->nlogs, rep, 0, {{0}}, {false}};
    uint8_t *img = NULL;
    size_t img_size = 0;
    if (recover(&r, &img, &img_size) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory applying its transaction logs", name);
    rep->status = img ? REGF_RECOVERY_APPLIED : REGF_RECOVERY_REJECTED;
    if (img == NULL)
        return 0;
    /* The recovered hive is checked like any hive; if it does not hold together, the logs
     * are not applied. */
    regf_hive *h = NULL;
    kb_error e2;
    if (regf_open_buffer(img, img_size, name, &h, &e2) != 0) {
        for (size_t i = 0; i < rep->nlogs; i++)
            if (rep->used[i])
                say(rep->reason[i], "the hive with it applied is invalid: %s", e2.msg);
        memset(rep->used, 0, sizeof rep->used);
        rep->status = REGF_RECOVERY_REJECTED;
        rep->format = 0;
        rep->pages = rep->entries = 0;
        free(img);
        return 0;
    }
    h->owned = img;
    regf_close(*out);
    *out = h;
    return 0;
}

const char *regf_recovery_status_name(regf_recovery_status s)
{
    static const char *const names[] = {"clean", "recovered", "dirty-no-log", "dirty-log-rejected",
                                        "dirty-logs-not-read"};
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

void regf_recovery_describe(const regf_recovery *rep, const regf_log_input *logs, char *buf, size_t size)
{
    kb_buf b = KB_BUF_INIT;
    switch (rep->status) {
    case REGF_RECOVERY_CLEAN:
        kb_buf_puts(&b, "clean");
        break;
    case REGF_RECOVERY_APPLIED:
        kb_buf_printf(&b, "recovered %u dirty page%s", rep->pages, rep->pages == 1 ? "" : "s");
        if (rep->format == 2)
            kb_buf_printf(&b, " (%u log entr%s, sequence %u to %u)", rep->entries,
                          rep->entries == 1 ? "y" : "ies", rep->seq_first, rep->seq_last);
        kb_buf_puts(&b, " from");
        for (size_t i = 0, k = 0; i < rep->nlogs; i++)
            if (rep->used[i])
                kb_buf_printf(&b, "%s %s", k++ ? " and" : "", logs[i].name);
        break;
    case REGF_RECOVERY_NO_LOG:
        kb_buf_puts(&b, "dirty, no transaction log beside it");
        break;
    case REGF_RECOVERY_REJECTED:
        kb_buf_puts(&b, "dirty, no usable transaction log");
        break;
    case REGF_RECOVERY_SKIPPED:
        kb_buf_puts(&b, "dirty, transaction logs not read (--no-logs)");
        break;
    }
    for (size_t i = 0; i < rep->nlogs; i++)
        if (rep->reason[i][0])
            kb_buf_printf(&b, "; %s: %s", logs[i].name, rep->reason[i]);
    snprintf(buf, size, "%s", b.data ? b.data : "");
    kb_buf_free(&b);
}
