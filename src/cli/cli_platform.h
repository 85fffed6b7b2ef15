/* What the command line needs from the platform before and after a command runs. */
#ifndef KBAUDIT_CLI_PLATFORM_H
#define KBAUDIT_CLI_PLATFORM_H

/* Gives the arguments in UTF-8 (on Windows: from the wide command line, whatever the ANSI
 * code page) and prepares standard output and error: binary mode, so that reports are byte
 * for byte the same on every platform, and on a Windows console, text written as UTF-16 so
 * that non-ASCII names show correctly. 0, or -1 when out of memory. */
int cli_platform_start(int *argc, char ***argv);
/* Flushes what cli_platform_start set up; call before returning from main. */
void cli_platform_finish(void);

#endif
