/* Depth-first walk of a key's subtree with an explicit stack: a hostile hive cannot
 * exhaust the C stack, and a bitmap of visited keys turns a cycle into an error. */
#include "regf_internal.h"

#include <stdlib.h>

typedef struct walk_frame {
    regf_offlist kids;
    size_t next;
    size_t path_len;   /* length of the path up to and including this key */
} walk_frame;

struct regf_walker {
    const regf_hive *h;
    regf_off start;
    bool started;
    walk_frame *frames;
    unsigned depth;    /* frames in use */
    uint32_t *visited; /* 1 bit per 4 bytes of hive bins: keys and values claimed */
    uint64_t data_left; /* value data the walk may still return */
    kb_buf path;
    size_t name_at;    /* the current key's name is path[name_at..] */
};

int regf_walk_begin(const regf_hive *h, regf_off start, regf_walker **out, kb_error *err)
{
    *out = NULL;
    uint32_t len;
    if (regf_record(h, start, "nk", NK_NAME, &len, "key", err) == NULL)
        return -1;
    regf_walker *w = calloc(1, sizeof *w);
    if (w == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    w->h = h;
    w->start = start;
    w->data_left = 2 * (uint64_t)h->bins_size;
    w->frames = calloc(REGF_MAX_DEPTH + 1, sizeof *w->frames);
    w->visited = calloc((size_t)h->bins_size / 128 + 1, sizeof *w->visited);
    if (w->frames == NULL || w->visited == NULL || kb_buf_reserve(&w->path, 256) != 0) {
        regf_walk_end(w);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    *out = w;
    return 0;
}

static bool mark_visited(regf_walker *w, regf_off key)
{
    if (key >= w->h->bins_size)
        return true;   /* not a cell: the record read reports it */
    uint32_t *word = &w->visited[key >> 7], bit = 1u << ((key >> 2) & 31u);
    if (*word & bit)
        return false;
    *word |= bit;
    return true;
}

/* Makes `key` the current key: records it and loads its subkeys as a new frame. */
static int enter(regf_walker *w, regf_off key, kb_error *err)
{
    if (!mark_visited(w, key))
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: key at offset 0x%x is reached twice: loop in the subkey lists",
                            w->h->name, key);
    if (w->depth > REGF_MAX_DEPTH)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: key at offset 0x%x: nesting deeper than %d levels",
                            w->h->name, key, REGF_MAX_DEPTH);
    walk_frame *f = &w->frames[w->depth];
    if (w->depth == 0) {
        kb_buf_reset(&w->path);
        w->name_at = 0;
    } else {
        /* the name is decoded straight onto the end of the parent's path */
        w->path.len = w->frames[w->depth - 1].path_len;
        if (w->depth > 1 && kb_buf_putc(&w->path, '\\') != 0)
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        w->name_at = w->path.len;
        if (regf_key_name(w->h, key, &w->path, err) != 0)
            return -1;
    }
    f->path_len = w->path.len;
    f->next = 0;
    if (regf_key_subkeys(w->h, key, &f->kids, err) != 0)
        return -1;
    w->depth++;
    return 0;
}

int regf_walk_next(regf_walker *w, regf_off *key, kb_error *err)
{
    if (!w->started) {
        w->started = true;
        if (enter(w, w->start, err) != 0)
            return -1;
        *key = w->start;
        return 1;
    }
    while (w->depth > 0) {
        walk_frame *f = &w->frames[w->depth - 1];
        if (f->next < f->kids.n) {
            regf_off child = f->kids.v[f->next++];
            if (enter(w, child, err) != 0)
                return -1;
            *key = child;
            return 1;
        }
        w->depth--;
    }
    return 0;
}

const char *regf_walk_path(const regf_walker *w, size_t *len)
{
    /* enter() leaves the buffer holding exactly the path of the key it just returned */
    if (len)
        *len = w->path.len;
    return w->path.data ? w->path.data : "";
}

const char *regf_walk_name(const regf_walker *w, size_t *len)
{
    /* enter() leaves the current key's name at the end of the path; the start key has none */
    bool start = w->depth <= 1;
    if (len)
        *len = start ? 0 : w->path.len - w->name_at;
    return start || !w->path.data ? "" : w->path.data + w->name_at;
}

unsigned regf_walk_depth(const regf_walker *w)
{
    return w->depth ? w->depth - 1 : 0;
}

int regf_walk_values(regf_walker *w, regf_off key, regf_offlist *out, kb_error *err)
{
    if (regf_key_values(w->h, key, out, err) != 0)
        return -1;
    for (size_t i = 0; i < out->n; i++)
        if (!mark_visited(w, out->v[i]))
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: key at offset 0x%x: value at offset 0x%x is listed twice (loop)",
                                w->h->name, key, out->v[i]);
    return 0;
}

int regf_walk_value_data(regf_walker *w, regf_off value, kb_buf *scratch, const uint8_t **data,
                         uint32_t *len, kb_error *err)
{
    if (regf_value_data(w->h, value, scratch, data, len, err) != 0)
        return -1;
    if (*len > w->data_left)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: value at offset 0x%x: value data read in this walk exceeds twice the hive size (%u bytes): data cells shared between values (loop)",
                            w->h->name, value, w->h->bins_size);
    w->data_left -= *len;
    return 0;
}

void regf_walk_end(regf_walker *w)
{
    if (w == NULL)
        return;
    if (w->frames)
        for (unsigned i = 0; i <= REGF_MAX_DEPTH; i++)
            regf_offlist_free(&w->frames[i].kids);
    free(w->frames);
    free(w->visited);
    kb_buf_free(&w->path);
    free(w);
}
