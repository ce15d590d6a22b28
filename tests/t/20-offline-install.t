#!/bin/sh
# The issue's scenario: an offline root the way opkg users make one,
#   opkg -f ROOT/etc/opkg.conf -o ROOT update
#   opkg -f ROOT/etc/opkg.conf -o ROOT install nano
# against the real signed 23.05.2 feeds (file://), then every listing and
# querying command on the result, remove, --autoremove, --noaction, flag,
# download, install of a local .ipk and --json.
# Run alone with `prove tests/t/20-offline-install.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp

R=$T/root
mk_plain_root "$R"
C=$R/etc/opkg.conf
op() { run "$OPKG" -f "$C" -o "$R" "$@"; }
NANO_IPK=$(fixture_ipk nano)
NANO_FILE=$(basename "$NANO_IPK")

# stanza FILE NAME: the stanza of package NAME in an opkg status file.
stanza() {
	awk -v p="Package: $2" '$0 == p { f = 1 } f && $0 == "" { exit } f' "$1"
}
# Installed-Time varies: replace its value by N.
no_time() { sed 's/^Installed-Time: [0-9][0-9]*$/Installed-Time: N/'; }

# ---- update ----
op update
is "$RC" 0 "update exits 0"
[ "$RC" = 0 ] || show_run
n=$(find "$R/var/opkg-lists" -type f | wc -l)
t_ok "update stores the lists under ROOT/var/opkg-lists" test "$n" -ge 4
is "$(cd "$R/var/opkg-lists" && ls | tr '\n' ' ')" \
	"base base.sig core core.sig luci luci.sig packages packages.sig " \
	"lists_dir holds what opkg keeps there: NAME and NAME.sig"
solv_id() { stat -c '%i %Y' "$R"/tmp/pkg-cache/*.solv; }
t_ok "pkg's caches are in ROOT/tmp/pkg-cache, one per feed" \
	test "$(solv_id | wc -l)" = 4
solv_id >"$T/solv1"
sleep 1
op update
is "$RC" 0 "a second update exits 0"
solv_id >"$T/solv2"
t_ok "...and keeps every cache: the lists did not change" \
	cmp -s "$T/solv1" "$T/solv2"
is "$(grep -c '^Updated list of available packages in ' "$T/out")" 4 \
	"...saying 'Updated list of available packages in ...' each time, as opkg"

# ---- install nano ----
op install nano
is "$RC" 0 "install nano exits 0"
[ "$RC" = 0 ] || show_run
like "$OUT" "Installing nano \(7\.2-2\) to root" \
	"install says 'Installing nano (7.2-2) to root...'"

op list-installed
is "$OUT" "libc - 1.2.4-4
libgcc1 - 13.1.0-4
libncurses6 - 6.4-2
nano - 7.2-2
terminfo - 6.4-2" "list-installed: nano, libncurses6 and terminfo added"

want=$(tar -xzOf "$NANO_IPK" ./data.tar.gz | tar -xzO ./usr/bin/nano |
	sha256sum | cut -d' ' -f1)
got=$(sha256sum <"$R/usr/bin/nano" 2>/dev/null | cut -d' ' -f1)
is "$got" "$want" "ROOT/usr/bin/nano is nano's file, byte for byte"
t_ok "ROOT/usr/bin/nano is executable" test -x "$R/usr/bin/nano"
t_ok "libncurses6's library is in ROOT/usr/lib" \
	test -f "$R/usr/lib/libncursesw.so.6.4"
is "$(readlink "$R/usr/lib/libncurses.so.6" 2>/dev/null)" "libncursesw.so.6" \
	"libncurses6's symlinks are kept as symlinks"
t_ok "terminfo's files are in ROOT/usr/share/terminfo" \
	test -f "$R/usr/share/terminfo/x/xterm"
t_ok "nothing was written to the host's /usr/lib/opkg" \
	test ! -e /usr/lib/opkg/info/nano.list

S=$R/usr/lib/opkg/status
is "$(stanza "$S" nano | no_time)" "Package: nano
Version: 7.2-2
Depends: libc, libncurses6
Status: install user installed
Architecture: $ARCH
Installed-Time: N" "status: nano's stanza as opkg writes it (user)"
is "$(stanza "$S" libncurses6 | no_time)" "Package: libncurses6
ABIVersion: 6
Version: 6.4-2
Depends: libc, terminfo
Provides: libncursesw, libncurses, libncursesw6
Status: install ok installed
Architecture: $ARCH
Installed-Time: N
Auto-Installed: yes" "status: libncurses6 is a dependency (Auto-Installed)"
is "$(stanza "$S" terminfo | no_time)" "Package: terminfo
Version: 6.4-2
Depends: libc
Status: install ok installed
Architecture: $ARCH
Installed-Time: N
Auto-Installed: yes" "status: terminfo is a dependency (Auto-Installed)"
like "$(stanza "$S" libc)" "Status: install hold,user installed" \
	"status: the image's libc stanza is kept"

I=$R/usr/lib/opkg/info
is "$(cat "$I/nano.list" 2>/dev/null)" "/usr/bin/nano" \
	"info/nano.list holds the absolute path"
want=$(tar -xzOf "$(fixture_ipk libncurses6)" ./data.tar.gz | tar -tz |
	grep -v '/$' | sed 's|^\./|/|' | sort)
is "$(sort "$I/libncurses6.list" 2>/dev/null)" "$want" \
	"info/libncurses6.list lists its files and symlinks, no directories"
want=$(tar -xzOf "$NANO_IPK" ./control.tar.gz | tar -xzO ./control)
is "$(cat "$I/nano.control" 2>/dev/null)" "$want" \
	"info/nano.control is the ipk's control file"
t_ok "info/nano.postinst is saved from the control archive" \
	test -f "$I/nano.postinst"
t_ok "the database is at ROOT/usr/lib/pkg/pkg.db" test -f "$R/usr/lib/pkg/pkg.db"

# ---- queries ----
op files nano
is "$RC" 0 "files nano exits 0"
is "$(sed -n 1p "$T/out")" \
	"Package nano (7.2-2) is installed on root and has the following files:" \
	"files: opkg's header line"
like "$(sed -n 2p "$T/out")" "^($R)?/usr/bin/nano\$" "files: then the path"

op search /usr/bin/nano
is "$OUT" "nano - 7.2-2" "search /usr/bin/nano names its package"
op search '*/libncursesw.so.6.4'
is "$OUT" "libncurses6 - 6.4-2" "search takes a glob"

op info nano
is "$RC" 0 "info nano exits 0"
for l in "Package: nano" "Version: 7.2-2" "Depends: libc, libncurses6" \
	"Status: install user installed" "Architecture: $ARCH"; do
	t_ok "info nano shows '$l'" grep -qx "$l" "$T/out"
done
like "$OUT" "^Description: +Nano is a small and simple text editor" \
	"info nano shows the description"

op status nano
is "$(no_time <"$T/out")" "Package: nano
Version: 7.2-2
Depends: libc, libncurses6
Status: install user installed
Architecture: $ARCH
Installed-Time: N" "status nano prints the status fields"

op depends nano
is "$OUT" "nano depends on:
	libc
	libncurses6" "depends nano"

op whatdepends libncurses6
is "$OUT" "Root set:
  libncurses6
What depends on root set
	nano 7.2-2	depends on libncurses6" "whatdepends libncurses6"

op whatprovides libncursesw
is "$RC" 0 "whatprovides exits 0"
is "$OUT" "What provides libncursesw
    libncurses6" "whatprovides libncursesw, as opkg prints it"

op list 'nan*'
is "$RC" 0 "list 'nan*' exits 0"
desc="Nano is a small and simple text editor for use on the terminal.  Nano started as an enhanced clone of the Pico text editor. Nowadays Nano wants to be a generally useful editor with sensible defaults (linewise scrolling, no automatic line breaking).  Nano is an official GNU package."
t_ok "list: 'nano - 7.2-2 - <description joined as opkg does>'" \
	grep -qxF "nano - 7.2-2 - $desc" "$T/out"
is "$(cut -d' ' -f1 "$T/out" | sort -u | tr '\n' ' ')" \
	"nand-utils nano nano-full nano-plus " "list 'nan*' matches names by glob (fnmatch: nand-utils too)"

# Descriptions are read from the lists at each stanza's offset, in name
# order while the lists are in file-name order ("nano-full_..." before
# "nano_..."): the whole listing against one computed from the lists.
op list
is "$RC" 0 "list exits 0"
python3 "$(dirname "$0")/../lib/list_expect.py" "$C" "$R/var/opkg-lists" \
	"$R/usr/lib/opkg/status" >"$T/list.want"
LC_ALL=C sort "$T/list.want" >"$T/list.want.s"
LC_ALL=C sort "$T/out" >"$T/list.got.s"
t_ok "list: every feed entry with its own description, and the status's packages no feed has" \
	cmp -s "$T/list.want.s" "$T/list.got.s"
cmp -s "$T/list.want.s" "$T/list.got.s" ||
	diag "$(diff "$T/list.want.s" "$T/list.got.s" | head -5)"
t_ok "list: over a thousand packages" test "$(wc -l <"$T/out")" -gt 1000
cut -d' ' -f1 "$T/out" >"$T/list.names"
t_ok "list: in name order" env LC_ALL=C sort -c "$T/list.names"
op find '*Pico text editor*'
is "$RC" 0 "find exits 0"
t_ok "find: matches the description read from the list" \
	grep -qxF "nano - 7.2-2 - $desc" "$T/out"

op list-upgradable
is "$RC" 0 "list-upgradable exits 0"
is "$OUT" "" "list-upgradable: nothing newer in the feeds"

op upgrade nano
is "$RC" 0 "upgrade nano (up to date) exits 0"

op --json list-installed
is "$RC" 0 "--json list-installed exits 0"
t_ok "--json list-installed is valid JSON" python3 -m json.tool "$T/out" \
	/dev/null
like "$OUT" '"nano"' "--json list-installed names nano"
# json_has KEY VALUE: the JSON in $T/out has an object with KEY: VALUE
json_has() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
d = d if isinstance(d, list) else [d]
sys.exit(0 if any(o.get(sys.argv[2]) == sys.argv[3] for o in d) else 1)' \
		"$T/out" "$1" "$2"
}
op --json find 'nano*'
t_ok "--json find: valid JSON naming nano" json_has name nano
op --json search '/usr/bin/*'
t_ok "--json search: the owner of /usr/bin/nano" json_has path /usr/bin/nano
op --json files nano
t_ok "--json files: valid JSON for nano" json_has name nano
like "$OUT" '"/usr/bin/nano"' "...listing /usr/bin/nano"

# ---- --dump-testcase: libsolv's testcase (libsolvext, loaded for it) ----
op --noaction --dump-testcase "$T/tc" install zlib
is "$RC" 0 "--dump-testcase DIR exits 0"
t_ok "...and writes DIR/testcase.t" test -s "$T/tc/testcase.t"
t_ok "...naming the job" grep -q 'job install.*zlib' "$T/tc/testcase.t"

# ---- --noaction changes nothing ----
snap "$R" >"$T/before"
op --noaction install zlib
is "$RC" 0 "--noaction install zlib exits 0"
op --noaction remove nano
is "$RC" 0 "--noaction remove nano exits 0"
snap "$R" >"$T/after"
t_ok "--noaction left every file as it was" cmp -s "$T/before" "$T/after"
cmp -s "$T/before" "$T/after" || diff "$T/before" "$T/after" | head | sed 's/^/# /'

# ---- flag ----
op flag hold nano
is "$RC" 0 "flag hold nano exits 0"
like "$OUT" "Setting flags for package nano to hold" "flag says what it set"
like "$(stanza "$S" nano)" "^Status: install hold(,user)? installed\$" \
	"status records the hold"
op flag user nano
like "$(stanza "$S" nano)" "^Status: install user installed\$" \
	"flag user replaces the flags"

# ---- remove ----
op remove nano
is "$RC" 0 "remove nano exits 0"
like "$OUT" "Removing package nano from root" "remove says what it removes"
t_ok "ROOT/usr/bin/nano is gone" test ! -e "$R/usr/bin/nano"
is "$(stanza "$S" nano)" "" "nano's stanza left the status file"
t_ok "info/nano.* are gone" test ! -e "$I/nano.list" -a ! -e "$I/nano.control"
op list-installed
is "$OUT" "libc - 1.2.4-4
libgcc1 - 13.1.0-4
libncurses6 - 6.4-2
terminfo - 6.4-2" "remove without --autoremove keeps the dependencies"

op install nano
is "$RC" 0 "install nano again"
op remove --autoremove nano
is "$RC" 0 "remove --autoremove nano exits 0"
op list-installed
is "$OUT" "libc - 1.2.4-4
libgcc1 - 13.1.0-4" "--autoremove also removes the orphaned dependencies"
t_ok "libncurses6's files are gone" test ! -e "$R/usr/lib/libncursesw.so.6.4"

# ---- download, install of a local file ----
mkdir -p "$T/dl"
(cd "$T/dl" && "$OPKG" -f "$C" -o "$R" download nano >"$T/out" 2>"$T/err")
is "$?" 0 "download nano exits 0"
t_ok "download writes ./$NANO_FILE, identical to the feed's" \
	cmp -s "$T/dl/$NANO_FILE" "$NANO_IPK"
like "$(cat "$T/out")" "Downloaded nano as \./$NANO_FILE" \
	"download says where it put the file"

(cd "$T/dl" && "$OPKG" -f "$C" -o "$R" install "./$NANO_FILE" \
	>"$T/out" 2>"$T/err")
is "$?" 0 "install ./$NANO_FILE (a local file) exits 0"
op list-installed
is "$OUT" "libc - 1.2.4-4
libgcc1 - 13.1.0-4
libncurses6 - 6.4-2
nano - 7.2-2
terminfo - 6.4-2" "the local file's dependencies come from the feeds"
t_ok "ROOT/usr/bin/nano is back" test -x "$R/usr/bin/nano"

# ---- --force-reinstall, list-changed-conffiles, whatdependsrec ----
rm -f "$R/usr/bin/nano"
op --force-reinstall install nano
t_ok "--force-reinstall install nano puts a deleted file back" \
	test -x "$R/usr/bin/nano"
op list-changed-conffiles
is "$RC:$OUT" "0:" "list-changed-conffiles: no conffiles here, empty"
op whatdependsrec terminfo
like "$OUT" "nano 7\.2-2	depends on libncurses6" \
	"whatdependsrec follows terminfo <- libncurses6 <- nano"

# ---- feeds from ROOT/etc/opkg/*.conf (OpenWrt's customfeeds.conf) ----
grep '^src/gz luci ' "$C" >"$R/etc/opkg/customfeeds.conf"
sed -i '/^src\/gz luci /d' "$C"
rm -f "$R"/var/opkg-lists/luci*
op update
is "$RC" 0 "update with a feed in etc/opkg/customfeeds.conf exits 0"
t_ok "...and fetches its list too" test -s "$R/var/opkg-lists/luci"
op list luci-base
like "$OUT" "^luci-base - " "its packages are available"
echo "src/gz luci file:///nowhere" >"$R/etc/opkg/customfeeds.bak"
op update
is "$RC" 0 "a file not ending in .conf is not read"

done_testing
