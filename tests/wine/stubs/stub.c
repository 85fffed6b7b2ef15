/* A stand-in for wusa.exe and shutdown.exe in the wine test of kbaudit's install scripts
 * (tests/wine/script_test.py): appends its name and command line to C:\stub.log and exits
 * with the code C:\stub-codes.txt gives for the first word of that file's lines that
 * occurs in the command line ("a.msu 3010"), else 0. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

int main(void)
{
    const char *cmd = GetCommandLineA();
    FILE *log = fopen("C:\\stub.log", "a");
    if (log) {
        fprintf(log, "%s\n", cmd);
        fclose(log);
    }
    FILE *codes = fopen("C:\\stub-codes.txt", "r");
    char name[256];
    long code;
    int rc = 0;
    while (codes && fscanf(codes, "%255s %ld", name, &code) == 2) {
        if (strstr(cmd, name) != NULL) {
            rc = (int)code;
            break;
        }
    }
    if (codes)
        fclose(codes);
    return rc;
}
