/* Reading a database's bytes: a file's raw bytes, and gzip decompression in memory. libxml2
 * may be built without zlib, and its own decompression has no size cap, so kbaudit
 * decompresses itself and stops at KBDB_MAX_BYTES: a gzip bomb costs at most that. */
#include "kbdb_internal.h"
#include "kbaudit/evidence.h"

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
    size_t want;
    int fd = kb_open_regular(path, KBDB_MAX_BYTES, "database", &want, err);
    if (fd < 0)
        return -1;
    /* the raw bytes (at most KBDB_MAX_BYTES): a gzip file is decompressed by kbdb_gunzip,
     * the one place that checks members, trailing garbage and the size cap */
    int rc = 0;
    if (kb_buf_reserve(out, want + 1) != 0) {
        close(fd);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", path);
    }
    while (out->len < want) {
        ssize_t n = read(fd, out->data + out->len, want - out->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kb_error_set(err, KB_ERR_IO, "%s: read error: %s", path, KB_STRERROR(errno));
            break;
        }
        if (n == 0)
            break;   /* the file shrank while being read: take what is there */
        out->len += (size_t)n;
    }
    out->data[out->len] = '\0';
    close(fd);
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
