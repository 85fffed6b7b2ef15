#!/usr/bin/env python3
"""Every hand-corrupted PE file (tests/pe corrupt.txt, built by pe_corrupt_build) as a tree's
ntoskrnl.exe: `kbaudit facts` must still succeed (exit 0) and report the kernel with an error
or without a version, and `kbaudit audit` must never call the host compliant (the kernel's
version, which decides the build, is unknown). Under the sanitizer build a leak or any
sanitizer report changes the exit code, so this also catches error paths that leak.

usage: corrupt_kernel.py KBAUDIT TREE CORRUPT_PE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys


def main():
    kb, tree, corrupt, work = sys.argv[1:5]
    names = sorted(n for n in os.listdir(corrupt)
                   if os.path.isfile(os.path.join(corrupt, n)) and not n.endswith(".tsv"))
    if not names:
        print("FAIL: no corrupt PE files in %s" % corrupt)
        return 1
    root = os.path.join(work, "tree")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(tree, root, symlinks=True)
    kernel = os.path.join(root, "Windows", "System32", "ntoskrnl.exe")
    fails = 0
    for n in names:
        shutil.copyfile(os.path.join(corrupt, n), kernel)
        facts = subprocess.run([kb, "facts", "--root", root, "--format", "json"], capture_output=True, text=True)
        if facts.returncode != 0:
            print("FAIL %s: kbaudit facts exited %d: %s" % (n, facts.returncode, facts.stderr[-300:]))
            fails += 1
            continue
        # some corruptions leave the version resource readable: then the version stands
        k = next(f for f in json.loads(facts.stdout)["files"] if f["role"] == "kernel")
        audit = subprocess.run([kb, "audit", "--root", root, "--format", "json"], capture_output=True, text=True)
        if audit.returncode not in (0, 1):
            print("FAIL %s: kbaudit audit exited %d: %s" % (n, audit.returncode, audit.stderr[-300:]))
            fails += 1
            continue
        verdict = json.loads(audit.stdout)["verdict"]
        if k["file_version"] is None and verdict == "compliant":
            print("FAIL %s: compliant although the kernel's version could not be read (%s)" % (n, k["error"]))
            fails += 1
            continue
        print("ok   %-28s kernel %-16s %s" % (n, k["file_version"] or "unreadable", verdict))
    shutil.rmtree(work, ignore_errors=True)
    print("%d files, %d failures" % (len(names), fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
