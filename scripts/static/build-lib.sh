#!/bin/sh
# build-lib.sh NAME PREFIX: build library NAME as a static library from
# its Debian source package (apt-get source) and install its headers and
# lib*.a under PREFIX. Debian ships no libsolv.a and builds the others
# with every format, protocol and option; these builds keep what pkg
# uses, nothing else (each recipe below says what and why).
#
# Environment: CC (default musl-gcc), CFLAGS (default -Os), AR (ar).
# Sources are downloaded and unpacked once into PREFIX/../src; a library
# is built again only when its version, CC, CFLAGS or recipe change
# (stamp PREFIX/.stamp-NAME). NAMEs: zlib zstd nettle openssl mbedtls curl
# libarchive sqlite3 libsolv.
set -eu
name=${1:?usage: build-lib.sh NAME PREFIX}
prefix=${2:?usage: build-lib.sh NAME PREFIX}
mkdir -p "$prefix/lib" "$prefix/include"
prefix=$(cd "$prefix" && pwd)
src=$prefix/../src
mkdir -p "$src"
src=$(cd "$src" && pwd)
CC=${CC:-musl-gcc}
CFLAGS=${CFLAGS:--Os}
AR=${AR:-ar}
jobs=${JOBS:-2}
here=$(cd "$(dirname "$0")" && pwd)
export CC CFLAGS AR

say() { echo "build-lib($name): $*" >&2; }

case $name in
zstd) srcpkg=libzstd ;;
*) srcpkg=$name ;;
esac

# The unpacked source: the newest version whose files the archive has
# (a security suite can list a version its pool no longer serves).
fetch_source() {
	for d in "$src/$srcpkg"-*/; do
		[ -f "$d/debian/changelog" ] && { echo "${d%/}"; return 0; }
	done
	sh "$here/deb-src.sh" >&2
	for v in $(apt-cache showsrc "$srcpkg" | sed -n 's/^Version: //p' |
		sort -r -V); do
		if (cd "$src" && apt-get source -qq "$srcpkg=$v" >&2 2>/dev/null); then
			for d in "$src/$srcpkg"-*/; do
				[ -f "$d/debian/changelog" ] && { echo "${d%/}"; return 0; }
			done
		fi
		say "source $srcpkg=$v not served, trying an older one"
	done
	say "no source package $srcpkg"
	return 1
}

dir=$(fetch_source)
version=$(basename "$dir")
stamp=$prefix/.stamp-$name
# The recipe below is part of what was built: a change to it rebuilds.
recipe=$(sed -n "/^$name)\$/,/^	;;\$/p" "$0" | cksum | cut -d' ' -f1)
want="$version|$CC|$CFLAGS|$recipe"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
say "building $version ($CC $CFLAGS)"
b=$prefix/../obj/$name
rm -rf "$b"
mkdir -p "$b"
export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
export CPPFLAGS="-I$prefix/include"
export LDFLAGS="-L$prefix/lib"

# autoconf projects: configure out of tree, static only. Debian's
# patches leave configure newer than its inputs' stamps: the autotools
# are not run again (not installed, and Debian's configure is current).
noauto="AUTOHEADER=true AUTOCONF=true ACLOCAL=true AUTOMAKE=true"
autoconf_build() {
	(cd "$b" && "$dir/configure" -q --prefix="$prefix" --disable-shared \
		--enable-static "$@" >configure.log) &&
		make -s -C "$b" -j"$jobs" $noauto >/dev/null &&
		make -s -C "$b" $noauto install >/dev/null
}

case $name in
zlib)
	# gzip (ipk members, Packages.gz) through libarchive and fetch/.
	(cd "$b" && cp -a "$dir/." . && ./configure --static --prefix="$prefix" \
		>/dev/null && make -s -j"$jobs" libz.a >/dev/null &&
		make -s install >/dev/null)
	;;
zstd)
	# zstd data members and lists; no legacy formats, no threads.
	make -s -C "$dir/lib" -j"$jobs" libzstd.a ZSTD_LEGACY_SUPPORT=0 \
		ZSTD_MULTITHREAD_SUPPORT=0 BUILD_DIR="$b" >/dev/null
	cp "$dir/lib/libzstd.a" "$prefix/lib/"
	cp "$dir/lib/zstd.h" "$dir/lib/zstd_errors.h" "$dir/lib/zdict.h" \
		"$prefix/include/"
	make -s -C "$dir/lib" clean >/dev/null
	;;
nettle)
	# SHA-256, MD5, Ed25519 (usign). mini-gmp instead of GMP: Ed25519
	# needs no bignum library, and one fewer to build. Portable C (no
	# assembler): the same code for every target, and no m4.
	autoconf_build --enable-mini-gmp --disable-documentation \
		--disable-openssl --disable-fat --disable-assembler \
		--libdir="$prefix/lib"
	;;
openssl)
	# libcrypto only (Ed25519, SHA-256), for CRYPTO=openssl; no TLS (curl
	# uses mbedTLS), no engines, no dynamic modules, no secure heap (it
	# needs the kernel's <linux/mman.h>, which musl-gcc does not see, and
	# pkg never sets one up: it only verifies and hashes).
	(cd "$b" && "$dir/Configure" linux-generic64 no-shared no-module \
		no-engine no-dso no-async no-tests no-ssl no-tls no-secure-memory \
		no-dtls no-comp no-ui-console no-deprecated no-legacy \
		--prefix="$prefix" --libdir=lib $CFLAGS >configure.log &&
		make -s -j"$jobs" build_libs >/dev/null &&
		make -s install_dev >/dev/null)
	;;
mbedtls)
	# TLS for libcurl's https: the smallest of Debian's TLS libraries
	# with static builds in reach (OpenWrt's default too since 23.05).
	cp -a "$dir/." "$b/"
	# A TLS 1.2 client for https feeds: no server side, DTLS, PSA,
	# renegotiation, session tickets, DHE, PSK, old or rare ciphers and
	# curves, key or certificate writing, error strings (curl says what
	# failed), self tests.
	for o in MBEDTLS_SSL_SRV_C MBEDTLS_SSL_PROTO_DTLS \
		MBEDTLS_SSL_DTLS_ANTI_REPLAY MBEDTLS_SSL_DTLS_HELLO_VERIFY \
		MBEDTLS_SSL_DTLS_CLIENT_PORT_REUSE MBEDTLS_SSL_DTLS_BADMAC_LIMIT \
		MBEDTLS_SSL_COOKIE_C MBEDTLS_SSL_CACHE_C MBEDTLS_SSL_TICKET_C \
		MBEDTLS_SSL_RENEGOTIATION MBEDTLS_PSA_CRYPTO_C \
		MBEDTLS_PSA_CRYPTO_STORAGE_C MBEDTLS_PSA_ITS_FILE_C \
		MBEDTLS_KEY_EXCHANGE_DHE_RSA_ENABLED \
		MBEDTLS_KEY_EXCHANGE_DHE_PSK_ENABLED MBEDTLS_KEY_EXCHANGE_PSK_ENABLED \
		MBEDTLS_KEY_EXCHANGE_RSA_PSK_ENABLED \
		MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED MBEDTLS_DHM_C \
		MBEDTLS_CAMELLIA_C MBEDTLS_ARIA_C MBEDTLS_DES_C MBEDTLS_BLOWFISH_C \
		MBEDTLS_XTEA_C MBEDTLS_ARC4_C MBEDTLS_RIPEMD160_C MBEDTLS_CCM_C \
		MBEDTLS_HKDF_C MBEDTLS_PKCS12_C MBEDTLS_PKCS5_C \
		MBEDTLS_CIPHER_MODE_XTS MBEDTLS_CIPHER_MODE_OFB \
		MBEDTLS_CIPHER_MODE_CFB MBEDTLS_ECP_DP_SECP192R1_ENABLED \
		MBEDTLS_ECP_DP_SECP224R1_ENABLED MBEDTLS_ECP_DP_SECP192K1_ENABLED \
		MBEDTLS_ECP_DP_SECP224K1_ENABLED MBEDTLS_ECP_DP_SECP256K1_ENABLED \
		MBEDTLS_ECP_DP_BP256R1_ENABLED MBEDTLS_ECP_DP_BP384R1_ENABLED \
		MBEDTLS_ECP_DP_BP512R1_ENABLED MBEDTLS_ECP_DP_CURVE448_ENABLED \
		MBEDTLS_PEM_WRITE_C MBEDTLS_X509_CRT_WRITE_C \
		MBEDTLS_X509_CSR_WRITE_C MBEDTLS_X509_CREATE_C \
		MBEDTLS_X509_CSR_PARSE_C MBEDTLS_GENPRIME MBEDTLS_ERROR_C \
		MBEDTLS_DEBUG_C MBEDTLS_VERSION_FEATURES MBEDTLS_SELF_TEST \
		MBEDTLS_TIMING_C MBEDTLS_NET_C MBEDTLS_PADLOCK_C MBEDTLS_AESNI_C; do
		python3 "$b/scripts/config.py" -f "$b/include/mbedtls/config.h" \
			unset "$o"
	done
	make -s -C "$b/library" -j"$jobs" CC="$CC" AR="$AR" \
		CFLAGS="$CFLAGS -I../include" libmbedtls.a libmbedx509.a \
		libmbedcrypto.a >/dev/null
	cp "$b"/library/*.a "$prefix/lib/"
	cp -r "$b/include/mbedtls" "$b/include/psa" "$prefix/include/"
	;;
curl)
	# http:// and https:// only (file:// is pkg's own), mbedTLS, the CA
	# bundle OpenWrt installs, curl's error texts (pkg's messages quote
	# them: "Protocol "http" not supported", not "Error"); nothing of what Debian's libcurl links
	# (GnuTLS, Kerberos, LDAP, SSH, IDN, PSL, brotli, HTTP/2).
	autoconf_build --disable-ftp --disable-file --disable-ldap \
		--disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
		--disable-tftp --disable-pop3 --disable-imap --disable-smb \
		--disable-smtp --disable-gopher --disable-mqtt --disable-manual \
		--disable-ntlm --disable-ntlm-wb --disable-cookies \
		--disable-alt-svc --disable-hsts --disable-doh --disable-netrc \
		--disable-unix-sockets --disable-progress-meter \
		--disable-dateparse --disable-mime --without-libidn2 \
		--without-libpsl --without-brotli --without-zstd \
		--without-nghttp2 --without-libssh2 --without-librtmp \
		--without-zlib --disable-threaded-resolver \
		--with-mbedtls="$prefix" \
		--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt \
		--with-ca-path=/etc/ssl/certs
	;;
libarchive)
	# Reads ar (ipk) and tar, gzip (zlib) and zstd; writes ustar/gnutar
	# and ar (backup, pkg-repo). No XML (xar), no crypto (zip, 7z, rar),
	# no lzma/bzip2/lz4 libraries: libarchive runs the `xz` or `bzip2`
	# program for those filters if one is ever met. No ACLs or xattrs
	# (packages carry none), no iconv.
	autoconf_build --disable-bsdtar --disable-bsdcpio --disable-bsdcat \
		--disable-acl --disable-xattr --without-xml2 \
		--without-expat --without-openssl --without-nettle \
		--without-mbedtls --without-lzma --without-bz2lib --without-lz4 \
		--without-libb2 --without-iconv --without-cng --with-zlib \
		--with-zstd
	;;
sqlite3)
	# The amalgamation made with the OMIT options pkg can live with (a
	# few of them change the parser, so they are given when it is made);
	# the same options again when compiling it (USE_PREAD: pread and
	# pwrite, not an lseek before each read and write). Kept: ALTER
	# TABLE (schema migrations; SQLITE_OMIT_VIRTUALTABLE would drop it
	# too), VACUUM, temporary tables, WITHOUT ROWID.
	opts="-DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_DEPRECATED \
-DSQLITE_OMIT_PROGRESS_CALLBACK -DSQLITE_OMIT_SHARED_CACHE \
-DSQLITE_OMIT_AUTHORIZATION -DSQLITE_OMIT_COMPLETE \
-DSQLITE_OMIT_DECLTYPE -DSQLITE_OMIT_TCL_VARIABLE -DSQLITE_OMIT_TRACE \
-DSQLITE_OMIT_GET_TABLE -DSQLITE_OMIT_UTF16 -DSQLITE_OMIT_INTROSPECTION_PRAGMAS \
-DSQLITE_OMIT_AUTORESET -DSQLITE_OMIT_COMPILEOPTION_DIAGS \
-DSQLITE_OMIT_BLOB_LITERAL -DSQLITE_OMIT_EXPLAIN -DSQLITE_OMIT_WINDOWFUNC \
-DSQLITE_OMIT_JSON -DSQLITE_OMIT_DESERIALIZE -DSQLITE_OMIT_INCRBLOB \
-DSQLITE_OMIT_ANALYZE \
-DSQLITE_OMIT_AUTOVACUUM -DSQLITE_OMIT_DATETIME_FUNCS \
-DSQLITE_OMIT_LOCALTIME -DSQLITE_OMIT_CHECK -DSQLITE_OMIT_REINDEX \
-DSQLITE_OMIT_BETWEEN_OPTIMIZATION \
-DSQLITE_OMIT_LIKE_OPTIMIZATION -DSQLITE_OMIT_OR_OPTIMIZATION \
-DSQLITE_OMIT_XFER_OPT -DSQLITE_OMIT_TRUNCATE_OPTIMIZATION \
-DSQLITE_OMIT_QUICKBALANCE \
-DSQLITE_THREADSAFE=0 -DSQLITE_DEFAULT_MEMSTATUS=0 \
-DSQLITE_DQS=0 -DSQLITE_MAX_EXPR_DEPTH=0 -DSQLITE_DEFAULT_WAL_SYNCHRONOUS=1 \
-DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_USE_ALLOCA -DUSE_PREAD"
	# configure for the build tools (lemon, mkkeywordhash) with the host
	# compiler; the amalgamation is then plain C.
	(cd "$b" && CC=cc CFLAGS=-O1 "$dir/configure" -q --disable-tcl \
		--disable-shared >configure.log &&
		make -s OPTS="$opts" sqlite3.c >make.log 2>&1)
	$CC $CFLAGS $opts -c -o "$b/sqlite3.o" "$b/sqlite3.c"
	rm -f "$prefix/lib/libsqlite3.a"
	$AR rcs "$prefix/lib/libsqlite3.a" "$b/sqlite3.o"
	cp "$b/sqlite3.h" "$prefix/include/"
	;;
libsolv)
	# libsolv and libsolvext (testcase_write for --dump-testcase) with
	# MULTI_SEMANTICS, complex deps and -DDEBIAN (Debian's default
	# disttype and version comparison), as Debian builds it, but without
	# cmake's DEBIAN=ON, which also builds the .deb reader with liblzma.
	# libsolv's own sort, not qsort_r: it takes a libc that has qsort_r
	# and is not glibc for BSD's argument order, and musl's has glibc's
	# (solv_sort then calls the data pointer: a crash at the first
	# repo_write). None of the repository formats (pkg parses opkg's itself),
	# no compression library but zlib (libsolv always builds with it,
	# ours when PREFIX has one: the host's headers must not be seen by
	# musl-gcc; the native build's, `make deps`, uses the system's).
	zlib=
	[ -f "$prefix/lib/libz.a" ] &&
		zlib="-DZLIB_INCLUDE_DIR=$prefix/include -DZLIB_LIBRARY=$prefix/lib/libz.a"
	# shellcheck disable=SC2086 # zlib is two words or none
	(cd "$b" && cmake -S "$dir" -B . -DCMAKE_C_COMPILER="$CC" \
		-DCMAKE_C_FLAGS="$CFLAGS -DDEBIAN" -DCMAKE_AR="$(command -v "$AR")" \
		-DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX="$prefix" \
		-DCMAKE_INSTALL_LIBDIR=lib $zlib \
		-DHAVE_QSORT_R=OFF -DHAVE___QSORT_R=OFF \
		-DENABLE_STATIC=ON -DDISABLE_SHARED=ON -DMULTI_SEMANTICS=ON \
		-DENABLE_COMPLEX_DEPS=ON -DWITH_LIBXML2=OFF \
		-DENABLE_RPMDB=OFF -DENABLE_RPMMD=OFF -DENABLE_SUSEREPO=OFF \
		-DENABLE_COMPS=OFF -DENABLE_DEBIAN=OFF -DENABLE_HELIXREPO=OFF \
		-DENABLE_ZLIB_COMPRESSION=OFF -DENABLE_LZMA_COMPRESSION=OFF \
		-DENABLE_BZIP2_COMPRESSION=OFF -DENABLE_ZSTD_COMPRESSION=OFF \
		-DENABLE_PERL=OFF -DENABLE_PYTHON=OFF -DENABLE_RUBY=OFF \
		-DENABLE_TCL=OFF >configure.log 2>&1 &&
		make -s -j"$jobs" >/dev/null 2>make.log && make -s install >/dev/null) ||
		{ say "failed: see $b/configure.log and make.log"; exit 1; }
	;;
*)
	say "unknown library"
	exit 1
	;;
esac
echo "$want" >"$stamp"
