/* Work on many items at once, results in order: `kbaudit audit` with several targets audits
 * them on worker threads and writes each report in the main thread, in the order given, as
 * soon as it and all before it are done. */
#ifndef KBAUDIT_CLI_POOL_H
#define KBAUDIT_CLI_POOL_H

#include <stddef.h>

typedef struct cli_pool_job {
    size_t n;                  /* items 0..n-1 */
    unsigned jobs;             /* worker threads (1: everything in the calling thread) */
    size_t slot_size;          /* bytes of one result */
    void *ctx;
    /* on a worker: computes item I into SLOT (zeroed); must not touch shared state */
    void (*work)(void *ctx, size_t i, void *slot);
    /* in the calling thread, for I = 0, 1, ... in order: uses SLOT and frees what it holds */
    void (*emit)(void *ctx, size_t i, void *slot);
} cli_pool_job;

/* Runs the job. At most 2 * jobs items are in flight or done and waiting for their turn, so
 * memory does not grow with n. 0, or -1 when out of memory before anything ran. */
int cli_pool_run(const cli_pool_job *job);
/* How many workers -j defaults to: the processors online (1 where workers are not used). */
unsigned cli_pool_default_jobs(void);

/* The platform's part (cli_pool_posix.c, cli_pool_win32.c): runs the job on threads; -1 when
 * it cannot (no threads here, or none could be started) and nothing ran. */
int cli_pool_run_threads(const cli_pool_job *job, size_t window, unsigned char *slots);

#endif
