# The Linux build's view of the Windows exes: when KBAUDIT_WINDOWS is ON, the same source
# tree is built again with each mingw-w64 toolchain, as an ExternalProject, into
# ${CMAKE_BINARY_DIR}/win64 and ${CMAKE_BINARY_DIR}/win32. Each is an ordinary cross build
# (what `cmake --preset win64` makes), so its libxml2 stays cached in its own deps/ folder.
# Sets KBAUDIT_WIN64_EXE and KBAUDIT_WIN32_EXE (and the _LINKCHECK programs) for tests/windows.
include(ExternalProject)

foreach(arch IN ITEMS win64 win32)
  if(arch STREQUAL win64)
    set(toolchain ${PROJECT_SOURCE_DIR}/cmake/toolchain-mingw-x86_64.cmake)
  else()
    set(toolchain ${PROJECT_SOURCE_DIR}/cmake/toolchain-mingw-i686.cmake)
  endif()
  set(bin ${CMAKE_BINARY_DIR}/${arch})
  ExternalProject_Add(kbaudit_${arch}
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${bin}
    PREFIX ${CMAKE_BINARY_DIR}/${arch}-ep
    CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${toolchain} -DCMAKE_BUILD_TYPE=Release
               -DKBAUDIT_TESTS=OFF -DKBAUDIT_WINDOWS=OFF
    INSTALL_COMMAND ""
    # The outer build cannot see the inner one's sources: always run the inner build, which
    # is quick when nothing changed.
    BUILD_ALWAYS TRUE
    BUILD_BYPRODUCTS ${bin}/kbaudit.exe ${bin}/kbaudit_linkcheck.exe)
  string(TOUPPER ${arch} ARCH)
  set(KBAUDIT_${ARCH}_EXE ${bin}/kbaudit.exe)
  set(KBAUDIT_${ARCH}_EXE ${bin}/kbaudit.exe CACHE INTERNAL "kbaudit.exe for Windows ${arch}")
  # The static dependencies alone (tests/windows/linkcheck), for the same checks.
  set(KBAUDIT_${ARCH}_LINKCHECK ${bin}/kbaudit_linkcheck.exe)
endforeach()
