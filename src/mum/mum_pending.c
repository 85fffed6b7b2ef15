/* %windir%\winsxs\pending.xml: the primitive operations queue that poqexec.exe runs at the next
 * restart (docs/mum.md has the layout and sources). The file can be tens of megabytes after a
 * service pack, so it is streamed through the guard without building a tree.
 *
 * What is counted, by position, whatever the element names:
 *   <PendingTransaction>            the root (any other root is an error)
 *     <POQ>                         one queue: `queues`
 *       <BeginTransaction/>         bookkeeping markers: `markers`
 *       <Checkpoint/>
 *       <DeleteFile/>, <MoveFile/>, <HardlinkFile/>, <CreateKey/>, <SetKeyValue/>, ...
 *                                   every other child element: `operations`
 * Elements below an operation, and the other sections (<Transactions>, <ChangeList>,
 * <InstallerQueue>...), are not counted. */
#include "mum_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct counter {
    mum_pending *out;
    bool in_poq;
} counter;

static void on_start(mum_guard *g, const char *local, const char *uri)
{
    (void)uri;
    counter *c = g->user;
    if (g->depth == 1) {
        if (strcmp(local, "PendingTransaction") != 0)
            mum_guard_fail(g, "root element is <%.100s>, expected <PendingTransaction>", local);
    } else if (g->depth == 2) {
        c->in_poq = strcmp(local, "POQ") == 0;
        if (c->in_poq)
            c->out->queues++;
    } else if (g->depth == 3 && c->in_poq) {
        if (strcmp(local, "BeginTransaction") == 0 || strcmp(local, "Checkpoint") == 0)
            c->out->markers++;
        else
            c->out->operations++;
    }
}

static void on_end(mum_guard *g, const char *local)
{
    (void)local;
    counter *c = g->user;
    if (g->depth == 2)
        c->in_poq = false;
}

static int run(mum_read_fn read, void *src, const char *name, mum_pending *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    counter c = {out, false};
    mum_guard g = {.name = name, .on_start = on_start, .on_end = on_end, .user = &c};
    if (mum_xml_stream(&g, read, src, err) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

typedef struct mem_src {
    const char *p;
    size_t left;
} mem_src;

static int read_mem(void *src, char *buf, size_t cap, size_t *got, kb_error *err)
{
    (void)err;
    mem_src *m = src;
    size_t n = m->left < cap ? m->left : cap;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    *got = n;
    return 0;
}

typedef struct fd_src {
    int fd;
    const char *path;
    size_t total;
} fd_src;

static int read_fd(void *src, char *buf, size_t cap, size_t *got, kb_error *err)
{
    fd_src *f = src;
    ssize_t r;
    do
        r = read(f->fd, buf, cap);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return kb_error_set(err, KB_ERR_IO, "%s: read error: %s", f->path, KB_STRERROR(errno));
    f->total += (size_t)r;
    if (f->total > MUM_PENDING_MAX_FILE_SIZE)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: grew past the %u MiB limit for pending.xml while being read",
                            f->path, MUM_PENDING_MAX_FILE_SIZE >> 20);
    *got = (size_t)r;
    return 0;
}

int mum_pending_read_buffer(const void *data, size_t size, const char *name, mum_pending *out,
                            kb_error *err)
{
    memset(out, 0, sizeof *out);
    if (name == NULL)
        name = "(buffer)";
    if (size > MUM_PENDING_MAX_FILE_SIZE)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %zu bytes, larger than the %u MiB limit for pending.xml",
                            name, size, MUM_PENDING_MAX_FILE_SIZE >> 20);
    mem_src m = {data, size};
    return run(read_mem, &m, name, out, err);
}

int mum_pending_read_file(const char *path, mum_pending *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    size_t size;
    int fd = mum_file_open(path, MUM_PENDING_MAX_FILE_SIZE, "pending.xml", &size, err);
    if (fd < 0)
        return -1;
    fd_src f = {fd, path, 0};
    int rc = run(read_fd, &f, path, out, err);
    close(fd);
    return rc;
}

int mum_pending_count(const char *path, uint64_t *count, kb_error *err)
{
    mum_pending p;
    *count = 0;
    if (mum_pending_read_file(path, &p, err) != 0)
        return -1;
    *count = p.operations;
    return 0;
}
