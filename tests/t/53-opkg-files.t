#!/bin/sh
# opkg's semantics for files on disk (issue 14, section 4): who owns a
# file after --force-overwrite, after a package that Replaces (and
# Conflicts with) another takes it over, archive members with long names,
# symlinks to directories, a symlink against a real directory, and
# "lib -> lib64". Each scenario is one of opkg's own regression tests
# (Yocto's opkg) or was run with OpenWrt's opkg (opkg-lede 38eccbb) on a
# copy of the same root (docs/opkg-behaviour.md says where it differs).
# Run alone with `prove tests/t/53-opkg-files.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp
export LC_ALL=C

mk_key "$T/key"
# newroot NAME: a plain root $R with our signed feed $F (empty).
newroot() {
	R=$T/$1
	F=$T/$1-feed
	mk_plain_root "$R"
	mkdir -p "$F"
	install_key "$T/key.pub" "$R/etc/opkg/keys"
	echo "src/gz own file://$F" >>"$R/etc/opkg.conf"
}
reindex() {
	"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1
	op update
}
op() { run "$OPKG" -o "$R" "$@"; }
installed() { "$OPKG" -o "$R" list-installed | grep -v '^libc \|^libgcc1 '; }
# files NAME: the paths `files` lists, root-relative, sorted.
files() {
	"$OPKG" -o "$R" files "$1" | sed 1d | sed "s|^$(cd "$R" && pwd -P)||" | sort
}
# mk_tree OUTDIR NAME VERSION EXTRA-CONTROL SRCDIR: a package of SRCDIR.
mk_tree() {
	_s=$(mktemp -d "$T/src.XXXXXX") || return 1
	cp -a "$5/." "$_s/"
	mkdir -p "$_s/CONTROL"
	printf 'Package: %s\nVersion: %s\nArchitecture: %s\nDescription: %s\n' \
		"$2" "$3" "$ARCH" "$2" >"$_s/CONTROL/control"
	[ -n "$4" ] && printf '%s\n' "$4" >>"$_s/CONTROL/control"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" \
		>/dev/null 2>"$T/build.err"
	_rc=$?
	rm -rf "$_s"
	return $_rc
}
# tree DIR PATH=CONTENT...: files under a fresh DIR.
tree() {
	_d=$1
	shift
	rm -rf "$_d"
	mkdir -p "$_d"
	for _e in "$@"; do
		mkdir -p "$_d/$(dirname "${_e%%=*}")"
		echo "${_e#*=}" >"$_d/${_e%%=*}"
	done
}

# ---- --force-overwrite: the file moves to the new package ------------------
newroot ow
tree "$T/a" usr/share/x/f=a usr/share/x/g=a
tree "$T/b" usr/share/x/f=b
mk_tree "$F" a 1.0 "" "$T/a"
mk_tree "$F" b 1.0 "" "$T/b"
reindex
op install a
op install b
is "$RC" 255 "install b over a's file: refused"
like "$ERR" "'/usr/share/x/f' belongs to a" "... naming the owner"
op --force-overwrite install b
is "$RC" 0 "--force-overwrite install b"
is "$(cat "$R/usr/share/x/f")" "b" "... b's file is there"
is "$(files b)" "/usr/share/x/f" "files b: the file"
is "$(files a)" "/usr/share/x/g" "files a: not that file any more (opkg-lede too)"
is "$(grep -c 'usr/share/x/f' "$R/usr/lib/opkg/info/a.list")" 0 \
	"... nor in a.list"
op remove a
is "$(cat "$R/usr/share/x/f")" "b" "remove a leaves b's file"

# ---- Replaces/Conflicts: the new package takes the file over ---------------
# a 1.0 has f; a 2.0 has no file and depends on b, which Replaces and
# Conflicts with a (<< 2.0) and has f.
newroot rep
tree "$T/a1" usr/share/x/f=a
mkdir -p "$T/empty"
tree "$T/b" usr/share/x/f=b
mk_tree "$F" a 1.0 "" "$T/a1"
reindex
op install a
mk_tree "$F" a 2.0 "Depends: b" "$T/empty"
mk_tree "$F" b 2.0 "Replaces: a (<< 2.0)
Conflicts: a (<< 2.0)" "$T/b"
reindex
op upgrade a
is "$RC" 0 "upgrade a (2.0 depends on b, which Replaces/Conflicts a << 2.0)"
is "$(installed)" "a - 2.0
b - 2.0" "... a is upgraded, not replaced by b (as opkg-lede)"
is "$(cat "$R/usr/share/x/f")" "b" "... the file stays, b's"
is "$(files b):$(files a)" "/usr/share/x/f:" "... owned by b alone"
is "$(awk '/^Package: a$/ { p = 1 } p && /^Status:/ { print; exit }' \
	"$R/usr/lib/opkg/status")" "Status: install user installed" \
	"... and a is still the user's"

# A split: a 1.0 has f1 and f2; a 2.0 depends on b and c, which each
# Replace a (<< 2.0) and take one file.
newroot split
tree "$T/a1" usr/share/x/f1=a1 usr/share/x/f2=a2
tree "$T/b" usr/share/x/f1=b
tree "$T/c" usr/share/x/f2=c
mk_tree "$F" a 1.0 "" "$T/a1"
reindex
op install a
mk_tree "$F" a 2.0 "Depends: b, c" "$T/empty"
for p in b c; do mk_tree "$F" "$p" 2.0 "Replaces: a (<< 2.0)
Conflicts: a (<< 2.0)" "$T/$p"; done
reindex
op upgrade a
is "$RC" 0 "upgrade a that splits into b and c"
is "$(installed)" "a - 2.0
b - 2.0
c - 2.0" "... a 2.0, b and c"
is "$(cat "$R/usr/share/x/f1"):$(cat "$R/usr/share/x/f2")" "b:c" \
	"... the files stay, the new owners'"
is "$(files b):$(files c):$(files a)" "/usr/share/x/f1:/usr/share/x/f2:" \
	"... files b, files c"

# b Provides, Replaces and Conflicts x; the installed a Provides x.
newroot virt
tree "$T/a" usr/share/x/fx=a
tree "$T/b" usr/share/x/fx=b
mk_tree "$F" a 1.0 "Provides: x" "$T/a"
reindex
op install a
mk_tree "$F" b 1.0 "Provides: x
Replaces: x
Conflicts: x" "$T/b"
reindex
op install b
is "$RC" 0 "install b (Provides/Replaces/Conflicts x) with a (Provides x) installed"
is "$(installed)" "b - 1.0" "... b replaces a"
is "$(cat "$R/usr/share/x/fx"):$(files b)" "b:/usr/share/x/fx" \
	"... and takes its file"

# ---- archive members with long names ---------------------------------------
# Paths over 100 characters: ustar's prefix field, GNU long names, pax
# headers; a file, an empty directory and a symlink each.
newroot long
L=usr/share/long/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 50))
for fmt in ustar gnu pax; do
	w=$T/long-$fmt
	mkdir -p "$w/d/$L/dir-$fmt"
	f=file-$fmt-$(printf 'f%.0s' $(seq 1 40))
	echo "$fmt" >"$w/d/$L/$f"
	ln -s "$f" "$w/d/$L/link-$fmt-$(printf 'l%.0s' $(seq 1 40))"
	(cd "$w/d" && tar --format=$fmt --owner=0 --group=0 -czf "$w/data.tar.gz" ./usr)
	control_of "long-$fmt" "$w/control"
	wrap_ipk "$F/long-${fmt}_1.0-1_$ARCH.ipk" "$w/control" "$w/data.tar.gz"
done
reindex
for fmt in ustar gnu pax; do
	op install "long-$fmt"
	is "$RC" 0 "install of a $fmt archive with names over 100 characters"
	is "$(cat "$R/$L/file-$fmt-$(printf 'f%.0s' $(seq 1 40))")" "$fmt" "... the file"
	t_ok "... the directory" test -d "$R/$L/dir-$fmt"
	is "$(readlink "$R/$L/link-$fmt-$(printf 'l%.0s' $(seq 1 40))")" \
		"file-$fmt-$(printf 'f%.0s' $(seq 1 40))" "... the symlink"
	is "$(files "long-$fmt" | wc -l)" 2 "... files: the file and the symlink"
done

# ---- symlinks and directories -------------------------------------------------
newroot links
mkdir -p "$T/s1/usr/share/real"
echo x >"$T/s1/usr/share/real/x"
ln -s real "$T/s1/usr/share/dlink"
mk_tree "$F" sa 1.0 "" "$T/s1"
mkdir -p "$T/s2/usr/share/m"
echo y >"$T/s2/usr/share/m/y"
chmod 700 "$T/s2/usr/share/m"
mk_tree "$F" sm 1.0 "" "$T/s2"
tree "$T/c1" opt/p/f=f
mkdir -p "$T/c2/opt/q" "$T/c3/opt"
echo g >"$T/c2/opt/q/g"
ln -s q "$T/c2/opt/p"
ln -s q "$T/c3/opt/p"
mk_tree "$F" dirp 1.0 "" "$T/c1"
mk_tree "$F" linkp 1.0 "" "$T/c2"
mk_tree "$F" linkp2 1.0 "" "$T/c3"
reindex
op install sa
is "$(readlink "$R/usr/share/dlink")" "real" "a symlink to a directory is installed"
op remove sa
t_nok "... and removed with its package (opkg-lede leaves it)" \
	test -L "$R/usr/share/dlink"
mkdir -p "$R/usr/share/m"
chmod 755 "$R/usr/share/m"
op install sm
is "$(stat -c %a "$R/usr/share/m")" "755" \
	"an existing directory keeps its mode when a package ships it with another (opkg-lede: 700)"
op install dirp
snap "$R" >"$T/before"
op install linkp
is "$RC" 255 "a symlink where another package has a real directory: refused"
like "$ERR" "'/opt/p' is a symlink in it and a directory here" "... saying so"
snap "$R" >"$T/after"
t_ok "... nothing changed" cmp -s "$T/before" "$T/after"
newroot links2
cp "$T/links-feed"/*.ipk "$F/"
reindex
op install linkp
op install dirp
is "$RC" 255 "a real directory where another package has a symlink: refused"
like "$ERR" "'/opt/p' is a directory in it and a symlink of linkp" "... saying so"
op install linkp2
is "$RC" 0 "the same symlink in two packages: no conflict"
is "$(files linkp2)" "/opt/p" "... both own it"
op remove linkp
is "$(readlink "$R/opt/p")" "q" "... removing one keeps it"
op remove linkp2
t_nok "... removing the other removes it" test -L "$R/opt/p"

# "lib -> lib64" from one package; another installs lib/libx.so (an
# archive with no lib/ entry of its own, as Yocto's tests build them).
newroot lib64
mkdir -p "$T/l1/lib64"
ln -s lib64 "$T/l1/lib"
echo base >"$T/l1/lib64/base.so"
mk_tree "$F" libdir 1.0 "" "$T/l1"
w=$T/l2
mkdir -p "$w/d/lib"
echo x >"$w/d/lib/libx.so"
(cd "$w/d" && tar --owner=0 --group=0 --no-recursion -czf "$w/data.tar.gz" ./lib/libx.so)
control_of libx "$w/control"
wrap_ipk "$F/libx_1.0-1_$ARCH.ipk" "$w/control" "$w/data.tar.gz"
reindex
op install libdir
op install libx
is "$RC" 0 "install into lib/ after another package made lib -> lib64"
is "$(cat "$R/lib64/libx.so")" "x" "... the file went through the link"
op remove libdir
is "$RC" 0 "remove the package that made the link"
is "$(readlink "$R/lib"):$(cat "$R/lib/libx.so")" "lib64:x" \
	"... the link and the other package's file stay"

# A directory of a package where the root has a symlink to a directory
# that no package owns (a user's, or one the image made): opkg-lede's
# mkdir meets the link and its files go through it, the link stays. The
# archive lists its directories, as OpenWrt's ipkg-build makes them.
newroot dirlink
mkdir -p "$R/usr/share/q2"
ln -s q2 "$R/usr/share/q"
mkdir -p "$T/dl/usr/share/q/sub"
echo k >"$T/dl/usr/share/q/sub/k"
mk_tree "$F" dl 1.0 "" "$T/dl"
reindex
op install dl
is "$RC" 0 "a package directory where the root has a link to a directory"
[ "$RC" = 0 ] || show_run
is "$(readlink "$R/usr/share/q"):$(cat "$R/usr/share/q2/sub/k" 2>/dev/null)" \
	"q2:k" "... the link stays, the file went through it"
is "$(files dl)" "/usr/share/q/sub/k" "... files: the path as packaged"
op remove dl
is "$RC" 0 "... removed"
t_ok "... the link stays" test -L "$R/usr/share/q"
t_nok "... the file is gone" test -e "$R/usr/share/q2/sub/k"
t_ok "... its directory below the link stays, as opkg-lede leaves them" \
	test -d "$R/usr/share/q2/sub"

done_testing
