/* The generated upper-case table (src/util/gen_upcase.py): runs of code units that map by
 * the same delta, every `stride`-th one from `first` to `last`, sorted by `first`. */
#ifndef KBAUDIT_UPCASE_TABLE_H
#define KBAUDIT_UPCASE_TABLE_H

#include <stdint.h>

typedef struct kb_upcase_run {
    uint16_t first, last;
    int32_t delta;
    uint8_t stride;
} kb_upcase_run;

extern const kb_upcase_run kb_upcase_runs[];
extern const unsigned kb_upcase_nruns;

#endif
