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

done_testing
