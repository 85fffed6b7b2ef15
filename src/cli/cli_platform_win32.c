/* Windows: UTF-8 arguments from the wide command line, and standard output and error that
 * carry UTF-8 bytes. When one of them is a console, its descriptor is moved onto a pipe
 * whose reader thread decodes the UTF-8 and writes it with WriteConsoleW: the console of
 * Windows Server 2008 shows UTF-16 correctly, while UTF-8 bytes written to it (code page
 * 65001) come out wrong or make the C runtime report short writes. Redirected to a file or
 * a pipe, the bytes go out unchanged. */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_platform.h"
#include "kbaudit/win32.h"   /* windows.h, which shellapi.h needs first */

#include <shellapi.h>

typedef struct console_pipe {
    int fd;              /* 1 or 2 */
    HANDLE console;      /* where the text goes */
    HANDLE read_end;
    HANDLE thread;
} console_pipe;

static console_pipe pipes[2];

/* Writes N bytes of UTF-8 to the console; returns how many bytes were consumed (an
 * incomplete sequence at the end waits for the next read). */
static size_t write_console(HANDLE console, const char *s, size_t n)
{
    size_t whole = n;
    /* back up over a sequence cut by the end of the read (at most 3 bytes) */
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)s[n - back];
        if ((c & 0xC0) == 0x80)
            continue;   /* a continuation byte: keep looking for its lead */
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (need > back)
            whole = n - back;
        break;
    }
    if (whole == 0)
        return n > 3 ? n : 0;   /* garbage longer than a sequence: let the decoder replace it */
    int units = MultiByteToWideChar(CP_UTF8, 0, s, (int)whole, NULL, 0);
    wchar_t *w = units > 0 ? malloc((size_t)units * sizeof *w) : NULL;
    if (w != NULL) {
        MultiByteToWideChar(CP_UTF8, 0, s, (int)whole, w, units);
        DWORD done;
        for (int off = 0; off < units;) {
            /* the 2008 console takes at most about 64 KB per call */
            DWORD chunk = (DWORD)(units - off > 8192 ? 8192 : units - off);
            if (!WriteConsoleW(console, w + off, chunk, &done, NULL) || done == 0)
                break;
            off += (int)done;
        }
        free(w);
    }
    return whole;
}

static DWORD WINAPI pump(LPVOID arg)
{
    console_pipe *p = arg;
    char buf[4096 + 4];
    size_t have = 0;
    DWORD got;
    while (ReadFile(p->read_end, buf + have, 4096, &got, NULL) && got > 0) {
        have += got;
        size_t used = write_console(p->console, buf, have);
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    if (have > 0)
        write_console(p->console, buf, have);   /* a cut sequence at the very end */
    CloseHandle(p->read_end);
    return 0;
}

/* Puts a pipe to a console writer under FD when FD is a console. */
static void console_to_pipe(console_pipe *p, int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    DWORD mode;
    p->fd = fd;
    if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
        return;
    /* our own handle to the console: _dup2 below closes the one FD held (and stdout and
     * stderr may share it) */
    HANDLE con;
    if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &con, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return;
    HANDLE r, w;
    if (!CreatePipe(&r, &w, NULL, 0)) {
        CloseHandle(con);
        return;
    }
    int wfd = _open_osfhandle((intptr_t)w, _O_WRONLY | _O_BINARY);
    if (wfd < 0) {
        CloseHandle(r), CloseHandle(w), CloseHandle(con);
        return;
    }
    p->console = con;
    p->read_end = r;
    p->thread = CreateThread(NULL, 0, pump, p, 0, NULL);
    if (p->thread == NULL) {
        _close(wfd);
        CloseHandle(r), CloseHandle(con);
        return;
    }
    _dup2(wfd, fd);   /* stdout/stderr now write into the pipe */
    _close(wfd);
}

int cli_platform_start(int *argc, char ***argv)
{
    int n = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    if (wargv == NULL || n < 1)
        return -1;
    char **v = calloc((size_t)n + 1, sizeof *v);
    for (int i = 0; v && i < n; i++)
        if ((v[i] = kb_win_utf8(wargv[i])) == NULL)
            v = NULL;   /* out of memory: the arguments stay the runtime's (leaked: exiting) */
    LocalFree(wargv);
    if (v == NULL)
        return -1;
    *argc = n;
    *argv = v;   /* lives until the process ends */
    fflush(stdout);
    fflush(stderr);
    console_to_pipe(&pipes[0], 1);
    console_to_pipe(&pipes[1], 2);
    _setmode(1, _O_BINARY);
    _setmode(2, _O_BINARY);
    return 0;
}

void cli_platform_finish(void)
{
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 2; i++) {
        if (pipes[i].thread == NULL)
            continue;
        /* closing the descriptor closes the pipe's write end: the reader sees the end */
        _close(pipes[i].fd);
        WaitForSingleObject(pipes[i].thread, 10000);
        CloseHandle(pipes[i].thread);
        CloseHandle(pipes[i].console);
        pipes[i].thread = NULL;
    }
}
