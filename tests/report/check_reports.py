#!/usr/bin/python3
"""check_reports -- validate the audit reports test_report wrote (build/fixtures/report/)
with real parsers: every *.json with `python3 -m json.tool` and jq, every *.xml with
`xmllint --noout`, then check the documented shape of each (docs/json-output.md): types,
nulls for absent facts, the verdict/exit-code contract, and JUnit counts that agree with
the elements and with the JSON of the same result.

Usage: check_reports.py DIR XMLLINT [JQ]
"""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

CASES = ["compliant", "not-compliant", "not-covered", "pending-reboot", "nulls",
         "inconclusive-6003", "hostile"]
EXIT = {"compliant": 0, "not-compliant": 1, "inconclusive": 1, "not-covered": 4}
TOP_KEYS = ["kbaudit_version", "database", "baseline", "target", "verdict", "exit_code",
            "verdict_reason", "evidence", "host", "requirements", "plan", "pending_reboot",
            "pending_reasons", "newest_rollup_installed", "level", "months_behind",
            "months_behind_at_most", "newest_known_rollup", "security_only", "esu", "hives", "warnings"]
EVIDENCE_KINDS = {"package", "file-version", "package+file-version", "package-list"}
TARGET_KINDS = {"tree", "hives", "live", "package-list", None}
UNKNOWN = ["cbs-states", "file-versions", "pending-reboot"]
LOGS = {"clean", "recovered", "dirty-no-log", "dirty-log-rejected", "dirty-logs-not-read"}
KB = re.compile(r"^KB[1-9][0-9]*$")
DATE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$")
KINDS = {"ssu", "sha2", "rollup", "preview-rollup", "security-only", "esu-prep", "other", "reboot"}
CLASSNAMES = {"kbaudit.build", "kbaudit.requirement", "kbaudit.reboot"}

problems = []


def check(cond, where, what):
    if not cond:
        problems.append(f"{where}: {what}")


def is_int(v):
    return type(v) is int  # bool is an int subclass in Python: refuse it


def opt_str(v):
    return v is None or isinstance(v, str)


def check_update_ref(where, v, keys):
    if v is None:
        return
    check(isinstance(v, dict) and sorted(v) == sorted(keys), where, f"keys {sorted(v) if isinstance(v, dict) else v}")
    check(KB.match(v.get("kb") or ""), where, f"kb {v.get('kb')!r}")
    check(v.get("date") is None or DATE.match(v["date"]), where, f"date {v.get('date')!r}")


def check_json(name, path, jq):
    r = subprocess.run([sys.executable, "-m", "json.tool", path], capture_output=True, text=True)
    check(r.returncode == 0, path, f"python3 -m json.tool: {r.stderr.strip()}")
    if jq:
        r = subprocess.run([jq, "-e", ".verdict and (.exit_code | type == \"number\")", path],
                           capture_output=True, text=True)
        check(r.returncode == 0, path, f"jq: {r.stderr.strip() or r.stdout.strip()}")
    with open(path, encoding="utf-8") as f:   # strict UTF-8: a bad byte fails here
        d = json.load(f)
    w = f"{name}.json"
    check(list(d) == TOP_KEYS, w, f"top-level keys {list(d)}")
    check(d["verdict"] in EXIT, w, f"verdict {d['verdict']!r}")
    check(d["exit_code"] == EXIT.get(d["verdict"]), w, f"exit_code {d['exit_code']} for {d['verdict']}")
    h = d["host"]
    check(h["arch"] in ("x86", "x64", "ia64", None), w, f"arch {h['arch']!r}")
    check(h["server_core"] in (True, False, None), w, "server_core")
    for k in ("registry", "kernel", "effective"):
        v = h["build"][k]
        check(v is None or (is_int(v) and v > 0), w, f"build.{k} {v!r}: an integer or null, never 0")
    check(h["build"]["consistent"] in (True, False, None), w, "build.consistent")
    for i, q in enumerate(d["requirements"]):
        wq = f"{w} requirements[{i}]"
        check(isinstance(q["id"], str), wq, "id")
        check(q["kb"] is None or KB.match(q["kb"]), wq, f"kb {q['kb']!r}")
        check(q["status"] in ("satisfied", "pending", "missing"), wq, f"status {q['status']!r}")
        check(q["satisfied_by"] is None or KB.match(q["satisfied_by"]), wq, "satisfied_by")
        check(opt_str(q["evidence"]), wq, "evidence")
    for i, s in enumerate(d["plan"]):
        ws = f"{w} plan[{i}]"
        check(s["step"] == i + 1, ws, "step numbering")
        check(s["kind"] in KINDS, ws, f"kind {s['kind']!r}")
        check((s["kb"] is None) == (s["kind"] == "reboot"), ws, "kb null exactly for reboot steps")
        check(s["kb"] is None or KB.match(s["kb"]), ws, f"kb {s['kb']!r}")
        check(s["reboot_after"] in (True, False, None), ws, "reboot_after")
        check(s["needs_esu"] in (True, False, None), ws, "needs_esu")
    ev = d["evidence"]
    check(ev["kind"] in TARGET_KINDS, w, f"evidence.kind {ev['kind']!r}")
    listed = ev["kind"] == "package-list"
    check(ev["unknown"] == (UNKNOWN if listed else []), w, "evidence.unknown")
    check(d["pending_reboot"] is None if listed else isinstance(d["pending_reboot"], bool), w, "pending_reboot")
    check(all(isinstance(x, str) for x in d["pending_reasons"]), w, "pending_reasons")
    check_update_ref(f"{w} newest_rollup_installed", d["newest_rollup_installed"], ["kb", "date", "evidence"])
    check_update_ref(f"{w} newest_known_rollup", d["newest_known_rollup"], ["kb", "date"])
    check_update_ref(f"{w} esu.newest_installed", d["esu"]["newest_installed"], ["kb", "date"])
    check(d["months_behind"] is None or (is_int(d["months_behind"]) and d["months_behind"] >= 0), w, "months_behind")
    lv = d["level"]
    check(lv is None or (isinstance(lv, dict) and list(lv) == ["date", "rollup_kb", "security_only_kb", "lower_bound",
                                                              "evidence_kind", "evidence"]), w, f"level {lv!r}")
    if lv is not None:
        check(isinstance(lv["lower_bound"], bool) and lv["evidence_kind"] in EVIDENCE_KINDS, w, "level fields")
    mb = d["months_behind_at_most"]
    check(mb is None or (is_int(mb) and mb >= 0 and d["months_behind"] is None and lv and lv["lower_bound"]), w,
          "months_behind_at_most only with a lower-bound level, instead of months_behind")
    so = d["security_only"]
    check(isinstance(so["track"], bool) and all(KB.match(m["kb"]) for m in so["missing"]), w, "security_only")
    e = d["esu"]
    check_update_ref(f"{w} esu.newest_in_database", e["newest_in_database"], ["kb", "date"])
    check(is_int(e["updates_needing_esu_missing"]) and isinstance(e["months_needing_esu"], list), w, "esu counts")
    check(all(KB.match(x) for x in e["ssus_needing_esu"]), w, "esu.ssus_needing_esu")
    for q in d["requirements"]:
        check(q["evidence_kind"] is None or q["evidence_kind"] in EVIDENCE_KINDS, w, f"evidence_kind {q['evidence_kind']!r}")
    check(all(isinstance(x, str) for x in d["warnings"]), w, "warnings")
    check(isinstance(d["hives"], list) and all(
        h["hive"] in ("SOFTWARE", "SYSTEM") and h["logs"] in LOGS and is_int(h["logs_pages"])
        and isinstance(h["logs_detail"], str) for h in d["hives"]), w, "hives")
    return d


def check_xml(name, path, xmllint, d):
    r = subprocess.run([xmllint, "--noout", "--nonet", path], capture_output=True, text=True)
    check(r.returncode == 0, path, f"xmllint: {r.stderr.strip()}")
    w = f"{name}.xml"
    root = ET.parse(path).getroot()
    check(root.tag == "testsuites", w, "root element")
    suites = root.findall("testsuite")
    check(len(suites) == 1, w, f"{len(suites)} testsuites")
    cases = suites[0].findall("testcase")
    fails = [c for c in cases if c.find("failure") is not None]
    skips = [c for c in cases if c.find("skipped") is not None]
    for e in (root, suites[0]):
        check(int(e.get("tests")) == len(cases), w, f"<{e.tag}> tests={e.get('tests')} but {len(cases)} testcases")
        check(int(e.get("failures")) == len(fails), w, f"<{e.tag}> failures={e.get('failures')} but {len(fails)}")
        check(int(e.get("skipped")) == len(skips), w, f"<{e.tag}> skipped={e.get('skipped')} but {len(skips)}")
    for c in cases:
        check(c.get("classname") in CLASSNAMES, w, f"classname {c.get('classname')!r}")
        check(len(c) <= 1, w, "a testcase with more than one outcome")
        f = c.find("failure")
        check(f is None or f.get("message"), w, "a failure without a message")
    check(len([c for c in cases if c.get("classname") == "kbaudit.requirement"]) == len(d["requirements"]), w,
          "one testcase per requirement")
    # the JUnit failures are the JSON's reasons for exit code 1
    if d["verdict"] == "not-covered":
        check(len(skips) == len(cases) and not fails, w, "not covered: every testcase skipped")
    else:
        expected = sum(q["status"] != "satisfied" for q in d["requirements"])
        expected += d["host"]["build"]["effective"] != 6003
        expected += bool(d["pending_reboot"])
        if expected == 0 and d["exit_code"] != 0:
            expected = 1
        check(len(fails) == expected, w, f"{len(fails)} failures, expected {expected} from the JSON")


ERROR_KEYS = ["kbaudit_version", "database", "baseline", "target", "verdict", "exit_code",
              "verdict_reason", "errors"]


def check_error_documents(folder, xmllint, jq):
    """The documents of unreadable evidence (docs/json-output.md, "When the evidence is
    unreadable") and a JUnit document of several targets, as test_report wrote them."""
    path = os.path.join(folder, "error.json")
    if not os.path.exists(path):
        problems.append(f"{path} missing (did test_report run?)")
        return
    if jq:
        r = subprocess.run([jq, "-e", ".errors | length > 0", path], capture_output=True, text=True)
        check(r.returncode == 0, "error.json", f"jq: {r.stderr.strip() or r.stdout.strip()}")
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    check(list(d) == ERROR_KEYS, "error.json", f"keys {list(d)}")
    check(d["verdict"] == "inconclusive" and d["exit_code"] == 3, "error.json", "verdict inconclusive, exit_code 3")
    for e in d["errors"]:
        check(list(e) == ["file", "key", "offset", "problem"], "error.json", f"error keys {list(e)}")
        check(e["offset"] is None or is_int(e["offset"]), "error.json", f"offset {e['offset']!r}")
        check(isinstance(e["problem"], str) and e["problem"], "error.json", "problem is a string")
    for name in ("error.xml", "several.xml"):
        r = subprocess.run([xmllint, "--noout", os.path.join(folder, name)], capture_output=True, text=True)
        check(r.returncode == 0, name, f"xmllint: {r.stderr.strip()}")
    root = ET.parse(os.path.join(folder, "error.xml")).getroot()
    errors = root.findall("./testsuite/testcase/error")
    check(len(errors) == 1 and root.get("errors") == "1", "error.xml", "one testcase in <error>, counted")
    root = ET.parse(os.path.join(folder, "several.xml")).getroot()
    check(len(root.findall("./testsuite")) == 3, "several.xml", "three testsuites")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    folder, xmllint = sys.argv[1], sys.argv[2]
    jq = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] and os.path.exists(sys.argv[3]) else None
    if jq is None:
        print("jq not found: JSON checked with python3 -m json.tool only")
    for name in CASES:
        base = os.path.join(folder, name)
        for ext in ("json", "xml", "txt"):
            if not os.path.exists(f"{base}.{ext}"):
                problems.append(f"{base}.{ext} missing (did test_report run?)")
        if problems:
            continue
        d = check_json(name, base + ".json", jq)
        check_xml(name, base + ".xml", xmllint, d)
        with open(base + ".txt", encoding="utf-8") as f:
            first = f.readline()
        check(re.match(r"^(COMPLIANT|NOT COMPLIANT|INCONCLUSIVE|NOT COVERED): ", first), f"{name}.txt",
              f"first line {first!r}")
    nulls = os.path.join(folder, "nulls.json")
    if os.path.exists(nulls):
        with open(nulls, encoding="utf-8") as f:
            d = json.load(f)
        for path, v in [("host.product", d["host"]["product"]), ("host.arch", d["host"]["arch"]),
                        ("host.build.registry", d["host"]["build"]["registry"]),
                        ("host.build.effective", d["host"]["build"]["effective"]),
                        ("months_behind", d["months_behind"]), ("newest_rollup_installed", d["newest_rollup_installed"]),
                        ("verdict_reason", d["verdict_reason"])]:
            check(v is None, "nulls.json", f"{path} should be null, is {v!r}")
    check_error_documents(folder, xmllint, jq)
    for p in problems:
        print("FAIL", p)
    print(f"{len(CASES)} cases, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
