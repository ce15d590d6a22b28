#!/bin/sh
# Both crypto backends (fetch/crypto.h), in every `make test`: the build
# under test ($PKG_BUILD, OpenSSL by default) and the Nettle build, made
# here with `make CRYPTO=nettle B=$PKG_BUILD/nettle` (in the ASan run, with
# ASan too). With the Nettle binaries: the unit tests (test_crypto's
# vectors, test_fetch's usign checks of the real 19.07.1 and 23.05.2 feed
# signatures...), pkg-repo keygen/sign/verify round trips, and one real
# install from the 23.05.2 feeds. Across the two: a key or a signature
# made by one is taken by the other, files hashed by one at install are
# audited by the other. And each names its backend in --version.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp
TOP=$(cd "$(dirname "$0")/../.." && pwd)
F19=${F19:-$FX/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710}
F19_KEY=$F19/rootfs/etc/opkg/keys/f94b9dd6febac963

# The build under test names its backend; the other one is Nettle's
# (built here) unless the build under test is already Nettle's.
DEF=$("$PKG" --version | sed -n 's/.*(.*crypto: \([a-z]*\))$/\1/p')
like "$DEF" '^(openssl|nettle)$' "pkg --version names the crypto backend"
[ "$DEF" = nettle ] && OTHER=openssl || OTHER=nettle
NB=$PKG_BUILD/$OTHER
case $PKG_BUILD in
*/asan) goal="asan all" ;;
*) goal=all ;;
esac
# shellcheck disable=SC2086 # goal is two words in the ASan run
run make -C "$TOP" --no-print-directory -j2 $goal CRYPTO=$OTHER B="$NB"
is "$RC" 0 "make CRYPTO=$OTHER B=$NB builds"
[ "$RC" = 0 ] || { show_run; done_testing; exit 1; }

# ---- which library each binary uses ----
# uses BIN SYMBOL-ERE: BIN itself calls a function matching the ERE: a
# dynamic import, or, when the crypto library is linked in (the native
# build links Debian's static archives), an undefined reference of its
# build's crypto leaf, lib/libpkgcrypto.a, the one caller of the crypto
# library (libarchive.a brings some Nettle code of its own with it).
# The OpenSSL build calls libcrypto through dlsym: no symbol to see.
uses() {
	if nm -D --undefined-only "$1" | grep -Eq ' (EVP_|nettle_)'; then
		nm -D --undefined-only "$1" | grep -Eq "$2"
	else
		nm --undefined-only "$(dirname "$1")/../lib/libpkgcrypto.a" |
			grep -Eq "$2"
	fi
}
# uses_but BIN SYMBOL-ERE EXCEPT-ERE: uses, the symbols matching
# EXCEPT-ERE left aside.
uses_but() {
	if nm -D --undefined-only "$1" | grep -Eq ' (EVP_|nettle_)'; then
		nm -D --undefined-only "$1"
	else
		nm --undefined-only "$(dirname "$1")/../lib/libpkgcrypto.a"
	fi | grep -Ev "$3" | grep -Eq "$2"
}
# loads_libcrypto BIN ARGS...: running BIN ARGS maps OpenSSL's libcrypto
# (the OpenSSL build dlopens it at the first signature or base64, or
# hash once it is loaded; the dynamic loader says which files it maps
# and initialises: a lookup with RTLD_NOLOAD names the file too).
loads_libcrypto() {
	# into a file, not a pipe: grep -q would leave at its first match
	# and the command die of SIGPIPE on its way (an update half done)
	LD_DEBUG=files "$@" 2>"$T/ld-debug" >/dev/null
	grep -q 'calling init: .*libcrypto\.so' "$T/ld-debug"
}
for b in "$PKG" "$PKG_REPO" "$NB/bin/pkg" "$NB/bin/pkg-repo"; do
	case $b in
	"$NB"/*) want=$OTHER ;;
	*) want=$DEF ;;
	esac
	name="$(basename "$b") ($want build)"
	if [ "$want" = openssl ]; then
		# libcrypto is loaded on first use (below: loads_libcrypto)
		t_nok "$name does not load libcrypto to start" \
			loads_libcrypto "$b" --version
		# Nettle's base64 codec where Nettle is linked in anyway
		# (fetch/crypto_int.h), none of its crypto
		t_nok "...and calls no Nettle function but base64" \
			uses_but "$b" ' nettle_' ' nettle_base64_'
	else
		t_ok "$name verifies and hashes through Nettle" \
			uses "$b" ' nettle_ed25519_sha512_verify(@|$)'
		t_nok "...and calls no OpenSSL function" uses "$b" ' EVP_'
	fi
done
run "$NB/bin/pkg" --version
is "$OUT" "pkg version 0.1.0 (opkg compatible, crypto: $OTHER)" \
	"the $OTHER build's pkg --version names its backend"
run "$NB/bin/opkg" --version
is "$OUT" "opkg version 0.1.0 (pkg, opkg compatible)" \
	"as opkg, --version keeps opkg's 'opkg version ...' line"
run "$OPKG" --version
is "$OUT" "opkg version 0.1.0 (pkg, opkg compatible)" \
	"...in both builds"

# ---- the other build's unit tests ----
for u in "$NB"/tests/unit/test_*; do
	run env CMOCKA_MESSAGE_OUTPUT=TAP "$u"
	if [ "$RC" = 0 ] && ! grep -q '^not ok' "$T/out"; then
		pass "$OTHER build: unit $(basename "$u")"
	else
		fail "$OTHER build: unit $(basename "$u")"
		grep '^not ok' "$T/out" | head -5 | sed 's/^/# /'
	fi
done

# ---- OpenSSL's three ways to a digest ----
# The OpenSSL build hashes MD5 and SHA-256 with libsolv's checksums until
# libcrypto is loaded, then with the digests' own functions (SHA256_Init:
# no provider) where libcrypto exports them, else through EVP (fetch/
# crypto_openssl.c): test_crypto's vectors and test_fetch's file hashes
# each way.
OB=$PKG_BUILD
[ "$DEF" = openssl ] || OB=$NB
for way in libsolv own evp; do
	for u in test_crypto test_fetch; do
		run env CMOCKA_MESSAGE_OUTPUT=TAP PKG_OPENSSL_DIGEST=$way \
			"$OB/tests/unit/$u"
		if [ "$RC" = 0 ] && ! grep -q '^not ok' "$T/out"; then
			pass "OpenSSL build, digests by $way: unit $u"
		else
			fail "OpenSSL build, digests by $way: unit $u"
			grep '^not ok' "$T/out" | head -5 | sed 's/^/# /'
		fi
	done
done
# A query that hashes conffiles loads no libcrypto (libsolv's digests).
C15=$T/conf
mkdir -p "$C15/etc" "$C15/usr/lib/opkg"
printf 'dest root /\narch all 1\n' >"$C15/etc/opkg.conf"
printf 'x\n' >"$C15/etc/x.conf"
printf 'Package: a\nVersion: 1\nStatus: install ok installed\nArchitecture: all\nConffiles:\n /etc/x.conf %s\n /etc/m.conf %s\n' \
	"$(printf 'y\n' | sha256sum | cut -d' ' -f1)" \
	"$(printf 'x\n' | md5sum | cut -d' ' -f1)" >"$C15/usr/lib/opkg/status"
printf 'x\n' >"$C15/etc/m.conf"
run "$PKG" -o "$C15" -f "$C15/etc/opkg.conf" list-changed-conffiles
is "$OUT" "/etc/x.conf" "list-changed-conffiles: SHA-256 and MD5 compared"
if [ "$DEF" = openssl ]; then
	t_nok "...with no libcrypto loaded (libsolv's digests)" \
		loads_libcrypto "$PKG" -o "$C15" -f "$C15/etc/opkg.conf" \
		list-changed-conffiles
fi

# ---- keys and signatures across the two builds ----
# The pkg-repo of each build, by backend name.
eval "R_$DEF=\$PKG_REPO R_$OTHER=\$NB/bin/pkg-repo"
printf 'Package: x\nVersion: 1\n\n' >"$T/data"
cp "$T/data" "$T/data2"
for a in $DEF $OTHER; do
	[ $a = $DEF ] && b=$OTHER || b=$DEF
	eval "ra=\$R_$a rb=\$R_$b"
	run "$ra" keygen -o "$T/key-$a" -c "key $a"
	is "$RC" 0 "keygen ($a)"
	id=$OUT
	run "$ra" sign "$T/data" -k "$T/key-$a"
	run "$ra" verify "$T/data" -k "$T/key-$a.pub"
	is "$OUT" "$T/data: signature OK (key $id)" \
		"a key from $a signs with $a and $a verifies it"
	[ $a = openssl ] && t_ok "...loading libcrypto to verify" \
		loads_libcrypto "$ra" verify "$T/data" -k "$T/key-$a.pub"
	run "$rb" verify "$T/data" -k "$T/key-$a.pub"
	is "$OUT" "$T/data: signature OK (key $id)" \
		"...and $b verifies it too"
	run "$rb" sign "$T/data2" -k "$T/key-$a"
	is "$RC" 0 "$b signs with the secret key $a made"
	t_ok "...a signature identical to $a's (Ed25519 is deterministic)" \
		cmp -s "$T/data.sig" "$T/data2.sig"
	run "$ra" verify "$T/data2" -k "$T/key-$a.pub"
	is "$RC" 0 "...which $a verifies"
	echo tampered >>"$T/data2"
	run "$rb" verify "$T/data2" -k "$T/key-$a.pub"
	is "$RC" 1 "a changed file fails in $b"
	run "$ra" verify "$T/data2" -k "$T/key-$a.pub"
	is "$RC" 1 "...and in $a"
	cp "$T/data" "$T/data2"
done

# The real release signatures, with both builds' pkg-repo.
for a in $DEF $OTHER; do
	eval "r=\$R_$a"
	good=1
	for p in "$F23"/feeds/*/Packages; do
		"$r" verify "$p" -k "$F23/keys" >/dev/null 2>&1 || good=0
	done
	for p in "$F19"/feeds/*/Packages.gz; do
		# the repository keeps these gzip'd; usign signs the text
		gzip -dc "$p" >"$T/list19" && cp "${p%.gz}.sig" "$T/list19.sig"
		"$r" verify "$T/list19" -k "$F19_KEY" >/dev/null 2>&1 ||
			good=0
	done
	is "$good" 1 "$a: pkg-repo verifies the 23.05.2 and 19.07.1 feeds"
done

# ---- one real install with the other build, audited by both ----
R=$T/root
mk_plain_root "$R"
C=$R/etc/opkg.conf
run "$NB/bin/pkg" -f "$C" -o "$R" update
is "$RC" 0 "$OTHER build: update of the signed 23.05.2 feeds"
run "$NB/bin/pkg" -f "$C" -o "$R" install nano
is "$RC" 0 "$OTHER build: install nano"
[ "$RC" = 0 ] || show_run
want=$(tar -xzOf "$(fixture_ipk nano)" ./data.tar.gz | tar -xzO ./usr/bin/nano |
	sha256sum | cut -d' ' -f1)
got=$(sha256sum <"$R/usr/bin/nano" 2>/dev/null | cut -d' ' -f1)
is "$got" "$want" "...usr/bin/nano is the package's"
eval "P_$DEF=\$PKG P_$OTHER=\$NB/bin/pkg"
for a in $OTHER $DEF; do
	eval "p=\$P_$a"
	run "$p" -f "$C" -o "$R" audit
	is "$RC" 0 "audit by the $a build: the hashes recorded match"
	[ $a = openssl ] && t_ok "...loading libcrypto to hash" \
		loads_libcrypto "$p" -f "$C" -o "$R" audit
	[ $a = openssl ] && t_nok "...and not to read the feeds (info nano)" \
		loads_libcrypto "$p" -f "$C" -o "$R" info nano
done
# update with the lists and signatures unchanged reads each signature's
# key id only: with Nettle linked in (the native build), the OpenSSL
# build decodes it without loading libcrypto; a changed list is checked,
# through libcrypto.
if [ "$DEF" = openssl ] && nm "$PKG" | grep -q ' nettle_base64_decode_update$'
then
	run "$PKG" -f "$C" -o "$R" update
	is "$RC" 0 "openssl build: update, the lists unchanged"
	like "$OUT" "Signature check passed" "...their signatures taken"
	t_nok "...with no libcrypto loaded" \
		loads_libcrypto "$PKG" -f "$C" -o "$R" update
	rm -f "$R/var/opkg-lists/base"
	t_ok "...which a changed list loads to check it" \
		loads_libcrypto "$PKG" -f "$C" -o "$R" update
	t_ok "...and puts in place" test -s "$R/var/opkg-lists/base"
fi
echo changed >>"$R/usr/bin/nano"
for a in $OTHER $DEF; do
	eval "p=\$P_$a"
	run "$p" -f "$C" -o "$R" audit
	is "$RC" 1 "audit by the $a build finds the changed file"
	like "$OUT$ERR" "usr/bin/nano" "...and names it"
done
# A list with a broken signature is refused by the other build too.
cp -r "$F23/feeds" "$T/feeds"
printf '\n' >>"$T/feeds/packages/Packages"
gzip -kf "$T/feeds/packages/Packages"
sed -i "s|file://$F23/feeds|file://$T/feeds|" "$C"
run "$NB/bin/pkg" -f "$C" -o "$R" update
is "$RC" 1 "$OTHER build: update refuses a feed whose signature fails"
like "$ERR" "signature check failed for .*packages.*bad signature" \
	"...saying why"

done_testing
