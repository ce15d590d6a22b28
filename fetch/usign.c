/*
 * usign (OpenWrt) / signify (OpenBSD) keys and signatures; Ed25519,
 * SHA-512 and base64 through the crypto leaf (crypto.h). File layout: an
 * optional "untrusted comment: ..." line, then one line of base64:
 *   public key  42 bytes: "Ed" keyid[8] pubkey[32]
 *   secret key 104 bytes: "Ed" "BK" kdfrounds[4] salt[16] checksum[8]
 *                         keyid[8] seed[32] pubkey[32]
 *   signature   74 bytes: "Ed" keyid[8] sig[64]
 * The checksum is the first 8 bytes of SHA-512 over seed+pubkey.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "fetch_int.h"
#include "base.h"

#define COMMENT_PREFIX "untrusted comment:"

void usign_keyid_hex(const unsigned char keyid[8], char hex[17])
{
	rootfs_hex(keyid, 8, hex);
}

/* Decode one base64 line of exactly want bytes into out: 0 or -1.
 * Accepted: the one encoding of want bytes (crypto_base64_decode checks
 * the alphabet and the padding; encoding the result again must give the
 * line back, which refuses unused bits set in the last character, as
 * usign's b64_pton does). */
static int b64_decode(const char *s, size_t n, unsigned char *out,
		      size_t want)
{
	unsigned char buf[USIGN_SEC_LEN];
	char again[CRYPTO_BASE64_LEN(USIGN_SEC_LEN) + 1];
	int got, ok;

	if (want > sizeof(buf) || n != CRYPTO_BASE64_LEN(want))
		return -1;
	got = crypto_base64_decode(s, n, buf, want);
	ok = got == (int)want;
	if (ok) {
		crypto_base64_encode(buf, want, again);
		ok = !memcmp(again, s, n);
		explicit_bzero(again, sizeof(again)); /* may be a secret key */
	}
	if (ok)
		memcpy(out, buf, want);
	explicit_bzero(buf, sizeof(buf));
	return ok ? 0 : -1;
}

/* Next line of text at *pos, without its CR/LF and trailing blanks.
 * 0 at the end of the text. */
static int next_line(const char *text, size_t len, size_t *pos,
		     const char **line, size_t *n)
{
	const char *nl;
	size_t l;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	l = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += l + (nl != NULL);
	while (l && ((*line)[l - 1] == '\r' || (*line)[l - 1] == ' ' ||
		     (*line)[l - 1] == '\t'))
		l--;
	*n = l;
	return 1;
}

/* Find the base64 blob of want bytes starting with "Ed": the first line
 * unless it is a comment ("untrusted comment: ..." or any line that is
 * not such a blob), else the second. 0 or -PKGE_FORMAT. */
static int parse_blob(const char *text, size_t len, unsigned char *out,
		      size_t want)
{
	size_t pos = 0, n;
	const char *line;
	int i;

	for (i = 0; i < 2 && next_line(text, len, &pos, &line, &n); i++) {
		if (i == 0 && n >= strlen(COMMENT_PREFIX) &&
		    !memcmp(line, COMMENT_PREFIX, strlen(COMMENT_PREFIX)))
			continue;
		if (!b64_decode(line, n, out, want) && !memcmp(out, "Ed", 2))
			return 0;
	}
	return -PKGE_FORMAT;
}

int usign_parse_pubkey(const char *text, size_t len, struct usign_pubkey *k)
{
	unsigned char b[USIGN_PUB_LEN];
	int err = parse_blob(text, len, b, sizeof(b));

	if (err)
		return err;
	memcpy(k->keyid, b + 2, 8);
	memcpy(k->key, b + 10, 32);
	return 0;
}

int usign_parse_sig(const char *text, size_t len, struct usign_sig *s)
{
	unsigned char b[USIGN_SIG_LEN];
	int err = parse_blob(text, len, b, sizeof(b));

	if (err)
		return err;
	memcpy(s->keyid, b + 2, 8);
	memcpy(s->sig, b + 10, 64);
	return 0;
}

int usign_parse_seckey(const char *text, size_t len, struct usign_seckey *k)
{
	unsigned char b[USIGN_SEC_LEN], md[CRYPTO_SHA512_SIZE];
	int err = parse_blob(text, len, b, sizeof(b));

	if (err)
		return err;
	/* kdfalg "BK" with 0 rounds: not encrypted (the only kind usign
	 * writes without a password). */
	if (memcmp(b + 2, "BK", 2) || memcmp(b + 4, "\0\0\0\0", 4)) {
		explicit_bzero(b, sizeof(b));
		return -PKGE_FORMAT;
	}
	err = crypto_hash_buf(CRYPTO_SHA512, b + 40, 64, md);
	if (!err && memcmp(md, b + 24, 8))
		err = -PKGE_FORMAT;
	memcpy(k->keyid, b + 32, 8);
	memcpy(k->seed, b + 40, 32);
	memcpy(k->pub, b + 72, 32);
	explicit_bzero(b, sizeof(b));
	explicit_bzero(md, sizeof(md));
	return err;
}

int usign_verify(const void *data, size_t len, const struct usign_sig *s,
		 const struct usign_pubkey *k)
{
	int err;

	if (memcmp(s->keyid, k->keyid, 8))
		return -PKGE_SIGNATURE;
	err = crypto_ed25519_verify(k->key, data, len, s->sig);
	return err == -EBADMSG ? -PKGE_SIGNATURE : err;
}

/* Read and parse a key file for checking name; messages name both. */
static int read_pubkey(const char *name, const char *path,
		       struct usign_pubkey *k)
{
	char *text;
	size_t len;
	int err;

	err = fetch_read_file(path, USIGN_MAX_FILE, &text, &len);
	if (err)
		return pkg_error(err, "signature check failed for '%s': "
				 "cannot read key '%s'", name, path);
	err = usign_parse_pubkey(text, len, k);
	free(text);
	if (err)
		return pkg_error(-PKGE_SIGNATURE, "signature check failed for "
				 "'%s': malformed key '%s'", name, path);
	return 0;
}

/* The key that made s: keypath is a directory of keys named by key id
 * (as /etc/opkg/keys) or one key file. 0, PKGE_SIGNATURE or -errno. */
static int find_pubkey(const char *name, const struct usign_sig *s,
		       const char *keypath, struct usign_pubkey *k)
{
	char id[17], kid[17], *path;
	struct stat st;
	int err;

	usign_keyid_hex(s->keyid, id);
	if (stat(keypath, &st) < 0)
		return pkg_error(-errno, "signature check failed for '%s': "
				 "cannot open '%s'", name, keypath);
	if (!S_ISDIR(st.st_mode)) {
		err = read_pubkey(name, keypath, k);
		if (err || !memcmp(k->keyid, s->keyid, 8))
			return err;
		usign_keyid_hex(k->keyid, kid);
		return pkg_error(-PKGE_SIGNATURE, "signature check failed for "
				 "'%s': signed by key %s, '%s' is key %s",
				 name, id, keypath, kid);
	}
	if (asprintf(&path, "%s/%s", keypath, id) < 0)
		return pkg_error(-ENOMEM, "signature check failed for '%s'",
				 name);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		err = pkg_error(-PKGE_SIGNATURE, "signature check failed for "
				"'%s': no key %s in '%s'", name, id, keypath);
	else
		err = read_pubkey(name, path, k);
	free(path);
	return err;
}

/* Check data (named name in messages) against sig_path with keypath. */
static int verify_named(const char *name, const void *data, size_t len,
			const char *sig_path, const char *keypath)
{
	struct usign_pubkey k;
	struct usign_sig s;
	char *text, id[17];
	size_t tlen;
	int err;

	err = fetch_read_file(sig_path, USIGN_MAX_FILE, &text, &tlen);
	if (err)
		return pkg_error(err, "cannot read signature '%s'", sig_path);
	err = usign_parse_sig(text, tlen, &s);
	free(text);
	if (err)
		return pkg_error(-PKGE_SIGNATURE, "signature check failed for "
				 "'%s': malformed signature '%s'", name,
				 sig_path);
	err = find_pubkey(name, &s, keypath, &k);
	if (err)
		return err;
	err = usign_verify(data, len, &s, &k);
	usign_keyid_hex(s.keyid, id);
	if (err == -PKGE_SIGNATURE)
		return pkg_error(err, "signature check failed for '%s': bad "
				 "signature (key %s)", name, id);
	if (err)
		return pkg_error(err, "signature check failed for '%s' (key %s)",
				 name, id);
	return 0;
}

int usign_verify_text(const char *name, const void *data, size_t len,
		      const char *sig_text, size_t siglen,
		      const char *sig_name, const char *key_text,
		      size_t keylen, const char *keydir)
{
	struct usign_pubkey k;
	struct usign_sig s;
	char id[17];
	int err;

	if (usign_parse_sig(sig_text, siglen, &s))
		return pkg_error(-PKGE_SIGNATURE, "signature check failed for "
				 "'%s': malformed signature '%s'", name,
				 sig_name);
	usign_keyid_hex(s.keyid, id);
	if (!key_text)
		return pkg_error(-PKGE_SIGNATURE, "signature check failed for "
				 "'%s': no key %s in '%s'", name, id, keydir);
	if (usign_parse_pubkey(key_text, keylen, &k))
		return pkg_error(-PKGE_SIGNATURE, "signature check failed for "
				 "'%s': malformed key '%s/%s'", name, keydir,
				 id);
	err = usign_verify(data, len, &s, &k);
	if (err == -PKGE_SIGNATURE)
		return pkg_error(err, "signature check failed for '%s': bad "
				 "signature (key %s)", name, id);
	if (err)
		return pkg_error(err, "signature check failed for '%s' (key %s)",
				 name, id);
	return 0;
}

int usign_verify_file(const char *data_path, const char *sig_path,
		      const char *keypath)
{
	char *data;
	size_t len;
	int err;

	err = fetch_read_file(data_path, USIGN_MAX_DATA, &data, &len);
	if (err)
		return pkg_error(err, "cannot read '%s'", data_path);
	err = verify_named(data_path, data, len, sig_path, keypath);
	free(data);
	return err;
}

int usign_verify_buf(const void *data, size_t len, const char *sig_path,
		     const char *keypath)
{
	const char *dot = strstr(sig_path, ".sig");
	size_t n = strlen(sig_path);
	char *name;
	int err;

	/* Messages name the signed data: the signature's path minus its
	 * last ".sig" and what follows ("list.sig.new", a download not yet
	 * in place, names "list"). */
	while (dot && strstr(dot + 1, ".sig"))
		dot = strstr(dot + 1, ".sig");
	if (dot && dot > sig_path)
		n = (size_t)(dot - sig_path);
	name = strndup(sig_path, n);
	if (!name)
		return pkg_error(-ENOMEM, "cannot check '%s'", sig_path);
	err = verify_named(name, data, len, sig_path, keypath);
	free(name);
	return err;
}
