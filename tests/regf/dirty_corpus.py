#!/usr/bin/env python3
"""The real dirty hives of ../shared/corpus/dirty-hives (Windows 10 and 8.1+ "HvLE" logs,
from regipy's test data), decompressed into WORKDIR at test time:

 - `kbaudit reg info` must report the recovery documented in docs/regf.md (log entries,
   sequence numbers, dirty pages, which files), case-insensitive log names included
   (transactions_NTUSER.DAT with transactions_ntuser.dat.log1);
 - a second, independent replay: this script applies the same logs itself (the rules of
   docs/regf.md, hashes checked with tests/support/mklog.py's Marvin32), writes the
   recovered hive, and python3-hivex reads it (tests/diff/hivex_dump.py); its dump must
   equal `kbaudit reg dump` of the dirty hive with its logs, line for line, and differ
   from `kbaudit reg dump --no-logs` (the logs change something).

No implementation on Debian applies transaction logs (hivex, libregf 20201007, reglookup
read the primary file alone), hence the replay here. Skips (exit 0, with a message) when
the corpus is absent.

usage: dirty_corpus.py KBAUDIT SOURCE_DIR CORPUS_DIR WORKDIR
"""
import lzma
import os
import struct
import subprocess
import sys

CASES = [
    # primary, logs, what kbaudit must say
    ("regipy__SYSTEM_B", ["regipy__SYSTEM_B.LOG1", "regipy__SYSTEM_B.LOG2"],
     "recovered 315 dirty pages (24 log entries, sequence 2107 to 2130) from regipy__SYSTEM_B.LOG1 and regipy__SYSTEM_B.LOG2"),
    ("regipy__UsrClass.dat", ["regipy__UsrClass.dat.LOG1", "regipy__UsrClass.dat.LOG2"],
     "recovered 158 dirty pages (14 log entries, sequence 287 to 300) from regipy__UsrClass.dat.LOG1 and regipy__UsrClass.dat.LOG2"),
    ("regipy__transactions_NTUSER.DAT", ["regipy__transactions_ntuser.dat.log1"],
     "recovered 132 dirty pages (23 log entries, sequence 566 to 588) from regipy__transactions_ntuser.dat.log1"),
]


def replay(primary, logs, marvin32):
    """An independent replay of new-format logs: -> the recovered hive's bytes."""
    img = bytearray(primary)
    seq2 = struct.unpack_from("<I", img, 8)[0]
    entries = []
    for data in logs:
        off, prev = 512, None
        while off + 40 <= len(data) and data[off:off + 4] == b"HvLE":
            size, _, seq, bins, count = struct.unpack_from("<IIIII", data, off + 4)
            h1, h2 = struct.unpack_from("<QQ", data, off + 24)
            if h2 != marvin32(bytes(data[off:off + 32])) or h1 != marvin32(bytes(data[off + 40:off + size])):
                break
            if prev is not None and seq != prev + 1:
                break
            entries.append((seq, bins, data[off:off + size], count))
            prev, off = seq, off + size
    entries = sorted(e for e in entries if e[0] >= seq2)
    applied, last = 0, None
    for seq, bins, e, count in entries:
        if last is not None and seq == last:
            continue
        if last is not None and seq != last + 1:
            break
        if len(img) < 4096 + bins:
            img += bytes(4096 + bins - len(img))
        refs = [struct.unpack_from("<II", e, 40 + 8 * i) for i in range(count)]
        p = 40 + 8 * count
        for o, s in refs:
            img[4096 + o:4096 + o + s] = e[p:p + s]
            p += s
        applied += count
        last, final_bins = seq, bins
    struct.pack_into("<III", img, 4, last, last, struct.unpack_from("<I", img, 12)[0])
    struct.pack_into("<I", img, 0x28, final_bins)
    x = 0
    for v in struct.unpack_from("<127I", img, 0):
        x ^= v
    struct.pack_into("<I", img, 0x1FC, 1 if x == 0 else 0xFFFFFFFE if x == 0xFFFFFFFF else x)
    return bytes(img[:4096 + final_bins]), applied


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    kb, src, corpus, work = argv[1:]
    if not os.path.isdir(corpus):
        print("SKIP: %s is absent (../shared not here): the real dirty hives are not tested" % corpus)
        return 0
    sys.path.insert(0, os.path.join(src, "tests", "support"))
    from mklog import marvin32
    os.makedirs(work, exist_ok=True)
    fails = 0
    for primary, logs, want in CASES:
        files = {}
        for n in [primary] + logs:
            with lzma.open(os.path.join(corpus, n + ".xz")) as f:
                files[n] = f.read()
            with open(os.path.join(work, n), "wb") as f:
                f.write(files[n])
        hive = os.path.join(work, primary)
        info = subprocess.run([kb, "reg", "info", hive], stdout=subprocess.PIPE, text=True, timeout=120).stdout
        if "logs_detail\t%s\n" % want not in info:
            print("FAIL %s: reg info says %r, expected %r" % (primary, info, want))
            fails += 1
            continue
        img, pages = replay(files[primary], [files[n] for n in logs], marvin32)
        rec = os.path.join(work, primary + ".replayed")
        with open(rec, "wb") as f:
            f.write(img)
        hv = subprocess.run([sys.executable, os.path.join(src, "tests", "diff", "hivex_dump.py"), rec],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=280)
        ours = subprocess.run([kb, "reg", "dump", "-q", hive], stdout=subprocess.PIPE, timeout=120)
        raw = subprocess.run([kb, "reg", "dump", "-q", "--no-logs", hive], stdout=subprocess.PIPE, timeout=120)
        if hv.returncode != 0 or ours.returncode != 0:
            print("FAIL %s: hivex exit %d (%s), kbaudit exit %d" % (primary, hv.returncode, hv.stderr[:200],
                                                                  ours.returncode))
            fails += 1
        elif hv.stdout != ours.stdout:
            a, b = hv.stdout.splitlines(), ours.stdout.splitlines()
            diff = [(x, y) for x, y in zip(a, b) if x != y][:3]
            print("FAIL %s: kbaudit's recovered dump differs from hivex on the replayed hive (%d vs %d lines): %r"
                  % (primary, len(b), len(a), diff))
            fails += 1
        elif raw.stdout == ours.stdout:
            print("FAIL %s: the logs changed nothing in the dump" % primary)
            fails += 1
        else:
            print("ok   %s: %s; replayed independently (%d pages): hivex's dump = kbaudit's (%d lines)"
                  % (primary, want, pages, len(ours.stdout.splitlines())))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
