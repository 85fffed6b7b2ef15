#!/usr/bin/env python3
"""fleet -- `kbaudit audit` over many targets in one run (docs/kbaudit.1, "SEVERAL TARGETS"):

- 200 targets (the built scenario trees with an expect-audit.json, repeated; hive-file
  groups and --targets lines of every syntax among them) in one run: every target reported,
  in the order given, each with the exit code its expect-audit.json states; the run exits
  with the highest of them; a broken target does not stop the others;
- `-j 2` output byte-identical to `-j 1`, in every format;
- --format jsonl: one line per target, each a JSON document with its target; junit: one
  testsuite per target, well-formed (xmllint); json: an array; text: a line per target,
  the reports of the not-compliant ones, a totals line;
- exit-code aggregation over chosen mixes (0, 1, 3, 4);
- memory stays bounded: the peak RSS of 200 targets is close to that of 50;
- progress on a terminal only; usage errors of the new options.

usage: fleet.py KBAUDIT SCENARIO_SRC BUILT_DIR WORK
"""
import json
import os
import re
import pty
import shutil
import subprocess
import sys
import time

kbaudit, src, built, work = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checklist import check, finish  # noqa: E402


def run(*args, stdin=None):
    return subprocess.run([kbaudit, "audit", *args], capture_output=True, text=True, input=stdin)


def root_of(name):
    """The built tree's root (a scenario may put it in a subfolder)."""
    try:
        with open(os.path.join(built, name, ".mkscenario.json")) as f:
            sub = json.load(f).get("root", ".")
    except OSError:
        sub = "."
    return os.path.normpath(os.path.join(built, name, sub))


# --- the scenarios and what each must give ---------------------------------------------
scenarios = []   # (name, root, exit code, verdict or None)
for name in sorted(os.listdir(src)):
    exp = os.path.join(src, name, "expect-audit.json")
    if not os.path.isfile(exp):
        continue
    with open(exp) as f:
        e = json.load(f)
    scenarios.append((name, root_of(name), e["exit_code"], e.get("verdict")))
codes = {s[2] for s in scenarios}
check({0, 1, 3, 4} <= codes, f"the scenarios cover exit codes 0, 1, 3 and 4 (have {sorted(codes)})")

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

# 200 targets: the scenarios repeated; every fifth written another way in the targets file
# (a "--root" line, a quoted path, a path relative to the file), and one hive-file group
targets = []     # (line in the targets file, label kbaudit reports, exit code)
rel = os.path.relpath(built, work)
for i in range(200):
    name, root, code, _ = scenarios[i % len(scenarios)]
    style = i % 5
    if style == 1:
        targets.append((f"--root {root}", root, code))
    elif style == 2:
        targets.append((f'--root "{root}"', root, code))
    elif style == 3:
        relroot = os.path.join(rel, os.path.relpath(root, built))
        targets.append((relroot, os.path.join(work, relroot), code))
    else:
        targets.append((root, root, code))
hives = os.path.join(root_of("x64-6003-current"), "Windows", "System32", "config")
targets[7] = (f"--software {hives}/SOFTWARE --system {hives}/SYSTEM", f"{hives}/SOFTWARE", 1)  # inconclusive
listing = os.path.join(work, "targets.txt")
with open(listing, "w") as f:
    f.write("# the fleet\n\n")
    for line, _, _ in targets:
        f.write(f"  {line}\r\n" if len(line) % 2 else f"{line}\n")
        f.write("# a comment between targets\n")
want_rc = max(t[2] for t in targets)


def timed(args, out_path, env=None):
    """Runs kbaudit audit ARGS with standard output to OUT_PATH: (exit code, seconds, peak RSS KiB)."""
    with open(out_path, "wb") as out:
        start = time.monotonic()
        p = subprocess.Popen([kbaudit, "audit", *args], stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        return p.returncode, time.monotonic() - start, usage.ru_maxrss


outputs = {}
for fmt in ("jsonl", "junit", "json", "text"):
    for jobs in ("1", "2"):
        path = os.path.join(work, f"out-{fmt}-{jobs}")
        rc, secs, rss = timed(["--targets", listing, "--format", fmt, "-j", jobs, "--no-color"], path)
        check(rc == want_rc, f"--format {fmt} -j {jobs}: exit {rc}, expected {want_rc} (the highest)")
        with open(path, "rb") as f:
            outputs[fmt, jobs] = f.read()
        if fmt == "jsonl":
            print(f"200 targets, -j {jobs}: {secs:.2f} s, peak RSS {rss} KiB")
    check(outputs[fmt, "1"] == outputs[fmt, "2"], f"--format {fmt}: -j 2 output differs from -j 1")

# jsonl: one document per line, in order, each the target's own
lines = outputs["jsonl", "1"].decode().split("\n")
check(lines[-1] == "" and len(lines) == 201, f"jsonl: 200 lines ending in a newline (got {len(lines) - 1})")
for i, (line, (_, label, code)) in enumerate(zip(lines, targets)):
    try:
        doc = json.loads(line)
    except ValueError as e:
        check(False, f"jsonl line {i + 1} is not JSON: {e}")
        continue
    check(doc.get("target") == label, f"jsonl line {i + 1}: target {doc.get('target')!r}, expected {label!r}")
    check(doc.get("exit_code") == code, f"jsonl line {i + 1} ({label}): exit_code {doc.get('exit_code')}, expected {code}")
    if code == 3:
        check(doc.get("verdict") == "inconclusive" and doc.get("errors"),
              f"jsonl line {i + 1}: an unreadable target has verdict inconclusive and errors")

# json: the same documents as an array
try:
    arr = json.loads(outputs["json", "1"])
    check([d.get("target") for d in arr] == [t[1] for t in targets], "json: an array of the targets in order")
    check([json.dumps(d, sort_keys=True) for d in arr] ==
          [json.dumps(json.loads(l), sort_keys=True) for l in lines[:-1]], "json and jsonl hold the same documents")
except ValueError as e:
    check(False, f"--format json with several targets does not parse: {e}")

# junit: well-formed, one testsuite per target in order, errors for the unreadable ones
xml = os.path.join(work, "out-junit-1")
r = subprocess.run(["xmllint", "--noout", xml], capture_output=True, text=True)
check(r.returncode == 0, f"junit: xmllint: {r.stderr[:300]}")
r = subprocess.run(["xmllint", "--xpath", "count(/testsuites/testsuite)", xml], capture_output=True, text=True)
check(r.stdout.strip() == "200", f"junit: 200 testsuites (got {r.stdout.strip()!r})")
r = subprocess.run(["xmllint", "--xpath", "count(/testsuites/testsuite[testcase/error])", xml],
                   capture_output=True, text=True)
n3 = sum(1 for t in targets if t[2] == 3)
check(r.stdout.strip() == str(n3), f"junit: {n3} testsuites with an error (got {r.stdout.strip()!r})")
r = subprocess.run(["xmllint", "--xpath", "/testsuites/testsuite[9]/properties/property[@name='target']/@value", xml],
                   capture_output=True, text=True)
check(targets[8][1] in r.stdout, f"junit: the 9th testsuite is the 9th target ({r.stdout.strip()!r})")

# text: a line per target in order, then the reports, then the totals
text = outputs["text", "1"].decode().split("\n")
text += [""] * (202 - len(text))   # a short output fails the checks below, not the script
for i, (_, label, code) in enumerate(targets):
    check(text[i].startswith(label + ": "), f"text line {i + 1}: {text[i][:120]!r} does not start with {label!r}")
    if code == 3:
        check(": ERROR: evidence unreadable: " in text[i], f"text line {i + 1}: an unreadable target says so")
n1 = sum(1 for l in text[:200] if ": NOT COMPLIANT: " in l)
check(sum(1 for l in text if l.startswith("NOT COMPLIANT: ")) == n1,
      f"text: the report of each of the {n1} not-compliant targets follows the table")
check(text[-2].startswith("200 targets: ") and text[-2].endswith(f"; exit {want_rc}"), f"text totals: {text[-2]!r}")

# --- memory: 200 targets need about what 50 need (few are held at once) -----------------
rss = {}
# under AddressSanitizer freed memory sits in a quarantine (256 MB) instead of being reused,
# which would measure the sanitizer; without it the option is ignored
env = dict(os.environ)
env["ASAN_OPTIONS"] = ":".join(o for o in (env.get("ASAN_OPTIONS"), "quarantine_size_mb=0") if o)
for n in (50, 200):
    part = os.path.join(work, f"targets-{n}.txt")
    with open(part, "w") as f:
        f.write("\n".join(t[0] for t in targets[:n] if not t[0].startswith("--")) + "\n")
    _, _, rss[n] = timed(["--targets", part, "--format", "jsonl", "-j", "2"], os.path.join(work, "rss.out"), env)
print(f"peak RSS: 50 targets {rss[50]} KiB, 200 targets {rss[200]} KiB")
check(rss[200] < rss[50] * 1.25 + 4096, f"peak RSS grows with the targets: 50 -> {rss[50]} KiB, 200 -> {rss[200]} KiB")

# --- exit code: the highest of the targets' ----------------------------------------------
by_code = {}
for name, root, code, _ in scenarios:
    by_code.setdefault(code, root)
for mix in ((0,), (0, 1), (1, 0), (0, 3), (3, 1), (1, 3, 4), (4, 0), (0, 0)):
    args = [a for c in mix for a in ("--root", by_code[c])]
    r = run(*args, "--format", "jsonl")
    check(r.returncode == max(mix), f"targets with exit codes {mix}: exit {r.returncode}, expected {max(mix)}")
    check(len(r.stdout.splitlines()) == len(mix), f"targets {mix}: one line each")
    # standard error: one line per unreadable target, naming it; nothing else
    errs = r.stderr.splitlines()
    check(len(errs) == mix.count(3) and all(by_code[3] in l for l in errs), f"targets {mix}: stderr {r.stderr!r}")

# one target with --format jsonl: one line; --targets from standard input
r = run("--root", by_code[0], "--format", "jsonl")
check(r.returncode == 0 and len(r.stdout.splitlines()) == 1 and json.loads(r.stdout)["target"] == by_code[0],
      f"one target, jsonl: {r.returncode} {r.stdout[:100]!r}")
r = run("--targets", "-", "--format", "jsonl", "-j", "2", stdin=f"{by_code[1]}\n# x\n--root {by_code[0]}\n")
check(r.returncode == 1 and [json.loads(l)["exit_code"] for l in r.stdout.splitlines()] == [1, 0],
      f"--targets - (standard input): {r.returncode} {r.stdout[:100]!r}")

# --systeminfo: a target kind of its own. Text that is not systeminfo output is unreadable
# (exit 3, said so, and a document); real systeminfo text is audited beside the trees.
sysinfo = os.path.join(work, "systeminfo.txt")
with open(sysinfo, "w") as f:
    f.write("Host Name: X\n")
r = run("--systeminfo", sysinfo, "--format", "json")
check(r.returncode == 3 and sysinfo in r.stderr and json.loads(r.stdout)["exit_code"] == 3,
      f"--systeminfo that is not systeminfo output: {r.returncode} {r.stderr!r}")
r = run("--root", by_code[0], "--systeminfo", sysinfo, "--qfe", sysinfo, "--format", "jsonl")
check(r.returncode == 3 and len(r.stdout.splitlines()) == 2, f"--root with --systeminfo --qfe: {r.returncode}")
texts = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "sysinfo")
missing = os.path.join(texts, "en-6002-missing-rollup.txt")
listed = os.path.join(texts, "en-6003-all.txt")
r = run("--root", by_code[0], "--systeminfo", missing, "--systeminfo", listed, "--format", "jsonl", "-j", "2")
docs = [json.loads(l) for l in r.stdout.splitlines()]
check(r.returncode == 1 and [d["verdict"] for d in docs] == ["compliant", "not-compliant", "inconclusive"]
      and [d["evidence"]["kind"] for d in docs][1:] == ["package-list", "package-list"],
      f"--root and two systeminfo targets: {r.returncode} {[(d['verdict'], d['evidence']) for d in docs]}")

# --- the exit-3 document (docs/json-output.md "When the evidence is unreadable"; review R6) ---
# a tree whose SOFTWARE hive cannot be opened: one error, about that hive (the tree open stops
# there, SYSTEM is not examined), its file the hive, the decimal offset the message names
both = os.path.join(work, "both-corrupt")
shutil.rmtree(both, ignore_errors=True)
shutil.copytree(root_of("x64-corrupt-system"), both, symlinks=True)
hive = os.path.join(both, "Windows", "System32", "config", "SOFTWARE")
shutil.copy(os.path.join(root_of("corrupt-software"), "Windows", "System32", "config", "SOFTWARE"), hive)
r = run("--root", both, "--format", "json")
d = json.loads(r.stdout) if r.stdout.startswith("{") else {}
errs = d.get("errors", [])
check(r.returncode == 3 and len(errs) == 1 and errs[0]["file"] == os.path.realpath(hive) and errs[0]["offset"] == 0
      and "hives" not in d and "host" not in d, f"tree with a corrupt SOFTWARE and SYSTEM: {r.returncode} {d}")
# a tree without a Windows folder: the file is the root the message names
r = run("--root", root_of("missing-software"), "--format", "json")
errs = json.loads(r.stdout)["errors"] if r.stdout.startswith("{") else []
check(r.returncode == 3 and [e["file"] for e in errs] == [os.path.realpath(root_of("missing-software"))],
      f"tree without SOFTWARE: file {[e['file'] for e in errs]}")
# systeminfo text: "line 2 (offset 24)" gives offset 24
nul = os.path.join(work, "nul-systeminfo.txt")
with open(nul, "wb") as f:
    f.write(b"Host Name: A\r\nOS Name: x\0\r\n")
r = run("--systeminfo", nul, "--format", "json")
errs = json.loads(r.stdout)["errors"] if r.stdout.startswith("{") else []
check(r.returncode == 3 and [(e["file"], e["offset"]) for e in errs] == [(nul, 24)] and "(offset 24)" in r.stderr,
      f"systeminfo NUL: {r.returncode} {errs}")

def read_pty(master, slave):
    """Everything the finished child wrote to the pseudo-terminal."""
    os.close(slave)
    seen = b""
    try:
        while True:
            chunk = os.read(master, 4096)
            if not chunk:
                break
            seen += chunk
    except OSError:   # EIO once the child's side is closed
        pass
    os.close(master)
    return seen


# --- progress: on a terminal, "n of N done"; nothing on standard error otherwise ------------
few = os.path.join(work, "targets-ok.txt")
with open(few, "w") as f:
    f.write("\n".join([by_code[0]] * 6) + "\n")
r = run("--targets", few, "--format", "jsonl")
check(r.returncode == 0 and r.stderr == "", f"no terminal: nothing on standard error ({r.stderr!r})")


def open_pty():
    """A pseudo-terminal, or None where the machine cannot make one (a chroot without
    /dev/pts, as fresh-machine.sh's): the terminal checks are then skipped, said so."""
    try:
        return pty.openpty()
    except OSError as e:
        print(f"SKIP the progress checks on a terminal: this machine cannot make a pseudo-terminal ({e})")
        return None


terminal = open_pty()
if terminal:
    master, slave = terminal
    p = subprocess.run([kbaudit, "audit", "--targets", few, "--format", "jsonl"], stdout=subprocess.DEVNULL,
                       stderr=slave)
    seen = read_pty(master, slave)
    check(p.returncode == 0 and b"6 of 6 done" in seen and b"\r" in seen
          and b"0 of 6 done; waiting for " + by_code[0].encode()[:40] in seen, f"progress on a terminal: {seen[:200]!r}")
    # standard output on the same terminal: the progress line is cleared before each report line,
    # never glued to it ("1 of 6: hostAhostB: NOT COMPLIANT" was)
    master, slave = pty.openpty()
    p = subprocess.run([kbaudit, "audit", "--targets", few, "-q"], stdout=slave, stderr=slave)
    seen = read_pty(master, slave)
    segments = seen.split(b"\r\x1b[K")
    glued = [g for g in segments if re.match(rb"\d+ of \d+", g) and b"\n" in g]
    check(p.returncode == 0 and len(segments) > 6 and not glued and seen.count(b"COMPLIANT") >= 6,
          f"progress and output on one terminal: {glued[:2]!r} {seen[:300]!r}")

# --- usage errors (exit 2, nothing on standard output) ------------------------------------
bad = os.path.join(work, "bad-targets.txt")
for content, what in (("--root\n", "needs a path"), ("--bogus x\n", "not a target option"),
                      ("--system x\n", "on the same line"), ('--root "x\n', "quote"),
                      ("# nothing\n", "names no target"), ("a\0b\n", "NUL"), ("x" * 9000 + "\n", "longer"),
                      ("--live\n", "--live cannot be in a targets file")):
    with open(bad, "w") as f:
        f.write(content)
    r = run("--targets", bad)
    check(r.returncode == 2 and what in r.stderr and r.stdout == "", f"targets file {content[:20]!r}: {r.returncode} {r.stderr!r}")
    if what not in ("names no target",):
        check(f"{bad}:1" in r.stderr, f"targets file {content[:20]!r}: the message names file and line: {r.stderr!r}")
for args, what in ((["--root", by_code[0], "--root", by_code[1], "--updates", work], "one target"),
                   (["--targets", os.path.join(work, "missing.txt")], "missing.txt"),
                   (["--root", by_code[0], "-j", "0"], "-j"), (["--root", by_code[0], "-j", "x"], "-j"),
                   (["--qfe", sysinfo], "--qfe needs --systeminfo"),
                   (["--software", "a", "--root", by_code[0], "--system", "b"], "--system"),
                   (["--live", "--root", by_code[0]], "cannot be combined"),
                   (["--live", "--format", "jsonl"], "kbaudit.exe"),
                   (["--root", by_code[0], "--root", work, "-o", os.path.join(work, "x.json")], "read-only")):
    r = run(*args)
    check(r.returncode == 2 and what in r.stderr and r.stdout == "", f"audit {args}: {r.returncode} {r.stderr!r}")

# --- the --targets file is the run's input: -o onto it is refused ------------------------
tf = os.path.join(work, "targets-self.txt")
with open(tf, "w") as f:
    f.write(by_code[0] + "\n")
for out in (tf, os.path.join(work, ".", "targets-self.txt")):
    r = run("--targets", tf, "-o", out)
    with open(tf) as f:
        kept = f.read() == by_code[0] + "\n"
    check(r.returncode == 2 and "read-only" in r.stderr and kept,
          f"-o onto the --targets file: {r.returncode} {r.stderr!r}, file {'kept' if kept else 'OVERWRITTEN'}")
r = run("--targets", "-", "--targets", "-", stdin=by_code[0] + "\n")
check(r.returncode == 2 and "twice" in r.stderr and r.stdout == "", f"--targets - twice: {r.returncode} {r.stderr!r}")

# --- quoted bare paths, folders named like options or comments, BOMs -----------------------
odd = os.path.join(work, "odd")
shutil.rmtree(odd, ignore_errors=True)
os.makedirs(odd)
for name in ("host 1", "--x", "#x"):
    shutil.copytree(by_code[0], os.path.join(odd, name), symlinks=True)
listing = os.path.join(odd, "list.txt")
for content, n in (('"host 1"\n', 1), ('  "host 1"  \n"--x"\n"#x"\n', 3), ("./--x\n./#x\n--root \"--x\"\n", 3),
                   ('--root "host 1"\n', 1)):
    with open(listing, "w") as f:
        f.write(content)
    r = run("--targets", listing, "--format", "jsonl")
    docs = [json.loads(l) for l in r.stdout.splitlines()] if r.returncode == 0 else []
    check(r.returncode == 0 and len(docs) == n and all(d["verdict"] == "compliant" for d in docs),
          f"targets file {content!r}: exit {r.returncode}, {len(docs)} documents: {r.stderr[:200]!r}")
for content, what in (('"host 1" x\n', "alone on its line"), ('"host 1\n', "quote")):
    with open(listing, "w") as f:
        f.write(content)
    r = run("--targets", listing)
    check(r.returncode == 2 and what in r.stderr and f"{listing}:1" in r.stderr, f"targets file {content!r}: {r.returncode} {r.stderr!r}")
# a UTF-8 BOM (Notepad, PowerShell `Out-File -Encoding utf8`) is skipped, CRLF too; UTF-16
# (PowerShell 5's `>`) is refused naming the file rather than read as bogus targets
for data, code in ((b"\xef\xbb\xbf# fleet list\r\n" + by_code[0].encode() + b"\r\n", 0),
                   (b"\xef\xbb\xbf" + by_code[0].encode() + b"\r\n", 0),
                   ("# fleet\r\n{}\r\n".format(by_code[0]).encode("utf-16"), 2),
                   ("{}\r\n".format(by_code[0]).encode("utf-16-be"), 2),
                   (b"\xef\xbb" + by_code[0].encode() + b"\n", 2)):
    with open(listing, "wb") as f:
        f.write(data)
    r = run("--targets", listing, "-q")
    check(r.returncode == code and (code == 0 or listing in r.stderr), f"targets file {data[:12]!r}: {r.returncode} {r.stderr!r}")
    if data[:2] == b"\xff\xfe":
        check("UTF-16" in r.stderr, f"a UTF-16 targets file is named as such: {r.stderr!r}")

finish()
