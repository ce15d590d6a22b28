#!/bin/sh
# Crash safety, the SQLite way: for every scenario, count the operations of
# the ops layer (PKG_FAULT=count on build/test/bin/pkg), then for every N
# crash at N (and fail the Nth with ENOSPC, then with EIO) on a fresh copy
# of the scenario's root; the next command (list-installed) must recover
# and leave the full "before" or the full "after" state: files, modes,
# symlinks, whiteouts, database rows, opkg status; integrity_check ok, no
# staging or temp files. An error before the commit point must fail the
# command with one line and leave "before".
# Run alone with `prove -v tests/t/60-crash.t` (CR_ONLY=name runs one;
# CR_FULL=1 adds the real nano with its two dependencies, ~3x longer).

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/crash.sh"
need_pkg
need_cmd sqlite3
[ -x "$PKG_FAULT_BIN" ] || { echo "Bail out! $PKG_FAULT_BIN not built (make builds it)"; exit 1; }
mk_tmp

# ---- our own signed feed ----
F=$T/feed
mkdir -p "$F" "$T/v1"
mk_key "$T/key"
crash_pkg foo 2.0-1 "$F" libc
crash_pkg bar 1.0-1 "$F" libc "echo configuring bar; exit 1"
crash_pkg foo 1.0-1 "$T/v1" libc
crash_pkg app 1.0-1 "$F" "libc, applib"
crash_pkg applib 1.0-1 "$F" libc
# OpenWrt's Alternatives: /usr/bin/alt links to the higher priority
crash_pkg alta 1.0-1 "$F" libc "" "Alternatives: 100:/usr/bin/alt:/usr/bin/alta"
crash_pkg altb 1.0-1 "$F" libc "" "Alternatives: 200:/usr/bin/alt:/usr/bin/altb"
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>"$T/index.err" ||
	diag "pkg-repo index failed: $(cat "$T/index.err")"
FOO1=$(ls "$T"/v1/foo_1.0-1_*.ipk)

p() { TMPDIR=$T "$PKG" -o "$@" >"$T/out" 2>"$T/err" </dev/null || {
	diag "setup: pkg -o $* failed: $(cat "$T/err")"; return 1; }; }

# ---- plain templates ----
P0=$T/tpl/plain
mkdir -p "$T/tpl"
mk_plain_root "$P0"
install_key "$T/key.pub" "$P0/etc/opkg/keys"
echo "src/gz own file://$F" >>"$P0/etc/opkg.conf"
p "$P0" update
p "$P0" recover
P_APP=$T/tpl/plain-app
cp -a "$P0" "$P_APP" && p "$P_APP" install app
if [ -n "${CR_FULL:-}" ]; then
	P_NANO=$T/tpl/plain-nano
	cp -a "$P0" "$P_NANO" && p "$P_NANO" install nano
fi
P_FOO1=$T/tpl/plain-foo1
cp -a "$P0" "$P_FOO1" && p "$P_FOO1" install "$FOO1"
P_EDIT=$T/tpl/plain-foo1-edited
cp -a "$P_FOO1" "$P_EDIT" && echo "	option local 1" >>"$P_EDIT/etc/foo.conf"
P_ALTA=$T/tpl/plain-alta
cp -a "$P0" "$P_ALTA" && p "$P_ALTA" install alta
P_ALTAB=$T/tpl/plain-altab
cp -a "$P_ALTA" "$P_ALTAB" && p "$P_ALTAB" install altb
t_ok "alternatives: with both, /usr/bin/alt -> the higher priority's" \
	test "$(readlink "$P_ALTAB/usr/bin/alt")" = /usr/bin/altb
P_ALTLOST=$T/tpl/plain-altab-lost
cp -a "$P_ALTAB" "$P_ALTLOST" && rm "$P_ALTLOST/usr/bin/alt"

# ---- image + overlay templates ----
I0=$T/tpl/image
mk_image_root "$I0"
p "$I0" update
p "$I0" recover
I_RM=$T/tpl/image-removed
cp -a "$I0" "$I_RM" && p "$I_RM" remove ca-bundle

CR_REPORT=
want() { [ -z "${CR_ONLY:-}" ] || [ "$CR_ONLY" = "$1" ]; }

# The conffile-keeping upgrade's "after": the edited file kept, the new
# one beside it as -opkg (the loops then accept only this or "before").
W=$T/check
cp -a "$P_EDIT" "$W" && p "$W" upgrade foo
t_ok "conffile-upgrade: the edited /etc/foo.conf is kept" \
	grep -q 'option local 1' "$W/etc/foo.conf"
t_ok "conffile-upgrade: the new one is /etc/foo.conf-opkg" \
	grep -q 'option version 2' "$W/etc/foo.conf-opkg"
rm -rf "$W"

want install-deps && crash_scenario install-deps "$P0" 0 install app
want upgrade && crash_scenario upgrade "$P_FOO1" 0 upgrade foo
want remove && crash_scenario remove "$P_APP" 0 remove --autoremove app
if [ -n "${CR_FULL:-}" ]; then # the real nano: 3 packages, 350 points
	want nano && crash_scenario install-nano "$P0" 0 install nano
	want nano && crash_scenario remove-nano "$P_NANO" 0 \
		remove --autoremove nano
fi
want conffile-upgrade && crash_scenario conffile-upgrade "$P_EDIT" 0 upgrade foo
# the link moves to the new provider, and back when it goes: steps of
# the same journal
want alt-install && crash_scenario alt-install "$P_ALTA" 0 install altb
want alt-remove && crash_scenario alt-remove "$P_ALTAB" 0 remove altb
# configure mends a link lost by hand: a transaction of its own
want alt-configure && crash_scenario alt-configure "$P_ALTLOST" 0 configure
want failing-postinst &&
	crash_scenario failing-postinst "$P0" 1 --force-postinstall install bar
want remove-image && crash_scenario remove-image "$I0" 0 remove ca-bundle
want restore-image && crash_scenario restore-image "$I_RM" 0 install ca-bundle
I_RC=$T/tpl/image-copies
cp -a "$I0" "$I_RC"
for f in etc/ssl/certs/ca-certificates.crt usr/share/terminfo/x/xterm \
	usr/share/terminfo/d/dumb usr/lib/libncursesw.so.6.4; do
	mkdir -p "$I_RC/overlay/upper/${f%/*}"
	cp -a "$I0/rom/$f" "$I_RC/overlay/upper/$f"
done
want reclaim && crash_scenario reclaim "$I_RC" 0 reclaim
diag "operations per scenario:$CR_REPORT"
is "${CR_MULTI_ALL:-0}" 0 "every failed run said why in one line"

done_testing
