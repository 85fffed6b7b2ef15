#!/bin/sh
# `kbaudit mum` end to end: output, exit codes (0 success, 2 usage, 3 unreadable or
# malformed), messages naming the file and line, valid JSON (checked with jq when present).
# usage: check_cli.sh KBAUDIT FIXTURE_DIR
set -u
K=$1
F=$2/mum
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC ARGS...: runs kbaudit mum ARGS, checks the exit code
expect() {
    want=$1; shift
    "$K" mum "$@" >"$out" 2>"$err"
    rc=$?
    [ "$rc" -eq "$want" ] || fail "kbaudit mum $* exited $rc, expected $want: $(cat "$err")"
}
has() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(head -c 400 "$1")"; }

R="$F/good/Package_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.4.mum"
S="$F/good/Package_1_for_KB4493730~31bf3856ad364e35~x86~~6.0.1.2.mum"

expect 2
has "$err" "no FILE given"
expect 2 --format xml "$R"
has "$err" "unknown format 'xml'"
expect 2 --bogus "$R"
has "$err" "unknown or incomplete option"
expect 2 --format
expect 0 --help
has "$out" "usage: kbaudit mum"

expect 0 "$R"
has "$out" "cbsName	Package_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.4"
has "$out" "kb	4493471"
has "$out" "restart	required"
has "$out" "  package	Package_1_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.4"
has "$out" "  component	Microsoft-Windows-OS-Kernel~31bf3856ad364e35~amd64~~6.0.6003.20489"

expect 0 --format text "$R" "$S"
[ "$(grep -c '^file	' "$out")" -eq 2 ] || fail "two files, not two file lines"
[ "$(grep -c '^$' "$out")" -eq 1 ] || fail "two files, not one blank separator line"

# malformed: message names the file, the line and the problem; the good file still prints
expect 3 "$F/bad/billion-laughs.mum"
has "$err" "$F/bad/billion-laughs.mum: line 2: document type declaration"
expect 3 "$F/bad/truncated.mum" "$R"
has "$err" "$F/bad/truncated.mum: line 6: "
has "$out" "kb	4493471"
expect 3 "$F/nope.mum"
has "$err" "$F/nope.mum: cannot open: No such file or directory"
expect 3 "$F/bad/gen/huge-attribute.mum"
has "$err" "more than the 4096-byte limit"

expect 0 --format json "$R" "$S"
if command -v jq >/dev/null 2>&1; then
    [ "$(jq -r '.[0].kb' "$out")" = 4493471 ] || fail "json kb"
    [ "$(jq -r '.[0].identity.cbsName' "$out")" = "Package_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.4" ] || fail "json cbsName"
    [ "$(jq -r '.[0].updates[2].components[0].name' "$out")" = Microsoft-Windows-OS-Kernel ] || fail "json component"
    [ "$(jq -r '.[1].restart' "$out")" = never ] || fail "json restart"
    [ "$(jq -r '.[1].parents | length' "$out")" = 1 ] || fail "json parents"
fi
expect 3 --format json "$F/bad/xxe.mum" "$R"
if command -v jq >/dev/null 2>&1; then
    jq -e '.[0].error | test("DOCTYPE")' "$out" >/dev/null || fail "json error object"
    [ "$(jq -r '.[1].kb' "$out")" = 4493471 ] || fail "json after an error"
fi
expect 0 --format json "$F/good/Microsoft-Windows-Foundation-Package~31bf3856ad364e35~x86~en-US~6.0.6001.18000.mum"
if command -v jq >/dev/null 2>&1; then
    [ "$(jq -r '.[0].kb' "$out")" = null ] || fail "json kb null"
    [ "$(jq -r '.[0].supportInformation' "$out")" = null ] || fail "json absent field null"
fi

expect 0 --pending "$F/pending/pending.xml"
has "$out" "queues	2"
has "$out" "operations	9"
has "$out" "markers	3"
expect 0 --pending --format json "$F/pending/pending-empty.xml"
if command -v jq >/dev/null 2>&1; then
    [ "$(jq -r '.[0].operations' "$out")" = 0 ] || fail "json pending"
fi
expect 3 --pending "$F/pending/billion-laughs.xml"
has "$err" "line 2: document type declaration"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all kbaudit mum checks passed"
