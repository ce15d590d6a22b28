/*
 * pkg-repo helpers: byte buffer, whole-buffer gzip/zstd, clock, control
 * field checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>
#include <zstd.h>

#include "base.h"
#include "repo.h"

static int buf_reserve(struct repo_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;
	char *p;

	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int repo_buf_add(struct repo_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return -ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int repo_buf_printf(struct repo_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void repo_buf_release(struct repo_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* zlib's gzip wrapper (windowBits 15 + 16) writes mtime 0 and no name,
 * so the output depends on the input bytes only. */
int repo_gzip(const void *in, size_t len, struct repo_buf *out)
{
	z_stream zs;
	size_t bound;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY))
		return -ENOMEM;
	bound = deflateBound(&zs, len) + 32;
	if (buf_reserve(out, bound)) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (unsigned char *)in;
	zs.avail_in = len;
	zs.next_out = (unsigned char *)out->data + out->len;
	zs.avail_out = bound;
	rc = deflate(&zs, Z_FINISH);
	if (rc == Z_STREAM_END)
		out->len += zs.total_out;
	out->data[out->len] = '\0';
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -EIO;
}

int repo_zstd(const void *in, size_t len, struct repo_buf *out)
{
	size_t bound = ZSTD_compressBound(len);
	int level = len < (8u << 20) ? 19 : 9;
	size_t n;

	if (buf_reserve(out, bound))
		return -ENOMEM;
	n = ZSTD_compress(out->data + out->len, bound, in, len, level);
	if (ZSTD_isError(n))
		return -EIO;
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

double repo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *check_fields(const struct ctl_stanza *st, int strict)
{
	const char *name = ctl_get(st, "Package");
	const char *ver = ctl_get(st, "Version");
	const char *p;

	if (!name || !*name)
		return "missing Package";
	if (!ver || !*ver)
		return "missing Version";
	if (!ctl_get(st, "Architecture") || !*ctl_get(st, "Architecture"))
		return "missing Architecture";
	if (!strict)
		return NULL;
	for (p = name; *p; p++)
		if (!strchr("+._-", *p) && !(*p >= 'a' && *p <= 'z') &&
		    !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
			return "bad Package name (allowed: A-Za-z0-9+._-)";
	p = ver;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == ':' && p > ver)
		ver = p + 1;
	if (!(*ver >= '0' && *ver <= '9'))
		return "Version must start with a digit";
	return NULL;
}

int repo_check_control(const struct ctl_stanza *st, const char *path,
		       int flags, const char **why)
{
	const char *w = check_fields(st, flags & REPO_CHK_STRICT);

	if (why)
		*why = w;
	if (!w)
		return 0;
	if (flags & REPO_CHK_REPORT)
		return pkg_error_plain(-PKGE_FORMAT,
				       "bad control file '%s': %s", path, w);
	return -PKGE_FORMAT;
}
