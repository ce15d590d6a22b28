/*
 * The seek index of a feed's list (FEED_CACHE_DIR/NAME.<tag>.zidx,
 * beside its other caches): points every FEED_ZIDX_SPAN bytes of the
 * list's text where inflate can start (fetch_gz_points), so that a
 * stanza far into a list is read from the point before it, not from the
 * list's start. Lists are kept gzip'd, as opkg keeps them; info finds a
 * stanza by its offset (the rows cache) and read up to it: `info nano`
 * inflated 1.3 MB of the 2.2 MB packages list of 19.07.1 to print 11
 * lines. Written by the first reader that jumps far into a list that
 * has none (one whole inflate of it, checked); 32 KiB a point, the
 * 19.07.1 lists 5 points (160 KiB).
 *
 * A cache in a directory of the root, checked when mapped as the rows
 * cache is (the trailer's count must give the file's size, the points
 * must go forward), and each point when used: the first 32 KiB of text
 * it gives (all that can refer back into its window) must have the
 * CRC-32 the inflate that took it saw, else the list is read from its
 * start. Layout, in the host's byte order:
 *
 *   "pkgzidx1"                                  8 bytes
 *   n points, each:                             24 + 32768 bytes
 *     out, in: u64; bits, check: u32; the window
 *   n: u64, "pkgzidx1"                          16 bytes
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "state/state.h"

#define ZIDX_MAGIC "pkgzidx1"
#define ZIDX_MAGIC_LEN 8
#define ZIDX_REC (24 + FETCH_GZ_WINDOW)
#define ZIDX_TRAILER (8 + ZIDX_MAGIC_LEN)

static uint64_t u64_at(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void point_at(const struct feed_zidx *x, size_t i,
		     struct fetch_gz_point *pt)
{
	const unsigned char *r = x->recs + (size_t)ZIDX_REC * i;
	uint32_t bits;

	pt->out = u64_at(r);
	pt->in = u64_at(r + 8);
	memcpy(&bits, r + 16, sizeof(bits));
	pt->bits = bits;
	memcpy(&pt->check, r + 20, sizeof(pt->check));
	pt->window = r + 24;
}

/* Does the map hold a whole index? Sets x's fields. */
static int zidx_check(struct feed_zidx *x)
{
	const unsigned char *m = x->map;
	struct fetch_gz_point pt, prev = { 0 };
	uint64_t n;
	size_t i;

	if (x->size < ZIDX_MAGIC_LEN + ZIDX_TRAILER ||
	    memcmp(m, ZIDX_MAGIC, ZIDX_MAGIC_LEN) ||
	    memcmp(m + x->size - ZIDX_MAGIC_LEN, ZIDX_MAGIC, ZIDX_MAGIC_LEN))
		return 0;
	n = u64_at(m + x->size - ZIDX_TRAILER);
	if (n > x->size / ZIDX_REC ||
	    ZIDX_MAGIC_LEN + ZIDX_REC * n + ZIDX_TRAILER != x->size)
		return 0;
	x->n = (size_t)n;
	x->recs = m + ZIDX_MAGIC_LEN;
	for (i = 0; i < x->n; i++) {
		point_at(x, i, &pt);
		if (pt.bits > 7 || pt.out <= prev.out || pt.in <= prev.in)
			return 0;
		prev = pt;
	}
	return 1;
}

int feed_zidx_map(struct pkg_ctx *ctx, const char *name, struct feed_zidx *x)
{
	char *file = feed_cache_file(ctx, name, FEED_CACHE_ZIDX);

	memset(x, 0, sizeof(*x));
	if (file)
		x->map = feed_cache_map(ctx, file, 0, &x->size);
	free(file);
	if (!x->map)
		return 0;
	if (!zidx_check(x)) {
		feed_zidx_unmap(x);
		return 0;
	}
	return 1;
}

int feed_zidx_point(const struct feed_zidx *x, uint64_t from, uint64_t off,
		    struct fetch_gz_point *pt)
{
	size_t lo = 0, hi = x->n, mid;

	while (lo < hi) { /* the first point past off */
		mid = lo + (hi - lo) / 2;
		point_at(x, mid, pt);
		if (pt->out <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	point_at(x, lo - 1, pt);
	return pt->out > from;
}

void feed_zidx_unmap(struct feed_zidx *x)
{
	if (x->map)
		munmap(x->map, x->size);
	memset(x, 0, sizeof(*x));
}

/* ---- writing ---- */

struct zidx_out {
	FILE *fp;
	uint64_t n;
};

static int point_out(const struct fetch_gz_point *pt, void *ud)
{
	struct zidx_out *o = ud;
	uint32_t w[2] = { pt->bits, pt->check };

	if (fwrite(&pt->out, sizeof(pt->out), 1, o->fp) != 1 ||
	    fwrite(&pt->in, sizeof(pt->in), 1, o->fp) != 1 ||
	    fwrite(w, sizeof(w), 1, o->fp) != 1 ||
	    fwrite(pt->window, 1, FETCH_GZ_WINDOW, o->fp) != FETCH_GZ_WINDOW)
		return -EIO;
	o->n++;
	return 0;
}

int feed_zidx_write(struct pkg_ctx *ctx, const char *name)
{
	struct feed_cache_out c;
	struct zidx_out o = { NULL, 0 };
	unsigned char magic[2];
	int list = feed_list_fd(ctx, name), r;

	if (list < 0)
		return list;
	if ((r = feed_cache_out_open(ctx, name, NULL, FEED_CACHE_ZIDX,
				     ZIDX_MAGIC, &c)) < 0) {
		close(list);
		return r;
	}
	o.fp = c.fp;
	/* a list that is not gzip has no points: the index says so, once */
	if (pread(list, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b)
		r = fetch_gz_points(list, FEED_ZIDX_SPAN, point_out, &o);
	if (r == 0 &&
	    (fwrite(&o.n, sizeof(o.n), 1, o.fp) != 1 ||
	     fwrite(ZIDX_MAGIC, 1, ZIDX_MAGIC_LEN, o.fp) != ZIDX_MAGIC_LEN))
		r = -EIO;
	close(list);
	return feed_cache_out_close(ctx, &c, r);
}
