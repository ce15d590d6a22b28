#!/bin/sh
# OpenWrt's Alternatives (issue 14, section 1), as opkg-lede keeps them:
# the real dropbear of 23.05.2 (100:/usr/bin/ssh and /usr/bin/scp ->
# /usr/sbin/dropbear), stand-ins built with `pkg-repo build` for the
# priorities, ties, the busybox fallback and a regular file in the way,
# on a plain offline root and on an offline image root (the image's link
# uncovered, not copied; an image link removed is a whiteout), then a
# crash at every step of two transactions that change links.
# What each case expects is what opkg-lede 38eccbb does on a copy of the
# same root (ties: its hash table walk, "c" before "ab"), except where a
# comment says pkg differs. The live-overlay twin is 43-live-alternatives.t.

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/crash.sh"
need_pkg
mk_tmp
export LC_ALL=C

# mk_alt OUTDIR NAME VERSION ALTERNATIVES [APPLET]: a stand-in with one
# file /usr/share/NAME/README and the Alternatives field (none when
# empty); APPLET: a symlink APPLET -> busybox in its files too.
mk_alt() {
	_s=$(mktemp -d "$T/src.XXXXXX") || return 1
	mkdir -p "$_s/CONTROL" "$_s/usr/share/$2"
	{
		echo "Package: $2"
		echo "Version: $3"
		[ -n "$4" ] && echo "Alternatives: $4"
		echo "Architecture: $ARCH"
		echo "Description: stand-in $2"
	} >"$_s/CONTROL/control"
	echo "$2 $3" >"$_s/usr/share/$2/README"
	if [ -n "${5:-}" ]; then
		mkdir -p "$_s/$(dirname "$5")"
		ln -s busybox "$_s/$5"
	fi
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" \
		>/dev/null 2>"$T/build.err"
	_rc=$?
	rm -rf "$_s"
	return $_rc
}

F=$T/feed
mkdir -p "$F"
mk_key "$T/key"
for _p in "a 1.0 100:/usr/bin/foo:/usr/share/a/README" \
	"b 1.0 200:/usr/bin/foo:/usr/share/b/README" \
	"c 1.0 100:/usr/bin/foo:/usr/share/c/README" \
	"ab 1.0 100:/usr/bin/foo:/usr/share/ab/README" \
	"ossh 1.0 200:/usr/bin/ssh:/usr/bin/ossh, 200:/usr/bin/scp:/usr/bin/oscp"; do
	# shellcheck disable=SC2086
	set -- $_p
	_n=$1 _v=$2
	shift 2
	mk_alt "$F" "$_n" "$_v" "$*" || { echo "Bail out! pkg-repo build"; exit 1; }
done
mk_alt "$F" busybox 1.0 "" usr/bin/foo || exit 1
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1 || exit 1

# newroot NAME: a plain root $R with the 23.05.2 feeds and ours.
newroot() {
	R=$T/$1
	mk_plain_root "$R"
	install_key "$T/key.pub" "$R/etc/opkg/keys"
	echo "src/gz own file://$F" >>"$R/etc/opkg.conf"
	op update
}
op() { run "$OPKG" -o "$R" "$@"; }
# lnk PATH: where PATH (in $R, or $1 given whole) links, "-" when absent,
# "file" when it is not a link.
lnk() {
	if [ -L "$R$1" ]; then readlink "$R$1"
	elif [ -e "$R$1" ]; then echo file
	else echo -; fi
}

# ---- the real dropbear ------------------------------------------------------
newroot plain
op install dropbear
is "$RC" 0 "install dropbear (the real 23.05.2 ipk) exits 0"
is "$(lnk /usr/bin/ssh):$(lnk /usr/bin/scp)" \
	"/usr/sbin/dropbear:/usr/sbin/dropbear" \
	"its Alternatives are links: /usr/bin/ssh and /usr/bin/scp -> /usr/sbin/dropbear"
is "$(grep '^Alternatives: ' "$R/usr/lib/opkg/info/dropbear.control")" \
	"Alternatives: 100:/usr/bin/scp:/usr/sbin/dropbear, 100:/usr/bin/ssh:/usr/sbin/dropbear" \
	"info/dropbear.control keeps the field as written"
is "$(sed -n '/^Package: dropbear$/,/^$/p' "$R/usr/lib/opkg/status" | grep '^Alternatives: ')" \
	"Alternatives: 100:/usr/bin/scp:/usr/sbin/dropbear, 100:/usr/bin/ssh:/usr/sbin/dropbear" \
	"...and so does its status stanza"
unlike "$(cat "$R/usr/lib/opkg/info/dropbear.list")" "/usr/bin/ssh" \
	"the links are not in dropbear's file list (opkg's neither)"
op install ossh
is "$RC:$(lnk /usr/bin/ssh):$(lnk /usr/bin/scp)" "0:/usr/bin/ossh:/usr/bin/oscp" \
	"a provider of priority 200 takes both paths over"
op remove ossh
is "$RC:$(lnk /usr/bin/ssh):$(lnk /usr/bin/scp)" \
	"0:/usr/sbin/dropbear:/usr/sbin/dropbear" \
	"...and gives them back to dropbear when it goes"
op remove dropbear
is "$RC:$(lnk /usr/bin/ssh):$(lnk /usr/bin/scp)" "0:-:-" \
	"remove dropbear: no provider left, the links go"
t_ok "the parent directory stays (other files are in it)" test -d "$R/usr/bin"

# ---- priorities --------------------------------------------------------------
newroot prio
op install a
is "$RC:$(lnk /usr/bin/foo)" "0:/usr/share/a/README" "one provider: its link"
op install b
is "$RC:$(lnk /usr/bin/foo)" "0:/usr/share/b/README" "two providers: the higher priority wins"
op remove b
is "$RC:$(lnk /usr/bin/foo)" "0:/usr/share/a/README" "the higher one removed: the other's link"
op install b
op remove a
is "$RC:$(lnk /usr/bin/foo)" "0:/usr/share/b/README" "the lower one removed: the link stays"
op remove b
is "$RC:$(lnk /usr/bin/foo)" "0:-" "both removed: no link"
is "$ERR" "" "...nothing said on stderr along the way"

# Ties: opkg-lede keeps the package it meets first in its hash table
# (djb2 of the name, 1024 buckets): "c" (bucket 520) before "ab" (808),
# whatever the order of installation or of the names.
op install ab
is "$(lnk /usr/bin/foo)" /usr/share/ab/README "tie: one provider alone has it"
op install c
is "$(lnk /usr/bin/foo)" /usr/share/c/README "tie: c installed after ab takes it (opkg-lede's walk)"
op remove ab
op install ab
is "$(lnk /usr/bin/foo)" /usr/share/c/README "tie: ab installed after c does not"
op remove ab c

# An upgrade that changes the target.
mkdir -p "$T/local"
mk_alt "$T/local" a 2.0 "100:/usr/bin/foo:/usr/share/a/NEW" || exit 1
op install a
op install "$T/local/a_2.0_$ARCH.ipk"
is "$RC:$(lnk /usr/bin/foo)" "0:/usr/share/a/NEW" "upgrade: the new version's target"
op remove a

# An alternative in the package manager's own state: the package installs
# (opkg only warns when a link cannot be made), the link is not made.
mk_alt "$T/local" evilalt 1.0 \
	"300:/usr/lib/pkg/pending-restore:/usr/share/evilalt/README, 300:/usr/lib/opkg/info/evil.list:/usr/share/evilalt/README" ||
	exit 1
op install "$T/local/evilalt_1.0_$ARCH.ipk"
is "$RC:$(lnk /usr/lib/pkg/pending-restore):$(lnk /usr/lib/opkg/info/evil.list)" \
	"0:-:-" "an alternative in usr/lib/pkg or opkg's info directory is not linked"
like "$ERR" "cannot link '/usr/lib/opkg/info/evil.list': it is in the package manager's own state" \
	"...and the warning says why"
op remove evilalt

# ---- busybox's fallback ---------------------------------------------------------
op install busybox
is "$(lnk /usr/bin/foo)" busybox "busybox's own applet link"
op install a
is "$(lnk /usr/bin/foo)" /usr/share/a/README "a provider replaces busybox's applet link"
op remove a
# opkg-lede does this on a device; with -o ROOT it compares busybox's
# list (prefixed with ROOT) with the bare path and removes the link.
is "$RC:$(lnk /usr/bin/foo)" "0:/bin/busybox" \
	"the last provider gone, busybox's file list holds the path: -> /bin/busybox"
op remove busybox
is "$RC:$(lnk /usr/bin/foo)" "0:-" "busybox removed: its link goes with it"

# ---- a regular file in the way ------------------------------------------------------
echo "mine" >"$R/usr/bin/foo"
op install a
is "$RC" 0 "a regular file at the path: install exits 0 (as opkg-lede)"
is "$ERR" "opkg: warning: alternatives: '/usr/bin/foo' exists but is not a symlink, left as it is" \
	"...says so in one line"
is "$(cat "$R/usr/bin/foo")" mine "...and leaves the file alone"
op remove a
# opkg-lede unlinks it here (no provider left); pkg never deletes what
# is not a link.
is "$RC:$(cat "$R/usr/bin/foo")" "0:mine" "remove: the file stays too"
rm "$R/usr/bin/foo"

# ---- configure puts every link back -----------------------------------------------------
op install a dropbear
rm "$R/usr/bin/foo"
ln -sf /elsewhere "$R/usr/bin/ssh"
op configure
is "$RC:$(lnk /usr/bin/foo):$(lnk /usr/bin/ssh)" \
	"0:/usr/share/a/README:/usr/sbin/dropbear" \
	"configure makes the missing link and mends the wrong one"
t_ok "...and leaves no staging behind" test ! -e "$R/usr/lib/pkg/staging"
op remove a dropbear

# ---- an offline image root: the image's links ------------------------------------------------
R=$T/img
U=$R/overlay/upper
mk_image_root "$R" || { echo "Bail out! image"; exit 1; }
rom_add_ipk "$R/rom" "$(fixture_ipk dropbear)" 1
# what opkg made in the image when it installed dropbear
ln -s /usr/sbin/dropbear "$R/rom/usr/bin/ssh"
ln -s /usr/sbin/dropbear "$R/rom/usr/bin/scp"
install_key "$T/key.pub" "$R/rom/etc/opkg/keys"
echo "src/gz own file://$F" >>"$R/rom/etc/opkg.conf"
op update
whiteout() { [ -c "$U$1" ] && [ "$(stat -c '%t:%T' "$U$1")" = "0:0" ]; }
op install ossh
is "$RC:$(lnk /overlay/upper/usr/bin/ssh)" "0:/usr/bin/ossh" \
	"image: a higher provider's link goes to the overlay"
op remove ossh
is "$RC:$(lnk /rom/usr/bin/ssh):$(lnk /overlay/upper/usr/bin/ssh)" \
	"0:/usr/sbin/dropbear:-" \
	"image: removed, the image's link shows again: uncovered, nothing in the overlay"
op remove dropbear
is "$RC" 0 "image: remove dropbear (an image package) exits 0"
t_ok "...whiteout at /usr/bin/ssh" whiteout /usr/bin/ssh
t_ok "...whiteout at /usr/bin/scp" whiteout /usr/bin/scp
op install dropbear
is "$RC" 0 "image: dropbear back from the image exits 0"
t_ok "...its links are the image's again (no whiteout, no copy)" \
	sh -c "! test -e '$U/usr/bin/ssh' && ! test -L '$U/usr/bin/ssh' && ! test -e '$U/usr/bin/scp'"
op audit
is "$RC" 0 "image: audit is clean after all that"

# ---- crashes ---------------------------------------------------------------------------
# install b over a (the link changes), remove the last provider with
# busybox there (the link becomes busybox's): a crash, ENOSPC or EIO at
# every step leaves the root as before or as after, links included.
newroot crash-ab
op install a
cp -a "$R" "$T/tpl-a"
crash_scenario alt-install "$T/tpl-a" 0 install b
newroot crash-bb
op install busybox a
cp -a "$R" "$T/tpl-bb"
crash_scenario alt-remove "$T/tpl-bb" 0 remove a
done_testing
