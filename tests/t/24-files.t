#!/bin/sh
# Who may write a file, as opkg decides it: arch priority between two
# builds of the same version, Replaces taking over another package's file
# (the database and the old package's .list follow), and an existing file
# that no package owns (refused unless --force-overwrite; an unowned
# conffile is kept, the new one goes to <file>-opkg; an image package's
# file is owned).

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_cmd sqlite3
mk_tmp

R=$T/root
F=$T/feed
DB=$R/usr/lib/pkg/pkg.db
mkdir -p "$F"
op() { run "$PKG" -o "$R" "$@"; }
sql() { sqlite3 "$DB" "$1"; }

# mkp NAME VERSION ARCH CONTROL-LINES FILE=CONTENT...: a package with those
# files; a FILE ending in "!" is a conffile.
mkp() {
	_s=$T/src.$1
	rm -rf "$_s"
	mkdir -p "$_s/CONTROL"
	printf 'Package: %s\nVersion: %s\nArchitecture: %s\n%bDescription: %s\n' \
		"$1" "$2" "$3" "$4" "$1" >"$_s/CONTROL/control"
	_n=$1
	shift 4
	for _fc in "$@"; do
		_f=${_fc%%=*}
		case $_f in *!)
			_f=${_f%!}
			echo "$_f" >>"$_s/CONTROL/conffiles" ;;
		esac
		mkdir -p "$_s$(dirname "$_f")"
		echo "${_fc#*=}" >"$_s$_f"
	done
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$F" \
		>/dev/null 2>"$T/build.err" || diag_file "$T/build.err"
}

mkp dup 1.0-1 all "" /usr/share/dup/which=all
mkp dup 1.0-1 "$ARCH" "" /usr/share/dup/which="$ARCH"
mkp newer 1.0-1 "$ARCH" "" /usr/share/newer/which="$ARCH"
mkp newer 2.0-1 all "" /usr/share/newer/which=all
mkp oldt 1.0-1 all "" /usr/bin/tool=oldt /usr/share/oldt/doc=oldt
mkp clash 1.0-1 all "" /usr/bin/tool=clash
mkp newt 1.0-1 all "Replaces: oldt\n" /usr/bin/tool=newt
mkp oldc 1.0-1 all "" /usr/bin/ctool=oldc /usr/share/oldc/doc=oldc
mkp newc 1.0-1 all "Replaces: oldc\nConflicts: oldc\n" /usr/bin/ctool=newc
mkp own 1.0-1 all "" /usr/bin/own=own /usr/share/own/doc=own \
	/etc/config/own!=pkg
mkp own2 1.0-1 all "" /usr/bin/own2=own2
mkp certs 1.0-1 all "" /etc/ssl/certs/ca-certificates.crt=certs
mkp imgx 1.0-1 all "" /usr/bin/imgextra=imgx
mk_key "$T/key"
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1

# own_root ROOT ETC: only the test feed, signed by the test key.
own_root() {
	install_key "$T/key.pub" "$2/opkg/keys"
	grep -v '^src' "$2/opkg.conf" >"$T/conf"
	echo "src own file://$F" >>"$T/conf"
	cp "$T/conf" "$2/opkg.conf"
}
mk_plain_root "$R"
own_root "$R" "$R/etc"
op update
is "$RC" 0 "update"

# ---- arch priority ----------------------------------------------------
op install dup
is "$RC" 0 "install dup (1.0-1 in all and in $ARCH)"
is "$(cat "$R/usr/share/dup/which" 2>/dev/null)" "$ARCH" \
	"the same version: the higher-priority arch $ARCH is installed"
is "$(sql "SELECT arch FROM packages WHERE name='dup'")" "$ARCH" \
	"the database records arch $ARCH"
op install newer
is "$(cat "$R/usr/share/newer/which" 2>/dev/null)" "all" \
	"a newer version in the lower-priority arch still wins"
op remove dup
op install "$F"/dup_1.0-1_all.ipk
is "$(cat "$R/usr/share/dup/which" 2>/dev/null)" all \
	"a local file installs in the arch it has"
op upgrade
is "$RC" 0 "upgrade exits 0"
is "$(cat "$R/usr/share/dup/which" 2>/dev/null)" all \
	"upgrade never swaps a package for the same version in a better arch"
unlike "$OUT" "Upgrading dup" "...and says nothing of dup"

# ---- Replaces ---------------------------------------------------------
op install oldt
is "$RC" 0 "install oldt"
snap "$R" >"$T/before"
op install clash
t_ok "clash (no Replaces) over oldt's file: refused" test "$RC" -ne 0
like "$ERR" "'/usr/bin/tool' belongs to oldt" "the message names file and owner"
t_ok "one line on stderr" one_err_line
snap "$R" >"$T/after"
t_ok "nothing changed on disk" cmp -s "$T/before" "$T/after"
op install newt
is "$RC" 0 "newt (Replaces: oldt) installs over oldt's file"
[ "$RC" = 0 ] || show_run
is "$(cat "$R/usr/bin/tool")" "newt" "the file is newt's"
is "$(sql "SELECT package FROM files WHERE path='usr/bin/tool'")" "newt" \
	"the database: newt owns it, oldt no longer"
op search /usr/bin/tool
is "$OUT" "newt - 1.0-1" "search names newt only"
t_nok "info/oldt.list no longer lists it" \
	grep -qx /usr/bin/tool "$R/usr/lib/opkg/info/oldt.list"
t_ok "info/oldt.list keeps oldt's other file" \
	grep -qx /usr/share/oldt/doc "$R/usr/lib/opkg/info/oldt.list"
t_ok "info/newt.list lists it" \
	grep -qx /usr/bin/tool "$R/usr/lib/opkg/info/newt.list"
op list-installed
like "$OUT" "oldt - 1.0-1" "oldt stays installed (Replaces without Conflicts)"
op remove oldt
is "$RC" 0 "remove oldt"
is "$(cat "$R/usr/bin/tool" 2>/dev/null)" "newt" \
	"removing oldt leaves newt's file alone"
t_nok "oldt's other file is removed" test -e "$R/usr/share/oldt/doc"

op install oldc
op install newc
is "$RC" 0 "newc (Replaces and Conflicts: oldc) installs"
[ "$RC" = 0 ] || show_run
is "$(cat "$R/usr/bin/ctool" 2>/dev/null)" "newc" "the file is newc's"
op list-installed
unlike "$OUT" "oldc" "oldc is removed"
t_nok "oldc's other file is removed" test -e "$R/usr/share/oldc/doc"
is "$(sql "SELECT group_concat(package) FROM files WHERE path='usr/bin/ctool'")" \
	"newc" "the database: newc owns it"

# ---- a file no package owns -------------------------------------------
echo mine >"$R/usr/bin/own"
snap "$R" >"$T/before"
op install own
t_ok "an existing file no package owns: refused" test "$RC" -ne 0
like "$ERR" "'/usr/bin/own'.*no package.*--force-overwrite" \
	"the message names the file and --force-overwrite"
t_ok "one line on stderr" one_err_line
snap "$R" >"$T/after"
t_ok "nothing changed on disk" cmp -s "$T/before" "$T/after"
echo own >"$R/usr/bin/own"
op install own
t_ok "the same content is refused too (opkg has no exception)" \
	test "$RC" -ne 0
rm "$R/usr/bin/own"
mkdir -p "$R/usr/share/own" "$R/etc/config"
echo mine >"$R/etc/config/own"
op install own
is "$RC" 0 "an unowned directory and an unowned conffile do not block"
[ "$RC" = 0 ] || show_run
is "$(cat "$R/etc/config/own")" "mine" "the unowned conffile is kept"
is "$(cat "$R/etc/config/own-opkg" 2>/dev/null)" "pkg" \
	"the package's conffile is written as own-opkg"
echo mine >"$R/usr/bin/own2"
op --force-overwrite install own2
is "$RC" 0 "--force-overwrite installs over an unowned file"
is "$(cat "$R/usr/bin/own2")" "own2" "the file is the package's"

# ---- image + overlay: image files belong to image packages ------------
I=$T/image
mk_image_root "$I"
own_root "$I" "$I/rom/etc"
mkdir -p "$I/rom/usr/bin"
echo img >"$I/rom/usr/bin/imgextra"
iop() { run "$PKG" -o "$I" "$@"; }
iop update
iop install certs
t_ok "a file of image package ca-bundle: refused" test "$RC" -ne 0
like "$ERR" "belongs to ca-bundle" "it belongs to ca-bundle, not to no package"
iop install imgx
t_ok "a file in the image that no package owns: refused" test "$RC" -ne 0
like "$ERR" "'/usr/bin/imgextra'.*no package" "the message says no package"

done_testing
