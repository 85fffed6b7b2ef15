/* POSIX threads: workers take the next item while it is less than `window` ahead of the one
 * the calling thread writes next, and the calling thread writes each in order as it is
 * done. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_pool.h"

typedef struct pool {
    const cli_pool_job *job;
    size_t window;
    unsigned char *slots;
    bool *done;
    size_t next;       /* the next item a worker takes */
    size_t emitted;    /* items written; slot i % window is free once i < emitted + window */
    pthread_mutex_t lock;
    pthread_cond_t changed;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->next < p->job->n && p->next >= p->emitted + p->window)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->next >= p->job->n)
            break;
        size_t i = p->next++;
        pthread_mutex_unlock(&p->lock);
        unsigned char *slot = p->slots + (i % p->window) * p->job->slot_size;
        memset(slot, 0, p->job->slot_size);
        p->job->work(p->job->ctx, i, slot);
        pthread_mutex_lock(&p->lock);
        p->done[i % p->window] = true;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int cli_pool_run_threads(const cli_pool_job *job, size_t window, unsigned char *slots)
{
    pool p = {.job = job, .window = window, .slots = slots};
    p.done = calloc(window, sizeof *p.done);
    pthread_t *threads = calloc(job->jobs, sizeof *threads);
    if (p.done == NULL || threads == NULL || pthread_mutex_init(&p.lock, NULL) != 0) {
        free(p.done);
        free(threads);
        return -1;
    }
    if (pthread_cond_init(&p.changed, NULL) != 0) {
        pthread_mutex_destroy(&p.lock);
        free(p.done);
        free(threads);
        return -1;
    }
    unsigned started = 0;
    while (started < job->jobs && pthread_create(&threads[started], NULL, worker, &p) == 0)
        started++;
    int rc = 0;
    if (started == 0) {
        rc = -1;   /* nothing ran: the caller runs it in its own thread */
    } else {
        for (size_t i = 0; i < job->n; i++) {
            unsigned char *slot = slots + (i % window) * job->slot_size;
            pthread_mutex_lock(&p.lock);
            while (!p.done[i % window])
                pthread_cond_wait(&p.changed, &p.lock);
            pthread_mutex_unlock(&p.lock);
            job->emit(job->ctx, i, slot);
            pthread_mutex_lock(&p.lock);
            p.done[i % window] = false;
            p.emitted++;
            pthread_cond_broadcast(&p.changed);
            pthread_mutex_unlock(&p.lock);
        }
        for (unsigned t = 0; t < started; t++)
            pthread_join(threads[t], NULL);
    }
    pthread_cond_destroy(&p.changed);
    pthread_mutex_destroy(&p.lock);
    free(p.done);
    free(threads);
    return rc;
}

unsigned cli_pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}
