#!/usr/bin/python3
"""run.py -- time a full .reg export of two hives by kbaudit and by its peers.

Usage: /usr/bin/python3 bench/run.py [--kbaudit PATH] [--quick] [--runs N]
                                     [--peer-runs N] [--timeout S] [--no-peers]

Hives:
  big     bench/out/software-<scale>.hive, made by bench/gen_software_hive.py when missing
          (scale 1.0: ~166 MiB, 517,000 keys, 1,050,000 values; --quick: scale 0.1)
  system  ../shared/corpus/hives/win7sp1-x86__SYSTEM (11 MiB), skipped when absent

Commands (stdout to /dev/null, stderr to bench/out/stderr-<hive>-<command>.txt):
  kbaudit      kbaudit reg export -q HIVE
  hivexregedit hivexregedit --export HIVE '\\'     (Debian libwin-hivex-perl)
  reglookup    reglookup HIVE                      (Debian reglookup)
  pyregf       bench/pyregf_walk.py HIVE           (Debian python3-libregf)
  cat          cat HIVE                            (the floor: reading the file once)

Each command runs several times, the commands taking turns so that a change in machine
load hits all of them alike. Wall time is measured around posix_spawn + wait4, and the
child's peak RSS comes from wait4's rusage. A child whose peak RSS is below the harness's own
(~13 MiB) shows as "<= harness" (Linux carries the parent's high-water mark into a vfork'ed
child that execs). The table shows medians and the goals:
  speed   the fastest peer's median / kbaudit's median >= 5
  floor   kbaudit's median / cat's median <= 10
  memory  kbaudit's peak RSS <= hive size + 64 MiB
The exit status is 0 when every goal passes, 1 when one fails, 2 on a usage or setup error.

Standard library only; run it with Debian's /usr/bin/python3 (the pyregf peer needs
Debian's python3-libregf).
"""

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")
SYSTEM_HIVE = os.path.join(ROOT, "..", "shared", "corpus", "hives", "win7sp1-x86__SYSTEM")
DEBIAN_PYTHON = "/usr/bin/python3"

SPEED_GOAL = 5.0        # fastest peer / kbaudit
FLOOR_GOAL = 10.0       # kbaudit / cat
MEMORY_SLACK = 64 << 20  # bytes allowed above the hive's size

MiB = 1 << 20


class Command:
    def __init__(self, name, argv, runs, is_peer, package=None, ok_codes=(0,)):
        self.name = name
        self.ok_codes = ok_codes  # exit statuses of a successful run
        self.argv = argv
        self.runs = runs          # runs wanted
        self.is_peer = is_peer
        self.package = package
        self.times = []           # wall seconds of successful runs
        self.rss = []             # peak RSS in bytes
        self.failure = None       # text when a run failed or timed out
        self.note = None          # e.g. why it ran fewer times

    def median(self):
        return statistics.median(self.times) if self.times else None


def spawn_and_wait(argv, stderr_path, timeout, ok_codes=(0,)):
    """Runs argv with stdout on /dev/null; returns (seconds, peak RSS bytes, status text or None:
    None when it exited with one of ok_codes)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    timed_out = []
    # Linux carries the parent's peak RSS into a vfork'ed child that execs (exec records the
    # old mm's high-water mark), so a child smaller than this harness reads as the harness.
    harness = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)

    def kill():
        timed_out.append(True)
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if timer:
        timer.cancel()
    rss = usage.ru_maxrss * 1024  # KiB on Linux
    if rss <= harness:
        rss = -harness  # unknown, at most the harness's own peak
    if timed_out:
        return elapsed, rss, "timed out after %.0f s" % timeout
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        return elapsed, rss, "exit status %d (see %s)" % (code, stderr_path)
    return elapsed, rss, None


def load_text():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def machine_text():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / (1 << 20))
                    break
    except OSError:
        pass
    return "%s, %d CPUs, %s RAM, Linux %s" % (cpu, os.cpu_count() or 0, mem, platform.release())


def package_version(pkg):
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip() if r.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def have_pyregf():
    try:
        r = subprocess.run([DEBIAN_PYTHON, "-c", "import pyregf"], capture_output=True, timeout=30)
        return r.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def make_commands(kbaudit, hive, args):
    kb_runs, peer_runs = args.runs, args.peer_runs
    cmds = [Command("kbaudit", [kbaudit, "reg", "export", "-q", hive], kb_runs, False)]
    peers = []
    if args.no_peers:
        pass
    else:
        hx = shutil.which("hivexregedit")
        rl = shutil.which("reglookup")
        if hx:
            peers.append(Command("hivexregedit", [hx, "--export", hive, "\\"], peer_runs, True,
                                 "libwin-hivex-perl"))
        else:
            print("  hivexregedit not found (apt-get install libwin-hivex-perl): skipped")
        if rl:
            peers.append(Command("reglookup", [rl, hive], peer_runs, True, "reglookup"))
        else:
            print("  reglookup not found (apt-get install reglookup): skipped")
        if os.path.exists(DEBIAN_PYTHON) and have_pyregf():
            peers.append(Command("pyregf", [DEBIAN_PYTHON, os.path.join(BENCH, "pyregf_walk.py"), hive],
                                 peer_runs, True, "python3-libregf"))
        else:
            print("  python3-libregf not importable by %s (apt-get install python3-libregf): skipped"
                  % DEBIAN_PYTHON)
    cat = Command("cat", [shutil.which("cat") or "/bin/cat", hive], kb_runs, False)
    return cmds + peers + [cat]


def bench_hive(label, hive, kbaudit, args):
    size = os.path.getsize(hive)
    print("\n== %s: %s (%.1f MiB) ==" % (label, os.path.relpath(hive), size / MiB))
    cmds = make_commands(kbaudit, hive, args)
    time_commands(label, cmds, args)
    return report(label, hive, size, cmds)


def time_commands(label, cmds, args):
    """Warms up, then runs the commands in turns (args.timeout, args.slow); fills each
    Command's times, rss, failure and note; prints the load averages."""
    load_before = load_text()
    # warm the page cache and check that every command works before timing anything
    for c in cmds:
        err = os.path.join(OUT, "stderr-%s-%s.txt" % (label, c.name))
        t, rss, fail = spawn_and_wait(c.argv, err, args.timeout, c.ok_codes)
        if fail:
            c.failure = fail
            print("  %-12s warm-up run failed: %s" % (c.name, fail))
        elif c.is_peer and args.slow > 0 and t > args.slow and c.runs > 1:
            c.runs = 1
            c.note = "1 run: the warm-up took %.0f s (> --slow %.0f s)" % (t, args.slow)
        # the warm-up run of a slow peer counts: it is a complete, warm-enough run
        if not fail and c.is_peer and c.runs == 1:
            c.times.append(t)
            c.rss.append(rss)
    rounds = max(c.runs for c in cmds)
    for i in range(rounds):
        for c in cmds:
            if c.failure or len(c.times) >= c.runs:
                continue
            err = os.path.join(OUT, "stderr-%s-%s.txt" % (label, c.name))
            t, rss, fail = spawn_and_wait(c.argv, err, args.timeout, c.ok_codes)
            if fail:
                c.failure = fail
                continue
            c.times.append(t)
            c.rss.append(rss)
        if sys.stderr.isatty():
            sys.stderr.write("\r  round %d/%d " % (i + 1, rounds))
            sys.stderr.flush()
    if sys.stderr.isatty():
        sys.stderr.write("\r")
    print("  load average before %s, after %s" % (load_before, load_text()))


def fmt_ms(t):
    ms = t * 1000
    return "%.1f" % ms if ms < 100 else "%.0f" % ms


def fmt_rss(values):
    """Largest peak RSS in MiB; "<= X" when a run only showed the harness's own peak."""
    known = [v for v in values if v > 0]
    if known:
        return "%.1f" % (max(known) / MiB)
    return "<= %.1f" % (max(-v for v in values) / MiB)


def print_table(cmds, ref_name, ratio):
    """The table of medians, min, max and peak RSS; ratio(c) is the last column's text."""
    print()
    print("| command | runs | median ms | min ms | max ms | peak RSS MiB | vs %s |" % ref_name)
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in cmds:
        if not c.times:
            print("| %s | 0 | %s | | | | |" % (c.name, c.failure or "not run"))
            continue
        print("| %s | %d | %s | %s | %s | %s | %s |" % (
            c.name, len(c.times), fmt_ms(c.median()), fmt_ms(min(c.times)), fmt_ms(max(c.times)),
            fmt_rss(c.rss), ratio(c)))
    for c in cmds:
        if c.note:
            print("  note: %s: %s" % (c.name, c.note))
        if c.failure and c.times:
            print("  note: %s: a later run failed: %s" % (c.name, c.failure))


def report(label, hive, size, cmds):
    kb = cmds[0]
    cat = cmds[-1]
    kb_med = kb.median()

    def ratio(c):
        med = c.median()
        if c is kb:
            return "1"
        if kb_med:
            return "%.1f× slower" % (med / kb_med) if med >= kb_med else "%.1f× faster" % (kb_med / med)
        return ""
    print_table(cmds, "kbaudit", ratio)
    results = []
    if not kb_med:
        print("  FAIL kbaudit did not run: %s" % kb.failure)
        return [("kbaudit runs", False)]
    peers = [c for c in cmds if c.is_peer]
    timed = [c for c in peers if c.times]
    if timed:
        fastest = min(timed, key=lambda c: c.median())
        speed = fastest.median() / kb_med
        ok = speed >= SPEED_GOAL
        print("  %s speed:  fastest peer (%s) / kbaudit = %.1f (goal >= %g)%s" % (
            "PASS" if ok else "FAIL", fastest.name, speed, SPEED_GOAL,
            "" if len(timed) == 3 else "; only %d of 3 peers ran" % len(timed)))
        results.append(("%s speed" % label, ok))
    else:
        print("  ---- speed:  no peer ran, not judged")
    if cat.median():
        floor = kb_med / cat.median()
        ok = floor <= FLOOR_GOAL
        print("  %s floor:  kbaudit / cat = %.1f (goal <= %g)" % ("PASS" if ok else "FAIL", floor, FLOOR_GOAL))
        results.append(("%s floor" % label, ok))
    peak = max(abs(v) for v in kb.rss)
    limit = size + MEMORY_SLACK
    ok = peak <= limit
    print("  %s memory: kbaudit peak RSS %.1f MiB, limit %.1f MiB (hive %.1f + 64)" % (
        "PASS" if ok else "FAIL", peak / MiB, limit / MiB, size / MiB))
    results.append(("%s memory" % label, ok))
    return results


def main():
    ap = argparse.ArgumentParser(description="Time kbaudit reg export against its peers.")
    ap.add_argument("--kbaudit", help="kbaudit binary (default: build-bench/kbaudit, else build/kbaudit)")
    ap.add_argument("--quick", action="store_true", help="scale 0.1 hive and fewer runs")
    ap.add_argument("--runs", type=int, help="runs of kbaudit and cat (default 11, --quick 7)")
    ap.add_argument("--peer-runs", type=int, help="runs of each peer (default 3, --quick 1)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a run is killed (default 600)")
    ap.add_argument("--slow", type=float, default=60,
                    help="a peer whose warm-up run takes longer runs only once (default 60 s; 0: never)")
    ap.add_argument("--scale", type=float, help="scale of the generated hive (default 1.0, --quick 0.1)")
    ap.add_argument("--no-peers", action="store_true", help="time kbaudit and cat only")
    args = ap.parse_args()
    if args.runs is None:
        args.runs = 7 if args.quick else 11
    if args.peer_runs is None:
        args.peer_runs = 1 if args.quick else 3
    if args.scale is None:
        args.scale = 0.1 if args.quick else 1.0
    if args.runs < 1 or args.peer_runs < 1:
        ap.error("--runs and --peer-runs must be at least 1")

    kbaudit = args.kbaudit
    if kbaudit is None:
        for cand in ("build-bench", "build"):
            p = os.path.join(ROOT, cand, "kbaudit")
            if os.access(p, os.X_OK):
                kbaudit = p
                break
    if kbaudit is None or not os.access(kbaudit, os.X_OK):
        print("run.py: no kbaudit binary (build one: cmake -S . -B build-bench -G Ninja "
              "-DCMAKE_BUILD_TYPE=Release -DKBAUDIT_TESTS=OFF && ninja -C build-bench kbaudit, "
              "or pass --kbaudit PATH)", file=sys.stderr)
        return 2
    kbaudit = os.path.abspath(kbaudit)

    os.makedirs(OUT, exist_ok=True)
    big = os.path.join(OUT, "software-%s.hive" % args.scale)
    if not os.path.exists(big):
        print("generating %s ..." % os.path.relpath(big))
        r = subprocess.run([sys.executable, os.path.join(BENCH, "gen_software_hive.py"), big,
                            "--scale", str(args.scale)])
        if r.returncode != 0:
            print("run.py: generating the hive failed", file=sys.stderr)
            return 2

    print("kbaudit: %s" % kbaudit)
    print("machine: %s" % machine_text())
    print("load average: %s" % load_text())
    for pkg in ("libwin-hivex-perl", "reglookup", "python3-libregf"):
        print("%s: %s" % (pkg, package_version(pkg) or "not installed"))
    print("runs: kbaudit and cat %d, peers %d (a peer slower than %g s runs once), timeout %g s"
          % (args.runs, args.peer_runs, args.slow, args.timeout))

    results = bench_hive("big", big, kbaudit, args)
    if os.path.exists(SYSTEM_HIVE):
        results += bench_hive("system", SYSTEM_HIVE, kbaudit, args)
    else:
        print("\n== system: %s is absent (no ../shared corpus): skipped ==" % SYSTEM_HIVE)

    failed = [name for name, ok in results if not ok]
    print("\n%s: %d of %d goals met%s" % ("PASS" if not failed else "FAIL", len(results) - len(failed),
                                         len(results), "" if not failed else " (failed: %s)" % ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
