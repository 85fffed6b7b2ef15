#!/usr/bin/python3
"""mkscenario -- build a Windows system tree (the root of a mounted volume) from a
scenario description: registry hives from .hivedesc text, real PE files built with
mingw-w64, .mum servicing manifests from a template, plain files and symlinks.

Usage:
    mkscenario.py SCENARIO_DIR OUT_DIR [--cache DIR]       # build one scenario
    mkscenario.py --all SCENARIOS_DIR OUT_ROOT [--cache DIR] # every SCENARIOS_DIR/*/scenario.txt
                                                            # into OUT_ROOT/<name>
    mkscenario.py --check SCENARIO_DIR OUT_DIR              # re-read a built tree with
                                                            # hivex, pefile and xmllint and
                                                            # compare with the description
                                                            # and expect-facts.json
    mkscenario.py --check-all SCENARIOS_DIR OUT_ROOT

The format of scenario.txt is in docs/scenarios.md. Nothing is written outside OUT_DIR
except the PE cache (--cache). Python standard library plus mkhive/mkbad from this
folder; --check also needs Debian's python3-hivex and python3-pefile (it re-runs itself
under /usr/bin/python3 when started from another interpreter).
"""

import hashlib
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkhive  # noqa: E402
import mkbad  # noqa: E402
import mklog  # noqa: E402

MARKER = ".mkscenario.json"     # written at OUT_DIR: proves OUT_DIR is ours to rebuild
MAX_INCLUDE_DEPTH = 8
PKT = "31bf3856ad364e35"         # the public key token of Microsoft's packages
CBS = "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
HIVE_NAMES = ("SOFTWARE", "SYSTEM", "COMPONENTS", "SAM", "SECURITY", "DEFAULT")
PREFIX = {"x86": "i686-w64-mingw32-", "x64": "x86_64-w64-mingw32-"}
ENTRY = {"x86": "_entry", "x64": "entry"}   # i686 C symbols carry a leading underscore

# The code of every PE: nothing runs, only the headers and the version resource matter.
C_SOURCE = "/* mkscenario: the whole program of a scenario PE file */\nint entry(void) { return 0; }\n"


class ScenarioError(Exception):
    pass


# ---------------------------------------------------------------------------------------
# lexing: comments, quoted strings, key=value options

def strip_comment(line):
    """Cut a '#' comment that starts the line or follows whitespace, outside quotes."""
    q = False
    i = 0
    while i < len(line):
        c = line[i]
        if q and c == "\\":
            i += 2
            continue
        if c == '"':
            q = not q
        elif c == "#" and not q and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
        i += 1
    if q:
        raise ValueError("unterminated string")
    return line.rstrip()


def read_quoted(s, i):
    """s[i] is '"': return (the string with \\" and \\\\ unescaped, index after it)."""
    out = []
    i += 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in '"\\':
            out.append(s[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise ValueError("unterminated string")


def split_words(s):
    """Whitespace-separated words; a word may be "quoted" or key="quoted"."""
    words = []
    i = 0
    while i < len(s):
        if s[i] in " \t":
            i += 1
            continue
        cur = []
        while i < len(s) and s[i] not in " \t":
            if s[i] == '"':
                text, i = read_quoted(s, i)
                cur.append(text)
            else:
                cur.append(s[i])
                i += 1
        words.append("".join(cur))
    return words


def parse_options(s, multi=()):
    """key=value words -> dict; keys in multi may repeat and give lists."""
    opts = {}
    for w in split_words(s):
        k, eq, v = w.partition("=")
        if not eq or not k:
            raise ValueError("expected key=value, got %r" % w)
        if k in multi:
            opts.setdefault(k, []).append(v)
        elif k in opts:
            raise ValueError("option %r given twice" % k)
        else:
            opts[k] = v
    return opts


def yes(v, what):
    if v in ("yes", "true", "1", "on"):
        return True
    if v in ("no", "false", "0", "off"):
        return False
    raise ValueError("%s must be yes or no, not %r" % (what, v))


# ---------------------------------------------------------------------------------------
# the scenario model

class Entry(object):
    """One thing to create in the tree. kind: dir, pe, mum, file, text, symlink."""

    def __init__(self, kind, region, comps, where, **kw):
        self.kind = kind
        self.region = region          # "win" (under the Windows folder), "root", "out"
        self.comps = comps            # path components as written
        self.where = where            # "file:line" for error messages
        self.__dict__.update(kw)


class Scenario(object):
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(os.path.dirname(os.path.abspath(path)))
        self.description = None
        self.windir = "Windows"
        self.upper = False
        self.root = None              # None: OUT_DIR is the root; else a subfolder of it
        self.entries = {}             # key -> Entry (later lines replace earlier ones)
        self.hives = {}               # upper name -> dict(name, comps, files, patches, where)
        self.packages = {}            # upper identity -> dict
        self.included = []


ID_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
VERSION_RE = re.compile(r"^\d{1,5}\.\d{1,5}\.\d{1,5}\.\d{1,5}$")


def parse_path(text, where):
    """'System32/x' (under the Windows folder), '/x' (under the root) or '@/x' (under
    OUT_DIR, for things outside the root) -> (region, components)."""
    if text.startswith("@/"):
        region, rest = "out", text[2:]
    elif text.startswith("/"):
        region, rest = "root", text[1:]
    else:
        region, rest = "win", text
    comps = [c for c in re.split(r"[/\\]", rest) if c != ""]
    if not comps:
        raise ScenarioError("%s: empty path %r" % (where, text))
    for c in comps:
        if c in (".", "..") or "\0" in c or ":" in c:
            raise ScenarioError("%s: path %r: '.', '..', ':' and NUL are not allowed in "
                                "a path (nothing may be written outside OUT_DIR)" % (where, text))
    return region, comps


def entry_key(region, comps):
    return (region,) + tuple(c.upper() for c in comps)


def parse_version(v, where, what):
    if not VERSION_RE.match(v) or any(int(x) > 65535 for x in v.split(".")):
        raise ScenarioError("%s: %s %r is not a version a.b.c.d (each 0-65535)" % (where, what, v))
    return tuple(int(x) for x in v.split("."))


def split_directive(line):
    """'KIND [ARG]: REST' -> (kind, arg or None, rest)."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9_-]*)", line)
    if not m:
        raise ValueError("expected a directive, got %r" % line)
    kind = m.group(1)
    i = m.end()
    while i < len(line) and line[i] in " \t":
        i += 1
    arg = None
    if i < len(line) and line[i] == '"':
        arg, i = read_quoted(line, i)
        while i < len(line) and line[i] in " \t":
            i += 1
        if i >= len(line) or line[i] != ":":
            raise ValueError("expected ':' after %s \"%s\"" % (kind, arg))
    elif i < len(line) and line[i] != ":":
        j = line.find(":", i)
        if j < 0:
            raise ValueError("expected ':' in %r" % line)
        arg = line[i:j].strip()
        i = j
    if i >= len(line) or line[i] != ":":
        raise ValueError("expected ':' after %r" % kind)
    return kind, arg, line[i + 1:].strip()


def load_scenario(path):
    sc = Scenario(path)
    _load_into(sc, os.path.abspath(path), [], 0)
    return sc


def _load_into(sc, path, stack, depth):
    if depth > MAX_INCLUDE_DEPTH:
        raise ScenarioError("%s: includes nested deeper than %d" % (path, MAX_INCLUDE_DEPTH))
    if path in stack:
        raise ScenarioError("%s: include loop (%s)" % (path, " -> ".join(stack + [path])))
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ScenarioError("cannot read %s: %s" % (path, e.strerror))
    except UnicodeDecodeError as e:
        raise ScenarioError("%s: not UTF-8 (%s)" % (path, e))
    sc.included.append(path)
    base = os.path.dirname(path)
    for n, raw in enumerate(lines, 1):
        where = "%s:%d" % (path, n)
        try:
            line = strip_comment(raw).strip()
            if not line:
                continue
            kind, arg, rest = split_directive(line)
        except ValueError as e:
            raise ScenarioError("%s: %s" % (where, e))
        try:
            _directive(sc, kind, arg, rest, base, where, stack + [path], depth)
        except ValueError as e:
            raise ScenarioError("%s: %s" % (where, e))


def _need(cond, msg):
    if not cond:
        raise ValueError(msg)


def _src(base, name):
    return os.path.normpath(os.path.join(base, name))


def _directive(sc, kind, arg, rest, base, where, stack, depth):
    plain = ("description", "windir", "upper", "root", "include")
    if kind in plain:
        _need(arg is None, "%s takes no argument before ':'" % kind)
    if kind == "description":
        sc.description = rest
    elif kind == "windir":
        w = split_words(rest)
        _need(len(w) == 1 and ID_RE.match(w[0].replace(" ", "_")), "windir: one folder name")
        sc.windir = w[0]
    elif kind == "upper":
        sc.upper = yes(rest, "upper")
    elif kind == "root":
        w = split_words(rest)
        _need(len(w) == 1, "root: one folder name")
        if w[0] == ".":
            sc.root = None
        else:
            _need(ID_RE.match(w[0]) and w[0] not in (".", ".."), "root: a plain folder name")
            sc.root = w[0]
    elif kind == "include":
        for f in split_words(rest):
            _load_into(sc, _src(base, f), stack, depth + 1)
    elif kind in ("hive", "overlay", "corrupt", "logs"):
        _need(arg, "%s needs a hive name or path: '%s SOFTWARE: ...'" % (kind, kind))
        if "/" in arg or "\\" in arg:
            region, comps = parse_path(arg, where)
        else:
            _need(arg.upper() in HIVE_NAMES, "unknown hive %r (one of %s, or a path)" %
                  (arg, ", ".join(HIVE_NAMES)))
            region, comps = "win", ["System32", "config", arg.upper()]
        key = arg.upper() if "/" not in arg and "\\" not in arg else "/".join(comps).upper()
        if kind == "hive":
            files = [_src(base, f) for f in split_words(rest)]
            _need(files, "hive needs at least one .hivedesc file")
            sc.hives[key] = {"name": key, "region": region, "comps": comps, "files": files,
                             "patches": [], "where": where}
        else:
            h = sc.hives.get(key)
            _need(h is not None, "%s %s before 'hive %s:'" % (kind, arg, arg))
            if kind == "overlay":
                h["files"] += [_src(base, f) for f in split_words(rest)]
            elif kind == "logs":
                w = split_words(rest)
                _need(len(w) == 1, "logs: one .logdesc file (tests/support/mklog.py)")
                h["logs"] = _src(base, w[0])
            else:
                cmd = rest.split(None, 1)[0] if rest else ""
                _need(cmd in ("set", "fill", "insert", "truncate", "fixchecksum"),
                      "corrupt: a mkbad patch (set, fill, insert, truncate, fixchecksum), "
                      "not %r" % rest)
                h["patches"].append((where, cmd, rest[len(cmd):].strip()))
    elif kind == "package":
        _package(sc, arg, rest, where)
    elif kind == "remove":
        # drop what an included description made: a file, folder, symlink or hive by its
        # path, or a package (its CBS key and its .mum) by its identity
        _need(arg and not rest, "remove PATH:  or  remove PACKAGE-IDENTITY:")
        if arg.count("~") == 4:
            p = sc.packages.pop(arg.upper(), None)
            _need(p is not None, "remove: no package %s" % arg)
            sc.entries.pop(entry_key("win", ["servicing", "Packages", arg + ".mum"]), None)
            return
        region, comps = parse_path(arg, where)
        k = entry_key(region, comps)
        if sc.entries.pop(k, None) is not None:
            return
        for name, h in list(sc.hives.items()):
            if entry_key(h["region"], h["comps"]) == k:
                del sc.hives[name]
                return
        raise ValueError("remove: nothing at %s" % arg)
    elif kind in ("pe", "mum", "file", "text", "symlink", "dir"):
        _need(arg, "%s needs a path: '%s PATH: ...'" % (kind, kind))
        region, comps = parse_path(arg, where)
        if region == "out":
            _need(sc.root is not None, "@/ paths need 'root:' (they are outside the root)")
        e = Entry(kind, region, comps, where)
        if kind == "pe":
            e.pe = _pe_spec(rest, comps[-1], where)
        elif kind == "mum":
            e.mum = _mum_spec(parse_options(rest, multi=("component",)), where)
            if arg.endswith("/") or arg.endswith("\\"):
                comps.append(e.mum["identity"] + ".mum")
        elif kind == "file":
            w = split_words(rest)
            _need(len(w) == 1, "file: one source file (relative to %s)" % base)
            e.src = _src(base, w[0])
            _need(os.path.isfile(e.src), "file: no such source file %s" % e.src)
        elif kind == "text":
            w = split_words(rest) if rest else [""]
            _need(len(w) == 1, "text: one quoted string")
            e.data = w[0].encode("utf-8")
        elif kind == "symlink":
            w = split_words(rest)
            _need(len(w) == 1 and w[0], "symlink: one target")
            e.target = w[0]
        elif kind == "dir":
            _need(not rest, "dir takes nothing after ':'")
        sc.entries[entry_key(region, comps)] = e
    else:
        raise ValueError("unknown directive %r" % kind)


# ---------------------------------------------------------------------------------------
# PE files

PE_OPTIONS = {"machine", "fixed", "product", "string", "pstring", "original", "description",
              "company", "productname", "kind", "subsystem", "version", "filetype"}


def _pe_spec(rest, basename, where):
    o = parse_options(rest)
    bad = set(o) - PE_OPTIONS
    _need(not bad, "pe: unknown option(s) %s" % ", ".join(sorted(bad)))
    _need(o.get("machine") in PREFIX, "pe: machine=x86 or machine=x64 is required")
    spec = {"machine": o["machine"]}
    ext = os.path.splitext(basename)[1].lower()
    spec["kind"] = o.get("kind", "dll" if ext == ".dll" else "exe")
    _need(spec["kind"] in ("exe", "dll"), "pe: kind=exe or kind=dll")
    spec["subsystem"] = o.get("subsystem", "native")
    _need(spec["subsystem"] in ("native", "console", "windows"),
          "pe: subsystem=native, console or windows")
    spec["version"] = yes(o.get("version", "yes"), "pe: version")
    if spec["version"]:
        _need("fixed" in o, "pe: fixed=a.b.c.d (FILEVERSION) is required (or version=no)")
        spec["fixed"] = parse_version(o["fixed"], where, "fixed")
        spec["product"] = parse_version(o.get("product", o["fixed"]), where, "product")
        spec["string"] = o.get("string", o["fixed"])
        spec["pstring"] = o.get("pstring", o.get("product", o["fixed"]))
        spec["original"] = o.get("original", basename)
        spec["description"] = o.get("description", "NT Kernel & System")
        spec["company"] = o.get("company", "Microsoft Corporation")
        spec["productname"] = o.get("productname", "Microsoft\u00ae Windows\u00ae Operating System")
        ft = {"exe": "VFT_APP", "dll": "VFT_DLL"}[spec["kind"]]
        if ext == ".sys":
            ft = "VFT_DRV"
        spec["filetype"] = o.get("filetype", ft)
        _need(spec["filetype"] in ("VFT_APP", "VFT_DLL", "VFT_DRV"),
              "pe: filetype=VFT_APP, VFT_DLL or VFT_DRV")
    else:
        _need(set(o) <= {"machine", "kind", "subsystem", "version"},
              "pe: version=no takes no version options")
    return spec


def rc_string(s):
    """An .rc wide string literal: non-ASCII and quotes escaped."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('""')
        elif ch == "\\":
            out.append("\\\\")
        elif 0x20 <= o < 0x7f:
            out.append(ch)
        elif o <= 0xffff:
            out.append("\\x%04x" % o)
        else:
            raise ValueError("characters above U+FFFF are not supported in .rc strings")
    return 'L"%s"' % "".join(out)


def rc_text(spec):
    if not spec["version"]:
        return ""
    f, p = spec["fixed"], spec["product"]
    strings = [("CompanyName", spec["company"]), ("FileDescription", spec["description"]),
               ("FileVersion", spec["string"]), ("InternalName", spec["original"]),
               ("LegalCopyright", "\u00a9 Microsoft Corporation. All rights reserved."),
               ("OriginalFilename", spec["original"]), ("ProductName", spec["productname"]),
               ("ProductVersion", spec["pstring"])]
    lines = ["// generated by mkscenario.py", "#include <winver.h>", "LANGUAGE 0x09, 0x01",
             "1 VERSIONINFO",
             "FILEVERSION %d,%d,%d,%d" % f, "PRODUCTVERSION %d,%d,%d,%d" % p,
             "FILEFLAGSMASK 0x3f", "FILEFLAGS 0", "FILEOS VOS_NT_WINDOWS32",
             "FILETYPE %s" % spec["filetype"], "FILESUBTYPE 0", "BEGIN",
             '  BLOCK "StringFileInfo"', "  BEGIN", '    BLOCK "040904B0"', "    BEGIN"]
    for k, v in strings:
        lines.append('      VALUE "%s", %s' % (k, rc_string(v)))
    lines += ["    END", "  END", '  BLOCK "VarFileInfo"', "  BEGIN",
              '    VALUE "Translation", 0x409, 1200', "  END", "END", ""]
    return "\n".join(lines)


def check_toolchain():
    missing = [PREFIX[a] + t for a in PREFIX for t in ("gcc", "windres")
               if shutil.which(PREFIX[a] + t) is None]
    if missing:
        raise ScenarioError(
            "mingw-w64 is missing (%s): install the Debian packages gcc-mingw-w64 and "
            "binutils-mingw-w64 (.ci/run installs them); scenario trees need real PE files"
            % ", ".join(missing))


_tool_versions = {}


def tool_version(machine):
    """First line of gcc --version and windres --version: part of the cache key."""
    if machine not in _tool_versions:
        vs = []
        for t in ("gcc", "windres"):
            r = subprocess.run([PREFIX[machine] + t, "--version"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            vs.append(r.stdout.splitlines()[0] if r.stdout else "?")
        _tool_versions[machine] = " | ".join(vs)
    return _tool_versions[machine]


def pe_cache_key(spec):
    blob = json.dumps({"spec": {k: v for k, v in spec.items()}, "rc": rc_text(spec),
                       "c": C_SOURCE, "tools": tool_version(spec["machine"]),
                       "recipe": 1}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _run(cmd, env):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if r.returncode != 0:
        raise ScenarioError("%s failed:\n%s" % (" ".join(cmd), r.stdout))


def build_pe(spec, workdir):
    """Compile one PE in workdir; return its bytes."""
    m = spec["machine"]
    env = dict(os.environ, TMPDIR=workdir)      # keep the compilers' temporary files in here
    c = os.path.join(workdir, "entry.c")
    with open(c, "w") as f:
        f.write(C_SOURCE)
    out = os.path.join(workdir, "out." + spec["kind"])
    cmd = [PREFIX[m] + "gcc", "-nostdlib", "-s", "-O2", "-Wl,-e," + ENTRY[m],
           "-Wl,--subsystem," + spec["subsystem"], "-Wl,--no-insert-timestamp", "-o", out, c]
    if spec["kind"] == "dll":
        cmd.insert(1, "-shared")
    if spec["version"]:
        rc = os.path.join(workdir, "version.rc")
        with open(rc, "w", encoding="utf-8") as f:
            f.write(rc_text(spec))
        obj = os.path.join(workdir, "version.res.o")
        _run([PREFIX[m] + "windres", "-O", "coff", "-o", obj, rc], env)
        cmd.append(obj)
    _run(cmd, env)
    with open(out, "rb") as f:
        return f.read()


class PeStore(object):
    """Builds PEs once per parameter set; with a cache folder, once per machine."""

    def __init__(self, cache, scratch):
        self.cache = os.path.abspath(cache) if cache else None
        self.scratch = scratch        # where to compile when there is no cache
        self.mem = {}
        self.built = 0
        self.hits = 0

    def _path(self, key):
        return os.path.join(self.cache, key + ".pe")

    def get(self, spec):
        key = pe_cache_key(spec)
        if key in self.mem:
            return self.mem[key]
        data = None
        if self.cache:
            try:
                with open(self._path(key), "rb") as f:
                    data = f.read()
                self.hits += 1
            except FileNotFoundError:
                pass
        if data is None:
            parent = self.cache or self.scratch
            if parent is None:
                raise AssertionError("PeStore: no cache and no scratch folder")
            work = tempfile.mkdtemp(prefix="build-", dir=parent)
            try:
                data = build_pe(spec, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            self.built += 1
            if self.cache:
                # atomic: another build running at the same time sees all or nothing
                fd, tmp = tempfile.mkstemp(prefix="tmp-", dir=self.cache)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.chmod(tmp, 0o644)
                os.replace(tmp, self._path(key))
        self.mem[key] = data
        return data

    def prebuild(self, specs):
        """Build the distinct specs on two threads (the compilers are the slow part)."""
        uniq = {}
        for s in specs:
            uniq.setdefault(json.dumps(s, sort_keys=True), s)
        with ThreadPoolExecutor(max_workers=2) as ex:
            list(ex.map(self.get, uniq.values()))


# ---------------------------------------------------------------------------------------
# .mum manifests and CBS package keys

MUM_OPTIONS = {"kb", "name", "version", "arch", "language", "release", "restart",
               "identifier", "parent", "parentname", "component", "bom", "timestamp",
               "description", "identity"}
KB_NAME_RE = re.compile(r"^Package_(?:\d+_)?for_KB(\d+)", re.I)


def _mum_spec(o, where):
    bad = set(o) - MUM_OPTIONS
    _need(not bad, "mum: unknown option(s) %s" % ", ".join(sorted(bad)))
    m = {}
    if "identity" in o:
        name, arch, lang, version = split_identity(o["identity"])
    else:
        _need("kb" in o or "name" in o, "mum: kb=NNNNNNN or name=... or identity=... is needed")
        name = o.get("name", "Package_for_KB%s" % o.get("kb", ""))
        arch = o.get("arch", "amd64")
        lang = o.get("language", "")
        version = o.get("version", "6.0.1.0")
    kb = o.get("kb")
    if kb is None:
        km = KB_NAME_RE.match(name)
        kb = km.group(1) if km else None
    _need(kb is None or kb.isdigit(), "mum: kb must be digits")
    _need(ID_RE.match(name) and ID_RE.match(arch) and (lang == "" or ID_RE.match(lang)),
          "mum: name, arch and language may hold only letters, digits, _ . -")
    parse_version(version, where, "mum version")
    m["name"], m["arch"], m["language"], m["version"] = name, arch, lang, version
    m["identity"] = "~".join([name, PKT, arch, lang, version])
    m["kb"] = kb
    m["identifier"] = o.get("identifier", "KB" + kb if kb else name)
    m["release"] = o.get("release", "Security Update")
    m["restart"] = o.get("restart", "possible")
    m["parent"] = o.get("parent", "6.0.6001.18000")
    if m["parent"] != "none":
        parse_version(m["parent"], where, "mum parent")
    m["parentname"] = o.get("parentname", "Microsoft-Windows-Foundation-Package")
    comps = []
    for c in o.get("component", []):
        cn, at, cv = c.partition("@")
        _need(at and ID_RE.match(cn), "mum: component=NAME@a.b.c.d")
        parse_version(cv, where, "component version")
        comps.append((cn, cv))
    m["components"] = comps
    m["bom"] = yes(o.get("bom", "no"), "mum: bom")
    m["timestamp"] = o.get("timestamp", "2019-04-02T10:00:00Z")
    m["description"] = o.get("description", "Fix for KB%s" % kb if kb else name)
    return m


def split_identity(identity):
    parts = identity.split("~")
    if len(parts) != 5 or parts[1].lower() != PKT or not all(
            ID_RE.match(p) for p in (parts[0], parts[2], parts[4])) or \
            (parts[3] and not ID_RE.match(parts[3])):
        raise ValueError("package identity %r is not Name~%s~Arch~Language~Version"
                         % (identity, PKT))
    return parts[0], parts[2], parts[3], parts[4]


def xml_attr(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def mum_xml(m):
    """A package manifest in the shape of kb-facts.md section 6.3 (asm.v3)."""
    a = xml_attr
    lang = m["language"] or "neutral"
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<!-- generated by kbaudit tests/support/mkscenario.py: synthetic, in the shape of '
             'kb-facts.md 6.3 -->',
             '<assembly xmlns="urn:schemas-microsoft-com:asm.v3" manifestVersion="1.0" '
             'description="%s" displayName="default" company="Microsoft Corporation" '
             'copyright="Microsoft Corporation"%s creationTimeStamp="%s" '
             'lastUpdateTimeStamp="%s">' % (
                 a(m["description"]),
                 ' supportInformation="http://support.microsoft.com/?kbid=%s"' % m["kb"]
                 if m["kb"] else "", a(m["timestamp"]), a(m["timestamp"])),
             '  <assemblyIdentity name="%s" version="%s" language="%s" '
             'processorArchitecture="%s" publicKeyToken="%s"/>' % (
                 a(m["name"]), m["version"], a(lang), a(m["arch"]), PKT)]
    restart = ' restart="%s"' % a(m["restart"]) if m["restart"] != "none" else ""
    lines.append('  <package identifier="%s" releaseType="%s"%s>' % (
        a(m["identifier"]), a(m["release"]), restart))
    if m["parent"] != "none":
        lines += ['    <parent buildCompare="EQ" serviceCompare="GE" integrate="separate" '
                  'disposition="detect">',
                  '      <assemblyIdentity name="%s" version="%s" language="neutral" '
                  'processorArchitecture="%s" publicKeyToken="%s"/>' % (
                      a(m["parentname"]), m["parent"], a(m["arch"]), PKT),
                  '    </parent>']
    lines += ['    <installerAssembly name="Microsoft-Windows-ServicingStack" version="6.0.0.0" '
              'language="neutral" processorArchitecture="%s" versionScope="nonSxS" '
              'publicKeyToken="%s"/>' % (a(m["arch"]), PKT)]
    tag = m["kb"] or m["name"]
    if m["components"]:
        for i, (cn, cv) in enumerate(m["components"], 1):
            lines += ['    <update name="%s-%d_neutral_LDR">' % (a(tag), i),
                      '      <component>',
                      '        <assemblyIdentity name="%s" version="%s" processorArchitecture="%s" '
                      'language="neutral" buildType="release" publicKeyToken="%s" '
                      'versionScope="nonSxS"/>' % (a(cn), cv, a(m["arch"]), PKT),
                      '      </component>',
                      '    </update>']
    else:
        lines.append('    <update name="%s-1_neutral_LDR"/>' % a(tag))
    lines += ['  </package>', '</assembly>', '']
    data = "\r\n".join(lines).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if m["bom"] else data


PACKAGE_OPTIONS = MUM_OPTIONS - {"kb", "name", "version", "arch", "language", "identity"} | {
    "kb", "state", "client", "installed", "mum", "user", "visibility"}

FILETIME_EPOCH = 11644473600     # seconds from 1601-01-01 to 1970-01-01


def iso_to_filetime(s):
    import calendar
    import time
    try:
        t = time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValueError("time %r is not YYYY-MM-DDTHH:MM:SSZ" % s)
    return (calendar.timegm(t) + FILETIME_EPOCH) * 10000000


def _package(sc, identity, rest, where):
    _need(identity, "package needs an identity: 'package Name~%s~arch~~a.b.c.d: ...'" % PKT)
    o = parse_options(rest, multi=("component",))
    bad = set(o) - PACKAGE_OPTIONS
    _need(not bad, "package: unknown option(s) %s" % ", ".join(sorted(bad)))
    _need("state" in o, "package: state=0xNN (the CBS CurrentState) is required")
    state = int(o["state"], 0) & 0xFFFFFFFF
    name, arch, lang, version = split_identity(identity)
    mo = {k: v for k, v in o.items() if k in MUM_OPTIONS}
    mo["identity"] = identity
    p = {"identity": identity, "state": state, "where": where,
         "client": o.get("client", "WindowsUpdateAgent"),
         "installed": o.get("installed", "2019-04-10T08:00:00Z"),
         "user": o.get("user", "S-1-5-18"),
         "visibility": int(o.get("visibility", "1"), 0)}
    iso_to_filetime(p["installed"])
    mumopt = o.get("mum", "yes")
    _need(mumopt in ("yes", "no", "bom"), "package: mum=yes, no or bom")
    if mumopt == "bom":
        mo["bom"] = "yes"
    p["mum"] = _mum_spec(mo, where) if mumopt != "no" else None
    sc.packages[identity.upper()] = p
    if p["mum"]:
        comps = ["servicing", "Packages", identity + ".mum"]
        e = Entry("mum", "win", comps, where, mum=p["mum"])
        sc.entries[entry_key("win", comps)] = e


def hd_str(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def package_hivedesc(sc):
    """The CBS Packages keys of the package lines, as .hivedesc text for SOFTWARE."""
    out = ["", "# ---- generated by mkscenario.py from the scenario's package lines ----"]
    for p in sc.packages.values():
        ident = p["identity"]
        ft = iso_to_filetime(p["installed"])
        loc = "\\\\?\\C:\\Windows\\SoftwareDistribution\\Download\\" + hashlib.md5(
            ident.encode()).hexdigest()
        out += ["[%s\\Packages\\%s]" % (CBS, ident),
                '"CurrentState" = dword:0x%x' % p["state"],
                '"InstallClient" = sz:%s' % hd_str(p["client"]),
                '"InstallName" = sz:%s' % hd_str(ident + ".mum"),
                '"InstallLocation" = sz:%s' % hd_str(loc),
                '"InstallTimeHigh" = dword:0x%08x' % (ft >> 32),
                '"InstallTimeLow" = dword:0x%08x' % (ft & 0xFFFFFFFF),
                '"InstallUser" = sz:%s' % hd_str(p["user"]),
                '"SelfUpdate" = dword:0',
                '"Visibility" = dword:%d' % p["visibility"]]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# building

HIVE_WHERE = "@hive@"     # stands for the concatenated text in mkhive's messages


def hive_text(sc, h):
    """-> (the concatenated description, [(first line, file)]) of hive h."""
    parts, spans, line = [], [], 1
    for f in h["files"]:
        try:
            with open(f, encoding="utf-8") as fh:
                t = fh.read()
        except OSError as e:
            raise ScenarioError("%s: cannot read %s: %s" % (h["where"], f, e.strerror))
        except UnicodeDecodeError as e:
            raise ScenarioError("%s: %s is not UTF-8 (%s)" % (h["where"], f, e))
        if not t.endswith("\n"):
            t += "\n"
        spans.append((line, f))
        parts.append(t)
        line += t.count("\n")
    if h["name"] == "SOFTWARE" and sc.packages:
        spans.append((line, "%s (generated from the package lines)" % sc.path))
        parts.append(package_hivedesc(sc))
    return "".join(parts), spans


def _map_where(msg, spans, h):
    """Turn '@hive@:N' in an error message into 'file:line'."""
    def sub(m):
        n = int(m.group(1))
        first, f = [s for s in spans if s[0] <= n][-1]
        return "%s:%d" % (f, n - first + 1)
    msg = re.sub(re.escape(HIVE_WHERE) + r":(\d+)", sub, msg)
    return "%s: hive %s: %s" % (h["where"], h["name"], msg.replace(HIVE_WHERE, "the description"))


def hive_bytes(sc, h):
    text, spans = hive_text(sc, h)
    try:
        if h["patches"]:
            spec = mkbad.BadSpec(HIVE_WHERE)
            spec.desc_text, spec.desc_where = text, HIVE_WHERE
            spec.patches = list(h["patches"])
            data, _ = mkbad.build_bad(spec)
            return data
        w = mkhive.parse_description(text, HIVE_WHERE)
        data, _ = w.build()
        return data
    except (mkhive.HiveDescError, mkbad.BadError) as e:
        raise ScenarioError(_map_where(str(e), spans, h))


def hive_logs(h, data):
    """-> (the dirty primary file, [its .LOG1, .LOG2]) for a hive with a 'logs' line: DATA
    is the hive as its logs hold it, the primary file holds the older state."""
    try:
        with open(h["logs"], encoding="utf-8") as f:
            primary, logs, _ = mklog.make(f.read(), h["logs"], data)
    except (OSError, mklog.LogDescError, struct.error) as e:
        raise ScenarioError("%s: hive %s: logs: %s" % (h["where"], h["name"], e))
    return primary, logs


def final_comps(sc, region, comps):
    """Path components relative to OUT_DIR, with the windir and upper case applied."""
    if region == "win":
        comps = [sc.windir] + list(comps)
    if sc.upper and region != "out":
        comps = [c.upper() for c in comps]
    if region != "out" and sc.root:
        comps = [sc.root] + comps
    return comps


def plan(sc):
    """-> list of (final components, Entry-like); checks conflicts."""
    items = []
    for h in sc.hives.values():
        items.append((final_comps(sc, h["region"], h["comps"]),
                      Entry("hive", h["region"], h["comps"], h["where"], hive=h)))
    for e in sc.entries.values():
        items.append((final_comps(sc, e.region, e.comps), e))
    # Case conflicts: on Linux 'System32' and 'system32' are two folders, and a reader
    # that resolves names case-insensitively could pick either: refuse such a tree.
    seen = {}
    files = {}
    for comps, e in items:
        for i in range(1, len(comps) + 1):
            up = tuple(c.upper() for c in comps[:i])
            have = seen.setdefault(up, tuple(comps[:i]))
            if have != tuple(comps[:i]):
                raise ScenarioError("%s: %s and %s differ only in case" % (
                    e.where, "/".join(have), "/".join(comps[:i])))
        up = tuple(c.upper() for c in comps)
        if up in files:
            raise ScenarioError("%s: %s is also made by %s" % (e.where, "/".join(comps),
                                                               files[up].where))
        files[up] = e
    # nothing may be created below a symlink or a file (it would be written through it)
    for comps, e in items:
        for i in range(1, len(comps)):
            up = tuple(c.upper() for c in comps[:i])
            if up in files and files[up].kind != "dir":
                raise ScenarioError("%s: %s lies below %s %s (%s)" % (
                    e.where, "/".join(comps), files[up].kind, "/".join(comps[:i]),
                    files[up].where))
    return items


def prepare_out(out, sc):
    """OUT_DIR must be missing, empty, or a tree this script built (has MARKER)."""
    if os.path.islink(out):
        raise ScenarioError("%s is a symlink: refusing to build there" % out)
    if os.path.isdir(out):
        names = os.listdir(out)
        if names and MARKER not in names:
            raise ScenarioError("%s is not empty and was not made by mkscenario.py (no %s): "
                                "refusing to delete it" % (out, MARKER))
        for n in names:
            p = os.path.join(out, n)
            if os.path.isdir(p) and not os.path.islink(p):
                _make_writable(p)
                shutil.rmtree(p)        # does not follow symlinks
            else:
                os.unlink(p)
    elif os.path.exists(out):
        raise ScenarioError("%s exists and is not a folder" % out)
    else:
        os.makedirs(out)


def _make_writable(top):
    for d, dirs, _ in os.walk(top):
        for x in dirs:
            p = os.path.join(d, x)
            if not os.path.islink(p):
                os.chmod(p, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


def _safe_dir(out_real, out, comps):
    """Create the folders of comps below out (never through a symlink); return the path."""
    p = out
    for c in comps:
        p = os.path.join(p, c)
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            os.mkdir(p)
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise ScenarioError("%s exists and is not a real folder" % p)
    real = os.path.realpath(p)
    if real != out_real and not real.startswith(out_real + os.sep):
        raise ScenarioError("%s leads outside %s" % (p, out))
    return p


def _write_new(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def pe_specs(sc):
    return [e.pe for e in sc.entries.values() if e.kind == "pe"]


def _write_marker(out, sc, complete):
    marker = {"scenario": sc.name, "description": sc.description, "root": sc.root or ".",
              "windows_dir": final_comps(sc, "win", [])[-1], "complete": complete,
              "made_by": "tests/support/mkscenario.py"}
    path = os.path.join(out, MARKER)
    if os.path.lexists(path):
        os.unlink(path)
    _write_new(path, (json.dumps(marker, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def build(sc, out, store):
    items = plan(sc)
    # Everything that can fail on a bad description is made before OUT_DIR is touched:
    # the hives, the manifests, the sources of copied files.
    data = {}
    for comps, e in items:
        if e.kind == "hive":
            data[id(e)] = hive_bytes(sc, e.hive)
            if e.hive.get("logs"):
                data[id(e)], data[(id(e), "logs")] = hive_logs(e.hive, data[id(e)])
        elif e.kind == "mum":
            data[id(e)] = mum_xml(e.mum)
        elif e.kind == "file":
            try:
                with open(e.src, "rb") as f:
                    data[id(e)] = f.read()
            except OSError as x:
                raise ScenarioError("%s: cannot read %s: %s" % (e.where, e.src, x.strerror))
        elif e.kind == "text":
            data[id(e)] = e.data
    prepare_out(out, sc)
    _write_marker(out, sc, False)       # from here on OUT_DIR is ours to rebuild
    out_real = os.path.realpath(out)
    if store.cache is None:
        # no cache: compile inside OUT_DIR, in a folder removed before the tree is written
        store.scratch = tempfile.mkdtemp(prefix=".mkscenario-build-", dir=out)
        try:
            store.prebuild(pe_specs(sc))
        finally:
            shutil.rmtree(store.scratch, ignore_errors=True)
            store.scratch = None
    # Symlinks last, so that nothing is ever written through one.
    items.sort(key=lambda it: (it[1].kind == "symlink", it[0]))
    counts = {}
    for comps, e in items:
        counts[e.kind] = counts.get(e.kind, 0) + 1
        if e.kind == "dir":
            _safe_dir(out_real, out, comps)
            continue
        parent = _safe_dir(out_real, out, comps[:-1])
        path = os.path.join(parent, comps[-1])
        if e.kind == "symlink":
            os.symlink(e.target, path)
        elif e.kind == "pe":
            _write_new(path, store.get(e.pe))
        else:
            _write_new(path, data[id(e)])
            for i, log in enumerate(data.get((id(e), "logs"), []), 1):
                _write_new("%s.LOG%d" % (path, i), log)
    # the root folder exists even for a tree with nothing in it
    _safe_dir(out_real, out, [sc.root] if sc.root else [])
    _write_marker(out, sc, True)
    return counts


# ---------------------------------------------------------------------------------------
# --check: re-read a built tree with independent readers

def _reexec_system_python():
    sysp = "/usr/bin/python3"
    if os.path.exists(sysp) and os.path.realpath(sys.executable) != os.path.realpath(sysp) \
            and not os.environ.get("MKSCENARIO_REEXEC"):
        os.environ["MKSCENARIO_REEXEC"] = "1"
        os.execv(sysp, [sysp] + sys.argv)


def _tree_times(out):
    """{path: (atime_ns, mtime_ns)} of OUT_DIR and everything below it, each taken before
    its folder is read (reading a folder or file can move its atime)."""
    times = {}
    st = os.lstat(out)
    times[out] = (st.st_atime_ns, st.st_mtime_ns)
    for d, dirs, files in os.walk(out):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            times[p] = (st.st_atime_ns, st.st_mtime_ns)
    return times


def _restore_times(times):
    for p, (a, m) in times.items():
        try:
            os.utime(p, ns=(a, m), follow_symlinks=False)
        except OSError:
            pass


def check(sc, scen_dir, out):
    """Return a list of problems (empty when the tree matches). The check reads every file
    of the tree; it puts back the access times it moved, so that a later test can still
    tell whether kbaudit touched the tree (relatime updates an atime that is not newer than
    the mtime, which is the case for every file of a fresh tree)."""
    import importlib.util
    if importlib.util.find_spec("hivex") is None or importlib.util.find_spec("pefile") is None:
        _reexec_system_python()
        raise ScenarioError("--check needs python3-hivex and python3-pefile (Debian packages)")
    if not os.path.isdir(out):
        return ["%s: no tree (build it first)" % out]
    times = _tree_times(out)
    try:
        return _check(sc, scen_dir, out)
    finally:
        _restore_times(times)


def _check(sc, scen_dir, out):
    import hivex
    import pefile
    import xml.etree.ElementTree as ET
    errs = []
    items = plan(sc)
    hives = {}
    for comps, e in items:
        path = os.path.join(out, *comps)
        rel = "/".join(comps)
        if e.kind == "symlink":
            if not os.path.islink(path) or os.readlink(path) != e.target:
                errs.append("%s: not a symlink to %s" % (rel, e.target))
            continue
        if e.kind == "dir":
            if not os.path.isdir(path) or os.path.islink(path):
                errs.append("%s: not a folder" % rel)
            continue
        if not os.path.isfile(path) or os.path.islink(path):
            errs.append("%s: missing" % rel)
            continue
        if e.kind == "hive":
            h = e.hive
            if h.get("logs"):
                # the primary file holds an older state than the description: hivex must
                # read it, the recovered state is kbaudit's to show (expect-*.json)
                try:
                    _walk_all(hivex.Hivex(path))
                except RuntimeError as x:
                    errs.append("%s: hivex cannot read the dirty primary file: %s" % (rel, x))
                if not os.path.isfile(path + ".LOG1"):
                    errs.append("%s.LOG1: missing" % rel)
                continue
            if h["patches"]:
                # a failed open leaves a half-made Hivex whose __del__ complains: silence it
                hook, sys.unraisablehook = sys.unraisablehook, lambda *_: None
                # patches of base block fields (a dirty hive: sequence numbers) or of a value's
                # type (a REG_SZ where a REG_DWORD belongs) leave a hive hivex reads: kbaudit
                # still has to notice them
                header_only = all(cmd == "fixchecksum" or (cmd == "set" and ("header." in arg or ").type " in arg))
                                  for _, cmd, arg in h["patches"])
                try:
                    _walk_all(hivex.Hivex(path))
                    if not header_only:
                        errs.append("%s: corrupted hive, but hivex reads it" % rel)
                except RuntimeError:
                    pass
                finally:
                    sys.unraisablehook = hook
                continue
            w = mkhive.parse_description(hive_text(sc, h)[0], rel)
            try:
                errs += ["%s: %s" % (rel, x) for x in mkhive.verify(w, path)]
                hives[h["name"]] = hivex.Hivex(path)
            except RuntimeError as x:
                errs.append("%s: hivex cannot read it: %s" % (rel, x))
        elif e.kind == "pe":
            errs += ["%s: %s" % (rel, x) for x in _check_pe(pefile, path, e.pe)]
        elif e.kind == "mum":
            r = subprocess.run(["xmllint", "--noout", "--nonet", path], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                errs.append("%s: xmllint: %s" % (rel, r.stdout.strip()))
                continue
            root = ET.parse(path).getroot()
            ns = "{urn:schemas-microsoft-com:asm.v3}"
            ident = root.find(ns + "assemblyIdentity")
            pkg = root.find(ns + "package")
            m = e.mum
            if root.tag != ns + "assembly" or ident is None or pkg is None:
                errs.append("%s: not an asm.v3 assembly with assemblyIdentity and package" % rel)
            elif ident.get("name") != m["name"] or pkg.get("identifier") != m["identifier"] \
                    or pkg.get("releaseType") != m["release"]:
                errs.append("%s: identity or package attributes differ from the description" % rel)
            with open(path, "rb") as f:
                if (f.read(3) == b"\xef\xbb\xbf") != m["bom"]:
                    errs.append("%s: byte order mark %s, expected %s" % (
                        rel, "present" if not m["bom"] else "absent",
                        "present" if m["bom"] else "absent"))
    errs += check_expect(sc, scen_dir, out, hives, pefile)
    return errs


def _walk_all(hv):
    stack = [hv.root()]
    n = 0
    while stack and n < 1000000:
        k = stack.pop()
        n += 1
        for v in hv.node_values(k):
            hv.value_value(v)
        stack.extend(hv.node_children(k))


MACHINES = {0x14c: "x86", 0x8664: "x64", 0x200: "ia64"}


def pe_version(pefile, path):
    """-> dict machine, fixed, product, strings (or raises)."""
    pe = pefile.PE(path)
    r = {"machine": MACHINES.get(pe.FILE_HEADER.Machine, hex(pe.FILE_HEADER.Machine)),
         "fixed": None, "product": None, "strings": {}}
    fi = getattr(pe, "VS_FIXEDFILEINFO", None)
    if fi:
        f = fi[0]
        r["fixed"] = "%d.%d.%d.%d" % (f.FileVersionMS >> 16, f.FileVersionMS & 0xffff,
                                      f.FileVersionLS >> 16, f.FileVersionLS & 0xffff)
        r["product"] = "%d.%d.%d.%d" % (f.ProductVersionMS >> 16, f.ProductVersionMS & 0xffff,
                                        f.ProductVersionLS >> 16, f.ProductVersionLS & 0xffff)
    for fileinfo in getattr(pe, "FileInfo", []) or []:
        for fi2 in fileinfo:
            for st in getattr(fi2, "StringTable", []) or []:
                for k, v in st.entries.items():
                    r["strings"][k.decode("utf-8", "replace")] = v.decode("utf-8", "replace")
    return r


def _check_pe(pefile, path, spec):
    try:
        got = pe_version(pefile, path)
    except pefile.PEFormatError as x:
        return ["pefile cannot read it: %s" % x]
    errs = []
    if got["machine"] != spec["machine"]:
        errs.append("machine %s, expected %s" % (got["machine"], spec["machine"]))
    if not spec["version"]:
        if got["fixed"] is not None:
            errs.append("has a version resource, expected none")
        return errs
    want = {"fixed": "%d.%d.%d.%d" % spec["fixed"], "product": "%d.%d.%d.%d" % spec["product"]}
    for k, v in want.items():
        if got[k] != v:
            errs.append("%s version %s, expected %s" % (k, got[k], v))
    for k, v in (("FileVersion", spec["string"]), ("ProductVersion", spec["pstring"]),
                 ("OriginalFilename", spec["original"]), ("CompanyName", spec["company"]),
                 ("FileDescription", spec["description"])):
        if got["strings"].get(k) != v:
            errs.append("%s %r, expected %r" % (k, got["strings"].get(k), v))
    return errs


# -- expect-facts.json against the tree, read independently --------------------------

STATE_NAMES = {0x0: "absent", 0x5: "uninstall-pending", 0x10: "resolving", 0x20: "resolved",
               0x30: "staging", 0x40: "staged", 0x50: "superseded", 0x60: "install-pending",
               0x65: "partially-installed", 0x70: "installed", 0x80: "permanent",
               0xFFFFFFE0: "invalid-resolved", 0xFFFFFFC0: "invalid-staged",
               0xFFFFFF90: "invalid-installed", 0xFFFFFF80: "invalid-permanent"}


def _hv_key(hv, path):
    n = hv.root()
    for c in [x for x in path.split("\\") if x]:
        n = hv.node_get_child(n, c)
        if n is None:
            return None
    return n


def _hv_value(hv, keypath, name):
    """-> python value (str for sz, int for dword, list for multi_sz, bytes else) or None."""
    k = _hv_key(hv, keypath)
    if k is None:
        return None
    for v in hv.node_values(k):
        if hv.value_key(v).lower() == name.lower():
            t, d = hv.value_value(v)
            if t in (1, 2):
                return d.decode("utf-16-le").split("\0", 1)[0]
            if t == 4 and len(d) == 4:
                return int.from_bytes(d, "little")
            if t == 7:
                return d.decode("utf-16-le")
            return d
    return None


def _resolve_ci(base, rel_comps):
    """Case-insensitive lookup below base without following symlinks out; -> path or None."""
    p = base
    for c in rel_comps:
        if not os.path.isdir(p) or os.path.islink(p):
            return None
        names = {n.upper(): n for n in os.listdir(p)}
        if c.upper() not in names:
            return None
        p = os.path.join(p, names[c.upper()])
    return p


def _pfro_pairs(raw):
    """PendingFileRenameOperations holds (source, destination) pairs; a destination may be
    the empty string (a delete), so the data is split by its length, not by the first
    empty string."""
    if raw is None:
        return 0
    items = raw.split("\0")
    while items and items[-1] == "":
        items.pop()
    # restore the empty destination of a trailing delete pair
    return (len(items) + 1) // 2


def _pending_ops(path):
    import xml.etree.ElementTree as ET
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return 1   # exists but unreadable: kbaudit counts it as one operation

    n = 0
    for poq in root.findall("POQ"):
        for op in poq:
            if op.tag not in ("BeginTransaction", "Checkpoint"):
                n += 1
    return n


CV_KEY = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
OS_VALUE_NAMES = {"product_name": "ProductName", "edition_id": "EditionID",
                  "installation_type": "InstallationType", "current_version": "CurrentVersion",
                  "current_build": "CurrentBuild", "current_build_number": "CurrentBuildNumber",
                  "csd_version": "CSDVersion", "build_lab": "BuildLab",
                  "build_lab_ex": "BuildLabEx", "system_root": "SystemRoot"}
PENDING_SOURCES = {
    "cbs_reboot_pending": "SOFTWARE\\" + CBS + "\\RebootPending",
    "cbs_packages_pending": "SOFTWARE\\" + CBS + "\\PackagesPending",
    "cbs_reboot_in_progress": "SOFTWARE\\" + CBS + "\\RebootInProgress",
    "cbs_execute_state": "SOFTWARE\\" + CBS + "\\ExecuteState",
    "wu_reboot_required": "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\"
                          "Auto Update\\RebootRequired"}


def _jsonish(v):
    return json.dumps(v, sort_keys=True)


def check_expect(sc, scen_dir, out, hives, pefile):
    path = os.path.join(scen_dir, "expect-facts.json")
    if not os.path.exists(path):
        return []
    try:
        with open(path, encoding="utf-8") as f:
            exp = json.load(f)
    except ValueError as x:
        return ["expect-facts.json: %s" % x]
    # keys starting with "$" are for the test driver ("$exit_code", "$exact"), not facts
    exp = {k: v for k, v in exp.items() if not k.startswith("$")}
    errs = []
    root = os.path.join(out, sc.root) if sc.root else out

    def cmp(what, want, got):
        if _jsonish(want) != _jsonish(got):
            errs.append("expect-facts.json %s: expected %s, the tree has %s" % (
                what, _jsonish(want), _jsonish(got)))

    def reg(source):
        hive, _, rest = source.partition("\\")
        keypath, _, name = rest.rpartition("\\")
        hv = hives.get(hive)
        if hv is None:
            return None
        return _hv_value(hv, keypath, name)

    t = exp.get("target", {})
    if "windows_dir" in t:
        cmp("target.windows_dir", t["windows_dir"], final_comps(sc, "win", [])[-1])
    cur = _hv_value(hives["SYSTEM"], "Select", "Current") if "SYSTEM" in hives else None

    def check_source(what, src):
        m = re.match(r"SYSTEM\\ControlSet(\d{3})\\", src or "")
        if m and int(m.group(1)) != cur:
            errs.append("expect-facts.json %s: source %s is not the current control set "
                        "(Select\\Current = %s)" % (what, src, cur))

    for k, v in exp.get("os", {}).items():
        if v is None and k in OS_VALUE_NAMES:
            got = reg(CV_KEY + "\\" + OS_VALUE_NAMES[k])
            if got is not None:
                errs.append("expect-facts.json os.%s: expected null, the tree has %s"
                            % (k, _jsonish(got)))
            continue
        if isinstance(v, dict):
            check_source("os.%s" % k, v.get("source"))
        if k == "arch":
            pa = exp["os"].get("processor_architecture")
            m = {"AMD64": "x64", "x86": "x86", "IA64": "ia64"}
            got = m.get(reg(pa["source"])) if pa else None
            cmp("os.arch", v, got)
            continue
        if v is None or not isinstance(v, dict):
            continue          # not established, or not a registry value (arch_source)
        got = reg(v["source"])
        cmp("os.%s" % k, v["value"], got)
    for fexp in exp.get("files", []):
        if "path" in fexp:
            fp = os.path.join(root, *fexp["path"].split("/"))
        else:
            name = {"kernel": "ntoskrnl.exe", "kernel-pae": "ntkrnlpa.exe"}[fexp["role"]]
            fp = _resolve_ci(root, [sc.windir, "System32", name])
        real = os.path.realpath(fp) if fp else None
        inside = real is not None and (real + os.sep).startswith(os.path.realpath(root) + os.sep)
        present = fp is not None and os.path.lexists(fp)
        if present and not inside:
            # a link leading outside the root: refused, so reported not present, with an
            # error that says so (not silently absent)
            cmp("files[%s].present (a link leading outside the root)" % fexp["role"],
                fexp.get("present"), False)
            if "refused: symlink leads outside the root" not in (fexp.get("error") or ""):
                errs.append("expect-facts.json files[%s].error: %s leads outside the root, so the "
                            "expected error must say it was refused" % (fexp["role"], fp))
        elif "present" in fexp:
            cmp("files[%s].present" % fexp["role"], fexp["present"], present)
        info = None
        if present and inside and os.path.isfile(fp):
            try:
                info = pe_version(pefile, fp)
            except pefile.PEFormatError:
                info = None
        if "file_version" in fexp:
            cmp("files[%s].file_version" % fexp["role"], fexp["file_version"],
                info and info["fixed"])
        if "product_version" in fexp:
            cmp("files[%s].product_version" % fexp["role"], fexp["product_version"],
                info and info["product"])
        if "machine" in fexp:
            cmp("files[%s].machine" % fexp["role"], fexp["machine"], info and info["machine"])
        if "version_string" in fexp:
            cmp("files[%s].version_string" % fexp["role"], fexp["version_string"],
                info and info["strings"].get("FileVersion"))
        if "branch" in fexp:
            b = None
            s = info and info["strings"].get("FileVersion")
            m = re.search(r"\(([^)]*)\)", s or "")
            if m:
                b = m.group(1).rpartition(".")[0] or None
            cmp("files[%s].branch" % fexp["role"], fexp["branch"], b)
    sw = hives.get("SOFTWARE")
    for pexp in exp.get("packages", []):
        ident = pexp["identity"]
        p = sc.packages.get(ident.upper())
        keyp = "%s\\Packages\\%s" % (CBS, ident)
        st = _hv_value(sw, keyp, "CurrentState") if sw else None
        if "state" in pexp:
            cmp("packages[%s].state" % ident, pexp["state"], st)
        if "state_name" in pexp:
            cmp("packages[%s].state_name" % ident, pexp["state_name"],
                STATE_NAMES.get(st, "unknown") if st is not None else None)
        if "kb" in pexp:
            m = KB_NAME_RE.match(ident)
            cmp("packages[%s].kb" % ident, pexp["kb"], int(m.group(1)) if m else None)
        n, a, lang, ver = split_identity(ident)
        for k, v in (("name", n), ("arch", a), ("version", ver)):
            if k in pexp:
                cmp("packages[%s].%s" % (ident, k), pexp[k], v)
        if "source" in pexp:
            # a package without a CBS key is known from its .mum: its path as on disk
            mp = _resolve_ci(root, [sc.windir, "servicing", "Packages", ident + ".mum"])
            mrel = os.path.relpath(mp, root).replace(os.sep, "/") if mp else None
            cmp("packages[%s].source" % ident, pexp["source"],
                "SOFTWARE\\" + keyp if sw is not None and _hv_key(sw, keyp) is not None else mrel)
        if "install_client" in pexp:
            cmp("packages[%s].install_client" % ident, pexp["install_client"],
                _hv_value(sw, keyp, "InstallClient"))
        if "install_time" in pexp:
            hi, lo = _hv_value(sw, keyp, "InstallTimeHigh"), _hv_value(sw, keyp, "InstallTimeLow")
            got = None
            if hi is not None and lo is not None:
                import time
                secs = ((hi << 32) | lo) // 10000000 - FILETIME_EPOCH
                got = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(secs))
            cmp("packages[%s].install_time" % ident, pexp["install_time"], got)
        if "mum" in pexp:
            mexp = pexp["mum"]
            mp = _resolve_ci(root, [sc.windir, "servicing", "Packages", ident + ".mum"])
            if mexp is None:
                cmp("packages[%s].mum" % ident, None, mp)
                continue
            if mp is None:
                errs.append("packages[%s].mum: no .mum file in the tree" % ident)
                continue
            import xml.etree.ElementTree as ET
            ns = "{urn:schemas-microsoft-com:asm.v3}"
            pk = ET.parse(mp).getroot().find(ns + "package")
            for k, attr in (("identifier", "identifier"), ("release_type", "releaseType"),
                            ("restart", "restart")):
                if k in mexp:
                    cmp("packages[%s].mum.%s" % (ident, k), mexp[k], pk.get(attr))
            if "path" in mexp:
                cmp("packages[%s].mum.path" % ident, mexp["path"],
                    os.path.relpath(mp, root).replace(os.sep, "/"))
        if p is None and st is not None:
            errs.append("packages[%s]: in the hive but not a package line" % ident)
    pend = exp.get("pending", {})
    for k, v in pend.items():
        if not isinstance(v, dict):
            continue   # pending_xml_error: kbaudit's reading of the file, not a marker of the tree
        src = v.get("source") or PENDING_SOURCES.get(k, "")
        if k == "pending_xml_operations" and not v.get("source"):
            src = "/".join([final_comps(sc, "win", [])[-1], "winsxs", "pending.xml"])
        if k == "pending_file_renames" and not v.get("source"):
            src = "SYSTEM\\ControlSet%03d\\Control\\Session Manager\\" \
                  "PendingFileRenameOperations" % (cur or 1)
        check_source("pending.%s" % k, src)
        if k in ("cbs_reboot_pending", "cbs_packages_pending", "cbs_reboot_in_progress",
                 "wu_reboot_required"):
            hive, _, keyp = src.partition("\\")
            got = hives.get(hive) is not None and _hv_key(hives[hive], keyp) is not None
            cmp("pending.%s" % k, v["value"], got)
        elif k == "cbs_execute_state":
            cmp("pending.%s" % k, v["value"], reg(src))
        elif k == "pending_file_renames":
            cmp("pending.%s" % k, v["value"], _pfro_pairs(reg(src)))
        elif k == "pending_xml_operations":
            px = _resolve_ci(root, src.split("/"))
            cmp("pending.%s" % k, v["value"], _pending_ops(px) if px else None)
    return errs


# ---------------------------------------------------------------------------------------
# command line

def scenario_dirs(top):
    out = []
    for n in sorted(os.listdir(top)):
        d = os.path.join(top, n)
        if os.path.isfile(os.path.join(d, "scenario.txt")):
            out.append(d)
    return out


def main(argv=None):
    import argparse
    import time
    ap = argparse.ArgumentParser(description="Build a Windows system tree from a scenario "
                                 "description (docs/scenarios.md).")
    ap.add_argument("scenario", help="scenario folder (holding scenario.txt), or the folder "
                    "of all scenarios with --all/--check-all")
    ap.add_argument("out", help="output folder (the root of the tree), or the folder for all "
                    "trees with --all/--check-all")
    ap.add_argument("--cache", metavar="DIR", help="cache of built PE files")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--all", action="store_true", help="build every scenario")
    g.add_argument("--check", action="store_true",
                   help="do not build: re-read OUT with hivex, pefile and xmllint")
    g.add_argument("--check-all", action="store_true", help="--check every scenario")
    a = ap.parse_args(argv)
    t0 = time.time()
    try:
        if a.all or a.check_all:
            dirs = scenario_dirs(a.scenario)
            if not dirs:
                raise ScenarioError("no */scenario.txt below %s" % a.scenario)
            pairs = [(d, os.path.join(a.out, os.path.basename(d))) for d in dirs]
        else:
            pairs = [(a.scenario, a.out)]
        scs = [(load_scenario(os.path.join(d, "scenario.txt")), d, o) for d, o in pairs]
        if a.check or a.check_all:
            bad = 0
            for sc, d, o in scs:
                errs = check(sc, d, o)
                for e in errs:
                    print("mkscenario: %s: %s" % (sc.name, e), file=sys.stderr)
                print("%s %s" % ("FAIL" if errs else "ok  ", sc.name))
                bad += bool(errs)
            return 1 if bad else 0
        check_toolchain()
        store = PeStore(a.cache, None)
        if a.cache:
            os.makedirs(a.cache, exist_ok=True)
            store.prebuild([s for sc, _, _ in scs for s in pe_specs(sc)])
        for sc, d, o in scs:
            counts = build(sc, o, store)
            print("built %s: %s" % (sc.name, ", ".join(
                "%d %s" % (n, k) for k, n in sorted(counts.items()))))
        print("mkscenario: %d scenario(s), %d PE built, %d from the cache, %.1f s" % (
            len(scs), store.built, store.hits, time.time() - t0))
    except ScenarioError as e:
        print("mkscenario: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
