#!/bin/bash
# tools/make-release.sh [--build DIR] [--dist DIR] [--skip-windows] [--no-lintian] [--no-wine]
#
# Makes the release packages into one folder (dist/ by default; docs/packaging.md):
#   kbaudit_VERSION_ARCH.deb       from the Linux build (DIR, default build/)
#   kbaudit-VERSION-win32.zip      from the Windows builds: DIR/win32 and DIR/win64 (the
#   kbaudit-VERSION-win64.zip      ExternalProject builds of -DKBAUDIT_WINDOWS=ON), or else
#                                  build-win32/build-win64 (cmake --preset win32/win64)
# and SHA256SUMS; then checks each package (tests/package/check_deb.py with lintian, which
# must report no error and no warning; tests/package/check_zip.py with the import-table check
# of the packaged exe and, under the wine the build chose (cmake/KbauditWine.cmake; not the x86
# exe on a host that cannot run 32-bit programs), its --version against the Linux binary's and an
# audit of build/example). Nothing is downloaded (the Windows build fetches Debian's libxml2
# source package once, see tools/build-libxml2-mingw.sh).
#
#   --skip-windows   make and check the .deb only
#   --no-lintian     do not run lintian (it must be installed otherwise: apt-get install lintian)
#   --no-wine        do not run the exes under wine even when it is installed
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=build dist=dist windows=1 lintian=1 wine=1
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --dist) dist=$2; shift 2 ;;
    --skip-windows) windows=0; shift ;;
    --no-lintian) lintian=0; shift ;;
    --no-wine) wine=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-release.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
say() { printf '\n== %s\n' "$*"; }
die() { echo "make-release.sh: $*" >&2; exit 1; }

for tool in cmake python3 dpkg-deb dpkg-shlibdeps file gzip; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: cmake python3 dpkg-dev file gzip)"
done
[ $lintian = 0 ] || command -v lintian >/dev/null || die "lintian not found (apt-get install lintian, or --no-lintian)"

say "Linux build ($build)"
if [ $windows = 1 ]; then
  cmake -S . -B "$build" -DKBAUDIT_WINDOWS=ON
else
  cmake -S . -B "$build"
fi
cmake --build "$build" -j"$(nproc)"
cmake --build "$build" --target package
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || die "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"
deb=$(ls "$build"/kbaudit_"$version"_*.deb)
version_line=$("$build/kbaudit" --version)

zips=()
if [ $windows = 1 ]; then
  for arch in win32 win64; do
    if [ -f "$build/$arch/CMakeCache.txt" ]; then
      dir=$build/$arch
    elif [ -f "build-$arch/CMakeCache.txt" ]; then
      dir=build-$arch
    elif cmake --list-presets 2>/dev/null | grep -q "\"$arch\""; then
      cmake --preset "$arch"
      dir=build-$arch
    else
      die "no Windows build for $arch: neither $build/$arch (cmake -DKBAUDIT_WINDOWS=ON) nor build-$arch (cmake --preset $arch); --skip-windows makes the .deb alone"
    fi
    say "Windows build $arch ($dir)"
    cmake --build "$dir" -j"$(nproc)"
    cmake --build "$dir" --target package
    zips+=("$dir/kbaudit-$version-$arch.zip")
  done
fi

say "Checks"
# The wine the build's configure chose (cmake/KbauditWine.cmake: Debian's wrapper, or wine64
# alone on a host that cannot run 32-bit programs); `wine` when the build has no tests.
wine_cmd=$(sed -n 's/^KBAUDIT_WINE_COMMAND:INTERNAL=//p' "$build/CMakeCache.txt")
wine32=$(sed -n 's/^KBAUDIT_WINE_32BIT:INTERNAL=//p' "$build/CMakeCache.txt")
if ! grep -q '^KBAUDIT_WINE_COMMAND:INTERNAL=' "$build/CMakeCache.txt" && command -v wine >/dev/null; then
  wine_cmd=wine
fi
deb_args=(--deb "$deb" --work "$build/release-check" --source "$src" --version "$version" --kbaudit "$build/kbaudit")
[ -d "$build/example" ] && deb_args+=(--example "$build/example")
if grep -q '^KBAUDIT_HARDENING:BOOL=ON' "$build/CMakeCache.txt" &&
   ! grep -q '^CMAKE_BUILD_TYPE:STRING=Debug' "$build/CMakeCache.txt"; then
  deb_args+=(--hardened)
fi
[ $lintian = 1 ] || deb_args+=(--no-lintian)
python3 tests/package/check_deb.py "${deb_args[@]}"
for z in "${zips[@]}"; do
  arch=${z%.zip}; arch=${arch##*-}
  zip_args=(--zip "$z" --source "$src" --version "$version" --arch "$arch")
  [ -f tests/windows/check_imports.py ] && zip_args+=(--check-imports tests/windows/check_imports.py)
  if [ $wine = 1 ] && [ "$arch" = win32 ] && [ "$wine32" = OFF ]; then
    echo "note: $arch exe not run (this host cannot run 32-bit x86 programs: docs/wine-tests.md)"
  elif [ $wine = 1 ] && [ -n "$wine_cmd" ]; then
    zip_args+=(--wine "$wine_cmd" --linux-kbaudit "$build/kbaudit")
    [ -d "$build/example" ] && zip_args+=(--example "$build/example")
  else
    echo "note: $arch exe not run (no wine, or --no-wine)"
  fi
  python3 tests/package/check_zip.py "${zip_args[@]}"
done

say "dist ($dist)"
rm -rf "$dist"
mkdir -p "$dist"
cp "$deb" "${zips[@]}" "$dist/"
(cd "$dist" && sha256sum -- * > SHA256SUMS && ls -l)
echo "$version_line"
