/* libFuzzer harness: open a hive from memory and read everything in it the way
 * `kbaudit reg dump` does, plus the path lookups the audit uses, and check that the sorted
 * subkey index (regf_index.c) answers every child lookup exactly as the linear scan does. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/regexport.h"
#include "kbaudit/regf.h"
#include "regf/regf_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One name looked up under KEY in both handles: the same offset, or the same error. A
 * difference is a finding (abort), as a crash would be. */
static void same_answer(regf_hive *indexed, regf_hive *scanned, regf_off key, const char *name, size_t len)
{
    regf_off x = REGF_NONE, y = REGF_NONE;
    kb_error ex = {0}, ey = {0};
    int rx = regf_key_child(indexed, key, name, len, &x, &ex);
    int ry = regf_key_child(scanned, key, name, len, &y, &ey);
    if (rx != ry || (rx == 0 && x != y) || (rx != 0 && (ex.kind != ey.kind || strcmp(ex.msg, ey.msg) != 0))) {
        fprintf(stderr, "index and scan differ under key 0x%x for \"%.*s\": %d 0x%x \"%s\" / %d 0x%x \"%s\"\n",
                key, (int)len, name, rx, x, ex.msg, ry, y, ey.msg);
        abort();
    }
}

/* Under the first keys of a walk, every child's name (as stored and upper-cased, so that the
 * case folding is compared too) is looked up twice: the index is built at the second lookup
 * under a key of many subkeys, so the second and third answers come from it. Bounded work. */
static void check_index(const uint8_t *data, size_t size)
{
    regf_hive *indexed = NULL, *scanned = NULL;
    kb_error err;
    if (regf_open_buffer(data, size, "fuzz", &indexed, &err) != 0)
        return;
    if (regf_open_buffer(data, size, "fuzz", &scanned, &err) != 0) {
        regf_close(indexed);
        return;
    }
    scanned->index_off = true;
    regf_walker *w = NULL;
    if (regf_walk_begin(indexed, regf_root(indexed), &w, &err) == 0) {
        regf_off key;
        unsigned keys = 0, lookups = 0;
        kb_buf name = KB_BUF_INIT;
        while (keys++ < 256 && lookups < 8192 && regf_walk_next(w, &key, &err) == 1) {
            regf_offlist kids = {0};
            if (regf_key_subkeys(indexed, key, &kids, &err) == 0)
                for (size_t i = 0; i < kids.n && lookups < 8192; i++) {
                    kb_buf_reset(&name);
                    if (regf_key_name(indexed, kids.v[i], &name, &err) != 0 || name.data == NULL)
                        continue;
                    same_answer(indexed, scanned, key, name.data, name.len);
                    same_answer(indexed, scanned, key, name.data, name.len);
                    for (size_t j = 0; j < name.len; j++)
                        name.data[j] = (char)toupper((unsigned char)name.data[j]);
                    same_answer(indexed, scanned, key, name.data, name.len);
                    lookups += 3;
                }
            regf_offlist_free(&kids);
        }
        kb_buf_free(&name);
        regf_walk_end(w);
    }
    regf_close(scanned);
    regf_close(indexed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    regf_hive *h = NULL;
    kb_error err;
    if (regf_open_buffer(data, size, "fuzz", &h, &err) != 0)
        return 0;
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        regexport_dump(h, regf_root(h), null, &err);
        regexport_options o = {"HKEY_LOCAL_MACHINE\\SOFTWARE", true, NULL, NULL};
        regexport_reg(h, regf_root(h), "", &o, null, &err);
        fclose(null);
    }
    regf_off key, val;
    kb_buf s = KB_BUF_INIT;
    if (regf_key_lookup(h, regf_root(h), "Microsoft\\Windows NT\\CurrentVersion", &key, &err) == 0 &&
        regf_value_lookup(h, key, "CurrentBuildNumber", &val, &err) == 0)
        regf_value_string(h, val, &s, &err);
    kb_buf_free(&s);
    regf_close(h);
    check_index(data, size);
    return 0;
}
