#!/usr/bin/env python3
"""Checks a JSON document (kbaudit facts/audit output) against an expectation file: every key
of an expected object must be present with a matching value. Lists of objects are matched by
their identifying key ("identity", "role" or "id"), order not mattering; other lists must be
equal, in order (e.g. the install plan, the warnings).

What a facts scenario is about is checked exactly: under "packages", "files", "pending" and
"warnings" (top level) an expected list of objects must name every actual item (an extra
package or file fails), and an expected object (a file, the pending markers) must name every
actual key; a package item names the fields it is about. A facts
expectation (one with "packages") must state "warnings", so an unexpected warning fails.

In expected strings "$ROOT" stands for the real path of the tree's root (given as ROOT), and
"$ROOT/.." for the folder holding it.

usage: check_expect.py EXPECT.json ACTUAL.json [ROOT]
"""
import json
import os
import sys

ID_KEYS = ("identity", "role", "id")
EXACT = ("packages", "files", "pending", "warnings")


def fail(path, msg):
    raise AssertionError("%s: %s" % (path or "(top)", msg))


def match(exp, act, path, exact):
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            fail(path, "expected an object, got %r" % (act,))
        for k, v in exp.items():
            if k not in act:
                fail(path, "missing key %r" % k)
            match(v, act[k], path + "." + k, exact or (path == "" and k in EXACT))
        if exact and not path.startswith(".packages") and set(act) - set(exp):
            fail(path, "unexpected keys %r" % sorted(set(act) - set(exp)))
        return
    if isinstance(exp, list):
        if not isinstance(act, list):
            fail(path, "expected a list, got %r" % (act,))
        if exp and all(isinstance(e, dict) for e in exp):
            key = next((k for k in ID_KEYS if all(k in e for e in exp)), None)
            if key:
                by_id = {a.get(key): a for a in act if isinstance(a, dict)}
                for e in exp:
                    if e[key] not in by_id:
                        fail(path, "no item with %s=%r (have %r)" % (key, e[key], list(by_id)))
                    match(e, by_id[e[key]], "%s[%s=%r]" % (path, key, e[key]), exact)
                extra = set(by_id) - {e[key] for e in exp}
                if exact and (extra or len(act) != len(exp)):
                    fail(path, "unexpected items %r" % sorted(extra, key=str))
                return
        if len(exp) != len(act):
            fail(path, "expected %d items, got %d: %r" % (len(exp), len(act), act))
        for i, (e, a) in enumerate(zip(exp, act)):
            match(e, a, "%s[%d]" % (path, i), exact)
        return
    if exp != act:
        fail(path, "expected %r, got %r" % (exp, act))


def substitute(v, root):
    if isinstance(v, str):
        return v.replace("$ROOT/..", os.path.dirname(root)).replace("$ROOT", root)
    if isinstance(v, list):
        return [substitute(x, root) for x in v]
    if isinstance(v, dict):
        return {k: substitute(x, root) for k, x in v.items()}
    return v


def main():
    exp = json.load(open(sys.argv[1], encoding="utf-8"))
    act = json.load(open(sys.argv[2], encoding="utf-8"))
    if len(sys.argv) > 3:
        exp = substitute(exp, os.path.realpath(sys.argv[3]))
    exp.pop("$exit_code", None)
    exp.pop("$stderr", None)
    try:
        if "packages" in exp and "warnings" not in exp:
            fail("", "a facts expectation must state its warnings (an empty list for none)")
        match(exp, act, "", False)
    except AssertionError as e:
        print("MISMATCH %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
