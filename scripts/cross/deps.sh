#!/bin/sh
# deps.sh ARCH|static: the Debian packages a cross build for ARCH (armhf,
# s390x) and its emulated tests need: the cross compiler, its C library,
# qemu (user mode, static: runs the target's binaries without
# binfmt_misc), dpkg-dev; or what `make static` needs: musl's gcc
# wrapper, cmake (libsolv), tclsh (SQLite's amalgamation), dpkg-dev
# (apt-get source). Installed only when missing, as scripts/deps.sh does.
set -e
case $1 in
armhf) triplet=arm-linux-gnueabihf ;;
s390x) triplet=s390x-linux-gnu ;;
static) ;;
*) echo "deps.sh: armhf, s390x or static, not '$1'" >&2; exit 1 ;;
esac
if [ "$1" = static ]; then
	PKGS="musl-tools cmake tcl dpkg-dev xz-utils"
else
	PKGS="gcc-$triplet libc6-dev-$1-cross qemu-user-static dpkg-dev"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "cross deps: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "cross deps: not root; install these packages:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
sh "$(dirname "$0")/../apt-update.sh"
apt-get install -y -qq --no-install-recommends $missing >/dev/null
