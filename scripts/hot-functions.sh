#!/bin/sh
# hot-functions.sh [PKG]: print scripts/hot-functions.list, pkg's own
# functions that start-up and the commands which read only the installed
# state run, then (after a line "#group c") those that remove adds, for
# the Makefile's code layout ("Code layout" there).
#
# Why: the kernel maps a program's text in windows around each page fault
# (fault-around), and peak RSS counts every page mapped. The query path
# is some 60 KB of pkg's code, spread by the link order over 1.9 MB of
# text; placed together, a query maps that much less (issue 17:
# installed-state queries within 2.5 MB).
#
# How: each command runs once under callgrind on the real router states
# of tests/fixtures (19.07.1, 153 packages; 23.05.0, 270 packages, with
# and without pkg's database and the opkg-synced mark), start-up's first
# (--version). The list is in the order of the first run that called a
# function, then the number of runs that did, most first, then the name:
# what every command runs (--version's) in the first pages, then what
# each command adds. Only functions defined in pkg's own objects are
# listed (nm over the build's archives); libc is shared, and libarchive
# is linked as Debian ships it.
#
# hot-functions.sh --libs [PKG]: print scripts/hot-functions-libs.list
# instead, the functions of the libraries make deps built (SQLite,
# libsolv: the archives of the build's lib/deps/) that the queries run
# where they read pkg's database (a copy of the 23.05.0 root: the mark
# matches nothing) and that remove runs (nano from the 23.05.2 root, luci
# and luci with --autoremove from the 23.05.0 router), in the same
# order. The build places them after pkg's own.
#
# Needs valgrind (callgrind_annotate) and a build with symbols (the
# default -O2 -g). Regenerate after moving or renaming functions on those
# paths: a name no longer there matches nothing; a function not on the
# list merely sits with the rest of the code.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
libs=0
if [ "${1:-}" = --libs ]; then
	libs=1
	shift
fi
PKG=${1:-$TOP/build/bin/pkg}
B=$(cd "$(dirname "$PKG")/.." && pwd)
FXROOT=${FX:-$TOP/tests/fixtures}
F19=$FXROOT/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710
F230=$FXROOT/openwrt-23.05.0-official_rootfs_arm_arm1176jzf-s_vfp_bcm27xx-bcm2708
F23=$FXROOT/openwrt-23.05.2-buildroot_arm_cortex-a9_vfpv3-d16_mvebu-cortexa9
command -v callgrind_annotate >/dev/null || {
	echo "hot-functions: needs valgrind (callgrind_annotate)" >&2
	exit 1
}
W=$(mktemp -d /dev/shm/pkg-hot.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$W"' EXIT

# The bench's roots (mk_state_root, mk_feed_root).
. "$TOP/tests/bench/roots.sh"
mk_state_root "$W/r19" "$F19" 0 aarch64_cortex-a53
mk_state_root "$W/r230" "$F230" 0 arm_arm1176jzf-s_vfp
cp -a "$W/r230" "$W/r230db"
"$PKG" -o "$W/r230db" -f "$W/r230db/etc/opkg.conf" recover >/dev/null
# A copy: new inodes, so the mark matches nothing and the database is read.
cp -a "$W/r230db" "$W/r230dbx"

# The functions to list: text symbols of pkg's objects, or of the
# libraries' archives.
if [ $libs = 1 ]; then
	set -- "$B"/lib/deps/lib*.a
else
	set -- "$B"/lib/lib*.a "$B"/obj/pkgd/main.o
fi
nm --defined-only "$@" 2>/dev/null |
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
queries() {
	profile $1 list-installed
	profile $1 status
	profile $1 files busybox
	profile $1 search '/usr/bin/*'
	profile $1 list-changed-conffiles
	profile $1 info busybox
}
# remove from the 23.05.2 feeds' root with nano installed (by pkg, so
# with its database), then twice from the router's
removes() {
	mk_feed_root "$W/r23" 1 "$F23"
	"$PKG" -o "$W/r23" -f "$W/r23/etc/opkg.conf" update >/dev/null
	"$PKG" -o "$W/r23" -f "$W/r23/etc/opkg.conf" install nano >/dev/null
	profile r23 remove nano
	cp -a "$W/r230db" "$W/r230rm"
	profile r230rm remove luci
	profile r230db remove --autoremove luci
}
if [ $libs = 1 ]; then
	queries r230dbx
	removes
else
	profile r19 --version
	profile r19 print-architecture
	profile r19 compare-versions 1.0-1 '<<' 1.0-2
	for r in r19 r230 r230db r230dbx; do
		queries $r
	done
	# what remove adds goes to group c, after the libraries' (b): the
	# queries that read the database map pkg's group a then SQLite's
	# read path, with nothing of remove's between them
	qruns=$n
	removes
fi
[ "$(cat "$W"/fn.* | wc -l)" -gt 0 ] ||
	{ echo "hot-functions: callgrind saw none of the functions" >&2; exit 1; }
i=1
while [ $i -le $n ]; do
	sed "s/^/$i /" "$W/fn.$i"
	i=$((i + 1))
done | awk '!($2 in first) { first[$2] = $1 } { runs[$2]++ }
	END { for (f in first) print first[f], runs[f], f }' |
	sort -k1,1n -k2,2nr -k3,3 |
	awk -v qruns="${qruns:-0}" 'qruns && $1 > qruns && !c++ {
		print "#group c" } { print $3 }'
