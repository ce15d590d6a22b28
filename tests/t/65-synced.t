#!/bin/sh
# opkg's files in line with the database (pkgd/state/opkgsynced.c, issue
# 17): once pkg has written opkg's status and info files from its
# database, a query that shows only the installed state reads them, as
# on a root without a database, and never opens SQLite; its output is the
# database's, byte for byte. Anything pkg did not vouch for (a commit that
# wrote no files, the status edited, an info file added, a new image, a
# crash at any step) sends the query back to the database. On the real
# 23.05.0 router state (270 packages); SQLite's opens counted with strace
# (it opens the database by its host path; the change counter is read
# from the directory's descriptor).

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_cmd strace
need_cmd sqlite3
[ -x "$PKG_FAULT_BIN" ] || { echo "Bail out! $PKG_FAULT_BIN not built (make builds it)"; exit 1; }
mk_tmp

R=$T/root
S=$R/usr/lib/pkg/opkg-synced
mkdir -p "$R/etc/opkg" "$R/usr/lib" "$R/var/lock" "$R/tmp"
cp -r "$F230/rootfs/usr/lib/opkg" "$R/usr/lib/"
printf 'dest root /\narch all 1\narch noarch 1\narch arm_arm1176jzf-s_vfp 10\n' \
	>"$R/etc/opkg.conf"

# q CMD...: pkg -o $R CMD as a query; $OUT (stdout, stderr, exit status)
# and $SQL (how many times SQLite opened the database).
q() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=open,openat,openat2 -o "$T/strace" \
		"$PKG" -o "$R" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT="$(cat "$T/out" "$T/err")
rc=$RC"
	SQL=$(grep -c '/usr/lib/pkg/pkg\.db"' "$T/strace")
}

# same_as_db DESC CMD...: with the mark, CMD opens no database and shows
# what it shows with the mark moved aside (SQLite opened).
same_as_db() {
	_d=$1
	shift
	q "$@"
	_o1=$OUT _s1=$SQL
	mv "$S" "$T/aside"
	q "$@"
	mv "$T/aside" "$S"
	case $1 in files) # the .list's order; the database has none
		_o1=$(printf '%s\n' "$_o1" | sort) OUT=$(printf '%s\n' "$OUT" | sort)
	esac
	if [ "$_s1" = 0 ] && [ "$SQL" != 0 ] && [ "$_o1" = "$OUT" ]; then
		pass "$_d"
	else
		fail "$_d"
		diag "SQLite opened: $_s1 with the mark, $SQL without"
		printf '%s\n' "$_o1" >"$T/o1"
		printf '%s\n' "$OUT" >"$T/o2"
		diff "$T/o1" "$T/o2" | head -n 8 | sed 's/^/# /'
	fi
}

QUERIES="list-installed|status|status busybox|files busybox|search /bin/*|list-changed-conffiles|info busybox"
all_same() { # all_same WHEN
	set -f
	_old=$IFS
	IFS='|'
	for _c in $QUERIES; do
		IFS=$_old
		# shellcheck disable=SC2086
		same_as_db "$1: $_c" $_c
		IFS='|'
	done
	IFS=$_old
	set +f
}

# ---- no database: no mark ----
q list-installed
t_ok "a query on opkg's files leaves no mark" test ! -e "$S"

# ---- the database built by a write: opkg's files say what it says ----
run "$PKG" -o "$R" flag hold busybox
is "$RC" 0 "flag hold busybox builds the database"
t_ok "...and marks opkg's files in line with it" test -s "$S"
like "$(cat "$S")" "^db [0-9]+ [0-9]+ [0-9]+$" "the mark names the database's change counter"
all_same "after flag"
q list-installed --size
is "$SQL" 1 "list-installed --size reads the database (control fields)"

# ---- a transaction rewrites the mark ----
cp "$S" "$T/mark0"
run "$PKG" -o "$R" remove luci
is "$RC" 0 "remove luci"
t_ok "...rewrites the mark" test -s "$S" -a "$(cat "$S")" != "$(cat "$T/mark0")"
all_same "after remove luci"
q list-installed
unlike "$OUT" "^luci - " "luci is gone from the files read"

# ---- a failed command leaves the mark as it was ----
cp "$S" "$T/mark1"
run "$PKG" -o "$R" install no-such-package
t_ok "install of an unknown package fails" test "$RC" != 0
t_ok "...and leaves the mark byte for byte" cmp -s "$S" "$T/mark1"
run "$PKG" -o "$R" install "$T/missing.ipk"
t_ok "install of a missing file fails" test "$RC" != 0
t_ok "...and leaves the mark byte for byte" cmp -s "$S" "$T/mark1"
same_as_db "...which still holds" list-installed

# ---- what nobody vouched for goes back to the database ----
# a commit that wrote no files (another writer of the database)
sqlite3 "$R/usr/lib/pkg/pkg.db" "UPDATE packages SET version='9.9' WHERE name='busybox'"
q list-installed
is "$SQL" 1 "a commit behind pkg's back: the database is read"
like "$OUT" "busybox - 9\.9" "...and shown"
sqlite3 "$R/usr/lib/pkg/pkg.db" "UPDATE packages SET version='1.36.1-1' WHERE name='busybox'"
q list-installed
is "$SQL" 1 "put back, the counter still differs: the database is read"
run "$PKG" -o "$R" flag hold busybox
same_as_db "a write that rewrites every file marks them again" list-installed

# the status file edited (opkg-lede, an editor)
sed -i 's/^Version: 1.36.1-1$/Version: 1.36.1-7/' "$R/usr/lib/opkg/status"
q list-installed
is "$SQL" 1 "the status file edited: the database is read"
unlike "$OUT" "busybox - 1\.36\.1-7" "...not the edit"
run "$PKG" -o "$R" flag user busybox
is "$RC" 0 "flag user busybox (the files rewritten)"
same_as_db "...marks them again" list-installed
# an info file added
: >"$R/usr/lib/opkg/info/zz-new.list"
q files busybox
is "$SQL" 1 "an info file added: the database is read"
rm -f "$R/usr/lib/opkg/info/zz-new.list"
run "$PKG" -o "$R" flag hold busybox

# a stanza the database does not hold and the files' reader would stop
# at: no mark after the rewrite that keeps it
printf 'garbage line\n' >>"$R/usr/lib/opkg/status"
run "$PKG" -o "$R" flag user busybox
is "$RC" 0 "flag user busybox over a status file with a bad line"
t_ok "...leaves no mark (the line is not the database's)" test ! -e "$S"
q list-installed
is "$SQL" 1 "...and a query reads the database"
is "$(printf '%s\n' "$OUT" | grep -c ' - ')" 269 "...which shows every package"
sed -i '/^garbage line$/d' "$R/usr/lib/opkg/status"
run "$PKG" -o "$R" flag hold busybox
t_ok "the line gone, the next rewrite marks the files again" test -s "$S"

# a mark forged or cut short matches nothing
cp "$S" "$T/mark2"
head -c 20 "$T/mark2" >"$S"
q list-installed
is "$SQL" 1 "a mark cut short: the database is read"
printf 'db 1 2 3\nstatus -\ninfo -\n' >"$S"
q list-installed
is "$SQL" 1 "a forged mark: the database is read"
cp "$T/mark2" "$S"
same_as_db "the mark back, the files are read" list-installed

# a link or a hard link in the mark's place (a package's) is never
# written through, and never read as a mark
mkdir -p "$R/etc"
echo sentinel >"$R/etc/inside" && echo sentinel >"$T/outside"
cp "$S" "$R/etc/looks-like-mark"
ln -sf ../../../etc/looks-like-mark "$S"
q list-installed
is "$SQL" 1 "a link in the mark's place is not read as the mark"
ln -sf ../../../etc/inside "$S"
run "$PKG" -o "$R" flag user busybox
is "$(cat "$R/etc/inside")" sentinel "a write leaves the file a link there names"
t_ok "...and puts its own mark in the link's place" test -f "$S" -a ! -L "$S"
ln -sf "$T/outside" "$S"
run "$PKG" -o "$R" flag hold busybox
is "$(cat "$T/outside")" sentinel "...also for a link out of the root"
rm -f "$S" && ln "$R/etc/inside" "$S"
run "$PKG" -o "$R" flag user busybox
is "$(cat "$R/etc/inside")" sentinel "...and for a hard link"
t_ok "...whose name becomes the mark" test "$(stat -c %h "$R/etc/inside")" = 1
run "$PKG" -o "$R" flag hold busybox
same_as_db "the mark rewritten, the files are read" list-installed

# ---- a crash at every step of a transaction ----
# Each copy is marked by a rewrite first (a copy has new inodes, which
# its mark does not name); after the crash the next query must show what
# the database shows (recovering first), and so must the one after it.
R0=$R
TPL=$T/tpl
cp -a "$R0" "$TPL"
R=$T/cr
rm -rf "$R" && cp -a "$TPL" "$R"
TMPDIR=$T PKG_FAULT=count "$PKG_FAULT_BIN" -o "$R" remove luci-app-aria2 >/dev/null 2>"$T/count.err"
N=$(sed -n 's/^pkg-fault: \([0-9]*\) operations$/\1/p' "$T/count.err")
if [ -z "$N" ]; then
	fail "PKG_FAULT=count printed no count"
	diag "$(cat "$T/count.err")"
	N=0
fi
bad=0 tried=0 marked=0 i=1
while [ "$i" -le "$N" ]; do
	rm -rf "$R" && cp -a "$TPL" "$R"
	"$PKG" -o "$R" flag hold busybox >/dev/null 2>&1
	TMPDIR=$T PKG_FAULT=crash@$i "$PKG_FAULT_BIN" -o "$R" remove luci-app-aria2 \
		>/dev/null 2>&1
	a=$("$PKG" -o "$R" list-installed 2>&1; echo "rc=$?")
	a=$(printf '%s\n' "$a" | grep -v ': recovered an unfinished transaction: ')
	q list-installed
	b=$OUT sb=$SQL
	[ "$sb" = 0 ] && marked=$((marked + 1))
	[ -e "$S" ] && mv "$S" "$T/aside"
	c=$("$PKG" -o "$R" list-installed 2>&1; echo "rc=$?")
	[ -e "$T/aside" ] && mv "$T/aside" "$S"
	tried=$((tried + 1))
	if [ "$a" != "$c" ] || [ "$b" != "$c" ] || [ "${a%rc=0}" = "$a" ]; then
		bad=$((bad + 1))
		[ "$bad" -le 3 ] && diag "crash@$i: the files read differ from the database (SQLite opened $sb times)"
	fi
	i=$((i + 1))
done
is "$bad" 0 "after a crash at each of $tried steps of remove luci-app-aria2, queries show the database's state"
t_ok "...over a transaction of some steps" test "$N" -gt 10
diag "$marked of the $tried crashed roots were read from the files once recovered"
t_ok "...most of them read from opkg's files once recovered" test "$marked" -gt $((tried / 2))
R=$R0

# ---- an image root: a new image is read from the database ----
I=$T/img
mk_image_root "$I" || { echo "Bail out! image root"; exit 1; }
R=$I
S=$R/overlay/upper/usr/lib/pkg/opkg-synced
run "$PKG" -o "$R" flag hold ca-bundle
is "$RC" 0 "an image root: flag hold ca-bundle"
like "$(cat "$S")" "image [0-9]+ " "the mark names the image's status file"
same_as_db "an image root: list-installed reads the files" list-installed
# A query over the pool reads the database even with the mark: it puts
# the image's packages the overlay no longer has in the pool (they can be
# installed back without a download), which the status file does not
# list. Without a database on the root the pool comes from the status
# file (no SQLite: 0.7 MB and some milliseconds of `depends -A`).
run "$PKG" -o "$R" remove --force-depends zlib
is "$RC" 0 "an image root: remove --force-depends zlib (an image package)"
q whatprovides -A zlib
like "$OUT" "^What provides zlib
    zlib" "...whatprovides -A zlib: the image's zlib is in the pool"
t_ok "...read from the database, though the mark is in line" test "$SQL" -ge 1
q whatprovides zlib
is "$OUT" "What provides zlib
rc=0" "...and not among the installed packages"
printf '\n' >>"$R/rom/usr/lib/opkg/status"
q list-installed
t_ok "a new image: the database is read (and its tables rebuilt)" test "$SQL" -ge 1

done_testing
