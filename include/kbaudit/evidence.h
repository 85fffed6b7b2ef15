/* kbaudit — opening evidence. Every file and folder kbaudit reads from a target is opened
 * through these: read-only, non-blocking (a FIFO cannot hang us), O_NOATIME where the kernel allows it (the owner or CAP_FOWNER),
 * close-on-exec, never a controlling terminal. Nothing is ever opened for writing. */
#ifndef KBAUDIT_EVIDENCE_H
#define KBAUDIT_EVIDENCE_H

#include <dirent.h>

#include "kbaudit/error.h"

/* Opens a file read-only; returns the descriptor, or -1 with err set ("PATH: cannot open: ...",
 * kind KB_ERR_NOTFOUND when it does not exist). */
int kb_open_readonly(const char *path, kb_error *err);
/* Opens a folder for listing without touching its access time. NULL with err set. */
DIR *kb_opendir_readonly(const char *path, kb_error *err);

#endif
