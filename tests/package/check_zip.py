#!/usr/bin/python3
"""Checks a Windows release zip (kbaudit-VERSION-win32.zip / -win64.zip; docs/packaging.md).

  check_zip.py (--zip FILE | --cpack-config DIR/CPackConfig.cmake [--cpack CPACK] --work DIR |
                --standin CC [--cmake CMAKE] --work DIR)
               --source DIR --version V --arch win32|win64
               [--check-imports tests/windows/check_imports.py]
               [--wine WINE --linux-kbaudit KBAUDIT [--example DIR]]

  --zip             check a zip made already
  --cpack-config    make it first with cpack from a Windows build's CPack configuration
                    (build/win64/CPackConfig.cmake), into DIR; the build tree is not touched
  --standin         make it first from tests/package/standin: a tiny exe cross-built with the
                    mingw-w64 compiler CC in place of kbaudit.exe, packaged by the real
                    cmake/packaging.cmake (for when no Windows build exists)
  --check-imports   run the import-table check on the packaged exe
  --wine            run the packaged exe under wine (a fresh prefix in the work folder):
                    --version must print what the Linux KBAUDIT prints, and with --example
                    `audit --root` of that tree must exit 0

What is checked: the file name; one top folder kbaudit-VERSION-ARCH holding exactly kbaudit.exe,
README.txt, LICENSE.txt, kbaudit.txt, WINDOWS.txt and THIRD-PARTY.txt; the exe is a PE file
for the right machine; every text file has CRLF line ends only, a UTF-8 BOM exactly when it is
not ASCII, and the content of its source (docs/windows.md, LICENSE, the man page rendered as plain
ASCII text without overstrikes, WINDOWS.txt with the version and architecture filled in, the
notices of libxml2, zlib and mingw-w64).
"""
import argparse
import glob
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile

ap = argparse.ArgumentParser()
ap.add_argument('--zip')
ap.add_argument('--standin')
ap.add_argument('--cmake', default='cmake')
ap.add_argument('--work')
ap.add_argument('--source', required=True)
ap.add_argument('--version', required=True)
ap.add_argument('--arch', required=True, choices=['win32', 'win64'])
ap.add_argument('--cpack-config')
ap.add_argument('--cpack', default='cpack')
ap.add_argument('--check-imports')
ap.add_argument('--wine')
ap.add_argument('--linux-kbaudit')
ap.add_argument('--example')
a = ap.parse_args()
failures = []


def fail(msg):
    failures.append(msg)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit('FAIL: %s: exit %d\n%s\n%s' % (' '.join(cmd), p.returncode, p.stdout[-3000:], p.stderr[-3000:]))
    return p


name = 'kbaudit-%s-%s' % (a.version, a.arch)
if a.standin or a.cpack_config:
    if not a.work:
        sys.exit('--standin and --cpack-config need --work')
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    if a.standin:
        run([a.cmake, '-S', os.path.join(a.source, 'tests', 'package', 'standin'), '-B', a.work,
             '-DCMAKE_SYSTEM_NAME=Windows', '-DCMAKE_C_COMPILER=' + a.standin,
             '-DKBAUDIT_STANDIN_VERSION=' + a.version, '-DKBAUDIT_SOURCE=' + a.source])
        run([a.cmake, '--build', a.work, '--target', 'package'])
    else:
        run([a.cpack, '--config', a.cpack_config, '-G', 'ZIP', '-B', a.work])
    zips = glob.glob(os.path.join(a.work, '*.zip'))
    if len(zips) != 1:
        sys.exit('FAIL: expected one zip in %s, found %s' % (a.work, zips))
    a.zip = zips[0]
if not a.zip:
    sys.exit('give --zip or --standin')

if os.path.basename(a.zip) != name + '.zip':
    fail('file name %s, expected %s.zip' % (os.path.basename(a.zip), name))

want = ['kbaudit.exe', 'README.txt', 'LICENSE.txt', 'kbaudit.txt', 'WINDOWS.txt', 'THIRD-PARTY.txt']
z = zipfile.ZipFile(a.zip)
bad = z.testzip()
if bad:
    fail('corrupt member %s' % bad)
files = {}
for info in z.infolist():
    if info.is_dir():
        if info.filename.rstrip('/') != name:
            fail('unexpected folder %s' % info.filename)
        continue
    top, _, rest = info.filename.partition('/')
    if top != name or '/' in rest or not rest:
        fail('member %s is not directly in %s/' % (info.filename, name))
        continue
    files[rest] = z.read(info)
if sorted(files) != sorted(want):
    fail('members %s, expected %s' % (sorted(files), sorted(want)))

# the exe: MZ, PE signature, machine
exe = files.get('kbaudit.exe', b'')
machine = {'win64': 0x8664, 'win32': 0x14c}[a.arch]
if len(exe) < 0x40 or exe[:2] != b'MZ':
    fail('kbaudit.exe: not an MZ executable')
else:
    off = struct.unpack_from('<I', exe, 0x3c)[0]
    if exe[off:off + 4] != b'PE\0\0':
        fail('kbaudit.exe: no PE signature')
    elif struct.unpack_from('<H', exe, off + 4)[0] != machine:
        fail('kbaudit.exe: machine 0x%x, expected 0x%x for %s'
             % (struct.unpack_from('<H', exe, off + 4)[0], machine, a.arch))


def text_of(member):
    """The member as text, after checking line ends and the BOM rule."""
    data = files.get(member)
    if data is None:
        return ''
    bom = data.startswith(b'\xef\xbb\xbf')
    body = data[3:] if bom else data
    try:
        t = body.decode('utf-8')
    except UnicodeDecodeError:
        fail('%s: not UTF-8' % member)
        return ''
    is_ascii = all(b < 128 for b in body)
    if bom == is_ascii:
        fail('%s: %s' % (member, 'BOM on an ASCII file' if bom else 'not ASCII and no UTF-8 BOM'))
    if t.replace('\r\n', '').count('\n') or t.replace('\r\n', '').count('\r'):
        fail('%s: a line end that is not CRLF' % member)
    if not t.endswith('\r\n'):
        fail('%s: does not end with CRLF' % member)
    if '\b' in t or '\x1b' in t:
        fail('%s: holds backspaces or escape sequences' % member)
    return t.replace('\r\n', '\n')


def source_text(path):
    return open(os.path.join(a.source, path), encoding='utf-8').read().rstrip('\n') + '\n'


if text_of('README.txt') != source_text('docs/windows.md'):
    fail('README.txt is not docs/windows.md (the Windows guide: the Linux README means nothing in the zip)')
if text_of('LICENSE.txt') != source_text('LICENSE'):
    fail('LICENSE.txt is not LICENSE')
man = text_of('kbaudit.txt')
if not all(b < 128 for b in files.get('kbaudit.txt', b'')):
    fail('kbaudit.txt: not ASCII')
th = source_text('docs/kbaudit.1').splitlines()[0]
for s in ('KBAUDIT(1)', 'NAME', 'SYNOPSIS', 'EXIT STATUS', 'kbaudit audit', '--version'):
    if s not in man:
        fail('kbaudit.txt lacks %r' % s)
if ('kbaudit ' + a.version) in th and ('kbaudit ' + a.version) not in man:
    fail('kbaudit.txt does not name version %s' % a.version)
win = text_of('WINDOWS.txt')
for s in ('kbaudit %s for Windows (%s)' % (a.version, a.arch), 'audit --live', '--root E:\\',
          '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopyN\\', 'elevated', 'administrator'):
    if s not in win:
        fail('WINDOWS.txt lacks %r' % s)
if re.search(r'@[A-Z_]+@', win):
    fail('WINDOWS.txt: a placeholder is left')
notices = text_of('THIRD-PARTY.txt')
for s in ('libxml2', 'zlib', 'mingw-w64', 'Daniel Veillard', 'Jean-loup Gailly'):
    if s not in notices:
        fail('THIRD-PARTY.txt lacks %r' % s)

exe_dir = (a.work or os.path.dirname(os.path.abspath(a.zip))) + '/exe-check-' + a.arch
exe_path = os.path.join(exe_dir, 'kbaudit.exe')
if (a.check_imports or a.wine) and exe:
    shutil.rmtree(exe_dir, ignore_errors=True)
    os.makedirs(exe_dir)
    with open(exe_path, 'wb') as f:
        f.write(exe)

if a.check_imports and exe:
    p = subprocess.run([sys.executable, a.check_imports, '--arch', {'win64': 'x64', 'win32': 'x86'}[a.arch],
                        exe_path], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        fail('import check of the packaged exe: exit %d\n%s%s' % (p.returncode, p.stdout[-2000:], p.stderr[-2000:]))

if a.wine and exe:
    if not a.linux_kbaudit:
        sys.exit('--wine needs --linux-kbaudit')
    expect = subprocess.run([a.linux_kbaudit, '--version'], capture_output=True, text=True,
                            timeout=60).stdout.strip()
    prefix = os.path.join(exe_dir, 'wineprefix')
    env = dict(os.environ, WINEPREFIX=prefix, WINEDEBUG='-all', DISPLAY='', WAYLAND_DISPLAY='',
               WINEDLLOVERRIDES='mscoree,mshtml=;winemenubuilder.exe=d')
    env.pop('WINEARCH', None)

    def wine(*args):
        # output to files: a pipe would stay open as long as wine's daemons live
        with open(os.path.join(exe_dir, 'out'), 'wb') as o, open(os.path.join(exe_dir, 'err'), 'wb') as e:
            rc = subprocess.run([a.wine, exe_path] + list(args), env=env, stdin=subprocess.DEVNULL,
                                stdout=o, stderr=e, timeout=600).returncode
        read = lambda n: open(os.path.join(exe_dir, n), 'rb').read().decode('utf-8', 'replace').replace('\r\n', '\n')
        return rc, read('out'), read('err')

    try:
        rc, out, err = wine('--version')
        lines = out.strip().splitlines()
        note = {'win64': 'build: Windows x64', 'win32': 'build: Windows x86'}[a.arch]
        # the Linux binary's line, then which of the two exes this is
        if rc != 0 or not lines or lines[0] != expect or len(lines) != 2 or not lines[1].startswith(note):
            fail('wine kbaudit.exe --version: exit %d, %r, expected %r then %r... (stderr: %s)'
                 % (rc, out.strip(), expect, note, err[-500:]))
        if a.example:
            root = 'Z:' + os.path.abspath(a.example).replace('/', '\\')
            rc, out, err = wine('audit', '--root', root, '-q')
            if rc != 0:
                fail('wine kbaudit.exe audit --root %s: exit %d (expected 0): %s%s' % (root, rc, out[-800:], err[-800:]))
    finally:
        wineserver = os.path.join(os.path.dirname(shutil.which(a.wine) or a.wine), 'wineserver')
        if os.path.exists(wineserver):
            subprocess.run([wineserver, '-k'], env=env, capture_output=True, timeout=60)
    shutil.rmtree(exe_dir, ignore_errors=True)

for f in failures:
    print('FAIL:', f)
if failures:
    sys.exit(1)
print('ok: %s (%s)' % (os.path.basename(a.zip), ', '.join(sorted(files))))
