#!/bin/sh
# Builds every fixture hive from its text description (tests/fixtures/hives/*.hivedesc)
# and every malformed hive (tests/fixtures/badhives/*.bad) into OUTDIR/hives and
# OUTDIR/badhives; each good hive is also checked against python3-hivex (--verify).
# usage: build_fixtures.sh PYTHON SOURCE_DIR OUTDIR
set -eu
py=$1 src=$2 out=$3
mkdir -p "$out/hives" "$out/badhives" "$out/regf"
for d in "$src"/tests/fixtures/hives/*.hivedesc; do
    n=$(basename "$d" .hivedesc)
    "$py" "$src/tests/support/mkhive.py" "$d" "$out/hives/$n.hive" --map "$out/hives/$n.json"
    case $n in nulname) ;; *) "$py" "$src/tests/support/mkhive.py" --verify "$d" "$out/hives/$n.hive" ;; esac
    cp "$out/hives/$n.hive" "$out/regf/$n.hive"   # seeds for the fuzz replay
done
for b in "$src"/tests/fixtures/badhives/*.bad; do
    [ -e "$b" ] || continue
    n=$(basename "$b" .bad)
    "$py" "$src/tests/support/mkbad.py" "$b" "$out/badhives/$n.hive"
done
echo "fixtures built in $out"
