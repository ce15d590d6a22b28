/*
 * Unit tests for the crypto leaf (fetch/crypto.h), run against the
 * backend the binary was built with: make test runs build/'s (OpenSSL)
 * and tests/t/15-crypto.t the Nettle build's copy. Known vectors (FIPS
 * 180-2, RFC 1321, RFC 8032, RFC 4648), so that both backends are held
 * to the same answers.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "base.h"

/* Bytes from hex (2 * n digits) into out. */
static void unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t i;
	unsigned int v;

	assert_int_equal(strlen(hex), 2 * n);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* Digest of data with algo as hex, one-shot. */
static void digest_hex(enum crypto_hash_algo algo, const char *data,
		       char *hex)
{
	unsigned char md[CRYPTO_MAX_DIGEST_SIZE];

	assert_int_equal(crypto_hash_buf(algo, data, strlen(data), md), 0);
	rootfs_hex(md, crypto_hash_size(algo), hex);
}

static void test_hash_vectors(void **state)
{
	char hex[2 * CRYPTO_MAX_DIGEST_SIZE + 1];

	digest_hex(CRYPTO_MD5, "", hex);
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
	digest_hex(CRYPTO_MD5, "abc", hex);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
	digest_hex(CRYPTO_SHA256, "", hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
	digest_hex(CRYPTO_SHA256, "abc", hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	digest_hex(CRYPTO_SHA512, "", hex);
	assert_string_equal(hex, "cf83e1357eefb8bdf1542850d66d8007"
				 "d620e4050b5715dc83f4a921d36ce9ce"
				 "47d0d13c5d85f2b0ff8318d2877eec2f"
				 "63b931bd47417a81a538327af927da3e");
	digest_hex(CRYPTO_SHA512, "abc", hex);
	assert_string_equal(hex, "ddaf35a193617abacc417349ae204131"
				 "12e6fa4e89a97ea20a9eeee64b55d39a"
				 "2192992a274fc1a836ba3c23a3feebbd"
				 "454d4423643ce80e2a9ac94fa54ca49f");
	assert_int_equal(crypto_hash_size(CRYPTO_MD5), 16);
	assert_int_equal(crypto_hash_size(CRYPTO_SHA256), 32);
	assert_int_equal(crypto_hash_size(CRYPTO_SHA512), 64);
	assert_int_equal(SHA256_HEX_SIZE, 65);
	assert_int_equal(MD5_HEX_SIZE, 33);
}

/* Updates of every length from 0 to 130 bytes (across the 64- and
 * 128-byte blocks) give the one-shot digest of the whole. */
static void test_hash_pieces(void **state)
{
	static const enum crypto_hash_algo algos[] = { CRYPTO_MD5,
						       CRYPTO_SHA256,
						       CRYPTO_SHA512 };
	unsigned char data[130 * 131 / 2], one[64], many[64];
	struct crypto_hash h;
	size_t i, a, off;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	for (a = 0; a < 3; a++) {
		assert_int_equal(crypto_hash_buf(algos[a], data, sizeof(data),
						 one),
				 0);
		assert_int_equal(crypto_hash_init(&h, algos[a]), 0);
		for (i = 0, off = 0; i <= 130; off += i, i++)
			crypto_hash_update(&h, data + off, i);
		assert_int_equal(off, sizeof(data));
		assert_int_equal(crypto_hash_final(&h, many), 0);
		assert_memory_equal(one, many, crypto_hash_size(algos[a]));
	}
}

/* A hash stopped before final is released (the leak check of the ASan
 * build sees the OpenSSL context go), twice is harmless, an unknown
 * algorithm is refused. */
static void test_hash_release(void **state)
{
	struct crypto_hash h;
	unsigned char md[32];

	assert_int_equal(crypto_hash_init(&h, CRYPTO_SHA256), 0);
	crypto_hash_update(&h, "abc", 3);
	crypto_hash_release(&h);
	crypto_hash_release(&h);
	assert_int_equal(crypto_hash_init(&h, CRYPTO_SHA256), 0);
	assert_int_equal(crypto_hash_final(&h, md), 0);
	crypto_hash_release(&h);
	assert_int_equal(crypto_hash_init(&h, (enum crypto_hash_algo)99),
			 -EINVAL);
	assert_int_equal(crypto_hash_size((enum crypto_hash_algo)99), 0);
}

/* RFC 8032 section 7.1, tests 1 to 3: seed, public key, message,
 * signature. */
static const char *const rfc8032[3][4] = {
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
	  "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	  "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da08"
	  "5ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	  "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18"
	  "ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

static void test_ed25519_rfc8032(void **state)
{
	unsigned char seed[32], pub[32], got[32], msg[2], want[64], sig[64];
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(rfc8032[i][2]) / 2;
		unhex(rfc8032[i][0], seed, 32);
		unhex(rfc8032[i][1], pub, 32);
		unhex(rfc8032[i][2], msg, n);
		unhex(rfc8032[i][3], want, 64);
		assert_int_equal(crypto_ed25519_public(seed, got), 0);
		assert_memory_equal(got, pub, 32);
		assert_int_equal(crypto_ed25519_sign(seed, n ? msg : NULL, n,
						     sig),
				 0);
		assert_memory_equal(sig, want, 64);
		assert_int_equal(crypto_ed25519_verify(pub, n ? msg : NULL, n,
						       sig),
				 0);
		/* a bit of the signature, of the message, of the key */
		sig[40] ^= 4;
		assert_int_equal(crypto_ed25519_verify(pub, msg, n, sig),
				 -EBADMSG);
		sig[40] ^= 4;
		assert_int_equal(crypto_ed25519_verify(pub, "x", 1, sig),
				 -EBADMSG);
		pub[5] ^= 1;
		assert_int_equal(crypto_ed25519_verify(pub, msg, n, sig),
				 -EBADMSG);
	}
}

/* New key pairs: the public half is the seed's, they sign and verify,
 * two differ. */
static void test_ed25519_keypair(void **state)
{
	unsigned char s1[32], p1[32], s2[32], p2[32], pub[32], sig[64];

	assert_int_equal(crypto_ed25519_keypair(s1, p1), 0);
	assert_int_equal(crypto_ed25519_keypair(s2, p2), 0);
	assert_memory_not_equal(s1, s2, 32);
	assert_memory_not_equal(p1, p2, 32);
	assert_int_equal(crypto_ed25519_public(s1, pub), 0);
	assert_memory_equal(pub, p1, 32);
	assert_int_equal(crypto_ed25519_sign(s1, "data", 4, sig), 0);
	assert_int_equal(crypto_ed25519_verify(p1, "data", 4, sig), 0);
	assert_int_equal(crypto_ed25519_verify(p2, "data", 4, sig), -EBADMSG);
}

static void test_random(void **state)
{
	unsigned char a[32], b[32];

	assert_int_equal(crypto_random(a, 0), 0);
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

/* RFC 4648 section 10 both ways, and what decoding refuses. */
static void test_base64(void **state)
{
	static const char *const v[7][2] = {
		{ "", "" },	       { "f", "Zg==" },
		{ "fo", "Zm8=" },      { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
		{ "Zm9", 3 },	   { "Zm9vY", 5 },    { "Zm 9", 4 },
		{ "Zm9\n", 4 },    { "Z=9v", 4 },     { "Zg=A", 4 },
		{ "====", 4 },	   { "Zm9v-A==", 8 }, { "Zm9v_A==", 8 },
		{ "Zg\0=", 4 },
	};
	unsigned char out[192];
	char enc[16], big[261];
	size_t i;

	for (i = 0; i < 7; i++) {
		size_t n = strlen(v[i][0]);

		crypto_base64_encode(v[i][0], n, enc);
		assert_string_equal(enc, v[i][1]);
		assert_int_equal(CRYPTO_BASE64_LEN(n), strlen(v[i][1]));
		assert_int_equal(crypto_base64_decode(v[i][1], strlen(v[i][1]),
						      out, sizeof(out)),
				 (int)n);
		assert_memory_equal(out, v[i][0], n);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(crypto_base64_decode(bad[i].s, bad[i].n, out,
						      sizeof(out)),
				 -EINVAL);
	/* no room, and longer than 256 characters */
	assert_int_equal(crypto_base64_decode("Zm9vYmFy", 8, out, 5), -EINVAL);
	memset(big, 'A', sizeof(big));
	assert_int_equal(crypto_base64_decode(big, 256, out, sizeof(out)), 192);
	assert_int_equal(crypto_base64_decode(big, 260, out, sizeof(out)),
			 -EINVAL);
}

static void test_backend_name(void **state)
{
	const char *name = crypto_backend_name();

	assert_true(!strcmp(name, "openssl") || !strcmp(name, "nettle"));
}

/* Which way the OpenSSL build takes to a digest (crypto_openssl.c's
 * WAY_*: 0 EVP, 1 the digest's own functions, 2 libsolv's): libsolv's
 * for MD5 and SHA-256 while libcrypto is not in the process (this test
 * runs first) and for the first MB, never for SHA-512; the library's once it is loaded (own
 * where it exports them, else EVP); PKG_OPENSSL_DIGEST=evp|own|libsolv
 * asks for one (15-crypto.t runs the vectors each way). Nettle's has
 * one way (0). */
static int way_of(enum crypto_hash_algo algo)
{
	struct crypto_hash h;
	int way;

	assert_int_equal(crypto_hash_init(&h, algo), 0);
	way = h.way;
	crypto_hash_release(&h);
	assert_int_equal(h.way, 0);
	return way;
}

static void test_hash_way(void **state)
{
	const char *ask = getenv("PKG_OPENSSL_DIGEST");
	int openssl = !strcmp(crypto_backend_name(), "openssl");
	unsigned char out[8];
	void *lib;
	int own;

	(void)state;
	if (ask && !*ask)
		ask = NULL;
	if (!openssl) {
		assert_int_equal(way_of(CRYPTO_SHA256), 0);
		assert_int_equal(way_of(CRYPTO_SHA512), 0);
		return;
	}
	if (!ask) { /* before anything maps libcrypto */
		struct crypto_hash h;
		unsigned char md[CRYPTO_SHA256_SIZE];
		char *mb = calloc(1, (size_t)1 << 20);

		assert_int_equal(way_of(CRYPTO_SHA256), 2);
		assert_int_equal(way_of(CRYPTO_MD5), 2);
		/* past 1 MB hashed by libsolv, the library's digests */
		assert_non_null(mb);
		assert_int_equal(crypto_hash_init(&h, CRYPTO_SHA256), 0);
		assert_int_equal(h.way, 2);
		crypto_hash_update(&h, mb, (size_t)1 << 20);
		assert_int_equal(crypto_hash_final(&h, md), 0);
		free(mb);
		assert_int_not_equal(way_of(CRYPTO_SHA256), 2);
	}
	/* (OpenSSL pins itself once loaded: no dlclose) */
	lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	own = lib && dlsym(lib, "SHA256_Init") && dlsym(lib, "SHA512_Final");
	if (!ask) {
		assert_int_equal(way_of(CRYPTO_SHA512), own ? 1 : 0);
		/* libcrypto now loaded: its digests */
		assert_int_equal(crypto_base64_decode("Zm9v", 4, out, sizeof(out)),
				 3);
		assert_int_equal(way_of(CRYPTO_SHA256), own ? 1 : 0);
	} else if (!strcmp(ask, "libsolv")) {
		assert_int_equal(way_of(CRYPTO_SHA256), 2);
		assert_int_equal(way_of(CRYPTO_SHA512), own ? 1 : 0);
	} else if (!strcmp(ask, "own")) {
		assert_int_equal(way_of(CRYPTO_SHA256), own ? 1 : 0);
	} else {
		assert_int_equal(way_of(CRYPTO_SHA256), 0);
	}
	if (lib)
		dlclose(lib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_way), /* first: nothing loaded */
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_pieces),
		cmocka_unit_test(test_hash_release),
		cmocka_unit_test(test_ed25519_rfc8032),
		cmocka_unit_test(test_ed25519_keypair),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_backend_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
