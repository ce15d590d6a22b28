/*
 * list [GLOB] and find GLOB (list_run): "name - version - description"
 * as opkg prints it, or --json. As opkg: one line per feed entry (the
 * same package in two feeds twice), and the packages of the status file
 * that no feed has by name (an image's kernel, libc), all sorted by name;
 * the description joined as opkg joins its lines.
 *
 * Neither opens the database (what the feeds offer, as opkg: SQLite
 * would cost 1.2 MB of RSS) nor, once a first run wrote the feeds' rows
 * and descriptions caches (feed_rows.c, feed_desc.c), loads a pool: each
 * feed's rows come sorted from its cache, merged as they are printed.
 * Without them (a list just updated), the pool of the feeds alone, whose
 * run writes them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

/* One line: a feed package of the pool (p), a row of a feed's rows
 * cache (feed, at; version NULL: print_cached reads the row), or one
 * only in the status file (neither: name and version owned). */
struct list_row {
	char *name, *version;
	Id p;
	unsigned feed; /* 1 + its index in the listing's feeds, or 0 */
	uint32_t at;
};

/* A feed's caches, when list reads them instead of a pool. */
struct cached_feed {
	struct feed_rows rows;
	struct feed_desc desc;
	size_t next;	  /* its next row to merge */
	size_t desc_next; /* the description likely asked next */
	const char *head; /* that row's name, once looked at */
};

struct listing {
	struct pkg_ctx *ctx;
	/* the feed rows: the pool's in name order (pool path), or each
	 * feed's caches (feeds set, nfeeds the configured feeds) */
	struct list_row *rows;
	size_t n, cap, next;
	struct cached_feed *feeds;
	size_t nfeeds;
	/* the status file's packages no feed has, in name order */
	struct list_row *status;
	size_t nstatus, status_cap;
	size_t *order, live; /* the merge: the feeds with rows left (live
			      * of them), by their next row */
	struct strbuf line; /* cached rows' lines not yet written */
	int tty; /* the output is a terminal (desc_render) */
	int r;
};

static int row_push(struct list_row **v, size_t *n, size_t *cap,
		    const struct list_row *row)
{
	struct list_row *nv;
	size_t c;

	if (*n == *cap) {
		c = *cap ? *cap * 2 : 256;
		if (!(nv = realloc(*v, c * sizeof(*nv))))
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = *row;
	return 0;
}

static int name_row_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct list_row *)row)->name);
}

/* Is name the name of a row of the rows cache r? */
static int rows_have(const struct feed_rows *r, const char *name)
{
	size_t i = feed_rows_lower(r, name);

	return i < r->n && !strcmp(feed_rows_name(r, i), name);
}

/* Has a feed a package named name? Looked up among the feed rows: a
 * row left out by the glob has a name the glob does not match, and so
 * has the status package of that name, which is not shown either. */
static int feed_has(const struct listing *l, const char *name)
{
	size_t i;

	if (!l->feeds)
		return l->n && bsearch(name, l->rows, l->n, sizeof(*l->rows),
				       name_row_cmp);
	for (i = 0; i < l->nfeeds; i++)
		if (rows_have(&l->feeds[i].rows, name))
			return 1;
	return 0;
}

static int status_row(const struct ctl_stanza *st, void *ud)
{
	struct listing *l = ud;
	const char *n = ctl_get(st, "Package"), *v = ctl_get(st, "Version");
	char *dn, *dv;

	if (!n || !v || feed_has(l, n))
		return 0;
	dn = strdup(n);
	dv = strdup(v);
	if (!dn || !dv ||
	    (l->r = row_push(&l->status, &l->nstatus, &l->status_cap,
			     &(struct list_row){ dn, dv, 0, 0, 0 })) < 0) {
		free(dn);
		free(dv);
		l->r = -ENOMEM;
		return 1;
	}
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct list_row *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : x->p - y->p; /* feed order, as the lists came */
}

/* The status file's packages that no feed has (opkg's list reads the
 * status file; pkg keeps it current after every change), sorted. */
static int status_rows(struct listing *l)
{
	char *text = NULL;
	size_t len = 0;
	int r = ctx_read_file(l->ctx, l->ctx->conf.status_file, 0, &text,
			      &len);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return pkg_error(r, "cannot read opkg status '%s'",
				 l->ctx->conf.status_file);
	r = ctl_parse(text, len, 0, status_row, l);
	free(text);
	if (r == 0 && l->nstatus) /* a few hundred at most */
		qsort(l->status, l->nstatus, sizeof(*l->status), row_cmp);
	return r < 0 ? r : l->r;
}

/* Does feed a's next row sort before feed b's (the lower feed first
 * between equal names)? */
static int head_before(struct listing *l, size_t a, size_t b)
{
	struct cached_feed *fa = &l->feeds[a], *fb = &l->feeds[b];
	int c;

	if (!fa->head)
		fa->head = feed_rows_name(&fa->rows, fa->next);
	if (!fb->head)
		fb->head = feed_rows_name(&fb->rows, fb->next);
	c = strcmp(fa->head, fb->head);
	return c < 0 || (c == 0 && a < b);
}

/* Feed order[k] moved on to its next row: put it back in its place
 * among order[k + 1..] (the others' rows do not move), or drop it when
 * it has no row left. */
static void order_fix(struct listing *l, size_t k)
{
	size_t f = l->order[k];

	if (l->feeds[f].next >= l->feeds[f].rows.n) {
		memmove(l->order + k, l->order + k + 1,
			(l->live - k - 1) * sizeof(*l->order));
		l->live--;
		return;
	}
	while (k + 1 < l->live && !head_before(l, f, l->order[k + 1])) {
		l->order[k] = l->order[k + 1];
		k++;
	}
	l->order[k] = f;
}

/* The feeds with rows, by their first (insertion: seven feeds). */
static void order_init(struct listing *l)
{
	size_t i;

	l->live = 0;
	for (i = l->nfeeds; i-- > 0;) {
		if (l->feeds[i].next >= l->feeds[i].rows.n)
			continue;
		memmove(l->order + 1, l->order, l->live * sizeof(*l->order));
		l->order[0] = i;
		l->live++;
		order_fix(l, 0);
	}
}

/* The next feed row in name order (ties in feed order, each feed's rows
 * in the list's); 0 after the last. The feeds are kept sorted by their
 * next row: the first gives its row and moves on, and goes back in its
 * place, which is mostly where it was (one comparison a row, not one a
 * feed). */
static int next_feed_row(struct listing *l, struct list_row *out)
{
	struct cached_feed *f;
	size_t best;

	if (!l->feeds) {
		if (l->next >= l->n)
			return 0;
		*out = l->rows[l->next++];
		return 1;
	}
	if (!l->live)
		return 0;
	best = l->order[0];
	f = &l->feeds[best];
	/* the name alone: print_cached reads the rest of the row */
	*out = (struct list_row){ (char *)(f->head ? f->head
						    : feed_rows_name(&f->rows,
								     f->next)),
				  NULL, 0, (unsigned)best + 1,
				  (uint32_t)f->next };
	f->next++;
	f->head = NULL;
	order_fix(l, 0);
	return 1;
}

static void print_line(struct listing *l, const struct list_row *row,
		       const char *desc, int *first)
{
	struct pkg_ctx *ctx = l->ctx;
	char nb[256];
	const char *abi = row->p ? solver_abiversion(&ctx->solv, row->p) : NULL;
	const char *name = cmd_shown_name(ctx, row->name, abi, nb, sizeof(nb));
	if (ctx->opt.json) {
		json_item(ctx->out, first);
		json_field(ctx->out, "", "name", name);
		json_field(ctx->out, ", ", "version", row->version);
		if (desc)
			json_field(ctx->out, ", ", "description", desc);
		fputc('}', ctx->out);
		return;
	}
	/* fputs, not fprintf: nine thousand lines of plain strings */
	fputs(name, ctx->out);
	fputs(" - ", ctx->out);
	fputs(row->version, ctx->out);
	if (ctx->opt.size)
		fprintf(ctx->out, " - %llu", (unsigned long long)(
			row->p ? solver_size(&ctx->solv, row->p) : 0));
	if (desc && *desc) {
		fputs(" - ", ctx->out);
		fputs(desc, ctx->out);
	}
	fputc('\n', ctx->out);
}

/* The description to show: opkg's joined one, or its first line with
 * --short-description. Malloc'd or NULL. */
static char *row_desc(struct pkg_ctx *ctx, const char *const *v)
{
	if (!v || !v[0])
		return NULL;
	return ctx->opt.short_desc ? desc_first_line(v[0]) : strdup(v[0]);
}

/* Write the cached rows' lines made so far: before any other line, and
 * once the buffer holds 16 KiB (a write each 16 KiB where there were nine
 * thousand fwrite calls, a tenth of list's instructions). */
static void flush_lines(struct listing *l)
{
	if (l->line.len && !l->line.oom)
		fwrite(l->line.s, 1, l->line.len, l->ctx->out);
	l->line.len = 0;
}

/* A cached row's line (not --json: the caches are not read then), made
 * in the lines' buffer with its description rendered into it, and kept
 * when the glob matches (find: the name or the description). */
static void print_cached(struct listing *l, const struct list_row *row,
			 const char *glob, int use_desc)
{
	struct pkg_ctx *ctx = l->ctx;
	struct cached_feed *f = &l->feeds[row->feed - 1];
	struct strbuf *b = &l->line;
	struct feed_row fr;
	const char *lines;
	char nb[256];
	size_t len = 0, at, k = 0, start = b->len;

	feed_rows_get(&f->rows, row->at, &fr);
	strbuf_str(b, cmd_shown_name(ctx, fr.name, fr.abi, nb, sizeof(nb)));
	strbuf_add(b, " - ", 3);
	strbuf_str(b, fr.version);
	if (ctx->opt.size) {
		snprintf(nb, sizeof(nb), " - %llu", (unsigned long long)fr.size);
		strbuf_str(b, nb);
	}
	at = b->len;
	strbuf_add(b, " - ", 3);
	if ((lines = feed_desc_next(&f->desc, fr.off, &len, &f->desc_next)))
		k = desc_render_into(b, lines, len, l->tty);
	if (!k && !b->oom) {
		b->len = at;
		b->s[at] = '\0';
	}
	if (b->oom)
		return; /* print_rows says so */
	if (use_desc && !pkg_glob_match(ctx, glob, row->name) &&
	    !(k && pkg_glob_match(ctx, glob, b->s + at + 3))) {
		b->len = start;
		b->s[start] = '\0';
		return;
	}
	strbuf_add(b, "\n", 1);
	if (b->len >= 16384)
		flush_lines(l);
}

static void print_row(struct listing *l, struct feed_fields *ff,
		      const struct list_row *row, const char *glob,
		      int use_desc, int *first)
{
	struct pkg_ctx *ctx = l->ctx;
	char *d = NULL;

	/* list: the glob on the name alone (before any description) */
	if (!use_desc && !pkg_glob_match(ctx, glob, row->name))
		return;
	if (row->feed) {
		print_cached(l, row, glob, use_desc);
		return;
	}
	flush_lines(l); /* the lines before this one */
	if (row->p)
		d = row_desc(ctx, feed_fields_get(ff, row->p));
	/* find: the name or the description matches */
	if (!use_desc || pkg_glob_match(ctx, glob, row->name) ||
	    (d && pkg_glob_match(ctx, glob, d)))
		print_line(l, row, d, first);
	free(d);
}

/* The feed rows and the status rows, merged in name order (a status
 * row's name is no feed row's). */
static int print_rows(struct listing *l, const char *glob, int use_desc)
{
	static const char *const opkg_desc[] = { FEED_DESC_OPKG };
	static const char *const parsed_desc[] = { "Description" };
	struct pkg_ctx *ctx = l->ctx;
	struct feed_fields *ff = NULL;
	struct list_row row;
	Id *ids = NULL;
	size_t i, n = 0, s = 0;
	int first = 1, r = 0, more;

	if (!l->feeds) { /* the pool's rows: their fields from the lists */
		if (!(ids = calloc(l->n + 1, sizeof(*ids))))
			return -ENOMEM;
		for (i = 0; i < l->n; i++)
			ids[n++] = l->rows[i].p;
		r = feed_fields_open(ctx, ids, n,
				     ctx->opt.short_desc || ctx->opt.json
					     ? parsed_desc
					     : opkg_desc,
				     1, &ff);
	}
	more = r == 0 && next_feed_row(l, &row);
	while (r == 0 && (more || s < l->nstatus)) {
		if (more && (s >= l->nstatus ||
			     strcmp(row.name, l->status[s].name) < 0)) {
			print_row(l, ff, &row, glob, use_desc, &first);
			more = next_feed_row(l, &row);
		} else {
			print_row(l, ff, &l->status[s++], glob, use_desc,
				  &first);
		}
	}
	flush_lines(l);
	if (r == 0 && l->line.oom)
		r = pkg_error(-ENOMEM, "cannot list the feeds");
	if (r == 0)
		cmd_json_end(ctx, first);
	feed_fields_close(ff);
	free(ids);
	return r;
}

static void feeds_unmap(struct listing *l)
{
	size_t i;

	for (i = 0; l->feeds && i < l->nfeeds; i++) {
		feed_rows_unmap(&l->feeds[i].rows);
		feed_desc_unmap(&l->feeds[i].desc);
	}
	free(l->feeds);
	l->feeds = NULL;
	free(l->order);
	l->order = NULL;
}

/* Map the rows and descriptions caches of every feed that has a list:
 * 1; 0 when a feed lacks them (the pool is loaded then); -errno,
 * reported. */
static int cached_feeds(struct listing *l)
{
	struct pkg_ctx *ctx = l->ctx;
	size_t i;
	int r = 0, k = 1;

	l->nfeeds = ctx->conf.nsrcs;
	if (!(l->feeds = calloc(l->nfeeds ? l->nfeeds : 1, sizeof(*l->feeds))))
		return pkg_error(-ENOMEM, "cannot list the feeds");
	for (i = 0; k != 0 && i < l->nfeeds; i++) {
		k = feed_rows_map(ctx, ctx->conf.srcs[i].name,
				  &l->feeds[i].rows, &l->feeds[i].desc);
		if (k < 0 && k != -ENOENT) { /* -ENOENT: no list, no rows */
			r = k;
			break;
		}
	}
	if (r < 0 || k == 0) {
		feeds_unmap(l);
		return r;
	}
	l->tty = isatty(fileno(ctx->out));
	if (!(l->order = calloc(l->nfeeds ? l->nfeeds : 1,
				sizeof(*l->order)))) {
		feeds_unmap(l);
		return pkg_error(-ENOMEM, "cannot list the feeds");
	}
	order_init(l);
	return 1;
}

/* The feed rows from the pool (loaded now), sorted; the glob's alone
 * for list. */
static int pool_rows(struct listing *l, const Queue *all, const char *glob,
		     int use_desc)
{
	struct pkg_ctx *ctx = l->ctx;
	int k;

	/* as many rows as the pool has packages at most: one allocation,
	 * not a doubling's slack beside the pool (this path's peak) */
	if (all->count &&
	    !(l->rows = malloc((size_t)all->count * sizeof(*l->rows))))
		return pkg_error(-ENOMEM, "cannot list the feeds");
	l->cap = (size_t)all->count;
	for (k = 0; k < all->count; k++) {
		Id p = all->elements[k];
		const char *name = solver_name(&ctx->solv, p);
		if (solver_is_installed(&ctx->solv, p) ||
		    (!use_desc && !pkg_glob_match(ctx, glob, name)))
			continue;
		if (row_push(&l->rows, &l->n, &l->cap,
			     &(struct list_row){
				     (char *)name,
				     (char *)solver_evr(&ctx->solv, p), p, 0,
				     0 }) < 0)
			return pkg_error(-ENOMEM, "cannot list the feeds");
	}
	if (l->n) /* no feed rows: rows is NULL, which qsort may not take */
		qsort(l->rows, l->n, sizeof(*l->rows), row_cmp);
	return 0;
}

int list_run(struct pkg_ctx *ctx, const char *glob, int use_desc)
{
	struct listing l = { .ctx = ctx };
	Queue all;
	size_t i;
	int r = 0;

	queue_init(&all);
	/* --json and --short-description show the Description field as
	 * parsed, which the caches do not hold (they hold opkg's) */
	if (!ctx->opt.json && !ctx->opt.short_desc)
		r = cached_feeds(&l);
	if (r == 0 && (r = session_load_pool(ctx)) == 0) {
		solver_all_ids(&ctx->solv, &all);
		r = pool_rows(&l, &all, glob, use_desc);
	}
	r = r == 1 ? 0 : r;
	if (r == 0)
		r = status_rows(&l);
	if (r == 0)
		r = print_rows(&l, glob, use_desc);
	if (r == 0 && all.count)
		feed_rows_write_missing(ctx, &all);
	queue_free(&all);
	for (i = 0; i < l.nstatus; i++) {
		free(l.status[i].name);
		free(l.status[i].version);
	}
	free(l.status);
	free(l.rows);
	free(l.line.s);
	feeds_unmap(&l);
	return r;
}

static int cmd_list(struct pkg_ctx *ctx, int argc, char **argv)
{
	return list_run(ctx, argc > 0 ? argv[0] : NULL, 0);
}

const struct pkg_cmd cmd_list_desc = {
	"list", "[GLOB]", "list available packages",
	CMD_OPKG | CMD_LISTING | CMD_NAMES, cmd_list
};
