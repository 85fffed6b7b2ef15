#!/usr/bin/env python3
"""hivex_dump -- print a hive in the canonical dump format, read by hivex.

Usage: python3 tests/diff/hivex_dump.py HIVE

The same format is printed by `kbaudit reg dump HIVE`; tests/diff/run_diff.sh
compares the two.  Format (one line per key / value, UTF-8 free: all ASCII):

    K<TAB><path>
    V<TAB><path><TAB><name><TAB><type decimal><TAB><data lowercase hex>

* pre-order depth-first walk from the root key; subkeys in the order of the
  key's subkey list (as hivex returns them), values in value-list order, a
  key's values before its subkeys;
* <path> is json.dumps(p, ensure_ascii=True) of the key path relative to the
  root, components joined by one backslash; the root is "" (line K<TAB>"");
* <name> is json.dumps(name, ensure_ascii=True); the default value is "";
* json.dumps escaping: \\" \\\\ \\b \\f \\n \\r \\t, other characters below
  U+0020 and everything above U+007E as \\uXXXX (4 lowercase hex digits,
  characters above U+FFFF as a UTF-16 surrogate pair); U+007F is printed as
  is;
* <data> is the value's raw bytes (as hivex returns them) in lowercase hex,
  empty for no data.

Exit 0 on success.  If hivex reports an error anywhere (open, or any node or
value), or a key is reached a second time (a cycle or a shared subtree), the
only output is `ERROR<TAB><message>` and the exit status is 3.
"""

import json
import os
import sys


def _import_hivex():
    try:
        import hivex
        return hivex
    except ImportError:
        # python3-hivex is installed for the system interpreter only
        sysp = "/usr/bin/python3"
        if os.path.exists(sysp) and os.path.realpath(sys.executable) != \
                os.path.realpath(sysp) and not os.environ.get("HIVEX_DUMP_REEXEC"):
            os.environ["HIVEX_DUMP_REEXEC"] = "1"
            os.execv(sysp, [sysp] + sys.argv)
        raise


class DumpError(Exception):
    pass


def q(s):
    return json.dumps(s, ensure_ascii=True)


def dump(path, out):
    hivex = _import_hivex()
    h = hivex.Hivex(path)
    lines = []
    seen = set()
    # iterative pre-order walk (hives may be hundreds of levels deep)
    stack = [(h.root(), "")]
    while stack:
        node, kpath = stack.pop()
        if node in seen:
            raise DumpError("loop: key %s reached twice" % q(kpath))
        seen.add(node)
        qp = q(kpath)
        lines.append("K\t%s\n" % qp)
        for v in h.node_values(node):
            name = h.value_key(v)
            vtype, data = h.value_value(v)
            lines.append("V\t%s\t%s\t%d\t%s\n" % (qp, q(name), vtype,
                                                  data.hex()))
        kids = h.node_children(node)
        sep = "\\" if kpath else ""
        for c in reversed(kids):
            stack.append((c, kpath + sep + h.node_name(c)))
    out.write("".join(lines))


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: hivex_dump.py HIVE", file=sys.stderr)
        return 2
    # the binding's Hivex.__del__ complains on stderr when the open failed
    sys.unraisablehook = lambda *a: None
    try:
        import io
        buf = io.StringIO()
        dump(argv[1], buf)
    except (RuntimeError, DumpError, UnicodeError, OSError) as e:
        # hivex.Error is a RuntimeError; RecursionError too
        msg = " ".join(str(e).split()) or e.__class__.__name__
        sys.stdout.write("ERROR\t%s\n" % msg)
        return 3
    sys.stdout.write(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
