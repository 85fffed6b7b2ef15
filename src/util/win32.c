/* Windows-only helpers (see kbaudit/win32.h). */
#include "kbaudit/win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wchar_t *kb_win_wide(const char *utf8, bool path)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    /* room for "\\?\" in front of a long path */
    wchar_t *w = malloc(((size_t)n + 4) * sizeof *w);
    if (w == NULL)
        return NULL;
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w + 4, n);
    wchar_t *s = w + 4;
    if (path) {
        for (wchar_t *p = s; *p; p++)
            if (*p == L'/')
                *p = L'\\';
        /* MAX_PATH (260) less room for a file name: a deep path beyond it needs the prefix,
         * which only takes absolute, normalized paths (ours are: no "." or ".." parts) */
        bool drive_abs = ((s[0] | 0x20) >= L'a' && (s[0] | 0x20) <= L'z') && s[1] == L':' && s[2] == L'\\';
        if (drive_abs && n > 240) {
            memcpy(w, L"\\\\?\\", 4 * sizeof *w);
            return w;
        }
    }
    memmove(w, s, (size_t)n * sizeof *w);
    return w;
}

int kb_win_put_utf8(kb_buf *out, const wchar_t *w, int n)
{
    if (n == 0)
        return 0;
    int len = WideCharToMultiByte(CP_UTF8, 0, w, n, NULL, 0, NULL, NULL);
    if (len <= 0)
        return -1;
    if (kb_buf_reserve(out, (size_t)len) != 0)
        return -1;
    WideCharToMultiByte(CP_UTF8, 0, w, n, out->data + out->len, len, NULL, NULL);
    out->len += (size_t)len;
    if (n < 0)
        out->len--;   /* the terminator was converted too */
    out->data[out->len] = '\0';
    return 0;
}

char *kb_win_utf8(const wchar_t *w)
{
    kb_buf b = KB_BUF_INIT;
    if (kb_win_put_utf8(&b, w, -1) != 0) {
        kb_buf_free(&b);
        return NULL;
    }
    return b.data ? b.data : strdup("");
}

const char *kb_win_strerror(DWORD code, char *buf, size_t size)
{
    wchar_t w[512];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, w,
                             sizeof w / sizeof w[0], NULL);
    while (n > 0 && (w[n - 1] == L'\r' || w[n - 1] == L'\n' || w[n - 1] == L'.' || w[n - 1] == L' '))
        n--;
    if (n == 0 || WideCharToMultiByte(CP_UTF8, 0, w, (int)n, buf, (int)size - 1, NULL, NULL) <= 0) {
        snprintf(buf, size, "error %lu", (unsigned long)code);
        return buf;
    }
    int len = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL);
    buf[len < (int)size ? len : (int)size - 1] = '\0';
    return buf;
}

kb_error_kind kb_win_error_kind(DWORD code)
{
    switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_NETPATH:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NET_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_KEY_DELETED:   /* a key removed between listing and reading it (servicing at work) */
        return KB_ERR_NOTFOUND;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
        return KB_ERR_DENIED;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return KB_ERR_NOMEM;
    default:
        return KB_ERR_IO;
    }
}

int kb_win_error_set(kb_error *err, DWORD code, const char *what, const char *action)
{
    char text[256];
    return kb_error_set(err, kb_win_error_kind(code), "%s: %s: %s (Windows error %lu)", what, action,
                        kb_win_strerror(code, text, sizeof text), (unsigned long)code);
}

/* Wow64DisableWow64FsRedirection exists from Windows XP x64 / Server 2003 SP1 on; it is
 * looked up at run time, so the exe loads wherever kernel32 might lack it. */
static FARPROC kernel32_proc(const char *name)
{
    HMODULE k = GetModuleHandleW(L"kernel32.dll");
    return k ? GetProcAddress(k, name) : NULL;
}

void kb_win_redirect_off(kb_win_redirect *r)
{
    BOOL(WINAPI * disable)(PVOID *);
    FARPROC p = kernel32_proc("Wow64DisableWow64FsRedirection");
    memcpy(&disable, &p, sizeof disable);   /* FARPROC to its real type without a cast warning */
    r->old = NULL;
    r->off = disable ? disable(&r->old) : FALSE;   /* FALSE in a 64-bit process or on 32-bit Windows */
}

void kb_win_redirect_restore(kb_win_redirect *r)
{
    BOOL(WINAPI * revert)(PVOID);
    if (!r->off)
        return;
    FARPROC p = kernel32_proc("Wow64RevertWow64FsRedirection");
    memcpy(&revert, &p, sizeof revert);
    if (revert)
        revert(r->old);   /* takes the value Disable gave, not its address */
    r->off = FALSE;
}
