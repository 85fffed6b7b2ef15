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
    # R1: -o onto a transaction log of a --software hive (evidence kbaudit reads) must be refused
    cfg = os.path.join(SCEN, "x64-dirty-logs-new", "Windows", "System32", "config")
    d = os.path.join(work, "r1")
    shutil.copytree(cfg, d)
    log1 = os.path.join(d, "SOFTWARE.LOG1")
    before = sha(log1)
    r = run("audit", "--software", os.path.join(d, "SOFTWARE"), "-o", log1)
    check(r.returncode == 2 and sha(log1) == before,
          f"R1: -o onto SOFTWARE.LOG1 beside --software must be refused (exit 2), got exit {r.returncode}, "
          f"log {'unchanged' if sha(log1) == before else 'OVERWRITTEN'}")

    # R2: -o onto the --targets file itself must be refused (it is the run's input)
    t = os.path.join(work, "targets.txt")
    with open(t, "w") as f:
        f.write(os.path.join(SCEN, "example") + "\n")
    before = sha(t)
    r = run("audit", "--targets", t, "-o", t)
    check(r.returncode == 2 and sha(t) == before,
          f"R2: -o onto the --targets file must be refused, got exit {r.returncode}, "
          f"file {'unchanged' if sha(t) == before else 'OVERWRITTEN'}")

    # R3: a bare path in double quotes in a --targets file (help: "paths with blanks in double quotes")
    shutil.copytree(os.path.join(SCEN, "example"), os.path.join(work, "host 1"))
    t3 = os.path.join(work, "t3.txt")
    with open(t3, "w") as f:
        f.write('"host 1"\n')
    r = run("audit", "--targets", t3, "-q")
    check(r.returncode == 0, f"R3: a quoted bare path line must name the folder 'host 1', got exit {r.returncode}: "
                             f"{r.stderr.decode(errors='replace')[:200]}")

    # R5: `reg export/dump -o FILE` onto the hive it reads (or onto its log) must be refused:
    # today the hive is truncated (evidence destroyed) and kbaudit dies of SIGBUS on the mapping
    for sub in ("export", "dump"):
        d5 = os.path.join(work, "r5-" + sub)
        shutil.copytree(cfg, d5)
        for victim in ("SOFTWARE", "SOFTWARE.LOG1"):
            v = os.path.join(d5, victim)
            before = sha(v)
            r = run("reg", sub, "-o", v, os.path.join(d5, "SOFTWARE"))
            check(r.returncode == 2 and sha(v) == before,
                  f"R5: reg {sub} -o {victim} (the evidence it reads) must be refused, got exit {r.returncode}"
                  f"{' (signal %d)' % -r.returncode if r.returncode < 0 else ''}, "
                  f"{victim} {'unchanged' if sha(v) == before else 'OVERWRITTEN'}")
            shutil.copy(os.path.join(cfg, victim), v)
        # a clean hive is mapped: truncating it under the mapping crashes
        clean = os.path.join(SCEN, "x64-6003-current", "Windows", "System32", "config", "SOFTWARE")
        c = os.path.join(d5, "CLEAN")
        shutil.copy(clean, c)
        r = run("reg", sub, "-o", c, c)
        check(r.returncode == 2 and sha(c) == sha(clean),
              f"R5: reg {sub} -o HIVE HIVE (clean hive) must be refused, got exit {r.returncode}"
              f"{' (signal %d)' % -r.returncode if r.returncode < 0 else ''}")
    # R7: a --targets file saved by Notepad / PowerShell 5 `Out-File -Encoding utf8` starts with a
    # UTF-8 BOM: its first line (here a comment) must not become a bogus target
    t7 = os.path.join(work, "bom.txt")
    with open(t7, "wb") as f:
        f.write(b"\xef\xbb\xbf# fleet list\r\n" + os.path.join(SCEN, "example").encode() + b"\r\n")
    r = run("audit", "--targets", t7, "-q")
    check(r.returncode == 0, f"R7: BOM + comment line gives exit {r.returncode}: {r.stdout.decode(errors='replace')[:160]!r}")
finally:
    shutil.rmtree(work, ignore_errors=True)

for m in failures:
    print("FAIL", m)
print(f"{len(failures)} review finding(s) reproduced" if failures else "all review findings fixed")
sys.exit(1 if failures else 0)
