#!/bin/sh
# make bench: wall time and peak RSS of pkg's commands on the real 19.07.1
# workload (7 feeds, 9,263 packages, the status and info of the router that
# downloaded them). Prints figures; never fails on timing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${PKG_BUILD:-$TOP/build}
PKG=$B/bin/pkg
# The fixtures: $FX as the tests take it (tests/lib/common.sh), by default
# the repository's tests/fixtures.
FXROOT=${FX:-$TOP/tests/fixtures}
FX=$FXROOT/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710
if [ ! -d "$FX/feeds" ]; then
	echo "bench: no fixtures at $FXROOT (set FX)" >&2
	exit 1
fi
W=$(mktemp -d /dev/shm/pkg-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

R=$W/root
mkdir -p "$R/etc/opkg" "$R/usr/lib"
cp -r "$FX/rootfs/usr/lib/opkg" "$R/usr/lib/"
cp -r "$FX/rootfs/etc/opkg/keys" "$R/etc/opkg/"
{
	echo "dest root /"
	echo "lists_dir ext /var/opkg-lists"
	echo "option check_signature 1"
	echo "arch all 1"
	echo "arch noarch 1"
	echo "arch aarch64_cortex-a53 10"
	for f in "$FX"/feeds/*; do
		echo "src/gz $(basename "$f") file://$f"
	done
} > "$R/etc/opkg.conf"

# measure ARGS...: best wall time ($best, s) of 5 runs and peak RSS ($rss,
# KiB) of $PKG on root $ROOT (default $R); $PRE, when set, is run before
# each. Non-zero (and $why) when pkg fails.
measure() {
	best=""
	rss=0
	for i in 1 2 3 4 5; do
		[ -n "${PRE:-}" ] && eval "$PRE"
		if ! /usr/bin/time -f '%e %M' -o "$W/t" "$PKG" \
			-o "${ROOT:-$R}" "$@" >/dev/null 2>"$W/err"; then
			why=$(head -1 "$W/err")
			return 1
		fi
		read -r s k < "$W/t"
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then
			best=$s
		fi
		[ "$k" -gt "$rss" ] && rss=$k
	done
	return 0
}

# run LABEL ARGS...: measure, print a row (peak RSS over the first row's).
run() {
	label=$1
	shift
	if ! measure "$@"; then
		printf '%-40s FAILED: %s\n' "$label" "$why"
		return
	fi
	if [ -z "${idle:-}" ]; then
		idle=$rss
		printf '%-40s %8s s %8s KiB peak RSS\n' "$label" "$best" "$rss"
	else
		printf '%-40s %8s s %8s KiB peak RSS (%+d over idle)\n' \
			"$label" "$best" "$rss" $((rss - idle))
	fi
}

echo "pkg bench: 19.07.1 feeds (9,263 packages), 153 installed"
run "pkg --version (idle)" --version
"$PKG" -o "$R" list-installed >/dev/null 2>&1 # first run imports opkg state
PRE='rm -rf "$R/var/opkg-lists"' \
	run "update (verify + parse + cache, 7 feeds)" update
run "update (lists unchanged: verify only)" update
run "list-installed" list-installed
run "list" list
run "list-upgradable" list-upgradable
run "install --noaction nano" install --noaction nano
run "install --noaction luci-ssl-openssl" install --noaction luci-ssl-openssl
run "info nano" info nano
run "info 'lib*'" info 'lib*'
run "find '*editor*'" find '*editor*'
run "status" status
run "files busybox" files busybox
run "search '/usr/bin/*'" search '/usr/bin/*'
run "whatdepends libc" whatdepends libc
run "list-changed-conffiles" list-changed-conffiles

# Real transactions: the 23.05.2 feeds (file://, signed) into a root that
# has libc and libgcc1, a fresh copy of it for each run.
F23=$FXROOT/openwrt-23.05.2-buildroot_arm_cortex-a9_vfpv3-d16_mvebu-cortexa9
if [ -d "$F23/feeds" ]; then
	R23=$W/r23
	mkdir -p "$R23/etc/opkg/keys" "$R23/usr/lib/opkg/info"
	cp "$F23/keys/"* "$R23/etc/opkg/keys/"
	{
		echo "dest root /"
		echo "lists_dir ext /var/opkg-lists"
		echo "option check_signature 1"
		echo "arch all 1"
		echo "arch noarch 1"
		echo "arch arm_cortex-a9_vfpv3-d16 10"
		for f in base core packages luci; do
			echo "src/gz $f file://$F23/feeds/$f"
		done
	} >"$R23/etc/opkg.conf"
	printf 'Package: libc\nVersion: 1.2.4-4\nStatus: install hold,user installed\nArchitecture: arm_cortex-a9_vfpv3-d16\n\nPackage: libgcc1\nVersion: 13.1.0-4\nProvides: libgcc\nStatus: install hold,user installed\nArchitecture: arm_cortex-a9_vfpv3-d16\n\n' \
		>"$R23/usr/lib/opkg/status"
	"$PKG" -o "$R23" update >/dev/null 2>&1
	"$PKG" -o "$R23" list-installed >/dev/null 2>&1
	# Each run on a new copy of the 23.05.2 root.
	copy='rm -rf "$W/r" && cp -a "$R23" "$W/r"'
	ROOT=$W/r PRE=$copy run "install nano (23.05.2, real)" install nano
	ROOT=$W/r PRE="$copy && \"\$PKG\" -o \"\$W/r\" install nano >/dev/null 2>&1" \
		run "remove nano (23.05.2, real)" remove nano
	ROOT=$W/r PRE="$copy && rm -rf \"\$W/r/var/opkg-lists\"" \
		run "update (23.05.2, 4 feeds)" update
	rm -rf "$W/r"
fi

# Crypto backends side by side (fetch/crypto.h): this build's and the
# other one's, which make bench builds into $B/nettle (or $B/openssl when
# $B is the Nettle build), on the same roots.
backend() { "$1/bin/pkg" --version | sed -n 's/.*crypto: \([a-z]*\))$/\1/p'; }
CB=
for d in "$B/nettle" "$B/openssl"; do
	[ -x "$d/bin/pkg" ] && [ "$(backend "$d")" != "$(backend "$B")" ] &&
		CB=$d
done
# crypto_row LABEL ARGS...: the row's time and peak RSS with each build.
crypto_row() {
	label=$1
	shift
	line=$(printf '%-30s' "$label")
	for cb in "$B" "$CB"; do
		PKG=$cb/bin/pkg
		if measure "$@"; then
			line="$line$(printf '  %-7s %5s s %6s KiB' \
				"$(backend "$cb")" "$best" "$rss")"
		else
			line="$line  $(backend "$cb") FAILED: $why"
		fi
	done
	PKG=$B/bin/pkg
	echo "$line"
}
echo
if [ -z "$CB" ]; then
	echo "crypto backends: no build of the other backend (make bench makes it)"
else
	echo "crypto backends (best wall time of 5, peak RSS)"
	crypto_row "pkg --version (idle)" --version
	crypto_row "list-installed" list-installed
	PRE='rm -rf "$R/var/opkg-lists"' \
		crypto_row "update (19.07.1, 7 feeds)" update
	crypto_row "update (19.07.1, verify only)" update
	if [ -d "$F23/feeds" ]; then
		ROOT=$W/r PRE=$copy crypto_row "install nano (23.05.2)" \
			install nano
		ROOT=$W/r PRE="$copy && rm -rf \"\$W/r/var/opkg-lists\"" \
			crypto_row "update (23.05.2, 4 feeds)" update
		rm -rf "$W/r"
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
