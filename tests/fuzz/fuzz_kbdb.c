/* libFuzzer harness: load a knowledge base from memory (plain XML or gzip), run the
 * integrity check, and ask the questions the audit asks of every entry. Seeds: the bundled
 * data/kbdb.xml, tests/fixtures/kbdb/ and tests/fuzz/seeds/kbdb/. */
#include <stdint.h>
#include <stdio.h>

#include "kbaudit/kbdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kbdb *db = NULL;
    kb_error err;
    if (kbdb_load_memory(data, size, "fuzz", KBDB_LOAD_NO_CHECK, &db, &err) != 0)
        return 0;
    kbdb_problems problems = {0};
    kbdb_check(db, &problems, &err);
    kbdb_problems_free(&problems);
    for (size_t i = 0; i < db->nupdates; i++) {
        const kbdb_update *u = &db->updates[i];
        if (kbdb_find(db, u->kb) == NULL)
            __builtin_trap();   /* every described KB must be found */
        /* bounded: the walks are O(n) each */
        if (i < 32)
            for (size_t j = 0; j < u->nsupersedes; j++) {
                kbdb_supersedes_transitively(db, u->kb, u->supersedes[j].kb);
                kbdb_supersedes_transitively_any(db, u->supersedes[j].kb, u->kb);
            }
    }
    for (int k = 0; k < KBDB_KIND_COUNT; k++)
        kbdb_newest_of_kind(db, (kbdb_kind)k);
    kbdb_newest(db);
    for (size_t i = 0; i < db->nbaseline; i++)
        kbdb_find(db, db->baseline[i].kb);
    kbdb_free(db);
    return 0;
}
