#!/usr/bin/env python3
"""Packs a primary hive and its logs into one input for fuzz_regf_log:
u32 LE length + primary, u32 LE length + LOG1, then LOG2.

Usage: pack_regf_log.py PRIMARY LOG1 [LOG2] OUT"""
import struct
import sys


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    parts = [open(p, "rb").read() for p in argv[1:-1]]
    while len(parts) < 3:
        parts.append(b"")
    with open(argv[-1], "wb") as f:
        f.write(struct.pack("<I", len(parts[0])) + parts[0] + struct.pack("<I", len(parts[1])) + parts[1] + parts[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
