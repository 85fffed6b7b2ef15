/* Stand-in kbaudit.exe for the packaging test (not kbaudit). */
#include <stdio.h>

int main(void)
{
    puts("kbaudit packaging stand-in");
    return 0;
}
