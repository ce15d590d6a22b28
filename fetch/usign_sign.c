/*
 * usign key generation and signing (the server side: pkg-repo keygen and
 * sign). Layouts are described in usign.c; the files are written exactly
 * as usign writes them. Ed25519, SHA-512 and base64 from GNU Nettle,
 * random bytes from getrandom(2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/eddsa.h>
#include <nettle/sha2.h>

#include "fetch.h"
#include "fetch_int.h"
#include "rootfs.h"

#define USIGN_MAX_FILE 4096
#define USIGN_MAX_DATA (1024u << 20)

/* Fill buf with n bytes from the kernel's random pool (blocking until it
 * is initialised), over short reads and signals. 0 or -errno. */
static int random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n) {
		r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Write "untrusted comment: <comment>\n<base64 of blob>\n" atomically. */
static int write_usign(const char *path, const char *comment,
		       const unsigned char *blob, size_t n, mode_t mode)
{
	char b64[BASE64_ENCODE_RAW_LENGTH(104) + 1], *text;
	int len, err;

	if (BASE64_ENCODE_RAW_LENGTH(n) >= sizeof(b64))
		return pkg_error(-EINVAL, "cannot write '%s'", path);
	base64_encode_raw(b64, n, blob);
	b64[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
	len = asprintf(&text, "untrusted comment: %s\n%s\n", comment, b64);
	if (len < 0)
		return pkg_error(-ENOMEM, "cannot write '%s'", path);
	err = hostfs_write_atomic(path, text, (size_t)len, mode);
	free(text);
	return err; /* reported by hostfs_write_atomic */
}

/* The 104-byte secret blob of k (fresh random salt, unencrypted). */
static int seckey_blob(const struct usign_seckey *k, unsigned char b[104])
{
	unsigned char md[SHA512_DIGEST_SIZE];
	struct sha512_ctx ctx;
	int err;

	memcpy(b, "EdBK\0\0\0\0", 8);
	err = random_bytes(b + 8, 16);
	if (err)
		return err;
	memcpy(b + 32, k->keyid, 8);
	memcpy(b + 40, k->seed, 32);
	memcpy(b + 72, k->pub, 32);
	sha512_init(&ctx);
	sha512_update(&ctx, 64, b + 40);
	sha512_digest(&ctx, sizeof(md), md);
	memcpy(b + 24, md, 8);
	explicit_bzero(&ctx, sizeof(ctx));
	return 0;
}

static int write_keys(const char *prefix, const char *comment,
		      const struct usign_seckey *k)
{
	unsigned char sb[104], pb[42];
	char *pubpath, *sc, *pc;
	int err;

	err = seckey_blob(k, sb);
	if (err)
		return pkg_error(err, "cannot make key: no random data");
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
	err = random_bytes(k.seed, sizeof(k.seed));
	if (!err)
		err = random_bytes(k.keyid, sizeof(k.keyid));
	if (err) {
		explicit_bzero(&k, sizeof(k));
		return pkg_error(err, "cannot make key: no random data");
	}
	ed25519_sha512_public_key(k.pub, k.seed);
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
	unsigned char pub[32];
	size_t len;
	char *text;
	int err;

	err = fetch_read_file(path, USIGN_MAX_FILE, &text, &len);
	if (err)
		return pkg_error(err, "cannot read secret key '%s'", path);
	err = usign_parse_seckey(text, len, k);
	explicit_bzero(text, len);
	free(text);
	if (!err) {
		ed25519_sha512_public_key(pub, k->seed);
		if (memcmp(pub, k->pub, 32))
			err = -PKGE_FORMAT;
	}
	if (err) {
		explicit_bzero(k, sizeof(*k));
		return pkg_error(-PKGE_FORMAT, "malformed secret key '%s' "
				 "(or encrypted: not supported)", path);
	}
	return 0;
}

/* Ed25519 signature of data with k into the 74-byte usign blob. */
static void sign_blob(const struct usign_seckey *k, const void *data,
		      size_t len, unsigned char blob[74])
{
	memcpy(blob, "Ed", 2);
	memcpy(blob + 2, k->keyid, 8);
	ed25519_sha512_sign(k->pub, k->seed, len,
			    data ? data : (const void *)"", blob + 10);
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
		explicit_bzero(&k, sizeof(k));
		return pkg_error(err, "cannot read '%s'", data_path);
	}
	sign_blob(&k, data, len, blob);
	explicit_bzero(&k, sizeof(k));
	free(data);
	usign_keyid_hex(blob + 2, id);
	snprintf(comment, sizeof(comment), "signed by key %s", id);
	return write_usign(out_sig_path, comment, blob, sizeof(blob), 0644);
}
