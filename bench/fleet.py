#!/usr/bin/env python3
"""Times `kbaudit audit --targets` over many built scenario trees (docs/benchmark.md,
"Several targets"): wall time of -j 1 against -j 2 .. -j N (runs interleaved, median), and
the peak RSS for growing numbers of targets.

usage: bench/fleet.py KBAUDIT BUILT_SCENARIOS_DIR [--runs 5] [--targets 200] [--jobs 1,2]
       (BUILT_SCENARIOS_DIR: e.g. build/fixtures/scenarios, built by ctest's scenarios_build)
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time


def roots(built):
    """The roots of the built trees that the audit can read or report on."""
    out = []
    for name in sorted(os.listdir(built)):
        meta = os.path.join(built, name, ".mkscenario.json")
        if not os.path.isfile(meta):
            continue
        with open(meta) as f:
            sub = json.load(f).get("root", ".")
        out.append(os.path.normpath(os.path.join(built, name, sub)))
    return out


def run(kbaudit, listing, jobs):
    """(wall seconds, user+sys seconds, peak RSS KiB) of one run."""
    with open(os.devnull, "wb") as null:
        start = time.monotonic()
        p = subprocess.Popen([kbaudit, "audit", "--targets", listing, "-j", str(jobs), "--format", "jsonl"],
                             stdout=null, stderr=null)
        _, _, ru = os.wait4(p.pid, 0)
        return time.monotonic() - start, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kbaudit")
    ap.add_argument("built")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--jobs", default="1,2")
    a = ap.parse_args()
    trees = roots(a.built)
    tmp = tempfile.mkdtemp()

    def listing(n):
        path = os.path.join(tmp, f"targets-{n}.txt")
        with open(path, "w") as f:
            f.write("\n".join(trees[i % len(trees)] for i in range(n)) + "\n")
        return path

    main_list = listing(a.targets)
    jobs = [int(j) for j in a.jobs.split(",")]
    run(a.kbaudit, main_list, 1)   # warm the page cache
    times = {j: [] for j in jobs}
    cpu = {j: [] for j in jobs}
    for _ in range(a.runs):
        for j in jobs:   # interleaved, so that a change of load hits every setting alike
            wall, c, _ = run(a.kbaudit, main_list, j)
            times[j].append(wall)
            cpu[j].append(c)
    print(f"{a.targets} targets ({len(trees)} trees repeated), {a.runs} runs each, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    for j in jobs:
        print(f"  -j {j}: median {statistics.median(times[j]):.2f} s wall (min {min(times[j]):.2f}, "
              f"max {max(times[j]):.2f}), median {statistics.median(cpu[j]):.2f} s CPU")
    for n in (50, 200, 1000):
        _, _, rss = run(a.kbaudit, listing(n), max(jobs))
        print(f"  {n} targets, -j {max(jobs)}: peak RSS {rss} KiB")


if __name__ == "__main__":
    main()
