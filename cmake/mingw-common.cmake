# Shared by toolchain-mingw-x86_64.cmake and toolchain-mingw-i686.cmake, which set
# KBAUDIT_MINGW_TRIPLET and CMAKE_SYSTEM_PROCESSOR first.
#
# Target: Windows Server 2008 SP2 / Vista (NT 6.0), x86 and x64, one static console exe that
# imports nothing but DLLs a bare 2008 SP2 ships (tests/windows/check_imports.py checks it).
#
# Compilers: Debian's default names (x86_64-w64-mingw32-gcc, i686-w64-mingw32-gcc). Their
# alternatives point at the "-win32" thread-model variants by default, whose libgcc and
# libstdc++ do not use winpthreads; either way, -static below links whatever the runtime
# needs into the exe instead of importing libwinpthread-1.dll or libgcc_s_*.dll.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_VERSION 6.0)

set(CMAKE_C_COMPILER ${KBAUDIT_MINGW_TRIPLET}-gcc)
set(CMAKE_RC_COMPILER ${KBAUDIT_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${KBAUDIT_MINGW_TRIPLET}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${KBAUDIT_MINGW_TRIPLET}-ranlib CACHE FILEPATH "")

# Headers and libraries only from the mingw-w64 tree (zlib's libz-mingw-w64-dev installs
# there too); programs (python3 for the generated sources, cmake itself) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${KBAUDIT_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Definitions and link options (and why each): mingw-flags.cmake.
include(${CMAKE_CURRENT_LIST_DIR}/mingw-flags.cmake)
string(JOIN " " CMAKE_C_FLAGS_INIT ${KBAUDIT_MINGW_DEFINITIONS})
string(JOIN " " CMAKE_EXE_LINKER_FLAGS_INIT ${KBAUDIT_MINGW_LINK_OPTIONS})

# The Win32 libraries kbaudit itself calls, and no more: advapi32 (registry: RegOpenKeyExW,
# RegQueryValueExW, ...). kernel32 and msvcrt come with gcc's own link line. Not version.dll:
# kbaudit reads version resources with its own PE reader. CMake's Windows-GNU default (gdi32,
# winspool, ole32, comdlg32, ...) is replaced so the link line says what the exe needs.
set(CMAKE_C_STANDARD_LIBRARIES "-ladvapi32" CACHE STRING "Libraries linked into every Windows program")

# add_test() of a Windows program runs it under wine: CMAKE_CROSSCOMPILING_EMULATOR is set in
# CMakeLists.txt from cmake/KbauditWine.cmake, which knows whether this host runs 32-bit code.
