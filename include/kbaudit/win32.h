/* kbaudit — helpers of the Windows build only (src/util/win32.c): the edge where the core's
 * UTF-8 meets the system's UTF-16, Win32 error texts, and the WOW64 file-system redirector.
 * Included only by the *_win32.c files. */
#ifndef KBAUDIT_WIN32_H
#define KBAUDIT_WIN32_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdbool.h>

#include "kbaudit/buf.h"
#include "kbaudit/error.h"

/* UTF-16 copy of UTF-8 text, malloc'ed (NULL when out of memory or for invalid UTF-8). As a
 * path (`path` true) every '/' becomes '\', and a long absolute "X:\..." path gets the
 * "\\?\" prefix that lifts the 260-character limit. */
wchar_t *kb_win_wide(const char *utf8, bool path);
/* Appends the UTF-8 form of N UTF-16 units (N -1: up to the terminator). 0 or -1. */
int kb_win_put_utf8(kb_buf *out, const wchar_t *w, int n);
/* malloc'ed UTF-8 copy of a NUL-terminated UTF-16 string, or NULL. */
char *kb_win_utf8(const wchar_t *w);

/* The system's text for a Win32 error code, in UTF-8 ("Access is denied", without the final
 * period and line end), in BUF. */
const char *kb_win_strerror(DWORD code, char *buf, size_t size);
/* The error kind of a Win32 error code: KB_ERR_NOTFOUND, KB_ERR_DENIED or KB_ERR_IO. */
kb_error_kind kb_win_error_kind(DWORD code);
/* Sets err from CODE: "WHAT: ACTION: <system text> (Windows error N)"; returns -1. */
int kb_win_error_set(kb_error *err, DWORD code, const char *what, const char *action);

/* The WOW64 file-system redirector off for the calling thread (a 32-bit process on 64-bit
 * Windows would otherwise read SysWOW64 when it asks for System32), and back on. No-ops
 * where there is no WOW64. Every file call of the evidence layer sits between the two. */
typedef struct kb_win_redirect {
    BOOL off;
    PVOID old;
} kb_win_redirect;
void kb_win_redirect_off(kb_win_redirect *r);
void kb_win_redirect_restore(kb_win_redirect *r);

#endif
