/*
 * make bench: what each crypto backend costs in a static, size-optimised
 * binary (the router build's way of linking). Built by crypto-static.sh
 * with fetch/crypto.c and one backend, -Os -static --gc-sections, it does
 * what pkg asks of the crypto leaf on `update` and `install`: checks a
 * usign signature of a real feed list (Ed25519 over the whole list) and
 * hashes it (SHA-256, MD5), then signs with a fresh key (pkg-repo). It
 * prints "ok", the backend, its peak RSS before the first crypto call
 * (the list read in), its peak RSS at the end and its anonymous
 * (private) RSS at the end, in KiB; the script measures the binary.
 *
 * usage: crypto_static DATA SIG PUBKEY
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* The whole of path, malloc'd and NUL-terminated; exits on failure (a
 * bench tool). */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		perror(path);
		exit(1);
	}
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = '\0'; /* n < cap: the last fread had room and read 0 */
	*len = n;
	return buf;
}

/* The blob of a usign file (second line, base64) into out: its length. */
static int usign_blob(const char *path, unsigned char *out, size_t cap)
{
	size_t len, n;
	unsigned char *text = slurp(path, &len);
	char *line = memchr(text, '\n', len);
	int got = -1;

	if (line) {
		line++;
		n = strcspn(line, "\n");
		if (line + n <= (char *)text + len)
			got = crypto_base64_decode(line, n, out, cap);
	}
	free(text);
	return got;
}

/* A field of /proc/self/status in KiB ("VmHWM:": the peak RSS). */
static long status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char l[256];
	long v = -1;

	while (f && fgets(l, sizeof(l), f))
		if (!strncmp(l, field, strlen(field)))
			v = atol(l + strlen(field));
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	unsigned char sig[74], key[42], md[CRYPTO_SHA256_SIZE];
	unsigned char seed[32], pub[32], mysig[64];
	size_t len;
	unsigned char *data;
	long before;
	int ok;

	if (argc != 4)
		return 2;
	data = slurp(argv[1], &len);
	before = status_kib("VmHWM:");
	ok = usign_blob(argv[2], sig, sizeof(sig)) == 74 &&
	     usign_blob(argv[3], key, sizeof(key)) == 42 &&
	     crypto_ed25519_verify(key + 10, data, len, sig + 10) == 0 &&
	     crypto_hash_buf(CRYPTO_SHA256, data, len, md) == 0 &&
	     crypto_hash_buf(CRYPTO_MD5, data, len, md) == 0 &&
	     crypto_ed25519_keypair(seed, pub) == 0 &&
	     crypto_ed25519_sign(seed, data, len, mysig) == 0 &&
	     crypto_ed25519_verify(pub, data, len, mysig) == 0;
	free(data);
	printf("%s %s %ld %ld %ld\n", ok ? "ok" : "FAILED",
	       crypto_backend_name(), before, status_kib("VmHWM:"),
	       status_kib("RssAnon:"));
	return !ok;
}
