#!/usr/bin/python3
"""pefile_versions -- the peer of kbaudit's file evidence: read the fixed file version and
the FileVersion string of each PE file named, with Debian's python3-pefile (resources only,
as kbaudit reads them), and print one summary line.

Usage: /usr/bin/python3 bench/pefile_versions.py FILE...
"""
import sys

import pefile


def main():
    read = 0
    for path in sys.argv[1:]:
        pe = pefile.PE(path, fast_load=True)
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
        fixed = pe.VS_FIXEDFILEINFO[0] if getattr(pe, "VS_FIXEDFILEINFO", None) else None
        strings = {}
        for fi in getattr(pe, "FileInfo", None) or []:
            for entry in fi:
                for table in getattr(entry, "StringTable", []):
                    strings.update(table.entries)
        if fixed is not None and b"FileVersion" in strings:
            read += 1
        pe.close()
    print("pefile_versions: %d of %d files with a version" % (read, len(sys.argv) - 1))


if __name__ == "__main__":
    main()
