#!/bin/sh
# Every malformed hive must be refused cleanly: `kbaudit reg dump` exits 3 (not a crash,
# not a hang), and the message names the file and contains the keyword the description's
# "expect:" line gives, within MAX_MS milliseconds (default 2000: these hives are a few KB,
# and a refusal takes milliseconds even under a sanitizer). usage: check_bad_hives.sh KBAUDIT DESC_DIR HIVE_DIR
set -u
kb=$1 descs=$2 hives=$3
max_ms=${MAX_MS:-2000}
fails=0 count=0
for d in "$descs"/*.bad; do
    n=$(basename "$d" .bad)
    h="$hives/$n.hive"
    want=$(sed -n 's/^expect:[[:space:]]*//p' "$d" | head -n1)
    count=$((count + 1))
    t0=$(date +%s%N)
    msg=$(timeout 20 "$kb" reg dump -q "$h" 2>&1 >/dev/null)
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ $rc -ne 3 ]; then
        echo "FAIL $n: exit $rc, expected 3 ($msg)"; fails=$((fails + 1)); continue
    fi
    case $msg in *"$h"*) ;; *) echo "FAIL $n: message does not name the file: $msg"; fails=$((fails + 1)); continue ;; esac
    if [ -n "$want" ] && ! printf '%s' "$msg" | grep -qi -- "$want"; then
        echo "FAIL $n: message lacks '$want': $msg"; fails=$((fails + 1)); continue
    fi
    if [ $ms -gt "$max_ms" ]; then
        echo "FAIL $n: took $ms ms (limit $max_ms)"; fails=$((fails + 1)); continue
    fi
    echo "ok   $n (${ms} ms): $msg"
done
echo "$count malformed hives, $fails failures"
[ $count -gt 0 ] && [ $fails -eq 0 ]
