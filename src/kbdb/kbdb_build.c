/* Turning a schema-valid document into the plain structs of kbaudit/kbdb.h. The schema
 * fixed the structure and the syntax of every value; this file still checks what a
 * pattern cannot (calendar dates, version parts <= 65535, KB numbers that fit 32 bits),
 * bounds every count, and resolves source references. Nothing of libxml2 survives. */
#include "kbdb_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
    kbdb *db;
    kb_error *err;
    const kbdb_source **source_order;   /* db->sources sorted by id, for lookups */
} builder;

static int fail(builder *b, const xmlNode *n, const char *fmt, ...) KB_PRINTF(3, 4);
static int fail(builder *b, const xmlNode *n, const char *fmt, ...)
{
    char msg[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kb_error_set(b->err, KB_ERR_FORMAT, "%s: line %ld: %s", b->db->name, n ? xmlGetLineNo(n) : 0L, msg);
}

static int nomem(builder *b)
{
    return kb_error_set(b->err, KB_ERR_NOMEM, "%s: out of memory", b->db->name);
}

static int is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *first_el(const xmlNode *parent)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

static xmlNode *next_el(const xmlNode *n)
{
    for (xmlNode *c = n->next; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

/* A copy of s with leading/trailing white space removed and inner runs collapsed to one
 * space (the file may wrap long text over lines). */
static char *collapse(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    int space = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = 0;
        out[o++] = *p;
    }
    out[o] = '\0';
    return out;
}

/* Element text or attribute value, collapsed, as our own allocation (NULL + error on OOM). */
static int text_of(builder *b, const xmlNode *n, char **out)
{
    xmlChar *t = xmlNodeGetContent(n);
    *out = t ? collapse((const char *)t) : collapse("");
    xmlFree(t);
    return *out ? 0 : nomem(b);
}

static int attr_of(builder *b, const xmlNode *n, const char *name, char **out)
{
    *out = NULL;
    xmlChar *t = xmlGetProp(n, (const xmlChar *)name);
    if (t == NULL)
        return 0;
    *out = collapse((const char *)t);
    xmlFree(t);
    return *out ? 0 : nomem(b);
}

/* Attribute compared with a literal; absent counts as "not equal". */
static int attr_is(const xmlNode *n, const char *name, const char *value)
{
    xmlChar *t = xmlGetProp(n, (const xmlChar *)name);
    int r = t && strcmp((const char *)t, value) == 0;
    xmlFree(t);
    return r;
}

static int unconfirmed(const xmlNode *n)
{
    return attr_is(n, "confidence", "unconfirmed");
}

static int parse_kb_text(builder *b, const xmlNode *n, const char *s, uint32_t *kb)
{
    if (kbdb_parse_kb(s, kb) != 0)
        return fail(b, n, "\"%s\" is not a KB number (KB followed by 1 to 9 digits)", s);
    return 0;
}

static int days_in_month(unsigned y, unsigned m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static int parse_date(builder *b, const xmlNode *n, const char *s, kbdb_date *d)
{
    unsigned y = 0, m = 0, day = 0;
    int used = 0;
    size_t len = strlen(s);
    if (len == 10 && sscanf(s, "%4u-%2u-%2u%n", &y, &m, &day, &used) == 3 && used == 10) {
        /* full date */
    } else if (len == 7 && sscanf(s, "%4u-%2u%n", &y, &m, &used) == 2 && used == 7) {
        day = 0;
    } else {
        return fail(b, n, "date \"%s\" is not YYYY-MM-DD or YYYY-MM", s);
    }
    if (y < 1990 || y > 2099 || m < 1 || m > 12)
        return fail(b, n, "date \"%s\" is out of range", s);
    if (day > (unsigned)days_in_month(y, m))
        return fail(b, n, "date \"%s\" does not exist (%u-%02u has %d days)", s, y, m, days_in_month(y, m));
    d->year = (uint16_t)y;
    d->month = (uint8_t)m;
    d->day = (uint8_t)day;
    return 0;
}

static int parse_version(builder *b, const xmlNode *n, const char *s, uint16_t v[4])
{
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)*p))
            return fail(b, n, "version \"%s\" is not a.b.c.d", s);
        unsigned long x = 0;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            x = x * 10 + (unsigned long)(*p++ - '0');
            if (++digits > 5 || x > 65535)
                return fail(b, n, "version \"%s\": part %d is larger than 65535", s, i + 1);
        }
        v[i] = (uint16_t)x;
        if (i < 3 && *p++ != '.')
            return fail(b, n, "version \"%s\" is not a.b.c.d", s);
    }
    if (*p != '\0')
        return fail(b, n, "version \"%s\" is not a.b.c.d", s);
    return 0;
}

static int parse_kind(builder *b, const xmlNode *n, const char *s, kbdb_kind *k)
{
    if (kbdb_kind_from_name(s, k) != 0)
        return fail(b, n, "unknown kind \"%s\"", s);
    return 0;
}

/* Sources are looked up by id through an array of pointers sorted by id. */
static int cmp_source_ptr(const void *pa, const void *pb)
{
    const kbdb_source *a = *(const kbdb_source *const *)pa, *bb = *(const kbdb_source *const *)pb;
    int c = strcmp(a->id, bb->id);
    return c ? c : (a < bb ? -1 : a > bb);   /* equal ids keep document order */
}

static const kbdb_source *find_source(builder *b, const char *id)
{
    size_t lo = 0, hi = b->db->nsources;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, b->source_order[mid]->id);
        if (c == 0) {
            /* the first of equal ids, so duplicates resolve the same way every time */
            while (mid > 0 && strcmp(b->source_order[mid - 1]->id, id) == 0)
                mid--;
            return b->source_order[mid];
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Counts the element children named `name`, failing past `max`. */
static int count_children(builder *b, const xmlNode *parent, const char *name, size_t max, size_t *count)
{
    size_t n = 0;
    for (xmlNode *c = first_el(parent); c; c = next_el(c))
        if (is(c, name) && ++n > max)
            return fail(b, c, "more than %zu <%s> elements here", max, name);
    *count = n;
    return 0;
}

static int build_sources(builder *b, const xmlNode *list)
{
    size_t n;
    if (count_children(b, list, "source", KBDB_MAX_SOURCES, &n) != 0)
        return -1;
    kbdb *db = b->db;
    db->sources = calloc(n ? n : 1, sizeof *db->sources);
    b->source_order = calloc(n ? n : 1, sizeof *b->source_order);
    if (db->sources == NULL || b->source_order == NULL)
        return nomem(b);
    for (xmlNode *c = first_el(list); c; c = next_el(c)) {
        if (!is(c, "source"))
            continue;
        kbdb_source *s = &db->sources[db->nsources];
        b->source_order[db->nsources] = s;
        db->nsources++;
        char *grade = NULL;
        if (attr_of(b, c, "id", &s->id) != 0 || attr_of(b, c, "href", &s->href) != 0 ||
            attr_of(b, c, "grade", &grade) != 0 || text_of(b, c, &s->text) != 0) {
            free(grade);
            return -1;
        }
        s->grade = grade && grade[0] ? grade[0] : '?';
        free(grade);
        if (s->id == NULL)
            return fail(b, c, "<source> without an id");
    }
    qsort(b->source_order, db->nsources, sizeof *b->source_order, cmp_source_ptr);
    return 0;
}

/* The <source ref="..."/> children of an entry, resolved. */
static int build_source_refs(builder *b, const xmlNode *entry, const char *what, const kbdb_source ***out,
                             size_t *count)
{
    size_t n;
    if (count_children(b, entry, "source", KBDB_MAX_REFS, &n) != 0)
        return -1;
    *out = calloc(n ? n : 1, sizeof **out);
    if (*out == NULL)
        return nomem(b);
    *count = 0;
    for (xmlNode *c = first_el(entry); c; c = next_el(c)) {
        if (!is(c, "source"))
            continue;
        char *ref = NULL;
        if (attr_of(b, c, "ref", &ref) != 0)
            return -1;
        const kbdb_source *s = ref ? find_source(b, ref) : NULL;
        if (s == NULL) {
            fail(b, c, "%s cites source \"%s\", which <sources> does not define", what, ref ? ref : "");
            free(ref);
            return -1;
        }
        free(ref);
        (*out)[(*count)++] = s;
    }
    return 0;
}

static int add_note(builder *b, kbdb_update *u, const char *field, const xmlNode *n, const char *attr)
{
    char *t = NULL;
    if (attr ? attr_of(b, n, attr, &t) : text_of(b, n, &t))
        return -1;
    if (t == NULL)
        return 0;
    if (u->nnotes >= u->notes_cap) {   /* cannot happen: build_update sized the array */
        free(t);
        return fail(b, n, "KB%u: too many notes", (unsigned)u->kb);
    }
    u->notes[u->nnotes].field = field;
    u->notes[u->nnotes].text = t;
    u->nnotes++;
    return 0;
}

/* Field names for notes, as literals that outlive the document. */
static const char *field_name(const xmlNode *n)
{
    static const char *const names[] = {"title",  "released", "arch", "supersedes", "prerequisites",
                                        "reboot", "build",    "kernel", "file",     "esu"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (is(n, names[i]))
            return names[i];
    return NULL;
}

/* <supersedes> or <prerequisites>: a list of <kb> and (prerequisites only) <kind>. */
static int build_refs(builder *b, kbdb_update *u, const xmlNode *list, kbdb_ref **out, size_t *count)
{
    size_t nkb, nkind;
    if (count_children(b, list, "kb", KBDB_MAX_REFS, &nkb) != 0 ||
        count_children(b, list, "kind", KBDB_MAX_REFS, &nkind) != 0)
        return -1;
    *out = calloc(nkb + nkind ? nkb + nkind : 1, sizeof **out);
    if (*out == NULL)
        return nomem(b);
    *count = 0;
    int list_unconfirmed = unconfirmed(list);
    for (xmlNode *c = first_el(list); c; c = next_el(c)) {
        kbdb_ref *r = &(*out)[*count];
        char *t = NULL;
        if (text_of(b, c, &t) != 0)
            return -1;
        int rc = 0;
        if (is(c, "kb")) {
            rc = parse_kb_text(b, c, t, &r->kb);
            r->outside = attr_is(c, "outside", "true");
        } else if (is(c, "kind")) {
            rc = parse_kind(b, c, t, &r->kind);
            r->latest = attr_is(c, "latest", "true");
        } else {
            free(t);
            continue;
        }
        free(t);
        if (rc != 0)
            return -1;
        r->unconfirmed = list_unconfirmed || unconfirmed(c);
        (*count)++;
        if (add_note(b, u, field_name(list), c, "note") != 0)
            return -1;
    }
    return 0;
}

/* The `sources="S5 S52"` attribute of a <kernel> or <file>: the value's own sources. Absent
 * in files written before thresholds carried them; then the entry's sources stand in. */
static int build_value_sources(builder *b, const xmlNode *n, const kbdb_source ***out, size_t *count)
{
    char *t = NULL;
    *out = NULL;
    *count = 0;
    if (attr_of(b, n, "sources", &t) != 0)
        return -1;
    if (t == NULL)
        return 0;
    size_t max = 1;
    for (const char *p = t; *p; p++)
        max += *p == ' ';
    *out = calloc(max, sizeof **out);
    if (*out == NULL) {
        free(t);
        return nomem(b);
    }
    int rc = 0;
    for (char *tok = strtok(t, " "); tok && rc == 0; tok = strtok(NULL, " ")) {
        const kbdb_source *s = find_source(b, tok);
        if (s == NULL)
            rc = fail(b, n, "a threshold cites source \"%s\", which <sources> does not define", tok);
        else if (*count >= KBDB_MAX_REFS)
            rc = fail(b, n, "more than %u sources on one threshold", KBDB_MAX_REFS);
        else
            (*out)[(*count)++] = s;
    }
    free(t);
    return rc;
}

/* The `arch="x86"` attribute of a <kernel> or <file>; absent: every architecture. */
static int build_value_archs(builder *b, const xmlNode *n, unsigned *archs)
{
    char *t = NULL;
    *archs = 0;
    if (attr_of(b, n, "arch", &t) != 0)
        return -1;
    if (t == NULL)
        return 0;
    int rc = 0;
    for (char *tok = strtok(t, " "); tok && rc == 0; tok = strtok(NULL, " ")) {
        if (strcmp(tok, "x86") == 0)
            *archs |= KBDB_ARCH_X86;
        else if (strcmp(tok, "x64") == 0)
            *archs |= KBDB_ARCH_X64;
        else if (strcmp(tok, "ia64") == 0)
            *archs |= KBDB_ARCH_IA64;
        else
            rc = fail(b, n, "unknown architecture \"%s\"", tok);
    }
    free(t);
    return rc;
}

static int build_file(builder *b, kbdb_update *u, const xmlNode *n)
{
    kbdb_file *f = &u->files[u->nfiles];
    char *v = NULL;
    if (attr_of(b, n, "name", &f->name) != 0 || attr_of(b, n, "version", &v) != 0)
        return -1;
    u->nfiles++;   /* counted now so kbdb_free releases the name even on failure below */
    int rc = v ? parse_version(b, n, v, f->version) : fail(b, n, "<file> without a version");
    free(v);
    f->marker = attr_is(n, "role", "marker");
    f->threshold = attr_is(n, "basis", "threshold");
    f->unconfirmed = unconfirmed(n);
    if (rc == 0)
        rc = build_value_sources(b, n, &f->sources, &f->nsources);
    if (rc == 0)
        rc = build_value_archs(b, n, &f->archs);
    return rc;
}

static int build_arch(builder *b, kbdb_update *u, const xmlNode *n)
{
    char *t = NULL;
    if (text_of(b, n, &t) != 0)
        return -1;
    for (char *tok = strtok(t, " "); tok; tok = strtok(NULL, " ")) {
        if (strcmp(tok, "x86") == 0)
            u->archs |= KBDB_ARCH_X86;
        else if (strcmp(tok, "x64") == 0)
            u->archs |= KBDB_ARCH_X64;
        else if (strcmp(tok, "ia64") == 0)
            u->archs |= KBDB_ARCH_IA64;
        else {
            fail(b, n, "unknown architecture \"%s\"", tok);
            free(t);
            return -1;
        }
    }
    free(t);
    return 0;
}

static int build_yesno(builder *b, const xmlNode *n, kbdb_tristate *out)
{
    char *t = NULL;
    if (text_of(b, n, &t) != 0)
        return -1;
    int rc = 0;
    if (strcmp(t, "yes") == 0)
        *out = KBDB_YES;
    else if (strcmp(t, "no") == 0)
        *out = KBDB_NO;
    else
        rc = fail(b, n, "\"%s\" is neither yes nor no", t);
    free(t);
    return rc;
}

/* One field element of an <update>. */
static int build_field(builder *b, kbdb_update *u, const xmlNode *c)
{
    unsigned flag = 0;
    int rc = 0;
    char *t = NULL;
    if (is(c, "title")) {
        if (u->title)
            return fail(b, c, "KB%u: a second <title>", (unsigned)u->kb);
        rc = text_of(b, c, &u->title);
        flag = KBDB_U_TITLE;
    } else if (is(c, "released")) {
        rc = text_of(b, c, &t) || parse_date(b, c, t, &u->date);
        flag = KBDB_U_DATE;
    } else if (is(c, "arch")) {
        rc = build_arch(b, u, c);
        flag = KBDB_U_ARCH;
    } else if (is(c, "supersedes")) {
        if (u->has_supersedes)
            return fail(b, c, "KB%u: a second <supersedes>", (unsigned)u->kb);
        u->has_supersedes = true;
        rc = build_refs(b, u, c, &u->supersedes, &u->nsupersedes);
        flag = KBDB_U_SUPERSEDES;
    } else if (is(c, "prerequisites")) {
        if (u->has_prerequisites)
            return fail(b, c, "KB%u: a second <prerequisites>", (unsigned)u->kb);
        u->has_prerequisites = true;
        rc = build_refs(b, u, c, &u->prerequisites, &u->nprerequisites);
        flag = KBDB_U_PREREQUISITES;
    } else if (is(c, "reboot")) {
        rc = build_yesno(b, c, &u->reboot);
        flag = KBDB_U_REBOOT;
    } else if (is(c, "esu")) {
        rc = build_yesno(b, c, &u->esu);
        flag = KBDB_U_ESU;
    } else if (is(c, "build")) {
        rc = text_of(b, c, &t);
        if (rc == 0) {
            char *end = NULL;
            unsigned long v = strtoul(t, &end, 10);
            if (end == t || *end || v < 6000 || v > 6999)
                rc = fail(b, c, "build \"%s\" is not a number from 6000 to 6999", t);
            u->build = (uint16_t)v;
        }
        flag = KBDB_U_BUILD;
    } else if (is(c, "kernel")) {
        rc = attr_of(b, c, "version", &t);
        if (rc == 0)
            rc = t ? parse_version(b, c, t, u->kernel) : fail(b, c, "<kernel> without a version");
        u->has_kernel = rc == 0;
        u->kernel_threshold = attr_is(c, "basis", "threshold");
        if (rc == 0)
            rc = build_value_sources(b, c, &u->kernel_sources, &u->nkernel_sources);
        if (rc == 0)
            rc = build_value_archs(b, c, &u->kernel_archs);
        flag = KBDB_U_KERNEL;
    } else if (is(c, "file")) {
        rc = build_file(b, u, c);
    } else if (is(c, "note")) {
        return add_note(b, u, NULL, c, NULL);
    } else if (is(c, "source")) {
        return 0;   /* resolved by build_source_refs */
    } else {
        return fail(b, c, "KB%u: unexpected element <%s>", (unsigned)u->kb, (const char *)c->name);
    }
    free(t);
    if (rc != 0)
        return -1;
    if (flag && unconfirmed(c))
        u->unconfirmed |= flag;
    /* a field's note attribute is kept, named after the field */
    return add_note(b, u, field_name(c), c, "note");
}

static int build_update(builder *b, kbdb_update *u, const xmlNode *n)
{
    char *t = NULL;
    if (attr_of(b, n, "kb", &t) != 0)
        return -1;
    int rc = t ? parse_kb_text(b, n, t, &u->kb) : fail(b, n, "<update> without a kb attribute");
    free(t);
    if (rc != 0 || attr_of(b, n, "kind", &t) != 0)
        return -1;
    rc = t ? parse_kind(b, n, t, &u->kind) : fail(b, n, "KB%u: no kind", (unsigned)u->kb);
    free(t);
    if (rc != 0)
        return -1;
    if (attr_is(n, "kind-confidence", "unconfirmed"))
        u->unconfirmed |= KBDB_U_KIND;
    /* A note can come from each child and grandchild element: size the arrays for that. */
    size_t nfiles = 0, nnotes = 0;
    for (xmlNode *c = first_el(n); c; c = next_el(c)) {
        nnotes++;
        nfiles += is(c, "file");
        for (xmlNode *g = first_el(c); g; g = next_el(g))
            nnotes++;
        if (nnotes > 4 * KBDB_MAX_REFS || nfiles > KBDB_MAX_REFS)
            return fail(b, c, "KB%u has too many elements (at most %u files and %u elements in all)",
                        (unsigned)u->kb, KBDB_MAX_REFS, 4 * KBDB_MAX_REFS);
    }
    u->notes = calloc(nnotes ? nnotes : 1, sizeof *u->notes);
    u->files = calloc(nfiles ? nfiles : 1, sizeof *u->files);
    u->notes_cap = nnotes;
    if (u->notes == NULL || u->files == NULL)
        return nomem(b);
    for (xmlNode *c = first_el(n); c; c = next_el(c))
        if (build_field(b, u, c) != 0)
            return -1;
    char what[32];
    snprintf(what, sizeof what, "KB%u", (unsigned)u->kb);
    if (build_source_refs(b, n, what, &u->sources, &u->nsources) != 0)
        return -1;
    if (u->nsources == 0)
        return fail(b, n, "KB%u cites no source", (unsigned)u->kb);
    const kbdb_source *s = u->sources[0];
    for (size_t i = 0; i < u->nsources; i++)
        if (u->sources[i]->href) {
            s = u->sources[i];
            break;
        }
    u->source = s->href ? s->href : s->text;
    return 0;
}

static int build_updates(builder *b, const xmlNode *list)
{
    size_t n;
    if (count_children(b, list, "update", KBDB_MAX_UPDATES, &n) != 0)
        return -1;
    kbdb *db = b->db;
    db->updates = calloc(n ? n : 1, sizeof *db->updates);
    if (db->updates == NULL)
        return nomem(b);
    for (xmlNode *c = first_el(list); c; c = next_el(c)) {
        if (!is(c, "update"))
            continue;
        if (build_update(b, &db->updates[db->nupdates++], c) != 0)
            return -1;
    }
    return 0;
}

static int build_requirement(builder *b, kbdb_requirement *r, const xmlNode *n)
{
    char *t = NULL;
    int rc = 0;
    if (attr_of(b, n, "id", &r->id) != 0 || attr_of(b, n, "kb", &t) != 0)
        return -1;
    rc = t ? parse_kb_text(b, n, t, &r->kb) : fail(b, n, "<requirement> without a kb");
    free(t);
    t = NULL;
    if (rc != 0 || attr_of(b, n, "kind", &t) != 0)
        return -1;
    rc = t ? parse_kind(b, n, t, &r->kind) : fail(b, n, "<requirement> without a kind");
    free(t);
    t = NULL;
    if (rc != 0 || attr_of(b, n, "order", &t) != 0)
        return -1;
    char *end = NULL;
    unsigned long order = t ? strtoul(t, &end, 10) : 0;
    if (t == NULL || end == t || *end || order < 1 || order > 255)
        rc = fail(b, n, "requirement order \"%s\" is not 1..255", t ? t : "");
    free(t);
    t = NULL;
    if (rc != 0)
        return -1;
    r->order = (unsigned)order;
    r->accept_later = attr_is(n, "accept-later", "true");
    r->order_unconfirmed = attr_is(n, "order-confidence", "unconfirmed");
    if (attr_of(b, n, "min-kernel", &t) != 0)
        return -1;
    if (t) {
        rc = parse_version(b, n, t, r->min_kernel);
        r->has_min_kernel = rc == 0;
        free(t);
        if (rc != 0)
            return -1;
    }
    size_t nnotes;
    if (count_children(b, n, "note", KBDB_MAX_REFS, &nnotes) != 0)
        return -1;
    r->notes = calloc(nnotes ? nnotes : 1, sizeof *r->notes);
    if (r->notes == NULL)
        return nomem(b);
    for (xmlNode *c = first_el(n); c; c = next_el(c)) {
        if (is(c, "text")) {
            if (r->text != NULL)
                return fail(b, c, "a second <text>");
            if (text_of(b, c, &r->text) != 0)
                return -1;
        } else if (is(c, "note")) {
            if (text_of(b, c, &r->notes[r->nnotes]) != 0)
                return -1;
            r->nnotes++;
        }
    }
    char what[64];
    snprintf(what, sizeof what, "requirement \"%s\"", r->id ? r->id : "");
    return build_source_refs(b, n, what, &r->sources, &r->nsources);
}

static int cmp_requirement(const void *pa, const void *pb)
{
    const kbdb_requirement *a = pa, *bb = pb;
    return a->order < bb->order ? -1 : a->order > bb->order;
}

static int build_baseline(builder *b, const xmlNode *n)
{
    kbdb *db = b->db;
    size_t count;
    if (attr_of(b, n, "id", &db->baseline_id) != 0 ||
        count_children(b, n, "requirement", KBDB_MAX_REQUIREMENTS, &count) != 0)
        return -1;
    db->baseline = calloc(count ? count : 1, sizeof *db->baseline);
    if (db->baseline == NULL)
        return nomem(b);
    for (xmlNode *c = first_el(n); c; c = next_el(c)) {
        if (is(c, "title") && text_of(b, c, &db->baseline_title) != 0)
            return -1;
        if (is(c, "requirement") && build_requirement(b, &db->baseline[db->nbaseline++], c) != 0)
            return -1;
    }
    /* stable enough: equal orders are a problem kbdb_check reports */
    qsort(db->baseline, db->nbaseline, sizeof *db->baseline, cmp_requirement);
    return 0;
}

/* db->by_kb: indexes of the updates sorted by KB number (document order among equals,
 * which kbdb_check reports as duplicates). */
typedef struct kb_slot {
    uint32_t kb;
    size_t index;
} kb_slot;

static int cmp_slot(const void *pa, const void *pb)
{
    const kb_slot *a = pa, *bb = pb;
    if (a->kb != bb->kb)
        return a->kb < bb->kb ? -1 : 1;
    return a->index < bb->index ? -1 : a->index > bb->index;
}

static int build_index(builder *b)
{
    kbdb *db = b->db;
    size_t n = db->nupdates;
    kb_slot *slots = calloc(n ? n : 1, sizeof *slots);
    db->by_kb = calloc(n ? n : 1, sizeof *db->by_kb);
    if (slots == NULL || db->by_kb == NULL) {
        free(slots);
        return nomem(b);
    }
    for (size_t i = 0; i < n; i++)
        slots[i] = (kb_slot){db->updates[i].kb, i};
    qsort(slots, n, sizeof *slots, cmp_slot);
    for (size_t i = 0; i < n; i++)
        db->by_kb[i] = slots[i].index;
    free(slots);
    return 0;
}

int kbdb_build(xmlDocPtr doc, kbdb *db, kb_error *err)
{
    builder b = {db, err, NULL};
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = 0;
    if (root == NULL || !is(root, "kbdb")) {
        rc = fail(&b, root, "the root element is not <kbdb>");
        goto out;
    }
    if (attr_of(&b, root, "platform", &db->platform) != 0) {
        rc = -1;
        goto out;
    }
    /* sources first: everything else refers to them */
    for (xmlNode *c = first_el(root); c && rc == 0; c = next_el(c))
        if (is(c, "sources"))
            rc = build_sources(&b, c);
    if (rc == 0 && db->sources == NULL)
        rc = fail(&b, root, "no <sources>");
    for (xmlNode *c = first_el(root); c && rc == 0; c = next_el(c)) {
        if (is(c, "baseline"))
            rc = build_baseline(&b, c);
        else if (is(c, "updates"))
            rc = build_updates(&b, c);
    }
    if (rc == 0)
        rc = build_index(&b);
out:
    free((void *)b.source_order);
    return rc;
}
