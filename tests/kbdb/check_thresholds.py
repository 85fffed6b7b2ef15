#!/usr/bin/python3
"""Integrity of the bundled knowledge base's file thresholds (issue 12).

usage: check_thresholds.py data/kbdb.xml

- every <kernel> and marker <file> names its own sources (sources="..."), each defined;
- per file (ntoskrnl.exe for <kernel>) and architecture, thresholds never go down along
  the chain of rollups in release order: a later month's fix cannot need an older file;
- after March 2019 (the change to build 6003) every threshold is a build-6003 version, so
  a scanner's bound naming a 6002 file for a later month cannot slip in.
Security-only updates are checked by the same rule against the rollups, since the sources
apply one threshold to a month's pair.
"""
import sys
import xml.etree.ElementTree as ET

NS = '{urn:x-kbaudit:kbdb:1}'


def ver(v):
    return tuple(int(x) for x in v.split('.'))


def main():
    root = ET.parse(sys.argv[1]).getroot()
    defined = {s.get('id') for s in root.find(NS + 'sources')}
    errors = []
    points = {}   # (file, arch) -> [(date, kb, version)]
    count = 0
    for u in root.find(NS + 'updates'):
        kb, kind = u.get('kb'), u.get('kind')
        rel = u.find(NS + 'released')
        date = rel.text.strip() if rel is not None else None
        values = []
        k = u.find(NS + 'kernel')
        if k is not None and k.get('basis') == 'threshold':
            values.append(('ntoskrnl.exe', k))
        for f in u.findall(NS + 'file'):
            if f.get('role') == 'marker':
                values.append((f.get('name').lower(), f))
        for name, e in values:
            count += 1
            srcs = (e.get('sources') or '').split()
            if not srcs:
                errors.append('%s: the %s threshold names no source of its own' % (kb, name))
            for s in srcs:
                if s not in defined:
                    errors.append('%s: the %s threshold cites undefined source %s' % (kb, name, s))
            v = ver(e.get('version'))
            if date and date[:7] > '2019-03' and v[2] != 6003:
                errors.append('%s (%s): %s %s is not a build-6003 version' % (kb, date, name, e.get('version')))
            if date and kind in ('rollup', 'security-only'):
                for arch in (e.get('arch') or 'x86 x64').split():
                    points.setdefault((name, arch), []).append((date[:7], kb, v))
    for (name, arch), pts in sorted(points.items()):
        pts.sort()
        for (d1, k1, v1), (d2, k2, v2) in zip(pts, pts[1:]):
            if d2 > d1 and v2 < v1:
                errors.append('%s (%s): %s %s (%s) is below %s (%s)' % (
                    name, arch, k2, '.'.join(map(str, v2)), d2, '.'.join(map(str, v1)), k1))
    print('%d thresholds checked, %d file/architecture chains' % (count, len(points)))
    for e in errors:
        print('FAIL: ' + e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
