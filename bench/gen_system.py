#!/usr/bin/env python3
"""gen_system -- write a worst-case Windows Server 2008 SP2 x64 system tree for the audit
benchmark (bench/audit.py).

Usage: python3 bench/gen_system.py OUT_DIR [--packages 20000] [--files 3000] [--seed 2008]

OUT_DIR becomes the root of a mounted volume:
  Windows/System32/config/SOFTWARE   bench/gen_software_hive.py's hive with PACKAGES
                                     servicing packages (all amd64) and its other branches
                                     scaled by PACKAGES / 20,000 (20,000 packages: ~190 MB)
  Windows/System32/config/SYSTEM     tests/fixtures/scenarios/common's x64 SYSTEM hive
  Windows/servicing/Packages         one .mum manifest per package (PACKAGES files)
  Windows/System32                   the PE files the audit reads (ntoskrnl.exe of the July
                                     2021 rollup, crypt32.dll, appinfo.dll, spoolsv.exe,
                                     win32k.sys, cmitrust.dll) and FILES other small PE files,
                                     each with a version resource
Everything is synthetic and deterministic for given options. A finished tree holds
OUT_DIR/.gen_system.json with its options, sizes and the paths of the marker PE files;
gen_system skips the work when the options match.

Python 3 standard library only; uses tests/support/mkhive.py and mkscenario.py's .mum
template and bench/gen_software_hive.py.
"""

import argparse
import json
import os
import random
import shutil
import struct
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SUPPORT = os.path.join(ROOT, "tests", "support")
COMMON = os.path.join(ROOT, "tests", "fixtures", "scenarios", "common")
sys.path.insert(0, SUPPORT)
sys.path.insert(0, BENCH)
import gen_software_hive  # noqa: E402
import mkhive  # noqa: E402
import mkscenario  # noqa: E402

STAMP = ".gen_system.json"
FORMAT = 2   # bump when the output or the stamp changes for the same options

# (file name, FileVersion): the files facts_files.c reads. The kernel is the July 2021
# rollup's (6.0.6003.21163, as in tests/fixtures/scenarios/x64-6003-current); the others
# carry plausible 6003 versions.
MARKERS = (
    ("ntoskrnl.exe", "6.0.6003.21163 (vistasp2_ldr_escrow.210611-1700)"),
    ("crypt32.dll", "6.0.6003.20705 (vistasp2_ldr_escrow.191119-1700)"),
    ("appinfo.dll", "6.0.6003.21046 (vistasp2_ldr_escrow.210205-1700)"),
    ("spoolsv.exe", "6.0.6003.21170 (vistasp2_ldr_escrow.210703-1700)"),
    ("win32k.sys", "6.0.6003.20563 (vistasp2_ldr_escrow.190612-1700)"),
    ("cmitrust.dll", "6.0.6003.20881 (vistasp2_ldr_escrow.200617-1700)"),
)


# ---- a small PE32+ image with a version resource -----------------------------------------

def _u16z(s):
    return (s + "\0").encode("utf-16-le")


def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def _block(key, value=b"", value_len=None, text=False, children=()):
    """A version-resource block: wLength, wValueLength, wType, key, value, children."""
    body = _pad4(struct.pack("<HHH", 0, 0, 0) + _u16z(key)) + value
    for c in children:
        body = _pad4(body) + c
    vlen = len(value) if value_len is None else value_len
    return struct.pack("<HHH", len(body), vlen, 1 if text else 0) + body[6:]


def version_resource(file_version, machine_name, original):
    nums = [int(x) for x in file_version.split(" ")[0].split(".")]
    fixed = struct.pack("<13I", 0xFEEF04BD, 0x00010000, nums[0] << 16 | nums[1], nums[2] << 16 | nums[3],
                        nums[0] << 16 | nums[1], nums[2] << 16 | nums[3], 0x3F, 0, 0x40004, 1, 0, 0, 0)
    strings = []
    for k, v in (("CompanyName", "Microsoft Corporation"), ("FileDescription", machine_name),
                 ("FileVersion", file_version), ("InternalName", original),
                 ("OriginalFilename", original),
                 ("ProductName", "Microsoft\u00ae Windows\u00ae Operating System"),
                 ("ProductVersion", file_version.split(" ")[0])):
        strings.append(_block(k, _u16z(v), value_len=len(v) + 1, text=True))
    table = _block("040904B0", text=True, children=strings)
    sfi = _block("StringFileInfo", text=True, children=[table])
    vfi = _block("VarFileInfo", text=True,
                 children=[_block("Translation", struct.pack("<HH", 0x409, 0x4B0))])
    return _block("VS_VERSION_INFO", fixed, children=[sfi, vfi])


def pe_image(file_version, name):
    """A PE32+ (x64) image: headers and one .rsrc section holding RT_VERSION 1, language 0x409."""
    ver = version_resource(file_version, name, name)
    rva = 0x1000
    # resource tree: root -> type 16 -> name 1 -> language 0x409 -> data entry -> data
    rsrc = bytearray()
    rsrc += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, 1) + struct.pack("<II", 16, 0x80000000 | 0x18)
    rsrc += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, 1) + struct.pack("<II", 1, 0x80000000 | 0x30)
    rsrc += struct.pack("<IIHHHH", 0, 0, 0, 0, 0, 1) + struct.pack("<II", 0x409, 0x48)
    rsrc += struct.pack("<IIII", rva + 0x58, len(ver), 0, 0)
    rsrc += ver
    raw = bytes(rsrc) + b"\0" * (-len(rsrc) % 0x200)
    vsize = len(rsrc)
    image_size = rva + ((vsize + 0xFFF) & ~0xFFF)
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x8664, 1, 0x4A5BC000, 0, 0, 240, 0x2022)
    opt = struct.pack("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII", 0x20B, 9, 0, 0, len(raw), 0, 0, rva,
                      0x180000000, 0x1000, 0x200, 6, 0, 6, 0, 6, 0, 0, image_size, 0x200, 0, 3,
                      0x140, 0x40000, 0x1000, 0x100000, 0x1000, 0, 16)
    dirs = bytearray(16 * 8)
    struct.pack_into("<II", dirs, 2 * 8, rva, vsize)
    sect = struct.pack("<8sIIIIIIHHI", b".rsrc", vsize, rva, len(raw), 0x200, 0, 0, 0, 0, 0x40000040)
    head = bytes(dos) + coff + opt + bytes(dirs) + sect
    return head + b"\0" * (0x200 - len(head)) + raw


# ---- the tree ----------------------------------------------------------------------------

def system_hive(path):
    text = "\n".join(open(os.path.join(COMMON, n), encoding="utf-8").read()
                     for n in ("system-x64.hivedesc", "select-1.hivedesc", "producttype-server.hivedesc"))
    w = mkhive.parse_description(text, "SYSTEM")
    w.write(path)


def mum(identity, kb, rnd):
    name, arch, lang, version = mkscenario.split_identity(identity)
    m = {"name": name, "arch": arch, "language": lang, "version": version, "identity": identity,
         "kb": str(kb), "identifier": "KB%d" % kb,
         "release": rnd.choice(("Security Update", "Security Update", "Update", "Hotfix")),
         "restart": rnd.choice(("possible", "required", "never")), "parent": "6.0.6001.18000",
         "parentname": "Microsoft-Windows-Foundation-Package",
         "components": [("Microsoft-Windows-%s-%d" % (rnd.choice(gen_software_hive.WORDS).capitalize(), i),
                         "6.0.6003.%d" % rnd.randint(20000, 21500)) for i in range(rnd.randint(1, 4))],
         "bom": False, "timestamp": "2019-04-02T10:00:00Z", "description": "Fix for KB%d" % kb}
    return mkscenario.mum_xml(m)


def generate(out, packages, files, seed):
    rnd = random.Random(seed)
    win = os.path.join(out, "Windows")
    s32 = os.path.join(win, "System32")
    config = os.path.join(s32, "config")
    spk = os.path.join(win, "servicing", "Packages")
    for d in (config, spk, os.path.join(s32, "drivers"), os.path.join(win, "winsxs")):
        os.makedirs(d, exist_ok=True)
    t0 = time.time()
    w = gen_software_hive.generate(packages / 20000.0, seed, packages=packages, x86_share=0.0)
    size = w.write(os.path.join(config, "SOFTWARE"))
    t1 = time.time()
    system_hive(os.path.join(config, "SYSTEM"))
    for identity, kb, _state in w.packages:
        with open(os.path.join(spk, identity + ".mum"), "wb") as f:
            f.write(mum(identity, kb, rnd))
    for name, version in MARKERS:
        with open(os.path.join(s32, name), "wb") as f:
            f.write(pe_image(version, name))
    for i in range(files):
        name = "%s%d.dll" % (rnd.choice(gen_software_hive.WORDS), i)
        with open(os.path.join(s32, name), "wb") as f:
            f.write(pe_image("6.0.6003.%d (vistasp2_ldr_escrow.190311-1800)" % rnd.randint(20000, 21500), name))
    t2 = time.time()
    return {"software_bytes": size, "packages": len(w.packages), "files": files + len(MARKERS),
            "markers": ["Windows/System32/" + name for name, _ in MARKERS],
            "seconds_hive": round(t1 - t0, 1), "seconds_files": round(t2 - t1, 1)}


def ensure(out, packages, files=3000, seed=2008, log=print):
    """Builds OUT (a tree) unless it already holds one made with these options."""
    want = {"format": FORMAT, "packages": packages, "files": files, "seed": seed}
    stamp = os.path.join(out, STAMP)
    try:
        with open(stamp) as f:
            have = json.load(f)
        if {k: have.get(k) for k in want} == want:
            return have
    except (OSError, ValueError):
        pass
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    log("gen_system: writing %s (%d packages, %d PE files)..." % (out, packages, files))
    info = dict(want, **generate(out, packages, files, seed))
    with open(stamp, "w") as f:
        json.dump(info, f)
    log("gen_system: %s: SOFTWARE %.1f MiB, %d .mum, %d PE files; hive %.1fs, files %.1fs" % (
        out, info["software_bytes"] / 1048576.0, info["packages"], info["files"],
        info["seconds_hive"], info["seconds_files"]))
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--packages", type=int, default=20000)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=2008)
    a = ap.parse_args()
    if a.packages < 1 or a.files < 0:
        ap.error("--packages must be >= 1 and --files >= 0")
    ensure(a.out, a.packages, a.files, a.seed)


if __name__ == "__main__":
    main()
