/*
 * usign key generation and signing (the server side: pkg-repo keygen and
 * sign). Layouts are described in usign.c; the files are written exactly
 * as usign writes them. Ed25519, SHA-512, base64 and random bytes from
 * the crypto leaf (crypto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "fetch_int.h"
#include "base.h"

/* Write "untrusted comment: <comment>\n<base64 of blob>\n" atomically. */
static int write_usign(const char *path, const char *comment,
		       const unsigned char *blob, size_t n, mode_t mode)
{
	char b64[CRYPTO_BASE64_LEN(USIGN_SEC_LEN) + 1], *text;
	int len, err;

	if (CRYPTO_BASE64_LEN(n) >= sizeof(b64))
		return pkg_error(-EINVAL, "cannot write '%s'", path);
	crypto_base64_encode(blob, n, b64);
	len = asprintf(&text, "untrusted comment: %s\n%s\n", comment, b64);
	explicit_bzero(b64, sizeof(b64)); /* may be a secret key */
	if (len < 0)
		return pkg_error(-ENOMEM, "cannot write '%s'", path);
	err = hostfs_write_atomic(path, text, (size_t)len, mode);
	explicit_bzero(text, (size_t)len);
	free(text);
	return err; /* reported by hostfs_write_atomic */
}

/* The secret blob of k (fresh random salt, unencrypted). */
static int seckey_blob(const struct usign_seckey *k,
		       unsigned char b[USIGN_SEC_LEN])
{
	unsigned char md[CRYPTO_SHA512_SIZE];
	int err;

	memcpy(b, "EdBK\0\0\0\0", 8);
	err = crypto_random(b + 8, 16);
	if (err)
		return err;
	memcpy(b + 32, k->keyid, 8);
	memcpy(b + 40, k->seed, 32);
	memcpy(b + 72, k->pub, 32);
	err = crypto_hash_buf(CRYPTO_SHA512, b + 40, 64, md);
	memcpy(b + 24, md, 8);
	explicit_bzero(md, sizeof(md));
	return err;
}

static int write_keys(const char *prefix, const char *comment,
		      const struct usign_seckey *k)
{
	unsigned char sb[USIGN_SEC_LEN], pb[USIGN_PUB_LEN];
	char *pubpath, *sc, *pc;
	int err;

	err = seckey_blob(k, sb);
	if (err)
		return pkg_error(err, "cannot make key '%s'", prefix);
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
	explicit_bzero(sb, sizeof(sb));
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
	err = crypto_ed25519_keypair(k.seed, k.pub);
	if (!err)
		err = crypto_random(k.keyid, sizeof(k.keyid));
	if (err) {
		explicit_bzero(&k, sizeof(k));
		return pkg_error(err, "cannot make key '%s'", prefix);
	}
	usign_keyid_hex(k.keyid, id);
	if (!comment) {
		if (asprintf(&def, "pkg key %s", id) < 0) {
			explicit_bzero(&k, sizeof(k));
			return pkg_error(-ENOMEM, "cannot make key");
		}
		comment = def;
	}
	err = write_keys(prefix, comment, &k);
	explicit_bzero(&k, sizeof(k));
	free(def);
	return err;
}

static int read_seckey(const char *path, struct usign_seckey *k)
{
	unsigned char pub[CRYPTO_ED25519_KEY_SIZE];
	size_t len;
	char *text;
	int err;

	err = fetch_read_file(path, USIGN_MAX_FILE, &text, &len);
	if (err)
		return pkg_error(err, "cannot read secret key '%s'", path);
	err = usign_parse_seckey(text, len, k);
	explicit_bzero(text, len);
	free(text);
	if (!err)
		err = crypto_ed25519_public(k->seed, pub);
	if (!err && memcmp(pub, k->pub, sizeof(pub)))
		err = -PKGE_FORMAT;
	if (err && err != -PKGE_FORMAT) {
		explicit_bzero(k, sizeof(*k));
		return pkg_error(err, "cannot read secret key '%s'", path);
	}
	if (err) {
		explicit_bzero(k, sizeof(*k));
		return pkg_error(-PKGE_FORMAT, "malformed secret key '%s' "
				 "(or encrypted: not supported)", path);
	}
	return 0;
}

/* Ed25519 signature of data with k into the usign blob. */
static int sign_blob(const struct usign_seckey *k, const void *data,
		     size_t len, unsigned char blob[USIGN_SIG_LEN])
{
	memcpy(blob, "Ed", 2);
	memcpy(blob + 2, k->keyid, 8);
	return crypto_ed25519_sign(k->seed, data, len, blob + 10);
}

int usign_sign_file(const char *data_path, const char *seckey_path,
		    const char *out_sig_path)
{
	struct usign_seckey k;
	unsigned char blob[USIGN_SIG_LEN];
	char *data, id[17], comment[32];
	size_t len;
	int err;

	err = read_seckey(seckey_path, &k);
	if (err)
		return err;
	err = fetch_read_file(data_path, USIGN_MAX_DATA, &data, &len);
	if (err) {
		explicit_bzero(&k, sizeof(k));
		return pkg_error(err, "cannot read '%s'", data_path);
	}
	err = sign_blob(&k, data, len, blob);
	explicit_bzero(&k, sizeof(k));
	free(data);
	if (err)
		return pkg_error(err, "cannot sign '%s'", data_path);
	usign_keyid_hex(blob + 2, id);
	snprintf(comment, sizeof(comment), "signed by key %s", id);
	return write_usign(out_sig_path, comment, blob, sizeof(blob), 0644);
}
