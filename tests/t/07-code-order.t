#!/bin/sh
# The code layout (Makefile, "Code layout"; issue 17): the functions that
# start-up and the installed-state queries run
# (scripts/hot-functions.list) lie together at the start of pkg's .text,
# so that a query maps only their pages of pkg's code. The list is
# checked against the code: most of its names are still pkg's functions
# (scripts/hot-functions.sh remakes it), and the query path's entry
# points are on it. Then scripts/hot-sections.sh is shown to move a
# listed function's section, and only that one.

. "$(dirname "$0")/../lib/common.sh"
LIST=$PKG_TOP/scripts/hot-functions.list
need_cmd readelf objcopy
mk_tmp

# hex() for awk: mawk has no strtonum.
HEX='function hex(s,  i, v) { v = 0; s = tolower(s)
	for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v }'
# pkg's functions: address, size, name without gcc's suffixes
# (.constprop.0, .isra.0, .part.0; .cold: the cold part gcc splits off
# into .text.unlikely, kept apart on purpose).
readelf -sW "$PKG" | awk '$4 == "FUNC" && $3 > 0 && $2 !~ /^0+$/ {
	n = $8; cold = (n ~ /\.cold/); sub(/\..*$/, "", n); print $2, $3, n, cold }' \
	>"$T/funcs"
grep -v '^#' "$LIST" | grep . | sort -u >"$T/list"
text_start=$(readelf -SW "$PKG" | sed 's/^ *\[ *[0-9]*\]//' |
	awk '$1 == ".text" { print $3 }')

# The span of the listed functions (main aside: gcc puts it in
# .text.startup, which the linkers place just before .text.hot).
awk "$HEX"'NR == FNR { want[$1] = 1; next }
	($3 in want) && !$4 && $3 != "main" { a = hex($1); e = a + $2
		if (!n++ || a < lo) lo = a; if (e > hi) hi = e; seen[$3] = 1 }
	END { k = 0; for (f in seen) k++; print lo, hi, k }' "$T/list" "$T/funcs" \
	>"$T/span"
read -r lo hi listed <"$T/span"
span_kb=$(( (hi - lo) / 1024 ))
t_ok "the listed functions span less than 160 KB ($span_kb KB, $listed of them)" \
	test "$listed" -gt 0 -a "$span_kb" -lt 160
t_ok "...and they are most of the list ($listed of $(wc -l <"$T/list"))" \
	test "$listed" -ge $(( $(wc -l <"$T/list") * 7 / 10 ))
offset_kb=$(awk "$HEX"'BEGIN { print int(('"$lo"' - hex("'"$text_start"'")) / 1024) }')
t_ok "...starting in the first 64 KB of .text ($offset_kb KB in)" \
	test "$offset_kb" -ge 0 -a "$offset_kb" -lt 64

# Nothing else lies among them.
awk "$HEX"'NR == FNR { want[$1] = 1; next }
	{ a = hex($1) }
	a >= '"$lo"' && a < '"$hi"' && !($3 in want) { print $3 }' \
	"$T/list" "$T/funcs" | sort -u >"$T/intruders"
is "$(head -5 "$T/intruders")" "" "no function off the list lies among them"

# The query path's entry points are on the list (a stale list loses them
# first).
missing=
for f in main cmd_list_installed cmd_status cmd_list_changed_conffiles \
	cmd_files cmd_search opkg_synced; do
	grep -q -x "$f" "$T/list" || missing="$missing $f"
done
is "$missing" "" "the query commands and opkg_synced are on the list"

# hot-sections.sh on an object of three functions, one of them listed
# and one a clone (.part.0 or not: whatever the compiler made).
cat >"$T/o.c" <<'EOF'
int listed_fn(int x) { return x * 3 + 1; }
int other_fn(int x) { return x * 5 + 2; }
int listed_too(int x) { return x - 7; }
EOF
printf '# a comment\nlisted_fn\nlisted_too\nnot_there\n' >"$T/o.list"
run ${CC:-cc} -O2 -ffunction-sections -c -o "$T/o.o" "$T/o.c"
is "$RC" 0 "a test object compiles"
run sh "$PKG_TOP/scripts/hot-sections.sh" objcopy "$T/o.list" "$T/o.o"
is "$RC" 0 "hot-sections.sh rewrites it"
readelf -SW "$T/o.o" | sed -n 's/^ *\[ *[0-9]*\] \(\.text[^ ]*\) .*/\1/p' |
	sort >"$T/o.sections"
is "$(tr '\n' ' ' <"$T/o.sections")" \
	".text .text.hot.listed_fn .text.hot.listed_too .text.other_fn " \
	"the listed functions' sections are .text.hot.*, the other's is not"
cp "$T/o.o" "$T/o2.o"
printf 'nothing_here\n' >"$T/o2.list"
run sh "$PKG_TOP/scripts/hot-sections.sh" objcopy "$T/o2.list" "$T/o2.o"
t_ok "an object with none of the list's functions is left as it is" \
	cmp -s "$T/o.o" "$T/o2.o"
done_testing
