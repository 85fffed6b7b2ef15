#!/usr/bin/python3
"""Differential test of `kbaudit pe` against python3-pefile.

Usage: pe_diff.py KBAUDIT FIXTURE_DIR          the built fixtures (and known corrupted ones)
       pe_diff.py --corpus KBAUDIT CORPUS_DIR  every file of the shared corpus (exit 77 =
                                               skipped when the folder is absent)

For every file both must agree on: whether it is a PE file at all, the machine, the fixed
file and product versions (or their absence), the key of the first string table and its
strings. pefile keeps a table's strings in a dict, so duplicate keys compare last-wins.

Where pefile is wrong, the file is listed in KNOWN below with the reason (docs/pe.md,
"pefile disagreements") and kbaudit's documented result is asserted instead.
Ends with "N passed, N failed".
"""
import json
import os
import subprocess
import sys

try:
    import pefile
except ImportError:
    sys.exit("FAIL: python3-pefile is missing (run with /usr/bin/python3; Debian package python3-pefile)")

SIG = "6.0.6002.24566"

# name -> (why pefile is wrong, what kbaudit must say: a dict of JSON fields, or a
# substring of its error)
KNOWN = {
    "crafted__version_std.exe": (
        "the resource runs past its section's SizeOfRawData (still inside the file, where "
        "Windows' data-file mapping reads it); pefile cuts strings at the section's raw end, "
        "reads the key 'StringFileInfo' as 'Strin' and loses the rest of the table",
        {"file_version": "65535.65535.65535.65535", "string_table": "040904b0", "n_strings": 17,
         "FileVersion": "compulsory for version tab", "LegalCopyright": "corkami.com"}),
    "fixed-bad-signature": (
        "pefile does not check the VS_FIXEDFILEINFO signature 0xFEEF04BD and reports the "
        "bytes as versions; kbaudit refuses the resource",
        "not 0xfeef04bd"),
    "fixed-value-length-zero": (
        "with wValueLength 0 there is no VS_FIXEDFILEINFO (VS_VERSIONINFO docs); pefile reads "
        "52 bytes there anyway; kbaudit reports the resource without a fixed version",
        {"has_version": True, "has_fixed": False, "file_version": None}),
}

# Corrupted fixtures compared too: the documented disagreements above, and a few where
# both readers must still agree.
CORRUPT = ["fixed-bad-signature", "fixed-value-length-zero", "string-value-length-zero",
           "string-value-length-huge", "data-size-huge", "rsrc-dd-zero", "table-key-garbage"]

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s: %s" % (name, detail))


def ver(ms, ls):
    return "%d.%d.%d.%d" % (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)


def pefile_view(path):
    """What pefile says, in kbaudit's JSON terms (None when pefile refuses the file)."""
    try:
        pe = pefile.PE(path, fast_load=True)
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
    except pefile.PEFormatError as e:
        return None, str(e)
    v = {"machine_code": pe.FILE_HEADER.Machine, "file_version": None, "product_version": None,
         "string_table": None, "strings": {}}
    fixed = getattr(pe, "VS_FIXEDFILEINFO", None)
    if fixed:
        f = fixed[0]
        v["file_version"] = ver(f.FileVersionMS, f.FileVersionLS)
        v["product_version"] = ver(f.ProductVersionMS, f.ProductVersionLS)
    for fi in (getattr(pe, "FileInfo", None) or [[]])[:1]:
        for block in fi:
            tables = getattr(block, "StringTable", None)
            if tables:
                v["string_table"] = tables[0].LangID.decode("ascii", "replace")
                v["strings"] = {k.decode("utf-8", "replace"): s.decode("utf-8", "replace")
                                for k, s in tables[0].entries.items()}
                break
    pe.close()
    return v, None


def ours_view(o):
    return {"machine_code": o["machine_code"], "file_version": o["file_version"],
            "product_version": o["product_version"], "string_table": o["string_table"],
            "strings": {s["key"]: s["value"] for s in o["strings"]}}


def compare(name, path, o):
    theirs, their_err = pefile_view(path)
    if name in KNOWN:
        why, want = KNOWN[name]
        print("known pefile disagreement: %s: %s" % (name, why))
        # keep the list honest: a pefile that stops being wrong here fails this check
        still = (theirs is not None and theirs["file_version"] is not None) if isinstance(want, str) \
            else (theirs is None or not o["ok"] or ours_view(o) != theirs)
        check(name + " (pefile still disagrees)", still, "pefile now agrees with kbaudit: drop the KNOWN entry")
        if isinstance(want, str):
            check(name + " (documented error)", not o["ok"] and want in o["error"], o)
            return
        check(name + " (documented read)", o["ok"], o)
        if not o["ok"]:
            return
        strings = {s["key"]: s["value"] for s in reversed(o["strings"])}   # first wins, as VerQueryValue
        for k, v in want.items():
            got = len(o["strings"]) if k == "n_strings" else o[k] if k in o else strings.get(k)
            check("%s %s" % (name, k), got == v, "kbaudit %r, documented %r" % (got, v))
        return
    if theirs is None:
        check(name + " is refused by both", not o["ok"], "pefile: %s; kbaudit read it" % their_err)
        return
    if not o["ok"]:
        check(name + " is read by both", False, "kbaudit: %s" % o["error"])
        return
    ours = ours_view(o)
    for k in ("machine_code", "file_version", "product_version", "string_table", "strings"):
        check("%s %s" % (name, k), ours[k] == theirs[k], "kbaudit %r, pefile %r" % (ours[k], theirs[k]))


def main():
    args = sys.argv[1:]
    corpus = args and args[0] == "--corpus"
    if corpus:
        args = args[1:]
    kb, folder = args
    if not os.path.isdir(folder):
        if corpus:
            print("SKIP: no PE corpus at %s (the shared corpus is optional)" % folder)
            sys.exit(77)
        sys.exit("FAIL: no fixture folder %s" % folder)
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f)))
    if not corpus:
        files += [os.path.join(folder, "corrupt", c) for c in CORRUPT]
    if not files:
        sys.exit("FAIL: no files in %s" % folder)
    r = subprocess.run([kb, "pe", "--format", "json", *files], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check("kbaudit exit code", r.returncode in (0, 3), "rc=%d %s" % (r.returncode, r.stderr[:300]))
    doc = json.loads(r.stdout)
    for path, o in zip(files, doc):
        compare(os.path.basename(path), path, o)
    print("compared %d files with pefile %s" % (len(files), pefile.__version__))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
