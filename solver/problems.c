/*
 * solver/problems.c: one readable sentence per libsolv problem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/solver.h>
#include <solv/problems.h>
#include <solv/rules.h>

#include "solver.h"
#include "solver_int.h"

/* "name-evr" in pool temp space. */
static const char *nevr(Pool *pool, Id p)
{
	Solvable *s = pool->solvables + p;

	if (p <= 0)
		return "?";
	return pool_tmpjoin(pool, pool_id2str(pool, s->name), "-",
			    pool_id2str(pool, s->evr));
}

static const char *pname(Pool *pool, Id p)
{
	return p > 0 ? pool_id2str(pool, pool->solvables[p].name) : "?";
}

int solver_erase_queued(const struct pkg_solver *s, Id nid)
{
	int i;

	for (i = 0; i < s->jobs.count; i += 2)
		if ((s->jobs.elements[i] & SOLVER_JOBMASK) == SOLVER_ERASE &&
		    s->jobs.elements[i + 1] == nid)
			return 1;
	return 0;
}

/* "cannot remove X: Y depends on it" when the problem is an erase job
 * against an installed package's requirement; NULL otherwise. */
static char *erase_sentence(const struct pkg_solver *s, Solver *solv,
			    Queue *rules)
{
	Pool *pool = s->pool;
	Id src, tgt, dep, p, pp;
	char *msg = NULL;
	int i;

	for (i = 0; i < rules->count && !msg; i++) {
		if (solver_ruleinfo(solv, rules->elements[i], &src, &tgt,
				    &dep) != SOLVER_RULE_PKG_REQUIRES ||
		    !solver_is_installed(s, src))
			continue;
		FOR_PROVIDES(p, pp, dep) {
			if (!solver_is_installed(s, p) ||
			    !solver_erase_queued(s, pool->solvables[p].name))
				continue;
			if (asprintf(&msg, "cannot remove %s: %s depends "
				     "on it", pname(pool, p),
				     pname(pool, src)) < 0)
				msg = NULL;
			break;
		}
	}
	return msg;
}

static char *rule_sentence(Solver *solv, Id rid)
{
	Pool *pool = solv->pool;
	Id src = 0, tgt = 0, dep = 0;
	int type = solver_ruleinfo(solv, rid, &src, &tgt, &dep);
	const char *d = dep ? pool_dep2str(pool, dep) : "";
	char *m = NULL;
	int r;

	switch (type) {
	case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
		r = asprintf(&m, "nothing provides '%s' needed by %s", d,
			     nevr(pool, src));
		break;
	case SOLVER_RULE_PKG_REQUIRES:
		r = asprintf(&m, "%s requires '%s', but none of its providers "
			     "can be installed", nevr(pool, src), d);
		break;
	case SOLVER_RULE_PKG_CONFLICTS:
		r = asprintf(&m, "package %s conflicts with %s provided by %s",
			     nevr(pool, src), d, nevr(pool, tgt));
		break;
	case SOLVER_RULE_PKG_SELF_CONFLICT:
		r = asprintf(&m, "package %s conflicts with %s provided by "
			     "itself", nevr(pool, src), d);
		break;
	case SOLVER_RULE_PKG_SAME_NAME:
		r = asprintf(&m, "cannot install both %s and %s",
			     nevr(pool, src), nevr(pool, tgt));
		break;
	case SOLVER_RULE_PKG_OBSOLETES:
	case SOLVER_RULE_PKG_IMPLICIT_OBSOLETES:
	case SOLVER_RULE_PKG_INSTALLED_OBSOLETES:
		r = asprintf(&m, "package %s replaces %s provided by %s",
			     nevr(pool, src), d, nevr(pool, tgt));
		break;
	case SOLVER_RULE_PKG_NOT_INSTALLABLE:
		r = asprintf(&m, "package %s is not installable",
			     nevr(pool, src));
		break;
	case SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP:
	case SOLVER_RULE_JOB_UNKNOWN_PACKAGE:
		r = asprintf(&m, "nothing provides requested '%s'", d);
		break;
	default:
		m = strdup(solver_problemruleinfo2str(solv, type, src, tgt,
						      dep));
		r = m ? 0 : -1;
		break;
	}
	return r < 0 ? NULL : m;
}

char *solver_problem_sentence(const struct pkg_solver *s, Solver *solv,
			      Id problem)
{
	Queue rules;
	char *msg;

	queue_init(&rules);
	solver_findallproblemrules(solv, problem, &rules);
	msg = erase_sentence(s, solv, &rules);
	queue_free(&rules);
	if (!msg)
		msg = rule_sentence(solv,
				    solver_findproblemrule(solv, problem));
	return msg;
}

static int in_queue(const Queue *q, Id id)
{
	int i;

	for (i = 0; i < q->count; i++)
		if (q->elements[i] == id)
			return 1;
	return 0;
}

/* Sources of requirement rules involved in problem (for --force-depends):
 * appended to q when not there yet. Returns how many were added. */
int solver_problem_requirers(Solver *solv, Id problem, Queue *q)
{
	Queue rules;
	Id src, tgt, dep;
	int i, type, added = 0;

	queue_init(&rules);
	solver_findallproblemrules(solv, problem, &rules);
	for (i = 0; i < rules.count; i++) {
		type = solver_ruleinfo(solv, rules.elements[i], &src, &tgt,
				       &dep);
		if ((type == SOLVER_RULE_PKG_REQUIRES ||
		     type == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP) && src > 0) {
			if (in_queue(q, src))
				continue;
			queue_push(q, src);
			added++;
		}
	}
	queue_free(&rules);
	return added;
}
