#!/bin/sh
# The .reg export round trip over every fixture hive and the whole shared corpus:
#   - *.xz corpus hives are decompressed into WORKDIR first;
#   - corrupt__* and win9x__* (not regf) hives must be refused cleanly (exit 3 and a
#     message naming the file) or read cleanly (exit 0); nothing else (a crash, a
#     timeout, exit 1 or 2) is accepted. They are not compared with hivex;
#   - every other hive goes through reg_roundtrip.py (compared with python3-hivex).
# usage: roundtrip.sh PYTHON KBAUDIT SOURCE_DIR FIXTURE_DIR CORPUS_DIR WORKDIR
set -u
py=$1 kb=$2 src=$3 fx=$4 corpus=$5 work=$6
mkdir -p "$work"
fails=0
set -- "$fx"/hives/*.hive
if [ -d "$corpus" ]; then
    for f in "$corpus"/*; do
        n=$(basename "$f")
        case $n in
        *.xz)
            out=$work/${n%.xz}
            [ "$out" -nt "$f" ] || xz -dc -- "$f" >"$out" || { echo "FAIL $n: cannot decompress"; fails=$((fails + 1)); continue; }
            f=$out n=${n%.xz} ;;
        esac
        case $n in
        corrupt__* | win9x__*)
            msg=$(timeout 60 "$kb" reg export -q "$f" 2>&1 >/dev/null)
            rc=$?
            if [ $rc -eq 0 ]; then
                echo "ok   $n: read cleanly"
            elif [ $rc -eq 3 ] && printf '%s' "$msg" | grep -qF -- "$f"; then
                echo "ok   $n: refused: $msg"
            else
                echo "FAIL $n: exit $rc (expected 3 naming the file, or 0): $msg"
                fails=$((fails + 1))
            fi ;;
        *) set -- "$@" "$f" ;;
        esac
    done
else
    echo "corpus not found at $corpus: skipping the corpus hives"
fi
"$py" "$src/tests/regf/reg_roundtrip.py" "$kb" "$@" || fails=$((fails + 1))
echo "$fails failures"
[ $fails -eq 0 ]
