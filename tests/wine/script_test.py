#!/usr/bin/env python3
"""script_test -- the install script `kbaudit audit --updates DIR --format cmd` writes, run by
wine's cmd.exe with stand-ins for wusa.exe and shutdown.exe (tests/wine/stubs/stub.c: they log
their command line and exit with the code a test gives them). What an admin relies on:
- each step runs `wusa.exe FILE /quiet /norestart` in plan order, the folder taken from the
  script's own location;
- 0 and 3010 count as installed and lead to the restart point (shutdown /r) and a stop, so the
  next run continues after the restart;
- 2359302 (already installed) moves on without a restart;
- any other code stops the script with exit 1, naming the step, and runs nothing after it;
- when every step answers "already installed" the script ends with exit 0 and no restart.

usage: script_test.py KBAUDIT TREE WORK
"""
import os
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
kbaudit, tree, work = sys.argv[1:4]
WINE = os.environ.get("KBAUDIT_WINE") or "wine"   # the build's wine (cmake/KbauditWine.cmake)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checklist import check, finish  # noqa: E402


for tool in (WINE, "wineserver", "x86_64-w64-mingw32-gcc", "i686-w64-mingw32-gcc"):
    if shutil.which(tool) is None:
        sys.exit(f"script_test: needs {tool}")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
prefix = os.path.join(work, "prefix")
env = dict(os.environ, WINEPREFIX=prefix, WINEDEBUG="-all", DISPLAY="", WINEARCH="win64",
           WINEDLLOVERRIDES="mscoree,mshtml=;wusa.exe,shutdown.exe=n")
subprocess.run([WINE, "wineboot", "-i"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=240)
subprocess.run(["wineserver", "-w"], env=env, timeout=240)

# the stand-ins replace wine's own wusa.exe and shutdown.exe, which cmd finds first; in both
# views (a 32-bit cmd.exe finds them in SysWOW64)
for cc, folder in (("x86_64-w64-mingw32-gcc", "system32"), ("i686-w64-mingw32-gcc", "syswow64")):
    stub = os.path.join(work, f"stub-{folder}.exe")
    subprocess.run([cc, "-O2", "-o", stub, os.path.join(here, "stubs", "stub.c")], check=True)
    for name in ("wusa.exe", "shutdown.exe"):
        shutil.copy(stub, os.path.join(prefix, "drive_c", "windows", folder, name))

# the plan for a 6002 host with every step's package at hand (docs/msu.md)
updates = os.path.join(work, "updates")
subprocess.run([sys.executable, os.path.join(here, "..", "msu", "mkmsu.py"), updates,
                "a.msu:4493730:6.0:x64", "b.msu:4474419:6.0:x64", "h.msu:5039341:6.0:x64",
                "e.msu:5073697:6.0:x64"], check=True, stdout=subprocess.DEVNULL)
p = subprocess.run([kbaudit, "audit", "--root", tree, "--updates", updates, "--format", "cmd"], capture_output=True)
check(p.returncode == 1, f"the audit of the 6002 tree: exit {p.returncode}")
script = os.path.join(updates, "install.cmd")
with open(script, "wb") as f:
    f.write(p.stdout)
drive_c = os.path.join(prefix, "drive_c")
wscript = "Z:" + os.path.abspath(script).replace("/", "\\")


def run(codes):
    """Runs the script once with CODES ({file: exit code}); returns (exit, output, log lines)."""
    with open(os.path.join(drive_c, "stub-codes.txt"), "w") as f:
        for name, code in codes.items():
            f.write(f"{name} {code}\n")
    log = os.path.join(drive_c, "stub.log")
    if os.path.exists(log):
        os.remove(log)
    r = subprocess.run([WINE, "cmd", "/c", wscript], env=env, capture_output=True, timeout=240)
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    return r.returncode, r.stdout.decode("utf-8", "replace"), lines


def called(lines):
    """The .msu files wusa was given, and whether shutdown ran, in order."""
    out = []
    for line in lines:
        low = line.lower()
        if "shutdown" in low:
            out.append("shutdown")
        elif "wusa" in low:
            msu = [w.strip('"').rsplit("\\", 1)[-1] for w in line.split() if w.strip('"').endswith(".msu")]
            out.append(msu[0] if msu else "?")
            check("/quiet" in line and "/norestart" in line, f"wusa without /quiet /norestart: {line}")
            check("Z:" in line and "updates" in line, f"the .msu not taken from the script's folder: {line}")
    return out


# first run: step 1 installs (0) -> restart and stop
rc, out, log = run({})
check(rc == 0 and called(log) == ["a.msu", "shutdown"], f"run 1: exit {rc}, calls {called(log)}\n{out}")
check(any("/r" in line for line in log if "shutdown" in line.lower()), f"run 1: no shutdown /r: {log}")
# after the restart: step 1 already there, step 2 asks for a reboot (3010) -> restart and stop
rc, out, log = run({"a.msu": 2359302, "b.msu": 3010})
check(rc == 0 and called(log) == ["a.msu", "b.msu", "shutdown"], f"run 2: exit {rc}, calls {called(log)}\n{out}")
# step 3 fails (5): stop with exit 1, naming the step, nothing after it
rc, out, log = run({"a.msu": 2359302, "b.msu": 2359302, "h.msu": 5})
check(rc == 1 and called(log) == ["a.msu", "b.msu", "h.msu"], f"run 3: exit {rc}, calls {called(log)}\n{out}")
check("step 3" in out and "5" in out, f"run 3: the failing step is not named: {out!r}")
# everything already installed: to the end, exit 0, no restart
rc, out, log = run({n: 2359302 for n in ("a.msu", "b.msu", "h.msu", "e.msu")})
check(rc == 0 and called(log) == ["a.msu", "b.msu", "h.msu", "e.msu"], f"run 4: exit {rc}, calls {called(log)}\n{out}")
check("every step done" in out, f"run 4: no final line: {out!r}")

subprocess.run(["wineserver", "-k"], env=env)
finish()
