/* Keys: nk records, their names and classes, subkey lists (lf, lh, li, one level of ri) and lookup by
 * name or path. */
#include "regf_internal.h"

#include <stdlib.h>

#include "kbaudit/utf.h"

void regf_offlist_free(regf_offlist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

int regf_offlist_push(regf_offlist *l, regf_off off)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        regf_off *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = off;
    return 0;
}

int regf_decode_name(kb_buf *out, const uint8_t *p, uint32_t n, bool compressed)
{
    return compressed ? kb_latin1_to_utf8(out, p, n) : kb_utf16le_to_utf8(out, p, n);
}

bool regf_name_equals(const uint8_t *p, uint32_t n, bool compressed, const uint16_t *want,
                      size_t want_len)
{
    size_t units = compressed ? n : n / 2;
    if (units != want_len)
        return false;
    for (size_t i = 0; i < units; i++) {
        uint16_t c = compressed ? p[i] : rd16(p + 2 * i);
        if (kb_upcase16(c) != want[i])
            return false;
    }
    return true;
}

static const uint8_t *key_record(const regf_hive *h, regf_off key, uint32_t *len, kb_error *err)
{
    return regf_record(h, key, "nk", NK_NAME, len, "key", err);
}

int regf_key_info_get(const regf_hive *h, regf_off key, regf_key_info *out, kb_error *err)
{
    uint32_t len;
    const uint8_t *nk = key_record(h, key, &len, err);
    if (nk == NULL)
        return -1;
    out->flags = rd16(nk + NK_FLAGS);
    out->last_write = rd64(nk + NK_TIME);
    out->parent = rd32(nk + NK_PARENT);
    out->subkey_count = rd32(nk + NK_SUBKEYS);
    out->value_count = rd32(nk + NK_VALUES);
    return 0;
}

const uint8_t *regf_key_stored_name(const regf_hive *h, regf_off key, uint32_t *n, bool *compressed,
                                    kb_error *err)
{
    uint32_t len;
    const uint8_t *nk = key_record(h, key, &len, err);
    if (nk == NULL)
        return NULL;
    *n = rd16(nk + NK_NAME_LEN);
    *compressed = rd16(nk + NK_FLAGS) & NK_COMP_NAME;
    if (regf_check_name(h, "key", key, *n, len - NK_NAME, *compressed, err) != 0)
        return NULL;
    return nk + NK_NAME;
}

int regf_key_name(const regf_hive *h, regf_off key, kb_buf *out, kb_error *err)
{
    uint32_t n;
    bool compressed;
    const uint8_t *name = regf_key_stored_name(h, key, &n, &compressed, err);
    if (name == NULL)
        return -1;
    if (regf_decode_name(out, name, n, compressed) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return 0;
}

int regf_key_class(const regf_hive *h, regf_off key, kb_buf *out, kb_error *err)
{
    uint32_t len;
    const uint8_t *nk = key_record(h, key, &len, err);
    if (nk == NULL)
        return -1;
    uint32_t off = rd32(nk + NK_CLASS), n = rd16(nk + NK_CLASS_LEN);
    if (off == REGF_NONE || n == 0)
        return 0;
    uint32_t clen;
    const uint8_t *c = regf_cell(h, off, &clen, "class name", err);
    if (c == NULL)
        return regf_error_context(h, err, "key at offset 0x%x", key);
    if (n > clen)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: key at offset 0x%x: class name length %u exceeds its cell",
                            h->name, key, n);
    if (kb_utf16le_to_utf8(out, c, n) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return 0;
}

/* ---- subkey lists ---------------------------------------------------------------------- */

typedef struct list_frame {
    const uint8_t *p;
    uint32_t off, count, stride;
    bool is_ri;
} list_frame;

static int open_list(const regf_hive *h, uint32_t off, uint32_t key, list_frame *f, kb_error *err)
{
    uint32_t len;
    const uint8_t *p = regf_cell(h, off, &len, "subkey list", err);
    if (p == NULL)
        return regf_error_context(h, err, "key at offset 0x%x", key);
    if (len < LIST_ITEMS)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: subkey list at offset 0x%x: cell too small",
                            h->name, off);
    f->p = p;
    f->off = off;
    f->count = rd16(p + LIST_COUNT);
    f->is_ri = false;
    if ((p[0] == 'l' && (p[1] == 'f' || p[1] == 'h')))
        f->stride = 8;
    else if (p[0] == 'l' && p[1] == 'i')
        f->stride = 4;
    else if (p[0] == 'r' && p[1] == 'i')
        f->stride = 4, f->is_ri = true;
    else
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: subkey list at offset 0x%x: unknown signature 0x%02x%02x (expected lf, lh, li or ri)",
                            h->name, off, p[0], p[1]);
    if ((uint64_t)f->count * f->stride > len - LIST_ITEMS)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: subkey list at offset 0x%x: count %u exceeds its cell of %u bytes",
                            h->name, off, f->count, len);
    return 0;
}

/* regf_for_each_subkey (regf_internal.h).
 *
 * The subkey list is a leaf (lf, lh, li) or an ri whose entries name leaves. Windows
 * writes exactly that one level of ri; an ri inside an ri is rejected ("nesting"). With
 * that rule the work for one key is bounded by the cells themselves: at most 65535 ri
 * entries plus, in the leaves, at most the subkey count (itself <= hive size / 80) before
 * "more entries than its subkey count" stops the walk. A deeper ri chain whose entries
 * all name the next ri (a DAG, not a cycle) would otherwise cost entries^depth steps. */
static int visit_leaf(const regf_hive *h, regf_off key, const list_frame *leaf, uint32_t expected,
                      uint32_t *seen, regf_subkey_visit visit, void *ctx, kb_error *err)
{
    bool has_hash = leaf->stride == 8 && leaf->p[1] == 'h';
    for (uint32_t i = 0; i < leaf->count; i++) {
        regf_mutable(h)->entries_read++;
        const uint8_t *item = leaf->p + LIST_ITEMS + (size_t)i * leaf->stride;
        if (++*seen > expected)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: key at offset 0x%x: subkey lists hold more entries than its subkey count %u",
                                h->name, key, expected);
        int r = visit(ctx, h, rd32(item), has_hash ? rd32(item + 4) : 0, has_hash, err);
        if (r != 0)
            return r;
    }
    return 0;
}

int regf_for_each_subkey(const regf_hive *h, regf_off key, regf_subkey_visit visit, void *ctx,
                         kb_error *err)
{
    uint32_t len;
    const uint8_t *nk = key_record(h, key, &len, err);
    if (nk == NULL)
        return -1;
    uint32_t expected = rd32(nk + NK_SUBKEYS);
    if (expected == 0)
        return 0;
    /* every subkey is an nk cell of at least 80 bytes: a larger count is a lie */
    if (expected > h->bins_size / 80)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: key at offset 0x%x: subkey count %u is impossible for a hive of %u bytes",
                            h->name, key, expected, h->bins_size);
    list_frame top, leaf;
    if (open_list(h, rd32(nk + NK_SUBKEY_LIST), key, &top, err) != 0)
        return -1;
    uint32_t seen = 0;
    int r = 0;
    if (!top.is_ri) {
        r = visit_leaf(h, key, &top, expected, &seen, visit, ctx, err);
    } else {
        for (uint32_t i = 0; i < top.count && r == 0; i++) {
            uint32_t target = rd32(top.p + LIST_ITEMS + (size_t)i * top.stride);
            if (target == top.off)
                return kb_error_set(err, KB_ERR_FORMAT,
                                    "%s: subkey list at offset 0x%x: loop: ri list refers back to list 0x%x",
                                    h->name, top.off, target);
            if (open_list(h, target, key, &leaf, err) != 0)
                return -1;
            if (leaf.is_ri)
                return kb_error_set(err, KB_ERR_FORMAT,
                                    "%s: subkey list at offset 0x%x: ri list inside an ri list at 0x%x (nesting: Windows writes one level)",
                                    h->name, target, top.off);
            r = visit_leaf(h, key, &leaf, expected, &seen, visit, ctx, err);
        }
    }
    if (r != 0)
        return r < 0 ? -1 : 0;
    if (seen != expected)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: key at offset 0x%x: subkey count %u but its lists hold %u entries",
                            h->name, key, expected, seen);
    return 0;
}

/* A subkey names its parent: a list entry whose key names another parent is a list shared
 * with (or stolen from) another key, e.g. a key whose subkey list is its parent's, which
 * would show the parent's children as its own. Windows keeps the two consistent. */
static int check_parent(const regf_hive *h, regf_off key, regf_off child, const uint8_t *nk, kb_error *err)
{
    uint32_t parent = rd32(nk + NK_PARENT);
    if (parent != key)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: key at offset 0x%x: its subkey at 0x%x names another parent (0x%x)", h->name, key,
                            child, parent);
    return 0;
}

typedef struct collect_ctx {
    regf_offlist *out;
    regf_off key;
} collect_ctx;

static int collect_visit(void *vctx, const regf_hive *h, regf_off child, uint32_t hash, bool has_hash,
                         kb_error *err)
{
    (void)hash, (void)has_hash;
    collect_ctx *ctx = vctx;
    uint32_t len;
    const uint8_t *nk = key_record(h, child, &len, err);
    if (nk == NULL || check_parent(h, ctx->key, child, nk, err) != 0)
        return -1;
    if (regf_offlist_push(ctx->out, child) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    return 0;
}

int regf_key_subkeys(const regf_hive *h, regf_off key, regf_offlist *out, kb_error *err)
{
    out->n = 0;
    collect_ctx ctx = {out, key};
    return regf_for_each_subkey(h, key, collect_visit, &ctx, err);
}

typedef struct find_ctx {
    const uint16_t *want;
    size_t want_len;
    uint32_t hash;
    bool use_hash;
    regf_off found;
} find_ctx;

static int find_visit(void *vctx, const regf_hive *h, regf_off child, uint32_t hash, bool has_hash,
                      kb_error *err)
{
    find_ctx *c = vctx;
    if (c->use_hash && has_hash && hash != c->hash)
        return 0;
    uint32_t n;
    bool compressed;
    const uint8_t *name = regf_key_stored_name(h, child, &n, &compressed, err);
    if (name == NULL)
        return -1;
    if (regf_name_equals(name, n, compressed, c->want, c->want_len)) {
        c->found = child;
        return 1;
    }
    return 0;
}

/* Upper-cased UTF-16 form of a UTF-8 name, in `tmp`. */
static int upcased_utf16(const char *name, size_t len, kb_buf *tmp)
{
    kb_buf_reset(tmp);
    if (kb_utf8_to_utf16le(tmp, name, len) != 0)
        return -1;
    uint16_t *u = (uint16_t *)(void *)tmp->data;
    for (size_t i = 0; i < tmp->len / 2; i++)
        u[i] = kb_upcase16(u[i]);
    return 0;
}

static int find_child(const regf_hive *h, regf_off key, const char *name, size_t name_len,
                      kb_buf *tmp, regf_off *out, kb_error *err)
{
    if (upcased_utf16(name, name_len, tmp) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    find_ctx c = {(const uint16_t *)(void *)tmp->data, tmp->len / 2, 0, true, REGF_NONE};
    /* lh hashes use Windows' own upper-casing; trust them only for ASCII names, where our
     * upper-casing is certainly the same. */
    for (size_t i = 0; i < c.want_len; i++) {
        if (c.want[i] >= 0x80)
            c.use_hash = false;
        c.hash = c.hash * 37u + c.want[i];
    }
    const regf_index *ix = regf_index_get(h, key);
    if (ix)
        c.found = regf_index_find(ix, c.want, c.want_len, c.hash, c.use_hash);
    else if (regf_for_each_subkey(h, key, find_visit, &c, err) != 0)
        return -1;
    if (c.found == REGF_NONE)
        return kb_error_set(err, KB_ERR_NOTFOUND, "no subkey named \"%.*s\"", (int)name_len, name);
    uint32_t len;
    const uint8_t *nk = key_record(h, c.found, &len, err);
    if (nk == NULL || check_parent(h, key, c.found, nk, err) != 0)
        return -1;
    *out = c.found;
    return 0;
}

int regf_key_child(const regf_hive *h, regf_off key, const char *name, size_t name_len,
                   regf_off *out, kb_error *err)
{
    kb_buf tmp = KB_BUF_INIT;
    int r = find_child(h, key, name, name_len, &tmp, out, err);
    kb_buf_free(&tmp);
    return r;
}

int regf_key_lookup(const regf_hive *h, regf_off key, const char *path, regf_off *out, kb_error *err)
{
    return regf_key_lookup_stored(h, key, path, out, NULL, err);
}

int regf_key_lookup_stored(const regf_hive *h, regf_off key, const char *path, regf_off *out,
                           kb_buf *stored, kb_error *err)
{
    kb_buf tmp = KB_BUF_INIT;
    regf_off cur = key;
    const char *p = path;
    int r = 0;
    unsigned depth = 0;
    while (*p) {
        while (*p == '\\')
            p++;
        const char *end = p;
        while (*end && *end != '\\')
            end++;
        if (end == p)
            break;
        if (++depth > REGF_MAX_DEPTH) {
            r = kb_error_set(err, KB_ERR_USAGE, "key path deeper than %d levels", REGF_MAX_DEPTH);
            break;
        }
        if ((r = find_child(h, cur, p, (size_t)(end - p), &tmp, &cur, err)) != 0) {
            if (err && err->kind == KB_ERR_NOTFOUND)
                kb_error_set(err, KB_ERR_NOTFOUND, "key not found: \"%s\" (no \"%.*s\" under \"%.*s\")",
                             path, (int)(end - p), p, (int)(p - path), path);
            break;
        }
        if (stored && ((stored->len && kb_buf_putc(stored, '\\') != 0) ||
                       (r = regf_key_name(h, cur, stored, err)) != 0)) {
            r = r ? r : kb_error_set(err, KB_ERR_NOMEM, "out of memory");
            break;
        }
        p = end;
    }
    kb_buf_free(&tmp);
    if (r == 0)
        *out = cur;
    return r;
}
