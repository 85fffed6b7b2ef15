#!/usr/bin/env python3
"""gen_software_hive -- write a big synthetic SOFTWARE-like hive for benchmarks.

Usage: python3 bench/gen_software_hive.py OUT.hive [--scale 1.0] [--seed 2008]

At scale 1.0: about 515,000 keys, 1,030,000 values, ~190 MB, shaped like the
SOFTWARE hive of a long-serviced Windows Server 2008 SP2 box: most of it in
Microsoft\\Windows\\CurrentVersion\\Component Based Servicing (Packages with
CurrentState/InstallClient/InstallName/InstallLocation/InstallTime*/...,
a Components branch of long winsxs-style names with REG_BINARY identity and
hash values and c!<deployment> references, Deployments, Winners), plus a
Classes branch (file extensions, ProgIDs, CLSIDs, Interfaces, TypeLibs).
Everything is synthetic and deterministic for a given --seed and --scale.

No key gets more than 70,000 subkeys (hivex refuses such keys), so the output
stays readable by tests/diff/hivex_dump.py.

Uses tests/support/mkhive.py's Writer (python3 standard library only).
"""

import argparse
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "support"))
import mkhive  # noqa: E402
from mkhive import (REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD,  # noqa: E402
                    REG_QWORD, REG_MULTI_SZ)

TOKEN = "31bf3856ad364e35"

WORDS = (
    "windows", "shell", "core", "kernel", "base", "net", "tcpip", "security",
    "crypto", "cng", "schannel", "rpc", "com", "ole", "automation", "printing",
    "spooler", "driver", "framework", "media", "audio", "video", "directx",
    "graphics", "gdi", "font", "ie", "internet", "explorer", "mshtml", "jscript",
    "vbscript", "wmi", "cim", "powershell", "iis", "webserver", "ftp", "smb",
    "lanman", "server", "client", "dns", "dhcp", "ldap", "kerberos", "ntlm",
    "lsa", "sam", "policy", "group", "terminal", "services", "rdp", "remote",
    "desktop", "update", "servicing", "stack", "installer", "msi", "setup",
    "component", "deployment", "infrastructure", "management", "console",
    "mmc", "event", "log", "diagnostics", "performance", "counters", "backup",
    "volume", "shadow", "copy", "storage", "disk", "ntfs", "fat", "usb",
    "bluetooth", "wireless", "wlan", "ras", "vpn", "firewall", "ipsec",
    "certificate", "authority", "smartcard", "tpm", "bitlocker", "hyperv",
    "virtualization", "cluster", "failover", "branchcache", "bits", "transfer",
    "search", "indexer", "speech", "ink", "tablet", "help", "support", "sidebar",
)
LANGS = ("none", "none", "none", "none", "en-us", "de-de", "fr-fr", "ja-jp")
ARCHS = ("amd64", "amd64", "amd64", "x86", "wow64", "msil")


def winsxs_name(rnd, i):
    """amd64_microsoft-windows-a..-infrastructure_31bf3856ad364e35_6.0.6003.20489_none_1a2b3c4d5e6f7a8b"""
    arch = rnd.choice(ARCHS)
    n = rnd.randint(2, 5)
    comp = "microsoft-windows-" + "-".join(rnd.choice(WORDS) for _ in range(n))
    comp += "-%d" % i                     # keep names unique
    if len(comp) > 40:                    # winsxs shortens long names
        comp = comp[:19] + ".." + comp[-19:]
    ver = "6.0.%d.%d" % (rnd.choice((6002, 6002, 6003, 6003, 6003)),
                         rnd.randint(16384, 24575))
    lang = rnd.choice(LANGS)
    return "%s_%s_%s_%s_%s_%016x" % (arch, comp, TOKEN, ver, lang,
                                     rnd.getrandbits(64)), comp, ver, arch


def guid(rnd):
    b = rnd.getrandbits(128).to_bytes(16, "little")
    return "{%08X-%04X-%04X-%04X-%012X}" % (
        int.from_bytes(b[0:4], "little"), int.from_bytes(b[4:6], "little"),
        int.from_bytes(b[6:8], "little"), int.from_bytes(b[8:10], "big"),
        int.from_bytes(b[10:16], "big"))


def sz(s):
    return (s + "\0").encode("utf-16-le")


def generate(scale=1.0, seed=2008, packages=None, x86_share=0.2):
    """The hive's Writer. packages: how many CBS packages (default 12,000 x scale);
    x86_share: the share of them built for x86 (the rest amd64). The writer's
    `packages` lists (identity, KB, CurrentState) of each package, for bench/gen_system.py."""
    rnd = random.Random(seed)
    w = mkhive.Writer(minor=5, root_name="CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}",
                      filename="SOFTWARE")

    def n(x):
        return max(1, int(round(x * scale)))

    # ---- Microsoft\Windows NT\CurrentVersion --------------------------------
    cv = w.add_key("Microsoft\\Windows NT\\CurrentVersion")
    for name, val in (("CurrentVersion", "6.0"), ("CurrentBuild", "6003"),
                      ("CurrentBuildNumber", "6003"),
                      ("CSDVersion", "Service Pack 2"),
                      ("BuildLab", "6003.vistasp2_ldr_escrow.190311-1800"),
                      ("BuildLabEx", "6003.20489.amd64fre.vistasp2_ldr_escrow.190311-1800"),
                      ("ProductName", "Windows Server (R) 2008 Standard"),
                      ("EditionID", "ServerStandard"),
                      ("CurrentType", "Multiprocessor Free"),
                      ("SystemRoot", "C:\\Windows"),
                      ("SoftwareType", "System")):
        cv.add_value(name, REG_SZ, sz(val))
    cv.add_value("InstallDate", REG_DWORD, struct.pack("<I", 0x4a1c2b3d))

    cbs = w.add_key("Microsoft\\Windows\\CurrentVersion\\Component Based Servicing")
    cbs.add_value("LastTrustTime", REG_QWORD, struct.pack("<Q", 0x01d4eeb2a5c3e000))

    # ---- Packages, ApplicabilityEvaluationCache, PackageDetect --------------
    pk = cbs.new_child("Packages")
    aec = cbs.new_child("ApplicabilityEvaluationCache")
    pdet = cbs.new_child("PackageDetect")
    clients = ("WindowsUpdateAgent", "WindowsUpdateAgent", "WindowsUpdateAgent",
               "DISM Package Manager Provider", "Windows Update Standalone Installer")
    states = (0x70, 0x70, 0x70, 0x70, 0x70, 0x50, 0x50, 0x60, 0x40, 0x20,
              0xffffff90)
    listed = []
    w.packages = listed
    kbs = rnd.sample(range(900000, 5010000), packages if packages else n(12000))
    for i, kb in enumerate(kbs):
        arch = "amd64" if rnd.random() < 1 - x86_share else "x86"
        ver = "6.0.%d.%d" % (rnd.randint(1, 3), rnd.randint(0, 9))
        pfx = "Package_for_KB%d" % kb if rnd.random() < 0.7 else \
            "Package_%d_for_KB%d" % (rnd.randint(1, 40), kb)
        ident = "%s~%s~%s~~%s" % (pfx, TOKEN, arch, ver)
        k = pk.new_child(ident)
        st = rnd.choice(states)
        listed.append((ident, kb, st))
        t = 0x01c9d000_00000000 + rnd.getrandbits(50)
        k.add_value("CurrentState", REG_DWORD, struct.pack("<I", st))
        k.add_value("InstallClient", REG_SZ, sz(rnd.choice(clients)))
        k.add_value("InstallName", REG_SZ, sz(ident + ".mum"))
        k.add_value("InstallLocation", REG_SZ, sz(
            "\\\\?\\C:\\Windows\\SoftwareDistribution\\Download\\%032x" % rnd.getrandbits(128)))
        k.add_value("InstallTimeHigh", REG_DWORD, struct.pack("<I", t >> 32))
        k.add_value("InstallTimeLow", REG_DWORD, struct.pack("<I", t & 0xffffffff))
        k.add_value("InstallUser", REG_SZ, sz("S-1-5-18"))
        k.add_value("SelfUpdate", REG_DWORD, struct.pack("<I", 0))
        k.add_value("Visibility", REG_DWORD, struct.pack("<I", rnd.choice((1, 1, 2))))
        k.add_value("LastError", REG_DWORD, struct.pack("<I", 0))
        o = k.new_child("Owners")
        o.add_value(ident, REG_DWORD, struct.pack("<I", ((st << 16) | (st & 0xffff)) & 0xffffffff))
        a = aec.new_child(ident)
        a.add_value("ApplicableState", REG_DWORD, struct.pack("<I", 0x70))
        a.add_value("CurrentState", REG_DWORD, struct.pack("<I", st))
        d = pdet.new_child("%s~%s~%s~~0.0.0.0" % (pfx, TOKEN, arch))
        d.add_value(ident, REG_DWORD, struct.pack("<I", 0))
        d.add_value("Microsoft-Windows-Foundation-Package~%s~%s~~0.0.0.0" %
                    (TOKEN, arch), REG_DWORD, struct.pack("<I", 0))

    # ---- Components / Deployments / Winners ---------------------------------
    comps = cbs.new_child("Components")
    deps = cbs.new_child("Deployments")
    winners = cbs.new_child("Winners")
    ndep = n(30000)
    dep_names = []
    for i in range(ndep):
        name, comp, ver, arch = winsxs_name(rnd, i)
        dep_names.append(name)
        d = deps.new_child(name)
        d.add_value("appid", REG_BINARY, rnd.getrandbits(8 * 120).to_bytes(120, "little"))
        d.add_value("CatalogThumbprint", REG_BINARY, rnd.getrandbits(160).to_bytes(20, "little"))
        d.add_value("p!%s" % dep_names[rnd.randrange(len(dep_names))][:60],
                    REG_BINARY, b"\x01")
    ncomp = n(60000)
    for i in range(ncomp):
        name, comp, ver, arch = winsxs_name(rnd, i)
        c = comps.new_child(name)
        ident = ("%s, Culture=neutral, Version=%s, PublicKeyToken=%s, "
                 "ProcessorArchitecture=%s, versionScope=NonSxS" %
                 (comp, ver, TOKEN, arch)).encode("ascii")
        c.add_value("identity", REG_BINARY, ident)
        c.add_value("S256H", REG_BINARY, rnd.getrandbits(256).to_bytes(32, "little"))
        c.add_value("CF", REG_DWORD, struct.pack("<I", rnd.choice((0, 0, 2, 0x40))))
        for _ in range(rnd.choice((2, 3, 3, 4, 4, 5, 6))):
            c.add_value("c!%s" % dep_names[rnd.randrange(ndep)][:70],
                        REG_BINARY, rnd.getrandbits(64).to_bytes(8, "little"))
    nwin = n(60000)
    for i in range(nwin):
        name, comp, ver, arch = winsxs_name(rnd, i)
        # winners are keyed without the version: arch_name_token_lang_hash
        wname = name.replace("_" + ver + "_", "_", 1)
        wk = winners.new_child(wname)
        vk = wk.new_child("6.0")
        vk.add_value("", REG_SZ, sz(ver))
        vk.add_value(ver, REG_BINARY, b"\x01")

    # ---- Classes ------------------------------------------------------------
    cls = w.add_key("Classes")
    next_ext = 0
    exts = []
    for i in range(n(5000)):
        e = "." + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                          for _ in range(rnd.randint(2, 5))) + "%x" % i
        exts.append(e)
    for e in exts:
        k = cls.new_child(e)
        k.add_value("", REG_SZ, sz(e[1:] + "file"))
        if rnd.random() < 0.5:
            k.add_value("Content Type", REG_SZ, sz("application/x-" + e[1:]))
        next_ext += 1
    for i in range(n(20000)):
        pid = "%s.%s.%d" % (rnd.choice(WORDS).capitalize(),
                            rnd.choice(WORDS).capitalize(), i)
        k = cls.new_child(pid)
        k.add_value("", REG_SZ, sz("%s Document" % pid))
        cmd = k.new_child("shell").new_child("open").new_child("command")
        cmd.add_value("", REG_EXPAND_SZ, sz(
            "\"%%ProgramFiles%%\\%s\\%s.exe\" \"%%1\"" % (pid.split(".")[0], pid.split(".")[1])))
    clsid = cls.new_child("CLSID")
    for i in range(n(45000)):
        k = clsid.new_child(guid(rnd))
        k.add_value("", REG_SZ, sz("%s %s Class" % (rnd.choice(WORDS).capitalize(),
                                                    rnd.choice(WORDS).capitalize())))
        ip = k.new_child("InprocServer32")
        ip.add_value("", REG_EXPAND_SZ, sz("%%SystemRoot%%\\system32\\%s%d.dll" %
                                            (rnd.choice(WORDS), i % 97)))
        ip.add_value("ThreadingModel", REG_SZ, sz(rnd.choice(("Both", "Apartment", "Free"))))
    iface = cls.new_child("Interface")
    for i in range(n(25000)):
        k = iface.new_child(guid(rnd))
        k.add_value("", REG_SZ, sz("I%s%s" % (rnd.choice(WORDS).capitalize(), i)))
        k.new_child("ProxyStubClsid32").add_value(
            "", REG_SZ, sz("{00020424-0000-0000-C000-000000000046}"))
    tlb = cls.new_child("TypeLib")
    for i in range(n(8000)):
        k = tlb.new_child(guid(rnd))
        v = k.new_child("1.0")
        v.add_value("", REG_SZ, sz("%s %d Type Library" % (rnd.choice(WORDS), i)))
        v.new_child("0").new_child("win32").add_value(
            "", REG_SZ, sz("C:\\Windows\\system32\\%s%d.tlb" % (rnd.choice(WORDS), i)))
    mime = cls.new_child("MIME").new_child("Database").new_child("Content Type")
    for e in exts[:n(2000)]:
        mime.new_child("application/x-" + e[1:]).add_value(
            "Extension", REG_SZ, sz(e))
    # a few multi-string and big values like real SOFTWARE hives have
    svc = w.add_key("Microsoft\\Windows NT\\CurrentVersion\\SvcHost")
    svc.add_value("netsvcs", REG_MULTI_SZ,
                  b"".join(sz(x) for x in WORDS[:60]) + b"\0\0")
    w.add_value("Microsoft\\Windows NT\\CurrentVersion\\Perflib\\009", "Counter",
                REG_MULTI_SZ, b"".join(sz("%d" % i) + sz("Counter %d" % i)
                                       for i in range(n(3000))) + b"\0\0")
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=2008)
    a = ap.parse_args()
    t0 = time.time()
    w = generate(a.scale, a.seed)
    t1 = time.time()
    size = w.write(a.out)
    t2 = time.time()
    st = w.stats()
    print("gen_software_hive: %s: %d keys, %d values, %d bytes "
          "(%.1f MiB); tree %.1fs, layout+write %.1fs, total %.1fs" % (
              a.out, st["keys"], st["values"], size, size / 1048576.0,
              t1 - t0, t2 - t1, t2 - t0))


if __name__ == "__main__":
    main()
