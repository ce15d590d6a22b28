/*
 * The parts of the crypto interface that both backends share: random
 * bytes, key generation on top of them, one-shot digests, the checks
 * of base64 input the libraries do not make, and Nettle's base64 codec
 * where it is the one (crypto_int.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "crypto.h"
#include "crypto_int.h"

#ifdef CRYPTO_BASE64_NETTLE
#include <nettle/base64.h>
#endif

#define B64_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
		     "0123456789+/"

/*
 * Random bytes come from the kernel with either backend: getrandom(2) is
 * the source OpenSSL's RAND_bytes seeds its DRBG from, and Nettle has no
 * generator of its own to seed. pkg needs 56 random bytes per key it
 * makes (seed, key id, salt); a DRBG in user space would add state and,
 * with OpenSSL 3, a provider fetch for nothing, and this way a key from
 * either build is made the same way.
 */
int crypto_random(void *buf, size_t n)
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

int crypto_ed25519_keypair(unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			   unsigned char pub[CRYPTO_ED25519_KEY_SIZE])
{
	int err = crypto_random(seed, CRYPTO_ED25519_KEY_SIZE);

	if (!err)
		err = crypto_ed25519_public(seed, pub);
	if (err)
		explicit_bzero(seed, CRYPTO_ED25519_KEY_SIZE);
	return err;
}

size_t crypto_hash_size(enum crypto_hash_algo algo)
{
	switch (algo) {
	case CRYPTO_MD5:
		return CRYPTO_MD5_SIZE;
	case CRYPTO_SHA256:
		return CRYPTO_SHA256_SIZE;
	case CRYPTO_SHA512:
		return CRYPTO_SHA512_SIZE;
	}
	return 0;
}

int crypto_hash_buf(enum crypto_hash_algo algo, const void *data, size_t len,
		    unsigned char *digest)
{
	struct crypto_hash h;
	int err = crypto_hash_init(&h, algo);

	if (err)
		return err;
	crypto_hash_update(&h, data, len);
	return crypto_hash_final(&h, digest);
}

#ifdef CRYPTO_BASE64_NETTLE
void crypto_base64_encode(const void *in, size_t n, char *out)
{
	base64_encode_raw(out, n, in);
	out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
}

int crypto_base64_decode_checked(const char *in, size_t n, size_t pad,
				 unsigned char *out)
{
	struct base64_decode_ctx ctx;
	size_t got = 0;
	int ok;

	base64_decode_init(&ctx);
	ok = base64_decode_update(&ctx, &got, out, n, in) &&
	     base64_decode_final(&ctx);
	explicit_bzero(&ctx, sizeof(ctx));
	return ok && got == n / 4 * 3 - pad ? (int)got : -EINVAL;
}
#endif

/* Both libraries decode more than RFC 4648 allows (Nettle skips blanks
 * inside the text, OpenSSL's EVP_DecodeBlock trims them at both ends and
 * counts padding as zero bytes): the text is checked here first. */
int crypto_base64_decode(const char *in, size_t n, unsigned char *out,
			 size_t cap)
{
	unsigned char buf[192];
	size_t i, pad;
	int got;

	if (n % 4 || n / 4 * 3 > sizeof(buf))
		return -EINVAL;
	if (n == 0)
		return 0;
	pad = (in[n - 1] == '=') + (in[n - 2] == '=');
	for (i = 0; i < n - pad; i++)
		if (!in[i] || !strchr(B64_ALPHABET, in[i]))
			return -EINVAL;
	got = crypto_base64_decode_checked(in, n, pad, buf);
	if (got >= 0 && (size_t)got > cap)
		got = -EINVAL;
	if (got >= 0)
		memcpy(out, buf, (size_t)got);
	explicit_bzero(buf, sizeof(buf)); /* may be a secret key */
	return got;
}
