# Windows (mingw-w64 cross) builds: the imported targets the rest of the build links,
# LibXml2::LibXml2 and ZLIB::ZLIB, as static libraries, since Debian has no mingw libxml2 and
# the exe must not need a DLL of its own.
#
# libxml2 is cross-built from Debian's source package by tools/build-libxml2-mingw.sh into
# ${KBAUDIT_LIBXML2_PREFIX} at configure time, once: the build tree keeps it, so a later
# configure (or the Linux build's ExternalProject re-running) reuses it. Delete that folder to
# rebuild it (e.g. after a Debian security update of libxml2).

if(KBAUDIT_MINGW_TRIPLET)
  set(triplet ${KBAUDIT_MINGW_TRIPLET})
else()
  # A toolchain file other than ours: take the triplet from the compiler's name.
  get_filename_component(cc_name ${CMAKE_C_COMPILER} NAME)
  string(REGEX REPLACE "-gcc.*$" "" triplet "${cc_name}")
endif()

set(KBAUDIT_LIBXML2_PREFIX ${CMAKE_BINARY_DIR}/deps/libxml2 CACHE PATH
    "Where the static mingw-w64 libxml2 is built (and kept between configures)")
set(libxml2_lib ${KBAUDIT_LIBXML2_PREFIX}/lib/libxml2.a)
if(NOT EXISTS ${libxml2_lib})
  message(STATUS "Cross-building libxml2 for ${triplet} from Debian's source package (about a minute)")
  execute_process(
    COMMAND sh ${PROJECT_SOURCE_DIR}/tools/build-libxml2-mingw.sh ${triplet}
            ${KBAUDIT_LIBXML2_PREFIX} ${CMAKE_BINARY_DIR}/deps/libxml2-work
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${libxml2_lib})
    message(FATAL_ERROR "tools/build-libxml2-mingw.sh failed (see its message above)")
  endif()
endif()

set(zlib_lib /usr/${triplet}/lib/libz.a)
if(NOT EXISTS ${zlib_lib})
  message(FATAL_ERROR "${zlib_lib} not found: install libz-mingw-w64-dev (tools/install-deps.sh)")
endif()

# zlib.h is in /usr/${triplet}/include, which the cross compiler searches already: no
# include directory here (adding a system directory with -I would reorder the search).
add_library(ZLIB::ZLIB STATIC IMPORTED)
set_target_properties(ZLIB::ZLIB PROPERTIES IMPORTED_LOCATION ${zlib_lib})

# LIBXML_STATIC: libxml2's headers otherwise declare every function and global as
# __declspec(dllimport). libxml2.a calls zlib, so ZLIB::ZLIB follows it on the link line.
add_library(LibXml2::LibXml2 STATIC IMPORTED)
set_target_properties(LibXml2::LibXml2 PROPERTIES
  IMPORTED_LOCATION ${libxml2_lib}
  INTERFACE_INCLUDE_DIRECTORIES ${KBAUDIT_LIBXML2_PREFIX}/include/libxml2
  INTERFACE_COMPILE_DEFINITIONS LIBXML_STATIC
  INTERFACE_LINK_LIBRARIES ZLIB::ZLIB)
file(READ ${KBAUDIT_LIBXML2_PREFIX}/VERSION libxml2_version)
string(STRIP "${libxml2_version}" libxml2_version)
message(STATUS "libxml2 ${libxml2_version} (static, ${triplet}): ${libxml2_lib}")
