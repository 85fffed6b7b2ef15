/* The unattend file of an .msu (Windows6.1-KB4538483-x64.xml):
 *   <unattend xmlns="urn:schemas-microsoft-com:unattend"><servicing><package action="install">
 *     <assemblyIdentity name="Package_for_KB4538483" version="6.1.1.2" language="neutral"
 *                       processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35"/>
 *     <source location="%configsetroot%\Windows6.1-KB4538483-x64.CAB"/></package>...
 * Parsed with libxml2, no network, no DTD: a document with <!DOCTYPE (and so any entity
 * declaration) is refused before libxml2 sees it, which leaves nothing to expand. The input
 * is at most MSU_MEMBER_CAP bytes, so libxml2's own depth limit bounds the rest. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kbaudit/buf.h"
#include "msu_internal.h"

static bool contains(const uint8_t *d, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(d + i, needle, k) == 0)
            return true;
    return false;
}

static bool named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

static int attr(const xmlNode *n, const char *name, char **out)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL)
        return 0;
    *out = kb_strndup((const char *)v, 4096);
    xmlFree(v);
    return *out ? 0 : -1;
}

int msu_unattend_parse(msu_package *p, const uint8_t *data, size_t n, kb_error *err)
{
    const char *what = p->unattend_member;
    if (contains(data, n, "<!DOCTYPE") || contains(data, n, "<!ENTITY"))
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %s: document type declaration refused", p->file, what);
    if (n > (size_t)MSU_MEMBER_CAP)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %s: too large", p->file, what);
    xmlDocPtr doc = xmlReadMemory((const char *)data, (int)n, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %s: not well-formed XML", p->file, what);
    /* the byte search above misses a declaration in UTF-16 (libxml2 reads that too): refuse any
     * document that came with one, whatever its encoding, before a value is taken from it */
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        xmlFreeDoc(doc);
        return kb_error_set(err, KB_ERR_FORMAT, "%s: %s: document type declaration refused", p->file, what);
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *pkg = root && named(root, "unattend") ? child(child(root, "servicing"), "package") : NULL;
    const xmlNode *id = child(pkg, "assemblyIdentity");
    const xmlNode *src = child(pkg, "source");
    int rc = 0;
    if (id == NULL) {
        rc = kb_error_set(err, KB_ERR_FORMAT, "%s: %s: no unattend/servicing/package/assemblyIdentity", p->file, what);
    } else if (attr(id, "name", &p->assembly_name) || attr(id, "version", &p->assembly_version) ||
               attr(id, "processorArchitecture", &p->assembly_arch) ||
               attr(id, "language", &p->assembly_language) || attr(id, "publicKeyToken", &p->assembly_token) ||
               (src && attr(src, "location", &p->source_location))) {
        rc = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    xmlFreeDoc(doc);
    return rc;
}
