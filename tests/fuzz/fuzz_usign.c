/*
 * libFuzzer harness: usign key and signature parsers (fetch/usign.c):
 * usign_parse_pubkey, usign_parse_seckey, usign_parse_sig; when a public
 * key and a signature both parse from the input, usign_verify over the
 * input (must not crash; a forged signature must not verify unless the
 * input really carries a valid one, which a fuzzer cannot make).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"

/* The 23.05.2 fixture build key (d95e275d41a63bff): a real point of
 * large order, so no forged signature can verify with it. */
static const unsigned char real_key[32] = {
	0xb2, 0xa2, 0xb0, 0xb6, 0xf9, 0x99, 0xf3, 0x7b,
	0xaa, 0xc5, 0xbd, 0x9b, 0x4b, 0x59, 0x09, 0x1a,
	0xd4, 0xf3, 0x01, 0xf8, 0x34, 0xdb, 0xcc, 0xda,
	0x5b, 0xff, 0xf1, 0x73, 0xff, 0x48, 0x62, 0x46,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct usign_pubkey k;
	struct usign_seckey sk;
	struct usign_sig s;
	int rk, rs;
	char hex[17];

	rk = usign_parse_pubkey(text, size, &k);
	rs = usign_parse_sig(text, size, &s);
	(void)usign_parse_seckey(text, size, &sk);
	if (!rk)
		usign_keyid_hex(k.keyid, hex);
	if (!rk && !rs)
		(void)usign_verify(data, size, &s, &k);
	if (!rs) {
		/* The signature's key id with a real key that did not
		 * make it: must never verify. */
		memcpy(k.keyid, s.keyid, sizeof(k.keyid));
		memcpy(k.key, real_key, sizeof(k.key));
		if (usign_verify(data, size, &s, &k) == 0)
			abort();
	}
	return 0;
}
