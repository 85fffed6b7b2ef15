#!/usr/bin/env python3
"""Writes the kbdb fuzz seeds: trimmed copies of the bundled data/kbdb.xml, so that the
fuzzer starts from the real vocabulary (sources, baseline requirements, supersedence chains,
kernel and file thresholds, ESU flags, notes and confidence attributes) at a size it can
mutate quickly (a few KB instead of 186 KB).

usage: trim.py DATA/KBDB.XML OUTDIR
  head.xml        the header, sources, the baseline and the first 12 updates (a valid chain)
  head.xml.gz     the same, gzip-compressed (the loader's other path)
  tail.xml        the header, sources, baseline and the last 12 updates (ESU years, newest)
  files.xml       only the updates that carry <file> thresholds, and no baseline
  one.xml         the baseline and a single update whose supersedes name KBs that are absent
"""
import gzip
import re
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    text = open(src, encoding="utf-8").read()
    start = text.index("<updates>") + len("<updates>")
    end = text.index("</updates>")
    head, tail = text[:start], text[end:]
    updates = re.findall(r"\n    <update .*?</update>", text[start:end], re.S)
    no_baseline = re.sub(r"\n  <baseline .*?</baseline>", "", head, flags=re.S)
    variants = {
        "head.xml": head + "".join(updates[:12]) + "\n  " + tail,
        "tail.xml": head + "".join(updates[-12:]) + "\n  " + tail,
        "files.xml": no_baseline + "".join(u for u in updates if "<file " in u) + "\n  " + tail,
        "one.xml": head + next(u for u in updates if "<supersedes><kb>" in u) + "\n  " + tail,
    }
    for name, body in variants.items():
        with open("%s/%s" % (out, name), "w", encoding="utf-8") as f:
            f.write(body)
    # mtime=0: the same bytes on every run
    with open("%s/head.xml.gz" % out, "wb") as f:
        f.write(gzip.compress(variants["head.xml"].encode("utf-8"), mtime=0))


if __name__ == "__main__":
    main()
