/* Pieces shared by the kbdb loader's files: reading bytes (plain or gzip, capped),
 * parsing hostile XML and validating it, and turning the validated tree into structs. */
#ifndef KBAUDIT_KBDB_INTERNAL_H
#define KBAUDIT_KBDB_INTERNAL_H

#include <libxml/tree.h>

#include "kbaudit/buf.h"
#include "kbaudit/kbdb.h"

/* Generated at build time from data/ (kbdb_embed.cmake). */
extern const unsigned char kbdb_xml_data[];
extern const size_t kbdb_xml_size;
extern const unsigned char kbdb_rng_data[];
extern const size_t kbdb_rng_size;

/* Bounds on what one database may hold (a 4 MiB file could otherwise describe ~80k
 * minimal updates; real data has a few hundred). */
#define KBDB_MAX_UPDATES 20000u
#define KBDB_MAX_SOURCES 1000u
#define KBDB_MAX_REFS 64u          /* supersedes / prerequisites / files / notes per entry */
#define KBDB_MAX_REQUIREMENTS 32u

/* Reads a whole file's raw bytes (read-only, a regular file of at most KBDB_MAX_BYTES);
 * gzip is decompressed afterwards by kbdb_gunzip. */
int kbdb_read_file(const char *path, kb_buf *out, kb_error *err);
/* True when the bytes start with the gzip magic. */
int kbdb_is_gzip(const void *data, size_t size);
/* Inflates a gzip image held in memory, with the same cap. */
int kbdb_gunzip(const void *data, size_t size, const char *name, kb_buf *out, kb_error *err);

/* Parses XML without network, DTD or entity expansion, then validates it against the
 * embedded schema. The caller frees the document with xmlFreeDoc. */
int kbdb_xml_parse(const char *data, size_t size, const char *name, xmlDocPtr *doc, kb_error *err);

/* Builds the structs from a validated document. `db->name` is already set. */
int kbdb_build(xmlDocPtr doc, kbdb *db, kb_error *err);

/* True unless a is certainly not earlier than b: unknown dates and the same month at
 * month precision give the benefit of the doubt. */
int kbdb_date_maybe_before(kbdb_date a, kbdb_date b);

#endif
