#!/bin/sh
# make bench: wall time and peak RSS of pkg's commands on the real 19.07.1
# workload (7 feeds, 9,263 packages, the status and info of the router that
# downloaded them). Prints figures; never fails on timing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${PKG_BUILD:-$TOP/build}
PKG=$B/bin/pkg
FX=$TOP/../shared/fixtures/openwrt/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710
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

# run LABEL ARGS...: best wall time of 5 runs and peak RSS (KiB).
run() {
	label=$1
	shift
	best=""
	rss=0
	for i in 1 2 3 4 5; do
		/usr/bin/time -f '%e %M' -o "$W/t" "$PKG" -o "$R" "$@" \
			>/dev/null 2>"$W/err"
		set -- "$@"
		read -r s k < "$W/t"
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then
			best=$s
		fi
		[ "$k" -gt "$rss" ] && rss=$k
	done
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
run "update (verify + parse + cache, 7 feeds)" update
run "list-installed" list-installed
run "list" list
run "list-upgradable" list-upgradable
run "install --noaction nano" install --noaction nano
run "install --noaction luci-ssl-openssl" install --noaction luci-ssl-openssl
run "info nano" info nano

if [ -x "$B/bin/pkg-repo" ]; then
	FX2=$TOP/../shared/fixtures/openwrt
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
	unset t0 FX2
fi

echo
PKG_BUILD=$B sh "$TOP/tests/bench/rom.sh"
echo
PKG_BUILD=$B sh "$TOP/tests/bench/durability.sh"
