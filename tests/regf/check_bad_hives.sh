#!/bin/sh
# Every malformed hive must be refused cleanly: `kbaudit reg dump` exits 3 (not a crash,
# not a hang), and the message names the file and contains the keyword the description's
# "expect:" line gives. usage: check_bad_hives.sh KBAUDIT DESC_DIR HIVE_DIR
set -u
kb=$1 descs=$2 hives=$3
fails=0 count=0
for d in "$descs"/*.bad; do
    n=$(basename "$d" .bad)
    h="$hives/$n.hive"
    want=$(sed -n 's/^expect:[[:space:]]*//p' "$d" | head -n1)
    count=$((count + 1))
    msg=$(timeout 20 "$kb" reg dump -q "$h" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -ne 3 ]; then
        echo "FAIL $n: exit $rc, expected 3 ($msg)"; fails=$((fails + 1)); continue
    fi
    case $msg in *"$h"*) ;; *) echo "FAIL $n: message does not name the file: $msg"; fails=$((fails + 1)); continue ;; esac
    if [ -n "$want" ] && ! printf '%s' "$msg" | grep -qi -- "$want"; then
        echo "FAIL $n: message lacks '$want': $msg"; fails=$((fails + 1)); continue
    fi
    echo "ok   $n: $msg"
done
echo "$count malformed hives, $fails failures"
[ $count -gt 0 ] && [ $fails -eq 0 ]
