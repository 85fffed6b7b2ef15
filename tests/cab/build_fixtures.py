#!/usr/bin/env python3
"""Cabinet fixtures, built at test time (docs/cab.md, "Tests").

usage: build_fixtures.py OUT_DIR [SHARED_DIR]

good/NAME.cab with gcab (MSZIP unless named stored-*), each extracted by cabextract into
good/NAME.d/ (the reference the reader is compared with byte for byte); bad/NAME.cab,
hand-corrupted copies and hand-made cabinets, with bad/expect.txt: NAME<TAB>phase<TAB>text
(phase open or extract; the reader's message must contain text). With SHARED_DIR, the real
.msu files of SHARED_DIR/corpus/msu are extracted by cabextract into corpus/NAME.d/."""
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def extract(cab, into):
    os.makedirs(into, exist_ok=True)
    run("cabextract", "-q", "-d", into, cab)


def gcab(out, files, compress=True):
    run("gcab", "-c", *(["-z"] if compress else []), "-n", out, *files)


def good(out):
    src = os.path.join(out, "src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    rnd = random.Random(11)

    def write(name, data):
        path = os.path.join(src, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    # multi-block members: text compresses across blocks (history carried over), random
    # bytes do not compress (stored deflate blocks inside MSZIP)
    text = write("text.txt", b"".join(b"line %d of a member larger than 32 KiB\r\n" % i for i in range(9000)))
    noise = write("noise.bin", bytes(rnd.getrandbits(8) for _ in range(100_000)))
    empty = write("empty.txt", b"")
    small = write("small.txt", b"hello\n")
    exact = write("exact32k.bin", bytes(rnd.getrandbits(2) for _ in range(32768)))
    many = [write("m%03d.txt" % i, (b"member %d\n" % i) * (i % 7)) for i in range(300)]
    sets = {
        "multiblock": [text, noise, exact],
        "empty-members": [empty, small, empty.replace("empty", "empty")],
        "many-files": many,
        "only-empty": [empty],
    }
    sets["empty-members"] = [empty, small]
    os.makedirs(os.path.join(out, "good"), exist_ok=True)
    names = []
    for name, files in sets.items():
        cab = os.path.join(out, "good", name + ".cab")
        gcab(cab, files)
        extract(cab, cab[:-4] + ".d")
        names.append(name)
    cab = os.path.join(out, "good", "stored-multiblock.cab")
    gcab(cab, [text, small], compress=False)
    extract(cab, cab[:-4] + ".d")
    names.append("stored-multiblock")
    with open(os.path.join(out, "good", "list.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


def checksum(data, seed=0):
    s = seed
    n = len(data) // 4
    for i in range(n):
        s ^= struct.unpack_from("<I", data, 4 * i)[0]
    rest = data[4 * n:]
    last = 0
    if len(rest) == 3:
        last = rest[0] << 16 | rest[1] << 8 | rest[2]
    elif len(rest) == 2:
        last = rest[0] << 8 | rest[1]
    elif len(rest) == 1:
        last = rest[0]
    return s ^ last


def one_block_cab(block, unpacked, member_size, method=1, csum=None):
    """A cabinet of one folder, one data block, one member 'a.bin'."""
    name = b"a.bin\0"
    header_len = 36 + 8
    coff_files = header_len
    data_off = coff_files + 16 + len(name)
    total = data_off + 8 + len(block)
    hdr = struct.pack("<4sIIIIIBBHHHHH", b"MSCF", 0, total, 0, coff_files, 0, 3, 1, 1, 1, 0, 0, 0)
    folder = struct.pack("<IHH", data_off, 1, method)
    entry = struct.pack("<IIHHHH", member_size, 0, 0, 0x5a21, 0, 0x20) + name
    sizes = struct.pack("<HH", len(block), unpacked)
    if csum is None:
        csum = checksum(sizes, checksum(block))
    return hdr + folder + entry + struct.pack("<I", csum) + sizes + block


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def bad(out):
    d = os.path.join(out, "bad")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(out, "good", "multiblock.cab"), "rb") as f:
        base = bytearray(f.read())
    expect = []

    def put(name, data, phase, text):
        with open(os.path.join(d, name + ".cab"), "wb") as f:
            f.write(bytes(data))
        expect.append(f"{name}\t{phase}\t{text}")

    b = bytearray(base); b[0:4] = b"MSCZ"
    put("bad-signature", b, "open", "no MSCF signature")
    put("truncated-header", base[:20], "open", "no MSCF signature")
    put("truncated", base[: len(base) // 2], "open", "truncated")
    b = bytearray(base); struct.pack_into("<I", b, 8, len(base) + 1000)
    put("lying-cabinet-size", b, "open", "truncated")
    b = bytearray(base); struct.pack_into("<H", b, 26, 40)
    put("lying-folder-count", b, "open", "")
    coff = struct.unpack_from("<I", base, 16)[0]
    b = bytearray(base); struct.pack_into("<I", b, coff, 0x7FFF0000)
    put("lying-member-size", b, "open", "beyond its folder")
    b = bytearray(base); struct.pack_into("<I", b, 16, len(base) + 5)
    put("files-outside", b, "open", "outside the cabinet")
    b = bytearray(base); struct.pack_into("<H", b, 24, 0x0203)
    put("bad-version", b, "open", "version")
    # checksum: flip a byte inside the first data block (its checksum no longer holds)
    data_off = struct.unpack_from("<I", base, 36)[0]
    b = bytearray(base); b[data_off + 8 + 40] ^= 0x55
    put("checksum-error", b, "extract", "checksum")
    # no "CK": the block's checksum recomputed so that the signature check is what fails
    blk = bytearray(b"XX") + raw_deflate(b"x" * 100)
    put("no-ck", one_block_cab(bytes(blk), 100, 100), "extract", "\"CK\"")
    # bomb: a block declaring 1000 bytes whose deflate stream inflates to 32 KiB
    put("bomb", one_block_cab(b"CK" + raw_deflate(b"\0" * 32768), 1000, 1000), "extract", "decompression bomb")
    put("short-block", one_block_cab(b"CK" + raw_deflate(b"a" * 500), 1000, 1000), "extract", "not the 1000")
    put("corrupt-deflate", one_block_cab(b"CK\xff\xff\xff\xff\xff", 100, 100), "extract", "deflate data")
    put("lzx", one_block_cab(b"\0" * 16, 100, 100, method=0x1503), "extract", "lzx-compressed: not readable")
    put("quantum", one_block_cab(b"\0" * 16, 100, 100, method=0x0702), "extract", "quantum-compressed: not readable")
    put("block-too-large", one_block_cab(b"CK" + raw_deflate(b"a"), 40000, 100), "open", "at most 32768")
    # trailing bytes (a signature block, as real .msu files have) are not an error
    put("trailing-bytes", base + b"\x30\x82" + bytes(8000), "ok", "")
    with open(os.path.join(d, "expect.txt"), "w") as f:
        f.write("\n".join(expect) + "\n")


def corpus(out, shared):
    msu = os.path.join(shared, "corpus", "msu")
    if not os.path.isdir(msu):
        return
    into = os.path.join(out, "corpus")
    shutil.rmtree(into, ignore_errors=True)
    for name in sorted(os.listdir(msu)):
        if name.endswith(".msu"):
            extract(os.path.join(msu, name), os.path.join(into, name + ".d"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    good(out)
    bad(out)
    if len(sys.argv) > 2:
        corpus(out, sys.argv[2])


if __name__ == "__main__":
    main()
