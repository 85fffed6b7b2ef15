/* Read-only opening of evidence on Windows (see kbaudit/evidence.h). Paths arrive as UTF-8
 * with '/' or '\' and go to the wide-character API; every call runs with the WOW64
 * file-system redirector off, so System32 means System32 for the 32-bit exe too. Files are
 * opened for reading only, sharing read, write and delete with whoever else has them open
 * (a running system's files are in use); a file locked exclusively (a loaded hive under
 * --root C:\) gives the system's "used by another process" error. */
#include "kbaudit/evidence.h"

#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/utf.h"
#include "kbaudit/win32.h"

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* CreateFileW for reading, redirector off. FLAGS: 0 for files, FILE_FLAG_BACKUP_SEMANTICS to
 * open a folder (for its final path). INVALID_HANDLE_VALUE with err set. */
static HANDLE open_handle(const char *path, DWORD access, DWORD flags, kb_error *err)
{
    wchar_t *w = kb_win_wide(path, true);
    if (w == NULL) {
        kb_error_set(err, KB_ERR_NOTFOUND, "%s: cannot open: not a valid UTF-8 path", path);
        return INVALID_HANDLE_VALUE;
    }
    kb_win_redirect r;
    kb_win_redirect_off(&r);
    HANDLE h = CreateFileW(w, access, SHARE_ALL, NULL, OPEN_EXISTING, flags, NULL);
    DWORD code = GetLastError();
    kb_win_redirect_restore(&r);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        kb_win_error_set(err, code, path, "cannot open");
    return h;
}

/* A C runtime descriptor owning H (closed with close()), or -1. */
static int handle_fd(HANDLE h, const char *path, kb_error *err)
{
    int fd = _open_osfhandle((intptr_t)h, _O_RDONLY | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        kb_error_set(err, KB_ERR_IO, "%s: cannot open: no C runtime descriptor left", path);
    }
    return fd;
}

int kb_open_readonly(const char *path, kb_error *err)
{
    HANDLE h = open_handle(path, GENERIC_READ, FILE_ATTRIBUTE_NORMAL, err);
    return h == INVALID_HANDLE_VALUE ? -1 : handle_fd(h, path, err);
}

/* Opens PATH as a regular file on a disk and gives its size: devices, pipes and folders are
 * refused before anything is read. */
static HANDLE open_regular(const char *path, size_t cap, const char *what, size_t *size, kb_error *err)
{
    *size = 0;
    kb_path_kind kind;
    if (kb_path_kind_of(path, &kind, err) != 0)
        return INVALID_HANDLE_VALUE;
    if (kind == KB_PATH_NONE) {
        kb_error_set(err, KB_ERR_NOTFOUND, "%s: cannot open: No such file or directory", path);
        return INVALID_HANDLE_VALUE;
    }
    if (kind == KB_PATH_DIR) {
        kb_error_set(err, KB_ERR_IO, "%s: not a regular file (a directory)", path);
        return INVALID_HANDLE_VALUE;
    }
    HANDLE h = open_handle(path, GENERIC_READ, FILE_ATTRIBUTE_NORMAL, err);
    if (h == INVALID_HANDLE_VALUE)
        return h;
    LARGE_INTEGER n;
    if (GetFileType(h) != FILE_TYPE_DISK) {
        CloseHandle(h);
        kb_error_set(err, KB_ERR_IO, "%s: not a regular file (a device, pipe or console)", path);
        return INVALID_HANDLE_VALUE;
    }
    if (!GetFileSizeEx(h, &n)) {
        DWORD code = GetLastError();
        CloseHandle(h);
        kb_win_error_set(err, code, path, "cannot get its size");
        return INVALID_HANDLE_VALUE;
    }
    if (n.QuadPart < 0 || (cap > 0 && (uint64_t)n.QuadPart > cap) || (uint64_t)n.QuadPart > SIZE_MAX) {
        CloseHandle(h);
        if (cap % (1u << 20) == 0)
            kb_error_set(err, KB_ERR_FORMAT, "%s: %lld bytes, larger than the %zu MiB limit for a %s", path,
                         (long long)n.QuadPart, cap >> 20, what);
        else
            kb_error_set(err, KB_ERR_FORMAT, "%s: %lld bytes, larger than the %zu-byte limit for a %s", path,
                         (long long)n.QuadPart, cap, what);
        return INVALID_HANDLE_VALUE;
    }
    *size = (size_t)n.QuadPart;
    return h;
}

int kb_open_regular(const char *path, size_t cap, const char *what, size_t *size, kb_error *err)
{
    HANDLE h = open_regular(path, cap, what, size, err);
    return h == INVALID_HANDLE_VALUE ? -1 : handle_fd(h, path, err);
}

int kb_map_readonly(const char *path, bool sequential, const void **data, size_t *size, kb_error *err)
{
    static const unsigned char empty[1];
    (void)sequential;   /* the cache manager reads ahead on its own */
    *data = empty;
    *size = 0;
    size_t n;
    HANDLE h = open_regular(path, 0, "file", &n, err);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    if (n > 0) {
        HANDLE m = CreateFileMappingW(h, NULL, PAGE_READONLY, 0, 0, NULL);
        const void *view = m ? MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0) : NULL;
        DWORD code = GetLastError();
        if (m)
            CloseHandle(m);   /* the view keeps the mapping alive */
        if (view == NULL) {
            CloseHandle(h);
            return kb_win_error_set(err, code, path, "cannot map");
        }
        *data = view;
        *size = n;
    }
    CloseHandle(h);
    return 0;
}

void kb_unmap(const void *data, size_t size)
{
    if (size > 0)
        UnmapViewOfFile(data);
}

struct kb_dir {
    HANDLE find;
    WIN32_FIND_DATAW entry;
    bool have;       /* `entry` holds an entry not yet returned */
    kb_buf name;
    char *path;      /* for the message of a listing that ends early */
    DWORD error;     /* why FindNextFileW stopped, when not at the end */
};

kb_dir *kb_dir_open(const char *path, kb_error *err)
{
    kb_buf pattern = KB_BUF_INIT;
    size_t n = strlen(path);
    bool sep = n > 0 && (path[n - 1] == '/' || path[n - 1] == '\\');
    wchar_t *w = NULL;
    if (kb_buf_puts(&pattern, path) == 0 && kb_buf_puts(&pattern, sep ? "*" : "/*") == 0)
        w = kb_win_wide(pattern.data, true);
    kb_buf_free(&pattern);
    kb_dir *d = w ? calloc(1, sizeof *d) : NULL;
    if (d == NULL) {
        free(w);
        kb_error_set(err, KB_ERR_NOMEM, "%s: cannot list: out of memory or not UTF-8", path);
        return NULL;
    }
    kb_win_redirect r;
    kb_win_redirect_off(&r);
    d->find = FindFirstFileW(w, &d->entry);
    DWORD code = GetLastError();
    kb_win_redirect_restore(&r);
    free(w);
    if (d->find == INVALID_HANDLE_VALUE && code != ERROR_FILE_NOT_FOUND) {
        free(d);
        kb_win_error_set(err, code == ERROR_DIRECTORY ? ERROR_PATH_NOT_FOUND : code, path, "cannot list");
        return NULL;
    }
    d->have = d->find != INVALID_HANDLE_VALUE;   /* ERROR_FILE_NOT_FOUND: an empty folder */
    d->path = strdup(path);
    return d;
}

const char *kb_dir_next(kb_dir *d)
{
    while (d->have) {
        kb_buf_reset(&d->name);
        int r = kb_win_put_utf8(&d->name, d->entry.cFileName, -1);
        kb_win_redirect rd;
        kb_win_redirect_off(&rd);
        d->have = FindNextFileW(d->find, &d->entry) != 0;
        if (!d->have && GetLastError() != ERROR_NO_MORE_FILES)
            d->error = GetLastError();
        kb_win_redirect_restore(&rd);
        if (r != 0 || d->name.data == NULL) {
            d->error = ERROR_NO_UNICODE_TRANSLATION;   /* a name we cannot give: say so */
            continue;
        }
        if (strcmp(d->name.data, ".") != 0 && strcmp(d->name.data, "..") != 0)
            return d->name.data;
    }
    return NULL;
}

void kb_dir_close(kb_dir *d)
{
    if (d == NULL)
        return;
    if (d->find != INVALID_HANDLE_VALUE)
        FindClose(d->find);
    kb_buf_free(&d->name);
    free(d->path);
    free(d);
}

int kb_dir_status(const kb_dir *d, kb_error *err)
{
    return d->error ? kb_win_error_set(err, d->error, d->path ? d->path : "?", "listing ended early") : 0;
}

int kb_path_kind_of(const char *path, kb_path_kind *kind, kb_error *err)
{
    *kind = KB_PATH_NONE;
    wchar_t *w = kb_win_wide(path, true);
    if (w == NULL)
        return 0;   /* not valid UTF-8: no such name can exist */
    kb_win_redirect r;
    kb_win_redirect_off(&r);
    DWORD a = GetFileAttributesW(w);
    DWORD code = GetLastError();
    kb_win_redirect_restore(&r);
    free(w);
    if (a == INVALID_FILE_ATTRIBUTES) {
        if (kb_win_error_kind(code) == KB_ERR_NOTFOUND)
            return 0;
        return kb_win_error_set(err, code, path, "cannot stat");
    }
    *kind = a & FILE_ATTRIBUTE_REPARSE_POINT ? KB_PATH_LINK
            : a & FILE_ATTRIBUTE_DIRECTORY ? KB_PATH_DIR
            : a & FILE_ATTRIBUTE_DEVICE ? KB_PATH_OTHER : KB_PATH_FILE;
    return 0;
}

int kb_dir_find(const char *dir, const char *name, char **found, kb_error *err)
{
    *found = NULL;
    /* FindFirstFileW on "DIR\NAME" compares as the file system does (case-insensitively) and
     * gives the on-disk spelling; a name with wildcards would match others, so none exists */
    if (strpbrk(name, "*?<>\"") != NULL)
        return kb_error_set(err, KB_ERR_NOTFOUND, "%s: no entry named \"%s\" (any case)", dir, name);
    kb_buf p = KB_BUF_INIT;
    size_t n = strlen(dir);
    bool sep = n > 0 && (dir[n - 1] == '/' || dir[n - 1] == '\\');
    wchar_t *w = NULL;
    if (kb_buf_puts(&p, dir) == 0 && (sep || kb_buf_putc(&p, '/') == 0) && kb_buf_puts(&p, name) == 0)
        w = kb_win_wide(p.data, true);
    kb_buf_free(&p);
    if (w == NULL)
        return kb_error_set(err, KB_ERR_NOTFOUND, "%s: no entry named \"%s\" (any case)", dir, name);
    WIN32_FIND_DATAW e;
    kb_win_redirect r;
    kb_win_redirect_off(&r);
    HANDLE h = FindFirstFileW(w, &e);
    DWORD code = GetLastError();
    kb_win_redirect_restore(&r);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        if (kb_win_error_kind(code) == KB_ERR_NOTFOUND)
            return kb_error_set(err, KB_ERR_NOTFOUND, "%s: no entry named \"%s\" (any case)", dir, name);
        return kb_win_error_set(err, code, dir, "cannot list");
    }
    FindClose(h);
    *found = kb_win_utf8(e.cFileName);
    return *found ? 0 : kb_error_set(err, KB_ERR_NOMEM, "out of memory");
}

/* GetFinalPathNameByHandleW into a buffer of the size it asks for; NULL on failure. */
static wchar_t *final_path_wide(HANDLE h, DWORD flags)
{
    DWORD need = GetFinalPathNameByHandleW(h, NULL, 0, flags);
    for (int tries = 0; need > 0 && tries < 3; tries++) {
        wchar_t *w = malloc(((size_t)need + 1) * sizeof *w);
        if (w == NULL)
            return NULL;
        DWORD n = GetFinalPathNameByHandleW(h, w, need + 1, flags);
        if (n > 0 && n <= need)
            return w;
        free(w);
        need = n;   /* the path changed between the calls */
    }
    return NULL;
}

/* The final path of an open handle: "\\?\E:\dir" as "E:/dir"; a volume without a drive
 * letter (a shadow copy) as "//?/GLOBALROOT/Device/HarddiskVolumeShadowCopy1/dir". */
static char *final_path(HANDLE h)
{
    kb_buf out = KB_BUF_INIT;
    int r = 0;
    wchar_t *buf = final_path_wide(h, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (buf != NULL) {
        const wchar_t *s = buf;
        if (wcsncmp(s, L"\\\\?\\UNC\\", 8) == 0) {
            r = kb_buf_puts(&out, "\\\\");
            s += 8;
        } else if (wcsncmp(s, L"\\\\?\\", 4) == 0) {
            s += 4;
        }
        r = r || kb_win_put_utf8(&out, s, -1);
    } else if ((buf = final_path_wide(h, FILE_NAME_NORMALIZED | VOLUME_NAME_NT)) != NULL) {
        r = kb_buf_puts(&out, "\\\\?\\GLOBALROOT") || kb_win_put_utf8(&out, buf, -1);
    } else {
        return NULL;
    }
    free(buf);
    if (r != 0 || out.data == NULL) {
        kb_buf_free(&out);
        return NULL;
    }
    for (char *p = out.data; *p; p++)
        if (*p == '\\')
            *p = '/';
    /* a volume's root keeps its separator ("E:/"); a folder has none at its end */
    if (out.len > 1 && out.data[out.len - 1] == '/' && !(out.len == 3 && out.data[1] == ':') &&
        strncmp(out.data, "//?/GLOBALROOT/", 15) != 0)
        out.data[--out.len] = '\0';
    return out.data;
}

char *kb_realpath(const char *path, kb_error *err)
{
    /* no access beyond attributes; backup semantics let a folder be opened too */
    HANDLE h = open_handle(path, FILE_READ_ATTRIBUTES, FILE_FLAG_BACKUP_SEMANTICS, err);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    char *real = final_path(h);
    DWORD code = GetLastError();
    CloseHandle(h);
    if (real == NULL)
        kb_win_error_set(err, code, path, "cannot be resolved");
    return real;
}

char *kb_native_path(const char *path)
{
    char *s = path ? strdup(path) : NULL;
    for (char *p = s; p && *p; p++)
        if (*p == '/')
            *p = '\\';
    return s;
}

int kb_path_is_dir(const char *path, bool *is_dir, kb_error *err)
{
    /* through the opened folder: a volume mounted on a folder is a reparse point by its path,
     * and a directory once opened */
    *is_dir = false;
    HANDLE h = open_handle(path, FILE_READ_ATTRIBUTES, FILE_FLAG_BACKUP_SEMANTICS, err);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    BY_HANDLE_FILE_INFORMATION info;
    BOOL ok = GetFileInformationByHandle(h, &info);
    DWORD code = GetLastError();
    CloseHandle(h);
    if (!ok)
        return kb_win_error_set(err, code, path, "cannot stat");
    *is_dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    return 0;
}
