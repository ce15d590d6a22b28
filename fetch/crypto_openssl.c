/*
 * The crypto interface through OpenSSL 3's libcrypto (the default build).
 *
 * OpenSSL is set up for what pkg uses and no more, on first use:
 *  - a library context of our own (OSSL_LIB_CTX) with only the default
 *    provider loaded into it, so no configuration file is read for it
 *    (the process-wide default context, which libcurl's TLS uses once it
 *    is loaded, is left as it is: the system's openssl.cnf still applies
 *    there, whichever of the two comes first);
 *  - the digests fetched once (EVP_MD_fetch) at the first hash, and kept;
 *  - no error strings loaded (pkg never prints OpenSSL's errors: the
 *    callers say what failed), and the error queue cleared after a
 *    failure so that a later libcurl call does not find our errors there.
 * A command that never hashes nor verifies (list, info...) only maps the
 * library. What is left costs about 3 MB of peak RSS in update, most of
 * it clean pages of libcrypto.so: figures in README.md ("Crypto: OpenSSL
 * or Nettle").
 *
 * Process state: the context and the fetched digests below, behind
 * CRYPTO_THREAD_run_once, because pkg-repo hashes from several threads.
 * They stay until exit, as the library's own state does.
 */
#include <errno.h>
#include <string.h>

/* Nothing deprecated by OpenSSL 3.0 may creep in (the low-level SHA256_*
 * and MD5_* calls are): it would not build. */
#define OPENSSL_API_COMPAT 30000
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "crypto.h"
#include "crypto_int.h"

#define NALGO 3 /* enum crypto_hash_algo */

static const char *const md_names[NALGO] = {
	[CRYPTO_MD5] = "MD5",
	[CRYPTO_SHA256] = "SHA2-256",
	[CRYPTO_SHA512] = "SHA2-512",
};

static struct {
	CRYPTO_ONCE lib_once;
	OSSL_LIB_CTX *lib;
	CRYPTO_ONCE md_once;
	EVP_MD *md[NALGO];
} ossl = {
	.lib_once = CRYPTO_ONCE_STATIC_INIT,
	.md_once = CRYPTO_ONCE_STATIC_INIT,
};

static void lib_init(void)
{
	OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();

	if (lib && !OSSL_PROVIDER_load(lib, "default")) {
		OSSL_LIB_CTX_free(lib);
		lib = NULL;
	}
	ossl.lib = lib;
	ERR_clear_error();
}

/* Our library context, made on the first call; NULL if that failed. */
static OSSL_LIB_CTX *lib_ctx(void)
{
	if (!CRYPTO_THREAD_run_once(&ossl.lib_once, lib_init))
		return NULL;
	return ossl.lib;
}

/* The three digests together: the first fetch builds the provider's
 * table of all its digests anyway, the next two only look them up. */
static void md_init(void)
{
	int i;

	for (i = 0; i < NALGO; i++)
		ossl.md[i] = EVP_MD_fetch(ossl.lib, md_names[i], NULL);
	ERR_clear_error();
}

/* The digest of algo, fetched on the first hash; NULL if unavailable. */
static const EVP_MD *md_get(enum crypto_hash_algo algo)
{
	if ((unsigned)algo >= NALGO || !lib_ctx() ||
	    !CRYPTO_THREAD_run_once(&ossl.md_once, md_init))
		return NULL;
	return ossl.md[algo];
}

int crypto_hash_init(struct crypto_hash *h, enum crypto_hash_algo algo)
{
	const EVP_MD *md = md_get(algo);
	EVP_MD_CTX *c;

	h->algo = algo;
	h->u.ptr = NULL;
	if ((unsigned)algo >= NALGO)
		return -EINVAL;
	if (!md)
		return -ENOSYS;
	c = EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	if (!EVP_DigestInit_ex2(c, md, NULL)) {
		EVP_MD_CTX_free(c);
		ERR_clear_error();
		return -ENOMEM;
	}
	h->u.ptr = c;
	return 0;
}

void crypto_hash_update(struct crypto_hash *h, const void *data, size_t len)
{
	/* SHA-2 and MD5 updates cannot fail once initialised */
	if (h->u.ptr)
		EVP_DigestUpdate(h->u.ptr, data, len);
}

int crypto_hash_final(struct crypto_hash *h, unsigned char *digest)
{
	unsigned int n = 0;
	int ok = h->u.ptr && EVP_DigestFinal_ex(h->u.ptr, digest, &n) &&
		 n == crypto_hash_size(h->algo);

	crypto_hash_release(h);
	if (!ok) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

void crypto_hash_release(struct crypto_hash *h)
{
	EVP_MD_CTX_free(h->u.ptr); /* cleanses the digest state */
	h->u.ptr = NULL;
}

/* A key of seed (priv) or pub in our context; NULL on failure. */
static EVP_PKEY *ed25519_key(const unsigned char *key, int priv)
{
	OSSL_LIB_CTX *lib = lib_ctx();

	if (!lib)
		return NULL;
	if (priv)
		return EVP_PKEY_new_raw_private_key_ex(lib, "ED25519", NULL,
						       key,
						       CRYPTO_ED25519_KEY_SIZE);
	return EVP_PKEY_new_raw_public_key_ex(lib, "ED25519", NULL, key,
					      CRYPTO_ED25519_KEY_SIZE);
}

int crypto_ed25519_verify(const unsigned char pub[CRYPTO_ED25519_KEY_SIZE],
			  const void *data, size_t len,
			  const unsigned char sig[CRYPTO_ED25519_SIG_SIZE])
{
	EVP_PKEY *pk = ed25519_key(pub, 0);
	EVP_MD_CTX *c = pk ? EVP_MD_CTX_new() : NULL;
	int r = -ENOMEM;

	/* Ed25519 hashes the message itself: no digest (NULL md) */
	if (c && EVP_DigestVerifyInit_ex(c, NULL, NULL, ossl.lib, NULL, pk,
					 NULL) == 1)
		r = EVP_DigestVerify(c, sig, CRYPTO_ED25519_SIG_SIZE,
				     data ? data : (const void *)"", len) == 1
			    ? 0
			    : -EBADMSG;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}

int crypto_ed25519_sign(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			const void *data, size_t len,
			unsigned char sig[CRYPTO_ED25519_SIG_SIZE])
{
	EVP_PKEY *pk = ed25519_key(seed, 1);
	EVP_MD_CTX *c = pk ? EVP_MD_CTX_new() : NULL;
	size_t n = CRYPTO_ED25519_SIG_SIZE;
	int r = -ENOMEM;

	if (c && EVP_DigestSignInit_ex(c, NULL, NULL, ossl.lib, NULL, pk,
				       NULL) == 1)
		r = EVP_DigestSign(c, sig, &n, data ? data : (const void *)"",
				   len) == 1 && n == CRYPTO_ED25519_SIG_SIZE
			    ? 0
			    : -EIO;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(pk); /* cleanses the key */
	ERR_clear_error();
	return r;
}

int crypto_ed25519_public(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			  unsigned char pub[CRYPTO_ED25519_KEY_SIZE])
{
	EVP_PKEY *pk = ed25519_key(seed, 1);
	size_t n = CRYPTO_ED25519_KEY_SIZE;
	int r = -ENOMEM;

	if (pk)
		r = EVP_PKEY_get_raw_public_key(pk, pub, &n) == 1 &&
				    n == CRYPTO_ED25519_KEY_SIZE
			    ? 0
			    : -EIO;
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}

void crypto_base64_encode(const void *in, size_t n, char *out)
{
	/* writes the NUL too; n is a key or signature, far below INT_MAX */
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int crypto_base64_decode_checked(const char *in, size_t n, size_t pad,
				 unsigned char *out)
{
	/* EVP_DecodeBlock counts the padding as zero bytes */
	int r = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);

	return r < 0 || (size_t)r != n / 4 * 3 ? -EINVAL : r - (int)pad;
}

const char *crypto_backend_name(void)
{
	return "openssl";
}
