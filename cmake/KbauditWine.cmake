# Which wine runs the Windows programs of the tests, decided once per configure (included by
# CMakeLists.txt) for every place that registers them: tests/wine, tests/windows, the
# packaging tests, a cross build's CMAKE_CROSSCOMPILING_EMULATOR. docs/wine-tests.md has
# the story.
#
# Debian's /usr/bin/wine is a script that execs /usr/lib/wine/wine, a 32-bit ELF (wine32:i386),
# whenever that is installed; wine32 then hands PE32+ programs to wine64. On a kernel without
# IA-32 emulation that exec fails (ENOEXEC), so nothing started through `wine` runs, not even a
# 64-bit program. Then the 64-bit loader, /usr/lib/wine/wine64, is called directly: it runs
# PE32+ programs and makes win64 prefixes (whose boot only notes that syswow64's rundll32.exe
# cannot start), and the tests that need 32-bit code are registered as skipped (exit 77).
#
# Sets:
#   KBAUDIT_WINE_FOUND   a wine to run 64-bit programs, and wineserver, exist
#   KBAUDIT_WINE_RUN     the command that runs a (64-bit) Windows program: `wine` or wine64
#   KBAUDIT_WINE_I386    whether 32-bit Windows programs can run (OFF only when the host
#                        cannot execute 32-bit x86 programs, or only wine64 exists)
#   KBAUDIT_WINE_NO_I386_WHY  the reason, when KBAUDIT_WINE_I386 is OFF
#   KBAUDIT_WINE_ENV     the ENVIRONMENT entry that hands KBAUDIT_WINE_RUN to the test scripts
# and defines kbaudit_wine_skip_test(NAME) and kbaudit_wine_environment() (below).
find_program(KBAUDIT_WINE_WRAPPER wine)
find_program(KBAUDIT_WINE64 wine64 PATHS /usr/lib/wine NO_CACHE)
find_program(KBAUDIT_WINESERVER wineserver)
if(NOT Python3_EXECUTABLE)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
endif()

# The probe: wine32's loader, else the i386 dynamic loader, run with --version. Python and
# not execute_process: CMake's process library retries a file the kernel refuses with ENOEXEC
# as a shell script, which hides the one answer this is about.
set(kb_probe [=[
import errno, subprocess, sys
for exe in sys.argv[1:]:
    try:
        r = subprocess.run([exe, "--version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    except FileNotFoundError:
        continue
    except subprocess.TimeoutExpired:
        print("fails", exe, "timeout", sep=";", end="")
        break
    except OSError as e:
        print("noexec" if e.errno == errno.ENOEXEC else "error", exe, e.strerror, sep=";", end="")
        break
    print("runs" if r.returncode == 0 else "fails", exe, r.returncode, sep=";", end="")
    break
else:
    print("absent", end="")
]=])
execute_process(COMMAND ${Python3_EXECUTABLE} -c "${kb_probe}" /usr/lib/wine/wine /lib/ld-linux.so.2
                OUTPUT_VARIABLE kb_i386)
set(kb_i386_state "")
if(kb_i386)
  list(GET kb_i386 0 kb_i386_state)
endif()

set(KBAUDIT_WINE_I386 ON)
set(KBAUDIT_WINE_NO_I386_WHY "")
set(KBAUDIT_WINE_RUN ${KBAUDIT_WINE_WRAPPER})
if(kb_i386_state STREQUAL "noexec")
  list(GET kb_i386 1 kb_file)
  set(KBAUDIT_WINE_I386 OFF)
  set(KBAUDIT_WINE_NO_I386_WHY
      "this host cannot execute 32-bit x86 programs (${kb_file}: Exec format error: the kernel has no IA-32 emulation)")
  set(KBAUDIT_WINE_RUN ${KBAUDIT_WINE64})
elseif(NOT KBAUDIT_WINE_WRAPPER AND KBAUDIT_WINE64)
  set(KBAUDIT_WINE_I386 OFF)
  set(KBAUDIT_WINE_NO_I386_WHY "no wine for 32-bit programs on PATH, only ${KBAUDIT_WINE64}")
  set(KBAUDIT_WINE_RUN ${KBAUDIT_WINE64})
endif()
# Anything else (wine32 runs; or it is missing or broken on a host that could run it) keeps
# Debian's wrapper, and the 32-bit tests run and say what is missing when they fail.

if(KBAUDIT_WINE_RUN AND KBAUDIT_WINESERVER)
  set(KBAUDIT_WINE_FOUND TRUE)
else()
  set(KBAUDIT_WINE_FOUND FALSE)
endif()
set(KBAUDIT_WINE_ENV "KBAUDIT_WINE=${KBAUDIT_WINE_RUN}")
# The same answer in the cache, for tools/make-release.sh (it runs the packaged exes).
if(KBAUDIT_WINE_FOUND)
  set(KBAUDIT_WINE_COMMAND ${KBAUDIT_WINE_RUN} CACHE INTERNAL "runs a 64-bit Windows program")
else()
  set(KBAUDIT_WINE_COMMAND "" CACHE INTERNAL "runs a 64-bit Windows program")
endif()
set(KBAUDIT_WINE_32BIT ${KBAUDIT_WINE_I386} CACHE INTERNAL "32-bit Windows programs can run")

if(KBAUDIT_WINE_FOUND)
  if(KBAUDIT_WINE_I386)
    message(STATUS "wine: Windows programs run with ${KBAUDIT_WINE_RUN} (32-bit ones too)")
  else()
    message(STATUS "wine: 64-bit Windows programs run with ${KBAUDIT_WINE_RUN}; 32-bit ones cannot run, "
                   "their tests are reported as skipped: ${KBAUDIT_WINE_NO_I386_WHY}")
  endif()
endif()

# kbaudit_wine_skip_test(NAME): registers NAME as a test that ctest reports as skipped, its
# output naming why (used instead of the real test when it needs 32-bit code and
# KBAUDIT_WINE_I386 is OFF).
function(kbaudit_wine_skip_test name)
  add_test(NAME ${name}
           COMMAND ${Python3_EXECUTABLE} -c "import sys; print('SKIP ' + sys.argv[1]); sys.exit(77)"
                   "${name} needs 32-bit x86 code under wine: ${KBAUDIT_WINE_NO_I386_WHY}")
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS "skipped: no 32-bit x86")
endfunction()

# kbaudit_wine_environment(): hands KBAUDIT_WINE_RUN to every test of the calling folder as
# KBAUDIT_WINE (the scripts run `$KBAUDIT_WINE cmd`, `$KBAUDIT_WINE wineboot`, ...; wineserver is
# Debian's script, which picks the 64-bit server either way). Called at the folder's end.
function(kbaudit_wine_environment)
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(t IN LISTS tests)
    get_test_property(${t} ENVIRONMENT env)
    if(NOT env)
      set(env)
    endif()
    list(APPEND env "${KBAUDIT_WINE_ENV}")
    set_tests_properties(${t} PROPERTIES ENVIRONMENT "${env}")
  endforeach()
endfunction()
