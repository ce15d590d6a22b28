/*
 * The descriptions cache of a feed's list (FEED_CACHE_DIR/NAME.<tag>.desc,
 * beside its .solv): each stanza's Description lines (desc_lines, less
 * "Description:": what desc_render shows) by the stanza's offset in the
 * list. list and find show every package's
 * description, which the pool does not hold (solver/stanza.c says why):
 * without this cache they decompress and read every list, two thirds of
 * their time (19.07.1: 67M of 151M instructions in zlib alone). The first
 * list or find that reads a whole list writes its cache on the way
 * (feed_fields.c); the next ones map it.
 *
 * A cache in a directory of the root: checked whole when mapped, and
 * ignored (the lists read instead) when anything does not add up.
 * Layout, in the host's byte order (the file never leaves the machine):
 *
 *   "pkgdesc1"                               8 bytes
 *   the entries' bytes, one after the other  len bytes
 *   n pairs: stanza offset, entry start      8 bytes each (u32, u32)
 *   n, len, "pkgdesc1"                       24 bytes (u64, u64)
 *
 * Stanza offsets strictly increase (the list's order), entry starts
 * count from byte 8 and never decrease; an entry ends where the next
 * starts (the last at len).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

#define DESC_MAGIC "pkgdesc1"
#define DESC_MAGIC_LEN 8
#define DESC_TRAILER (16 + DESC_MAGIC_LEN)
#define DESC_PAIR 8 /* the index: a list and its cache under 4 GiB */

/* Unaligned loads: the index and trailer follow the bytes. */
static uint64_t u64_at(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- reading ---- */

/* Does the mapped file hold a whole cache? Sets d's fields. */
static int desc_check(struct feed_desc *d)
{
	const unsigned char *m = d->map;
	uint64_t n, len, prev_off = 0, prev_start = 0, k;
	size_t size = d->size;

	if (size < DESC_MAGIC_LEN + DESC_TRAILER ||
	    memcmp(m, DESC_MAGIC, DESC_MAGIC_LEN) ||
	    memcmp(m + size - DESC_MAGIC_LEN, DESC_MAGIC, DESC_MAGIC_LEN))
		return 0;
	n = u64_at(m + size - DESC_TRAILER);
	len = u64_at(m + size - DESC_TRAILER + 8);
	/* size = 8 + len + 8 n + 24, without overflow */
	if (len > size || n > size / DESC_PAIR ||
	    DESC_MAGIC_LEN + len + DESC_PAIR * n + DESC_TRAILER != size)
		return 0;
	d->n = (size_t)n;
	d->len = (size_t)len;
	d->text = (const char *)m + DESC_MAGIC_LEN;
	d->index = m + DESC_MAGIC_LEN + len;
	for (k = 0; k < n; k++) {
		uint64_t off = u32_at(d->index + DESC_PAIR * k),
			 start = u32_at(d->index + DESC_PAIR * k + 4);
		if ((k && off <= prev_off) || start < prev_start ||
		    start > len)
			return 0;
		prev_off = off;
		prev_start = start;
	}
	return 1;
}

int feed_desc_map_file(struct pkg_ctx *ctx, const char *file,
		       struct feed_desc *d)
{
	memset(d, 0, sizeof(*d));
	if (!(d->map = feed_cache_map(ctx, file, 1, &d->size)))
		return 0;
	if (!desc_check(d)) {
		feed_desc_unmap(d);
		return 0;
	}
	return 1;
}

int feed_desc_map(struct pkg_ctx *ctx, const char *name, struct feed_desc *d)
{
	char *file = feed_cache_file(ctx, name, FEED_CACHE_DESC);
	int r = 0;

	memset(d, 0, sizeof(*d));
	if (file)
		r = feed_desc_map_file(ctx, file, d);
	free(file);
	return r;
}

/* Entry k's stanza offset. */
static uint64_t desc_off(const struct feed_desc *d, size_t k)
{
	return u32_at(d->index + DESC_PAIR * k);
}

/* Entry k's text. */
static const char *desc_entry(const struct feed_desc *d, size_t k,
			      size_t *len)
{
	uint64_t start = u32_at(d->index + DESC_PAIR * k + 4),
		 end = k + 1 < d->n ? u32_at(d->index + DESC_PAIR * (k + 1) + 4)
				    : d->len;

	*len = (size_t)(end - start);
	return d->text + start;
}

const char *feed_desc_next(const struct feed_desc *d, uint64_t off,
			   size_t *len, size_t *next)
{
	size_t lo = 0, hi = d->n, mid;
	uint64_t at;

	if (*next < d->n && desc_off(d, *next) == off)
		return desc_entry(d, (*next)++, len);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		at = desc_off(d, mid);
		if (at == off) {
			*next = mid + 1;
			return desc_entry(d, mid, len);
		}
		if (at < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *feed_desc_get(const struct feed_desc *d, uint64_t off,
			  size_t *len)
{
	size_t next = d->n;

	return feed_desc_next(d, off, len, &next);
}

void feed_desc_unmap(struct feed_desc *d)
{
	if (d->map)
		munmap(d->map, d->size);
	memset(d, 0, sizeof(*d));
}

/* ---- writing ---- */

struct feed_desc_writer {
	struct feed_cache_out c;
	int err;		/* the index's (order, size) */
	uint32_t *index;	/* pairs, as written at the end */
	size_t n, cap;
	uint64_t len;
};

int feed_desc_begin(struct pkg_ctx *ctx, const char *name,
		    const struct stat *list, struct feed_desc_writer **out)
{
	struct feed_desc_writer *w = calloc(1, sizeof(*w));
	int r;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	if ((r = feed_cache_out_open(ctx, name, list, FEED_CACHE_DESC,
				     DESC_MAGIC, &w->c)) < 0) {
		free(w);
		return r;
	}
	*out = w;
	return 0;
}

void feed_desc_add(struct feed_desc_writer *w, uint64_t off,
		   const char *stanza, size_t len)
{
	size_t n = 0;
	const char *lines = desc_lines(stanza, len, &n);
	uint32_t *v;

	if (lines) { /* what follows "Description:" */
		lines += 12;
		n -= 12;
	}
	if (w->err || (w->n && off <= w->index[2 * (w->n - 1)]) ||
	    off > UINT32_MAX || w->len + n > UINT32_MAX) {
		/* not the list's order, or too big for the index */
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		if (!(v = realloc(w->index, cap * 2 * sizeof(*v)))) {
			w->err = -ENOMEM;
			return;
		}
		w->index = v;
		w->cap = cap;
	}
	w->index[2 * w->n] = (uint32_t)off;
	w->index[2 * w->n + 1] = (uint32_t)w->len;
	w->n++;
	if (lines && fwrite(lines, 1, n, w->c.fp) != n)
		w->err = w->err ? w->err : -EIO;
	w->len += lines ? n : 0;
}

int feed_desc_end(struct pkg_ctx *ctx, struct feed_desc_writer *w, int ok)
{
	uint64_t trailer[2];
	int r;

	if (!w)
		return 0;
	trailer[0] = w->n;
	trailer[1] = w->len;
	ok = ok && !w->err &&
	     fwrite(w->index, 2 * sizeof(*w->index), w->n, w->c.fp) == w->n &&
	     fwrite(trailer, sizeof(trailer), 1, w->c.fp) == 1 &&
	     fwrite(DESC_MAGIC, 1, DESC_MAGIC_LEN, w->c.fp) == DESC_MAGIC_LEN;
	r = feed_cache_out_close(ctx, &w->c, ok ? 0 : -EIO);
	free(w->index);
	free(w);
	return r == 0 ? 0 : -EIO;
}
