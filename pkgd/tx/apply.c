/*
 * The shared path of every state-changing command: solve the queued jobs,
 * show problems as sentences, honour --noaction / --download-only, plan
 * (download + verify) and run the transaction.
 */
#include <errno.h>
#include <stdio.h>
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
	if (ctx->opt.prefer_arch)
		flags |= SOLVE_PREFER_ARCH;
	return flags;
}

/* Is the removal of name an --autoremove of an orphan: installed as a
 * dependency (Auto-Installed), not named by the user? opkg says so
 * before it removes one. */
static int is_orphan(struct pkg_ctx *ctx, const char *name,
		     const char *const *user, size_t nuser)
{
	struct db_pkg p;
	size_t k;
	int orphan;

	if (!ctx->opt.autoremove)
		return 0;
	for (k = 0; k < nuser; k++)
		if (!strcmp(user[k], name))
			return 0;
	if (db_pkg_get(ctx->db, name, &p) < 0)
		return 0;
	orphan = p.auto_installed;
	db_pkg_release(&p);
	return orphan;
}

static void print_plan(struct pkg_ctx *ctx, const struct solver_result *res,
		       const char *const *user, size_t nuser)
{
	size_t i;

	for (i = 0; i < res->n; i++) {
		const struct solver_step *s = &res->steps[i];
		const char *n = solver_name(&ctx->solv, s->p);
		const char *v = solver_evr(&ctx->solv, s->p);

		if (s->type == STEP_REMOVE && is_orphan(ctx, n, user, nuser))
			ctx_note(ctx, 1, "%s was autoinstalled and is now "
				 "orphaned, removing.\n", n);
		if (s->type == STEP_REMOVE)
			ctx_note(ctx, 1, "Removing package %s from root...\n",
				 n);
		else if (s->type == STEP_REINSTALL)
			ctx_note(ctx, 1, "Removing package %s from root...\n"
				 "Installing %s (%s) to root...\n", n, n, v);
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

/* flag hold: a held package stays at its version (upgrade, install of a
 * newer archive, a package that needs a newer one: Yocto's opkg; a
 * remove that names it still removes it). */
static int hold_lock(const struct db_pkg *p, void *ud)
{
	struct pkg_ctx *ctx = ud;

	if (p->hold && !strcmp(p->state, "installed"))
		solver_job(&ctx->solv, SJ_LOCK, p->name, 0);
	return 0;
}

int apply_held(struct pkg_ctx *ctx, const char *name)
{
	struct db_pkg p;
	int held;

	if (db_pkg_get(ctx->db, name, &p) < 0)
		return 0;
	held = p.hold && !strcmp(p.state, "installed");
	if (held) /* opkg's flags: hold, noprune, user and "need detail" */
		ctx_note(ctx, 1, "Not upgrading package %s which is marked "
			 "hold (flags=%#x).\n", name,
			 0x202 | (p.noprune ? 0x8 : 0) | (p.user ? 0x100 : 0));
	db_pkg_release(&p);
	return held;
}

/* Queue a job of kind (SJ_EXCLUDE, SJ_NO_RECOMMEND) for each name the
 * glob matches among the pool's packages, once per name; a plain name
 * (without -i) is queued as it is, known or not. */
static void name_jobs(struct pkg_ctx *ctx, enum solver_job_kind kind,
		      const char *glob)
{
	Queue q;
	int i, k;

	if (!arg_has_glob(glob) && !ctx->opt.nocase) {
		solver_job(&ctx->solv, kind, glob, 0);
		return;
	}
	queue_init(&q);
	pkg_glob_ids(ctx, glob, &q);
	for (i = 0; i < q.count; i++) {
		Id name = solver_name_id(&ctx->solv, q.elements[i]);
		for (k = 0; k < i; k++)
			if (solver_name_id(&ctx->solv, q.elements[k]) == name)
				break;
		if (k == i)
			solver_job(&ctx->solv, kind,
				   solver_id_str(&ctx->solv, name), 0);
	}
	queue_free(&q);
}

/* Names not to pull in as a recommendation: --add-ignore-recommends
 * (Yocto's) and, as opkg, a package the status file says was removed
 * and is held ("Status: deinstall hold not-installed"). */
struct no_recs {
	char **names; /* names and globs */
	size_t n;
};

static int status_hold_stanza(const struct ctl_stanza *st, void *ud)
{
	struct no_recs *nr = ud;
	const char *n = ctl_get(st, "Package"), *s = ctl_get(st, "Status");
	char want[16], flag[64], state[32];

	if (n && s && sscanf(s, "%15s %63s %31s", want, flag, state) == 3 &&
	    !strcmp(want, "deinstall") && strstr(flag, "hold") &&
	    !strcmp(state, "not-installed"))
		strv_add_unique(&nr->names, &nr->n, n);
	return 0;
}

static void no_recs_load(struct pkg_ctx *ctx, struct no_recs *nr)
{
	char *text = NULL;
	size_t len, i;

	for (i = 0; i < ctx->opt.nignore_recs; i++)
		strv_add_unique(&nr->names, &nr->n, ctx->opt.ignore_recs[i]);
	if (ctx_read_file(ctx, ctx->conf.status_file, 0, &text, &len) == 0)
		ctl_parse(text, len, 0, status_hold_stanza, nr);
	free(text);
}

static void no_recs_release(struct no_recs *nr)
{
	size_t i;

	for (i = 0; i < nr->n; i++)
		free(nr->names[i]);
	free(nr->names);
}

static int no_rec(const struct pkg_ctx *ctx, const struct no_recs *nr,
		  const char *name)
{
	size_t i;

	for (i = 0; i < nr->n; i++)
		if (pkg_glob_match(ctx, nr->names[i], name))
			return 1;
	return 0;
}

/* --add-exclude NAME|GLOB: never install it (a dependency on it fails);
 * the names of nr are not pulled in as recommendations (libsolv's own
 * job kinds; "*" is --no-install-recommends). */
static void option_jobs(struct pkg_ctx *ctx, const struct no_recs *nr)
{
	size_t i;

	for (i = 0; i < ctx->opt.nadd_excludes; i++)
		name_jobs(ctx, SJ_EXCLUDE, ctx->opt.add_excludes[i]);
	for (i = 0; i < nr->n; i++) {
		if (!strcmp(nr->names[i], "*"))
			ctx->opt.no_recommends = 1;
		else
			name_jobs(ctx, SJ_NO_RECOMMEND, nr->names[i]);
	}
}

/* opkg's notes for each recommendation of a package being installed
 * that is not pulled in at the user's request. */
static void say_no_recs(struct pkg_ctx *ctx, const struct no_recs *nr,
			const struct solver_result *res)
{
	Queue q;
	size_t i;
	int k;

	queue_init(&q);
	for (i = 0; nr->n && i < res->n; i++) {
		const struct solver_step *st = &res->steps[i];
		const char *who = solver_name(&ctx->solv, st->p);
		if (st->type == STEP_REMOVE)
			continue;
		queue_empty(&q);
		solver_dep_names(&ctx->solv, st->p, SOLVABLE_RECOMMENDS, &q);
		for (k = 0; k < q.count; k++) {
			const char *n = solver_id_str(&ctx->solv,
						      q.elements[k]);
			if (!no_rec(ctx, nr, n) || db_pkg_installed(ctx->db, n))
				continue;
			ctx_note(ctx, 1, "%s: ignoring recommendation for %s "
				 "at user request\n%s: unsatisfied "
				 "recommendation for %s\n", who, n, who, n);
		}
	}
	queue_free(&q);
}

/* A step whose archive is in the cache and verifies (silently: a stale
 * copy is just downloaded again): point it at a copy of the package in
 * the solver's repo of local archives (solver_add_local), with the open,
 * verified file, so that tx_plan uses it instead of downloading. */
static void cache_use(struct pkg_ctx *ctx, struct solver_step *st,
		      const struct pkg_cache *c, Id *ids, char **names,
		      int *fds, size_t *n)
{
	const struct feed_archive *a = st->type == STEP_REMOVE ? NULL :
				       feed_archive(ctx, st->p);
	const char *fn = a ? a->filename : NULL, *base;
	struct ipk *ipk = NULL;
	int fd;
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
	np = solver_add_local(&ctx->solv, ipk_control(ipk));
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

/* Solve the queued jobs with those of the options and the holds: 0 with
 * res filled, or a negative code (problems reported). */
static int apply_solve(struct pkg_ctx *ctx, int flags,
		       struct solver_result *res)
{
	struct no_recs nr = { NULL, 0 };
	size_t i;
	int r;

	no_recs_load(ctx, &nr);
	option_jobs(ctx, &nr);
	db_pkg_each(ctx->db, hold_lock, ctx);
	if (ctx->opt.autoremove)
		db_pkg_each(ctx->db, user_marks, ctx);
	r = solver_run(&ctx->solv, solve_flags(ctx, flags),
		       ctx->opt.testcase_dir, res);
	if (r == -PKGE_UNSOLVABLE)
		for (i = 0; i < res->nproblems; i++)
			pkg_error_plain(r, "%s", res->problems[i]);
	if (r == 0)
		r = refuse_essential(ctx, res);
	if (r == 0)
		say_no_recs(ctx, &nr, res);
	no_recs_release(&nr);
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
	int r = apply_solve(ctx, flags, &res);

	if (r == 0 && ctx->opt.noaction)
		print_plan(ctx, &res, user, nuser);
	if (r < 0 || ctx->opt.noaction)
		goto out;
	/* --volatile-cache: nothing is kept, nothing is reused */
	if (!ctx->opt.volatile_cache && (r = cache_open(ctx, &cache)) < 0)
		goto out;
	if ((r = prefetch_archives(ctx, &res)) < 0)
		goto out;
	/* the cache is an optimisation: without memory for its lists the
	 * archives are downloaded */
	if (cache.dir && (cids = calloc(res.n + 1, sizeof(*cids))) &&
	    (cnames = calloc(res.n + 1, sizeof(*cnames))) &&
	    (cfds = calloc(res.n + 1, sizeof(*cfds))))
		for (i = 0; i < res.n; i++)
			cache_use(ctx, &res.steps[i], &cache, cids, cnames,
				  cfds, &nc);
	r = tx_plan(&tx, ctx, &res, user, nuser);
	for (i = 0; r == 0 && i < tx.n; i++) {
		struct tx_item *it = &tx.items[i];
		it->orphan = it->type == STEP_REMOVE &&
			     is_orphan(ctx, it->name, user, nuser);
		for (k = 0; k < nlocal && !it->ipk; k++)
			if (it->p == local_ids[k] &&
			    !(it->ipk = strdup(local_paths[k])))
				r = pkg_error(-ENOMEM, "cannot plan '%s'",
					      local_paths[k]);
		for (k = 0; r == 0 && k < nc && !it->ipk; k++)
			if (it->p == cids[k]) {
				if (!(it->ipk = strdup(cnames[k])))
					r = pkg_error(-ENOMEM, "cannot plan "
						      "'%s'", cnames[k]);
				it->ipk_fd = cfds[k];
				cfds[k] = -1;
			}
	}
	if (r == 0 && cache.dir)
		cache_keep(ctx, &tx, &cache);
	if (r == 0 && !ctx->opt.download_only)
		r = tx_run(&tx);
out:
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
