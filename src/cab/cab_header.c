/* The cabinet's structure: CFHEADER, the optional reserve and cabinet-set strings, CFFOLDER
 * and CFFILE entries, and a walk over every folder's CFDATA headers. Everything is checked
 * against cbCabinet (itself checked against the input) before it is used, so extraction only
 * ever reads what was checked here. */
#include <stdlib.h>
#include <string.h>

#include "cab_internal.h"
#include "kbaudit/buf.h"
#include "kbaudit/evidence.h"
#include "kbaudit/utf.h"

#define FLAG_PREV 0x0001u
#define FLAG_NEXT 0x0002u
#define FLAG_RESERVE 0x0004u
#define ATTR_NAME_UTF8 0x80u

const char *cab_method_name(cab_method m)
{
    switch (m) {
    case CAB_METHOD_NONE: return "none";
    case CAB_METHOD_MSZIP: return "mszip";
    case CAB_METHOD_QUANTUM: return "quantum";
    case CAB_METHOD_LZX: return "lzx";
    default: return "other";
    }
}

/* A NUL-terminated string at *pos of at most CAB_NAME_MAX bytes with the NUL, inside
 * [0, end); returns its length and advances *pos past the NUL, or -1. */
static long string_at(const uint8_t *d, size_t end, size_t *pos)
{
    size_t start = *pos;
    for (size_t i = start; i < end && i - start < CAB_NAME_MAX; i++) {
        if (d[i] == 0) {
            *pos = i + 1;
            return (long)(i - start);
        }
    }
    return -1;
}

/* Walks the CFDATA headers of folder F: each inside the cabinet, sizes within MS-CAB's
 * bounds. WALKED counts header and data bytes over all folders, so folders that share their
 * data cannot multiply the work (an honest cabinet walks each byte once). */
static int walk_folder(cab_archive *c, size_t f, uint64_t *walked, kb_error *err)
{
    cab_folder *fo = &c->folders[f];
    uint64_t pos = fo->data_offset;
    for (size_t b = 0; b < fo->nblocks; b++) {
        if (pos + CAB_DATA_SIZE + c->data_reserve_size > c->cab_size)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: folder %zu: data block %zu at offset %llu lies beyond the cabinet's "
                                "%u bytes (truncated, or a lying block count)",
                                c->name, f, b, (unsigned long long)pos, c->cab_size);
        const uint8_t *h = c->data + pos;
        uint16_t packed = cab_u16(h + 4), unpacked = cab_u16(h + 6);
        if (unpacked > CAB_BLOCK_MAX || packed > CAB_BLOCK_PACKED_MAX)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: folder %zu: data block %zu declares %u bytes packed, %u unpacked "
                                "(at most %u unpacked)",
                                c->name, f, b, packed, unpacked, CAB_BLOCK_MAX);
        uint64_t next = pos + CAB_DATA_SIZE + c->data_reserve_size + packed;
        if (next > c->cab_size)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: folder %zu: data block %zu (%u bytes at offset %llu) runs past the "
                                "cabinet's %u bytes (truncated?)",
                                c->name, f, b, packed, (unsigned long long)pos, c->cab_size);
        *walked += next - pos;
        if (*walked > c->cab_size)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: the folders' data blocks overlap (more block bytes than the "
                                "cabinet holds)", c->name);
        fo->size += unpacked;
        fo->packed += packed;
        pos = next;
    }
    if (fo->size > CAB_MAX_FOLDER_SIZE)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: folder %zu: %llu bytes, more than MS-CAB allows",
                            c->name, f, (unsigned long long)fo->size);
    return 0;
}

static int read_folders(cab_archive *c, size_t pos, kb_error *err)
{
    if (c->nfolders == 0)
        return 0;
    c->folders = calloc(c->nfolders, sizeof *c->folders);
    if (c->folders == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", c->name);
    size_t entry = CAB_FOLDER_SIZE + c->folder_reserve_size;
    if ((uint64_t)pos + (uint64_t)entry * c->nfolders > c->cab_size)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %zu folder entries do not fit in the cabinet's %u bytes",
                            c->name, c->nfolders, c->cab_size);
    uint64_t walked = 0;
    for (size_t f = 0; f < c->nfolders; f++, pos += entry) {
        cab_folder *fo = &c->folders[f];
        const uint8_t *p = c->data + pos;
        fo->data_offset = cab_u32(p);
        fo->nblocks = cab_u16(p + 4);
        fo->type_compress = cab_u16(p + 6);
        unsigned m = fo->type_compress & 0x000Fu;
        fo->method = m <= 3 ? (cab_method)m : CAB_METHOD_OTHER;
        fo->readable = fo->method == CAB_METHOD_NONE || fo->method == CAB_METHOD_MSZIP;
        if (walk_folder(c, f, &walked, err) != 0)
            return -1;
    }
    return 0;
}

static int read_name(cab_archive *c, cab_member *m, const uint8_t *s, size_t n, kb_error *err)
{
    kb_buf b = KB_BUF_INIT;
    int rc = (m->attribs & ATTR_NAME_UTF8) ? kb_buf_append(&b, s, n) : kb_latin1_to_utf8(&b, s, n);
    if (rc != 0 || kb_buf_reserve(&b, 0) != 0) {
        kb_buf_free(&b);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", c->name);
    }
    m->name = b.data;
    return 0;
}

static int read_files(cab_archive *c, uint32_t coff_files, kb_error *err)
{
    if (c->nmembers == 0)
        return 0;
    c->members = calloc(c->nmembers, sizeof *c->members);
    if (c->members == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", c->name);
    size_t pos = coff_files;
    for (size_t i = 0; i < c->nmembers; i++) {
        if ((uint64_t)pos + CAB_FILE_SIZE > c->cab_size)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: file entry %zu lies beyond the cabinet's %u bytes",
                                c->name, i, c->cab_size);
        const uint8_t *p = c->data + pos;
        cab_member *m = &c->members[i];
        m->size = cab_u32(p);
        m->offset = cab_u32(p + 4);
        m->folder = cab_u16(p + 8);
        m->date = cab_u16(p + 10);
        m->time = cab_u16(p + 12);
        m->attribs = cab_u16(p + 14);
        pos += CAB_FILE_SIZE;
        size_t name_pos = pos;
        long n = string_at(c->data, c->cab_size, &pos);
        if (n < 0)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: file entry %zu: name not terminated within %u bytes or the cabinet",
                                c->name, i, CAB_NAME_MAX);
        if (read_name(c, m, c->data + name_pos, (size_t)n, err) != 0)
            return -1;
        if (m->folder >= 0xFFFDu) {
            m->spanned = true;   /* continued from or into another cabinet of a set */
            continue;
        }
        if (m->folder >= c->nfolders)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: member %s names folder %u of %zu", c->name, m->name,
                                m->folder, c->nfolders);
        const cab_folder *fo = &c->folders[m->folder];
        uint64_t end = (uint64_t)m->offset + m->size;
        /* the last folder of a cabinet continued in the next one is shorter than its members */
        bool continues = (c->flags & FLAG_NEXT) && m->folder + 1u == c->nfolders;
        if (end > fo->size && fo->readable && !continues)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: member %s: bytes %u to %llu lie beyond its folder's %llu bytes "
                                "(a lying size or offset)",
                                c->name, m->name, m->offset, (unsigned long long)end,
                                (unsigned long long)fo->size);
        if (end > CAB_MAX_FOLDER_SIZE)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: member %s ends at %llu, beyond MS-CAB's limit",
                                c->name, m->name, (unsigned long long)end);
        if (continues && end > fo->size)
            m->spanned = true;
    }
    return 0;
}

static int parse(cab_archive *c, kb_error *err)
{
    const uint8_t *d = c->data;
    if (c->size < CAB_HEADER_SIZE || memcmp(d, "MSCF", 4) != 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: not a cabinet (no MSCF signature)", c->name);
    c->cab_size = cab_u32(d + 8);
    uint32_t coff_files = cab_u32(d + 16);
    c->version_minor = d[24];
    c->version_major = d[25];
    c->nfolders = cab_u16(d + 26);
    c->nmembers = cab_u16(d + 28);
    c->flags = cab_u16(d + 30);
    c->set_id = cab_u16(d + 32);
    c->cabinet_index = cab_u16(d + 34);
    if (c->cab_size > c->size)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: the header declares %u bytes but the file has %zu (truncated)",
                            c->name, c->cab_size, c->size);
    if (c->cab_size < CAB_HEADER_SIZE)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: the header declares %u bytes, fewer than a header",
                            c->name, c->cab_size);
    if (c->version_major != 1 || c->version_minor != 3)
        return kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: cabinet format version %u.%u (only 1.3 exists)",
                            c->name, c->version_major, c->version_minor);
    size_t pos = CAB_HEADER_SIZE;
    if (c->flags & FLAG_RESERVE) {
        if (pos + 4 > c->cab_size)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: reserve sizes lie beyond the cabinet", c->name);
        c->header_reserve_size = cab_u16(d + pos);
        c->folder_reserve_size = d[pos + 2];
        c->data_reserve_size = d[pos + 3];
        pos += 4;
        if (c->header_reserve_size > 60000u || pos + c->header_reserve_size > c->cab_size)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: header reserve of %u bytes (at most 60000, inside the cabinet)",
                                c->name, c->header_reserve_size);
        c->header_reserve = d + pos;
        pos += c->header_reserve_size;
    }
    /* previous/next cabinet and disk names: skipped (sets are not followed) but checked */
    int strings = ((c->flags & FLAG_PREV) ? 2 : 0) + ((c->flags & FLAG_NEXT) ? 2 : 0);
    for (int i = 0; i < strings; i++)
        if (string_at(d, c->cab_size, &pos) < 0)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: cabinet-set name not terminated", c->name);
    if (read_folders(c, pos, err) != 0)
        return -1;
    if (coff_files < CAB_HEADER_SIZE || coff_files > c->cab_size)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: file entries at offset %u, outside the cabinet's %u bytes",
                            c->name, coff_files, c->cab_size);
    return read_files(c, coff_files, err);
}

int cab_open_buffer(const void *data, size_t size, const char *name, const cab_options *opt,
                    cab_archive **out, kb_error *err)
{
    *out = NULL;
    cab_archive *c = calloc(1, sizeof *c);
    if (c == NULL || (c->name = kb_strndup(name ? name : "cabinet", 4096)) == NULL) {
        free(c);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    c->data = data;
    c->size = size;
    c->budget_left = opt && opt->inflate_budget ? opt->inflate_budget : CAB_DEFAULT_INFLATE_BUDGET;
    if (parse(c, err) != 0) {
        cab_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

int cab_open_file(const char *path, const cab_options *opt, cab_archive **out, kb_error *err)
{
    const void *data;
    size_t size;
    *out = NULL;
    if (kb_map_readonly(path, true, &data, &size, err) != 0)
        return -1;
    if (cab_open_buffer(data, size, path, opt, out, err) != 0) {
        kb_unmap(data, size);
        return -1;
    }
    (*out)->mapped = true;
    return 0;
}

void cab_close(cab_archive *c)
{
    if (c == NULL)
        return;
    cab_stream_free(c);
    for (size_t i = 0; c->members && i < c->nmembers; i++)
        free(c->members[i].name);
    free(c->members);
    free(c->folders);
    if (c->mapped)
        kb_unmap(c->data, c->size);
    free(c->name);
    free(c);
}

size_t cab_trailing_bytes(const cab_archive *c)
{
    return c->size - c->cab_size;
}

static int ascii_lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

long cab_find(const cab_archive *c, const char *name)
{
    for (size_t i = 0; i < c->nmembers; i++) {
        const char *a = c->members[i].name, *b = name;
        while (*a && ascii_lower((unsigned char)*a) == ascii_lower((unsigned char)*b))
            a++, b++;
        if (*a == 0 && *b == 0)
            return (long)i;
    }
    return -1;
}

bool cab_member_readable(const cab_archive *c, size_t i)
{
    if (i >= c->nmembers || c->members[i].spanned)
        return false;
    return c->folders[c->members[i].folder].readable;
}
