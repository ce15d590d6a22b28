/*
 * Decompression of feed indexes (Packages.gz, Packages.zst, .xz) through
 * libarchive's raw format: the compression is detected by its magic, and
 * anything else is passed through unchanged. Output is capped against
 * decompression bombs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>

#include "fetch.h"
#include "rootfs.h"

#define DECOMP_DEFAULT_MAX ((size_t)256 << 20)

/* Name of the compression of in, or NULL for plain data. */
static const char *compression(const unsigned char *in, size_t n)
{
	if (n >= 2 && in[0] == 0x1f && in[1] == 0x8b)
		return "gzip";
	if (n >= 4 && !memcmp(in, "\x28\xb5\x2f\xfd", 4))
		return "zstd";
	if (n >= 6 && !memcmp(in, "\xfd" "7zXZ\0", 6))
		return "xz";
	return NULL;
}

static const char *aerr(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e ? e : "unknown error";
}

/* Grow *buf (capacity *cap) to hold at least need + 1 bytes. */
static int grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 65536;
	char *nb;

	while (ncap < need + 1)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	nb = realloc(*buf, ncap);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Read all of a's single raw entry into out, at most max bytes. */
static int read_all(struct archive *a, const char *kind, size_t max,
		    char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	la_ssize_t n;
	int err = 0;

	for (;;) {
		if (grow(&buf, &cap, len + 65536)) {
			err = pkg_error(-ENOMEM, "cannot decompress %s data",
					kind);
			break;
		}
		n = archive_read_data(a, buf + len, cap - len - 1);
		if (n < 0) {
			err = pkg_error(-PKGE_FORMAT, "cannot decompress %s "
					"data: %s", kind,
					aerr(a));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			err = pkg_error(-PKGE_FORMAT, "decompressed %s data "
					"exceeds %zu bytes", kind, max);
			break;
		}
	}
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static int passthrough(const void *in, size_t inlen, size_t max, char **out,
		       size_t *outlen)
{
	char *buf;

	if (inlen > max)
		return pkg_error(-PKGE_FORMAT, "data exceeds %zu bytes", max);
	buf = malloc(inlen + 1);
	if (!buf)
		return pkg_error(-ENOMEM, "cannot copy %zu bytes", inlen);
	if (inlen)
		memcpy(buf, in, inlen);
	buf[inlen] = '\0';
	*out = buf;
	*outlen = inlen;
	return 0;
}

int fetch_decompress(const void *in, size_t inlen, size_t max, char **out,
		     size_t *outlen)
{
	const char *kind = compression(in, inlen);
	struct archive_entry *ent;
	struct archive *a;
	int err;

	if (!max)
		max = DECOMP_DEFAULT_MAX;
	if (!kind)
		return passthrough(in, inlen, max, out, outlen);
	a = archive_read_new();
	if (!a)
		return pkg_error(-ENOMEM, "cannot decompress %s data", kind);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, in, inlen) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK)
		err = pkg_error(-PKGE_FORMAT, "cannot decompress %s data: %s",
				kind, aerr(a));
	else
		err = read_all(a, kind, max, out, outlen);
	archive_read_free(a);
	return err;
}
