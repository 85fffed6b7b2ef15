#!/usr/bin/env python3
"""facts_cli -- the command-line contract of `kbaudit facts` on one built scenario tree:
an --output into the evidence is refused (exit 2, before anything is opened, nothing
written), and hive-files-only mode (--software FILE [--system FILE]) reports file evidence
as unavailable, in text and JSON (docs/facts-json.md).

The hives are copied into WORK first, so that a refusal that failed could only damage copies.

usage: facts_cli.py KBAUDIT TREE WORK
"""
import json
import os
import shutil
import subprocess
import sys

kbaudit, tree, work = sys.argv[1:4]
problems = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        problems.append(what)


def run(*args):
    return subprocess.run([kbaudit, *args], capture_output=True, text=True)


def read(path):
    with open(path, "rb") as f:
        return f.read()


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
config = os.path.join(tree, "Windows", "System32", "config")
hive = os.path.join(work, "SOFTWARE")
system = os.path.join(work, "SYSTEM")
shutil.copyfile(os.path.join(config, "SOFTWARE"), hive)
shutil.copyfile(os.path.join(config, "SYSTEM"), system)
root = os.path.join(work, "root")
os.makedirs(os.path.join(root, "Windows", "System32", "config"))
root_hive = os.path.join(root, "Windows", "System32", "config", "SOFTWARE")
shutil.copyfile(hive, root_hive)

# --- evidence is read-only: an --output into it is refused, for facts and audit alike ---
hard = os.path.join(work, "hard-link-to-SOFTWARE")
os.link(hive, hard)
soft = os.path.join(work, "symlink-to-SYSTEM")
os.symlink(system, soft)
before = {p: read(p) for p in (hive, system, root_hive)}
refused = (
    ["--root", root, "-o", root_hive],
    ["--root", root + "/", "--output", os.path.join(root, "Windows", "new-report.txt")],
    ["--software", hive, "-o", hive],
    ["--software", hive, "--system", system, "-o", os.path.join(work, ".", "SYSTEM")],
    ["--software", hive, "-o", hard],
    ["--software", hive, "--system", system, "-o", soft],
)
for cmd in ("facts", "audit"):
    for args in refused:
        r = run(cmd, *args)
        check(r.returncode == 2 and "would write into the evidence; evidence is read-only" in r.stderr
              and r.stdout == "", f"{cmd} {args}: exit {r.returncode}, expected 2: {r.stderr.strip()}")
for p, data in before.items():
    check(read(p) == data, f"{p} unchanged")
check(not os.path.exists(os.path.join(root, "Windows", "new-report.txt")), "nothing created under --root")
# a sibling of the evidence is fine
out = os.path.join(work, "facts.txt")
r = run("facts", "--software", hive, "-o", out)
check(r.returncode == 0 and r.stdout == "" and "Windows Server (R) 2008" in open(out).read(),
      f"facts -o next to the evidence: exit {r.returncode} {r.stderr.strip()}")

for p in problems:
    print("FAIL", p)
print(f"{checks} checks, {len(problems)} failed")
sys.exit(1 if problems else 0)
