#!/usr/bin/python3
"""winetest -- run kbaudit.exe under Debian's wine against scenario prefixes and trees.

Subcommands (docs/wine-tests.md has the whole story):

  winetest.py base --arch win64|win32 --dir DIR
      Make (or reuse) a base wine prefix in DIR: wineboot -i, winecfg -v win2008, and
      HKLM\\SYSTEM rearranged like Windows (ControlSet001 + a CurrentControlSet link).
      Cached: a prefix whose stamp names the same wine version, loader and recipe is kept.

  (wine is $KBAUDIT_WINE, else `wine`: see WINE below.)

  winetest.py live --arch win64|win32 --base DIR --work DIR --kbaudit LINUX_KBAUDIT
                   --scenarios SRC --trees BUILT [--exe64 EXE] [--exe32 EXE] [--no-32bit] [CASE...]
      For each CASE (default: the cases of --arch, see CASES) copy the base prefix, make it
      look like the scenario's tree (registry read set imported from the tree's hives,
      kernel/marker files, manifests, pending.xml), check the prefix itself against the tree,
      then run `kbaudit.exe facts --live` and `audit --live` and compare with the scenario's
      expect-facts.json / expect-audit.json (paths normalized). Without an exe only the
      prefixes are built and checked. SRC and BUILT may be given several times (name=dir
      pairs are searched in order). --no-32bit leaves out the cases that run 32-bit code.

  winetest.py offline --arch win64|win32 --base DIR --work DIR --kbaudit LINUX_KBAUDIT
                      --exe EXE BUILT...
      Every scenario tree under each BUILT folder through `kbaudit.exe facts|audit --root Z:\\...`
      and through the Linux build: same exit code, same JSON apart from path spellings.

  winetest.py selftest
      The comparison code on made-up documents (no wine needed).

Everything wine writes stays in the prefixes (WINEPREFIX), winemenubuilder is disabled, no
display is used, and every wineserver started is killed before the command returns.
"""

import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "support"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
import check_expect  # noqa: E402  (the matcher of the Linux end-to-end tests)
import mkscenario  # noqa: E402  (_tree_times / _restore_times: put back access times)

# The command that runs a Windows program (and wine's own wineboot, winecfg, cmd, reg): the
# build's choice (cmake/KbauditWine.cmake), Debian's wrapper `wine` by hand. On a host that
# cannot execute 32-bit x86 code it is the 64-bit loader itself, which makes and runs win64
# prefixes only.
WINE = os.environ.get("KBAUDIT_WINE") or "wine"
WINE64_ONLY = os.path.basename(WINE).startswith("wine64")
# Bump when the base prefix recipe changes: cached prefixes with another value are rebuilt.
BASE_RECIPE = 3
# wine's own DLLs/EXEs that a scenario prefix replaces or removes in system32 (and the WOW64
# case in syswow64): wine must keep using its builtin code for them.
OVERRIDES = "mscoree,mshtml=;winemenubuilder.exe=d;ntoskrnl.exe,ntkrnlpa.exe,crypt32,appinfo,spoolsv.exe=b"
# The files kbaudit reads in System32 (facts_files: the kernel, the PAE kernel, the markers).
SYSTEM32_FILES = ("ntoskrnl.exe", "ntkrnlpa.exe", "crypt32.dll", "appinfo.dll", "spoolsv.exe")

# What kbaudit reads from the registry (the "source" fields of every expect-facts.json):
# values by name, or whole subtrees (None).
CV = "Microsoft\\Windows NT\\CurrentVersion"
CV_VALUES = ("ProductName", "EditionID", "InstallationType", "CurrentVersion", "CurrentBuild",
             "CurrentBuildNumber", "CSDVersion", "BuildLab", "BuildLabEx", "SystemRoot")
CBS = "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
WU_REBOOT = "Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired"
CS_VALUES = (("Control\\ProductOptions", "ProductType"),
             ("Control\\Session Manager", "PendingFileRenameOperations"),
             ("Control\\Session Manager\\Environment", "PROCESSOR_ARCHITECTURE"))

# Live cases: (exe arch, prefix arch, scenario, decoys in the 32-bit views)
CASES = {
    "win64": [("x64", "x64-6003-current", False),
              ("x64", "x64-6002-none", False),
              ("x64", "x64-pending-reboot", False),
              ("x64", "x64-registry-6003-kernel-6002", False),
              ("x86", "x64-6003-current", True)],
    "win32": [("x86", "x86-6003-current", False),
              ("x86", "x86-6002-none", False)],
}
# The WOW64 decoys: what a 32-bit program sees by default on the x64 prefix.
DECOY_KERNEL_FROM = ("x86-6002-none", "System32/ntoskrnl.exe")   # 6.0.6002.18005, i386
DECOY_PAE_FROM = ("x86-6002-none", "System32/ntkrnlpa.exe")
DECOY_BUILD = "6002"


def log(msg):
    print(msg, flush=True)


class Failure(Exception):
    pass


# ---------------------------------------------------------------------------------------
# wine processes

def wine_env(prefix, arch=None):
    env = dict(os.environ)
    env.update(WINEPREFIX=prefix, WINEDEBUG="-all", WINEDLLOVERRIDES=OVERRIDES, DISPLAY="",
               WAYLAND_DISPLAY="", LANG=env.get("LANG") or "C.UTF-8")
    if arch:
        env["WINEARCH"] = arch
    else:
        env.pop("WINEARCH", None)
    return env


def winpath(path):
    """A Unix path as wine's Z: drive shows it."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def run(cmd, env, timeout=120, check=True):
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("%s did not finish in %d s" % (" ".join(cmd), timeout))
    if check and p.returncode != 0:
        raise Failure("%s exited %d: %s%s" % (" ".join(cmd), p.returncode, p.stdout.decode("utf-8", "replace")[-2000:],
                                               p.stderr.decode("utf-8", "replace")[-2000:]))
    return p


def run_logged(cmd, env, logfile, timeout=600):
    """Run a command that starts wine's daemons, output to logfile (a pipe would stay open
    as long as the daemons live)."""
    with open(logfile, "ab") as f:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=f, stderr=f, timeout=timeout)
    if p.returncode != 0:
        with open(logfile, "rb") as f:
            raise Failure("%s exited %d: %s" % (" ".join(cmd), p.returncode, f.read()[-2000:].decode("utf-8", "replace")))


def wineboot_running(prefix):
    want = ("WINEPREFIX=" + prefix).encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
            if b"wineboot" not in cmd.lower():
                continue
            with open("/proc/%s/environ" % pid, "rb") as f:
                if want in f.read().split(b"\0"):
                    return True
        except OSError:
            continue
    return False


class Server:
    """One persistent wineserver for a prefix, booted (wineboot has finished, so it cannot
    overwrite what we import, and it will not run again while this server lives: wineboot
    executes and deletes PendingFileRenameOperations at every boot)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.env = wine_env(prefix)

    def __enter__(self):
        # the daemons (wineserver, services.exe, winedevice.exe, explorer.exe) must not hold our
        # pipes, or every later subprocess.run() would wait for them
        quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        subprocess.run(["wineserver", "-p"], env=self.env, check=True, timeout=60, **quiet)
        subprocess.run([WINE, "cmd", "/c", "exit"], env=self.env, check=True, timeout=300, **quiet)
        while wineboot_running(self.prefix):
            if time.monotonic() - t0 > 120:
                raise Failure("wineboot still running after 120 s in %s" % self.prefix)
            time.sleep(0.1)
        self.boot_seconds = time.monotonic() - t0
        return self

    def __exit__(self, *exc):
        subprocess.run(["wineserver", "-k"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["wineserver", "-w"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
        return False

    def wine(self, *args, timeout=120, check=True):
        return run([WINE] + list(args), self.env, timeout=timeout, check=check)


# ---------------------------------------------------------------------------------------
# base prefix

def wine_version():
    return subprocess.run([WINE, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()


def wine_loader():
    """What makes the prefixes: $KBAUDIT_WINE resolved, and for a script (Debian's wrapper) the
    loader it execs, wine32's when that is installed, else wine64 (the wrapper's own order)."""
    path = os.path.realpath(shutil.which(WINE) or WINE)
    try:
        with open(path, "rb") as f:
            script = f.read(2) == b"#!"
    except OSError:
        return path
    for elf in ("/usr/lib/wine/wine", "/usr/lib/wine/wine64") if script else ():
        if os.access(elf, os.X_OK):
            return "%s -> %s" % (path, elf)
    return path


def relink_control_set(prefix, current):
    """Rewrite the prefix's system.reg (its wineserver stopped) so that HKLM\\SYSTEM looks
    like Windows: wine 8 keeps a plain CurrentControlSet key and no ControlSetNNN; Windows
    has ControlSetNNN and CurrentControlSet is a link to the one Select\\Current names."""
    path = os.path.join(prefix, "system.reg")
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    name = "ControlSet%03d" % current
    # drop a link made before (a prefix copied from a relinked base), then rename
    out, skip = [], False
    for line in text.split("\n"):
        if line.startswith("["):
            skip = re.match(r"(?i)^\[System\\\\CurrentControlSet\]", line) is not None
        if not skip:
            out.append(line)
    text = "\n".join(out)
    text = re.sub(r"(?im)^\[System\\\\(?:CurrentControlSet|ControlSet\d{3})(?=[\\\]])",
                  lambda m: "[System\\\\" + name, text)
    target = ("\\Registry\\Machine\\System\\" + name).encode("utf-16-le")
    link = ("\n[System\\\\CurrentControlSet] 0\n#link\n\"SymbolicLinkValue\"=hex(6):%s\n"
            % ",".join("%02x" % b for b in target))
    with open(path + ".new", "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text.rstrip("\n") + "\n" + link)
    os.replace(path + ".new", path)


def make_base(arch, out):
    stamp_path = os.path.join(out, ".kbaudit-base.json")
    # the loader is part of the stamp: a prefix made by wine64 alone has no 32-bit half, one
    # made through wine32 has, and neither is what the other would make
    loader = wine_loader()
    want = {"wine": wine_version(), "loader": loader, "arch": arch, "recipe": BASE_RECIPE}
    try:
        with open(stamp_path) as f:
            have = json.load(f)
        if all(have.get(k) == v for k, v in want.items()):
            log("base prefix %s: cached (%s, %s, made in %.1f s)" % (out, want["wine"], loader, have.get("seconds", 0)))
            return
    except (OSError, ValueError):
        pass
    if WINE64_ONLY and arch != "win64":
        raise Failure("%s runs 64-bit programs only: it cannot make a %s prefix" % (WINE, arch))
    if not WINE64_ONLY and not os.path.exists("/usr/lib/wine/wine") and os.path.exists("/usr/lib/wine/wine64"):
        # Debian's wine wrapper falls back to wine64, which cannot run 32-bit programs
        raise Failure("wine32 is not installed: the %s prefix and the WOW64 case need it "
                      "(dpkg --add-architecture i386 && apt-get update && apt-get install wine32:i386)" % arch)
    tmp = out + ".tmp"
    for d in (tmp, out):
        if os.path.exists(d):
            subprocess.run(["wineserver", "-k"], env=wine_env(d), stderr=subprocess.DEVNULL)
            shutil.rmtree(d)
    env = wine_env(tmp, arch)
    t0 = time.monotonic()
    logfile = out + ".log"
    if os.path.exists(logfile):
        os.unlink(logfile)
    run_logged([WINE, "wineboot", "-i"], env, logfile)
    run_logged([WINE, "winecfg", "-v", "win2008"], env, logfile)
    run_logged(["wineserver", "-w"], env, logfile, timeout=300)
    relink_control_set(tmp, 1)
    # the relinked registry must boot and show the links (and wine keeps working)
    with Server(tmp) as srv:
        p = srv.wine("reg", "query", "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions", "/v", "ProductType")
        if b"ServerNT" not in p.stdout:
            raise Failure("base prefix: CurrentControlSet link broken: %r" % p.stdout)
    seconds = time.monotonic() - t0
    want["seconds"] = round(seconds, 1)
    with open(os.path.join(tmp, ".kbaudit-base.json"), "w") as f:
        json.dump(want, f)
    os.rename(tmp, out)
    log("base prefix %s: made in %.1f s (%s, %s, %s)" % (out, seconds, arch, want["wine"], loader))


LINK_EXT = (".dll", ".exe", ".drv", ".sys", ".ocx", ".acm", ".cpl", ".tlb", ".ax", ".ds", ".nls",
            ".ttf", ".ttc", ".fon", ".com", ".mui", ".msstyles", ".vxd", ".dll16", ".exe16", ".mod")


def clone_prefix(base, dest):
    """A copy of the base prefix: PE files, fonts and NLS tables hard-linked (wine only ever
    reads them; files we change are unlinked first and written new), everything else
    (registry files, .ini, manifests) copied. About 1 s instead of copying 0.6-1.3 GB."""
    if os.path.exists(dest):
        subprocess.run(["wineserver", "-k"], env=wine_env(dest), stderr=subprocess.DEVNULL)
        shutil.rmtree(dest)
    for d, dirs, files in os.walk(base):
        rel = os.path.relpath(d, base)
        tdir = os.path.normpath(os.path.join(dest, rel))
        os.makedirs(tdir, exist_ok=True)
        for n in dirs + files:
            s = os.path.join(d, n)
            t = os.path.join(tdir, n)
            if os.path.islink(s):
                os.symlink(os.readlink(s), t)
                if n in dirs:
                    dirs.remove(n)
            elif n in files:
                if n.lower().endswith(LINK_EXT):
                    try:
                        os.link(s, t)
                        continue
                    except OSError:
                        pass
                shutil.copy2(s, t)
    try:
        os.unlink(os.path.join(dest, ".kbaudit-base.json"))
    except OSError:
        pass


# ---------------------------------------------------------------------------------------
# .reg files

def parse_reg(text):
    """[(key, {name_or_'@': rhs_text})] from regedit text; rhs '-' deletes; a key of
    '-PATH' deletes the key. Continuation lines are joined."""
    lines = text.replace("\r\n", "\n").split("\n")
    out = []
    cur = None
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + lines[i].strip()
        i += 1
        if line.startswith("[") and line.rstrip().endswith("]"):
            cur = (line.strip()[1:-1], {})
            out.append(cur)
        elif cur is not None and (line.startswith('"') or line.startswith("@=")):
            if line.startswith("@="):
                name, rhs = "@", line[2:]
            else:
                j = 1
                buf = []
                while j < len(line) and line[j] != '"':
                    if line[j] == "\\" and j + 1 < len(line):
                        j += 1
                    buf.append(line[j])
                    j += 1
                name, rhs = "".join(buf), line[j + 2:]
            cur[1][name] = rhs
    return out


def reg_data(rhs):
    """(type, bytes) of a .reg value's right-hand side."""
    rhs = rhs.strip()
    if rhs.startswith('"') and rhs.endswith('"'):
        s = re.sub(r'\\(.)', r'\1', rhs[1:-1])
        return 1, s.encode("utf-16-le") + b"\0\0"
    if rhs.startswith("dword:"):
        return 4, int(rhs[6:], 16).to_bytes(4, "little")
    m = re.match(r"hex(?:\(([0-9a-fA-F]+)\))?:(.*)$", rhs, re.S)
    if m:
        typ = int(m.group(1), 16) if m.group(1) else 3
        hexes = [h for h in re.split(r"[,\s\\]+", m.group(2)) if h]
        return typ, bytes(int(h, 16) for h in hexes)
    raise ValueError("unknown .reg data %r" % rhs[:40])


def reg_quote(name):
    return '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')


def strip_root(key):
    k = re.sub(r"(?i)^(HKEY_LOCAL_MACHINE|HKLM)\\", "", key)
    return k


def read_set(entries, control_sets):
    """{(key_lower, value_lower or None): (type, bytes) or True} for everything kbaudit reads:
    key existence (None) for the CBS and RebootRequired subtrees, values by name elsewhere."""
    view = {}
    sets = ["controlset%03d" % n for n in control_sets]
    for key, vals in entries:
        if key.startswith("-"):
            continue
        k = strip_root(key).lower()
        whole = (k.startswith("software\\" + CBS.lower()) or k.startswith("software\\" + WU_REBOOT.lower()))
        if whole:
            view[(k, None)] = True
            for n, rhs in vals.items():
                if rhs != "-":
                    view[(k, n.lower())] = reg_data(rhs)
            continue
        wanted = []
        if k == "software\\" + CV.lower():
            wanted = CV_VALUES
        elif k == "system\\select":
            wanted = ("Current",)
        else:
            for cs in sets:
                for sub, name in CS_VALUES:
                    if k == "system\\%s\\%s" % (cs, sub.lower()):
                        wanted = (name,)
        low = {n.lower(): rhs for n, rhs in vals.items()}
        for n in wanted:
            rhs = low.get(n.lower())
            if rhs is not None and rhs != "-":
                view[(k, n.lower())] = reg_data(rhs)
    return view


def filter_export(entries, control_sets):
    """The part of a scenario hive's export that kbaudit reads, as .reg lines."""
    keep = read_set(entries, control_sets)
    lines = []
    for key, vals in entries:
        k = strip_root(key).lower()
        names = [n for n in vals if (k, n.lower()) in keep]
        if (k, None) in keep or names:
            lines.append("[%s]" % key)
            lines += ["%s=%s" % ("@" if n == "@" else reg_quote(n), vals[n]) for n in names]
            lines.append("")
    return lines


def deletions(control_sets):
    """.reg lines removing whatever wine's own registry has of the read set."""
    hk = "HKEY_LOCAL_MACHINE\\"
    lines = ["[-%sSOFTWARE\\%s]" % (hk, CBS), "", "[-%sSOFTWARE\\%s]" % (hk, WU_REBOOT), "",
             "[%sSOFTWARE\\%s]" % (hk, CV)]
    lines += ["%s=-" % reg_quote(n) for n in CV_VALUES] + [""]
    lines += ["[%sSYSTEM\\Select]" % hk, '"Current"=-', ""]
    for n in control_sets:
        for sub, name in CS_VALUES:
            lines += ["[%sSYSTEM\\ControlSet%03d\\%s]" % (hk, n, sub), "%s=-" % reg_quote(name), ""]
    return lines


def write_reg_utf16(path, lines):
    """wine's reg import reads hex(2)/hex(7) data of an ANSI .reg file as ANSI text (each
    byte one character), so imports are written as regedit writes them: UTF-16LE with BOM."""
    text = "Windows Registry Editor Version 5.00\r\n\r\n" + "\r\n".join(lines) + "\r\n"
    with open(path, "wb") as f:
        f.write(b"\xff\xfe" + text.encode("utf-16-le"))


def read_reg_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(b"\xff\xfe"):
        return raw[2:].decode("utf-16-le")
    return raw.decode("utf-8", "replace")


def hive_export(kbaudit, hive, root_name):
    p = subprocess.run([kbaudit, "reg", "export", "--utf16", "--prefix", "HKEY_LOCAL_MACHINE\\" + root_name, hive],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise Failure("kbaudit reg export %s: exit %d: %s" % (hive, p.returncode, p.stderr.decode()))
    raw = p.stdout
    return parse_reg((raw[2:] if raw.startswith(b"\xff\xfe") else raw).decode("utf-16-le"))


# ---------------------------------------------------------------------------------------
# scenario trees

def find_ci(base, rel):
    """The path of rel ('a/b/c') below base, each component matched case-insensitively."""
    cur = base
    for part in rel.split("/"):
        try:
            names = os.listdir(cur)
        except OSError:
            return None
        hit = next((n for n in names if n.lower() == part.lower()), None)
        if hit is None:
            return None
        cur = os.path.join(cur, hit)
    return cur


def tree_root(built):
    try:
        with open(os.path.join(built, ".mkscenario.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        meta = {}
    return os.path.normpath(os.path.join(built, meta.get("root", "."))), meta.get("windows_dir", "Windows")


class Trees:
    """name -> (scenario source folder, built tree folder), searched in the order given."""

    def __init__(self, srcs, builts):
        self.srcs, self.builts = srcs, builts

    def get(self, name):
        src = next((os.path.join(s, name) for s in self.srcs if os.path.isfile(os.path.join(s, name, "scenario.txt"))), None)
        built = next((os.path.join(b, name) for b in self.builts if os.path.isdir(os.path.join(b, name))), None)
        if not src or not built:
            raise Failure("scenario %s: description or built tree not found (%s; %s)" % (name, self.srcs, self.builts))
        return src, built


def control_sets_of(entries):
    sets = set()
    for key, _ in entries:
        m = re.match(r"(?i)^(?:HKEY_LOCAL_MACHINE\\)?SYSTEM\\ControlSet(\d{3})(\\|$)", key)
        if m:
            sets.add(int(m.group(1)))
    return sorted(sets)


def current_of(entries):
    for key, vals in entries:
        if strip_root(key).lower() == "system\\select":
            low = {n.lower(): v for n, v in vals.items()}
            if "current" in low:
                return int.from_bytes(reg_data(low["current"])[1][:4], "little")
    return 1


def place_files(root, windir, prefix, arch):
    """Make the prefix's C:\\windows hold exactly the scenario's copies of what kbaudit
    reads: System32 kernel and marker files, servicing\\Packages, winsxs\\pending.xml."""
    pwin = os.path.join(prefix, "drive_c", "windows")
    tw = find_ci(root, windir)
    for name in SYSTEM32_FILES:
        dst = os.path.join(pwin, "system32", name)
        if os.path.lexists(dst):
            os.unlink(dst)          # never write through: it may be a hard link into the base
        src = find_ci(tw, "System32/" + name) if tw else None
        if src and os.path.isfile(src):
            shutil.copyfile(src, dst)
    pkgs = os.path.join(pwin, "servicing")
    if os.path.exists(pkgs):
        shutil.rmtree(pkgs)
    src_pkgs = find_ci(tw, "servicing/Packages") if tw else None
    if src_pkgs and os.path.isdir(src_pkgs):
        os.makedirs(os.path.join(pkgs, "Packages"))
        for n in sorted(os.listdir(src_pkgs)):
            if os.path.isfile(os.path.join(src_pkgs, n)):
                shutil.copyfile(os.path.join(src_pkgs, n), os.path.join(pkgs, "Packages", n))
    dst = os.path.join(pwin, "winsxs", "pending.xml")
    if os.path.lexists(dst):
        os.unlink(dst)
    src = find_ci(tw, "winsxs/pending.xml") if tw else None
    if src and os.path.isfile(src):
        shutil.copyfile(src, dst)


# ---------------------------------------------------------------------------------------
# comparisons

PATH_RE = re.compile(r"(?i)(?:\\\\\?\\)?\b[A-Z]:\\windows((?:\\[^\s\"':;,()\\]+)+)")
WINPATH_RE = re.compile(r"(?i)\bwindows/[^\s\"':;,()]*")


def canon_live_string(s):
    """Live spellings -> offline ones: HKLM\\SOFTWARE\\x -> SOFTWARE\\x, C:\\Windows\\a\\b ->
    Windows/a/b; then every Windows/... path lower-cased (the prefix's folders are
    lower-case, the tree's are not, and Windows paths are case-insensitive)."""
    s = re.sub(r"(?i)\b(?:HKLM|HKEY_LOCAL_MACHINE)\\(SOFTWARE|SYSTEM)(?=\\|$)", lambda m: m.group(1).upper(), s)
    s = PATH_RE.sub(lambda m: "Windows" + m.group(1).replace("\\", "/"), s)
    return WINPATH_RE.sub(lambda m: m.group(0).lower(), s)


def canon_expected_string(s):
    """The same rewriting: registry data holding C:\\Windows\\... paths (SystemRoot is left
    alone: it names no file; PendingFileRenameOperations paths in warnings are rewritten
    alike on both sides)."""
    return canon_live_string(s)


def walk(v, fn):
    if isinstance(v, str):
        return fn(v)
    if isinstance(v, list):
        return [walk(x, fn) for x in v]
    if isinstance(v, dict):
        return {k: walk(x, fn) for k, x in v.items()}
    return v


def canon_live(doc):
    doc = walk(doc, canon_live_string)
    t = doc.get("target") if isinstance(doc, dict) else None
    if isinstance(t, dict):
        if t.get("kind") == "live":
            t["kind"] = "tree"
        wd = t.get("windows_dir")
        if isinstance(wd, str):
            t["windows_dir"] = re.split(r"[\\/]", wd.rstrip("\\/"))[-1].lower()
    return doc


def canon_expected(doc):
    doc = walk(doc, canon_expected_string)
    t = doc.get("target") if isinstance(doc, dict) else None
    if isinstance(t, dict) and isinstance(t.get("windows_dir"), str):
        t["windows_dir"] = t["windows_dir"].lower()
    return doc


def project(exp, act):
    """act reduced to the shape of exp (for a readable diff): expected keys only, lists of
    objects ordered like exp by their id key, extra items kept at the end."""
    if isinstance(exp, dict) and isinstance(act, dict):
        return {k: project(v, act[k]) if k in act else "<missing>" for k, v in exp.items()}
    if isinstance(exp, list) and isinstance(act, list) and exp and all(isinstance(e, dict) for e in exp):
        key = next((k for k in check_expect.ID_KEYS if all(k in e for e in exp)), None)
        if key:
            by = {a.get(key): a for a in act if isinstance(a, dict)}
            out = [project(e, by[e[key]]) if e[key] in by else "<missing>" for e in exp]
            return out + [a for a in act if isinstance(a, dict) and a.get(key) not in {e[key] for e in exp}]
    return act


def diff_text(a, b, la, lb):
    A = json.dumps(a, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    B = json.dumps(b, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return "\n".join(difflib.unified_diff(A, B, la, lb, lineterm="", n=2))


def compare_expect(exp, act):
    """None, or a message with the first mismatch and a diff (expected vs actual)."""
    exp = canon_expected(json.loads(json.dumps(exp)))
    exp.pop("$exit_code", None)
    exp.pop("$stderr", None)
    act = canon_live(act)
    try:
        check_expect.match(exp, act, "", False)
        return None
    except AssertionError as e:
        return "MISMATCH %s\n%s" % (e, diff_text(exp, project(exp, act), "expected", "kbaudit.exe (normalized)"))


def canon_offline(doc, roots):
    """Both builds' output on one tree: the root (Linux /x/y or Z:\\x\\y, \\\\?\\ or not) is
    $ROOT, then every '\\' is '/' (registry paths become a/b on both sides alike)."""
    def one(s):
        for r in roots:
            s = re.sub(r"(?:\\\\\?\\)?" + re.escape(r), "$ROOT", s, flags=re.I)
        # any other host path (a link's target outside the root): wine's Z: is Unix's /
        s = re.sub(r"(?<![A-Za-z])Z:(?=[/\\])", "", s)
        return s.replace("\\", "/")
    return walk(doc, one)


def load_json(data):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------
# probe (WOW64 decoys)

def build_probe(cache, machine):
    cc = {"x86": "i686-w64-mingw32-gcc", "x64": "x86_64-w64-mingw32-gcc"}[machine]
    src = os.path.join(HERE, "probe.c")
    if not shutil.which(cc):
        raise Failure("%s not found (Debian gcc-mingw-w64): needed for the WOW64 probe" % cc)
    ver = subprocess.run([cc, "--version"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
    with open(src, "rb") as f:
        key = hashlib.sha256(f.read() + ver.encode() + machine.encode()).hexdigest()[:16]
    out = os.path.join(cache, "probe-%s-%s.exe" % (machine, key))
    if not os.path.exists(out):
        os.makedirs(cache, exist_ok=True)
        tmp = out + ".%d.tmp" % os.getpid()
        run([cc, "-O1", "-s", "-Wall", "-Wextra", "-Werror", "-o", tmp, src, "-lshell32"], os.environ)
        os.replace(tmp, out)
    return out


def probe_facts(srv, exe):
    p = srv.wine(exe)
    return dict(line.split("=", 1) for line in p.stdout.decode("utf-8", "replace").splitlines() if "=" in line)


# ---------------------------------------------------------------------------------------
# live

def build_scenario_prefix(base, dest, arch, src, built, kbaudit, trees, decoys, work):
    root, windir = tree_root(built)
    times = mkscenario._tree_times(built)
    try:
        soft = find_ci(root, windir + "/System32/config/SOFTWARE")
        syst = find_ci(root, windir + "/System32/config/SYSTEM")
        sw = hive_export(kbaudit, soft, "SOFTWARE") if soft else []
        sy = hive_export(kbaudit, syst, "SYSTEM") if syst else []
        current = current_of(sy)
        sets = sorted(set(control_sets_of(sy)) | {current})
        clone_prefix(base, dest)
        relink_control_set(dest, current)
        place_files(root, windir, dest, arch)
        lines = deletions(sets) + filter_export(sw, sets) + filter_export(sy, sets)
        if decoys:
            dsrc, dbuilt = trees.get(DECOY_KERNEL_FROM[0])
            droot, dwin = tree_root(dbuilt)
            dtimes = mkscenario._tree_times(dbuilt)
            try:
                for (_, rel), name in ((DECOY_KERNEL_FROM, "ntoskrnl.exe"), (DECOY_PAE_FROM, "ntkrnlpa.exe")):
                    dst = os.path.join(dest, "drive_c", "windows", "syswow64", name)
                    if os.path.lexists(dst):
                        os.unlink(dst)
                    shutil.copyfile(find_ci(droot, dwin + "/" + rel), dst)
            finally:
                mkscenario._restore_times(dtimes)
            w = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\"
            lines += ["[%s%s]" % (w, CV), '"CurrentBuildNumber"="%s"' % DECOY_BUILD, '"CurrentBuild"="%s"' % DECOY_BUILD,
                      '"ProductName"="DECOY: the 32-bit registry view (Wow6432Node)"',
                      '"BuildLabEx"="6002.18005.x86fre.lh_sp2rtm.090410-1830 (DECOY)"', "",
                      "[%s%s\\RebootPending]" % (w, CBS), "",
                      "[%s%s]" % (w, WU_REBOOT), ""]
    finally:
        mkscenario._restore_times(times)
    regfile = os.path.join(work, os.path.basename(dest) + ".reg")
    write_reg_utf16(regfile, lines)
    want = read_set(sw + sy, [current])
    return regfile, want, current


def check_prefix(srv, work, name, want, current, arch):
    """Export the read set back out of the running prefix and compare with the tree's."""
    hk = "HKLM\\"
    keys = ["SOFTWARE\\" + CV, "SOFTWARE\\" + CBS, "SOFTWARE\\" + WU_REBOOT, "SYSTEM\\Select"]
    keys += ["SYSTEM\\ControlSet%03d\\%s" % (current, sub) for sub in ("Control\\ProductOptions", "Control\\Session Manager")]
    bat = os.path.join(work, name + "-export.bat")
    outs = [os.path.join(work, "%s-export-%d.reg" % (name, i)) for i in range(len(keys))]
    for o in outs:
        if os.path.exists(o):
            os.unlink(o)
    flag = " /reg:64" if arch == "win64" else ""
    with open(bat, "w", newline="\r\n") as f:
        f.write("@echo off\n")
        for k, o in zip(keys, outs):
            f.write('reg export "%s%s" "%s" /y%s >nul 2>nul\n' % (hk, k, winpath(o), flag))
    srv.wine("cmd", "/c", winpath(bat), check=False)   # a key the tree lacks fails its export
    have_entries = []
    for o in outs:
        if os.path.exists(o):
            have_entries += parse_reg(read_reg_file(o))
    have = read_set(have_entries, [current])
    problems = []
    for k in sorted(set(want) | set(have), key=lambda x: (x[0], x[1] or "")):
        if want.get(k) != have.get(k):
            problems.append("  %s%s: tree %s, prefix %s" % (k[0], "" if k[1] is None else " [%s]" % k[1],
                                                             fmt_val(want.get(k)), fmt_val(have.get(k))))
    return problems


def fmt_val(v):
    if v is None:
        return "absent"
    if v is True:
        return "key present"
    typ, data = v
    if typ in (1, 2, 7):
        return "type %d %r" % (typ, data.decode("utf-16-le", "replace"))
    return "type %d %s" % (typ, data.hex())


def run_exe(srv, exe, args):
    p = srv.wine(exe, *args, check=False, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def live(args):
    trees = Trees(args.scenarios, args.trees)
    os.makedirs(args.work, exist_ok=True)
    cases = [c for c in CASES[args.arch] if not args.case or ("wow64-" if c[2] else "") + c[1] in args.case]
    if args.no_32bit:
        left = [("wow64-" if c[2] else "") + c[1] for c in cases if c[0] != "x64" or c[2]]
        cases = [c for c in cases if c[0] == "x64" and not c[2]]
        if left:
            log("not run (--no-32bit: they run 32-bit code): %s" % ", ".join(left))
    fails = checks = 0
    for machine, name, decoys in cases:
        label = ("wow64-" if decoys else "") + name
        exe = args.exe64 if machine == "x64" else args.exe32
        t0 = time.monotonic()
        try:
            src, built = trees.get(name)
            dest = os.path.join(args.work, label)
            regfile, want, current = build_scenario_prefix(args.base, dest, args.arch, src, built, args.kbaudit,
                                                            trees, decoys, args.work)
            t_build = time.monotonic() - t0
            with Server(dest) as srv:
                imp = ["reg", "import", winpath(regfile)] + (["/reg:64"] if args.arch == "win64" else [])
                srv.wine(*imp)
                problems = check_prefix(srv, args.work, label, want, current, args.arch)
                checks += 1
                if problems:
                    fails += 1
                    log("FAIL %s: the prefix does not match the tree's registry:\n%s" % (label, "\n".join(problems)))
                    continue
                log("ok   %s: prefix matches the tree (%d registry items; copy %.1f s, boot %.1f s)"
                    % (label, len(want), t_build, srv.boot_seconds))
                if decoys:
                    checks += 1
                    pf = probe_facts(srv, build_probe(args.probe_cache, "x86"))
                    kern = next(f["file_version"] for f in json.load(open(os.path.join(src, "expect-facts.json")))["files"]
                                if f["role"] == "kernel")
                    wantp = {"wow64": "1", "reg_default": DECOY_BUILD, "reg_64": want[("software\\" + CV.lower(), "currentbuildnumber")][1].decode("utf-16-le").rstrip("\0"),
                             "kernel_default": "6.0.6002.18005", "kernel_noredirect": kern, "kernel_sysnative": kern,
                             "crypt32_default": "present", "crypt32_noredirect": "absent"}
                    bad = {k: (v, pf.get(k)) for k, v in wantp.items() if pf.get(k) != v}
                    if bad:
                        fails += 1
                        log("FAIL %s: the WOW64 decoys are not what a 32-bit program sees (want, got): %r" % (label, bad))
                        continue
                    log("ok   %s: a 32-bit program sees the decoys by default and the real files/keys with "
                        "KEY_WOW64_64KEY / Wow64DisableWow64FsRedirection / Sysnative" % label)
                if not exe:
                    continue
                for kind in ("facts", "audit"):
                    exp_path = os.path.join(src, "expect-%s.json" % kind)
                    if not os.path.exists(exp_path):
                        continue
                    checks += 1
                    exp = json.load(open(exp_path, encoding="utf-8"))
                    want_rc = exp.get("$exit_code", 0) if kind == "facts" else exp["exit_code"]
                    rc, out, err = run_exe(srv, exe, [kind, "--live", "--format", "json"])
                    doc = load_json(out)
                    msg = None
                    if rc != want_rc:
                        msg = "exited %d, expected %d; stderr: %s" % (rc, want_rc, err[-1500:])
                    elif doc is None:
                        msg = "output is not UTF-8 JSON: %r" % out[:300]
                    else:
                        msg = compare_expect(exp, doc)
                    if msg:
                        fails += 1
                        log("FAIL %s: %s --live (%s exe): %s" % (label, kind, machine, msg))
                    else:
                        log("ok   %s: %s --live (%s exe, exit %d)" % (label, kind, machine, rc))
                # -o FILE and JUnit: the same exit code, a well-formed file
                checks += 1
                xml = os.path.join(args.work, label + "-audit.xml")
                if os.path.exists(xml):
                    os.unlink(xml)
                exp_rc = json.load(open(os.path.join(src, "expect-audit.json")))["exit_code"]
                rc, out, err = run_exe(srv, exe, ["audit", "--live", "--format", "junit", "-o", winpath(xml)])
                ok = rc == exp_rc and os.path.exists(xml) and subprocess.run(
                    ["xmllint", "--noout", xml], stderr=subprocess.PIPE).returncode == 0
                if not ok:
                    fails += 1
                    log("FAIL %s: audit --live --format junit -o: exit %d (want %d), file %s; %s"
                        % (label, rc, exp_rc, "written" if os.path.exists(xml) else "missing", err[-500:]))
                else:
                    log("ok   %s: audit --live --format junit -o FILE (exit %d, well-formed)" % (label, rc))
        except Failure as e:
            fails += 1
            checks += 1
            log("FAIL %s: %s" % (label, e))
        finally:
            if not args.keep:
                d = os.path.join(args.work, label)
                if os.path.exists(d):
                    shutil.rmtree(d, ignore_errors=True)
        log("     %s: %.1f s" % (label, time.monotonic() - t0))
    log("%d checks, %d failures%s" % (checks, fails, "" if args.exe64 or args.exe32 else " (no kbaudit.exe given: prefixes only)"))
    return 1 if fails or not checks else 0


# ---------------------------------------------------------------------------------------
# offline

def offline(args):
    os.makedirs(args.work, exist_ok=True)
    dest = os.path.join(args.work, "offline-" + args.arch)
    clone_prefix(args.base, dest)
    names = []
    for b in args.built:
        if os.path.isfile(os.path.join(b, ".mkscenario.json")):      # one tree
            names.append((os.path.basename(b.rstrip("/")), b))
            continue
        names += [(n, os.path.join(b, n)) for n in sorted(os.listdir(b))
                  if os.path.isfile(os.path.join(b, n, ".mkscenario.json"))]
    results = []

    def one(item):
        name, built = item
        root, _ = tree_root(built)
        wroot = winpath(root)
        # the exe's spellings first (Z:\\x\\y in target fields, Z:/x/y inside messages: the core
        # joins components with '/'), so that the Linux root inside them is not replaced alone
        roots = [wroot, wroot.replace("\\", "/"), os.path.realpath(root), root]
        before = mkscenario._tree_times(built)
        out = []
        try:
            for kind in ("facts", "audit"):
                lp = subprocess.run([args.kbaudit, kind, "--root", root, "--format", "json"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                wrc, wout, werr = run_exe(srv, args.exe, [kind, "--root", wroot, "--format", "json"])
                lj, wj = load_json(lp.stdout), load_json(wout)
                if lp.returncode != wrc:
                    out.append((False, "%s %s: exit %d under wine, %d on Linux; stderr: %s" % (name, kind, wrc, lp.returncode, werr[-800:])))
                    continue
                if (lj is None) != (wj is None):
                    out.append((False, "%s %s: JSON only from %s" % (name, kind, "Linux" if wj is None else "wine")))
                    continue
                if lj is not None:
                    a, b = canon_offline(lj, roots), canon_offline(wj, roots)
                    if a != b:
                        out.append((False, "%s %s: JSON differs (exit %d)\n%s" % (name, kind, wrc, diff_text(a, b, "linux", "kbaudit.exe"))))
                        continue
                out.append((True, "%s %s (exit %d)" % (name, kind, wrc)))
        finally:
            after = mkscenario._tree_times(built)
            mkscenario._restore_times(before)
        changed = sorted(p for p in set(before) | set(after)
                         if p not in before or p not in after or before[p][1] != after[p][1])
        if changed:
            out.append((False, "%s: the tree changed under kbaudit.exe: %s" % (name, changed[:5])))
        return out

    t0 = time.monotonic()
    with Server(dest) as srv:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for res in pool.map(one, names):
                results += res
    shutil.rmtree(dest, ignore_errors=True)
    fails = 0
    for ok, msg in results:
        log(("ok   " if ok else "FAIL ") + msg)
        fails += not ok
    log("%d checks, %d failures, %d trees in %.1f s" % (len(results), fails, len(names), time.monotonic() - t0))
    return 1 if fails or not results else 0


# ---------------------------------------------------------------------------------------
# selftest

def selftest(_args):
    exp = json.load(open(os.path.join(SOURCE_DIR, "tests/fixtures/scenarios/x64-pending-reboot/expect-facts.json")))
    # the same facts as a live run would spell them
    def to_live(s):
        s = re.sub(r"^(SOFTWARE|SYSTEM)\\", r"HKLM\\\1\\", s)
        if s.startswith("Windows/"):
            s = "C:\\windows\\" + s[8:].replace("/", "\\").lower()
        return s
    act = walk(exp, to_live)
    act["target"] = {"kind": "live", "windows_dir": "C:\\windows", "files_available": True, "extra": 1}
    act.pop("$exit_code", None)
    assert compare_expect(exp, act) is None, compare_expect(exp, act)
    act["os"]["current_build"]["value"] = "6002"
    msg = compare_expect(exp, act)
    lines = msg.splitlines() if msg else []
    assert "current_build" in lines[0], msg
    assert any(x.startswith("-") and '"value": "6003"' in x for x in lines), msg
    assert any(x.startswith("+") and '"value": "6002"' in x for x in lines), msg
    act["os"]["current_build"]["value"] = "6003"
    act["pending"]["pending_xml_operations"]["source"] = "C:\\Windows\\SysWOW64\\pending.xml"
    assert compare_expect(exp, act) is not None
    s = canon_live_string("cannot read C:\\Windows\\winsxs\\pending.xml: denied; HKLM\\SYSTEM\\Select\\Current")
    assert s == "cannot read windows/winsxs/pending.xml: denied; SYSTEM\\Select\\Current", s
    a = canon_offline({"p": "/t/x/Windows/System32/ntoskrnl.exe", "k": "SOFTWARE\\A"}, ["/t/x", "Z:\\t\\x"])
    b = canon_offline({"p": "\\\\?\\Z:\\t\\x\\Windows\\System32\\ntoskrnl.exe", "k": "SOFTWARE\\A"}, ["/t/x", "Z:\\t\\x"])
    assert a == b, (a, b)
    # .reg round trip of the awkward types
    text = ('Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n"Current"=dword:00000002\r\n'
            '"M"=hex(7):41,00,00,00,\\\r\n  00,00\r\n"S"="a\\\\b\\"c"\r\n')
    e = parse_reg(text)
    assert reg_data(e[0][1]["Current"]) == (4, b"\2\0\0\0") and reg_data(e[0][1]["M"]) == (7, b"A\0\0\0\0\0")
    assert reg_data(e[0][1]["S"]) == (1, 'a\\b"c'.encode("utf-16-le") + b"\0\0")
    assert current_of(e) == 2
    log("selftest ok")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("base")
    b.add_argument("--arch", choices=("win64", "win32"), required=True)
    b.add_argument("--dir", required=True)
    lv = sub.add_parser("live")
    of = sub.add_parser("offline")
    for p in (lv, of):
        p.add_argument("--arch", choices=("win64", "win32"), required=True)
        p.add_argument("--base", required=True)
        p.add_argument("--work", required=True)
        p.add_argument("--kbaudit", required=True, help="the Linux kbaudit")
    lv.add_argument("--scenarios", action="append", required=True)
    lv.add_argument("--trees", action="append", required=True)
    lv.add_argument("--exe64")
    lv.add_argument("--exe32")
    lv.add_argument("--probe-cache", default=None)
    lv.add_argument("--keep", action="store_true", help="keep the scenario prefixes")
    lv.add_argument("--no-32bit", action="store_true",
                    help="leave out the cases that run 32-bit code (the WOW64 case): for a host without IA-32")
    lv.add_argument("case", nargs="*", help="case labels: scenario names, wow64-NAME for the WOW64 case")
    of.add_argument("--exe", required=True)
    of.add_argument("built", nargs="+")
    sub.add_parser("selftest")
    args = ap.parse_args()
    for k in ("dir", "base", "work", "kbaudit", "exe", "exe64", "exe32", "probe_cache"):
        if getattr(args, k, None):
            setattr(args, k, os.path.abspath(getattr(args, k)))
    if args.cmd == "base":
        make_base(args.arch, args.dir)
        return 0
    if args.cmd == "live":
        args.probe_cache = args.probe_cache or os.path.join(args.work, "probe")
        args.scenarios = [os.path.abspath(s) for s in args.scenarios]
        args.trees = [os.path.abspath(s) for s in args.trees]
        return live(args)
    if args.cmd == "offline":
        return offline(args)
    return selftest(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("FAIL %s" % e, flush=True)
        sys.exit(1)
