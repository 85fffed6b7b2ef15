# cmake -DPYTHON=... -DCHECK=check_imports.py -DARCH=x64|x86 -DEXE=... -DEXPECT=REGEX -P expect_reject.cmake
# Passes only when check_imports.py rejects EXE (exit 1, not a crash or usage error's 2)
# with a message matching EXPECT: the checker's self-test that it does fail when it should.
execute_process(COMMAND ${PYTHON} ${CHECK} --arch ${ARCH} ${EXE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "check_imports.py exited ${rc}, expected 1 (rejected)")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "check_imports.py rejected ${EXE} but not for the expected reason (${EXPECT})")
endif()
