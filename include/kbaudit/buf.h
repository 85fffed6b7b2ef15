/* kbaudit — a growable byte buffer, used for UTF-8 names, assembled big-data values and
 * formatted output. The buffer is always NUL-terminated for convenience (len excludes it). */
#ifndef KBAUDIT_BUF_H
#define KBAUDIT_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"   /* KB_PRINTF */

typedef struct kb_buf {
    char *data;
    size_t len;
    size_t cap;
} kb_buf;

#define KB_BUF_INIT {NULL, 0, 0}

/* Make room for `extra` more bytes (plus the terminator). Returns 0 or -1 on overflow/ENOMEM. */
int kb_buf_reserve(kb_buf *b, size_t extra);
int kb_buf_append(kb_buf *b, const void *p, size_t n);
int kb_buf_putc(kb_buf *b, char c);
int kb_buf_puts(kb_buf *b, const char *s);
int kb_buf_printf(kb_buf *b, const char *fmt, ...) KB_PRINTF(2, 3);
void kb_buf_reset(kb_buf *b);
void kb_buf_free(kb_buf *b);

/* The first N bytes of S (fewer if S ends before), NUL-terminated and malloc'ed; NULL when out
 * of memory. strndup is POSIX, and the Windows C runtime lacks it. */
char *kb_strndup(const char *s, size_t n);

/* Room for item N (0-based) in the array *V of N items of SIZE bytes, appended one by one:
 * its capacity is kept at the next power of two, so N appends cost O(N), not the O(N^2)
 * copying that growing it by one item at a time can cost. 0, or -1 (*V unchanged) when out
 * of memory or N * SIZE would overflow. */
int kb_array_room(void **v, size_t n, size_t size);

#endif
