# The compile definitions and link options of every Windows program kbaudit builds, in one
# place: the toolchain files (mingw-common.cmake) use them for the cross builds, and
# tests/windows for the small programs it builds directly with the mingw-w64 compilers.
#
# _WIN32_WINNT/WINVER 0x0600: the Windows headers then declare nothing newer than
#   Vista/2008, so a call to a newer API fails to compile instead of failing to load on 2008.
# __USE_MINGW_ANSI_STDIO=1: printf and friends from mingw-w64's own C99 implementation
#   (%zu, %lld, %hhu work), not msvcrt.dll's, whose 2008 version lacks them.
# UNICODE/_UNICODE: an unsuffixed Win32 name is the W (UTF-16) one; kbaudit is UTF-8
#   inside and converts at the Windows edges, so no code page ever touches a path.
set(KBAUDIT_MINGW_DEFINITIONS
    -D_WIN32_WINNT=0x0600 -DWINVER=0x0600 -D__USE_MINGW_ANSI_STDIO=1 -DUNICODE -D_UNICODE)

# -static -static-libgcc: no libgcc_s_*.dll, libwinpthread-1.dll or any other mingw DLL
#   beside the exe; one file is copied onto the box.
# -mconsole: a console program (the default, said so anyway). No -municode: the entry point
#   is a plain main() that asks GetCommandLineW for the UTF-16 arguments itself.
# Subsystem and OS version 6.0: the loader of 2008 (NT 6.0) refuses an exe whose header asks
#   for a later version, and binutils' defaults differ between PE32 and PE32+ (x64: 5.2 and
#   4.0), so the header says exactly what kbaudit targets.
set(KBAUDIT_MINGW_LINK_OPTIONS
    -static -static-libgcc -mconsole
    -Wl,--major-subsystem-version,6,--minor-subsystem-version,0,--major-os-version,6,--minor-os-version,0)
