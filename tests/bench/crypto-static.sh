#!/bin/sh
# make bench: the two crypto backends in a static, size-optimised binary
# (the router build's way of linking): tests/bench/crypto_static.c with
# fetch/crypto.c and one backend, cc -Os -static --gc-sections, stripped.
# Prints each binary's size and, verifying and hashing the 19.07.1
# packages list (2.2 MB, read first) and signing it with a new key, its
# peak RSS (and before the first crypto call) and its anonymous RSS; a
# static libc-only program's size for reference. Uses Debian's
# static libraries (libcrypto.a of libssl-dev, libnettle.a and
# libhogweed.a of nettle-dev, libgmp.a), built -O2 with every algorithm:
# a router's own OpenSSL and Nettle builds are smaller.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${PKG_BUILD:-$TOP/build}
CC=${CC:-cc}
FXROOT=${FX:-$TOP/tests/fixtures}
F19=${F19:-$FXROOT/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710}
D=$B/bench
mkdir -p "$D"
# usign signs the list's text: the repository keeps it gzip'd
LIST=$D/openwrt_packages.Packages
gzip -dc "$F19/feeds/openwrt_packages/Packages.gz" >"$LIST"
cp "$F19/feeds/openwrt_packages/Packages.sig" "$LIST.sig"
KEY=$F19/rootfs/etc/opkg/keys/f94b9dd6febac963
OPT="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Os -static
-ffunction-sections -fdata-sections
-Wl,--gc-sections -s"

echo "crypto backends in a static -Os binary (libc + crypto leaf):"
printf 'int main(void) { return 0; }\n' >"$D/static-libc.c"
# shellcheck disable=SC2086 # OPT is a list of flags
if $CC $OPT -o "$D/static-libc" "$D/static-libc.c" 2>/dev/null; then
	printf '  %-8s %6s KiB binary\n' "libc" \
		$(($(stat -c %s "$D/static-libc") / 1024))
fi
for be in openssl nettle; do
	case $be in
	openssl) libs="-lcrypto -lpthread" ;;
	nettle) libs="-lhogweed -lnettle -lgmp" ;;
	esac
	bin=$D/crypto-static-$be
	# shellcheck disable=SC2086
	if ! $CC $OPT -I"$TOP/fetch" -o "$bin" "$TOP/tests/bench/crypto_static.c" \
		"$TOP/fetch/crypto.c" "$TOP/fetch/crypto_$be.c" $libs \
		2>"$D/crypto-static-$be.err"; then
		printf '  %-8s cannot link statically: %s\n' "$be" \
			"$(grep -m1 -i error "$D/crypto-static-$be.err")"
		continue
	fi
	set -- $("$bin" "$LIST" "$LIST.sig" "$KEY")
	if [ "${1:-}" != ok ]; then
		printf '  %-8s FAILED\n' "$be"
		continue
	fi
	printf '  %-8s %6s KiB binary, peak RSS %5s KiB' "$be" \
		$(($(stat -c %s "$bin") / 1024)) "$4"
	printf ' (%s before the first crypto call), %s KiB anonymous\n' \
		"$3" "$5"
done
