#!/bin/sh
# seed.sh OUTDIR: generate seed corpora from the real OpenWrt fixtures into
# OUTDIR/<harness>/ (run by `make fuzz`; not kept in git). The small seeds
# in git (tests/fuzz/corpus/) were made by `seed.sh --small tests/fuzz/corpus`.
# Does nothing (and succeeds) when the fixtures are missing.
set -u
SMALL=
if [ "${1:-}" = --small ]; then
	SMALL=1
	shift
fi
OUT=${1:?usage: seed.sh [--small] OUTDIR}
FX=${FX:-/work/shared/fixtures/openwrt}
[ -d "$FX" ] || exit 0
[ -n "$SMALL" ] || [ ! -e "$OUT/.done" ] || exit 0
mkdir -p "$OUT/fuzz_control" "$OUT/fuzz_conf" "$OUT/fuzz_vercmp" \
	"$OUT/fuzz_usign" "$OUT/fuzz_ipk" "$OUT/fuzz_packages" \
	"$OUT/fuzz_status" || exit 1

# name FILE: a flat corpus file name from a fixture path.
name() {
	printf '%s' "${1#"$FX"/}" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-120
}

# stanzas FILE N OUT PREFIX: the first N stanzas of FILE, one per file.
stanzas() {
	awk -v n="$2" -v out="$3" -v p="$4" '
		BEGIN { RS = ""; ORS = "\n\n" }
		NR > n { exit }
		{ f = out "/" p "-" NR; print > f; close(f) }' "$1"
}

# head_stanzas FILE N: the first N stanzas of FILE, as one text.
head_stanzas() {
	awk -v n="$2" 'BEGIN { RS = ""; ORS = "\n\n" } NR > n { exit }
		{ print }' "$1"
}

if [ -n "$SMALL" ]; then NST=3; NCTL=12; IPKMAX=2000; PKGS=8; else
	NST=200; NCTL=100000; IPKMAX=200000; PKGS=150; fi

# control: info/*.control files and single index stanzas.
i=0
for f in "$FX"/*/rootfs/usr/lib/opkg/info/*.control; do
	[ "$i" -lt "$NCTL" ] || break
	cp "$f" "$OUT/fuzz_control/$(name "$f")"
	i=$((i + 1))
done
for f in "$FX"/*/feeds/*/Packages "$FX"/*/feed/Packages; do
	stanzas "$f" "$NST" "$OUT/fuzz_control" "$(name "$f")"
done

# conf: every opkg.conf and etc/opkg/*.conf.
for f in "$FX"/*/rootfs/etc/opkg.conf "$FX"/*/rootfs/etc/opkg/*.conf; do
	cp "$f" "$OUT/fuzz_conf/$(name "$f")"
done

# vercmp: pairs and triples of the versions real feeds use.
V="1-r23630-842932a63d git-24.072.73299-397b1b2 5.15.137+6.1.24-3
3.7.0+perl5.28-1 1.8.10-r1 2024.07.14~408c2cc4-r1 1~c1e578cc
5.15.137-1-47964456485559d992fe6f536131fc64 1:2.0-1 2.0 2.0-0 7.2-2
1.2.4-4 13.1.0-4 2023-02-25-498f6e26-1 1.0~rc1 1.0"
i=0
prev=1.0
for v in $V; do
	printf '%s\n%s\n%s' "$prev" "$v" "1.0-1" >"$OUT/fuzz_vercmp/v$i"
	prev=$v
	i=$((i + 1))
done
for f in "$FX"/*/feeds/*/Packages; do
	sed -n 's/^Version: //p' "$f" | head -n "$NST" | paste -d '\n' - - - \
		>"$OUT/fuzz_vercmp/$(name "$f")"
	[ -n "$SMALL" ] && break
done

# usign: keys and signatures (all are small).
for f in "$FX"/*/keys/* "$FX"/*/rootfs/etc/opkg/keys/* "$FX"/*/feed/*.pub \
	"$FX"/*/feeds/*/Packages.sig "$FX"/*/feed/Packages.sig; do
	[ -f "$f" ] && cp "$f" "$OUT/fuzz_usign/$(name "$f")"
done

# ipk: the fixture packages up to IPKMAX bytes, the broken __.ipk too.
for f in "$FX"/*/feeds/*/*.ipk "$FX"/*/feed/*.ipk; do
	[ -f "$f" ] || continue
	[ "$(wc -c <"$f")" -le "$IPKMAX" ] || continue
	cp "$f" "$OUT/fuzz_ipk/$(name "$f")"
done

# packages: the head of every index (whole small ones).
for f in "$FX"/*/feeds/*/Packages "$FX"/*/feed/Packages; do
	head_stanzas "$f" "$PKGS" >"$OUT/fuzz_packages/$(name "$f")"
done

# status: opkg status files of real routers (heads when small).
for f in "$FX"/*/rootfs/usr/lib/opkg/status; do
	head_stanzas "$f" "$((PKGS * 3))" >"$OUT/fuzz_status/$(name "$f")"
done
# The two forms of Status and Conffiles a status file carries.
printf 'Package: libc\nVersion: 1.2.4-4\nStatus: install hold,user installed\nEssential: yes\n\nPackage: base-files\nVersion: 1\nConffiles:\n /etc/config/system 6f6fcd4a8bd4fd2a5b43c3d3b4b8f4a1\n /etc/group 1a2b\nStatus: install ok installed\nAuto-Installed: yes\n' \
	>"$OUT/fuzz_status/forms"

[ -n "$SMALL" ] || : >"$OUT/.done"
exit 0
