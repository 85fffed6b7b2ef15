/* kbaudit — error reporting shared by every module.
 *
 * Every fallible function takes a `kb_error *` (may be NULL) and fills it with one
 * human-readable line that names the input (file) and what is wrong with it, e.g.
 *   "hive.dat: cell at offset 0x1020: size 0x3 is not a multiple of 8".
 * Callers add context to a message they pass up (e.g. regf names the key whose list is bad),
 * so the message grows upward. */
#ifndef KBAUDIT_ERROR_H
#define KBAUDIT_ERROR_H

#include <stddef.h>

#define KB_ERROR_MAX 512

typedef enum kb_error_kind {
    KB_OK = 0,
    KB_ERR_IO,        /* cannot open / read / map */
    KB_ERR_FORMAT,    /* input is malformed */
    KB_ERR_NOTFOUND,  /* key, value or file does not exist */
    KB_ERR_NOMEM,     /* allocation failed or a bound on memory was hit */
    KB_ERR_USAGE,     /* caller passed something invalid */
    KB_ERR_UNSUPPORTED,
    KB_ERR_DENIED     /* the operating system refused access (live mode, not elevated) */
} kb_error_kind;

typedef struct kb_error {
    kb_error_kind kind;
    char msg[KB_ERROR_MAX];
} kb_error;

#if defined(__MINGW32__)
/* the Windows build uses mingw-w64's C99 printf family (__USE_MINGW_ANSI_STDIO): %zu, %lld */
#define KB_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#elif defined(__GNUC__)
#define KB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KB_PRINTF(fmt, args)
#endif

/* Sets kind and message; returns -1 so callers can `return kb_error_set(...)`. */
int kb_error_set(kb_error *err, kb_error_kind kind, const char *fmt, ...) KB_PRINTF(3, 4);
void kb_error_clear(kb_error *err);

/* The text of errno value E in BUF (SIZE bytes), for messages made on worker threads:
 * strerror may return a static buffer (POSIX does not make it thread-safe). Returns BUF or a
 * constant string; never NULL. KB_STRERROR(e) gives it a buffer that lives until the end of
 * the enclosing block (a compound literal), enough for a kb_error_set argument. */
const char *kb_strerror(int e, char *buf, size_t size);
#define KB_STRERROR(e) kb_strerror((e), (char[128]){0}, 128)

#endif
