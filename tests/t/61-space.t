#!/bin/sh
# A real full overlay: an image+overlay root whose upper layer is a small
# tmpfs (size=), mounted inside `unshare -m`. An install that does not fit
# is refused by the preflight with one line
#   cannot install X: needs N MiB on /overlay, M MiB free
# and nothing changes (files and database rows); when the preflight is fooled (another process
# fills the overlay after it: here the package's own preinst) the
# transaction fails and rolls back cleanly; the space that the filler took
# freed, the root is as before and the next install succeeds.
# Run alone with `prove -v tests/t/61-space.t` (as root).

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/crash.sh"
need_pkg
need_root "mounts a tmpfs inside unshare -m"
need_cmd unshare sqlite3
if [ -z "${PKG_IN_NS:-}" ]; then
	PKG_IN_NS=1 exec unshare -m sh "$0" "$@"
fi
mount --make-rprivate / 2>/dev/null
mk_tmp

R=$T/root
U=$R/overlay/upper
mk_image_root "$R"
op() { run "$PKG" -o "$R" "$@"; }
op update
op recover
[ "$RC" = 0 ] || { echo "1..0 # SKIP cannot prepare the image root"; exit 0; }

# Our own feed: "fill" fills the overlay from its preinst (after the
# preflight, before the commit), "small" fits.
F=$T/feed
mkdir -p "$F"
mk_key "$T/key"
install_key "$T/key.pub" "$U/etc/opkg/keys"
# (pkg looks for keys in the upper directory alone once it exists)
cp "$R/rom/etc/opkg/keys/"* "$U/etc/opkg/keys/"
mk_standin "$F" small 1.0-1 libc
S=$T/src
mkdir -p "$S/CONTROL" "$S/usr/share/fill"
printf 'Package: fill\nVersion: 1.0-1\nDepends: libc\nArchitecture: %s\nDescription: fills the overlay\n' \
	"$ARCH" >"$S/CONTROL/control"
printf '#!/bin/sh\nhead -c 64M /dev/zero >"$IPKG_INSTROOT/overlay/upper/filler" 2>/dev/null\nexit 0\n' \
	>"$S/CONTROL/preinst"
chmod 755 "$S/CONTROL/preinst"
head -c 20000 /dev/urandom >"$S/usr/share/fill/data"
SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$S" -o "$F" >/dev/null 2>&1
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1
mkdir -p "$U/etc"
cp "$R/rom/etc/opkg.conf" "$U/etc/opkg.conf"
echo "src/gz own file://$F" >>"$U/etc/opkg.conf"
op update
is "$RC" 0 "update with our own feed"
[ "$RC" = 0 ] || show_run

# ---- the upper layer on an 8 MiB tmpfs (the feed lists take 1.4) ----
mv "$U" "$U.disk"
mkdir "$U"
if ! mount -t tmpfs -o size=8m,mode=0755 pkg-overlay "$U"; then
	echo "1..0 # SKIP cannot mount a tmpfs"
	exit 0
fi
cp -a "$U.disk/." "$U/"
free_kib() { df -k --output=avail "$U" | tail -n 1 | tr -d ' '; }
diag "overlay: $(free_kib) KiB free of 8192 before filling"

# Leave about 100 KiB: nano (a 70 KiB archive) does not fit.
fill_to() { # fill_to KIB: leave about KIB KiB free
	rm -f "$U/.ballast"
	_f=$(free_kib)
	[ "$_f" -gt "$1" ] &&
		head -c $(((_f - $1) * 1024)) /dev/zero >"$U/.ballast" 2>/dev/null
	return 0
}
fill_to 100
crash_state "$R" >"$T/before"
op install nano
t_ok "install nano on a nearly full overlay: exit status != 0" test "$RC" -ne 0
like "$ERR" "^pkg: cannot install nano: needs [0-9.]+ MiB on /overlay, [0-9.]+ MiB free\$" \
	"refused by the preflight: 'cannot install nano: needs N MiB on /overlay, M MiB free'"
t_ok "one line on stderr" one_err_line
diag "stderr: $ERR"
crash_state "$R" >"$T/now"
t_ok "the root is unchanged" cmp -s "$T/before" "$T/now"
cmp -s "$T/before" "$T/now" || diff "$T/before" "$T/now" | head | sed 's/^/# /'
t_ok "no staging directory is left" test ! -e "$U/usr/lib/pkg/staging"

# ---- the preflight fooled: the overlay fills after it ----
fill_to 400
rm -f "$U/filler"
crash_state "$R" >"$T/before"
op --force-postinstall install fill
t_ok "the overlay filled up after the preflight: exit status != 0" \
	test "$RC" -ne 0
diag "stderr: $(tr '\n' '|' <"$T/err")"
t_ok "the filler really filled the overlay" test -s "$U/filler"
rm -f "$U/filler"
op list-installed
is "$RC" 0 "the next command runs"
[ -s "$T/err" ] && diag "next command: $ERR"
unlike "$OUT" "^fill " "fill is not installed"
crash_state "$R" >"$T/now"
t_ok "the root is as before (after the filler is gone)" \
	cmp -s "$T/before" "$T/now"
cmp -s "$T/before" "$T/now" || diff "$T/before" "$T/now" | head | sed 's/^/# /'
t_ok "no staging or temp files are left" sh -c \
	"! find '$R' -name '*.pkg-tmp.*' -o -name '*.pkg-bak~' -o -path '*/usr/lib/pkg/staging' | grep -q ."
is "$(sqlite3 "$U/usr/lib/pkg/pkg.db" 'PRAGMA integrity_check' 2>&1)" ok \
	"the database passes integrity_check"

# ---- with the space back, installs work ----
fill_to 400
op install small
is "$RC" 0 "install small (fits) exits 0"
[ "$RC" = 0 ] || show_run
t_ok "small's file is in the overlay" test -f "$U/usr/share/small/README"
rm -f "$U/.ballast"
umount "$U"

done_testing
