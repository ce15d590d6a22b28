/*
 * The shared path of every state-changing command: solve the queued jobs,
 * show problems as sentences, honour --noaction / --download-only, plan
 * (download + verify) and run the transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkgd.h"

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

int apply_jobs(struct pkg_ctx *ctx, int flags, const char *const *user,
	       size_t nuser, const Id *local_ids, char *const *local_paths,
	       size_t nlocal)
{
	struct solver_result res = { 0 };
	struct tx tx = { 0 };
	size_t i, k;
	int r;

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
		return 0;
	}
	r = tx_plan(&tx, ctx, &res, user, nuser);
	for (i = 0; r == 0 && i < tx.n; i++)
		for (k = 0; k < nlocal; k++)
			if (tx.items[i].p == local_ids[k] && !tx.items[i].ipk)
				tx.items[i].ipk = strdup(local_paths[k]);
	if (r == 0 && !ctx->opt.download_only)
		r = tx_run(&tx);
	tx_release(&tx);
	solver_result_release(&res);
	return r;
}
