/* kbaudit — where reports go: the few calls about output files and terminals that differ
 * between POSIX systems (outfile_posix.c) and Windows (outfile_win32.c). Evidence is never
 * opened through these (kbaudit/evidence.h reads it). */
#ifndef KBAUDIT_OUTFILE_H
#define KBAUDIT_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

/* Creates or truncates the report file PATH (UTF-8) for writing in binary mode: the bytes
 * written are the bytes in the file (UTF-8, '\n' line ends, no byte order mark) on every
 * platform. NULL with errno set on failure; on Windows a name with an alternate data stream
 * ("hive:stream", which would hide a stream in an existing file) is refused (EINVAL). */
FILE *kb_fopen_write(const char *path);
/* Text for people from here on: on Windows '\n' is written as "\r\n" (Notepad on 2008 shows a
 * file with bare '\n' as one line); elsewhere nothing changes. JSON and XML stay binary. */
void kb_stream_text(FILE *fp);
/* True when PATH names a file that is there and is the same file as B (a hard or symbolic
 * link, another spelling of the name). */
bool kb_same_file(const char *a, const char *b);
/* PATH made absolute without resolving links (on Windows also a drive-relative "E:x.json",
 * against that drive's current folder), with '/' between components; malloc'ed, NULL when
 * it cannot be. */
char *kb_absolute_path(const char *path);
/* True when C separates path components here ('/'; on Windows '\' too). */
bool kb_is_path_separator(char c);
/* True when FD is a terminal that understands ANSI colour sequences (never, on the Windows
 * Server 2008 console). */
bool kb_is_color_terminal(int fd);

#endif
