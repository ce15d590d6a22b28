/*
 * solver/jobs.c: turning requests ("nano", "nano>=7", "remove x") into
 * libsolv jobs, queued in s->jobs until solver_solve.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <solv/solver.h>

#include "solver.h"
#include "solver_int.h"

/* The installed solvable named nid, or 0. */
Id solver_installed_by_name(const struct pkg_solver *s, Id nid)
{
	Solvable *so;
	Id p;

	if (!s->installed || !nid)
		return 0;
	FOR_REPO_SOLVABLES(s->installed, p, so)
		if (so->name == nid)
			return p;
	return 0;
}

/* Split "name<op>ver" into a dependency id; 0 when the name is unknown.
 * *nidp gets the name id, *hasop whether a version was given. */
static Id spec_dep(Pool *pool, const char *spec, Id *nidp, int *hasop)
{
	const char *op = strpbrk(spec, "<>=");
	Id nid, flags;

	*hasop = 0;
	nid = op ? pool_strn2id(pool, spec, (unsigned int)(op - spec), 0)
		 : pool_str2id(pool, spec, 0);
	*nidp = nid;
	if (!nid || !op)
		return nid;
	flags = solver_parse_op(&op);
	if (!flags || !*op)
		return 0;
	*hasop = 1;
	return pool_rel2id(pool, nid, pool_str2id(pool, op, 1), flags, 1);
}

static int job_install(struct pkg_solver *s, const char *spec)
{
	Pool *pool = s->pool;
	Id nid, dep, p, pp, how = SOLVER_SOLVABLE_PROVIDES;
	int hasop, any = 0;

	dep = spec_dep(pool, spec, &nid, &hasop);
	if (dep) {
		FOR_PROVIDES(p, pp, dep) {
			any = 1;
			if (pool->solvables[p].name == nid)
				how = SOLVER_SOLVABLE_NAME;
		}
	}
	if (!any)
		return pkg_error(-PKGE_NOTFOUND, "unknown package '%s'", spec);
	queue_push2(&s->jobs, SOLVER_INSTALL | how, dep);
	/* opkg's install also upgrades an installed package */
	if (!hasop && solver_installed_by_name(s, nid))
		queue_push2(&s->jobs, SOLVER_UPDATE | SOLVER_SOLVABLE_NAME,
			    nid);
	return 0;
}

static int job_installed(struct pkg_solver *s, Id how, const char *spec)
{
	Id nid = pool_str2id(s->pool, spec, 0);

	if (!solver_installed_by_name(s, nid))
		return pkg_error(-PKGE_NOTFOUND,
				 "package '%s' is not installed", spec);
	queue_push2(&s->jobs, how | SOLVER_SOLVABLE_NAME, nid);
	return 0;
}

int solver_job(struct pkg_solver *s, enum solver_job_kind kind,
	       const char *spec, Id id)
{
	solver_ensure_prepared(s);
	switch (kind) {
	case SJ_INSTALL:
		return job_install(s, spec);
	case SJ_INSTALL_ID:
		if (id <= 1 || id >= s->pool->nsolvables)
			return pkg_error(-PKGE_NOTFOUND, "unknown package "
					 "id %d", (int)id);
		queue_push2(&s->jobs, SOLVER_INSTALL | SOLVER_SOLVABLE, id);
		return 0;
	case SJ_REMOVE:
		return job_installed(s, SOLVER_ERASE, spec);
	case SJ_UPGRADE:
		return job_installed(s, SOLVER_UPDATE, spec);
	case SJ_UPGRADE_ALL:
		queue_push2(&s->jobs, SOLVER_UPDATE | SOLVER_SOLVABLE_ALL, 0);
		return 0;
	case SJ_LOCK:
		return job_installed(s, SOLVER_LOCK, spec);
	case SJ_USERINSTALLED:
		return job_installed(s, SOLVER_USERINSTALLED, spec);
	case SJ_EXCLUDE:
		queue_push2(&s->jobs, SOLVER_LOCK | SOLVER_SOLVABLE_NAME,
			    pool_str2id(s->pool, spec, 1));
		return 0;
	case SJ_NO_RECOMMEND:
		queue_push2(&s->jobs,
			    SOLVER_EXCLUDEFROMWEAK | SOLVER_SOLVABLE_NAME,
			    pool_str2id(s->pool, spec, 1));
		return 0;
	}
	return pkg_error(-PKGE_USAGE, "unknown solver job %d", (int)kind);
}

void solver_jobs_clear(struct pkg_solver *s)
{
	queue_empty(&s->jobs);
}
