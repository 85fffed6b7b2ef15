/* Error messages that carry context upward (see kbaudit/error.h). */
#include "kbaudit/error.h"

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

int kb_error_prefix(kb_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char prefix[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* new message = prefix ": " old, cut to fit */
    char old[KB_ERROR_MAX];
    memcpy(old, err->msg, sizeof old);
    size_t n = strnlen(prefix, sizeof prefix - 1);
    memcpy(err->msg, prefix, n);
    if (n + 2 < sizeof err->msg) {
        memcpy(err->msg + n, ": ", 2);
        n += 2;
    }
    size_t rest = strnlen(old, sizeof old - 1);
    if (rest > sizeof err->msg - 1 - n)
        rest = sizeof err->msg - 1 - n;
    memcpy(err->msg + n, old, rest);
    err->msg[n + rest] = '\0';
    return -1;
}

void kb_error_clear(kb_error *err)
{
    if (err != NULL) {
        err->kind = KB_OK;
        err->msg[0] = '\0';
    }
}
