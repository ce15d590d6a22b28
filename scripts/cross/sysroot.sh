#!/bin/sh
# sysroot.sh ARCH DIR DEV-PKGS -- RUNTIME-PKGS: a Debian sysroot for the
# cross build and for qemu-user, made of ARCH's own .deb files.
#
# The target's -dev packages cannot be installed beside the native ones
# through multiarch (libsolv-dev:armhf is not Multi-Arch: same and would
# remove libsolv-dev; the s390x set conflicts with the native set), so
# they are downloaded (apt-get download NAME:ARCH) and unpacked with
# dpkg -x into DIR. DEV-PKGS are taken as named (headers, .so links);
# RUNTIME-PKGS with everything they depend on, libc6 included, so that
# `qemu-ARCH-static -L DIR` finds the dynamic loader and every library.
# The .deb files are kept in DIR.debs/ and DIR is unpacked again only
# when the set of files changes: a second run costs a few apt-cache
# look-ups. Run as root (adds ARCH to dpkg and updates the apt lists
# once, when ARCH's lists are missing).
set -eu
arch=${1:?usage: sysroot.sh ARCH DIR DEV-PKGS -- RUNTIME-PKGS}
dir=${2:?usage: sysroot.sh ARCH DIR DEV-PKGS -- RUNTIME-PKGS}
shift 2
dev=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	dev="$dev $1"
	shift
done
[ $# -gt 0 ] && shift
rt="$*"

say() { echo "sysroot($arch): $*" >&2; }

# Done already for this request: no apt call at all (apt-cache here
# rebuilds its cache in memory on every call, seconds each).
request="$arch |$dev |$rt"
if [ -f "$dir/.request" ] && [ "$(cat "$dir/.request")" = "$request" ]; then
	exit 0
fi

# ARCH known to dpkg and apt (lists for it downloaded).
if ! dpkg --print-foreign-architectures | grep -qx "$arch" &&
	[ "$(dpkg --print-architecture)" != "$arch" ]; then
	[ "$(id -u)" = 0 ] || { say "not root: run dpkg --add-architecture $arch"; exit 1; }
	say "dpkg --add-architecture $arch"
	dpkg --add-architecture "$arch"
fi
if ! apt-cache show "libc6:$arch" >/dev/null 2>&1; then
	say "apt-get update"
	sh "$(dirname "$0")/../apt-update.sh"
fi

# The runtime closure: every package (of ARCH) the runtime set needs.
closure=$(apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances \
	$(for p in $rt; do echo "$p:$arch"; done) 2>/dev/null |
	sed -n "s/^\([a-z0-9][a-z0-9.+-]*\):$arch\$/\1/p" | sort -u)
want=$(for p in $dev $closure; do echo "$p:$arch"; done | sort -u)

# NAME:ARCH VERSION, one a line, in one apt-cache call.
versions=$(apt-cache policy $want | awk '
	/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
	/^  Candidate: / { print name, $2 }')

# Download what is not in the cache yet (file name: NAME_VERSION_ARCH.deb,
# the epoch's ':' written %3a, as apt-get download names it).
debs=$dir.debs
mkdir -p "$debs"
files=
missing=
for p in $want; do
	v=$(echo "$versions" | awk -v n="$p" '$1 == n { print $2 }')
	if [ -z "$v" ] || [ "$v" = "(none)" ]; then
		say "no package $p"
		exit 1
	fi
	f=$(printf '%s_%s_%s.deb' "${p%:*}" "$v" "$arch" | sed 's/:/%3a/')
	[ -f "$debs/$f" ] || missing="$missing $p=$v"
	files="$files $f"
done
if [ -n "$missing" ]; then
	say "downloading$missing"
	# -o: apt's sandbox user cannot write under a root-owned build/.
	(cd "$debs" && apt-get download -qq \
		-o APT::Sandbox::User=root $missing)
fi

# Unpack again only when the set of .deb files changed.
stamp=$dir/.debs
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$files" ]; then
	say "unpacking $(echo $files | wc -w) packages into $dir"
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in $files; do
		dpkg -x "$debs/$f" "$dir"
	done
	echo "$files" >"$stamp"
fi
echo "$request" >"$dir/.request"
