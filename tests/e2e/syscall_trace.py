"""Runs a command under strace and reports every attempt it made to change a path under given
trees: an open for writing (successful or not) or any call that modifies a file or folder.
Used by readonly_hash.py; self_test() proves the checker reports what it must.

strace -f follows every process and thread; -y prints the path behind each descriptor (and,
for AT_FDCWD, the current folder), so that openat(dirfd, "name") and fd-based calls
(ftruncate, fchmod, write...) are resolved to the file they touch.
"""
import codecs
import os
import re
import subprocess
import sys
import tempfile

# Calls that take a path or a descriptor and change something. '?' lets strace ignore a name
# the architecture lacks (no open(2) on arm64, for instance).
OPENS = ("open", "openat", "openat2", "creat")
CHANGES = ("truncate", "ftruncate", "fallocate", "rename", "renameat", "renameat2", "unlink",
           "unlinkat", "rmdir", "mkdir", "mkdirat", "link", "linkat", "symlink", "symlinkat",
           "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "utime", "utimes",
           "futimesat", "utimensat", "mknod", "mknodat", "setxattr", "lsetxattr", "fsetxattr",
           "removexattr", "lremovexattr", "fremovexattr")
WRITES = ("write", "pwrite64", "writev", "pwritev", "pwritev2", "copy_file_range", "sendfile", "splice")
CWD = ("chdir", "fchdir")
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE")

CALL = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(\w+)\((.*)$")
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
FD = re.compile(r"(?:^|[ (,])(?:\d+|AT_FDCWD)<((?:[^>\\]|\\.)*)>")


def _unescape(text):
    return codecs.escape_decode(text.encode("utf-8", "surrogateescape"))[0].decode("utf-8", "surrogateescape")


def _args(rest):
    """The argument text of one strace line: before ') = result' or ' <unfinished ...>'."""
    for end in (" <unfinished ...>", ") = ", ") ="):
        i = rest.rfind(end)
        if i >= 0:
            return rest[:i]
    return rest


def _targets(name, args, cwd):
    """The paths a call names: strings resolved against the descriptor just before them (the
    *at calls; for AT_FDCWD strace prints the current folder) or the current folder, and
    descriptors that stand alone (fchmod, ftruncate...). write(2)'s data is not a path."""
    if name in WRITES:
        m = FD.search(args)
        return [_unescape(m.group(1))] if m else []
    found, base, pending = [], cwd, None
    pos = 0
    while True:
        fd, st = FD.search(args, pos), STRING.search(args, pos)
        if fd is not None and (st is None or fd.start() < st.start()):
            if pending is not None:
                found.append(pending)
            pending = base = _unescape(fd.group(1))
            pos = fd.end()
        elif st is not None:
            found.append(os.path.normpath(os.path.join(base, _unescape(st.group(1)))))
            pending, pos = None, st.end()
        else:
            return found + ([pending] if pending is not None else [])


def _under(path, trees):
    for cand in {os.path.normpath(path), os.path.realpath(path)}:
        for t in trees:
            if cand == t or cand.startswith(t + os.sep):
                return True
    return False


def changes(log, trees, cwd):
    """Every line of an strace log that opened for writing or changed a path under a tree."""
    roots = {os.path.abspath(t) for t in trees} | {os.path.realpath(t) for t in trees}
    found = []
    for line in log.splitlines():
        m = CALL.match(line)
        if m is None:
            continue          # resumed halves, signals, exits
        name, args = m.group(2), _args(m.group(3))
        if name in CWD:
            paths = _targets(name, args, cwd)
            cwd = paths[-1] if paths else cwd
            continue
        if name in OPENS:
            if name != "creat" and not any(f in args for f in WRITE_FLAGS):
                continue
        elif name not in CHANGES and name not in WRITES:
            continue
        hit = [p for p in _targets(name, args, cwd) if _under(p, roots)]
        if hit:
            found.append("%s on %s: %s" % (name, hit[0], line.strip()[:300]))
    return found


def run(strace, cmd, trees, cwd=None):
    """Runs cmd under strace; returns (CompletedProcess, the changes attempted under trees).
    strace exits with the traced command's code. The log is written outside the trees."""
    cwd = cwd or os.getcwd()
    calls = ",".join("?" + c for c in OPENS + CHANGES + WRITES + CWD)
    # LeakSanitizer stops the world with ptrace, which fails in a process strace already
    # traces (the sanitizer build's runs would all die): leaks are not looked for here; every
    # other test of the sanitizer build and the valgrind preset look for them.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        r = subprocess.run([strace, "-f", "-qq", "-y", "-s", "16", "-o", log.name, "-e", "trace=" + calls,
                            "--"] + cmd, capture_output=True, text=True, cwd=cwd, env=env)
        text = log.read()
    if not text and r.returncode != 0:
        raise RuntimeError("strace did not run: %s" % r.stderr.strip()[:300])
    return r, changes(text, trees, cwd)


# Each program does exactly one forbidden thing to the scratch tree (made fresh each time),
# through the call named; the last only reads and must not be reported.
SELF_TESTS = (
    ("open O_RDWR, nothing written", "os.close(os.open('f', os.O_RDWR))", True),
    ("openat(dirfd, O_WRONLY)", "d = os.open('sub', os.O_RDONLY); os.close(os.open('g', os.O_WRONLY, dir_fd=d))", True),
    ("open O_CREAT of a new file", "os.close(os.open('new', os.O_RDONLY | os.O_CREAT, 0o600))", True),
    ("open O_APPEND", "os.close(os.open('f', os.O_RDONLY | os.O_APPEND))", True),
    ("fchmod through a read-only descriptor", "fd = os.open('f', os.O_RDONLY); os.fchmod(fd, 0o600)", True),
    ("utime, content unchanged", "os.utime('f', (0, 0))", True),
    ("rename and rename back", "os.rename('f', 'f2'); os.rename('f2', 'f')", True),
    ("mkdir and rmdir", "os.mkdir('d'); os.rmdir('d')", True),
    ("write-open after chdir, relative path", "os.chdir('sub'); os.close(os.open('g', os.O_WRONLY))", True),
    ("a child process that writes", "import subprocess; subprocess.run(['sh', '-c', ': >> f'])", True),
    ("read only (must pass)", "fd = os.open('f', os.O_RDONLY); os.read(fd, 10); os.close(fd); os.listdir('sub')", False),
)


def self_test(strace, scratch):
    ok = True
    for what, code, must_report in SELF_TESTS:
        tree = os.path.join(scratch, "tree")
        subprocess.run(["rm", "-rf", tree], check=True)
        os.makedirs(os.path.join(tree, "sub"))
        for p in ("f", "sub/g"):
            with open(os.path.join(tree, p), "w") as f:
                f.write("evidence\n")
        prog = "import os; os.chdir(%r); %s" % (tree, code)
        r, found = run(strace, [sys.executable, "-c", prog], [tree], cwd=scratch)
        if r.returncode != 0:
            print("self-test %s: the program failed: %s" % (what, r.stderr.strip()[-300:]))
            ok = False
        elif bool(found) != must_report:
            print("self-test FAIL %s: %s" % (what, found or "not reported"))
            ok = False
        else:
            print("self-test ok: %s: %s" % (what, found[0] if found else "nothing reported"))
    return ok
