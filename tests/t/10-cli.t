#!/bin/sh
# The command line: help, compare-versions, print-architecture, errors, and
# the opkg link. Run alone with `prove tests/t/10-cli.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp

# ---- help ----
run "$PKG" help
is "$RC" 0 "pkg help exits 0"
missing=
for c in update install remove upgrade list list-installed list-upgradable \
	info status files search find depends whatdepends whatprovides \
	download flag compare-versions print-architecture; do
	grep -Eq "(^|[^a-z-])$c([^a-z-]|\$)" "$T/out" "$T/err" || missing="$missing $c"
done
is "$missing" "" "pkg help lists every command"
# help COMMAND: its usage and the options it takes, told by the table
run "$PKG" help install
is "$RC" 0 "pkg help install exits 0"
like "$OUT" "^usage: pkg install " "...with its usage"
like "$OUT" "^  install packages" "...what it does"
missing=
for o in --noaction --force-depends --nodeps -d --dump-testcase --wait; do
	grep -q -- "$o" "$T/out" || missing="$missing $o"
done
is "$missing" "" "...and the transaction options"
run "$PKG" help list
missing=
for o in --json --size -i; do
	grep -q -- "$o" "$T/out" || missing="$missing $o"
done
unlike "$OUT" "--noaction" "help list: listing options, no transaction ones"
is "$missing" "" "...--json, --size, -i"
run "$PKG" help whatdepends
like "$OUT" "--query-all" "help whatdepends: -A"
run "$PKG" help no-such-command
t_ok "help of an unknown command fails" test "$RC" -ne 0
t_ok "...with one line on stderr" one_err_line
like "$ERR" "no-such-command" "...naming it"
is "$OUT" "" "...and nothing on stdout"

# ---- compare-versions: 0 when true, 1 when false (dpkg's order) ----
while read -r v1 op v2 want; do
	[ -n "$v1" ] || continue
	"$PKG" compare-versions "$v1" "$op" "$v2" >/dev/null 2>&1
	is "$?" "$want" "compare-versions $v1 $op $v2 exits $want"
done <<'EOF'
1-r23630-842932a63d << 1-r23631-000000000a 0
1-r23630-842932a63d = 1-r23630-842932a63d 0
1-r23630-842932a63d >> 1-r9999-ffffffffff 0
2024.07.14~408c2cc4-r1 << 2024.07.14-r1 0
2024.07.14~408c2cc4-r1 >> 2024.07.13-r1 0
1~c1e578cc << 1 0
1.0~rc1 >= 1.0 1
1.0 < 1.0~rc1 1
1:1.0-1 >> 2.0-1 0
0:1.0-1 = 1.0-1 0
2:0.1 << 1:9.9 1
1.0- = 1.0 0
1.0-- >> 1.0 0
a5:5 = 5 0
16.:7 = 16:7 0
7.2-2 >= 7.2-1 0
7.2-2 <= 7.2-10 0
5.15.137+6.1.24-3 >> 5.15.137-3 0
1.8.10-r1 >> 1.8.9-r1 0
git-24.072.73299-397b1b2 << git-24.073.1-1 0
1.2.13-1 > 1.2.13-1 0
1.2.13-1 < 1.2.13-1 0
1.0a >> 1.0 0
6.4-2 = 6.4-3 1
2022-02-24-d038e5b6-2 << 2023-01-01-00000000-1 0
EOF

run "$PKG" compare-versions 1.0 '~=' 2.0
t_ok "compare-versions with an unknown operator fails" test "$RC" -ne 0
run "$PKG" compare-versions 1.0 '<<'
t_ok "compare-versions with two arguments fails" test "$RC" -ne 0

# ---- print-architecture ----
R=$T/root
mk_plain_root "$R"
run "$PKG" -o "$R" -f "$R/etc/opkg.conf" print-architecture
is "$RC" 0 "print-architecture exits 0"
is "$OUT" "arch all 1
arch noarch 1
arch $ARCH 10" "print-architecture prints the conf's arch lines in order"

E=$T/empty
mkdir -p "$E"
run "$PKG" -o "$E" print-architecture
is "$RC" 0 "print-architecture without a config exits 0"
bad=$(printf '%s\n' "$OUT" | grep -Evc '^arch [^ ]+ [0-9]+$')
is "$bad" 0 "every line reads 'arch NAME PRIORITY'"
like "$OUT" '^arch all 1$' "the default list has 'arch all 1'"

# ---- errors ----
run "$PKG" no-such-command
t_ok "an unknown command exits non-zero" test "$RC" -ne 0
t_ok "an unknown command prints one line on stderr" one_err_line
like "$ERR" '^pkg: ' "the error line starts with 'pkg: '"

# each on a root where the command itself would succeed, so that only
# the error can make it fail (and the host's / is never read)
run "$PKG" -o "$R" -f "$R/etc/opkg.conf" install
t_ok "install without a package exits non-zero" test "$RC" -ne 0
t_ok "...with one line on stderr" one_err_line
like "$ERR" '^pkg: install: name a package' "install without a package says why"

run "$PKG" --no-such-option -o "$R" -f "$R/etc/opkg.conf" list-installed
t_ok "an unknown option exits non-zero" test "$RC" -ne 0
t_ok "...with one line on stderr" one_err_line
like "$ERR" "--no-such-option" "...naming the option"
is "$OUT" "" "...and nothing on stdout"

run "$PKG" -f /nonexistent/opkg.conf -o "$R" list-installed
t_ok "-f of a missing file exits non-zero" test "$RC" -ne 0
like "$ERR" "/nonexistent/opkg.conf" "the error names the config file"

# ---- list-installed from an opkg status, options before or after ----
run "$PKG" -o "$R" -f "$R/etc/opkg.conf" list-installed
is "$RC" 0 "list-installed exits 0"
is "$OUT" "libc - 1.2.4-4
libgcc1 - 13.1.0-4" "list-installed shows the image's opkg status"
before=$OUT
run "$PKG" list-installed -o "$R" -f "$R/etc/opkg.conf"
is "$OUT" "$before" "global options work after the command too"
run "$PKG" list-installed --root "$R" --conf "$R/etc/opkg.conf"
is "$OUT" "$before" "--root and --conf are -o and -f"

# ---- the opkg link ----
run "$OPKG" --version
is "$RC" 0 "opkg --version exits 0"
like "$OUT" "version" "opkg --version prints a version"
run "$OPKG" -o "$R" -f "$R/etc/opkg.conf" list-installed
is "$RC" 0 "opkg list-installed exits 0"
is "$OUT" "$before" "opkg list-installed prints the same as pkg"
run "$OPKG" no-such-command
like "$ERR" '^opkg: ' "errors through the link start with 'opkg: '"
run "$OPKG" compare-versions 1.0-1 '<<' 1.0-2
is "$RC" 0 "opkg compare-versions works through the link"

run "$PKG" --version
is "$RC" 0 "pkg --version exits 0"

done_testing
