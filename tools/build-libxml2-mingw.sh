#!/bin/sh
# build-libxml2-mingw.sh TRIPLET OUTPREFIX WORKDIR
#
# Cross-builds a small static libxml2 for Windows with Debian's mingw-w64 toolchain TRIPLET
# (x86_64-w64-mingw32 or i686-w64-mingw32) and installs it into OUTPREFIX (include/libxml2/,
# lib/libxml2.a). Debian ships no mingw libxml2, and the release exe must carry no DLL of its
# own, so the source is Debian's own source package (`apt-get source libxml2`, the version the
# machine's archive carries, with Debian's security patches applied) and nothing is fetched
# from anywhere else. zlib is Debian's libz-mingw-w64-dev (/usr/TRIPLET).
#
# Needs: a deb-src entry for the Debian archive and `apt-get update` since (root's
# tools/install-deps.sh does both), dpkg-dev (dpkg-source unpacks the package), make.
# Root is not needed. The top-level CMakeLists.txt calls this at configure time when
# OUTPREFIX/lib/libxml2.a does not exist yet.
set -eu

if [ $# -ne 3 ]; then
  echo "usage: $0 TRIPLET OUTPREFIX WORKDIR" >&2
  exit 2
fi
triplet=$1
me=build-libxml2-mingw.sh
fail() { echo "$me: $*" >&2; exit 1; }

mkdir -p "$2" "$3"
outprefix=$(cd "$2" && pwd)
workdir=$(cd "$3" && pwd)
# OUTPREFIX is replaced wholesale at the end; refuse anything that would take more with it.
case "$workdir/" in
  "$outprefix"/*) fail "WORKDIR ($workdir) must not be inside OUTPREFIX ($outprefix)" ;;
esac
[ "$outprefix" != / ] || fail "OUTPREFIX must not be /"

command -v "$triplet-gcc" >/dev/null 2>&1 ||
  fail "$triplet-gcc not found: install gcc-mingw-w64 (tools/install-deps.sh)"
command -v dpkg-source >/dev/null 2>&1 ||
  fail "dpkg-source not found: install dpkg-dev (tools/install-deps.sh); apt-get source needs it to unpack"
command -v make >/dev/null 2>&1 || fail "make not found: install build-essential"
[ -f "/usr/$triplet/include/zlib.h" ] && [ -f "/usr/$triplet/lib/libz.a" ] ||
  fail "/usr/$triplet/lib/libz.a not found: install libz-mingw-w64-dev (tools/install-deps.sh)"

# apt-get source only works when the index of some deb-src entry is there. Ask apt first, so
# that a machine without one gets told what to do instead of apt's terse error.
if ! apt-get source --print-uris -qq libxml2 >/dev/null 2>&1; then
  cat >&2 <<EOF
$me: apt cannot find Debian's libxml2 source package: this machine has no deb-src entry
  for its Debian archive (or apt-get update has not run since one was added).
  Fix (as root): $(cd "$(dirname "$0")" && pwd)/install-deps.sh
  which writes /etc/apt/sources.list.d/kbaudit-deb-src.sources (Types: deb-src, same URIs,
  Suites and Components as the deb entries) and runs apt-get update. Or add such an entry
  yourself and run apt-get update.
EOF
  exit 1
fi

log=$workdir/build-$triplet.log
: >"$log"
# The noisy steps go to the log; on failure its end is shown, so CMake's output says why.
run() {
  if ! "$@" >>"$log" 2>&1; then
    echo "$me: failed: $*" >&2
    echo "--- last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

# A fresh unpack each time: a half-unpacked tree from an interrupted run is never reused.
src=$workdir/src
rm -rf "$src"
mkdir -p "$src"
echo "$me: fetching Debian's libxml2 source package into $src" >&2
(cd "$src" && run apt-get source -qq libxml2)
srcdir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'libxml2-*' | head -n 1)
[ -n "$srcdir" ] && [ -x "$srcdir/configure" ] ||
  fail "apt-get source libxml2 gave no libxml2-*/configure under $src"
dsc=$(find "$src" -maxdepth 1 -name 'libxml2_*.dsc' | head -n 1)
version=$(basename "$dsc" .dsc | sed 's/^libxml2_//')

build=$workdir/build-$triplet
stage=$workdir/stage-$triplet
rm -rf "$build" "$stage"
mkdir -p "$build"

# Only what kbaudit uses: the tree and push parsers, SAX2, xmlwriter (output), Relax-NG
# (schemas, which forces regexps and patterns on) and zlib; --with-minimum turns every
# other module off (HTML, catalogs, XPath, XInclude, DTD validation, FTP/HTTP, modules, ...).
# No iconv (mingw has none; the built-in UTF-8/UTF-16/Latin-1 decoders, plus ISO-8859-x,
# cover servicing manifests and the database); no threads: kbaudit is single-threaded,
# and this keeps libxml2 off pthreads (libwinpthread) and off thread-local storage.
# _WIN32_WINNT/WINVER as for kbaudit itself, so libxml2 cannot reach for an API newer than
# Vista/2008 either. No -Werror here: libxml2 is not our code.
# --disable-maintainer-mode: Debian's patches touch Makefile.am (bookworm's add a catalog
# test program and HTML doc installs, nothing the library is built from), which would make
# make re-run automake; Debian runs autoreconf, we have no autotools and need none.
echo "$me: configuring and building libxml2 $version for $triplet (log: $log)" >&2
cd "$build"
run "$srcdir/configure" --host="$triplet" --prefix="$outprefix" \
  --enable-static --disable-shared --disable-dependency-tracking --disable-maintainer-mode \
  --disable-ipv6 \
  --with-minimum --with-tree --with-push --with-output --with-writer \
  --with-schemas --with-regexps --with-iso8859x \
  --without-threads --without-python --without-lzma --without-http --without-ftp \
  --without-iconv --without-icu --without-modules --without-debug --without-legacy \
  --with-zlib="/usr/$triplet" \
  CPPFLAGS="-D_WIN32_WINNT=0x0600 -DWINVER=0x0600 -D__USE_MINGW_ANSI_STDIO=1" \
  CFLAGS="-O2"
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
# Only the library: xmllint, xmlcatalog, the docs and examples are not needed.
run make -j"$jobs" libxml2.la
run make DESTDIR="$stage" install-libLTLIBRARIES
run make -C include DESTDIR="$stage" install

lib=$stage$outprefix/lib/libxml2.a
[ -f "$lib" ] || fail "the build installed no $lib"
# Threads are off, so nothing may refer to pthreads (which would need libwinpthread-1.dll
# or its static copy); checked on the object files' symbol tables.
if "$triplet-objdump" -t "$lib" | grep -q 'pthread_'; then
  fail "$lib refers to pthread_* symbols; it must be built without threads"
fi

# Install by renaming the finished tree, so OUTPREFIX/lib/libxml2.a (what the build tests
# for) never exists half-written.
rm -rf "$outprefix"
mkdir -p "$(dirname "$outprefix")"
mv "$stage$outprefix" "$outprefix"
echo "$version" >"$outprefix/VERSION"
rm -rf "$stage"
echo "$me: libxml2 $version for $triplet installed in $outprefix" >&2
