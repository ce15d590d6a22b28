#!/bin/sh
# Install the Debian packages pkg needs to build, test and demo, but only
# when one is missing: a machine that has them all is left alone. cmake
# and dpkg-dev (apt-get source) build libsolv's static archive (make deps).
set -e
PKGS="gcc make pkg-config libsolv-dev libsolvext-dev libarchive-dev
libcurl4-openssl-dev libssl-dev nettle-dev libgmp-dev openssl
libzstd-dev libsqlite3-dev zlib1g-dev liblzma-dev libcmocka-dev
nginx-light squashfs-tools perl clang libclang-rt-14-dev util-linux
xz-utils zstd attr time sqlite3 strace cmake dpkg-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install these packages:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
sh "$(dirname "$0")/apt-update.sh"
apt-get install -y -qq --no-install-recommends $missing >/dev/null
