/*
 * The rows cache of a feed's list (FEED_CACHE_DIR/NAME.<tag>.rows, beside
 * its .solv and .desc): what `list` and `find` show of each package the
 * pool keeps of the list (name, version, ABIVersion, Size, and the
 * stanza's offset, by which the descriptions cache gives the
 * description), sorted by name. With it and the descriptions cache, the
 * two commands load no pool: loading the seven .solv of 19.07.1 was 15
 * of their 20 ms, to print what these two files hold as they are; info
 * finds its stanzas by it. The first list, find or info that loads the
 * pool writes it (feed_rows_write_missing); a list replaced gets another
 * tag, so another cache.
 *
 * A cache in a directory of the root: checked whole when mapped, and
 * ignored (the pool loaded instead) when anything does not add up.
 * Layout, in the host's byte order (the file never leaves the machine):
 *
 *   "pkgrows1"                               8 bytes
 *   the strings, each NUL-terminated         len bytes
 *   n records, in name order                 24 bytes each:
 *     name, version, ABIVersion (ROWS_NONE: none): u32 string offsets;
 *     the stanza's offset in the list: u32; Size: u64
 *   n, len, "pkgrows1"                       24 bytes (u64, u64)
 *
 * Rows of one name keep the pool's order (the list's).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

#define ROWS_MAGIC "pkgrows1"
#define ROWS_MAGIC_LEN 8
#define ROWS_TRAILER (16 + ROWS_MAGIC_LEN)
#define ROWS_REC 24
#define ROWS_NONE UINT32_MAX

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

/* Does the mapped file hold a whole cache? Sets r's fields. Every string
 * offset inside the strings, which end with a NUL (so every string ends
 * inside them); names not empty, in order. */
static int rows_check(struct feed_rows *r)
{
	const unsigned char *m = r->map;
	const char *prev = NULL, *name;
	uint64_t n, len, k;
	uint32_t o[3];
	size_t size = r->size, i;

	if (size < ROWS_MAGIC_LEN + ROWS_TRAILER ||
	    memcmp(m, ROWS_MAGIC, ROWS_MAGIC_LEN) ||
	    memcmp(m + size - ROWS_MAGIC_LEN, ROWS_MAGIC, ROWS_MAGIC_LEN))
		return 0;
	n = u64_at(m + size - ROWS_TRAILER);
	len = u64_at(m + size - ROWS_TRAILER + 8);
	/* size = 8 + len + 24 n + 24, without overflow */
	if (len > size || n > size / ROWS_REC ||
	    ROWS_MAGIC_LEN + len + ROWS_REC * n + ROWS_TRAILER != size ||
	    (n && (!len || m[ROWS_MAGIC_LEN + len - 1] != '\0')))
		return 0;
	r->n = (size_t)n;
	r->len = (size_t)len;
	r->strings = (const char *)m + ROWS_MAGIC_LEN;
	r->recs = m + ROWS_MAGIC_LEN + len;
	for (k = 0; k < n; k++) {
		for (i = 0; i < 3; i++) {
			o[i] = u32_at(r->recs + ROWS_REC * k + 4 * i);
			if (o[i] >= len && !(i == 2 && o[i] == ROWS_NONE))
				return 0;
		}
		name = r->strings + o[0];
		if (!*name || (prev && strcmp(prev, name) > 0))
			return 0;
		prev = name;
	}
	return 1;
}

/* Map file of the cache directory as a rows cache: 1, or 0. */
static int rows_map_file(struct pkg_ctx *ctx, const char *file,
			 struct feed_rows *r)
{
	memset(r, 0, sizeof(*r));
	if (!(r->map = feed_cache_map(ctx, file, 1, &r->size)))
		return 0;
	if (!rows_check(r)) {
		feed_rows_unmap(r);
		return 0;
	}
	return 1;
}

int feed_rows_map(struct pkg_ctx *ctx, const char *name, struct feed_rows *r,
		  struct feed_desc *d)
{
	int dfd = feed_lists_fd(ctx, 0), ok;
	char *rows = NULL, *desc = NULL;
	struct stat st;

	memset(r, 0, sizeof(*r));
	if (d)
		memset(d, 0, sizeof(*d));
	if (dfd < 0)
		return dfd; /* -ENOENT: never updated, else reported */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -ENOENT : 0;
	/* the descriptions of the same list: both named from one stat (an
	 * update between two would pair two lists' caches) */
	rows = feed_cache_name_of(ctx, name, &st, FEED_CACHE_ROWS);
	if (d)
		desc = feed_cache_name_of(ctx, name, &st, FEED_CACHE_DESC);
	ok = rows && (!d || desc) && rows_map_file(ctx, rows, r) &&
	     (!d || feed_desc_map_file(ctx, desc, d));
	if (!ok)
		feed_rows_unmap(r);
	free(rows);
	free(desc);
	return ok;
}

void feed_rows_get(const struct feed_rows *r, size_t i, struct feed_row *out)
{
	const unsigned char *rec = r->recs + ROWS_REC * i;
	uint32_t abi = u32_at(rec + 8);

	out->name = r->strings + u32_at(rec);
	out->version = r->strings + u32_at(rec + 4);
	out->abi = abi == ROWS_NONE ? NULL : r->strings + abi;
	out->off = u32_at(rec + 12);
	out->size = u64_at(rec + 16);
}

const char *feed_rows_name(const struct feed_rows *r, size_t i)
{
	return r->strings + u32_at(r->recs + ROWS_REC * i);
}

size_t feed_rows_lower(const struct feed_rows *r, const char *name)
{
	size_t lo = 0, hi = r->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(feed_rows_name(r, mid), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int feed_rows_map_all(struct pkg_ctx *ctx, struct feed_rows **out)
{
	size_t i, n = ctx->conf.nsrcs;
	struct feed_rows *v = calloc(n ? n : 1, sizeof(*v));
	int k = 1;

	*out = NULL;
	if (!v)
		return pkg_error(-ENOMEM, "cannot read the feeds");
	for (i = 0; k != 0 && i < n; i++) {
		k = feed_rows_map(ctx, ctx->conf.srcs[i].name, &v[i], NULL);
		if (k < 0 && k != -ENOENT) /* -ENOENT: no list, no rows */
			break;
	}
	if (k == 1 || k == -ENOENT) {
		*out = v;
		return 1;
	}
	feed_rows_unmap_all(v, n);
	return k;
}

void feed_rows_unmap_all(struct feed_rows *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++)
		feed_rows_unmap(&rows[i]);
	free(rows);
}

void feed_rows_unmap(struct feed_rows *r)
{
	if (r->map)
		munmap(r->map, r->size);
	memset(r, 0, sizeof(*r));
}

/* ---- writing ---- */

static int rows_sort_cmp(const void *a, const void *b, void *ud)
{
	const struct pkg_solver *s = ud;
	Id x = *(const Id *)a, y = *(const Id *)b;
	int c = strcmp(solver_name(s, x), solver_name(s, y));

	return c ? c : (x > y) - (x < y);
}

/* The strings of row p, in the order they are written. */
static void row_strings(const struct pkg_solver *s, Id p, const char *str[3])
{
	str[0] = solver_name(s, p);
	str[1] = solver_evr(s, p);
	str[2] = solver_abiversion(s, p);
}

/* The strings of every row, then the records, then the trailer: the
 * records' string offsets counted again as the strings were laid out,
 * so that nothing but the ids (sorted) is held (the first list's peak,
 * which has the pool loaded). 0 or -errno. */
static int rows_out(FILE *fp, const struct pkg_solver *s, const Id *v,
		    size_t n)
{
	const char *str[3];
	uint64_t len = 0, off, size, trailer[2];
	uint32_t rec[4];
	size_t i, k, l;

	for (i = 0; i < n; i++) {
		row_strings(s, v[i], str);
		for (k = 0; k < 3; k++) {
			if (!str[k])
				continue;
			l = strlen(str[k]) + 1;
			if (len + l >= ROWS_NONE)
				return -EINVAL; /* past the u32 offsets */
			if (fwrite(str[k], 1, l, fp) != l)
				return -EIO;
			len += l;
		}
	}
	for (i = 0, off = 0; i < n; i++) {
		row_strings(s, v[i], str);
		for (k = 0; k < 3; k++) {
			rec[k] = str[k] ? (uint32_t)off : ROWS_NONE;
			off += str[k] ? strlen(str[k]) + 1 : 0;
		}
		size = solver_offset(s, v[i]);
		if (size > UINT32_MAX - 1)
			return -EINVAL; /* a list over 4 GiB */
		rec[3] = (uint32_t)size;
		size = solver_size(s, v[i]);
		if (fwrite(rec, sizeof(rec), 1, fp) != 1 ||
		    fwrite(&size, sizeof(size), 1, fp) != 1)
			return -EIO;
	}
	trailer[0] = n;
	trailer[1] = len;
	if (fwrite(trailer, sizeof(trailer), 1, fp) != 1 ||
	    fwrite(ROWS_MAGIC, 1, ROWS_MAGIC_LEN, fp) != ROWS_MAGIC_LEN)
		return -EIO;
	return 0;
}

int feed_rows_write(struct pkg_ctx *ctx, const struct pkg_solver *s,
		    const struct stat *list, const char *name, Id *ids,
		    size_t n)
{
	struct feed_cache_out c;
	int r;

	if (n)
		qsort_r(ids, n, sizeof(*ids), rows_sort_cmp, (void *)s);
	if ((r = feed_cache_out_open(ctx, name, list, FEED_CACHE_ROWS,
				     ROWS_MAGIC, &c)) < 0)
		return r;
	return feed_cache_out_close(ctx, &c, rows_out(c.fp, s, ids, n));
}

void feed_rows_write_missing(struct pkg_ctx *ctx, const Queue *all)
{
	Id *ids = malloc((all->count + 1) * sizeof(*ids));
	struct feed_rows rows;
	const char *name, *repo;
	size_t i, n;
	int k;

	for (i = 0; ids && i < ctx->conf.nsrcs; i++) {
		name = ctx->conf.srcs[i].name;
		if (feed_rows_map(ctx, name, &rows, NULL) != 0) {
			feed_rows_unmap(&rows); /* there, or no list */
			continue;
		}
		for (k = 0, n = 0; k < all->count; k++) {
			repo = solver_repo_name(&ctx->solv, all->elements[k]);
			if (repo && !strcmp(repo, name) &&
			    !solver_is_installed(&ctx->solv, all->elements[k]))
				ids[n++] = all->elements[k];
		}
		feed_rows_write(ctx, &ctx->solv, NULL, name, ids, n);
	}
	free(ids);
}
