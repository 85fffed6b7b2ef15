#!/usr/bin/python3
"""audit.py -- time a whole audit of worst-case systems of growing size, against a full
export of the same SOFTWARE hive and against peers reading the same evidence.

Usage: /usr/bin/python3 bench/audit.py [--kbaudit PATH] [--sizes 1000,5000,20000,40000]
                                       [--runs N] [--peer-runs N] [--no-peers] [--timeout S]

Systems: bench/out/system-<packages>, made by bench/gen_system.py when missing (20,000
packages: a ~190 MB SOFTWARE hive, 20,000 .mum manifests, 3,006 PE files in System32).

Commands per system (stdout to /dev/null, stderr to bench/out/stderr-audit-<n>-<command>.txt):
  audit      kbaudit audit --root TREE --format json       (exit 0 or 1: the verdict)
  export     kbaudit reg export -q SOFTWARE                 (reading the whole hive)
  reglookup  reglookup -p <CBS>/Packages SOFTWARE           (Debian reglookup: the package keys)
  pefile     bench/pefile_versions.py <the 6 System32 files the audit reads> (python3-pefile)
  cat        cat SOFTWARE                                   (the floor)

Goals, per system:
  speed    audit median <= export median (the audit reads a part of what an export reads)
  memory   audit peak RSS - SOFTWARE size <= 64 MiB (the mapped hive is all resident)
  1 s      audit median < 1 s, judged on systems of 20,000 packages or fewer
and the curve: the audit's median per 1,000 packages from the smallest to the largest
system, which stays flat when the cost is linear.
The exit status is 0 when every goal passes, 1 when one fails, 2 on a setup error.
Standard library only (the pefile peer needs Debian's python3-pefile).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import run
from run import Command, MiB

CBS_PACKAGES = "/Microsoft/Windows/CurrentVersion/Component Based Servicing/Packages"
SECOND_GOAL_MAX_PACKAGES = 20000


def have_pefile():
    try:
        return subprocess.run([run.DEBIAN_PYTHON, "-c", "import pefile"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def commands(kbaudit, tree, args):
    software = os.path.join(tree, "Windows", "System32", "config", "SOFTWARE")
    cmds = [Command("audit", [kbaudit, "audit", "--root", tree, "--format", "json"], args.runs, False,
                    ok_codes=(0, 1)),
            Command("export", [kbaudit, "reg", "export", "-q", software], args.runs, False)]
    if not args.no_peers:
        rl = shutil.which("reglookup")
        if rl:
            cmds.append(Command("reglookup", [rl, "-p", CBS_PACKAGES, software], args.peer_runs, True,
                                "reglookup"))
        else:
            print("  reglookup not found (apt-get install reglookup): skipped")
        if have_pefile():
            with open(os.path.join(tree, ".gen_system.json")) as f:
                files = [os.path.join(tree, p) for p in json.load(f)["markers"]]
            cmds.append(Command("pefile", [run.DEBIAN_PYTHON, os.path.join(run.BENCH, "pefile_versions.py")]
                                + files, args.peer_runs, True, "python3-pefile"))
        else:
            print("  python3-pefile not importable by %s (apt-get install python3-pefile): skipped"
                  % run.DEBIAN_PYTHON)
    cmds.append(Command("cat", [shutil.which("cat") or "/bin/cat", software], args.runs, False))
    return cmds, os.path.getsize(software)


def bench_system(n, kbaudit, args):
    tree = os.path.join(run.OUT, "system-%d" % n)
    # in a child: a harness grown by the generator would hide the children's peak RSS
    subprocess.run([sys.executable, os.path.join(run.BENCH, "gen_system.py"), tree, "--packages", str(n)],
                   check=True)
    cmds, size = commands(kbaudit, tree, args)
    print("\n== system-%d: %d packages, SOFTWARE %.1f MiB ==" % (n, n, size / MiB))
    run.time_commands("audit-%d" % n, cmds, args)
    audit, export = cmds[0], cmds[1]
    run.print_table(cmds, "audit", lambda c: "1" if c is audit else
                    "%.2f" % (c.median() / audit.median()) if audit.times else "")
    results = []
    if not audit.times:
        print("  FAIL the audit did not run: %s" % audit.failure)
        return [("system-%d audit runs" % n, False)], None
    med = audit.median()
    if export.times:
        ok = med <= export.median()
        print("  %s speed:  audit %s ms, export %s ms (goal: audit <= export)" % (
            "PASS" if ok else "FAIL", run.fmt_ms(med), run.fmt_ms(export.median())))
        results.append(("system-%d speed" % n, ok))
    peak = max(audit.rss)
    if peak > 0:
        ok = peak - size <= run.MEMORY_SLACK
        print("  %s memory: audit peak RSS - SOFTWARE size = %.1f MiB (goal <= 64)" % (
            "PASS" if ok else "FAIL", (peak - size) / MiB))
        results.append(("system-%d memory" % n, ok))
    else:
        print("  ---- memory: the audit's peak RSS is below the harness's own: not judged")
    if n <= SECOND_GOAL_MAX_PACKAGES:
        ok = med < 1.0
        print("  %s 1 s:    audit %s ms (goal < 1000)" % ("PASS" if ok else "FAIL", run.fmt_ms(med)))
        results.append(("system-%d 1 s" % n, ok))
    row = (n, size, med, max(audit.rss), export.median() if export.times else None,
           {c.name: c.median() for c in cmds if c.times}, run.load_text())
    return results, row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kbaudit")
    ap.add_argument("--sizes", default="1000,5000,20000,40000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--peer-runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--slow", type=float, default=60)
    ap.add_argument("--no-peers", action="store_true")
    args = ap.parse_args()
    kbaudit = args.kbaudit or next((p for p in (os.path.join(run.ROOT, "build-bench", "kbaudit"),
                                                os.path.join(run.ROOT, "build", "kbaudit"))
                                    if os.path.exists(p)), None)
    if not kbaudit or not os.access(kbaudit, os.X_OK):
        print("audit.py: no kbaudit binary (build one, or give --kbaudit PATH)", file=sys.stderr)
        return 2
    try:
        sizes = [int(x) for x in args.sizes.split(",")]
    except ValueError:
        print("audit.py: --sizes wants numbers separated by commas", file=sys.stderr)
        return 2
    os.makedirs(run.OUT, exist_ok=True)
    print("machine: %s" % run.machine_text())
    print("kbaudit: %s" % os.path.abspath(kbaudit))
    results, rows = [], []
    for n in sizes:
        r, row = bench_system(n, kbaudit, args)
        results += r
        if row:
            rows.append(row)
    if rows:
        print("\n== curve ==\n")
        print("| packages | SOFTWARE MiB | audit ms | ms per 1,000 packages | audit peak RSS MiB "
              "| RSS - hive MiB | export ms | audit / export | load after |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for n, size, med, rss, exp, _meds, load in rows:
            print("| %d | %.1f | %s | %.1f | %s | %s | %s | %s | %s |" % (
                n, size / MiB, run.fmt_ms(med), med * 1e6 / n, "%.1f" % (rss / MiB) if rss > 0 else "?",
                "%.1f" % ((rss - size) / MiB) if rss > 0 else "?",
                run.fmt_ms(exp) if exp else "-", "%.2f" % (med / exp) if exp else "-", load))
        peers = sorted({k for row in rows for k in row[5]} - {"audit"})
        print("\n| packages | " + " | ".join("%s ms" % p for p in peers) + " |")
        print("|---:|" + "---:|" * len(peers))
        for row in rows:
            print("| %d | %s |" % (row[0], " | ".join(run.fmt_ms(row[5][p]) if p in row[5] else "-"
                                                      for p in peers)))
    failed = [name for name, ok in results if not ok]
    print("\n%s" % ("all goals pass" if not failed else "FAILED: " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
