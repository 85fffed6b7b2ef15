#!/usr/bin/env python3
"""Evidence is read-only: run kbaudit facts and audit on a tree and require every file and
folder to be unchanged: content (sha256), size, mode, mtime and access time.

Access times are only updated by reads when they are older than the modification time
(the usual relatime mount), so every entry's atime is first set a year back; the snapshots
stat the listed paths (reading nothing) and hash files through O_NOATIME descriptors, so that
only kbaudit's own reads could move an atime.

usage: readonly_hash.py KBAUDIT TREE
"""
import hashlib
import os
import subprocess
import sys


def entries(tree):
    out = [tree]
    for d, dirs, files in os.walk(tree):
        out += [os.path.join(d, n) for n in dirs + files]
    return sorted(out)


def snapshot(paths):
    snap = {}
    for p in paths:
        st = os.lstat(p)
        digest = ""
        if os.path.isfile(p) and not os.path.islink(p):
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOATIME", 0))
            h = hashlib.sha256()
            while True:
                b = os.read(fd, 1 << 16)
                if not b:
                    break
                h.update(b)
            os.close(fd)
            digest = h.hexdigest()
        link = os.readlink(p) if os.path.islink(p) else ""
        snap[p] = (st.st_size, st.st_mode, st.st_mtime_ns, st.st_atime_ns, digest, link)
    return snap


def main():
    kb, tree = sys.argv[1], sys.argv[2]
    paths = entries(tree)
    for p in paths:
        st = os.lstat(p)
        os.utime(p, ns=(st.st_mtime_ns - 365 * 86400 * 10**9, st.st_mtime_ns), follow_symlinks=False)
    before = snapshot(paths)
    for args in (["facts", "--root", tree, "--format", "json"], ["facts", "--root", tree],
                 ["audit", "--root", tree, "--format", "json"], ["audit", "--root", tree, "--format", "junit"]):
        subprocess.run([kb] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = snapshot(paths)          # stat first: listing folders would touch their atime
    for p in set(entries(tree)) - set(paths):
        after[p] = "created"
    changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
    for p in sorted(changed)[:20]:
        print("CHANGED %s: %s -> %s" % (p, before.get(p), after.get(p)))
    if changed:
        print("FAIL: %d entries changed" % len(changed))
        return 1
    print("ok: %d entries of %s unchanged (content, mode, mtime, atime)" % (len(paths), tree))
    return 0


if __name__ == "__main__":
    sys.exit(main())
