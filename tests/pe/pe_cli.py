#!/usr/bin/python3
"""End-to-end tests of `kbaudit pe` on the built PE fixtures and their corrupted copies.

Usage: pe_cli.py KBAUDIT FIXTURE_DIR

Checks exit codes (0 read, 2 usage, 3 unreadable), the text output, and that every JSON
output is valid (jq must accept it) and says what the API says. Ends with
"N passed, N failed".
"""
import json
import os
import shutil
import subprocess
import sys

KB, FX = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (name, detail))


def run(*args):
    r = subprocess.run([KB, "pe", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def jq_ok(text):
    r = subprocess.run(["jq", "-e", "type == \"array\""], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return r.returncode == 0


def fx(name):
    return os.path.join(FX, name)


if shutil.which("jq") is None:
    sys.exit("FAIL: jq is not installed (Debian package jq; .ci/run installs it)")

# ---- usage
for args, what in (((), "no file"), (("--format", "xml", fx("gdr_x86.dll")), "bad format"),
                   (("--bogus", fx("gdr_x86.dll")), "unknown option"), (("--format",), "missing format")):
    rc, out, err = run(*args)
    check("usage: " + what, rc == 2 and "kbaudit pe:" in err, "rc=%d err=%r" % (rc, err))
rc, out, err = run("--help")
check("--help", rc == 0 and out.startswith("usage: kbaudit pe"), "rc=%d" % rc)
r = subprocess.run([KB, "help", "pe"], stdout=subprocess.PIPE)
check("help pe", r.returncode == 0 and b"--format" in r.stdout)
r = subprocess.run([KB, "--help"], stdout=subprocess.PIPE)
check("pe listed in --help", b"  pe " in r.stdout)

# ---- text
rc, out, err = run(fx("ldr_escrow_x86.exe"))
lines = out.splitlines()
check("text rc", rc == 0 and err == "", "rc=%d err=%r" % (rc, err))
for want in ("path\t" + fx("ldr_escrow_x86.exe"), "machine\tx86 (0x014c)", "format\tPE32",
             "file_version\t6.0.6002.24566", "product_version\t6.0.6003.20489",
             "string\tFileVersion\t6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)",
             "string\tLegalCopyright\t\u00a9 Microsoft Corporation. All rights reserved.",
             "branch\tvistasp2_ldr_escrow", "string_table\t040904B0", "translations\t040904B0",
             "resource_languages\t0x0409"):
    check("text line " + want, want in lines, repr(lines))
rc, out, err = run(fx("nores_x64.dll"), fx("otherres_x64.dll"))
check("no version is not an error", rc == 0 and out.count("version\tno version resource") == 2 and
      "machine\tx64 (0x8664)" in out and "format\tPE32+" in out, out)
check("blank line between files", "\n\npath\t" in out)
rc, out, err = run(fx("zero_x86.exe"))
check("zero version flagged", rc == 0 and "file_version\t0.0.0.0" in out and "version_zero\tyes" in out, out)

# ---- json
allfx = sorted(f for f in os.listdir(FX) if os.path.isfile(fx(f)))
rc, out, err = run("--format", "json", *[fx(f) for f in allfx])
check("json rc", rc == 0, "rc=%d err=%r" % (rc, err))
check("json valid (jq)", jq_ok(out), out[:300])
doc = json.loads(out)
check("json one object per file", [os.path.basename(o["path"]) for o in doc] == allfx)
by = {os.path.basename(o["path"]): o for o in doc}
o = by["ldr_escrow_x64.exe"]
check("json ldr_escrow", o["ok"] and o["machine"] == "x64" and o["machine_code"] == 0x8664 and
      o["format"] == "PE32+" and o["file_version"] == "6.0.6002.24566" and
      o["product_version"] == "6.0.6003.20489" and o["usable"] and
      o["file_version_string"] == {"version": "6.0.6003.20489", "branch": "vistasp2_ldr_escrow",
                                   "stamp": "190320-1700"} and o["warning"] is None, o)
check("json strings in order", [s["key"] for s in o["strings"]][:3] ==
      ["CompanyName", "FileDescription", "FileVersion"], o["strings"])
o = by["multilang_x86.dll"]
check("json languages", o["resource_languages"] == [0x409, 0x40C] and
      o["string_tables"] == ["040904B0", "040704B0"] and o["translations"] == ["040904B0", "040704B0"] and
      o["string_table"] == "040904B0", o)
o = by["zero_x86.exe"]
check("json zero", o["has_version"] and o["version_zero"] and not o["usable"] and o["file_version"] == "0.0.0.0", o)
o = by["nores_x86.exe"]
check("json no version", o["ok"] and not o["has_version"] and o["file_version"] is None and
      o["strings"] == [] and o["string_table"] is None, o)

# ---- unreadable files: exit 3, the message names the file, the others still print
missing = fx("does-not-exist.dll")
rc, out, err = run("--format", "json", fx("gdr_x64.dll"), missing, fx("gdr_x86.dll"))
doc = json.loads(out) if jq_ok(out) else []
check("unreadable: rc 3", rc == 3, "rc=%d" % rc)
check("unreadable: message names the file", missing + ": cannot open" in err, err)
check("unreadable: json still valid and complete", len(doc) == 3 and doc[1]["ok"] is False and
      missing in doc[1]["error"] and doc[0]["ok"] and doc[2]["ok"], out)
rc, out, err = run(fx("corrupt/ne-header"))
check("not PE: rc 3 and text error line", rc == 3 and "error\t" in out and "not a PE file" in err, out + err)

# ---- every corrupted copy: clean exit, valid JSON, outcome as expected
expect = {}
with open(fx("corrupt/expect.tsv"), encoding="utf-8") as f:
    for line in f:
        name, kind, arg = line.rstrip("\n").split("\t")
        expect.setdefault(name, []).append((kind, arg))
for name, exps in sorted(expect.items()):
    path = fx("corrupt/" + name)
    for fmt in ("text", "json"):
        rc, out, err = run("--format", fmt, path)
        if rc < 0 or rc not in (0, 3):
            check("corrupt %s (%s) exits cleanly" % (name, fmt), False, "rc=%d err=%s" % (rc, err))
            continue
        is_error = any(k == "error" for k, _ in exps)
        check("corrupt %s (%s) exit code" % (name, fmt), rc == (3 if is_error else 0), "rc=%d err=%s" % (rc, err))
        if is_error:
            check("corrupt %s names the file" % name, ("kbaudit: " + path + ":") in err, err)
        if fmt == "json":
            check("corrupt %s json valid" % name, jq_ok(out), out[:200])

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
