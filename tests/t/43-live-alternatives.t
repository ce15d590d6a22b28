#!/bin/sh
# Alternatives on a live overlay (the twin of the image part of
# 54-alternatives.t): a squashfs image made from the real 23.05.2 dropbear
# with the links opkg made when it built the image, overlayfs over it,
# inside a private mount namespace. A higher provider's link goes to the
# upper layer; when it goes the image's link shows again (uncovered: the
# upper layer holds nothing there); removing dropbear whites its links
# out, installing it back restores them from the image.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_root "loop and overlayfs mounts"
need_cmd mksquashfs
if [ -z "${PKG_IN_NS:-}" ]; then
	exec env PKG_IN_NS=1 unshare -m --propagation private sh "$0" "$@"
fi
mk_tmp
mount -t tmpfs tmpfs "$T" || { echo "1..0 # SKIP cannot mount a tmpfs"; exit 0; }
trap 'umount -R -l "$T" 2>/dev/null; _cleanup' EXIT

# ossh: 200 for /usr/bin/ssh and /usr/bin/scp (openssh-client's place).
_s=$T/src.ossh
mkdir -p "$_s/CONTROL" "$_s/usr/share/ossh" "$T/feed"
printf 'Package: ossh\nVersion: 1.0\nAlternatives: 200:/usr/bin/ssh:/usr/bin/ossh, 200:/usr/bin/scp:/usr/bin/oscp\nArchitecture: %s\nDescription: stand-in\n' \
	"$ARCH" >"$_s/CONTROL/control"
echo ossh >"$_s/usr/share/ossh/README"
SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$T/feed" >/dev/null &&
	mk_key "$T/key" &&
	"$PKG_REPO" index "$T/feed" --sign "$T/key" >/dev/null 2>&1 ||
	{ echo "Bail out! feed"; exit 1; }
mk_image_root "$T/build" || { echo "Bail out! image"; exit 1; }
rom_add_ipk "$T/build/rom" "$(fixture_ipk dropbear)" 1
ln -s /usr/sbin/dropbear "$T/build/rom/usr/bin/ssh"
ln -s /usr/sbin/dropbear "$T/build/rom/usr/bin/scp"
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
mount -t overlay overlay -o "lowerdir=$ROM,upperdir=$U,workdir=$OV/work" "$M" ||
	{ echo "1..0 # SKIP overlayfs not available"; exit 0; }

op() { run "$PKG" -o "$M" "$@"; }
whiteout() { [ -c "$U$1" ] && [ "$(stat -c '%t:%T' "$U$1")" = "0:0" ]; }
nothing_up() { ! test -e "$U$1" && ! test -L "$U$1"; }

op update
is "$RC" 0 "update exits 0"
is "$(readlink "$M/usr/bin/ssh")" /usr/sbin/dropbear "the image's link shows"
op install ossh
is "$RC" 0 "install ossh (priority 200) exits 0"
is "$(readlink "$M/usr/bin/ssh"):$(readlink "$M/usr/bin/scp")" \
	"/usr/bin/ossh:/usr/bin/oscp" "its links show in the merged view"
is "$(readlink "$U/usr/bin/ssh")" /usr/bin/ossh "...from the upper layer"
op remove ossh
is "$RC" 0 "remove ossh exits 0"
is "$(readlink "$M/usr/bin/ssh"):$(readlink "$M/usr/bin/scp")" \
	"/usr/sbin/dropbear:/usr/sbin/dropbear" "dropbear's links again"
t_ok "...the image's, uncovered: nothing at /usr/bin/ssh in the upper layer" \
	nothing_up /usr/bin/ssh
t_ok "...nor at /usr/bin/scp" nothing_up /usr/bin/scp
t_ok "no restore is left pending" test ! -e "$U/usr/lib/pkg/pending-restore"
op remove dropbear
is "$RC" 0 "remove dropbear (an image package) exits 0"
t_ok "its link /usr/bin/ssh is whited out" whiteout /usr/bin/ssh
t_ok "...and /usr/bin/scp" whiteout /usr/bin/scp
t_ok "...gone from the merged view" sh -c "! test -L '$M/usr/bin/ssh'"
op install dropbear
is "$RC" 0 "install dropbear back (a restore from the image) exits 0"
is "$(readlink "$M/usr/bin/ssh")" /usr/sbin/dropbear "its link shows again"
t_ok "...from the image (no whiteout, no copy in the upper layer)" nothing_up /usr/bin/ssh
op audit
is "$RC" 0 "audit is clean"
[ "$RC" = 0 ] || diag "$OUT"

umount "$M" "$OV" "$ROM" 2>/dev/null
done_testing
