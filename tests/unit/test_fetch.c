/*
 * Unit tests for fetch/: checksums, usign against the real OpenWrt feed
 * signatures of the fixtures, key generation and signing, decompression
 * and file:// downloads. Each test gets a fresh temp directory.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <zstd.h>

#include "fetch.h"
#include "rootfs.h"

#define FIX "/work/shared/fixtures/openwrt"
#define R2305 FIX "/openwrt-23.05.2-buildroot_arm_cortex-a9_vfpv3-d16_" \
		  "mvebu-cortexa9"
#define R1907 FIX "/openwrt-19.07.1-official_aarch64_cortex-a53_" \
		  "brcm2708-bcm2710"
#define KEY1907 R1907 "/rootfs/etc/opkg/keys/f94b9dd6febac963"
#define IMMORTAL FIX "/immortalwrt-24.10-SNAPSHOT_core_aarch64_" \
		     "cortex-a53_qualcommax-ipq50xx"
#define SDK FIX "/sdk-23.05.4_mips_24kc_pekmop1024"

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

	rootfs_remove_tree(t->dir);
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

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;

	assert_int_equal(rootfs_read_file(path, 0, &buf, len), 0);
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = slurp(from, &len);

	assert_int_equal(rootfs_write_atomic(to, buf, len, 0644), 0);
	free(buf);
}

/* Decoded length of a base64 line, padding excluded. */
static size_t b64_len(const char *line)
{
	unsigned char out[256];
	size_t n = strlen(line), pad = 0;
	int r;

	assert_true(n % 4 == 0 && n / 4 * 3 <= sizeof(out));
	pad = (line[n - 1] == '=') + (line[n - 2] == '=');
	r = EVP_DecodeBlock(out, (const unsigned char *)line, (int)n);
	assert_true(r >= 0);
	return (size_t)r - pad;
}

static void test_sha256_buf(void **state)
{
	char hex[65];

	assert_int_equal(fetch_sha256_buf("", 0, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
	assert_int_equal(fetch_sha256_buf("abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
}

static void test_file_checksums(void **state)
{
	struct tctx *t = *state;
	char p[128], hex[65];

	tpath(t, "abc", p, sizeof(p));
	assert_int_equal(rootfs_write_atomic(p, "abc", 3, 0644), 0);
	assert_int_equal(fetch_sha256_file(p, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(fetch_md5_file(p, hex), 0);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
	assert_int_equal(fetch_sha256_file("/nonexistent/x", hex), -ENOENT);
}

static void test_verify_file(void **state)
{
	const char *ipk = R2305 "/feeds/packages/"
			  "nano_7.2-2_arm_cortex-a9_vfpv3-d16.ipk";
	char hex[65], bad[65];

	assert_int_equal(fetch_sha256_file(ipk, hex), 0);
	assert_int_equal(fetch_verify_file(ipk, hex, NULL, 70201), 0);
	assert_int_equal(fetch_verify_file(ipk, hex, NULL, 0), 0);
	memcpy(bad, hex, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';
	assert_int_equal(fetch_verify_file(ipk, bad, NULL, 70201),
			 -PKGE_CHECKSUM);
	assert_int_equal(fetch_verify_file(ipk, hex, NULL, 70200),
			 -PKGE_CHECKSUM);
	assert_int_equal(fetch_md5_file(ipk, hex), 0);
	assert_int_equal(fetch_verify_file(ipk, NULL, hex, 0), 0);
	assert_int_equal(fetch_verify_file(ipk, NULL, NULL, 0),
			 -PKGE_CHECKSUM);
}

/* Verify every feeds Packages matching pattern with keys; returns count. */
static int verify_all(const char *pattern, const char *keys)
{
	char sig[1024];
	glob_t g;
	size_t i;

	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		snprintf(sig, sizeof(sig), "%s.sig", g.gl_pathv[i]);
		if (usign_verify_file(g.gl_pathv[i], sig, keys))
			fail_msg("signature of '%s' does not verify",
				 g.gl_pathv[i]);
	}
	i = g.gl_pathc;
	globfree(&g);
	return (int)i;
}

static void test_fixture_signatures(void **state)
{
	assert_int_equal(verify_all(R2305 "/feeds/*/Packages", R2305 "/keys"),
			 4);
	assert_int_equal(verify_all(R2305 "/feeds/*/Packages",
				    R2305 "/keys/d95e275d41a63bff"), 4);
	assert_int_equal(verify_all(R1907 "/feeds/*/Packages",
				    R1907 "/rootfs/etc/opkg/keys"), 7);
	assert_int_equal(verify_all(R1907 "/feeds/*/Packages", KEY1907), 7);
	assert_int_equal(verify_all(IMMORTAL "/feeds/*/Packages",
				    IMMORTAL "/keys"), 1);
	assert_int_equal(verify_all(SDK "/feed/Packages",
				    SDK "/feed/pekmop1024-repo.pub"), 1);
}

static void test_verify_buf(void **state)
{
	const char *pk = R2305 "/feeds/base/Packages";
	size_t len;
	char *data = slurp(pk, &len);

	assert_int_equal(usign_verify_buf(data, len, R2305 "/feeds/base/"
					  "Packages.sig", R2305 "/keys"), 0);
	data[len / 2] ^= 1;
	assert_int_equal(usign_verify_buf(data, len, R2305 "/feeds/base/"
					  "Packages.sig", R2305 "/keys"),
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
	copy_file(R2305 "/feeds/core/Packages", p);
	copy_file(R2305 "/feeds/core/Packages.sig", s);
	assert_int_equal(usign_verify_file(p, s, R2305 "/keys"), 0);
	data = slurp(p, &len);
	data[len - 10] ^= 0x20;
	assert_int_equal(rootfs_write_atomic(p, data, len, 0644), 0);
	free(data);
	assert_int_equal(usign_verify_file(p, s, R2305 "/keys"),
			 -PKGE_SIGNATURE);
}

static void test_wrong_key(void **state)
{
	const char *pk = R2305 "/feeds/base/Packages";
	const char *sig = R2305 "/feeds/base/Packages.sig";

	/* a key file with another id, a key directory without the key */
	assert_int_equal(usign_verify_file(pk, sig, KEY1907), -PKGE_SIGNATURE);
	assert_int_equal(usign_verify_file(pk, sig,
					   R1907 "/rootfs/etc/opkg/keys"),
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
	text = slurp(KEY1907, &len);
	assert_int_equal(usign_parse_pubkey(text, len, &k), 0);
	usign_keyid_hex(k.keyid, hex);
	assert_string_equal(hex, "f94b9dd6febac963");
	/* a signature is not a key */
	free(text);
	text = slurp(R2305 "/feeds/base/Packages.sig", &len);
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
	char *text = slurp(path, &len);

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
	text = slurp(pub, &len);
	assert_int_equal(usign_parse_pubkey(text, len, &pk), 0);
	free(text);
	usign_keyid_hex(pk.keyid, hex);

	copy_file(R2305 "/feeds/base/Packages", data);
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

static void test_decompress(void **state)
{
	size_t glen, plen, olen, zcap;
	char *gz = slurp(R2305 "/feeds/base/Packages.gz", &glen);
	char *plain = slurp(R2305 "/feeds/base/Packages", &plen);
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

static void test_fetch_file_url(void **state)
{
	struct tctx *t = *state;
#define SRC R2305 "/feeds/base/Packages.gz"
	const char *src = SRC;
	char dest[128], part[140], want[65], got[65];
	struct fetch_opts o = { 0 };

	tpath(t, "Packages.gz", dest, sizeof(dest));
	snprintf(part, sizeof(part), "%s.part", dest);
	assert_int_equal(fetch_url("file://" SRC, dest, &o, 0), 0);
	assert_int_equal(fetch_sha256_file(src, want), 0);
	assert_int_equal(fetch_sha256_file(dest, got), 0);
	assert_string_equal(got, want);
	assert_int_equal(access(part, F_OK), -1);
	/* with progress on: output goes to stderr only */
	o.progress = 1;
	o.label = "Packages.gz";
	assert_int_equal(fetch_url("file://" SRC, dest, &o, 0), 0);
	assert_int_equal(fetch_sha256_file(dest, got), 0);
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
	assert_int_equal(fetch_url("file://" R2305 "/feeds/base/Packages",
				   dest, &o, 0), -PKGE_CHECKSUM);
	assert_int_equal(access(dest, F_OK), -1);
	assert_int_equal(access(part, F_OK), -1);
	assert_int_equal(fetch_url_mem("file://" R2305 "/feeds/base/Packages",
				       &o, 0, &buf, &len), -PKGE_CHECKSUM);
	/* exactly at the cap is fine */
	o.max_bytes = 151;
	assert_int_equal(fetch_url_mem("file://" R2305 "/feeds/base/"
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
#define SRC2 R2305 "/feeds/core/Packages"
	const char *src = SRC2;
	size_t len, flen;
	char *buf, *want = slurp(src, &flen);

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
		cmocka_unit_test(test_sha256_buf),
		cmocka_unit_test_setup_teardown(test_file_checksums, setup,
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
		cmocka_unit_test(test_decompress),
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
