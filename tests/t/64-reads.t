#!/bin/sh
# Queries without a database read what they show and no more (issue 17),
# on the real 23.05.0 router state (270 packages), counted with strace:
# list-installed and status read opkg's status file and open nothing
# under info/ and build no database (list-installed --size and --strip-abi read the control
# files: they show their fields), and list-installed builds no database
# at all; files NAME opens NAME's .list and no other package's;
# list-changed-conffiles opens no .list at all (the status's Conffiles
# carry path and hash); remove --noaction reads no .list or script, and
# remove reads no other package's .list. The output is the same as with every file read
# (tests/t/51-opkg-output.t, 53-opkg-files.t compare it with opkg-lede).

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_cmd strace
mk_tmp

R=$T/root
mkdir -p "$R/etc/opkg" "$R/usr/lib" "$R/var/lock" "$R/tmp"
cp -r "$F230/rootfs/usr/lib/opkg" "$R/usr/lib/"
printf 'dest root /\narch all 1\narch noarch 1\narch arm_arm1176jzf-s_vfp 10\n' \
	>"$R/etc/opkg.conf"
t_ok "the 23.05.0 router state has its 270 packages" \
	test "$(grep -c '^Package:' "$R/usr/lib/opkg/status")" -eq 270

# opens CMD...: the last component of every path pkg -o $R CMD opened
# ($T/opened, one a line: files in info/ are opened by name from the
# directory's descriptor); $OUT and $RC as run sets them.
opens() {
	# LeakSanitizer (make asan test) cannot run under ptrace
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=open,openat,openat2 -o "$T/strace" \
		"$PKG" -o "$R" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	grep -o '"[^"]*"' "$T/strace" | tr -d '"' | sed 's|.*/||' |
		sort -u >"$T/opened"
}

opens list-installed
is "$RC" 0 "list-installed"
is "$(printf '%s\n' "$OUT" | wc -l)" 270 "...lists the 270 packages"
t_ok "...opens the status file" grep -qx status "$T/opened"
is "$(grep -cE '\.(control|list|conffiles)$' "$T/opened")" 0 \
	"...and no file of info/"
is "$(grep -cx info "$T/opened")" 0 "...nor the info/ directory"

# No database at all for list-installed (CMD_STATUS_READ): the import
# into RAM says "Imported N packages" at -V2, list-installed does not.
run "$PKG" -V2 -o "$R" list-installed
is "$(printf '%s\n' "$OUT" | grep -c ' - ')" 270 \
	"list-installed -V2: the 270 packages"
unlike "$OUT" "Imported" "...read from the status file, no database built"
run "$PKG" -o "$R" status --json
is "$(printf '%s\n' "$OUT" | grep -c '"name": ')" 270 \
	"status --json (the database's fields, built in RAM): 270 packages"
run "$PKG" -V2 -o "$R" search '/bin/busybox'
is "$OUT" "busybox - 1.36.1-1" "search -V2: reads the status and the .list files..."
run "$PKG" -V2 -o "$R" files busybox
like "$OUT" "^Package busybox \(1.36.1-1\) is installed on root" \
	"files -V2: the package from the status read straight..."
unlike "$OUT" "Imported" "...no database built either"
run "$PKG" -o "$R" files no-such-package
is "$RC" 1 "files of a package not installed fails"
is "$ERR" "pkg: package 'no-such-package' is not installed" "...saying so"
run "$PKG" -V2 -o "$R" list-installed --size
like "$OUT" "Imported 270 packages" \
	"list-installed --size: the database path (control files read)"
like "$OUT" "base-files - 1545-r23497-6637af95aa - [0-9]" "...with a size"

# The status read straight takes what the import takes: a package given
# twice is its last stanza, a package not installed is left out, a
# forged stanza stops it with the import's one line and nothing shown.
D=$T/dup
mkdir -p "$D/etc" "$D/usr/lib/opkg"
printf 'dest root /\narch all 1\n' >"$D/etc/opkg.conf"
cat >"$D/usr/lib/opkg/status" <<'EOS'
Package: zed
Version: 1
Status: install user installed
Architecture: all

Package: abc
Version: 1
Status: install ok installed
Architecture: all

Package: gone
Version: 1
Status: deinstall ok not-installed
Architecture: all

Package: abc
Version: 2
Status: install ok installed
Architecture: all
EOS
run "$PKG" -o "$D" -f "$D/etc/opkg.conf" list-installed
is "$OUT" "abc - 2
zed - 1" "list-installed: by name, the last stanza of a name, installed only"
run "$PKG" -o "$D" -f "$D/etc/opkg.conf" list-installed --json
like "$OUT" '"name": "abc", "version": "2"' "...as the import (--json) takes them"
run "$PKG" -o "$D" -f "$D/etc/opkg.conf" files abc
like "$OUT" "^Package abc \(2\) is installed" "files: the last stanza of a name too"
printf '\nPackage: ev/il\nVersion: 1\nStatus: install ok installed\n' \
	>>"$D/usr/lib/opkg/status"
run "$PKG" -o "$D" -f "$D/etc/opkg.conf" list-installed
is "$RC" 1 "a forged name in the status file fails list-installed"
is "$OUT" "" "...which shows nothing"
like "$ERR" "^pkg: opkg status, line 2[0-9]: " "...and says where, in one line"
is "$(printf '%s\n' "$ERR" | wc -l)" 1 "...one line"

# list-changed-conffiles reads the status's Conffiles straight too: what
# changed or is missing, by package then path; a line without a hash is
# not looked at; of a file a package lists twice, its last hash counts.
C=$T/conf
mkdir -p "$C/etc" "$C/usr/lib/opkg"
printf 'dest root /\narch all 1\n' >"$C/etc/opkg.conf"
printf 'same\n' >"$C/etc/same.conf"
printf 'edited\n' >"$C/etc/edited.conf"
printf 'old\n' >"$C/etc/md5.conf"
printf 'twice\n' >"$C/etc/twice.conf"
h() { printf '%s\n' "$1" | sha256sum | cut -d' ' -f1; }
cat >"$C/usr/lib/opkg/status" <<EOS
Package: zed
Version: 1
Status: install user installed
Architecture: all
Conffiles:
 /etc/same.conf $(h same)
 /etc/edited.conf $(h original)
 /etc/gone.conf $(h gone)
 /etc/nohash.conf

Package: abc
Version: 1
Status: install ok installed
Architecture: all
Conffiles:
 /etc/md5.conf $(printf 'new\n' | md5sum | cut -d' ' -f1)
 /etc/twice.conf $(h first)
 /etc/twice.conf $(h twice)
EOS
run "$PKG" -V2 -o "$C" -f "$C/etc/opkg.conf" list-changed-conffiles
is "$OUT" "/etc/md5.conf
/etc/edited.conf
/etc/gone.conf" "list-changed-conffiles: changed (SHA-256, MD5) and missing, by package and path"
run "$PKG" -o "$C" -f "$C/etc/opkg.conf" list-changed-conffiles 'z*'
is "$OUT" "/etc/edited.conf
/etc/gone.conf" "...of the packages a glob names"
run "$PKG" -o "$C" -f "$C/etc/opkg.conf" list-changed-conffiles
want=$OUT
run "$PKG" -o "$C" -f "$C/etc/opkg.conf" recover
t_ok "(recover builds the database on the root)" test -s "$C/usr/lib/pkg/pkg.db"
run "$PKG" -o "$C" -f "$C/etc/opkg.conf" list-changed-conffiles
is "$OUT" "$want" "...the same list as from the database"

opens status
is "$RC" 0 "status"
like "$OUT" "Conffiles:" "...shows the conffiles"
is "$(grep -cE '\.(control|list|conffiles)$' "$T/opened")" 0 \
	"...and opens no file of info/"
is "$(grep -c '^Package: ' "$T/out")" 270 "...shows the 270 packages"
cp "$T/out" "$T/status.read"
run "$PKG" -V2 -o "$R" status 'busybox'
unlike "$OUT" "Imported" "status: no database built (the status read straight)"
cp -a "$R" "$T/rdb"
run "$PKG" -o "$T/rdb" recover
t_ok "(recover builds the database on a copy)" test -s "$T/rdb/usr/lib/pkg/pkg.db"
"$PKG" -o "$T/rdb" status >"$T/status.db" 2>&1
t_ok "...whose status is the same, byte for byte" \
	cmp -s "$T/status.read" "$T/status.db"

# status read straight renders what the import stores: the last stanza
# of a name with the Conffiles of all its stanzas (the last hash of a
# path), in the order of the last stanza that has some, then the rest;
# paths through the normaliser ("/../../x" left out, "//" made one);
# relations as opkg writes them.
S=$T/stat
mkdir -p "$S/etc" "$S/usr/lib/opkg"
printf 'dest root /\narch all 1\n' >"$S/etc/opkg.conf"
cat >"$S/usr/lib/opkg/status" <<'EOS'
Package: abc
Version: 1
Status: install ok installed
Architecture: all
Conffiles:
 /etc/a.conf 1111
 /etc/b.conf 2222

Package: zed
Version: 1
Depends: abc (>=1), libc
ABIVersion: 1
Status: install user installed
Architecture: all
Conffiles:
 /etc/z.conf 3333
 /etc//y.conf
 /../../x.conf 4444
 /etc/c.conf 5555
 /etc/z.conf 6666
Installed-Time: 1700000000
Auto-Installed: yes

Package: abc
Version: 2
Status: install hold installed
Architecture: all
Conffiles:
 /etc/b.conf 7777
EOS
run "$PKG" -o "$S" -f "$S/etc/opkg.conf" status
is "$OUT" "Package: abc
Version: 2
Status: install hold installed
Architecture: all
Conffiles:
 /etc/b.conf 7777
 /etc/a.conf 1111

Package: zed
Version: 1
Depends: abc (>= 1), libc
Status: install user installed
Architecture: all
Conffiles:
 /etc/z.conf 6666
 /etc/c.conf 5555
 /etc/y.conf
Installed-Time: 1700000000" "status: stanzas as the import stores them"
run "$PKG" -o "$S" -f "$S/etc/opkg.conf" status 'z*' --fields Package,Depends
is "$OUT" "Package: zed
Depends: abc (>= 1), libc" "...of the packages a glob names, the fields asked for"
t_ok "...and no database written" test ! -e "$S/usr/lib/pkg/pkg.db"
printf '\nPackage: bad\nVersion: 1 2\nStatus: install ok installed\n' \
	>>"$S/usr/lib/opkg/status"
run "$PKG" -o "$S" -f "$S/etc/opkg.conf" status
is "$RC" 1 "a forged version in the status file fails status"
is "$OUT" "" "...which shows nothing"
is "$(printf '%s\n' "$ERR" | wc -l)" 1 "...in one line"

opens list-installed --size
is "$RC" 0 "list-installed --size"
t_ok "...reads the control files, whose Size it shows" \
	grep -q '\.control$' "$T/opened"

opens files busybox
is "$RC" 0 "files busybox"
like "$OUT" "/bin/busybox" "...lists busybox's files"
is "$(grep '\.list$' "$T/opened" | tr '\n' ' ')" "busybox.list " \
	"...and opens busybox.list alone"

opens list-changed-conffiles
is "$RC" 0 "list-changed-conffiles"
is "$(grep -cE '\.(control|list|conffiles)$' "$T/opened")" 0 \
	"...opens no file of info/ (the status's Conffiles is what it checks)"

# search reads the .list files as opkg does, not through an import that
# lstat'ed every listed path: base-files.list names /var, a link on the
# router and a directory here, and opkg-lede shows its owner either way.
mkdir -p "$R/var"
opens search '/va*'
is "$RC" 0 "search"
is "$OUT" "base-files - 1545-r23497-6637af95aa" \
	"...shows a listed path as opkg does, whatever it is on disk"
is "$(grep -cE '\.(control|conffiles)$' "$T/opened")" 0 \
	"...opens no control or conffiles file"
is "$(grep -c '\.list$' "$T/opened")" 270 "...and the 270 packages' .list files"
opens files base-files
like "$OUT" "$R/var" "files shows /var as opkg does"

# A transaction's --noaction solves and shows the plan: the status file
# is what it reads (every field the solver takes is there, and opkg reads
# no more for an installed package), not the control, .list files and
# scripts a database on the root would be built with (CMD_PLAN).
opens remove --noaction luci
is "$RC" 0 "remove --noaction luci"
is "$OUT" "Removing package luci from root..." "...shows the plan"
is "$(grep -c '\.list$' "$T/opened")" 0 "...opens no .list file"
is "$(grep -cE '\.(postinst|prerm|postrm|preinst)$' "$T/opened")" 0 \
	"...nor a script"
is "$(grep -cE '\.(control|conffiles)$' "$T/opened")" 0 \
	"...nor a control or conffiles file"

# The queries over the pool (depends, what*) read the status file alone
# too: info/<pkg>.control for each of 270 packages was 2 to 3 ms of them.
for q in "depends luci" "whatdepends libc" "whatprovides libopenssl" \
	"whatdependsrec libubox20230523"; do
	opens $q
	is "$RC" 0 "$q"
	is "$(grep -cE '\.(control|conffiles|list)$' "$T/opened")" 0 \
		"...opens no file of info/"
done

# A transaction rewrites the info files of the packages its journal
# saved, not every package's: removing luci from the 270 (with the
# database on the root) reads no other package's .list.
cp -a "$R" "$T/rm"
run "$PKG" -o "$T/rm" recover
t_ok "recover builds the database on the copy" \
	test -f "$T/rm/usr/lib/pkg/pkg.db"
# The queries over the pool: from the status file without a database
# (no SQLite at all), from the database with one; the same answers.
for q in "depends luci" "whatdepends libc" "whatprovides libopenssl" \
	"whatdependsrec libubox20230523" "whatconflicts dnsmasq" \
	"whatrecommends '*'"; do
	eval "\"\$PKG\" -o \"\$R\" $q" >"$T/q.nodb" 2>&1
	eval "\"\$PKG\" -o \"\$T/rm\" $q" >"$T/q.db" 2>&1
	t_ok "$q: the same answer with the database as from the status file" \
		cmp -s "$T/q.nodb" "$T/q.db"
	cmp -s "$T/q.nodb" "$T/q.db" ||
		diag "$(diff "$T/q.nodb" "$T/q.db" | head -5)"
done
t_ok "...which are not empty" test "$(wc -l <"$T/q.db")" -gt 1
# depends orders only the packages its globs match: the same blocks as
# the whole scope's, glob by glob, each in the walk's order
"$PKG" -o "$R" depends '*' >"$T/dep.all" 2>&1
"$PKG" -o "$R" depends 'luci-mod-*' 'kmod-*' >"$T/dep.two" 2>&1
for g in 'luci-mod-' 'kmod-'; do
	awk -v g="$g" '/ depends on:$/ { on = index($1, g) == 1 } on' "$T/dep.all"
done >"$T/dep.want"
t_ok "depends GLOB GLOB: each glob's packages from the whole scope, in its order" \
	cmp -s "$T/dep.want" "$T/dep.two"
t_ok "...several of them for each ($(grep -c 'depends on' "$T/dep.two"))" \
	test "$(grep -c '^luci-mod-.* depends on:$' "$T/dep.two")" -ge 2 -a \
	"$(grep -c '^kmod-.* depends on:$' "$T/dep.two")" -ge 2
# ...in opkg's walk whatever the order of the feed (-A): bucket
# djb2(name) % 1024 (omega 174, alpha-a 281, alpha-b 282, zeta 697), and
# in a bucket the order names were first met (a16890 and a7100 are in
# omega's: a16890 first, as zeta's Depends names it; a7100 after omega).
# opkg-lede printed these lines on this feed; for two globs it goes glob
# by glob (alpha-a twice: 'alpha-*' and 'a*' both match it).
O=$T/order
mkdir -p "$O/usr/lib/opkg/info" "$O/etc/opkg" "$O/var/lock" "$O/tmp" \
	"$T/feed"
: >"$O/usr/lib/opkg/status"
{
	printf 'Package: zeta\nVersion: 1\nDepends: dep-zeta, a16890\nArchitecture: all\nFilename: zeta.ipk\nSize: 1\n\n'
	for p in alpha-b omega alpha-a a7100 a16890; do
		printf 'Package: %s\nVersion: 1\nDepends: dep-%s\nArchitecture: all\nFilename: %s.ipk\nSize: 1\n\n' \
			"$p" "$p" "$p"
	done
} >"$T/feed/Packages"
{ cat "$R/etc/opkg.conf"; echo "src order file://$T/feed"; } \
	>"$O/etc/opkg.conf"
run "$PKG" -o "$O" update
is "$RC" 0 "a feed in no name order: update"
"$PKG" -o "$O" depends -A '*' >"$T/dep.order" 2>&1
is "$(grep 'depends on' "$T/dep.order" | tr '\n' ' ')" \
	"a16890 depends on: omega depends on: a7100 depends on: alpha-a depends on: alpha-b depends on: zeta depends on: " \
	"...in opkg's walk: by bucket, then as names were first met"
"$PKG" -o "$O" depends -A 'alpha-*' 'z*' 'a*' >"$T/dep.order" 2>&1
is "$(grep 'depends on' "$T/dep.order" | tr '\n' ' ')" \
	"alpha-a depends on: alpha-b depends on: zeta depends on: a16890 depends on: a7100 depends on: alpha-a depends on: alpha-b depends on: " \
	"...glob by glob, each glob's packages in the walk's order"
R0=$R
R=$T/rm
opens remove luci
R=$R0
is "$RC" 0 "remove luci (database on the root)"
is "$(grep -c '\.list$' "$T/opened")" 0 "...opens no .list file"
t_ok "...luci's info files are gone" \
	test ! -e "$T/rm/usr/lib/opkg/info/luci.list" -a \
	! -e "$T/rm/usr/lib/opkg/info/luci.control"
is "$(ls "$T/rm/usr/lib/opkg/info" | grep -c '\.list$')" 269 \
	"...the 269 others keep theirs"
is "$(grep -cx 'Package: luci' "$T/rm/usr/lib/opkg/status")" 0 \
	"...and the status has no luci stanza"
awk -v RS= -v ORS='\n\n' '$0 !~ /^Package: luci\n/' \
	"$R/usr/lib/opkg/status" >"$T/status.want"
t_ok "...the other 269 stanzas as they were, byte for byte" \
	cmp -s "$T/status.want" "$T/rm/usr/lib/opkg/status"
t_ok "the root is as it was (no database written)" \
	test ! -e "$R/usr/lib/pkg/pkg.db"

# ---- list and find from the descriptions cache (feed_desc.c) ----
# update writes each feed's descriptions and rows beside its pool
# (tmp/pkg-cache/NAME.<tag>.desc, .rows) as it parses the list, so the
# first list after it loads no pool; without them list reads the lists
# and writes the descriptions; the next ones read no list, and print the
# same, byte for byte; a cache that does not check is ignored (and
# written again), one of another list dropped.
L=$T/feeds
mk_plain_root "$L"
run "$PKG" -o "$L" update
is "$RC" 0 "23.05.2 feeds: update"
C=$L/tmp/pkg-cache
FEEDS="base core luci packages"
for f in $FEEDS; do
	is "$(ls "$C" | grep -c "^$f\.[0-9a-f]*\.\(desc\|rows\)\$")" 2 \
		"update writes the descriptions and rows caches of feed $f"
done
R0=$R
R=$L
opens list
is "$RC" 0 "list, the first after update"
cp "$T/out" "$T/list.update"
is "$(grep -c '\.solv$' "$T/opened")" 0 "...loads no pool"
is "$(grep -cxE "$(echo $FEEDS | tr ' ' '|')" "$T/opened")" 0 \
	"...and reads no list"
rm -f "$C"/*.desc
opens list
is "$RC" 0 "list without the descriptions caches"
cp "$T/out" "$T/list.lists"
t_ok "...reads the lists" grep -qx packages "$T/opened"
for f in $FEEDS; do
	is "$(ls "$C" | grep -c "^$f\.[0-9a-f]*\.desc\$")" 1 \
		"...and writes the descriptions cache of feed $f"
done
t_ok "...the same lines as from update's caches, byte for byte" \
	cmp -s "$T/list.update" "$T/list.lists"
opens list
is "$RC" 0 "list, the next"
t_ok "...prints the same, byte for byte" cmp -s "$T/list.lists" "$T/out"
is "$(grep -cxE "$(echo $FEEDS | tr ' ' '|')" "$T/opened")" 0 \
	"...and reads no list"
is "$(grep -c '\.desc$' "$T/opened")" 4 "...but the 4 caches"
is "$(wc -l <"$T/out")" "$(wc -l <"$T/list.lists")" "...all the lines"
like "$(grep '^nano - ' "$T/out")" "^nano - 7\.2-[0-9]* - Nano is a small" \
	"...nano's with its description"
opens find '*editor*'
is "$RC" 0 "find, names and descriptions"
t_ok "...from the caches too" test "$(grep -c '\.desc$' "$T/opened")" -eq 4
cp "$T/out" "$T/find.cached"
rm -f "$C"/*.desc
run "$PKG" -o "$L" find '*editor*'
t_ok "...as read from the lists" test "$OUT" = "$(cat "$T/find.cached")"
t_ok "...(which wrote them again)" test "$(ls "$C" | grep -c '\.desc$')" -eq 4
R=$R0
# Caches that do not check, each ignored: cut short, an index out of
# order, an entry out of bounds (the trailer says more bytes than the
# file has), a link.
pk=$(ls "$C"/packages.*.desc)
bad_cache() {
	run "$PKG" -o "$L" list
	is "$RC" 0 "list, the descriptions cache $1"
	t_ok "...prints what the lists say" \
		test "$OUT" = "$(cat "$T/list.lists")"
}
cp "$pk" "$T/pk.desc"
head -c 5000 "$T/pk.desc" >"$pk"
bad_cache "cut short"
t_ok "...and writes it again, whole" cmp -s "$T/pk.desc" "$pk"
size=$(wc -c <"$pk")
python3 - "$pk" <<'EOF_PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
n, ln = struct.unpack_from('=QQ', b, len(b) - 24)
ix = 8 + ln + 8 * (n // 2)  # the middle entry's stanza offset
a = struct.unpack_from('=II', b, ix)
struct.pack_into('=II', b, ix, 0, a[1])  # offsets out of order
open(p, 'wb').write(b)
EOF_PY
bad_cache "out of order"
cp "$T/pk.desc" "$pk"
python3 - "$pk" <<'EOF_PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
n, ln = struct.unpack_from('=QQ', b, len(b) - 24)
struct.pack_into('=QQ', b, len(b) - 24, n, ln + 4096)  # sizes disagree
open(p, 'wb').write(b)
EOF_PY
bad_cache "of the wrong size"
rm -f "$pk"
# a link to a cache that checks (base's: other offsets, other text)
cp "$(ls "$C"/base.*.desc)" "$T/planted"
cp "$T/planted" "$T/planted.was"
ln -s "$T/planted" "$pk"
bad_cache "a link (never followed)"
t_ok "...the link's target untouched" cmp -s "$T/planted" "$T/planted.was"
t_ok "...the link replaced by the cache" test -f "$pk" -a ! -L "$pk"
# A cache being written by a process that is gone (`pkg list | head`
# kills pkg on the way: SIGPIPE) is removed by the next one written for
# that feed; a live process's stays.
dead=$(sh -c 'echo $$')
while kill -0 "$dead" 2>/dev/null; do dead=$(sh -c 'echo $$'); done
rm -f "$C"/packages.*.desc "$C"/base.*.solv
touch "$C/packages.0123456789abcdef.desc.$dead" \
	"$C/base.0123456789abcdef.solv.$dead" \
	"$C/packages.0123456789abcdef.desc.$$"
"$PKG" -o "$L" list 2>/dev/null | head -n 1 >/dev/null
run "$PKG" -o "$L" list
is "$RC" 0 "list after a list killed on the way"
t_ok "...prints what the lists say" test "$OUT" = "$(cat "$T/list.lists")"
is "$(ls "$C" | grep -c '^packages\.[0-9a-f]*\.desc$')" 1 \
	"...the packages feed's descriptions cache written"
is "$(ls "$C" | grep -cE '\.(solv|desc)\.[0-9]+$' )" 1 \
	"...the caches dead processes were writing removed, not a live one's"
t_ok "...(the live one's)" test -e "$C/packages.0123456789abcdef.desc.$$"
rm -f "$C/packages.0123456789abcdef.desc.$$"

# ---- list and find without a pool: the rows cache (feed_rows.c) ----
# The first list that loads the pool also writes each feed's rows
# (NAME.<tag>.rows: name, version, ABIVersion, Size and the stanza's
# offset, in name order). With them and the descriptions, list and find
# load no pool: they open no .solv, and print what the pool gives, byte
# for byte, with a glob, --size and --strip-abi too. A rows cache that
# does not check is ignored (the pool loaded) and written again.
R0=$R
R=$L
rm -f "$C"/*.rows
opens list
is "$RC" 0 "list without rows caches"
t_ok "...loads the pool" grep -q '\.solv$' "$T/opened"
t_ok "...prints what the lists say" cmp -s "$T/list.lists" "$T/out"
is "$(ls "$C" | grep -c '\.rows$')" 4 "...and writes the 4 rows caches"
opens list
is "$RC" 0 "list with the rows caches"
t_ok "...prints the same, byte for byte" cmp -s "$T/list.lists" "$T/out"
is "$(grep -c '\.solv$' "$T/opened")" 0 "...and loads no pool"
is "$(grep -c '\.rows$' "$T/opened")" 4 "...but reads the 4 rows caches"
rm -f "$C"/*.solv
run "$PKG" -o "$L" list
t_ok "list without any .solv: the same lines" \
	test "$OUT" = "$(cat "$T/list.lists")"
is "$(ls "$C" | grep -c '\.solv$')" 0 "...and no pool made"
# the same as from the pool: list and find with a glob and options
same_as_pool() {
	run "$PKG" -o "$L" "$@"
	is "$RC" 0 "$* from the rows caches"
	printf '%s\n' "$OUT" >"$T/rows.out"
	mkdir -p "$T/rows.keep"
	mv "$C"/*.rows "$T/rows.keep/"
	run "$PKG" -o "$L" "$@"
	t_ok "...the lines the pool gives" \
		test "$OUT" = "$(cat "$T/rows.out")"
	is "$(ls "$C" | grep -c '\.rows$')" 4 "...(which wrote them again)"
	rm -f "$T/rows.keep"/*
}
same_as_pool list --size
same_as_pool list --strip-abi 'lib*'
same_as_pool list 'kmod-*'
same_as_pool find '*editor*'
# info reads the rows caches too: the entries a glob matches, at their
# offsets in the lists; an installed package with the feed's entry
# merged (libgcc1, the same version and architecture in base), the
# feed's entry then not shown again.
opens info nano
is "$RC" 0 "info nano from the rows caches"
like "$OUT" "^Package: nano
Version: " "...shows the feed's nano"
is "$(grep -c '\.solv$' "$T/opened")" 0 "...and loads no pool"
same_as_pool info nano
same_as_pool info 'lib*'
same_as_pool info -i 'NANO*'
same_as_pool --short-description info '*ssl*'
same_as_pool info
# without a database (none on this root) info reads opkg's status
# straight, and the feed entry of an installed package is merged into
# it, from the rows and from the pool alike
run "$PKG" -V2 -o "$L" info libgcc1
unlike "$OUT" "Imported" "info -V2: the status read straight, no database built"
same_as_pool info libgcc1
run "$PKG" -o "$L" info libgcc1
is "$(printf '%s\n' "$OUT" | grep -c '^Package: libgcc1$')" 1 \
	"info libgcc1 from the rows caches: one entry"
like "$OUT" "Status: install hold,user installed" "...the installed one"
like "$OUT" "Filename: libgcc1_13\.1\.0-4_" \
	"...with the feed entry's Filename"
# installed as another architecture: two entries, the feed's shown
cp "$L/usr/lib/opkg/status" "$T/status.was"
sed -i "/^Package: libgcc1\$/,/^\$/s/^Architecture: .*/Architecture: mips_24kc/" \
	"$L/usr/lib/opkg/status"
run "$PKG" -o "$L" info libgcc1
is "$(printf '%s\n' "$OUT" | grep -c '^Package: libgcc1$')" 2 \
	"info libgcc1 installed as mips_24kc: two entries"
is "$(printf '%s\n' "$OUT" | grep -c '^Filename: ')" 1 \
	"...the feed's Filename in the feed's entry alone"
same_as_pool info libgcc1
cp "$T/status.was" "$L/usr/lib/opkg/status"
# list-upgradable reads the rows too, and opkg's status straight: the
# highest version of each installed name among the feeds
sed -i 's/^Version: 13\.1\.0-4$/Version: 13.1.0-3/' "$L/usr/lib/opkg/status"
opens list-upgradable
is "$RC:$OUT" "0:libgcc1 - 13.1.0-3 - 13.1.0-4" \
	"list-upgradable from the rows caches: libgcc1 one release behind"
is "$(grep -c '\.solv$' "$T/opened")" 0 "...loads no pool"
run "$PKG" -V2 -o "$L" list-upgradable
unlike "$OUT" "Imported" "...and builds no database"
same_as_pool list-upgradable
same_as_pool --json list-upgradable 'libg*'
cp "$T/status.was" "$L/usr/lib/opkg/status"
# ---- info from the lists' seek indexes (feed_zidx.c) ----
# A stanza 512 KiB or more into a list is read from the point of the
# list's seek index before it (NAME.<tag>.zidx, written by the first
# read that far: luci's themes are 940 KB into its list), where inflate
# starts (lseek) with the 32 KiB of text before it; the same lines. A
# point whose first text does not have its check is not used (the list
# read from its start); an index that does not check is written again.
# seeks CMD...: pkg -o $L CMD with its lseek calls in $T/lseek.
seeks() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=lseek -o "$T/lseek" \
		"$PKG" -o "$L" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
}
rm -f "$C"/*.zidx
run "$PKG" -o "$L" --fields Package,Version info 'luci-theme-*'
is "$RC:$(printf '%s\n' "$OUT" | grep -c '^Package: luci-theme-')" "0:4" \
	"info of four stanzas 940 KB into luci's list"
printf '%s\n' "$OUT" >"$T/theme.out"
is "$(ls "$C" | grep -c '^luci\..*\.zidx$')" 1 "...writes luci's seek index"
is "$(ls "$C" | grep -c '\.zidx$')" 1 "...and no other list's"
zi=$(ls "$C"/luci.*.zidx)
cp "$zi" "$T/luci.zidx"
is "$(stat -c %s "$zi")" $((8 + 24 + 32768 + 16)) "...one point (944 KB of text)"
seeks --fields Package,Version info 'luci-theme-*'
t_ok "...the next reads from the point: the same lines" \
	test "$OUT" = "$(cat "$T/theme.out")"
t_ok "...starting there (lseek)" grep -q 'lseek(' "$T/lseek"
# the first stanza after the point: its text refers back into the
# point's window, so a window not the list's would change it
near=$(python3 -c '
import gzip, struct, sys
out = struct.unpack_from("=Q", open(sys.argv[1], "rb").read(), 8)[0]
text = gzip.open(sys.argv[2]).read()
at = text.index(b"\nPackage: ", out) + 10
print(text[at:text.index(b"\n", at)].decode())' "$zi" "$L/var/opkg-lists/luci")
run "$PKG" -o "$L" info "$near"
is "$RC" 0 "info $near, the first stanza after the point"
printf '%s\n' "$OUT" >"$T/near.out"
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[8 + 24:8 + 24 + 32768] = bytes(32768)  # the window zeroed
open(sys.argv[1], "wb").write(b)' "$zi"
seeks --fields Package,Version info 'luci-theme-*'
is "$RC:$(cat "$T/err")" "0:" "a point whose window was changed: no error"
t_ok "...and the same lines (read from the list's start)" \
	test "$OUT" = "$(cat "$T/theme.out")"
run "$PKG" -o "$L" info "$near"
t_ok "...and $near's stanza as it is, not the text the window would give" \
	test "$RC:$OUT" = "0:$(cat "$T/near.out")"
cp "$T/luci.zidx" "$zi"
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[8 + 16] = (b[8 + 16] + 1) & 7  # its bit count off by one
open(sys.argv[1], "wb").write(b)' "$zi"
seeks --fields Package,Version info 'luci-theme-*'
is "$RC:$(cat "$T/err")" "0:" "a point whose bit count is off: no error"
t_ok "...and the same lines (read from the list's start)" \
	test "$OUT" = "$(cat "$T/theme.out")"
head -c 5000 "$T/luci.zidx" >"$zi"
run "$PKG" -o "$L" --fields Package,Version info 'luci-theme-*'
t_ok "an index cut short: the same lines" \
	test "$OUT" = "$(cat "$T/theme.out")"
t_ok "...and the index written again, whole" cmp -s "$T/luci.zidx" "$zi"
# An install reads its packages' Filename and checksums from the point
# before each stanza too: a feed whose list has 700 KB of other
# packages before the 23.05.2 packages list (nano and what it needs).
B=$T/big
BF=$T/bigfeed
mkdir -p "$BF"
awk -v arch="$ARCH" 'BEGIN {
	for (i = 0; i < 2400; i++) {
		printf "Package: aaa-filler-%04d\nVersion: 1.0-1\n", i
		printf "Architecture: %s\nFilename: aaa-filler-%04d.ipk\n", arch, i
		printf "Size: 100\nSHA256sum: %064d\n", i
		printf "Description: a stanza that only takes room, %s\n\n", \
			"to put the packages after it far into the list"
	} }' >"$BF/Packages"
cat "$F23/feeds/packages/Packages" >>"$BF/Packages"
gzip -9nc "$BF/Packages" >"$BF/Packages.gz"
mk_key "$T/bigkey"
"$PKG_REPO" sign "$BF/Packages" -k "$T/bigkey" >/dev/null 2>&1
for f in "$F23"/feeds/packages/*.ipk; do ln -s "$f" "$BF/"; done
mk_plain_root "$B"
write_conf "$B/etc/opkg.conf" "src/gz big file://$BF" "arch $ARCH 10"
install_key "$T/bigkey.pub" "$B/etc/opkg/keys"
run "$PKG" -o "$B" update
is "$RC" 0 "a feed with 700 KB before nano's stanza: update"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq -e trace=lseek -o "$T/lseek" \
	"$PKG" -o "$B" install nano >"$T/out" 2>"$T/err"
is "$?" 0 "install nano from it"
t_ok "...nano is installed" test -x "$B/usr/bin/nano"
is "$(ls "$B/tmp/pkg-cache" | grep -c '^big\..*\.zidx$')" 1 \
	"...the list's seek index written"
t_ok "...its packages read from the point before them (lseek)" \
	grep -q 'lseek(' "$T/lseek"
# rows caches that do not check: cut short, names out of order, a string
# past the strings, strings without their last NUL, a link
pr=$(ls "$C"/packages.*.rows)
cp "$pr" "$T/pr.rows"
bad_rows() {
	run "$PKG" -o "$L" list
	is "$RC" 0 "list, the rows cache $1"
	t_ok "...prints what the lists say" \
		test "$OUT" = "$(cat "$T/list.lists")"
	t_ok "...and writes it again, whole" cmp -s "$T/pr.rows" "$pr"
}
head -c 3000 "$T/pr.rows" >"$pr"
bad_rows "cut short"
rows_edit() {
	cp "$T/pr.rows" "$pr"
	python3 - "$pr" "$1" <<'EOF_PY'
import struct, sys
p, how = sys.argv[1], sys.argv[2]
b = bytearray(open(p, 'rb').read())
n, ln = struct.unpack_from('=QQ', b, len(b) - 24)
rec = lambda i: 8 + ln + 24 * i
if how == 'order':  # the first and last names swapped
	a = struct.unpack_from('=I', b, rec(0))[0]
	z = struct.unpack_from('=I', b, rec(n - 1))[0]
	struct.pack_into('=I', b, rec(0), z)
	struct.pack_into('=I', b, rec(n - 1), a)
elif how == 'bounds':  # a version past the strings
	struct.pack_into('=I', b, rec(n // 2) + 4, ln + 16)
elif how == 'nul':  # the strings' last byte not a NUL
	b[8 + ln - 1] = ord('x')
open(p, 'wb').write(b)
EOF_PY
}
rows_edit order
bad_rows "with its names out of order"
rows_edit bounds
bad_rows "with a string out of bounds"
rows_edit nul
bad_rows "with its strings not ended"
rm -f "$pr"
cp "$(ls "$C"/base.*.rows)" "$T/planted.rows"
cp "$T/planted.rows" "$T/planted.rows.was"
ln -s "$T/planted.rows" "$pr"
bad_rows "a link (never followed)"
t_ok "...the link's target untouched" \
	cmp -s "$T/planted.rows" "$T/planted.rows.was"
# The rows and the descriptions go together: without the descriptions
# of a feed, the pool is loaded (and the descriptions written).
rm -f "$C"/core.*.desc
opens list
t_ok "list without core's descriptions cache: the same lines" \
	cmp -s "$T/list.lists" "$T/out"
t_ok "...from the pool" grep -q '\.solv$' "$T/opened"
is "$(ls "$C" | grep -c '^core\..*\.desc$')" 1 \
	"...which wrote core's descriptions again"
R=$R0

# The caches keep the configured architectures' packages alone, and are
# named after them: another arch line is another cache, the same whether
# update or the first reader wrote it.
sed -i "s/^arch $ARCH 10\$/arch mips_24kc 10/" "$L/etc/opkg.conf"
run "$PKG" -o "$L" list
n_mips=$(printf '%s\n' "$OUT" | grep -c ' - ')
is "$(printf '%s\n' "$OUT" | grep -c '^nano - ')" 0 \
	"arch $ARCH replaced by mips_24kc: list shows no arm package (nano)"
mkdir -p "$T/nocache"
mv "$C" "$T/nocache/"
run "$PKG" -o "$L" list
is "$(printf '%s\n' "$OUT" | grep -c ' - ')" "$n_mips" \
	"...as many lines as from caches parsed afresh"
sed -i "s/^arch mips_24kc 10\$/arch $ARCH 10/" "$L/etc/opkg.conf"
run "$PKG" -o "$L" list
t_ok "...and with $ARCH again, the first list's lines" \
	test "$OUT" = "$(cat "$T/list.lists")"
sed -i "s/^arch $ARCH 10\$/arch mips_24kc 10/" "$L/etc/opkg.conf"
rm -rf "$L/var/opkg-lists" "$C"
run "$PKG" -o "$L" update
run "$PKG" -o "$L" list
is "$(printf '%s\n' "$OUT" | grep -c ' - ')" "$n_mips" \
	"...and with mips_24kc, from the caches update wrote"
sed -i "s/^arch mips_24kc 10\$/arch $ARCH 10/" "$L/etc/opkg.conf"
run "$PKG" -o "$L" list
t_ok "...and with $ARCH, from caches of its own" \
	test "$OUT" = "$(cat "$T/list.lists")"

# A list replaced: the caches of the old one go with the next write.
cp "$T/pk.desc" "$T/pk.keep"
rm -f "$pk"
touch -d '2020-01-01' "$L/var/opkg-lists/packages"
run "$PKG" -o "$L" list
is "$RC" 0 "list after the packages list changed (its mtime)"
is "$(ls "$C" | grep -c '^packages\..*\.desc$')" 1 \
	"...one descriptions cache of packages, the new list's"
is "$(ls "$C" | grep -c '^packages\..*\.solv$')" 1 "...one pool too"

done_testing
