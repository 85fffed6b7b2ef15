/* kbaudit — text conversions. Windows stores names as UTF-16LE or as "compressed"
 * Latin-1 bytes; everything kbaudit prints is UTF-8. */
#ifndef KBAUDIT_UTF_H
#define KBAUDIT_UTF_H

#include <stddef.h>
#include <stdint.h>
#include "kbaudit/buf.h"

/* Appends the UTF-8 form of `nbytes` of UTF-16LE. An odd trailing byte is ignored, an
 * unpaired surrogate becomes U+FFFD. Embedded NULs are kept (as a 0 byte). */
int kb_utf16le_to_utf8(kb_buf *out, const uint8_t *src, size_t nbytes);
/* Appends the UTF-8 form of Latin-1 bytes (each byte is the code point U+0000..U+00FF). */
int kb_latin1_to_utf8(kb_buf *out, const uint8_t *src, size_t n);
/* Appends the UTF-16LE form of UTF-8 text (invalid sequences become U+FFFD). */
int kb_utf8_to_utf16le(kb_buf *out, const char *src, size_t n);
/* Decodes one code point from UTF-8 at *p (advances *p); invalid bytes give U+FFFD. */
uint32_t kb_utf8_next(const char **p, const char *end);
/* Upper-case mapping of a UTF-16 code unit as Windows' registry compares names:
 * ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (the ranges Windows' table covers
 * for the names a SOFTWARE hive holds). */
uint16_t kb_upcase16(uint16_t c);

#endif
