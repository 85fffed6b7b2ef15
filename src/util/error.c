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

void kb_error_clear(kb_error *err)
{
    if (err != NULL) {
        err->kind = KB_OK;
        err->msg[0] = '\0';
    }
}
