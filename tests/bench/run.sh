#!/bin/sh
# make bench: wall time and peak RSS of pkg's commands on the real 19.07.1
# workload (7 feeds, 9,263 packages, the status and info of the router that
# downloaded them), on the 23.05.0 router's state (270 packages) and real
# transactions from the 23.05.2 feeds. Each figure: the median wall time of
# 7 runs (tests/bench/timeit.c, a monotonic clock) and the largest peak
# RSS. With OPKG_PEER=/path/to/opkg (OpenWrt's opkg-lede), the same
# commands on a copy of the same root with that binary, and pkg's ratio.
# Prints figures; never fails on timing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${PKG_BUILD:-$TOP/build}
PKG=$B/bin/pkg
PEER=${OPKG_PEER:-}
RUNS=${BENCH_RUNS:-7}
# The fixtures: $FX as the tests take it (tests/lib/common.sh), by default
# the repository's tests/fixtures.
FXROOT=${FX:-$TOP/tests/fixtures}
FX=$FXROOT/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710
F230=$FXROOT/openwrt-23.05.0-official_rootfs_arm_arm1176jzf-s_vfp_bcm27xx-bcm2708
if [ ! -d "$FX/feeds" ]; then
	echo "bench: no fixtures at $FXROOT (set FX)" >&2
	exit 1
fi
if [ -n "$PEER" ] && [ ! -x "$PEER" ]; then
	echo "bench: OPKG_PEER=$PEER is not an executable" >&2
	exit 1
fi
W=$(mktemp -d /dev/shm/pkg-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
TIMEIT=$W/timeit
${CC:-cc} -O2 -o "$TIMEIT" "$TOP/tests/bench/timeit.c" || exit 1

. "$TOP/tests/bench/roots.sh"

# The 19.07.1 root: pkg's ($R) and the peer's ($RP), with its keys.
R=$W/root
RP=$W/peer
mk_state_root "$R" "$FX" 1 aarch64_cortex-a53 "$FX"/feeds/*
mk_state_root "$RP" "$FX" 0 aarch64_cortex-a53 "$FX"/feeds/*
cp -r "$FX/rootfs/etc/opkg/keys" "$R/etc/opkg/"
cp -r "$FX/rootfs/etc/opkg/keys" "$RP/etc/opkg/"
# The 23.05.0 router's state (270 packages, no feeds).
R230=$W/r230
RP230=$W/p230
mk_state_root "$R230" "$F230" 0 arm_arm1176jzf-s_vfp
mk_state_root "$RP230" "$F230" 0 arm_arm1176jzf-s_vfp

# measure PROG ROOT ARGS...: $best (median ms), $cpu (median CPU ms:
# user + system), $rss (KiB) of PROG -o ROOT
# -f ROOT/etc/opkg.conf ARGS; $PRE, when set, runs before each run with
# $root set to ROOT. Non-zero (and $why) when PROG fails ($KEEP: the
# peer's failure is expected, its time counted).
measure() {
	_prog=$1 root=$2
	shift 2
	export root PKG W
	set -- "$TIMEIT" -n "$RUNS" ${PRE:+-p "$PRE"} ${KEEP:+-k} -- \
		"$_prog" -o "$root" -f "$root/etc/opkg.conf" "$@"
	if ! out=$("$@"); then
		why="failed ($out)"
		return 1
	fi
	read -r best rss _ cpu <<EOF_
$out
EOF_
	return 0
}

# run LABEL [ROOT PEERROOT] -- ARGS...: a row: pkg's median ms and peak RSS,
# then the peer's and pkg's speed-up (how many times faster: >1 is pkg
# faster) when OPKG_PEER is set.
run() {
	label=$1
	root=$R proot=$RP
	shift
	if [ "$1" != -- ]; then
		root=$1 proot=$2
		shift 2
	fi
	shift
	if ! measure "$PKG" "$root" "$@"; then
		printf '%-42s FAILED: %s\n' "$label" "$why"
		return
	fi
	line=$(printf '%-40s %7.2f ms (%6.2f cpu) %6d KiB' "$label" "$best" \
		"$cpu" "$rss")
	if [ -n "$PEER" ]; then
		pb=$best
		if measure "$PEER" "$proot" "$@"; then
			line="$line$(printf ' | %7.2f ms (%6.2f cpu) %6d KiB %6.2fx' \
				"$best" "$cpu" "$rss" \
				"$(awk "BEGIN{print $best / $pb}")")"
		else
			line="$line | peer $why"
		fi
	fi
	echo "$line"
}

echo "pkg bench: median of $RUNS runs, largest peak RSS"
if [ -n "$PEER" ]; then
	printf '%-40s %-31s | %-31s %s\n' "" "pkg: wall (CPU), peak RSS" \
		"$(basename "$PEER")" "pkg is Nx faster"
fi
# The machine's floor: fork, exec and exit of a program that does
# nothing (a loaded machine's figures are all above it).
if measure /bin/true "$R"; then
	printf '%-40s %7.2f ms (%6.2f cpu) %6d KiB\n' "/bin/true (this machine's floor)" \
		"$best" "$cpu" "$rss"
fi
run "--version (start-up)" -- --version
run "print-architecture" -- print-architecture
run "compare-versions 1.0-1 '<<' 1.0-2" -- compare-versions 1.0-1 '<<' 1.0-2
echo "19.07.1 router state (153 packages):"
run "list-installed" -- list-installed
run "status" -- status
run "files busybox" -- files busybox
run "search '/usr/bin/*'" -- search '/usr/bin/*'
run "list-changed-conffiles" -- list-changed-conffiles
echo "23.05.0 router state (270 packages):"
run "list-installed (270)" "$R230" "$RP230" -- list-installed
run "status (270)" "$R230" "$RP230" -- status
run "files busybox (270)" "$R230" "$RP230" -- files busybox
run "search '/usr/bin/*' (270)" "$R230" "$RP230" -- search '/usr/bin/*'
run "list-changed-conffiles (270)" "$R230" "$RP230" -- list-changed-conffiles
# The same state once pkg has changed it: its database on the root
# (built by recover), and opkg's files marked in line with it
# (usr/lib/pkg/opkg-synced), which the queries then read instead of the
# database; a copy of that root (new inodes, the mark matches nothing)
# for the database read itself (opkg-lede on the same status and info).
R230DB=$W/r230db
cp -a "$R230" "$R230DB"
"$PKG" -o "$R230DB" -f "$R230DB/etc/opkg.conf" recover >/dev/null 2>&1
[ -s "$R230DB/usr/lib/pkg/opkg-synced" ] ||
	echo "bench: recover left no opkg-synced mark" >&2
run "list-installed (270, pkg's database)" "$R230DB" "$RP230" -- list-installed
run "status (270, pkg's database)" "$R230DB" "$RP230" -- status
run "list-changed-conffiles (270, database)" "$R230DB" "$RP230" -- \
	list-changed-conffiles
R230DBX=$W/r230dbx
cp -a "$R230DB" "$R230DBX"
run "list-installed (270, database read)" "$R230DBX" "$RP230" -- list-installed
run "status (270, database read)" "$R230DBX" "$RP230" -- status
echo "19.07.1 feeds (7 feeds, 9,263 packages):"
PRE='rm -rf "$root/var/opkg-lists"' \
	run "update (verify + parse + cache, 7 feeds)" -- update
run "update (lists unchanged)" -- update
run "list" -- list
run "list-upgradable" -- list-upgradable
KEEP=1 run "install --noaction nano" -- install --noaction nano
KEEP=1 run "install --noaction luci-ssl-openssl" -- install --noaction luci-ssl-openssl
KEEP=1 run "upgrade --noaction" -- upgrade --noaction
run "info nano" -- info nano
run "info 'lib*'" -- info 'lib*'
run "find '*editor*'" -- find '*editor*'
run "depends -A luci" -- depends -A luci
run "whatdepends -A libc" -- whatdepends -A libc
run "whatprovides -A libc" -- whatprovides -A libc

# Real transactions: the 23.05.2 feeds (file://, signed for pkg) into a
# root that has libc and libgcc1; each run on a new copy of a prepared
# root: $W/src/NAME$V for the run's root $W/run/NAME (r23: pkg's, p23: the
# peer's; V: "" fresh, .nano with nano installed by the same program,
# .old with libgcc1 one release older).
F23=$FXROOT/openwrt-23.05.2-buildroot_arm_cortex-a9_vfpv3-d16_mvebu-cortexa9
copy='rm -rf "$root" && cp -a "$W/src/$(basename "$root")$V" "$root"'
if [ -d "$F23/feeds" ]; then
	mkdir -p "$W/src" "$W/run"
	for r in r23 p23; do
		d=$W/src/$r
		sig=1
		[ $r = p23 ] && sig=0
		mk_feed_root "$d" $sig "$F23"
		prog=$PKG
		[ $r = p23 ] && prog=$PEER
		[ -n "$prog" ] || continue
		"$prog" -o "$d" -f "$d/etc/opkg.conf" update >/dev/null 2>&1
		cp -a "$d" "$d.nano"
		"$prog" -o "$d.nano" -f "$d.nano/etc/opkg.conf" install nano \
			>/dev/null 2>&1
		cp -a "$d.nano" "$d.old"
		sed -i 's/^Version: 13.1.0-4$/Version: 13.1.0-3/' \
			"$d.old/usr/lib/opkg/status"
	done
	R23=$W/run/r23 RP23=$W/run/p23
	export V=
	PRE=$copy run "install nano (23.05.2, real)" "$R23" "$RP23" -- install nano
	V=.nano PRE=$copy run "remove nano (23.05.2, real)" "$R23" "$RP23" -- remove nano
	V=.old PRE=$copy run "upgrade libgcc1 (23.05.2, real)" "$R23" "$RP23" -- upgrade libgcc1
	PRE="$copy"' && rm -rf "$root/var/opkg-lists"' \
		run "update (23.05.2, 4 feeds)" "$R23" "$RP23" -- update
fi

# A transaction on a real router's state: remove luci from the 23.05.0
# router's 270 packages (pkg with its database built first, as on a
# router it manages; opkg-lede on the same status and info).
mkdir -p "$W/src" "$W/run"
cp -a "$R230" "$W/src/r230"
"$PKG" -o "$W/src/r230" -f "$W/src/r230/etc/opkg.conf" recover \
	>/dev/null 2>&1
cp -a "$RP230" "$W/src/p230"
export V=
PRE=$copy run "remove luci (23.05.0, 270 packages)" "$W/run/r230" \
	"$W/run/p230" -- remove luci

# BENCH_MAIN_ONLY=1: the table above only (before/after comparisons).
[ -n "${BENCH_MAIN_ONLY:-}" ] && exit 0

# Crypto backends side by side (fetch/crypto.h): this build's and the
# other one's, which make bench builds into $B/nettle (or $B/openssl when
# $B is the Nettle build), on the same roots.
backend() { "$1/bin/pkg" --version | sed -n 's/.*crypto: \([a-z]*\))$/\1/p'; }
CB=
for d in "$B/nettle" "$B/openssl"; do
	[ -x "$d/bin/pkg" ] && [ "$(backend "$d")" != "$(backend "$B")" ] &&
		CB=$d
done
# crypto_row LABEL ROOT ARGS...: the row's time and peak RSS with each
# build.
crypto_row() {
	label=$1 croot=$2
	shift 2
	line=$(printf '%-30s' "$label")
	for cb in "$B" "$CB"; do
		if measure "$cb/bin/pkg" "$croot" "$@"; then
			line="$line$(printf '  %-7s %8.2f ms %6s KiB' \
				"$(backend "$cb")" "$best" "$rss")"
		else
			line="$line  $(backend "$cb") FAILED: $why"
		fi
	done
	echo "$line"
}
echo
if [ -z "$CB" ]; then
	echo "crypto backends: no build of the other backend (make bench makes it)"
else
	echo "crypto backends (median wall time of $RUNS, peak RSS)"
	crypto_row "pkg --version (idle)" "$R" --version
	crypto_row "list-installed" "$R" list-installed
	PRE='rm -rf "$root/var/opkg-lists"' \
		crypto_row "update (19.07.1, 7 feeds)" "$R" update
	crypto_row "update (19.07.1, verify only)" "$R" update
	if [ -d "$F23/feeds" ]; then
		PRE=$copy crypto_row "install nano (23.05.2)" "$R23" \
			install nano
		PRE="$copy"' && rm -rf "$root/var/opkg-lists"' \
			crypto_row "update (23.05.2, 4 feeds)" "$R23" update
	fi
fi
PKG_BUILD=$B sh "$TOP/tests/bench/crypto-static.sh"

if [ -x "$B/bin/pkg-repo" ]; then
	mkdir -p "$W/feed"
	i=0
	while [ $i -lt 2000 ]; do
		d=$W/src/p$i
		mkdir -p "$d/CONTROL" "$d/usr/share/p$i"
		printf 'Package: bench-%d\nVersion: 1.0-%d\nArchitecture: all\nDescription: bench package %d\n' \
			$i $i $i > "$d/CONTROL/control"
		head -c 2048 /dev/urandom > "$d/usr/share/p$i/data"
		SOURCE_DATE_EPOCH=1700000000 "$B/bin/pkg-repo" build "$d" \
			-o "$W/feed" >/dev/null 2>&1
		i=$((i + 1))
	done
	"$B/bin/pkg-repo" keygen -o "$W/key" >/dev/null 2>&1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%e %M' -o "$W/t" "$B/bin/pkg-repo" index "$W/feed" \
		--full -v 2>"$W/idx" >/dev/null
	read -r s k < "$W/t"
	printf '%-40s %8s s %8s KiB peak RSS\n' "pkg-repo index (2,000 ipks, full)" "$s" "$k"
	grep -E 'read archives|indexed' "$W/idx" | sed 's/^/    /'
	touch "$W/feed/bench-7_1.0-7_all.ipk"
	/usr/bin/time -f '%e %M' -o "$W/t" "$B/bin/pkg-repo" index "$W/feed" \
		2>"$W/idx" >/dev/null
	read -r s k < "$W/t"
	printf '%-40s %8s s %8s KiB peak RSS\n' "pkg-repo index (1 changed)" "$s" "$k"
	grep -E 'indexed' "$W/idx" | sed 's/^/    /'
	/usr/bin/time -f '%e %M' -o "$W/t" "$B/bin/pkg-repo" index "$W/feed" \
		--full --sign "$W/key" 2>/dev/null >/dev/null
	read -r s k < "$W/t"
	printf '%-40s %8s s %8s KiB peak RSS\n' "pkg-repo index --sign (full)" "$s" "$k"
	unset t0
fi

echo
PKG_BUILD=$B sh "$TOP/tests/bench/rom.sh"
echo
PKG_BUILD=$B sh "$TOP/tests/bench/durability.sh"
