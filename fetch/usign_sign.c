/*
 * usign key generation and signing (the server side: pkg-repo keygen and
 * sign). Layouts are described in usign.c; the files are written exactly
 * as usign writes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "fetch.h"
#include "fetch_int.h"
#include "rootfs.h"

#define USIGN_MAX_FILE 4096
#define USIGN_MAX_DATA (1024u << 20)

/* Write "untrusted comment: <comment>\n<base64 of blob>\n" atomically. */
static int write_usign(const char *path, const char *comment,
		       const unsigned char *blob, size_t n, mode_t mode)
{
	unsigned char b64[256];
	char *text;
	int len, err;

	EVP_EncodeBlock(b64, blob, (int)n);
	len = asprintf(&text, "untrusted comment: %s\n%s\n", comment,
		       (const char *)b64);
	if (len < 0)
		return pkg_error(-ENOMEM, "cannot write '%s'", path);
	err = rootfs_write_atomic(path, text, (size_t)len, mode);
	free(text);
	return err; /* reported by rootfs_write_atomic */
}

/* Raw Ed25519 public key of seed. 0 or -EINVAL. */
static int ed25519_pub(const unsigned char seed[32], unsigned char pub[32])
{
	EVP_PKEY *pk;
	size_t n = 32;
	int ok;

	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	ok = pk && EVP_PKEY_get_raw_public_key(pk, pub, &n) == 1 && n == 32;
	EVP_PKEY_free(pk);
	return ok ? 0 : -EINVAL;
}

/* The 104-byte secret blob of k (fresh random salt, unencrypted). */
static int seckey_blob(const struct usign_seckey *k, unsigned char b[104])
{
	unsigned char md[SHA512_DIGEST_LENGTH];

	memcpy(b, "EdBK\0\0\0\0", 8);
	if (RAND_bytes(b + 8, 16) != 1)
		return -EIO;
	memcpy(b + 32, k->keyid, 8);
	memcpy(b + 40, k->seed, 32);
	memcpy(b + 72, k->pub, 32);
	SHA512(b + 40, 64, md);
	memcpy(b + 24, md, 8);
	return 0;
}

static int write_keys(const char *prefix, const char *comment,
		      const struct usign_seckey *k)
{
	unsigned char sb[104], pb[42];
	char *pubpath, *sc, *pc;
	int err;

	if (seckey_blob(k, sb))
		return pkg_error(-EIO, "cannot make key: no random data");
	memcpy(pb, "Ed", 2);
	memcpy(pb + 2, k->keyid, 8);
	memcpy(pb + 10, k->pub, 32);
	if (asprintf(&pubpath, "%s.pub", prefix) < 0)
		pubpath = NULL;
	if (asprintf(&sc, "%s secret key", comment) < 0)
		sc = NULL;
	if (asprintf(&pc, "%s public key", comment) < 0)
		pc = NULL;
	if (!pubpath || !sc || !pc) {
		err = pkg_error(-ENOMEM, "cannot write '%s'", prefix);
	} else {
		err = write_usign(prefix, sc, sb, sizeof(sb), 0600);
		if (!err)
			err = write_usign(pubpath, pc, pb, sizeof(pb), 0644);
	}
	OPENSSL_cleanse(sb, sizeof(sb));
	free(pubpath);
	free(sc);
	free(pc);
	return err;
}

int usign_keygen(const char *prefix, const char *comment)
{
	struct usign_seckey k;
	char id[17], *def = NULL;
	int err;

	if (access(prefix, F_OK) == 0)
		return pkg_error(-EEXIST, "cannot create secret key '%s'",
				 prefix);
	if (RAND_bytes(k.seed, 32) != 1 || RAND_bytes(k.keyid, 8) != 1)
		return pkg_error(-EIO, "cannot make key: no random data");
	if (ed25519_pub(k.seed, k.pub))
		return pkg_error(-EIO, "cannot make key: Ed25519 failed");
	usign_keyid_hex(k.keyid, id);
	if (!comment) {
		if (asprintf(&def, "pkg key %s", id) < 0)
			return pkg_error(-ENOMEM, "cannot make key");
		comment = def;
	}
	err = write_keys(prefix, comment, &k);
	OPENSSL_cleanse(&k, sizeof(k));
	free(def);
	return err;
}

static int read_seckey(const char *path, struct usign_seckey *k)
{
	unsigned char pub[32];
	size_t len;
	char *text;
	int err;

	err = fetch_read_file(path, USIGN_MAX_FILE, &text, &len);
	if (err)
		return pkg_error(err, "cannot read secret key '%s'", path);
	err = usign_parse_seckey(text, len, k);
	OPENSSL_cleanse(text, len);
	free(text);
	if (!err && (ed25519_pub(k->seed, pub) || memcmp(pub, k->pub, 32)))
		err = -PKGE_FORMAT;
	if (err)
		return pkg_error(-PKGE_FORMAT, "malformed secret key '%s' "
				 "(or encrypted: not supported)", path);
	return 0;
}

/* Ed25519 signature of data with k into the 74-byte usign blob. */
static int sign_blob(const struct usign_seckey *k, const void *data,
		     size_t len, unsigned char blob[74])
{
	EVP_PKEY *pk;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t slen = 64;
	int ok = 0;

	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32);
	if (pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1)
		ok = EVP_DigestSign(ctx, blob + 10, &slen, data, len) == 1 &&
		     slen == 64;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	memcpy(blob, "Ed", 2);
	memcpy(blob + 2, k->keyid, 8);
	return ok ? 0 : -EIO;
}

int usign_sign_file(const char *data_path, const char *seckey_path,
		    const char *out_sig_path)
{
	struct usign_seckey k;
	unsigned char blob[74];
	char *data, id[17], comment[32];
	size_t len;
	int err;

	err = read_seckey(seckey_path, &k);
	if (err)
		return err;
	err = fetch_read_file(data_path, USIGN_MAX_DATA, &data, &len);
	if (err) {
		OPENSSL_cleanse(&k, sizeof(k));
		return pkg_error(err, "cannot read '%s'", data_path);
	}
	err = sign_blob(&k, data, len, blob);
	OPENSSL_cleanse(&k, sizeof(k));
	free(data);
	if (err)
		return pkg_error(err, "cannot sign '%s'", data_path);
	usign_keyid_hex(blob + 2, id);
	snprintf(comment, sizeof(comment), "signed by key %s", id);
	return write_usign(out_sig_path, comment, blob, sizeof(blob), 0644);
}
