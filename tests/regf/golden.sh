#!/bin/sh
# Golden test of the .reg export: tests/fixtures/regexport/fold.hivedesc, exported with
# --prefix HKEY_LOCAL_MACHINE\FOLD, must give fold.reg byte for byte (fold positions,
# UTF-16 column counting, escapes), and warn about the key whose name holds '\'.
# usage: golden.sh PYTHON KBAUDIT SOURCE_DIR WORKDIR
set -u
py=$1 kb=$2 src=$3 work=$4
dir=$src/tests/fixtures/regexport
mkdir -p "$work"
"$py" "$src/tests/support/mkhive.py" "$dir/fold.hivedesc" "$work/fold.hive" || exit 1
"$kb" reg export --prefix 'HKEY_LOCAL_MACHINE\FOLD' "$work/fold.hive" >"$work/fold.reg" 2>"$work/fold.err"
rc=$?
fails=0
[ $rc -eq 0 ] || { echo "FAIL: exit $rc: $(cat "$work/fold.err")"; fails=$((fails + 1)); }
if ! cmp "$dir/fold.reg" "$work/fold.reg"; then
    echo "FAIL: export differs from fold.reg (--- expected, +++ kbaudit):"
    diff -u "$dir/fold.reg" "$work/fold.reg" | head -40
    fails=$((fails + 1))
fi
grep -qF "key name \"back\\slash\" contains '\\'" "$work/fold.err" ||
    { echo "FAIL: no warning about back\\slash: $(cat "$work/fold.err")"; fails=$((fails + 1)); }
[ $fails -eq 0 ] && echo "ok: fold.reg identical, warning given"
[ $fails -eq 0 ]
