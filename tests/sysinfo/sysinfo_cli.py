#!/usr/bin/env python3
"""End-to-end: `kbaudit audit --systeminfo FILE [--qfe FILE]` and `kbaudit facts` on

 - the real samples in ../shared/corpus/systeminfo (skipped, with a message, when absent);
 - the readable fixtures in tests/fixtures/sysinfo, converted here to the encodings real
   files come in (UTF-16LE with and without BOM, UTF-8 with BOM, CP850, CP866, CRLF);
 - hostile text generated here: a huge line, NUL bytes, invalid UTF-16, 10 MB of hotfix
   rows, binary noise, unknown languages, GBK bytes.

Checks the exit code, the JSON verdict, product, architecture and evidence kind, that JUnit
validates with xmllint, and that every exit-3 message names the file (and line or offset).

usage: sysinfo_cli.py KBAUDIT FIXTURES OUTDIR CORPUS XMLLINT
"""
import json
import os
import subprocess
import sys
import time

KBAUDIT, FIX, OUT, CORPUS, XMLLINT = sys.argv[1:6]
os.makedirs(OUT, exist_ok=True)
problems = []

SERVER_STD = "Microsoft Windows Server 2008 Standard"


def convert(name, encoding, host=None):
    """FIX/name as text, written to OUT in ENCODING (CRLF line ends except for plain utf-8);
    HOST replaces the fixtures' host name SRV2K8."""
    with open(os.path.join(FIX, name), encoding="utf-8") as f:
        text = f.read()
    if host:
        text = text.replace("SRV2K8", host)
    if encoding != "utf-8":
        text = text.replace("\n", "\r\n")
    codec = {"utf-16le+bom": "utf-16le", "utf-8+bom": "utf-8"}.get(encoding, encoding)
    data = text.encode(codec)
    if encoding == "utf-16le+bom":
        data = b"\xff\xfe" + data
    elif encoding == "utf-8+bom":
        data = b"\xef\xbb\xbf" + data
    path = os.path.join(OUT, f"{encoding}-{'host-' if host else ''}{name}")
    with open(path, "wb") as f:
        f.write(data)
    return path


def run(args):
    p = subprocess.run([KBAUDIT] + args, capture_output=True, timeout=240)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def audit(label, si, qfe=None, code=None, verdict=None, product=None, arch=None, reason=None, reqs=None,
          encoding=None):
    args = ["audit", "--systeminfo", si] + (["--qfe", qfe] if qfe else [])
    rc, out, err = run(args + ["--format", "json"])
    if rc != code:
        problems.append(f"{label}: exit {rc}, expected {code}: {err.strip()}")
        return
    d = json.loads(out)
    ok = d["verdict"] == verdict and d["evidence"]["kind"] == "package-list" and \
        d["evidence"]["unknown"] == ["cbs-states", "file-versions", "pending-reboot"] and d["pending_reboot"] is None
    if product is not None:
        ok = ok and d["host"]["product"] == product
    if arch is not None:
        ok = ok and d["host"]["arch"] == arch
    if reason is not None:
        ok = ok and reason in d["verdict_reason"]
    for rid, status in (reqs or {}).items():
        got = [q for q in d["requirements"] if q["id"] == rid]
        ok = ok and len(got) == 1 and got[0]["status"] == status and got[0]["evidence_kind"] == "package-list"
    if not ok:
        problems.append(f"{label}: {d['verdict']} / {d['host']['product']!r} / {d['host']['arch']} / "
                        f"{d['verdict_reason']!r}")
    # JUnit: well-formed, the evidence kind a property; text: the unknowns said
    rc2, xml, _ = run(args + ["--format", "junit"])
    x = subprocess.run([XMLLINT, "--noout", "-"], input=xml.encode(), capture_output=True)
    if rc2 != code or x.returncode != 0 or 'name="evidence_kind" value="package-list"' not in xml:
        problems.append(f"{label}: JUnit exit {rc2} / xmllint {x.returncode} {x.stderr[:200]!r}")
    rc3, text, _ = run(args)
    if rc3 != code or "Evidence:    package list" not in text or \
            (code != 4 and "Pending reboot: unknown" not in text):
        problems.append(f"{label}: text report lacks the evidence or reboot line (exit {rc3})")
    if encoding:
        rc4, facts, _ = run(["facts", "--format", "json", "--systeminfo", si] + (["--qfe", qfe] if qfe else []))
        fd = json.loads(facts) if rc4 == 0 else {}
        with open(si, "rb") as f:   # English text is ASCII: in CP437/CP850 it is read as UTF-8
            ascii_only = all(b < 0x80 for b in f.read())
        want = "utf-8" if ascii_only and encoding in ("cp437", "cp850") else encoding
        if rc4 != 0 or fd["target"]["kind"] != "package-list" or fd["package_list"]["encoding"] != want:
            problems.append(f"{label}: facts exit {rc4}, {fd.get('package_list')}")


def unreadable(label, si, needle, qfe=None, seconds=None):
    args = ["audit", "--systeminfo", si] + (["--qfe", qfe] if qfe else [])
    t0 = time.monotonic()
    rc, _, err = run(args)
    took = time.monotonic() - t0
    named = qfe if qfe else si
    if rc != 3 or needle not in err or named not in err:
        problems.append(f"{label}: exit {rc}, stderr {err.strip()[:300]!r} (want exit 3, {needle!r} and the file)")
    if seconds is not None and took > seconds:
        problems.append(f"{label}: took {took:.1f} s (limit {seconds} s)")
    print(f"  {label}: exit {rc} in {took:.2f} s: {err.strip()[:160]}")


# --- the fixtures, each in the encodings it comes in --------------------------------------
fixtures = [
    ("en-6003-all.txt", ["utf-8", "utf-16le+bom", "utf-16le", "utf-8+bom", "cp850"], 1, "inconclusive", SERVER_STD,
     "x64", {"ssu": "satisfied", "sha2": "satisfied", "rollup": "satisfied"}),
    ("en-6002-missing-rollup.txt", ["utf-8", "cp437"], 1, "not-compliant", SERVER_STD, "x64",
     {"rollup": "missing", "ssu": "satisfied"}),
    ("de-6002.txt", ["cp850", "utf-16le+bom"], 1, "not-compliant", "Microsoft Windows Server 2008 Enterprise", "x64",
     {"rollup": "satisfied"}),
    ("fr-6003-all.txt", ["cp850", "utf-16le"], 1, "inconclusive", SERVER_STD, "x64", None),
    ("es-6003-missing-ssu.txt", ["utf-16le+bom", "cp850"], 1, "not-compliant", SERVER_STD, "x86",
     {"ssu": "missing", "rollup": "satisfied"}),
    ("nl-6003-all.txt", ["utf-8"], 1, "inconclusive", SERVER_STD, "x64", None),
    ("it-6003-all.txt", ["utf-16le"], 1, "inconclusive", SERVER_STD, "x64", None),
    ("ru-6003-all.txt", ["cp866", "utf-16le+bom", "utf-8"], 1, "inconclusive", SERVER_STD, "x64", None),
    ("zh-6003-all.txt", ["utf-16le+bom", "utf-8"], 1, "inconclusive", SERVER_STD, "x64", None),
    ("csv-6003-all.csv", ["utf-8", "utf-16le+bom"], 1, "inconclusive", SERVER_STD, "x64", None),
    ("en-6003-bare-file1.txt", ["utf-8"], 1, "not-compliant", "Microsoft Windows Server 2008 Datacenter", "x64",
     {"ssu": "satisfied", "sha2": "satisfied", "rollup": "missing"}),
]
for name, encodings, code, verdict, product, arch, reqs in fixtures:
    for enc in encodings:
        audit(f"{name} as {enc}", convert(name, enc), code=code, verdict=verdict, product=product, arch=arch,
              reqs=reqs, encoding=enc)

# qfe text completes the list: every form, each the only place the updates are named
nohotfix = convert("en-6003-nohotfix.txt", "utf-8")
audit("no hotfix list, no qfe", nohotfix, code=1, verdict="not-compliant",
      reqs={"ssu": "missing", "sha2": "missing", "rollup": "missing"})
# the wmic qfe table's CSName is "SRVÄÖÜ": the systeminfo text names it in other case
nohotfix_umlaut = convert("en-6003-nohotfix.txt", "utf-8", host="srvÄÖÜ")
for q, enc in [("qfe-list-full.txt", "utf-16le+bom"), ("qfe-table.txt", "utf-16le+bom"), ("qfe-table.txt", "cp850"),
               ("gethotfix-list.txt", "utf-8"), ("gethotfix-table.txt", "utf-16le+bom"), ("gethotfix.csv", "utf-8"),
               ("gethotfix.csv", "utf-8+bom")]:
    audit(f"qfe {q} as {enc}", nohotfix_umlaut if q == "qfe-table.txt" else nohotfix, qfe=convert(q, enc), code=1,
          verdict="inconclusive", product=SERVER_STD, reqs={"ssu": "satisfied", "sha2": "satisfied", "rollup": "satisfied"})

# R4 (review): the qfe text must be of the systeminfo text's host
def host_check(label, si, qfe, code, needles, absent=()):
    rc, out, err = run(["audit", "--systeminfo", si, "--qfe", qfe])
    text = out + err
    missing = [n for n in needles if n not in text] + [f"no {n!r}" for n in absent if n in text]
    if rc != code or missing:
        problems.append(f"{label}: exit {rc} (want {code}), missing {missing}: {text.strip()[:300]!r}")
    print(f"  {label}: exit {rc}: {err.strip()[:200]}")


other = convert("en-6003-all.txt", "utf-8")   # Host Name: SRV2K8SP2
for q, enc, line, label in [("qfe-list-full.txt", "utf-8", 4, "CSName"), ("qfe-table.txt", "utf-16le+bom", 2, "CSName"),
                            ("gethotfix-list.txt", "utf-8", 3, "Source"), ("gethotfix-table.txt", "utf-8", 4, "Source"),
                            ("gethotfix.csv", "utf-8", 3, "CSName")]:
    qp = convert(q, enc)
    host_check(f"qfe {q} of another host", other, qp, 3,
               [other, qp, f"line {line}", label, "SRV2K8SP2", "not the same host"])
host_check("qfe naming two hosts", nohotfix, convert("qfe-two-hosts.txt", "utf-8"), 3,
           ["lines 4 and 10", "names two hosts", '"SRV2K8"', '"SRV2K8B"'])
host_check("qfe host in other case", nohotfix, convert("qfe-list-full.txt", "utf-8", host="srv2k8"), 1, ["INCONCLUSIVE"],
           absent=["could not be matched", "not the same host"])
host_check("qfe naming no host", nohotfix, convert("qfe-no-host.txt", "utf-8"), 1,
           ["could not be matched to one host", "names none"])
host_check("systeminfo naming no host", convert("en-6003-nohotfix.txt", "utf-8", host="\n"),
           convert("qfe-list-full.txt", "utf-8"), 1, ["could not be matched", "no Host Name line"])
audit("qfe CSV without #TYPE, rollup absent", nohotfix, qfe=convert("gethotfix-notype-other.csv", "utf-8"), code=1,
      verdict="not-compliant", reqs={"rollup": "missing", "ssu": "satisfied"})
bare = convert("en-6003-bare-file1.txt", "utf-8")
audit("bare numbers + qfe list full", bare, qfe=convert("qfe-list-full.txt", "utf-8"), code=1, verdict="inconclusive",
      reqs={"rollup": "satisfied"})
# systeminfo stopped listing: a requirement it does not name is not a sure "missing"
trunc = convert("en-6003-truncated.txt", "utf-8")
audit("truncated list", trunc, code=1, verdict="inconclusive", reason="incomplete", reqs={"rollup": "missing"})
audit("truncated list + qfe without the rollup", trunc, qfe=convert("gethotfix-notype-other.csv", "utf-8"), code=1,
      verdict="not-compliant", reqs={"rollup": "missing"})

# --- the corpus --------------------------------------------------------------------------
if not os.path.isdir(CORPUS):
    print(f"skipping the corpus samples: {CORPUS} is absent (../shared not checked out)")
else:
    c = lambda n: os.path.join(CORPUS, n)
    corpus = [
        ("wesng__srv_2008_rtm_x64_standard_en-us_systeminfo.txt", None, SERVER_STD, "x64", "build 6001"),
        ("wesng__srv_2008_rtm_x86_standard_en-us_systeminfo.txt", None, SERVER_STD, "x86", "build 6001"),
        ("wesng__srv_2008r2_sp1_x64_standard_en-us_systeminfo.txt", None, "Microsoft Windows Server 2008 R2 Standard",
         "x64", "\"Microsoft Windows Server 2008 R2 Standard\" (NT 6.1"),
        ("wesng__vista_x64_sp2_systeminfo.txt", None, "Microsoft Windows Vista Enterprise", "x64", "Windows Vista"),
        ("wesng__vista_x64_sp2_systeminfo.txt", "wesng__vista_x64_sp2_qfe.txt", "Microsoft Windows Vista Enterprise",
         "x64", "Windows Vista"),
        ("wesng__7_sp1_x64_enterprise_en-us_B_systeminfo.txt", None, "Microsoft Windows 7 Enterprise", "x64",
         "\"Microsoft Windows 7 Enterprise\" (NT 6.1"),
        ("wesng__7_sp1_x64_enterprise_en-us_B_systeminfo.txt", "wesng__7_sp1_x64_enterprise_en-us_B_qfe.txt",
         "Microsoft Windows 7 Enterprise", "x64", "NT 6.1"),
    ]
    for si, qfe, product, arch, reason in corpus:
        audit(f"corpus {si}{' + ' + qfe if qfe else ''}", c(si), qfe=c(qfe) if qfe else None, code=4,
              verdict="not-covered", product=product, arch=arch, reason=reason)
    # the facts: every KB row of the Vista qfe (UTF-16LE) and systeminfo lists is read
    rc, out, err = run(["facts", "--format", "json", "--systeminfo", c("wesng__vista_x64_sp2_systeminfo.txt"),
                        "--qfe", c("wesng__vista_x64_sp2_qfe.txt")])
    fd = json.loads(out) if rc == 0 else {}
    pl = fd.get("package_list", {})
    if rc != 0 or pl.get("qfe_encoding") != "utf-16le+bom" or pl.get("qfe_format") != "wmic-table" or \
            pl.get("rows") != 2 * 175 or pl.get("not_kb") != 2 or len(fd["packages"]) != 174:
        problems.append(f"corpus Vista facts: exit {rc} {err.strip()} {pl} {len(fd.get('packages', []))} packages")
    print(f"  corpus Vista facts: {pl}, {len(fd.get('packages', []))} packages")

# --- hostile text --------------------------------------------------------------------------
def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


head = b"OS Name: Microsoft Windows Server 2008 Standard\r\nOS Version: 6.0.6003 Service Pack 2 Build 6003\r\n"
unreadable("huge line", write("huge-line.txt", head + b"System Type: " + b"x" * 200000 + b"\r\n"), "line 3: 200013 bytes")
unreadable("NUL bytes", write("nul.txt", head + b"System Type: x64\x00-based PC\r\n"), "line 3 (offset 113): a NUL byte")
unreadable("invalid UTF-16", write("bad-utf16.txt", b"\xff\xfe" + "OS Name: x\r\n".encode("utf-16le") + b"\x00\xd8A\x00"),
           "offset 26: invalid UTF-16")
unreadable("odd UTF-16", write("odd-utf16.txt", b"\xff\xfe" + head.decode().encode("utf-16le") + b"\x41"),
           "odd number of bytes")
rows = b"".join(b"                           [%02d]: KB%d\r\n" % (i, 1000000 + i) for i in range(1, 250001))
big = head + b"Hotfix(s):                 250000 Hotfix(s) Installed.\r\n" + rows
unreadable(f"{len(big) >> 20} MB of hotfix rows", write("10mb-rows.txt", big), "more than 100000 hotfix rows",
           seconds=20)
qrows = b"\r\n".join(b"HotFixID=KB%d" % (1000000 + i) for i in range(400000))
unreadable(f"{len(qrows) >> 20} MB of qfe rows", convert("en-6003-nohotfix.txt", "utf-8"), "more than 100000 hotfix rows",
           qfe=write("10mb-qfe.txt", b"Caption=\r\n" + qrows), seconds=20)
# under the limit: 90000 rows parse, in linear time
rows = b"".join(b"  [%02d]: KB%d\r\n" % (i, 1000000 + i) for i in range(1, 90001))
t0 = time.monotonic()
path = write("90k-rows.txt", head + b"Hotfix(s): 90000 Hotfix(s) Installed.\r\n" + rows)
rc, out, err = run(["facts", "--format", "json", "--systeminfo", path])
took = time.monotonic() - t0
if rc != 0 or len(json.loads(out)["packages"]) != 90000 or took > 30:
    problems.append(f"90000 rows: exit {rc} in {took:.1f} s {err.strip()[:200]}")
print(f"  90000 hotfix rows ({os.path.getsize(path) >> 10} KiB): facts exit {rc} in {took:.2f} s")
unreadable("binary noise", write("noise.bin", bytes((i * 151 + 7) % 256 for i in range(65536))), "NUL")
unreadable("no NUL noise", write("noise2.bin", bytes(10 if i % 80 == 79 else 0x80 + (i * 37) % 127
                                                     for i in range(65536))),
           "not systeminfo output")
unreadable("unknown language", write("pt.txt", "Nome do sistema operacional: Microsoft Windows Server 2008\r\n"
                                               "Versão do sistema operacional: 6.0.6003\r\n".encode("cp850")),
           "not systeminfo output")
unreadable("GBK bytes", write("gbk.txt", "OS 名称: Microsoft Windows Server 2008\r\nOS 版本: 6.0.6003\r\n".encode("gbk")),
           "GBK/CP936 text is not decoded")
unreadable("empty", write("empty.txt", b""), "empty file")
unreadable("missing file", os.path.join(OUT, "does-not-exist.txt"), "does-not-exist.txt")
unreadable("OS Version without a number", write("nover.txt", b"OS Name: Microsoft Windows Server 2008\r\n"
                                                 b"OS Version: Service Pack 2\r\n"), "line 2: \"OS Version\"")
unreadable("qfe given as systeminfo", convert("qfe-list-full.txt", "utf-8"), "not systeminfo output")
unreadable("systeminfo given as qfe", nohotfix, "not wmic qfe or Get-HotFix output", qfe=nohotfix)
unreadable("rows out of order", write("order.txt", head + b"Hotfix(s): 2 Hotfix(s) Installed.\r\n  [01]: KB1\r\n"
                                       b"  [01]: KB2\r\n"), "line 5: hotfix row [01] where [02] was expected")

# --- usage errors (exit 2) ------------------------------------------------------------------
# (audit takes several targets, so --systeminfo with --root is two targets there; facts takes one)
for cmd, args, needle in [("audit", ["--qfe", nohotfix], "--qfe"),
                          ("facts", ["--systeminfo", nohotfix, "--root", OUT], "--systeminfo cannot be combined"),
                          ("audit", ["--systeminfo", nohotfix, "-o", nohotfix], "would write into the evidence")]:
    rc, _, err = run([cmd] + args)
    if rc != 2 or needle not in err:
        problems.append(f"usage {args}: exit {rc}, {err.strip()!r}")

for p in problems:
    print("FAIL", p)
print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
