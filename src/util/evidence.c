/* Read-only opening of evidence (see kbaudit/evidence.h). */
#define _GNU_SOURCE 1   /* O_NOATIME */
#include "kbaudit/evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_flags(const char *path, int flags)
{
    int fd = -1;
#ifdef O_NOATIME
    /* O_NOATIME is refused (EPERM) unless we own the file or have CAP_FOWNER */
    fd = open(path, flags | O_NOATIME);
    if (fd >= 0 || errno != EPERM)
        return fd;
#endif
    return open(path, flags);
}

int kb_open_readonly(const char *path, kb_error *err)
{
    /* O_NONBLOCK: a FIFO planted in an image must not hang open() (callers then require a
     * regular file with fstat) */
    int fd = open_flags(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return kb_error_set(err, errno == ENOENT ? KB_ERR_NOTFOUND : KB_ERR_IO, "%s: cannot open: %s", path,
                            strerror(errno));
    return fd;
}

DIR *kb_opendir_readonly(const char *path, kb_error *err)
{
    int fd = open_flags(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        kb_error_set(err, e == ENOENT || e == ENOTDIR ? KB_ERR_NOTFOUND : KB_ERR_IO, "%s: cannot list: %s", path,
                     strerror(e));
    }
    return d;
}

int kb_open_regular(const char *path, size_t cap, const char *what, size_t *size, kb_error *err)
{
    *size = 0;
    int fd = kb_open_readonly(path, err);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return kb_error_set(err, KB_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {   /* errno is stale here: say only what the file is */
        close(fd);
        return kb_error_set(err, KB_ERR_IO, "%s: not a regular file (%s)", path,
                            S_ISDIR(st.st_mode) ? "a directory" : "a device, FIFO or socket");
    }
    if (st.st_size < 0 || (cap > 0 && (uint64_t)st.st_size > cap) || (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        if (cap % (1u << 20) == 0)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: %lld bytes, larger than the %zu MiB limit for a %s", path,
                                (long long)st.st_size, cap >> 20, what);
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %lld bytes, larger than the %zu-byte limit for a %s", path,
                            (long long)st.st_size, cap, what);
    }
    *size = (size_t)st.st_size;
    return fd;
}

int kb_map_readonly(const char *path, bool sequential, const void **data, size_t *size, kb_error *err)
{
    static const unsigned char empty[1];
    *data = empty;
    *size = 0;
    size_t n;
    int fd = kb_open_regular(path, 0, "file", &n, err);
    if (fd < 0)
        return -1;
    if (n > 0) {
        void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            int e = errno;
            close(fd);
            return kb_error_set(err, KB_ERR_IO, "%s: cannot map: %s", path, strerror(e));
        }
        if (sequential)
            (void)madvise(map, n, MADV_SEQUENTIAL);
        *data = map;
        *size = n;
    }
    close(fd);
    return 0;
}

void kb_unmap(const void *data, size_t size)
{
    if (size > 0)
        munmap((void *)data, size);
}
