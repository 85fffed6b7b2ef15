/* Reading a database's bytes: a file (plain or gzip) or a gzip image in memory. libxml2
 * may be built without zlib, and its own decompression has no size cap, so kbaudit
 * decompresses itself and stops at KBDB_MAX_BYTES: a gzip bomb costs at most that. */
#include "kbdb_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK 65536u

int kbdb_is_gzip(const void *data, size_t size)
{
    const unsigned char *p = data;
    return size >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static int too_big(const char *name, kb_error *err)
{
    return kb_error_set(err, KB_ERR_NOMEM, "%s: decompresses to more than %u bytes (the limit for a database)",
                        name, KBDB_MAX_BYTES);
}

int kbdb_read_file(const char *path, kb_buf *out, kb_error *err)
{
    /* O_NONBLOCK: a FIFO or device must not hang the open; we refuse non-regular files. */
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return kb_error_set(err, KB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return kb_error_set(err, KB_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return kb_error_set(err, KB_ERR_IO, "%s: not a regular file", path);
    }
    if (st.st_size > (off_t)KBDB_MAX_BYTES) {
        close(fd);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: file is %lld bytes, more than the %u-byte limit for a database",
                            path, (long long)st.st_size, KBDB_MAX_BYTES);
    }
    gzFile gz = gzdopen(fd, "rb");   /* reads plain files transparently */
    if (gz == NULL) {
        close(fd);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: cannot start reading (out of memory)", path);
    }
    int rc = 0;
    for (;;) {
        if (kb_buf_reserve(out, CHUNK) != 0) {
            rc = kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        int n = gzread(gz, out->data + out->len, CHUNK);
        if (n < 0) {
            int zerr;
            const char *msg = gzerror(gz, &zerr);
            rc = kb_error_set(err, zerr == Z_ERRNO ? KB_ERR_IO : KB_ERR_FORMAT, "%s: %s: %s", path,
                              zerr == Z_ERRNO ? "read error" : "bad gzip data",
                              zerr == Z_ERRNO ? strerror(errno) : msg);
            break;
        }
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        if (out->len > KBDB_MAX_BYTES) {
            rc = too_big(path, err);
            break;
        }
        if (n == 0)
            break;
    }
    /* gzread reports a truncated stream only through gzerror at the end */
    if (rc == 0) {
        int zerr;
        const char *msg = gzerror(gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            rc = kb_error_set(err, KB_ERR_FORMAT, "%s: bad gzip data: %s", path, msg);
    }
    gzclose_r(gz);
    return rc;
}

int kbdb_gunzip(const void *data, size_t size, const char *name, kb_buf *out, kb_error *err)
{
    if (size > KBDB_MAX_BYTES)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: %zu bytes, more than the %u-byte limit for a database", name,
                            size, KBDB_MAX_BYTES);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)   /* 16: gzip wrapper */
        return kb_error_set(err, KB_ERR_NOMEM, "%s: cannot start decompressing", name);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)size;
    int rc = 0;
    for (;;) {
        if (kb_buf_reserve(out, CHUNK) != 0) {
            rc = kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
            break;
        }
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = CHUNK;
        int zr = inflate(&z, Z_NO_FLUSH);
        out->len += CHUNK - z.avail_out;
        out->data[out->len] = '\0';
        if (out->len > KBDB_MAX_BYTES) {
            rc = too_big(name, err);
            break;
        }
        if (zr == Z_STREAM_END) {
            /* gzip allows several members back to back, as gzread does */
            if (z.avail_in == 0)
                break;
            if (!kbdb_is_gzip(z.next_in, z.avail_in)) {
                rc = kb_error_set(err, KB_ERR_FORMAT, "%s: %u bytes of trailing garbage after the gzip data",
                                  name, z.avail_in);
                break;
            }
            inflateReset(&z);
            continue;
        }
        if (zr == Z_BUF_ERROR) {   /* no progress possible: the input ended early */
            rc = kb_error_set(err, KB_ERR_FORMAT, "%s: bad gzip data: unexpected end of file", name);
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = kb_error_set(err, KB_ERR_FORMAT, "%s: bad gzip data at offset 0x%lx: %s", name,
                              (unsigned long)(size - z.avail_in), z.msg ? z.msg : "inflate failed");
            break;
        }
    }
    inflateEnd(&z);
    return rc;
}
