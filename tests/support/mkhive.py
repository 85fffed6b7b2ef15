#!/usr/bin/env python3
"""mkhive -- build a Windows registry hive (regf) from a readable text description.

Usage:
    python3 tests/support/mkhive.py DESC OUT.hive [--map OUT.json]
    python3 tests/support/mkhive.py --verify DESC OUT.hive

The description format is documented in docs/hive-description.md.

Also usable as a module (python3 standard library only):

    from mkhive import Writer, REG_SZ
    w = Writer(minor=5, root_name="ROOT")
    k = w.add_key("Microsoft\\Windows NT\\CurrentVersion")
    w.add_value(k, "CurrentBuild", REG_SZ, w.sz("6003"))
    w.write("out.hive")

Layout facts used here (cell formats, field offsets, hash and checksum rules)
come from the public regf format descriptions (libyal "Windows NT Registry File
(REGF) format", M. Suhanov's "Windows registry file format specification") and
from looking at hives written by Windows.  No reader or writer code was copied.
"""

import array
import json
import os
import struct
import sys

# --------------------------------------------------------------------------
# constants

REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_DWORD_BIG_ENDIAN = 5
REG_LINK = 6
REG_MULTI_SZ = 7
REG_RESOURCE_LIST = 8
REG_FULL_RESOURCE_DESCRIPTOR = 9
REG_RESOURCE_REQUIREMENTS_LIST = 10
REG_QWORD = 11

BLOCK = 4096                 # base block size, hbin granularity
BIG_CHUNK = 16344            # largest value stored in one cell; db segment size
NO_OFF = 0xFFFFFFFF
# 2019-04-09T00:00:00Z as FILETIME (the day KB4493471 was released)
DEFAULT_FILETIME = (1554768000 + 11644473600) * 10000000

LEAF_MAX = {"lf": 507, "lh": 507, "li": 1012}   # entries per 4 KiB leaf

KEY_FLAG_HIVE_ENTRY = 0x0004
KEY_FLAG_NO_DELETE = 0x0008
KEY_FLAG_COMP_NAME = 0x0020
VALUE_FLAG_COMP_NAME = 0x0001

# Cell layouts.  Offsets in the *_FIELDS tables are relative to the cell
# start, i.e. the 4-byte size field is at 0 and the signature at 4.
NK = struct.Struct("<i2sHQIIIIIIIIIIIIIIIHH")          # 80 bytes, name follows
VK = struct.Struct("<i2sHIIIHH")                      # 24 bytes, name follows
HBIN = struct.Struct("<4sIIIIQI")                     # 32 bytes
U32 = struct.Struct("<I")
I32 = struct.Struct("<i")

HEADER_FIELDS = {
    "signature": 0, "seq1": 4, "seq2": 8, "timestamp": 12, "major": 20,
    "minor": 24, "type": 28, "format": 32, "root": 36, "hive_bins_size": 40,
    "clustering": 44, "filename": 48, "rmid": 112, "logid": 128, "flags": 144,
    "tmid": 148, "guid_signature": 164, "reorganize_time": 168,
    "checksum": 508, "boot_type": 4088, "boot_recover": 4092,
}
BIN_FIELDS = {"signature": 0, "offset": 4, "size": 8, "reserved1": 12,
              "reserved2": 16, "timestamp": 20, "spare": 28}
NK_FIELDS = {
    "size": 0, "signature": 4, "flags": 6, "timestamp": 8, "access": 16,
    "parent": 20, "subkey_count": 24, "volatile_subkey_count": 28,
    "subkey_list": 32, "volatile_subkey_list": 36, "value_count": 40,
    "value_list": 44, "security": 48, "class": 52, "max_name": 56,
    "max_class": 60, "max_value_name": 64, "max_value_data": 68,
    "workvar": 72, "name_length": 76, "class_length": 78, "name": 80,
}
VK_FIELDS = {"size": 0, "signature": 4, "name_length": 6, "data_size": 8,
             "data_offset": 12, "type": 16, "flags": 20, "spare": 22,
             "name": 24}
LIST_FIELDS = {"size": 0, "signature": 4, "count": 6, "entries": 8}
DB_FIELDS = {"size": 0, "signature": 4, "count": 6, "list": 8, "padding": 12}
SK_FIELDS = {"size": 0, "signature": 4, "reserved": 6, "flink": 8,
             "blink": 12, "refcount": 16, "descriptor_length": 20,
             "descriptor": 24}
CELL_FIELDS = {"size": 0, "data": 4}

TYPE_NAMES = {
    "none": REG_NONE, "sz": REG_SZ, "expand_sz": REG_EXPAND_SZ,
    "binary": REG_BINARY, "dword": REG_DWORD, "dword_be": REG_DWORD_BIG_ENDIAN,
    "link": REG_LINK, "multi_sz": REG_MULTI_SZ,
    "resource_list": REG_RESOURCE_LIST,
    "full_resource_descriptor": REG_FULL_RESOURCE_DESCRIPTOR,
    "resource_requirements_list": REG_RESOURCE_REQUIREMENTS_LIST,
    "qword": REG_QWORD,
}


class HiveDescError(Exception):
    pass


# --------------------------------------------------------------------------
# names: upper-casing, sorting, hashes

_UPCASE = None


def _upcase_table():
    """Per-UTF-16-code-unit upper-case map (a 1:1 mapping, like Windows'
    RtlUpcaseUnicodeChar; characters whose upper case is not a single BMP
    character, e.g. U+00DF, stay unchanged)."""
    global _UPCASE
    if _UPCASE is None:
        t = {}
        for c in range(0x10000):
            if 0xD800 <= c <= 0xDFFF:
                continue
            u = chr(c).upper()
            if len(u) == 1 and u != chr(c) and ord(u) < 0x10000:
                t[c] = ord(u)
        _UPCASE = t
    return _UPCASE


def upcase(name):
    if name.isascii():
        return name.upper()
    return name.translate(_upcase_table())


def sort_key(name):
    """Windows orders subkey lists by comparing upper-cased UTF-16 code units."""
    return upcase(name).encode("utf-16-be", "surrogatepass")


def utf16_units(name):
    if name.isascii():
        return [ord(c) for c in name]
    return array.array("H", name.encode("utf-16-le", "surrogatepass")).tolist()


def lh_hash(name):
    h = 0
    if name.isascii():
        for c in name.upper().encode("ascii"):
            h = (h * 37 + c) & 0xFFFFFFFF
        return h
    for c in utf16_units(upcase(name)):
        h = (h * 37 + c) & 0xFFFFFFFF
    return h


def lf_hint(name):
    """lf "hash": the first four characters of the name (one byte each)."""
    units = utf16_units(name[:4])[:4]
    b = bytes(c if c <= 0xFF else 0 for c in units)
    return int.from_bytes(b.ljust(4, b"\0"), "little")


def encode_name(name, force_utf16=False):
    """-> (bytes, compressed).  Latin-1-only names are stored one byte per
    character (nk flag 0x20 / vk flag 0x1) unless UTF-16 is forced."""
    if not force_utf16:
        try:
            return name.encode("latin-1"), True
        except UnicodeEncodeError:
            pass
    return name.encode("utf-16-le", "surrogatepass"), False


def name_units(name):
    """Length of a name in UTF-16 code units."""
    if name.isascii():
        return len(name)
    return len(name.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------
# value data helpers

def sz(s, nul=True):
    b = s.encode("utf-16-le", "surrogatepass")
    return b + b"\0\0" if nul else b


def multi_sz(items):
    return b"".join(sz(s) for s in items) + b"\0\0"


def dword(n):
    return struct.pack("<I", n & 0xFFFFFFFF)


def dword_be(n):
    return struct.pack(">I", n & 0xFFFFFFFF)


def qword(n):
    return struct.pack("<Q", n & 0xFFFFFFFFFFFFFFFF)


def default_security_descriptor():
    """A self-relative security descriptor: owner Administrators, group
    SYSTEM, DACL: full control to Administrators and SYSTEM, read to Users."""
    def sid(*subs):
        # revision 1, authority 5 (NT AUTHORITY)
        return struct.pack("<BB6s", 1, len(subs), b"\0\0\0\0\0\x05") + \
            b"".join(struct.pack("<I", s) for s in subs)
    admins, system, users = sid(32, 544), sid(18), sid(32, 545)

    def ace(mask, s, flags=0x02):        # ACCESS_ALLOWED, CONTAINER_INHERIT
        return struct.pack("<BBHI", 0, flags, 8 + len(s), mask) + s
    aces = [ace(0xF003F, admins), ace(0xF003F, system), ace(0x20019, users)]
    body = b"".join(aces)
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(body), len(aces), 0) + body
    off_owner = 20
    off_group = off_owner + len(admins)
    off_dacl = off_group + len(system)
    hdr = struct.pack("<BBHIIII", 1, 0, 0x8004, off_owner, off_group, 0,
                      off_dacl)
    return hdr + admins + system + acl


# --------------------------------------------------------------------------
# the tree

class Key(object):
    __slots__ = ("name", "children", "index", "values", "cls", "utf16",
                 "list_type", "leaf_type", "leaf_size", "ri_depth", "ri_width",
                 "flags")

    def __init__(self, name):
        self.name = name
        self.children = []
        self.index = {}
        self.values = []          # (name, type, data bytes, force_utf16)
        self.cls = None
        self.utf16 = False
        self.list_type = None     # None = automatic
        self.leaf_type = None
        self.leaf_size = None
        self.ri_depth = 1
        self.ri_width = 1
        self.flags = None

    def child(self, name):
        """Get or create the child called name (case-insensitive)."""
        k = upcase(name)
        c = self.index.get(k)
        if c is None:
            c = Key(name)
            self.children.append(c)
            self.index[k] = c
        return c

    def new_child(self, name):
        """Create a child the caller knows to be new (fast path)."""
        c = Key(name)
        self.children.append(c)
        self.index[name.upper() if name.isascii() else upcase(name)] = c
        return c

    def add_value(self, name, vtype, data, utf16=False):
        """A value named again (any case: an overlay file setting it anew) replaces the first."""
        v = (name, vtype, bytes(data), utf16)
        for i, old in enumerate(self.values):
            if old[0].upper() == name.upper():
                self.values[i] = v
                return
        self.values.append(v)


class _Layout(object):
    """Bump allocator of cells in 4 KiB hive bins, over one bytearray holding
    the whole file (base block included)."""

    def __init__(self, first_bin_time):
        self.buf = bytearray(BLOCK)
        self.bins = []            # (relative offset, size)
        self.free = []            # relative offsets of free cells
        self.pos = 0              # relative offset of the next cell
        self.end = 0              # relative end of the current bin
        self.first_bin_time = first_bin_time

    def _close_bin(self):
        if self.end > self.pos:
            I32.pack_into(self.buf, BLOCK + self.pos, self.end - self.pos)
            self.free.append(self.pos)
            self.pos = self.end

    def alloc(self, payload):
        """Allocate a cell for payload bytes; return its relative offset."""
        size = (payload + 4 + 7) & ~7
        if self.pos + size > self.end:
            self._close_bin()
            bsize = max(BLOCK, (size + 32 + BLOCK - 1) // BLOCK * BLOCK)
            start = self.end
            self.buf += bytes(bsize)
            HBIN.pack_into(self.buf, BLOCK + start, b"hbin", start, bsize,
                           0, 0, self.first_bin_time if start == 0 else 0, 0)
            self.bins.append((start, bsize))
            self.pos = start + 32
            self.end = start + bsize
        off = self.pos
        self.pos += size
        I32.pack_into(self.buf, BLOCK + off, -size)
        return off

    def finish(self):
        self._close_bin()
        return self.end


class Writer(object):
    """Collects keys and values, then lays them out as a regf file."""

    def __init__(self, minor=5, major=1, root_name="ROOT", dirty=False,
                 seq=1, filename=None, timestamp=DEFAULT_FILETIME,
                 bigdata=None, file_type=0, clustering=1):
        self.minor = minor
        self.major = major
        self.dirty = dirty
        self.seq = seq
        self.filename = filename if filename is not None else root_name
        self.timestamp = timestamp
        # values > 16344 bytes: "db" (big data, hive version 1.4+) or one cell
        self.bigdata = bigdata if bigdata is not None else (
            "db" if minor >= 4 else "cell")
        self.file_type = file_type
        self.clustering = clustering
        self.root = Key(root_name)
        self.default_list = "lh" if minor >= 5 else "lf"
        self.security = default_security_descriptor()

    # -- building ---------------------------------------------------------
    @staticmethod
    def split_path(path):
        if isinstance(path, (list, tuple)):
            return list(path)
        path = path.strip("\\")
        return path.split("\\") if path else []

    def add_key(self, path, **opts):
        """Create (if needed) the key at path, relative to the root, with its
        parents; return it.  opts: cls, utf16, list_type, leaf_type,
        leaf_size, ri_depth, flags."""
        if isinstance(path, Key):
            k = path
        else:
            k = self.root
            for comp in self.split_path(path):
                k = k.child(comp)
        for o, v in opts.items():
            if o not in Key.__slots__:
                raise HiveDescError("unknown key option %r" % o)
            setattr(k, o, v)
        return k

    def add_value(self, key, name, vtype, data, utf16=False):
        if not isinstance(key, Key):
            key = self.add_key(key)
        key.add_value(name, vtype, data, utf16)
        return key

    sz = staticmethod(sz)
    multi_sz = staticmethod(multi_sz)
    dword = staticmethod(dword)
    qword = staticmethod(qword)

    # -- layout -----------------------------------------------------------
    def build(self, want_map=False):
        """-> (bytes of the hive file, map dict or None)"""
        L = _Layout(self.timestamp)
        self._L = L
        self._map = {"keys": {}, "values": {}} if want_map else None
        self._nkeys = 0
        self._nvalues = 0
        self._sk = None
        ts = self.timestamp
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
        root_off = self._emit_key(self.root, NO_OFF, "", ts, True)
        # shared sk: reference count = number of keys
        U32.pack_into(L.buf, BLOCK + self._sk + 16, self._nkeys)
        total = L.finish()
        buf = L.buf
        # base block
        seq1 = self.seq + 1 if self.dirty else self.seq
        seq2 = self.seq
        struct.pack_into("<4sIIQIIIIIII", buf, 0, b"regf", seq1, seq2, ts,
                         self.major, self.minor, self.file_type, 1, root_off,
                         total, self.clustering)
        fn = self.filename.encode("utf-16-le", "surrogatepass")[:62]
        buf[48:48 + len(fn)] = fn
        if self.minor >= 5:
            # Vista+ resource manager / log / transaction manager GUIDs
            guid = bytes((i * 37 + 11) & 0xFF for i in range(16))
            buf[112:128] = guid
            buf[128:144] = guid
            U32.pack_into(buf, 144, 1)
            buf[148:164] = guid
            buf[164:168] = b"rmtm"
        U32.pack_into(buf, 508, header_checksum(buf))
        m = None
        if want_map:
            m = self._map
            m["file_size"] = len(buf)
            m["base"] = BLOCK
            m["header"] = 0
            m["bins"] = [{"offset": BLOCK + o, "size": s} for o, s in L.bins]
            m["free"] = [BLOCK + o for o in L.free]
            m["sk"] = BLOCK + self._sk
            m["root"] = BLOCK + root_off
        self._L = None
        return bytes(buf), m

    def _emit_key(self, key, parent_off, path, ts, is_root=False):
        L = self._L
        buf = L.buf
        self._nkeys += 1
        nb, comp = encode_name(key.name, key.utf16)
        off = L.alloc(76 + len(nb))
        if is_root:
            self._sk = L.alloc(20 + len(self.security))
            struct.pack_into("<2sHIIII", buf, BLOCK + self._sk + 4, b"sk", 0,
                             self._sk, self._sk, 0, len(self.security))
            p = BLOCK + self._sk + 24
            buf[p:p + len(self.security)] = self.security
        sk_off = self._sk
        kmap = None
        if self._map is not None:
            kmap = {"nk": BLOCK + off, "lists": []}
            self._map["keys"][path] = kmap
            if is_root:
                kmap["parent"] = None
        # class name
        cls_off, cls_len = NO_OFF, 0
        if key.cls is not None:
            cb = key.cls.encode("utf-16-le", "surrogatepass")
            cls_off = L.alloc(len(cb))
            buf[BLOCK + cls_off + 4:BLOCK + cls_off + 4 + len(cb)] = cb
            cls_len = len(cb)
            if kmap is not None:
                kmap["class"] = BLOCK + cls_off
        # values
        vals = key.values
        vl_off = NO_OFF
        max_vname = max_vdata = 0
        if vals:
            vl_off = L.alloc(4 * len(vals))
            if kmap is not None:
                kmap["value_list"] = BLOCK + vl_off
                vmap = self._map["values"].setdefault(path, {})
            p = BLOCK + vl_off + 4
            for (vname, vtype, data, vutf16) in vals:
                vo, nunits = self._emit_value(vname, vtype, data, vutf16,
                                              vmap if kmap is not None else None)
                U32.pack_into(buf, p, vo)
                p += 4
                if nunits * 2 > max_vname:
                    max_vname = nunits * 2
                if len(data) > max_vdata:
                    max_vdata = len(data)
            self._nvalues += len(vals)
        # children (sorted the way Windows keeps subkey lists)
        kids = key.children
        max_name = max_class = 0
        if kids:
            if len(kids) > 1:
                kids = sorted(kids, key=lambda c: sort_key(c.name))
            for c in kids:
                n = name_units(c.name) * 2
                if n > max_name:
                    max_name = n
                if c.cls is not None:
                    n = len(c.cls.encode("utf-16-le", "surrogatepass"))
                    if n > max_class:
                        max_class = n
        flags = KEY_FLAG_COMP_NAME if comp else 0
        if is_root:
            flags |= KEY_FLAG_HIVE_ENTRY | KEY_FLAG_NO_DELETE
        if key.flags is not None:
            flags = key.flags
        NK.pack_into(buf, BLOCK + off, I32.unpack_from(buf, BLOCK + off)[0],
                     b"nk", flags, ts,
                     0, parent_off if not is_root else 0,
                     len(kids), 0, NO_OFF, NO_OFF, len(vals), vl_off, sk_off,
                     cls_off, max_name, max_class, max_vname, max_vdata, 0,
                     len(nb), cls_len)
        p = BLOCK + off + 80
        buf[p:p + len(nb)] = nb
        if kids:
            child_offs = []
            sep = "\\" if path else ""
            for c in kids:
                co = self._emit_key(c, off, path + sep + c.name if kmap
                                    is not None else path, ts)
                child_offs.append(co)
            lo = self._emit_subkey_list(key, kids, child_offs, kmap)
            U32.pack_into(buf, BLOCK + off + 32, lo)
        return off

    def _emit_value(self, name, vtype, data, utf16, vmap):
        L = self._L
        buf = L.buf
        nb, comp = encode_name(name, utf16)
        vo = L.alloc(20 + len(nb))
        n = len(data)
        entry = None
        if vmap is not None:
            entry = {"vk": BLOCK + vo}
            vmap.setdefault(name, entry)
        if n <= 4:
            size_field = 0x80000000 | n
            doff = int.from_bytes(data + bytes(4 - n), "little")
        elif n <= BIG_CHUNK or self.bigdata != "db":
            size_field = n
            doff = L.alloc(n)
            p = BLOCK + doff + 4
            buf[p:p + n] = data
            if entry is not None:
                entry["data"] = BLOCK + doff
        else:
            size_field = n
            nseg = (n + BIG_CHUNK - 1) // BIG_CHUNK
            doff = L.alloc(12)
            lst = L.alloc(4 * nseg)
            struct.pack_into("<2sHII", buf, BLOCK + doff + 4, b"db", nseg,
                             lst, 0)
            segs = []
            for i in range(nseg):
                chunk = data[i * BIG_CHUNK:(i + 1) * BIG_CHUNK]
                # Windows allocates every segment, the last one included,
                # as a full 16344-byte chunk (cell size 16352)
                so = L.alloc(BIG_CHUNK)
                p = BLOCK + so + 4
                buf[p:p + len(chunk)] = chunk
                U32.pack_into(buf, BLOCK + lst + 4 + 4 * i, so)
                segs.append(BLOCK + so)
            if entry is not None:
                entry.update({"db": BLOCK + doff, "db_list": BLOCK + lst,
                              "segments": segs})
        VK.pack_into(buf, BLOCK + vo, I32.unpack_from(buf, BLOCK + vo)[0],
                     b"vk", len(nb), size_field, doff, vtype,
                     VALUE_FLAG_COMP_NAME if comp else 0, 0)
        p = BLOCK + vo + 24
        buf[p:p + len(nb)] = nb
        return vo, (len(nb) if comp else len(nb) // 2)

    def _emit_subkey_list(self, key, kids, offs, kmap):
        lt = key.list_type
        n = len(kids)
        if lt is None:
            lt = self.default_list
            if n > LEAF_MAX[lt]:
                leaf_t, lt = lt, "ri"
            else:
                leaf_t = lt
        elif lt == "ri":
            leaf_t = key.leaf_type or self.default_list
        else:
            leaf_t = lt
        if lt != "ri":
            lo = self._emit_leaf(lt, kids, offs, kmap)
            return lo
        per = key.leaf_size or LEAF_MAX[leaf_t]
        leaves = []
        for i in range(0, n, per):
            leaves.append(self._emit_leaf(leaf_t, kids[i:i + per],
                                          offs[i:i + per], None))
        top = inner = self._emit_ri(leaves)
        chain = [inner]
        for _ in range(max(1, key.ri_depth) - 1):
            top = self._emit_ri([top] * max(1, key.ri_width))
            chain.append(top)
        if kmap is not None:
            # outermost list first, then inner ri levels, then the leaves
            for o in reversed(chain):
                kmap["lists"].append({"offset": BLOCK + o, "type": "ri",
                                      "count": len(leaves) if o == inner
                                      else max(1, key.ri_width)})
            for i, lo in enumerate(leaves):
                kmap["lists"].append({"offset": BLOCK + lo, "type": leaf_t,
                                      "count": min(per, n - i * per)})
        return top

    def _emit_ri(self, entries):
        L = self._L
        o = L.alloc(4 + 4 * len(entries))
        struct.pack_into("<2sH%dI" % len(entries), L.buf, BLOCK + o + 4,
                         b"ri", len(entries), *entries)
        return o

    def _emit_leaf(self, lt, kids, offs, kmap):
        L = self._L
        buf = L.buf
        n = len(kids)
        if lt == "li":
            o = L.alloc(4 + 4 * n)
            struct.pack_into("<2sH%dI" % n, buf, BLOCK + o + 4, b"li", n,
                             *offs)
        else:
            o = L.alloc(4 + 8 * n)
            hf = lh_hash if lt == "lh" else lf_hint
            flat = []
            for c, co in zip(kids, offs):
                flat.append(co)
                flat.append(hf(c.name))
            struct.pack_into("<2sH%dI" % (2 * n), buf, BLOCK + o + 4,
                             lt.encode(), n, *flat)
        if kmap is not None:
            kmap["lists"].append({"offset": BLOCK + o, "type": lt,
                                  "count": n})
        return o

    def write(self, path, map_path=None):
        data, m = self.build(want_map=map_path is not None)
        with open(path, "wb") as f:
            f.write(data)
        if map_path is not None:
            with open(map_path, "w") as f:
                json.dump(m, f, indent=1, sort_keys=True, ensure_ascii=True)
        return len(data)

    def stats(self):
        return {"keys": self._nkeys, "values": self._nvalues}


def header_checksum(buf):
    """XOR of the first 127 dwords; Windows maps 0 -> 1 and -1 -> -2."""
    x = 0
    for v in struct.unpack_from("<127I", buf, 0):
        x ^= v
    if x == 0xFFFFFFFF:
        x = 0xFFFFFFFE
    elif x == 0:
        x = 1
    return x


# --------------------------------------------------------------------------
# the text description (see docs/hive-description.md)

_WORD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_.+-")
_HEXDIGITS = set("0123456789abcdefABCDEF")


def _fix_surrogates(s):
    """Join \\uD83D\\uDE00-style escaped pairs into one code point; keep
    lone surrogates as they are."""
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        return s
    out = []
    i = 0
    while i < len(s):
        c = ord(s[i])
        if 0xD800 <= c <= 0xDBFF and i + 1 < len(s) and \
                0xDC00 <= ord(s[i + 1]) <= 0xDFFF:
            out.append(chr(0x10000 + ((c - 0xD800) << 10) +
                           (ord(s[i + 1]) - 0xDC00)))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


class Lexer(object):
    def __init__(self, text, where):
        self.s = text
        self.i = 0
        self.where = where

    def error(self, msg):
        raise HiveDescError("%s: %s (at column %d: %r)" % (
            self.where, msg, self.i + 1, self.s[self.i:self.i + 20]))

    def skip_ws(self):
        s = self.s
        while self.i < len(s) and s[self.i] in " \t\r\n":
            self.i += 1
        if self.i < len(s) and s[self.i] in "#;" and (
                self.i == 0 or s[self.i - 1] in " \t"):
            self.i = len(s)           # comment to end of line

    def at_end(self):
        self.skip_ws()
        return self.i >= len(self.s)

    def peek(self):
        self.skip_ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def at_string(self):
        self.skip_ws()
        return self.s.startswith('"', self.i) or self.s.startswith('r"', self.i)

    def accept(self, ch):
        if self.peek() == ch:
            self.i += 1
            return True
        return False

    def expect(self, ch):
        if not self.accept(ch):
            self.error("expected %r" % ch)

    def word(self):
        self.skip_ws()
        j = self.i
        while j < len(self.s) and self.s[j] in _WORD_CHARS:
            j += 1
        if j == self.i:
            self.error("expected a word or number")
        w = self.s[self.i:j]
        self.i = j
        return w

    def number(self):
        w = self.word()
        try:
            return int(w, 0)
        except ValueError:
            self.error("bad number %r" % w)

    def string(self):
        """A double-quoted string with C-like escapes (see the docs), or a
        raw string r"..." in which a backslash is just a backslash."""
        self.skip_ws()
        s = self.s
        if s.startswith('r"', self.i):
            j = s.find('"', self.i + 2)
            if j < 0:
                self.error("unterminated raw string")
            r = s[self.i + 2:j]
            self.i = j + 1
            return r
        if self.i >= len(s) or s[self.i] != '"':
            self.error("expected a quoted string")
        i = self.i + 1
        out = []
        while True:
            if i >= len(s):
                self.error("unterminated string")
            c = s[i]
            if c == '"':
                i += 1
                break
            if c != "\\":
                out.append(c)
                i += 1
                continue
            e = s[i + 1:i + 2]
            i += 2
            simple = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t",
                      "0": "\0"}
            if e in simple:
                out.append(simple[e])
            elif e in ("x", "u", "U"):
                if e == "U" and s[i:i + 1] == "{":
                    j = s.index("}", i)
                    h, i = s[i + 1:j], j + 1
                else:
                    n = {"x": 2, "u": 4, "U": 8}[e]
                    h, i = s[i:i + n], i + n
                try:
                    out.append(chr(int(h, 16)))
                except ValueError:
                    self.i = i
                    self.error("bad escape \\%s%s" % (e, h))
            else:
                # unknown escape: keep the backslash ("C:\\Windows" and
                # "C:\Windows" both work; \n, \t, \r, \0, \x, \u, \U do not)
                out.append("\\" + e)
        self.i = i
        return _fix_surrogates("".join(out))

    def options(self):
        """word[=value] ... ; value is a word or a quoted string."""
        opts = {}
        while not self.at_end():
            k = self.word()
            if self.accept("="):
                v = self.string() if self.at_string() else self.word()
            else:
                v = True
            opts[k] = v
        return opts


def _parse_bytes(lx):
    """Byte items up to the end of the line: hex (de ad / dead), repeat(HEX,N),
    zeros(N), ascii("..."), utf16("..."), utf16z("..."), dword(N), qword(N),
    dword_be(N)."""
    out = bytearray()
    while not lx.at_end():
        if lx.accept(","):
            continue
        w = lx.word()
        if lx.peek() == "(":
            lx.expect("(")
            f = w.lower()
            if f == "repeat":
                if lx.at_string():
                    unit = lx.string().encode("utf-8")
                else:
                    unit = _hex(lx, lx.word())
                lx.expect(",")
                out += unit * lx.number()
            elif f == "zeros":
                out += bytes(lx.number())
            elif f in ("ascii", "latin1", "utf8"):
                enc = {"ascii": "latin-1", "latin1": "latin-1",
                       "utf8": "utf-8"}[f]
                out += lx.string().encode(enc)
            elif f in ("utf16", "utf16z"):
                out += sz(lx.string(), nul=(f == "utf16z"))
            elif f in ("dword", "qword", "dword_be"):
                out += {"dword": dword, "qword": qword,
                        "dword_be": dword_be}[f](lx.number())
            else:
                lx.error("unknown byte function %r" % w)
            lx.expect(")")
        else:
            out += _hex(lx, w)
    return bytes(out)


def _hex(lx, w):
    if len(w) % 2 or not set(w) <= _HEXDIGITS:
        lx.error("bad hex bytes %r" % w)
    return bytes.fromhex(w)


def _parse_value_data(lx):
    """TYPE ':' DATA -> (type number, bytes)"""
    t = lx.word().lower()
    if t in ("type", "hex") and lx.peek() == "(":
        lx.expect("(")
        vtype = lx.number() & 0xFFFFFFFF
        lx.expect(")")
        lx.expect(":")
        return vtype, _parse_bytes(lx)
    if t not in TYPE_NAMES:
        lx.error("unknown value type %r" % t)
    vtype = TYPE_NAMES[t]
    lx.expect(":")
    if t in ("sz", "expand_sz"):
        data = sz(lx.string())
    elif t == "link":
        data = sz(lx.string(), nul=False)
    elif t == "multi_sz":
        items = []
        while not lx.at_end():
            items.append(lx.string())
            if not lx.accept(","):
                break
        data = multi_sz(items)
    elif t in ("dword", "dword_be", "qword"):
        n = lx.number()
        data = {"dword": dword, "dword_be": dword_be, "qword": qword}[t](n)
    else:
        data = _parse_bytes(lx)
    if not lx.at_end():
        lx.error("unexpected text after the value data")
    return vtype, data


def _parse_key_path(line, where):
    """'[a\\b] opts' or '["a"\\"b"] opts' -> (components, rest of line)"""
    lx = Lexer(line, where)
    lx.expect("[")
    comps = []
    if lx.at_string():
        while True:
            comps.append(lx.string())
            if lx.accept("]"):
                break
            lx.expect("\\")
    else:
        j = line.find("]", lx.i)
        if j < 0:
            lx.error("missing ]")
        raw = line[lx.i:j].strip().strip("\\")
        comps = raw.split("\\") if raw else []
        lx.i = j + 1
    for c in comps:
        if c == "":
            lx.error("empty key name in path")
    return comps, lx


HIVE_OPTIONS = {"minor", "major", "dirty", "seq", "root", "filename",
                "timestamp", "bigdata", "type", "clustering"}
KEY_OPTIONS = {"subkeys", "name", "start", "list", "leaf", "leafsize",
               "ridepth", "riwidth", "utf16", "class", "flags"}


def _yes(v):
    return v is True or str(v).lower() in ("yes", "true", "1", "on")


def parse_description(text, where="<desc>"):
    """Parse a hive description; return a Writer holding the tree."""
    w = None
    hive_opts = {}
    cur = None
    lines = text.splitlines()

    def writer():
        nonlocal w
        if w is None:
            w = Writer(**hive_opts)
        return w

    for n, raw in enumerate(lines, 1):
        loc = "%s:%d" % (where, n)
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("hive") and (len(line) == 4 or line[4] in " \t"):
            if w is not None:
                raise HiveDescError("%s: 'hive' line must come first" % loc)
            lx = Lexer(line[4:], loc)
            for k, v in lx.options().items():
                if k not in HIVE_OPTIONS:
                    lx.error("unknown hive option %r" % k)
                if k in ("minor", "major", "seq", "timestamp", "type",
                         "clustering"):
                    hive_opts[{"type": "file_type"}.get(k, k)] = int(v, 0)
                elif k == "dirty":
                    hive_opts["dirty"] = _yes(v)
                elif k == "root":
                    hive_opts["root_name"] = v
                elif k == "bigdata":
                    if v not in ("db", "cell"):
                        lx.error("bigdata must be db or cell")
                    hive_opts["bigdata"] = v
                else:
                    hive_opts[k] = v
            continue
        if line[0] == "[":
            comps, lx = _parse_key_path(line, loc)
            cur = writer().add_key(comps)
            opts = lx.options()
            bad = set(opts) - KEY_OPTIONS
            if bad:
                lx.error("unknown key option(s) %s" % ", ".join(sorted(bad)))
            _apply_key_options(cur, opts, lx)
            continue
        lx = Lexer(line, loc)
        if cur is None:
            cur = writer().root
        c = lx.peek()
        if c == "@":
            lx.i += 1
            name, force = "", False
        elif lx.at_string():
            name, force = lx.string(), False
        else:
            wd = lx.word()
            if wd == "class":
                lx.expect("=")
                cur.cls = lx.string()
                if not lx.at_end():
                    lx.error("unexpected text after the class name")
                continue
            if wd == "u" and lx.s[lx.i:lx.i + 1] == '"':
                name, force = lx.string(), True
            else:
                lx.error("expected @, \"name\", u\"name\", class or [key]")
        lx.expect("=")
        vtype, data = _parse_value_data(lx)
        cur.add_value(name, vtype, data, force)
    return writer()


def _apply_key_options(key, opts, lx):
    if "class" in opts:
        key.cls = opts["class"]
    if opts.get("utf16"):
        key.utf16 = True
    if "flags" in opts:
        key.flags = int(opts["flags"], 0)
    if "list" in opts:
        if opts["list"] not in ("lf", "lh", "li", "ri"):
            lx.error("list must be lf, lh, li or ri")
        key.list_type = opts["list"]
    if "leaf" in opts:
        if opts["leaf"] not in ("lf", "lh", "li"):
            lx.error("leaf must be lf, lh or li")
        key.leaf_type = opts["leaf"]
    if "leafsize" in opts:
        key.leaf_size = int(opts["leafsize"], 0)
        if key.leaf_size < 1:
            lx.error("leafsize must be >= 1")
    if "ridepth" in opts:
        key.ri_depth = int(opts["ridepth"], 0)
        if key.list_type is None:
            key.list_type = "ri"
    if "riwidth" in opts:
        key.ri_width = int(opts["riwidth"], 0)
        if key.ri_width < 1:
            lx.error("riwidth must be >= 1")
    if "subkeys" in opts:
        count = int(opts["subkeys"], 0)
        fmt = opts.get("name", "K{:d}")
        start = int(opts.get("start", "0"), 0)
        for i in range(start, start + count):
            key.child(fmt.format(i))
    elif "name" in opts or "start" in opts:
        lx.error("name= and start= need subkeys=")


def load_description(path):
    with open(path, "r", encoding="utf-8") as f:
        return parse_description(f.read(), path)


# --------------------------------------------------------------------------
# verification with hivex (python3-hivex)

def _import_hivex():
    try:
        import hivex
        return hivex
    except ImportError:
        # python3-hivex is installed for the system interpreter only; re-run
        # there if we are in another one (pyenv, venv).
        sysp = "/usr/bin/python3"
        if os.path.exists(sysp) and os.path.realpath(sys.executable) != \
                os.path.realpath(sysp) and not os.environ.get("MKHIVE_REEXEC"):
            os.environ["MKHIVE_REEXEC"] = "1"
            os.execv(sysp, [sysp] + sys.argv)
        raise


def verify(writer, hive_path, limit=20):
    """Re-read hive_path with hivex and compare it with writer's tree.
    Return a list of differences (empty when equal)."""
    hivex = _import_hivex()
    h = hivex.Hivex(hive_path)
    errs = []

    def err(msg):
        errs.append(msg)
        return len(errs) >= limit

    def walk(key, node, path):
        got_name = h.node_name(node)
        if path and got_name != key.name:
            if err("%r: key name %r != %r" % (path, got_name, key.name)):
                return True
        vals = h.node_values(node)
        if len(vals) != len(key.values):
            if err("%r: %d values, expected %d" % (path, len(vals),
                                                   len(key.values))):
                return True
        for v, (name, vtype, data, _) in zip(vals, key.values):
            gname = h.value_key(v)
            gtype, gdata = h.value_value(v)
            if gname != name:
                if err("%r: value name %r != %r" % (path, gname, name)):
                    return True
            if gtype != vtype or gdata != data:
                if err("%r: value %r: type %d len %d != type %d len %d" % (
                        path, name, gtype, len(gdata), vtype, len(data))):
                    return True
        kids = h.node_children(node)
        exp = sorted(key.children, key=lambda c: sort_key(c.name))
        if len(kids) != len(exp):
            if err("%r: %d subkeys, expected %d" % (path, len(kids),
                                                    len(exp))):
                return True
        for kn, kk in zip(kids, exp):
            if walk(kk, kn, path + "\\" + kk.name if path else kk.name):
                return True
        return False

    walk(writer.root, h.root(), "")
    return errs


# --------------------------------------------------------------------------
# command line

def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(
        description="Build a regf hive from a text description "
                    "(docs/hive-description.md).")
    ap.add_argument("desc", help="description file (.hivedesc)")
    ap.add_argument("out", help="hive file to write (or to check with "
                                "--verify)")
    ap.add_argument("--map", metavar="OUT.json",
                    help="write the file offsets of every structure as JSON")
    ap.add_argument("--verify", action="store_true",
                    help="do not write: re-read OUT with hivex and compare it "
                         "with DESC")
    a = ap.parse_args(argv)
    try:
        w = load_description(a.desc)
    except (HiveDescError, OSError) as e:
        print("mkhive: %s" % e, file=sys.stderr)
        return 2
    if a.verify:
        try:
            errs = verify(w, a.out)
        except RuntimeError as e:          # hivex.Error derives from it
            print("mkhive: hivex could not read %s: %s" % (a.out, e),
                  file=sys.stderr)
            return 1
        for e in errs:
            print("mkhive: verify: %s" % e, file=sys.stderr)
        if errs:
            return 1
        print("mkhive: %s matches %s" % (a.out, a.desc))
        return 0
    w.write(a.out, a.map)
    return 0


if __name__ == "__main__":
    sys.exit(main())
