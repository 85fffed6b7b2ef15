/* libFuzzer harness for the transaction log reader: recover a dirty hive from its logs in
 * memory (regf_open_recovered), then read the result as the audit would.
 * Input: u32 LE length of the primary file, the primary file, u32 LE length of the first
 * log, the first log, the rest is the second log (tests/fuzz/pack_regf_log.py builds one).
 * Lengths beyond the input are cut to what is there. */
#include <stdio.h>
#include <string.h>

#include "kbaudit/regf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *take(const uint8_t **p, size_t *left, size_t *len)
{
    uint32_t n = 0;
    if (*left >= 4) {
        memcpy(&n, *p, 4);
        *p += 4;
        *left -= 4;
    }
    *len = n < *left ? n : *left;
    const uint8_t *r = *p;
    *p += *len;
    *left -= *len;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data;
    size_t left = size, plen, l1len;
    const uint8_t *primary = take(&p, &left, &plen);
    const uint8_t *log1 = take(&p, &left, &l1len);
    regf_log_input logs[2] = {{"LOG1", log1, l1len, NULL}, {"LOG2", p, left, NULL}};
    regf_hive *h = NULL;
    regf_recovery rep;
    kb_error err;
    if (regf_open_recovered(primary, plen, "fuzz", logs, 2, &h, &rep, &err) != 0)
        return 0;
    char line[1024];
    regf_recovery_describe(&rep, logs, line, sizeof line);
    regf_walker *w = NULL;
    if (regf_walk_begin(h, regf_root(h), &w, &err) == 0) {
        regf_off key;
        regf_offlist vals = {NULL, 0, 0};
        kb_buf scratch = KB_BUF_INIT;
        while (regf_walk_next(w, &key, &err) == 1) {
            vals.n = 0;
            if (regf_walk_values(w, key, &vals, &err) != 0)
                break;
            for (size_t i = 0; i < vals.n; i++) {
                const uint8_t *d;
                uint32_t len;
                regf_walk_value_data(w, vals.v[i], &scratch, &d, &len, &err);
            }
        }
        kb_buf_free(&scratch);
        regf_offlist_free(&vals);
        regf_walk_end(w);
    }
    regf_close(h);
    return 0;
}
