#!/usr/bin/env python3
"""Checks that a JSON document (kbaudit facts/audit output) contains everything an expectation
file says: every key of an expected object must be present with a matching value. Lists of
objects are matched by their identifying key ("identity", "role" or "id"): each expected
item must match the actual item with the same identifier (order does not matter); other lists
must be equal, in order (e.g. the install plan).

usage: check_expect.py EXPECT.json ACTUAL.json
"""
import json
import sys

ID_KEYS = ("identity", "role", "id")


def fail(path, msg):
    raise AssertionError("%s: %s" % (path or "(top)", msg))


def match(exp, act, path):
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            fail(path, "expected an object, got %r" % (act,))
        for k, v in exp.items():
            if k not in act:
                fail(path, "missing key %r" % k)
            match(v, act[k], path + "." + k)
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
                    match(e, by_id[e[key]], "%s[%s=%r]" % (path, key, e[key]))
                return
        if len(exp) != len(act):
            fail(path, "expected %d items, got %d: %r" % (len(exp), len(act), act))
        for i, (e, a) in enumerate(zip(exp, act)):
            match(e, a, "%s[%d]" % (path, i))
        return
    if exp != act:
        fail(path, "expected %r, got %r" % (exp, act))


def main():
    exp = json.load(open(sys.argv[1], encoding="utf-8"))
    act = json.load(open(sys.argv[2], encoding="utf-8"))
    try:
        match(exp, act, "")
    except AssertionError as e:
        print("MISMATCH %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
