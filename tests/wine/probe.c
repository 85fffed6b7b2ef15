/* probe.exe: what the wine prefix shows a program, the way kbaudit.exe's live mode must read
 * it. Built for i686 and x86_64 by tests/wine/winetest.py; the WOW64 live test runs the i686
 * build on the x64 prefix to prove that the 32-bit decoys (SysWOW64\ntoskrnl.exe,
 * HKLM\SOFTWARE\Wow6432Node\...) are really what a 32-bit program sees by default, so that
 * kbaudit.exe passing that test means it reads the 64-bit views.
 *
 * usage: probe.exe                      one line per fact, "name=value" (see main)
 *        probe.exe attr PATH...         file attributes and reparse tag of each PATH
 *        probe.exe utf8                 writes "caf\u00e9 \u2713" through msvcrt and WriteFile
 *        probe.exe args ARG...          each argument as UTF-8 hex from GetCommandLineW */
#define _WIN32_WINNT 0x0600
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

typedef BOOL (WINAPI *disable_fn)(PVOID *);
typedef BOOL (WINAPI *revert_fn)(PVOID);
typedef BOOL (WINAPI *iswow64_fn)(HANDLE, PBOOL);

static void reg_value(const char *label, REGSAM view)
{
    HKEY k;
    wchar_t buf[64];
    DWORD type = 0, size = sizeof buf - sizeof buf[0];
    LONG rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", 0,
                            KEY_QUERY_VALUE | view, &k);
    if (rc != ERROR_SUCCESS) {
        printf("%s=error %ld\n", label, rc);
        return;
    }
    memset(buf, 0, sizeof buf);
    rc = RegQueryValueExW(k, L"CurrentBuildNumber", NULL, &type, (BYTE *)buf, &size);
    RegCloseKey(k);
    if (rc != ERROR_SUCCESS)
        printf("%s=error %ld\n", label, rc);
    else
        printf("%s=%ls\n", label, buf);
}

/* the file version of PATH, read from its bytes' VS_FIXEDFILEINFO signature (no version.dll,
 * which would itself be loaded through the redirected folder) */
static void file_version(const char *label, const wchar_t *path)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    static unsigned char data[1 << 22];
    DWORD got = 0, i;
    if (h == INVALID_HANDLE_VALUE) {
        printf("%s=error %lu\n", label, GetLastError());
        return;
    }
    ReadFile(h, data, sizeof data, &got, NULL);
    CloseHandle(h);
    for (i = 0; i + 16 <= got; i += 4) {
        if (data[i] == 0xbd && data[i + 1] == 0x04 && data[i + 2] == 0xef && data[i + 3] == 0xfe) {
            DWORD ms, ls;
            memcpy(&ms, data + i + 8, 4);
            memcpy(&ls, data + i + 12, 4);
            printf("%s=%lu.%lu.%lu.%lu\n", label, ms >> 16, ms & 0xffff, ls >> 16, ls & 0xffff);
            return;
        }
    }
    printf("%s=no-version (%lu bytes)\n", label, got);
}

static int facts(void)
{
    wchar_t sysdir[MAX_PATH], windir[MAX_PATH], path[MAX_PATH + 32];
    HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
    iswow64_fn iswow64 = (iswow64_fn)(void (*)(void))GetProcAddress(k32, "IsWow64Process");
    disable_fn disable = (disable_fn)(void (*)(void))GetProcAddress(k32, "Wow64DisableWow64FsRedirection");
    revert_fn revert = (revert_fn)(void (*)(void))GetProcAddress(k32, "Wow64RevertWow64FsRedirection");
    BOOL wow = FALSE;
    PVOID old = NULL;

    if (iswow64)
        iswow64(GetCurrentProcess(), &wow);
    printf("pointer_bits=%u\n", (unsigned)(sizeof(void *) * 8));
    printf("wow64=%d\n", wow ? 1 : 0);
    GetSystemDirectoryW(sysdir, MAX_PATH);
    GetWindowsDirectoryW(windir, MAX_PATH);
    printf("system_dir=%ls\nwindows_dir=%ls\n", sysdir, windir);
    reg_value("reg_default", 0);
    reg_value("reg_64", KEY_WOW64_64KEY);
    reg_value("reg_32", KEY_WOW64_32KEY);
    swprintf(path, MAX_PATH + 32, L"%ls\\System32\\ntoskrnl.exe", windir);
    file_version("kernel_default", path);
    if (disable && disable(&old)) {
        file_version("kernel_noredirect", path);
        revert(old);
    } else {
        printf("kernel_noredirect=error %lu\n", GetLastError());
    }
    file_version("kernel_after_revert", path);
    swprintf(path, MAX_PATH + 32, L"%ls\\Sysnative\\ntoskrnl.exe", windir);
    file_version("kernel_sysnative", path);
    swprintf(path, MAX_PATH + 32, L"%ls\\System32\\crypt32.dll", windir);
    printf("crypt32_default=%s\n", GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES ? "absent" : "present");
    if (disable && disable(&old)) {
        printf("crypt32_noredirect=%s\n", GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES ? "absent" : "present");
        revert(old);
    }
    return 0;
}

static int attrs(int argc, wchar_t **argv)
{
    int i;
    for (i = 2; i < argc; i++) {
        WIN32_FIND_DATAW fd;
        DWORD a = GetFileAttributesW(argv[i]);
        HANDLE f = FindFirstFileW(argv[i], &fd);
        HANDLE h;
        printf("%ls: attributes=0x%lx", argv[i], a);
        if (f != INVALID_HANDLE_VALUE) {
            printf(" find_attributes=0x%lx reserved0=0x%lx", fd.dwFileAttributes, fd.dwReserved0);
            FindClose(f);
        }
        h = CreateFileW(argv[i], 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                        FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, NULL);
        if (h != INVALID_HANDLE_VALUE) {
            BY_HANDLE_FILE_INFORMATION bi;
            static BYTE rp[16384];
            DWORD got = 0;
            wchar_t final[MAX_PATH * 2];
            if (GetFileInformationByHandle(h, &bi))
                printf(" handle_attributes=0x%lx", bi.dwFileAttributes);
            if (GetFinalPathNameByHandleW(h, final, MAX_PATH * 2, 0))
                printf(" final=%ls", final);
            else
                printf(" final_error=%lu", GetLastError());
            if (DeviceIoControl(h, 0x000900a8 /* FSCTL_GET_REPARSE_POINT */, NULL, 0, rp, sizeof rp, &got, NULL))
                printf(" reparse_tag=0x%lx", *(DWORD *)rp);
            else
                printf(" reparse_error=%lu", GetLastError());
            CloseHandle(h);
        } else {
            printf(" open_error=%lu", GetLastError());
        }
        printf("\n");
    }
    return 0;
}

static int utf8(void)
{
    static const char s[] = "caf\xc3\xa9 \xe2\x9c\x93\n";
    DWORD w;
    fputs("msvcrt:", stdout);
    fputs(s, stdout);
    fflush(stdout);
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "writefile:", 10, &w, NULL);
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), s, sizeof s - 1, &w, NULL);
    printf("console_cp=%u output_cp=%u acp=%u oemcp=%u\n", GetConsoleCP(), GetConsoleOutputCP(), GetACP(), GetOEMCP());
    fflush(stdout);
    if (WriteConsoleW(GetStdHandle(STD_OUTPUT_HANDLE), L"writeconsolew:caf\x00e9 \x2713\n", 21, &w, NULL))
        printf("writeconsolew=ok\n");
    else
        printf("writeconsolew=error %lu\n", GetLastError());
    return 0;
}

static int args(int argc, wchar_t **argv)
{
    int i;
    for (i = 2; i < argc; i++) {
        char buf[256];
        int n = WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, buf, sizeof buf, NULL, NULL), j;
        printf("arg%d=", i - 1);
        for (j = 0; j + 1 < n; j++)
            printf("%02x", (unsigned char)buf[j]);
        printf("\n");
    }
    return 0;
}

int main(void)
{
    int argc = 0;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (argc >= 2 && wcscmp(argv[1], L"attr") == 0)
        return attrs(argc, argv);
    if (argc >= 2 && wcscmp(argv[1], L"utf8") == 0)
        return utf8();
    if (argc >= 2 && wcscmp(argv[1], L"args") == 0)
        return args(argc, argv);
    return facts();
}
