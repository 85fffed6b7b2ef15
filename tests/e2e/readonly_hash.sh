#!/bin/sh
# Evidence is read-only: hash every file of a scenario tree (content, size, mode, mtime and,
# where the filesystem keeps it, atime) and every folder's listing, run kbaudit facts and
# audit on it, and require the hash to be unchanged. usage: readonly_hash.sh KBAUDIT TREE
set -u
kb=$1 tree=$2
[ -d "$tree" ] || { echo "no tree at $tree"; exit 1; }
snapshot() {
    find "$tree" -printf '%P %y %s %m %T@ %A@ %l\n' | LC_ALL=C sort
    find "$tree" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
}
before=$(snapshot | sha256sum)
"$kb" facts --root "$tree" --format json > /dev/null
"$kb" facts --root "$tree" > /dev/null
"$kb" audit --root "$tree" --format json > /dev/null
"$kb" audit --root "$tree" --format junit > /dev/null
after=$(snapshot | sha256sum)
if [ "$before" != "$after" ]; then
    echo "FAIL: the tree changed (content, metadata or access times)"
    exit 1
fi
echo "ok: $tree unchanged (content, mode, mtime, atime)"
