#!/usr/bin/python3
"""cli_test -- the command-line contract of `kbaudit audit`, on small hives described in
tests/fixtures/report/ (no scenario trees: those are the end-to-end tests' business).
Checks the help and its exit codes, usage errors (2), a bad --db (2, before any evidence is
read), unreadable evidence (3), not covered (4), that the exit code equals the JSON's
exit_code, --quiet, --output, --format junit with xmllint, and colour: only on a terminal,
never with NO_COLOR (any value) or --no-color.

Usage: cli_test.py KBAUDIT SOURCE_DIR WORK_DIR XMLLINT
"""

import json
import os
import pty
import select
import shutil
import subprocess
import sys

kbaudit, src, work, xmllint = sys.argv[1:5]
fixtures = os.path.join(src, "tests", "fixtures", "report")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checklist import check, finish  # noqa: E402


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    return subprocess.run([kbaudit, *args], capture_output=True, text=True, env=e)


def run_tty(*args, env=None):
    """Runs kbaudit with standard output on a pseudo-terminal; returns (exit code, output)."""
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    master, slave = pty.openpty()
    p = subprocess.Popen([kbaudit, *args], stdout=slave, stderr=subprocess.DEVNULL, env=e)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 10)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:   # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=30), out.decode("utf-8", "replace")


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
hive = os.path.join(work, "SOFTWARE")
r2 = os.path.join(work, "SOFTWARE-r2")
for desc, out in (("software-6003.hivedesc", hive), ("software-r2.hivedesc", r2)):
    subprocess.run([sys.executable, os.path.join(src, "tests", "support", "mkhive.py"),
                    os.path.join(fixtures, desc), out], check=True)
bad_db = os.path.join(fixtures, "bad-kbdb.xml")
not_a_hive = os.path.join(fixtures, "bad-kbdb.xml")   # any file that is not a hive

# help: the exit codes are part of it
r = run("audit", "--help")
check(r.returncode == 0, "audit --help exits 0")
for code in ("0  compliant", "1  not compliant", "2  usage error", "3  evidence unreadable", "4  not covered"):
    check(code in r.stdout, f"audit --help states exit code '{code}'")
r = run("--help")
cmds = [l.split()[0] for l in r.stdout.splitlines() if l.startswith("  ") and l.split()]
check(cmds[:1] == ["audit"], f"audit is the first command in kbaudit --help (got {cmds[:3]})")

# usage errors: 2
for args in ([], ["--format", "xml", "--software", hive], ["--baseline", "newest", "--software", hive],
             ["--software", hive, "extra"], ["--root", work, "--system", hive], ["--system", hive],
             ["--bogus"], ["--software"]):
    r = run("audit", *args)
    check(r.returncode == 2, f"audit {args}: exit {r.returncode}, expected 2")
    check("kbaudit audit:" in r.stderr, f"audit {args}: message names the command ({r.stderr.strip()!r})")

# a bad --db: 2, and it is checked before the evidence (whose absence would be a 3)
for db in (bad_db, os.path.join(work, "no-such-db.xml")):
    for target in (hive, os.path.join(work, "no-such-hive")):
        r = run("audit", "--db", db, "--software", target)
        check(r.returncode == 2, f"--db {os.path.basename(db)} --software {os.path.basename(target)}: "
                                 f"exit {r.returncode}, expected 2")
        check(os.path.basename(db) in r.stderr, f"--db message names the file: {r.stderr.strip()!r}")

# unreadable evidence: 3
for args in (["--root", os.path.join(work, "no-such-root")], ["--software", os.path.join(work, "nothing")],
             ["--software", not_a_hive]):
    r = run("audit", *args)
    check(r.returncode == 3, f"audit {args}: exit {r.returncode}, expected 3")

# the exit code is the JSON's; the verdict decides it
expected_exit = {"compliant": 0, "not-compliant": 1, "inconclusive": 1, "not-covered": 4}
for target, want in ((hive, None), (r2, "not-covered")):
    r = run("audit", "--software", target, "--format", "json")
    d = json.loads(r.stdout)
    check(r.returncode == d["exit_code"] == expected_exit[d["verdict"]],
          f"{os.path.basename(target)}: exit {r.returncode}, JSON exit_code {d['exit_code']}, verdict {d['verdict']}")
    if want:
        check(d["verdict"] == want and r.returncode == 4, f"{os.path.basename(target)}: verdict {d['verdict']}")
    check(d["database"] and d["baseline"] == "default" and d["target"] == target, "JSON names database, baseline, target")
r = run("audit", "--software", hive, "--format", "json", "--baseline", "latest")
check(json.loads(r.stdout)["baseline"] == "latest", "--baseline latest reaches the report")
r = run("audit", "--software", hive, "--format", "json", "--db", os.path.join(src, "data", "kbdb.xml"))
check(r.returncode in (0, 1) and "kbdb.xml" in json.loads(r.stdout)["database"], "--db with the bundled file works")

# --quiet: the verdict line only; text starts with it
r = run("audit", "--software", hive)
first = r.stdout.splitlines()[0]
rq = run("audit", "--software", hive, "-q")
check(rq.stdout == first + "\n", f"--quiet prints only the verdict line: {rq.stdout!r}")
check(rq.returncode == r.returncode, "--quiet keeps the exit code")
check(first.split(":")[0] in ("COMPLIANT", "NOT COMPLIANT", "INCONCLUSIVE", "NOT COVERED"), f"verdict line {first!r}")

# --output and junit
out = os.path.join(work, "report.xml")
r = run("audit", "--software", hive, "--format", "junit", "-o", out)
check(r.stdout == "", "--output: nothing on standard output")
x = subprocess.run([xmllint, "--noout", "--nonet", out], capture_output=True, text=True)
check(x.returncode == 0, f"xmllint on the JUnit report: {x.stderr.strip()}")
out = os.path.join(work, "r2.xml")
r = run("audit", "--software", r2, "--format", "junit", "--output", out)
check(r.returncode == 4, "junit keeps exit 4")
with open(out, encoding="utf-8") as f:
    xml = f.read()
check('failures="0"' in xml and "<skipped" in xml, "not covered: testcases skipped, no failures")
r = run("audit", "--software", hive, "-o", os.path.join(work, "no-such-dir", "x.txt"))
check(r.returncode == 2, f"an --output that cannot be written: exit {r.returncode}, expected 2")

# evidence is read-only: an --output under --root or onto a hive given as evidence is refused
# before anything is opened
root = os.path.join(work, "root")
os.makedirs(os.path.join(root, "sub"))
with open(hive, "rb") as f:
    before = f.read()
for args in (["--root", root, "-o", os.path.join(root, "sub", "report.txt")],
             ["--root", root + "/", "--output", root],
             ["--software", hive, "-o", hive],
             ["--software", hive, "--system", r2, "-o", os.path.join(work, ".", "SOFTWARE-r2")]):
    r = run("audit", *args)
    check(r.returncode == 2 and "read-only" in r.stderr, f"audit {args}: exit {r.returncode}, expected 2")
with open(hive, "rb") as f:
    check(f.read() == before, "the hive is unchanged")
check(not os.path.exists(os.path.join(root, "sub", "report.txt")), "nothing written under --root")
# a hive's transaction logs are evidence too (read when the hive is dirty): HIVE.LOG1,
# .LOG2, .LOG, in any case, beside --software or --system; for facts as for audit
logs = os.path.join(work, "logs")
os.makedirs(logs)
shutil.copy(hive, os.path.join(logs, "SOFTWARE"))
shutil.copy(r2, os.path.join(logs, "SYSTEM"))
for name in ("SOFTWARE.LOG1", "SOFTWARE.LOG2", "software.log1", "SOFTWARE.LOG", "System.Log2"):
    log = os.path.join(logs, name)
    with open(log, "w") as f:
        f.write("log")
    for cmd in ("audit", "facts"):
        r = run(cmd, "--software", os.path.join(logs, "SOFTWARE"), "--system", os.path.join(logs, "SYSTEM"),
                "-o", log)
        with open(log) as f:
            kept = f.read() == "log"
        check(r.returncode == 2 and "would write into the evidence" in r.stderr and kept,
              f"{cmd} -o {name} beside the hives: exit {r.returncode}, log {'kept' if kept else 'OVERWRITTEN'}")
    os.remove(log)
for name in ("SOFTWARE.txt", "OTHER.LOG1"):   # beside the hive but not its log: allowed
    r = run("audit", "--software", os.path.join(logs, "SOFTWARE"), "-o", os.path.join(logs, name))
    check(r.returncode != 2, f"audit -o {name} beside the hive is allowed: exit {r.returncode} {r.stderr!r}")

r = run("audit", "--root", root, "-o", root + "-report.txt")   # a sibling, not inside
check(r.returncode == 3, f"an --output next to --root is allowed (then: no SOFTWARE, exit 3): {r.returncode}")

# colour: terminal only, never with NO_COLOR (any value, even empty) or --no-color
r = run("audit", "--software", hive)
check("\x1b" not in r.stdout, "no colour into a pipe")
try:
    for fd in pty.openpty():
        os.close(fd)
    have_pty = True
except OSError as e:   # e.g. a chroot without /dev/pts
    have_pty = False
    print(f"SKIP the terminal colour checks: no pseudo-terminals here ({e})")
if have_pty:
    code, text = run_tty("audit", "--software", hive)
    check("\x1b[" in text, "colour on a terminal")
    check(code == r.returncode, "same exit code on a terminal")
    for env, args in (({"NO_COLOR": "1"}, []), ({"NO_COLOR": ""}, []), ({}, ["--no-color"])):
        code, text = run_tty("audit", "--software", hive, *args, env=env)
        check(text and "\x1b" not in text, f"no colour with {env or args}")

finish()
