/*
 * The shared path of every state-changing command: solve the queued jobs,
 * show problems as sentences, honour --noaction / --download-only, plan
 * (download + verify) and run the transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <solv/solver.h>

#include "tx/tx.h"

/* Mark what the user asked for, so that autoremove keeps it. */
static int user_marks(const struct db_pkg *p, void *ud)
{
	struct pkg_ctx *ctx = ud;

	if (!p->auto_installed && !strcmp(p->state, "installed"))
		solver_job(&ctx->solv, SJ_USERINSTALLED, p->name, 0);
	return 0;
}

static int solve_flags(struct pkg_ctx *ctx, int flags)
{
	if (ctx->opt.nodeps)
		flags |= SOLVE_NODEPS;
	if (ctx->opt.force & FORCE_DEPENDS)
		flags |= SOLVE_FORCE_DEPENDS;
	if (ctx->opt.autoremove)
		flags |= SOLVE_AUTOREMOVE;
	if (ctx->opt.no_recommends)
		flags |= SOLVE_NO_RECOMMENDS;
	if (ctx->opt.force & FORCE_DOWNGRADE)
		flags |= SOLVE_ALLOW_DOWNGRADE;
	if (ctx->opt.force & FORCE_REMOVE_DEPENDENT)
		flags |= SOLVE_REMOVE_DEPENDENTS;
	if (ctx->opt.force & FORCE_REMOVE_ESSENTIAL)
		flags |= SOLVE_REMOVE_ESSENTIAL;
	return flags;
}

static void print_plan(struct pkg_ctx *ctx, const struct solver_result *res)
{
	size_t i;

	for (i = 0; i < res->n; i++) {
		const struct solver_step *s = &res->steps[i];
		const char *n = solver_name(&ctx->solv, s->p);
		const char *v = solver_evr(&ctx->solv, s->p);

		if (s->type == STEP_REMOVE)
			ctx_note(ctx, 1, "Removing package %s from root...\n",
				 n);
		else if (s->old)
			ctx_note(ctx, 1,
				 "Upgrading %s on root from %s to %s...\n", n,
				 solver_evr(&ctx->solv, s->old), v);
		else
			ctx_note(ctx, 1, "Installing %s (%s) to root...\n", n,
				 v);
	}
}

static int refuse_essential(struct pkg_ctx *ctx,
			    const struct solver_result *res)
{
	size_t i;

	if (ctx->opt.force & FORCE_REMOVE_ESSENTIAL)
		return 0;
	for (i = 0; i < res->n; i++)
		if (res->steps[i].type == STEP_REMOVE &&
		    solver_is_essential(&ctx->solv, res->steps[i].p))
			return pkg_error_plain(
				-PKGE_CONFLICT,
				"refusing to remove essential package %s "
				"(--force-removal-of-essential-packages)",
				solver_name(&ctx->solv, res->steps[i].p));
	return 0;
}

/* --add-exclude NAME: never install NAME; --add-ignore-recommends NAME:
 * do not pull NAME in as a recommendation (libsolv's own job kinds). */
static void option_jobs(struct pkg_ctx *ctx)
{
	Pool *pool = ctx->solv.pool;
	size_t i;

	for (i = 0; i < ctx->opt.nadd_excludes; i++)
		queue_push2(&ctx->solv.jobs, SOLVER_LOCK | SOLVER_SOLVABLE_NAME,
			    pool_str2id(pool, ctx->opt.add_excludes[i], 1));
	for (i = 0; i < ctx->opt.nignore_recs; i++)
		queue_push2(&ctx->solv.jobs,
			    SOLVER_EXCLUDEFROMWEAK | SOLVER_SOLVABLE_NAME,
			    pool_str2id(pool, ctx->opt.ignore_recs[i], 1));
}

/* A step whose archive is in the cache and verifies (silently: a stale
 * copy is just downloaded again): point it at a copy of the package in
 * the @commandline repo, with the open, verified file, so that tx_plan
 * uses it instead of downloading. */
static void cache_use(struct pkg_ctx *ctx, struct solver_step *st,
		      const struct pkg_cache *c, Id *ids, char **names,
		      int *fds, size_t *n)
{
	const struct feed_archive *a = st->type == STEP_REMOVE ? NULL :
				       feed_archive(ctx, st->p);
	const char *fn = a ? a->filename : NULL, *base;
	struct ipk *ipk = NULL;
	int fd;
	Repo *repo;
	Id np;

	if (st->type == STEP_REMOVE || !fn)
		return;
	base = strrchr(fn, '/') ? strrchr(fn, '/') + 1 : fn;
	fd = cache_open_file(ctx, c, base);
	if (fd < 0)
		return;
	if (fetch_check_fd(fd, a->sha256, a->md5) != 1 ||
	    ipk_open_fd(&ipk, dup(fd), base) < 0) {
		close(fd);
		return;
	}
	repo = repo_create(ctx->solv.pool, "@commandline");
	np = solver_add_stanza(&ctx->solv, repo, ipk_control(ipk), 0);
	ipk_free(ipk);
	if (!np || !(names[*n] = strdup(base))) {
		close(fd);
		return;
	}
	ctx_note(ctx, 2, "Using %s from the cache.\n", base);
	st->p = np;
	ids[*n] = np;
	fds[(*n)++] = fd;
}

/* Copy what this transaction downloaded into the cache. */
static void cache_keep(struct pkg_ctx *ctx, const struct tx *tx,
		       const struct pkg_cache *c)
{
	size_t i;

	for (i = 0; i < tx->n; i++) {
		const struct tx_item *it = &tx->items[i];
		char *data = NULL;
		size_t len;

		if (!it->ipk || !tx->dldir || it->ipk_fd < 0 ||
		    strncmp(it->ipk, tx->dldir, strlen(tx->dldir)))
			continue;
		if (lseek(it->ipk_fd, 0, SEEK_SET) == 0 &&
		    fd_read_all(it->ipk_fd, 0, &data, &len) == 0)
			cache_write(ctx, c, strrchr(it->ipk, '/') + 1, data,
				    len);
		lseek(it->ipk_fd, 0, SEEK_SET);
		free(data);
	}
}

/* Where the archives of the packages to install are, read from the
 * lists in one pass (the steps come in dependency order). */
static int prefetch_archives(struct pkg_ctx *ctx,
			     const struct solver_result *res)
{
	Id *ids = calloc(res->n + 1, sizeof(*ids));
	size_t i, n = 0;
	int r;

	if (!ids)
		return pkg_error(-ENOMEM, "cannot plan the transaction");
	for (i = 0; i < res->n; i++)
		if (res->steps[i].type != STEP_REMOVE)
			ids[n++] = res->steps[i].p;
	r = feed_archives_prefetch(ctx, ids, n);
	free(ids);
	return r;
}

int apply_jobs(struct pkg_ctx *ctx, int flags, const char *const *user,
	       size_t nuser, const Id *local_ids, char *const *local_paths,
	       size_t nlocal)
{
	struct solver_result res = { 0 };
	struct tx tx = { 0 };
	struct pkg_cache cache = { 0, NULL };
	char **cnames = NULL;
	int *cfds = NULL;
	Id *cids = NULL;
	size_t i, k, nc = 0;
	int r;

	/* --volatile-cache: nothing is kept, nothing is reused */
	if (!ctx->opt.volatile_cache && (r = cache_open(ctx, &cache)) < 0)
		return r;

	option_jobs(ctx);
	if (ctx->opt.autoremove)
		db_pkg_each(ctx->db, user_marks, ctx);
	r = solver_run(&ctx->solv, solve_flags(ctx, flags),
			 ctx->opt.testcase_dir, &res);
	if (r == -PKGE_UNSOLVABLE) {
		for (i = 0; i < res.nproblems; i++)
			pkg_error_plain(r, "%s", res.problems[i]);
		solver_result_release(&res);
		return r;
	}
	if (r == 0)
		r = refuse_essential(ctx, &res);
	if (r < 0) {
		solver_result_release(&res);
		return r;
	}
	if (ctx->opt.noaction) {
		print_plan(ctx, &res);
		solver_result_release(&res);
		cache_release(&cache);
		return 0;
	}
	if ((r = prefetch_archives(ctx, &res)) < 0) {
		solver_result_release(&res);
		cache_release(&cache);
		return r;
	}
	if (cache.dir && (cids = calloc(res.n + 1, sizeof(*cids))) &&
	    (cnames = calloc(res.n + 1, sizeof(*cnames))) &&
	    (cfds = calloc(res.n + 1, sizeof(*cfds))))
		for (i = 0; i < res.n; i++)
			cache_use(ctx, &res.steps[i], &cache, cids, cnames,
				  cfds, &nc);
	r = tx_plan(&tx, ctx, &res, user, nuser);
	for (i = 0; r == 0 && i < tx.n; i++) {
		for (k = 0; k < nlocal; k++)
			if (tx.items[i].p == local_ids[k] && !tx.items[i].ipk)
				tx.items[i].ipk = strdup(local_paths[k]);
		for (k = 0; k < nc; k++)
			if (tx.items[i].p == cids[k] && !tx.items[i].ipk) {
				tx.items[i].ipk = strdup(cnames[k]);
				tx.items[i].ipk_fd = cfds[k];
				cfds[k] = -1;
			}
	}
	if (r == 0 && cache.dir)
		cache_keep(ctx, &tx, &cache);
	if (r == 0 && !ctx->opt.download_only)
		r = tx_run(&tx);
	tx_release(&tx);
	solver_result_release(&res);
	for (k = 0; k < nc; k++) {
		free(cnames[k]);
		if (cfds[k] >= 0)
			close(cfds[k]);
	}
	free(cnames);
	free(cfds);
	free(cids);
	cache_release(&cache);
	return r;
}
