#!/usr/bin/env python3
"""denied -- evidence the system refuses to let kbaudit read (issue 8: "not elevated, or a
key/file denied: a clear message naming what could not be read, and the verdict is
inconclusive, never compliant on partial evidence"), on a copy of a compliant tree with one
file made unreadable, run as an unprivileged user (root reads everything: setpriv drops to
nobody). With a wine prefix owned by that user, the same runs through kbaudit.exe.

Cases: a servicing manifest (.mum) denied, and the kernel file denied. Each: `facts` lists it
in "denied" and warns, naming it; `audit` is inconclusive (exit 1), its reason says access
was denied and names the file.

usage: denied.py KBAUDIT TREE WORK [--exe KBAUDIT.EXE]
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import mkscenario  # noqa: E402  (_tree_times / _restore_times: the copy must not move access times)

kbaudit, tree, work = sys.argv[1:4]
exe = sys.argv[sys.argv.index("--exe") + 1] if "--exe" in sys.argv else None
WINE = os.environ.get("KBAUDIT_WINE") or "wine"   # the build's wine (cmake/KbauditWine.cmake)
from checklist import check, finish  # noqa: E402


def as_user():
    """The command prefix that runs as an unprivileged user (nothing when we are not root)."""
    if os.geteuid() != 0:
        return [], os.getuid()
    if shutil.which("setpriv") is None:
        sys.exit("denied: running as root needs setpriv (util-linux) to drop privileges")
    import pwd
    nobody = pwd.getpwnam("nobody")
    return ["setpriv", "--reuid", str(nobody.pw_uid), "--regid", str(nobody.pw_gid), "--clear-groups"], nobody.pw_uid


prefix_cmd, uid = as_user()
# The unprivileged user must reach everything it runs and reads, whatever the build folder's
# parents allow (a clone under /root is 0700): the tree and the programs are copied into a
# fresh folder under the system's temporary directory; WORK only records where that was.
import tempfile  # noqa: E402
os.makedirs(work, exist_ok=True)
work = tempfile.mkdtemp(prefix="kbaudit-denied-")
with open(os.path.join(sys.argv[3], "last-run"), "w") as f:
    f.write(work + "\n")
os.chmod(work, 0o755)
for name, src in (("kbaudit", kbaudit), ("kbaudit.exe", exe)):
    if src:
        dst = os.path.join(work, name)
        shutil.copy2(src, dst)
        os.chmod(dst, 0o755)
kbaudit = os.path.join(work, "kbaudit")
exe = os.path.join(work, "kbaudit.exe") if exe else None
times = mkscenario._tree_times(tree)
root = os.path.join(work, "tree")
shutil.copytree(tree, root, symlinks=True)
mkscenario._restore_times(times)
for d, dirs, files in os.walk(root):   # readable by the unprivileged user, but not writable
    os.chmod(d, 0o755)
    for f in files:
        os.chmod(os.path.join(d, f), 0o644)

packages = os.path.join(root, "Windows", "servicing", "Packages")
mum = sorted(n for n in os.listdir(packages) if "KB4474419" in n)[0]
cases = [("manifest", os.path.join(packages, mum), mum),
         ("kernel", os.path.join(root, "Windows", "System32", "ntoskrnl.exe"), "ntoskrnl.exe")]


def runs():
    """(label, command prefix, root argument, env) for each build to try."""
    yield "linux", prefix_cmd + [kbaudit], root, None
    if exe:
        wprefix = os.path.join(work, "wineprefix")
        os.makedirs(wprefix, exist_ok=True)
        os.chown(wprefix, uid, -1)   # wine wants its prefix owned by the user running it
        env = dict(os.environ, WINEPREFIX=wprefix, WINEDEBUG="-all", DISPLAY="", HOME=work,
                   WINEDLLOVERRIDES="mscoree,mshtml=")
        yield "wine", prefix_cmd + [WINE, exe], "Z:" + os.path.abspath(root).replace("/", "\\"), env


for label, cmd, rootarg, env in runs():
    for what, path, name in cases:
        os.chmod(path, 0)
        f = subprocess.run(cmd + ["facts", "--root", rootarg, "--format", "json"], capture_output=True, env=env)
        a = subprocess.run(cmd + ["audit", "--root", rootarg, "--format", "json"], capture_output=True, env=env)
        os.chmod(path, 0o644)
        try:
            facts = json.loads(f.stdout)
            audit = json.loads(a.stdout)
        except ValueError:
            check(False, f"{label} {what}: no JSON (facts exit {f.returncode}, audit exit {a.returncode}): "
                         f"{f.stderr[-300:]!r} {a.stderr[-300:]!r}")
            continue
        check(f.returncode == 0, f"{label} {what}: facts exit {f.returncode}")
        denied = facts.get("denied", [])
        check(any(name in d for d in denied), f"{label} {what}: {name} not in denied {denied}")
        check(any(name in w and "access denied" in w for w in facts.get("warnings", [])),
              f"{label} {what}: no warning names {name} as denied: {facts.get('warnings')}")
        check(a.returncode == 1 and audit.get("verdict") == "inconclusive",
              f"{label} {what}: audit exit {a.returncode}, verdict {audit.get('verdict')}, expected 1 inconclusive")
        reason = audit.get("verdict_reason", "")
        check("access denied" in reason and name in reason, f"{label} {what}: reason {reason!r}")
    # and with nothing denied the same user gets the tree's own verdict: compliant
    a = subprocess.run(cmd + ["audit", "--root", rootarg, "-q"], capture_output=True, env=env)
    check(a.returncode == 0, f"{label}: the untouched copy is not compliant for this user: exit {a.returncode} "
                             f"{a.stdout[-200:]!r} {a.stderr[-300:]!r}")
    if env:
        subprocess.run(prefix_cmd + ["wineserver", "-k"], env=env, capture_output=True)

shutil.rmtree(work, ignore_errors=True)
finish()
