#!/usr/bin/python3
"""End-to-end tests of `kbaudit db`: exit codes, text and JSON output, --db overrides
(plain and gzip), check on good and bad files, export round trip.

usage: cli_test.py KBAUDIT SOURCE_DIR WORK_DIR
"""
import gzip
import json
import re
import os
import subprocess
import sys

kbaudit, src, work = sys.argv[1:4]
fixtures = os.path.join(src, 'tests', 'fixtures', 'kbdb')
os.makedirs(work, exist_ok=True)
failures = []


def run(*args):
    p = subprocess.run([kbaudit, 'db'] + list(args), capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def expect(args, code, out=None, err=None):
    rc, so, se = run(*args)
    what = 'kbaudit db ' + ' '.join(args)
    if rc != code:
        failures.append('%s: exit %d, expected %d (stderr: %s)' % (what, rc, code, se.strip()[:300]))
    if out is not None and out not in so:
        failures.append('%s: stdout lacks %r' % (what, out))
    if err is not None and err not in se:
        failures.append('%s: stderr lacks %r (stderr: %s)' % (what, err, se.strip()[:300]))
    return so


def fx(name):
    return os.path.join(fixtures, name)


# check
expect(['check'], 0, out='ok: 195 updates (13 ssu, 1 sha2, 85 rollup, 10 preview-rollup, 80 security-only, '
                          '3 esu-prep, 3 other)')
expect(['check', fx('minimal.xml')], 0, out='ok: 5 updates')
expect(['check', fx('cycle.xml')], 2, err='supersedence cycle: KB300 -> KB301 -> KB300')
expect(['check', fx('missing-ref.xml')], 2, err='KB999, which is not in the database')
expect(['check', fx('date-order.xml')], 2, err='which is not older')
expect(['check', fx('kernel-down.xml')], 2, err='is lower than')
# two sources giving different thresholds for the same KB, file and architecture
so = expect(['check', fx('disagree.xml')], 2,
            err='KB300: sources disagree on ntoskrnl.exe: 6.0.6003.20489 (T1) against 6.0.6003.20490 (T2)')
if 'win32k' in so:
    failures.append('db check disagree.xml: per-architecture values reported as a disagreement')
# each threshold prints its own sources; list counts them
expect(['show', 'KB5004955'], 0, out='spoolsv.exe 6.0.6003.21138 or later (marker file of the month)\n'
       '                 from S5 (B) S52 (B)')
expect(['show', 'KB5034795'], 0, out='from S50 (C)')
expect(['check', fx('bad-date.xml')], 2, err='does not exist')
expect(['check', fx('schema-violation.xml')], 2, err='does not match the kbdb schema')
expect(['check', fx('xxe.xml')], 2, err='DOCTYPE is not allowed')
expect(['check', fx('laughs.xml')], 2, err='DOCTYPE is not allowed')
expect(['check', os.path.join(work, 'nope.xml')], 2, err='cannot open')
expect(['check', fx('minimal.xml'), fx('minimal.xml')], 2)

# list
so = expect(['list'], 0, out='KB4493471  rollup')
if not re.search(r'^KB5004955 .* 6\.0\.6003\.21163? *-?.* 2    July 6', so, re.M) and \
        not re.search(r'^KB5004955 +rollup +2021-07-06 +6003 +- +2 ', so, re.M):
    failures.append('db list: KB5004955 does not show 2 threshold sources')
if not re.search(r'^KB5034795 +rollup +2024-02-13\? +6003 +6\.0\.6003\.22510\? +1 ', so, re.M):
    failures.append('db list: KB5034795 does not show its February 2024 threshold from 1 source')
if len([l for l in so.splitlines() if l.startswith('KB')]) != 195:
    failures.append('db list: not 195 lines')
so = expect(['list', '--kind', 'ssu', '--format', 'json'], 0)
doc = json.loads(so)
if [u['kb'] for u in doc['updates']][:2] != ['KB4493730', 'KB4517134'] or len(doc['updates']) != 13:
    failures.append('db list --kind ssu: %s' % [u['kb'] for u in doc['updates']])
doc = json.loads(expect(['list', '--format', 'json'], 0))
if len(doc['updates']) != 195 or doc['database'] != 'embedded kbdb.xml':
    failures.append('db list --format json: %d updates, database %r' % (len(doc['updates']), doc['database']))
expect(['list', '--kind', 'hotfix'], 2, err="unknown kind 'hotfix'")
expect(['list', '--format', 'xml'], 2, err="unknown format 'xml'")
expect(['list', '--db', fx('cycle.xml')], 2, err='cycle')
expect(['list', '--db', fx('minimal.xml')], 0, out='KB301')
gz = os.path.join(work, 'minimal.xml.gz')
with open(fx('minimal.xml'), 'rb') as f, gzip.open(gz, 'wb') as g:
    g.write(f.read())
expect(['list', '--db', gz, '--kind', 'rollup'], 0, out='Test rollup, May')

# show
expect(['show', 'KB4493471'], 0, out='ntoskrnl.exe 6.0.6003.20489')
expect(['show', '4493471'], 0, out='superseded by  KB4499149')
expect(['show', 'KB4493471', '--db', fx('minimal.xml')], 1, err='KB4493471 is not in the database')
expect(['show', '--db', fx('minimal.xml'), 'KB301'], 0, out='Test rollup, May')
expect(['show', 'frob'], 2, err='not a KB number')
expect(['show'], 2)
u = json.loads(expect(['show', 'KB4474419', '--format', 'json'], 0))
if u['kind'] != 'sha2' or 'released' not in u['unconfirmed'] or u['released'] != '2019-09' \
        or u['supersedes'] is not None or u['reboot'] != 'yes' or 'reboot' not in u['unconfirmed']:
    failures.append('db show KB4474419 --format json: %s' % u)
u = json.loads(expect(['show', 'KB4534303', '--format', 'json'], 0))
if u['kernel'] is not None or u['files'][0]['name'] != 'crypt32.dll' or u['files'][0]['role'] != 'marker':
    failures.append('db show KB4534303: marker file: %s' % u['files'])

# baseline
b = json.loads(expect(['baseline', '--format', 'json'], 0))
if [(r['id'], r['kb'], r['accept_later']) for r in b['requirements']] != \
        [('ssu', 'KB4493730', True), ('sha2', 'KB4474419', False), ('rollup', 'KB4493471', True)] \
        or b['requirements'][2]['min_kernel'] != '6.0.6003.20489':
    failures.append('db baseline: %s' % b)
expect(['baseline'], 0, out='or ntoskrnl.exe 6.0.6003.20489 or later')

# export round trip
exported = os.path.join(work, 'exported.xml')
expect(['export', '-o', exported], 0)
if open(exported, 'rb').read() != open(os.path.join(src, 'data', 'kbdb.xml'), 'rb').read():
    failures.append('db export: differs from data/kbdb.xml')
expect(['check', exported], 0)
schema = os.path.join(work, 'exported.rng')
expect(['export', '--schema', '-o', schema], 0)
if open(schema, 'rb').read() != open(os.path.join(src, 'data', 'kbdb.rng'), 'rb').read():
    failures.append('db export --schema: differs from data/kbdb.rng')

# usage
expect([], 2, err='missing action')
expect(['frob'], 2, err="unknown action 'frob'")
expect(['list', '--bogus'], 2)
expect(['--help'], 0, out='usage: kbaudit db list')

for f in failures:
    print('FAIL: ' + f)
print('%s' % ('%d failures' % len(failures) if failures else 'all kbaudit db checks passed'))
sys.exit(1 if failures else 0)
