#!/bin/sh
# seed.sh OUTDIR: generate seed corpora from the real OpenWrt fixtures into
# OUTDIR/<harness>/ (run by `make fuzz`; not kept in git). The small seeds
# in git (tests/fuzz/corpus/) were made by `seed.sh --small tests/fuzz/corpus`.
# The fixtures are the repository's tests/fixtures (or $FX); does nothing
# (and succeeds) when they are missing.
set -u
SMALL=
if [ "${1:-}" = --small ]; then
	SMALL=1
	shift
fi
OUT=${1:?usage: seed.sh [--small] OUTDIR}
FX=${FX:-$(cd "$(dirname "$0")/../.." && pwd)/tests/fixtures}
[ -d "$FX" ] || exit 0
# Made once per version of this script.
STAMP=$(cksum <"$0")
[ -n "$SMALL" ] || [ "$(cat "$OUT/.done" 2>/dev/null)" != "$STAMP" ] || exit 0
mkdir -p "$OUT/fuzz_control" "$OUT/fuzz_conf" "$OUT/fuzz_vercmp" \
	"$OUT/fuzz_usign" "$OUT/fuzz_ipk" "$OUT/fuzz_packages" \
	"$OUT/fuzz_status" "$OUT/fuzz_feedfile" || exit 1

# name FILE: a flat corpus file name from a fixture path.
name() {
	printf '%s' "${1#"$FX"/}" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-120
}

# stanzas N OUT PREFIX: the first N stanzas of stdin, one per file.
stanzas() {
	awk -v n="$1" -v out="$2" -v p="$3" '
		BEGIN { RS = ""; ORS = "\n\n" }
		NR > n { exit }
		{ f = out "/" p "-" NR; print > f; close(f) }'
}

# head_stanzas N: the first N stanzas of stdin, as one text.
head_stanzas() {
	awk -v n="$1" 'BEGIN { RS = ""; ORS = "\n\n" } NR > n { exit }
		{ print }'
}

# indexes [feeds|all]: the path of every signed feed index, one a line
# (DIR/Packages for each DIR/Packages.sig; "feeds": only */feeds/*/, not
# the SDK's single feed/).
indexes() {
	for _s in "$FX"/*/feeds/*/Packages.sig "$FX"/*/feed/Packages.sig; do
		[ -f "$_s" ] || continue
		case ${1:-all}:$_s in feeds:*/feed/Packages.sig) continue ;; esac
		printf '%s\n' "${_s%.sig}"
	done
}

# index_text INDEX: its text, from INDEX or else INDEX.gz (some feeds are
# kept only as published: Packages.gz and the Packages.sig over its text).
index_text() {
	if [ -f "$1" ]; then cat "$1"; else gzip -dc "$1.gz"; fi
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
indexes | while IFS= read -r f; do
	index_text "$f" | stanzas "$NST" "$OUT/fuzz_control" "$(name "$f")"
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
indexes feeds | while IFS= read -r f; do
	index_text "$f" | sed -n 's/^Version: //p' | head -n "$NST" |
		paste -d '\n' - - - >"$OUT/fuzz_vercmp/$(name "$f")"
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

# ipk, raw: outer and inner tars uncompressed (libarchive reads them the
# same way), so mutations reach the tar headers of the data part instead
# of breaking a gzip stream: three fixture packages and one hand-made
# package with a directory, a file, a symlink and a hardlink.
W=$(mktemp -d "${TMPDIR:-/tmp}/pkg-seed.XXXXXX") || exit 1
raw_ipk() { # raw_ipk IPK OUT
	rm -rf "$W/x" && mkdir -p "$W/x" &&
		tar -xzf "$1" -C "$W/x" 2>/dev/null &&
		gzip -dc "$W/x/control.tar.gz" >"$W/x/c.tar" &&
		gzip -dc "$W/x/data.tar.gz" >"$W/x/d.tar" &&
		mv "$W/x/c.tar" "$W/x/control.tar.gz" &&
		mv "$W/x/d.tar" "$W/x/data.tar.gz" &&
		tar -b1 --owner=0 --group=0 -cf "$2" -C "$W/x" ./debian-binary \
			./data.tar.gz ./control.tar.gz
}
n=0
for f in $(ls -S -r "$FX"/*/feeds/*/*.ipk 2>/dev/null); do
	[ "$n" -lt 3 ] || break
	raw_ipk "$f" "$OUT/fuzz_ipk/raw-$(name "$f")" && n=$((n + 1))
done
mkdir -p "$W/s/c" "$W/s/d/usr/share/x" "$W/s/o"
printf 'Package: x\nVersion: 1-1\nArchitecture: all\n' >"$W/s/c/control"
printf '#!/bin/sh\n' >"$W/s/c/postinst"
printf '/etc/x\n' >"$W/s/c/conffiles"
echo x >"$W/s/d/usr/share/x/f"
ln "$W/s/d/usr/share/x/f" "$W/s/d/usr/share/x/h"
ln -s f "$W/s/d/usr/share/x/l"
printf '2.0\n' >"$W/s/o/debian-binary"
tar -b1 --owner=0 --group=0 -cf "$W/s/o/control.tar.gz" -C "$W/s/c" .
tar -b1 --owner=0 --group=0 -cf "$W/s/o/data.tar.gz" -C "$W/s/d" .
tar -b1 --owner=0 --group=0 -cf "$OUT/fuzz_ipk/raw-handmade" -C "$W/s/o" \
	./debian-binary ./data.tar.gz ./control.tar.gz
rm -rf "$W"

# packages: the head of every index (whole small ones).
indexes | while IFS= read -r f; do
	index_text "$f" | head_stanzas "$PKGS" >"$OUT/fuzz_packages/$(name "$f")"
done

# feedfile: the same heads, plain and as downloaded (gzip, zstd, xz).
for f in "$OUT"/fuzz_packages/*; do
	b=$(basename "$f")
	cp "$f" "$OUT/fuzz_feedfile/$b"
	gzip -9nc "$f" >"$OUT/fuzz_feedfile/$b.gz"
done
f=$(ls "$OUT"/fuzz_packages/* | head -n 1)
command -v zstd >/dev/null && zstd -q -19 -c "$f" >"$OUT/fuzz_feedfile/one.zst"
command -v xz >/dev/null && xz -c "$f" >"$OUT/fuzz_feedfile/one.xz"

# status: opkg status files of real routers (heads when small).
for f in "$FX"/*/rootfs/usr/lib/opkg/status; do
	head_stanzas "$((PKGS * 3))" <"$f" >"$OUT/fuzz_status/$(name "$f")"
done
# The two forms of Status and Conffiles a status file carries.
cat >"$OUT/fuzz_status/forms" <<'EOF'
Package: libc
Version: 1.2.4-4
Status: install hold,user installed
Essential: yes

Package: base-files
Version: 1
Conffiles:
 /etc/config/system 6f6fcd4a8bd4fd2a5b43c3d3b4b8f4a1
 /etc/group 1a2b
Status: install ok installed
Auto-Installed: yes
EOF

[ -n "$SMALL" ] || echo "$STAMP" >"$OUT/.done"
exit 0
