#!/usr/bin/python3
"""Checks the bundled knowledge base against the researched facts it was written from.

usage: check_facts.py data/kbdb.xml ../shared/kb-chain.csv

For every row of kb-chain.csv: the KB is in the XML with the same kind and release date;
supersedes, prerequisites, build, ntoskrnl.exe version and marker files agree; and every
value the CSV marks UNCONFIRMED is absent or confidence="unconfirmed" in the XML (the
database never confirms what the research did not). No KB is in the XML that the CSV
lacks. Architectures agree with the title ("x64-based Systems", "x64 only"); a restart
the CSV gives is in <reboot> (unconfirmed when the CSV says so); rollups and security-only
updates need an ESU licence exactly from February 2020 to January 2024 (end of extended
support Jan 14 2020, end of Azure ESU Jan 9 2024, kb-facts.md 5.2), never confirmed after;
every cited source is defined, and the sources the CSV names (Microsoft TSS list, WES-NG,
Tenable, LegacyUpdate) are cited. Exits 77 (skipped) when the CSV is absent, as in a clone outside the project tree.
"""
import csv
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = '{urn:x-kbaudit:kbdb:1}'


def el(parent, name):
    return parent.find(NS + name)


def unconfirmed(e):
    return e is not None and e.get('confidence') == 'unconfirmed'


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    xml_path, csv_path = sys.argv[1:]
    if not os.path.exists(csv_path):
        print('SKIP: %s is absent (the shared facts are not next to this clone)' % csv_path)
        return 77
    rows = list(csv.DictReader(open(csv_path, encoding='utf-8')))
    root = ET.parse(xml_path).getroot()
    updates = {u.get('kb'): u for u in root.iter(NS + 'update')}
    source_ids = {x.get('id') for x in root.iter(NS + 'source') if x.get('id')}
    errors = []

    def err(kb, msg):
        errors.append('%s: %s' % (kb, msg))

    csv_kbs = set()
    for r in rows:
        kb = r['kb']
        csv_kbs.add(kb)
        u = updates.get(kb)
        if u is None:
            err(kb, 'in kb-chain.csv (%s) but not in the database' % r['kind'])
            continue
        # kind
        if u.get('kind') != r['kind']:
            err(kb, 'kind %s, the CSV says %s' % (u.get('kind'), r['kind']))
        if 'UNCONFIRMED' in r['title'] and 'SSU' in r['title'] and u.get('kind-confidence') != 'unconfirmed' \
                and 'probably' in r['title']:
            err(kb, 'the CSV doubts the kind, the database does not')

        # release date
        d = r['date']
        rel = el(u, 'released')
        m = re.match(r'(\d{4}-\d{2}-\d{2}|\d{4}-\d{2})\b', d)
        if m:
            if rel is None or rel.text.strip() != m.group(1):
                err(kb, 'released %s, the CSV says %s' % (None if rel is None else rel.text, m.group(1)))
        elif rel is not None and not unconfirmed(rel):
            err(kb, 'the CSV gives no date ("%s") but the database has a confirmed one' % d)
        if ('UNCONFIRMED' in d or 'DatePosted' in d) and rel is not None and not unconfirmed(rel):
            err(kb, 'the CSV date is UNCONFIRMED but the database confirms it')

        # title
        t = el(u, 'title')
        if 'UNCONFIRMED' in r['title']:
            if t is not None and not unconfirmed(t):
                err(kb, 'the CSV title is UNCONFIRMED but the database confirms it')
        elif t is None or not r['title'].startswith(t.text.strip()):
            err(kb, 'title %r is not the CSV title %r' % (None if t is None else t.text, r['title']))

        # supersedes
        s = r['supersedes']
        sup = el(u, 'supersedes')
        got = [k.text.strip() for k in sup.findall(NS + 'kb')] if sup is not None else None
        if re.fullmatch(r'KB\d+', s):
            if got != [s] or unconfirmed(sup) or any(unconfirmed(k) for k in sup.findall(NS + 'kb')):
                err(kb, 'supersedes %s, the CSV says %s' % (got, s))
        elif s.startswith('none'):
            if got != []:
                err(kb, 'supersedes %s, the CSV says none' % got)
        elif 'UNCONFIRMED' in s:
            if sup is not None and not unconfirmed(sup):
                err(kb, 'the CSV supersedes is UNCONFIRMED but the database confirms it')
            for k in re.findall(r'KB\d+', s):
                if sup is not None and k not in got:
                    err(kb, 'the CSV names %s as (unconfirmed) superseded; the database does not' % k)
        elif s == '-':
            if sup is not None:
                err(kb, 'the CSV gives no supersedence, the database does')
        else:
            err(kb, 'unexpected supersedes value in the CSV: %r' % s)

        # prerequisites
        p = r['prerequisites']
        pre = el(u, 'prerequisites')
        if ('UNCONFIRMED' in p or p.startswith('ESU-era')) and pre is not None and not unconfirmed(pre):
            err(kb, 'the CSV prerequisites are UNCONFIRMED but the database confirms them')
        if pre is not None:
            pre_kbs = [k.text.strip() for k in pre.findall(NS + 'kb')]
            for k in re.findall(r'KB\d+', p):
                if k not in pre_kbs and k not in ('KB4472027',):   # KB4472027 is an article
                    err(kb, 'the CSV names prerequisite %s, the database does not' % k)

        # build, kernel, marker files
        b = r['build_after']
        build = el(u, 'build')
        mb = re.match(r'(600[23])\b', b)
        if 'no build change' in b:
            if build is not None:
                err(kb, 'the CSV says no build change, the database gives build %s' % build.text)
        elif mb:
            if build is None or build.text.strip() != mb.group(1):
                err(kb, 'build %s, the CSV says %s' % (None if build is None else build.text, mb.group(1)))
            elif 'UNCONFIRMED' in b and not unconfirmed(build):
                err(kb, 'the CSV build is UNCONFIRMED but the database confirms it')
        kernel = el(u, 'kernel')
        mk = re.search(r'ntoskrnl\.exe (\d+\.\d+\.\d+\.\d+)', b)
        if mk and (kernel is None or kernel.get('version') != mk.group(1)):
            err(kb, 'kernel %s, the CSV says %s' % (None if kernel is None else kernel.get('version'), mk.group(1)))
        # thresholds the CSV lacks come from later research (issue 12): they must name their
        # own sources, none of them the CSV's, and stay unconfirmed
        def extra_ok(e):
            return unconfirmed(e) and e.get('sources') and not set(e.get('sources').split()) & {'S1', 'S3', 'S5', 'S6'}
        if not mk and kernel is not None and not extra_ok(kernel):
            err(kb, 'the CSV gives no ntoskrnl.exe version, the database gives %s' % kernel.get('version'))
        mf = re.search(r'threshold ((?!ntoskrnl)[\w.]+\.(?:dll|exe|sys)) (\d+\.\d+\.\d+\.\d+)', b)
        markers = [(f.get('name'), f.get('version')) for f in u.findall(NS + 'file')
                   if f.get('role') == 'marker' and not extra_ok(f)]
        if mf and markers != [(mf.group(1), mf.group(2))]:
            err(kb, 'marker files %s, the CSV says %s %s' % (markers, mf.group(1), mf.group(2)))
        if not mf and markers:
            err(kb, 'marker files %s that the CSV does not give' % markers)

        # every entry cites at least one source, every source it cites exists, and the
        # sources the CSV names are among them
        refs = [x.get('ref') for x in u.findall(NS + 'source')]
        if not refs:
            err(kb, 'cites no source')
        for ref in refs:
            if ref not in source_ids:
                err(kb, 'cites source %s, which is not defined' % ref)
        for needle, ref in (('rfl_Hotfix.csv', 'S1'), ('wesng', 'S3'), ('Tenable Nessus plugin 93962', 'S5'),
                            ('LegacyUpdate', 'S6')):
            if needle in r['source'] and ref not in refs:
                err(kb, 'the CSV cites %s but the database does not cite %s' % (needle, ref))

        # architectures: the title's, when the title itself (a catalog title, not one quoted in
        # parentheses beside Microsoft's general one) names only x64
        arch = el(u, 'arch')
        archs = set(arch.text.split()) if arch is not None and arch.text else set()
        if re.search(r'^\d{4}-\d{2} .*for x64-based Systems|\(x64 only\)', r['title']) and archs != {'x64'}:
            err(kb, 'architectures %s, the title says x64 only' % sorted(archs))
        if arch is not None and not archs:
            err(kb, 'an empty <arch>')

        # reboot: a restart the CSV gives is in the database, unconfirmed when the CSV doubts it
        reboot = el(u, 'reboot')
        mr = re.search(r'restart required( \(UNCONFIRMED)?', r['prerequisites'])
        if mr and (reboot is None or reboot.text != 'yes'):
            err(kb, 'the CSV says a restart is required, the database reboot is %s'
                % (None if reboot is None else reboot.text))
        if mr and mr.group(1) and not unconfirmed(reboot):
            err(kb, 'the CSV doubts the restart, the database confirms it')

        # a shipped file is the version the update carries (exact); a marker is a scanner's
        # threshold
        for f in u.findall(NS + 'file'):
            want = 'exact' if f.get('role') == 'shipped' else 'threshold'
            if f.get('basis') != want:
                err(kb, '%s: role %s with basis %s' % (f.get('name'), f.get('role'), f.get('basis')))
        # a security-only update "superseding" another is a source's quirk and must say so
        if u.get('kind') == 'security-only':
            for k in u.findall(NS + 'supersedes/' + NS + 'kb'):
                o = updates.get(k.text)
                if o is not None and o.get('kind') == 'security-only' and not k.get('note'):
                    err(kb, 'supersedes security-only %s without a note' % k.text)

        # ESU: rollups and security-only updates after the end of extended support
        esu = el(u, 'esu')
        mdate = re.match(r'(\d{4})-(\d{2})', r['date'])
        if u.get('kind') in ('rollup', 'security-only') and mdate:
            ym = (int(mdate.group(1)), int(mdate.group(2)))
            if ym <= (2020, 1):
                want = 'no'
            elif ym <= (2024, 1):
                want = 'yes'
            else:
                want = None
            if want and (esu is None or esu.text != want):
                err(kb, 'esu %s, expected %s for %04d-%02d' % (None if esu is None else esu.text, want, *ym))
            if want is None and esu is not None and not unconfirmed(esu):
                err(kb, 'esu %s confirmed after January 2024, which the sources do not confirm' % esu.text)

    for kb in sorted(set(updates) - csv_kbs):
        err(kb, 'in the database but not in kb-chain.csv')

    kinds = {}
    for u in updates.values():
        kinds[u.get('kind')] = kinds.get(u.get('kind'), 0) + 1
    print('%d updates checked against %d CSV rows: %s' % (
        len(updates), len(rows), ', '.join('%d %s' % (n, k) for k, n in sorted(kinds.items()))))
    for e in errors:
        print('FAIL: ' + e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
