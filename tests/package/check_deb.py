#!/usr/bin/python3
"""Checks the Debian package (docs/packaging.md).

  check_deb.py (--deb FILE | --cpack-config build/CPackConfig.cmake [--cpack CPACK] --work DIR)
               --source DIR --version V [--kbaudit BUILT_BINARY] [--example DIR] [--hardened]
               [--no-lintian]

With --cpack-config the package is made first, by cpack into DIR (the build tree's own
`package` output is not touched). Then:
  - the control fields: name, version, section admin, priority optional, a maintainer, a
    synopsis plus an extended description, and the computed dependencies (libc6, libxml2,
    zlib1g, each with a version);
  - the file list, exactly: /usr/bin/kbaudit, the man page gzip -9n'd (no name, no time
    stamp) with the content of docs/kbaudit.1, the DEP-5 copyright (Expat, the LICENSE text),
    changelog.gz whose newest entry is this version, README.md and docs/*.md; root-owned,
    0755 directories and executable, 0644 files;
  - the binary: stripped, and with --hardened PIE, full RELRO (bind now), stack protector
    and fortified libc calls; the man page renders without a groff warning;
  - lintian: no error and no warning (info and pedantic tags are printed, not failed);
  - the binary from the package (dpkg-deb -x): --version prints the same line as the built
    binary (or, without --kbaudit, names this version), and with --example it audits the
    bundled example tree: exit 0.
"""
import argparse
import glob
import gzip
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile

ap = argparse.ArgumentParser()
ap.add_argument('--deb')
ap.add_argument('--cpack-config')
ap.add_argument('--cpack', default='cpack')
ap.add_argument('--work')
ap.add_argument('--source', required=True)
ap.add_argument('--version', required=True)
ap.add_argument('--kbaudit')
ap.add_argument('--example')
ap.add_argument('--hardened', action='store_true')
ap.add_argument('--no-lintian', action='store_true')
a = ap.parse_args()
failures = []


def fail(msg):
    failures.append(msg)


def run(cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        sys.exit('FAIL: %s: exit %d\n%s\n%s' % (' '.join(cmd), p.returncode, p.stdout[-3000:], p.stderr[-3000:]))
    return p


if a.cpack_config:
    if not a.work:
        sys.exit('--cpack-config needs --work')
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    run([a.cpack, '--config', a.cpack_config, '-G', 'DEB', '-B', a.work])
    debs = glob.glob(os.path.join(a.work, '*.deb'))
    if len(debs) != 1:
        sys.exit('FAIL: expected one .deb in %s, found %s' % (a.work, debs))
    a.deb = debs[0]
if not a.deb:
    sys.exit('give --deb or --cpack-config')
work = a.work or os.path.dirname(os.path.abspath(a.deb))
arch = run(['dpkg', '--print-architecture']).stdout.strip()
if os.path.basename(a.deb) != 'kbaudit_%s_%s.deb' % (a.version, arch):
    fail('file name %s, expected kbaudit_%s_%s.deb' % (os.path.basename(a.deb), a.version, arch))

# ---- control fields
fields = {}
cur = None
for line in run(['dpkg-deb', '-f', a.deb]).stdout.splitlines():
    if line.startswith(' ') and cur:
        fields[cur] += '\n' + line
    else:
        cur, _, v = line.partition(':')
        fields[cur] = v.strip()
for k, v in (('Package', 'kbaudit'), ('Version', a.version), ('Architecture', arch),
             ('Section', 'admin'), ('Priority', 'optional')):
    if fields.get(k) != v:
        fail('control %s: %r, expected %r' % (k, fields.get(k), v))
if not re.match(r'.+ <[^@ ]+@[^> ]+>$', fields.get('Maintainer', '')):
    fail('control Maintainer: %r is not "Name <address>"' % fields.get('Maintainer'))
desc = fields.get('Description', '').split('\n')
if len(desc) < 4 or not desc[0] or desc[0].startswith('kbaudit') or len(desc[0]) > 80:
    fail('control Description: a synopsis (not starting with the name, < 80) and an extended text: %r' % desc[:2])
deps = {d.strip().split(' ')[0]: d.strip() for d in fields.get('Depends', '').split(',') if d.strip()}
for lib in ('libc6', 'libxml2', 'zlib1g'):
    if lib not in deps or '(>=' not in deps[lib]:
        fail('control Depends %r lacks a versioned %s' % (fields.get('Depends'), lib))

# ---- file list, owners, modes
raw = subprocess.run(['dpkg-deb', '--fsys-tarfile', a.deb], capture_output=True, check=True).stdout
tar = tarfile.open(fileobj=io.BytesIO(raw))
members = {}
for m in tar.getmembers():
    name = '/' + os.path.normpath(m.name).lstrip('./') if m.name not in ('.', './') else '/'
    members[name] = m
docs = sorted(os.path.basename(p) for p in glob.glob(os.path.join(a.source, 'docs', '*.md')))
want_files = {'/usr/bin/kbaudit', '/usr/share/man/man1/kbaudit.1.gz',
              '/usr/share/doc/kbaudit/copyright', '/usr/share/doc/kbaudit/changelog.gz',
              '/usr/share/doc/kbaudit/README.md'} | {'/usr/share/doc/kbaudit/docs/' + d for d in docs}
have_files = {n for n, m in members.items() if not m.isdir()}
if have_files != want_files:
    fail('files: extra %s, missing %s' % (sorted(have_files - want_files), sorted(want_files - have_files)))
for n, m in members.items():
    if m.uid != 0 or m.gid != 0:
        fail('%s: owner %d:%d, expected root' % (n, m.uid, m.gid))
    want_mode = 0o755 if (m.isdir() or n == '/usr/bin/kbaudit') else 0o644
    if stat.S_IMODE(m.mode) != want_mode:
        fail('%s: mode %o, expected %o' % (n, stat.S_IMODE(m.mode), want_mode))
    if not (m.isdir() or m.isfile()):
        fail('%s: not a plain file or folder' % n)


def content(n):
    m = members.get(n)
    return tar.extractfile(m).read() if m is not None and m.isfile() else b''


def gunzip_checked(n):
    data = content(n)
    if len(data) < 10 or data[:2] != b'\x1f\x8b':
        fail('%s: not gzip' % n)
        return b''
    flags, mtime, xfl = data[3], int.from_bytes(data[4:8], 'little'), data[8]
    if flags & 0x08 or mtime != 0:
        fail('%s: gzip with a file name or time stamp (not gzip -n)' % n)
    if xfl != 2:
        fail('%s: not compressed at the best level (gzip -9)' % n)
    return gzip.decompress(data)


src = lambda p: open(os.path.join(a.source, p), 'rb').read()
if gunzip_checked('/usr/share/man/man1/kbaudit.1.gz') != src('docs/kbaudit.1'):
    fail('kbaudit.1.gz is not docs/kbaudit.1')
changelog = gunzip_checked('/usr/share/doc/kbaudit/changelog.gz').decode('utf-8', 'replace')
if not changelog.startswith('kbaudit (%s) ' % a.version):
    fail('changelog.gz: the newest entry is not version %s: %r' % (a.version, changelog[:40]))
cr = content('/usr/share/doc/kbaudit/copyright').decode('utf-8', 'replace')
lic = src('LICENSE').decode('utf-8')
lic_body = lic.split('\n\n', 2)[2].strip()    # after "MIT License" and the Copyright line
if not cr.startswith('Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'):
    fail('copyright: not DEP-5 (Format: line)')
holder = re.search(r'^Copyright \(c\) (.+)$', lic, re.M).group(1)
if 'Files: *\nCopyright: %s\nLicense: Expat\n' % holder not in cr:
    fail('copyright: no "Files: *" stanza with License: Expat')
folded = '\n'.join(l[1:] if l != ' .' else '' for l in cr.split('License: Expat\n')[-1].rstrip('\n').split('\n'))
if folded.strip() != lic_body:
    fail('copyright: the licence text is not LICENSE\'s')
if content('/usr/share/doc/kbaudit/README.md') != src('README.md'):
    fail('README.md differs from the source')
for d in docs:
    if content('/usr/share/doc/kbaudit/docs/' + d) != src('docs/' + d):
        fail('docs/%s differs from the source' % d)

# ---- the binary
root = os.path.join(work, 'root')
shutil.rmtree(root, ignore_errors=True)
os.makedirs(root)
run(['dpkg-deb', '-x', a.deb, root])
binary = os.path.join(root, 'usr', 'bin', 'kbaudit')
secs = run(['readelf', '-SW', binary]).stdout
if '.symtab' in secs or '.debug' in secs:
    fail('/usr/bin/kbaudit is not stripped')
if re.search(r'\] \.comment ', secs):
    fail('/usr/bin/kbaudit has a .comment section')
if a.hardened:
    dyn = run(['readelf', '-dW', binary]).stdout
    hdr = run(['readelf', '-hlW', binary]).stdout
    syms = run(['readelf', '--dyn-syms', '-W', binary]).stdout
    if 'DYN (' not in hdr or 'PIE' not in dyn:
        fail('hardening: not a PIE')
    if 'GNU_RELRO' not in hdr or 'BIND_NOW' not in dyn:
        fail('hardening: not full RELRO (relro + bind now)')
    if '__stack_chk_fail' not in syms:
        fail('hardening: no stack protector')
    if not re.search(r'__\w+_chk@', syms):
        fail('hardening: no fortified libc call')

p = run([binary, '--version'], check=False, timeout=60)
if a.kbaudit:
    built = run([a.kbaudit, '--version'], timeout=60).stdout
    if p.stdout != built:
        fail('packaged --version %r differs from the built binary\'s %r' % (p.stdout, built))
if p.returncode != 0 or not re.match(r'kbaudit %s \(knowledge base: \d+ updates, newest \d{4}-\d\d(-\d\d)?\)\n$'
                                     % re.escape(a.version), p.stdout):
    fail('packaged kbaudit --version: exit %d, %r' % (p.returncode, p.stdout))
if a.example:
    p = run([binary, 'audit', '--root', a.example], check=False, timeout=120)
    if p.returncode != 0:
        fail('packaged kbaudit audit --root %s: exit %d (expected 0)\n%s%s'
             % (a.example, p.returncode, p.stdout[-1500:], p.stderr[-1500:]))
    p = run([binary, 'audit', '--root', a.example, '--format', 'json'], check=False, timeout=120)
    try:
        verdict = json.loads(p.stdout)
    except ValueError:
        verdict = {}
    if p.returncode != 0 or verdict.get('exit_code') != 0 or verdict.get('kbaudit_version') != a.version:
        fail('packaged kbaudit audit --format json: exit %d, exit_code %r, kbaudit_version %r'
             % (p.returncode, verdict.get('exit_code'), verdict.get('kbaudit_version')))
page = gzip.decompress(content('/usr/share/man/man1/kbaudit.1.gz') or gzip.compress(b''))
p = subprocess.run(['groff', '-mandoc', '-ww', '-z', '-Tutf8'], input=page, capture_output=True)
if p.returncode != 0 or p.stderr.strip():
    fail('groff -ww on the packaged man page: exit %d: %s' % (p.returncode, p.stderr.decode('utf-8', 'replace')[:1000]))

# ---- lintian: every tag is printed; an error or a warning (or lintian failing) fails
if not a.no_lintian:
    p = run(['lintian', '--fail-on', 'error,warning', '--display-info', '--pedantic',
             '--tag-display-limit', '0', a.deb], check=False, timeout=600)
    for l in p.stdout.splitlines():
        print('lintian:', l)
    if p.returncode != 0:
        fail('lintian: exit %d (an error or warning above, or lintian failed: %s)'
             % (p.returncode, p.stderr.replace('running with root privileges is not recommended!', '').strip()[-800:]))

for f in failures:
    print('FAIL:', f)
if failures:
    sys.exit(1)
print('ok: %s (%s; Depends: %s)' % (os.path.basename(a.deb), fields.get('Version'), fields.get('Depends')))
