/*
 * The crypto interface through OpenSSL 3's libcrypto (the default build).
 *
 * libcrypto is loaded (dlopen) on the first hash, signature or base64
 * call, as libcurl is on the first download: a command that does none
 * (list, info, status, --version...) neither maps nor relocates it. Where
 * Nettle is linked in, its base64 codec serves instead (crypto_int.h),
 * so that update with its lists unchanged loads no library either.
 * Linked in, statically or not, its default provider's algorithm tables
 * are 340 KB of pointers that the loader relocates at every start: about
 * 90 pages written and 1.8 ms of this machine's 4 ms `--version` (README
 * "Speed and memory"). libcurl's TLS, once loaded, uses the same
 * libcrypto.so. The static build (make static, PKG_STATIC) cannot dlopen:
 * it links the library and fills the same table.
 *
 * OpenSSL is set up for what pkg uses and no more, on first use:
 *  - a library context of our own (OSSL_LIB_CTX) with only the default
 *    provider loaded into it, so no configuration file is read for it
 *    (the process-wide default context, which libcurl's TLS uses once it
 *    is loaded, is left as it is: the system's openssl.cnf still applies
 *    there, whichever of the two comes first);
 *  - a digest taken three ways (hash_way): MD5 and SHA-256 through
 *    libsolv's own checksums (linked in: no library loaded, no provider
 *    set up, for conffiles or a few packages) until libcrypto is loaded
 *    anyway (a signature, libcurl's TLS), the process has hashed 1 MB
 *    that way, or the caller asked for speed (crypto_hash_fast:
 *    OpenSSL's assembly is 3.5x faster here); then the digest's own
 *    functions (SHA256_Init...) where the library exports them, with no
 *    provider (its tables cost 2.3 MB and milliseconds to set up); else,
 *    and for Ed25519, the digests fetched once (EVP_MD_fetch), and kept;
 *  - no error strings loaded (pkg never prints OpenSSL's errors: the
 *    callers say what failed), and the error queue cleared after a
 *    failure so that a later libcurl call does not find our errors there.
 *
 * Process state: the library's table, the context and the fetched
 * digests below, each set once behind pthread_once, because pkg-repo
 * hashes from several threads (it sets `fast` before it starts them,
 * and the count of bytes libsolv hashed is atomic). They stay until
 * exit, as the library's own state does (unloading it would take
 * libcurl's TLS with it).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nothing deprecated by OpenSSL 3.0 may creep in (the low-level SHA256_*
 * and MD5_* calls are): it would not build. */
#define OPENSSL_API_COMPAT 30000
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/provider.h>

#ifndef PKG_STATIC
#include <dlfcn.h>
#endif

#include <solv/chksum.h>
#include <solv/knownid.h>

#include "crypto.h"
#include "crypto_int.h"

#define NALGO 3 /* enum crypto_hash_algo */

static const char *const md_names[NALGO] = {
	[CRYPTO_MD5] = "MD5",
	[CRYPTO_SHA256] = "SHA2-256",
	[CRYPTO_SHA512] = "SHA2-512",
};

/* Every libcrypto function pkg calls, each through the table (OSSL()). */
#define OSSL_FUNCTIONS(X)                                                     \
	X(OSSL_LIB_CTX_new) X(OSSL_LIB_CTX_free) X(OSSL_PROVIDER_load)        \
	X(ERR_clear_error) X(EVP_MD_fetch) X(EVP_MD_CTX_new)                  \
	X(EVP_MD_CTX_free) X(EVP_DigestInit_ex2) X(EVP_DigestUpdate)          \
	X(EVP_DigestFinal_ex) X(EVP_PKEY_new_raw_private_key_ex)             \
	X(EVP_PKEY_new_raw_public_key_ex) X(EVP_PKEY_get_raw_public_key)      \
	X(EVP_PKEY_free) X(EVP_DigestVerifyInit_ex) X(EVP_DigestVerify)       \
	X(EVP_DigestSignInit_ex) X(EVP_DigestSign) OSSL_BASE64(X)

/* The base64 codec, unless Nettle's is the one (crypto_int.h). */
#ifdef CRYPTO_BASE64_NETTLE
#define OSSL_BASE64(X)
#else
#define OSSL_BASE64(X) X(EVP_EncodeBlock) X(EVP_DecodeBlock)
#endif

#define OSSL_FIELD(f) __typeof__(f) *f;
#define OSSL(f) (ossl.fn.f)

/* The digests' own functions (MD5_Init, SHA256_Update...), deprecated
 * in OpenSSL 3 but exported by a library built with its deprecated API
 * (Debian's; OpenWrt's by default). Looked up by name, optionally: the
 * headers we build with (OPENSSL_API_COMPAT 30000) do not declare them,
 * and a library built no-deprecated (the static build's) has none; then
 * digests go through EVP. Their contexts are plain structs (SHA512_CTX:
 * 216 bytes) kept in struct crypto_hash's state. */
typedef int (*direct_init_fn)(void *ctx);
typedef int (*direct_update_fn)(void *ctx, const void *data, size_t len);
typedef int (*direct_final_fn)(unsigned char *md, void *ctx);

/* How a struct crypto_hash holds its state (its `way`). */
enum { WAY_EVP, WAY_OWN, WAY_LIBSOLV };

/* libsolv's digests for the first this many bytes of a process: past
 * them libcrypto (1.5 ms and 1.5 MB to load here) costs less than
 * libsolv's slower code (292 against 1,017 MB/s here) */
#define SOLV_DIGEST_BYTES ((size_t)1 << 20)

static struct {
	int fast; /* crypto_hash_fast: never libsolv's digests */
	atomic_size_t solv_bytes; /* hashed by libsolv so far */
	pthread_once_t load_once;
	int loaded; /* the table below is filled */
	struct {
		OSSL_FUNCTIONS(OSSL_FIELD)
	} fn;
	struct {
		direct_init_fn init;
		direct_update_fn update;
		direct_final_fn final;
	} direct[NALGO]; /* all three, or none */
	pthread_once_t lib_once;
	OSSL_LIB_CTX *lib; /* NULL: libcrypto or its provider is missing */
	pthread_once_t md_once;
	EVP_MD *md[NALGO];
} ossl = {
	.load_once = PTHREAD_ONCE_INIT,
	.lib_once = PTHREAD_ONCE_INIT,
	.md_once = PTHREAD_ONCE_INIT,
};

#ifdef PKG_STATIC
static int lib_load(void)
{
#define OSSL_LINK(f) ossl.fn.f = f;
	OSSL_FUNCTIONS(OSSL_LINK)
	return 0;
}
#else
#define STR_(x) #x
#define STR(x) STR_(x)
/* The soname of the headers we were built with: libcrypto.so.3. */
#define LIBCRYPTO "libcrypto.so." STR(OPENSSL_SHLIB_VERSION)

/* dlsym into a function pointer (ISO C has no cast between the two). */
static int lib_sym(void *lib, void *fn, const char *name)
{
	void *f = dlsym(lib, name);

	if (!f)
		return -1;
	memcpy(fn, &f, sizeof(f));
	return 0;
}

/* The direct digest functions, where the library has all three. */
static void direct_load(void *lib)
{
	static const char *const names[NALGO] = { "MD5", "SHA256", "SHA512" };
	char name[32];
	size_t i;

	for (i = 0; i < NALGO; i++) {
		snprintf(name, sizeof(name), "%s_Init", names[i]);
		if (lib_sym(lib, &ossl.direct[i].init, name))
			continue;
		snprintf(name, sizeof(name), "%s_Update", names[i]);
		if (lib_sym(lib, &ossl.direct[i].update, name))
			ossl.direct[i].init = NULL;
		snprintf(name, sizeof(name), "%s_Final", names[i]);
		if (lib_sym(lib, &ossl.direct[i].final, name))
			ossl.direct[i].init = NULL;
	}
}

static int lib_load(void)
{
	void *lib = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		return -1;
#define OSSL_SYM(f) || lib_sym(lib, &ossl.fn.f, #f)
	if (0 OSSL_FUNCTIONS(OSSL_SYM)) {
		dlclose(lib);
		memset(&ossl.fn, 0, sizeof(ossl.fn));
		return -1;
	}
	direct_load(lib);
	return 0;
}
#endif

static void load_init(void)
{
	ossl.loaded = lib_load() == 0;
}

/* libcrypto's functions, loaded on the first call: 1, or 0 when it is
 * missing (no function of the table may be called then). The base64
 * codec needs nothing more: no provider (its tables cost 2.3 MB). */
static int lib_loaded(void)
{
	pthread_once(&ossl.load_once, load_init);
	return ossl.loaded;
}

static void lib_init(void)
{
	OSSL_LIB_CTX *lib;

	if (!lib_loaded())
		return;
	lib = OSSL(OSSL_LIB_CTX_new)();
	if (lib && !OSSL(OSSL_PROVIDER_load)(lib, "default")) {
		OSSL(OSSL_LIB_CTX_free)(lib);
		lib = NULL;
	}
	ossl.lib = lib;
	OSSL(ERR_clear_error)();
}

/* Our library context, made on the first call (libcrypto loaded); NULL
 * if that failed, and then no function of the table may be called. */
static OSSL_LIB_CTX *lib_ctx(void)
{
	pthread_once(&ossl.lib_once, lib_init);
	return ossl.lib;
}

/* The three digests together: the first fetch builds the provider's
 * table of all its digests anyway, the next two only look them up. */
static void md_init(void)
{
	int i;

	for (i = 0; i < NALGO; i++)
		ossl.md[i] = OSSL(EVP_MD_fetch)(ossl.lib, md_names[i], NULL);
	OSSL(ERR_clear_error)();
}

/* The digest of algo, fetched on the first hash; NULL if unavailable. */
static const EVP_MD *md_get(enum crypto_hash_algo algo)
{
	if ((unsigned)algo >= NALGO || !lib_ctx())
		return NULL;
	pthread_once(&ossl.md_once, md_init);
	return ossl.md[algo];
}

void crypto_hash_fast(void)
{
	ossl.fast = 1;
}

/* Is libcrypto in the process already: ours, or one a library loaded
 * (libcurl's TLS)? Then its digests cost nothing more to reach. */
static int lib_mapped(void)
{
#ifdef PKG_STATIC
	return ossl.loaded;
#else
	void *h;

	if (ossl.loaded)
		return 1;
	h = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	if (h)
		dlclose(h);
	return h != NULL;
#endif
}

/* The way to algo's digest (see the top of this file). SHA-512 is
 * usign's, over secret keys too: never libsolv's, whose state we could
 * not wipe. PKG_OPENSSL_DIGEST=libsolv|own|evp asks for one (the tests
 * run each); own falls back to EVP where the library lacks it. */
static int hash_way(enum crypto_hash_algo algo)
{
	const char *ask = getenv("PKG_OPENSSL_DIGEST");
	int solv = algo != CRYPTO_SHA512;

	if (ask && !*ask)
		ask = NULL;
	if (ask && !strcmp(ask, "evp"))
		return WAY_EVP;
	if (ask && !strcmp(ask, "libsolv") && solv)
		return WAY_LIBSOLV;
	if (!ask && solv && !ossl.fast &&
	    atomic_load(&ossl.solv_bytes) < SOLV_DIGEST_BYTES && !lib_mapped())
		return WAY_LIBSOLV;
	return lib_loaded() && ossl.direct[algo].init ? WAY_OWN : WAY_EVP;
}

int crypto_hash_init(struct crypto_hash *h, enum crypto_hash_algo algo)
{
	const EVP_MD *md;
	EVP_MD_CTX *c;
	Chksum *k;

	h->algo = algo;
	h->way = WAY_EVP;
	h->u.ptr = NULL;
	if ((unsigned)algo >= NALGO)
		return -EINVAL;
	switch (hash_way(algo)) {
	case WAY_LIBSOLV:
		k = solv_chksum_create(algo == CRYPTO_MD5 ? REPOKEY_TYPE_MD5
							  : REPOKEY_TYPE_SHA256);
		if (!k)
			return -ENOMEM;
		h->u.ptr = k;
		h->way = WAY_LIBSOLV;
		return 0;
	case WAY_OWN:
		if (!ossl.direct[algo].init(h->u.state))
			return -EIO;
		h->way = WAY_OWN;
		return 0;
	default:
		break;
	}
	md = md_get(algo);
	if (!md)
		return -ENOSYS;
	c = OSSL(EVP_MD_CTX_new)();
	if (!c)
		return -ENOMEM;
	if (!OSSL(EVP_DigestInit_ex2)(c, md, NULL)) {
		OSSL(EVP_MD_CTX_free)(c);
		OSSL(ERR_clear_error)();
		return -ENOMEM;
	}
	h->u.ptr = c;
	return 0;
}

void crypto_hash_update(struct crypto_hash *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	/* SHA-2 and MD5 updates cannot fail once initialised */
	if (h->way == WAY_OWN) {
		ossl.direct[h->algo].update(h->u.state, data, len);
	} else if (h->way == WAY_LIBSOLV) {
		atomic_fetch_add(&ossl.solv_bytes, len);
		while (len) { /* libsolv takes an int */
			int k = len > INT_MAX ? INT_MAX : (int)len;
			solv_chksum_add(h->u.ptr, p, k);
			p += k;
			len -= (size_t)k;
		}
	} else if (h->u.ptr) {
		OSSL(EVP_DigestUpdate)(h->u.ptr, data, len);
	}
}

int crypto_hash_final(struct crypto_hash *h, unsigned char *digest)
{
	unsigned int n = 0;
	const unsigned char *d;
	int l = 0, ok, way = h->way;

	if (way == WAY_OWN) {
		ok = ossl.direct[h->algo].final(digest, h->u.state);
	} else if (way == WAY_LIBSOLV) {
		d = solv_chksum_get(h->u.ptr, &l);
		ok = d && (size_t)l == crypto_hash_size(h->algo);
		if (ok)
			memcpy(digest, d, (size_t)l);
	} else {
		ok = h->u.ptr &&
		     OSSL(EVP_DigestFinal_ex)(h->u.ptr, digest, &n) &&
		     n == crypto_hash_size(h->algo);
	}
	crypto_hash_release(h);
	if (ok)
		return 0;
	if (way != WAY_LIBSOLV) /* libcrypto is there: its queue */
		OSSL(ERR_clear_error)();
	return -EIO;
}

void crypto_hash_release(struct crypto_hash *h)
{
	if (h->way == WAY_OWN) /* the digest's state, in place */
		explicit_bzero(h->u.state, sizeof(h->u.state));
	else if (h->way == WAY_LIBSOLV)
		solv_chksum_free(h->u.ptr, NULL);
	else if (h->u.ptr) /* a context was made: the library is there */
		OSSL(EVP_MD_CTX_free)(h->u.ptr); /* cleanses the digest state */
	h->way = WAY_EVP;
	h->u.ptr = NULL;
}

/* A key of seed (priv) or pub in our context into *pk: 0, -ENOSYS (no
 * libcrypto) or -ENOMEM. */
static int ed25519_key(const unsigned char *key, int priv, EVP_PKEY **pk)
{
	OSSL_LIB_CTX *lib = lib_ctx();

	if (!lib)
		return -ENOSYS;
	if (priv)
		*pk = OSSL(EVP_PKEY_new_raw_private_key_ex)(
			lib, "ED25519", NULL, key, CRYPTO_ED25519_KEY_SIZE);
	else
		*pk = OSSL(EVP_PKEY_new_raw_public_key_ex)(
			lib, "ED25519", NULL, key, CRYPTO_ED25519_KEY_SIZE);
	if (!*pk) {
		OSSL(ERR_clear_error)();
		return -ENOMEM;
	}
	return 0;
}

int crypto_ed25519_verify(const unsigned char pub[CRYPTO_ED25519_KEY_SIZE],
			  const void *data, size_t len,
			  const unsigned char sig[CRYPTO_ED25519_SIG_SIZE])
{
	EVP_PKEY *pk;
	EVP_MD_CTX *c;
	int r = ed25519_key(pub, 0, &pk);

	if (r)
		return r;
	c = OSSL(EVP_MD_CTX_new)();
	r = -ENOMEM;
	/* Ed25519 hashes the message itself: no digest (NULL md) */
	if (c && OSSL(EVP_DigestVerifyInit_ex)(c, NULL, NULL, ossl.lib, NULL, pk,
					 NULL) == 1)
		r = OSSL(EVP_DigestVerify)(c, sig, CRYPTO_ED25519_SIG_SIZE,
				     data ? data : (const void *)"", len) == 1
			    ? 0
			    : -EBADMSG;
	OSSL(EVP_MD_CTX_free)(c);
	OSSL(EVP_PKEY_free)(pk);
	OSSL(ERR_clear_error)();
	return r;
}

int crypto_ed25519_sign(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			const void *data, size_t len,
			unsigned char sig[CRYPTO_ED25519_SIG_SIZE])
{
	EVP_PKEY *pk;
	EVP_MD_CTX *c;
	size_t n = CRYPTO_ED25519_SIG_SIZE;
	int r = ed25519_key(seed, 1, &pk);

	if (r)
		return r;
	c = OSSL(EVP_MD_CTX_new)();
	r = -ENOMEM;
	if (c && OSSL(EVP_DigestSignInit_ex)(c, NULL, NULL, ossl.lib, NULL, pk,
				       NULL) == 1)
		r = OSSL(EVP_DigestSign)(c, sig, &n, data ? data : (const void *)"",
				   len) == 1 && n == CRYPTO_ED25519_SIG_SIZE
			    ? 0
			    : -EIO;
	OSSL(EVP_MD_CTX_free)(c);
	OSSL(EVP_PKEY_free)(pk); /* cleanses the key */
	OSSL(ERR_clear_error)();
	return r;
}

int crypto_ed25519_public(const unsigned char seed[CRYPTO_ED25519_KEY_SIZE],
			  unsigned char pub[CRYPTO_ED25519_KEY_SIZE])
{
	EVP_PKEY *pk;
	size_t n = CRYPTO_ED25519_KEY_SIZE;
	int r = ed25519_key(seed, 1, &pk);

	if (r)
		return r;
	r = OSSL(EVP_PKEY_get_raw_public_key)(pk, pub, &n) == 1 &&
			    n == CRYPTO_ED25519_KEY_SIZE
		    ? 0
		    : -EIO;
	OSSL(EVP_PKEY_free)(pk);
	OSSL(ERR_clear_error)();
	return r;
}

#ifndef CRYPTO_BASE64_NETTLE
void crypto_base64_encode(const void *in, size_t n, char *out)
{
	/* Without libcrypto, the empty string: no caller gets this far, it
	 * signed or decoded through the library first. */
	*out = '\0';
	/* writes the NUL too; n is a key or signature, far below INT_MAX */
	if (lib_loaded())
		OSSL(EVP_EncodeBlock)((unsigned char *)out, in, (int)n);
}

int crypto_base64_decode_checked(const char *in, size_t n, size_t pad,
				 unsigned char *out)
{
	int r;

	if (!lib_loaded())
		return -ENOSYS;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	r = OSSL(EVP_DecodeBlock)(out, (const unsigned char *)in, (int)n);
	return r < 0 || (size_t)r != n / 4 * 3 ? -EINVAL : r - (int)pad;
}
#endif

const char *crypto_backend_name(void)
{
	return "openssl";
}
