#!/usr/bin/python3
"""Helpers for cmake/packaging.cmake (release packages; docs/packaging.md).

  pkgtool.py copyright LICENSE OUT
      Debian's machine-readable copyright file (DEP-5) for the .deb, from the project's
      LICENSE (an MIT licence whose third line is "Copyright (c) YEARS HOLDER").
  pkgtool.py text [--ascii] [--set NAME=VALUE]... IN OUT
      A text file for the Windows zip: @NAME@ replaced, CRLF line ends, trailing blank lines
      dropped, and a UTF-8 byte order mark when the text is not plain ASCII (Notepad on
      Windows Server 2008 then reads it as UTF-8). --ascii: fail on anything but ASCII.
  pkgtool.py notices OUT NAME=FILE...
      THIRD-PARTY.txt for the Windows zip: the copyright files of the code linked statically
      into kbaudit.exe (taken from the build host's /usr/share/doc/PACKAGE/copyright).
"""
import re
import sys


def die(msg):
    sys.exit('pkgtool.py: ' + msg)


def write_bytes(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def copyright_file(license_path, out):
    lines = open(license_path, encoding='utf-8').read().splitlines()
    if not lines or lines[0].strip() != 'MIT License':
        die('%s: not an MIT licence (first line %r)' % (license_path, lines[0] if lines else ''))
    holder = None
    body_start = None
    for i, line in enumerate(lines[1:], 1):
        m = re.match(r'Copyright \(c\) (.+)$', line.strip())
        if m:
            holder = m.group(1)
            body_start = i + 1
            break
    if holder is None:
        die('%s: no "Copyright (c) ..." line' % license_path)
    body = lines[body_start:]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    text = ['Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
            'Upstream-Name: kbaudit',
            '',
            'Files: *',
            'Copyright: ' + holder,
            'License: Expat',
            'Comment: the MIT licence of the project\'s LICENSE file, which DEP-5 calls',
            ' "Expat" (its name for this wording of the MIT licence).',
            '',
            'License: Expat']
    # DEP-5 calls the MIT licence of this wording "Expat"; an empty line becomes " ."
    text += [' ' + l if l.strip() else ' .' for l in body]
    write_bytes(out, ('\n'.join(text) + '\n').encode('utf-8'))


def text_file(args):
    ascii_only = False
    subst = {}
    rest = []
    it = iter(args)
    for a in it:
        if a == '--ascii':
            ascii_only = True
        elif a == '--set':
            k, _, v = next(it).partition('=')
            subst[k] = v
        else:
            rest.append(a)
    if len(rest) != 2:
        die('usage: text [--ascii] [--set NAME=VALUE]... IN OUT')
    src, out = rest
    data = open(src, 'rb').read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        die('%s: not UTF-8: %s' % (src, e))
    text = text.lstrip('\ufeff')
    for k, v in subst.items():
        text = text.replace('@%s@' % k, v)
    left = re.findall(r'@[A-Z_]+@', text)
    if left:
        die('%s: no value for %s' % (src, ', '.join(sorted(set(left)))))
    lines = [l.rstrip('\r') for l in text.split('\n')]
    while lines and not lines[-1].strip():
        lines.pop()
    text = '\r\n'.join(lines) + '\r\n'
    is_ascii = all(ord(c) < 128 for c in text)
    if ascii_only and not is_ascii:
        bad = sorted({c for c in text if ord(c) >= 128})
        die('%s: not ASCII: %r' % (src, ''.join(bad)[:40]))
    if any(c in text for c in '\b\x1b'):
        die('%s: holds backspaces or escape sequences' % src)
    write_bytes(out, (b'' if is_ascii else b'\xef\xbb\xbf') + text.encode('utf-8'))


def notices(out, entries):
    parts = ['Third-party software in kbaudit.exe',
             '===================================',
             '',
             'kbaudit.exe is linked statically with the libraries below. Their copyright',
             'notices and licences follow, as Debian distributes them (the copyright files of',
             'the Debian packages the exe was built from).']
    for e in entries:
        name, _, path = e.partition('=')
        if not path:
            die('usage: notices OUT NAME=FILE...')
        try:
            body = open(path, encoding='utf-8').read()
        except OSError as err:
            die('%s: %s' % (name, err))
        parts += ['', '', '=' * 78, name, '=' * 78, '', body.rstrip('\n')]
    write_bytes(out, ('\n'.join(parts) + '\n').encode('utf-8'))


def main(argv):
    if len(argv) >= 2 and argv[1] == 'copyright' and len(argv) == 4:
        copyright_file(argv[2], argv[3])
    elif len(argv) >= 2 and argv[1] == 'text':
        text_file(argv[2:])
    elif len(argv) >= 4 and argv[1] == 'notices':
        notices(argv[2], argv[3:])
    else:
        die(__doc__)


main(sys.argv)
