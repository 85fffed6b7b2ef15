#!/bin/sh
# Install everything kbaudit's build and tests need on Debian 12, as root:
#   - the i386 architecture, because the 32-bit kbaudit.exe is tested under wine32:i386;
#   - a deb-src entry for the Debian archive this machine already uses, because libxml2 has
#     no mingw-w64 package in Debian and tools/build-libxml2-mingw.sh cross-builds it from
#     Debian's own source package (`apt-get source libxml2`);
#   - the packages listed in .ci/packages.
# Safe to run again: the deb-src file is rewritten, not appended to.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it changes apt's configuration and installs packages)" >&2
  exit 2
fi

# wine32 is an i386 package; without the architecture apt cannot even name it.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  dpkg --add-architecture i386
fi

# The deb-src entries mirror the machine's own Debian `deb` sources (same URIs, suites,
# components and keyring), so the source package comes from the archive (or snapshot) the
# binaries came from. A source is taken as Debian's when its address names debian (a
# *.debian.org host or a mirror's /debian path) and it is signed by a debian-archive keyring or
# by apt's default one; other vendors' repositories (their own Signed-By) and install DVDs
# (cdrom:) are left alone. Check-Valid-Until and Trusted are carried over (a snapshot archive's
# Release files are past their validity). Our own file is skipped so reruns do not feed on it.
out=/etc/apt/sources.list.d/kbaudit-deb-src.sources
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

for f in /etc/apt/sources.list.d/*.sources; do
  [ -e "$f" ] || continue
  [ "$f" = "$out" ] && continue
  # deb822: stanzas separated by blank lines, "Field: value", continuation lines indented.
  awk '
    function flush() {
      if (types ~ /(^|[ \t])deb([ \t]|$)/ && types !~ /deb-src/ && enabled != "no" &&
          uris != "" && uris !~ /cdrom:/ && uris ~ /debian/ && (signed == "" || signed ~ /debian-archive/)) {
        print "Types: deb-src"
        print "URIs: " uris
        print "Suites: " suites
        if (comps != "") print "Components: " comps
        if (signed != "") print "Signed-By: " signed
        if (cvu != "") print "Check-Valid-Until: " cvu
        if (trusted != "") print "Trusted: " trusted
        print ""
      }
      types = uris = suites = comps = signed = enabled = cvu = trusted = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { next }   # continuation line (e.g. an inline key): not a field we copy
    {
      key = tolower($1); sub(/:$/, "", key)
      val = $0; sub(/^[^:]*:[ \t]*/, "", val)
      if (key == "types") types = val
      else if (key == "uris") uris = val
      else if (key == "suites") suites = val
      else if (key == "components") comps = val
      else if (key == "signed-by") signed = val
      else if (key == "enabled") enabled = tolower(val)
      else if (key == "check-valid-until") cvu = val   # a snapshot archive needs "no"
      else if (key == "trusted") trusted = val
    }
    END { flush() }
  ' "$f" >>"$tmp"
done

# One-line format: "deb [options] URI SUITE COMPONENT...".
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -e "$f" ] || continue
  awk '
    $1 != "deb" { next }
    $2 ~ /^cdrom:/ || ($2 ~ /^\[/ && $0 ~ /cdrom:/) { next }   # an install DVD has no sources
    {
      opts = ""; i = 2
      if ($2 ~ /^\[/) {
        while (i <= NF) { opts = opts " " $i; if ($i ~ /\]$/) { i++; break } ; i++ }
      }
      uri = $i; suite = $(i + 1); comps = ""
      for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
      signed = ""
      if (match(opts, /signed-by=[^] ]*/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
      cvu = ""; trusted = ""
      if (match(opts, /check-valid-until=[^] ]*/)) cvu = substr(opts, RSTART + 18, RLENGTH - 18)
      if (match(opts, /trusted=[^] ]*/)) trusted = substr(opts, RSTART + 8, RLENGTH - 8)
      if (uri ~ /debian/ && (signed == "" || signed ~ /debian-archive/)) {
        print "Types: deb-src"; print "URIs: " uri; print "Suites: " suite
        if (comps != "") print "Components: " comps
        if (signed != "") print "Signed-By: " signed
        if (cvu != "") print "Check-Valid-Until: " cvu
        if (trusted != "") print "Trusted: " trusted
        print ""
      }
    }
  ' "$f" >>"$tmp"
done

if [ -s "$tmp" ]; then
  { echo "# Written by kbaudit's tools/install-deps.sh: source packages for the Debian archive"
    echo "# the deb entries already use (libxml2 is cross-built from Debian's source)."
    cat "$tmp"; } >"$out"
  chmod 644 "$out"
else
  echo "install-deps.sh: found no Debian 'deb' source to mirror as deb-src; add one to" >&2
  echo "  /etc/apt/sources.list.d/ by hand (Types: deb-src) for the libxml2 cross-build" >&2
fi

apt-get update
# shellcheck disable=SC2046 # one package name per word is the point
apt-get install -y --no-install-recommends $(cat "$here/.ci/packages")
