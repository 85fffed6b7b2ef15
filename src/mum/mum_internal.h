/* Shared pieces of the servicing-manifest reader: the one hardened libxml2 setup (guard) that
 * every document goes through, and read-only file access under a size cap. */
#ifndef KBAUDIT_MUM_INTERNAL_H
#define KBAUDIT_MUM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kbaudit/mum.h"

/* The parser options used for every document. XML_PARSE_IGNORE_ENC: the bytes are UTF-8
 * (checked by mum_scan), whatever the XML declaration says. Deliberately absent: XML_PARSE_NOENT (entity
 * substitution), XML_PARSE_DTDLOAD / DTDATTR / DTDVALID (loading or using a DTD),
 * XML_PARSE_XINCLUDE, XML_PARSE_HUGE (would lift libxml2's own size limits) and
 * XML_PARSE_RECOVER (a malformed file is an error, not a best guess). */
#define MUM_XML_OPTIONS                                                                   \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES |   \
     XML_PARSE_IGNORE_ENC)

/* The byte-level pass in mum_scan.c: UTF-8 only, and at most MUM_MAX_ATTRIBUTES attributes
 * per start tag. Fed the same bytes as libxml2, ahead of it. */
typedef struct mum_scan {
    int state;
    char quote;
    unsigned attrs;               /* '=' in the current tag */
    unsigned run;                 /* progress through an end sequence or "CDATA[" */
    unsigned depth;               /* '[' nesting in a declaration */
    long line;
    uint8_t head[4];              /* the first bytes, for the encoding check */
    size_t nhead;
    bool failed;
    char msg[128];
} mum_scan;

void mum_scan_init(mum_scan *s);
/* Returns 0, or -1 with s->msg set (and s->line where it stopped). */
int mum_scan_feed(mum_scan *s, const void *data, size_t n);
/* Call after the last byte: checks the encoding of inputs shorter than 4 bytes. */
int mum_scan_finish(mum_scan *s);

typedef struct mum_guard mum_guard;

/* Called for each start/end tag in streaming mode (localname and namespace URI, which is
 * NULL for no namespace). A callback that finds a problem calls mum_guard_fail. */
typedef void (*mum_start_fn)(mum_guard *g, const char *localname, const char *uri);
typedef void (*mum_end_fn)(mum_guard *g, const char *localname);

struct mum_guard {
    const char *name;             /* input name for messages */
    unsigned long max_elements;   /* 0: no bound (streaming keeps no tree) */
    unsigned depth;               /* current element nesting */
    unsigned long elements;       /* elements seen */
    unsigned ns_in_scope;         /* namespace declarations in scope */
    uint8_t ns_at[MUM_MAX_DEPTH + 1]; /* declarations made at each open level */
    bool failed;                  /* refused by the guard or a callback: msg is set */
    bool xml_error;               /* libxml2 reported an error: msg is set */
    long line;                    /* line of the first problem, 0 if unknown */
    char msg[KB_ERROR_MAX / 2];
    xmlParserCtxtPtr ctxt;
    mum_start_fn on_start;        /* streaming mode only */
    mum_end_fn on_end;
    void *user;
};

/* Records the first problem with the current line number and stops the parser. */
void mum_guard_fail(mum_guard *g, const char *fmt, ...) KB_PRINTF(2, 3);

/* Parses a whole document held in memory into a tree, under the guard (DOCTYPE refused,
 * depth and element count bounded). Returns the document, or NULL with err set to
 * "NAME: line N: problem". */
xmlDocPtr mum_xml_parse(const void *data, size_t size, const char *name, kb_error *err);

/* Reads up to `cap` bytes into buf; sets *got (0 at the end). Returns 0 or -1 with err set. */
typedef int (*mum_read_fn)(void *src, char *buf, size_t cap, size_t *got, kb_error *err);

/* Streams a document through the guard without building a tree, calling g->on_start and
 * g->on_end for each element. Returns 0 or -1 with err set. */
int mum_xml_stream(mum_guard *g, mum_read_fn read, void *src, kb_error *err);

/* Opens `path` read-only and checks that it is a regular file of at most `cap` bytes
 * (`what` names the kind of file in messages: ".mum", "pending.xml"). Returns the descriptor
 * and its size, or -1 with err set (KB_ERR_NOTFOUND when it does not exist). */
int mum_file_open(const char *path, size_t cap, const char *what, size_t *size, kb_error *err);
/* Opens as above and reads the whole file into a malloc'ed buffer. */
int mum_file_slurp(const char *path, size_t cap, const char *what, uint8_t **data, size_t *size,
                   kb_error *err);

/* ASCII case-insensitive comparisons of counted strings. */
bool mum_ieq(const char *a, size_t an, const char *b);
bool mum_iprefix(const char *s, size_t n, const char *prefix);

#endif
