/*
 * crypto: the one small interface to the crypto library, a leaf below
 * every other part of pkg.
 *
 * Layer order: crypto < rootfs < fetch < solver/hooks < pkgd. It lives in
 * fetch/ (with the usign code that is its main user) but includes nothing
 * of pkg's, so that rootfs, the lowest layer, can hash what it stages.
 * It never reports: functions return 0 or a negative errno code and the
 * caller, who knows the file or the feed, says what failed.
 *
 * Two backends, one compiled per build (Makefile: CRYPTO=openssl, the
 * default, or CRYPTO=nettle); no other file includes either library:
 *   crypto_openssl.c  OpenSSL 3's libcrypto (the project's named library;
 *                     a router running libcurl with OpenSSL has it anyway)
 *   crypto_nettle.c   GNU Nettle (libnettle + libhogweed): smaller, for
 *                     devices without OpenSSL
 * crypto.c holds what both share (random bytes, key generation).
 */
#ifndef PKG_CRYPTO_H
#define PKG_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Digest sizes in bytes, and the size of a lower-case hex digest with
 * its NUL (the buffers every layer passes around). */
#define CRYPTO_MD5_SIZE 16
#define CRYPTO_SHA256_SIZE 32
#define CRYPTO_SHA512_SIZE 64
#define CRYPTO_MAX_DIGEST_SIZE CRYPTO_SHA512_SIZE
#define MD5_HEX_SIZE (2 * CRYPTO_MD5_SIZE + 1)
#define SHA256_HEX_SIZE (2 * CRYPTO_SHA256_SIZE + 1)

#define CRYPTO_ED25519_KEY_SIZE 32 /* public key, and the secret seed */
#define CRYPTO_ED25519_SIG_SIZE 64

/* Characters of the base64 encoding of n bytes (padded, no NUL). */
#define CRYPTO_BASE64_LEN(n) (((n) + 2) / 3 * 4)

enum crypto_hash_algo {
	CRYPTO_MD5,
	CRYPTO_SHA256,
	CRYPTO_SHA512,
};

/*
 * A running hash. Opaque: the backend keeps its state in u (Nettle: the
 * context itself; OpenSSL: a pointer to its EVP_MD_CTX), so this header
 * needs neither library's. Use: crypto_hash_init, crypto_hash_update...,
 * crypto_hash_final; crypto_hash_release on a path that stops before
 * final (a read error). A released or finished hash may be released again.
 */
struct crypto_hash {
	enum crypto_hash_algo algo;
	int way; /* the backend's: how the state below is held */
	union {
		void *ptr;
		uint64_t align;
		unsigned char state[224]; /* Nettle's sha512_ctx: 216 */
	} u;
};

/* Bytes of algo's digest (16, 32 or 64). */
size_t crypto_hash_size(enum crypto_hash_algo algo);
/* Start a hash. 0, -EINVAL (unknown algo), -ENOMEM, or -ENOSYS (the
 * library has no such algorithm, e.g. OpenSSL without its default
 * provider). Nothing to release on failure. */
int crypto_hash_init(struct crypto_hash *h, enum crypto_hash_algo algo);
void crypto_hash_update(struct crypto_hash *h, const void *data, size_t len);
/* Write the digest (crypto_hash_size bytes) and release h. 0, or -EIO
 * when the library fails (h is released all the same). */
int crypto_hash_final(struct crypto_hash *h, unsigned char *digest);
void crypto_hash_release(struct crypto_hash *h);
/* One-shot digest of a buffer: 0 or the codes above. */
int crypto_hash_buf(enum crypto_hash_algo algo, const void *data, size_t len,
		    unsigned char *digest);

/*
 * Ed25519 (RFC 8032, pure: the message itself is signed, as usign does).
 * verify: 0 when sig is pub's signature of data, -EBADMSG when not (or
 * pub is not a valid point), -ENOMEM / -ENOSYS when the library fails.
 * sign: the signature of data with the 32-byte secret seed.
 * public: the public key of seed.
 * keypair: a new random seed (crypto_random) and its public key.
 * data may be NULL when len is 0. All: 0 or a negative errno code.
 */
int crypto_ed25519_verify(const unsigned char pub[CRYPTO_ED25519_KEY_SIZE],
			  const void *data, size_t len,
			  const unsigned char sig[CRYPTO_ED25519_SIG_SIZE]);
int crypto_ed25519_sign(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			const void *data, size_t len,
			unsigned char sig[CRYPTO_ED25519_SIG_SIZE]);
int crypto_ed25519_public(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			  unsigned char pub[CRYPTO_ED25519_KEY_SIZE]);
int crypto_ed25519_keypair(unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			   unsigned char pub[CRYPTO_ED25519_KEY_SIZE]);

/* n bytes from the kernel's random pool (getrandom(2), waiting until it
 * is seeded). 0 or -errno. */
int crypto_random(void *buf, size_t n);

/*
 * Base64 (RFC 4648's standard alphabet, '=' padding).
 * encode: writes CRYPTO_BASE64_LEN(n) characters and a NUL into out.
 * decode: n characters (at most 256: keys and signatures), a multiple of
 * 4 of the alphabet with padding only at the end, into out (room for cap
 * bytes); the number of bytes, or -EINVAL (bad or longer input, or more
 * than cap bytes). Callers that need the one
 * canonical encoding compare the encoding of the result with the input.
 */
void crypto_base64_encode(const void *in, size_t n, char *out);
int crypto_base64_decode(const char *in, size_t n, unsigned char *out,
			 size_t cap);

/* "openssl" or "nettle": the backend of this build (pkg --version). */
const char *crypto_backend_name(void);
/* The caller is about to hash much (pkg-repo: whole feeds): digests
 * through the library's fastest code from now on, whatever it costs to
 * load. Without it a backend may pick what is cheapest to set up. */
void crypto_hash_fast(void);

#endif
