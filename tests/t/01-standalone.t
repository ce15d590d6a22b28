#!/bin/sh
# The repository stands alone: no test, script or document names a path
# outside it (the fixtures are tests/fixtures/, found from the repository),
# and the fixtures are the files tests/fixtures/MANIFEST.tsv lists, byte
# for byte (they are signed: a changed byte breaks the tests that verify
# them, and this says which file it was).
# Run alone with `prove tests/t/01-standalone.t`.

. "$(dirname "$0")/../lib/common.sh"
mk_tmp

# abs_refs DIR: file:line:text of every line under DIR's tests/, scripts/,
# docs/, Makefile, README.md and tests/fixtures/SOURCES.md that names a
# directory of the machine the project was first written on (an absolute
# path below /work, or shared/fixtures) instead of a path inside the
# repository. A relative path through a work directory ($TOP/work/demo of
# the demo) is not one. The pattern is put together at run time so that this
# file does not match it.
abs_refs() {
	_w=work _s=shared
	(
		cd "$1" || exit 1
		for _p in tests scripts docs Makefile README.md \
			tests/fixtures/SOURCES.md; do
			[ -e "$_p" ] && echo "$_p"
		done | xargs grep -rnIE --exclude-dir=fixtures \
			"(^|[^A-Za-z0-9_.}/-])/$_w/|/$_s/fixtures" --
	)
}

# It finds what it must, and only that: a tree with three planted paths.
P=$T/planted
mkdir -p "$P/tests/t" "$P/tests/unit" "$P/scripts"
printf 'FX=${FX:-/%s/%s/fixtures/openwrt}\n' work shared >"$P/tests/t/x.t"
printf '#define FIX "%s/%s/fixtures"\n' /srv shared >"$P/tests/unit/x.c"
printf 'W=$TOP/%s/demo\nls "$W"\n' work >"$P/scripts/demo.sh"
printf 'test:\n\tprove /%s/wt/tests/t\n' work >"$P/Makefile"
is "$(abs_refs "$P" | cut -d: -f1,2 | sort | tr '\n' ' ')" \
	"Makefile:2 tests/t/x.t:1 tests/unit/x.c:1 " \
	"the check finds planted absolute paths (and not \$TOP/work/)"

refs=$(abs_refs "$PKG_TOP")
is "$refs" "" "tests/, scripts/, docs/, Makefile, README.md name no path outside the repository"

# ---- the fixtures ----
M=$FX/MANIFEST.tsv
t_ok "tests/fixtures has MANIFEST.tsv and SOURCES.md" \
	test -s "$M" -a -s "$FX/SOURCES.md"
awk -F'\t' 'NR > 1 { print $1 }' "$M" | sort >"$T/listed"
(cd "$FX" && find . -type f ! -name MANIFEST.tsv ! -name SOURCES.md) |
	sed 's|^\./||' | sort >"$T/present"
is "$(comm -3 "$T/listed" "$T/present" | head -n 20)" "" \
	"MANIFEST.tsv lists every fixture file, and every file it lists is there"
awk -F'\t' 'NR > 1 { print $6 "  " $1 }' "$M" >"$T/sums"
is "$(cd "$FX" && sha256sum -c --quiet "$T/sums" 2>&1 | head -n 20)" "" \
	"every fixture file has the SHA-256 MANIFEST.tsv gives"
missing=
for d in "$FX"/*/; do
	d=$(basename "$d")
	grep -qF "$d" "$FX/SOURCES.md" || missing="$missing $d"
done
is "$missing" "" "SOURCES.md tells where each fixture folder comes from"

done_testing
