/* Read-only opening of evidence on POSIX systems (see kbaudit/evidence.h). */
#define _GNU_SOURCE 1   /* O_NOATIME */
#include "kbaudit/evidence.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbaudit/utf.h"

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
        return kb_error_set(err, errno == ENOENT ? KB_ERR_NOTFOUND : errno == EACCES ? KB_ERR_DENIED : KB_ERR_IO,
                            "%s: cannot open: %s", path, KB_STRERROR(errno));
    return fd;
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
        return kb_error_set(err, KB_ERR_IO, "%s: cannot stat: %s", path, KB_STRERROR(e));
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
            return kb_error_set(err, KB_ERR_IO, "%s: cannot map: %s", path, KB_STRERROR(e));
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

struct kb_dir {
    DIR *d;
    int error;   /* errno of a readdir that failed */
};

kb_dir *kb_dir_open(const char *path, kb_error *err)
{
    int fd = open_flags(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    kb_dir *k = d ? malloc(sizeof *k) : NULL;
    if (k == NULL) {
        int e = d ? ENOMEM : errno;
        if (d)
            closedir(d);
        else if (fd >= 0)
            close(fd);
        kb_error_set(err, e == ENOENT || e == ENOTDIR ? KB_ERR_NOTFOUND : e == EACCES ? KB_ERR_DENIED : KB_ERR_IO,
                     "%s: cannot list: %s", path, KB_STRERROR(e));
        return NULL;
    }
    k->d = d;
    k->error = 0;
    return k;
}

const char *kb_dir_next(kb_dir *k)
{
    struct dirent *e;
    errno = 0;
    while ((e = readdir(k->d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            return e->d_name;
    k->error = errno;
    return NULL;
}

int kb_dir_status(const kb_dir *k, kb_error *err)
{
    return k->error ? kb_error_set(err, KB_ERR_IO, "listing ended early: %s", KB_STRERROR(k->error)) : 0;
}

int kb_path_is_dir(const char *path, bool *is_dir, kb_error *err)
{
    struct stat st;
    *is_dir = false;
    if (stat(path, &st) != 0)
        return kb_error_set(err, errno == ENOENT ? KB_ERR_NOTFOUND : errno == EACCES ? KB_ERR_DENIED : KB_ERR_IO,
                            "%s: cannot stat: %s", path, KB_STRERROR(errno));
    *is_dir = S_ISDIR(st.st_mode);
    return 0;
}

void kb_dir_close(kb_dir *k)
{
    if (k) {
        closedir(k->d);
        free(k);
    }
}

int kb_path_kind_of(const char *path, kb_path_kind *kind, kb_error *err)
{
    struct stat st;
    *kind = KB_PATH_NONE;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return kb_error_set(err, errno == EACCES ? KB_ERR_DENIED : KB_ERR_IO, "%s: cannot stat: %s", path,
                            KB_STRERROR(errno));
    }
    *kind = S_ISLNK(st.st_mode) ? KB_PATH_LINK
            : S_ISDIR(st.st_mode) ? KB_PATH_DIR
            : S_ISREG(st.st_mode) ? KB_PATH_FILE : KB_PATH_OTHER;
    return 0;
}

/* Case-insensitive equality of two UTF-8 names, folding as Windows does (kb_upcase16). */
static bool same_name(const char *a, const char *b)
{
    const char *ae = a + strlen(a), *be = b + strlen(b);
    while (a < ae && b < be) {
        uint32_t x = kb_utf8_next(&a, ae), y = kb_utf8_next(&b, be);
        if (x < 0x10000)
            x = kb_upcase16((uint16_t)x);
        if (y < 0x10000)
            y = kb_upcase16((uint16_t)y);
        if (x != y)
            return false;
    }
    return a == ae && b == be;
}

int kb_dir_find(const char *dir, const char *name, char **found, kb_error *err)
{
    *found = NULL;
    /* the exact name first: one lstat instead of a scan, the usual case on a real image */
    size_t n = strlen(dir) + strlen(name) + 2;
    char *exact = malloc(n);
    if (exact == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    snprintf(exact, n, "%s/%s", dir, name);
    struct stat st;
    bool hit = lstat(exact, &st) == 0;
    free(exact);
    if (hit)
        return (*found = strdup(name)) ? 0 : kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    kb_dir *d = kb_dir_open(dir, err);
    if (d == NULL)
        return -1;
    const char *e;
    while ((e = kb_dir_next(d)) != NULL && !same_name(e, name))
        ;
    int r = 0;
    if (e == NULL && kb_dir_status(d, err) != 0)
        r = -1;
    else if (e == NULL)
        r = kb_error_set(err, KB_ERR_NOTFOUND, "%s: no entry named \"%s\" (any case)", dir, name);
    else if ((*found = strdup(e)) == NULL)
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    kb_dir_close(d);
    return r;
}

char *kb_realpath(const char *path, kb_error *err)
{
    char *real = realpath(path, NULL);
    if (real == NULL)
        kb_error_set(err, errno == ENOENT ? KB_ERR_NOTFOUND : errno == EACCES ? KB_ERR_DENIED : KB_ERR_IO,
                     "%s: cannot be resolved: %s", path, KB_STRERROR(errno));
    return real;
}

char *kb_native_path(const char *path)
{
    return path ? strdup(path) : NULL;
}
