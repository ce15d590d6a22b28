#!/bin/sh
# hot-sections.sh OBJCOPY LIST OBJECT: move the functions of LIST (one
# name a line, '#' comments; scripts/hot-functions.list) in OBJECT from
# their own section .text.NAME (-ffunction-sections), or .text.NAME.SUFFIX
# for a clone gcc made (.constprop.0, .isra.0, .part.0), to
# .text.hot.NAME[.SUFFIX]. GNU ld's default script places every
# .text.hot.* section together at the start of .text: the Makefile's
# "Code layout". The rest of OBJECT is untouched; an object with none of
# those functions is not rewritten. readelf reads any target's objects;
# OBJCOPY is the target's.
set -eu
objcopy=$1 list=$2 obj=$3
args=$(readelf -SW "$obj" |
	sed -n 's/^ *\[ *[0-9]*\] \(\.text\.[^ ]*\) .*/\1/p' |
	awk -v list="$list" 'BEGIN {
		while ((getline l < list) > 0)
			if (l !~ /^#/ && l != "") hot[l] = 1
	}
	{
		n = substr($1, 7); b = n; sub(/\..*$/, "", b)
		if (b in hot) printf " --rename-section %s=.text.hot.%s", $1, n
	}')
[ -z "$args" ] || "$objcopy" $args "$obj"
