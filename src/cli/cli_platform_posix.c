/* POSIX: arguments are already the bytes the user typed, and output goes out as written. */
#include "cli_platform.h"

int cli_platform_start(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return 0;
}

void cli_platform_finish(void) {}
