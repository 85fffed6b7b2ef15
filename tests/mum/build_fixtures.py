#!/usr/bin/python3
"""Builds the .mum and pending.xml test fixtures into the build's fixtures folder.

Usage: build_fixtures.py SOURCE_DIR FIXTURE_DIR
  SOURCE_DIR   tests/fixtures/mum (checked-in text fixtures and generated.txt)
  FIXTURE_DIR  the build's fixtures folder; writes FIXTURE_DIR/mum and FIXTURE_DIR/mum-limits

Checked-in files (good/, bad/, pending/) are copied as they are; generated.txt describes the
rest (see its header). FIXTURE_DIR/mum is also replayed by the fuzz harness, so the very
large files go to FIXTURE_DIR/mum-limits instead."""
import os
import shutil
import sys

PREFIX = ('<?xml version="1.0" encoding="utf-8"?>\n'
          '<assembly xmlns="urn:schemas-microsoft-com:asm.v3" manifestVersion="1.0"{assembly}>\n'
          '  <assemblyIdentity name="{name}" version="6.0.1.4" language="neutral"'
          ' processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35"/>\n'
          '  <package identifier="KB4493471" releaseType="Security Update" restart="possible">\n'
          '    <installerAssembly name="Microsoft-Windows-ServicingStack"{installer}/>\n')
SUFFIX = '  </package>\n</assembly>\n'
PENDING_PREFIX = ('<?xml version="1.0" encoding="utf-8"?>\n'
                  '<PendingTransaction Version="2.0" Identifier="0">\n  <POQ postAction="reboot">\n')
PENDING_SUFFIX = '  </POQ>\n</PendingTransaction>\n'


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def manifest(assembly='', name='Package_for_KB4493471', installer='', body=''):
    return (PREFIX.format(assembly=assembly, name=name, installer=installer) + body + SUFFIX).encode()


def attribute(element, attr, size):
    value = 'A' * size
    if element == 'assembly':
        return manifest(assembly=' %s="%s"' % (attr, value))
    if element == 'assemblyIdentity' and attr == 'name':
        return manifest(name=value)
    if element == 'installerAssembly':
        return manifest(installer=' %s2="%s"' % (attr, value))
    raise ValueError('attribute: unsupported element/attribute %s/%s' % (element, attr))


def nest(kind, depth):
    body = '<x>' * depth + '</x>' * depth + '\n'
    if kind == 'mum':
        return manifest(body=body)
    return (PENDING_PREFIX + body + PENDING_SUFFIX).encode()


def build(src, out, line):
    words = line.split()
    kind, target, args = words[0], os.path.join(out, words[1]), words[2:]
    if kind == 'bom':
        with open(os.path.join(src, args[0]), 'rb') as f:
            write(target, b'\xef\xbb\xbf' + f.read())
    elif kind == 'utf16':
        with open(os.path.join(src, args[0]), encoding='utf-8') as f:
            text = f.read().replace('encoding="utf-8"', 'encoding="utf-16"', 1)
        write(target, b'\xff\xfe' + text.encode('utf-16-le'))
    elif kind == 'attribute':
        write(target, attribute(args[0], args[1], int(args[2])))
    elif kind == 'nest':
        write(target, nest(args[0], int(args[1])))
    elif kind == 'attributes':
        extra = ''.join(' a%d="="' % i for i in range(1, int(args[0])))
        write(target, manifest(installer=extra))
    elif kind == 'namespaces':
        decls = ''.join(' xmlns:p%d="urn:kbaudit:%d"' % (i, i) for i in range(int(args[0])))
        write(target, manifest(assembly=decls))
    elif kind == 'wide':
        write(target, manifest(body='<x/>' * int(args[0]) + '\n'))
    elif kind == 'operations':
        ops = ''.join('    <DeleteFile path="\\SystemRoot\\WinSxS\\Temp\\%d.tmp"/>\n' % i
                      for i in range(int(args[0])))
        write(target, (PENDING_PREFIX + ops + PENDING_SUFFIX).encode())
    elif kind == 'escaped':
        text = line.split(None, 2)[2]
        write(target, text.encode('latin-1').decode('unicode_escape').encode('latin-1'))
    elif kind == 'sparse':
        write(target, b'<?xml version="1.0"?>\n')
        os.truncate(target, int(args[0]))
    else:
        raise ValueError('unknown fixture kind %r' % kind)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    for sub in ('good', 'bad', 'pending'):
        dst = os.path.join(out, 'mum', sub)
        os.makedirs(dst, exist_ok=True)
        for name in sorted(os.listdir(os.path.join(src, sub))):
            shutil.copyfile(os.path.join(src, sub, name), os.path.join(dst, name))
    with open(os.path.join(src, 'generated.txt'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                build(src, out, line)


if __name__ == '__main__':
    main()
