/*
 * Unit tests for fetch/: file checksums (known vectors), usign against the
 * real OpenWrt feed signatures of the fixtures and RFC 8032's vector, key
 * generation and signing, decompression and file:// downloads. Each test
 * that writes gets a fresh temp directory. They run with both crypto
 * backends (tests/t/15-crypto.t runs the Nettle build's copy); the crypto
 * leaf itself is tested in test_crypto.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zstd.h>

#include "crypto.h"
#include "fetch.h"
#include "base.h"
#include "unit.h"

#define KEYS1907 FX_1907 "/rootfs/etc/opkg/keys"
#define KEY1907 KEYS1907 "/f94b9dd6febac963"

struct tctx {
	char dir[64];
};

static int setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_fetch.XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tctx *t = *state;

	hostfs_remove_tree(t->dir);
	free(t);
	return 0;
}

/* t->dir/name written into buf. */
static const char *tpath(struct tctx *t, const char *name, char *buf,
			 size_t n)
{
	snprintf(buf, n, "%s/%s", t->dir, name);
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = unit_slurp(from, &len);

	assert_int_equal(hostfs_write_atomic(to, buf, len, 0644), 0);
	free(buf);
}

/* Decoded length of a base64 line (padded to a multiple of 4). */
static size_t b64_len(const char *line)
{
	unsigned char out[192];
	int got = crypto_base64_decode(line, strlen(line), out, sizeof(out));

	assert_true(got >= 0);
	return (size_t)got;
}

/* SHA-256 of a buffer as hex, through the crypto leaf. */
static void sha256_hex(const void *buf, size_t len,
		       char hex[SHA256_HEX_SIZE])
{
	unsigned char md[CRYPTO_SHA256_SIZE];

	assert_int_equal(crypto_hash_buf(CRYPTO_SHA256, buf, len, md), 0);
	rootfs_hex(md, sizeof(md), hex);
}

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

static void test_verify_file(void **state)
{
	const char *ipk = FX_2305 "/feeds/packages/"
			  "nano_7.2-2_arm_cortex-a9_vfpv3-d16.ipk";
	char hex[SHA256_HEX_SIZE], bad[SHA256_HEX_SIZE];

	assert_int_equal(rootfs_sha256_file(ipk, hex), 0);
	assert_int_equal(fetch_verify_file(ipk, hex, NULL, 70201), 0);
	assert_int_equal(fetch_verify_file(ipk, hex, NULL, FETCH_SIZE_UNKNOWN),
			 0);
	memcpy(bad, hex, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';
	assert_int_equal(fetch_verify_file(ipk, bad, NULL, 70201),
			 -PKGE_CHECKSUM);
	assert_int_equal(fetch_verify_file(ipk, hex, NULL, 70200),
			 -PKGE_CHECKSUM);
	assert_int_equal(rootfs_md5_file(ipk, hex), 0);
	assert_int_equal(
		fetch_verify_file(ipk, NULL, hex, FETCH_SIZE_UNKNOWN), 0);
	assert_int_equal(fetch_verify_file(ipk, NULL, NULL, FETCH_SIZE_UNKNOWN),
			 -PKGE_CHECKSUM);
	/* 0 is a size, not "none" */
	assert_int_equal(fetch_verify_file(ipk, NULL, hex, 0), -PKGE_CHECKSUM);
}

/* Known digests through the file digests, over a size that takes many
 * reads (1,000,000 times 'a': FIPS 180-2 and RFC 1321 vectors), "abc",
 * the empty file and a missing one. */
static void test_digest_vectors(void **state)
{
	struct tctx *t = *state;
	char p[128], hex[SHA256_HEX_SIZE];
	size_t n = 1000000;
	char *a = malloc(n);

	assert_non_null(a);
	memset(a, 'a', n);
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		   56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
				 "a33ce45964ff2167f6ecedd419db06c1");
	sha256_hex(a, n, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
				 "f1809a48a497200e046d39ccc7112cd0");
	tpath(t, "million", p, sizeof(p));
	assert_int_equal(hostfs_write_atomic(p, a, n, 0644), 0);
	free(a);
	assert_int_equal(rootfs_sha256_file(p, hex), 0);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
				 "f1809a48a497200e046d39ccc7112cd0");
	assert_int_equal(rootfs_md5_file(p, hex), 0);
	assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
	/* "abc" and the empty file through rootfs's SHA-256 and MD5 */
	tpath(t, "abc", p, sizeof(p));
	assert_int_equal(hostfs_write_atomic(p, "abc", 3, 0644), 0);
	assert_int_equal(rootfs_sha256_file(p, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(rootfs_md5_file(p, hex), 0);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
	tpath(t, "empty", p, sizeof(p));
	assert_int_equal(hostfs_write_atomic(p, "", 0, 0644), 0);
	assert_int_equal(rootfs_sha256_file(p, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
	assert_int_equal(rootfs_md5_file(p, hex), 0);
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
	assert_int_equal(rootfs_sha256_file("/nonexistent/x", hex), -ENOENT);
}

/* Verify the index of every feed whose Packages.sig matches pattern with
 * keys (a key file or directory), the index read plain or gunzipped
 * (unit_index_text); returns how many there were. */
static int verify_all(const char *pattern, const char *keys)
{
	char *text;
	glob_t g;
	size_t i, len;

	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		text = unit_index_of_sig(g.gl_pathv[i], &len);
		if (usign_verify_buf(text, len, g.gl_pathv[i], keys))
			fail_msg("'%s' does not verify", g.gl_pathv[i]);
		free(text);
	}
	i = g.gl_pathc;
	globfree(&g);
	return (int)i;
}

static void test_fixture_signatures(void **state)
{
	assert_int_equal(verify_all(FX_2305 "/feeds/*/Packages.sig",
				    FX_2305 "/keys"), 4);
	assert_int_equal(verify_all(FX_2305 "/feeds/*/Packages.sig",
				    FX_2305 "/keys/d95e275d41a63bff"), 4);
	assert_int_equal(verify_all(FX_1907 "/feeds/*/Packages.sig",
				    KEYS1907), 7);
	assert_int_equal(verify_all(FX_1907 "/feeds/*/Packages.sig",
				    KEY1907), 7);
	assert_int_equal(verify_all(FX_IMMORTAL "/feeds/*/Packages.sig",
				    FX_IMMORTAL "/keys"), 1);
	assert_int_equal(verify_all(FX_SDK "/feed/Packages.sig",
				    FX_SDK "/feed/pekmop1024-repo.pub"), 1);
}

static void test_verify_buf(void **state)
{
	const char *pk = FX_2305 "/feeds/base/Packages";
	size_t len;
	char *data = unit_slurp(pk, &len);

	assert_int_equal(usign_verify_buf(data, len, FX_2305 "/feeds/base/"
					  "Packages.sig", FX_2305 "/keys"), 0);
	data[len / 2] ^= 1;
	assert_int_equal(usign_verify_buf(data, len, FX_2305 "/feeds/base/"
					  "Packages.sig", FX_2305 "/keys"),
			 -PKGE_SIGNATURE);
	free(data);
}

static void test_flipped_byte(void **state)
{
	struct tctx *t = *state;
	char p[128], s[128];
	size_t len;
	char *data;

	tpath(t, "Packages", p, sizeof(p));
	tpath(t, "Packages.sig", s, sizeof(s));
	copy_file(FX_2305 "/feeds/core/Packages", p);
	copy_file(FX_2305 "/feeds/core/Packages.sig", s);
	assert_int_equal(usign_verify_file(p, s, FX_2305 "/keys"), 0);
	data = unit_slurp(p, &len);
	data[len - 10] ^= 0x20;
	assert_int_equal(hostfs_write_atomic(p, data, len, 0644), 0);
	free(data);
	assert_int_equal(usign_verify_file(p, s, FX_2305 "/keys"),
			 -PKGE_SIGNATURE);
}

static void test_wrong_key(void **state)
{
	const char *pk = FX_2305 "/feeds/base/Packages";
	const char *sig = FX_2305 "/feeds/base/Packages.sig";

	/* a key file with another id, a key directory without the key */
	assert_int_equal(usign_verify_file(pk, sig, KEY1907), -PKGE_SIGNATURE);
	assert_int_equal(usign_verify_file(pk, sig,
					   FX_1907 "/rootfs/etc/opkg/keys"),
			 -PKGE_SIGNATURE);
	/* missing signature and key path: errno codes */
	assert_int_equal(usign_verify_file(pk, "/nonexistent.sig", KEY1907),
			 -ENOENT);
	assert_int_equal(usign_verify_file(pk, sig, "/nonexistent/keys"),
			 -ENOENT);
}

static void test_parse_keys(void **state)
{
	struct usign_pubkey k;
	struct usign_sig s;
	size_t len;
	char hex[17], *text;

	/* 19.07: first line is a bare comment, no final newline */
	text = unit_slurp(KEY1907, &len);
	assert_int_equal(usign_parse_pubkey(text, len, &k), 0);
	usign_keyid_hex(k.keyid, hex);
	assert_string_equal(hex, "f94b9dd6febac963");
	/* a signature is not a key */
	free(text);
	text = unit_slurp(FX_2305 "/feeds/base/Packages.sig", &len);
	assert_int_equal(usign_parse_pubkey(text, len, &k), -PKGE_FORMAT);
	assert_int_equal(usign_parse_sig(text, len, &s), 0);
	usign_keyid_hex(s.keyid, hex);
	assert_string_equal(hex, "d95e275d41a63bff");
	free(text);
	assert_int_equal(usign_parse_pubkey("", 0, &k), -PKGE_FORMAT);
	text = "untrusted comment: x\nRWT5S53W/rrJY9Bi!!!\n";
	assert_int_equal(usign_parse_pubkey(text, strlen(text), &k),
			 -PKGE_FORMAT);
}

/* Check one usign file: two lines, comment, decoded blob length. */
static void check_layout(const char *path, const char *comment, size_t blob)
{
	size_t len, i;
	char *text = unit_slurp(path, &len);

	assert_true(len > 0 && text[len - 1] == '\n');
	i = strcspn(text, "\n");
	assert_true(i < len - 1);
	text[i] = '\0';
	text[len - 1] = '\0';
	assert_string_equal(text, comment);
	assert_int_equal(strcspn(text + i + 1, "\n"), len - i - 2);
	assert_int_equal(b64_len(text + i + 1), blob);
	free(text);
}

static void test_keygen_sign_verify(void **state)
{
	struct tctx *t = *state;
	char key[128], pub[128], data[128], sig[128], kd[128], kp[160];
	char hex[17], want[64], *text;
	struct usign_pubkey pk;
	size_t len;
	struct stat st;

	tpath(t, "key", key, sizeof(key));
	tpath(t, "key.pub", pub, sizeof(pub));
	tpath(t, "data", data, sizeof(data));
	tpath(t, "data.sig", sig, sizeof(sig));
	assert_int_equal(usign_keygen(key, "test"), 0);
	assert_int_equal(usign_keygen(key, "test"), -EEXIST);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	check_layout(key, "untrusted comment: test secret key", 104);
	check_layout(pub, "untrusted comment: test public key", 42);
	text = unit_slurp(pub, &len);
	assert_int_equal(usign_parse_pubkey(text, len, &pk), 0);
	free(text);
	usign_keyid_hex(pk.keyid, hex);

	copy_file(FX_2305 "/feeds/base/Packages", data);
	assert_int_equal(usign_sign_file(data, key, sig), 0);
	snprintf(want, sizeof(want), "untrusted comment: signed by key %s",
		 hex);
	check_layout(sig, want, 74);
	assert_int_equal(usign_verify_file(data, sig, pub), 0);
	/* the same through a key directory, the key named by its id */
	tpath(t, "keys", kd, sizeof(kd));
	assert_int_equal(mkdir(kd, 0755), 0);
	snprintf(kp, sizeof(kp), "%s/%s", kd, hex);
	copy_file(pub, kp);
	assert_int_equal(usign_verify_file(data, sig, kd), 0);
	/* and not with another key */
	assert_int_equal(usign_verify_file(data, sig, KEY1907),
			 -PKGE_SIGNATURE);
}

/* The 19.07.1 core feed as shipped: Packages.gz, decompressed by fetch/
 * (the same bytes as zlib's gunzip of unit_index_text), and Packages.sig
 * checked with the router's own key (found by the signature's
 * key id in its /etc/opkg/keys). A one-byte change of the data, of the
 * signature or of the key id fails. */
static void test_verify_gz_feed(void **state)
{
#define CORE1907 FX_1907 "/feeds/openwrt_core"
	struct tctx *t = *state;
	struct usign_pubkey k;
	struct usign_sig s;
	char id[17], kp[256], p[128], sp[128], *data, *plain, *text;
	size_t len, plen, tlen;

	assert_int_equal(fetch_decompress_file(CORE1907 "/Packages.gz", 0,
					       &data, &len), 0);
	plain = unit_index_text(CORE1907 "/Packages", &plen);
	assert_int_equal(len, plen);
	assert_memory_equal(data, plain, plen);
	free(plain);
	text = unit_slurp(CORE1907 "/Packages.sig", &tlen);
	assert_int_equal(usign_parse_sig(text, tlen, &s), 0);
	free(text);
	usign_keyid_hex(s.keyid, id);
	snprintf(kp, sizeof(kp), "%s/%s", KEYS1907, id);
	text = unit_slurp(kp, &tlen);
	assert_int_equal(usign_parse_pubkey(text, tlen, &k), 0);
	free(text);
	assert_int_equal(usign_verify(data, len, &s, &k), 0);
	assert_int_equal(usign_verify_buf(data, len, CORE1907 "/Packages.sig",
					  KEYS1907), 0);
	/* the tampered copy, in memory and as a file */
	data[len / 3] ^= 0x01;
	assert_int_equal(usign_verify(data, len, &s, &k), -PKGE_SIGNATURE);
	tpath(t, "Packages", p, sizeof(p));
	tpath(t, "Packages.sig", sp, sizeof(sp));
	assert_int_equal(hostfs_write_atomic(p, data, len, 0644), 0);
	copy_file(CORE1907 "/Packages.sig", sp);
	assert_int_equal(usign_verify_file(p, sp, KEYS1907), -PKGE_SIGNATURE);
	data[len / 3] ^= 0x01;
	s.sig[17] ^= 0x80;
	assert_int_equal(usign_verify(data, len, &s, &k), -PKGE_SIGNATURE);
	s.sig[17] ^= 0x80;
	k.keyid[0] ^= 1;
	assert_int_equal(usign_verify(data, len, &s, &k), -PKGE_SIGNATURE);
	k.keyid[0] ^= 1;
	assert_int_equal(usign_verify(data, len, &s, &k), 0);
	free(data);
}

/* Text of a usign secret key file for seed, in usign's layout (salt 1..16,
 * key id 8 bytes of 0xab), written to path. */
static void write_seckey(const char *path, const unsigned char seed[32],
			 const unsigned char pub[32])
{
	unsigned char b[104], md[CRYPTO_SHA512_SIZE];
	char text[256];
	int i, n;

	memcpy(b, "EdBK\0\0\0\0", 8);
	for (i = 0; i < 16; i++)
		b[8 + i] = (unsigned char)(i + 1);
	memset(b + 32, 0xab, 8);
	memcpy(b + 40, seed, 32);
	memcpy(b + 72, pub, 32);
	assert_int_equal(crypto_hash_buf(CRYPTO_SHA512, b + 40, 64, md), 0);
	memcpy(b + 24, md, 8);
	n = snprintf(text, sizeof(text), "untrusted comment: rfc8032\n");
	crypto_base64_encode(b, sizeof(b), text + n);
	n += CRYPTO_BASE64_LEN(sizeof(b));
	text[n++] = '\n';
	assert_int_equal(hostfs_write_atomic(path, text, (size_t)n, 0600), 0);
}

/* RFC 8032 section 7.1, tests 1 (empty message) and 2 (one byte 0x72):
 * the key file made from the seed signs to exactly the RFC's signature,
 * and the RFC's public key verifies it. */
static void test_ed25519_rfc8032(void **state)
{
	static const char *const v[2][4] = {
		{ "9d61b19deffd5a60ba844af492ec2cc4"
		  "4449c5697b326919703bac031cae7f60",
		  "d75a980182b10ab7d54bfed3c964073a"
		  "0ee172f3daa62325af021a68f707511a",
		  "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
		  "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24"
		  "655141438e7a100b" },
		{ "4ccd089b28ff96da9db6c346ec114e0f"
		  "5b8a319f35aba624da8cf6ed4fb8a6fb",
		  "3d4017c3e843895a92b70aa74d1b7ebc"
		  "9c982ccf2ec4968cc0cd55f12af4660c",
		  "r",
		  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223"
		  "ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aee"
		  "b00d291612bb0c00" },
	};
	struct tctx *t = *state;
	unsigned char seed[32], want[64];
	struct usign_pubkey k;
	struct usign_sig s;
	char key[128], data[128], sig[128], *text;
	size_t i, len;

	tpath(t, "key", key, sizeof(key));
	tpath(t, "data", data, sizeof(data));
	tpath(t, "data.sig", sig, sizeof(sig));
	for (i = 0; i < 2; i++) {
		unhex(v[i][0], seed, 32);
		unhex(v[i][1], k.key, 32);
		unhex(v[i][3], want, 64);
		memset(k.keyid, 0xab, 8);
		unlink(key);
		write_seckey(key, seed, k.key);
		assert_int_equal(hostfs_write_atomic(data, v[i][2],
						     strlen(v[i][2]), 0644),
				 0);
		assert_int_equal(usign_sign_file(data, key, sig), 0);
		text = unit_slurp(sig, &len);
		assert_int_equal(usign_parse_sig(text, len, &s), 0);
		free(text);
		assert_memory_equal(s.sig, want, 64);
		assert_memory_equal(s.keyid, k.keyid, 8);
		assert_int_equal(usign_verify(v[i][2], strlen(v[i][2]), &s, &k),
				 0);
		assert_int_equal(usign_verify("x", 1, &s, &k), -PKGE_SIGNATURE);
	}
	/* a secret key whose public half does not match its seed */
	k.key[0] ^= 1;
	unlink(key);
	write_seckey(key, seed, k.key);
	assert_int_equal(usign_sign_file(data, key, sig), -PKGE_FORMAT);
}

/* usign_parse_sig of "untrusted comment: x\n<line>\n" where line is the
 * base64 line of the 23.05.2 base feed's signature with character at of
 * it replaced by c (at < 0: unchanged), cut to n characters, plus tail. */
static int parse_variant(int at, char c, size_t n, const char *tail)
{
	struct usign_sig s;
	char text[512], *sig, *line;
	size_t len;
	int rc;

	sig = unit_slurp(FX_2305 "/feeds/base/Packages.sig", &len);
	line = sig + strcspn(sig, "\n") + 1;
	assert_int_equal(strcspn(line, "\n"), 100);
	if (at >= 0)
		line[at] = c;
	snprintf(text, sizeof(text), "untrusted comment: x\n%.*s%s\n",
		 (int)n, line, tail);
	free(sig);
	rc = usign_parse_sig(text, strlen(text), &s);
	assert_true(rc == 0 || rc == -PKGE_FORMAT);
	return rc;
}

/* Key and signature files: the acceptance rules of the base64 line (a
 * 74-byte signature is 100 characters, the last one '='). */
static void test_base64_rules(void **state)
{
	const char *good = "untrusted comment: signed by key d95e275d41a63bff"
			   "\r\nRWTZXiddQaY7/ygzlZzIelYWPzkBucIbsql7F3L2Kivgk7"
			   "BmpIvDJJ2ddL4ZMGnIGxtgtgCdHGksanPf2nOPjXPNCAzdyOY"
			   "JrAQ= \r\n";
	struct usign_sig s;
	char hex[17];

	/* CRLF and trailing blanks are fine, so is no comment line */
	assert_int_equal(usign_parse_sig(good, strlen(good), &s), 0);
	usign_keyid_hex(s.keyid, hex);
	assert_string_equal(hex, "d95e275d41a63bff");
	assert_int_equal(usign_parse_sig(strstr(good, "RWT"),
					  strlen(strstr(good, "RWT")), &s), 0);
	assert_int_equal(parse_variant(-1, 0, 100, ""), 0);
	/* padding missing, doubled, or a character too many */
	assert_int_equal(parse_variant(-1, 0, 99, ""), -PKGE_FORMAT);
	assert_int_equal(parse_variant(98, '=', 100, ""), -PKGE_FORMAT);
	assert_int_equal(parse_variant(-1, 0, 100, "A"), -PKGE_FORMAT);
	assert_int_equal(parse_variant(-1, 0, 100, "AAAA"), -PKGE_FORMAT);
	/* a blank, a '=' or a character outside the alphabet inside */
	assert_int_equal(parse_variant(20, ' ', 100, ""), -PKGE_FORMAT);
	assert_int_equal(parse_variant(20, '=', 100, ""), -PKGE_FORMAT);
	assert_int_equal(parse_variant(20, '-', 100, ""), -PKGE_FORMAT);
	/* unused bits of the last character set ('Q' -> 'R'): usign's
	 * b64_pton refuses that too */
	assert_int_equal(parse_variant(98, 'R', 100, ""), -PKGE_FORMAT);
	/* not "Ed" */
	assert_int_equal(parse_variant(0, 'A', 100, ""), -PKGE_FORMAT);
}

/* A fresh key (default comment) signs and verifies; its secret key file
 * parses and matches the public file; a second key differs. */
static void test_keygen_roundtrip(void **state)
{
	struct tctx *t = *state;
	char key[128], pub[128], key2[128], pub2[128], data[128], sig[128];
	char want[64];
	char hex[17], *text;
	struct usign_pubkey pk, pk2;
	struct usign_seckey sk;
	size_t len;

	tpath(t, "k", key, sizeof(key));
	tpath(t, "k.pub", pub, sizeof(pub));
	tpath(t, "k2", key2, sizeof(key2));
	tpath(t, "k2.pub", pub2, sizeof(pub2));
	tpath(t, "data", data, sizeof(data));
	tpath(t, "data.sig", sig, sizeof(sig));
	assert_int_equal(usign_keygen(key, NULL), 0);
	text = unit_slurp(pub, &len);
	assert_int_equal(usign_parse_pubkey(text, len, &pk), 0);
	free(text);
	usign_keyid_hex(pk.keyid, hex);
	snprintf(want, sizeof(want), "untrusted comment: pkg key %s secret key",
		 hex);
	check_layout(key, want, 104);
	text = unit_slurp(key, &len);
	assert_int_equal(usign_parse_seckey(text, len, &sk), 0);
	free(text);
	assert_memory_equal(sk.keyid, pk.keyid, 8);
	assert_memory_equal(sk.pub, pk.key, 32);
	/* empty data, then one byte changed after signing */
	assert_int_equal(hostfs_write_atomic(data, "", 0, 0644), 0);
	assert_int_equal(usign_sign_file(data, key, sig), 0);
	assert_int_equal(usign_verify_file(data, sig, pub), 0);
	assert_int_equal(hostfs_write_atomic(data, "hello\n", 6, 0644), 0);
	assert_int_equal(usign_sign_file(data, key, sig), 0);
	assert_int_equal(usign_verify_file(data, sig, pub), 0);
	assert_int_equal(hostfs_write_atomic(data, "hellp\n", 6, 0644), 0);
	assert_int_equal(usign_verify_file(data, sig, pub), -PKGE_SIGNATURE);
	/* another key: another id and public key */
	assert_int_equal(usign_keygen(key2, "other"), 0);
	text = unit_slurp(pub2, &len);
	assert_int_equal(usign_parse_pubkey(text, len, &pk2), 0);
	free(text);
	assert_memory_not_equal(pk2.keyid, pk.keyid, 8);
	assert_memory_not_equal(pk2.key, pk.key, 32);
}

static void test_decompress(void **state)
{
	size_t glen, plen, olen, zcap;
	char *gz = unit_slurp(FX_2305 "/feeds/base/Packages.gz", &glen);
	char *plain = unit_slurp(FX_2305 "/feeds/base/Packages", &plen);
	char *out, *z;

	/* gzip from the fixture */
	assert_int_equal(fetch_decompress(gz, glen, 0, &out, &olen), 0);
	assert_int_equal(olen, plen);
	assert_memory_equal(out, plain, plen);
	assert_int_equal(out[olen], '\0');
	free(out);
	/* decompression bomb cap */
	assert_int_equal(fetch_decompress(gz, glen, plen - 1, &out, &olen),
			 -PKGE_FORMAT);
	/* zstd made here */
	zcap = ZSTD_compressBound(plen);
	z = malloc(zcap);
	assert_non_null(z);
	zcap = ZSTD_compress(z, zcap, plain, plen, 3);
	assert_false(ZSTD_isError(zcap));
	assert_int_equal(fetch_decompress(z, zcap, 0, &out, &olen), 0);
	assert_int_equal(olen, plen);
	assert_memory_equal(out, plain, plen);
	free(out);
	/* truncated stream is an error */
	assert_int_equal(fetch_decompress(z, zcap / 2, 0, &out, &olen),
			 -PKGE_FORMAT);
	free(z);
	/* plain text passes through */
	assert_int_equal(fetch_decompress(plain, plen, 0, &out, &olen), 0);
	assert_int_equal(olen, plen);
	assert_memory_equal(out, plain, plen);
	free(out);
	assert_int_equal(fetch_decompress("", 0, 0, &out, &olen), 0);
	assert_int_equal(olen, 0);
	free(out);
	free(gz);
	free(plain);
}

/* fetch_decompress_fd of a gzip file sizes its buffer by the trailer:
 * the same text for one member, for two (the trailer gives the last
 * one's size only), a lying trailer and a cut stream fail, the cap
 * holds. */
static int decomp_fd(struct tctx *t, const char *data, size_t n, size_t max,
		     char **out, size_t *olen)
{
	char p[256];
	int fd;

	tpath(t, "list.gz", p, sizeof(p));
	assert_int_equal(hostfs_write_atomic(p, data, n, 0644), 0);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fetch_decompress_fd(fd, p, max, out, olen);
}

static void test_decompress_fd(void **state)
{
	struct tctx *t = *state;
	size_t glen, plen, olen;
	char *gz = unit_slurp(FX_2305 "/feeds/base/Packages.gz", &glen);
	char *plain = unit_slurp(FX_2305 "/feeds/base/Packages", &plen);
	char *two = malloc(2 * glen), *out = NULL;
	struct rusage ru;
	uint32_t claim;
	long peak;
	int i;

	assert_non_null(two);
	assert_int_equal(decomp_fd(t, gz, glen, 0, &out, &olen), 0);
	assert_int_equal(olen, plen);
	assert_memory_equal(out, plain, plen);
	assert_int_equal(out[olen], '\0');
	free(out);
	memcpy(two, gz, glen);
	memcpy(two + glen, gz, glen);
	assert_int_equal(decomp_fd(t, two, 2 * glen, 0, &out, &olen), 0);
	assert_int_equal(olen, 2 * plen);
	assert_memory_equal(out, plain, plen);
	assert_memory_equal(out + plen, plain, plen);
	assert_int_equal(out[olen], '\0');
	free(out);
	memcpy(two, gz, glen);
	two[glen - 1] ^= 1; /* ISIZE's top byte: 16 MB more than there is */
	out = NULL;
	assert_true(decomp_fd(t, two, glen, 0, &out, &olen) < 0);
	assert_null(out);
	/* a trailer that claims 1000 times the file (48 MB): the buffer's
	 * pages are mapped ahead only as the text comes (read_sized's
	 * prefault), so the lie costs no memory */
	memcpy(two, gz, glen);
	claim = (uint32_t)(glen * 1000);
	for (i = 0; i < 4; i++)
		two[glen - 4 + i] = (char)(claim >> (8 * i));
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	peak = ru.ru_maxrss;
	assert_true(decomp_fd(t, two, glen, 0, &out, &olen) < 0);
	assert_null(out);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	assert_true(ru.ru_maxrss - peak < 8192); /* KiB */
	assert_true(decomp_fd(t, gz, glen / 2, 0, &out, &olen) < 0);
	assert_null(out);
	assert_true(decomp_fd(t, gz, glen, plen - 1, &out, &olen) < 0);
	assert_null(out);
	free(two);
	free(gz);
	free(plain);
}

/* The points fetch_gz_points gives, windows copied. */
struct gz_points {
	struct fetch_gz_point p[32];
	unsigned char win[32][FETCH_GZ_WINDOW];
	size_t n;
};

static int keep_point(const struct fetch_gz_point *pt, void *ud)
{
	struct gz_points *g = ud;

	if (g->n == 32)
		return -ENOSPC;
	g->p[g->n] = *pt;
	memcpy(g->win[g->n], pt->window, FETCH_GZ_WINDOW);
	g->p[g->n].window = g->win[g->n];
	g->n++;
	return 0;
}

/* fd's text from pt (fd not owned), up to max bytes: malloc'd, *len
 * bytes; NULL when the stream does not open. */
static char *text_upto(int fd, const struct fetch_gz_point *pt, size_t max,
		       size_t *len)
{
	FILE *fp = fetch_gz_open_at(dup(fd), "list", 0, pt);
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!fp)
		return NULL;
	while (*len < max) {
		if (cap - *len < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + *len, 1,
			  cap - *len < max - *len ? cap - *len : max - *len,
			  fp);
		*len += n;
		if (n == 0)
			break;
	}
	assert_false(ferror(fp));
	fclose(fp);
	return buf;
}

static char *text_from(int fd, const struct fetch_gz_point *pt, size_t *len)
{
	return text_upto(fd, pt, SIZE_MAX, len);
}

/* Random access into the 2.2 MB gzip'd packages list of 19.07.1: a
 * point about every span bytes of text, each giving the text from there
 * to the end; a point whose window, bits or offset is not the file's
 * is refused by its check; a file of two members, cut short or not
 * gzip gives no points. */
static void test_gz_points(void **state)
{
	struct tctx *t = *state;
	const char *gz = FX_1907 "/feeds/openwrt_packages/Packages.gz";
	struct gz_points *g = calloc(1, sizeof(*g));
	struct fetch_gz_point bad;
	unsigned char *forged = malloc(FETCH_GZ_WINDOW);
	size_t plen, glen, len, i;
	char *plain = NULL, *text, *data = unit_slurp(gz, &glen), p[256];
	int fd = open(gz, O_RDONLY | O_CLOEXEC), two;

	assert_non_null(g);
	assert_non_null(forged);
	assert_true(fd >= 0);
	assert_int_equal(fetch_decompress_file(gz, 0, &plain, &plen), 0);
	assert_int_equal(fetch_gz_points(fd, 1000, keep_point, g), -EINVAL);
	assert_int_equal(fetch_gz_points(fd, 256 << 10, keep_point, g), 0);
	assert_true(g->n >= 6 && g->n <= 9); /* 2,221,119 bytes of text */
	for (i = 0; i < g->n; i++) {
		assert_true(g->p[i].out >= (i + 1) * (256 << 10));
		assert_true(g->p[i].out < plen && g->p[i].in < glen);
		text = text_from(fd, &g->p[i], &len);
		assert_non_null(text);
		assert_int_equal(len, plen - g->p[i].out);
		assert_memory_equal(text, plain + g->p[i].out, len);
		free(text);
	}
	/* one byte of the window changed, where the text refers back */
	bad = g->p[2];
	memcpy(forged, bad.window, FETCH_GZ_WINDOW);
	bad.window = forged;
	for (i = FETCH_GZ_WINDOW; i-- > 0;) { /* the nearest first */
		forged[i] ^= 0x20;
		text = text_upto(fd, &bad, 2 * FETCH_GZ_WINDOW, &len);
		forged[i] ^= 0x20;
		if (!text)
			break;
		/* a byte nothing refers to: the same text */
		assert_int_equal(len, 2 * FETCH_GZ_WINDOW);
		assert_memory_equal(text, plain + bad.out, len);
		free(text);
	}
	assert_true(i < FETCH_GZ_WINDOW);
	bad = g->p[2];
	bad.bits = (bad.bits + 1) & 7;
	assert_null(text_from(fd, &bad, &len));
	bad = g->p[2];
	bad.in++;
	assert_null(text_from(fd, &bad, &len));
	bad = g->p[2];
	bad.check ^= 1;
	assert_null(text_from(fd, &bad, &len));
	close(fd);
	/* two members; cut short; not gzip */
	tpath(t, "two.gz", p, sizeof(p));
	data = realloc(data, 2 * glen);
	assert_non_null(data);
	memcpy(data + glen, data, glen);
	assert_int_equal(hostfs_write_atomic(p, data, 2 * glen, 0644), 0);
	two = open(p, O_RDONLY | O_CLOEXEC);
	g->n = 0;
	assert_int_equal(fetch_gz_points(two, 256 << 10, keep_point, g),
			 -PKGE_FORMAT);
	close(two);
	assert_int_equal(hostfs_write_atomic(p, data, glen / 2, 0644), 0);
	two = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fetch_gz_points(two, 256 << 10, keep_point, g) < 0);
	close(two);
	assert_int_equal(hostfs_write_atomic(p, plain, plen, 0644), 0);
	two = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fetch_gz_points(two, 256 << 10, keep_point, g) < 0);
	close(two);
	free(forged);
	free(data);
	free(plain);
	free(g);
}

static void test_fetch_file_url(void **state)
{
	struct tctx *t = *state;
#define SRC FX_2305 "/feeds/base/Packages.gz"
	const char *src = SRC;
	char dest[128], part[140], want[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE];
	struct fetch_opts o = { 0 };

	tpath(t, "Packages.gz", dest, sizeof(dest));
	snprintf(part, sizeof(part), "%s.part", dest);
	assert_int_equal(fetch_url("file://" SRC, dest, &o, 0), 0);
	assert_int_equal(rootfs_sha256_file(src, want), 0);
	assert_int_equal(rootfs_sha256_file(dest, got), 0);
	assert_string_equal(got, want);
	assert_int_equal(access(part, F_OK), -1);
	/* with progress on: output goes to stderr only */
	o.progress = 1;
	o.label = "Packages.gz";
	assert_int_equal(fetch_url("file://" SRC, dest, &o, 0), 0);
	assert_int_equal(rootfs_sha256_file(dest, got), 0);
	assert_string_equal(got, want);
}

static void test_fetch_max_bytes(void **state)
{
	struct tctx *t = *state;
	char dest[128], part[140];
	struct fetch_opts o = { 0 };
	size_t len;
	char *buf;

	o.max_bytes = 1000;
	tpath(t, "Packages", dest, sizeof(dest));
	snprintf(part, sizeof(part), "%s.part", dest);
	assert_int_equal(fetch_url("file://" FX_2305 "/feeds/base/Packages",
				   dest, &o, 0), -PKGE_CHECKSUM);
	assert_int_equal(access(dest, F_OK), -1);
	assert_int_equal(access(part, F_OK), -1);
	assert_int_equal(fetch_url_mem("file://" FX_2305 "/feeds/base/"
				       "Packages", &o, 0, &buf, &len),
			 -PKGE_CHECKSUM);
	/* exactly at the cap is fine */
	o.max_bytes = 151;
	assert_int_equal(fetch_url_mem("file://" FX_2305 "/feeds/base/"
				       "Packages.sig", &o, 0, &buf, &len), 0);
	assert_int_equal(len, 151);
	free(buf);
}

static void test_fetch_notfound(void **state)
{
	struct tctx *t = *state;
	char dest[128], url[200];
	size_t len;
	char *buf;

	tpath(t, "x", dest, sizeof(dest));
	snprintf(url, sizeof(url), "file://%s/missing", t->dir);
	assert_int_equal(fetch_url(url, dest, NULL, 1), -PKGE_NOTFOUND);
	assert_int_equal(fetch_url(url, dest, NULL, 0), -PKGE_NOTFOUND);
	assert_int_equal(access(dest, F_OK), -1);
	assert_int_equal(fetch_url_mem(url, NULL, 1, &buf, &len),
			 -PKGE_NOTFOUND);
	assert_int_equal(fetch_url_mem("ftp://example.org/x", NULL, 0, &buf,
				       &len), -PKGE_NETWORK);
}

static void test_fetch_mem(void **state)
{
#define SRC2 FX_2305 "/feeds/core/Packages"
	const char *src = SRC2;
	size_t len, flen;
	char *buf, *want = unit_slurp(src, &flen);

	assert_int_equal(fetch_url_mem("file://" SRC2, NULL, 0, &buf, &len), 0);
	assert_int_equal(len, flen);
	assert_memory_equal(buf, want, flen);
	assert_int_equal(buf[len], '\0');
	free(buf);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_digest_vectors, setup,
						teardown),
		cmocka_unit_test(test_verify_file),
		cmocka_unit_test(test_fixture_signatures),
		cmocka_unit_test(test_verify_buf),
		cmocka_unit_test_setup_teardown(test_flipped_byte, setup,
						teardown),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_parse_keys),
		cmocka_unit_test_setup_teardown(test_keygen_sign_verify, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_verify_gz_feed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ed25519_rfc8032, setup,
						teardown),
		cmocka_unit_test(test_base64_rules),
		cmocka_unit_test_setup_teardown(test_keygen_roundtrip, setup,
						teardown),
		cmocka_unit_test(test_decompress),
		cmocka_unit_test_setup_teardown(test_decompress_fd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gz_points, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fetch_file_url, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fetch_max_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fetch_notfound, setup,
						teardown),
		cmocka_unit_test(test_fetch_mem),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	fetch_global_cleanup();
	return rc;
}
