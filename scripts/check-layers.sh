#!/bin/sh
# check-layers.sh [-o OBJDIR] [TOP]: no layer includes or calls a higher one.
#
# Layers, lowest first (README.md, "Layout"):
#   base < fetch < solver, hooks < pkgd/core < pkgd/state < pkgd/tx
#   < pkgd/session < pkgd/cmd < pkgd/main.c;  repo-tools uses base, fetch.
# base is rootfs/base.h and the files that implement it (errors, ops
# layer, control parser, .ipk reader, text buffer); the rest of rootfs/
# (rootfs.h: a target root, its rom/overlay model, confined resolution,
# staging into it) sits on base and is used by pkgd/core and above alone.
# solver and hooks are peers: neither uses the other.
#
# Includes: every `#include "..."` of every .c and .h under TOP's layer
# folders is resolved as the compiler does (the including file's folder,
# then -Irootfs -Ifetch -Isolver -Ihooks -Ipkgd) and the folder it lands
# in must be the file's own layer or one it may use. A header found
# nowhere fails too, and so does a source file outside the layers.
#
# Calls (-o OBJDIR, the build's obj/ folder): every undefined symbol of an
# object must be defined in its own layer or one it may use, not only in
# a higher one (nm over the objects).
#
# Prints one line per violation ('FILE: includes "X" (layer L ...)',
# 'OBJ: calls SYM (layer L ...)') and exits 1 when there is one; prints
# nothing and exits 0 when the layers hold. POSIX sh, awk and nm.

objdir=
if [ "${1:-}" = -o ]; then
	objdir=$2
	shift 2
fi
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

# The layer table, shared by both checks: a path's layer, and what a
# layer may use (itself first).
LAYERS='
function layer(p) {
	if (p ~ /^fetch\/crypto[_.a-z]*$/) return "crypto"
	if (p ~ /^rootfs\/(base\.h|rootfs_int\.h|(err|fsops|control|fileutil|ipk|strbuf)\.[co])$/)
		return "base"
	if (p ~ /^rootfs\//) return "rootfs"
	if (p ~ /^fetch\//) return "fetch"
	if (p ~ /^solver\//) return "solver"
	if (p ~ /^hooks\//) return "hooks"
	if (p ~ /^repo-tools\//) return "repo-tools"
	if (p ~ /^pkgd\/core\//) return "core"
	if (p ~ /^pkgd\/state\//) return "state"
	if (p ~ /^pkgd\/tx\//) return "tx"
	if (p ~ /^pkgd\/session\//) return "session"
	if (p ~ /^pkgd\/cmd\//) return "cmd"
	if (p ~ /^pkgd\/main\.[co]$/) return "main"
	return "none"
}
function may_use(l) {
	if (l == "crypto") return "crypto"
	if (l == "base") return "base crypto"
	if (l == "rootfs") return "rootfs base crypto"
	if (l == "fetch") return "fetch base crypto"
	if (l == "solver") return "solver fetch base crypto"
	if (l == "hooks") return "hooks fetch base crypto"
	if (l == "repo-tools") return "repo-tools fetch base crypto"
	if (l == "core") return "core solver hooks fetch rootfs base crypto"
	if (l == "state") return "state " may_use("core")
	if (l == "tx") return "tx " may_use("state")
	if (l == "session") return "session " may_use("tx")
	if (l == "cmd") return "cmd " may_use("session")
	if (l == "main") return "main " may_use("cmd")
	return ""
}
function allowed(from, to,    n, i, u) {
	n = split(may_use(from), u, " ")
	for (i = 1; i <= n; i++)
		if (u[i] == to)
			return 1
	return 0
}
'

files=$(find rootfs fetch solver hooks repo-tools pkgd \
	\( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
out=$(awk "$LAYERS"'
# "a/b/../c/./d" -> "a/c/d"
function norm(p,    n, i, s, o, k) {
	n = split(p, s, "/"); k = 0
	for (i = 1; i <= n; i++) {
		if (s[i] == "." || s[i] == "")
			continue
		if (s[i] == ".." && k > 0 && o[k] != "..") { k--; continue }
		o[++k] = s[i]
	}
	p = ""
	for (i = 1; i <= k; i++)
		p = p (i > 1 ? "/" : "") o[i]
	return p
}
function exists(p,    line, r) {
	r = (getline line < p) >= 0
	close(p)
	return r
}
FNR == 1 {
	from = layer(FILENAME); dir = FILENAME; sub(/\/[^\/]*$/, "", dir)
	if (from == "none")
		print FILENAME ": outside the layers (pkgd/core, state, tx, session, cmd, main.c)"
}
from != "none" && /^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
	ndirs = split(dir " rootfs fetch solver hooks pkgd", dirs, " ")
	hit = ""
	for (i = 1; i <= ndirs && hit == ""; i++)
		if (exists(dirs[i] "/" inc))
			hit = norm(dirs[i] "/" inc)
	if (hit == "")
		print FILENAME ": includes \"" inc "\", found nowhere"
	else if (!allowed(from, to = layer(hit)))
		print FILENAME ": includes \"" inc "\" (layer " to "; " from \
			" may use: " may_use(from) ")"
}' $files)
bad=0
if [ -n "$out" ]; then
	echo "$out"
	bad=1
fi

if [ -n "$objdir" ]; then
	objs=$(cd "$objdir" 2>/dev/null && find rootfs fetch solver hooks \
		repo-tools pkgd -name '*.o' 2>/dev/null | sort)
	if [ -z "$objs" ]; then
		echo "no objects in '$objdir'"
		exit 2
	fi
	# nm -A: "obj.o:[addr] TYPE SYM" for each symbol, one pass each.
	# A symbol is fine when a layer it may use defines it; a violation
	# when only layers it may not use do (libraries define the rest).
	out=$(cd "$objdir" && {
		nm -A -g --defined-only $objs | sed 's/^/D /'
		nm -A -u $objs | sed 's/^/U /'
	} | awk "$LAYERS"'
	{ obj = $2; sub(/:.*/, "", obj); sym = $NF }
	$1 == "D" { def[sym] = def[sym] " " layer(obj); next }
	{ use[++n] = obj; usym[n] = sym }
	END {
		for (i = 1; i <= n; i++) {
			s = usym[i]
			if (!(s in def))
				continue
			from = layer(use[i]); k = split(def[s], d, " "); ok = 0
			for (j = 1; j <= k; j++)
				if (allowed(from, d[j]))
					ok = 1
			if (!ok)
				print use[i] ": calls " s " (layer" def[s] \
					"; " from " may use: " may_use(from) ")"
		}
	}')
	if [ -n "$out" ]; then
		echo "$out"
		bad=1
	fi
fi
exit $bad
