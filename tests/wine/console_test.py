#!/usr/bin/env python3
"""console_test -- kbaudit.exe writing to a console, under wine with a pseudo-terminal (script),
in a copy of one scenario tree whose path holds non-ASCII characters: the report must reach
the console (stdout and stderr go through a pipe whose reader writes with WriteConsoleW, and
the handles must survive the descriptor juggling), with the non-ASCII path intact, and the
exit code must be the verdict's. The other wine tests never give the exe a console.

usage: console_test.py EXE TREE WORK
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import mkscenario  # noqa: E402  (_tree_times / _restore_times: the copy must not move access times)

exe, tree, work = sys.argv[1:4]
WINE = os.environ.get("KBAUDIT_WINE") or "wine"   # the build's wine (cmake/KbauditWine.cmake)
from checklist import check, finish  # noqa: E402


if shutil.which("script") is None or shutil.which(WINE) is None:
    sys.exit("console_test: needs script (bsdutils) and wine")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
root = os.path.join(work, "tree-ñé-Ω")
times = mkscenario._tree_times(tree)
shutil.copytree(tree, root, symlinks=True)
mkscenario._restore_times(times)   # the read-only checks of tests/e2e look at access times
wroot = "Z:" + os.path.abspath(root).replace("/", "\\")
env = dict(os.environ, WINEPREFIX=os.path.join(work, "prefix"), WINEDEBUG="-all", DISPLAY="",
           WINEDLLOVERRIDES="mscoree,mshtml=", LANG="C.UTF-8", LC_ALL="C.UTF-8")


def on_console(*args):
    """Runs the exe under `script`, so its standard handles are a (wine) console; returns
    the terminal's bytes decoded and the exit code the command line saw."""
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in [WINE, exe, *args])
    cmd = quoted + "; echo \"[rc=$?]\""
    p = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=240)
    text = p.stdout.decode("utf-8", "replace")
    rc = None
    if "[rc=" in text:
        rc = int(text.rsplit("[rc=", 1)[1].split("]", 1)[0])
    return text, rc


def console_checks():
    text, rc = on_console("facts", "--root", wroot)
    check(rc == 0, f"facts on the console: exit {rc}, expected 0")
    check("Target: tree " + wroot in text, "the non-ASCII root is not shown intact on the console:\n" + text[:600])
    check("Servicing packages" in text and "KB4493730" in text, "the end of the facts report is missing:\n" + text[-600:])
    text, rc = on_console("audit", "--root", wroot)
    check(rc == 0 and "COMPLIANT" in text, f"audit on the console: exit {rc}\n" + text[:400])
    # stderr is a console too: a usage error must show its message
    text, rc = on_console("audit", "--root", wroot + "-ß-missing")
    check(rc == 3 and "evidence unreadable" in text and "-ß-missing" in text,
          f"an error on the console: exit {rc}\n" + text[:400])


# the prefix first, outside any check (its first boot may exit with wine's own status)
subprocess.run([WINE, "wineboot", "-i"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=240)
subprocess.run(["wineserver", "-w"], env=env, timeout=240)


def have_pty():
    """A chroot without /dev/pts has no pseudo-terminals: the console half cannot run there."""
    import pty
    try:
        m, s = pty.openpty()
    except OSError:
        return False
    os.close(m)
    os.close(s)
    return True


if have_pty():
    console_checks()
else:
    print("SKIP the console checks: this machine cannot make a pseudo-terminal (no /dev/pts)")

# --- evidence is read-only on Windows too: -o inside the root is refused (exit 2, nothing
# written), also spelled drive-relative ("Z:name", against Z:'s current folder, set inside the
# root by cmd) and as an alternate data stream of a hive file ---
def plain(*args, cwd_cmd=None):
    cmd = [WINE, "cmd", "/c", cwd_cmd] if cwd_cmd else [WINE, exe, *args]
    return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)


inside = os.path.join(root, "report.json")
r = plain("audit", "--root", wroot, "-o", wroot + "\\report.json")
check(r.returncode == 2 and not os.path.exists(inside), f"-o inside the root: exit {r.returncode}, written: {os.path.exists(inside)}")
# (wine's cmd mangles non-ASCII in its command line: an ASCII copy for this one)
aroot = os.path.join(work, "tree-ascii")
times = mkscenario._tree_times(tree)
shutil.copytree(tree, aroot, symlinks=True)
mkscenario._restore_times(times)
waroot = "Z:" + os.path.abspath(aroot).replace("/", "\\")
wexe = "Z:" + os.path.abspath(exe).replace("/", "\\")
# no quotes: wine passes them to cmd escaped (the paths have no spaces)
r = plain(cwd_cmd=f'cd /d {waroot} & c: & {wexe} audit --root {waroot} -q -o Z:drive-relative.json')
check(not os.path.exists(os.path.join(aroot, "drive-relative.json")),
      "a drive-relative -o (Z:name) was written inside the root")
check(r.returncode == 2, f"a drive-relative -o inside the root: exit {r.returncode}, expected 2; {r.stderr[-300:]!r}")
hive = wroot + "\\Windows\\System32\\config\\SOFTWARE"
before = open(os.path.join(root, "Windows", "System32", "config", "SOFTWARE"), "rb").read()
r = plain("audit", "--software", hive, "-o", hive + ":stream")
after = open(os.path.join(root, "Windows", "System32", "config", "SOFTWARE"), "rb").read()
check(r.returncode == 2 and before == after, f"-o HIVE:stream: exit {r.returncode}, hive unchanged: {before == after}")
check(not any(":" in n for n in os.listdir(os.path.join(root, "Windows", "System32", "config"))),
      "-o HIVE:stream left a file beside the hive")

subprocess.run(["wineserver", "-k"], env=env)
finish()
