/*
 * configure [GLOB]: run the postinst of unpacked packages (those whose
 * postinst failed, or flagged unpacked), as opkg's configure does,
 * dependencies first; then every alternatives link (tx/alternatives.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

struct cfg_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	char **names;
	size_t n;
};

static int collect_unpacked(const struct db_pkg *p, void *ud)
{
	struct cfg_ctx *c = ud;
	char **v;

	if (strcmp(p->state, "failed") ||
	    !pkg_glob_match(c->ctx, c->glob, p->name))
		return 0;
	v = realloc(c->names, (c->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	c->names = v;
	c->names[c->n++] = strdup(p->name);
	return 0;
}

/* Run name's postinst (none in an offline root without
 * --force-postinstall, as opkg), with the intercepts ic, and mark it
 * installed when it passes. */
static int configure_one(struct pkg_ctx *ctx, const char *name,
			 const struct tx_intercepts *ic)
{
	struct hook_env he = { ctx->root, ctx->rf.root_fd, ctx->offline, name,
			       NULL, ic->dir ? ic->path : NULL, ic->dir };
	const char *args[] = { "configure", NULL };
	const char *tmp = NULL;
	int tmpfd = -1;
	struct db_pkg p;
	char *body = NULL;
	size_t len = 0;
	int r = 0;

	ctx_note(ctx, 1, "Configuring %s.\n", name);
	if ((!ctx->offline || ctx->opt.force & FORCE_POSTINSTALL ||
	     ctx->conf.force_postinstall) &&
	    db_script_get(ctx->db, name, "postinst", &body, &len) == 0)
		r = (tmp = ctx_tmpdir(ctx, &tmpfd))
			    ? tx_hook_run(ctx, &he, "postinst", body, len, tmp,
					  tmpfd, args)
			    : -EIO; /* reported */
	free(body);
	if (r < 0 || db_pkg_get(ctx->db, name, &p) < 0)
		return r;
	free(p.state);
	p.state = strdup("installed");
	r = p.state ? db_pkg_put(ctx->db, &p) : -ENOMEM;
	db_pkg_release(&p);
	return r;
}

/* Depth first through the installed packages' dependencies, each one
 * after what it depends on (opkg's opkg_recurse_pkgs_in_order): the
 * order is pushed onto out, installed packages on the way included. */
static void dep_order(struct pkg_ctx *ctx, Id p, Queue *seen, Queue *out)
{
	Queue deps;
	int i;

	for (i = 0; i < seen->count; i++)
		if (seen->elements[i] == p)
			return;
	queue_push(seen, p);
	queue_init(&deps);
	solver_installed_deps(&ctx->solv, p, &deps);
	for (i = 0; i < deps.count; i++)
		dep_order(ctx, deps.elements[i], seen, out);
	queue_free(&deps);
	queue_push(out, p);
}

/* Sort the names to configure so that a package comes after the ones it
 * depends on ("Configuring b." before "Configuring a." when a depends
 * on b), name order otherwise. */
static void configure_order(struct pkg_ctx *ctx, struct cfg_ctx *c)
{
	Queue seen, order, named;
	size_t i, k = 0;
	int j;

	if (!ctx->solv_ready || !ctx->solv.installed || c->n < 2)
		return;
	queue_init(&seen);
	queue_init(&order);
	queue_init(&named);
	for (i = 0; i < c->n; i++) {
		queue_empty(&named);
		solver_named_ids(&ctx->solv, c->names[i], &named);
		for (j = 0; j < named.count; j++)
			if (solver_is_installed(&ctx->solv, named.elements[j]))
				dep_order(ctx, named.elements[j], &seen,
					  &order);
	}
	queue_free(&named);
	for (j = 0; j < order.count; j++) { /* the unpacked ones, in order */
		const char *n = solver_name(&ctx->solv, order.elements[j]);
		for (i = k; i < c->n; i++)
			if (!strcmp(c->names[i], n)) {
				char *t = c->names[k];
				c->names[k++] = c->names[i];
				c->names[i] = t;
				break;
			}
	}
	queue_free(&seen);
	queue_free(&order);
}

static int cmd_configure(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct cfg_ctx c = { ctx, argc > 0 ? argv[0] : NULL, NULL, 0 };
	struct tx_intercepts ic = { NULL, NULL };
	size_t i;
	int r = db_pkg_each(ctx->db, collect_unpacked, &c), failed = 0;

	configure_order(ctx, &c);
	if (r == 0 && c.n && !ctx->opt.noaction)
		tx_intercepts_begin(ctx, &ic);
	for (i = 0; r == 0 && i < c.n; i++) {
		int e = ctx->opt.noaction ? 0
					  : configure_one(ctx, c.names[i], &ic);
		if (e < 0)
			failed = e;
	}
	tx_intercepts_end(ctx, &ic);
	for (i = 0; i < c.n; i++)
		free(c.names[i]);
	free(c.names);
	if (r == 0 && c.n && !ctx->opt.noaction)
		r = opkg_files_write(ctx, NULL);
	/* every package's alternatives links, as opkg's configure leaves
	 * them (also a repair: links lost or made by hand) */
	if (r == 0 && !ctx->opt.noaction)
		r = alt_apply(ctx);
	return r < 0 ? r : failed;
}

const struct pkg_cmd cmd_configure_desc = {
	"configure", "[GLOB]", "configure unpacked packages (run postinst)",
	CMD_OPKG | CMD_WRITE | CMD_DB | CMD_POOL | CMD_SCOPE | CMD_NAMES, cmd_configure
};

