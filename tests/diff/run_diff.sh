#!/usr/bin/env bash
# run_diff.sh KBAUDIT HIVE...
#
# Differential test of kbaudit's regf reader against hivex.  For each hive
# (plain or .xz), compare `KBAUDIT reg dump HIVE` with tests/diff/hivex_dump.py
# (same canonical format, see that script):
#   - hivex reads it: kbaudit must exit 0 and print exactly the same lines;
#     otherwise the first differences are shown as a unified diff;
#   - hivex rejects it (ERROR, exit 3): kbaudit must reject it cleanly
#     ("both reject"): exit 3 with a message naming the file. Any other exit
#     (a crash such as 139, a timeout 124, ...) or kbaudit accepting a hive
#     hivex rejects is a mismatch.
# Exit 0 when every hive matches, 1 on any mismatch, 2 on usage errors.
#
# A HIVE may also be a description: *.hivedesc is built with
# tests/support/mkhive.py, *.bad with tests/support/mkbad.py.  A .bad hive is
# known to be malformed, so there kbaudit must reject it (cleanly, as above)
# whatever hivex says
# (hivex accepts a few, e.g. db-short.bad); "hivex reads it, kbaudit rejects
# it" counts as OK for .bad inputs only.
#
# KBAUDIT may be any program taking `reg dump HIVE`; tests/diff/hivex_as_kbaudit.sh
# runs hivex against itself (a self-test of this script).
#
# Environment: PYTHON (default python3), DIFF_LINES (default 40) lines of
# diff shown per mismatching hive, KBAUDIT_TIMEOUT (default 300) seconds.

set -u

here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
DIFF_LINES=${DIFF_LINES:-40}
KBAUDIT_TIMEOUT=${KBAUDIT_TIMEOUT:-300}

if [ $# -lt 2 ]; then
    echo "usage: $0 KBAUDIT_BINARY HIVE..." >&2
    exit 2
fi
kb=$1
shift
if [ ! -x "$kb" ] && ! command -v "$kb" >/dev/null 2>&1; then
    echo "run_diff: $kb is not executable" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run_diff.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

n_ok=0 n_rej=0 n_fail=0
failed=()

# clean_reject FILE: kbaudit's exit ($krc) and message ($tmp/kb.err) are a clean
# refusal of FILE: exit 3 and a message naming the file. Else sets $why.
clean_reject() {
    why=
    if [ "$krc" -eq 124 ]; then why="timed out after ${KBAUDIT_TIMEOUT}s"
    elif [ "$krc" -gt 128 ]; then why="killed by signal $((krc - 128)) (exit $krc)"
    elif [ "$krc" -ne 3 ]; then why="exit $krc, expected 3"
    elif ! grep -qF -- "$1" "$tmp/kb.err"; then why="message does not name the file"
    fi
    [ -z "$why" ]
}

for hive in "$@"; do
    name=$(basename "$hive")
    if [ ! -f "$hive" ]; then
        echo "FAIL  $name: no such file"
        n_fail=$((n_fail + 1)); failed+=("$name"); continue
    fi
    h=$hive
    known_bad=
    case "$hive" in
        *.xz)
            h="$tmp/${name%.xz}"
            if ! xz -dc -- "$hive" > "$h"; then
                echo "FAIL  $name: cannot decompress"
                n_fail=$((n_fail + 1)); failed+=("$name"); continue
            fi
            ;;
        *.hivedesc)
            h="$tmp/${name%.hivedesc}.hive"
            if ! "$PYTHON" "$here/../support/mkhive.py" "$hive" "$h" 2> "$tmp/build.err"; then
                echo "FAIL  $name: mkhive: $(tail -1 "$tmp/build.err")"
                n_fail=$((n_fail + 1)); failed+=("$name"); continue
            fi
            ;;
        *.bad)
            h="$tmp/${name%.bad}.hive"
            known_bad=$("$PYTHON" "$here/../support/mkbad.py" --expect "$hive" 2> "$tmp/build.err")
            if [ -z "$known_bad" ] || ! "$PYTHON" "$here/../support/mkbad.py" "$hive" "$h" 2>> "$tmp/build.err"; then
                echo "FAIL  $name: mkbad: $(tail -1 "$tmp/build.err")"
                n_fail=$((n_fail + 1)); failed+=("$name"); continue
            fi
            ;;
    esac

    "$PYTHON" "$here/hivex_dump.py" "$h" > "$tmp/hivex.out" 2> "$tmp/hivex.err"
    hrc=$?
    timeout "$KBAUDIT_TIMEOUT" "$kb" reg dump "$h" > "$tmp/kb.out" 2> "$tmp/kb.err"
    krc=$?

    if [ $hrc -eq 3 ]; then
        herr=$(cut -f2- "$tmp/hivex.out" | head -1)
        if [ $krc -ne 0 ] && clean_reject "$h"; then
            kerr=$(head -1 "$tmp/kb.err")
            echo "OK    $name: both reject (hivex: $herr; kbaudit exit $krc: $kerr)"
            n_rej=$((n_rej + 1))
        elif [ $krc -ne 0 ]; then
            echo "FAIL  $name: hivex rejects ($herr); kbaudit does not reject cleanly: $why: $(head -1 "$tmp/kb.err")"
            n_fail=$((n_fail + 1)); failed+=("$name")
        else
            echo "FAIL  $name: hivex rejects ($herr) but kbaudit accepts ($(wc -l < "$tmp/kb.out") lines)"
            n_fail=$((n_fail + 1)); failed+=("$name")
        fi
    elif [ $hrc -ne 0 ]; then
        echo "FAIL  $name: hivex_dump.py failed (exit $hrc): $(tail -1 "$tmp/hivex.err")"
        n_fail=$((n_fail + 1)); failed+=("$name")
    elif [ $krc -eq 124 ]; then
        echo "FAIL  $name: kbaudit timed out after ${KBAUDIT_TIMEOUT}s"
        n_fail=$((n_fail + 1)); failed+=("$name")
    elif [ $krc -ne 0 ] && [ -n "$known_bad" ] && clean_reject "$h"; then
        echo "OK    $name: kbaudit rejects a known-bad hive (expect: $known_bad) that hivex reads: $(head -1 "$tmp/kb.err")"
        n_rej=$((n_rej + 1))
    elif [ $krc -ne 0 ] && [ -n "$known_bad" ]; then
        echo "FAIL  $name: known-bad hive not rejected cleanly: $why: $(head -1 "$tmp/kb.err")"
        n_fail=$((n_fail + 1)); failed+=("$name")
    elif [ -n "$known_bad" ]; then
        echo "FAIL  $name: kbaudit accepts a known-bad hive (expect: $known_bad)"
        n_fail=$((n_fail + 1)); failed+=("$name")
    elif [ $krc -ne 0 ]; then
        echo "FAIL  $name: hivex reads it ($(wc -l < "$tmp/hivex.out") lines) but kbaudit exits $krc: $(head -1 "$tmp/kb.err")"
        n_fail=$((n_fail + 1)); failed+=("$name")
    elif cmp -s "$tmp/hivex.out" "$tmp/kb.out"; then
        echo "OK    $name: $(grep -c '^K' "$tmp/hivex.out") keys, $(grep -c '^V' "$tmp/hivex.out") values identical"
        n_ok=$((n_ok + 1))
    else
        echo "FAIL  $name: dumps differ (--- hivex, +++ kbaudit), first differences:"
        diff -u --label hivex --label kbaudit "$tmp/hivex.out" "$tmp/kb.out" \
            | head -n "$DIFF_LINES" | sed 's/^/      /'
        n_fail=$((n_fail + 1)); failed+=("$name")
    fi
done

echo "run_diff: $n_ok identical, $n_rej both reject, $n_fail mismatched"
if [ $n_fail -ne 0 ]; then
    echo "run_diff: mismatched: ${failed[*]}"
    exit 1
fi
exit 0
