#!/bin/sh
# make bench, the static binaries (make static, for each crypto backend):
# their size stripped and as squashfs stores them (xz, OpenWrt's 256 KiB
# blocks), against the goal and against opkg's own footprint on an OpenWrt
# image; then the peak RSS of the static and the dynamic builds for the
# same commands, on the 23.05.2
# feeds (4 feeds, real ipks) and the 19.07.1 ones (7 feeds, 9,263
# packages). Prints figures; never fails on them.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DYN=${PKG_BUILD:-$TOP/build}/bin/pkg
STATIC=${PKG_STATIC:-$TOP/build/static/bin/pkg}
# The other crypto backend's static build, when there is one (make bench
# builds it: make static STATIC_CRYPTO=openssl).
STATIC_OTHER=${PKG_STATIC_OTHER:-$TOP/build/static/openssl/bin/pkg}
GOAL=819200 # 800 KiB xz-compressed
# opkg on an OpenWrt 23.05 image, ipk sizes: opkg 71 KB, libubox 19 KB,
# uclient-fetch 8 KB, usign 12 KB.
OPKG_FOOTPRINT=112640
if [ ! -x "$STATIC" ] || [ ! -x "$DYN" ]; then
	echo "bench static: $STATIC or $DYN missing (make static; make)" >&2
	exit 1
fi
. "$TOP/tests/lib/common.sh"
mk_tmp
# crypto_of BIN: its crypto backend, from --version.
crypto_of() { "$1" --version | sed -n 's/.*crypto: \([a-z]*\).*/\1/p'; }

kib() { awk -v b="$1" 'BEGIN { printf "%.0f KiB", b / 1024 }'; }
# sizes BIN LABEL: BIN stripped, xz -9e and in a squashfs, against the goal.
sizes() {
	rm -rf "$T/sq" "$T/sq0" "$T/pkg" "$T/pkg.xz" "$T"/sq*.img
	strip -o "$T/pkg" "$1"
	stripped=$(stat -c %s "$T/pkg")
	xz -9e -k -c "$T/pkg" >"$T/pkg.xz"
	xzsize=$(stat -c %s "$T/pkg.xz")
	mkdir "$T/sq"
	cp "$T/pkg" "$T/sq/pkg"
	sq=""
	if command -v mksquashfs >/dev/null 2>&1 &&
		mksquashfs "$T/sq" "$T/sq.img" -comp xz -b 256K -noappend \
			-no-xattrs -all-root -quiet >/dev/null 2>&1; then
		# The image less an empty one's: the file's blocks and its inode.
		mkdir "$T/sq0"
		mksquashfs "$T/sq0" "$T/sq0.img" -comp xz -b 256K -noappend \
			-no-xattrs -all-root -quiet >/dev/null 2>&1
		sq=$(($(stat -c %s "$T/sq.img") - $(stat -c %s "$T/sq0.img")))
	fi
	echo "static pkg, $2 ($(file -b "$1" | cut -d, -f1-2))"
	printf '  %-36s %s\n' "stripped" "$(kib "$stripped")"
	printf '  %-36s %s\n' "xz -9e" "$(kib "$xzsize")"
	[ -n "$sq" ] && printf '  %-36s %s\n' "in squashfs (xz, 256 KiB blocks)" "$(kib "$sq")"
	size=${sq:-$xzsize}
	if [ "$size" -le "$GOAL" ]; then
		verdict="under the goal by $(kib $((GOAL - size)))"
	else
		verdict="OVER the goal by $(kib $((size - GOAL)))"
	fi
	printf '  %-36s %s (%s)\n' "goal" "$(kib $GOAL)" "$verdict"
}
sizes "$STATIC" "$(crypto_of "$STATIC")"
[ -x "$STATIC_OTHER" ] && sizes "$STATIC_OTHER" "$(crypto_of "$STATIC_OTHER")"
printf '  %-36s %s (opkg + libubox + uclient-fetch + usign ipks)\n' \
	"opkg's footprint" "$(kib $OPKG_FOOTPRINT)"

# rss BIN ROOT ARGS...: peak RSS (KiB) of BIN, the highest of 3 runs.
rss() {
	_bin=$1 _root=$2
	shift 2
	_max=0
	for _i in 1 2 3; do
		[ -n "${PRE:-}" ] && eval "$PRE"
		/usr/bin/time -f '%M' -o "$T/rss" "$_bin" -o "$_root" "$@" \
			>/dev/null 2>"$T/err" || { echo FAILED; return; }
		_k=$(tail -n 1 "$T/rss")
		[ "$_k" -gt "$_max" ] && _max=$_k
	done
	echo "$_max"
}
# row LABEL ROOT ARGS...: static and dynamic side by side.
row() {
	_l=$1
	shift
	if [ -x "$STATIC_OTHER" ]; then
		printf '%-40s %8s %8s %8s KiB\n' "$_l" "$(rss "$STATIC" "$@")" \
			"$(rss "$STATIC_OTHER" "$@")" "$(rss "$DYN" "$@")"
	else
		printf '%-40s %8s %8s KiB\n' "$_l" "$(rss "$STATIC" "$@")" \
			"$(rss "$DYN" "$@")"
	fi
}

echo
if [ -x "$STATIC_OTHER" ]; then
	printf '%-40s %8s %8s %8s\n' "peak RSS" "static" "static" "dynamic"
	printf '%-40s %8s %8s %8s\n' "" "$(crypto_of "$STATIC")" \
		"$(crypto_of "$STATIC_OTHER")" "$(crypto_of "$DYN")"
else
	printf '%-40s %8s %8s\n' "peak RSS" static dynamic
fi
R=$T/r23
mk_plain_root "$R"
"$DYN" -o "$R" update >/dev/null 2>&1
row "--version" "$R" --version
PRE='rm -rf "$R/var/opkg-lists"' row "update (23.05.2, 4 feeds)" "$R" update
row "list (23.05.2)" "$R" list
row "install --noaction nano" "$R" install --noaction nano
PRE='rm -rf "$T/r" && cp -a "$R" "$T/r"' row "install nano (real ipks)" "$T/r" install nano
row "info nano" "$R" info nano

F19=$FX/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710
if [ -d "$F19/feeds" ]; then
	R19=$T/r19
	mkdir -p "$R19/etc/opkg" "$R19/usr/lib"
	cp -r "$F19/rootfs/usr/lib/opkg" "$R19/usr/lib/"
	cp -r "$F19/rootfs/etc/opkg/keys" "$R19/etc/opkg/"
	{
		echo "dest root /"
		echo "lists_dir ext /var/opkg-lists"
		echo "option check_signature 1"
		echo "arch all 1"
		echo "arch noarch 1"
		echo "arch aarch64_cortex-a53 10"
		for f in "$F19"/feeds/*; do
			echo "src/gz $(basename "$f") file://$f"
		done
	} >"$R19/etc/opkg.conf"
	"$DYN" -o "$R19" update >/dev/null 2>&1
	PRE='rm -rf "$R19/var/opkg-lists"' row "update (19.07.1, 9,263 packages)" "$R19" update
	row "list-installed (19.07.1)" "$R19" list-installed
	row "list-upgradable (19.07.1)" "$R19" list-upgradable
	row "install --noaction luci-ssl-openssl" "$R19" install --noaction luci-ssl-openssl
fi
