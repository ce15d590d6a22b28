#!/bin/sh
# test.sh ARCH BUILD QEMU: the unit tests and the core integration tests
# with the binaries cross-built in BUILD (make cross ARCH=...), run under
# qemu-user with the target's sysroot BUILD/sysroot (`QEMU -L SYSROOT`:
# the guest's dynamic loader and libraries come from there; programs the
# guest starts, /bin/sh for maintainer scripts, are the host's).
#
# BUILD/qemu/ mirrors BUILD's layout (bin/pkg, bin/opkg, bin/pkg-repo,
# test/bin/pkg, tests/unit/*) with scripts that start the real binary
# under qemu, with its argv[0] (opkg is pkg called as opkg), and the shell
# tests take it as PKG_BUILD as they would a native build. The subset
# (CROSS_TESTS to change it) is what has to hold on a router: offline
# install, upgrade and remove of real 23.05.2 packages with usign checks
# of the real feeds, the image model and restores from it, the crash loop
# of one scenario (CROSS_CRASH), pkg-repo index and sign, the root
# confinement (qemu-user has no openat2: the hand walk of older kernels).
set -eu
arch=${1:?usage: test.sh ARCH BUILD QEMU}
build=${2:?usage: test.sh ARCH BUILD QEMU}
qemu=${3:?usage: test.sh ARCH BUILD QEMU}
top=$(cd "$(dirname "$0")/../.." && pwd)
sysroot=$build/sysroot
command -v "$qemu" >/dev/null || { echo "test.sh: no $qemu (qemu-user-static)" >&2; exit 1; }

w=$build/qemu
rm -rf "$w"
wrap() { # wrap BINARY: $w/<same path> runs BINARY under qemu
	_rel=${1#"$build"/}
	mkdir -p "$w/$(dirname "$_rel")"
	cat >"$w/$_rel" <<WRAP
#!/bin/sh
exec $qemu -L $sysroot -0 "\$0" $1 "\$@"
WRAP
	chmod +x "$w/$_rel"
}
for b in "$build"/bin/pkg "$build"/bin/pkg-repo "$build"/test/bin/pkg \
	"$build"/tests/unit/test_*; do
	[ -x "$b" ] || { echo "test.sh: $b not built (make cross ARCH=$arch)" >&2; exit 1; }
	wrap "$b"
done
ln -s pkg "$w/bin/opkg"

tests=${CROSS_TESTS:-"20-offline-install 26-confine 30-pkg-repo 40-image 41-rom 60-crash"}
set --
for t in $tests; do set -- "$@" "$top/tests/t/$t.t"; done
echo "test-cross $arch: $(file -b "$build/bin/pkg" | cut -d, -f1-2) under $qemu"
cd "$top"
start=$(date +%s)
rc=0
# PKG_TEST_SLOWDOWN: the unit tests' time limits, scaled for emulation
# (qemu-user runs this code 5 to 20 times slower than the host).
PKG_BUILD=$w CR_ONLY=${CROSS_CRASH:-upgrade} CMOCKA_MESSAGE_OUTPUT=TAP \
	PKG_TEST_SLOWDOWN=${PKG_TEST_SLOWDOWN:-50} \
	prove -f --timer "$w"/tests/unit/test_* "$@" || rc=$?
echo "test-cross $arch: $(( $(date +%s) - start )) s"
exit $rc
