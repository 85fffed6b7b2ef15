#!/usr/bin/env bash
# Stand-in for kbaudit in run_diff.sh self-tests: `hivex_as_kbaudit.sh reg dump
# HIVE` prints hivex_dump.py's output and fails (exit 3, message on stderr)
# where hivex fails.  Usage: tests/diff/run_diff.sh tests/diff/hivex_as_kbaudit.sh HIVE...
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 3 ] || [ "$1" != reg ] || [ "$2" != dump ]; then
    echo "usage: $0 reg dump HIVE" >&2
    exit 2
fi
out=$("${PYTHON:-python3}" "$here/hivex_dump.py" "$3")
rc=$?
if [ $rc -ne 0 ]; then
    printf '%s\n' "$out" >&2
    exit $rc
fi
printf '%s\n' "$out"
