#!/bin/sh
# Builds the dirty hives and their transaction logs (tests/fixtures/logs) into OUTDIR/logs:
# the hive the logs hold from its .hivedesc (mkhive.py), then the dirty primary file and
# its .LOG1/.LOG2 (mklog.py). Also leaves fuzz replay inputs in OUTDIR/regf_log.
# usage: build_log_fixtures.sh PYTHON SOURCE_DIR OUTDIR
set -eu
py=$1 src=$2 out=$3
fx=$src/tests/fixtures/logs
mkdir -p "$out/logs"
for n in cbs grow-before grow-after; do
    "$py" "$src/tests/support/mkhive.py" "$fx/$n.hivedesc" "$out/logs/$n.hive"
done
for f in old new; do
    "$py" "$src/tests/support/mklog.py" "$fx/cbs-$f.logdesc" "$out/logs/cbs.hive" "$out/logs/cbs-$f"
    "$py" "$src/tests/support/mklog.py" "$fx/grow-$f.logdesc" "$out/logs/grow-after.hive" "$out/logs/grow-$f" \
        --before "$out/logs/grow-before.hive"
done

# The same, packed as inputs of the fuzz harness (replayed by fuzz_replay_regf_log).
mkdir -p "$out/regf_log"
for c in cbs-old cbs-new grow-old grow-new; do
    set -- "$out/logs/$c" "$out/logs/$c.LOG1"
    [ -e "$out/logs/$c.LOG2" ] && set -- "$@" "$out/logs/$c.LOG2"
    "$py" "$src/tests/fuzz/pack_regf_log.py" "$@" "$out/regf_log/$c.bin"
done
echo "log fixtures built in $out/logs and $out/regf_log"
