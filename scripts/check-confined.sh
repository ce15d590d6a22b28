#!/bin/sh
# check-confined.sh [TOP]: outside rootfs/, no call works on a path by
# name where the path may lie inside a root.
#
# Every path inside a root is resolved by rootfs/resolve.c and opened,
# made, renamed or removed by rootfs/tree.c from an open descriptor of the
# root (never following a link out of it); callers above use those calls,
# or *at() calls relative to a descriptor they got from them. So in
# pkgd/, solver/ and hooks/ (the code that acts on roots) this fails on:
#   - libc calls that take a path: open, fopen, stat, lstat, access,
#     rename, unlink, mkdir, rmdir, symlink, link, opendir, chmod, chown,
#     lchown, truncate, readlink, utimensat, mknod, creat, remove, statvfs;
#   - the ops layer's path variants (fsop_open, fsop_rename, fsop_unlink,
#     fsop_mkdir, fsop_rmdir, fsop_symlink, fsop_link, fsop_chmod,
#     fsop_lchown, fsop_utimens, fsop_mknod, fsop_fsync_dir...);
#   - a host path of a root path (tree_checked_path) for anything but a
#     library that opens by name.
# The exceptions are host paths that are not in a root, each listed below
# with why (FILE:CALL); a new one must be added here, with its reason.
#
# Prints 'FILE:LINE: CALL' per violation and exits 1 when there is one;
# prints nothing and exits 0 otherwise. POSIX sh, grep and awk.

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

# FILE:CALL  why
ALLOW='
pkgd/core/tmpclean.c:opendir	the host TMPDIR: stale private directories of killed runs
pkgd/core/tmpclean.c:lstat	the host TMPDIR: only ours (owner checked) are removed
pkgd/main.c:realpath	the root the user named (-o ROOT), before it is opened
pkgd/main.c:tree_checked_path	a dest (-d) becomes the root: its own path is opened as one
pkgd/session/session.c:tree_checked_path	SQLite opens the database by name; every component checked not a link
pkgd/tx/cache.c:fsop_unlink	--host-cache-dir: a cache on the host, not in the root
pkgd/tx/plan.c:fsop_unlink	the run'"'"'s private temporary directory (ctx_tmpdir), on the host
'

calls='open|fopen|stat|lstat|access|rename|unlink|mkdir|rmdir|symlink|link|opendir|chmod|chown|lchown|truncate|readlink|utimensat|mknod|creat|remove|statvfs|realpath'
fsops='fsop_(open|rename|unlink|mkdir|rmdir|symlink|link|chmod|lchown|utimens|mknod|fsync_dir|setxattr|removexattr)'

find pkgd solver hooks -name '*.c' | sort | while read -r f; do
	# strip comments and strings (rough but enough for C as written here)
	awk -v file="$f" -v calls="$calls" -v fsops="$fsops" \
		-v allow="$ALLOW" '
	BEGIN {
		n = split(allow, a, "\n")
		for (i = 1; i <= n; i++) {
			split(a[i], kv, "\t")
			if (kv[1] != "")
				ok[kv[1]] = 1
		}
		re = "(^|[^A-Za-z0-9_>.])(" calls ")[ \t]*\\("
		re2 = "(^|[^A-Za-z0-9_])(" fsops "|tree_checked_path)[ \t]*\\("
	}
	{
		line = $0
		if (incomment) {
			if (sub(/.*\*\//, "", line))
				incomment = 0
			else
				next
		}
		gsub(/\/\*([^*]|\*[^\/])*\*\//, "", line)
		if (sub(/\/\*.*/, "", line))
			incomment = 1
		gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
		sub(/\/\/.*/, "", line)
		s = line
		while (match(s, re) || match(s, re2)) {
			m = substr(s, RSTART, RLENGTH)
			sub(/^[^A-Za-z_]/, "", m)
			sub(/[ \t]*\($/, "", m)
			if (!ok[file ":" m])
				printf "%s:%d: %s\n", file, NR, m
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$f"
done | {
	out=$(cat)
	[ -z "$out" ] && exit 0
	printf '%s\n' "$out"
	exit 1
}
