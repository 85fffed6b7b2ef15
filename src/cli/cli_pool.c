/* The part of the pool every platform shares: the slots, and the run in the calling thread
 * when one worker is asked for or threads cannot be used. */
#include <stdlib.h>
#include <string.h>

#include "cli_pool.h"

int cli_pool_run(const cli_pool_job *given)
{
    /* no more workers than items: the rest would only wait */
    cli_pool_job capped = *given;
    if (capped.jobs > capped.n)
        capped.jobs = capped.n ? (unsigned)capped.n : 1;
    const cli_pool_job *job = &capped;
    size_t window = job->jobs > 1 ? 2 * (size_t)job->jobs : 1;
    if (window > job->n && job->n > 0)
        window = job->n;
    unsigned char *slots = calloc(window ? window : 1, job->slot_size);
    if (slots == NULL)
        return -1;
    if (job->jobs > 1 && job->n > 1 && cli_pool_run_threads(job, window, slots) == 0) {
        free(slots);
        return 0;
    }
    for (size_t i = 0; i < job->n; i++) {
        memset(slots, 0, job->slot_size);
        job->work(job->ctx, i, slots);
        job->emit(job->ctx, i, slots);
    }
    free(slots);
    return 0;
}
