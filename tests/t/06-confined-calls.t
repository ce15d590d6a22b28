#!/bin/sh
# No code outside rootfs/ works on a root path by name
# (scripts/check-confined.sh): pkgd/, solver/ and hooks/ reach the root
# only through rootfs/'s descriptor-based calls, with a short list of
# host-path exceptions, each with its reason. Then the check is shown to
# fail on a copy of the tree with a path-based call in it.

. "$(dirname "$0")/../lib/common.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$TOP/scripts/check-confined.sh
mk_tmp

run sh "$CHECK" "$TOP"
is "$RC" 0 "no path-based call on a root path outside rootfs/"
is "$OUT" "" "...and nothing is reported"
show_run

copy_tree() {
	rm -rf "$T/src"
	mkdir -p "$T/src"
	cp -r "$TOP/pkgd" "$TOP/solver" "$TOP/hooks" "$T/src/"
}

for c in 'unlink(path)' 'fopen(path, "r")' 'stat(path, &st)' \
	'rename(a, b)' 'opendir(dir)' 'fsop_unlink(path)' \
	'fsop_rename(a, b)' 'tree_checked_path(rf, l, rel, &r)'; do
	for f in pkgd/tx/stage.c solver/stanza.c hooks/script.c; do
		copy_tree
		printf '\nstatic void planted(void) { %s; }\n' "$c" >>"$T/src/$f"
		run sh "$CHECK" "$T/src"
		t_ok "a planted '$c' in $f is found" test "$RC" = 1
		like "$OUT" "^$f:[0-9]*: " "...naming the file and line"
	done
done

# an allowed call in another file is not allowed there
copy_tree
printf '\nstatic void planted(void) { opendir(dir); }\n' \
	>>"$T/src/pkgd/cmd/list.c"
run sh "$CHECK" "$T/src"
is "$RC" 1 "tmpclean.c's exception does not cover another file"
# and comments, strings and members are not calls
copy_tree
printf '\n/* unlink(x) */ static const char *s = "rename(a, b)";\n' \
	>>"$T/src/pkgd/cmd/list.c"
printf 'static int m(struct o *o) { return o->open(1) + o->unlink(2); }\n' \
	>>"$T/src/pkgd/cmd/list.c"
run sh "$CHECK" "$T/src"
is "$RC" 0 "comments, strings and struct members are not calls"
show_run
done_testing
