#!/usr/bin/env python3
"""End to end: `kbaudit audit --root TREE --updates DIR` on the x64-6002-none scenario with a
folder of fixture packages made by mkmsu.py (right and wrong Windows / architecture, a
superseded rollup, a missing step, names unrelated to content), in JSON, cmd and ps1; and
`kbaudit msu` on a right and a wrong package.
usage: e2e_updates.py KBAUDIT BUILT_SCENARIOS WORK_DIR"""
import json
import os
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
kb, scenarios, work = sys.argv[1], sys.argv[2], sys.argv[3]
root = os.path.join(scenarios, "x64-6002-none")
upd = os.path.join(work, "updates")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
subprocess.run([sys.executable, os.path.join(here, "mkmsu.py"), upd,
                "a.msu:4493730:6.0:x64",      # step 1 (ssu)
                "b.msu:4474419:6.0:x64",      # step 2 (sha2)
                "c.msu:4474419:6.0:x86",      # wrong architecture
                "d.msu:4474419:6.1:x64",      # Windows 7 / 2008 R2: the classic mistake
                "e.msu:5073697:6.0:x64",      # step 4 (rollup)
                "f.msu:4493471:6.0:x64",      # April 2019 rollup: superseded by step 4
                "g.msu:4493730:6.0:x64"],     # a second copy of step 1
               check=True)
with open(os.path.join(upd, "notes.msu"), "wb") as f:
    f.write(b"not a cabinet")
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def audit(fmt):
    p = subprocess.run([kb, "audit", "--root", root, "--updates", upd, "--format", fmt, "--no-color"],
                       capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()   # bytes: the scripts' CRLF kept


rc, out, err = audit("json")
check(rc == 1, f"json: exit {rc}, expected 1 (not compliant): {err}")
doc = json.loads(out)
u = doc["updates"]
steps = {s["kb"]: s["file"] for s in u["steps"]}
check(steps == {"KB4493730": "a.msu", "KB4474419": "b.msu", "KB5039341": None, "KB5073697": "e.msu"},
      f"steps: {steps}")
check(u["steps_without_file"] == 1, f"steps_without_file {u['steps_without_file']}")
status = {f["file"]: f["status"] for f in u["files"]}
want = {"a.msu": "planned", "b.msu": "planned", "c.msu": "wrong-arch", "d.msu": "wrong-os",
        "e.msu": "planned", "f.msu": "superseded", "g.msu": "duplicate", "notes.msu": "unreadable"}
check(status == want, f"files: {status}")
check("notes.msu" in err and "not a cabinet" in err, f"unreadable file not warned: {err}")

rc, out, err = audit("cmd")
check(rc == 1, f"cmd: exit {rc}")
check("\r\n" in out and "\n" not in out.replace("\r\n", ""), "cmd: not CRLF throughout")
lines = out.split("\r\n")
wusa = [l for l in lines if l.startswith("start ")]
# every step in plan order (the script stops at step 3, which has no file)
check(wusa == ['start "" /wait wusa.exe "%UPDATES%a.msu" /quiet /norestart',
               'start "" /wait wusa.exe "%UPDATES%b.msu" /quiet /norestart',
               'start "" /wait wusa.exe "%UPDATES%e.msu" /quiet /norestart'],
      f"cmd: wusa lines {wusa}")
check(out.count("shutdown /r") == 3, "cmd: a restart after each of steps 1, 2 and 4")
check('if not "%RC%"=="0" if not "%RC%"=="3010" if not "%RC%"=="2359302" (' in out, "cmd: exit codes")
check("step 3, KB5039341: no .msu file" in out, "cmd: the missing step stops the script")
check("e.msu" not in out.split("KB5039341: no .msu")[0], "cmd: step 3 stops before step 4")

rc, out, err = audit("ps1")
check(rc == 1, f"ps1: exit {rc}")
check("Install-Step 1 'KB4493730' 'a.msu'\r\nRestart-Point 1 $false" in out, "ps1: step 1 and its restart")
check("Install-Step 2 'KB4474419' 'b.msu'" in out, "ps1: step 2")
check("2359302" in out and "3010" in out, "ps1: exit codes")

# the same folder for an x86 host: the x86 SHA-2 package serves the step, the x64 ones are wrong
p = subprocess.run([kb, "audit", "--root", os.path.join(scenarios, "x86-6002-none"), "--updates", upd,
                    "--format", "json"], capture_output=True, text=True)
x86 = {f["file"]: f["status"] for f in json.loads(p.stdout)["updates"]["files"]}
check(x86.get("c.msu") == "planned" and x86.get("b.msu") == "wrong-arch" and x86.get("a.msu") == "wrong-arch",
      f"x86 host: {x86}")

p = subprocess.run([kb, "audit", "--root", root, "--format", "cmd"], capture_output=True, text=True)
check(p.returncode == 2, "--format cmd without --updates is a usage error")

p = subprocess.run([kb, "msu", "--format", "json", os.path.join(upd, "a.msu"), os.path.join(upd, "d.msu")],
                   capture_output=True, text=True)
check(p.returncode == 0, f"msu: exit {p.returncode} {p.stderr}")
a, d = json.loads(p.stdout)
check(a["kb"] == "KB4493730" and a["windows"] == "6.0" and a["arch"] == "x64", f"msu a: {a}")
check(a["applies_to_2008sp2"]["x64"]["applies"] and not a["applies_to_2008sp2"]["x86"]["applies"], "msu a applies")
check(not d["applies_to_2008sp2"]["x64"]["applies"] and "6.1" in d["applies_to_2008sp2"]["x64"]["reason"],
      f"msu d: {d['applies_to_2008sp2']}")
p = subprocess.run([kb, "msu", os.path.join(upd, "notes.msu")], capture_output=True, text=True)
check(p.returncode == 3 and "notes.msu" in p.stderr, f"msu on a non-cabinet: {p.returncode} {p.stderr}")

# --- hostile packages (review findings, each failing on the code before its fix) ---
bad = os.path.join(work, "hostile")
subprocess.run([sys.executable, os.path.join(here, "mkmsu.py"), bad,
                "conflict.msu:4493730:6.0:x64:unattend=6.1.1.2",   # pkgProperties 6.0, unattend 6.1
                "entity.msu:4493730:6.0:x64:utf16-entity",         # a DTD only a UTF-16 reader sees
                "zeros.msu:4474419:6.0:x64:zeros=400000000",       # 400 MB of zeros before the metadata
                "it's.msu:4474419:6.0:x64"],                       # a quote in the file name
               check=True)
p = subprocess.run([kb, "msu", "--format", "json", os.path.join(bad, "entity.msu")], capture_output=True, text=True)
ent = json.loads(p.stdout)[0] if p.returncode == 0 else {}
check(any("document type declaration refused" in w for w in ent.get("warnings", [])),
      f"a UTF-16 unattend file with a DTD is not refused: {p.stdout[-400:]}")
check(ent.get("package", {}).get("processorArchitecture") != "x86", f"the entity's value was taken: {ent}")
import time  # noqa: E402
t0 = time.monotonic()
p = subprocess.run([kb, "msu", os.path.join(bad, "zeros.msu")], capture_output=True, text=True)
check(time.monotonic() - t0 < 5 and "inflate budget spent" in p.stdout + p.stderr,
      f"a cabinet of zeros before its metadata: {time.monotonic() - t0:.1f} s, {p.stdout[-300:]}")
p = subprocess.run([kb, "audit", "--root", root, "--updates", bad, "--format", "json"], capture_output=True, text=True)
hs = {f["file"]: f for f in json.loads(p.stdout)["updates"]["files"]}
check(hs["conflict.msu"]["status"] == "unreadable" and "contradicts itself" in hs["conflict.msu"]["reason"],
      f"a package whose metadata contradicts itself is planned: {hs['conflict.msu']}")
p = subprocess.run([kb, "audit", "--root", root, "--updates", bad, "--format", "ps1"], capture_output=True, text=True)
odd = [line for line in p.stdout.splitlines() if line.count("'") % 2]
check(not odd, f"ps1 lines with an unbalanced quote: {odd}")

for f in fails:
    print("FAIL", f)
print("ok" if not fails else f"{len(fails)} failure(s)")
sys.exit(1 if fails else 0)
