#!/usr/bin/env python3
"""mklog -- build a dirty hive and its transaction log(s) from a readable description.

Usage:
    python3 tests/support/mklog.py DESC NEW.hive OUT [--before OLD.hive]

NEW.hive is the hive as Windows last wrote it into its logs (built from a .hivedesc by
mkhive.py, or found in a scenario tree). The primary file OUT holds an older state of it:
OLD.hive when --before is given, else NEW.hive with the DWORD values DESC lists set back to
their older numbers. OUT gets a dirty base block (primary sequence number = secondary + 1);
OUT.LOG1 (and OUT.LOG2) get the pages that differ, in the format DESC asks for:

    format = old          ; old: base block + "DIRT" dirty vector + 512-byte pages (Vista,
                          ;      Server 2008); new: "HvLE" entries with Marvin32 hashes (8.1+)
    seq = 41              ; the primary file's secondary sequence number
    entries = 2           ; new format: split the dirty pages over this many log entries
                          ; (512-byte pages when there are fewer 4 KiB ones)
    logs = 2              ; new format: the entries alternate over .LOG1 and .LOG2; old
                          ; format: .LOG2 gets a copy of .LOG1 one sequence number older
    stale = 1             ; new format: this many already-applied entries (sequence below
                          ; seq) come first in .LOG1, holding wrong pages
    [Microsoft\\Windows\\...\\Package_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.0]
    "CurrentState" = dword:0x20     ; the primary file holds 0x20, the log NEW.hive's value

The layout facts (base block, dirty vector, log entries, the Marvin32 seed) are the public
ones from M. Suhanov's "Windows registry file format specification" (docs/regf.md); the
Marvin32 here is written from the algorithm's description, independently of the C reader.
Python standard library only.
"""

import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkhive import header_checksum  # noqa: E402

BLOCK = 4096
SECTOR = 512
SEED = 0x82EF4D887A4E55C5
M32 = 0xFFFFFFFF


class LogDescError(Exception):
    pass


# --------------------------------------------------------------------------
# Marvin32 (64-bit result: high state word << 32 | low state word)

def _rotl(v, n):
    return ((v << n) | (v >> (32 - n))) & M32


def _round(lo, hi):
    hi ^= lo
    lo = (_rotl(lo, 20) + hi) & M32
    hi = _rotl(hi, 9) ^ lo
    lo = (_rotl(lo, 27) + hi) & M32
    hi = _rotl(hi, 19)
    return lo, hi


def marvin32(data, seed=SEED):
    lo, hi = seed & M32, seed >> 32
    whole = len(data) // 4 * 4
    for (w,) in struct.iter_unpack("<I", data[:whole]):
        lo, hi = _round((lo + w) & M32, hi)
    tail = data[whole:]
    last = 0x80 << (8 * len(tail))
    for i, b in enumerate(tail):
        last |= b << (8 * i)
    lo, hi = _round((lo + last) & M32, hi)
    lo, hi = _round(lo, hi)
    return hi << 32 | lo


# --------------------------------------------------------------------------
# just enough of a hive reader to find a value by key path

def _cell(h, off):
    p = BLOCK + off
    (size,) = struct.unpack_from("<i", h, p)
    return p + 4, -size - 4


def _subkeys(h, nk):
    count, lst = struct.unpack_from("<I4xI", h, nk + 20)
    if count == 0:
        return []
    out = []
    todo = [lst]
    while todo:
        p, _ = _cell(h, todo.pop(0))
        sig, n = h[p:p + 2], struct.unpack_from("<H", h, p + 2)[0]
        if sig == b"ri":
            todo.extend(struct.unpack_from("<%dI" % n, h, p + 4))
        elif sig == b"li":
            out.extend(struct.unpack_from("<%dI" % n, h, p + 4))
        else:
            out.extend(struct.unpack_from("<%dI" % (2 * n), h, p + 4)[0::2])
    return out


def _name(h, p, n, compressed):
    raw = h[p:p + n]
    return raw.decode("latin-1") if compressed else raw.decode("utf-16-le", "replace")


def find_value(h, path, value):
    (root,) = struct.unpack_from("<I", h, 0x24)
    nk, _ = _cell(h, root)
    for part in [x for x in path.split("\\") if x]:
        for off in _subkeys(h, nk):
            p, _ = _cell(h, off)
            flags = struct.unpack_from("<H", h, p + 2)[0]
            n = struct.unpack_from("<H", h, p + 72)[0]
            if _name(h, p + 76, n, flags & 0x20).upper() == part.upper():
                nk = p
                break
        else:
            raise LogDescError("no key %r in the hive (at %r)" % (path, part))
    count, lst = struct.unpack_from("<II", h, nk + 36)
    if count:
        lp, _ = _cell(h, lst)
        for off in struct.unpack_from("<%dI" % count, h, lp):
            p, _ = _cell(h, off)
            n, dlen = struct.unpack_from("<HI", h, p + 2)
            flags = struct.unpack_from("<H", h, p + 16)[0]
            if _name(h, p + 20, n, flags & 1).upper() == value.upper():
                return p, dlen
    raise LogDescError("no value %r in key %r" % (value, path))


# --------------------------------------------------------------------------
# the description

def parse(text, where):
    opts = {"format": "old", "seq": 41, "entries": 1, "logs": 1, "stale": 0}
    patches = []
    key = None
    for ln, line in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)[#;].*$", "", line).strip()
        if not line:
            continue
        m = re.fullmatch(r"\[(.*)\]", line)
        if m:
            key = m.group(1)
            continue
        m = re.fullmatch(r'"([^"]*)"\s*=\s*dword:(0x[0-9a-fA-F]+|\d+)', line)
        if m and key is not None:
            patches.append((key, m.group(1), int(m.group(2), 0)))
            continue
        m = re.fullmatch(r"(\w+)\s*=\s*(\w+)", line)
        if m and key is None and m.group(1) in opts:
            v = m.group(2)
            if m.group(1) == "format":
                if v not in ("old", "new"):
                    raise LogDescError("%s:%d: format is old or new" % (where, ln))
                opts["format"] = v
            else:
                opts[m.group(1)] = int(v, 0)
            continue
        raise LogDescError("%s:%d: cannot read %r" % (where, ln, line))
    return opts, patches


# --------------------------------------------------------------------------
# writing

def _base_block(h, seq1, seq2, ftype, bins):
    bb = bytearray(h[:BLOCK])
    struct.pack_into("<II", bb, 4, seq1, seq2)
    struct.pack_into("<I", bb, 0x1C, ftype)
    struct.pack_into("<I", bb, 0x28, bins)
    struct.pack_into("<I", bb, 0x1FC, header_checksum(bb))
    return bb


def _pad(b, n=SECTOR):
    return b + bytes(-len(b) % n)


def dirty_pages(old, new, page):
    """Offsets (in the hive bins) of the PAGE-sized pages of NEW that differ from OLD."""
    nb = struct.unpack_from("<I", new, 0x28)[0]
    out = []
    for off in range(0, nb, page):
        a = old[BLOCK + off:BLOCK + off + page]
        if a != new[BLOCK + off:BLOCK + off + page]:
            out.append(off)
    return out


def old_log(old, new, seq):
    nb = struct.unpack_from("<I", new, 0x28)[0]
    pages = dirty_pages(old, new, SECTOR)
    vec = bytearray(nb // SECTOR // 8)
    for off in pages:
        i = off // SECTOR
        vec[i // 8] |= 1 << (i % 8)
    out = bytearray(_base_block(new, seq, seq, 1, nb)[:SECTOR])
    out += _pad(b"DIRT" + bytes(vec))
    for off in pages:
        out += new[BLOCK + off:BLOCK + off + SECTOR]
    return bytes(out), len(pages)


def hvle_entry(seq, bins, refs, new):
    """One "HvLE" entry holding NEW's pages REFS [(offset, size)]."""
    body = b"".join(struct.pack("<II", o, s) for o, s in refs)
    body += b"".join(new[BLOCK + o:BLOCK + o + s] for o, s in refs)
    size = 40 + len(body)
    size += -size % SECTOR
    body += bytes(size - 40 - len(body))
    head = struct.pack("<4sIIIII", b"HvLE", size, 0, seq, bins, len(refs))
    h1 = marvin32(body)
    head += struct.pack("<Q", h1)
    h2 = marvin32(head)
    return head + struct.pack("<Q", h2) + body


def new_logs(old, new, seq, nentries, nlogs, stale):
    nb = struct.unpack_from("<I", new, 0x28)[0]
    # Windows logs 4 KiB pages; the format allows any multiple of 512, used here when
    # there are fewer 4 KiB pages than entries asked for.
    page = BLOCK
    pages = dirty_pages(old, new, page)
    if len(pages) < nentries:
        page = SECTOR
        pages = dirty_pages(old, new, page)
    nentries = max(1, min(nentries, len(pages)))
    groups = [pages[i::nentries] for i in range(nentries)]
    logs = [bytearray(_base_block(new, seq, seq, 6, nb)[:SECTOR]) for _ in range(nlogs)]
    # Entries Windows wrote before the last complete write (already in the primary):
    # their pages are wrong on purpose, so applying them would show.
    for i in range(stale):
        junk = bytearray(new)
        junk[BLOCK:BLOCK + BLOCK] = bytes(BLOCK)
        logs[0] += hvle_entry(seq - stale + i, nb, [(0, BLOCK)], junk)
    for i, g in enumerate(groups):
        logs[i % nlogs] += hvle_entry(seq + i, nb, [(o, page) for o in sorted(g)], new)
    return [bytes(x) for x in logs], len(pages)


def make(desc_text, where, new, before=None):
    """-> (the dirty primary file, [log files], dirty pages) from the description DESC_TEXT,
    the hive as the logs hold it (NEW, bytes) and optionally the primary's older state."""
    opts, patches = parse(desc_text, where)
    new = bytearray(new)
    if before is not None:
        old = bytearray(before)
    else:
        old = bytearray(new)
        for key, name, num in patches:
            p, dlen = find_value(old, key, name)
            if dlen != 0x80000004:
                raise LogDescError("%s\\%s is not a 4-byte value held in its record" % (key, name))
            struct.pack_into("<I", old, p + 8, num)
    seq = opts["seq"]
    ob = struct.unpack_from("<I", old, 0x28)[0]
    old[:BLOCK] = _base_block(old, seq + 1, seq, 0, ob)
    # The log's view of the hive: same last-written time as the primary's.
    new[:BLOCK] = _base_block(new, seq + 1, seq + 1, 0, struct.unpack_from("<I", new, 0x28)[0])
    new[12:20] = old[12:20]
    if opts["format"] == "old":
        log, n = old_log(old, new, seq + 1)
        logs = [log]
        if opts["logs"] > 1:
            stale, _ = old_log(old, new, seq)
            logs.append(stale)
    else:
        logs, n = new_logs(old, new, seq, opts["entries"], opts["logs"], opts["stale"])
    return bytes(old), logs, n


def build(desc_path, new_path, out, before=None):
    with open(desc_path, encoding="utf-8") as f:
        text = f.read()
    with open(new_path, "rb") as f:
        new = f.read()
    old = None
    if before:
        with open(before, "rb") as f:
            old = f.read()
    primary, logs, n = make(text, desc_path, new, old)
    with open(out, "wb") as f:
        f.write(primary)
    for i, data in enumerate(logs, 1):
        with open("%s.LOG%d" % (out, i), "wb") as f:
            f.write(data)
    return n


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Build a dirty hive and its transaction logs.")
    ap.add_argument("desc", help="log description (.logdesc)")
    ap.add_argument("new", help="the hive as the logs hold it")
    ap.add_argument("out", help="the dirty primary file to write (logs: OUT.LOG1, OUT.LOG2)")
    ap.add_argument("--before", help="the primary file's older state (else NEW with DESC's values)")
    a = ap.parse_args(argv)
    try:
        n = build(a.desc, a.new, a.out, a.before)
    except (LogDescError, OSError, struct.error) as e:
        print("mklog: %s" % e, file=sys.stderr)
        return 2
    print("mklog: %s: %d dirty pages" % (a.out, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
