#!/bin/sh
# hot-sections.sh OBJCOPY GROUP LIST OBJECT: move the functions of LIST
# (one name a line, '#' comments; scripts/hot-functions.list) in OBJECT
# from their own section .text.NAME (-ffunction-sections), or
# .text.NAME.SUFFIX for a clone gcc made (.constprop.0, .isra.0,
# .part.0), to .text.sorted.GROUP.RANK.NAME[.SUFFIX], RANK the name's
# line in LIST (five digits). GNU ld's default script places every
# .text.sorted.* section near the start of .text (after main's
# .text.startup), sorted by name: GROUP by GROUP (pkg's functions are
# group a, the libraries' b), and in each the list's order, so the
# commonest first. A line "#group X" in LIST puts the names after it in
# group X instead (remove's own functions: c, after the libraries'). The
# Makefile's "Code layout".
#
# OBJECT may be an archive: objcopy rewrites each member. The rest of
# OBJECT is untouched; an object with none of those functions is not
# rewritten. readelf reads any target's objects; OBJCOPY is the target's.
set -eu
objcopy=$1 group=$2 list=$3 obj=$4
args=$(readelf -SW "$obj" |
	sed -n 's/^ *\[ *[0-9]*\] \(\.text\.[^ ]*\) .*/\1/p' | sort -u |
	awk -v list="$list" -v group="$group" 'BEGIN {
		g = group
		while ((getline l < list) > 0)
			if (l ~ /^#group [a-z]$/)
				g = substr(l, 8)
			else if (l !~ /^#/ && l != "" && !(l in rank)) {
				rank[l] = ++n
				grp[l] = g
			}
	}
	{
		s = substr($1, 7); b = s; sub(/\..*$/, "", b)
		if (b in rank)
			printf " --rename-section %s=.text.sorted.%s.%05d.%s", $1,
				grp[b], rank[b], s
	}')
[ -z "$args" ] || "$objcopy" $args "$obj"
