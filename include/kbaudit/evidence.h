/* kbaudit — opening evidence. Every file and folder kbaudit reads from a target is opened
 * through these: read-only, non-blocking (a FIFO cannot hang us), O_NOATIME where the kernel allows it (the owner or CAP_FOWNER),
 * close-on-exec, never a controlling terminal. Nothing is ever opened for writing. */
#ifndef KBAUDIT_EVIDENCE_H
#define KBAUDIT_EVIDENCE_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

#include "kbaudit/error.h"

/* Opens a file read-only; returns the descriptor, or -1 with err set ("PATH: cannot open: ...",
 * kind KB_ERR_NOTFOUND when it does not exist). */
int kb_open_readonly(const char *path, kb_error *err);
/* Opens a regular file read-only (as kb_open_readonly) and checks it: directories, devices,
 * FIFOs and sockets are refused, and so is a file of more than CAP bytes ("PATH: N bytes,
 * larger than the 4 MiB limit for a WHAT"; CAP 0: no limit). Returns the descriptor and the
 * size, or -1 with err set. */
int kb_open_regular(const char *path, size_t cap, const char *what, size_t *size, kb_error *err);
/* Opens a folder for listing without touching its access time. NULL with err set. */
DIR *kb_opendir_readonly(const char *path, kb_error *err);

/* Maps a regular file read-only (opened as above). *data is never NULL (an empty file gives a
 * pointer to a static empty buffer); release with kb_unmap(*data, *size). `sequential`
 * hints that the whole file will be read front to back. */
int kb_map_readonly(const char *path, bool sequential, const void **data, size_t *size, kb_error *err);
void kb_unmap(const void *data, size_t size);

#endif
