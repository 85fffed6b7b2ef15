#!/usr/bin/env python3
"""Round-trip check of `kbaudit reg export`: parse the .reg text back into values and
compare every key, value name, type and byte with what python3-hivex reads from the same
hive. Also checks that --utf16 output is the UTF-8 output in UTF-16LE with BOM and CRLF,
and that no line is longer than 80 columns.

usage: reg_roundtrip.py KBAUDIT HIVE...
"""
import subprocess
import sys

import hivex

PREFIX = "HKEY_LOCAL_MACHINE\\SOFTWARE"


def pictures_to_controls(s):
    """kbaudit writes control characters in names as Control Pictures (U+2400 + c)."""
    return "".join(chr(ord(c) - 0x2400) if 0x2400 <= ord(c) < 0x2420 else c for c in s)


def unescape(s, name=True):
    """regedit's escapes; control pictures stand for control characters only in names
    (string data with control characters must have been written as hex(1))."""
    if name:
        s = pictures_to_controls(s)
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append(n)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_quoted(line, i):
    """Parses a "..." string starting at line[i] == '"'; returns (raw text, index after)."""
    assert line[i] == '"', line
    j = i + 1
    while line[j] != '"':
        j += 2 if line[j] == "\\" else 1
    return line[i + 1:j], j + 1


def parse_reg(text):
    lines = text.split("\n")
    assert lines[0] == "Windows Registry Editor Version 5.00", lines[0]
    assert lines[1] == ""
    # join folded lines: a line ending in "\" continues on the next (indented by 2)
    joined, buf = [], None
    for ln in lines[2:]:
        # folded hex lines stay within 80 columns (a long name alone may not)
        if buf is not None or (ln.endswith("\\") and "=hex" in ln and ln.index("=hex") < 60):
            assert len(ln) <= 80, "folded line longer than 80 columns: %r" % ln[:100]
        if buf is not None:
            assert ln.startswith("  "), ln
            ln = buf + ln[2:]
            buf = None
        if ln.endswith("\\") and not ln.startswith("["):
            buf = ln[:-1]
            continue
        joined.append(ln)
    result, cur = [], None
    for ln in joined:
        if not ln:
            continue
        if ln.startswith("["):
            full = pictures_to_controls(ln[1:ln.rindex("]")])
            assert full == PREFIX or full.startswith(PREFIX + "\\"), full
            cur = full[len(PREFIX) + 1:]
            result.append(("K", cur))
            continue
        if ln.startswith("@="):
            name, rest = "", ln[2:]
        else:
            raw, end = parse_quoted(ln, 0)
            name = unescape(raw)
            assert ln[end] == "=", ln
            rest = ln[end + 1:]
        if rest.startswith('"'):
            raw, end = parse_quoted(rest, 0)
            assert end == len(rest), rest
            t, data = 1, unescape(raw, name=False).encode("utf-16-le") + b"\0\0"
        elif rest.startswith("dword:"):
            assert len(rest) == 14, rest
            t, data = 4, int(rest[6:], 16).to_bytes(4, "little")
        else:
            head, _, hexes = rest.partition(":")
            t = 3 if head == "hex" else int(head[4:-1], 16)
            assert head in ("hex", "hex(%x)" % t), head
            data = bytes(int(x, 16) for x in hexes.split(",")) if hexes else b""
        result.append(("V", cur, name, t, data))
    return result


def hivex_items(path):
    h = hivex.Hivex(path)
    out, stack = [], [(h.root(), "")]
    while stack:
        node, p = stack.pop()
        out.append(("K", p))
        for v in h.node_values(node):
            t, d = h.value_value(v)
            out.append(("V", p, h.value_key(v), t, d))
        kids = h.node_children(node)
        for c in reversed(kids):
            n = h.node_name(c)
            stack.append((c, p + "\\" + n if p else n))
    return out


def main():
    kb, hives = sys.argv[1], sys.argv[2:]
    failures = 0
    for hive in hives:
        utf8 = subprocess.run([kb, "reg", "export", "-q", hive], capture_output=True, check=True).stdout
        wide = subprocess.run([kb, "reg", "export", "-q", "--utf16", hive], capture_output=True, check=True).stdout
        expect_wide = b"\xff\xfe" + utf8.decode("utf-8").replace("\n", "\r\n").encode("utf-16-le")
        if wide != expect_wide:
            print("FAIL %s: --utf16 output is not the UTF-8 output as UTF-16LE+BOM+CRLF" % hive)
            failures += 1
        got = parse_reg(utf8.decode("utf-8"))
        want = hivex_items(hive)
        if got != want:
            for i, (a, b) in enumerate(zip(got, want)):
                if a != b:
                    print("FAIL %s: item %d: export gives %.200r, hivex reads %.200r" % (hive, i, a, b))
                    break
            else:
                print("FAIL %s: %d items exported, hivex reads %d" % (hive, len(got), len(want)))
            failures += 1
        else:
            print("ok   %s: %d keys and values round-trip" % (hive, len(got)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
