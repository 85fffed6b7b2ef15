/* kbaudit — a small streaming JSON writer: indentation, commas and string escaping are
 * handled here so that every command's JSON is valid and looks the same. */
#ifndef KBAUDIT_JSON_H
#define KBAUDIT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kbaudit/buf.h"

#define JSON_MAX_DEPTH 32

typedef struct kb_json {
    kb_buf out;               /* the text so far */
    int depth;
    bool first[JSON_MAX_DEPTH + 1];   /* nothing written yet at this level */
    bool after_key;           /* a key was written: the next value goes on its line */
    bool failed;              /* out of memory or nesting too deep */
    bool compact;             /* one line, no spaces (JSON Lines): set after json_init */
} kb_json;

void json_init(kb_json *j);
void json_free(kb_json *j);
/* Writes the text (with a final newline) to fp; returns 0, or -1 on a write error or if
 * building the document failed. */
int json_write(kb_json *j, FILE *fp);

void json_object_begin(kb_json *j);
void json_object_end(kb_json *j);
void json_array_begin(kb_json *j);
void json_array_end(kb_json *j);
void json_key(kb_json *j, const char *key);

void json_string(kb_json *j, const char *s);          /* NULL writes null */
void json_string_n(kb_json *j, const char *s, size_t n);
void json_int(kb_json *j, int64_t v);
void json_uint(kb_json *j, uint64_t v);
void json_bool(kb_json *j, bool v);
void json_null(kb_json *j);

/* Appends s as a JSON string literal (quotes included): UTF-8 is kept as is, control
 * characters, quotes and backslashes are escaped. */
int json_quote(kb_buf *b, const char *s, size_t n);

#endif
