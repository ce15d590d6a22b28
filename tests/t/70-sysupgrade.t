#!/bin/sh
# Sysupgrade continuity, the full cycle on offline image roots: image v1
# (real fixture ipks) + a signed feed served by nginx; the user installs
# packages (with dependencies), edits a conffile and removes an image
# package; `pkg backup -b` saves what sysupgrade keeps. Image v2 has newer
# versions, a package renamed through Provides/Replaces (and a library
# renamed under a dependency), one package dropped from the feed and one
# user package now in the image. A fresh empty overlay gets the backup
# restored with plain `tar xzf` (as preinit does), then the boot hook runs.
# Repeated with the feed down at first boot, with a crash injected in the
# middle of the reinstall, with bad saved lists, and (as root) on a real
# squashfs image under a real overlayfs mount.
# Run alone with `prove tests/t/70-sysupgrade.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_cmd nginx
mk_tmp
HOOK=$(cd "$(dirname "$0")/../../hooks" && pwd)
export PKG_NET_DELAY=0 PKG_NET_ATTEMPTS=2

# ---- the feeds: v1 and v2 ----
W=$T/www
mkdir -p "$W/v1" "$W/v2"
cp "$(fixture_ipk nano)" "$W/v1/"
cp "$(fixture_ipk nano)" "$W/v2/"
NL='
'
mk_standin "$W/v1" hello 1.0-1 "libc, libfoo1.1"
mk_standin "$W/v1" libfoo1.1 1.0-1 libc
mk_standin "$W/v1" oldtool 1.0-1 libc
mk_standin "$W/v1" vanished 1.0-1 libc
mk_standin "$W/v1" extra 1.0-1 libc
mk_standin "$W/v2" hello 2.0-1 "libc, libfoo3"
mk_standin "$W/v2" libfoo3 3.0-1 libc "Provides: libfoo1.1${NL}Replaces: libfoo1.1"
mk_standin "$W/v2" newtool 2.0-1 libc "Provides: oldtool${NL}Replaces: oldtool"
mk_standin "$W/v2" extra 2.0-1 libc
# mk_cfgpkg OUTDIR VERSION: a package with the conffile /etc/config/cfgpkg
mk_cfgpkg() {
	_s=$(mktemp -d "$T/src.XXXXXX")
	mkdir -p "$_s/CONTROL" "$_s/etc/config"
	printf 'Package: cfgpkg\nVersion: %s\nDepends: libc\nArchitecture: %s\nDescription: stand-in with a conffile\n' \
		"$2" "$ARCH" >"$_s/CONTROL/control"
	echo /etc/config/cfgpkg >"$_s/CONTROL/conffiles"
	printf "config cfgpkg 'main'\n\toption version '%s'\n" "$2" \
		>"$_s/etc/config/cfgpkg"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" >/dev/null
	rm -rf "$_s"
}
mk_cfgpkg "$W/v1" 1.0-1
mk_cfgpkg "$W/v2" 1.1-1
mk_key "$T/key"
for v in v1 v2; do
	"$PKG_REPO" index "$W/$v" --sign "$T/key" >/dev/null 2>"$T/index.err" ||
		diag "pkg-repo index $v: $(cat "$T/index.err")"
done
if ! start_nginx "$W"; then
	command -v nginx >/dev/null 2>&1 || { echo "1..0 # SKIP nginx is not installed"; exit 0; }
	echo "Bail out! nginx is installed but does not start: $(tail -n 1 "$T/nginx/error.log" 2>/dev/null)"
	exit 1
fi
URL=http://127.0.0.1:$NGINX_PORT

# image_root DIR FEED: an image root (mk_image_root) whose opkg.conf names
# our feed, with sysupgrade's keep lists and pkg's keep.d file.
image_root() {
	mk_image_root "$1" || return 1
	install_key "$T/key.pub" "$1/rom/etc/opkg/keys"
	_c=$1/rom/etc/opkg.conf
	grep -v '^src' "$_c" >"$_c.new" && mv "$_c.new" "$_c"
	echo "src/gz web $URL/$2" >>"$_c"
	mkdir -p "$1/rom/lib/upgrade/keep.d" "$1/rom/etc/config"
	cp "$HOOK/keep.d/pkg" "$1/rom/lib/upgrade/keep.d/pkg"
	printf '/etc/config/\n/etc/passwd\n' >"$1/rom/lib/upgrade/keep.d/base-files"
	printf "config system\n\toption hostname 'OpenWrt'\n" \
		>"$1/rom/etc/config/system"
	printf '## kept across upgrades\n/etc/myscript.sh\n\n' \
		>"$1/rom/etc/sysupgrade.conf"
}
# v2_root DIR: image v2 (extra 2.0-1 now in the image), empty overlay.
v2_root() {
	image_root "$1" v2 &&
		rom_add_ipk "$1/rom" "$(echo "$W"/v2/extra_2.0-1_*.ipk)" 0
}

# ---- image v1: the user's system ----
R1=$T/r1
U1=$R1/overlay/upper
image_root "$R1" v1
op() { run "$PKG" -o "$R1" "$@"; }
# backup, export and post-upgrade parse their own options (CMD_OWNOPTS):
# global options go before the command word for them.
op update
op install nano hello oldtool vanished extra cfgpkg
is "$RC" 0 "v1: install nano hello oldtool vanished extra cfgpkg"
[ "$RC" = 0 ] || show_run
op remove ca-bundle
is "$RC" 0 "v1: remove the image package ca-bundle"
printf "config cfgpkg 'main'\n\toption edited 'by the user'\n" \
	>"$U1/etc/config/cfgpkg"
echo 'echo mine' >"$U1/etc/myscript.sh"
printf "config system\n\toption hostname 'OpenWrt'\n" >"$U1/etc/config/system"

is "$(grep -v '^image' "$U1/etc/pkg/world")" "# pkg world: what the user asked for (docs/sysupgrade.md)
format	1
arch	$ARCH
removed	ca-bundle	20230311-1
user	cfgpkg	1.0-1
user	extra	1.0-1
user	hello	1.0-1
dep	libfoo1.1	1.0-1
user	nano	7.2-2
user	oldtool	1.0-1
user	vanished	1.0-1" "the world file: user packages, a dependency, the removed image package"
like "$(cat "$U1/etc/backup/installed_packages.txt")" "^hello	overlay$" \
	"installed_packages.txt in sysupgrade -k's format"

op export --imagebuilder
is "$OUT" 'PACKAGES="-ca-bundle cfgpkg extra hello nano oldtool vanished"' \
	"export --imagebuilder"

op backup -l
is "$RC" 0 "backup -l exits 0"
is "$OUT" "/etc/config/cfgpkg
/etc/config/system
/etc/myscript.sh
/etc/backup/installed_packages.txt
/etc/pkg/world" "backup -l: keep.d, sysupgrade.conf, changed conffile, package lists"
op backup -l -u
is "$OUT" "/etc/config/cfgpkg
/etc/myscript.sh
/etc/backup/installed_packages.txt
/etc/pkg/world" "backup -l -u leaves out a file identical to the image's"

op backup -b "$T/backup.tar.gz"
is "$RC" 0 "backup -b exits 0"
[ "$RC" = 0 ] || show_run
is "$(tar -tzf "$T/backup.tar.gz" 2>&1 | sort | tr '\n' ' ')" \
	"etc/backup/installed_packages.txt etc/config/cfgpkg etc/config/system etc/myscript.sh etc/pkg/world " \
	"the archive holds relative paths, as sysupgrade's does"

# ---- image v2: restore as preinit does, run the boot hook ----
# check_cycle DIR WHAT: the state after a completed post-upgrade.
check_cycle() {
	_u=$1/overlay/upper
	run "$PKG" -o "$1" list-installed
	is "$OUT" "cfgpkg - 1.1-1
extra - 2.0-1
hello - 2.0-1
libc - 1.2.4-4
libfoo3 - 3.0-1
libgcc1 - 13.1.0-4
libncurses6 - 6.4-2
nano - 7.2-2
newtool - 2.0-1
openwrt-keyring - 2022-03-25-62471e69-2
terminfo - 6.4-2
zlib - 1.2.13-1" "$2: user packages back at the v2 feed's versions, oldtool as newtool, libfoo3 for hello, no ca-bundle, no vanished"
	run "$PKG" -o "$1" post-upgrade --status
	like "$OUT" "^post-upgrade: done" "$2: --status says done"
	like "$OUT" "^renamed	oldtool	newtool 2.0-1$" \
		"$2: the report names the rename"
	like "$OUT" "^missing	vanished	" "$2: the report names the dropped package"
	like "$OUT" "^in-image	extra	2.0-1$" \
		"$2: the report says extra comes with the image"
	t_ok "$2: ca-bundle stays removed (whiteout)" \
		test -c "$_u/etc/ssl/certs/ca-certificates.crt"
	t_ok "$2: extra is not copied into the overlay" \
		test ! -e "$_u/usr/share/extra/README"
	t_ok "$2: no image library copied into the overlay" \
		test ! -e "$_u/usr/lib/libncursesw.so.6.4"
	is "$(cat "$_u/usr/share/hello/README" 2>/dev/null)" "hello 2.0-1" \
		"$2: hello's file is v2's"
	is "$(cat "$_u/etc/myscript.sh" 2>/dev/null)" "echo mine" \
		"$2: a sysupgrade.conf file came back"
	like "$(cat "$_u/etc/config/cfgpkg" 2>/dev/null)" "by the user" \
		"$2: the edited conffile kept its content"
	like "$(cat "$_u/etc/pkg/world")" "user	newtool	2.0-1" \
		"$2: the world file now names newtool"
}

R2=$T/r2
v2_root "$R2"
tar -xzf "$T/backup.tar.gz" -C "$R2/overlay/upper"
run "$PKG" -o "$R2" post-upgrade --dry-run
is "$RC" 0 "post-upgrade --dry-run exits 0"
like "$OUT" "Installing hello \(2\.0-1\)" "--dry-run shows the plan"
t_ok "--dry-run installs nothing" test ! -e "$R2/overlay/upper/usr/bin/nano"
PKG=$PKG run sh "$HOOK/pkg-boot.sh" "$R2"
is "$RC" 0 "the boot hook exits 0"
[ "$RC" = 0 ] || show_run
check_cycle "$R2" "upgrade"
is "$(cat "$R2/overlay/upper/tmp/pkg-post-upgrade.txt" 2>/dev/null | head -n 1 | cut -c1-19)" \
	"post-upgrade: done " "the report file is in the root's tmp/"
run "$PKG" -o "$R2" post-upgrade --status --json
like "$OUT" '^\{"state":"done","image":"[0-9a-f]{64}","time":[0-9]+,"items":\[' \
	"--status --json"

snap "$R2" >"$T/s1"
PKG=$PKG run sh "$HOOK/pkg-boot.sh" "$R2"
is "$RC" 0 "a second boot: exit 0"
like "$ERR" "already done" "a second boot: already done"
snap "$R2" >"$T/s2"
t_ok "a second boot changes nothing" cmp -s "$T/s1" "$T/s2"
run "$PKG" -o "$R2" post-upgrade --force
is "$RC" 0 "post-upgrade --force on a finished system exits 0"
run "$PKG" -o "$R2" list-installed
is "$(echo "$OUT" | wc -l)" 12 "...and installs nothing more"

# ---- the feed is unreachable at first boot, up at the next ----
R3=$T/r3
v2_root "$R3"
tar -xzf "$T/backup.tar.gz" -C "$R3/overlay/upper"
C3=$R3/rom/etc/opkg.conf
cp "$C3" "$T/c3"
sed -i "s|$URL|http://127.0.0.1:1|" "$C3" # nothing listens: refused
PKG=$PKG run sh "$HOOK/pkg-boot.sh" "$R3"
t_ok "feed down: the boot hook exits != 0" test "$RC" -ne 0
like "$ERR" "unreachable after 2 attempts" "feed down: gives up after the bounded retries"
run "$PKG" -o "$R3" post-upgrade --status
like "$OUT" "^post-upgrade: pending" "feed down: --status says pending"
t_ok "feed down: nothing installed" test ! -e "$R3/overlay/upper/usr/bin/nano"
cp "$T/c3" "$C3"
PKG=$PKG run sh "$HOOK/pkg-boot.sh" "$R3"
is "$RC" 0 "feed up at the next boot: exit 0"
[ "$RC" = 0 ] || show_run
check_cycle "$R3" "feed down, then up"

# ---- a crash in the middle of the reinstall ----
R4=$T/r4
v2_root "$R4"
tar -xzf "$T/backup.tar.gz" -C "$R4/overlay/upper"
cp -a "$R4" "$T/r4.fresh"
PKG_FAULT=count "$PKG_FAULT_BIN" -o "$T/r4.fresh" post-upgrade \
	>/dev/null 2>"$T/count.err"
n=$(sed -n 's/^pkg-fault: \([0-9]*\) operations.*/\1/p' "$T/count.err")
diag "post-upgrade does ${n:-?} filesystem operations"
n=${n:-40}
rm -rf "$T/r4.fresh"
PKG_FAULT=crash@$((n * 2 / 3)) "$PKG_FAULT_BIN" -o "$R4" post-upgrade \
	>"$T/out" 2>"$T/err"
is "$?" 99 "crash injected during the reinstall"
PKG=$PKG run sh "$HOOK/pkg-boot.sh" "$R4"
is "$RC" 0 "the next boot completes it"
[ "$RC" = 0 ] || show_run
check_cycle "$R4" "after a crash"
t_ok "no staging or temp files left" \
	sh -c "! find '$R4/overlay/upper' -name '*.pkg-tmp.*' -o -name '*.pkg-bak~' | grep -q ."

# A crash at every step of the way (a sample of N): the next boot always
# ends in the same state.
run "$PKG" -o "$R4" list-installed
want=$OUT
step=$((n / 12 + 1))
i=1
bad=
while [ "$i" -le "$n" ]; do
	rm -rf "$T/rc"
	v2_root "$T/rc" && tar -xzf "$T/backup.tar.gz" -C "$T/rc/overlay/upper"
	PKG_FAULT=crash@$i "$PKG_FAULT_BIN" -o "$T/rc" post-upgrade \
		>/dev/null 2>&1
	"$PKG" -o "$T/rc" post-upgrade >/dev/null 2>"$T/err" ||
		bad="$bad $i(rc)"
	got=$("$PKG" -o "$T/rc" list-installed 2>/dev/null)
	[ "$got" = "$want" ] || bad="$bad $i"
	i=$((i + step))
done
is "$bad" "" "crash at every ${step}th operation of $n: the next run completes"

# ---- bad input ----
R5=$T/r5
v2_root "$R5"
mkdir -p "$R5/overlay/upper/etc/backup"
printf 'nano\toverlay\r\n\r\nfoo bar\toverlay\nnosuchpkg\toverlay\nhello\tsomewhere\n\nhello\n' \
	>"$R5/overlay/upper/etc/backup/installed_packages.txt"
run "$PKG" -o "$R5" post-upgrade
is "$RC" 0 "a hand-edited installed_packages.txt: the rest is processed"
[ "$RC" = 0 ] || show_run
like "$ERR" "installed_packages.txt:3: package name with spaces: 'foo bar" \
	"a name with spaces is reported with its line"
like "$ERR" "installed_packages.txt:5: expected rom, overlay or unknown" \
	"a bad second field is reported with its line"
like "$OUT" "^missing	nosuchpkg	" "an unknown name is reported"
run "$PKG" -o "$R5" list-installed
like "$OUT" "^nano - 7.2-2$" "nano (CRLF line) is installed"
like "$OUT" "^hello - 2.0-1$" "hello (a bare name) is installed"

R6=$T/r6
v2_root "$R6"
tar -xzf "$T/backup.tar.gz" -C "$R6/overlay/upper"
sed -i "s/^arch	.*/arch	mips_24kc/" "$R6/overlay/upper/etc/pkg/world"
snap "$R6/overlay/upper" >"$T/a1"
run "$PKG" -o "$R6" post-upgrade
t_ok "lists of another architecture: exit != 0" test "$RC" -ne 0
like "$ERR" "architecture 'mips_24kc'.*refusing" "...refused with a clear message"
t_ok "...and nothing installed" test ! -e "$R6/overlay/upper/usr/bin/nano"

mkdir -p "$T/evil/etc"
echo pwned >"$T/evil/etc/x"
python3 - "$T/evil.tar.gz" "$T/evil/etc/x" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    t.add(sys.argv[2], arcname="etc/ok")
    t.add(sys.argv[2], arcname="../../escaped")
EOF
snap "$R6" >"$T/b1"
run "$PKG" -o "$R6" backup -r "$T/evil.tar.gz"
t_ok "a backup with a path escaping the root: refused" test "$RC" -ne 0
like "$ERR" "refusing backup .*'\.\./\.\./escaped'" "...naming the entry"
snap "$R6" >"$T/b2"
t_ok "...and nothing written" cmp -s "$T/b1" "$T/b2"
run "$PKG" -o "$R6" backup -r "$T/backup.tar.gz"
is "$RC" 0 "backup -r of a good archive exits 0"
is "$(cat "$R6/overlay/upper/etc/myscript.sh" 2>/dev/null)" "echo mine" \
	"...and restores its files"

# ---- the same cycle on a real squashfs image under a real overlayfs ----
# live DIR SQFS CMD: mount SQFS (squashfs, loop) at DIR/rom and the overlay
# of DIR/rom + DIR/overlay/upper at $M, run the shell command CMD there,
# in a private mount namespace.
M=$T/merged
live() {
	mkdir -p "$1/rom" "$1/overlay/upper" "$1/overlay/work" "$M"
	unshare -m sh -c "mount -t squashfs -o loop,ro '$2' '$1/rom' &&
		mount -t overlay overlay -o lowerdir='$1/rom',upperdir='$1/overlay/upper',workdir='$1/overlay/work' '$M' &&
		$3"
}
# squash DIR: DIR/rom becomes DIR.sqfs; DIR/rom stays as the mount point.
squash() {
	mksquashfs "$1/rom" "$1.sqfs" -noappend -quiet -all-root >/dev/null 2>&1 &&
		rm -rf "$1/rom" && mkdir "$1/rom"
}
LIVE_N=17
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 ||
	! command -v mksquashfs >/dev/null 2>&1; then
	skip $LIVE_N "needs root, unshare and mksquashfs for real mounts"
else
	L1=$T/live1
	L2=$T/live2
	image_root "$L1" v1 && squash "$L1"
	if ! live "$L1" "$L1.sqfs" true 2>"$T/err"; then
		skip $LIVE_N "squashfs or overlayfs mounts unavailable: $(cat "$T/err")"
	else
		P="PKG_NET_DELAY=0 '$PKG' -o '$M'"
		live "$L1" "$L1.sqfs" "$P update && $P install nano hello oldtool vanished extra cfgpkg && $P remove ca-bundle &&
			printf \"config cfgpkg 'main'\\n\\toption edited 'live'\\n\" >'$M/etc/config/cfgpkg' &&
			echo 'echo live' >'$M/etc/myscript.sh' &&
			$P backup -b '$T/live.tar.gz'" >"$T/out" 2>"$T/err"
		is "$?" 0 "live v1 (squashfs + overlayfs): install, remove, backup -b"
		[ -s "$T/live.tar.gz" ] || show_run
		v2_root "$L2" && squash "$L2"
		live "$L2" "$L2.sqfs" "tar -C '$M' -xzf '$T/live.tar.gz' &&
			PKG='$PKG' sh '$HOOK/pkg-boot.sh' '$M'" >"$T/out" 2>"$T/err"
		is "$?" 0 "live v2: restore through the mount, the boot hook exits 0"
		live "$L2" "$L2.sqfs" "$P list-installed" >"$T/out" 2>&1
		is "$(cat "$T/out")" "cfgpkg - 1.1-1
extra - 2.0-1
hello - 2.0-1
libc - 1.2.4-4
libfoo3 - 3.0-1
libgcc1 - 13.1.0-4
libncurses6 - 6.4-2
nano - 7.2-2
newtool - 2.0-1
openwrt-keyring - 2022-03-25-62471e69-2
terminfo - 6.4-2
zlib - 1.2.13-1" "live v2: the user's packages are back"
		live "$L2" "$L2.sqfs" "$P post-upgrade --status" >"$T/out" 2>&1
		like "$(cat "$T/out")" "^renamed	oldtool	newtool 2.0-1$" "live v2: renamed"
		like "$(cat "$T/out")" "^missing	vanished	" "live v2: dropped one reported"
		like "$(cat "$T/out")" "^in-image	extra	2.0-1$" "live v2: image's own skipped"
		t_ok "live v2: ca-bundle hidden in the merged view" \
			live "$L2" "$L2.sqfs" "test ! -e '$M/etc/ssl/certs/ca-certificates.crt' && test -f '$L2/rom/etc/ssl/certs/ca-certificates.crt'"
		t_ok "live v2: nano runs from the overlay, its libraries from the image" \
			live "$L2" "$L2.sqfs" "test -x '$M/usr/bin/nano' && test -f '$M/usr/lib/libncursesw.so.6.4' && test ! -e '$L2/overlay/upper/usr/lib/libncursesw.so.6.4'"
		t_ok "live v2: extra comes from the image, not copied up" \
			live "$L2" "$L2.sqfs" "test -f '$M/usr/share/extra/README' && test ! -e '$L2/overlay/upper/usr/share/extra'"
		is "$(live "$L2" "$L2.sqfs" "cat '$M/usr/share/hello/README'")" \
			"hello 2.0-1" "live v2: hello at v2's version"
		is "$(live "$L2" "$L2.sqfs" "cat '$M/etc/myscript.sh'")" "echo live" \
			"live v2: sysupgrade.conf's file restored"
		like "$(live "$L2" "$L2.sqfs" "cat '$M/etc/config/cfgpkg'")" "live" \
			"live v2: the edited conffile kept its content"
		snap "$L2/overlay/upper" >"$T/l1"
		live "$L2" "$L2.sqfs" "PKG='$PKG' sh '$HOOK/pkg-boot.sh' '$M'" \
			>"$T/out" 2>"$T/err"
		is "$?" 0 "live v2: a second boot exits 0"
		like "$(cat "$T/err")" "already done" "live v2: ...already done"
		snap "$L2/overlay/upper" >"$T/l2"
		t_ok "live v2: ...and changes nothing" cmp -s "$T/l1" "$T/l2"
		is "$(sed -n 's/^image	//p' "$L2/overlay/upper/etc/pkg/world")" \
			"$(unsquashfs -cat "$L2.sqfs" usr/lib/opkg/status 2>/dev/null |
				sha256sum | cut -d' ' -f1)" \
			"live v2: the world names the image by its status' SHA-256"
		t_ok "live v2: the image is untouched (read-only squashfs)" \
			live "$L2" "$L2.sqfs" "test ! -e '$L2/rom/usr/bin/nano'"
	fi
fi

done_testing
