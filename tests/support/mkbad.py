#!/usr/bin/env python3
"""mkbad -- build a deliberately malformed hive from a .bad description.

Usage:
    python3 tests/support/mkbad.py X.bad OUT.hive [--map OUT.json]
    python3 tests/support/mkbad.py --expect X.bad       # prints the keyword
    python3 tests/support/mkbad.py --survey [DIR...]    # build every .bad and
                                                        # report what hivex says

A .bad file is a hive description (a "base:" file or an inline "desc:" ...
"end" block, see docs/hive-description.md), then patches addressed through
the map that mkhive produces, then one "expect: <keyword>" line:

    base: ../hives/basic.hivedesc
    set u32 nk("A\\B").subkey_count = 0xFFFFFFFF
    set u32 header.checksum = 0
    set bytes bin(1) = ascii("hbix")
    fill bin(2), filesize = 00
    insert bin(2) = repeat(ff,512)
    truncate 6000
    fixchecksum
    expect: count

Python standard library only.
"""

import ast
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkhive  # noqa: E402

KEYWORDS = ("checksum", "signature", "version", "truncated", "hbin", "cell",
            "offset", "count", "loop", "parent", "nesting", "bigdata", "name", "root",
            "value")

INT_TYPES = {"u8": "<B", "u16": "<H", "u32": "<I", "u64": "<Q",
             "i8": "<b", "i16": "<h", "i32": "<i", "i64": "<q"}


class BadError(Exception):
    pass


class Struct(object):
    """A structure at a file offset; .field gives the field's file offset."""

    def __init__(self, offset, fields, kind):
        self.offset = offset
        self.fields = fields
        self.kind = kind            # lf/lh/li/ri/valuelist/dblist/...

    def field(self, name):
        if name not in self.fields:
            raise BadError("no field %r in %s (fields: %s)" % (
                name, self.kind, ", ".join(sorted(self.fields))))
        return self.offset + self.fields[name]


def _int(v):
    return v.offset if isinstance(v, Struct) else v


class Env(object):
    """Names usable in patch expressions, resolved through the mkhive map."""

    def __init__(self, m, buf):
        self.m = m
        self.buf = buf

    # -- lookups ----------------------------------------------------------
    def _key(self, path):
        keys = self.m["keys"]
        path = path.strip("\\")
        if path in keys:
            return path, keys[path]
        low = {k.lower(): k for k in keys}
        if path.lower() in low:
            k = low[path.lower()]
            return k, keys[k]
        raise BadError("no key %r in the base hive" % path)

    def _value(self, path, name):
        kp, _ = self._key(path)
        vals = self.m["values"].get(kp, {})
        if name in vals:
            return vals[name]
        for n, v in vals.items():
            if n.lower() == name.lower():
                return v
        raise BadError("no value %r in key %r" % (name, path))

    def functions(self):
        F = mkhive
        env = self

        def nk(path=""):
            return Struct(env._key(path)[1]["nk"], F.NK_FIELDS, "nk")

        def vk(path, name):
            return Struct(env._value(path, name)["vk"], F.VK_FIELDS, "vk")

        def data(path, name):
            v = env._value(path, name)
            if "data" not in v:
                raise BadError("value %r\\%r has no data cell" % (path, name))
            return Struct(v["data"], F.CELL_FIELDS, "data")

        def db(path, name):
            v = env._value(path, name)
            if "db" not in v:
                raise BadError("value %r\\%r is not big data" % (path, name))
            return Struct(v["db"], F.DB_FIELDS, "db")

        def dblist(path, name):
            v = env._value(path, name)
            if "db_list" not in v:
                raise BadError("value %r\\%r is not big data" % (path, name))
            return Struct(v["db_list"], F.CELL_FIELDS, "dblist")

        def seg(path, name, i):
            v = env._value(path, name)
            if "segments" not in v:
                raise BadError("value %r\\%r is not big data" % (path, name))
            return Struct(v["segments"][i], F.CELL_FIELDS, "segment")

        def list_(path, i=0):
            lists = env._key(path)[1]["lists"]
            if i >= len(lists):
                raise BadError("key %r has %d subkey list cells" % (
                    path, len(lists)))
            li = lists[i]
            return Struct(li["offset"], F.LIST_FIELDS, li["type"])

        def valuelist(path):
            k = env._key(path)[1]
            if "value_list" not in k:
                raise BadError("key %r has no values" % path)
            return Struct(k["value_list"], F.CELL_FIELDS, "valuelist")

        def classname(path):
            k = env._key(path)[1]
            if "class" not in k:
                raise BadError("key %r has no class name" % path)
            return Struct(k["class"], F.CELL_FIELDS, "class")

        def bin_(i):
            bins = env.m["bins"]
            if i < 0:
                i += len(bins)
            return Struct(bins[i]["offset"], F.BIN_FIELDS, "hbin")

        def free(i=0):
            return Struct(env.m["free"][i], F.CELL_FIELDS, "free")

        def entry(lst, i):
            """File offset of the i-th element of a list cell."""
            if not isinstance(lst, Struct):
                raise BadError("entry() needs a list, e.g. entry(list(\"A\"), 0)")
            if lst.kind in ("lf", "lh"):
                return lst.offset + 8 + 8 * i
            if lst.kind in ("li", "ri"):
                return lst.offset + 8 + 4 * i
            if lst.kind in ("valuelist", "dblist"):
                return lst.offset + 4 + 4 * i
            raise BadError("entry() on a %s" % lst.kind)

        def rel(x):
            """hbin-relative offset (what the hive stores) of a file offset."""
            return _int(x) - mkhive.BLOCK

        def binend(x):
            x = _int(x)
            for b in env.m["bins"]:
                if b["offset"] <= x < b["offset"] + b["size"]:
                    return b["offset"] + b["size"]
            raise BadError("offset 0x%x is in no hbin" % x)

        def reader(fmt):
            def rd(x):
                x = _int(x)
                return struct.unpack_from(fmt, env.buf, x)[0]
            return rd

        fns = {"nk": nk, "vk": vk, "data": data, "db": db, "dblist": dblist,
               "seg": seg, "list": list_, "valuelist": valuelist,
               "classname": classname, "bin": bin_, "free": free,
               "entry": entry, "rel": rel, "binend": binend}
        for t, fmt in INT_TYPES.items():
            fns[t + "at"] = reader(fmt)
        return fns

    def names(self):
        return {
            "header": Struct(0, mkhive.HEADER_FIELDS, "header"),
            "sk": Struct(self.m["sk"], mkhive.SK_FIELDS, "sk"),
            "root": Struct(self.m["root"], mkhive.NK_FIELDS, "nk"),
            "filesize": len(self.buf),
            "base": mkhive.BLOCK,
        }


_BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.FloorDiv: lambda a, b: a // b,
    ast.BitXor: lambda a, b: a ^ b, ast.BitAnd: lambda a, b: a & b,
    ast.BitOr: lambda a, b: a | b, ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
}


def _extract_strings(text, where):
    """Replace quoted strings by placeholders (mkhive string syntax, so
    "A\\B" and "A\\\\B" both mean A\\B).  -> (text, {placeholder: str})"""
    out, strings = [], {}
    i = 0
    while i < len(text):
        if text[i] == '"' or text.startswith('r"', i) and (
                i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            lx = mkhive.Lexer(text, where)
            lx.i = i
            s = lx.string()
            ph = "__s%d" % len(strings)
            strings[ph] = s
            out.append(ph)
            i = lx.i
        else:
            out.append(text[i])
            i += 1
    return "".join(out), strings


def evaluate(expr, env, where):
    text, strings = _extract_strings(expr.strip(), where)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise BadError("%s: bad expression %r: %s" % (where, expr, e.msg))
    fns = env.functions()
    names = env.names()

    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Tuple):
            return tuple(_int(ev(e)) for e in n.elts)
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, ast.Name):
            if n.id in strings:
                return strings[n.id]
            if n.id in names:
                return names[n.id]
            raise BadError("%s: unknown name %r" % (where, n.id))
        if isinstance(n, ast.Attribute):
            v = ev(n.value)
            if not isinstance(v, Struct):
                raise BadError("%s: .%s on a number" % (where, n.attr))
            return v.field(n.attr)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and \
                n.func.id in fns and not n.keywords:
            return fns[n.func.id](*[ev(a) for a in n.args])
        if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
            return _BINOPS[type(n.op)](_int(ev(n.left)), _int(ev(n.right)))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -_int(ev(n.operand))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Invert):
            return ~_int(ev(n.operand))
        raise BadError("%s: unsupported expression %r" % (where, expr))

    try:
        return ev(tree)
    except BadError as e:
        if str(e).startswith(where):
            raise
        raise BadError("%s: %s" % (where, e))
    except (IndexError, KeyError, TypeError) as e:
        raise BadError("%s: %s: %s" % (where, expr, e))


def _split_eq(text, where):
    """Split 'lhs = rhs' at the first '=' outside quotes."""
    q = False
    for i, c in enumerate(text):
        if c == '"' and (i == 0 or text[i - 1] != "\\"):
            q = not q
        elif c == "=" and not q:
            return text[:i], text[i + 1:]
    raise BadError("%s: expected '='" % where)


def _bytes(text, where):
    lx = mkhive.Lexer(text, where)
    try:
        return mkhive._parse_bytes(lx)
    except mkhive.HiveDescError as e:
        raise BadError(str(e))


class BadSpec(object):
    def __init__(self, path):
        self.path = path
        self.desc_text = None
        self.desc_where = None
        self.patches = []          # (where, command, rest)
        self.expect = None


def load_bad(path):
    spec = BadSpec(path)
    d = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    inline = None
    for n, raw in enumerate(lines, 1):
        where = "%s:%d" % (path, n)
        line = raw.strip()
        if inline is not None:
            if line == "end":
                spec.desc_text = "\n".join(inline)
                spec.desc_where = "%s (inline description)" % path
                inline = None
            else:
                inline.append(raw)
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("base:"):
            bp = line[5:].strip()
            bp = os.path.join(d, bp)
            with open(bp, encoding="utf-8") as f:
                spec.desc_text = f.read()
            spec.desc_where = bp
            continue
        if line == "desc:":
            inline = []
            continue
        if line.startswith("expect:"):
            kw = line[7:].strip()
            if kw not in KEYWORDS:
                raise BadError("%s: unknown expect keyword %r (one of %s)" % (
                    where, kw, ", ".join(KEYWORDS)))
            spec.expect = kw
            continue
        cmd, _, rest = line.partition(" ")
        if cmd not in ("set", "fill", "insert", "truncate", "fixchecksum"):
            raise BadError("%s: unknown command %r" % (where, cmd))
        spec.patches.append((where, cmd, rest.strip()))
    if inline is not None:
        raise BadError("%s: 'desc:' block without 'end'" % path)
    if spec.desc_text is None:
        raise BadError("%s: no base: or desc: description" % path)
    if spec.expect is None:
        raise BadError("%s: no expect: line" % path)
    return spec


def build_bad(spec):
    """-> (bytes of the malformed hive, map of the unpatched hive)"""
    try:
        w = mkhive.parse_description(spec.desc_text, spec.desc_where)
        data, m = w.build(want_map=True)
    except mkhive.HiveDescError as e:
        raise BadError(str(e))
    buf = bytearray(data)
    for where, cmd, rest in spec.patches:
        env = Env(m, buf)
        if cmd == "set":
            t, _, rest2 = rest.partition(" ")
            lhs, rhs = _split_eq(rest2, where)
            off = _int(evaluate(lhs, env, where))
            if t == "bytes":
                b = _bytes(rhs, where)
            elif t in INT_TYPES:
                fmt = INT_TYPES[t]
                v = _int(evaluate(rhs, env, where))
                bits = struct.calcsize(fmt) * 8
                v &= (1 << bits) - 1
                if fmt[1].islower() and v >= 1 << (bits - 1):
                    v -= 1 << bits
                b = struct.pack(fmt, v)
            else:
                raise BadError("%s: set needs u8/u16/u32/u64/i8/i16/i32/i64 "
                               "or bytes, not %r" % (where, t))
            if off < 0 or off + len(b) > len(buf):
                raise BadError("%s: offset 0x%x outside the file" % (
                    where, off))
            buf[off:off + len(b)] = b
        elif cmd == "fill":
            lhs, rhs = _split_eq(rest, where)
            rng = evaluate(lhs, env, where)
            if not isinstance(rng, tuple) or len(rng) != 2:
                raise BadError("%s: fill START, END = BYTES" % where)
            a, z = rng
            pat = _bytes(rhs, where)
            if not pat or a < 0 or z > len(buf) or a > z:
                raise BadError("%s: bad fill range or pattern" % where)
            buf[a:z] = (pat * ((z - a) // len(pat) + 1))[:z - a]
        elif cmd == "insert":
            lhs, rhs = _split_eq(rest, where)
            off = _int(evaluate(lhs, env, where))
            buf[off:off] = _bytes(rhs, where)
        elif cmd == "truncate":
            n = _int(evaluate(rest, env, where))
            del buf[n:]
        elif cmd == "fixchecksum":
            if len(buf) >= 512:
                struct.pack_into("<I", buf, 508, mkhive.header_checksum(buf))
    return bytes(buf), m


# --------------------------------------------------------------------------

_LIBREGF_WALK = r"""
import sys, pyregf
f = pyregf.file()
f.open(sys.argv[1])
n = [0, 0]
def walk(k, d):
    if d > 600:
        raise RecursionError
    n[0] += 1
    k.name
    for v in k.values:
        v.name
        v.data
        n[1] += 1
    for s in k.sub_keys:
        walk(s, d + 1)
walk(f.get_root_key(), 0)
print("%d keys, %d values" % tuple(n))
"""


def _libregf_verdict(path):
    """What python3-libregf makes of a hive (in a child process: it may
    crash or hang on some inputs)."""
    import subprocess
    try:
        r = subprocess.run(["/usr/bin/python3", "-c", _LIBREGF_WALK, path],
                           capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "libregf: timeout"
    except OSError:
        return "libregf: not available"
    if r.returncode == 0:
        return "libregf ACCEPTS (%s)" % r.stdout.strip()
    if r.returncode < 0:
        return "libregf CRASHES (signal %d)" % -r.returncode
    last = (r.stderr.strip().splitlines() or ["?"])[-1]
    if "RecursionError" in last:
        return "libregf reads on forever"
    if "No module named" in last:
        return "libregf: not available"
    return "libregf rejects: %s" % last.split(":", 1)[-1].strip()[:60]


def survey(dirs):
    """Build every .bad and show what hivex (open + full walk) makes of it."""
    import tempfile
    hivex = mkhive._import_hivex()
    # the binding's Hivex.__del__ complains when the open failed
    sys.unraisablehook = lambda *a: None
    files = []
    for d in dirs:
        files += sorted(os.path.join(d, f) for f in os.listdir(d)
                        if f.endswith(".bad"))
    tmp = tempfile.mkdtemp(prefix="mkbad-")
    bad = 0
    for p in files:
        try:
            spec = load_bad(p)
            data, _ = build_bad(spec)
        except BadError as e:
            print("%-36s BUILD ERROR %s" % (os.path.basename(p), e))
            bad += 1
            continue
        out = os.path.join(tmp, os.path.basename(p) + ".hive")
        with open(out, "wb") as f:
            f.write(data)
        try:
            h = hivex.Hivex(out)
            n = [0, 0]

            def walk(node, depth):
                n[0] += 1
                h.node_name(node)
                for v in h.node_values(node):
                    h.value_key(v)
                    h.value_value(v)
                    n[1] += 1
                for c in h.node_children(node):
                    walk(c, depth + 1)
            walk(h.root(), 0)
            res = "hivex ACCEPTS (%d keys, %d values)" % tuple(n)
        except RecursionError:
            res = "hivex reads on forever (no cycle check outside hivex_visit)"
        except RuntimeError as e:
            res = "hivex rejects: %s" % str(e).splitlines()[0][:70]
        print("%-32s %-9s %s | %s" % (os.path.basename(p), spec.expect, res,
                                     _libregf_verdict(out)))
        os.unlink(out)
    os.rmdir(tmp)
    return 1 if bad else 0


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Build a malformed hive from a "
                                 ".bad description.")
    ap.add_argument("bad", nargs="?", help=".bad file")
    ap.add_argument("out", nargs="?", help="hive file to write")
    ap.add_argument("--map", metavar="OUT.json",
                    help="write the map of the unpatched base hive")
    ap.add_argument("--expect", action="store_true",
                    help="print the expected error keyword and exit")
    ap.add_argument("--survey", nargs="*", metavar="DIR",
                    help="build every .bad in DIR (default "
                         "tests/fixtures/badhives) and report hivex's verdict")
    a = ap.parse_args(argv)
    try:
        if a.survey is not None:
            dirs = a.survey or [os.path.join(os.path.dirname(
                os.path.abspath(__file__)), "..", "fixtures", "badhives")]
            return survey(dirs)
        if not a.bad:
            ap.error("a .bad file is needed")
        spec = load_bad(a.bad)
        if a.expect:
            print(spec.expect)
            return 0
        if not a.out:
            ap.error("an output file is needed")
        data, m = build_bad(spec)
    except (BadError, OSError) as e:
        print("mkbad: %s" % e, file=sys.stderr)
        return 2
    with open(a.out, "wb") as f:
        f.write(data)
    if a.map:
        import json
        with open(a.map, "w") as f:
            json.dump(m, f, indent=1, sort_keys=True, ensure_ascii=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
