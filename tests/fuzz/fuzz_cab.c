/* libFuzzer harness: open a cabinet from memory, extract every member the way `kbaudit msu`
 * does (with a cap) and read it as an update package. The inflate budget is small so that a
 * slow input is a finding, not a timeout. */
#include <stdlib.h>
#include <string.h>

#include "kbaudit/cab.h"
#include "kbaudit/msu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cab_options opt = {.inflate_budget = 64u << 20};
    cab_archive *c = NULL;
    kb_error err;
    if (cab_open_buffer(data, size, "fuzz", &opt, &c, &err) == 0) {
        volatile size_t sink = cab_trailing_bytes(c);
        /* backwards then forwards: both the restart and the kept decoder are exercised */
        for (size_t k = 0; k < 2 * c->nmembers; k++) {
            size_t i = k < c->nmembers ? c->nmembers - 1 - k : k - c->nmembers;
            uint8_t *out = NULL;
            size_t n = 0;
            sink += cab_member_readable(c, i) + strlen(c->members[i].name);
            if (cab_extract(c, i, 1u << 20, &out, &n, &err) == 0)
                sink += n ? out[n - 1] : 0;
            free(out);
        }
        (void)cab_find(c, "update.mum");
        cab_close(c);
        (void)sink;
    }
    msu_package p;
    if (msu_read_buffer(data, size, "fuzz.msu", &p, &err) == 0) {
        char b[160];
        (void)msu_applies_reason(&p, "x64", b, sizeof b);
        msu_package_free(&p);
    }
    return 0;
}
