/* The public loaders: bytes (embedded, file, memory; gzip or plain) -> hostile-safe parse
 * and schema validation -> structs -> integrity check (unless KBDB_LOAD_NO_CHECK). */
#include "kbdb_internal.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

const unsigned char *kbdb_embedded_xml(size_t *size)
{
    *size = kbdb_xml_size;
    return kbdb_xml_data;
}

const unsigned char *kbdb_embedded_schema(size_t *size)
{
    *size = kbdb_rng_size;
    return kbdb_rng_data;
}

/* Runs kbdb_check and turns the first problem into the error. */
static int check(const kbdb *db, kb_error *err)
{
    kbdb_problems p = {0};
    if (kbdb_check(db, &p, err) != 0) {
        kbdb_problems_free(&p);
        return -1;
    }
    int rc = 0;
    if (p.count > 0) {
        if (p.count > 1)
            rc = kb_error_set(err, KB_ERR_FORMAT, "%s: %s (and %zu more problems; see kbaudit db check)", db->name,
                              p.items[0].message, p.count - 1);
        else
            rc = kb_error_set(err, KB_ERR_FORMAT, "%s: %s", db->name, p.items[0].message);
    }
    kbdb_problems_free(&p);
    return rc;
}

static int load_xml(const char *data, size_t size, const char *name, unsigned flags, kbdb **out, kb_error *err)
{
    *out = NULL;
    kbdb *db = calloc(1, sizeof *db);
    if (db == NULL || (db->name = strdup(name)) == NULL) {
        free(db);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
    }
    xmlDocPtr doc = NULL;
    int rc = kbdb_xml_parse(data, size, name, &doc, err);
    if (rc == 0)
        rc = kbdb_build(doc, db, err);
    xmlFreeDoc(doc);
    if (rc == 0 && !(flags & KBDB_LOAD_NO_CHECK))
        rc = check(db, err);
    if (rc != 0) {
        kbdb_free(db);
        return -1;
    }
    *out = db;
    return 0;
}

int kbdb_load_memory(const void *data, size_t size, const char *name, unsigned flags, kbdb **out, kb_error *err)
{
    *out = NULL;
    if (!kbdb_is_gzip(data, size))
        return load_xml(data, size, name, flags, out, err);
    kb_buf plain = KB_BUF_INIT;
    int rc = kbdb_gunzip(data, size, name, &plain, err);
    if (rc == 0)
        rc = load_xml(plain.data, plain.len, name, flags, out, err);
    kb_buf_free(&plain);
    return rc;
}

int kbdb_load_file(const char *path, unsigned flags, kbdb **out, kb_error *err)
{
    *out = NULL;
    kb_buf bytes = KB_BUF_INIT;
    int rc = kbdb_read_file(path, &bytes, err);
    if (rc == 0)
        rc = kbdb_load_memory(bytes.data ? bytes.data : "", bytes.len, path, flags, out, err);
    kb_buf_free(&bytes);
    return rc;
}

int kbdb_load_embedded(kbdb **out, kb_error *err)
{
    /* validated and checked like any file: a bad edit to data/kbdb.xml fails loudly */
    return load_xml((const char *)kbdb_xml_data, kbdb_xml_size, "embedded kbdb.xml", 0, out, err);
}

static void free_update(kbdb_update *u)
{
    free(u->title);
    free(u->supersedes);
    free(u->prerequisites);
    for (size_t i = 0; i < u->nfiles; i++) {
        free(u->files[i].name);
        free((void *)u->files[i].sources);
    }
    free((void *)u->kernel_sources);
    free(u->files);
    for (size_t i = 0; i < u->nnotes; i++)
        free(u->notes[i].text);
    free(u->notes);
    free((void *)u->sources);
}

static void free_requirement(kbdb_requirement *r)
{
    free(r->id);
    free(r->text);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->notes);
    free((void *)r->sources);
}

void kbdb_free(kbdb *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < db->nupdates; i++)
        free_update(&db->updates[i]);
    free(db->updates);
    for (size_t i = 0; i < db->nbaseline; i++)
        free_requirement(&db->baseline[i]);
    free(db->baseline);
    for (size_t i = 0; i < db->nsources; i++) {
        free(db->sources[i].id);
        free(db->sources[i].href);
        free(db->sources[i].text);
    }
    free(db->sources);
    free(db->by_kb);
    free(db->name);
    free(db->platform);
    free(db->baseline_id);
    free(db->baseline_title);
    free(db);
}
