#!/bin/sh
# End-to-end checks on the scenario trees (built by the scenarios_build fixture):
# for each scenario with expect-facts.json, `kbaudit facts --format json` must match it
# (check_expect.py: packages, files, pending markers and warnings exactly), exit with its
# "$exit_code" (default 0) and print each line of its "$stderr" on standard error;
# with expect-audit.json, `kbaudit audit --format json` must contain it ("$ROOT" as above), exit
# with its "exit_code" and print each line of its "$stderr" on standard error; the JSON must parse (python3 json) and the JUnit report must be well-formed
# XML (xmllint); with exit 3 they are the error documents (verdict inconclusive, the errors). usage: run_scenarios.sh KBAUDIT PYTHON SCENARIO_SRC BUILT_DIR
set -u
kb=$1 py=$2 src=$3 built=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
for dir in "$src"/*/; do
    name=$(basename "$dir")
    [ "$name" = common ] && continue
    # the tree's root may be a subfolder (scenario "root:" line), recorded by mkscenario.py
    sub=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("root", "."))' "$built/$name/.mkscenario.json" 2>/dev/null || echo .)
    root="$built/$name/$sub"
    if [ ! -d "$root" ]; then
        echo "FAIL $name: tree not built at $root"; fails=$((fails + 1)); continue
    fi
    if [ -f "$dir/expect-facts.json" ]; then
        checks=$((checks + 1))
        "$kb" facts --root "$root" --format json > "$tmp/facts.json" 2> "$tmp/facts.err"
        rc=$?
        want_rc=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("$exit_code", 0))' "$dir/expect-facts.json")
        # "$stderr": lines that must each appear in the error output ($ROOT: the root's real path)
        want_err=$("$py" -c 'import json,os,sys; [print(l.replace("$ROOT", os.path.realpath(sys.argv[2]))) for l in json.load(open(sys.argv[1])).get("$stderr", [])]' "$dir/expect-facts.json" "$root")
        missing=$(printf '%s\n' "$want_err" | while IFS= read -r line; do
            [ -n "$line" ] && ! grep -qF -- "$line" "$tmp/facts.err" && echo "$line"; done)
        if [ "$rc" -ne "$want_rc" ]; then
            echo "FAIL $name: kbaudit facts exited $rc, expected $want_rc: $(cat "$tmp/facts.err")"; fails=$((fails + 1))
        elif [ -n "$missing" ]; then
            echo "FAIL $name: the error output lacks: $missing (it is: $(cat "$tmp/facts.err"))"; fails=$((fails + 1))
        elif [ "$rc" -eq 0 ] && ! "$py" "$here/check_expect.py" "$dir/expect-facts.json" "$tmp/facts.json" "$root"; then
            echo "FAIL $name: facts differ from expect-facts.json"; fails=$((fails + 1))
        else
            echo "ok   $name: facts"
        fi
    fi
    if [ -f "$dir/expect-audit.json" ]; then
        checks=$((checks + 1))
        "$kb" audit --root "$root" --format json > "$tmp/audit.json" 2> "$tmp/audit.err"
        rc=$?
        want_rc=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_code"])' "$dir/expect-audit.json")
        if [ "$rc" -ne "$want_rc" ]; then
            echo "FAIL $name: kbaudit audit exited $rc, expected $want_rc: $(head -c 300 "$tmp/audit.err")"; fails=$((fails + 1)); continue
        fi
        want_err=$("$py" -c 'import json,os,sys; [print(l.replace("$ROOT", os.path.realpath(sys.argv[2]))) for l in json.load(open(sys.argv[1])).get("$stderr", [])]' "$dir/expect-audit.json" "$root")
        missing=$(printf '%s\n' "$want_err" | while IFS= read -r line; do
            [ -n "$line" ] && ! grep -qF -- "$line" "$tmp/audit.err" && echo "$line"; done)
        if [ -n "$missing" ]; then
            echo "FAIL $name: the audit's error output lacks: $missing (it is: $(cat "$tmp/audit.err"))"; fails=$((fails + 1)); continue
        fi
        if [ "$rc" -eq 3 ]; then
            # unreadable evidence still gives CI a document: JSON and JUnit (docs/json-output.md)
            if ! "$py" - "$tmp/audit.json" "$tmp/audit.err" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
err = open(sys.argv[2], encoding="utf-8").read()
assert d["verdict"] == "inconclusive" and d["exit_code"] == 3, (d["verdict"], d["exit_code"])
assert d["errors"] and all(set(e) == {"file", "key", "offset", "problem"} for e in d["errors"]), d["errors"]
# the first problem is the one standard error names (its control characters escaped there)
assert d["errors"][0]["problem"].replace("\x00", "") and d["verdict_reason"].startswith("evidence unreadable: ")
assert d["verdict_reason"] in err or "\\x" in err, (d["verdict_reason"], err)
# every scenario is a tree: the file is the hive the problem is in, or the root (review R6)
assert "hives" not in d and "host" not in d, sorted(d)
for e in d["errors"]:
    assert e["file"] and e["file"] in e["problem"], e
PY
            then
                echo "FAIL $name: no valid JSON document for exit 3"; fails=$((fails + 1)); continue
            fi
            "$kb" audit --root "$root" --format junit > "$tmp/audit.xml" 2>/dev/null
            jrc=$?
            if [ "$jrc" -ne 3 ] || ! xmllint --noout "$tmp/audit.xml" ||
               [ "$(xmllint --xpath 'count(/testsuites/testsuite/testcase/error)' "$tmp/audit.xml")" != 1 ]; then
                echo "FAIL $name: --format junit exited $jrc without a well-formed document with one <error>"; fails=$((fails + 1)); continue
            fi
        fi
        if [ "$rc" -ne 3 ]; then
            if ! "$py" -m json.tool "$tmp/audit.json" > /dev/null; then
                echo "FAIL $name: audit JSON does not parse"; fails=$((fails + 1)); continue
            fi
            if ! "$py" "$here/check_expect.py" "$dir/expect-audit.json" "$tmp/audit.json" "$root"; then
                echo "FAIL $name: audit differs from expect-audit.json"; fails=$((fails + 1)); continue
            fi
            "$kb" audit --root "$root" --format junit > "$tmp/audit.xml" 2>/dev/null
            jrc=$?
            if [ "$jrc" -ne "$rc" ]; then
                echo "FAIL $name: --format junit exited $jrc, --format json $rc"; fails=$((fails + 1)); continue
            fi
            if ! xmllint --noout "$tmp/audit.xml"; then
                echo "FAIL $name: JUnit report is not well-formed XML"; fails=$((fails + 1)); continue
            fi
            "$kb" audit --root "$root" --format text --no-color > "$tmp/audit.txt" 2>/dev/null
            trc=$?
            if [ "$trc" -ne "$rc" ]; then
                echo "FAIL $name: --format text exited $trc, --format json $rc"; fails=$((fails + 1)); continue
            fi
            # the verdict line starts with the verdict in capitals: "NOT COMPLIANT:" is not "COMPLIANT:"
            want=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"].upper().replace("-", " ") + ":")' "$tmp/audit.json")
            first=$(head -n 1 "$tmp/audit.txt")
            case $first in "$want"*) ;; *) echo "FAIL $name: text verdict line '$first' does not start with '$want'"; fails=$((fails + 1)); continue ;; esac
        fi
        echo "ok   $name: audit (exit $rc)"
    fi
done
echo "$checks checks, $fails failures"
[ "$checks" -gt 0 ] && [ "$fails" -eq 0 ]
