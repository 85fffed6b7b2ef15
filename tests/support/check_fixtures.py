#!/usr/bin/env python3
"""check_fixtures -- build every fixture and check it.

Usage: python3 tests/support/check_fixtures.py [--keep DIR] [--no-hivex]

* every tests/fixtures/hives/*.hivedesc (and badhives/base.hivedesc) is built
  with mkhive and re-read with hivex (mkhive --verify);
* every tests/fixtures/badhives/*.bad is built with mkbad and must carry a
  known expect keyword;
* the hives are built twice and must be byte-identical (determinism).

Ends with the line "N passed, N failed"; exit status 1 on any failure.
Built hives go to a temporary directory, or to DIR with --keep (DIR/hives,
DIR/badhives: handy for tests that need the binary files).
"""

import argparse
import glob
import os
import shutil
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import mkhive  # noqa: E402
import mkbad   # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", metavar="DIR")
    ap.add_argument("--no-hivex", action="store_true",
                    help="skip the hivex re-read (python3-hivex missing)")
    a = ap.parse_args()
    fx = os.path.join(here, "..", "fixtures")
    out = a.keep or tempfile.mkdtemp(prefix="check_fixtures-")
    os.makedirs(os.path.join(out, "hives"), exist_ok=True)
    os.makedirs(os.path.join(out, "badhives"), exist_ok=True)
    if not a.no_hivex:
        mkhive._import_hivex()      # may re-exec under /usr/bin/python3
    passed = failed = 0

    def result(ok, what, msg=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print("%s %s%s" % ("PASS" if ok else "FAIL", what,
                           (": " + msg) if msg else ""))

    descs = sorted(glob.glob(os.path.join(fx, "hives", "*.hivedesc")))
    descs.append(os.path.join(fx, "badhives", "base.hivedesc"))
    for d in descs:
        name = os.path.basename(d)[:-len(".hivedesc")]
        sub = "badhives" if os.sep + "badhives" + os.sep in d else "hives"
        hive = os.path.join(out, sub, name + ".hive")
        try:
            w = mkhive.load_description(d)
            w.write(hive, hive[:-5] + ".json")
            data2, _ = mkhive.load_description(d).build()
            with open(hive, "rb") as f:
                same = f.read() == data2
            if not same:
                result(False, name, "two builds differ")
                continue
            if a.no_hivex:
                result(True, name, "built (hivex check skipped)")
                continue
            errs = mkhive.verify(w, hive)
            result(not errs, name, "; ".join(errs[:3]) if errs else
                   "%d bytes, hivex reads it back identically" %
                   os.path.getsize(hive))
        except Exception as e:        # report and go on
            result(False, name, "%s: %s" % (e.__class__.__name__, e))

    for b in sorted(glob.glob(os.path.join(fx, "badhives", "*.bad"))):
        name = os.path.basename(b)
        try:
            spec = mkbad.load_bad(b)
            data, _ = mkbad.build_bad(spec)
            data2, _ = mkbad.build_bad(mkbad.load_bad(b))
            ok = data == data2 and spec.expect in mkbad.KEYWORDS
            with open(os.path.join(out, "badhives", name[:-4] + ".hive"),
                      "wb") as f:
                f.write(data)
            result(ok, name, "expect %s, %d bytes" % (spec.expect, len(data))
                   if ok else "not deterministic")
        except Exception as e:
            result(False, name, "%s: %s" % (e.__class__.__name__, e))

    if not a.keep:
        shutil.rmtree(out)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
