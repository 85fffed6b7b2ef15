/* The hardened libxml2 setup every servicing document goes through.
 *
 * Parser options alone are not enough: without XML_PARSE_NOENT libxml2 still reads an
 * internal DTD subset and, on the first reference to an internal entity, parses the entity's
 * text to check it (the "billion laughs" amplification is then only stopped by libxml2's own
 * heuristics). So the SAX handler of each parser context is patched: the internalSubset
 * callback, which libxml2 calls right after "<!DOCTYPE name ..." and before the "[...]"
 * internal subset, stops the parser. Servicing manifests and pending.xml never carry a
 * DOCTYPE, so refusing every one costs nothing. The element callbacks count nesting and
 * elements and stop the parser past the bounds in mum.h, and a structured error handler keeps
 * the first error with its line number (nothing is printed to stderr). */
#include "mum_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

static mum_guard *guard_of(void *ctx)
{
    xmlParserCtxtPtr ctxt = ctx;
    return ctxt ? ctxt->_private : NULL;
}

static long current_line(const mum_guard *g)
{
    if (g->ctxt && g->ctxt->input)
        return g->ctxt->input->line;
    return 0;
}

/* A refusal always stops the parser, even after a recoverable libxml2 error (libxml2 goes
 * on parsing after those, e.g. a namespace error in a processing instruction's name, and
 * would otherwise read a DOCTYPE's internal subset). Its message replaces such an error's:
 * the refusal is why the document was not read. After a first refusal nothing changes. */
void mum_guard_fail(mum_guard *g, const char *fmt, ...)
{
    if (g->failed)
        return;   /* keep the first refusal: later ones are usually its consequences */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
    va_end(ap);
    g->failed = true;
    g->line = current_line(g);
    if (g->ctxt)
        xmlStopParser(g->ctxt);
}

static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    mum_guard *g = guard_of(ctx);
    if (g)
        mum_guard_fail(g, "document type declaration (<!DOCTYPE>) refused: servicing files have "
                          "none, and kbaudit neither loads DTDs nor expands entities");
}

/* Not reached while refuse_doctype stops the parser first (it does, whatever came before);
 * kept so that entity declarations are refused even if libxml2 ever reported them another
 * way. */
static void refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                          const xmlChar *system_id, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    mum_guard *g = guard_of(ctx);
    if (g)
        mum_guard_fail(g, "entity declaration refused");
}

static xmlParserInputPtr refuse_resolve(void *ctx, const xmlChar *public_id, const xmlChar *system_id)
{
    (void)public_id;
    (void)system_id;
    mum_guard *g = guard_of(ctx);
    if (g)
        mum_guard_fail(g, "external entity refused");
    return NULL;
}

static void record_error(mum_guard *g, xmlErrorPtr e)
{
    if (g == NULL || e == NULL || e->level < XML_ERR_ERROR || g->failed || g->xml_error)
        return;
    const char *m = e->message ? e->message : "malformed XML";
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r' || m[n - 1] == ' '))
        n--;
    snprintf(g->msg, sizeof g->msg, "%.*s", (int)n, m);
    for (char *c = g->msg; *c; c++)   /* one line: libxml2 puts "\nBytes: 0x.." in some */
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    g->xml_error = true;
    g->line = e->line > 0 ? e->line : current_line(g);
}

static void keep_first_error(void *ctx, xmlErrorPtr e)
{
    record_error(guard_of(ctx), e);
}

/* Errors libxml2 raises without a parser context (the encoding converter's "input conversion
 * failed", "I/O error: encoder error") go to the thread's global handlers, which print to
 * stderr by default. While a document is parsed they are routed to the guard instead, and
 * the previous handlers are put back afterwards: other modules keep their own. */
typedef struct quiet {
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
    xmlGenericErrorFunc generic;
    void *generic_ctx;
} quiet;

static void keep_first_global_error(void *data, xmlErrorPtr e)
{
    record_error(data, e);
}

static void drop_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_begin(quiet *q, mum_guard *g)
{
    q->structured = xmlStructuredError;
    q->structured_ctx = xmlStructuredErrorContext;
    q->generic = xmlGenericError;
    q->generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(g, keep_first_global_error);
    xmlSetGenericErrorFunc(NULL, drop_generic);
}

static void quiet_end(const quiet *q)
{
    xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
    xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
}

/* Counts one more element at one more level, declaring `nb_namespaces` namespaces; false
 * (and the parser stopped) past a bound. libxml2 resolves each prefix by walking the
 * declarations in scope, so their number is bounded (declarations on siblings come and go:
 * real component manifests repeat xmlns:dsig on dozens of elements). */
static bool enter(mum_guard *g, int nb_namespaces)
{
    if (g->failed)
        return false;
    if (g->depth >= MUM_MAX_DEPTH) {
        mum_guard_fail(g, "elements nested deeper than %d levels", MUM_MAX_DEPTH);
        return false;
    }
    if (g->max_elements && g->elements >= g->max_elements) {
        mum_guard_fail(g, "more than %lu elements", g->max_elements);
        return false;
    }
    unsigned ns = nb_namespaces > 0 ? (unsigned)nb_namespaces : 0;
    if (ns > MUM_MAX_NAMESPACES || g->ns_in_scope + ns > MUM_MAX_NAMESPACES) {
        mum_guard_fail(g, "more than %d namespace declarations in scope", MUM_MAX_NAMESPACES);
        return false;
    }
    g->depth++;
    g->elements++;
    g->ns_at[g->depth] = (uint8_t)ns;
    g->ns_in_scope += ns;
    return true;
}

static void leave(mum_guard *g)
{
    if (g->depth == 0)
        return;
    g->ns_in_scope -= g->ns_at[g->depth];
    g->depth--;
}

static void dom_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                      int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                      int nb_defaulted, const xmlChar **attributes)
{
    mum_guard *g = guard_of(ctx);
    if (g && !enter(g, nb_namespaces))
        return;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
}

static void dom_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    mum_guard *g = guard_of(ctx);
    if (g)
        leave(g);
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static void stream_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                         const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                         int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    (void)prefix;
    (void)namespaces;
    (void)nb_attributes;
    (void)nb_defaulted;
    (void)attributes;
    mum_guard *g = guard_of(ctx);
    if (g == NULL || !enter(g, nb_namespaces))
        return;
    if (g->on_start)
        g->on_start(g, (const char *)localname, (const char *)uri);
}

static void stream_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    (void)uri;
    mum_guard *g = guard_of(ctx);
    if (g == NULL || g->failed)
        return;
    if (g->on_end)
        g->on_end(g, (const char *)localname);
    leave(g);
}

static void harden(xmlSAXHandlerPtr sax)
{
    sax->internalSubset = refuse_doctype;
    sax->externalSubset = refuse_doctype;
    sax->entityDecl = refuse_entity;
    sax->resolveEntity = refuse_resolve;
    sax->serror = keep_first_error;
    sax->error = NULL;
    sax->warning = NULL;
    sax->fatalError = NULL;
}

/* "NAME: line N: message", from the guard's first problem. */
static int guard_error(const mum_guard *g, kb_error *err)
{
    if (g->line > 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: line %ld: %s", g->name, g->line, g->msg);
    return kb_error_set(err, KB_ERR_FORMAT, "%s: %s", g->name, g->msg);
}

xmlDocPtr mum_xml_parse(const void *data, size_t size, const char *name, kb_error *err)
{
    if (size == 0) {
        kb_error_set(err, KB_ERR_FORMAT, "%s: empty file, not XML", name);
        return NULL;
    }
    if (size > INT32_MAX) {
        kb_error_set(err, KB_ERR_FORMAT, "%s: %zu bytes is too large to parse", name, size);
        return NULL;
    }
    mum_scan scan;
    mum_scan_init(&scan);
    if (mum_scan_feed(&scan, data, size) != 0 || mum_scan_finish(&scan) != 0) {
        kb_error_set(err, KB_ERR_FORMAT, "%s: line %ld: %s", name, scan.line, scan.msg);
        return NULL;
    }
    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt((const char *)data, (int)size);
    if (ctxt == NULL) {
        kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory creating the XML parser", name);
        return NULL;
    }
    mum_guard g = {.name = name, .max_elements = MUM_MAX_ELEMENTS, .ctxt = ctxt};
    xmlCtxtUseOptions(ctxt, MUM_XML_OPTIONS);
    harden(ctxt->sax);
    ctxt->sax->startElementNs = dom_start;
    ctxt->sax->endElementNs = dom_end;
    /* Only elements and attributes are read: text, comments and processing instructions
     * are parsed but kept out of the tree, so they cost no memory. */
    ctxt->sax->characters = NULL;
    ctxt->sax->ignorableWhitespace = NULL;
    ctxt->sax->cdataBlock = NULL;
    ctxt->sax->comment = NULL;
    ctxt->sax->processingInstruction = NULL;
    ctxt->sax->reference = NULL;
    ctxt->_private = &g;
    quiet q;
    quiet_begin(&q, &g);
    xmlParseDocument(ctxt);
    quiet_end(&q);
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    bool ok = !g.failed && !g.xml_error && ctxt->wellFormed && doc != NULL &&
              xmlDocGetRootElement(doc) != NULL;
    if (!ok && !g.failed && !g.xml_error)
        snprintf(g.msg, sizeof g.msg, "not well-formed XML");
    xmlFreeParserCtxt(ctxt);
    if (!ok) {
        xmlFreeDoc(doc);
        guard_error(&g, err);
        return NULL;
    }
    return doc;
}

int mum_xml_stream(mum_guard *g, mum_read_fn read, void *src, kb_error *err)
{
    enum { CHUNK = 64 * 1024 };
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = stream_start;
    sax.endElementNs = stream_end;
    harden(&sax);

    char *buf = malloc(CHUNK);
    if (buf == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", g->name);
    /* libxml2 detects the encoding from the first bytes handed to the context. */
    size_t got = 0;
    mum_scan scan;
    mum_scan_init(&scan);
    if (read(src, buf, 4, &got, err) != 0 ||
        (got == 0 && kb_error_set(err, KB_ERR_FORMAT, "%s: empty file, not XML", g->name)) ||
        ((mum_scan_feed(&scan, buf, got) != 0 || (got < 4 && mum_scan_finish(&scan) != 0)) &&
         kb_error_set(err, KB_ERR_FORMAT, "%s: line %ld: %s", g->name, scan.line, scan.msg))) {
        free(buf);
        return -1;
    }
    xmlInitParser();
    quiet q;
    quiet_begin(&q, g);
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, NULL, buf, (int)got, g->name);
    if (ctxt == NULL) {
        quiet_end(&q);
        free(buf);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory creating the XML parser", g->name);
    }
    xmlCtxtUseOptions(ctxt, MUM_XML_OPTIONS);
    g->ctxt = ctxt;
    ctxt->_private = g;
    int rc = 0;
    for (;;) {
        if (read(src, buf, CHUNK, &got, err) != 0) {
            rc = -1;
            break;
        }
        if ((got ? mum_scan_feed(&scan, buf, got) : mum_scan_finish(&scan)) != 0) {
            rc = kb_error_set(err, KB_ERR_FORMAT, "%s: line %ld: %s", g->name, scan.line, scan.msg);
            break;
        }
        xmlParseChunk(ctxt, buf, (int)got, got == 0);
        if (g->failed || g->xml_error || !ctxt->wellFormed || got == 0)
            break;
    }
    if (rc == 0 && (g->failed || g->xml_error || !ctxt->wellFormed)) {
        if (!g->failed && !g->xml_error)
            snprintf(g->msg, sizeof g->msg, "not well-formed XML");
        rc = guard_error(g, err);
    }
    g->ctxt = NULL;
    /* The stream builds no tree, but libxml2 may still have made a document to hold what it
     * read of a DTD before the parser was stopped: the context does not free it. */
    xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    quiet_end(&q);
    free(buf);
    return rc;
}
