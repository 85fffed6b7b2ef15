#!/usr/bin/python3
"""Build the PE fixtures listed in tests/fixtures/pe/fixtures.txt with mingw-w64.

Usage: build_fixtures.py FIXTURE_SRC_DIR OUT_DIR

Each line names the output, the architecture (x86 or x64), the kind (exe or dll) and the
.rc file compiled into it (- for none). The code is tests/fixtures/pe/entry.c linked with
-nostdlib, so the files are a few KiB. A missing toolchain is a failure, not a skip:
CI installs gcc-mingw-w64 (see .ci/run), and without it the PE tests would test nothing.
"""
import os
import shutil
import subprocess
import sys

PREFIX = {"x86": "i686-w64-mingw32-", "x64": "x86_64-w64-mingw32-"}
# i686 C symbols carry a leading underscore
ENTRY = {"x86": "_entry", "x64": "entry"}


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: %s\n%s" % (" ".join(cmd), r.stdout))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    missing = [PREFIX[a] + t for a in PREFIX for t in ("gcc", "windres") if shutil.which(PREFIX[a] + t) is None]
    if missing:
        sys.exit("FAIL: mingw-w64 is missing (%s): install the Debian packages gcc-mingw-w64 and "
                 "binutils-mingw-w64 (.ci/run installs them); the PE tests need real PE files" % ", ".join(missing))
    os.makedirs(out, exist_ok=True)
    built = 0
    with open(os.path.join(src, "fixtures.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            name, arch, kind, rc = line
            cmd = [PREFIX[arch] + "gcc", "-nostdlib", "-s", "-O2", "-Wl,-e," + ENTRY[arch],
                   "-Wl,--no-insert-timestamp", "-o", os.path.join(out, name), os.path.join(src, "entry.c")]
            if kind == "dll":
                cmd.insert(1, "-shared")
            if rc != "-":
                obj = os.path.join(out, name + ".res.o")
                run([PREFIX[arch] + "windres", "-O", "coff", "-o", obj, os.path.join(src, rc)])
                cmd.append(obj)
            run(cmd)
            if rc != "-":
                os.remove(os.path.join(out, name + ".res.o"))
            built += 1
    print("built %d PE fixtures in %s" % (built, out))


if __name__ == "__main__":
    main()
