#!/bin/sh
# The code layout (Makefile, "Code layout"; issue 17): the functions that
# start-up and the installed-state queries run
# (scripts/hot-functions.list) lie together at the start of pkg's .text,
# the commonest first, so that a query maps only their pages of pkg's
# code; SQLite's and libsolv's (scripts/hot-functions-libs.list) right
# after them, and what remove adds to pkg's (group c of the list) after
# those. The list is checked against the code: most of its names
# are still pkg's functions (scripts/hot-functions.sh remakes it), and
# the query path's entry points are on it. Then scripts/hot-sections.sh
# is shown to move a listed function's section, and only that one.

. "$(dirname "$0")/../lib/common.sh"
LIST=$PKG_TOP/scripts/hot-functions.list
LIBS_LIST=$PKG_TOP/scripts/hot-functions-libs.list
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
# group a: start-up's and the queries' (up to the line "#group c"); group
# c: what remove adds, placed after the libraries' (b)
awk '/^#group c$/ { c = 1 } !/^#/ && $0 != "" && !s[$0]++ {
	print > (c ? "'"$T/listc"'" : "'"$T/list"'") }' "$LIST"
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
# ...and they lie in the list's order: start-up's, which every command
# runs, in the first pages
awk "$HEX"'NR == FNR { if (!($1 in r)) r[$1] = FNR; next }
	($3 in r) && !$4 && $3 != "main" { print hex($1), r[$3], $3 }' \
	"$T/list" "$T/funcs" | sort -n |
	awk '$2 < r { print $3; exit } { r = $2 }' >"$T/disorder"
is "$(cat "$T/disorder")" "" "...in the list's order, start-up's first"

# The query path's entry points are on the list (a stale list loses them
# first).
missing=
for f in main cmd_list_installed cmd_status cmd_list_changed_conffiles \
	cmd_files cmd_search opkg_synced; do
	grep -q -x "$f" "$T/list" || missing="$missing $f"
done
is "$missing" "" "the query commands and opkg_synced are on the list"
missing=
for f in cmd_remove journal_apply tx_plan; do
	grep -q -x "$f" "$T/listc" || missing="$missing $f"
done
is "$missing" "" "remove's entry points are on it after '#group c'"

# The libraries' hot functions (scripts/hot-functions-libs.list: SQLite's
# and libsolv's), in a build that links the archives make deps built
# with a function a section (its lib/deps/): right after pkg's, together,
# in the list's order. Other builds (cross, or without make deps) link
# the archives as Debian ships them, and have nothing of the kind.
if ls "$PKG_BUILD"/lib/deps/lib*.a >/dev/null 2>&1; then
	grep -v '^#' "$LIBS_LIST" | grep . | awk '!($1 in r) { r[$1] = ++n
		print $1, n }' >"$T/liblist"
	awk "$HEX"'NR == FNR { rank[$1] = $2; next }
		($3 in rank) && !$4 { print hex($1), hex($1) + $2, rank[$3], $3 }' \
		"$T/liblist" "$T/funcs" | sort -n >"$T/libfuncs"
	read -r lo2 _ <"$T/libfuncs"
	hi2=$(awk '$2 > h { h = $2 } END { print h + 0 }' "$T/libfuncs")
	k2=$(awk '{ print $4 }' "$T/libfuncs" | sort -u | wc -l)
	span2_kb=$(( (hi2 - lo2) / 1024 ))
	# (some 520 KB of their 1.7 MB: SQLite's VDBE and parser are big)
	t_ok "the libraries' listed functions span less than 640 KB ($span2_kb KB, $k2 of them)" \
		test "$k2" -gt 0 -a "$span2_kb" -lt 640
	t_ok "...and they are most of their list ($k2 of $(wc -l <"$T/liblist"))" \
		test "$k2" -ge $(( $(wc -l <"$T/liblist") * 7 / 10 ))
	# from the end of pkg's to the end of theirs: only listed functions
	cat "$T/list" "$T/liblist" >"$T/both"
	awk "$HEX"'NR == FNR { want[$1] = 1; next }
		{ a = hex($1) }
		a >= '"$hi"' && a < '"$hi2"' && !($3 in want) && !$4 { print $3 }' \
		"$T/both" "$T/funcs" | sort -u >"$T/intruders2"
	is "$(head -5 "$T/intruders2")" "" \
		"...right after pkg's, with nothing else among them"
	is "$(awk '$3 < r { print $4; exit } { r = $3 }' "$T/libfuncs")" "" \
		"...in the list's order"
	# remove's own (group c) right after the libraries': remove maps
	# pkg's group, the libraries' and its own, one stretch of text
	awk "$HEX"'NR == FNR { rank[$1] = FNR; next }
		($3 in rank) && !$4 { print hex($1), hex($1) + $2, rank[$3], $3 }' \
		"$T/listc" "$T/funcs" | sort -n >"$T/cfuncs"
	read -r lo3 _ <"$T/cfuncs"
	hi3=$(awk '$2 > h { h = $2 } END { print h + 0 }' "$T/cfuncs")
	k3=$(awk '{ print $4 }' "$T/cfuncs" | sort -u | wc -l)
	t_ok "remove's functions (group c) start where the libraries' end ($k3 of them)" \
		test "$k3" -ge $(( $(wc -l <"$T/listc") * 7 / 10 )) -a "$lo3" -ge "$hi2" \
		-a $((lo3 - hi2)) -lt 4096
	cat "$T/both" "$T/listc" >"$T/all"
	awk "$HEX"'NR == FNR { want[$1] = 1; next }
		{ a = hex($1) }
		a >= '"$hi2"' && a < '"$hi3"' && !($3 in want) && !$4 { print $3 }' \
		"$T/all" "$T/funcs" | sort -u >"$T/intruders3"
	is "$(head -5 "$T/intruders3")" "" "...with nothing else among them"
	is "$(awk '$3 < r { print $4; exit } { r = $3 }' "$T/cfuncs")" "" \
		"...in the list's order"
else
	skip 7 "this build links no libraries of make deps (lib/deps/)"
fi

# What every command touches before and at main, beside pkg's group:
# getopt reads the name of every long option (base_opts), Nettle's CPU
# detection runs as a constructor and reads its variables' names. The
# names lie in the first 64 KB of .rodata, with main.o's (not merged
# into a library's string, where "test" was the tail of one of
# SQLite's); the detection's code by _start (Makefile, nettle-start.o).
sec() { readelf -SW "$PKG" | sed 's/^ *\[ *[0-9]*\]//' | awk -v s="$1" '$1 == s { print $3, $4 }'; }
read -r ro_addr ro_off <<EOF
$(sec .rodata)
EOF
read -r rr_addr rr_off <<EOF
$(sec .data.rel.ro)
EOF
readelf -sW "$PKG" | awk '$8 == "base_opts" { print $2, $3 }' >"$T/bo"
read -r bo_addr bo_size <"$T/bo"
# struct option: name, has_arg, flag, val (4 words); the names are
# link-time addresses in the file where the relative relocations are
# packed (RELR) or have no addend of their own (REL)
w=8
readelf -h "$PKG" | grep -q 'Class:.*ELF32' && w=4
endian=little
readelf -h "$PKG" | grep -q 'Data:.*big endian' && endian=big
od -An -v --endian=$endian -t x$w \
	-j $(( 0x$bo_addr - 0x$rr_addr + 0x$rr_off )) -N "$bo_size" "$PKG" |
	tr -s ' ' '\n' | grep . | awk 'NR % 4 == 1' >"$T/names"
awk "$HEX"'{ a = hex($1) - hex("'"$ro_addr"'") }
	a >= 0 && a < 65536 { near++ } a >= 65536 { far++ }
	END { print near + 0, far + 0 }' "$T/names" >"$T/nf"
read -r near far <"$T/nf"
if [ $((near + far)) -gt 40 ]; then
	t_ok "the long options' names lie in the first 64 KB of .rodata ($near there, $far beyond)" \
		test "$far" = 0
else
	skip 1 "the options' names are not in the file (relocations with addends)"
fi
if [ -f "$PKG_BUILD/lib/deps/nettle-start.o" ]; then
	fat=$(strings -t x "$PKG" | awk '$2 == "NETTLE_FAT_OVERRIDE" { print $1; exit }')
	t_ok "Nettle's start-up strings lie in the first 64 KB of .rodata" \
		test -n "$fat" -a $(( 0x${fat:-0} - 0x$ro_off )) -lt 65536
	readelf -sW "$PKG" | awk '$8 == "_start" || $8 == "_nettle_cpuid" { print $8, $2 }' |
		sort >"$T/cpuid"
	d=$(awk "$HEX"'{ a[$1] = hex($2) } END { d = a["_nettle_cpuid"] - a["_start"]
		print (d < 0 ? -d : d) }' "$T/cpuid")
	t_ok "Nettle's CPU detection lies within 16 KB of _start ($d bytes)" \
		test "$(wc -l <"$T/cpuid")" = 2 -a "$d" -lt 16384
else
	skip 2 "this build does not take Nettle's CPU detection out of its archive"
fi

# hot-sections.sh on an object of three functions, one of them listed
# and one a clone (.part.0 or not: whatever the compiler made).
cat >"$T/o.c" <<'EOF'
int listed_fn(int x) { return x * 3 + 1; }
int other_fn(int x) { return x * 5 + 2; }
int listed_too(int x) { return x - 7; }
EOF
printf '# a comment\nlisted_fn\n#group c\nlisted_too\nnot_there\n' >"$T/o.list"
run ${CC:-cc} -O2 -ffunction-sections -c -o "$T/o.o" "$T/o.c"
is "$RC" 0 "a test object compiles"
run sh "$PKG_TOP/scripts/hot-sections.sh" objcopy a "$T/o.list" "$T/o.o"
is "$RC" 0 "hot-sections.sh rewrites it"
readelf -SW "$T/o.o" | sed -n 's/^ *\[ *[0-9]*\] \(\.text[^ ]*\) .*/\1/p' |
	sort >"$T/o.sections"
is "$(tr '\n' ' ' <"$T/o.sections")" \
	".text .text.other_fn .text.sorted.a.00001.listed_fn .text.sorted.c.00002.listed_too " \
	"the listed functions' sections are .text.sorted.GROUP.RANK.* (the group after '#group c' c), the other's is not"
cp "$T/o.o" "$T/o2.o"
printf 'nothing_here\n' >"$T/o2.list"
run sh "$PKG_TOP/scripts/hot-sections.sh" objcopy a "$T/o2.list" "$T/o2.o"
t_ok "an object with none of the list's functions is left as it is" \
	cmp -s "$T/o.o" "$T/o2.o"
done_testing
