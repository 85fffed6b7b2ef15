#!/bin/sh
# Command-line behaviour of `kbaudit reg` that the unit tests cannot see: option order,
# usage errors found before a hive is opened, the dirty-hive warning, bare `kbaudit`.
# usage: reg_cli.sh KBAUDIT FIXTURE_DIR
set -u
kb=$1 fx=$2
basic=$fx/hives/basic.hive dirty=$fx/hives/dirty.hive
tmp=${TMPDIR:-/tmp}/reg_cli.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {   # check NAME WANT_RC CMD... : runs CMD, stdout in $tmp/out, stderr in $tmp/err
    name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: exit $rc, expected $want: $(head -c 300 "$tmp/err")"
        fails=$((fails + 1))
        return 1
    fi
    echo "ok   $name"
}
has() {     # has NAME FILE TEXT
    if ! grep -qF -- "$3" "$2"; then echo "FAIL $1: '$3' not in $2: $(head -c 300 "$2")"; fails=$((fails + 1)); fi
}

# options after the operands mean the same as before them
check export-before 0 "$kb" reg export --utf16 "$basic" && cp "$tmp/out" "$tmp/before"
check export-after 0 "$kb" reg export "$basic" --utf16
cmp -s "$tmp/before" "$tmp/out" || { echo "FAIL export-after: output differs from --utf16 first"; fails=$((fails + 1)); }
check export-after-key 0 "$kb" reg export "$basic" Classes -o "$tmp/x.reg" --prefix HKEY_CLASSES_ROOT
has export-after-key "$tmp/x.reg" "[HKEY_CLASSES_ROOT\\Classes]"
check ls-long-after 0 "$kb" reg ls "$basic" --long
has ls-long-after "$tmp/out" "2019-04-09T00:00:00Z"
# "--" ends the options: what follows is a KEYPATH, even with a leading '-'
check dashdash 1 "$kb" reg ls "$basic" -- --long
has dashdash "$tmp/err" 'key not found: "--long"'

# usage errors come before the hive is opened: a missing file is not reported
for args in "export /nonexistent.hive --bogus" "export /nonexistent.hive -o" \
            "get /nonexistent.hive" "info /nonexistent.hive extra" "ls /nonexistent.hive --utf16" \
            "dump /nonexistent.hive --long" "frob /nonexistent.hive"; do
    # shellcheck disable=SC2086
    check "usage: $args" 2 "$kb" reg $args && has "usage: $args" "$tmp/err" "kbaudit reg:"
    if grep -q nonexistent "$tmp/err"; then echo "FAIL usage: $args: the hive was opened: $(cat "$tmp/err")"; fails=$((fails + 1)); fi
done

# bare kbaudit: one line on stderr, exit 2
check bare 2 "$kb"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || { echo "FAIL bare: $(wc -l <"$tmp/err") lines on stderr"; fails=$((fails + 1)); }
[ -s "$tmp/out" ] && { echo "FAIL bare: output on stdout"; fails=$((fails + 1)); }

# a dirty hive: info says so (without a warning); reading it warns unless -q
check info-dirty 0 "$kb" reg info "$dirty"
has info-dirty "$tmp/out" "dirty	yes"
has info-dirty "$tmp/out" "sequence	42 41"
check info-clean 0 "$kb" reg info "$basic"
has info-clean "$tmp/out" "dirty	no"
check warn-dirty 0 "$kb" reg get "$dirty" Key v
has warn-dirty "$tmp/err" "warning: $dirty is dirty (sequence numbers 42 and 41 differ)"
has warn-dirty "$tmp/out" "0x00000007"
check quiet-dirty 0 "$kb" reg get -q "$dirty" Key v
[ -s "$tmp/err" ] && { echo "FAIL quiet-dirty: $(cat "$tmp/err")"; fails=$((fails + 1)); }
check clean-no-warning 0 "$kb" reg ls "$basic"
[ -s "$tmp/err" ] && { echo "FAIL clean-no-warning: $(cat "$tmp/err")"; fails=$((fails + 1)); }

echo "$fails failures"
# a lookup through a subkey list taken from another key stops at the parent check
check parent-lookup 3 "$kb" reg get "$fx/badhives/subkey-cycle.hive" 'A\B\C\B'
has parent-lookup "$tmp/err" "names another parent"

# a hostile file name (ESC, newline) is written escaped: nothing reaches the terminal raw
esc=$(printf '\033')
nl='
'
bad="$tmp/evil${esc}[31m${nl}name.hive"
printf 'x' > "$bad"
check escaped-name 3 "$kb" reg info "$bad"
has escaped-name "$tmp/err" 'evil\x1b[31m\x0aname.hive: truncated'
if grep -q "$esc" "$tmp/err"; then echo "FAIL escaped-name: a raw ESC reached stderr"; fails=$((fails + 1)); fi
[ "$(wc -l < "$tmp/err")" -eq 1 ] || { echo "FAIL escaped-name: the message spans lines"; fails=$((fails + 1)); }

# -o onto the hive being read, or onto its transaction logs (any case), is refused before
# anything is opened for writing: the evidence stays byte-identical (a truncated mapped hive
# used to kill kbaudit with SIGBUS; a dirty one, read into memory, was silently replaced)
ev="$tmp/evidence"
mkdir -p "$ev"
for action in export dump ls; do
    for victim in HIVE HIVE.LOG1 hive.log2 HIVE.LOG; do
        cp "$basic" "$ev/HIVE"
        [ "$victim" = HIVE ] || printf 'log' > "$ev/$victim"
        sum=$(cksum < "$ev/$victim")
        check "reg-$action-o-$victim" 2 "$kb" reg $action -o "$ev/$victim" "$ev/HIVE" &&
            has "reg-$action-o-$victim" "$tmp/err" "would write into the evidence"
        [ "$(cksum < "$ev/$victim")" = "$sum" ] || { echo "FAIL reg-$action-o-$victim: $victim changed"; fails=$((fails + 1)); }
        rm -f "$ev"/*
    done
done
cp "$dirty" "$ev/DIRTY"
sum=$(cksum < "$ev/DIRTY")
check reg-dump-o-dirty 2 "$kb" reg dump -o "$ev/./DIRTY" "$ev/DIRTY"
[ "$(cksum < "$ev/DIRTY")" = "$sum" ] || { echo "FAIL reg-dump-o-dirty: the hive changed"; fails=$((fails + 1)); }
# a file beside the hive that is not its log is fine
cp "$basic" "$ev/HIVE"
check reg-export-o-beside 0 "$kb" reg export -o "$ev/HIVE.reg" "$ev/HIVE"
check reg-export-o-other-log 0 "$kb" reg export -o "$ev/OTHER.LOG1" "$ev/HIVE"

[ "$fails" -eq 0 ]
