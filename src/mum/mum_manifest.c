/* Package manifests (.mum): from the parsed tree to a mum_manifest. The layout is the one
 * in kb-facts.md §6.3 and the corpus (docs/mum.md):
 *
 *   assembly (urn:schemas-microsoft-com:asm.v3)  @description @supportInformation @creationTimeStamp
 *     assemblyIdentity                            @name @version @language @processorArchitecture @publicKeyToken
 *     package                                     @identifier @releaseType @restart
 *       parent / assemblyIdentity*
 *       update @name
 *         package / assemblyIdentity*             child packages
 *         component / assemblyIdentity*           components
 *
 * Elements are matched by namespace and local name, so a prefixed document reads the same.
 * Elements of other namespaces and unknown elements are skipped. A second assemblyIdentity
 * or package where one is expected is an error rather than a guess: two readers that pick
 * different ones would disagree about what is installed. The structure is fixed and shallow,
 * so plain loops walk it; nothing recurses on document depth. */
#include "mum_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const char *name;
    kb_error *err;
} reader;

static int fail_at(reader *r, xmlNodePtr n, const char *fmt, ...) KB_PRINTF(3, 4);
static int fail_at(reader *r, xmlNodePtr n, const char *fmt, ...)
{
    char msg[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long line = n ? xmlGetLineNo(n) : -1;
    if (line > 0)
        return kb_error_set(r->err, KB_ERR_FORMAT, "%s: line %ld: %s", r->name, line, msg);
    return kb_error_set(r->err, KB_ERR_FORMAT, "%s: %s", r->name, msg);
}

static bool in_ns(xmlNodePtr n)
{
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, MUM_NAMESPACE) == 0;
}

static bool is_el(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && in_ns(n) && strcmp((const char *)n->name, local) == 0;
}

/* Copies attribute `attr` (no namespace) of n into *out, NULL when absent. */
static int get_attr(reader *r, xmlNodePtr n, const char *attr, char **out)
{
    *out = NULL;
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
    if (v == NULL)
        return 0;
    size_t len = strlen((const char *)v);
    if (len > MUM_MAX_VALUE) {
        xmlFree(v);
        return fail_at(r, n, "attribute %s of <%s> is %zu bytes long, more than the %d-byte limit",
                       attr, (const char *)n->name, len, MUM_MAX_VALUE);
    }
    *out = malloc(len + 1);
    if (*out)
        memcpy(*out, v, len + 1);
    xmlFree(v);
    return *out ? 0 : kb_error_set(r->err, KB_ERR_NOMEM, "%s: out of memory", r->name);
}

static void identity_free(mum_identity *id)
{
    free(id->name);
    free(id->public_key_token);
    free(id->arch);
    free(id->language);
    free(id->version);
    memset(id, 0, sizeof *id);
}

static void list_free(mum_identity_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        identity_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int read_identity(reader *r, xmlNodePtr n, const char *where, mum_identity *id)
{
    memset(id, 0, sizeof *id);
    if (get_attr(r, n, "name", &id->name) || get_attr(r, n, "publicKeyToken", &id->public_key_token) ||
        get_attr(r, n, "processorArchitecture", &id->arch) || get_attr(r, n, "language", &id->language) ||
        get_attr(r, n, "version", &id->version)) {
        identity_free(id);
        return -1;
    }
    if (id->name == NULL || id->name[0] == '\0') {
        identity_free(id);
        return fail_at(r, n, "<assemblyIdentity> in %s has no name", where);
    }
    return 0;
}

/* Capacity for one more item in an array of `count` items that doubles at each power of
 * two; false past MUM_MAX_LIST items or out of memory. */
static bool room(reader *r, xmlNodePtr n, size_t count, size_t size, void **v, const char *what)
{
    if (count >= MUM_MAX_LIST) {
        fail_at(r, n, "more than %d %s", MUM_MAX_LIST, what);
        return false;
    }
    if (kb_array_room(v, count, size) != 0) {
        kb_error_set(r->err, KB_ERR_NOMEM, "%s: out of memory", r->name);
        return false;
    }
    return true;
}

static mum_identity *push_identity(reader *r, xmlNodePtr n, mum_identity_list *l)
{
    void *v = l->v;
    if (!room(r, n, l->n, sizeof *l->v, &v, "identities in one list"))
        return NULL;
    l->v = v;
    memset(&l->v[l->n], 0, sizeof l->v[0]);
    return &l->v[l->n];
}

static mum_update *push_update(reader *r, xmlNodePtr n, mum_manifest *m)
{
    void *v = m->updates;
    if (!room(r, n, m->nupdates, sizeof *m->updates, &v, "updates"))
        return NULL;
    m->updates = v;
    memset(&m->updates[m->nupdates], 0, sizeof m->updates[0]);
    return &m->updates[m->nupdates];
}

/* Appends every assemblyIdentity child of `holder` to the list. */
static int read_identities(reader *r, xmlNodePtr holder, const char *where, mum_identity_list *l)
{
    for (xmlNodePtr c = holder->children; c; c = c->next) {
        if (!is_el(c, "assemblyIdentity"))
            continue;
        mum_identity *id = push_identity(r, c, l);
        if (id == NULL || read_identity(r, c, where, id) != 0)
            return -1;
        l->n++;
    }
    return 0;
}

static int read_update(reader *r, xmlNodePtr n, mum_update *u)
{
    if (get_attr(r, n, "name", &u->name))
        return -1;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (is_el(c, "package") && read_identities(r, c, "<update><package>", &u->packages))
            return -1;
        if (is_el(c, "component") && read_identities(r, c, "<update><component>", &u->components))
            return -1;
    }
    return 0;
}

static mum_restart restart_kind(const char *s)
{
    if (s == NULL)
        return MUM_RESTART_UNSPECIFIED;
    size_t n = strlen(s);
    if (mum_ieq(s, n, "possible"))
        return MUM_RESTART_POSSIBLE;
    if (mum_ieq(s, n, "required"))
        return MUM_RESTART_REQUIRED;
    if (mum_ieq(s, n, "never"))
        return MUM_RESTART_NEVER;
    return MUM_RESTART_OTHER;
}

static int read_package(reader *r, xmlNodePtr n, mum_manifest *m)
{
    if (get_attr(r, n, "identifier", &m->identifier) || get_attr(r, n, "releaseType", &m->release_type) ||
        get_attr(r, n, "restart", &m->restart_text))
        return -1;
    if (m->identifier)
        mum_kb_parse(m->identifier, strlen(m->identifier), &m->kb);
    m->restart = restart_kind(m->restart_text);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (is_el(c, "parent") && read_identities(r, c, "<parent>", &m->parents))
            return -1;
        if (is_el(c, "update")) {
            mum_update *u = push_update(r, c, m);
            if (u == NULL)
                return -1;
            m->nupdates++;   /* counted first so that mum_manifest_free frees a half-read one */
            if (read_update(r, c, u))
                return -1;
        }
    }
    return 0;
}

static int check_root(reader *r, xmlNodePtr root)
{
    if (is_el(root, "assembly"))
        return 0;
    const char *local = (const char *)root->name;
    if (strcmp(local, "assembly") == 0) {
        if (root->ns == NULL || root->ns->href == NULL)
            return fail_at(r, root, "root element <assembly> has no namespace, expected %s", MUM_NAMESPACE);
        return fail_at(r, root, "root element <assembly> is in namespace \"%.100s\", expected %s",
                       (const char *)root->ns->href, MUM_NAMESPACE);
    }
    return fail_at(r, root, "root element is <%.100s>, expected <assembly> in namespace %s", local,
                   MUM_NAMESPACE);
}

static int extract(reader *r, xmlDocPtr doc, mum_manifest *m)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (check_root(r, root))
        return -1;
    if (get_attr(r, root, "description", &m->description) ||
        get_attr(r, root, "supportInformation", &m->support_information) ||
        get_attr(r, root, "creationTimeStamp", &m->creation_time_stamp) ||
        get_attr(r, root, "lastUpdateTimeStamp", &m->last_update_time_stamp))
        return -1;
    xmlNodePtr identity = NULL, package = NULL;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (is_el(c, "assemblyIdentity")) {
            if (identity)
                return fail_at(r, c, "more than one <assemblyIdentity> in <assembly> (the first is on line %ld)",
                               xmlGetLineNo(identity));
            identity = c;
        } else if (is_el(c, "package")) {
            if (package)
                return fail_at(r, c, "more than one <package> in <assembly> (the first is on line %ld)",
                               xmlGetLineNo(package));
            package = c;
        }
    }
    if (identity == NULL)
        return fail_at(r, root, "no <assemblyIdentity> in <assembly>: the package identity is missing");
    if (read_identity(r, identity, "<assembly>", &m->identity))
        return -1;
    if (package == NULL)
        return fail_at(r, root, "no <package> in <assembly>: not a package manifest");
    return read_package(r, package, m);
}

void mum_manifest_free(mum_manifest *m)
{
    if (m == NULL)
        return;
    identity_free(&m->identity);
    free(m->description);
    free(m->support_information);
    free(m->creation_time_stamp);
    free(m->last_update_time_stamp);
    free(m->identifier);
    free(m->release_type);
    free(m->restart_text);
    list_free(&m->parents);
    for (size_t i = 0; i < m->nupdates; i++) {
        free(m->updates[i].name);
        list_free(&m->updates[i].packages);
        list_free(&m->updates[i].components);
    }
    free(m->updates);
    memset(m, 0, sizeof *m);
}

int mum_read_buffer(const void *data, size_t size, const char *name, mum_manifest *m, kb_error *err)
{
    memset(m, 0, sizeof *m);
    if (name == NULL)
        name = "(buffer)";
    if (size > MUM_MAX_FILE_SIZE)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %zu bytes, larger than the %u MiB limit for a .mum",
                            name, size, MUM_MAX_FILE_SIZE >> 20);
    xmlDocPtr doc = mum_xml_parse(data, size, name, err);
    if (doc == NULL)
        return -1;
    reader r = {name, err};
    int rc = extract(&r, doc, m);
    xmlFreeDoc(doc);
    if (rc != 0)
        mum_manifest_free(m);
    return rc;
}

int mum_read_file(const char *path, mum_manifest *m, kb_error *err)
{
    memset(m, 0, sizeof *m);
    uint8_t *data;
    size_t size;
    if (mum_file_slurp(path, MUM_MAX_FILE_SIZE, ".mum", &data, &size, err) != 0)
        return -1;
    int rc = mum_read_buffer(data, size, path, m, err);
    free(data);
    return rc;
}
