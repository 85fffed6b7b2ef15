/* kbaudit — opening evidence, the one place that talks to the operating system's file API.
 *
 * Every file and folder kbaudit reads from a target is opened through these: read-only,
 * never for writing. Two implementations sit behind this header:
 *  - evidence_posix.c: non-blocking opens (a FIFO cannot hang us), O_NOATIME where the kernel
 *    allows it (the owner or CAP_FOWNER), close-on-exec, never a controlling terminal;
 *  - evidence_win32.c: UTF-8 paths converted to UTF-16 at this edge ('/' becomes '\'),
 *    CreateFileW with read sharing, devices and pipes refused, and the WOW64 file-system
 *    redirector switched off around each call, so a 32-bit kbaudit.exe on an x64 host reads
 *    the real System32 and not SysWOW64.
 *
 * Paths the core builds use '/' between components on every platform (a Windows root stays
 * as given, "E:\" or "\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1\"); the Windows
 * implementation turns every '/' into '\' before calling the API. */
#ifndef KBAUDIT_EVIDENCE_H
#define KBAUDIT_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "kbaudit/error.h"

/* Opens a file read-only; returns a C runtime descriptor (read/close), or -1 with err set
 * ("PATH: cannot open: ...", kind KB_ERR_NOTFOUND when it does not exist, KB_ERR_DENIED when
 * access is refused). */
int kb_open_readonly(const char *path, kb_error *err);
/* Opens a regular file read-only (as kb_open_readonly) and checks it: directories, devices,
 * FIFOs and sockets are refused, and so is a file of more than CAP bytes ("PATH: N bytes,
 * larger than the 4 MiB limit for a WHAT"; CAP 0: no limit). Returns the descriptor and the
 * size, or -1 with err set. */
int kb_open_regular(const char *path, size_t cap, const char *what, size_t *size, kb_error *err);

/* Maps a regular file read-only (opened as above). *data is never NULL (an empty file gives a
 * pointer to a static empty buffer); release with kb_unmap(*data, *size). `sequential`
 * hints that the whole file will be read front to back. */
int kb_map_readonly(const char *path, bool sequential, const void **data, size_t *size, kb_error *err);
void kb_unmap(const void *data, size_t size);

/* Listing a folder without touching its access time. Names are UTF-8; "." and ".." are
 * skipped. kb_dir_next returns NULL at the end (the name is valid until the next call). */
typedef struct kb_dir kb_dir;
kb_dir *kb_dir_open(const char *path, kb_error *err);
const char *kb_dir_next(kb_dir *d);
/* After kb_dir_next returned NULL: 0 when the listing reached its end, -1 with err set when
 * it stopped early (a read error, a name that cannot be given in UTF-8). */
int kb_dir_status(const kb_dir *d, kb_error *err);
void kb_dir_close(kb_dir *d);

/* What is at PATH, without following a final symbolic link, junction or other reparse
 * point (KB_PATH_LINK). KB_PATH_NONE when nothing is there (not an error). */
typedef enum kb_path_kind {
    KB_PATH_NONE, KB_PATH_FILE, KB_PATH_DIR, KB_PATH_LINK, KB_PATH_OTHER
} kb_path_kind;
int kb_path_kind_of(const char *path, kb_path_kind *kind, kb_error *err);
/* Whether PATH is a folder once every link is followed (a volume mounted on a folder is one
 * on Windows, though its path is a reparse point). */
int kb_path_is_dir(const char *path, bool *is_dir, kb_error *err);

/* The entry of folder DIR whose name is NAME, compared as Windows compares names (exact
 * match first, then case-insensitively with kb_upcase16); *found is its on-disk name,
 * malloc'ed. KB_ERR_NOTFOUND when there is none. */
int kb_dir_find(const char *dir, const char *name, char **found, kb_error *err);

/* The canonical absolute form of PATH with every link resolved (realpath; on Windows the
 * final path of an opened handle), '/' between components, malloc'ed; NULL with err set.
 * Two paths inside one another compare by prefix in this form. */
char *kb_realpath(const char *path, kb_error *err);

/* Paths as a report shows them: the '/' the core puts between components, as the platform
 * writes it ('\' on Windows), in a malloc'ed copy; NULL for NULL (no such path). */
char *kb_native_path(const char *path);

#endif
