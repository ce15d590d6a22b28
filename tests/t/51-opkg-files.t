#!/bin/sh
# opkg's files stay what opkg would have left (issue 14, 2; issue 13, 3
# and 11), on a real router's state (the 23.05.0 fixture: 270 packages,
# four with Alternatives) with the real signed 23.05.2 feeds, and on the
# 23.05 snapshot router's (380 packages):
# - a transaction changes the status stanzas and info files of the
#   packages it installs, upgrades or removes, and nothing else: every
#   other stanza byte for byte, every other info file by hash and mtime;
# - the stanzas it writes are opkg-lede's (tests/opkg-lede/: recorded
#   from opkg-lede on a copy of the same root, see README.md there);
# - a command that writes nothing (every query) leaves the root as it
#   was and creates no database; the first command that may change the
#   state builds it under the lock, atomically;
# - lists_dir holds NAME and NAME.sig only: LuCI's pipeline over it works;
# - a value that would end a stanza or add a line is never written.
# Run alone with `prove -v tests/t/51-opkg-files.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_cmd sqlite3
mk_tmp
export LC_ALL=C

EXP=$PKG_TOP/tests/opkg-lede
RARCH=arm_arm1176jzf-s_vfp

# mk_fid OUTDIR NAME VERSION CONTROL-LINES: a stand-in package with a
# conffile, a postinst and a description with a " ." line.
mk_fid() {
	_s=$(mktemp -d "$T/fid.XXXXXX") || return 1
	mkdir -p "$_s/CONTROL" "$_s/usr/share/$2" "$_s/etc/config"
	{
		echo "Package: $2"
		echo "Version: $3"
		[ -n "$4" ] && printf '%s\n' "$4"
		echo "Architecture: all"
		echo "Section: utils"
		echo "Description: fid test package $2"
		echo " second line"
		echo " ."
		echo " after an empty line"
	} >"$_s/CONTROL/control"
	echo "$2 $3" >"$_s/usr/share/$2/README"
	echo "config $2" >"$_s/etc/config/$2"
	echo "/etc/config/$2" >"$_s/CONTROL/conffiles"
	printf '#!/bin/sh\nexit 0\n' >"$_s/CONTROL/postinst"
	chmod 755 "$_s/CONTROL/postinst"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" >/dev/null
	_rc=$?
	rm -rf "$_s"
	return $_rc
}

# mk_fid_feeds DIR: DIR/f1 (fid-a 1.0-1 and what it needs) and DIR/f2
# (fid-a 2.0-1): the packages tests/opkg-lede/ was recorded with.
mk_fid_feeds() {
	mkdir -p "$1/f1" "$1/f2"
	mk_fid "$1/f1" fid-a 1.0-1 "Depends: libc, fid-b (>=1.0), fid-c|fid-d
Provides: fid-virt, fid-v2 (=1.0)
Conflicts: fid-old (<<0.5)
Replaces: fid-old
Recommends: fid-c
Suggests: fid-d
Alternatives: 100:/usr/bin/fid:/usr/share/fid-a/README" &&
	mk_fid "$1/f1" libfid1 1.0-1 "ABIVersion: 1
Essential: yes" &&
	mk_fid "$1/f1" fid-b 1.0-1 "Depends: libc" &&
	mk_fid "$1/f1" fid-c 1.0-1 "Depends: libc" &&
	mk_fid "$1/f1" fid-d 1.0-1 "" &&
	mk_fid "$1/f2" fid-a 2.0-1 "Depends: libc, fid-b (>= 1.0)
Alternatives: 100:/usr/bin/fid:/usr/share/fid-a/README"
}

# stanza FILE NAME: NAME's stanza of a status file, Installed-Time as N.
stanza() {
	awk -v p="Package: $2" '$0 == p { f = 1 } f && $0 == "" { exit } f' \
		"$1" | sed 's/^Installed-Time: .*/Installed-Time: N/'
}
# without FILE NAME...: the status file without the stanzas of NAMEs
# (each stanza with the blank line after it), byte for byte otherwise.
without() {
	_f=$1
	shift
	awk -v drop=" $* " '
	/^Package: / { skip = index(drop, " " $2 " ") > 0 }
	!skip { print }
	skip && $0 == "" { skip = 0 }' "$_f"
}
# info_state DIR [NAME...]: every file of an info directory but NAME's:
# name, mtime (ns) and SHA-256.
info_state() {
	_d=$1
	shift
	(cd "$_d" && find . -type f -printf '%P %T@\n' | sort >"$T/is.t" &&
		find . -type f -print0 | xargs -0 -r sha256sum |
		sed 's|^\([0-9a-f]*\)  \./\(.*\)$|\2 \1|' | sort >"$T/is.h" &&
		join "$T/is.t" "$T/is.h") |
		awk -v drop=" $* " '{ n = $1; sub(/\.[^.]*$/, "", n)
			if (!index(drop, " " n " ")) print }'
}
# snap_root DIR: the root as snap lists it, but pkg's RAM caches.
snap_root() {
	snap "$1" | grep -v '/tmp/pkg-cache'
}

# ---- Q: the 23.05.0 router's state, the 23.05.2 feeds, stand-in feeds ----
RF=$F230/rootfs
Q=$T/q
QS=$Q/usr/lib/opkg/status
QI=$Q/usr/lib/opkg/info
mkdir -p "$Q/etc/opkg/keys" "$Q/usr/lib" "$Q/var/opkg-lists" "$Q/tmp"
cp -a "$RF/usr/lib/opkg" "$Q/usr/lib/"
cp -a "$RF/etc/openwrt_release" "$Q/etc/"
cp "$F23_KEY" "$Q/etc/opkg/keys/"
mk_key "$T/key"
install_key "$T/key.pub" "$Q/etc/opkg/keys"
mk_fid_feeds "$T/fid" || { echo "Bail out! cannot build the stand-ins"; exit 1; }
for f in f1 f2; do
	"$PKG_REPO" index "$T/fid/$f" --sign "$T/key" >/dev/null 2>&1 ||
		{ echo "Bail out! pkg-repo index"; exit 1; }
done
{
	cat "$RF/etc/opkg.conf"
	echo "arch all 1"
	echo "arch noarch 1"
	echo "arch $RARCH 10"
	echo "arch $ARCH 10"
	for f in $FEEDS; do echo "src/gz $f file://$F23/feeds/$f"; done
	echo "src/gz fid1 file://$T/fid/f1"
} >"$Q/etc/opkg.conf"
grep -q '^option check_signature$' "$Q/etc/opkg.conf" ||
	diag "the fixture's opkg.conf no longer checks signatures"
op() { run "$OPKG" -o "$Q" "$@"; }
DB=$Q/usr/lib/pkg/pkg.db

op update
is "$RC" 0 "update exits 0"

# ---- lists_dir: what opkg keeps there, and LuCI's pipeline ---------------
L=$Q/var/opkg-lists
is "$(cd "$L" && ls | tr '\n' ' ')" \
	"base base.sig core core.sig fid1 fid1.sig luci luci.sig packages packages.sig " \
	"lists_dir holds NAME and NAME.sig of each feed, nothing else"
want=0
for f in $FEEDS; do
	want=$((want + $(gzip -cd "$F23/feeds/$f/Packages.gz" | grep -c '^Package: ')))
done
want=$((want + $(grep -c '^Package: ' "$T/fid/f1/Packages")))
# LuCI's package page: find LISTS_DIR -type f ! -name '*.sig' | xargs gzip -cd
(find "$L" -type f ! -name '*.sig' | xargs gzip -cd >"$T/luci.out" 2>"$T/luci.err")
is "$?" 0 "LuCI's 'find | xargs gzip -cd' over lists_dir exits 0"
is "$(cat "$T/luci.err")" "" "...prints no error"
is "$(grep -c '^Package: ' "$T/luci.out")" "$want" \
	"...and prints every stanza of the feeds"
t_ok "pkg's caches are in RAM: ROOT/tmp/pkg-cache, one per feed" \
	test "$(ls "$Q/tmp/pkg-cache" | grep -c '\.solv$')" = 5

# ---- queries write nothing and create no database ------------------------
snap_root "$Q" >"$T/q0"
cp "$QS" "$T/status0"
info_state "$QI" >"$T/info0"
for c in list list-installed "info busybox" "status busybox" "files busybox" \
	"search /sbin/fw4" "find nano*" "depends busybox" "whatdepends libc" \
	"whatdependsrec libubox20230523" "whatprovides libopenssl" \
	"whatreplaces fid-old" "whatconflicts busybox" "whatrecommends fid-c" \
	"whatsuggests fid-d" list-upgradable list-changed-conffiles \
	"compare-versions 1.0 << 2.0" print-architecture "-A depends fid-a" \
	"--noaction install fid-a" "--noaction remove nano"; do
	op $c
	[ "$RC" = 0 ] || diag "$c: exit $RC: $ERR"
done
snap_root "$Q" >"$T/q1"
t_ok "23 queries (and --noaction) write nothing to the root" \
	cmp -s "$T/q0" "$T/q1"
cmp -s "$T/q0" "$T/q1" || diag "$(diff "$T/q0" "$T/q1" | head -5)"
t_ok "...and create no database" test ! -e "$DB"
op list-installed
is "$(echo "$OUT" | wc -l)" 270 "list-installed without a database: opkg's 270 packages"

# ---- remove nano: its stanza and info files go, nothing else changes -----
op remove nano
is "$RC" 0 "remove nano (the first command that changes the state)"
t_ok "...builds the database" test -f "$DB"
is "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok "...sound"
without "$T/status0" nano >"$T/want"
t_ok "status: nano's stanza gone, the other 269 byte for byte as they were" \
	cmp -s "$T/want" "$QS"
cmp -s "$T/want" "$QS" || diag "$(diff "$T/want" "$QS" | head -8)"
is "$(grep '^Alternatives: ' "$QS")" "$(grep '^Alternatives: ' "$T/status0")" \
	"every Alternatives line kept as written (4)"
t_ok "info/nano.* removed" test -z "$(ls "$QI" | grep '^nano\.')"
grep -v '^nano\.' "$T/info0" >"$T/info0.nonano"
info_state "$QI" >"$T/info1"
t_ok "every other info file unchanged, content and mtime (base-files.list keeps /var)" \
	cmp -s "$T/info0.nonano" "$T/info1"
cmp -s "$T/info0.nonano" "$T/info1" ||
	diag "$(diff "$T/info0.nonano" "$T/info1" | head -5)"

# ---- install libnatpmp1: one stanza more, as opkg-lede wrote it ----------
cp "$QS" "$T/status1"
op install libnatpmp1
is "$RC" 0 "install libnatpmp1"
is "$(head -c "$(wc -c <"$T/status1")" "$QS" | cmp -s - "$T/status1" && echo same)" \
	same "status: every stanza before it unchanged, byte for byte"
is "$(without "$QS" libnatpmp1 | cmp -s - "$T/status1" && echo same)" same \
	"...and nothing but libnatpmp1's added"
is "$(stanza "$QS" libnatpmp1)" "$(cat "$EXP/libnatpmp1.stanza")" \
	"libnatpmp1's stanza is opkg-lede's"
IPK=$(fixture_ipk libnatpmp1)
mkdir -p "$T/nat"
tar -xzOf "$IPK" ./control.tar.gz | tar -xz -C "$T/nat"
for m in control postinst prerm; do
	t_ok "info/libnatpmp1.$m: the package's own, as opkg copies it" \
		cmp -s "$T/nat/$m" "$QI/libnatpmp1.$m"
done
is "$(sort "$QI/libnatpmp1.list")" "$(sort "$EXP/libnatpmp1.list")" \
	"info/libnatpmp1.list: opkg-lede's paths"
is "$(info_state "$QI" libnatpmp1)" "$(cat "$T/info1")" \
	"no other info file touched"

# ---- stand-in packages: every field opkg writes ---------------------------
cp "$QS" "$T/status2"
info_state "$QI" >"$T/info2"
op install fid-a libfid1
is "$RC" 0 "install fid-a libfid1 (with fid-b, fid-c)"
for s in fid-b fid-c libfid1; do
	is "$(stanza "$QS" "$s")" "$(cat "$EXP/$s-1.0-1.stanza")" \
		"$s's stanza is opkg-lede's"
done
# opkg-lede misprints four fields (tests/opkg-lede/README.md): compared
# apart, against the package's control.
mis='^(Recommends|Suggests|Provides|Conflicts): '
is "$(stanza "$QS" fid-a | grep -Ev "$mis")" \
	"$(grep -Ev "$mis" "$EXP/fid-a-1.0-1.stanza")" \
	"fid-a's stanza is opkg-lede's (Alternatives too) in every other field"
is "$(stanza "$QS" fid-a | grep -E "$mis")" "Recommends: fid-c
Suggests: fid-d
Provides: fid-virt, fid-v2 (= 1.0)
Conflicts: fid-old (<< 0.5)" "...and its relations as the control says them, in opkg's format"
is "$(sort "$QI/fid-a.list")" "$(sort "$EXP/fid-a-1.0-1.list")" \
	"info/fid-a.list: opkg-lede's paths"
is "$(without "$QS" fid-a fid-b fid-c libfid1 | cmp -s - "$T/status2" && echo same)" \
	same "every other stanza unchanged"
is "$(info_state "$QI" fid-a fid-b fid-c libfid1)" "$(cat "$T/info2")" \
	"no other info file touched"
is "$(ls "$QI" | grep '^fid-a\.' | tr '\n' ' ')" \
	"fid-a.conffiles fid-a.control fid-a.list fid-a.postinst " \
	"fid-a's info files: control, list, conffiles, postinst (as opkg)"

# An upgrade rewrites the stanza where it stands.
echo "src/gz fid2 file://$T/fid/f2" >>"$Q/etc/opkg.conf"
op update
cp "$QS" "$T/status3"
info_state "$QI" >"$T/info3"
op upgrade fid-a
is "$RC" 0 "upgrade fid-a"
is "$(stanza "$QS" fid-a)" "$(cat "$EXP/fid-a-2.0-1.stanza")" \
	"fid-a 2.0-1's stanza is opkg-lede's"
awk '/^Package: / { print $2 }' "$T/status3" >"$T/order3"
is "$(awk '/^Package: / { print $2 }' "$QS")" "$(cat "$T/order3")" \
	"...in the place of 1.0-1's: the order of the file kept"
is "$(without "$QS" fid-a)" "$(without "$T/status3" fid-a)" \
	"every other stanza unchanged"
is "$(info_state "$QI" fid-a)" "$(grep -v '^fid-a\.' "$T/info3")" \
	"no other info file touched"

# flag: one Status line changes.
cp "$QS" "$T/status4"
info_state "$QI" >"$T/info4"
op flag hold dropbear
is "$(diff "$T/status4" "$QS" | grep '^[<>]')" "< Status: install user installed
> Status: install hold installed" "flag hold: dropbear's Status line, nothing else"
is "$(info_state "$QI")" "$(cat "$T/info4")" "...and no info file touched"
op flag user dropbear

# ---- the 23.05 snapshot router: 380 packages -----------------------------
S=$T/snap
mkdir -p "$S/usr/lib" "$S/etc"
cp -a "$FSNAP/rootfs/usr/lib/opkg" "$S/usr/lib/"
cp "$FSNAP/rootfs/etc/opkg.conf" "$S/etc/"
cp "$S/usr/lib/opkg/status" "$T/snap0"
info_state "$S/usr/lib/opkg/info" resize2fs >"$T/sinfo0"
run "$OPKG" -o "$S" remove resize2fs
is "$RC" 0 "snapshot router: remove resize2fs"
without "$T/snap0" resize2fs >"$T/swant"
t_ok "...the other 379 stanzas byte for byte" \
	cmp -s "$T/swant" "$S/usr/lib/opkg/status"
is "$(info_state "$S/usr/lib/opkg/info")" "$(cat "$T/sinfo0")" \
	"...its info files gone, every other one unchanged"

# ---- values that would end a stanza or add a line -------------------------
H=$T/h
mk_plain_root "$H"
mkdir -p "$T/evil/usr/share/evil"
echo x >"$T/evil/usr/share/evil/x"
(cd "$T/evil" && tar --owner=0 --group=0 -czf "$T/evil.data.tar.gz" ./usr)
run "$PKG" -o "$H" recover
# hstate: what may not change when a package is refused.
hstate() {
	cat "$H/usr/lib/opkg/status" "$H/etc/backup/installed_packages.txt" \
		"$H/etc/pkg/world" 2>/dev/null
	ls "$H/usr/lib/opkg/info"
}
# A name that goes on over a second line: however it is read (refused by
# the parser, or by the writer), no line is added to opkg's status,
# installed_packages.txt or the world file.
printf 'Package: evil\n Package: forged\nVersion: 1.0-1\nArchitecture: all\nDescription: x\n' \
	>"$T/evil1.control"
wrap_ipk "$T/evil1.ipk" "$T/evil1.control" "$T/evil.data.tar.gz"
hstate >"$T/h0"
run "$PKG" -o "$H" install "$T/evil1.ipk"
t_ok "a package name on two lines: refused" test "$RC" -ne 0
t_ok "...in one line" one_err_line
hstate >"$T/h1"
t_ok "...status, info/, installed_packages.txt and world as they were" \
	cmp -s "$T/h0" "$T/h1"
# A Depends folded over two lines (Debian's folding) and a description
# with a line of blanks: installed, each field on its own lines.
printf 'Package: evil2\nVersion: 1.0-1\nDepends: libc,\n libgcc\nArchitecture: all\nDescription: x\n \n Package: forged2\n' \
	>"$T/evil2.control"
wrap_ipk "$T/evil2.ipk" "$T/evil2.control" "$T/evil.data.tar.gz"
run "$PKG" -o "$H" install "$T/evil2.ipk"
is "$RC" 0 "a folded Depends: installed"
is "$(stanza "$H/usr/lib/opkg/status" evil2 | grep '^Depends')" \
	"Depends: libc, libgcc" "...its Depends on one line in the status"
is "$(grep -c '^Package: ' "$H/usr/lib/opkg/status")" 3 \
	"...one stanza more, no forged one"
is "$(grep -c '^Package: ' "$H/usr/lib/opkg/info/evil2.control")" 1 \
	"...info/evil2.control reads back as its one stanza"
is "$(grep -c 'evil2' "$H/etc/backup/installed_packages.txt")" 1 \
	"...one line in installed_packages.txt"

# ---- the database: built under the lock, never half built ----------------
# A read-only command while another pkg holds the lock: answers at once
# from opkg's files, waits for nothing, creates nothing.
W=$T/w
mkdir -p "$W/usr/lib" "$W/etc"
cp -a "$RF/usr/lib/opkg" "$W/usr/lib/"
cp "$RF/etc/opkg.conf" "$W/etc/"
lock_holder "$W/usr/lib/pkg/lock" "$T/locked" 30 &
LH=$!
wait_for "$T/locked"
run "$OPKG" -o "$W" list-installed busybox
is "$RC:$OUT" "0:busybox - 1.36.1-1" "a query while the lock is held answers from opkg's files"
run "$OPKG" -o "$W" flag hold busybox
t_ok "a writer does not build the database without the lock" \
	test ! -e "$W/usr/lib/pkg/pkg.db"
kill "$LH" 2>/dev/null
wait "$LH" 2>/dev/null
# A build a crash left half done (pkg.db.new): queries ignore it, the
# next writer starts again.
echo "not a database" >"$W/usr/lib/pkg/pkg.db.new"
run "$OPKG" -o "$W" list-installed busybox
is "$RC:$OUT" "0:busybox - 1.36.1-1" "a leftover pkg.db.new: queries read opkg's files"
run "$OPKG" -o "$W" flag hold busybox
is "$RC" 0 "...and the next writer builds the database anew"
t_ok "...in place, nothing left beside it" \
	test -f "$W/usr/lib/pkg/pkg.db" -a ! -e "$W/usr/lib/pkg/pkg.db.new"
is "$(sqlite3 "$W/usr/lib/pkg/pkg.db" 'SELECT count(*) FROM packages')" 270 \
	"...with the 270 packages"

# A crash at any step of the first writer (the build, then its change):
# the next query answers, the next writer finishes, nothing is left.
if [ -x "$PKG_FAULT_BIN" ]; then
	rm -rf "$W" && mkdir -p "$W/usr/lib" "$W/etc"
	cp -a "$RF/usr/lib/opkg" "$W/usr/lib/"
	cp "$RF/etc/opkg.conf" "$W/etc/"
	cp -a "$W" "$T/w0"
	PKG_FAULT=count "$PKG_FAULT_BIN" -o "$W" flag hold busybox \
		>/dev/null 2>"$T/count.err"
	n=$(sed -n 's/^pkg-fault: \([0-9]*\) operations$/\1/p' "$T/count.err")
	bad=0
	i=1
	while [ "$i" -le "${n:-0}" ]; do
		rm -rf "$W" && cp -a "$T/w0" "$W"
		PKG_FAULT=crash@$i "$PKG_FAULT_BIN" -o "$W" flag hold busybox \
			>/dev/null 2>&1
		q=$("$OPKG" -o "$W" list-installed 2>&1 | wc -l)
		"$OPKG" -o "$W" flag hold busybox >/dev/null 2>"$T/crw.err"
		st=$(stanza "$W/usr/lib/opkg/status" busybox | grep '^Status')
		ic=$(sqlite3 "$W/usr/lib/pkg/pkg.db" 'PRAGMA integrity_check' 2>&1)
		left=$(ls "$W/usr/lib/pkg" | grep -v '^lock$' | grep -v '^pkg\.db$' | grep -v '^opkg-synced$')
		if [ "$q" != 270 ] || [ -s "$T/crw.err" ] || [ "$ic" != ok ] ||
			[ "$st" != "Status: install hold installed" ] || [ -n "$left" ]; then
			bad=$((bad + 1))
			diag "crash@$i: query $q lines, writer: $(cat "$T/crw.err"), $st, $ic, left: $left"
		fi
		i=$((i + 1))
	done
	t_ok "the first writer crashed at each of its ${n:-?} steps: all recovered" \
		test "${n:-0}" -gt 0 -a "$bad" = 0
else
	skip 1 "$PKG_FAULT_BIN not built"
fi

# Queries started at the same moment as the first writer: none fails
# (no "no such table"), each sees the installed set before or after.
V=$T/v
mkdir -p "$V/usr/lib" "$V/etc"
cp -a "$RF/usr/lib/opkg" "$V/usr/lib/"
cp "$RF/etc/opkg.conf" "$V/etc/"
fails=0
i=0
while [ "$i" -lt 6 ]; do
	"$OPKG" -o "$V" --wait 30 flag hold ttyd >/dev/null 2>"$T/wr.err" &
	wp=$!
	j=0
	while [ "$j" -lt 4 ]; do
		"$OPKG" -o "$V" list-installed >"$T/rd.$j" 2>"$T/rd.err.$j" &
		j=$((j + 1))
	done
	wait
	for j in 0 1 2 3; do
		if [ -s "$T/rd.err.$j" ] || [ "$(wc -l <"$T/rd.$j")" != 270 ]; then
			fails=$((fails + 1))
			diag "query $j of round $i: $(head -c 200 "$T/rd.err.$j")"
		fi
	done
	rm -f "$V/usr/lib/pkg/pkg.db"
	i=$((i + 1))
done
is "$fails" 0 "24 queries beside 6 first writers: every one answered"

done_testing
