#!/usr/bin/env python3
"""check_imports.py --arch x64|x86 [--objdump TOOL] [-v] EXE

Fails (exit 1) unless EXE would load on a bare Windows Server 2008 SP2 of that architecture:
  - every imported DLL is one 2008 SP2 ships (ALLOWED_DLLS); api-ms-win-*, ucrtbase,
    vcruntime, the mingw runtime DLLs and our own dependencies (libxml2, zlib) are named
    as such, because each means the static link did not happen or a newer CRT crept in;
  - no imported function is one of DENIED_FUNCTIONS, APIs newer than Vista/2008 that
    mingw-w64's headers or runtime can reach (each with its minimum version and source:
    tests/windows/README.md has the same table);
  - no import by ordinal (ordinals of system DLLs are not stable across versions);
  - the PE header asks for no more than NT 6.0 (subsystem and OS version), is a console
    program, and its machine is the expected one.
The import tables (regular and delay-load) are read by this script's own PE reader; with
--objdump (TRIPLET-objdump) the DLL and function lists of binutils' reading must agree
with ours, so a mistake in either reader shows up. Exit 2: not a readable PE file, or a
usage error.
"""

import argparse
import re
import struct
import subprocess
import sys

MACHINES = {"x64": 0x8664, "x86": 0x014C}
MACHINE_NAMES = {0x8664: "x64 (AMD64)", 0x014C: "x86 (i386)", 0xAA64: "ARM64", 0x01C4: "ARMv7"}
SUBSYSTEM_CONSOLE = 3
# NT 6.0 is Vista / Server 2008: the loader refuses a higher subsystem version.
MAX_VERSION = (6, 0)

# DLLs in a bare Windows Server 2008 SP2 (full or Server Core) install. Kept to what the
# mingw-w64 runtime and kbaudit use, plus a few system DLLs a port might reasonably call.
ALLOWED_DLLS = {
    "kernel32.dll",   # everything
    "msvcrt.dll",     # mingw-w64's default C runtime (the system one, not a redistributable)
    "advapi32.dll",   # registry (live mode)
    "ntdll.dll",
    "user32.dll",
    "shell32.dll",    # CommandLineToArgvW
    "version.dll",
    "ws2_32.dll",
}

# DLLs that are specifically wrong, with why: clearer than "not allowed".
DENIED_DLL_PATTERNS = [
    (r"api-ms-win-.*|ext-ms-.*", "an API set name: resolved by Windows 7 and later loaders only"),
    (r"ucrtbase.*|api-ms-win-crt-.*", "the Universal CRT: not on 2008 without the Windows 10 CRT update"),
    (r"vcruntime.*|msvcp.*|msvcr[0-9]+.*", "a Visual C++ redistributable runtime"),
    (r"libwinpthread.*", "the mingw-w64 pthreads DLL: link with -static"),
    (r"libgcc.*|libstdc\+\+.*", "a GCC runtime DLL: link with -static -static-libgcc"),
    (r"libxml2.*", "libxml2 as a DLL: kbaudit links it statically"),
    (r"zlib1.*|libz.*", "zlib as a DLL: kbaudit links it statically"),
]

LEARN = "https://learn.microsoft.com"
# name -> (minimum Windows version, where that comes from: the function's reference page,
# its "Requirements" table, "Minimum supported client/server").
DENIED_FUNCTIONS = {
    "GetSystemTimePreciseAsFileTime": (
        "Windows 8 / Server 2012",
        LEARN + "/zh-cn/windows/win32/api/sysinfoapi/nf-sysinfoapi-getsystemtimepreciseasfiletime"),
    "GetCurrentThreadStackLimits": (
        "Windows 8 / Server 2012",
        LEARN + "/en-us/windows/desktop/api/processthreadsapi/nf-processthreadsapi-getcurrentthreadstacklimits"),
    "InitializeSynchronizationBarrier": (
        "Windows 8 / Server 2012",
        LEARN + "/en-us/windows/win32/api/synchapi/nf-synchapi-initializesynchronizationbarrier"),
    "WakeByAddressSingle": (
        "Windows 8 / Server 2012",
        LEARN + "/ja-jp/windows/desktop/api/SynchAPI/nf-synchapi-wakebyaddresssingle"),
    "PathCchCombine": (
        "Windows 8 / Server 2012",
        LEARN + "/zh-cn/windows/win32/api/pathcch/nf-pathcch-pathcchcombine"),
    "PathCchCombineEx": (
        "Windows 8 / Server 2012",
        LEARN + "/zh-cn/windows/desktop/api/pathcch/nf-pathcch-pathcchcombineex"),
    "PathAllocCombine": (
        "Windows 8 / Server 2012",
        LEARN + "/zh-cn/windows/win32/api/pathcch/nf-pathcch-pathalloccombine"),
    "SetDefaultDllDirectories": (
        "Windows 8 / Server 2012 (Vista, 2008, 7 and 2008 R2 only with KB2533623, through GetProcAddress)",
        LEARN + "/zh-cn/windows/win32/api/LibLoaderAPI/nf-libloaderapi-setdefaultdlldirectories"),
    "SetThreadDescription": (
        "Windows 10 1607 / Server 2016",
        LEARN + "/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-setthreaddescription"),
    "GetThreadDescription": (
        "Windows 10 1607",
        LEARN + "/en-us/windows/desktop/api/processthreadsapi/nf-processthreadsapi-getthreaddescription"),
    "TryAcquireSRWLockExclusive": (
        "Windows 7 / Server 2008 R2",
        LEARN + "/en-us/windows/win32/api/synchapi/nf-synchapi-tryacquiresrwlockexclusive"),
    "TryAcquireSRWLockShared": (
        "Windows 7 / Server 2008 R2",
        LEARN + "/windows/win32/api/synchapi/nf-synchapi-tryacquiresrwlockshared"),
    "GetActiveProcessorCount": (
        "Windows 7 / Server 2008 R2",
        LEARN + "/en-us/windows/win32/api/winbase/nf-winbase-getactiveprocessorcount"),
}


class PEError(Exception):
    pass


class PE:
    """The parts of a PE image this check needs, every offset bounds-checked."""

    def __init__(self, data):
        self.data = data
        if self.u16(0) != 0x5A4D:
            raise PEError("no MZ header")
        pe = self.u32(0x3C)
        if self.bytes(pe, 4) != b"PE\0\0":
            raise PEError("no PE signature at 0x%x" % pe)
        coff = pe + 4
        self.machine = self.u16(coff)
        nsections = self.u16(coff + 2)
        opt_size = self.u16(coff + 16)
        opt = coff + 20
        self.magic = self.u16(opt)
        if self.magic == 0x10B:
            self.image_base = self.u32(opt + 28)
            dirs_count_at, dirs_at = opt + 92, opt + 96
        elif self.magic == 0x20B:
            self.image_base = struct.unpack_from("<Q", self.bytes(opt + 24, 8))[0]
            dirs_count_at, dirs_at = opt + 108, opt + 112
        else:
            raise PEError("unknown optional header magic 0x%x" % self.magic)
        self.os_version = (self.u16(opt + 40), self.u16(opt + 42))
        self.subsystem_version = (self.u16(opt + 48), self.u16(opt + 50))
        self.subsystem = self.u16(opt + 68)
        ndirs = self.u32(dirs_count_at)
        self.dirs = [(self.u32(dirs_at + 8 * i), self.u32(dirs_at + 8 * i + 4))
                     for i in range(min(ndirs, 16))]
        sec = opt + opt_size
        self.sections = []
        for i in range(nsections):
            h = sec + 40 * i
            vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", self.bytes(h + 8, 16))
            self.sections.append((va, max(vsize, rawsize), rawptr, rawsize))

    def bytes(self, off, n):
        if off < 0 or off + n > len(self.data):
            raise PEError("offset 0x%x+%d is outside the file" % (off, n))
        return self.data[off:off + n]

    def u16(self, off):
        return struct.unpack_from("<H", self.bytes(off, 2))[0]

    def u32(self, off):
        return struct.unpack_from("<I", self.bytes(off, 4))[0]

    def u64(self, off):
        return struct.unpack_from("<Q", self.bytes(off, 8))[0]

    def rva(self, rva):
        for va, size, rawptr, rawsize in self.sections:
            if va <= rva < va + size:
                if rva - va >= rawsize:
                    raise PEError("RVA 0x%x lies in a section's uninitialised tail" % rva)
                return rawptr + (rva - va)
        raise PEError("RVA 0x%x is in no section" % rva)

    def cstr(self, rva, limit=512):
        off = self.rva(rva)
        end = self.data.find(b"\0", off, off + limit)
        if end < 0:
            raise PEError("unterminated name at RVA 0x%x" % rva)
        return self.data[off:end].decode("ascii", "replace")

    def thunks(self, rva):
        """Names (or '#ordinal') of one import name table."""
        wide = self.magic == 0x20B
        step = 8 if wide else 4
        flag = 1 << 63 if wide else 1 << 31
        out = []
        for i in range(65536):
            off = self.rva(rva + i * step)
            v = self.u64(off) if wide else self.u32(off)
            if v == 0:
                return out
            if v & flag:
                out.append("#%d" % (v & 0xFFFF))
            else:
                out.append(self.cstr((v & 0x7FFFFFFF) + 2))  # skip the 2-byte hint
        raise PEError("import name table at RVA 0x%x does not end" % rva)

    def imports(self):
        """[(dll, [functions], delayed)] from the import and delay-import directories."""
        out = []
        rva, size = self.dirs[1] if len(self.dirs) > 1 else (0, 0)
        if rva and size:
            for i in range(4096):
                d = rva + 20 * i
                oft, _, _, name, ft = struct.unpack_from("<IIIII", self.bytes(self.rva(d), 20))
                if not (oft or name or ft):
                    break
                out.append((self.cstr(name), self.thunks(oft or ft), False))
        rva, size = self.dirs[13] if len(self.dirs) > 13 else (0, 0)
        if rva and size:
            for i in range(4096):
                d = rva + 32 * i
                attrs, name, _, _, nametab, _, _, _ = struct.unpack_from(
                    "<IIIIIIII", self.bytes(self.rva(d), 32))
                if not (name or nametab):
                    break
                if not attrs & 1:  # old-style descriptor: virtual addresses, not RVAs
                    name -= self.image_base
                    nametab -= self.image_base
                out.append((self.cstr(name), self.thunks(nametab), True))
        return out


def objdump_imports(objdump, path):
    """{dll (lower case): set(functions)} as binutils reads the regular import table."""
    text = subprocess.run([objdump, "-p", path], check=True, capture_output=True,
                          text=True).stdout
    out, cur, inside = {}, None, False
    for line in text.splitlines():
        if line.startswith("The Import Tables"):
            inside = True
            continue
        if inside and (line.startswith("The ") or line.startswith("PE File")):
            break
        if not inside:
            continue
        m = re.match(r"\s*DLL Name: (\S+)", line)
        if m:
            cur = out.setdefault(m.group(1).lower(), set())
            continue
        # "\t<vma>\t <hint>  <name>", or "\t<ordinal>\t <n>  <none>" for an ordinal import
        m = re.match(r"\t([0-9a-fA-F]+)\t\s*(\d+)\s+(\S+)", line)
        if m and cur is not None:
            cur.add("#%d" % int(m.group(1), 16) if m.group(3) == "<none>" else m.group(3))
    return out


def check(path, arch, objdump=None, verbose=False):
    try:
        with open(path, "rb") as f:
            pe = PE(f.read())
        imports = pe.imports()
    except (OSError, PEError) as e:
        print("%s: cannot read as a PE image: %s" % (path, e), file=sys.stderr)
        return 2

    problems = []
    if pe.machine != MACHINES[arch]:
        problems.append("machine is %s, expected %s" % (
            MACHINE_NAMES.get(pe.machine, "0x%x" % pe.machine), MACHINE_NAMES[MACHINES[arch]]))
    if pe.subsystem_version > MAX_VERSION:
        problems.append("subsystem version %d.%d: Windows Server 2008 (6.0) refuses to load it"
                        % pe.subsystem_version)
    if pe.os_version[0] > MAX_VERSION[0]:
        problems.append("operating system version %d.%d is above 6" % pe.os_version)
    if pe.subsystem != SUBSYSTEM_CONSOLE:
        problems.append("subsystem %d is not the console (3)" % pe.subsystem)

    for dll, funcs, delayed in imports:
        low = dll.lower()
        kind = "delay-loaded DLL" if delayed else "DLL"
        if low not in ALLOWED_DLLS:
            why = next((w for pat, w in DENIED_DLL_PATTERNS if re.fullmatch(pat, low)),
                       "not one a bare Windows Server 2008 SP2 is known to ship")
            problems.append("imports %s %s: %s" % (kind, dll, why))
        for fn in funcs:
            if fn.startswith("#"):
                problems.append("imports %s from %s by ordinal" % (fn, dll))
            elif fn in DENIED_FUNCTIONS:
                ver, src = DENIED_FUNCTIONS[fn]
                problems.append("imports %s from %s: needs %s (%s)" % (fn, dll, ver, src))

    if objdump:
        try:
            theirs = objdump_imports(objdump, path)
        except (OSError, subprocess.CalledProcessError) as e:
            print("%s: %s -p failed: %s" % (path, objdump, e), file=sys.stderr)
            return 2
        ours = {}
        for dll, funcs, delayed in imports:
            if not delayed:
                ours.setdefault(dll.lower(), set()).update(funcs)
        if ours != theirs:
            problems.append("this script and %s read different import tables: %s vs %s"
                            % (objdump, sorted(ours.items()), sorted(theirs.items())))

    print("%s: %s PE32%s, subsystem %d (version %d.%d), OS version %d.%d" % (
        path, MACHINE_NAMES.get(pe.machine, hex(pe.machine)), "+" if pe.magic == 0x20B else "",
        pe.subsystem, pe.subsystem_version[0], pe.subsystem_version[1],
        pe.os_version[0], pe.os_version[1]))
    for dll, funcs, delayed in imports:
        print("  %s%s: %d function(s)%s" % (dll, " (delay-loaded)" if delayed else "", len(funcs),
                                           (": " + " ".join(sorted(funcs))) if verbose else ""))
    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print("OK: loads on Windows Server 2008 SP2 as far as imports and headers show")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", choices=sorted(MACHINES), required=True,
                    help="the machine type the exe must have")
    ap.add_argument("--objdump", help="TRIPLET-objdump: cross-check the import table with binutils")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every imported function")
    ap.add_argument("exe")
    a = ap.parse_args()
    return check(a.exe, a.arch, a.objdump, a.verbose)


if __name__ == "__main__":
    sys.exit(main())
