# pkg: transactional, opkg-compatible package manager.
#   make            build/bin/{pkg,opkg,pkg-repo} and build/test/bin/pkg
#   make test       install missing deps, build, run every test (prove),
#                   then the cross builds' tests under qemu (scripts/cross.mk)
#   make demo       install missing deps, build, run the demo
#   make asan test  the same tests under AddressSanitizer + UBSan
#   make bench      speed and memory figures (never fails on timing)

CC ?= cc
ifneq ($(filter asan,$(MAKECMDGOALS)),)
B := build/asan
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B ?= build
SAN :=
endif
ifeq ($(CC),cc)
CC := gcc
endif

# Crypto backend (fetch/crypto.h): CRYPTO=openssl (libcrypto, the
# default) or CRYPTO=nettle (nettle + hogweed, smaller: for small devices).
# Only fetch/crypto_$(CRYPTO).c is compiled; build each backend in its own
# B (make CRYPTO=nettle B=build/nettle).
CRYPTO ?= openssl
CRYPTO_PC_openssl := libcrypto
CRYPTO_PC_nettle := hogweed nettle
CRYPTO_LDLIBS_openssl := -lcrypto
CRYPTO_LDLIBS_nettle := -lhogweed -lnettle
ifeq ($(CRYPTO_PC_$(CRYPTO)),)
$(error CRYPTO=$(CRYPTO): choose openssl or nettle)
endif
CRYPTO_PC := $(CRYPTO_PC_$(CRYPTO))
CPPFLAGS += $(if $(filter nettle,$(CRYPTO)),-DPKG_CRYPTO_NETTLE)
CRYPTO_SRCS := fetch/crypto.c fetch/crypto_$(CRYPTO).c
CRYPTO_OTHER_SRCS := $(filter-out $(CRYPTO_SRCS),$(wildcard fetch/crypto*.c))
CRYPTO_OTHER := $(if $(filter openssl,$(CRYPTO)),nettle,openssl)

PC_LIBS := libsolv libarchive libcurl libzstd sqlite3 $(CRYPTO_PC)
CPPFLAGS += -D_GNU_SOURCE -Irootfs -Ifetch -Isolver -Ihooks -Ipkgd
# 64-bit off_t on 32-bit targets too (files over 2 GB, stat of any file).
CPPFLAGS += -D_FILE_OFFSET_BITS=64
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter $(SAN)
# --as-needed: libcurl is dlopen'ed on the first download (fetch/), so a
# binary must not load it, nor its TLS stack, at start; gcc on Debian does
# this by default, clang does not.
LDFLAGS += -Wl,--as-needed $(SAN)
LDLIBS := $(shell pkg-config --libs $(PC_LIBS) 2>/dev/null || echo -lsolv -larchive -lcurl -lzstd -lsqlite3 $(CRYPTO_LDLIBS_$(CRYPTO))) -lz -lpthread
# Start-up (issue 17): when the compiler finds Debian's static archives of
# libarchive, SQLite, the crypto backend and the compressors, they are
# linked in, so that a command maps libc, libm and libsolv only (libc
# alone with the archives of make deps, below) instead of some 20 libraries (libarchive.so alone
# brings libxml2, ICU and libstdc++). --gc-sections keeps what is called:
# libarchive's tar writer would otherwise pull every writer, xar's and
# so libxml2 with it. A cross build whose compiler does not see the
# archives keeps the shared libraries. OpenSSL's libcrypto is neither:
# fetch/crypto_openssl.c loads it on first use (its relocated tables
# cost every command's start 1.8 ms when linked in, statically or not).
STATIC_DEPS_openssl :=
STATIC_DEPS_nettle := -lhogweed -lnettle -lgmp
STATIC_DEPS := -larchive -lsqlite3 $(STATIC_DEPS_$(CRYPTO)) -lnettle -lzstd \
	-llzma -lbz2 -lz
STATIC_DEPS_FOUND := $(foreach l,$(patsubst -l%,lib%.a,$(STATIC_DEPS)),\
	$(filter /%,$(shell $(CC) -print-file-name=$(l))))
# libsolv and SQLite too, when `make deps` built them from Debian's
# source packages into DEPS_PREFIX (scripts/static/build-lib.sh, the
# router build's recipes): Debian ships no libsolv.a, and its SQLite has
# the math functions, whose glibc libm cannot be linked into a dynamic
# program (loading libm.so costs a start 0.45 ms and 0.45 MB). Then only
# libc is loaded. libsolvext (--dump-testcase) is linked in with libsolv:
# a dlopen'ed libsolvext.so would bring a second libsolv with it.
# DEPS_PREFIX is per compiler and target machine: a cross, clang or
# musl-gcc build does not pick the native gcc's archives.
TARGET_MACHINE := $(shell $(CC) -dumpmachine 2>/dev/null)
DEPS_PREFIX := $(CURDIR)/build/deps/$(notdir $(firstword $(CC)))-$(TARGET_MACHINE)
DEPS_BUILT := $(notdir $(wildcard $(DEPS_PREFIX)/lib/libsolv.a \
	$(DEPS_PREFIX)/lib/libsqlite3.a))
ifeq ($(words $(STATIC_DEPS_FOUND)),$(words $(STATIC_DEPS)))
# libnettle.a is linked in (libarchive's): its base64 codec is the one
# with either backend (fetch/crypto_int.h)
CPPFLAGS += -DPKG_NETTLE_LINKED
ifneq ($(DEPS_BUILT),)
CPPFLAGS += -I$(DEPS_PREFIX)/include
# the archives as laid out for this build ("Code layout", below) first
DEPS_LAID := $(addprefix $(B)/lib/deps/,$(DEPS_BUILT))
DEPS_LDFLAGS := -L$(B)/lib/deps -L$(DEPS_PREFIX)/lib
endif
ifneq ($(filter libsolv.a,$(DEPS_BUILT)),)
CPPFLAGS += -DPKG_LIBSOLVEXT_LINKED
LIBSOLV_LDLIBS := -lsolvext -lsolv
endif
LDLIBS := -Wl,--push-state,-Bstatic $(DEPS_LDFLAGS) $(LIBSOLV_LDLIBS) \
	$(STATIC_DEPS) -Wl,--pop-state \
	$(if $(LIBSOLV_LDLIBS),,$(shell pkg-config --libs libsolv 2>/dev/null || echo -lsolv)) \
	$(if $(filter libsqlite3.a,$(DEPS_BUILT)),,-lm) -lpthread
LDFLAGS += -Wl,--gc-sections -Wl,-z,pack-relative-relocs
endif

# Code layout (issue 17): the kernel maps a program's text in windows
# around each page fault, and peak RSS counts what is mapped. Each
# function is compiled into its own section (-ffunction-sections), and
# those that start-up and the installed-state queries run
# (scripts/hot-functions.list, made by scripts/hot-functions.sh,
# start-up's first) are renamed .text.sorted.a.RANK.NAME in the object
# (scripts/hot-sections.sh, with the target's objcopy), which GNU ld's
# default script places together near the start of .text, sorted by
# name, so in the list's order (lld keeps input order): a query maps
# some 60 KB of pkg's code instead of pieces of all of it, start-up the
# first window of it. One .text as before: debuggers, valgrind and perf
# see nothing new. A name the list has and the code no longer does
# matches nothing. A failed rename removes the object.
CFLAGS += -ffunction-sections
HOT_LIST := scripts/hot-functions.list
OBJCOPY_CROSS := $(patsubst %-gcc,%-objcopy,$(filter %-gcc,$(notdir $(firstword $(CC)))))
ifeq ($(origin OBJCOPY),undefined)
OBJCOPY := $(or $(shell command -v $(OBJCOPY_CROSS) 2>/dev/null),objcopy)
endif
HOT_SECTIONS = sh scripts/hot-sections.sh $(OBJCOPY) a $(HOT_LIST) $@ || \
	{ rm -f $@; exit 1; }
# The same for the libraries make deps built with -ffunction-sections
# (SQLite, libsolv): the functions of scripts/hot-functions-libs.list
# (what the queries that read the database and remove run of them) are
# renamed .text.sorted.b.RANK.NAME in a copy of each archive,
# $(B)/lib/deps/, which is linked instead: right after pkg's, SQLite's
# read path first. A query that reads the database maps 0.2 to 0.35 MB
# less, remove 0.6 MB less. The names after "#group c" in
# scripts/hot-functions.list (what remove runs of pkg beyond the
# queries) become .text.sorted.c.*, after the libraries'.
HOT_LIBS_LIST := scripts/hot-functions-libs.list
# What every command runs before main and reads at start is kept near
# what it runs anyway, so that start-up maps no window of its own for it:
# Nettle's CPU detection (the constructor of Debian's fat build,
# fat-*.o, and cpuid.o: libarchive's archive brings it) is taken out of
# libnettle.a into $(B)/lib/deps/nettle-start.o, linked right after
# main.o: its code then lies by _start (which follows the sorted groups),
# its strings by main.o's. main.o's own strings are not merged with the
# libraries' (getopt reads every option name, and "test" was the tail of
# one of SQLite's strings, in a window start-up needed for nothing else).
NETTLE_A := $(filter /%,$(shell $(CC) -print-file-name=libnettle.a))
NETTLE_START_MEMBERS := $(if $(DEPS_LAID),$(if $(NETTLE_A),$(filter fat-%.o cpuid.o,\
	$(shell ar t $(NETTLE_A) 2>/dev/null))))
NETTLE_START := $(if $(NETTLE_START_MEMBERS),$(B)/lib/deps/nettle-start.o)
CFLAGS_pkgd/main := -fno-merge-constants

LIBDIRS := rootfs fetch solver hooks
# The crypto leaf is its own archive, linked last (below rootfs, which
# hashes what it stages); fetch/ is the rest of the folder.
lib_srcs = $(filter-out $(CRYPTO_SRCS) $(CRYPTO_OTHER_SRCS),$(wildcard $(1)/*.c))
lib_objs = $(patsubst %.c,$(B)/obj/%.o,$(call lib_srcs,$(1)))
CRYPTO_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(CRYPTO_SRCS))

# pkgd/ in layers, lowest first: core, state, tx, session, cmd; main.c on
# top (tests/t/05-layers.t checks that no layer includes or calls a higher
# one).
PKGD_LAYERS := core state tx session cmd
PKGD_SRCS := $(foreach l,$(PKGD_LAYERS),$(wildcard pkgd/$(l)/*.c))
PKGD_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(PKGD_SRCS))
REPO_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(wildcard repo-tools/*.c))
# Link order: upper layers first.
LIBS := $(B)/lib/libpkgd.a $(B)/lib/libhooks.a $(B)/lib/libsolver.a \
	$(B)/lib/libfetch.a $(B)/lib/librootfs.a $(B)/lib/libpkgcrypto.a
# The test build: same program, rootfs compiled with the fault injector.
TROOTFS_OBJS := $(patsubst %.c,$(B)/tobj/%.o,$(call lib_srcs,rootfs))
TLIBS := $(B)/lib/libpkgd.a $(B)/lib/libhooks.a $(B)/lib/libsolver.a \
	$(B)/lib/libfetch.a $(B)/lib/librootfs-fault.a $(B)/lib/libpkgcrypto.a

HDRS := $(wildcard */*.h pkgd/*/*.h)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRCS))

all: $(B)/bin/pkg $(B)/bin/opkg $(B)/bin/pkg-repo $(B)/test/bin/pkg $(UNIT_BINS)

# $(call stamp,TEXT): the recipe of a stamp file that holds TEXT and is
# written only when TEXT changes, so that what depends on it is made again
# then and only then.
stamp = @mkdir -p $(dir $@); echo '$(1)' | cmp -s - $@ || echo '$(1)' >$@

# The compiler and flags the objects are built with: a change (CC, CFLAGS,
# -ffunction-sections above, the crypto backend's -DPKG_CRYPTO_NETTLE, the
# deps' include path) builds them again rather than linking objects of
# two kinds.
$(B)/cflags: FORCE
	$(call stamp,$(CC) $(CPPFLAGS) $(CFLAGS) $(CFLAGS_pkgd/main))

$(B)/obj/%.o: %.c $(HDRS) $(B)/cflags $(HOT_LIST) scripts/hot-sections.sh
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CFLAGS_$*) -c -o $@ $<
	@$(HOT_SECTIONS)

$(B)/tobj/%.o: %.c $(HDRS) $(B)/cflags $(HOT_LIST) scripts/hot-sections.sh
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DPKG_FAULT_INJECT $(CFLAGS) $(CFLAGS_$*) -c -o $@ $<
	@$(HOT_SECTIONS)

$(B)/lib/libpkgd.a: $(PKGD_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/lib/librootfs-fault.a: $(TROOTFS_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/lib/librootfs.a: $(call lib_objs,rootfs)
$(B)/lib/libfetch.a: $(call lib_objs,fetch)
$(B)/lib/libsolver.a: $(call lib_objs,solver)
$(B)/lib/libhooks.a: $(call lib_objs,hooks)
# A B built with the other backend gets its crypto objects, so this
# archive and the binaries, made again: CRYPTO is in $(B)/cflags.
$(B)/lib/libpkgcrypto.a: $(CRYPTO_OBJS)
$(B)/lib/librootfs.a $(B)/lib/libfetch.a $(B)/lib/libsolver.a $(B)/lib/libhooks.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/lib/libpkgcrypto.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $(CRYPTO_OBJS)

# Which of libsolv and SQLite make deps built, in a stamp: solve.c calls
# libsolvext's writer directly or through dlopen (PKG_LIBSOLVEXT_LINKED),
# and the programs link one or the other; its archive, and so every
# program, is made again when that changes.
$(B)/obj/solver/solve.o: $(B)/deps-built
$(B)/deps-built: FORCE
	$(call stamp,$(DEPS_BUILT))

FORCE:

$(B)/lib/deps/%.a: $(DEPS_PREFIX)/lib/%.a $(HOT_LIBS_LIST) scripts/hot-sections.sh
	@mkdir -p $(dir $@)
	cp $< $@.new
	@sh scripts/hot-sections.sh $(OBJCOPY) b $(HOT_LIBS_LIST) $@.new || \
		{ rm -f $@.new; exit 1; }
	mv $@.new $@

$(B)/lib/deps/nettle-start.o: $(NETTLE_A)
	@rm -rf $@.d && mkdir -p $@.d
	cd $@.d && ar x $< $(NETTLE_START_MEMBERS)
	$(CC) -r -nostdlib -o $@ $(addprefix $@.d/,$(NETTLE_START_MEMBERS))
	@rm -rf $@.d

# A program's link: its objects and archives, then LDLIBS, through whose
# -L the laid-out archives (a prerequisite, so that a new layout links
# again) are found in their order.
define link
@mkdir -p $(dir $@)
$(CC) $(LDFLAGS) -o $@ $(filter-out $(DEPS_LAID),$^) $(LDLIBS)
endef

$(B)/bin/pkg: $(B)/obj/pkgd/main.o $(NETTLE_START) $(LIBS) $(DEPS_LAID)
	$(link)

$(B)/test/bin/pkg: $(B)/obj/pkgd/main.o $(NETTLE_START) $(TLIBS) $(DEPS_LAID)
	$(link)

$(B)/bin/opkg: $(B)/bin/pkg
	ln -sf pkg $@

$(B)/bin/pkg-repo: $(REPO_OBJS) $(B)/lib/libhooks.a $(B)/lib/libfetch.a $(B)/lib/librootfs.a $(B)/lib/libpkgcrypto.a $(DEPS_LAID)
	$(link)

$(B)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(LIBS) $(DEPS_LAID)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DFIXTURES='"$(CURDIR)/tests/fixtures"' $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS) -lcmocka

# Debian's packages, then libsolv's and SQLite's static archives for the
# native build (see DEPS_BUILT; without them, Debian's libsolv.so and
# libsqlite3.a with libm are linked), each function in its own section
# for the code layout ($(B)/lib/deps/).
deps:
	@sh scripts/deps.sh
	@for l in libsolv sqlite3; do \
		CC="$(CC)" CFLAGS="-O2 -g -ffunction-sections" \
			sh scripts/static/build-lib.sh $$l \
			$(DEPS_PREFIX) || \
		echo "deps: no $$l built: linking Debian's" >&2; \
	done

# Unit binaries speak TAP (cmocka), the shell tests are TAP scripts.
test: deps
	@$(MAKE) --no-print-directory B=$(B) SAN="$(SAN)" all
	PKG_BUILD=$(CURDIR)/$(B) CMOCKA_MESSAGE_OUTPUT=TAP prove -f $(UNIT_BINS) tests/t/*.t
	@$(if $(SAN),:,$(MAKE) --no-print-directory test-cross-all)

asan:
	@:

demo: deps
	@$(MAKE) --no-print-directory all
	sh scripts/demo.sh

# Both crypto backends: the other one is built into $(B)/<its name>.
bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory CRYPTO=$(CRYPTO_OTHER) \
		B=$(B)/$(CRYPTO_OTHER) all
	PKG_BUILD=$(CURDIR)/$(B) sh tests/bench/run.sh
	sh tests/bench/static.sh

# make fuzz FUZZ_SECONDS=N: libFuzzer harnesses (clang), tests/fuzz/.
-include tests/fuzz/fuzz.mk
# make cross / test-cross ARCH=armhf|s390x, make static: scripts/cross.mk.
include scripts/cross.mk

clean:
	rm -rf build

.PHONY: all deps test asan demo bench clean FORCE
