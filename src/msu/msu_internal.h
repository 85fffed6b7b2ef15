/* Shared by the .msu reader's files. */
#ifndef KBAUDIT_MSU_INTERNAL_H
#define KBAUDIT_MSU_INTERNAL_H

#include "kbaudit/msu.h"

/* A hostile file could hold thousands of lines; real ones have about fifteen. */
#define MSU_MAX_PROPS 256

/* Parses pkgProperties.txt (UTF-8, or UTF-16LE with its byte order mark) into p->props. */
int msu_props_parse(msu_package *p, const uint8_t *data, size_t n, kb_error *err);
/* Reads servicing/package/assemblyIdentity and source/@location of an unattend file. */
int msu_unattend_parse(msu_package *p, const uint8_t *data, size_t n, kb_error *err);
/* Appends a warning (printf-like); 0 or -1 when out of memory. */
int msu_warn(msu_package *p, const char *fmt, ...) KB_PRINTF(2, 3);

#endif
