/*
 * Fields of feed packages read from the stored lists: what the pool does
 * not hold (Description, Filename, SHA256sum, MD5Sum; see
 * solver_feed_from_text: libsolv holds each string up to three times
 * while it writes a .solv, and they made most of update's peak memory).
 *
 * The caller names up front every package it will ask for, in the order
 * it will ask; each list is then read forward once. A stanza passed on
 * the way to another (a list is sorted by file name, list by package
 * name: "luci_..." comes after every "luci-..." in the list, before them
 * in name order; an install asks in dependency order) is kept until asked
 * for. The work is one pass over each list whatever the order, and memory
 * follows how far the two orders disagree: 350 KiB of descriptions for
 * `list` on the 19.07.1 feeds, never more than what was asked for (a cap
 * that re-read lists instead made `list` ten times slower there).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"


/* Where each offset asked for stands. */
enum { FF_AHEAD, FF_KEPT, FF_TAKEN };

struct ff_feed {
	const char *name;	/* the repo's name, owned by the pool */
	uint64_t *offs;		/* offsets asked for, sorted, unique */
	char ***vals;		/* per offset: its values, read ahead */
	unsigned char *state;	/* FF_* of each offset */
	size_t n, next;		/* next: first offset not yet reached */
	struct ctl_reader rd;	/* the list, read forward (rd.fp) */
	int done;		/* at its end, or unreadable */
	Id any;			/* a package of the feed */
	int asked;		/* packages asked for (before dedup) */
	int mapped;		/* descriptions from its cache (desc) */
	struct feed_desc desc;
	struct feed_desc_writer *build; /* its cache, written on the way */
	struct feed_zidx zidx;	/* the list's seek index, once looked for */
	int zidx_looked;
};

struct feed_fields {
	struct pkg_ctx *ctx;
	const char *const *names;
	size_t nnames;
	struct ff_feed *feeds;
	size_t nfeeds;
	char **last;		/* handed out by the last get */
	int tty;		/* the output is a terminal (desc_opkg) */
	int parse;		/* a field other than FEED_DESC_OPKG asked */
	int desc_only;		/* FEED_DESC_OPKG alone: the caches serve */
};

/* Is p a package of a configured feed (its stanza in a list)? */
static int feed_is_list(const struct pkg_ctx *ctx, Id p)
{
	const char *name = solver_repo_name(&ctx->solv, p);
	size_t i;

	for (i = 0; name && i < ctx->conf.nsrcs; i++)
		if (!strcmp(ctx->conf.srcs[i].name, name))
			return 1;
	return 0;
}

/* The feed whose list holds p's stanza, or NULL. */
static struct ff_feed *feed_of(struct feed_fields *d, Id p)
{
	const char *name = solver_repo_name(&d->ctx->solv, p);
	size_t i;

	for (i = 0; name && i < d->nfeeds; i++)
		if (!strcmp(d->feeds[i].name, name))
			return &d->feeds[i];
	return NULL;
}

static void vals_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int off_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Count p's offset in its feed's, adding the feed when p is its first. */
static int count_one(struct feed_fields *d, Id p)
{
	struct ff_feed *f = feed_of(d, p), *v;

	if (f) {
		f->n++;
		f->asked++;
		return 0;
	}
	if (!feed_is_list(d->ctx, p))
		return 0;
	v = realloc(d->feeds, (d->nfeeds + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->feeds = v;
	f = &v[d->nfeeds++];
	memset(f, 0, sizeof(*f));
	f->name = solver_repo_name(&d->ctx->solv, p);
	f->n = 1;
	f->asked = 1;
	f->any = p;
	return 0;
}

static int fill_offsets(struct feed_fields *d, const Id *ids, size_t n)
{
	struct ff_feed *f;
	size_t i, k, w;

	for (i = 0; i < d->nfeeds; i++) {
		f = &d->feeds[i];
		if (f->mapped) { /* its cache answers: no list to read */
			f->n = 0;
			continue;
		}
		f->offs = malloc(f->n * sizeof(*f->offs));
		f->vals = calloc(f->n, sizeof(*f->vals));
		f->state = calloc(f->n, 1);
		if (!f->offs || !f->vals || !f->state)
			return -ENOMEM;
		f->n = 0;
	}
	for (i = 0; i < n; i++)
		if ((f = feed_of(d, ids[i])) && !f->mapped)
			f->offs[f->n++] = solver_offset(&d->ctx->solv, ids[i]);
	for (i = 0; i < d->nfeeds; i++) {
		f = &d->feeds[i];
		if (f->mapped)
			continue;
		qsort(f->offs, f->n, sizeof(*f->offs), off_cmp);
		for (k = 1, w = 1; k < f->n; k++) /* f->n >= 1: unique */
			if (f->offs[k] != f->offs[w - 1])
				f->offs[w++] = f->offs[k];
		f->n = w;
	}
	return 0;
}

int feed_fields_open(struct pkg_ctx *ctx, const Id *ids, size_t n,
		     const char *const *names, size_t nnames,
		     struct feed_fields **out)
{
	struct feed_fields *d = calloc(1, sizeof(*d));
	size_t i;
	int r = 0;

	*out = NULL;
	if (!d)
		return pkg_error(-ENOMEM, "cannot read the feed lists");
	d->ctx = ctx;
	d->names = names;
	d->nnames = nnames;
	for (i = 0; i < nnames; i++)
		if (strcmp(names[i], FEED_DESC_OPKG))
			d->parse = 1;
		else
			d->tty = isatty(fileno(ctx->out));
	d->desc_only = nnames == 1 && !d->parse;
	for (i = 0; r == 0 && i < n; i++)
		r = count_one(d, ids[i]);
	for (i = 0; r == 0 && d->desc_only && i < d->nfeeds; i++)
		d->feeds[i].mapped = feed_desc_map(ctx, d->feeds[i].name,
						   &d->feeds[i].desc);
	if (r == 0)
		r = fill_offsets(d, ids, n);
	if (r < 0) {
		feed_fields_close(d);
		return pkg_error(r, "cannot read the feed lists");
	}
	*out = d;
	return 0;
}

/* Index of off in f's offsets, or f->n. */
static size_t find_off(const struct ff_feed *f, uint64_t off)
{
	size_t lo = 0, hi = f->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->offs[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n && f->offs[lo] == off ? lo : f->n;
}

/* Keep the fields asked for of the stanza in buf (len bytes) as index i's
 * values (none when it does not parse: update parsed it already, so a
 * stanza is parsed again only for a field desc_opkg does not give). */
static void keep(struct feed_fields *d, struct ff_feed *f, size_t i,
		 const char *buf, size_t len)
{
	struct ctl_stanza st = { 0 };
	const char *v;
	size_t k;

	f->state[i] = FF_KEPT;
	if ((!d->parse || ctl_parse_one(buf, len, &st) == 0) &&
	    (f->vals[i] = calloc(d->nnames, sizeof(char *))))
		for (k = 0; k < d->nnames; k++) {
			if (!strcmp(d->names[k], FEED_DESC_OPKG))
				f->vals[i][k] = desc_opkg(buf, len, d->tty);
			else if ((v = ctl_get(&st, d->names[k])))
				f->vals[i][k] = strdup(v);
		}
	ctl_stanza_release(&st);
}

/* Open f's list; when every package of the feed is asked for the
 * descriptions alone (list, find), its descriptions cache is written
 * on the way (read_until reads it to its end then). */
static void feed_open(struct feed_fields *d, struct ff_feed *f)
{
	f->rd.fp = feed_list_open(d->ctx, f->name); /* rd.max: the parser's */
	f->done = !f->rd.fp;
	if (f->rd.fp && d->desc_only &&
	    f->asked >= solver_repo_count(&d->ctx->solv, f->any) &&
	    feed_desc_begin(d->ctx, f->name, NULL, &f->build) < 0)
		f->build = NULL;
}

/* When the next offset asked for is a span or more ahead of where f's
 * stream is, start it at the point of the list's seek index before that
 * offset (an install's few packages: the stanzas between are not read).
 * The stream then starts where a deflate block ends, maybe inside a
 * stanza: that one's text is at no offset asked for. Not while the
 * descriptions cache is written (it needs every stanza). */
static void jump(struct feed_fields *d, struct ff_feed *f)
{
	uint64_t at;
	FILE *fp;

	if (f->build || f->done || f->next >= f->n)
		return;
	fp = feed_list_open_near(d->ctx, f->name, &f->zidx, &f->zidx_looked,
				 f->rd.off, f->offs[f->next], &at);
	if (!fp)
		return;
	fclose(f->rd.fp);
	f->rd.fp = fp;
	f->rd.len = f->rd.pos = 0;
	f->rd.eof = 0;
	f->rd.off = at;
	f->rd.line = 0; /* unknown there */
}

/* Read f forward, a stanza at a time, until index want has been passed,
 * keeping on the way the fields of offsets asked for later. A list that
 * ends or fails to read (a stanza over CTL_STANZA_MAX: update refused such a
 * list) leaves what was not reached without fields. */
static void read_until(struct feed_fields *d, struct ff_feed *f, size_t want)
{
	const char *text;
	size_t len, line;
	uint64_t at;
	int r;

	if (!f->rd.fp && !f->done)
		feed_open(d, f);
	if (f->rd.fp && f->next <= want)
		jump(d, f);
	/* with a cache to write, on to the list's end once want is passed */
	while (!f->done && (f->next <= want || (f->build && f->next >= f->n))) {
		r = ctl_read_stanza(&f->rd, &text, &len, &line, &at);
		if (r != 1) {
			f->done = 1;
			feed_desc_end(d->ctx, f->build,
				      r == 0 && !ferror(f->rd.fp));
			f->build = NULL;
			break;
		}
		if (f->build)
			feed_desc_add(f->build, at, text, len);
		while (f->next < f->n && f->offs[f->next] < at)
			if (f->state[f->next++] == FF_AHEAD) /* not a stanza */
				f->state[f->next - 1] = FF_TAKEN;
		if (f->next < f->n && f->offs[f->next] == at) {
			if (f->state[f->next] == FF_AHEAD)
				keep(d, f, f->next, text, len);
			f->next++;
		}
	}
	if (f->next >= f->n && f->rd.fp && !f->build) { /* nothing more */
		fclose(f->rd.fp);
		f->rd.fp = NULL;
		ctl_reader_release(&f->rd);
		f->done = 1;
	}
}

/* p's description from its feed's descriptions cache. */
static const char *const *desc_cached(struct feed_fields *d,
				      const struct ff_feed *f, Id p)
{
	size_t len = 0;
	const char *lines = feed_desc_get(&f->desc,
					  solver_offset(&d->ctx->solv, p), &len);

	if (!lines || !(d->last = calloc(1, sizeof(char *))))
		return NULL;
	d->last[0] = desc_render(lines, len, d->tty);
	return (const char *const *)d->last;
}

const char *const *feed_fields_get(struct feed_fields *d, Id p)
{
	struct ff_feed *f;
	size_t i;

	vals_free(d->last, d->nnames);
	d->last = NULL;
	if (!(f = feed_of(d, p)))
		return NULL;
	if (f->mapped)
		return desc_cached(d, f, p);
	i = find_off(f, solver_offset(&d->ctx->solv, p));
	if (i == f->n)
		return NULL;
	if (f->state[i] == FF_AHEAD)
		read_until(d, f, i);
	if (f->state[i] != FF_KEPT)
		return NULL;
	d->last = f->vals[i];
	f->vals[i] = NULL;
	f->state[i] = FF_TAKEN;
	return (const char *const *)d->last;
}

void feed_fields_close(struct feed_fields *d)
{
	size_t i, k;

	if (!d)
		return;
	for (i = 0; i < d->nfeeds; i++) {
		struct ff_feed *f = &d->feeds[i];
		for (k = 0; f->vals && k < f->n; k++)
			vals_free(f->vals[k], d->nnames);
		free(f->vals);
		free(f->state);
		free(f->offs);
		if (f->rd.fp)
			fclose(f->rd.fp);
		ctl_reader_release(&f->rd);
		feed_desc_end(d->ctx, f->build, 0);
		if (f->mapped)
			feed_desc_unmap(&f->desc);
		feed_zidx_unmap(&f->zidx);
	}
	free(d->feeds);
	vals_free(d->last, d->nnames);
	free(d);
}

/* ---- archives: what a download of a feed package needs ---- */

static const char *const archive_fields[] = {
	"Filename", "SHA256sum", "MD5Sum"
};

static int archive_add(struct pkg_ctx *ctx, Id p, const char *const *v)
{
	struct feed_archive *a;

	a = realloc(ctx->archives, (ctx->narchives + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	ctx->archives = a;
	a = &a[ctx->narchives++];
	memset(a, 0, sizeof(*a));
	a->p = p;
	if (v && ((v[0] && !(a->filename = strdup(v[0]))) ||
		  (v[1] && !(a->sha256 = strdup(v[1]))) ||
		  (v[2] && !(a->md5 = strdup(v[2])))))
		return -ENOMEM;
	return 0;
}

static const struct feed_archive *archive_find(const struct pkg_ctx *ctx,
					       Id p)
{
	size_t i;

	for (i = 0; i < ctx->narchives; i++)
		if (ctx->archives[i].p == p)
			return &ctx->archives[i];
	return NULL;
}

int feed_archives_prefetch(struct pkg_ctx *ctx, const Id *ids, size_t n)
{
	struct feed_fields *ff;
	size_t i;
	int r;

	r = feed_fields_open(ctx, ids, n, archive_fields, 3, &ff);
	for (i = 0; r == 0 && i < n; i++)
		if (feed_is_list(ctx, ids[i]) && !archive_find(ctx, ids[i]))
			r = archive_add(ctx, ids[i],
					feed_fields_get(ff, ids[i]));
	feed_fields_close(ff);
	return r;
}

const struct feed_archive *feed_archive(struct pkg_ctx *ctx, Id p)
{
	const struct feed_archive *a = archive_find(ctx, p);

	if (a || !feed_is_list(ctx, p))
		return a;
	if (feed_archives_prefetch(ctx, &p, 1) < 0)
		return NULL;
	return archive_find(ctx, p);
}

void feed_archives_release(struct pkg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->narchives; i++) {
		free(ctx->archives[i].filename);
		free(ctx->archives[i].sha256);
		free(ctx->archives[i].md5);
	}
	free(ctx->archives);
	ctx->archives = NULL;
	ctx->narchives = 0;
}
