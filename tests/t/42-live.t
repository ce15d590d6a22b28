#!/bin/sh
# ROM awareness, live mode: a real squashfs image (mksquashfs from real
# fixture ipks), loop-mounted, with overlayfs over it (upper on a small
# tmpfs), inside a private mount namespace. remove -> restore -> reclaim
# -> reset -> audit through the merged view, the bytes the overlay uses
# counted at each step, and the pending-restore path (the merged view
# forced stale with the test build's PKG_FAULT=stale) finished by the
# boot hook before the overlay is mounted again.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_root "loop and overlayfs mounts"
need_cmd mksquashfs
need_cmd strace
if [ -z "${PKG_IN_NS:-}" ]; then
	exec env PKG_IN_NS=1 unshare -m --propagation private sh "$0" "$@"
fi
mk_tmp
mount -t tmpfs tmpfs "$T" || { echo "1..0 # SKIP cannot mount a tmpfs"; exit 0; }
# Unmount everything under $T (tmpfs, image, overlay) before the cleanup
# removes the directory itself.
trap 'umount -R -l "$T" 2>/dev/null; _cleanup' EXIT

# democonf: 1.0 in the image, 2.0 in a signed local feed (upgrade, then
# back to the image's version).
mk_demo() { # mk_demo OUTDIR VERSION
	_s=$T/src.democonf
	rm -rf "$_s"
	mkdir -p "$_s/CONTROL" "$_s/usr/share/democonf" "$_s/etc"
	printf 'Package: democonf\nVersion: %s\nArchitecture: %s\nDescription: stand-in\n' \
		"$2" "$ARCH" >"$_s/CONTROL/control"
	echo /etc/democonf.conf >"$_s/CONTROL/conffiles"
	echo "setting=image" >"$_s/etc/democonf.conf"
	head -c 20000 /dev/urandom >"$_s/usr/share/democonf/data"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" >/dev/null
}
mkdir -p "$T/img" "$T/feed"
mk_demo "$T/img" 1.0 && mk_demo "$T/feed" 2.0 && mk_key "$T/key" &&
	"$PKG_REPO" index "$T/feed" --sign "$T/key" >/dev/null 2>&1 ||
	{ echo "Bail out! feed"; exit 1; }
mk_image_root "$T/build" || { echo "Bail out! image"; exit 1; }
rom_add_ipk "$T/build/rom" "$T/img"/democonf_1.0_*.ipk 1
install_key "$T/key.pub" "$T/build/rom/etc/opkg/keys"
echo "src/gz mine file://$T/feed" >>"$T/build/rom/etc/opkg.conf"
mksquashfs "$T/build/rom" "$T/image.sqfs" -quiet -noappend >/dev/null ||
	{ echo "Bail out! mksquashfs"; exit 1; }
ROM=$T/rom OV=$T/ov M=$T/root
U=$OV/upper
mkdir -p "$ROM" "$OV" "$M"
mount -o loop,ro "$T/image.sqfs" "$ROM" || { echo "1..0 # SKIP no loop device"; exit 0; }
mount -t tmpfs -o size=16m tmpfs "$OV"
mkdir -p "$U" "$OV/work"
mount_overlay() {
	mount -t overlay overlay \
		-o "lowerdir=$ROM,upperdir=$U,workdir=$OV/work" "$M"
}
mount_overlay || { echo "1..0 # SKIP overlayfs not available"; exit 0; }

op() { run "$PKG" -o "$M" "$@"; }
sql() { sqlite3 "$U/usr/lib/pkg/pkg.db" "$1"; }
data_bytes() {
	find "$U" -type f ! -path "$U/usr/lib/pkg/*" ! -path "$U/usr/lib/opkg/*" \
		! -path "$U/var/*" ! -path "$U/tmp/*" ! -path "$U/etc/pkg/*" \
		! -path "$U/etc/backup/*" -printf '%s\n' |
		awk '{ s += $1 } END { print s + 0 }'
}
used_kib() { df -k --output=used "$OV" | tail -1 | tr -d ' '; }
whiteout() { [ -c "$U$1" ] && [ "$(stat -c '%t:%T' "$U$1")" = "0:0" ]; }
CRT=/etc/ssl/certs/ca-certificates.crt
XT=/usr/share/terminfo/x/xterm

op list-installed
is "$RC" 0 "list-installed on the live overlay exits 0"
like "$OUT" "ca-bundle - 20230311-1" "the image's packages are seen"
t_ok "...from opkg's files: no database written" \
	test ! -e "$U/usr/lib/pkg/pkg.db"
op recover
is "$(sql "SELECT count(*) FROM rom_packages")" 8 "the image database is built from the mounted image"
t_ok "the database lives in the upper layer" test -f "$U/usr/lib/pkg/pkg.db"

op update
is "$RC" 0 "update exits 0"
op install nano
is "$RC" 0 "install nano exits 0"
t_ok "nano lands in the upper layer" test -x "$U/usr/bin/nano"
t_ok "...and shows in the merged view" test -x "$M/usr/bin/nano"

# ---- opkg's files marked in line with the database (opkgsynced.c) ----
# The mark names the upper layer's inodes, not the overlay's, so that it
# holds across a remount (a reboot): list-installed reads opkg's files
# and never opens SQLite (which opens the database by its host path).
sqlite_opens() {
	strace -f -qq -e trace=open,openat,openat2 -o "$T/strace" \
		"$PKG" -o "$M" list-installed >"$T/li" 2>&1
	grep -c '/usr/lib/pkg/pkg\.db"' "$T/strace"
}
t_ok "the install marks opkg's files in line (in the upper layer)" \
	test -s "$U/usr/lib/pkg/opkg-synced"
is "$(sqlite_opens)" 0 "list-installed reads opkg's files, not the database"
cp "$T/li" "$T/li.files"
umount "$M" && mount_overlay
is "$(sqlite_opens)" 0 "...and still does once the overlay is mounted again"
mv "$M/usr/lib/pkg/opkg-synced" "$T/mark"
n=$(sqlite_opens)
t_ok "...which show what the database shows" test "$n" -ge 1 -a \
	"$(cat "$T/li")" = "$(cat "$T/li.files")"
mv "$T/mark" "$M/usr/lib/pkg/opkg-synced"

# ---- remove an image package: overlayfs's own whiteouts ----
b0=$(data_bytes)
op remove ca-bundle
is "$RC" 0 "remove ca-bundle exits 0"
t_ok "its file is whited out in upper" whiteout "$CRT"
t_ok "...and gone from the merged view" test ! -e "$M$CRT"
is "$(data_bytes)" "$b0" "removing an image package copies no data up"
op audit
is "$RC" 0 "audit after the removal is clean"
[ "$RC" = 0 ] || diag "$OUT"

# ---- restore: zero data bytes ----
b1=$(data_bytes) k1=$(used_kib)
op install ca-bundle
is "$RC" 0 "install ca-bundle (restore) exits 0"
like "$OUT" "Restoring ca-bundle" "it is a restore from the image"
unlike "$OUT" "Downloading" "nothing is downloaded"
t_ok "the whiteouts are gone from upper" test ! -e "$U$CRT" -a ! -L "$U/etc/ssl/cert.pem"
t_ok "the merged view shows the image's file (same bytes)" cmp -s "$M$CRT" "$ROM$CRT"
is "$(data_bytes)" "$b1" "zero data bytes written to the overlay by the restore"
diag "overlay use around the restore: ${k1} KiB before, $(used_kib) KiB after (df of the upper tmpfs)"
t_ok "no restore is left pending (this kernel shows it at once)" \
	test ! -e "$U/usr/lib/pkg/pending-restore"
op audit
is "$RC" 0 "audit after the restore is clean"

# ---- upgrade an image package, then back to the image's version ----
b3=$(data_bytes)
op install democonf
is "$RC" 0 "install democonf: upgrade 1.0 -> 2.0 from the feed, through the merged view"
t_ok "2.0's data is in the upper layer" test -f "$U/usr/share/democonf/data"
op install democonf=1.0 --force-downgrade
is "$RC" 0 "install democonf=1.0 --force-downgrade exits 0"
like "$OUT" "Restoring democonf \(1.0\) from the image" "going back to the image's version is a restore"
t_ok "the upper copy is gone" test ! -e "$U/usr/share/democonf/data"
t_ok "the merged view shows the image's file" cmp -s "$M/usr/share/democonf/data" "$ROM/usr/share/democonf/data"
is "$(data_bytes)" "$b3" "the overlay is back to its bytes before the upgrade"
op audit
is "$RC" 0 "audit is clean"

# ---- conffiles through the merged view ----
op status --conffiles
is "$OUT" "/etc/democonf.conf	democonf	unchanged" "status --conffiles: the image's conffile is unchanged"
echo "setting=mine" >"$M/etc/democonf.conf"
op status --conffiles --json
like "$OUT" '"state": "changed here"' "edited through the merged view: changed here"
op list-changed-conffiles
is "$OUT" "/etc/democonf.conf" "list-changed-conffiles lists it"
op reset democonf
t_ok "reset without --conffiles keeps it" grep -q mine "$M/etc/democonf.conf"
op reset --conffiles democonf
is "$RC" 0 "reset --conffiles democonf exits 0"
t_ok "...the image's conffile shows again" cmp -s "$M/etc/democonf.conf" "$ROM/etc/democonf.conf"
t_ok "...and the upper copy is gone" test ! -e "$U/etc/democonf.conf"

# ---- reclaim: a copy-up identical to the image ----
cat "$M$XT" >"$T/xt" && cat "$T/xt" >"$M$XT"
t_ok "writing the same bytes through the merged view copies the file up" test -f "$U$XT"
b2=$(data_bytes)
op reclaim
is "$RC" 0 "reclaim exits 0"
like "$OUT" "Reclaiming $XT" "reclaim names the identical copy"
t_ok "the upper copy is gone" test ! -e "$U$XT"
t_ok "the merged view shows the image's file" cmp -s "$M$XT" "$ROM$XT"
is "$(data_bytes)" "$((b2 - $(stat -c %s "$ROM$XT")))" "the overlay got the file's bytes back"

# ---- reset: a modified image file ----
echo garbage >"$M$XT"
op audit
is "$RC" 1 "audit exits 1 on a modified image file"
like "$OUT" "modified +$XT" "...and names it"
op reset terminfo
is "$RC" 0 "reset terminfo exits 0"
t_ok "the upper copy is gone" test ! -e "$U$XT"
t_ok "the merged view shows the image's file again" cmp -s "$M$XT" "$ROM$XT"
op audit
is "$RC" 0 "audit is clean after the reset"

# ---- a restore the merged view does not show yet: pending, boot hook ----
op remove ca-bundle
run env PKG_FAULT=stale "$PKG_FAULT_BIN" -o "$M" install ca-bundle
is "$RC" 0 "restore with a stale merged view exits 0"
like "$OUT" "a reboot finishes the restore" "the user is told a reboot finishes it"
t_ok "the paths are recorded as pending" grep -qx "etc/ssl/certs/ca-certificates.crt" "$U/usr/lib/pkg/pending-restore"
umount "$M"
run sh "$(dirname "$0")/../../hooks/pkg-overlay-pending" "$U" "$ROM"
is "$RC" 0 "the boot hook runs before the overlay is mounted"
t_ok "...and clears the pending list" test ! -e "$U/usr/lib/pkg/pending-restore"
mount_overlay
t_ok "after the 'reboot' the merged view shows the image's file" cmp -s "$M$CRT" "$ROM$CRT"
op audit
is "$RC" 0 "audit is clean"

umount "$M" "$OV" "$ROM" 2>/dev/null
done_testing
