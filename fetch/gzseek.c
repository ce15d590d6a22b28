/*
 * Random access into a gzip file: the points where inflate can start in
 * the middle of a deflate stream, and a stream of the text from one of
 * them (the method of zlib's examples/zran.c). A deflate block may refer
 * back up to 32 KiB, so a point is a block's end with the 32 KiB of text
 * before it, and the bits of its last byte that belong to the next
 * block. `info nano` reads its stanza half-way through the 2.2 MB
 * packages list of 19.07.1: from the start, 20M of its 28M
 * instructions were inflate and its CRC-32.
 *
 * The points are taken in one whole inflate of the file with its CRC-32
 * and length checked. A stream from a point reads raw deflate data, so
 * not up to the gzip trailer's checks; instead the 32 KiB of text it
 * gives first (all that can refer back into the point's window) must
 * have the CRC-32 the whole inflate saw there, which a window, an
 * offset or a bit count that is not the file's fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fetch.h"
#include "base.h"

#define IN_CHUNK 16384

int fetch_gz_points(int fd, uint64_t span,
		    int (*fn)(const struct fetch_gz_point *pt, void *ud),
		    void *ud)
{
	unsigned char *in = malloc(IN_CHUNK), *win = malloc(FETCH_GZ_WINDOW),
		      *ordered = malloc(FETCH_GZ_WINDOW), *before, extra;
	uint64_t totin = 0, totout = 0, last = 0;
	struct fetch_gz_point pt;
	size_t need = 0, k; /* pt is pending while its check needs text */
	int pending = 0, r = 0, z = Z_OK;
	z_stream s;
	off_t pos = 0;
	ssize_t n;

	memset(&s, 0, sizeof(s));
	if (!in || !win || !ordered || span < FETCH_GZ_WINDOW ||
	    inflateInit2(&s, 15 + 16) != Z_OK) { /* gzip alone */
		free(in);
		free(win);
		free(ordered);
		return span < FETCH_GZ_WINDOW ? -EINVAL : -ENOMEM;
	}
	while (r == 0) {
		if (s.avail_in == 0) {
			n = pread(fd, in, IN_CHUNK, pos);
			if (n <= 0) {
				r = n < 0 ? -errno : -PKGE_FORMAT; /* cut */
				break;
			}
			pos += n;
			s.next_in = in;
			s.avail_in = (uInt)n;
		}
		if (s.avail_out == 0) { /* the window is the output, round */
			s.next_out = win;
			s.avail_out = FETCH_GZ_WINDOW;
		}
		before = s.next_out;
		totin += s.avail_in;
		totout += s.avail_out;
		z = inflate(&s, Z_BLOCK);
		totin -= s.avail_in;
		totout -= s.avail_out;
		if (z != Z_OK && z != Z_BUF_ERROR && z != Z_STREAM_END) {
			r = z == Z_MEM_ERROR ? -ENOMEM : -PKGE_FORMAT;
			break;
		}
		if (pending) { /* the text after the point, for its check */
			k = (size_t)(s.next_out - before);
			k = k < need ? k : need;
			pt.check = (uint32_t)crc32(pt.check, before, (uInt)k);
			need -= k;
			if (need == 0 || z == Z_STREAM_END) {
				pending = 0;
				r = fn(&pt, ud);
			}
		}
		if (z == Z_STREAM_END || r != 0)
			break;
		/* a block's end, not the last block's, far enough on */
		if (pending || !(s.data_type & 128) || (s.data_type & 64) ||
		    totout - last < span)
			continue;
		/* the window's bytes in the text's order: the oldest are
		 * those inflate writes next */
		memcpy(ordered, win + FETCH_GZ_WINDOW - s.avail_out,
		       s.avail_out);
		memcpy(ordered + s.avail_out, win,
		       FETCH_GZ_WINDOW - s.avail_out);
		pt.out = totout;
		pt.in = totin;
		pt.bits = (unsigned)s.data_type & 7;
		pt.check = (uint32_t)crc32(0, NULL, 0);
		pt.window = ordered;
		pending = 1;
		need = FETCH_GZ_CHECK;
		last = totout;
	}
	/* one member, nothing after it: another member's text would be
	 * past what a raw stream from a point reads */
	if (r == 0 && (s.avail_in > 0 || pread(fd, &extra, 1, pos) != 0))
		r = -PKGE_FORMAT;
	inflateEnd(&s);
	free(in);
	free(win);
	free(ordered);
	return r;
}

/* A raw deflate stream from a point, as a stdio stream. */
struct gzat {
	z_stream s;
	int fd;
	int end;
	int failed;
	char *name;
	size_t max, got;
	size_t head_len, head_at; /* the text checked at the open, served
				   * first */
	unsigned char head[FETCH_GZ_CHECK];
	unsigned char in[8192];
};

/* Inflate up to n bytes into buf: the count, 0 at the end, -1 failed
 * (reported when report is set: errno EIO). */
static ssize_t gzat_inflate(struct gzat *g, unsigned char *buf, size_t n,
			    int report)
{
	ssize_t k;
	int z;

	while (!g->end && n > 0) {
		if (g->s.avail_in == 0) {
			k = read(g->fd, g->in, sizeof(g->in));
			if (k <= 0) { /* cut short, or unreadable */
				if (report)
					pkg_error(k < 0 ? -errno : -PKGE_FORMAT,
						  "cannot decompress '%s': %s",
						  g->name,
						  k < 0 ? strerror(errno)
							: "unexpected end of "
							  "file");
				break;
			}
			g->s.next_in = g->in;
			g->s.avail_in = (uInt)k;
		}
		g->s.next_out = buf;
		g->s.avail_out = n > 1u << 30 ? 1u << 30 : (uInt)n;
		k = g->s.avail_out;
		z = inflate(&g->s, Z_NO_FLUSH);
		k -= g->s.avail_out;
		if (z == Z_STREAM_END)
			g->end = 1;
		else if (z != Z_OK && z != Z_BUF_ERROR) {
			if (report)
				pkg_error(-PKGE_FORMAT,
					  "cannot decompress '%s': %s",
					  g->name,
					  g->s.msg ? g->s.msg : "corrupt");
			break;
		}
		if (k > 0 || g->end) {
			if ((g->got += (size_t)k) > g->max) {
				pkg_error(-PKGE_FORMAT, "decompressed '%s' "
					  "exceeds %zu bytes", g->name,
					  g->max);
				break;
			}
			return k;
		}
	}
	if (g->end || n == 0)
		return 0;
	g->failed = 1;
	errno = EIO;
	return -1;
}

static ssize_t gzat_read(void *cookie, char *buf, size_t n)
{
	struct gzat *g = cookie;
	size_t k;

	if (g->failed) {
		errno = EIO;
		return -1;
	}
	if (g->head_at < g->head_len) {
		k = g->head_len - g->head_at;
		k = k < n ? k : n;
		memcpy(buf, g->head + g->head_at, k);
		g->head_at += k;
		return (ssize_t)k;
	}
	return gzat_inflate(g, (unsigned char *)buf, n, 1);
}

/* Inflate the point's first text and compare its check: 0 or -1. */
static int gzat_head(struct gzat *g, uint32_t check)
{
	ssize_t k;

	while (g->head_len < sizeof(g->head) && !g->end) {
		k = gzat_inflate(g, g->head + g->head_len,
				 sizeof(g->head) - g->head_len, 0);
		if (k < 0)
			return -1;
		g->head_len += (size_t)k;
	}
	return (uint32_t)crc32(0, g->head, (uInt)g->head_len) == check ? 0
									: -1;
}

static int gzat_close(void *cookie)
{
	struct gzat *g = cookie;

	inflateEnd(&g->s);
	close(g->fd);
	free(g->name);
	free(g);
	return 0;
}

FILE *fetch_gz_open_at(int fd, const char *name, size_t max,
		       const struct fetch_gz_point *pt)
{
	static const cookie_io_functions_t io = { .read = gzat_read,
						  .close = gzat_close };
	struct gzat *g = calloc(1, sizeof(*g));
	unsigned char byte;
	off_t at = (off_t)pt->in - (pt->bits ? 1 : 0);
	FILE *fp;

	if (!g || !(g->name = strdup(name))) {
		free(g);
		close(fd);
		return NULL;
	}
	g->fd = fd;
	g->max = max ? max : DECOMP_DEFAULT_MAX;
	if (inflateInit2(&g->s, -15) != Z_OK) { /* raw deflate */
		free(g->name);
		free(g);
		close(fd);
		return NULL;
	}
	if ((uint64_t)at != pt->in - (pt->bits ? 1 : 0) ||
	    lseek(fd, at, SEEK_SET) != at ||
	    (pt->bits && (read(fd, &byte, 1) != 1 ||
			  inflatePrime(&g->s, (int)pt->bits,
				       byte >> (8 - pt->bits)) != Z_OK)) ||
	    inflateSetDictionary(&g->s, pt->window, FETCH_GZ_WINDOW) !=
		    Z_OK ||
	    gzat_head(g, pt->check) < 0 ||
	    !(fp = fopencookie(g, "r", io))) {
		gzat_close(g);
		return NULL;
	}
	return fp;
}
