/* The programs check_imports.py's own tests feed it (tests/windows/CMakeLists.txt builds one
 * per variant): without a variant macro, a plain console program that must pass; with
 * KB_SELFTEST_NEWAPI, one importing GetSystemTimePreciseAsFileTime (Windows 8), and with
 * KB_SELFTEST_ZLIB_DLL, one linked against zlib1.dll, both of which must be rejected, so
 * that the check is seen to fail when it should. */
#include <stdio.h>
#include <windows.h>
#ifdef KB_SELFTEST_ZLIB_DLL
#include <zlib.h>
#endif

#ifdef KB_SELFTEST_NEWAPI
/* Declared here: with _WIN32_WINNT=0x0600 the headers rightly hide it. */
WINBASEAPI VOID WINAPI GetSystemTimePreciseAsFileTime(LPFILETIME ft);
#endif

int main(void)
{
    FILETIME ft;
#ifdef KB_SELFTEST_NEWAPI
    GetSystemTimePreciseAsFileTime(&ft);
#else
    GetSystemTimeAsFileTime(&ft);
#endif
#ifdef KB_SELFTEST_ZLIB_DLL
    printf("zlib %s\n", zlibVersion());
#endif
    printf("%lu\n", (unsigned long)ft.dwHighDateTime);
    return 0;
}
