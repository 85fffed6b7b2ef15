/* Integrity of a loaded database — what the schema cannot say:
 *   - KB numbers and source ids are unique;
 *   - every referenced KB is described (unless marked outside="true", which then must not be);
 *   - no supersedence or prerequisite cycles (a KB superseding itself included);
 *   - a KB supersedes only KBs released before it;
 *   - ntoskrnl.exe versions never go down along the rollup chain (gaps without a kernel
 *     version are bridged), and a kernel version agrees with the entry's build;
 *   - two sources giving the same update's threshold for the same file and architecture
 *     give the same version (a disagreement is a problem, not something to pick from);
 *   - the baseline names described updates of the right kind, with unique ids and orders.
 * Every walk uses explicit stacks and visited sets: O(updates + references). */
#include "kbdb_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PROBLEMS 1000u   /* a hostile file could produce one per reference */

typedef struct checker {
    const kbdb *db;
    kbdb_problems *out;
    kb_error *err;
    size_t omitted;
    int failed;              /* out of memory */
    int final;               /* the closing "... more" line may pass the cap */
} checker;

static void problem(checker *c, uint32_t kb, const char *fmt, ...) KB_PRINTF(3, 4);
static void problem(checker *c, uint32_t kb, const char *fmt, ...)
{
    if (c->failed)
        return;
    if (c->out->count >= MAX_PROBLEMS && !c->final) {
        c->omitted++;
        return;
    }
    if (c->out->count == c->out->cap) {
        size_t cap = c->out->cap ? c->out->cap * 2 : 16;
        kbdb_problem *items = realloc(c->out->items, cap * sizeof *items);
        if (items == NULL) {
            c->failed = 1;
            return;
        }
        c->out->items = items;
        c->out->cap = cap;
    }
    char msg[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *copy = strdup(msg);
    if (copy == NULL) {
        c->failed = 1;
        return;
    }
    c->out->items[c->out->count++] = (kbdb_problem){kb, copy};
}

void kbdb_problems_free(kbdb_problems *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i].message);
    free(p->items);
    memset(p, 0, sizeof *p);
}

static long index_of(const kbdb *db, uint32_t kb)
{
    const kbdb_update *u = kbdb_find(db, kb);
    return u ? (long)(u - db->updates) : -1;
}

static void fmt_date(char *buf, size_t cap, kbdb_date d)
{
    if (d.day)
        snprintf(buf, cap, "%04u-%02u-%02u", d.year, d.month, d.day);
    else
        snprintf(buf, cap, "%04u-%02u", d.year, d.month);
}

static void fmt_version(char *buf, size_t cap, const uint16_t v[4])
{
    snprintf(buf, cap, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
}

static int cmp_source_id(const void *pa, const void *pb)
{
    const kbdb_source *a = *(const kbdb_source *const *)pa, *b = *(const kbdb_source *const *)pb;
    return strcmp(a->id, b->id);
}

static void check_unique(checker *c)
{
    const kbdb *db = c->db;
    for (size_t i = 1; i < db->nupdates; i++) {
        uint32_t kb = db->updates[db->by_kb[i]].kb;
        if (kb == db->updates[db->by_kb[i - 1]].kb && (i < 2 || db->updates[db->by_kb[i - 2]].kb != kb))
            problem(c, kb, "KB%u is described more than once", (unsigned)kb);
    }
    const kbdb_source **s = calloc(db->nsources ? db->nsources : 1, sizeof *s);
    if (s == NULL) {
        c->failed = 1;
        return;
    }
    for (size_t i = 0; i < db->nsources; i++)
        s[i] = &db->sources[i];
    qsort(s, db->nsources, sizeof *s, cmp_source_id);
    for (size_t i = 1; i < db->nsources; i++)
        if (strcmp(s[i]->id, s[i - 1]->id) == 0 && (i < 2 || strcmp(s[i - 2]->id, s[i]->id) != 0))
            problem(c, 0, "source id \"%s\" is defined more than once", s[i]->id);
    free((void *)s);
}

static void check_refs(checker *c, const kbdb_update *u, const kbdb_ref *refs, size_t n, const char *verb)
{
    for (size_t i = 0; i < n; i++) {
        const kbdb_ref *r = &refs[i];
        if (r->kb == 0)
            continue;   /* a reference by kind */
        const kbdb_update *t = kbdb_find(c->db, r->kb);
        if (r->kb == u->kb)
            continue;   /* reported as a cycle */
        if (t == NULL && !r->outside)
            problem(c, u->kb, "KB%u %s KB%u, which is not in the database", (unsigned)u->kb, verb, (unsigned)r->kb);
        else if (t != NULL && r->outside)
            problem(c, u->kb, "KB%u marks KB%u as outside the database, but it is described here", (unsigned)u->kb,
                    (unsigned)r->kb);
        if (t != NULL && strcmp(verb, "supersedes") == 0 && !kbdb_date_maybe_before(t->date, u->date)) {
            char du[16], dt[16];
            fmt_date(du, sizeof du, u->date);
            fmt_date(dt, sizeof dt, t->date);
            problem(c, u->kb, "KB%u (released %s) supersedes KB%u, which is not older (released %s)", (unsigned)u->kb,
                    du, (unsigned)t->kb, dt);
        }
    }
}

static void check_thresholds(checker *c, const kbdb_update *u);

static void check_update(checker *c, const kbdb_update *u)
{
    check_refs(c, u, u->supersedes, u->nsupersedes, "supersedes");
    check_refs(c, u, u->prerequisites, u->nprerequisites, "requires");
    for (size_t i = 0; i < u->nsupersedes; i++)
        if (u->supersedes[i].kb == 0)
            problem(c, u->kb, "KB%u supersedes a kind of update; only KB numbers can be superseded", (unsigned)u->kb);
    if (u->has_kernel && u->build && u->kernel[2] != u->build) {
        char v[32];
        fmt_version(v, sizeof v, u->kernel);
        problem(c, u->kb, "KB%u: build %u does not match its kernel version %s", (unsigned)u->kb, u->build, v);
    }
    check_thresholds(c, u);
}

/* One threshold of an update, ntoskrnl.exe's <kernel> included, for comparing sources. */
typedef struct threshold_view {
    const char *name;
    const uint16_t *version;
    unsigned archs;   /* 0: every architecture */
    const kbdb_source *const *sources;
    size_t nsources;
} threshold_view;

static threshold_view view_of(const kbdb_update *u, size_t i)
{
    if (u->has_kernel) {
        if (i == 0)
            return (threshold_view){"ntoskrnl.exe", u->kernel, u->kernel_archs, u->kernel_sources,
                                    u->nkernel_sources};
        i--;
    }
    const kbdb_file *f = &u->files[i];
    return (threshold_view){f->name, f->version, f->archs, f->sources, f->nsources};
}

static void sources_text(char *buf, size_t n, const threshold_view *t)
{
    size_t len = 0;
    buf[0] = '\0';
    if (t->nsources == 0)
        snprintf(buf, n, "the entry's sources");
    for (size_t i = 0; i < t->nsources && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? " " : "", t->sources[i]->id);
}

/* Thresholds for the same file of the same update (a shipped version is exact, so it is
 * compared only with another exact one): a database records what each source says, and
 * two sources disagreeing is a problem to resolve by hand, never averaged. Per update the
 * list is short (at most KBDB_MAX_REFS files), so pairs are compared directly. */
static void check_thresholds(checker *c, const kbdb_update *u)
{
    size_t n = u->nfiles + (u->has_kernel ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        threshold_view a = view_of(u, i);
        bool a_exact = u->has_kernel && i == 0 ? !u->kernel_threshold : !u->files[i - (u->has_kernel ? 1 : 0)].threshold;
        for (size_t j = i + 1; j < n; j++) {
            threshold_view b = view_of(u, j);
            bool b_exact = !u->files[j - (u->has_kernel ? 1 : 0)].threshold;
            if (a_exact != b_exact || strcasecmp(a.name, b.name) != 0)
                continue;
            if (a.archs && b.archs && (a.archs & b.archs) == 0)
                continue;   /* one value for x86, the other for x64 */
            if (kbdb_version_cmp(a.version, b.version) == 0)
                continue;
            char va[32], vb[32], sa[128], sb[128];
            fmt_version(va, sizeof va, a.version);
            fmt_version(vb, sizeof vb, b.version);
            sources_text(sa, sizeof sa, &a);
            sources_text(sb, sizeof sb, &b);
            problem(c, u->kb, "KB%u: sources disagree on %s: %s (%s) against %s (%s)", (unsigned)u->kb, a.name, va,
                    sa, vb, sb);
        }
    }
}

/* Edges of the graph being walked: supersedes or prerequisites links to described KBs. */
typedef struct graph {
    int prerequisites;
    const char *name;
} graph;

static size_t nedges(const kbdb_update *u, const graph *g)
{
    return g->prerequisites ? u->nprerequisites : u->nsupersedes;
}

static uint32_t edge(const kbdb_update *u, const graph *g, size_t i)
{
    return g->prerequisites ? u->prerequisites[i].kb : u->supersedes[i].kb;
}

static void report_cycle(checker *c, const graph *g, const size_t *stack, size_t top, size_t from)
{
    char path[KB_ERROR_MAX] = "";
    size_t len = 0, shown = 0;
    for (size_t k = from; k < top && len < sizeof path - 40; k++, shown++) {
        if (shown == 8) {
            len += (size_t)snprintf(path + len, sizeof path - len, " -> ...");
            break;
        }
        len += (size_t)snprintf(path + len, sizeof path - len, "KB%u -> ", (unsigned)c->db->updates[stack[k]].kb);
    }
    if (len < sizeof path - 16 && shown < 8)
        snprintf(path + len, sizeof path - len, "KB%u", (unsigned)c->db->updates[stack[from]].kb);
    problem(c, c->db->updates[stack[from]].kb, "%s cycle: %s", g->name, path);
}

/* Iterative depth-first search; reports each back edge as a cycle and, when `post` is
 * given, lists the updates children-first (the order the kernel check needs). */
static void walk(checker *c, const graph *g, size_t *post)
{
    const kbdb *db = c->db;
    size_t n = db->nupdates, npost = 0;
    unsigned char *color = calloc(n ? n : 1, 1);   /* 0 new, 1 on the stack, 2 done */
    size_t *stack = malloc((n ? n : 1) * sizeof *stack);
    size_t *next = calloc(n ? n : 1, sizeof *next);   /* per update: next edge to follow */
    if (color == NULL || stack == NULL || next == NULL) {
        c->failed = 1;
        goto out;
    }
    for (size_t root = 0; root < n; root++) {
        if (color[root])
            continue;
        size_t top = 0;
        stack[top++] = root;
        color[root] = 1;
        while (top > 0) {
            size_t v = stack[top - 1];
            const kbdb_update *u = &db->updates[v];
            if (next[v] < nedges(u, g)) {
                uint32_t kb = edge(u, g, next[v]++);
                long w = kb ? index_of(db, kb) : -1;
                if (w < 0)
                    continue;
                if (color[w] == 1) {
                    size_t from = top;
                    while (from > 0 && stack[from - 1] != (size_t)w)
                        from--;
                    report_cycle(c, g, stack, top, from ? from - 1 : 0);
                } else if (color[w] == 0) {
                    color[w] = 1;
                    stack[top++] = (size_t)w;   /* each update enters once: top <= n */
                }
                continue;
            }
            color[v] = 2;
            if (post)
                post[npost++] = v;
            top--;
        }
    }
out:
    free(color);
    free(stack);
    free(next);
}

/* Along rollup -> superseded rollup links, the newer kernel must not be lower. An entry
 * without a kernel version passes on the highest one below it, so gaps are bridged. */
static void check_kernels(checker *c, const size_t *post)
{
    const kbdb *db = c->db;
    size_t n = db->nupdates;
    uint16_t(*eff)[4] = calloc(n ? n : 1, sizeof *eff);
    uint32_t *eff_kb = calloc(n ? n : 1, sizeof *eff_kb);   /* 0: no effective kernel */
    if (eff == NULL || eff_kb == NULL) {
        c->failed = 1;
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        size_t v = post[k];
        const kbdb_update *u = &db->updates[v];
        if (u->kind != KBDB_KIND_ROLLUP)
            continue;
        long best = -1;
        for (size_t i = 0; i < u->nsupersedes; i++) {
            long w = u->supersedes[i].kb ? index_of(db, u->supersedes[i].kb) : -1;
            if (w < 0 || db->updates[w].kind != KBDB_KIND_ROLLUP || eff_kb[w] == 0)
                continue;
            if (best < 0 || kbdb_version_cmp(eff[w], eff[best]) > 0)
                best = w;
        }
        if (u->has_kernel) {
            if (best >= 0 && kbdb_version_cmp(u->kernel, eff[best]) < 0) {
                char a[32], b[32];
                fmt_version(a, sizeof a, u->kernel);
                fmt_version(b, sizeof b, eff[best]);
                problem(c, u->kb, "KB%u's ntoskrnl.exe %s is lower than %s of KB%u, which it supersedes",
                        (unsigned)u->kb, a, b, (unsigned)eff_kb[best]);
            }
            memcpy(eff[v], u->kernel, sizeof eff[v]);
            eff_kb[v] = u->kb;
        } else if (best >= 0) {
            memcpy(eff[v], eff[best], sizeof eff[v]);
            eff_kb[v] = eff_kb[best];
        }
    }
out:
    free(eff);
    free(eff_kb);
}

static void check_baseline(checker *c)
{
    const kbdb *db = c->db;
    if (db->nbaseline == 0)
        problem(c, 0, "the baseline has no requirement");
    for (size_t i = 0; i < db->nbaseline; i++) {
        const kbdb_requirement *r = &db->baseline[i];
        for (size_t j = 0; j < i; j++) {
            if (strcmp(db->baseline[j].id, r->id) == 0)
                problem(c, 0, "baseline requirement id \"%s\" is used twice", r->id);
            if (db->baseline[j].order == r->order)
                problem(c, 0, "baseline requirements \"%s\" and \"%s\" have the same order %u", db->baseline[j].id,
                        r->id, r->order);
        }
        const kbdb_update *u = kbdb_find(db, r->kb);
        if (u == NULL) {
            problem(c, r->kb, "baseline requirement \"%s\" names KB%u, which is not in the database", r->id,
                    (unsigned)r->kb);
            continue;
        }
        if (u->kind != r->kind)
            problem(c, r->kb, "baseline requirement \"%s\" is of kind %s but KB%u is %s", r->id,
                    kbdb_kind_name(r->kind), (unsigned)r->kb, kbdb_kind_name(u->kind));
        if (r->has_min_kernel && u->has_kernel && kbdb_version_cmp(u->kernel, r->min_kernel) < 0) {
            char a[32], b[32];
            fmt_version(a, sizeof a, r->min_kernel);
            fmt_version(b, sizeof b, u->kernel);
            problem(c, r->kb, "baseline requirement \"%s\" asks for ntoskrnl.exe %s but KB%u brings only %s", r->id, a,
                    (unsigned)r->kb, b);
        }
    }
}

int kbdb_check(const kbdb *db, kbdb_problems *out, kb_error *err)
{
    checker c = {db, out, err, 0, 0, 0};
    check_unique(&c);
    for (size_t i = 0; i < db->nupdates && !c.failed; i++)
        check_update(&c, &db->updates[i]);
    static const graph supersedence = {0, "supersedence"}, prerequisites = {1, "prerequisite"};
    size_t *post = malloc((db->nupdates ? db->nupdates : 1) * sizeof *post);
    if (post == NULL)
        c.failed = 1;
    if (!c.failed)
        walk(&c, &supersedence, post);
    if (!c.failed)
        walk(&c, &prerequisites, NULL);
    if (!c.failed)
        check_kernels(&c, post);
    free(post);
    if (!c.failed)
        check_baseline(&c);
    if (!c.failed && c.omitted) {
        c.final = 1;
        problem(&c, 0, "... and %zu more problems", c.omitted);
    }
    if (c.failed)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory while checking", db->name);
    return 0;
}
