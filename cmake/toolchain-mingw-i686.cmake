# Windows x86 (PE32) with Debian's mingw-w64: cmake --preset win32, or
# cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-i686.cmake. See mingw-common.cmake.
set(KBAUDIT_MINGW_TRIPLET i686-w64-mingw32)
set(CMAKE_SYSTEM_PROCESSOR x86)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-common.cmake)
