/*
 * solver/solve.c: running libsolv on the queued jobs and turning its
 * transaction (ordered: dependencies first) into steps.
 *
 * --force-depends (SOLVE_FORCE_DEPENDS): solve; for every problem, weaken
 * the dependencies of the packages whose requirements take part in it
 * (SOLVER_WEAKENDEPS, so libsolv drops them only where they cannot be
 * met) and solve again, until no problem is left or nothing more can be
 * weakened. Conflicts are never ignored.
 *
 * Essential packages: an erase job naming one is a problem unless
 * SOLVE_REMOVE_ESSENTIAL; every installed essential package also gets an
 * install-by-name job so that neither --autoremove nor
 * SOLVE_REMOVE_DEPENDENTS can take it away implicitly.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/solver.h>
#include <solv/testcase.h>
#include <solv/transaction.h>

#include "solver.h"
#include "solver_int.h"

static int push_step(struct solver_result *res, enum step_type type, Id p,
		     Id old)
{
	struct solver_step *n;
	size_t i;

	for (i = 0; i < res->n; i++)
		if (res->steps[i].p == p)
			return 0;
	n = realloc(res->steps, (res->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	res->steps = n;
	n[res->n++] = (struct solver_step){ type, p, old };
	return 0;
}

static int push_problem(struct solver_result *res, char *msg)
{
	char **n;

	if (!msg)
		return -ENOMEM;
	n = realloc(res->problems, (res->nproblems + 1) * sizeof(*n));
	if (!n) {
		free(msg);
		return -ENOMEM;
	}
	res->problems = n;
	n[res->nproblems++] = msg;
	return 0;
}

static enum step_type step_kind(Pool *pool, Id p, Id old)
{
	int c;

	if (!old)
		return STEP_INSTALL;
	c = pool_evrcmp(pool, pool->solvables[p].evr,
			pool->solvables[old].evr, EVRCMP_COMPARE);
	return c > 0 ? STEP_UPGRADE : c < 0 ? STEP_DOWNGRADE : STEP_REINSTALL;
}

/* Does the transaction install a package named like installed o (its
 * new version)? */
static int upgraded_in(Pool *pool, Transaction *trans, Id o)
{
	int i;

	for (i = 0; i < trans->steps.count; i++) {
		Id q = trans->steps.elements[i];
		if (pool->solvables[q].repo != pool->installed &&
		    pool->solvables[q].name == pool->solvables[o].name)
			return 1;
	}
	return 0;
}

/* One new package of the transaction: the installed packages it replaces
 * under another name are removed first (unless their own new version
 * comes too: "b Replaces a (<< 2)" with a 2 in the transaction); the
 * same-named one is `old`. */
static int add_new(struct pkg_solver *s, Transaction *trans, Id p,
		   struct solver_result *res)
{
	Pool *pool = s->pool;
	Queue obs;
	Id old = 0;
	int i, r = 0;

	queue_init(&obs);
	transaction_all_obs_pkgs(trans, p, &obs);
	for (i = 0; i < obs.count; i++)
		if (pool->solvables[obs.elements[i]].name ==
		    pool->solvables[p].name)
			old = obs.elements[i];
	for (i = 0; i < obs.count && r == 0; i++)
		if (obs.elements[i] != old &&
		    !upgraded_in(pool, trans, obs.elements[i]))
			r = push_step(res, STEP_REMOVE, obs.elements[i], 0);
	queue_free(&obs);
	if (r == 0)
		r = push_step(res, step_kind(pool, p, old), p, old);
	return r;
}

static int collect_steps(struct pkg_solver *s, Solver *solv,
			 struct solver_result *res)
{
	Transaction *trans = solver_create_transaction(solv);
	Id p;
	int i, r = 0;

	transaction_order(trans, 0);
	for (i = 0; i < trans->steps.count && r == 0; i++) {
		p = trans->steps.elements[i];
		if (!solver_is_installed(s, p))
			r = add_new(s, trans, p, res);
		else if (!transaction_obs_pkg(trans, p))
			r = push_step(res, STEP_REMOVE, p, 0);
	}
	transaction_free(trans);
	return r;
}

/* ---- --nodeps: the jobs' own targets, no resolution ---- */

static Id best_of(const struct pkg_solver *s, Queue *q)
{
	Id best = 0;
	int i;

	for (i = 0; i < q->count; i++)
		if (!solver_is_installed(s, q->elements[i]) &&
		    (!best || solver_better(s, q->elements[i], best)))
			best = q->elements[i];
	return best;
}

static int nodeps_one(struct pkg_solver *s, Id how, Id what,
		      struct solver_result *res)
{
	Pool *pool = s->pool;
	Queue q;
	Id p, old;
	int i, r = 0, c;

	queue_init(&q);
	pool_job2solvables(pool, &q, how, what);
	if ((how & SOLVER_JOBMASK) == SOLVER_ERASE) {
		for (i = 0; i < q.count && r == 0; i++)
			if (solver_is_installed(s, q.elements[i]))
				r = push_step(res, STEP_REMOVE,
					      q.elements[i], 0);
	} else if ((how & SOLVER_JOBMASK) == SOLVER_INSTALL ||
		   (how & SOLVER_JOBMASK) == SOLVER_UPDATE) {
		p = best_of(s, &q);
		old = p ? solver_installed_by_name(s, pool->solvables[p].name)
			: 0;
		c = old ? pool_evrcmp(pool, pool->solvables[p].evr,
				      pool->solvables[old].evr, EVRCMP_COMPARE)
			: 1;
		if (p && c > 0)
			r = push_step(res, step_kind(pool, p, old), p, old);
	}
	queue_free(&q);
	return r;
}

static int solve_nodeps(struct pkg_solver *s, struct solver_result *res)
{
	int i, r = 0;

	for (i = 0; i < s->jobs.count && r == 0; i += 2)
		r = nodeps_one(s, s->jobs.elements[i], s->jobs.elements[i + 1],
			       res);
	return r < 0 ? pkg_error(r, "cannot plan the transaction") : 0;
}

/* ---- the real thing ---- */

/* --prefer-arch-to-version (Yocto's opkg): a candidate of a worse arch
 * than another of the same name is disfavoured, so that libsolv takes the
 * better arch even when the worse one is newer; it stays installable
 * (a dependency only it satisfies still gets it). */
static void prefer_arch_jobs(struct pkg_solver *s, Queue *job)
{
	Pool *pool = s->pool;
	Solvable *sp, *sq;
	Id p, q, pp;

	FOR_POOL_SOLVABLES(p) {
		sp = pool->solvables + p;
		if (sp->repo == s->installed)
			continue;
		FOR_PROVIDES(q, pp, sp->name) {
			sq = pool->solvables + q;
			if (sq->name == sp->name && sq->repo != s->installed &&
			    solver_arch_prio(s, sq->arch) >
				    solver_arch_prio(s, sp->arch)) {
				queue_push2(job, SOLVER_DISFAVOR |
						 SOLVER_SOLVABLE, p);
				break;
			}
		}
	}
}

/* Copy the jobs with flags applied; essential guards. Problems found
 * here (removing an essential package) go to res. */
static int make_jobs(struct pkg_solver *s, int flags, Queue *job,
		     struct solver_result *res)
{
	Pool *pool = s->pool;
	Solvable *so;
	Id p, how;
	int i, r = 0;
	char *m;

	for (i = 0; i < s->jobs.count; i += 2) {
		how = s->jobs.elements[i];
		/* --autoremove: what a removed package, or the old version
		 * of an upgraded one, alone needed goes too (a dependency
		 * or recommendation the new version dropped) */
		if (((how & SOLVER_JOBMASK) == SOLVER_ERASE ||
		     (how & SOLVER_JOBMASK) == SOLVER_UPDATE) &&
		    (flags & SOLVE_AUTOREMOVE))
			how |= SOLVER_CLEANDEPS;
		/* a hold keeps a package as it is, but a remove that names
		 * it takes it (opkg removes held packages) */
		if ((how & SOLVER_JOBMASK) == SOLVER_LOCK &&
		    (how & SOLVER_SELECTMASK) == SOLVER_SOLVABLE_NAME &&
		    solver_erase_queued(s, s->jobs.elements[i + 1]))
			continue;
		queue_push2(job, how, s->jobs.elements[i + 1]);
	}
	if (flags & SOLVE_PREFER_ARCH)
		prefer_arch_jobs(s, job);
	if (!s->installed)
		return 0;
	FOR_REPO_SOLVABLES(s->installed, p, so) {
		if (!solver_is_essential(s, p))
			continue;
		if (!(flags & SOLVE_REMOVE_ESSENTIAL) &&
		    solver_erase_queued(s, so->name)) {
			if (asprintf(&m, "cannot remove essential package "
				     "'%s'", pool_id2str(pool, so->name)) < 0)
				m = NULL;
			if ((r = push_problem(res, m)) < 0)
				return r;
		} else if (!solver_erase_queued(s, so->name)) {
			queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME,
				    so->name);
		}
	}
	return 0;
}

static Solver *make_solver(Pool *pool, int flags)
{
	Solver *solv = solver_create(pool);

	solver_set_flag(solv, SOLVER_FLAG_ALLOW_DOWNGRADE,
			!!(flags & SOLVE_ALLOW_DOWNGRADE));
	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED,
			!!(flags & SOLVE_NO_RECOMMENDS));
	solver_set_flag(solv, SOLVER_FLAG_ALLOW_UNINSTALL,
			!!(flags & SOLVE_REMOVE_DEPENDENTS));
	/* The arch policy only orders candidates of the same version
	 * (set_arch_policy): a worse arch stays installable and an
	 * installed package may change arch. */
	solver_set_flag(solv, SOLVER_FLAG_NO_INFARCHCHECK, 1);
	solver_set_flag(solv, SOLVER_FLAG_ALLOW_ARCHCHANGE, 1);
	/* opkg upgrades a package to its own newer version, not to another
	 * package that Replaces it (that one comes in as the new version
	 * needs it, and takes over its files) */
	solver_set_flag(solv, SOLVER_FLAG_ALLOW_NAMECHANGE, 0);
	return solv;
}

/* Solve; with --force-depends weaken requirements in problems and retry.
 * Returns the number of problems left. */
static int run(Solver *solv, Queue *job, int flags)
{
	Queue weak;
	int n, i, added, rounds = 0;

	queue_init(&weak);
	while ((n = solver_solve(solv, job)) && (flags & SOLVE_FORCE_DEPENDS) &&
	       rounds++ < 32) {
		added = 0;
		for (i = 1; i <= n; i++)
			added += solver_problem_requirers(solv, i, &weak);
		if (!added)
			break;
		for (i = weak.count - added; i < weak.count; i++)
			queue_push2(job, SOLVER_WEAKENDEPS | SOLVER_SOLVABLE,
				    weak.elements[i]);
	}
	queue_free(&weak);
	return n;
}

/* libsolv's testcase writer lives in libsolvext, which links librpm,
 * libxml2, ICU and libstdc++ besides: 1.3 MB of RSS in every run for
 * an option used when reporting a solver bug. It is loaded when asked. */
#define LIBSOLVEXT "libsolvext.so.1"

#ifdef PKG_LIBSOLVEXT_LINKED
/* A build that links libsolv statically (make static; the native build
 * when make deps built libsolv.a) has libsolvext's writer linked in. */
static int dump_testcase(Solver *solv, const char *dir)
{
	if (!testcase_write(solv, dir, TESTCASE_RESULT_TRANSACTION |
			    TESTCASE_RESULT_PROBLEMS, 0, 0))
		return pkg_error(-EIO, "cannot write testcase to '%s': %s",
				 dir, pool_errstr(solv->pool));
	return 0;
}
#else
static int dump_testcase(Solver *solv, const char *dir)
{
	__typeof__(testcase_write) *write_tc;
	void *lib = dlopen(LIBSOLVEXT, RTLD_NOW | RTLD_LOCAL);
	int ok;

	if (!lib)
		return pkg_error(-ENOENT, "cannot write testcase to '%s': %s",
				 dir, dlerror());
	*(void **)&write_tc = dlsym(lib, "testcase_write");
	if (!write_tc) {
		dlclose(lib);
		return pkg_error(-ENOENT, "cannot write testcase to '%s': no "
				 "testcase_write in " LIBSOLVEXT, dir);
	}
	ok = write_tc(solv, dir, TESTCASE_RESULT_TRANSACTION |
		      TESTCASE_RESULT_PROBLEMS, 0, 0);
	dlclose(lib);
	if (!ok)
		return pkg_error(-EIO, "cannot write testcase to '%s': %s",
				 dir, pool_errstr(solv->pool));
	return 0;
}
#endif

/* Does a job ask for exactly solvable p (an archive named, a
 * --force-reinstall)? */
static int job_names_solvable(const Queue *job, Id p)
{
	int i;

	for (i = 0; i < job->count; i += 2)
		if ((job->elements[i] & SOLVER_JOBMASK) == SOLVER_INSTALL &&
		    (job->elements[i] & SOLVER_SELECTMASK) == SOLVER_SOLVABLE &&
		    job->elements[i + 1] == p)
			return 1;
	return 0;
}

/* Lock every installed package the solution would only swap for the
 * same version in another arch: opkg replaces a package for a newer
 * version, never for a better arch alone (unless that very package is
 * asked for: --force-reinstall takes the best arch). How many were
 * locked. */
static int lock_arch_swaps(struct pkg_solver *s, Solver *solv, Queue *job)
{
	Pool *pool = s->pool;
	Solvable *so, *sq;
	Id p, q, qq;
	int n = 0;

	if (!s->installed)
		return 0;
	FOR_REPO_SOLVABLES(s->installed, p, so) {
		if (solver_get_decisionlevel(solv, p) >= 0)
			continue; /* kept */
		FOR_PROVIDES(q, qq, so->name) {
			sq = pool->solvables + q;
			if (sq->repo != s->installed && sq->name == so->name &&
			    sq->evr == so->evr && sq->arch != so->arch &&
			    solver_get_decisionlevel(solv, q) > 0 &&
			    !job_names_solvable(job, q)) {
				queue_push2(job, SOLVER_LOCK | SOLVER_SOLVABLE,
					    p);
				n++;
				break;
			}
		}
	}
	return n;
}

/* Is the name of dependency d excluded from weak dependencies by a job
 * (--add-ignore-recommends and kin)? */
static int weak_excluded(const Queue *job, Pool *pool, Id d)
{
	int i;

	while (ISRELDEP(d))
		d = GETRELDEP(pool, d)->name;
	for (i = 0; i < job->count; i += 2)
		if ((job->elements[i] & SOLVER_JOBMASK) ==
			    SOLVER_EXCLUDEFROMWEAK &&
		    job->elements[i + 1] == d)
			return 1;
	return 0;
}

/* A package the solution installs recommends something the solution
 * does not have, and an installed package of that name is older than
 * what it recommends ("b (= 2.0)" with b 1.0 installed): opkg upgrades
 * it, libsolv leaves installed packages alone for a recommendation. So
 * ask for it, weakly (nothing fails for it), and solve again. How many
 * were added. */
static int recommend_upgrades(struct pkg_solver *s, Solver *solv, Queue *job)
{
	Pool *pool = s->pool;
	Queue rec;
	Id p, q, pp, d;
	int i, n = 0, have, older;

	queue_init(&rec);
	FOR_POOL_SOLVABLES(p) {
		if (pool->solvables[p].repo == s->installed ||
		    solver_get_decisionlevel(solv, p) <= 0)
			continue;
		queue_empty(&rec);
		solvable_lookup_deparray(pool->solvables + p,
					 SOLVABLE_RECOMMENDS, &rec, -1);
		for (i = 0; i < rec.count; i++) {
			d = rec.elements[i];
			have = older = 0;
			FOR_PROVIDES(q, pp, d)
				if (solver_get_decisionlevel(solv, q) > 0)
					have = 1;
			if (have || !ISRELDEP(d) || weak_excluded(job, pool, d))
				continue;
			older = solver_installed_by_name(
					s, GETRELDEP(pool, d)->name) != 0;
			if (older) {
				queue_push2(job, SOLVER_INSTALL | SOLVER_WEAK |
						 SOLVER_SOLVABLE_PROVIDES, d);
				n++;
			}
		}
	}
	queue_free(&rec);
	return n;
}

int solver_run(struct pkg_solver *s, int flags, const char *testcase_dir,
	       struct solver_result *res)
{
	Solver *solv;
	Queue job;
	int r, n, i;

	memset(res, 0, sizeof(*res));
	solver_prepare(s);
	if (flags & SOLVE_NODEPS)
		return solve_nodeps(s, res);
	queue_init(&job);
	r = make_jobs(s, flags, &job, res);
	solv = make_solver(s->pool, flags);
	/* An essential package the jobs would remove is the one problem:
	 * what the solver would add about it says the same again. */
	n = r < 0 || res->nproblems ? 0 : run(solv, &job, flags);
	if (r == 0 && !res->nproblems && !n &&
	    !(flags & SOLVE_NO_RECOMMENDS) &&
	    recommend_upgrades(s, solv, &job)) {
		solver_free(solv);
		solv = make_solver(s->pool, flags);
		n = run(solv, &job, flags);
	}
	if (r == 0 && !res->nproblems && !n &&
	    lock_arch_swaps(s, solv, &job)) {
		solver_free(solv);
		solv = make_solver(s->pool, flags);
		n = run(solv, &job, flags);
	}
	if (r == 0 && testcase_dir)
		r = dump_testcase(solv, testcase_dir);
	for (i = 1; i <= n && r == 0; i++)
		r = push_problem(res, solver_problem_sentence(s, solv, i));
	if (r == 0 && !res->nproblems)
		r = collect_steps(s, solv, res);
	solver_free(solv);
	queue_free(&job);
	if (r == -ENOMEM)
		r = pkg_error(r, "cannot solve");
	if (r == 0 && res->nproblems)
		r = -PKGE_UNSOLVABLE;
	return r;
}

void solver_result_release(struct solver_result *res)
{
	size_t i;

	for (i = 0; i < res->nproblems; i++)
		free(res->problems[i]);
	free(res->problems);
	free(res->steps);
	memset(res, 0, sizeof(*res));
}
