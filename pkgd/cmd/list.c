/*
 * list [GLOB] and find GLOB (list_run): "name - version - description"
 * as opkg prints it, or --json. As opkg: one line per feed entry (the
 * same package in two feeds twice), and the packages of the status file
 * that no feed has by name (an image's kernel, libc), all sorted by name;
 * the description joined as opkg joins its lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* One line: a feed package (p), or one only in the status file (p 0,
 * name and version owned). */
struct list_row {
	char *name, *version;
	Id p;
};

struct listing {
	struct pkg_ctx *ctx;
	struct list_row *rows;
	size_t n;
	size_t nfeed; /* rows[0..nfeed): the feed rows, sorted by name */
	int r;
};

static int row_add(struct listing *l, char *name, char *ver, Id p)
{
	struct list_row *v = realloc(l->rows, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->rows = v;
	v[l->n++] = (struct list_row){ name, ver, p };
	return 0;
}

static int name_row_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct list_row *)row)->name);
}

/* Has a feed a package named name? Looked up among the feed rows: a
 * row left out by the glob has a name the glob does not match, and so
 * has the status package of that name, which is not shown either. */
static int feed_has(const struct listing *l, const char *name)
{
	return l->nfeed && bsearch(name, l->rows, l->nfeed, sizeof(*l->rows),
				   name_row_cmp);
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
	if (!dn || !dv || (l->r = row_add(l, dn, dv, 0)) < 0) {
		free(dn);
		free(dv);
		l->r = -ENOMEM;
		return 1;
	}
	return 0;
}

/* The status file's packages that no feed has (opkg's list reads the
 * status file; pkg keeps it current after every change). */
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
	return r < 0 ? r : l->r;
}

static int row_cmp(const void *a, const void *b)
{
	const struct list_row *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : x->p - y->p; /* feed order, as the lists came */
}

/* The status rows (after nfeed, in status file order) sorted and merged
 * with the feed rows, in place from the back: all in name order. */
static int rows_merge(struct listing *l)
{
	size_t na = l->nfeed, nb = l->n - l->nfeed, w = l->n;
	struct list_row *b;

	if (nb == 0)
		return 0;
	/* a few hundred at most: the packages of the status file */
	if (!(b = malloc(nb * sizeof(*b))))
		return -ENOMEM;
	memcpy(b, l->rows + na, nb * sizeof(*b));
	qsort(b, nb, sizeof(*b), row_cmp);
	while (nb > 0)
		l->rows[--w] = na > 0 && row_cmp(&l->rows[na - 1],
						 &b[nb - 1]) > 0
				       ? l->rows[--na]
				       : b[--nb];
	free(b);
	return 0;
}

static void print_line(struct pkg_ctx *ctx, const struct list_row *row,
		       const char *desc, int *first)
{
	char nb[256];
	const char *name = row->p ? cmd_shown_name(ctx, row->name,
				      solver_abiversion(&ctx->solv, row->p),
				      nb, sizeof(nb))
				  : row->name;

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

static int print_rows(struct listing *l, const char *glob, int use_desc)
{
	static const char *const opkg_desc[] = { FEED_DESC_OPKG };
	static const char *const parsed_desc[] = { "Description" };
	struct pkg_ctx *ctx = l->ctx;
	struct feed_fields *ff = NULL;
	Id *ids = calloc(l->n + 1, sizeof(*ids));
	size_t i, n = 0;
	int first = 1, r;

	if (!ids)
		return -ENOMEM;
	for (i = 0; i < l->n; i++)
		if (l->rows[i].p)
			ids[n++] = l->rows[i].p;
	r = feed_fields_open(ctx, ids, n,
			     ctx->opt.short_desc || ctx->opt.json ? parsed_desc
								  : opkg_desc,
			     1, &ff);
	for (i = 0; r == 0 && i < l->n; i++) {
		const struct list_row *row = &l->rows[i];
		char *d = row->p ? row_desc(ctx, feed_fields_get(ff, row->p))
				 : NULL;
		/* find: the name or the description matches */
		if (pkg_glob_match(ctx, glob, row->name) ||
		    (use_desc && d && pkg_glob_match(ctx, glob, d)))
			print_line(ctx, row, d, &first);
		free(d);
	}
	if (r == 0)
		cmd_json_end(ctx, first);
	feed_fields_close(ff);
	free(ids);
	return r;
}

int list_run(struct pkg_ctx *ctx, const char *glob, int use_desc)
{
	struct listing l = { ctx, NULL, 0, 0, 0 };
	Queue all;
	size_t i;
	int r = 0, k;

	queue_init(&all);
	solver_all_ids(&ctx->solv, &all);
	for (k = 0; r == 0 && k < all.count; k++) {
		Id p = all.elements[k];
		const char *name = solver_name(&ctx->solv, p);
		if (solver_is_installed(&ctx->solv, p) ||
		    (!use_desc && !pkg_glob_match(ctx, glob, name)))
			continue;
		r = row_add(&l, (char *)name,
			    (char *)solver_evr(&ctx->solv, p), p);
	}
	queue_free(&all);
	/* the feed rows sorted first: the status rows look names up there
	 * (feed_has), and are merged in */
	if (l.n) /* no feed rows: rows is NULL, which qsort may not take */
		qsort(l.rows, l.n, sizeof(*l.rows), row_cmp);
	l.nfeed = l.n;
	if (r == 0)
		r = status_rows(&l);
	if (r == 0 && (r = rows_merge(&l)) == 0)
		r = print_rows(&l, glob, use_desc);
	for (i = 0; i < l.n; i++)
		if (!l.rows[i].p) {
			free(l.rows[i].name);
			free(l.rows[i].version);
		}
	free(l.rows);
	return r;
}

static int cmd_list(struct pkg_ctx *ctx, int argc, char **argv)
{
	return list_run(ctx, argc > 0 ? argv[0] : NULL, 0);
}

const struct pkg_cmd cmd_list_desc = {
	"list", "[GLOB]", "list available packages",
	CMD_OPKG | CMD_FEEDS | CMD_LISTING | CMD_NAMES, cmd_list
};
