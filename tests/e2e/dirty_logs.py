#!/usr/bin/env python3
"""Dirty hives end to end: a tree whose SOFTWARE hive Windows had not finished writing.

For each scenario tree given (x64-dirty-logs-old: an old-format log, x64-dirty-logs-new:
new-format logs over .LOG1 and .LOG2), on a private copy:
 - `kbaudit audit` applies the logs: the verdict is compliant, the JSON's "hives" says
   "recovered" and names the log file(s); `kbaudit facts` shows KB4474419 installed (0x70);
 - `--no-logs` reads the primary file alone: not compliant (the package is staged, 0x20),
   and a warning says the registry may be older than the system's last state;
 - SOFTWARE.LOG1 a link leading outside the root: refused by name, not read;
 - the logs made hostile: SOFTWARE.LOG1 a folder, SOFTWARE.LOG2 a FIFO (nothing writes to
   it: a reader that waited on it would hang), then LOG1 truncated, then LOG1 with one byte
   flipped (new format: in a page, caught by the hash; old format: in the base block, caught
   by its checksum; old-format pages carry no checksum): each time the audit ends at once, says why the log was not applied
   ("not applied" reasons in the hive's logs_detail) and reads the primary alone;
 - `kbaudit reg info`/`reg get` on the hive file itself apply the logs too.

usage: dirty_logs.py KBAUDIT WORKDIR TREE...
"""
import json
import os
import shutil
import subprocess
import sys

PKG = ("Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\"
       "Package_for_KB4474419~31bf3856ad364e35~amd64~~6.0.4.0")
CONFIG = os.path.join("Windows", "System32", "config")


def run(args, code):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if code is not None and r.returncode != code:
        raise AssertionError("%s: exit %d, expected %d: %s" % (" ".join(args), r.returncode, code, r.stderr))
    return r.stdout, r.stderr


def audit(kb, tree, extra, code):
    out, _ = run([kb, "audit", "--root", tree, "--format", "json"] + extra, code)
    d = json.loads(out)
    soft = [h for h in d["hives"] if h["hive"] == "SOFTWARE"]
    assert len(soft) == 1, d["hives"]
    return d, soft[0]


def state(kb, tree, extra):
    out, _ = run([kb, "facts", "--root", tree, "--format", "json"] + extra, 0)
    for p in json.loads(out)["packages"]:
        if p["identity"].startswith("Package_for_KB4474419~"):
            return p["state"]
    raise AssertionError("no KB4474419 package in the facts")


def check_tree(kb, work, src):
    name = os.path.basename(src.rstrip("/"))
    tree = os.path.join(work, name)
    if os.path.exists(tree):
        shutil.rmtree(tree)
    shutil.copytree(src, tree, symlinks=True)
    cfg = os.path.join(tree, CONFIG)

    d, h = audit(kb, tree, [], 0)
    assert d["verdict"] == "compliant", d["verdict"]
    assert h["logs"] == "recovered" and h["logs_pages"] >= 1, h
    assert "from SOFTWARE.LOG1" in h["logs_detail"], h
    assert state(kb, tree, []) == 0x70

    d, h = audit(kb, tree, ["--no-logs"], 1)
    assert d["verdict"] == "not-compliant", d["verdict"]
    assert h["logs"] == "dirty-logs-not-read", h
    assert any("may be older than the system's last state" in w for w in d["warnings"]), d["warnings"]
    assert state(kb, tree, ["--no-logs"]) == 0x20

    # reg on the hive file: the same recovery, found beside it
    hive = os.path.join(cfg, "SOFTWARE")
    out, err = run([kb, "reg", "get", hive, PKG, "CurrentState"], 0)
    assert out.strip() == "0x00000070", out
    assert "recovered" in err, err
    out, _ = run([kb, "reg", "get", "--no-logs", "-q", hive, PKG, "CurrentState"], 0)
    assert out.strip() == "0x00000020", out
    out, _ = run([kb, "reg", "info", hive], 0)
    assert "logs\trecovered\n" in out and "dirty\tyes\n" in out, out

    # hostile logs: each is refused, the audit finishes and reads the primary alone
    log1, log2 = os.path.join(cfg, "SOFTWARE.LOG1"), os.path.join(cfg, "SOFTWARE.LOG2")
    with open(log1, "rb") as f:
        good = f.read()
    # a link leading out of the root is refused by name, never read
    outside = os.path.join(work, name + "-outside.LOG1")
    shutil.copyfile(log1, outside)
    os.unlink(log1)
    os.symlink(outside, log1)
    d, h = audit(kb, tree, [], None)
    assert "SOFTWARE.LOG1:" in h["logs_detail"] and "outside the root" in h["logs_detail"], h
    assert "from SOFTWARE.LOG1" not in h["logs_detail"], h
    os.unlink(log1)
    os.unlink(outside)
    with open(log1, "wb") as f:
        f.write(good)
    os.unlink(log1)
    os.mkdir(log1)
    if os.path.exists(log2):
        os.unlink(log2)
    os.mkfifo(log2)
    d, h = audit(kb, tree, [], 1)
    assert h["logs"] == "dirty-log-rejected", h
    assert "SOFTWARE.LOG1:" in h["logs_detail"] and "SOFTWARE.LOG2:" in h["logs_detail"], h
    os.rmdir(log1)
    os.unlink(log2)
    with open(log1, "wb") as f:
        f.write(good[:700])                     # cut inside the first page (or entry)
    d, h = audit(kb, tree, [], 1)
    assert h["logs"] == "dirty-log-rejected", h
    if good[512:516] == b"HvLE":
        # new format: the pages are covered by the entry's Marvin32 hash
        with open(log1, "wb") as f:
            f.write(good[:-1] + bytes([good[-1] ^ 1]))
        d, h = audit(kb, tree, [], 1)
        assert h["logs"] == "dirty-log-rejected" and "hash mismatch" in h["logs_detail"], h
    else:
        # old format: the pages carry no checksum (the format has none); a flipped byte in
        # the base block part is caught by its checksum
        with open(log1, "wb") as f:
            f.write(good[:40] + bytes([good[40] ^ 1]) + good[41:])
        d, h = audit(kb, tree, [], 1)
        assert h["logs"] == "dirty-log-rejected" and "checksum" in h["logs_detail"], h
    shutil.rmtree(tree)
    print("ok   %s" % name)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    kb, work = argv[1], argv[2]
    os.makedirs(work, exist_ok=True)
    for t in argv[3:]:
        check_tree(kb, work, t)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
