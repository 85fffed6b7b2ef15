#!/usr/bin/env python3
"""REVIEW FINDINGS (wip-review, 2026-12-07): regression tests written by the independent
review of issues 9 and 10. They FAIL on the reviewed code on purpose; each check names
the finding (R1..R7) of the review report. Product code was not changed.

usage: review_findings.py KBAUDIT SCENARIOS_BUILT
"""
import os
import shutil
import subprocess
import sys
import tempfile

KB, SCEN = (os.path.abspath(p) for p in sys.argv[1:3])
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def run(*args, **kw):
    return subprocess.run([KB, *args], capture_output=True, **kw)


def sha(p):
    import hashlib
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


work = tempfile.mkdtemp(prefix="kbaudit-review-")
try:
    # R1, R2, R3, R5 and R7 are fixed; their checks moved to tests/report/cli_test.py (R1),
    # tests/e2e/fleet.py (R2, R3, R7) and tests/regf/reg_cli.sh (R5)
    # R4: qfe text of another host (CSName) must not be merged silently into this host's list
    si = os.path.join(work, "si.txt")
    with open(si, "w", newline="") as f:
        f.write("Host Name:                 HOSTA\r\n"
                "OS Name:                   Microsoft Windows Server 2008 Standard \r\n"
                "OS Version:                6.0.6003 Service Pack 2 Build 6003\r\n"
                "System Type:               x64-based PC\r\n"
                "Hotfix(s):                 0 Hotfix(s) Installed.\r\n")
    qfe = os.path.join(work, "qfe.txt")
    with open(qfe, "w", newline="") as f:
        for kb in ("KB4493730", "KB4474419", "KB4493471"):
            f.write(f"CSName=HOSTB\r\nHotFixID={kb}\r\n\r\n")
    r = run("audit", "--systeminfo", si, "--qfe", qfe)
    out = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
    check(r.returncode == 3 or "HOSTB" in out,
          f"R4: qfe of HOSTB merged into HOSTA without an error or warning (exit {r.returncode})")
    # R6: docs/json-output.md: "errors: one per problem: a corrupt SOFTWARE hive and a corrupt
    # SYSTEM hive are two"; errors[].file is the hive "when kbaudit knows it"
    import json
    both = os.path.join(work, "both")
    shutil.copytree(os.path.join(SCEN, "x64-corrupt-system"), both, symlinks=True)
    shutil.copy(os.path.join(SCEN, "corrupt-software", "Windows", "System32", "config", "SOFTWARE"),
                os.path.join(both, "Windows", "System32", "config", "SOFTWARE"))
    r = run("audit", "--root", both, "--format", "json")
    try:
        errs = json.loads(r.stdout)["errors"]
    except (ValueError, KeyError) as e:
        errs = []
        check(False, f"R6: no error document: {e}")
    check(len(errs) == 2, f"R6: a tree with a corrupt SOFTWARE and a corrupt SYSTEM gives {len(errs)} error(s), docs say two")
    check(all(e.get("file") for e in errs),
          f"R6: errors[].file is null for a hive kbaudit names in the message: {[e.get('file') for e in errs]}")
finally:
    shutil.rmtree(work, ignore_errors=True)

for m in failures:
    print("FAIL", m)
print(f"{len(failures)} review finding(s) reproduced" if failures else "all review findings fixed")
sys.exit(1 if failures else 0)
