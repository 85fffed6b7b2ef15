# Windows x64 (PE32+) with Debian's mingw-w64: cmake --preset win64, or
# cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-x86_64.cmake. See mingw-common.cmake.
set(KBAUDIT_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-common.cmake)
