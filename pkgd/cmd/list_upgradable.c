/*
 * list-upgradable: installed packages with a newer version in the feeds,
 * "name - installed - candidate", in opkg-lede's walk (opkgorder.c: the
 * lines are found in name order, kept, and written in the walk's), or
 * --json, by name.
 *
 * Like list and info it reads the feeds' rows caches when every feed with
 * a list has one (no pool: loading the seven .solv of 19.07.1 was most of
 * its 20 ms), and opkg's status straight when the root has no database:
 * the candidate is the highest version of the name among the feeds (the
 * first feed's of equal ones) and the image's (an image package in the
 * pool, behind the feeds unless --from-rom, not with --from-feed), as the
 * pool's best candidate is. Without a feed's rows cache, the pool.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* The lines found, until they are written in opkg's order. */
struct upg_line {
	char *name, *text;
	uint64_t walk; /* opkg_walk_keys */
};

struct upg_lines {
	int first; /* --json: no object written yet */
	struct upg_line *v;
	size_t n, cap;
	int r; /* -ENOMEM once one could not be kept */
};

/* One line, kept, or its --json object written. */
static void upgradable_line(struct pkg_ctx *ctx, struct upg_lines *l,
			    const char *n, const char *v, const char *best)
{
	struct upg_line *e;

	if (ctx->opt.json) {
		json_item(ctx->out, &l->first);
		json_field(ctx->out, "", "name", n);
		json_field(ctx->out, ", ", "version", v);
		json_field(ctx->out, ", ", "available", best);
		fputc('}', ctx->out);
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		if (!(e = realloc(l->v, cap * sizeof(*e)))) {
			l->r = -ENOMEM;
			return;
		}
		l->v = e;
		l->cap = cap;
	}
	e = &l->v[l->n];
	e->name = strdup(n);
	if (!e->name || asprintf(&e->text, "%s - %s - %s\n", n, v, best) < 0) {
		free(e->name);
		l->r = -ENOMEM;
		return;
	}
	l->n++;
}

static int by_walk(const void *a, const void *b)
{
	const struct upg_line *x = a, *y = b;

	if (x->walk != y->walk)
		return x->walk < y->walk ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Write the kept lines in opkg's walk (it reads the lists for this
 * command). 0 or a negative code (reported). */
static int upgradable_write(struct pkg_ctx *ctx, struct upg_lines *l)
{
	size_t i;
	int r = l->r < 0 ? pkg_error(l->r, "cannot list the upgradable "
					     "packages")
			 : 0;

	if (r == 0 && l->n > 1 &&
	    (r = opkg_walk_keys(ctx, 1, l->v, l->n, sizeof(*l->v),
				offsetof(struct upg_line, name),
				offsetof(struct upg_line, walk))) == 0)
		qsort(l->v, l->n, sizeof(*l->v), by_walk);
	for (i = 0; r == 0 && i < l->n; i++)
		fputs(l->v[i].text, ctx->out);
	return r;
}

static void upgradable_free(struct upg_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].text);
	}
	free(l->v);
}

static int upgradable_pool(struct pkg_ctx *ctx, const char *glob,
			   struct upg_lines *l)
{
	Queue q;
	int i;

	queue_init(&q);
	solver_installed_ids(&ctx->solv, &q);
	cmd_sort_ids(&ctx->solv, &q);
	for (i = 0; i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		const char *v = solver_evr(&ctx->solv, q.elements[i]);
		Id best = solver_best_available(&ctx->solv, n);

		if (glob && !pkg_glob_match(ctx, glob, n))
			continue;
		if (!best ||
		    solver_vercmp(&ctx->solv, solver_evr(&ctx->solv, best), v) <=
			    0)
			continue;
		upgradable_line(ctx, l, n, v, solver_evr(&ctx->solv, best));
	}
	queue_free(&q);
	return 0;
}

struct upgradable {
	struct pkg_ctx *ctx;
	const char *glob;
	struct feed_rows *rows; /* ctx->conf.nsrcs of them */
	struct pkg_solver order; /* an empty pool: its version order */
	int image;		 /* the image's packages are candidates */
	struct upg_lines lines;
};

static int upgradable_one(const struct db_pkg *p, void *ud)
{
	struct upgradable *u = ud;
	const char *best = NULL;
	struct feed_row row;
	size_t i, j;
	int c;

	/* the pool's installed packages */
	if ((strcmp(p->state, "installed") && strcmp(p->state, "failed")) ||
	    (u->glob && !pkg_glob_match(u->ctx, u->glob, p->name)))
		return 0;
	for (i = 0; i < u->ctx->conf.nsrcs; i++) {
		const struct feed_rows *r = &u->rows[i];
		for (j = feed_rows_lower(r, p->name);
		     j < r->n && !strcmp(feed_rows_name(r, j), p->name); j++) {
			feed_rows_get(r, j, &row);
			if (!best || solver_evrcmp(&u->order, row.version,
						   best) > 0)
				best = row.version;
		}
	}
	if (u->image && p->rom_version &&
	    (!best || (c = solver_evrcmp(&u->order, p->rom_version, best)) > 0 ||
	     (c == 0 && u->ctx->opt.from_rom)))
		best = p->rom_version;
	if (best && solver_vercmp(&u->order, best, p->version) > 0)
		upgradable_line(u->ctx, &u->lines, p->name, p->version, best);
	return 0;
}

static int cmd_list_upgradable(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct upgradable u = { .ctx = ctx, .glob = argc > 0 ? argv[0] : NULL,
				.lines = { .first = 1 } };
	Queue all;
	int r = feed_rows_map_all(ctx, &u.rows);

	if (r == 0) { /* a feed without its rows cache: the pool, whose
		       * installed packages come from a database (in RAM
		       * when the root has none) */
		if (!ctx->db)
			r = session_open_db(ctx, 0);
		if (r == 0 && (r = session_load_pool(ctx)) == 0)
			r = upgradable_pool(ctx, u.glob, &u.lines);
		queue_init(&all);
		if (r == 0) {
			solver_all_ids(&ctx->solv, &all);
			feed_rows_write_missing(ctx, &all);
		}
		queue_free(&all);
	} else if (r > 0 && (r = solver_init(&u.order, NULL, NULL, 0)) == 0) {
		/* as rom_pool_add puts them in the pool */
		u.image = ctx->db && ctx->rf.rom &&
			  ctx->rf.mode != ROOTFS_PLAIN && !ctx->opt.from_feed;
		r = ctx->db ? db_pkg_each(ctx->db, upgradable_one, &u)
			    : opkg_status_each(ctx, upgradable_one, &u);
		solver_release(&u.order);
	}
	feed_rows_unmap_all(u.rows, ctx->conf.nsrcs);
	if (r == 0)
		r = upgradable_write(ctx, &u.lines);
	upgradable_free(&u.lines);
	if (r < 0)
		return r;
	cmd_json_end(ctx, u.lines.first);
	return 0;
}

const struct pkg_cmd cmd_list_upgradable_desc = {
	"list-upgradable", "[GLOB]", "list installed packages with a newer version",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_LISTING |
		CMD_NAMES | CMD_STATUS_READ,
	cmd_list_upgradable
};
