/* Values: vk records, their names, and their data (resident, normal cell, or big data
 * assembled from db segments). */
#include "regf_internal.h"

#include <stdlib.h>

#include "kbaudit/utf.h"

static const uint8_t *value_record(const regf_hive *h, regf_off vk, uint32_t *len, kb_error *err)
{
    return regf_record(h, vk, "vk", VK_NAME, len, "value", err);
}

int regf_key_values(const regf_hive *h, regf_off key, regf_offlist *out, kb_error *err)
{
    out->n = 0;
    uint32_t len;
    const uint8_t *nk = regf_record(h, key, "nk", NK_NAME, &len, "key", err);
    if (nk == NULL)
        return -1;
    uint32_t count = rd32(nk + NK_VALUES);
    if (count == 0)
        return 0;
    uint32_t list_off = rd32(nk + NK_VALUE_LIST), list_len;
    const uint8_t *list = regf_cell(h, list_off, &list_len, "value list", err);
    if (list == NULL)
        return regf_error_context(h, err, "key at offset 0x%x", key);
    if (count > list_len / 4)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: key at offset 0x%x: value count %u exceeds its value list cell of %u bytes",
                            h->name, key, count, list_len);
    if (out->cap < count) {
        regf_off *v = realloc(out->v, (size_t)count * sizeof *v);
        if (v == NULL)
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        out->v = v;
        out->cap = count;
    }
    for (uint32_t i = 0; i < count; i++)
        out->v[i] = rd32(list + 4 * (size_t)i);
    out->n = count;
    return 0;
}

int regf_value_info_get(const regf_hive *h, regf_off value, regf_value_info *out, kb_error *err)
{
    uint32_t len;
    const uint8_t *vk = value_record(h, value, &len, err);
    if (vk == NULL)
        return -1;
    out->type = rd32(vk + VK_TYPE);
    out->length = rd32(vk + VK_DATA_LEN) & ~VK_DATA_RESIDENT;
    out->has_name = rd16(vk + VK_NAME_LEN) != 0;
    return 0;
}

int regf_value_name(const regf_hive *h, regf_off value, kb_buf *out, kb_error *err)
{
    uint32_t len;
    const uint8_t *vk = value_record(h, value, &len, err);
    if (vk == NULL)
        return -1;
    uint32_t n = rd16(vk + VK_NAME_LEN);
    bool compressed = rd16(vk + VK_FLAGS) & VK_COMP_NAME;
    if (regf_check_name(h, "value", value, n, len - VK_NAME, compressed, err) != 0)
        return -1;
    if (regf_decode_name(out, vk + VK_NAME, n, compressed) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return 0;
}

int regf_value_lookup(const regf_hive *h, regf_off key, const char *name, regf_off *out, kb_error *err)
{
    regf_offlist vals = {0};
    kb_buf want = KB_BUF_INIT;
    int r = regf_key_values(h, key, &vals, err);
    if (r == 0 && kb_utf8_to_utf16le(&want, name, strlen(name)) != 0)
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    if (r == 0) {
        uint16_t *w = (uint16_t *)(void *)want.data;
        size_t wl = want.len / 2;
        for (size_t i = 0; i < wl; i++)
            w[i] = kb_upcase16(w[i]);
        r = kb_error_set(err, KB_ERR_NOTFOUND, "value not found: \"%s\"", name);
        for (size_t i = 0; i < vals.n; i++) {
            uint32_t len;
            const uint8_t *vk = value_record(h, vals.v[i], &len, err);
            if (vk == NULL) {
                r = -1;
                break;
            }
            uint32_t n = rd16(vk + VK_NAME_LEN);
            bool compressed = rd16(vk + VK_FLAGS) & VK_COMP_NAME;
            if (regf_check_name(h, "value", vals.v[i], n, len - VK_NAME, compressed, err) != 0) {
                r = -1;
                break;
            }
            if (regf_name_equals(vk + VK_NAME, n, compressed, w, wl)) {
                *out = vals.v[i];
                kb_error_clear(err);
                r = 0;
                break;
            }
        }
    }
    regf_offlist_free(&vals);
    kb_buf_free(&want);
    return r;
}

/* Big data: a db record lists segments of up to 16344 bytes each. */
static int cmp_off(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int big_data(const regf_hive *h, regf_off value, const uint8_t *db, uint32_t db_off,
                    uint32_t length, kb_buf *scratch, kb_error *err)
{
    uint32_t count = rd16(db + DB_COUNT), list_off = rd32(db + DB_LIST), list_len;
    const uint8_t *list = regf_cell(h, list_off, &list_len, "big data segment list", err);
    if (list == NULL)
        return regf_error_context(h, err, "value at offset 0x%x", value);
    if (count == 0 || count > list_len / 4)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: value at offset 0x%x: bigdata record at 0x%x: segment count %u does not fit its list of %u bytes",
                            h->name, value, db_off, count, list_len);
    if ((uint64_t)count * REGF_BIG_DATA_SEGMENT < length)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: value at offset 0x%x: bigdata: %u segments cannot hold %u bytes",
                            h->name, value, count, length);
    /* a segment listed twice would repeat data: reject it */
    uint32_t *sorted = malloc((size_t)count * sizeof *sorted);
    if (sorted == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < count; i++)
        sorted[i] = rd32(list + 4 * (size_t)i);
    qsort(sorted, count, sizeof *sorted, cmp_off);
    for (uint32_t i = 1; i < count; i++)
        if (sorted[i] == sorted[i - 1]) {
            uint32_t twice = sorted[i];
            free(sorted);
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: value at offset 0x%x: bigdata: segment 0x%x is listed twice (loop)",
                                h->name, value, twice);
        }
    free(sorted);
    kb_buf_reset(scratch);
    if (kb_buf_reserve(scratch, length) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    uint32_t left = length;
    for (uint32_t i = 0; i < count && left > 0; i++) {
        uint32_t seg_off = rd32(list + 4 * (size_t)i), seg_len;
        const uint8_t *seg = regf_cell(h, seg_off, &seg_len, "big data segment", err);
        if (seg == NULL)
            return regf_error_context(h, err, "value at offset 0x%x", value);
        uint32_t take = left < REGF_BIG_DATA_SEGMENT ? left : REGF_BIG_DATA_SEGMENT;
        if (take > seg_len)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: value at offset 0x%x: bigdata segment at 0x%x holds %u bytes, %u needed",
                                h->name, value, seg_off, seg_len, take);
        kb_buf_append(scratch, seg, take);
        left -= take;
    }
    return 0;
}

int regf_value_data(const regf_hive *h, regf_off value, kb_buf *scratch, const uint8_t **data,
                    uint32_t *len, kb_error *err)
{
    uint32_t vlen;
    const uint8_t *vk = value_record(h, value, &vlen, err);
    if (vk == NULL)
        return -1;
    uint32_t raw = rd32(vk + VK_DATA_LEN), length = raw & ~VK_DATA_RESIDENT;
    if (raw & VK_DATA_RESIDENT) {
        if (length > 4)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: value at offset 0x%x: resident (inline) data length %u exceeds 4 bytes",
                                h->name, value, length);
        *data = vk + VK_DATA_OFF;
        *len = length;
        return 0;
    }
    *len = length;
    if (length == 0) {
        *data = vk + VK_DATA_OFF;
        return 0;
    }
    uint32_t off = rd32(vk + VK_DATA_OFF), clen;
    const uint8_t *cell = regf_cell(h, off, &clen, "value data", err);
    if (cell == NULL)
        return regf_error_context(h, err, "value at offset 0x%x", value);
    if (length <= clen) {
        *data = cell;
        return 0;
    }
    if (length > REGF_BIG_DATA_SEGMENT && clen >= 8 && cell[0] == 'd' && cell[1] == 'b') {
        if (big_data(h, value, cell, off, length, scratch, err) != 0)
            return -1;
        *data = (const uint8_t *)scratch->data;
        return 0;
    }
    return kb_error_set(err, KB_ERR_FORMAT,
                        "%s: value at offset 0x%x: data length %u exceeds its data cell of %u bytes at 0x%x",
                        h->name, value, length, clen, off);
}

int regf_value_string(const regf_hive *h, regf_off value, kb_buf *out, kb_error *err)
{
    regf_value_info vi;
    if (regf_value_info_get(h, value, &vi, err) != 0)
        return -1;
    if (vi.type != REGF_SZ && vi.type != REGF_EXPAND_SZ)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: value at offset 0x%x: type %u is not a string",
                            h->name, value, vi.type);
    kb_buf scratch = KB_BUF_INIT;
    const uint8_t *d;
    uint32_t n;
    int r = regf_value_data(h, value, &scratch, &d, &n, err);
    if (r == 0) {
        uint32_t units = n / 2, end = 0;
        while (end < units && (d[2 * end] | d[2 * end + 1]))
            end++;
        if (kb_utf16le_to_utf8(out, d, (size_t)end * 2) != 0)
            r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    kb_buf_free(&scratch);
    return r;
}

int regf_value_dword(const regf_hive *h, regf_off value, uint32_t *out, kb_error *err)
{
    regf_value_info vi;
    if (regf_value_info_get(h, value, &vi, err) != 0)
        return -1;
    kb_buf scratch = KB_BUF_INIT;
    const uint8_t *d;
    uint32_t n;
    int r = regf_value_data(h, value, &scratch, &d, &n, err);
    if (r == 0 && n != 4)
        r = kb_error_set(err, KB_ERR_FORMAT, "%s: value at offset 0x%x: %u bytes, a DWORD has 4",
                         h->name, value, n);
    else if (r == 0)
        *out = vi.type == REGF_DWORD_BE ? (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]
                                        : rd32(d);
    kb_buf_free(&scratch);
    return r;
}

const char *regf_type_name(uint32_t type)
{
    static const char *const names[] = {
        "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
        "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR",
        "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD"};
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}
