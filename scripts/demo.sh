#!/bin/sh
# pkg demo (make demo): an OpenWrt-style root with a read-only image rom/
# built from real OpenWrt 23.05.2 packages and an empty overlay/upper/,
# a local feed (nginx on 127.0.0.1 when available, else file://), then
#   pkg update; pkg install nano; pkg remove <image package>; pkg install it
# showing where every file went; reclaim and audit; then a firmware
# upgrade (backup, new image, empty overlay, first-boot hook) after which
# the user's packages come back by themselves. Writes only under work/demo.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
. "$TOP/tests/lib/common.sh"

W=$TOP/work/demo
ROOT=$W
step() { printf '\n== %s\n' "$*"; }
say() { printf '$ %s\n' "$*"; }
# p ARGS: run pkg on the demo root, echoing the command first.
p() {
	say "pkg -o work/demo $*"
	"$PKG" -o "$ROOT" "$@"
}
# upper: what the overlay holds (files with sizes, whiteouts), and its size.
upper() {
	(
		cd "$ROOT/overlay/upper" || exit 1
		find . -type f ! -path './var/opkg-lists/*' ! -path './usr/lib/pkg/*' \
			-printf '  %10s  %p\n' | sort -k2
		find . -type c -printf '  whiteout    %p\n' | sort -k2
	)
	printf '  overlay/upper uses %s (feed lists and database included)\n' \
		"$(du -sh "$ROOT/overlay/upper" | cut -f1)"
}
data_bytes() { # data bytes in upper outside pkg's own database and lists
	find "$ROOT/overlay/upper" -type f ! -path '*/var/opkg-lists/*' \
		! -path '*/usr/lib/pkg/*' ! -path '*/usr/lib/opkg/*' \
		! -path '*/etc/backup/*' ! -path '*/etc/pkg/*' \
		-printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

if [ ! -x "$PKG" ]; then
	echo "demo: $PKG is missing; run make first" >&2
	exit 1
fi

rm -rf "$W"
mkdir -p "$W" || exit 1
T=$W/.tmp
mkdir -p "$T"
trap 'stop_nginx; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

step "Build the image rom/ from real OpenWrt 23.05.2 packages ($(echo "$IMAGE_PKGS" | sed 's/:[01]//g')) and an empty overlay/upper/"
mk_image_root "$ROOT" || { echo "demo: cannot build the image" >&2; exit 1; }
printf '  rom/ holds %s files, %s\n' "$(find "$ROOT/rom" -type f | wc -l)" \
	"$(du -sh "$ROOT/rom" | cut -f1)"

step "Serve the signed 23.05.2 feeds (base, core, packages, luci)"
if command -v nginx >/dev/null 2>&1 && start_nginx "$F23/feeds"; then
	url=http://127.0.0.1:$NGINX_PORT
	echo "  nginx serves $F23/feeds on $url"
else
	url=file://$F23/feeds
	echo "  nginx is not available: using $url"
fi
sed -i "s|file://$F23/feeds|$url|" "$ROOT/rom/etc/opkg.conf"
sed -n 's/^src/  src/p' "$ROOT/rom/etc/opkg.conf"

step "Fetch and verify the feed lists (usign signatures, key in rom/etc/opkg/keys)"
p update || exit 1

step "What the image provides"
p list-installed

step "Install nano: only nano itself is copied, its dependencies are in the image"
p install nano || exit 1
p files nano

step "Where the files went: the overlay holds only what was installed"
upper

step "Remove ca-bundle, a package of the image: its files are hidden by whiteouts"
p remove ca-bundle || exit 1
upper
before=$(data_bytes)

step "Install ca-bundle back: same version as the image, so pkg deletes the whiteouts (zero-copy restore)"
p install ca-bundle || exit 1
upper
after=$(data_bytes)
printf '  package data bytes written to the overlay by the restore: %s\n' \
	"$((after - before))"
if [ -f "$ROOT/rom/etc/ssl/certs/ca-certificates.crt" ] &&
	[ ! -e "$ROOT/overlay/upper/etc/ssl/certs/ca-certificates.crt" ]; then
	echo "  /etc/ssl/certs/ca-certificates.crt is visible again from rom/"
fi

step "An image file edited and edited back: reclaim drops the identical overlay copy"
x=usr/share/terminfo/x/xterm
cat "$ROOT/rom/$x" >"$T/xterm"
mkdir -p "$ROOT/overlay/upper/usr/share/terminfo/x"
cp -p "$ROOT/rom/$x" "$ROOT/overlay/upper/$x"
echo "  (copied /$x into overlay/upper by hand, same bytes)"
p reclaim
p audit

step "Firmware upgrade: save the user's packages, flash a new image, boot it"
p backup -b "$W/backup.tar.gz" || exit 1
tar -tzf "$W/backup.tar.gz" | sed 's/^/  in the backup: /'
# The new image: the same packages, built again (a new status, so a new
# fingerprint), and an empty overlay as after sysupgrade.
sed -i 's/^Installed-Time: .*/Installed-Time: 1710000000/' \
	"$ROOT/rom/usr/lib/opkg/status"
rm -rf "$ROOT/overlay/upper" && mkdir -p "$ROOT/overlay/upper"
echo "  new image in rom/, empty overlay/upper/, backup restored as preinit does:"
say "tar -xzf work/demo/backup.tar.gz -C work/demo/overlay/upper"
tar -xzf "$W/backup.tar.gz" -C "$ROOT/overlay/upper" || exit 1
say "hooks/pkg-boot.sh work/demo   # the first-boot hook"
PKG=$PKG PKG_NET_ATTEMPTS=1 sh "$TOP/hooks/pkg-boot.sh" "$ROOT" 2>&1 | sed 's/^/  /'
p post-upgrade --status
step "After the upgrade: nano came back by itself, ca-bundle is the image's"
p list-installed
upper

step "Done: the root is in work/demo (rom/ and overlay/upper/)"
