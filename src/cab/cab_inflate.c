/* Decoding a folder block by block, and extracting members.
 *
 * MSZIP (MS-MCI 2.1): each CFDATA block holds "CK" and one complete deflate stream (its
 * last RFC 1951 block marked final) of at most 32 KiB of output; the history window carries
 * over from block to block within a folder. With zlib that is a raw inflate (windowBits -15)
 * reset for every block and primed with the folder's last 32 KiB of output through
 * inflateSetDictionary. Each block must inflate to exactly the size it declares: more is a
 * decompression bomb (stopped at once: inflate never gets more output room than declared plus
 * one byte), less is damage.
 *
 * The decoder of the folder read last is kept, so members read in folder order (the order
 * cabinets store them in) are decoded once; going back restarts the folder. Every byte
 * produced counts against the archive's inflate budget, which bounds the work a hostile
 * cabinet can ask for however members are laid out. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cab_internal.h"

typedef struct cab_stream {
    size_t folder;
    size_t block;             /* the next block to decode */
    uint64_t file_pos;        /* its CFDATA header's offset */
    uint64_t out_pos;         /* folder offset of out[0] */
    uint8_t out[CAB_BLOCK_MAX + 1];
    size_t out_len;
    uint8_t window[CAB_BLOCK_MAX];   /* the folder's last output, for the next block */
    size_t window_len;
    z_stream z;
    bool z_ready;
} cab_stream;

void cab_stream_free(cab_archive *c)
{
    cab_stream *s = c->stream;
    if (s == NULL)
        return;
    if (s->z_ready)
        inflateEnd(&s->z);
    free(s);
    c->stream = NULL;
}

static int stream_start(cab_archive *c, size_t folder, kb_error *err)
{
    cab_stream *s = c->stream;
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL)
            return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", c->name);
        c->stream = s;
    }
    s->folder = folder;
    s->block = 0;
    s->file_pos = c->folders[folder].data_offset;
    s->out_pos = 0;
    s->out_len = 0;
    s->window_len = 0;
    return 0;
}

static void remember(cab_stream *s)
{
    if (s->out_len >= CAB_BLOCK_MAX) {
        memcpy(s->window, s->out + s->out_len - CAB_BLOCK_MAX, CAB_BLOCK_MAX);
        s->window_len = CAB_BLOCK_MAX;
        return;
    }
    size_t keep = s->window_len + s->out_len > CAB_BLOCK_MAX ? CAB_BLOCK_MAX - s->out_len : s->window_len;
    memmove(s->window, s->window + s->window_len - keep, keep);
    memcpy(s->window + keep, s->out, s->out_len);
    s->window_len = keep + s->out_len;
}

static int inflate_block(cab_archive *c, cab_stream *s, const uint8_t *in, size_t n, size_t want, kb_error *err)
{
    const char *name = c->name;
    if (n < 2 || in[0] != 'C' || in[1] != 'K')
        return kb_error_set(err, KB_ERR_FORMAT, "%s: folder %zu, block %zu: no MSZIP \"CK\" signature", name,
                            s->folder, s->block);
    if (!s->z_ready) {
        memset(&s->z, 0, sizeof s->z);
        if (inflateInit2(&s->z, -MAX_WBITS) != Z_OK)
            return kb_error_set(err, KB_ERR_NOMEM, "%s: zlib: cannot start inflate", name);
        s->z_ready = true;
    } else if (inflateReset(&s->z) != Z_OK) {
        return kb_error_set(err, KB_ERR_NOMEM, "%s: zlib: cannot reset inflate", name);
    }
    if (s->window_len > 0 && inflateSetDictionary(&s->z, s->window, (uInt)s->window_len) != Z_OK)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: zlib refused the history window", name);
    s->z.next_in = (Bytef *)(uintptr_t)(in + 2);
    s->z.avail_in = (uInt)(n - 2);
    s->z.next_out = s->out;
    s->z.avail_out = (uInt)(want + 1);   /* one byte of room past the declared size: a bomb shows */
    int zr = inflate(&s->z, Z_FINISH);
    size_t got = want + 1 - s->z.avail_out;
    if (got > want)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: folder %zu, block %zu inflates beyond the %zu bytes it declares "
                            "(decompression bomb or damage): stopped",
                            name, s->folder, s->block, want);
    if (zr != Z_STREAM_END)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: folder %zu, block %zu: deflate data %s (%s)", name,
                            s->folder, s->block, zr == Z_BUF_ERROR ? "ends early" : "is corrupt",
                            s->z.msg ? s->z.msg : "no zlib message");
    if (got != want)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: folder %zu, block %zu inflates to %zu bytes, not the %zu it declares",
                            name, s->folder, s->block, got, want);
    s->out_len = got;
    return 0;
}

/* Decodes the next block into s->out. The headers were bounds-checked when the archive
 * was opened (walk_folder), so only the contents are checked here. */
static int next_block(cab_archive *c, cab_stream *s, kb_error *err)
{
    const cab_folder *fo = &c->folders[s->folder];
    if (s->block >= fo->nblocks)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: folder %zu ends after %llu bytes", c->name, s->folder,
                            (unsigned long long)(s->out_pos + s->out_len));
    if (s->out_len > 0)
        remember(s);
    s->out_pos += s->out_len;
    s->out_len = 0;
    const uint8_t *h = c->data + s->file_pos;
    uint32_t csum = cab_u32(h);
    size_t packed = cab_u16(h + 4), unpacked = cab_u16(h + 6);
    const uint8_t *in = h + CAB_DATA_SIZE + c->data_reserve_size;
    /* csum 0 means "no checksum" (MS-CAB) */
    if (csum != 0) {
        uint32_t sum = cab_checksum(h + 4, 4, cab_checksum(in, packed, 0));
        if (sum != csum)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: folder %zu, block %zu: checksum 0x%08x, but the data gives 0x%08x "
                                "(damaged)", c->name, s->folder, s->block, csum, sum);
    }
    if (unpacked > c->budget_left)
        return kb_error_set(err, KB_ERR_NOMEM,
                            "%s: inflate budget spent (the members' layout asks for more decoding "
                            "than the cabinet's size justifies): stopped", c->name);
    c->budget_left -= unpacked;
    if (fo->method == CAB_METHOD_NONE) {
        if (packed != unpacked)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: folder %zu, block %zu: stored block of %zu bytes declares %zu",
                                c->name, s->folder, s->block, packed, unpacked);
        memcpy(s->out, in, packed);
        s->out_len = packed;
    } else if (inflate_block(c, s, in, packed, unpacked, err) != 0) {
        return -1;
    }
    s->file_pos += CAB_DATA_SIZE + c->data_reserve_size + packed;
    s->block++;
    return 0;
}

int cab_extract(cab_archive *c, size_t i, size_t cap, uint8_t **out, size_t *len, kb_error *err)
{
    *out = NULL;
    *len = 0;
    if (i >= c->nmembers)
        return kb_error_set(err, KB_ERR_USAGE, "%s: no member %zu", c->name, i);
    const cab_member *m = &c->members[i];
    if (m->spanned)
        return kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: member %s continues in another cabinet of a set: not readable",
                            c->name, m->name);
    const cab_folder *fo = &c->folders[m->folder];
    if (!fo->readable)
        return kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: member %s is %s-compressed: not readable",
                            c->name, m->name, cab_method_name(fo->method));
    if (cap != 0 && m->size > cap)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: member %s is %u bytes, more than the %zu-byte limit",
                            c->name, m->name, m->size, cap);
    uint8_t *buf = malloc(m->size ? m->size : 1);
    if (buf == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory for member %s (%u bytes)", c->name, m->name,
                            m->size);
    cab_stream *s = c->stream;
    /* restart the folder unless the kept decoder has not yet passed the member's start */
    if (s == NULL || s->folder != m->folder || s->out_pos > m->offset) {
        if (stream_start(c, m->folder, err) != 0) {
            free(buf);
            return -1;
        }
        s = c->stream;
    }
    uint64_t want_end = (uint64_t)m->offset + m->size, done = 0;
    while (done < m->size) {
        uint64_t pos = (uint64_t)m->offset + done;
        if (pos >= s->out_pos + s->out_len) {
            if (next_block(c, s, err) != 0) {
                cab_stream_free(c);   /* a failed decoder is not reused */
                free(buf);
                return -1;
            }
            continue;
        }
        uint64_t avail_end = s->out_pos + s->out_len < want_end ? s->out_pos + s->out_len : want_end;
        memcpy(buf + done, s->out + (pos - s->out_pos), (size_t)(avail_end - pos));
        done = avail_end - m->offset;
    }
    *out = buf;
    *len = m->size;
    return 0;
}
