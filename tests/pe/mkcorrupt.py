#!/usr/bin/python3
"""Make hand-corrupted copies of the PE fixtures from tests/fixtures/pe/corrupt.txt.

Usage: mkcorrupt.py DESCRIPTION FIXTURE_DIR OUT_DIR

The description is a list of cases:

    case NAME BASE            start a case: copy fixture BASE
      truncate AT             cut the file at AT
      u16 AT VALUE            write a little-endian 16/32-bit value at AT
      u32 AT VALUE
      bytes AT HEX            write raw bytes at AT
      expect KIND [ARG]       what reading the result must give (see below)

AT and VALUE are sums and differences of numbers and anchors, e.g. `vnames+20` or
`0x80000000+vnames-rsrc`. Anchors are file offsets found in BASE (before any change):

    pe        "PE\\0\\0" signature         opt       optional header
    rsrcdd    resource data directory     sections  section table
    rsrcsec   header of the section holding the resource directory
    rsrc      resource root directory     vtype     the RT_VERSION entry in the root
    vnames    RT_VERSION's name directory vlangs    its first language directory
    ventry    first RT_VERSION data entry ver       the VS_VERSIONINFO
    fixed     VS_FIXEDFILEINFO            sfi, vfi  StringFileInfo / VarFileInfo blocks
    table     first StringTable           str:KEY   the String block of KEY
    strend:KEY  end of that String block  end       file size

Expectations: `error TEXT` (reading fails and the message contains TEXT), `noversion`,
`nofixed` (version resource without VS_FIXEDFILEINFO), `version A.B.C.D` (fixed file
version), `warning TEXT`, `string KEY=VALUE`. They are written to OUT_DIR/expect.tsv
(name, kind, argument) for test_pe and pe_corrupt_cli.py.
"""
import os
import re
import struct
import sys


def u16(d, o):
    return struct.unpack_from("<H", d, o)[0]


def u32(d, o):
    return struct.unpack_from("<I", d, o)[0]


def anchors(d):
    """File offsets of the structures a description may name (the file must be sound)."""
    a = {"end": len(d)}
    pe = u32(d, 0x3C)
    a["pe"] = pe
    opt = pe + 24
    a["opt"] = opt
    magic = u16(d, opt)
    dirs = opt + (96 if magic == 0x10B else 112)
    a["rsrcdd"] = dirs + 16
    sections = opt + u16(d, pe + 20)
    a["sections"] = sections
    secs = []
    for i in range(u16(d, pe + 6)):
        s = sections + 40 * i
        secs.append((s, u32(d, s + 12), max(u32(d, s + 8), u32(d, s + 16)), u32(d, s + 20)))

    def off(rva):
        for hdr, va, size, raw in secs:
            if va <= rva < va + size:
                return raw + rva - va, hdr
        raise ValueError("RVA 0x%x not in a section" % rva)

    rsrc_rva = u32(d, dirs + 16)
    if rsrc_rva == 0:
        return a
    a["rsrc"], a["rsrcsec"] = off(rsrc_rva)

    def entries(o):
        n = u16(d, o + 12) + u16(d, o + 14)
        return [o + 16 + 8 * i for i in range(n)]

    for e in entries(a["rsrc"]):
        if u32(d, e) == 16:
            a["vtype"] = e
    if "vtype" not in a:
        return a
    a["vnames"] = a["rsrc"] + (u32(d, a["vtype"] + 4) & 0x7FFFFFFF)
    a["vlangs"] = a["rsrc"] + (u32(d, a["vnames"] + 20) & 0x7FFFFFFF)
    a["ventry"] = a["rsrc"] + u32(d, a["vlangs"] + 20)
    a["ver"], _ = off(u32(d, a["ventry"]))
    a["fixed"] = a["ver"] + 40
    blocks(d, a["ver"], a)
    return a


def blocks(d, start, a):
    """Names the blocks of the VS_VERSIONINFO at `start` (offsets aligned from `start`)."""
    def key(o):
        k = o + 6
        e = k
        while u16(d, e):
            e += 2
        return d[k:e].decode("utf-16-le"), (e + 2 - start + 3) // 4 * 4 + start

    def walk(o, end, depth):
        while o + 6 <= end:
            length, vlen = u16(d, o), u16(d, o + 2)
            if length < 6:
                return
            k, vo = key(o)
            if depth == 1 and k in ("StringFileInfo", "VarFileInfo"):
                a["sfi" if k == "StringFileInfo" else "vfi"] = o
                walk(vo, o + length, 2)
            elif depth == 2 and k != "Translation":
                a.setdefault("table", o)
                walk(vo, o + length, 3)
            elif depth == 3:
                a.setdefault("str:" + k, o)
                a.setdefault("strend:" + k, o + length)
            o = (o + length - start + 3) // 4 * 4 + start

    length, vlen = u16(d, start), u16(d, start + 2)
    _, vo = key(start)
    walk((vo + vlen - start + 3) // 4 * 4 + start, start + length, 1)


def value(expr, a):
    total = 0
    for sign, term in re.findall(r"([+-]?)([^+-]+)", expr):
        v = int(term, 0) if term[0].isdigit() else a[term]
        total += -v if sign == "-" else v
    return total


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    desc, fixtures, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    cases = []
    with open(desc, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split(None, 2)
            if not words:
                continue
            if words[0] == "case":
                cases.append({"name": words[1], "base": words[2].strip(), "ops": [], "expect": [], "line": n})
            elif words[0] == "expect":
                cases[-1]["expect"].append((words[1], words[2].strip() if len(words) > 2 else ""))
            else:
                cases[-1]["ops"].append((words, n))
    rows = []
    for c in cases:
        with open(os.path.join(fixtures, c["base"]), "rb") as f:
            d = bytearray(f.read())
        a = anchors(bytes(d))
        for words, n in c["ops"]:
            try:
                op, at = words[0], value(words[1], a)
                if op == "truncate":
                    del d[at:]
                elif op in ("u16", "u32"):
                    v = value(words[2].strip(), a) & (0xFFFF if op == "u16" else 0xFFFFFFFF)
                    struct.pack_into("<H" if op == "u16" else "<I", d, at, v)
                elif op == "bytes":
                    b = bytes.fromhex(words[2].strip())
                    d[at:at + len(b)] = b
                else:
                    raise ValueError("unknown operation " + op)
            except (KeyError, ValueError, IndexError, struct.error) as e:
                sys.exit("%s:%d: case %s: %s" % (desc, n, c["name"], e))
        if not c["expect"]:
            sys.exit("%s:%d: case %s has no expect line" % (desc, c["line"], c["name"]))
        with open(os.path.join(out, c["name"]), "wb") as f:
            f.write(d)
        for kind, arg in c["expect"]:
            rows.append("%s\t%s\t%s\n" % (c["name"], kind, arg))
    with open(os.path.join(out, "expect.tsv"), "w", encoding="utf-8") as f:
        f.writelines(rows)
    print("made %d corrupted PE files in %s" % (len(cases), out))


if __name__ == "__main__":
    main()
