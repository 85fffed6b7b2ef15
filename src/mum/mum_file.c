/* Read-only access to evidence files under a size cap. The file is opened O_RDONLY and
 * O_NONBLOCK (so a FIFO planted under the target cannot block the open), then must be a
 * regular file: devices, FIFOs and directories are refused before anything is read. */
#include "mum_internal.h"
#include "kbaudit/evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0
#endif

int mum_file_open(const char *path, size_t cap, const char *what, size_t *size, kb_error *err)
{
    /* read-only, non-blocking (a FIFO must not hang us), access time left alone */
    return kb_open_regular(path, cap, what, size, err);
}

int mum_file_slurp(const char *path, size_t cap, const char *what, uint8_t **data, size_t *size,
                   kb_error *err)
{
    *data = NULL;
    *size = 0;
    size_t expect;
    int fd = mum_file_open(path, cap, what, &expect, err);
    if (fd < 0)
        return -1;
    /* One byte more than the size seen, to notice a file that grows while it is read. */
    uint8_t *buf = malloc(expect + 1);
    if (buf == NULL) {
        close(fd);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory for %zu bytes", path, expect);
    }
    size_t got = 0;
    while (got < expect + 1) {
        ssize_t r = read(fd, buf + got, expect + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return kb_error_set(err, KB_ERR_IO, "%s: read error: %s", path, KB_STRERROR(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != expect) {
        free(buf);
        return kb_error_set(err, KB_ERR_IO, "%s: file changed size while being read (%zu bytes, then %s%zu)",
                            path, expect, got > expect ? "more than " : "", got);
    }
    *data = buf;
    *size = got;
    return 0;
}
