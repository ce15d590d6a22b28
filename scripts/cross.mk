# Cross builds, emulated tests and the static binary (included by the
# Makefile, after PC_LIBS):
#   make cross ARCH=armhf|s390x       build/cross/ARCH/{bin,test/bin,tests/unit}
#   make test-cross ARCH=armhf|s390x  unit + core integration tests under qemu
#   make test-cross-all               test-cross for each of CROSS_ARCHES
#   make static                       build/static/bin/pkg (see scripts/static/)
# armhf is 32-bit ARM (32-bit long and size_t, 32-bit time_t in Debian 12's
# libraries), s390x is 64-bit big-endian: Debian's stand-in for OpenWrt's
# big-endian MIPS (mips_24kc). The libraries come from the target's own
# Debian packages, unpacked into build/cross/ARCH/sysroot
# (scripts/cross/sysroot.sh); the compilers and qemu-user from
# scripts/cross/deps.sh. `make test` runs test-cross-all after the native
# tests: CROSS_ARCHES= (empty) skips it, CROSS_ARCHES=armhf runs one.

ARCH ?= armhf
CROSS_ARCHES ?= armhf s390x
# The crypto backend of the cross builds: the router's (make static and
# the OpenWrt recipe use Nettle); CROSS_CRYPTO=openssl tests the other.
CROSS_CRYPTO ?= nettle
CROSS_PC_LIBS = $(filter-out $(CRYPTO_PC),$(PC_LIBS)) $(CRYPTO_PC_$(CROSS_CRYPTO))
CROSS_TRIPLET_armhf := arm-linux-gnueabihf
CROSS_TRIPLET_s390x := s390x-linux-gnu
CROSS_QEMU_armhf := qemu-arm-static
CROSS_QEMU_s390x := qemu-s390x-static
CROSS_TRIPLET = $(CROSS_TRIPLET_$(ARCH))
CROSS_B = build/cross/$(ARCH)
CROSS_SYSROOT = $(CURDIR)/$(CROSS_B)/sysroot

# The target's Debian packages for each pkg-config name of PC_LIBS (the
# crypto backend's: CROSS_CRYPTO's): the -dev package
# (headers, .so link) and the runtime library, whose dependencies the
# sysroot gets as well. cmocka for the unit tests, libsolvext for
# --dump-testcase (dlopen'ed), libcurl for downloads (dlopen'ed).
DEB_DEV_libsolv := libsolv-dev
DEB_RT_libsolv := libsolv1 libsolvext1
DEB_DEV_libarchive := libarchive-dev
DEB_RT_libarchive := libarchive13
DEB_DEV_libcurl := libcurl4-openssl-dev
DEB_RT_libcurl := libcurl4
DEB_DEV_libzstd := libzstd-dev
DEB_RT_libzstd := libzstd1
DEB_DEV_sqlite3 := libsqlite3-dev
DEB_RT_sqlite3 := libsqlite3-0
DEB_DEV_nettle := nettle-dev
DEB_RT_nettle := libnettle8
DEB_DEV_hogweed := libgmp-dev
DEB_RT_hogweed := libhogweed6
DEB_DEV_libcrypto := libssl-dev
DEB_RT_libcrypto := libssl3
DEB_DEV_openssl := libssl-dev
DEB_RT_openssl := libssl3
CROSS_DEV_DEBS = $(sort $(foreach p,$(CROSS_PC_LIBS),$(DEB_DEV_$(p))) \
	zlib1g-dev libcmocka-dev)
CROSS_RT_DEBS = $(sort $(foreach p,$(CROSS_PC_LIBS),$(DEB_RT_$(p))) \
	zlib1g libcmocka0)

# The environment of the cross sub-make: headers and libraries of the
# sysroot, pkg-config reading the target's .pc files.
CROSS_ENV = CPPFLAGS="-I$(CROSS_SYSROOT)/usr/include \
	-I$(CROSS_SYSROOT)/usr/include/$(CROSS_TRIPLET)" \
	LDFLAGS="-L$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET) \
	-L$(CROSS_SYSROOT)/lib/$(CROSS_TRIPLET) \
	-Wl,-rpath-link,$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET):$(CROSS_SYSROOT)/lib/$(CROSS_TRIPLET)" \
	PKG_CONFIG_SYSROOT_DIR=$(CROSS_SYSROOT) \
	PKG_CONFIG_LIBDIR=$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET)/pkgconfig:$(CROSS_SYSROOT)/usr/share/pkgconfig

cross-check-arch:
	@[ -n "$(CROSS_TRIPLET)" ] || { echo "ARCH=$(ARCH): one of armhf s390x" >&2; exit 1; }

cross-deps: cross-check-arch
	@sh scripts/cross/deps.sh $(ARCH)
	@sh scripts/cross/sysroot.sh $(ARCH) $(CROSS_SYSROOT) \
		$(CROSS_DEV_DEBS) -- $(CROSS_RT_DEBS)

cross: cross-deps
	@$(CROSS_ENV) $(MAKE) --no-print-directory B=$(CROSS_B) \
		CC=$(CROSS_TRIPLET)-gcc SAN= CRYPTO=$(CROSS_CRYPTO) all

test-cross: cross
	sh scripts/cross/test.sh $(ARCH) $(CURDIR)/$(CROSS_B) $(CROSS_QEMU_$(ARCH))

test-cross-all:
	@for a in $(CROSS_ARCHES); do \
		$(MAKE) --no-print-directory test-cross ARCH=$$a || exit 1; \
	done

.PHONY: cross cross-deps cross-check-arch test-cross test-cross-all

# ---- make static ---------------------------------------------------------
# One size-optimised, statically linked build/static/bin/pkg: musl libc
# (OpenWrt's; glibc's static libc alone is bigger than the goal), every
# library built from its Debian source package with only what pkg uses
# (scripts/static/build-lib.sh), -Os, LTO, --gc-sections. libcurl
# (http/https, mbedTLS) is linked in and initialised on the first
# download (PKG_STATIC in fetch/download.c); --dump-testcase links
# libsolvext's writer (PKG_LIBSOLVEXT_LINKED in solver/solve.c).
# The crypto backend: STATIC_CRYPTO=nettle (the default: the smaller, and
# the one tested here) or openssl; it is passed on as the Makefile's
# CRYPTO, and STATIC_CRYPTO_LIBS_<backend> are its static libraries.
STATIC_CC ?= musl-gcc
STATIC_CFLAGS ?= -Os -flto -ffunction-sections -fdata-sections
# No unwind tables (.eh_frame: 157 KiB, 40 KiB of it after xz): C has no
# exceptions and pkg never walks its stack. Everything is LTO, so the
# code is generated at the link and the link's flags decide for every
# library too (musl's libc.a is built without them).
STATIC_LDFLAGS ?= -static -Os -flto -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -Wl,--gc-sections
STATIC_CRYPTO ?= nettle
# Each backend's binary in a folder of its own (both are kept for make
# bench); the libraries are shared.
STATIC_B := build/static$(if $(filter nettle,$(STATIC_CRYPTO)),,/$(STATIC_CRYPTO))
STATIC_PREFIX := $(CURDIR)/build/static/prefix
STATIC_CRYPTO_LIBS_nettle := -lhogweed -lnettle
STATIC_CRYPTO_LIBS_openssl := -lcrypto
STATIC_LIBS = zlib zstd $(STATIC_CRYPTO) mbedtls curl libarchive sqlite3 libsolv
STATIC_LDLIBS = -lsolvext -lsolv -larchive -lcurl -lmbedtls -lmbedx509 \
	-lmbedcrypto -lzstd -lsqlite3 $(STATIC_CRYPTO_LIBS_$(STATIC_CRYPTO)) -lz

static-libs:
	@sh scripts/cross/deps.sh static
	@for l in $(STATIC_LIBS); do \
		CC=$(STATIC_CC) CFLAGS="$(STATIC_CFLAGS)" \
		sh scripts/static/build-lib.sh $$l $(STATIC_PREFIX) || exit 1; \
	done

# The compiler, flags and libraries of the link in a stamp: a change
# relinks (with LTO the link is where the code is made).
STATIC_LINK_ID = $(STATIC_CC) $(STATIC_CFLAGS) | $(STATIC_LDFLAGS) | $(STATIC_LDLIBS)

static: static-libs
	@mkdir -p $(STATIC_B)
	@echo '$(STATIC_LINK_ID)' | cmp -s - $(STATIC_B)/link-flags || { \
		echo '$(STATIC_LINK_ID)' >$(STATIC_B)/link-flags; \
		rm -f $(STATIC_B)/bin/pkg; }
	@CFLAGS="$(STATIC_CFLAGS)" \
	CPPFLAGS="-DPKG_STATIC -DPKG_LIBSOLVEXT_LINKED -I$(STATIC_PREFIX)/include" \
	LDFLAGS="$(STATIC_LDFLAGS) -L$(STATIC_PREFIX)/lib" \
	$(MAKE) --no-print-directory B=$(STATIC_B) CC=$(STATIC_CC) SAN= \
		CRYPTO=$(STATIC_CRYPTO) \
		LDLIBS="$(STATIC_LDLIBS)" $(STATIC_B)/bin/pkg
	@strip -o $(STATIC_B)/bin/pkg.stripped $(STATIC_B)/bin/pkg
	@ls -l $(STATIC_B)/bin/pkg.stripped | awk '{ print "static pkg: " $$5 " bytes stripped" }'

.PHONY: static static-libs

# make bench prints the static binaries' sizes and RSS, one for each
# crypto backend (tests/bench/static.sh); one after the other, as they
# share the libraries' builds.
bench: static static-openssl
static-openssl: static
	@$(MAKE) --no-print-directory static STATIC_CRYPTO=openssl
.PHONY: static-openssl
# Relinked when a library of the prefix is rebuilt.
$(STATIC_B)/bin/pkg: $(wildcard $(STATIC_PREFIX)/lib/*.a)
