#!/bin/sh
# deb-src.sh: make `apt-get source` work: a deb-src entry with the same
# URIs, suites and components as each deb entry of
# /etc/apt/sources.list.d/debian.sources (Debian 12's deb822 file), then
# apt-get update. Does nothing when source lists are there already.
set -e
out=/etc/apt/sources.list.d/pkg-deb-src.sources
if apt-get source --print-uris zlib 2>/dev/null | grep -q '\.dsc'; then
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "deb-src.sh: not root; add deb-src entries" >&2; exit 1; }
src=/etc/apt/sources.list.d/debian.sources
[ -f "$src" ] || { echo "deb-src.sh: no $src" >&2; exit 1; }
sed -n 's/^Types:.*/Types: deb-src/; /^Types:\|^URIs:\|^Suites:\|^Components:\|^Signed-By:\|^$/p' \
	"$src" >"$out"
echo "deb-src.sh: added $out; apt-get update" >&2
sh "$(dirname "$0")/../apt-update.sh"
