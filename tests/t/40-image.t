#!/bin/sh
# Image + overlay offline root: ROOT/rom (an image made from real 23.05.2
# ipks with its opkg status) and ROOT/overlay/upper (empty). pkg works on
# the merged view and writes only into overlay/upper: installs land there,
# removing an image package leaves whiteouts (char device 0/0), installing
# it back at the image's version deletes them and writes no data. When
# running as root the result is also mounted for real (overlayfs inside
# unshare -m) and the merged view checked.
# Run alone with `prove tests/t/40-image.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp

R=$T/root
U=$R/overlay/upper
mk_image_root "$R"
snap "$R/rom" >"$T/rom.snap"
op() { run "$PKG" -o "$R" "$@"; }

# data_bytes: bytes of regular files in upper, pkg's and opkg's own
# metadata (database, status, info, sysupgrade's installed_packages.txt)
# and the feed lists left out.
data_bytes() {
	find "$U" -type f ! -path "$U/usr/lib/pkg/*" ! -path "$U/usr/lib/opkg/*" \
		! -path "$U/var/opkg-lists/*" ! -path "$U/tmp/*" \
		! -path "$U/etc/backup/installed_packages.txt" ! -path "$U/etc/pkg/*" -printf '%s\n' |
		awk '{ s += $1 } END { print s + 0 }'
}
# whiteout PATH: PATH (under upper) is a character device 0/0.
whiteout() {
	[ -c "$U$1" ] && [ "$(stat -c '%t:%T' "$U$1")" = "0:0" ]
}
rom_same() { snap "$R/rom" | cmp -s - "$T/rom.snap"; }
# merged CMD: run the shell command CMD with the overlay mounted at $M.
M=$T/merged
merged() {
	mkdir -p "$M" "$R/overlay/work"
	unshare -m sh -c "mount -t overlay overlay -o lowerdir=$R/rom,upperdir=$U,workdir=$R/overlay/work $M && $1"
}
# As root the real mount must work (a failure fails the checks below);
# without root they are skipped.
LIVE=
[ "$(id -u)" = 0 ] && LIVE=1

# ---- the image as pkg sees it ----
op list-installed
is "$RC" 0 "list-installed on an image root exits 0"
[ "$RC" = 0 ] || show_run
is "$OUT" "ca-bundle - 20230311-1
libc - 1.2.4-4
libgcc1 - 13.1.0-4
libncurses6 - 6.4-2
openwrt-keyring - 2022-03-25-62471e69-2
terminfo - 6.4-2
zlib - 1.2.13-1" "the image's packages come from rom/usr/lib/opkg/status"

op update
is "$RC" 0 "update (conf and keys read from rom/etc) exits 0"
[ "$RC" = 0 ] || show_run
t_ok "the lists went to overlay/upper/var/opkg-lists" \
	test -d "$U/var/opkg-lists"

# ---- install: only into upper ----
op install nano
is "$RC" 0 "install nano exits 0"
[ "$RC" = 0 ] || show_run
t_ok "nano's file is in overlay/upper/usr/bin" test -x "$U/usr/bin/nano"
t_ok "libncurses6 is not copied: the image has it" \
	test ! -e "$U/usr/lib/libncursesw.so.6.4"
t_ok "rom/ is unchanged" rom_same
is "$(ls "$R" | tr '\n' ' ')" "overlay rom " "nothing written beside rom/ and overlay/"
t_ok "the database is overlay/upper/usr/lib/pkg/pkg.db" \
	test -f "$U/usr/lib/pkg/pkg.db"
t_ok "the opkg status is rewritten in overlay/upper" \
	grep -qx "Package: nano" "$U/usr/lib/opkg/status"
t_ok "...and still lists the image's packages" \
	grep -qx "Package: ca-bundle" "$U/usr/lib/opkg/status"
is "$(cat "$U/usr/lib/opkg/info/nano.list" 2>/dev/null)" "/usr/bin/nano" \
	"info/nano.list in the overlay"
op list-installed
like "$OUT" "^nano - 7\.2-2\$" "list-installed shows nano"

# ---- remove an image package: whiteouts ----
op remove ca-bundle
is "$RC" 0 "remove ca-bundle (an image package) exits 0"
[ "$RC" = 0 ] || show_run
t_ok "its file is whited out (char device 0/0 in upper)" \
	whiteout /etc/ssl/certs/ca-certificates.crt
t_ok "its symlink is whited out" whiteout /etc/ssl/cert.pem
t_ok "rom/ is unchanged" rom_same
op list-installed
unlike "$OUT" "^ca-bundle " "list-installed no longer shows ca-bundle"
t_ok "status in the overlay no longer lists ca-bundle as installed" \
	sh -c "! awk '/^Package: ca-bundle\$/ { f = 1 } f && /^Status:/ { print; exit }' '$U/usr/lib/opkg/status' | grep -q ' installed\$'"
if [ -n "$LIVE" ]; then
	t_ok "mounted: the merged view hides ca-bundle's files" \
		merged "test ! -e $M/etc/ssl/certs/ca-certificates.crt && test ! -L $M/etc/ssl/cert.pem && test -x $M/usr/bin/nano && test -f $M/usr/lib/libncursesw.so.6.4"
else
	skip 1 "needs root and overlayfs for a real mount"
fi

# ---- install it back: zero-copy restore ----
before=$(data_bytes)
op install ca-bundle
is "$RC" 0 "install ca-bundle back exits 0"
[ "$RC" = 0 ] || show_run
unlike "$OUT" "Downloading" "nothing is downloaded for the restore"
t_ok "the whiteouts are gone" \
	test ! -e "$U/etc/ssl/certs/ca-certificates.crt" -a ! -e "$U/etc/ssl/cert.pem" \
	-a ! -L "$U/etc/ssl/cert.pem"
is "$(data_bytes)" "$before" "no data bytes written to the overlay by the restore"
op list-installed
like "$OUT" "^ca-bundle - 20230311-1\$" "list-installed shows ca-bundle again"
t_ok "rom/ is unchanged" rom_same
if [ -n "$LIVE" ]; then
	t_ok "mounted: the merged view shows the image's file again" \
		merged "cmp -s $M/etc/ssl/certs/ca-certificates.crt $R/rom/etc/ssl/certs/ca-certificates.crt && test -L $M/etc/ssl/cert.pem"
else
	skip 1 "needs root and overlayfs for a real mount"
fi

# ---- remove an overlay package: plain delete, no whiteout ----
op remove nano
is "$RC" 0 "remove nano (an overlay package) exits 0"
t_ok "nano's file is deleted from upper, not whited out" \
	test ! -e "$U/usr/bin/nano"
is "$(data_bytes)" 0 "the overlay holds no package data any more"

# ---- remove an image package others depend on: refused ----
snap "$R" >"$T/base"
op remove terminfo
t_ok "remove terminfo (libncurses6 needs it) exits != 0" test "$RC" -ne 0
snap "$R" >"$T/now"
t_ok "...and changes nothing" cmp -s "$T/base" "$T/now"

# ---- remove and restore an image package with a dependent, together ----
op remove --autoremove libncurses6 terminfo
is "$RC" 0 "remove libncurses6 terminfo exits 0"
t_ok "their files are whited out" \
	whiteout /usr/lib/libncursesw.so.6.4
t_ok "...including the terminfo database" whiteout /usr/share/terminfo/x/xterm
op install libncurses6
is "$RC" 0 "install libncurses6 back (terminfo comes back as its dependency)"
is "$(data_bytes)" 0 "restoring both writes no data bytes"
t_ok "no whiteouts are left" sh -c "! find '$U' -type c | grep -q ."
if [ -n "$LIVE" ]; then
	t_ok "mounted: the merged view equals the image again" \
		merged "diff -r $R/rom/usr/share/terminfo $M/usr/share/terminfo && cmp $R/rom/usr/lib/libncursesw.so.6.4 $M/usr/lib/libncursesw.so.6.4"
else
	skip 1 "needs root and overlayfs for a real mount"
fi

done_testing
