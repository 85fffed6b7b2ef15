"""The pass/fail bookkeeping of the end-to-end scripts: check() counts a check and keeps
the description of one that failed; finish() prints every failure, the totals line the
scripts have always printed ("N checks, M failed") and exits 1 when any check failed."""
import sys

problems = []
_count = 0


def check(cond, what):
    global _count
    _count += 1
    if not cond:
        problems.append(what)


def finish():
    for p in problems:
        print("FAIL", p)
    print(f"{_count} checks, {len(problems)} failed")
    sys.exit(1 if problems else 0)
