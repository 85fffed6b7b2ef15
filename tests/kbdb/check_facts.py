#!/usr/bin/python3
"""Checks the bundled knowledge base against the researched facts it was written from.

usage: check_facts.py data/kbdb.xml ../shared/kb-chain.csv

For every row of kb-chain.csv: the KB is in the XML with the same kind and release date;
supersedes, prerequisites, build, ntoskrnl.exe version and marker files agree; and every
value the CSV marks UNCONFIRMED is absent or confidence="unconfirmed" in the XML (the
database never confirms what the research did not). No KB is in the XML that the CSV
lacks. Exits 77 (skipped) when the CSV is absent, as in a clone outside the project tree.
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
        if not mk and kernel is not None:
            err(kb, 'the CSV gives no ntoskrnl.exe version, the database gives %s' % kernel.get('version'))
        mf = re.search(r'threshold ((?!ntoskrnl)[\w.]+\.(?:dll|exe|sys)) (\d+\.\d+\.\d+\.\d+)', b)
        markers = [(f.get('name'), f.get('version')) for f in u.findall(NS + 'file') if f.get('role') == 'marker']
        if mf and markers != [(mf.group(1), mf.group(2))]:
            err(kb, 'marker files %s, the CSV says %s %s' % (markers, mf.group(1), mf.group(2)))
        if not mf and markers:
            err(kb, 'marker files %s that the CSV does not give' % markers)

        # every entry cites at least one source
        if not u.findall(NS + 'source'):
            err(kb, 'cites no source')

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
