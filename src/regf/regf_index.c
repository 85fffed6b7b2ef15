/* Sorted name indexes of big subkey lists: finding one child of a key with thousands of
 * subkeys (Component Based Servicing\Packages, read once per package) costs O(log n)
 * instead of a scan of the whole list, so reading every package is O(n log n), not O(n^2).
 *
 * Why not binary-search the lf/lh list itself: Windows keeps it sorted by upper-cased name,
 * but a damaged or hostile hive need not, and find_child's answer is defined by a scan in
 * list order: the first entry whose name matches (an lh entry whose hash differs is
 * skipped unread), a corrupt entry met before it being an error. The index gives that same
 * answer on any list, sorted or not:
 *  - it is built only from a list that one full scan reads without any error (every entry a
 *    valid nk with a valid name, the entries adding up to the key's subkey count), so no
 *    lookup in it could have met an error;
 *  - it holds every entry, sorted by (upper-cased name, position in the list): entries of
 *    equal names (duplicates, which Windows never writes) are tried in list order, each
 *    skipped when the scan would have skipped it for its hash.
 * A list the scan cannot read whole is never indexed: its lookups keep scanning, and report
 * what they always did.
 *
 * When: at the second lookup under a key of at least INDEX_MIN_SUBKEYS subkeys (a single
 * lookup is cheaper as a scan than as a sort). Memory: at most INDEX_BUDGET bytes for all
 * the indexes of a hive (CBS\Packages with 40,000 packages takes about 7 MiB); a key whose
 * index would pass it keeps scanning. A hostile hive sharing one list among many keys cannot
 * make more than that. */
#include "regf_internal.h"

#include <stdlib.h>

#include "kbaudit/utf.h"

#define INDEX_MIN_SUBKEYS 64
#define INDEX_BUDGET ((size_t)32 << 20)

typedef struct entry {
    const uint16_t *name;   /* upper-cased UTF-16 units, in the index's `names` */
    uint32_t units, pos;    /* name length; position in list order */
    regf_off child;
    uint32_t hash;          /* lh name hash when has_hash */
    bool has_hash;
} entry;

struct regf_index {
    entry *v;
    size_t n;
    uint16_t *names;
};

enum { SLOT_EMPTY, SLOT_SEEN, SLOT_BUILT, SLOT_FAILED };

typedef struct slot {
    regf_off key;
    uint32_t state;
    regf_index *ix;
} slot;

struct regf_index_cache {
    slot *slots;            /* open addressing by key offset, cap a power of two */
    size_t cap, used;
    size_t budget_left;     /* bytes */
};

/* ---- building --------------------------------------------------------------------------- */

typedef struct build_ctx {
    regf_index *ix;
    size_t cap, name_at_cap, nunits, units_cap;
    uint32_t *name_at;      /* where each entry's name starts in names (fixed up after) */
    size_t budget;
} build_ctx;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* The checks find_child's scan makes on an entry it reads (regf_key_stored_name), then the
 * entry is kept with its upper-cased name. */
static int build_visit(void *vctx, const regf_hive *h, regf_off child, uint32_t hash, bool has_hash,
                       kb_error *err)
{
    build_ctx *c = vctx;
    uint32_t n;
    bool compressed;
    const uint8_t *p = regf_key_stored_name(h, child, &n, &compressed, err);
    if (p == NULL)
        return -1;
    size_t units = compressed ? n : n / 2;
    size_t cost = sizeof(entry) + sizeof(uint32_t) + units * sizeof(uint16_t);
    if (cost > c->budget)
        return kb_error_set(err, KB_ERR_NOMEM, "index budget spent");
    c->budget -= cost;
    regf_index *ix = c->ix;
    if (grow((void **)&ix->v, &c->cap, ix->n + 1, sizeof *ix->v) != 0 ||
        grow((void **)&c->name_at, &c->name_at_cap, ix->n + 1, sizeof *c->name_at) != 0 ||
        grow((void **)&ix->names, &c->units_cap, c->nunits + units + 1, sizeof *ix->names) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < units; i++)
        ix->names[c->nunits + i] = kb_upcase16(compressed ? p[i] : rd16(p + 2 * i));
    c->name_at[ix->n] = (uint32_t)c->nunits;
    ix->v[ix->n] = (entry){NULL, (uint32_t)units, (uint32_t)ix->n, child, hash, has_hash};
    ix->n++;
    c->nunits += units;
    return 0;
}

static int cmp_units(const uint16_t *a, size_t an, const uint16_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int r = cmp_units(a->name, a->units, b->name, b->units);
    return r ? r : a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void index_free(regf_index *ix)
{
    if (ix) {
        free(ix->v);
        free(ix->names);
        free(ix);
    }
}

/* The index of KEY's list, or NULL when the list cannot be read whole or the budget is spent. */
static regf_index *build(const regf_hive *h, regf_off key, size_t *budget)
{
    build_ctx c = {calloc(1, sizeof(regf_index)), 0, 0, 0, 0, NULL, *budget};
    kb_error e = {0};
    if (c.ix == NULL || regf_for_each_subkey(h, key, build_visit, &c, &e) != 0) {
        free(c.name_at);
        index_free(c.ix);
        return NULL;
    }
    for (size_t i = 0; i < c.ix->n; i++)   /* the names no longer move */
        c.ix->v[i].name = c.ix->names + c.name_at[i];
    free(c.name_at);
    qsort(c.ix->v, c.ix->n, sizeof *c.ix->v, cmp_entry);
    *budget = c.budget;
    return c.ix;
}

/* ---- the cache ---------------------------------------------------------------------------- */

static size_t slot_of(const struct regf_index_cache *c, regf_off key)
{
    size_t i = (size_t)((key >> 3) * 2654435761u) & (c->cap - 1);
    while (c->slots[i].state != SLOT_EMPTY && c->slots[i].key != key)
        i = (i + 1) & (c->cap - 1);
    return i;
}

static int rehash(struct regf_index_cache *c)
{
    struct regf_index_cache n = *c;
    n.cap = c->cap ? c->cap * 2 : 16;
    n.slots = calloc(n.cap, sizeof *n.slots);
    if (n.slots == NULL)
        return -1;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].state != SLOT_EMPTY)
            n.slots[slot_of(&n, c->slots[i].key)] = c->slots[i];
    free(c->slots);
    *c = n;
    return 0;
}

static slot *find_slot(regf_hive *h, regf_off key)
{
    struct regf_index_cache *c = h->index;
    if (c == NULL) {
        if ((c = h->index = calloc(1, sizeof *c)) == NULL)
            return NULL;
        c->budget_left = INDEX_BUDGET;
    }
    if ((c->used + 1) * 2 > c->cap && rehash(c) != 0)
        return NULL;
    slot *s = &c->slots[slot_of(c, key)];
    if (s->state == SLOT_EMPTY) {
        s->key = key;
        c->used++;
    }
    return s;
}

const regf_index *regf_index_get(const regf_hive *h, regf_off key)
{
    regf_hive *m = regf_mutable(h);
    if (m->index_off || !regf_is_cell(h, key))
        return NULL;
    int32_t raw;
    memcpy(&raw, h->bins + key, 4);
    /* nk payload of at least NK_NAME bytes, "nk", and a big subkey count; else scan */
    if ((uint32_t)-raw < 4 + NK_NAME || h->bins[key + 4] != 'n' || h->bins[key + 5] != 'k' ||
        rd32(h->bins + key + 4 + NK_SUBKEYS) < INDEX_MIN_SUBKEYS)
        return NULL;
    slot *s = find_slot(m, key);
    if (s == NULL)
        return NULL;
    switch (s->state) {
    case SLOT_EMPTY:
        s->state = SLOT_SEEN;
        return NULL;
    case SLOT_SEEN:
        s->ix = build(h, key, &m->index->budget_left);
        s->state = s->ix ? SLOT_BUILT : SLOT_FAILED;
        return s->ix;
    default:
        return s->ix;
    }
}

regf_off regf_index_find(const regf_index *ix, const uint16_t *want, size_t want_len, uint32_t hash,
                         bool use_hash)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {   /* the first entry not below WANT */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_units(ix->v[mid].name, ix->v[mid].units, want, want_len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < ix->n && cmp_units(ix->v[lo].name, ix->v[lo].units, want, want_len) == 0; lo++)
        if (!use_hash || !ix->v[lo].has_hash || ix->v[lo].hash == hash)
            return ix->v[lo].child;
    return REGF_NONE;
}

void regf_index_free(regf_hive *h)
{
    struct regf_index_cache *c = h->index;
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->cap; i++)
        index_free(c->slots[i].ix);
    free(c->slots);
    free(c);
    h->index = NULL;
}
