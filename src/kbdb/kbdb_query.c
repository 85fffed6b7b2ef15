/* Questions asked of a loaded database: lookups, supersedence, newest of a kind, and the
 * small vocabularies (kind names, dates, versions). */
#include "kbdb_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[KBDB_KIND_COUNT] = {
    "none", "ssu", "sha2", "rollup", "preview-rollup", "security-only", "esu-prep", "other",
};

const char *kbdb_kind_name(kbdb_kind kind)
{
    return (unsigned)kind < KBDB_KIND_COUNT ? kind_names[kind] : "none";
}

int kbdb_kind_from_name(const char *name, kbdb_kind *kind)
{
    for (unsigned i = 1; i < KBDB_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (kbdb_kind)i;
            return 0;
        }
    return -1;
}

const char *kbdb_tristate_name(kbdb_tristate t)
{
    return t == KBDB_YES ? "yes" : t == KBDB_NO ? "no" : "unknown";
}

int kbdb_parse_kb(const char *s, uint32_t *kb)
{
    if (strncasecmp(s, "KB", 2) == 0)
        s += 2;
    if (*s < '1' || *s > '9')
        return -1;
    uint64_t v = 0;
    int digits = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s) || ++digits > 9)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *kb = (uint32_t)v;
    return 0;
}

int kbdb_date_cmp(kbdb_date a, kbdb_date b)
{
    uint32_t ka = (uint32_t)a.year << 16 | (uint32_t)a.month << 8 | a.day;
    uint32_t kb = (uint32_t)b.year << 16 | (uint32_t)b.month << 8 | b.day;
    return ka < kb ? -1 : ka > kb;
}

int kbdb_date_maybe_before(kbdb_date a, kbdb_date b)
{
    if (a.year == 0 || b.year == 0)
        return 1;
    if (a.day == 0 || b.day == 0) {   /* month precision: the same month may be earlier */
        kbdb_date ma = {a.year, a.month, 0}, mb = {b.year, b.month, 0};
        return kbdb_date_cmp(ma, mb) <= 0;
    }
    return kbdb_date_cmp(a, b) < 0;
}

int kbdb_version_cmp(const uint16_t a[4], const uint16_t b[4])
{
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* Index of the first update with this KB in db->by_kb order, or -1. */
static long find_index(const kbdb *db, uint32_t kb)
{
    size_t lo = 0, hi = db->nupdates;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->updates[db->by_kb[mid]].kb < kb)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < db->nupdates && db->updates[db->by_kb[lo]].kb == kb)
        return (long)db->by_kb[lo];
    return -1;
}

const kbdb_update *kbdb_find(const kbdb *db, uint32_t kb)
{
    long i = db ? find_index(db, kb) : -1;
    return i < 0 ? NULL : &db->updates[i];
}

/* Depth-first walk down supersedes links from `newer`, with an explicit stack and a
 * visited set, so cycles and long chains in a hostile file cost O(updates + links). */
static bool supersedes(const kbdb *db, uint32_t newer, uint32_t older, bool any)
{
    long start = find_index(db, newer);
    if (start < 0 || newer == older)
        return false;
    size_t n = db->nupdates;
    unsigned char *seen = calloc(n, 1);
    size_t *stack = malloc(n * sizeof *stack);
    bool found = false;
    if (seen == NULL || stack == NULL)
        goto out;
    size_t top = 0;
    stack[top++] = (size_t)start;
    seen[start] = 1;
    while (top > 0 && !found) {
        const kbdb_update *u = &db->updates[stack[--top]];
        for (size_t i = 0; i < u->nsupersedes; i++) {
            const kbdb_ref *r = &u->supersedes[i];
            if (r->kb == 0 || (r->unconfirmed && !any))
                continue;
            if (r->kb == older) {
                found = true;
                break;
            }
            long j = find_index(db, r->kb);
            if (j >= 0 && !seen[j]) {
                seen[j] = 1;
                stack[top++] = (size_t)j;   /* each update pushed once: top <= n */
            }
        }
    }
out:
    free(seen);
    free(stack);
    return found;
}

bool kbdb_supersedes_transitively(const kbdb *db, uint32_t newer, uint32_t older)
{
    return db != NULL && supersedes(db, newer, older, false);
}

bool kbdb_supersedes_transitively_any(const kbdb *db, uint32_t newer, uint32_t older)
{
    return db != NULL && supersedes(db, newer, older, true);
}

static const kbdb_update *newest(const kbdb *db, bool any_kind, kbdb_kind kind)
{
    const kbdb_update *best = NULL;
    for (size_t i = 0; db && i < db->nupdates; i++) {
        const kbdb_update *u = &db->updates[i];
        if ((!any_kind && u->kind != kind) || u->date.year == 0)
            continue;
        /* ties (same day, e.g. an out-of-band update) go to the later entry in the file */
        if (best == NULL || kbdb_date_cmp(u->date, best->date) >= 0)
            best = u;
    }
    return best;
}

const kbdb_update *kbdb_newest_of_kind(const kbdb *db, kbdb_kind kind)
{
    return newest(db, false, kind);
}

const kbdb_update *kbdb_newest(const kbdb *db)
{
    return newest(db, true, KBDB_KIND_NONE);
}

static size_t add_distinct(const kbdb_source **seen, size_t n, const kbdb_source *const *add, size_t nadd)
{
    for (size_t i = 0; i < nadd; i++) {
        size_t k = 0;
        while (k < n && seen[k] != add[i])
            k++;
        if (k == n)
            seen[n++] = add[i];
    }
    return n;
}

size_t kbdb_threshold_sources(const kbdb_update *u)
{
    /* at most KBDB_MAX_REFS per threshold and per entry, so a bounded array suffices */
    const kbdb_source *seen[KBDB_MAX_REFS * 2];
    size_t n = 0;
    bool any = false, fallback = false;
    if (u->has_kernel && u->kernel_threshold) {
        any = true;
        if (u->nkernel_sources)
            n = add_distinct(seen, n, u->kernel_sources, u->nkernel_sources > KBDB_MAX_REFS ? KBDB_MAX_REFS : u->nkernel_sources);
        else
            fallback = true;
    }
    for (size_t i = 0; i < u->nfiles; i++) {
        const kbdb_file *f = &u->files[i];
        if (!f->marker || !f->threshold)
            continue;
        any = true;
        if (f->nsources && n < KBDB_MAX_REFS)
            n = add_distinct(seen, n, f->sources, f->nsources > KBDB_MAX_REFS - n ? KBDB_MAX_REFS - n : f->nsources);
        else if (f->nsources == 0)
            fallback = true;
    }
    if (fallback && n < KBDB_MAX_REFS)
        n = add_distinct(seen, n, u->sources, u->nsources > KBDB_MAX_REFS - n ? KBDB_MAX_REFS - n : u->nsources);
    return any ? n : 0;
}
