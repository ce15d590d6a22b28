#!/bin/sh
# make bench, ROM part: first-run image scan (with and without hashing:
# the build-time manifest), zero-copy restore (time, bytes written),
# reclaim over 1,000 copied files, list-changed-conffiles with 100
# conffiles against opkg's method (hash every conffile in status).
# Offline image+overlay roots on /dev/shm. Prints figures, never fails.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PKG_BUILD=${PKG_BUILD:-$TOP/build}
. "$TOP/tests/lib/common.sh"
W=$(mktemp -d /dev/shm/pkg-bench-rom.XXXXXX)
T=$W
trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
line() { printf '%-48s %s\n' "$1" "$2"; }

# The image: the 23.05.2 fixture base packages, a 2,000-file package
# (1-16 KiB each, ~17 MB) standing in for a router image's bulk, and a
# package with 100 conffiles.
mk_image_root "$W/tpl" >/dev/null 2>&1
mk_bulk() { # mk_bulk NAME NFILES [conf]
	s=$W/src.$1
	mkdir -p "$s/CONTROL" "$s/usr/share/$1" "$s/etc/$1"
	printf 'Package: %s\nVersion: 1.0\nArchitecture: %s\nDescription: bench\n' \
		"$1" "$ARCH" >"$s/CONTROL/control"
	i=0
	while [ $i -lt "$2" ]; do
		if [ "${3:-}" = conf ]; then
			echo "option$i=value" >"$s/etc/$1/c$i"
			echo "/etc/$1/c$i" >>"$s/CONTROL/conffiles"
		else
			head -c $(((i % 16 + 1) * 1024)) /dev/urandom >"$s/usr/share/$1/f$i"
		fi
		i=$((i + 1))
	done
	"$PKG_REPO" build "$s" -o "$W/ipk" >/dev/null 2>&1
}
mkdir -p "$W/ipk"
mk_bulk bulk 2000
mk_bulk confs 100 conf
for f in "$W"/ipk/*.ipk; do rom_add_ipk "$W/tpl/rom" "$f" 1; done
nfiles=$(find "$W/tpl/rom" -type f | wc -l)
mb=$(du -sm "$W/tpl/rom" | cut -f1)

fresh() { rm -rf "$W/r" && cp -a "$W/tpl" "$W/r"; }
echo "pkg bench: ROM ($nfiles files, ${mb} MB in the image)"
fresh
t0=$(now)
"$PKG" -o "$W/r" list-installed >/dev/null 2>&1
s=$(since "$t0")
line "first-run image scan, hashing" "$s s ($(awk -v n="$nfiles" -v s="$s" 'BEGIN { printf "%d", n / s }') files/s)"
line "pkg.db on the overlay after it" "$(($(stat -c %s "$W/r/overlay/upper/usr/lib/pkg/pkg.db") / 1024)) KiB"
"$PKG" -o "$W/tpl/rom" image-manifest >/dev/null 2>&1
fresh
t0=$(now)
"$PKG" -o "$W/r" list-installed >/dev/null 2>&1
s=$(since "$t0")
line "first-run image scan, build-time manifest" "$s s ($(awk -v n="$nfiles" -v s="$s" 'BEGIN { printf "%d", n / s }') files/s)"

U=$W/r/overlay/upper
data() { find "$U" -type f ! -path "$U/usr/lib/pkg/*" ! -path "$U/usr/lib/opkg/*" \
	! -path "$U/etc/pkg/*" ! -path "$U/etc/backup/*" -printf '%s\n' |
	awk '{ s += $1 } END { print s + 0 }'; }
"$PKG" -o "$W/r" remove bulk >/dev/null 2>&1
b0=$(data)
t0=$(now)
"$PKG" -o "$W/r" install bulk >/dev/null 2>&1
line "restore of a removed 2,000-file image package" "$(since "$t0") s, $(($(data) - b0)) data bytes written"

i=0
find "$W/r/rom/usr/share/bulk" -type f | head -1000 | while read -r f; do
	rel=${f#"$W/r/rom/"}
	mkdir -p "$U/$(dirname "$rel")"
	cp -p "$f" "$U/$rel"
done
b0=$(data)
t0=$(now)
"$PKG" -o "$W/r" reclaim >/dev/null 2>&1
line "reclaim over 1,000 copied files" "$(since "$t0") s, $((b0 - $(data))) bytes freed"

mkdir -p "$U/etc/confs"
for i in 0 1 2 3 4 5 6 7 8 9; do echo changed >"$U/etc/confs/c$i"; done
best() { # best CMD...: best of 5, seconds
	b=
	for i in 1 2 3 4 5; do
		t0=$(now)
		"$@" >/dev/null 2>&1
		s=$(since "$t0")
		if [ -z "$b" ] || awk "BEGIN { exit !($s < $b) }"; then b=$s; fi
	done
	echo "$b"
}
line "list-changed-conffiles, 100 conffiles (pkg)" "$(best "$PKG" -o "$W/r" list-changed-conffiles) s"
# opkg's method, the same binary on a plain root: every conffile hashed.
P=$W/plain
mkdir -p "$P"
cp -a "$W/r/rom/." "$P/"
cp -a "$U/." "$P/"
rm -rf "$P/usr/lib/pkg"
line "list-changed-conffiles, 100 conffiles (hash all)" "$(best "$PKG" -o "$P" list-changed-conffiles) s"
