/* Report output on Windows (see kbaudit/outfile.h): UTF-8 file names through the wide API,
 * binary mode so that '\n' stays '\n' and a report is byte for byte the Linux build's. */
#include "kbaudit/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/win32.h"

/* A ':' after the drive ("C:") of PATH: an alternate data stream of a file (or a bad name). */
static bool names_stream(const char *path)
{
    const char *p = path;
    if (strncmp(p, "\\\\?\\", 4) == 0 || strncmp(p, "//?/", 4) == 0)
        p += 4;
    if (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':')
        p += 2;
    return strchr(p, ':') != NULL;
}

FILE *kb_fopen_write(const char *path)
{
    if (names_stream(path)) {
        errno = EINVAL;
        return NULL;
    }
    wchar_t *w = kb_win_wide(path, true);
    if (w == NULL) {
        errno = EINVAL;
        return NULL;
    }
    FILE *fp = _wfopen(w, L"wb");
    free(w);
    return fp;
}

/* The volume and file index of PATH (following links), as GetFileInformationByHandle gives. */
static bool file_id(const char *path, BY_HANDLE_FILE_INFORMATION *info)
{
    wchar_t *w = kb_win_wide(path, true);
    if (w == NULL)
        return false;
    kb_win_redirect r;
    kb_win_redirect_off(&r);
    HANDLE h = CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    kb_win_redirect_restore(&r);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return false;
    bool ok = GetFileInformationByHandle(h, info) != 0;
    CloseHandle(h);
    return ok;
}

bool kb_same_file(const char *a, const char *b)
{
    BY_HANDLE_FILE_INFORMATION x, y;
    return file_id(a, &x) && file_id(b, &y) && x.dwVolumeSerialNumber == y.dwVolumeSerialNumber &&
           x.nFileIndexHigh == y.nFileIndexHigh && x.nFileIndexLow == y.nFileIndexLow;
}

void kb_stream_text(FILE *fp)
{
    fflush(fp);
    _setmode(_fileno(fp), _O_TEXT);
}

char *kb_absolute_path(const char *path)
{
    wchar_t *w = kb_win_wide(path, true);
    DWORD n = w ? GetFullPathNameW(w, 0, NULL, NULL) : 0;
    wchar_t *full = n ? malloc(((size_t)n + 1) * sizeof *full) : NULL;
    char *u = NULL;
    if (full && GetFullPathNameW(w, n + 1, full, NULL) > 0 && (u = kb_win_utf8(full)) != NULL)
        for (char *p = u; *p; p++)
            if (*p == '\\')
                *p = '/';
    free(full);
    free(w);
    return u;
}

bool kb_is_path_separator(char c)
{
    return c == '/' || c == '\\';
}

bool kb_is_color_terminal(int fd)
{
    /* the Windows Server 2008 console shows ANSI escape sequences as text */
    (void)fd;
    return false;
}
