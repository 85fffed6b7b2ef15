#!/usr/bin/python3
"""`kbaudit --version` (and -V): the project version, the number of updates in the bundled
database and the release date of the newest one, all read here from their sources
(CMakeLists.txt's project version, data/kbdb.xml), so the line cannot drift from the data;
and the man page's header names the same version.

usage: version.py KBAUDIT SOURCE_DIR PROJECT_VERSION
"""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

kbaudit, src, version = sys.argv[1:4]
NS = '{urn:x-kbaudit:kbdb:1}'
failures = []

root = ET.parse(src + '/data/kbdb.xml').getroot()
updates = root.findall(NS + 'updates/' + NS + 'update')
dates = []
for u in updates:
    r = u.find(NS + 'released')
    if r is not None and r.text:
        m = re.fullmatch(r'(\d{4})-(\d{2})(?:-(\d{2}))?', r.text.strip())
        if not m:
            sys.exit('unexpected date %r in KB %s' % (r.text, u.get('kb')))
        dates.append((int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), r.text.strip()))
if not updates or not dates:
    sys.exit('no dated updates found in data/kbdb.xml')
newest = max(dates)[3]
expected = 'kbaudit %s (knowledge base: %d updates, newest %s)' % (version, len(updates), newest)

for flag in ('--version', '-V'):
    p = subprocess.run([kbaudit, flag], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        failures.append('%s: exit %d' % (flag, p.returncode))
    if p.stdout != expected + '\n':
        failures.append('%s: printed %r, expected %r' % (flag, p.stdout, expected + '\n'))
    if p.stderr:
        failures.append('%s: stderr not empty: %r' % (flag, p.stderr))

p = subprocess.run([kbaudit, '--help'], capture_output=True, text=True, timeout=60)
if '--version' not in p.stdout:
    failures.append('--help does not mention --version')

# the man page's header names the same version
th = open(src + '/docs/kbaudit.1', encoding='utf-8').readline()
if not re.match(r'\.TH KBAUDIT 1 "[^"]*" "kbaudit %s"' % re.escape(version), th):
    failures.append('docs/kbaudit.1: .TH line %r does not name kbaudit %s' % (th.strip(), version))

for f in failures:
    print('FAIL:', f)
if failures:
    sys.exit(1)
print('ok:', expected)
