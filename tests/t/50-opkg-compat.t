#!/bin/sh
# opkg compatibility: every opkg command and option through the `opkg`
# link, against
#   Q: an offline root holding a real router's opkg state (the 23.05.0
#      bcm2708 fixture: status with 270 packages, info/, etc/opkg.conf),
#      with the real signed 23.05.2 feeds as its sources;
#   R: a plain offline root (libc + libgcc1) for transactions.
# Expected outputs are written from opkg's documented behaviour
# (docs/opkg-behaviour.md, from opkg-lede's source) and computed from the
# fixture files with awk, never from pkg's own output.
#
# Behaviours that could not be confirmed, and how they were decided:
# - Order of info/status/list-upgradable: opkg prints them in hash-table
#   order; pkg sorts by name. The tests compare these as sets (sorted).
#   depends and the what* commands follow opkg's order, compared byte for
#   byte with opkg-lede's own output in 51-opkg-output.t.
# - `verify` (Yocto's opkg lists it; its output format was not found):
#   pkg prints "PKG: /path missing|changed" per file and exits 255 when
#   one does not match, nothing and 0 otherwise.
# - `clean` (Yocto): empties the cache directory; prints nothing.
# - `dist-upgrade` (Yocto): upgrades everything with new dependencies,
#   which is what pkg's `upgrade` without names already does.
# - `-d DEST` with an unknown name: opkg's conf load fails (-1): exit 255
#   assumed (the message text "Unknown dest name" is confirmed).
# - `--add-ignore-recommends`, `whatrecommends`, `whatsuggests`,
#   `whatreplaces`: no real OpenWrt feed or status uses Recommends,
#   Suggests or Replaces, so they run against stand-in packages built with
#   pkg-repo.
# - `status`/`info` print opkg's pkg_formatted_info fields only: no
#   ABIVersion, no Auto-Installed (confirmed in the field list); info of an
#   installed package takes Section/Maintainer/Description from its
#   installed control (opkg merges the feed entry of the same version).
# Run alone with `prove tests/t/50-opkg-compat.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp
export LC_ALL=C

RF=$F230/rootfs
RARCH=arm_arm1176jzf-s_vfp

# ---- Q: a real router's state -----------------------------------------
Q=$T/q
mkdir -p "$Q/etc/opkg/keys" "$Q/usr/lib" "$Q/var/opkg-lists"
cp -a "$RF/usr/lib/opkg" "$Q/usr/lib/"
cp -a "$RF/etc/sysupgrade.conf" "$RF/etc/openwrt_release" "$Q/etc/"
cp "$F23_KEY" "$Q/etc/opkg/keys/"
{
	cat "$RF/etc/opkg.conf"
	echo "arch all 1"
	echo "arch noarch 1"
	echo "arch $RARCH 10"
	echo "arch $ARCH 10"
	for f in $FEEDS; do echo "src/gz $f file://$F23/feeds/$f"; done
} >"$Q/etc/opkg.conf"
QS=$Q/usr/lib/opkg/status
op() { run "$OPKG" -o "$Q" "$@"; }

# status_expect FILE NAME: what `opkg status NAME` prints from a status
# file: pkg_formatted_info's order, the status command's fields, a blank.
status_expect() {
	awk -v p="Package: $2" '
	$0 == p { f = 1 } f && $0 == "" { exit }
	f && /^ / { v[k] = v[k] "\n" $0; next }
	f { k = $0; sub(/:.*/, "", k); v[k] = $0 }
	END { n = split("Package Version Depends Recommends Suggests " \
		"Provides Replaces Conflicts Status Essential Architecture " \
		"Conffiles Installed-Time", o, " ")
	      for (i = 1; i <= n; i++) if (o[i] in v) print v[o[i]]
	      print "" }' "$1"
}
# installed FILE: "name - version" of installed/unpacked packages, sorted.
installed() {
	awk '/^Package: / { p = $2 } /^Version: / { v = $2 }
	/^Status: / && ($4 == "installed" || $4 == "unpacked") {
		print p " - " v }' "$1" | sort
}
# field FILE NAME FIELD: a one-line field of a package's stanza.
sfield() {
	awk -v p="Package: $2" -v f="$3: " '$0 == p { s = 1 }
	s && $0 == "" { exit } s && index($0, f) == 1 {
		print substr($0, length(f) + 1) }' "$1"
}

op update
is "$RC" 0 "update exits 0"
is "$(grep -c '^Updated list of available packages in ' "$T/out")" 4 \
	"update: 'Updated list of available packages in ...' per feed"
# opkg's update exits with the number of feeds that failed.
cp "$Q/etc/opkg.conf" "$T/bad.conf"
printf 'src/gz gone1 file://%s/nowhere1\nsrc/gz gone2 file://%s/nowhere2\n' \
	"$T" "$T" >>"$T/bad.conf"
run "$OPKG" -f "$T/bad.conf" -o "$Q" update
is "$RC" 2 "update with two unreachable feeds exits 2 (opkg: the failure count)"
run "$PKG" -f "$T/bad.conf" -o "$Q" update
is "$RC" 1 "...and 1 when called as pkg"

# ---- list-installed and its options -------------------------------------
op list-installed
is "$RC" 0 "list-installed exits 0"
is "$OUT" "$(installed "$QS")" \
	"list-installed: the router's 270 packages, name - version, sorted"
op list_installed 'libopenssl*'
is "$OUT" "libopenssl3 - 3.0.14-2" "list_installed GLOB (underscore alias)"
op -i list-installed 'LIBOPENSSL*'
is "$OUT" "libopenssl3 - 3.0.14-2" "-i: globs ignore case"
op --nocase list-installed 'LibOpenSSL3'
is "$OUT" "libopenssl3 - 3.0.14-2" "--nocase"

# -i everywhere a pattern is taken (one glob matcher): the upper-case
# pattern with -i prints what the lower-case one prints without it, and
# without -i it matches nothing.
# nocase_same LOWER UPPER ARGS...: `opkg ARGS PATTERN` three ways.
nocase_same() {
	_lo=$1 _up=$2
	shift 2
	op "$@" "$_lo"
	_want=$OUT _wrc=$RC
	t_ok "$* $_lo: matches something" test -n "$_want"
	op -i "$@" "$_up"
	is "$RC:$OUT" "$_wrc:$_want" "-i $* $_up: as $* $_lo"
	op "$@" "$_up"
	t_ok "$* $_up without -i: not as $_lo" test "$RC:$OUT" != "$_wrc:$_want"
}
nocase_same 'nano*' 'NANO*' list
nocase_same 'nano*' 'NaNo*' find
nocase_same busybox BUSYBOX list-installed
nocase_same dropbear DROPBEAR info
nocase_same nano-full NANO-FULL info
nocase_same dropbear DROPBEAR status
nocase_same /usr/sbin/dropbear /USR/SBIN/DROPBEAR search
nocase_same 'dropbear*' 'DROPBEAR*' list-changed-conffiles
nocase_same 'kmod-cfg*' 'KMOD-CFG*' list-upgradable
nocase_same dropbear DROPBEAR depends
nocase_same 'libubox*' 'LIBUBOX*' whatdepends
op whatprovides 'libubox*'
want=$(printf '%s\n' "$OUT" | sed 1d)
op -i whatprovides 'LIBUBOX*'
is "$(printf '%s\n' "$OUT" | sed 1d)" "$want" \
	"-i whatprovides LIBUBOX*: the providers of libubox* (after its header)"
t_ok "...which are some" test -n "$want"
nocase_same dropbear DROPBEAR remove --noaction
nocase_same 'nano-f*' 'NANO-F*' install --noaction
# --add-exclude: a glob any case keeps nano-plus out (the request fails)
op install --noaction nano-plus --add-exclude 'NANO-P*'
is "$RC" 0 "--add-exclude 'NANO-P*' without -i: nano-plus is not excluded"
op -i install --noaction nano-plus --add-exclude 'NANO-P*'
is "$RC" 255 "-i --add-exclude 'NANO-P*': nano-plus is excluded"
op list-installed --size 'libopenssl*'
is "$OUT" "libopenssl3 - 3.0.14-2 - 0" \
	"--size: ' - SIZE', 0 as the status file has no Size"
op list-installed --strip-abi 'libopenssl*'
is "$OUT" "libopenssl - 3.0.14-2" \
	"--strip-abi: ABIVersion 3 cut from libopenssl3"
op list-installed --strip-abi 'busybox'
is "$OUT" "busybox - 1.36.1-1" "--strip-abi leaves names without ABIVersion"

# ---- status / info ------------------------------------------------------
for p in dropbear libopenssl3 busybox libc kmod-usb-storage; do
	op status "$p"
	is "$(cat "$T/out")" "$(status_expect "$QS" "$p")" \
		"status $p: opkg's fields and order, from the status file"
done
op status --fields Package,Status dropbear
is "$OUT" "Package: dropbear
Status: install user installed" "--fields limits status to those fields"
op status 'no-such-*'
is "$RC:$OUT" "0:" "status of a glob matching nothing: nothing, exit 0"
op info dropbear
is "$RC" 0 "info exits 0"
# The router's dropbear is arm_arm1176jzf-s_vfp, the feed's is another
# architecture: opkg shows two entries, the installed one with its status
# fields only (it merges a feed entry's fields only of the same package).
want=$(status_expect "$QS" dropbear | grep -v '^$')
got=$(awk 'BEGIN { RS = "" } /Status: install/' "$T/out")
is "$got" "$want" "info dropbear: the installed one, the status fields in opkg's order"
is "$(awk 'BEGIN { RS = "" } !/Status: install/' "$T/out" | sed -n 4,6p)" \
	"Status: unknown ok not-installed
Section: net
Architecture: $ARCH" "... and the feed's dropbear (another architecture)"
like "$OUT" "Description: A small SSH2 server" \
	"info dropbear: the feed's description"
op info nano
like "$OUT" "^Package: nano
Version: 7\.2-2
Depends: libc, libncurses6" "info of a feed package (not installed)"
like "$OUT" "Filename: nano_7\.2-2_${ARCH}\.ipk" "info shows the Filename"

# ---- list, find, list-upgradable ----------------------------------------
op list 'nano'
is "$OUT" "nano - 7.2-2 - $(sfield "$F23/feeds/packages/Packages" nano \
	Description | sed 's/^ *//')  Nano started as an enhanced clone of the Pico text editor. Nowadays Nano wants to be a generally useful editor with sensible defaults (linewise scrolling, no automatic line breaking).  Nano is an official GNU package." \
	"list NAME: name - version - description joined on one line"
op list --size 'nano'
like "$OUT" "^nano - 7\.2-2 - $(sfield "$F23/feeds/packages/Packages" nano \
	Size) - Nano is" "list --size: name - version - Size - description"
op list --short-description 'nano'
is "$OUT" "nano - 7.2-2 - Nano is a small and simple text editor for use on the terminal." \
	"--short-description: the first line only"
op list --strip-abi 'libncurses6'
like "$OUT" "^libncurses - 6\.4-2 - " "list --strip-abi"
op find 'nano*'
like "$OUT" "nano - 7\.2-2 - " "find GLOB matches names"
op list-upgradable
is "$RC" 0 "list-upgradable exits 0"
like "$OUT" "kmod-crypto-aead - 5\.15\.134-1 - 5\.15\.137-1" \
	"list-upgradable: name - installed - candidate"
bad=$(grep -Evc '^[^ ]+ - [^ ]+ - [^ ]+$' "$T/out")
is "$bad" 0 "list-upgradable: every line is 'name - old - new'"

# ---- depends, what* ------------------------------------------------------
op depends kmod-usb-storage
is "$OUT" "kmod-usb-storage depends on:
	kernel (= 5.15.134-1-81d76c076a3bbb1ad06cf0d445055897)
	kmod-scsi-core
	kmod-usb-core" "depends: each Depends entry on its own tab line"
op depends 'no-such*'
is "$RC:$OUT" "0:" "depends of nothing installed: nothing, exit 0"
# nano-plus is in the feeds only; the router has nano 8.1-1, the feed 7.2-2.
np_deps=$(sfield "$F23/feeds/packages/Packages" nano-plus Depends |
	sed 's/, */\n/g' | sed 's/^/	/')
op depends nano-plus
is "$OUT" "" "depends without -A looks at installed packages only"
op -A depends nano-plus
is "$OUT" "nano-plus depends on:
$np_deps" "-A depends: every package"
op --query-all depends nano-plus
is "$OUT" "nano-plus depends on:
$np_deps" "--query-all is -A"
op -A depends nano
is "$(grep -c '^nano depends on:$' "$T/out")" 2 \
	"-A depends nano: the installed 8.1-1 and the feed's 7.2-2"

# whatdepends_expect FILE NAMES...: dependents of NAMES (by Depends entry),
# "\tname version\tdepends on entry", sorted.
whatdepends_expect() {
	_f=$1
	shift
	awk -v set=" $* " '
	/^Package: / { p = $2 } /^Version: / { v = $2 }
	/^Depends: / { d = substr($0, 10); n = split(d, e, /, */)
		for (i = 1; i <= n; i++) {
			m = split(e[i], a, / \| /)
			for (j = 1; j <= m; j++) {
				w = a[j]; sub(/ .*/, "", w)
				if (index(set, " " w " ")) {
					x = a[j]; sub(/\(<< /, "(< ", x)
					sub(/\(>> /, "(> ", x)
					print "\t" p " " v "\tdepends on " x
					i = n + 1; break } } } }' "$_f" | sort
}
op whatdepends libopenssl3
is "$(sed -n 1,3p "$T/out")" "Root set:
  libopenssl3
What depends on root set" "whatdepends: root set, then the header"
whatdepends_expect "$QS" libopenssl3 libopenssl >"$T/direct"
sed 1,3d "$T/out" | sort >"$T/got"
is "$(comm -23 "$T/direct" "$T/got")" "" \
	"whatdepends libopenssl3: each direct dependent (also via its Provides)"
# ...and, as opkg marks each dependent as it prints it, one that depends
# on a dependent printed before it (luci-app-ttyd on ttyd): opkg-lede's
# own output, in its order
t_ok "...and those opkg-lede adds, in its order (luci-app-ttyd on ttyd)" \
	cmp -s "$T/out" "$PKG_TOP/tests/opkg-lede/q-whatdepends-libopenssl3.out"
op whatdependsrec libubox20230523
t_ok "whatdependsrec lists a direct dependent (jshn)" \
	grep -q "	jshn .*	depends on libubox20230523" "$T/out"
lvl2=$(whatdepends_expect "$QS" jshn | head -n 1 | cut -f2 | cut -d' ' -f1)
t_ok "whatdependsrec follows dependents of dependents ($lvl2 <- jshn)" \
	grep -q "	$lvl2 " "$T/out"
op whatconflicts busybox-selinux
is "$(sed 1,3d "$T/out")" "" "whatconflicts of an uninstalled name: none"
op whatconflicts busybox
is "$OUT" "Root set:
  busybox
What conflicts with root set" "whatconflicts busybox: nothing conflicts"
op whatprovides libopenssl
is "$OUT" "What provides libopenssl
    libopenssl3" "whatprovides: four spaces and the provider"
op whatprovides 'libopenss*'
is "$OUT" "What provides libopenss*
    libopenssl3	provides libopenssl3

    libopenssl3	provides libopenssl" \
	"whatprovides GLOB: '\\tprovides NAME' and a blank line per other name"
is "$(wc -l <"$T/out")" 5 "... the last blank line too"
# whatprovides orders only the packages whose name or Provides a glob
# matches (provides_scope): each glob's block is the one it gives alone
for a in "" "-A"; do
	op $a whatprovides 'libopenss*'
	cp "$T/out" "$T/wp.1"
	op $a whatprovides 'libc*'
	cat "$T/out" >>"$T/wp.1"
	op $a whatprovides 'libopenss*' 'libc*'
	t_ok "whatprovides ${a:+$a }GLOB GLOB: each glob's block as it alone gives it" \
		cmp -s "$T/wp.1" "$T/out"
done
like "$(cat "$T/wp.1")" "libopenssl3	provides libopenssl" \
	"... a provided name the glob matches included"

# ---- files, search, list-changed-conffiles -------------------------------
op files dropbear
is "$(sed -n 1p "$T/out")" \
	"Package dropbear (2022.82-5) is installed on root and has the following files:" \
	"files: opkg's header with the dest name"
is "$(sed 1d "$T/out")" \
	"$(sed "s|^|$(cd "$Q" && pwd -P)|" "$Q/usr/lib/opkg/info/dropbear.list")" \
	"files: info/dropbear.list in its order, with the offline root in front"
op files no-such-package
is "$RC:$OUT" "0:" "files of a package not installed: exit 0 (as opkg)"
like "$ERR" "no-such-package" "... and it says so on stderr"
op search /usr/sbin/dropbear
is "$OUT" "dropbear - 2022.82-5" "search FILE: name - version"
op search '*/dropbear'
like "$OUT" "^dropbear - 2022\.82-5" "search takes a glob"
# Every conffile whose file is missing or differs from the recorded hash.
changed=$(awk '/^Package: / { p = $2 } /^Conffiles:/ { c = 1; next }
	c && /^ / { print p " " $1 " " $2; next } { c = 0 }' "$QS" | sort -k1,1 -s |
	while read -r p f h; do
		if [ ! -f "$Q$f" ]; then echo "$f"
		elif [ ${#h} -gt 33 ]; then
			[ "$(sha256sum <"$Q$f" | cut -d' ' -f1)" = "$h" ] || echo "$f"
		else
			[ "$(md5sum <"$Q$f" | cut -d' ' -f1)" = "$h" ] || echo "$f"
		fi
	done)
op list-changed-conffiles
is "$RC" 0 "list-changed-conffiles exits 0"
is "$(sort "$T/out")" "$(printf '%s\n' "$changed" | sort)" \
	"list-changed-conffiles: missing or changed conffiles (by recorded hash)"
op list_changed_conffiles dropbear
is "$OUT" "/etc/config/dropbear
/etc/dropbear/dropbear_ed25519_host_key
/etc/dropbear/dropbear_rsa_host_key" "list-changed-conffiles GLOB"

# ---- flag, configure ----------------------------------------------------
st() { sfield "$QS" "$1" Status; }
op flag hold ttyd
is "$RC:$OUT" "0:Setting flags for package ttyd to hold." "flag hold"
is "$(st ttyd)" "install hold installed" "flag hold replaces the flags"
op flag noprune ttyd
is "$(st ttyd)" "install noprune installed" "flag noprune"
op flag ok ttyd
is "$(st ttyd)" "install ok installed" "flag ok"
op flag user ttyd
is "$(st ttyd)" "install user installed" "flag user"
op flag unpacked ttyd
is "$(st ttyd)" "install user unpacked" "flag unpacked sets the state"
op configure
is "$RC:$OUT" "0:Configuring ttyd." \
	"configure: 'Configuring NAME.' for each unpacked package"
is "$(st ttyd)" "install user installed" "configure marks it installed"
op flag unpacked ttyd
op flag installed ttyd
is "$(st ttyd)" "install user installed" "flag installed sets the state"
op flag hold no-such-package
is "$RC" 0 "flag of a package not installed: exit 0 (as opkg)"
like "$ERR" "no-such-package" "... and it says so"
op flag bogus ttyd
t_ok "flag with an unknown flag fails" test "$RC" -ne 0
op configure ttyd
is "$RC:$OUT" "0:" "configure of an installed package: nothing to do"

# ---- remove: nothing matched ---------------------------------------------
op remove no-such-package
is "$RC:$OUT" "0:No packages removed." \
	"remove of a name matching nothing: 'No packages removed.', exit 0"
op remove 'no-such-*'
is "$RC:$OUT" "0:No packages removed." "... and of a glob"

# ---- print-architecture, compare-versions --------------------------------
op print-architecture
is "$OUT" "arch all 1
arch noarch 1
arch $RARCH 10
arch $ARCH 10" "print-architecture: the conf's arch lines"
op print_installation_architecture
is "$RC:$(echo "$OUT" | wc -l)" "0:4" "print_installation_architecture"
op --add-arch myarch:20 print-architecture
like "$OUT" "arch myarch 20\$" "--add-arch ARCH:PRIO appends an arch"
for c in "1.0-1 << 1.0-2 0" "1.0-2 << 1.0-1 1" "1:1.0 >> 2.0 0" \
	"1.0~rc1 < 1.0 0" "1.0 = 1.0-0 0" "2024.07.14~408c2cc4-r1 << 2024.07.14-r1 0"; do
	set -- $c
	run "$OPKG" compare_versions "$1" "$2" "$3"
	is "$RC" "$4" "compare_versions $1 $2 $3: exit $4 (0 = true)"
done
run "$OPKG" compare-versions 1.0 '<<'
is "$RC" 255 "compare-versions with two arguments: exit 255 (-1)"
run "$OPKG" compare-versions 1.0 '~' 2.0
is "$RC" 1 "compare-versions with an unknown operator: false, exit 1"

# ---- the command line itself ---------------------------------------------
run "$OPKG" -v
is "$RC" 0 "-v exits 0"
like "$OUT" "^opkg version " "-v prints 'opkg version ...'"
run "$OPKG" --version
like "$RC:$OUT" "^0:opkg version " "--version"
run "$OPKG"
is "$RC" 1 "no sub-command: exit 1"
run "$OPKG" no-such-command
is "$RC" 1 "unknown sub-command: exit 1"
run "$OPKG" -o "$Q" install
is "$RC" 1 "install without an argument: exit 1 (usage)"
run "$OPKG" --no-such-option list
is "$RC" 1 "unknown option: exit 1"
op install no-such-package
is "$RC" 255 "install of an unknown package: exit 255"
op -d nowhere list-installed
is "$RC" 255 "-d with an unknown dest: exit 255"
like "$ERR" "unknown dest name 'nowhere'" "... naming the dest"
op --dest root list-installed 'busybox'
is "$RC:$OUT" "0:busybox - 1.36.1-1" "--dest root (a known dest) works"
run "$OPKG" --conf-file "$Q/etc/opkg.conf" --offline "$Q" list-installed busybox
is "$RC:$OUT" "0:busybox - 1.36.1-1" "--conf-file FILE, --offline DIR"
run "$OPKG" --conf "$Q/etc/opkg.conf" --offline-root "$Q" list-installed busybox
is "$OUT" "busybox - 1.36.1-1" "--conf FILE, --offline-root DIR"
run "$OPKG" -f "$Q/etc/opkg.conf" -o "$Q" -l "$Q/var/opkg-lists" list nano
like "$OUT" "^nano - 7\.2-2" "-l DIR (lists dir)"
run "$OPKG" -o "$Q" --lists-dir "$T/nolists" list nano
is "$OUT" "nano - 8.1-1" \
	"--lists-dir elsewhere: no feeds there (only the installed nano)"
run "$OPKG" -o "$Q" --lists_dir "$Q/var/opkg-lists" list nano
like "$OUT" "^nano - 7\.2-2" "--lists_dir (underscore spelling)"
op --wait 1 list-installed busybox
is "$RC:$OUT" "0:busybox - 1.36.1-1" "--wait N (separate argument)"
op --wait=1 list-installed busybox
is "$RC:$OUT" "0:busybox - 1.36.1-1" "--wait=N"
op -V0 list-installed busybox
is "$OUT" "busybox - 1.36.1-1" "-V0"
op -V list-installed busybox
is "$OUT" "busybox - 1.36.1-1" "-V (no level)"
op --verbosity=2 list-installed busybox
is "$OUT" "busybox - 1.36.1-1" "--verbosity=N"
run "$OPKG" list-installed busybox -o "$Q"
is "$OUT" "busybox - 1.36.1-1" "options after the sub-command"
op -nocase list-installed BUSYBOX
is "$OUT" "busybox - 1.36.1-1" "single-dash long options (-nocase)"
run "$OPKG" -offline_root "$Q" list-installed busybox 2>/dev/null
t_ok "unknown underscore spellings are refused (-offline_root)" \
	test "$RC" -ne 0
op -t "$T/tmp" list-installed busybox
is "$RC" 0 "-t DIR (tmp dir)"
op --tmp_dir "$T/tmp" list-installed busybox
is "$RC" 0 "--tmp_dir"
for o in --prefer-arch-to-version --combine --ignore-maintainer \
	--no-check-certificate --host-cache-dir --volatile-cache \
	"--verify-program /usr/sbin/opkg-key" "--cache $T/c" \
	"--cache-dir $T/c" "--add-exclude foo" "--add-ignore-recommends foo" \
	--no-install-recommends --autoremove --nodeps --noaction --test \
	--download-only --recursive --strip-abi --short-description; do
	op $o list-installed busybox
	is "$RC:$OUT" "0:busybox - 1.36.1-1" "$o is accepted"
done
for f in depends maintainer reinstall overwrite downgrade space postinstall \
	remove checksum signature removal-of-dependent-packages \
	removal-of-essential-packages; do
	u=$(echo "$f" | tr - _)
	op "--force-$f" "--force_$u" "-force-$f" list-installed busybox
	is "$RC" 0 "--force-$f, --force_$u, -force-$f are accepted"
done
run "$OPKG" help
for c in dist-upgrade configure clean verify whatdependsrec whatrecommends \
	whatsuggests whatreplaces; do
	t_ok "help lists $c as an opkg command" grep -Eq "^    $c " "$T/out"
done

# ---- R: transactions -----------------------------------------------------
R=$T/root
mk_plain_root "$R"
C=$R/etc/opkg.conf
F=$T/feed
mkdir -p "$F"
mk_key "$T/key"
install_key "$T/key.pub" "$R/etc/opkg/keys"
mk_standin "$F" standin-a 1.0-1 libc "Recommends: standin-rec"
mk_standin "$F" standin-rec 1.0-1 libc "Suggests: standin-a"
mk_standin "$F" standin-new 2.0-1 libc "Replaces: standin-old"
mk_standin "$F" standin-b 1.0-1 "libc, standin-a (>> 9)"
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1
echo "src/gz own file://$F" >>"$C"
rp() { run "$OPKG" -o "$R" "$@"; }
rp update
is "$RC" 0 "update (with a stand-in feed) exits 0"

rp install nano
is "$RC" 0 "install nano"
like "$OUT" "Installing nano \(7\.2-2\) to root\.\.\." "'Installing NAME (VER) to root...'"
rp install nano
like "$RC:$OUT" "^0:Package nano \(7\.2-2\) installed in root is up to date\." \
	"install of an installed package: 'is up to date'"

# --force-reinstall: the files come back.
rm -f "$R/usr/bin/nano"
rp --force-reinstall install nano
is "$RC" 0 "--force-reinstall install nano"
t_ok "--force-reinstall writes the package's files again" test -x "$R/usr/bin/nano"

# verify
rp verify
is "$RC:$OUT" "0:" "verify: every file matches, nothing printed"
echo tampered >>"$R/usr/bin/nano"
rm -f "$R/usr/share/terminfo/x/xterm"
rp verify
is "$RC" 255 "verify: a changed file fails (255)"
is "$OUT" "nano: /usr/bin/nano changed
terminfo: /usr/share/terminfo/x/xterm missing" "verify names what changed"
rp verify nano
is "$OUT" "nano: /usr/bin/nano changed" "verify GLOB"
rp --force_reinstall install nano terminfo
rp verify
is "$RC:$OUT" "0:" "--force_reinstall repaired both"

# --noaction, --download-only, --nodeps
snap "$R" >"$T/before"
rp --noaction install zlib
like "$RC:$OUT" "^0:Installing zlib" "--noaction shows the plan"
rp --test remove nano
is "$RC" 0 "--test remove nano"
rp --download-only install zlib
is "$RC" 0 "--download-only install zlib"
snap "$R" >"$T/after"
t_ok "--noaction/--test/--download-only changed nothing" \
	cmp -s "$T/before" "$T/after"

# --cache / --cache-dir: downloads are kept, and used again.
rp --cache /var/cache/opkg install zlib
is "$RC" 0 "--cache DIR install zlib"
t_ok "--cache keeps the archive in ROOT/var/cache/opkg" \
	test -f "$R/var/cache/opkg/zlib_1.2.13-1_$ARCH.ipk"
rp remove zlib
rp --cache-dir /var/cache/opkg install zlib
is "$RC" 0 "--cache-dir DIR install zlib again"
unlike "$OUT" "Downloading" "... from the cache, nothing downloaded"
rp --cache /var/cache/opkg clean
is "$RC:$OUT" "0:" "clean exits 0 quietly"
t_ok "clean emptied the cache" test ! -e "$R/var/cache/opkg/zlib_1.2.13-1_$ARCH.ipk"
rp remove zlib
rp --cache "$T/hostcache" --host-cache-dir install zlib
t_ok "--host-cache-dir: the cache is a host path" \
	test -f "$T/hostcache/zlib_1.2.13-1_$ARCH.ipk"
rp remove zlib
rp --cache /var/cache/v --volatile-cache install zlib
is "$RC" 0 "--volatile-cache install zlib"
t_ok "--volatile-cache keeps nothing" test ! -d "$R/var/cache/v"

# --add-exclude, recommends
rp remove zlib
rp --add-exclude zlib install zlib
t_ok "--add-exclude NAME: NAME is not installed" test "$RC" -ne 0
rp --no-install-recommends install standin-a
is "$RC" 0 "--no-install-recommends install standin-a"
rp list-installed 'standin-*'
is "$OUT" "standin-a - 1.0-1" "... without its recommendation"
rp remove standin-a
rp --add-ignore-recommends standin-rec install standin-a
rp list-installed 'standin-*'
is "$OUT" "standin-a - 1.0-1" "--add-ignore-recommends NAME: NAME is not pulled in"
rp remove standin-a
rp install standin-a
rp list-installed 'standin-*'
is "$OUT" "standin-a - 1.0-1
standin-rec - 1.0-1" "without them the recommendation comes along"
rp whatrecommends standin-rec
is "$OUT" "Root set:
  standin-rec
What recommends root set
	standin-a 1.0-1	recommends standin-rec" "whatrecommends"
rp whatsuggests standin-a
is "$OUT" "Root set:
  standin-a
What suggests root set
	standin-rec 1.0-1	suggests standin-a" "whatsuggests"
rp -A whatdepends standin-a
is "$OUT" "Root set:
  standin-a
What depends on root set
	standin-b 1.0-1	depends on standin-a (> 9) unsatisfiable" \
	"-A whatdepends: '>>' printed as '>', ' unsatisfiable' when nothing fits"
rp -A whatreplaces standin-old
is "$OUT" "What replaces standin-old
    standin-new" "-A whatreplaces"
rp whatreplaces standin-old
is "$OUT" "What replaces standin-old" "whatreplaces without -A: installed only"

# Package arguments
rp remove --autoremove nano
rp install 'nan?'
like "$OUT" "Installing nano" "install GLOB ('nan?')"
rp remove nano
rp install 'nano=7.2-2'
is "$RC" 0 "install name=version exits 0"
like "$OUT" "Installing nano" "install name=version"
rp remove nano
rp install 'nano>=7.0'
is "$RC" 0 "install 'name>=version' exits 0"
like "$OUT" "Installing nano" "install 'name>=version'"
rp remove nano
rp install 'nano<<7.0'
t_ok "install 'name<<version' with no such version fails" test "$RC" -ne 0
rp remove --autoremove libncurses6
rp install libncursesw
like "$OUT" "Installing libncurses6" "install of a virtual name (Provides)"
rp install "$(fixture_ipk zlib)"
is "$RC" 0 "install of a local .ipk path exits 0"
like "$OUT" "Installing zlib" "install of a local .ipk path"
rp remove zlib
rp install "file://$(fixture_ipk zlib)"
is "$RC" 0 "install of a URL exits 0"
like "$OUT" "Installing zlib" "install of a URL"
rp remove zlib

# upgrade, dist-upgrade
rp upgrade
is "$RC" 0 "upgrade without names (everything) exits 0"
rp dist-upgrade
is "$RC" 0 "dist-upgrade exits 0"
rp --noaction dist-upgrade
is "$RC:$OUT" "0:" "dist-upgrade: nothing newer, nothing to do"

# --autoremove, --force-removal-of-dependent-packages, --recursive
rp install nano
rp remove libncurses6
is "$RC" 255 "remove of a package others depend on: exit 255"
rp --recursive remove libncurses6
is "$RC" 0 "--recursive removes the dependents too"
rp list-installed nano
is "$OUT" "" "... nano went with it"

# -d DEST / --add-dest: another root for the package, own status file.
rp --add-dest extra:/opt/extra -d extra install zlib
is "$RC" 0 "--add-dest NAME:PATH -d NAME install zlib"
like "$OUT" "Installing zlib \(1\.2\.13-1\) to extra\.\.\." "... 'to extra'"
t_ok "zlib's files are under the dest" test -f "$R/opt/extra/usr/lib/libz.so.1.2.13"
t_ok "not in the root" test ! -e "$R/usr/lib/libz.so.1.2.13"
like "$(sfield "$R/opt/extra/usr/lib/opkg/status" zlib Status)" \
	"install user installed" "the dest has its own status file"
rp --add-dest extra:/opt/extra -d extra files zlib
is "$(sed -n 1p "$T/out")" \
	"Package zlib (1.2.13-1) is installed on extra and has the following files:" \
	"files in a dest: 'installed on extra'"
like "$(sed 1d "$T/out")" "^$(cd "$R" && pwd -P)/opt/extra/usr/lib/libz" \
	"... with the dest's root in front"
rp list-installed zlib
is "$OUT" "" "the root's list does not have it"
rp -d ram install zlib
is "$RC" 0 "-d ram (a dest line of opkg.conf) exits 0"
like "$OUT" "to ram\.\.\." "-d ram installs 'to ram...'"
t_ok "ram's dest is ROOT/tmp" test -f "$R/tmp/usr/lib/libz.so.1.2.13"

# download
mkdir -p "$T/dl"
(cd "$T/dl" && "$OPKG" -o "$R" download zlib >"$T/out" 2>"$T/err")
is "$?" 0 "download exits 0"
like "$(cat "$T/out")" "Downloaded zlib as \./zlib_1\.2\.13-1_$ARCH\.ipk\." \
	"'Downloaded NAME as ./FILE.'"
(cd "$T/dl" && "$OPKG" -o "$R" download no-such >"$T/out" 2>"$T/err")
is "$?" 0 "download of an unknown package: exit 0 (as opkg)"

done_testing
