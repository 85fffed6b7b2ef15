/* Error messages that carry context upward (see kbaudit/error.h). */
#include "kbaudit/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int kb_error_set(kb_error *err, kb_error_kind kind, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    err->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void kb_error_clear(kb_error *err)
{
    if (err != NULL) {
        err->kind = KB_OK;
        err->msg[0] = '\0';
    }
}

/* strerror_r comes in two kinds: XSI's returns an int and fills the buffer; GNU's (glibc with
 * _GNU_SOURCE) returns a char * that may point elsewhere. Which one the headers declare is
 * told apart by its return type, at compile time, instead of guessing from feature macros. */
#ifndef _WIN32
static const char *xsi_result(int r, char *buf)
{
    return r == 0 ? buf : NULL;
}

static const char *gnu_result(char *r, char *buf)
{
    (void)buf;
    return r;
}
#define STRERROR_RESULT(r, buf) _Generic((r), int: xsi_result, char *: gnu_result)(r, buf)
#endif

const char *kb_strerror(int e, char *buf, size_t size)
{
    if (buf == NULL || size == 0)
        return "unknown error";
    buf[0] = '\0';
#ifdef _WIN32
    const char *text = strerror_s(buf, size, e) == 0 ? buf : NULL;   /* msvcrt: thread-safe copy */
#else
    const char *text = STRERROR_RESULT(strerror_r(e, buf, size), buf);
#endif
    if (text == NULL || text[0] == '\0') {
        snprintf(buf, size, "error %d", e);
        text = buf;
    }
    return text;
}
