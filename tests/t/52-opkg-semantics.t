#!/bin/sh
# opkg's semantics that pkg follows (issue 14, section 4): each scenario
# is one of opkg's own regression tests (Yocto's opkg, tests/regress) or
# what OpenWrt's opkg (opkg-lede 38eccbb) does on a copy of the same root;
# where the two differ the README's table says which one pkg follows.
# Stand-in packages from `pkg-repo build` in a signed feed of our own,
# on a plain offline root with the real 23.05.2 feeds.
# Run alone with `prove tests/t/52-opkg-semantics.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp
export LC_ALL=C

# mk_arch OUTDIR NAME VERSION ARCH [EXTRA-CONTROL-LINE]: a stand-in built
# for another architecture; its README says which one it is.
mk_arch() {
	_s=$(mktemp -d "$T/src.XXXXXX") || return 1
	mkdir -p "$_s/CONTROL" "$_s/usr/share/$2"
	{
		echo "Package: $2"
		echo "Version: $3"
		echo "Architecture: $4"
		[ -n "${5:-}" ] && echo "$5"
		echo "Description: stand-in $2 for $4"
	} >"$_s/CONTROL/control"
	echo "$2 $3 $4" >"$_s/usr/share/$2/README"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" \
		>/dev/null 2>"$T/build.err"
	_rc=$?
	rm -rf "$_s"
	return $_rc
}

# newroot NAME: a plain root $R with our feed $F (empty), signed.
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
sfield() {
	awk -v p="Package: $1" -v f="$2: " '$0 == p { s = 1 }
	s && $0 == "" { exit } s && index($0, f) == 1 {
		print substr($0, length(f) + 1) }' "$R/usr/lib/opkg/status"
}
mk_key "$T/key"

# ---- hold ------------------------------------------------------------------
newroot hold
mk_standin "$F" a 1.0
reindex
op install a
op flag hold a
is "$RC:$OUT" "0:Setting flags for package a to hold." "flag hold a"
mk_standin "$F" a 2.0
mk_standin "$F" b 1.0 "a (>= 2.0)"
reindex
op upgrade a
is "$RC:$OUT" "0:Not upgrading package a which is marked hold (flags=0x202)." \
	"upgrade of a held package: opkg's note, exit 0"
is "$(installed)" "a - 1.0" "... a stays at 1.0"
op upgrade
is "$RC" 0 "upgrade (everything) exits 0"
is "$(installed)" "a - 1.0" "... a held stays at 1.0"
op install a
is "$RC:$OUT" "0:Not upgrading package a which is marked hold (flags=0x202)." \
	"install of a held package with a newer one in a feed: kept, with the note"
mkdir -p "$T/local"
mk_standin "$T/local" a 3.0
op install "$T/local/a_3.0_$ARCH.ipk"
is "$RC:$OUT" "0:Not upgrading package a which is marked hold (flags=0x202)." \
	"install of a newer local .ipk of a held package: not installed"
is "$(installed)" "a - 1.0" "... a stays at 1.0"
is "$(sfield a Status)" "install hold installed" "... and held"
op install b
is "$RC" 255 "install of a package that needs a newer version of a held one fails"
like "$ERR" "b-1.0 requires 'a >= 2.0'" "... saying what b needs"
is "$(installed)" "a - 1.0" "... nothing changed"
op flag user a
op flag hold a
op upgrade a
is "$OUT" "Not upgrading package a which is marked hold (flags=0x202)." \
	"flag replaces the flags: hold alone again"
op remove a
is "$RC:$OUT" "0:Removing package a from root..." "remove of a held package removes it"
is "$(installed)" "" "... a is gone"

# A status stanza "deinstall hold not-installed" (what opkg writes for a
# held package that was removed): not pulled in as a recommendation,
# still as a dependency. opkg-lede printed the two notes (twice: pkg
# once).
newroot dhold
mk_standin "$F" c 1.0 "" "Recommends: r"
mk_standin "$F" r 1.0
mk_standin "$F" d 1.0 r
reindex
printf 'Package: r\nVersion: 1.0\nStatus: deinstall hold not-installed\nArchitecture: %s\n\n' \
	"$ARCH" >>"$R/usr/lib/opkg/status"
op install c
is "$RC" 0 "install c (Recommends: r, r 'deinstall hold not-installed')"
is "$(grep -v '^Downloading\|^Installing' "$T/out")" "c: ignoring recommendation for r at user request
c: unsatisfied recommendation for r" "... opkg's notes"
is "$(installed)" "c - 1.0" "... r not pulled in"
t_ok "the stanza stays in the status file" grep -q '^Status: deinstall hold not-installed' \
	"$R/usr/lib/opkg/status"
op install d
is "$RC" 0 "install d (Depends: r)"
is "$(installed)" "c - 1.0
d - 1.0
r - 1.0" "... a dependency on r still installs it"
is "$(grep -c '^Package: r$' "$R/usr/lib/opkg/status")" 1 \
	"... one stanza for r in the status file"
t_nok "... no longer 'deinstall hold not-installed'" \
	grep -q '^Status: deinstall hold not-installed' "$R/usr/lib/opkg/status"

# ---- --add-exclude, --add-ignore-recommends ---------------------------------
newroot excl
mk_standin "$F" a 1.0 "" "Recommends: r"
mk_standin "$F" r 1.0
mk_standin "$F" d 1.0 r
reindex
op --add-exclude 'r*' install a
is "$RC" 0 "--add-exclude GLOB: install a (Recommends: r)"
is "$(installed)" "a - 1.0" "... the excluded recommendation is skipped"
op remove a
op --add-exclude r install d
is "$RC" 255 "--add-exclude NAME: a dependency on it makes the install fail"
like "$ERR" "d-1.0 requires 'r'" "... saying so"
is "$(installed)" "" "... nothing installed"
op --add-ignore-recommends '*' install a
is "$RC" 0 "--add-ignore-recommends '*' install a"
is "$(grep -c 'ignoring recommendation for r at user request' "$T/out")" 1 \
	"... 'a: ignoring recommendation for r at user request'"
is "$(installed)" "a - 1.0" "... r not installed"
op remove a
op --add-ignore-recommends '[qr]' install a
is "$(installed)" "a - 1.0" "--add-ignore-recommends GLOB"
op remove a
op --add-ignore-recommends r install d
is "$RC" 0 "--add-ignore-recommends r install d (Depends: r)"
is "$(installed)" "d - 1.0
r - 1.0" "... a Depends on it still installs it"

# ---- upgrade VIRTUAL, globs ---------------------------------------------------
newroot glob
mk_standin "$F" v 1.0 "" "Provides: virt"
for n in x x-b x-c x-d; do mk_standin "$F" "$n" 1.0; done
reindex
op install virt
is "$(installed)" "v - 1.0" "install VIRTUAL installs its provider"
op install 'x-[bc]'
is "$RC" 0 "install 'x-[bc]' exits 0"
is "$(installed)" "v - 1.0
x-b - 1.0
x-c - 1.0" "install 'x-[bc]': a bracket glob"
op install '?-d'
is "$(installed)" "v - 1.0
x-b - 1.0
x-c - 1.0
x-d - 1.0" "install '?-d'"
for n in v x x-b x-c x-d; do mk_standin "$F" "$n" 2.0 "" \
	"$([ $n = v ] && echo 'Provides: virt')"; done
reindex
op upgrade virt
is "$RC" 0 "upgrade VIRTUAL exits 0"
like "$OUT" "Upgrading v on root from 1\.0 to 2\.0" "upgrade VIRTUAL upgrades its provider"
op upgrade 'x*'
is "$RC" 0 "upgrade 'x*' exits 0"
is "$(installed)" "v - 2.0
x-b - 2.0
x-c - 2.0
x-d - 2.0" "upgrade GLOB upgrades the installed packages it matches (installs none)"
op upgrade x
is "$(installed | grep '^x ')" "x - 2.0" \
	"upgrade NAME of a package not installed installs it (as opkg)"
op remove '?-[bc]'
is "$(installed)" "v - 2.0
x - 2.0
x-d - 2.0" "remove '?-[bc]'"
op remove '*'
is "$RC" 255 "remove '*': exit 255 (the essential packages are refused)"
is "$(sed 's/^Removing package \(.*\) from root\.\.\.$/\1/' "$T/out" | sort | tr '\n' ' ')" \
	"v x x-d " "... every other package removed"
like "$ERR" "cannot remove essential package 'libc'" "... libc refused, saying so"
op list-installed
is "$OUT" "libc - 1.2.4-4
libgcc1 - 13.1.0-4" "... libc and libgcc1 stay"

# ---- a versioned dependency on a provided name ------------------------------
# opkg checks "Depends: virt (>= 1.0)" against the version of the package
# that provides plain "virt" (pkg_dependence_satisfiable): the real case
# is 23.05's rpcd-mod-iwinfo, "libiwinfo (>= 2023-01-21)", met by
# libiwinfo20230701 2023-07-01-... ("Provides: libiwinfo"). libsolv's own
# Debian rule (a plain provide meets no versioned dependency) made
# `install rpcd-mod-iwinfo` fail: "nothing provides 'libiwinfo >= ...'".
newroot vprov
mk_standin "$F" libv2 2.5-1 "" "Provides: libv"
mk_standin "$F" needs-v 1.0 "libv (>= 2.0)"
mk_standin "$F" needs-v3 1.0 "libv (>= 3.0)"
mk_standin "$F" needs-not-v 1.0 "libv (<< 2.0)"
reindex
op install needs-v
is "$RC" 0 "install: 'libv (>= 2.0)' met by a plain 'Provides: libv' of version 2.5-1"
is "$(installed)" "libv2 - 2.5-1
needs-v - 1.0" "... its provider comes along"
op info libv2
is "$(grep '^Provides:' "$T/out")" "Provides: libv" \
	"... info shows the provide as written (no version added)"
op whatprovides libv
is "$OUT" "What provides libv
    libv2" "... whatprovides names the provider once"
op whatprovides 'libv*'
is "$OUT" "What provides libv*
    libv2	provides libv2

    libv2	provides libv" "... and its provides as written, each once"
op install needs-v3
is "$RC" 255 "install: 'libv (>= 3.0)' is not met by the provider's 2.5-1"
like "$ERR" "libv" "... the error names the dependency"
op install needs-not-v
is "$RC" 255 "install: 'libv (<< 2.0)' is not met either"
is "$(installed)" "libv2 - 2.5-1
needs-v - 1.0" "... nothing else installed"

# ---- the same version in two architectures ----------------------------------
# opkg-lede: the higher arch priority wins; --force-reinstall with a
# higher --add-arch priority for the other arch takes that one ("Removing
# package a from root..." then "Installing a (1.0) to root..."); a newer
# version of a worse arch wins unless --prefer-arch-to-version (Yocto's).
newroot arch
printf 'arch xa 20\narch xb 30\n' >>"$R/etc/opkg.conf"
mk_arch "$F" a 1.0 xa
mk_arch "$F" a 1.0 xb
mk_arch "$F" n 1.0 xb
mk_arch "$F" n 2.0 xa
reindex
op install a
is "$(cat "$R/usr/share/a/README")" "a 1.0 xb" "same version in two archs: the higher priority (xb 30)"
op --add-arch xa:40 install a
is "$RC:$(grep -v Downloading "$T/out")" "0:Package a (1.0) installed in root is up to date." \
	"... a better arch alone is no upgrade"
op --add-arch xa:40 --force-reinstall install a
is "$RC" 0 "--add-arch xa:40 --force-reinstall install a"
is "$(grep -v Downloading "$T/out")" "Removing package a from root...
Installing a (1.0) to root..." "... opkg's messages"
is "$(cat "$R/usr/share/a/README")" "a 1.0 xa" "... the arch now preferred (xa 40)"
op --noaction install n
is "$OUT" "Installing n (2.0) to root..." "a newer version of a worse arch wins"
op --prefer-arch-to-version --noaction install n
is "$OUT" "Installing n (1.0) to root..." \
	"--prefer-arch-to-version: the better arch wins over the newer version"

# ---- configure: dependencies first -------------------------------------------
newroot conf
mk_standin "$F" a 1.0 b
mk_standin "$F" b 1.0
mk_standin "$F" c 1.0
reindex
op install a c
for p in c a b; do op flag unpacked "$p"; done
op configure
is "$RC:$OUT" "0:Configuring b.
Configuring a.
Configuring c." "configure: b before a, which depends on it (as opkg-lede)"
is "$(sfield a Status)" "install user installed" "... a is configured"

# ---- Auto-Installed, --autoremove, recommendations ----------------------------
newroot auto
mk_standin "$F" a 1.0 d
mk_standin "$F" d 1.0
mk_standin "$F" b 1.0 "" "Recommends: r"
mk_standin "$F" r 1.0
mk_standin "$F" e 1.0 "" "Recommends: f"
mk_standin "$F" f 1.0
reindex
op install a b e
is "$(sfield d Auto-Installed):$(sfield r Auto-Installed)" "yes:yes" \
	"a dependency and a recommendation are Auto-Installed"
mk_standin "$F" d 2.0
mk_standin "$F" a 2.0 d
mk_standin "$F" b 2.0
mk_standin "$F" e 2.0 "" "Recommends: f (= 2.0)"
mk_standin "$F" f 2.0
reindex
op upgrade d
is "$(sfield d Version):$(sfield d Auto-Installed):$(sfield d Status)" \
	"2.0:yes:install ok installed" "Auto-Installed survives 'upgrade d'"
op --autoremove upgrade b
is "$RC" 0 "upgrade b --autoremove exits 0"
like "$OUT" "r was autoinstalled and is now orphaned, removing\." \
	"... the recommendation b 2.0 dropped is an orphan"
is "$(installed | grep '^[br] ')" "b - 2.0" "... r removed, b upgraded"
op upgrade e
is "$(sfield e Version):$(sfield f Version)" "2.0:2.0" \
	"a recommendation that moves to 'f (= 2.0)' upgrades f (upgrade e)"
op upgrade
is "$(sfield a Version):$(sfield d Auto-Installed):$(sfield f Auto-Installed)" \
	"2.0:yes:yes" "Auto-Installed survives 'upgrade' of everything"

# ---- Yocto's intercepts ------------------------------------------------------
# While postinst scripts run, the commands of the intercept directory
# come first in PATH; what they leave in $OPKG_INTERCEPT_DIR runs once at
# the end. `option intercepts_dir` moves it (/dev/null: none).
# mk_script_pkg OUTDIR NAME: a package whose postinst calls pkg-test-cmd,
# a command no system has, and logs to $T/log what answered.
mk_script_pkg() {
	_s=$(mktemp -d "$T/src.XXXXXX") || return 1
	mkdir -p "$_s/CONTROL" "$_s/usr/share/$2"
	printf 'Package: %s\nVersion: 1.0\nArchitecture: %s\nDescription: calls pkg-test-cmd\n' \
		"$2" "$ARCH" >"$_s/CONTROL/control"
	printf '#!/bin/sh\npkg-test-cmd %s 2>/dev/null || echo "%s: no pkg-test-cmd" >>%s/log\nexit 0\n' \
		"$2" "$2" "$T" >"$_s/CONTROL/postinst"
	chmod 755 "$_s/CONTROL/postinst"
	echo "$2" >"$_s/usr/share/$2/README"
	"$PKG_REPO" build "$_s" -o "$1" >/dev/null 2>"$T/build.err"
	_rc=$?
	rm -rf "$_s"
	return $_rc
}
newroot icpt
mkdir -p "$T/icpt"
cat >"$T/icpt/pkg-test-cmd" <<EOS
#!/bin/sh
echo "intercepted \$*" >>$T/log
printf '#!/bin/sh\necho "deferred, once (\$(basename \$OPKG_INTERCEPT_DIR))" >>$T/log\necho "\$OPKG_INTERCEPT_DIR" >$T/icdir\nstat -c %%a "\$OPKG_INTERCEPT_DIR/.." >$T/icmode\n' \
	>"\$OPKG_INTERCEPT_DIR/pkg-test-cmd"
chmod +x "\$OPKG_INTERCEPT_DIR/pkg-test-cmd"
EOS
chmod +x "$T/icpt/pkg-test-cmd"
echo "option intercepts_dir $T/icpt" >>"$R/etc/opkg.conf"
mk_script_pkg "$F" s1
mk_script_pkg "$F" s2
reindex
: >"$T/log"
op --force-postinstall install s1 s2
is "$RC" 0 "install of two packages whose postinst calls an intercepted command"
is "$(cat "$T/log")" "intercepted s1
intercepted s2
deferred, once (intercept)" "the intercept answers in each postinst; the deferred action runs once, at the end"
is "$(cat "$T/icmode")" 700 \
	"... OPKG_INTERCEPT_DIR is in the run's private directory"
t_nok "... and it is gone, with its private directory" \
	test -e "$(dirname "$(cat "$T/icdir")")"
: >"$T/log"
op flag unpacked s1
op flag unpacked s2
op --force-postinstall configure
is "$(cat "$T/log")" "intercepted s1
intercepted s2
deferred, once (intercept)" "configure runs the postinsts with the intercepts too"
sed -i "s|^option intercepts_dir .*|option intercepts_dir /dev/null|" \
	"$R/etc/opkg.conf"
: >"$T/log"
op flag unpacked s1
op --force-postinstall configure
is "$(cat "$T/log")" "s1: no pkg-test-cmd" \
	"option intercepts_dir /dev/null: no intercepts"

# An installed package's relations are the status file's, as opkg reads
# them (opkg-lede on a copy of this root: `whatdepends bar` lists foo,
# `whatdepends baz` does not, `remove baz` removes it, `remove bar` is
# refused), whatever info/<pkg>.control says: without a database on the
# root (the queries and --noaction read the status file alone), and with
# the one a transaction builds from opkg's files.
R=$T/status-wins
mkdir -p "$R/usr/lib/opkg/info" "$R/etc/opkg" "$R/tmp"
printf 'dest root /\narch all 1\narch noarch 1\n' >"$R/etc/opkg.conf"
for p in foo bar baz; do
	printf 'Package: %s\nVersion: 1.0-1\n' $p
	[ $p = foo ] && printf 'Depends: bar (>=1.0)\n'
	printf 'Status: install user installed\nArchitecture: all\n'
	printf 'Installed-Time: 1\n\n'
done >"$R/usr/lib/opkg/status"
printf 'Package: foo\nVersion: 1.0-1\nDepends: baz\nArchitecture: all\nDescription: x\n' \
	>"$R/usr/lib/opkg/info/foo.control"
op whatdepends bar
like "$OUT" "	foo 1.0-1	depends on bar \\(>= 1\\.0\\)" \
	"status wins: whatdepends bar lists foo (the status file's Depends)"
op whatdepends baz
unlike "$OUT" "foo" "...whatdepends baz does not (the control's)"
op depends foo
is "$OUT" "foo depends on:
	bar (>= 1.0)" "...depends foo: bar (>= 1.0), as opkg-lede prints it"
op --noaction remove baz
is "$RC" 0 "...--noaction remove baz: nothing depends on it"
op --noaction remove bar
is "$RC" 255 "...--noaction remove bar: refused (foo depends on it), exit 255"
op remove bar
is "$RC" 255 "...remove bar (a database built from opkg's files): refused"
op remove baz
is "$RC" 0 "...remove baz: removed"
op list-installed
is "$OUT" "bar - 1.0-1
foo - 1.0-1" "...foo and bar stay"
t_ok "...foo's control file is left as opkg wrote it" \
	grep -qx 'Depends: baz' "$R/usr/lib/opkg/info/foo.control"

done_testing
