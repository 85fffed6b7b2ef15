#!/usr/bin/env python3
"""facts_cli -- the command-line contract of `kbaudit facts` on one built scenario tree's hives:
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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checklist import check, finish  # noqa: E402


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

# --- hive files only: file evidence is unavailable, never "absent" ---
for with_system in (False, True):
    args = ["--software", hive] + (["--system", system] if with_system else [])
    what = "facts " + " ".join(a if a.startswith("--") else os.path.basename(a) for a in args)
    r = run("facts", *args, "--format", "json")
    check(r.returncode == 0, f"{what} --format json: exit {r.returncode}: {r.stderr.strip()}")
    d = json.loads(r.stdout) if r.returncode == 0 else {}
    t = d.get("target", {})
    check(t.get("kind") == "hives" and t.get("files_available") is False and t.get("windows_dir") is None
          and t.get("windows_dir_found_by") is None, f"{what}: target {t}")
    check(d.get("files") == [], f"{what}: files {d.get('files')}")
    pend = d.get("pending", {})
    check(pend.get("pending_xml_operations") == {"value": None, "source": "winsxs/pending.xml", "available": False},
          f"{what}: pending_xml_operations {pend.get('pending_xml_operations')}")
    renames = pend.get("pending_file_renames", {})
    if with_system:
        check(renames.get("available") is True and renames.get("value") == 0 and
              renames.get("source", "").startswith("SYSTEM\\ControlSet001\\"), f"{what}: renames {renames}")
        check(d.get("warnings") == [], f"{what}: warnings {d.get('warnings')}")
    else:
        check(renames.get("available") is False and renames.get("value") is None, f"{what}: renames {renames}")
        check(d.get("warnings") == ["no SYSTEM hive: control set, architecture and pending file renames are unknown"],
              f"{what}: warnings {d.get('warnings')}")
    check(pend.get("cbs_execute_state", {}).get("available") is True, f"{what}: cbs_execute_state")
    pk = [p for p in d.get("packages", []) if p["kb"]]
    check(len(pk) == 6 and all(p["mum"] is None and p["state_name"] for p in pk), f"{what}: packages {pk}")
    r = run("facts", *args)
    text = r.stdout
    check(r.returncode == 0 and "Files: unavailable (hive files only)" in text, f"{what}: text files line")
    check("winsxs/pending.xml" in text and
          "unavailable (hive files only: no file evidence)" in text.split("winsxs/pending.xml", 1)[-1].split("\n")[0],
          f"{what}: text pending.xml line")
    line = next((l for l in text.splitlines() if "PendingFileRenameOperations" in l), "")
    if with_system:
        check(line.rstrip().endswith(" 0"), f"{what}: text renames line {line!r}")
    else:
        check(line.rstrip().endswith("unavailable (no readable SYSTEM hive)"), f"{what}: text renames line {line!r}")
    check(" absent" not in text.split("Pending reboot markers:", 1)[-1].split("Warnings:")[0].replace(
        "RebootPending absent", "").replace("PackagesPending absent", "").replace(
        "RebootInProgress absent", "").replace("RebootRequired absent", ""),
        f"{what}: only registry markers may read absent")

# --- the audit still reads hive files alone ---
r = run("audit", "--software", hive, "--format", "json")
check(r.returncode == 1 and json.loads(r.stdout).get("verdict") == "inconclusive",
      f"audit --software: exit {r.returncode} {r.stdout[:200]}")

# --- a hostile hive file name (ESC, newline) reaches the terminal escaped, on one line ---
evil = os.path.join(work, "evil\x1b[31m\nname")
with open(evil, "wb") as f:
    f.write(b"x")
for cmd in ("facts", "audit"):
    r = run(cmd, "--software", evil)
    check(r.returncode == 3 and "\x1b" not in r.stderr and r.stderr.count("\n") == 1 and
          "evil\\x1b[31m\\x0aname" in r.stderr, f"{cmd}: hostile file name in the error: {r.stderr!r}")

# --- --live reads a running Windows system: outside the Windows build a usage error (exit 2)
# that says where to run it; combined with another target, a usage error everywhere ---
for cmd in ("facts", "audit"):
    r = run(cmd, "--live")
    check(r.returncode == 2, f"{cmd} --live on Linux: exit {r.returncode}, expected 2")
    check("kbaudit.exe" in r.stderr and r.stdout == "", f"{cmd} --live: message {r.stderr!r}")
    r = run(cmd, "--live", "--root", root)
    check(r.returncode == 2 and "cannot be combined" in r.stderr, f"{cmd} --live --root: {r.returncode} {r.stderr!r}")
    r = run(cmd, "--live", "--software", hive)
    check(r.returncode == 2 and "cannot be combined" in r.stderr, f"{cmd} --live --software: {r.returncode} {r.stderr!r}")

finish()
