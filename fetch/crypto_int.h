/*
 * What each crypto backend (crypto_openssl.c, crypto_nettle.c) provides
 * to crypto.c besides the functions of crypto.h. Not part of the API.
 */
#ifndef PKG_CRYPTO_INT_H
#define PKG_CRYPTO_INT_H

#include <stddef.h>

/* Whose base64 codec: Nettle's with the Nettle backend, and with the
 * OpenSSL one too where Nettle is in the program anyway (PKG_NETTLE_LINKED,
 * the Makefile: libarchive's static archive needs it). Reading a
 * signature or a key then loads no library: update with its lists
 * unchanged reads only the key id of each signature, and loading
 * libcrypto for it was 3.5 ms of its 9 here. Linked in from libcrypto.a
 * instead, OpenSSL's would bring its CPU probe, run at every start. */
#if defined(PKG_CRYPTO_NETTLE) || \
	(defined(PKG_NETTLE_LINKED) && !defined(PKG_STATIC))
#define CRYPTO_BASE64_NETTLE 1
#endif

/* Decode n characters of base64 that crypto.c has checked (a multiple of
 * 4, the alphabet, pad pads at the end) into out, which has room for
 * n / 4 * 3 bytes: the number of bytes without the padding, or -EINVAL. */
int crypto_base64_decode_checked(const char *in, size_t n, size_t pad,
				 unsigned char *out);

#endif
