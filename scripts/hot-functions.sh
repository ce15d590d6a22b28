#!/bin/sh
# hot-functions.sh [PKG]: print scripts/hot-functions.list, pkg's own
# functions that start-up and the commands which read only the installed
# state run, for the Makefile's code layout ("Code layout" there).
#
# Why: the kernel maps a program's text in windows around each page fault
# (fault-around), and peak RSS counts every page mapped. The query path
# is some 60 KB of pkg's code, spread by the link order over 1.9 MB of
# text; placed together, a query maps that much less (issue 17:
# installed-state queries within 2.5 MB).
#
# How: each command runs once under callgrind on the real router states
# of tests/fixtures (19.07.1, 153 packages; 23.05.0, 270 packages, with
# and without pkg's database and the opkg-synced mark). A function's rank
# is the number of runs that called it, most first, then its name. Only
# functions defined in pkg's own objects are listed (nm over the build's
# archives): only those are built with -ffunction-sections; libc is
# shared, and the archives of SQLite, libsolv and libarchive are linked
# as they come.
#
# Needs valgrind (callgrind_annotate) and a build with symbols (the
# default -O2 -g). Regenerate after moving or renaming functions on those
# paths: a name no longer there matches nothing; a function not on the
# list merely sits with the rest of the code.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
PKG=${1:-$TOP/build/bin/pkg}
B=$(cd "$(dirname "$PKG")/.." && pwd)
FXROOT=${FX:-$TOP/tests/fixtures}
F19=$FXROOT/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710
F230=$FXROOT/openwrt-23.05.0-official_rootfs_arm_arm1176jzf-s_vfp_bcm27xx-bcm2708
command -v callgrind_annotate >/dev/null || {
	echo "hot-functions: needs valgrind (callgrind_annotate)" >&2
	exit 1
}
W=$(mktemp -d /dev/shm/pkg-hot.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$W"' EXIT

# root NAME FIXTURE ARCH: a root with the fixture's status and info.
root() {
	mkdir -p "$W/$1/etc/opkg" "$W/$1/usr/lib" "$W/$1/var/lock" "$W/$1/tmp"
	cp -r "$2/rootfs/usr/lib/opkg" "$W/$1/usr/lib/"
	printf 'dest root /\nlists_dir ext /var/opkg-lists\narch all 1\narch noarch 1\narch %s 10\n' \
		"$3" >"$W/$1/etc/opkg.conf"
}
root r19 "$F19" aarch64_cortex-a53
root r230 "$F230" arm_arm1176jzf-s_vfp
cp -a "$W/r230" "$W/r230db"
"$PKG" -o "$W/r230db" -f "$W/r230db/etc/opkg.conf" recover >/dev/null
# A copy: new inodes, so the mark matches nothing and the database is read.
cp -a "$W/r230db" "$W/r230dbx"

# pkg's own functions: text symbols of the objects of bin/pkg.
nm --defined-only "$B"/lib/lib*.a "$B"/obj/pkgd/main.o 2>/dev/null |
	awk '$2 ~ /^[tT]$/ { sub(/\..*$/, "", $3); print $3 }' | sort -u >"$W/own"
[ -s "$W/own" ] || { echo "hot-functions: no objects in $B" >&2; exit 1; }

n=0
# profile ROOT ARGS...: one callgrind run; the own functions it called,
# one a line, in fn.N.
profile() {
	_r=$1
	shift
	n=$((n + 1))
	# (valgrind knows no openat2: tree_openat2_works sees ENOSYS, and
	# the walks take the by-hand path; both paths end up listed)
	valgrind -q --tool=callgrind --callgrind-out-file="$W/cg.$n" \
		"$PKG" -o "$W/$_r" -f "$W/$_r/etc/opkg.conf" "$@" >/dev/null 2>"$W/err"
	callgrind_annotate --inclusive=no --threshold=100 "$W/cg.$n" |
		awk -v obj="[$PKG]" '$NF == obj {
			f = $(NF - 1); sub(/^.*:/, "", f); sub(/\..*$/, "", f)
			if (f ~ /^[A-Za-z_][A-Za-z0-9_]*$/ && !seen[f]++) print f
		}' | sort | comm -12 - "$W/own" >"$W/fn.$n"
}
profile r19 --version
profile r19 print-architecture
profile r19 compare-versions 1.0-1 '<<' 1.0-2
for r in r19 r230 r230db r230dbx; do
	profile $r list-installed
	profile $r status
	profile $r files busybox
	profile $r search '/usr/bin/*'
	profile $r list-changed-conffiles
	profile $r info busybox
done
n=$(cat "$W"/fn.* | wc -l)
[ "$n" -gt 0 ] || { echo "hot-functions: callgrind saw none of pkg's functions" >&2; exit 1; }
cat "$W"/fn.* | sort | uniq -c | sort -k1,1nr -k2,2 | awk '{ print $2 }'
