# Release packages (docs/packaging.md): `cmake --build DIR --target package` makes
#   - on a Linux build:   kbaudit_VERSION_ARCH.deb (CPack DEB: /usr/bin/kbaudit, the man page,
#                         the docs, a DEP-5 copyright file and the Debian changelog);
#   - on a Windows build (the mingw-w64 cross builds, CMAKE_SYSTEM_NAME Windows):
#                         kbaudit-VERSION-win32.zip or -win64.zip (CPack ZIP: one folder with
#                         kbaudit.exe, README.txt, LICENSE.txt, kbaudit.txt (the man page as
#                         plain text), WINDOWS.txt and THIRD-PARTY.txt, with CRLF line ends).
# tools/make-release.sh makes all three into dist/. Nothing here downloads anything.
#
# Included at the end of the top-level CMakeLists.txt: the kbaudit and kbaudit_core targets exist.
include_guard(GLOBAL)

# The source tree this file belongs to (not PROJECT_SOURCE_DIR: the packaging test includes this
# file from a stand-in project, tests/package/standin).
get_filename_component(KBAUDIT_PKG_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(KBAUDIT_PKG_HELPERS "${CMAKE_CURRENT_LIST_DIR}/packaging")
set(KBAUDIT_PKG_DIR "${CMAKE_BINARY_DIR}/packaging")   # generated package files
file(MAKE_DIRECTORY "${KBAUDIT_PKG_DIR}")

# On by default where tools/install-deps.sh installed what the tests need (the README's test
# command then checks the packages too); .ci/run turns it on explicitly, so that a missing
# tool fails CI instead of dropping the tests.
find_program(KBAUDIT_PKG_PROBE_LINTIAN lintian)
find_program(KBAUDIT_PKG_PROBE_GROFF groff)
find_program(KBAUDIT_PKG_PROBE_FILE file)
find_program(KBAUDIT_PKG_PROBE_SHLIBDEPS dpkg-shlibdeps)
if(KBAUDIT_PKG_PROBE_LINTIAN AND KBAUDIT_PKG_PROBE_GROFF AND KBAUDIT_PKG_PROBE_FILE AND KBAUDIT_PKG_PROBE_SHLIBDEPS
   AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(kb_package_tests_default ON)
else()
  set(kb_package_tests_default OFF)
endif()
option(KBAUDIT_PACKAGE_TESTS
       "Test the packages (needs lintian, dpkg-dev, file, groff-base, gcc-mingw-w64, libz-mingw-w64-dev): the .deb's contents, lintian, the packaged binary; the zip's layout with a stand-in exe"
       ${kb_package_tests_default})

if(KBAUDIT_SANITIZE OR KBAUDIT_FUZZ)
  message(STATUS "packaging: none for sanitizer or fuzz builds")
  return()
endif()
if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT CMAKE_SYSTEM_NAME STREQUAL "Windows")
  message(STATUS "packaging: no package format for ${CMAKE_SYSTEM_NAME}")
  return()
endif()
if(NOT Python3_EXECUTABLE)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
endif()

set(CPACK_PACKAGE_NAME kbaudit)
set(CPACK_PACKAGE_VENDOR "The kbaudit authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "audit the patch level of Windows Server 2008 SP2 hosts")
set(CPACK_RESOURCE_FILE_LICENSE "${KBAUDIT_PKG_SOURCE_DIR}/LICENSE")
set(CPACK_STRIP_FILES ON)
set(CPACK_VERBATIM_VARIABLES ON)
# `package_source`: the source tree as .tar.xz, without builds, git data and the like
# (.gitignore's entries); `git archive` gives the same from a commit.
set(CPACK_SOURCE_GENERATOR TXZ)
set(CPACK_SOURCE_PACKAGE_FILE_NAME "kbaudit-${PROJECT_VERSION}")
string(REGEX REPLACE "([][+.*()^$?|\\])" "\\\\\\1" kb_top "${KBAUDIT_PKG_SOURCE_DIR}")
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/\\.git$" "__pycache__/" "\\.pyc$"
    "^${kb_top}/(build[^/]*|dist|out|fuzz-[^/]*)/" "^${kb_top}/(crash|leak|timeout|oom)-")
set(kbaudit_dir_perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS ${kbaudit_dir_perms})
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS ${kbaudit_dir_perms})

# install(CODE) that stops `install`/`package` with a message: a package file that cannot be made
# fails the packaging, not the build.
function(kbaudit_pkg_fail msg)
  install(CODE "message(FATAL_ERROR [==[kbaudit packaging: ${msg}]==])")
endfunction()

if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  # ---------------------------------------------------------------- Debian package
  include(GNUInstallDirs)

  # Hardening (Debian's hardening=+all): fortified libc calls, stack protector, full RELRO
  # (relro + bind now), PIE. Only on kbaudit and its core library, only in optimised builds
  # (_FORTIFY_SOURCE needs -O), never in sanitizer builds (returned above).
  option(KBAUDIT_HARDENING
         "Compile kbaudit with Debian's hardening flags (-D_FORTIFY_SOURCE=2 -fstack-protector-strong, -z relro -z now, PIE)"
         ON)
  if(KBAUDIT_HARDENING AND CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    include(CheckPIESupported)
    check_pie_supported(LANGUAGES C)
    set(kb_opt "$<NOT:$<CONFIG:Debug>>")
    foreach(t kbaudit kbaudit_core)
      if(TARGET ${t})
        target_compile_options(${t} PRIVATE -fstack-protector-strong
                               "$<${kb_opt}:-U_FORTIFY_SOURCE>" "$<${kb_opt}:-D_FORTIFY_SOURCE=2>")
        set_target_properties(${t} PROPERTIES POSITION_INDEPENDENT_CODE ON)
      endif()
    endforeach()
    if(TARGET kbaudit)
      target_link_options(kbaudit PRIVATE -fstack-protector-strong "LINKER:-z,relro" "LINKER:-z,now")
    endif()
  endif()

  # The Debian changelog (cmake/packaging/changelog): its newest entry must name this version.
  file(STRINGS "${KBAUDIT_PKG_HELPERS}/changelog" kb_changelog_top LIMIT_COUNT 1)
  if(NOT kb_changelog_top MATCHES "^kbaudit \\(${PROJECT_VERSION}\\) ")
    message(WARNING "packaging: the newest entry of cmake/packaging/changelog is not ${PROJECT_VERSION}: "
                    "add one before making a release (the package target fails until then)")
    kbaudit_pkg_fail("cmake/packaging/changelog's newest entry is not version ${PROJECT_VERSION}")
  endif()

  find_program(KBAUDIT_GZIP gzip)
  if(NOT KBAUDIT_GZIP)
    message(FATAL_ERROR "packaging: gzip not found")
  endif()
  add_custom_command(
    OUTPUT ${KBAUDIT_PKG_DIR}/kbaudit.1.gz
    COMMAND ${KBAUDIT_GZIP} -9nc ${KBAUDIT_PKG_SOURCE_DIR}/docs/kbaudit.1 > ${KBAUDIT_PKG_DIR}/kbaudit.1.gz
    DEPENDS ${KBAUDIT_PKG_SOURCE_DIR}/docs/kbaudit.1
    COMMENT "packaging: kbaudit.1.gz" VERBATIM)
  add_custom_command(
    OUTPUT ${KBAUDIT_PKG_DIR}/changelog.gz
    COMMAND ${KBAUDIT_GZIP} -9nc ${KBAUDIT_PKG_HELPERS}/changelog > ${KBAUDIT_PKG_DIR}/changelog.gz
    DEPENDS ${KBAUDIT_PKG_HELPERS}/changelog
    COMMENT "packaging: changelog.gz" VERBATIM)
  add_custom_command(
    OUTPUT ${KBAUDIT_PKG_DIR}/copyright
    COMMAND ${Python3_EXECUTABLE} ${KBAUDIT_PKG_HELPERS}/pkgtool.py copyright
            ${KBAUDIT_PKG_SOURCE_DIR}/LICENSE ${KBAUDIT_PKG_DIR}/copyright
    DEPENDS ${KBAUDIT_PKG_SOURCE_DIR}/LICENSE ${KBAUDIT_PKG_HELPERS}/pkgtool.py
    COMMENT "packaging: DEP-5 copyright" VERBATIM)
  add_custom_target(kbaudit_package_files ALL
    DEPENDS ${KBAUDIT_PKG_DIR}/kbaudit.1.gz ${KBAUDIT_PKG_DIR}/changelog.gz ${KBAUDIT_PKG_DIR}/copyright)

  install(TARGETS kbaudit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # A stripped install (the package: CPACK_STRIP_FILES) also drops the .comment and .note
  # sections, as Debian's dh_strip does (lintian: binary-has-unneeded-section).
  if(CMAKE_STRIP)
    install(CODE "
      if(CMAKE_INSTALL_DO_STRIP)
        execute_process(COMMAND \"${CMAKE_STRIP}\" --remove-section=.comment --remove-section=.note
                                \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/kbaudit\"
                        RESULT_VARIABLE kb_rc)
        if(NOT kb_rc EQUAL 0)
          message(FATAL_ERROR \"kbaudit packaging: ${CMAKE_STRIP} failed on bin/kbaudit\")
        endif()
      endif()")
  endif()
  install(FILES ${KBAUDIT_PKG_DIR}/kbaudit.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${KBAUDIT_PKG_DIR}/copyright ${KBAUDIT_PKG_DIR}/changelog.gz
                ${KBAUDIT_PKG_SOURCE_DIR}/README.md
          DESTINATION ${CMAKE_INSTALL_DOCDIR})
  # docs/*.md keep their folder, so that the README's links (docs/json-output.md...) resolve
  file(GLOB kb_docs CONFIGURE_DEPENDS ${KBAUDIT_PKG_SOURCE_DIR}/docs/*.md)
  install(FILES ${kb_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

  set(CPACK_GENERATOR DEB)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)                 # kbaudit_0.1.0_amd64.deb
  set(CPACK_DEBIAN_PACKAGE_VERSION ${PROJECT_VERSION})    # native package: changelog.gz
  set(KBAUDIT_DEB_MAINTAINER "kbaudit maintainers <maintainers@users.noreply.r-seed-aa83c586.example>"
      CACHE STRING "The Maintainer field of the .deb")
  set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${KBAUDIT_DEB_MAINTAINER}")
  set(CPACK_DEBIAN_PACKAGE_SECTION admin)
  set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)                  # libc6, libxml2, zlib1g (dpkg-shlibdeps)
  set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
  # The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the extended description (CPack
  # indents it and writes " ." for the empty line).
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION [=[kbaudit tells whether a Windows Server 2008 SP2 system is at build 6002 or
6003, which prerequisite updates are missing (servicing stack, SHA-2 code
signing support, the April 2019 monthly rollup or later), in what order to
install them, and whether a reboot is pending.

It reads the evidence itself, read-only, from a mounted offline disk image
or from registry hive files copied off a host: its own registry hive reader,
PE version-resource reader and servicing manifest parser, and a built-in
knowledge base of the Windows Server 2008 SP2 updates. Reports are text,
JSON or JUnit XML; the exit status gives scripts the verdict.]=])

  if(KBAUDIT_PACKAGE_TESTS AND KBAUDIT_TESTS)
    find_program(KBAUDIT_LINTIAN lintian REQUIRED)
    find_program(KBAUDIT_DPKG_SHLIBDEPS dpkg-shlibdeps REQUIRED)
    find_program(KBAUDIT_FILE file REQUIRED)
    find_program(KBAUDIT_READELF readelf REQUIRED)
    find_program(KBAUDIT_GROFF groff REQUIRED)
    set(kb_example "")
    if(TARGET example)
      set(kb_example --example ${CMAKE_BINARY_DIR}/example)
    endif()
    set(kb_hardening "")
    if(KBAUDIT_HARDENING AND NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
      set(kb_hardening --hardened)
    endif()
    # Makes the .deb with cpack into its own folder (the build tree's package target is not
    # touched), then checks it: fields, dependencies, file list, lintian (errors and warnings
    # fail), the binary from the package (--version, and audit of the example).
    add_test(NAME package_deb
             COMMAND ${Python3_EXECUTABLE} ${KBAUDIT_PKG_SOURCE_DIR}/tests/package/check_deb.py
                     --cpack-config ${CMAKE_BINARY_DIR}/CPackConfig.cmake --cpack ${CMAKE_CPACK_COMMAND}
                     --work ${CMAKE_BINARY_DIR}/package-test/deb
                     --source ${KBAUDIT_PKG_SOURCE_DIR} --version ${PROJECT_VERSION}
                     --kbaudit $<TARGET_FILE:kbaudit> ${kb_example} ${kb_hardening})
    set_tests_properties(package_deb PROPERTIES TIMEOUT 600)
    # The zip layout, made by this file from a stand-in project whose kbaudit.exe is a tiny
    # program cross-built with mingw-w64 (until the real Windows build exists; the real zips
    # are checked by tools/make-release.sh with the same checker).
    foreach(kb_arch win64 win32)
      if(kb_arch STREQUAL "win64")
        set(kb_cc x86_64-w64-mingw32-gcc)
      else()
        set(kb_cc i686-w64-mingw32-gcc)
      endif()
      find_program(KBAUDIT_MINGW_${kb_arch} ${kb_cc} REQUIRED)
      add_test(NAME package_zip_standin_${kb_arch}
               COMMAND ${Python3_EXECUTABLE} ${KBAUDIT_PKG_SOURCE_DIR}/tests/package/check_zip.py
                       --standin ${KBAUDIT_MINGW_${kb_arch}} --cmake ${CMAKE_COMMAND}
                       --work ${CMAKE_BINARY_DIR}/package-test/${kb_arch}
                       --source ${KBAUDIT_PKG_SOURCE_DIR} --version ${PROJECT_VERSION} --arch ${kb_arch})
      set_tests_properties(package_zip_standin_${kb_arch} PROPERTIES TIMEOUT 300)
    endforeach()
    # The real zips, when this build also builds the exes (KBAUDIT_WINDOWS: build/win64,
    # build/win32, cmake/KbauditWindowsBuild.cmake): made with cpack from each Windows build's
    # configuration, checked like the stand-in, plus the import-table check on the packaged
    # (stripped) exe and, under wine, its --version against this build's and an audit of the
    # example tree.
    foreach(kb_arch win64 win32)
      string(TOUPPER ${kb_arch} kb_ARCH)
      if(NOT KBAUDIT_${kb_ARCH}_EXE)
        continue()
      endif()
      # The wine is cmake/KbauditWine.cmake's. A 32-bit exe on a host that cannot run 32-bit
      # code: the zip is checked without running it, and the run is a skipped test naming why.
      if(NOT KBAUDIT_WINE_FOUND)
        message(FATAL_ERROR "package_zip_${kb_arch} runs kbaudit.exe under wine: install wine (Debian: wine wine64 wine32:i386)")
      endif()
      set(kb_wine_args --wine ${KBAUDIT_WINE_RUN} --linux-kbaudit $<TARGET_FILE:kbaudit> ${kb_example})
      if(kb_arch STREQUAL "win32" AND NOT KBAUDIT_WINE_I386)
        set(kb_wine_args)
        kbaudit_wine_skip_test(package_zip_${kb_arch}_wine)
      endif()
      add_test(NAME package_zip_${kb_arch}
               COMMAND ${Python3_EXECUTABLE} ${KBAUDIT_PKG_SOURCE_DIR}/tests/package/check_zip.py
                       --cpack-config ${CMAKE_BINARY_DIR}/${kb_arch}/CPackConfig.cmake --cpack ${CMAKE_CPACK_COMMAND}
                       --work ${CMAKE_BINARY_DIR}/package-test/zip-${kb_arch}
                       --source ${KBAUDIT_PKG_SOURCE_DIR} --version ${PROJECT_VERSION} --arch ${kb_arch}
                       --check-imports ${KBAUDIT_PKG_SOURCE_DIR}/tests/windows/check_imports.py
                       ${kb_wine_args})
      set_tests_properties(package_zip_${kb_arch} PROPERTIES TIMEOUT 600)
    endforeach()
  endif()
else()
  # ---------------------------------------------------------------- Windows zip
  if(CMAKE_SIZEOF_VOID_P EQUAL 8)
    set(kb_arch win64)
  else()
    set(kb_arch win32)
  endif()
  # Nothing is installed into the host's file system by a plain `install` of a cross build.
  if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
    set(CMAKE_INSTALL_PREFIX "${CMAKE_BINARY_DIR}/install" CACHE PATH "Install prefix" FORCE)
  endif()

  # The text files, with CRLF line ends (Notepad on 2008 shows LF-only files as one line) and a
  # UTF-8 BOM on those that are not plain ASCII (so Notepad reads them as UTF-8).
  set(kb_text_cmd ${Python3_EXECUTABLE} ${KBAUDIT_PKG_HELPERS}/pkgtool.py)
  add_custom_command(
    OUTPUT ${KBAUDIT_PKG_DIR}/README.txt ${KBAUDIT_PKG_DIR}/LICENSE.txt ${KBAUDIT_PKG_DIR}/WINDOWS.txt
    COMMAND ${kb_text_cmd} text ${KBAUDIT_PKG_SOURCE_DIR}/docs/windows.md ${KBAUDIT_PKG_DIR}/README.txt
    COMMAND ${kb_text_cmd} text ${KBAUDIT_PKG_SOURCE_DIR}/LICENSE ${KBAUDIT_PKG_DIR}/LICENSE.txt
    COMMAND ${kb_text_cmd} text ${KBAUDIT_PKG_HELPERS}/WINDOWS.txt ${KBAUDIT_PKG_DIR}/WINDOWS.txt
            --set VERSION=${PROJECT_VERSION} --set ARCH=${kb_arch}
    DEPENDS ${KBAUDIT_PKG_SOURCE_DIR}/docs/windows.md ${KBAUDIT_PKG_SOURCE_DIR}/LICENSE
            ${KBAUDIT_PKG_HELPERS}/WINDOWS.txt ${KBAUDIT_PKG_HELPERS}/pkgtool.py
    COMMENT "packaging: README.txt, LICENSE.txt, WINDOWS.txt (CRLF)" VERBATIM)
  set(kb_files ${KBAUDIT_PKG_DIR}/README.txt ${KBAUDIT_PKG_DIR}/LICENSE.txt ${KBAUDIT_PKG_DIR}/WINDOWS.txt)

  # THIRD-PARTY.txt: the exe links libxml2, zlib and the mingw-w64 runtime statically, and their
  # licences ask binary distributions to carry their notices. The build host's Debian copyright
  # files of the packages the exe is built from (libxml2's is the same file as in its source
  # package, which the Windows build cross-compiles).
  if(kb_arch STREQUAL "win64")
    set(kb_mingw_dev mingw-w64-x86-64-dev)
  else()
    set(kb_mingw_dev mingw-w64-i686-dev)
  endif()
  set(KBAUDIT_PKG_NOTICES
      "libxml2=/usr/share/doc/libxml2/copyright"
      "zlib=/usr/share/doc/libz-mingw-w64-dev/copyright"
      "mingw-w64 runtime=/usr/share/doc/${kb_mingw_dev}/copyright"
      CACHE STRING "NAME=FILE list: the notices of statically linked code for THIRD-PARTY.txt")
  set(kb_notice_files "")
  set(kb_notices_ok ON)
  foreach(kb_n IN LISTS KBAUDIT_PKG_NOTICES)
    string(REGEX REPLACE "^[^=]*=" "" kb_f "${kb_n}")
    if(NOT EXISTS "${kb_f}")
      message(WARNING "packaging: ${kb_f} not found: the zip cannot get THIRD-PARTY.txt, so the "
                      "package target fails; the build is not affected")
      kbaudit_pkg_fail("${kb_f} (for THIRD-PARTY.txt) not found")
      set(kb_notices_ok OFF)
    endif()
    list(APPEND kb_notice_files "${kb_f}")
  endforeach()
  if(kb_notices_ok)
    add_custom_command(
      OUTPUT ${KBAUDIT_PKG_DIR}/THIRD-PARTY.txt
      COMMAND ${kb_text_cmd} notices ${KBAUDIT_PKG_DIR}/THIRD-PARTY.md ${KBAUDIT_PKG_NOTICES}
      COMMAND ${kb_text_cmd} text ${KBAUDIT_PKG_DIR}/THIRD-PARTY.md ${KBAUDIT_PKG_DIR}/THIRD-PARTY.txt
      DEPENDS ${kb_notice_files} ${KBAUDIT_PKG_HELPERS}/pkgtool.py
      COMMENT "packaging: THIRD-PARTY.txt" VERBATIM)
    list(APPEND kb_files ${KBAUDIT_PKG_DIR}/THIRD-PARTY.txt)
  endif()

  # The man page as plain ASCII text, rendered on the (Linux) build host with groff
  # (Debian: groff-base): -Tascii with -P-cbou gives no escape sequences and no overstrikes.
  find_program(KBAUDIT_GROFF groff)
  if(KBAUDIT_GROFF)
    add_custom_command(
      OUTPUT ${KBAUDIT_PKG_DIR}/kbaudit.txt
      COMMAND ${KBAUDIT_GROFF} -mandoc -Tascii -P-cbou -rHY=0 -rLL=78n
              ${KBAUDIT_PKG_SOURCE_DIR}/docs/kbaudit.1 > ${KBAUDIT_PKG_DIR}/kbaudit.1.txt
      COMMAND ${kb_text_cmd} text --ascii ${KBAUDIT_PKG_DIR}/kbaudit.1.txt ${KBAUDIT_PKG_DIR}/kbaudit.txt
      DEPENDS ${KBAUDIT_PKG_SOURCE_DIR}/docs/kbaudit.1 ${KBAUDIT_PKG_HELPERS}/pkgtool.py
      COMMENT "packaging: kbaudit.txt (the man page as text)" VERBATIM)
    list(APPEND kb_files ${KBAUDIT_PKG_DIR}/kbaudit.txt)
  else()
    message(WARNING "packaging: groff not found (Debian package groff-base): the zip cannot get "
                    "kbaudit.txt, so the package target fails; the build is not affected")
    kbaudit_pkg_fail("groff is needed to render the man page as kbaudit.txt (apt-get install groff-base)")
  endif()
  add_custom_target(kbaudit_package_files ALL DEPENDS ${kb_files})

  install(TARGETS kbaudit RUNTIME DESTINATION .)
  install(FILES ${kb_files} DESTINATION .)

  set(CPACK_GENERATOR ZIP)
  set(CPACK_PACKAGE_FILE_NAME "kbaudit-${PROJECT_VERSION}-${kb_arch}")
  set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)   # everything in kbaudit-VERSION-ARCH/
endif()

include(CPack)
