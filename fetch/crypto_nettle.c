/*
 * The crypto interface through GNU Nettle (libnettle: hashes, and base64
 * in crypto.c;
 * libhogweed: Ed25519), the build for small devices (make CRYPTO=nettle).
 * Nettle has no global state and no set-up: contexts live in
 * struct crypto_hash itself, nothing is allocated.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <nettle/eddsa.h>
#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "crypto.h"
#include "crypto_int.h"

union nettle_state {
	struct md5_ctx md5;
	struct sha256_ctx sha256;
	struct sha512_ctx sha512;
};

static_assert(sizeof(union nettle_state) <=
		      sizeof(((struct crypto_hash *)0)->u.state),
	      "struct crypto_hash too small for Nettle's contexts");
static_assert(_Alignof(union nettle_state) <= _Alignof(uint64_t),
	      "struct crypto_hash not aligned for Nettle's contexts");

static union nettle_state *state(struct crypto_hash *h)
{
	return (union nettle_state *)h->u.state;
}

int crypto_hash_init(struct crypto_hash *h, enum crypto_hash_algo algo)
{
	h->algo = algo;
	h->way = 0; /* one way: Nettle's state is its own */
	switch (algo) {
	case CRYPTO_MD5:
		md5_init(&state(h)->md5);
		return 0;
	case CRYPTO_SHA256:
		sha256_init(&state(h)->sha256);
		return 0;
	case CRYPTO_SHA512:
		sha512_init(&state(h)->sha512);
		return 0;
	}
	return -EINVAL;
}

void crypto_hash_update(struct crypto_hash *h, const void *data, size_t len)
{
	switch (h->algo) {
	case CRYPTO_MD5:
		md5_update(&state(h)->md5, len, data);
		break;
	case CRYPTO_SHA256:
		sha256_update(&state(h)->sha256, len, data);
		break;
	case CRYPTO_SHA512:
		sha512_update(&state(h)->sha512, len, data);
		break;
	}
}

int crypto_hash_final(struct crypto_hash *h, unsigned char *digest)
{
	switch (h->algo) {
	case CRYPTO_MD5:
		md5_digest(&state(h)->md5, MD5_DIGEST_SIZE, digest);
		break;
	case CRYPTO_SHA256:
		sha256_digest(&state(h)->sha256, SHA256_DIGEST_SIZE, digest);
		break;
	case CRYPTO_SHA512:
		sha512_digest(&state(h)->sha512, SHA512_DIGEST_SIZE, digest);
		break;
	}
	crypto_hash_release(h);
	return 0;
}

void crypto_hash_release(struct crypto_hash *h)
{
	/* the state of a hash over a secret key (usign's checksum) */
	explicit_bzero(h->u.state, sizeof(h->u.state));
}

int crypto_ed25519_verify(const unsigned char pub[CRYPTO_ED25519_KEY_SIZE],
			  const void *data, size_t len,
			  const unsigned char sig[CRYPTO_ED25519_SIG_SIZE])
{
	/* Nettle takes no NULL message, even an empty one */
	if (!ed25519_sha512_verify(pub, len, data ? data : (const void *)"",
				   sig))
		return -EBADMSG;
	return 0;
}

int crypto_ed25519_sign(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			const void *data, size_t len,
			unsigned char sig[CRYPTO_ED25519_SIG_SIZE])
{
	unsigned char pub[ED25519_KEY_SIZE];

	ed25519_sha512_public_key(pub, seed);
	ed25519_sha512_sign(pub, seed, len, data ? data : (const void *)"",
			    sig);
	return 0;
}

int crypto_ed25519_public(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			  unsigned char pub[CRYPTO_ED25519_KEY_SIZE])
{
	ed25519_sha512_public_key(pub, seed);
	return 0;
}

void crypto_hash_fast(void)
{
	/* Nettle costs nothing to set up: one way to a digest */
}

const char *crypto_backend_name(void)
{
	return "nettle";
}
