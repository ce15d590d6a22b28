/*
 * What each crypto backend (crypto_openssl.c, crypto_nettle.c) provides
 * to crypto.c besides the functions of crypto.h. Not part of the API.
 */
#ifndef PKG_CRYPTO_INT_H
#define PKG_CRYPTO_INT_H

#include <stddef.h>

/* Decode n characters of base64 that crypto.c has checked (a multiple of
 * 4, the alphabet, pad pads at the end) into out, which has room for
 * n / 4 * 3 bytes: the number of bytes without the padding, or -EINVAL. */
int crypto_base64_decode_checked(const char *in, size_t n, size_t pad,
				 unsigned char *out);

#endif
