#!/usr/bin/env python3
"""Builds fixture update packages (.msu) with gcab: an outer MSZIP cabinet holding a
*-pkgProperties.txt, an unattend .xml and an inner .cab (itself a small gcab cabinet), the
layout of real packages (docs/msu.md). usage: mkmsu.py OUT_DIR NAME:KB:OS:ARCH ...
OS is "6.0" or "6.1", ARCH x86 or x64; NAME is the file name, unrelated to the content on
purpose (packages are matched by what they hold)."""
import os
import subprocess
import sys
import tempfile

PROC = {"x64": "amd64", "x86": "x86"}


def build(out_dir, name, kb, os_version, arch, unattend_version=None, utf16_entity=False, zeros=0):
    """unattend_version: the unattend file's package version (default OS.1.0: agreeing with
    pkgProperties); utf16_entity: the unattend file in UTF-16 with an internal DTD whose entity
    would set the architecture; zeros: a payload member of that many zero bytes, before the
    metadata (a decompression bomb's shape)."""
    base = f"Windows{os_version}-KB{kb}-{arch}"
    with tempfile.TemporaryDirectory() as tmp:
        payload = os.path.join(tmp, "payload")
        os.mkdir(payload)
        with open(os.path.join(payload, "update.mum"), "w") as f:
            f.write(f"<assembly><!-- KB{kb} fixture --></assembly>\n")
        inner = os.path.join(tmp, base + ".cab")
        subprocess.run(["gcab", "-c", "-z", "-n", inner, os.path.join(payload, "update.mum")], check=True)
        props = os.path.join(tmp, base + "-pkgProperties.txt")
        with open(props, "w", newline="") as f:
            f.write(f'ApplicabilityInfo="fixture;"\r\nApplies to="Windows {os_version}"\r\n'
                    f'Build Date="2026/01/01"\r\nCompany="kbaudit fixture"\r\n'
                    f'Installer Engine="Component Based Servicing - WUSA.exe"\r\n'
                    f'KB Article Number="{kb}"\r\nPackage Type="Update"\r\n'
                    f'Processor Architecture="{PROC[arch]}"\r\nProduct Name="Windows {os_version}"\r\n')
        xml = os.path.join(tmp, base + ".xml")
        with open(xml, "w", newline="") as f:
            f.write('<?xml version="1.0" encoding="utf-8"?>\r\n'
                    '<unattend xmlns="urn:schemas-microsoft-com:unattend"><servicing>'
                    '<package action="install">'
                    f'<assemblyIdentity name="Package_for_KB{kb}" version="{unattend_version or os_version + ".1.0"}" '
                    f'language="neutral" processorArchitecture="{"&a;" if utf16_entity else PROC[arch]}" '
                    'publicKeyToken="31bf3856ad364e35"/>'
                    f'<source location="%configsetroot%\\{base}.cab"/></package></servicing></unattend>\r\n')
        if utf16_entity:   # the declaration only a UTF-16-aware check sees
            text = open(xml, encoding="utf-8", newline="").read().replace('encoding="utf-8"', 'encoding="utf-16"')
            text = text.replace("?>\r\n", '?>\r\n<!DOCTYPE unattend [<!ENTITY a "x86">]>\r\n', 1)
            with open(xml, "wb") as f:
                f.write(b"\xff\xfe" + text.encode("utf-16-le"))
        members = [inner, props, xml]
        if zeros:
            bulk = os.path.join(tmp, "0-bulk.bin")
            with open(bulk, "wb") as f:
                f.truncate(zeros)
            members = [bulk] + members
        out = os.path.join(out_dir, name)
        if os.path.exists(out):
            os.remove(out)
        subprocess.run(["gcab", "-c", "-z", "-n", out, *members], check=True)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for spec in sys.argv[2:]:
        # NAME:KB:OS:ARCH[:unattend=VERSION|:utf16-entity|:zeros=BYTES]
        name, kb, os_version, arch, *extra = spec.split(":")
        opts = {}
        for e in extra:
            if e.startswith("unattend="):
                opts["unattend_version"] = e[9:]
            elif e == "utf16-entity":
                opts["utf16_entity"] = True
            elif e.startswith("zeros="):
                opts["zeros"] = int(e[6:])
        build(out_dir, name, kb, os_version, arch, **opts)


if __name__ == "__main__":
    main()
