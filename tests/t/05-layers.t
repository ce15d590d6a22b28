#!/bin/sh
# The layers hold (scripts/check-layers.sh): no file includes a higher
# layer's header, no object calls a function only a higher layer defines.
# Order, lowest first: base (rootfs/base.h) < fetch < solver, hooks <
# pkgd/core < pkgd/state < pkgd/tx < pkgd/session < pkgd/cmd <
# pkgd/main.c; repo-tools uses base and fetch; the rest of rootfs/ (a
# target root: rootfs/rootfs.h) sits on base, for pkgd/core and above. Then the check is shown to fail, on a
# copy of the tree with a bad include and on objects with a bad call.

. "$(dirname "$0")/../lib/common.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$TOP/scripts/check-layers.sh
mk_tmp

# ---- the tree as it is ----
run sh "$CHECK" "$TOP"
is "$RC" 0 "no file includes a higher layer"
is "$OUT" "" "...and nothing is reported"
show_run

if [ -d "$PKG_BUILD/obj/pkgd/core" ]; then
	run sh "$CHECK" -o "$PKG_BUILD/obj" "$TOP"
	is "$RC" 0 "no object calls into a higher layer (nm)"
	show_run
else
	skip 1 "no objects in $PKG_BUILD/obj (run make)"
fi

# ---- a copy with one bad include at a time ----
copy_tree() {
	rm -rf "$T/src"
	mkdir -p "$T/src"
	for d in rootfs fetch solver hooks repo-tools pkgd; do
		cp -R "$TOP/$d" "$T/src/"
	done
}
# bad_include FILE HEADER DESC: FILE (in the copy) includes HEADER; the
# check must fail and name both.
bad_include() {
	copy_tree
	printf '#include "%s"\n' "$2" >>"$T/src/$1"
	run sh "$CHECK" "$T/src"
	is "$RC" 1 "$3: the check fails"
	like "$OUT" "^$1: includes \"$2\"" "...naming the file and the include"
}
copy_tree
run sh "$CHECK" "$T/src"
is "$RC" 0 "the copy passes as the tree does"
bad_include pkgd/core/db.c cmd/cmd.h "core includes cmd"
bad_include pkgd/state/world.c tx/tx.h "state includes tx"
bad_include pkgd/tx/commit.c session/session.h "tx includes session"
bad_include pkgd/session/session.c cmd/cmd.h "session includes cmd"
bad_include rootfs/err.c fetch.h "rootfs includes fetch"
bad_include fetch/crypto.c rootfs.h "the crypto leaf includes rootfs"
bad_include fetch/download.c solver.h "fetch includes solver"
bad_include fetch/download.c rootfs.h "fetch includes the root model"
bad_include solver/pool.c rootfs.h "solver includes the root model"
bad_include repo-tools/index.c rootfs.h "repo-tools includes the root model"
bad_include rootfs/control.c rootfs.h "the base includes the root model"
bad_include hooks/script.c solver.h "hooks includes its peer solver"
bad_include solver/pool.c core/core.h "solver includes pkgd"
bad_include repo-tools/main.c hooks.h "repo-tools includes hooks"
bad_include pkgd/core/ctx.c ../cmd/cmd.h "a relative path up a layer"
bad_include pkgd/core/ctx.c no-such.h "an include found nowhere"

copy_tree
printf 'int x;\n' >"$T/src/pkgd/stray.c"
run sh "$CHECK" "$T/src"
is "$RC" 1 "a file of pkgd/ outside the layers fails"
like "$OUT" "^pkgd/stray.c: outside the layers" "...and is named"

# ---- objects with a bad call ----
CC=${CC:-cc}
if [ -d "$PKG_BUILD/obj/pkgd/core" ] && command -v "$CC" >/dev/null; then
	mkdir -p "$T/obj"
	cp -R "$PKG_BUILD/obj/." "$T/obj/"
	# core calls the session's session_load_pool
	printf 'struct pkg_ctx;\nint session_load_pool(struct pkg_ctx *);\n%s\n' \
		'int layers_up(struct pkg_ctx *c) { return session_load_pool(c); }' \
		>"$T/up.c"
	"$CC" -c -o "$T/obj/pkgd/core/up.o" "$T/up.c"
	run sh "$CHECK" -o "$T/obj" "$TOP"
	is "$RC" 1 "an object of core calling into session fails"
	like "$OUT" "^pkgd/core/up.o: calls session_load_pool \(layer session" \
		"...naming the object, the symbol and its layer"
	rm -f "$T/obj/pkgd/core/up.o"
	# rootfs calls fetch
	sym=$(nm -g --defined-only "$T/obj/fetch/download.o" |
		awk '$2 == "T" { print $3; exit }')
	printf 'int %s();\nint layers_up2(void) { return %s(); }\n' "$sym" \
		"$sym" >"$T/up2.c"
	"$CC" -c -o "$T/obj/rootfs/up2.o" "$T/up2.c"
	run sh "$CHECK" -o "$T/obj" "$TOP"
	is "$RC" 1 "an object of rootfs calling into fetch fails"
	like "$OUT" "^rootfs/up2.o: calls $sym \(layer fetch" "...named"
	rm -f "$T/obj/rootfs/up2.o"
	# fetch calls the root model's resolver
	printf 'int rootfs_resolve();
int layers_up3(void) { return rootfs_resolve(); }\n' \
		>"$T/up3.c"
	"$CC" -c -o "$T/obj/fetch/up3.o" "$T/up3.c"
	run sh "$CHECK" -o "$T/obj" "$TOP"
	is "$RC" 1 "an object of fetch calling the root model fails"
	like "$OUT" "^fetch/up3.o: calls rootfs_resolve \(layer rootfs" \
		"...named"
else
	skip 6 "no objects or no C compiler"
fi

done_testing
