/* Report output on POSIX systems (see kbaudit/outfile.h). */
#include "kbaudit/outfile.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *kb_fopen_write(const char *path)
{
    return fopen(path, "wb");
}

bool kb_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void kb_stream_text(FILE *fp)
{
    (void)fp;   /* '\n' is the line end */
}

char *kb_absolute_path(const char *path)
{
    return strdup(path);   /* realpath resolves it later; a relative name is fine here */
}

bool kb_is_path_separator(char c)
{
    return c == '/';
}

bool kb_is_color_terminal(int fd)
{
    return isatty(fd) == 1;
}
