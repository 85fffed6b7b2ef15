/* Parsing a database as hostile XML, then validating it against the embedded RELAX NG
 * schema. Rules: no network (XML_PARSE_NONET), no DTD at all — a DOCTYPE stops the parser
 * before its internal subset is read, so no entity is ever declared, let alone expanded
 * (XXE, "billion laughs") — no XInclude, libxml2's default depth and text limits (no
 * XML_PARSE_HUGE), and the caller has capped the size. libxml2 messages are captured
 * into kb_error instead of going to stderr. */
#include "kbdb_internal.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

/* libxml2 2.12 made the structured error handler take a const pointer. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *kb_xml_error_ptr;
#else
typedef xmlErrorPtr kb_xml_error_ptr;
#endif

#define DOCTYPE_SEEN ((void *)1)

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxtPtr ctxt = ctx;
    ctxt->_private = DOCTYPE_SEEN;
    xmlStopParser(ctxt);
}

/* Keeps the first error that points at a line (RELAX NG often reports a vague summary
 * without a node first, then the precise error on the node) and counts them all. */
typedef struct first_error {
    char msg[KB_ERROR_MAX];
    long line;
    unsigned count;
} first_error;

static void copy_message(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "unknown error");
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
}

static void collect(void *data, kb_xml_error_ptr e)
{
    first_error *fe = data;
    if (e == NULL || e->level == XML_ERR_WARNING)
        return;
    fe->count++;
    long line = e->line;
    const xmlNode *node = e->node;
    if (line == 0 && node != NULL)
        line = xmlGetLineNo(node);
    if (fe->msg[0] != '\0' && (fe->line != 0 || line == 0))
        return;   /* keep the one we have */
    char msg[KB_ERROR_MAX - 96];   /* room for the element name below */
    copy_message(msg, sizeof msg, e->message);
    if (node != NULL && node->type == XML_ELEMENT_NODE && node->name != NULL)
        snprintf(fe->msg, sizeof fe->msg, "element <%.64s>: %s", (const char *)node->name, msg);
    else
        snprintf(fe->msg, sizeof fe->msg, "%s", msg);
    fe->line = line;
}

/* libxml2 reports a few errors (allocation, schema internals) through the generic
 * handler only; silence it while we run rather than let it print. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static int parse(const char *data, size_t size, const char *name, xmlDocPtr *doc, kb_error *err)
{
    if (size > (size_t)KBDB_MAX_BYTES)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: %zu bytes, more than the %u-byte limit for a database", name,
                            size, KBDB_MAX_BYTES);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL || ctxt->sax == NULL) {
        xmlFreeParserCtxt(ctxt);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
    }
    ctxt->sax->internalSubset = on_doctype;
    ctxt->sax->externalSubset = on_doctype;
    ctxt->_private = NULL;
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    *doc = xmlCtxtReadMemory(ctxt, data, (int)size, name, NULL, options);
    int rc = 0;
    if (ctxt->_private == DOCTYPE_SEEN) {
        rc = kb_error_set(err, KB_ERR_FORMAT,
                          "%s: line %d: a DOCTYPE is not allowed in a database (no DTDs or entities are read)", name,
                          ctxt->input ? ctxt->input->line : 0);
    } else if (*doc == NULL || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[KB_ERROR_MAX];
        copy_message(msg, sizeof msg, e ? e->message : "not well-formed XML");
        rc = kb_error_set(err, KB_ERR_FORMAT, "%s: line %d: not well-formed XML: %s", name, e ? e->line : 0, msg);
    }
    if (rc != 0 && *doc != NULL) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return rc;
}

static int validate(xmlDocPtr doc, const char *name, kb_error *err)
{
    first_error fe = {{0}, 0, 0};
    int rc = -1;
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewMemParserCtxt((const char *)kbdb_rng_data, (int)kbdb_rng_size);
    xmlRelaxNGPtr schema = NULL;
    xmlRelaxNGValidCtxtPtr vctxt = NULL;
    if (pctxt == NULL) {
        kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    xmlRelaxNGSetParserStructuredErrors(pctxt, collect, &fe);
    schema = xmlRelaxNGParse(pctxt);
    if (schema == NULL) {
        kb_error_set(err, KB_ERR_UNSUPPORTED, "embedded schema kbdb.rng: line %ld: %s", fe.line,
                     fe.count ? fe.msg : "cannot be compiled");
        goto out;
    }
    vctxt = xmlRelaxNGNewValidCtxt(schema);
    if (vctxt == NULL) {
        kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    xmlRelaxNGSetValidStructuredErrors(vctxt, collect, &fe);
    int v = xmlRelaxNGValidateDoc(vctxt, doc);
    if (v == 0) {
        rc = 0;
    } else if (fe.count > 1) {
        kb_error_set(err, KB_ERR_FORMAT, "%s: line %ld: does not match the kbdb schema: %s (%u errors in all)",
                     name, fe.line, fe.msg, fe.count);
    } else {
        kb_error_set(err, KB_ERR_FORMAT, "%s: line %ld: does not match the kbdb schema: %s", name, fe.line,
                     fe.count ? fe.msg : "validation failed");
    }
out:
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctxt);
    return rc;
}

int kbdb_xml_parse(const char *data, size_t size, const char *name, xmlDocPtr *doc, kb_error *err)
{
    *doc = NULL;
    xmlInitParser();
    xmlGenericErrorFunc old_handler = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    int rc = parse(data, size, name, doc, err);
    if (rc == 0 && validate(*doc, name, err) != 0) {
        xmlFreeDoc(*doc);
        *doc = NULL;
        rc = -1;
    }
    xmlSetGenericErrorFunc(old_ctx, old_handler);
    return rc;
}
