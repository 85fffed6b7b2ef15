#!/usr/bin/env python3
"""Evidence is read-only: run kbaudit facts and audit on a tree and require every file and
folder to be unchanged: content (sha256), size, mode, mtime and access time.

Access times are only updated by reads when they are older than the modification time
(the usual relatime mount), so every entry's atime is first set a year back; the snapshots
stat the listed paths (reading nothing) and hash files through O_NOATIME descriptors, so that
only kbaudit's own reads could move an atime.

With --strace STRACE every run is also traced (strace -f: every process and thread), and a
run fails if it even tried - successfully or not - to open a path under the tree for writing
(O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_TMPFILE; creat), or to change one by any
other call (truncate, rename, unlink, mkdir, link, chmod, chown, utimes, xattrs, mknod, and
the descriptor forms: ftruncate, fchmod, fallocate, write...); see syscall_trace.py. This
catches what the snapshot cannot: a write-open that writes nothing, or a change put back
before the run ends. Before the trees, a self-test traces small programs that each do one
such thing to a scratch tree and requires every one to be reported, and a program that only
reads not to be: the checker can fail.

Every run must also do its job: the exit code it is expected to have and real output (the
JSON parses and names the target, the text names the tree), so that a kbaudit that read
nothing (or /bin/true in its place) cannot pass. Several trees are checked, among them one
with pending.xml and the one whose links lead outside the root; another kind of tree (a dirty
hive with its logs) is one more argument.

usage: readonly_hash.py [--strace STRACE] KBAUDIT TREE[=AUDIT_EXIT_CODE]...
"""
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile

import syscall_trace


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
        # a symbolic link's access time moves whenever its target is read (readlink), which
        # kbaudit must do to refuse links leading out; no open flag prevents it: only its
        # other attributes are compared (mount evidence read-only or noatime to keep it)
        atime = None if stat.S_ISLNK(st.st_mode) else st.st_atime_ns
        snap[p] = (st.st_size, st.st_mode, st.st_mtime_ns, atime, digest)
    return snap


def runs_ok(kb, tree, audit_code, strace):
    """Runs facts and audit on the tree; returns the problems with their exit codes and output,
    and (with strace) every attempt to change something under the tree."""
    bad = []
    real = os.path.realpath(tree)
    for args, code in ((["facts", "--root", tree, "--format", "json"], 0), (["facts", "--root", tree], 0),
                       (["audit", "--root", tree, "--format", "json"], audit_code),
                       (["audit", "--root", tree, "--format", "junit"], audit_code)):
        what = " ".join(args[:1] + args[3:])
        if strace:
            r, writes = syscall_trace.run(strace, [kb] + args, [tree])
            bad += ["%s: %s" % (what, w) for w in writes]
        else:
            r = subprocess.run([kb] + args, capture_output=True, text=True)
        if r.returncode != code:
            bad.append("%s: exit %d, expected %d: %s" % (what, r.returncode, code, r.stderr.strip()[:300]))
            continue
        if "json" in args:
            try:
                d = json.loads(r.stdout)
            except ValueError as e:
                bad.append("%s: output is not JSON: %s" % (what, e))
                continue
            target = d.get("target")
            named = target.get("root") if isinstance(target, dict) else target
            if named is None or os.path.realpath(named) != real:
                bad.append("%s: the JSON names target %r, not %s" % (what, named, tree))
        elif "junit" in args:
            if "<testsuite" not in r.stdout:
                bad.append("%s: no <testsuite> in the output" % what)
        elif "Servicing packages (" not in r.stdout or real not in r.stdout:
            bad.append("%s: the text does not list the packages of %s" % (what, tree))
    return bad


def check_tree(kb, tree, audit_code, strace):
    paths = entries(tree)
    for p in paths:
        st = os.lstat(p)
        os.utime(p, ns=(st.st_mtime_ns - 365 * 86400 * 10**9, st.st_mtime_ns), follow_symlinks=False)
    before = snapshot(paths)
    bad = runs_ok(kb, tree, audit_code, strace)
    after = snapshot(paths)          # stat first: listing folders would touch their atime
    for p in set(entries(tree)) - set(paths):
        after[p] = "created"
    changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
    for p in sorted(changed)[:20]:
        print("CHANGED %s: %s -> %s" % (p, before.get(p), after.get(p)))
    for b in bad:
        print("FAIL %s: %s" % (tree, b))
    if changed:
        print("FAIL %s: %d entries changed" % (tree, len(changed)))
    if changed or bad:
        return False
    print("ok: %d entries of %s unchanged (content, mode, mtime, atime), 4 runs did their job%s"
          % (len(paths), tree, ", no write-open or change attempted (strace)" if strace else ""))
    return True


def main():
    argv = sys.argv[1:]
    strace = None
    if argv[:1] == ["--strace"] and len(argv) >= 2:
        strace, argv = argv[1], argv[2:]
    if len(argv) < 2:
        print(__doc__)
        return 2
    kb = argv[0]
    if strace:
        if not os.access(strace, os.X_OK):
            print("FAIL: %s not found: install strace (.ci/packages)" % strace)
            return 1
        with tempfile.TemporaryDirectory() as scratch:
            if not syscall_trace.self_test(strace, scratch):
                print("FAIL: the strace checker's self-test failed: it cannot be trusted")
                return 1
    ok = True
    for arg in argv[1:]:
        tree, _, code = arg.partition("=")
        ok = check_tree(kb, tree, int(code or 0), strace) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
