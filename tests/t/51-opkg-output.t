#!/bin/sh
# opkg's output where scripts and LuCI read it, and the URLs opkg takes
# (issue 14, sections 3 and 5). Every expected line here is what
# OpenWrt's opkg (opkg-lede 38eccbb) printed on a copy of the same root;
# docs/opkg-behaviour.md quotes those runs.
# Run alone with `prove tests/t/51-opkg-output.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp
export LC_ALL=C

# Installed-Time varies: replace its value by N.
no_time() { sed 's/^Installed-Time: [0-9][0-9]*$/Installed-Time: N/'; }

# ---- compare-versions: opkg's operators, nothing else ---------------------
for c in "1.0 << 2.0 0" "1.0 << 1.0 1" "1.0 <= 1.0 0" "2.0 <= 1.0 1" \
	"1.0 < 1.0 0" "2.0 < 1.0 1" "1.0 = 1.0 0" "1.0 = 2.0 1" \
	"1.0 >= 1.0 0" "1.0 >= 2.0 1" "1.0 > 1.0 0" "1.0 > 2.0 1" \
	"2.0 >> 1.0 0" "1.0 >> 1.0 1"; do
	set -- $c
	run "$OPKG" compare-versions "$1" "$2" "$3"
	is "$RC" "$4" "compare-versions $1 $2 $3: exit $4"
done
for op in '==' '!=' lt le eq ge gt '~'; do
	run "$OPKG" compare-versions 1.0 "$op" 1.0
	is "$RC:$OUT" "1:" "compare-versions 1.0 $op 1.0: not an opkg operator, exit 1"
	is "$ERR" "opkg: Unknown operator: $op." "... 'Unknown operator: $op.'"
done

# ---- update: opkg's messages, feed by feed; file: URLs -------------------
# opkg-lede on this root (without check_signature, see the docs) printed,
# for each feed: "Downloading URL", "Updated list of available packages
# in ROOT//var/opkg-lists/NAME"; for a feed it cannot read "*** Failed to
# download the package list from URL" and a blank line; with signatures
# "Downloading .../Packages.sig" and "Signature check passed.". It reads
# "src NAME file:/path" (one slash) and decodes %XX in the path.
R=$T/root
mk_plain_root "$R"
mkdir -p "$T/sp ace"
cp -r "$F23/feeds/base" "$T/sp ace/"
sed -i 's|file://|file:|' "$R/etc/opkg.conf"
sed -i "s|^src/gz base .*|src/gz base file:$T/sp%20ace/base|" "$R/etc/opkg.conf"
expect_update() {
	for f in $FEEDS; do
		u=file:$F23/feeds/$f
		[ "$f" = base ] && u="file:$T/sp%20ace/base"
		echo "Downloading $u/Packages.gz"
		echo "Updated list of available packages in $R//var/opkg-lists/$f"
		echo "Downloading $u/Packages.sig"
		echo "Signature check passed."
	done
}
run "$OPKG" -o "$R" update
is "$RC" 0 "update with 'src/gz NAME file:/path' feeds (one slash) exits 0"
is "$OUT" "$(expect_update)" \
	"update: opkg's messages per feed, file:/path and %20 in a path read"
is "$ERR" "" "update: nothing on stderr (the stanza without Package opkg skips silently)"
run "$OPKG" -o "$R" install zlib
is "$RC" 0 "install from a file:/path feed"
t_ok "... zlib's files are there" test -f "$R/usr/lib/libz.so.1.2.13"

echo "src/gz gone file:$T/nowhere" >>"$R/etc/opkg.conf"
run "$OPKG" -o "$R" update
is "$RC" 1 "update with a feed that cannot be read: exit 1 (one failure)"
is "$(sed -n '17,$p' "$T/out")" "Downloading file:$T/nowhere/Packages.gz
*** Failed to download the package list from file:$T/nowhere/Packages.gz" \
	"... '*** Failed to download the package list from URL' and a blank line"
is "$(tail -c 2 "$T/out" | od -An -c | tr -d ' ')" '\n\n' "... the blank line printed"
like "$ERR" "nowhere/Packages.gz" "... the reason on stderr"
sed -i '/^src\/gz gone/d' "$R/etc/opkg.conf"

# A signature that does not match: opkg says "Signature check failed.";
# pkg keeps the old list and fails (a deliberate difference: README).
mk_key "$T/other"
cp -r "$F23/feeds/luci" "$T/luci"
"$PKG_REPO" sign "$T/luci/Packages" -k "$T/other" >/dev/null 2>&1
sed -i "s|^src/gz luci .*|src/gz luci file:$T/luci|" "$R/etc/opkg.conf"
run "$OPKG" -o "$R" update
is "$RC" 1 "update with a bad signature: exit 1"
is "$(tail -n 4 "$T/out")" "Downloading file:$T/luci/Packages.gz
Updated list of available packages in $R//var/opkg-lists/luci
Downloading file:$T/luci/Packages.sig
Signature check failed." "... 'Signature check failed.'"

# ---- remove: orphans and modified conffiles -------------------------------
# opkg-lede, on a plain root with the 23.05.2 feeds: `install nano`, then
# `--autoremove remove nano`; `install dropbear`, an edit to its conffile,
# `remove dropbear`.
sed -i "s|^src/gz luci .*|src/gz luci file:$F23/feeds/luci|" "$R/etc/opkg.conf"
run "$OPKG" -o "$R" update
run "$OPKG" -o "$R" install nano
run "$OPKG" -o "$R" --autoremove remove nano
is "$RC:$OUT" "0:Removing package nano from root...
libncurses6 was autoinstalled and is now orphaned, removing.
Removing package libncurses6 from root...
terminfo was autoinstalled and is now orphaned, removing.
Removing package terminfo from root..." \
	"remove --autoremove: 'NAME was autoinstalled and is now orphaned, removing.'"
run "$OPKG" -o "$R" install nano
run "$OPKG" -o "$R" --noaction --autoremove remove nano
is "$OUT" "Removing package nano from root...
libncurses6 was autoinstalled and is now orphaned, removing.
Removing package libncurses6 from root...
terminfo was autoinstalled and is now orphaned, removing.
Removing package terminfo from root..." "... also with --noaction"
run "$OPKG" -o "$R" remove nano
is "$OUT" "Removing package nano from root..." \
	"remove without --autoremove: no orphan removed"
run "$OPKG" -o "$R" install dropbear
echo "# edited" >>"$R/etc/config/dropbear"
run "$OPKG" -o "$R" remove dropbear
is "$RC:$OUT" "0:Removing package dropbear from root...
Not deleting modified conffile $R/etc/config/dropbear." \
	"remove: 'Not deleting modified conffile ROOT/PATH.'"
t_ok "... the file stays" grep -q edited "$R/etc/config/dropbear"

# ---- list and find on a real router's state -------------------------------
# Q: the 23.05.0 router (270 packages in its status) with the 23.05.2
# feeds, as in 50-opkg-compat.t. opkg-lede's list printed 4529 lines
# there: every feed entry, then (sorted in) the 31 packages of the status
# file no feed has by name, "name - version" (kernel, libc, bc...).
RF=$F230/rootfs
# mk_router_root DIR: the router's opkg state, its configuration plus the
# architectures and the 23.05.2 feeds (not updated yet)
mk_router_root() {
	mkdir -p "$1/etc/opkg/keys" "$1/usr/lib" "$1/var/opkg-lists"
	cp -a "$RF/usr/lib/opkg" "$1/usr/lib/"
	cp "$F23_KEY" "$1/etc/opkg/keys/"
	{
		cat "$RF/etc/opkg.conf"
		echo "arch all 1"
		echo "arch noarch 1"
		echo "arch arm_arm1176jzf-s_vfp 10"
		echo "arch $ARCH 10"
		for f in $FEEDS; do
			echo "src/gz $f file://$F23/feeds/$f"
		done
	} >"$1/etc/opkg.conf"
}
Q=$T/q
mk_router_root "$Q"
run "$OPKG" -o "$Q" update
run "$OPKG" -o "$Q" list kernel
is "$OUT" "kernel - 5.15.134-1-81d76c076a3bbb1ad06cf0d445055897" \
	"list: a package only installed (kernel), 'name - version'"
run "$OPKG" -o "$Q" list libc
is "$OUT" "libc - 1.2.4-4" "list: libc (installed, in no feed)"
run "$OPKG" -o "$Q" list nano
like "$OUT" "^nano - 7\.2-2 - Nano is" \
	"list nano: the feed's entry only (the installed 8.1-1 has a feed by name)"
is "$(echo "$OUT" | wc -l)" 1 "... one line"
run "$OPKG" -o "$Q" list comgt
is "$OUT" "comgt - 0.32-35 - comgt is a scripting language interpreter useful for establishing communications on serial lines and through PCMCIA modems as well as GPRS  and 3G datacards." \
	"list: description lines joined as they are (a line's trailing blank kept)"
run "$OPKG" -o "$Q" list adblock
is "$OUT" "adblock - 4.1.5-9 - Powerful adblock solution to block ad/abuse domains via dnsmasq, unbound, named or kresd. The script supports many domain blacklist sites plus manual black- and whitelist overrides. Please see https://github.com/openwrt/packages/blob/master/net/adblock/files/README.md for further information." \
	"list: the joined description trimmed at its ends"
# Every feed entry plus the status packages no feed has, from the files.
zcat $(for f in $FEEDS; do echo "$F23/feeds/$f/Packages.gz"; done) |
	awk '/^Package: / { print $2 }' | sort -u >"$T/feednames"
nfeed=$(zcat $(for f in $FEEDS; do echo "$F23/feeds/$f/Packages.gz"; done) |
	grep -c '^Package: ')
nonly=$(awk '/^Package: / { print $2 }' "$Q/usr/lib/opkg/status" | sort -u |
	comm -23 - "$T/feednames" | wc -l)
run "$OPKG" -o "$Q" list
is "$(wc -l <"$T/out")" "$((nfeed + nonly))" \
	"list: one line per feed entry and per status-only package ($nfeed + $nonly)"
is "$(cut -d' ' -f1 "$T/out")" "$(cut -d' ' -f1 "$T/out" | LC_ALL=C sort)" \
	"list: sorted by name"
run "$OPKG" -o "$Q" find '*sshtunnel*'
is "$OUT" "luci-app-sshtunnel - 1.1.0 - LuCI support for SSH Tunnels (sshtunnel package)
luci-i18n-sshtunnel-ru - git-24.072.73299-397b1b2 - Translation for luci-app-sshtunnel - Русский (Russian)
sshtunnel - 4-5 - Creates openssh ssh(1) local and remote tunnels configured in UCI file. Can be used to allow remote connections, possibly over NATed connections or without public IP/DNS" \
	"find: name or description matches, in list's order (by name)"
run "$OPKG" -o "$Q" find 'libc'
is "$OUT" "libc - 1.2.4-4" "find: a status-only package too"
# The same feed twice: opkg lists each feed's entry.
cp "$Q/etc/opkg.conf" "$T/twice.conf"
echo "src/gz base2 file://$F23/feeds/base" >>"$T/twice.conf"
run "$OPKG" -f "$T/twice.conf" -o "$Q" update
run "$OPKG" -f "$T/twice.conf" -o "$Q" list zlib
is "$OUT" "zlib - 1.2.13-1 - zlib is a lossless data-compression library. This package includes the shared library.
zlib - 1.2.13-1 - zlib is a lossless data-compression library. This package includes the shared library." \
	"list: a package in two feeds, one line per feed entry"

# ---- info -----------------------------------------------------------------
# opkg-lede's `info` on Q: for a package that is not installed, the fields
# of pkg_formatted_info the feed entry has, "Status: unknown ok
# not-installed" (or the entry's own Status), dependencies as opkg prints
# them ("(=V)" as "(= V)", one constraint per entry), the description
# joined; no SHA256sum, License, CPE-ID or Installed-Size.
run "$OPKG" -o "$Q" info nano-plus
is "$RC:$(cat "$T/out")" "0:Package: nano-plus
Version: 7.2-2
Depends: libc, libncurses6
Status: unknown ok not-installed
Section: utils
Architecture: arm_cortex-a9_vfpv3-d16
Size: 116692
Filename: nano-plus_7.2-2_arm_cortex-a9_vfpv3-d16.ipk
Description: nano-plus - Additional features enabled, larger size than default nano. (multibuffer, Unicode/UTF-8, help, justify, nanorc, some key bindings)  Nano is a small and simple text editor for use on the terminal.  Nano started as an enhanced clone of the Pico text editor. Nowadays Nano wants to be a generally useful editor with sensible defaults (linewise scrolling, no automatic line breaking).  Nano is an official GNU package." \
	"info of a package not installed: opkg's fields and order, not the index stanza"
run "$OPKG" -o "$Q" info wpad-basic-mbedtls
like "$OUT" "Depends: hostapd-common \(= 2023-09-08-e5ccbfc6-6\), libc," \
	"info: '(=V)' printed '(= V)'"
run "$OPKG" -o "$Q" info nginx-full
like "$OUT" "Depends: nginx-ssl-util \(>= 1\.5-1\), libc," \
	"info: one constraint per dependency, as opkg keeps it"
run "$OPKG" -o "$Q" info libgcc1
is "$(awk 'BEGIN { RS = "" } /Architecture: arm_cortex/' "$T/out" | sed -n 3,5p)" \
	"Provides: libgcc
Status: unknown hold not-installed
Section: libs" "info: a feed entry's own Status"
# Every entry: each feed entry not installed as it is (name, version and
# architecture), each installed package: the counts from the files.
zcat $(for f in $FEEDS; do echo "$F23/feeds/$f/Packages.gz"; done) |
	awk '/^Package: / { p = $2 } /^Version: / { v = $2 }
	/^Architecture: / { print p " " v " " $2 }' | sort >"$T/feedpva"
awk '/^Package: / { p = $2 } /^Version: / { v = $2 }
	/^Architecture: / { print p " " v " " $2 }' "$Q/usr/lib/opkg/status" |
	sort >"$T/statpva"
ntwin=$(comm -12 "$T/feedpva" "$T/statpva" | wc -l)
run "$OPKG" -o "$Q" info
is "$(grep -c '^Package: ' "$T/out")" \
	"$(($(wc -l <"$T/feedpva") + $(wc -l <"$T/statpva") - ntwin))" \
	"info: every feed entry and every installed package, one entry each"
is "$(grep -c '^Status: unknown ok not-installed$' "$T/out")" \
	"$(($(wc -l <"$T/feedpva") - ntwin - 5))" \
	"... 'unknown ok not-installed' for each feed entry not installed (5 have their own Status)"
unlike "$OUT" "^(SHA256sum|License|CPE-ID|Installed-Size|Auto-Installed|ABIVersion): " \
	"... no field opkg's info does not print"
# An installed package that a feed has (same version and architecture):
# opkg merges the feed entry's fields into the status ones.
run "$OPKG" -o "$R" install nano
run "$OPKG" -o "$R" info nano
is "$(no_time <"$T/out")" "Package: nano
Version: 7.2-2
Depends: libc, libncurses6
Status: install user installed
Section: utils
Architecture: $ARCH
Size: 70201
Filename: nano_7.2-2_$ARCH.ipk
Description: Nano is a small and simple text editor for use on the terminal.  Nano started as an enhanced clone of the Pico text editor. Nowadays Nano wants to be a generally useful editor with sensible defaults (linewise scrolling, no automatic line breaking).  Nano is an official GNU package.
Installed-Time: N" \
	"info of an installed package: the status fields and its feed entry's"
# Yocto's options (opkg-lede has neither): --fields keeps Package,
# --short-description applies to info too.
run "$OPKG" -o "$Q" --fields Version,Size info nano-plus
is "$OUT" "Package: nano-plus
Version: 7.2-2
Size: 116692" "info --fields A,B: Package always comes along"
run "$OPKG" -o "$Q" --fields Status status dropbear
is "$OUT" "Package: dropbear
Status: install user installed" "status --fields Status: with Package"
run "$OPKG" -o "$Q" --short-description info nano-plus
is "$(grep -A1 '^Description: ' "$T/out")" \
	"Description: nano-plus - Additional features enabled, larger size than default nano." \
	"info --short-description: the description's first line"

# ---- depends and what*: opkg's walk, byte for byte ------------------------
# opkg-lede prints these in the order its package hash table walks them
# (bucket djb2(name) % 1024, then the order names first entered: the
# lists, then the status; pkgd/state/opkgorder.c), and its whatdepends
# marks each dependent as it prints it, so that a later one depending on
# it is printed too ("kmod-hid depends on kernel (= ...)" in whatdepends
# libc). tests/opkg-lede/q-*.out are what it printed on this root (Q's
# configuration, a cache directory this time: the .solv keeps Depends
# sorted, and the order of the lists is cached beside it).
EXP=$PKG_TOP/tests/opkg-lede
W=$T/walk
mk_router_root "$W"
mkdir -p "$W/tmp"
run "$OPKG" -o "$W" update
is "$RC" 0 "walk root: update"
# walk_is FILE DESC ARGS...: the output of ARGS is FILE's, byte for byte
walk_is() {
	_f=$1 _d=$2
	shift 2
	run "$OPKG" -o "$W" "$@"
	if [ "$RC" = 0 ] && cmp -s "$T/out" "$EXP/$_f"; then
		pass "$_d"
	else
		fail "$_d"
		diag "exit $RC; $ERR"
		diff "$EXP/$_f" "$T/out" | head -n 10 | sed 's/^/# /'
	fi
}
walk_is q-whatdepends-libc.out \
	"whatdepends libc: opkg's 213 lines in its order (with the kmods on kernel)" \
	whatdepends libc
walk_is q-whatdependsrec-libubox.out "whatdependsrec libubox20230523" \
	whatdependsrec libubox20230523
walk_is q-depends-luci.out \
	"depends 'luci*': opkg's order, a Depends entry written twice shown twice" \
	depends 'luci*'
walk_is q-A-whatdepends-kernel.out \
	"-A whatdepends kernel: 701 lines, the first entry that hits as written" \
	-A whatdepends kernel
t_ok "... the lists' orders and pools are cached" \
	sh -c "ls '$W'/tmp/pkg-cache/packages.*.order '$W'/tmp/pkg-cache/packages.*.solv"
walk_is q-A-whatdepends-kernel.out "-A whatdepends kernel again, from the caches" \
	-A whatdepends kernel
walk_is q-A-depends-lib.out "-A depends 'lib*': 1054 lines in opkg's order" \
	-A depends 'lib*'
walk_is q-A-whatprovides-lib.out \
	"-A whatprovides 'lib*': an installed package and its feed entry of another architecture both" \
	-A whatprovides 'lib*'
# list-upgradable walks the same way. opkg-lede leaves out 12 kmods that
# pkg lists (their newer versions depend on a kernel no feed has: opkg's
# answer depends on the order it checks dependencies in, README) and
# prints its HOLD/PREFER notices on stdout: the lines both print come in
# the same order
run "$OPKG" -o "$W" list-upgradable
grep -v '^Multiple packages' "$EXP/q-list-upgradable.out" >"$T/lu.exp"
grep -Fx -f "$T/lu.exp" "$T/out" >"$T/lu.both"
is "$(wc -l <"$T/lu.both")" 62 "list-upgradable: each of opkg's 62 lines"
t_ok "... in opkg's order" cmp -s "$T/lu.exp" "$T/lu.both"
# an order cache that does not check is read past: the list is read again
# and the cache written anew
for c in "$W"/tmp/pkg-cache/*.order; do
	head -c 100 "$c" >"$c.cut" && mv "$c.cut" "$c"
done
walk_is q-whatdepends-libc.out "a truncated order cache: the lists are read instead" \
	whatdepends libc
orders_whole() {
	for c in "$W"/tmp/pkg-cache/*.order; do
		[ "$(tail -c 8 "$c")" = pkgordr1 ] || return 1
	done
}
t_ok "... and the caches are whole again" orders_whole
# without the lists (after a reboot) the status alone gives the order
rm -f "$W"/var/opkg-lists/*
walk_is q-nolists-whatdepends-libc.out \
	"whatdepends libc without lists: the status file's order" whatdepends libc
# info walks the same way (status does not: name order, see the README);
# the feeds' entries from the rows caches, then from the pool
run "$OPKG" -o "$W" update
walk_is q-info-lib.out \
	"info 'lib*': opkg's order, an installed package where its feed entry stands" \
	info 'lib*'
rm -f "$W"/tmp/pkg-cache/*.rows
walk_is q-info-lib.out "info 'lib*' from the pool: the same" info 'lib*'
# depends reads the rows and each match's stanza (depends_run), or the
# pool when a feed has no rows cache
rm -f "$W"/tmp/pkg-cache/*.rows
walk_is q-A-depends-lib.out "-A depends 'lib*' from the pool: the same" \
	-A depends 'lib*'
# opkg keeps one package per name, version and architecture: a feed
# listed twice shows each of its entries once (2 Package lines, not 3)
echo "src/gz base2 file://$F23/feeds/base" >>"$W/etc/opkg.conf"
run "$OPKG" -o "$W" update
walk_is q-twofeeds-info-dnsmasq.out \
	"info 'dnsmasq*' with the base feed twice: each entry once, as opkg" \
	info 'dnsmasq*'

# ---- depends: each Depends entry as opkg-lede reads and prints it ---------
# opkg-lede's parseDepends cuts an entry at '|', takes its first word as
# the name (split at blanks alone: "c(<< 2)" is the name "c(<<") and reads
# "(OP VERSION)" only after one blank, nothing after it ("(>= 1) (<< 2)"
# keeps the first); "<" is "<=" to it, and it prints "<<" as "<"; depends
# prints Depends entries alone, no Pre-Depends. The expected text is what
# opkg-lede printed on the same root (a feed, and a status with qa as the
# feed has it and qz).
D=$T/deps
mkdir -p "$D/feed" "$D/etc/opkg" "$D/usr/lib/opkg/info" "$D/var/opkg-lists" \
	"$D/tmp"
cat >"$D/feed/Packages" <<'PACKAGES'
Package: qa
Version: 1.0-1
Architecture: all
Depends: libc, b (>=1.0) (<2), c(<< 2), d (<3), e|f (= 1), g (>3) | h, i ( >= 4 ), j (1.0)
Pre-Depends: pre1
Description: quirks

Package: qb
Version: 1.0-1
Architecture: all
Pre-Depends: pre2
Description: pre only

Package: qc
Version: 1.0-1
Architecture: all
Depends: x (>= 1) (<< 2) | y,  z  ,w(=3)|v
Description: more
PACKAGES
gzip -k "$D/feed/Packages"
printf 'dest root /\nlists_dir ext /var/opkg-lists\narch all 1\nsrc/gz q file://%s/feed\n' \
	"$D" >"$D/etc/opkg.conf"
{
	sed -n '1,4p' "$D/feed/Packages"
	printf 'Status: install user installed\nInstalled-Time: 1700000000\n\n'
	printf 'Package: qz\nVersion: 1.0-1\n'
	grep '^Depends: x' "$D/feed/Packages"
	printf 'Status: install user installed\nArchitecture: all\n'
	printf 'Installed-Time: 1700000000\n\n'
} >"$D/usr/lib/opkg/status"
QA='qa depends on:
	libc
	b (>= 1.0)
	c(<<
	d (<= 3)
	e | f (= 1)
	g (>= 3) | h
	i (>= 4)
	j (1.0)'
QZ='qz depends on:
	x (>= 1) | y
	z
	w(=3) | v'
run "$OPKG" -o "$D" update
is "$RC" 0 "depends root: update"
run "$OPKG" -o "$D" depends 'q*'
is "$RC:$OUT" "0:$QA
$QZ" "depends 'q*' (installed): opkg-lede's reading of each entry"
run "$OPKG" -o "$D" depends qz 'q[az]'
is "$OUT" "$QZ
$QA
$QZ" "depends GLOB GLOB: glob by glob, a package both match shown twice"
rm -f "$D"/tmp/pkg-cache/q.*.rows # (update wrote it)
run "$OPKG" -o "$D" -A depends 'q*'
is "$RC" 0 "-A depends 'q*' without a rows cache: the pool is read"
t_ok "... and the feed's rows cache written" \
	sh -c "ls '$D'/tmp/pkg-cache/q.*.rows >/dev/null"
run "$OPKG" -o "$D" -A depends 'q*'
is "$RC:$OUT" "0:$QA
qb depends on:
qc depends on:
	x (>= 1) | y
	z
	w(=3) | v
$QZ" "-A depends 'q*' from the rows: opkg-lede's text, Pre-Depends left out"

done_testing
