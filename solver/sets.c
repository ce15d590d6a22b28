/*
 * solver/sets.c: what the commands ask of the pool as lists of package
 * ids, so that pkgd never walks libsolv's Pool itself (no Pool, no
 * pool->, no FOR_* macros above this layer), and the one repo of local
 * archives (`@commandline`, libsolv's own name for it).
 */
#include <string.h>

#include <solv/knownid.h>

#include "solver.h"
#include "solver_int.h"

#define LOCAL_REPO "@commandline"

void solver_all_ids(const struct pkg_solver *s, Queue *q)
{
	Pool *pool = s->pool;
	Id p;

	FOR_POOL_SOLVABLES(p)
		queue_push(q, p);
}

void solver_installed_ids(const struct pkg_solver *s, Queue *q)
{
	Solvable *so;
	Id p;

	if (!s->installed)
		return;
	FOR_REPO_SOLVABLES(s->installed, p, so)
		queue_push(q, p);
}

void solver_match_names(const struct pkg_solver *s,
			int (*match)(const char *name, const void *ud),
			const void *ud, Queue *q)
{
	Pool *pool = s->pool;
	Id p;

	FOR_POOL_SOLVABLES(p)
		if (match(pool_id2str(pool, pool->solvables[p].name), ud))
			queue_push(q, p);
}

void solver_named_ids(const struct pkg_solver *s, const char *name,
		      Queue *q)
{
	Pool *pool = s->pool;
	Id nid = pool_str2id(pool, name, 0), p;

	if (!nid)
		return;
	FOR_POOL_SOLVABLES(p)
		if (pool->solvables[p].name == nid)
			queue_push(q, p);
}

Id solver_name_id(const struct pkg_solver *s, Id p)
{
	return s->pool->solvables[p].name;
}

const char *solver_id_str(const struct pkg_solver *s, Id id)
{
	return pool_id2str(s->pool, id);
}

Id solver_nstrings(const struct pkg_solver *s)
{
	return (Id)s->pool->ss.nstrings;
}

void solver_strset_init(struct solver_strset *ss)
{
	/* (no stringpool_resize_hash to size it: Debian's libsolv.so does
	 * not export it, and the cross builds link that one) */
	stringpool_init_empty(&ss->sp);
}

void solver_strset_free(struct solver_strset *ss)
{
	stringpool_free(&ss->sp);
}

Id solver_strset_add(struct solver_strset *ss, const char *str, size_t len)
{
	return stringpool_strn2id(&ss->sp, str, (unsigned)len, 1);
}

Id solver_strset_find(struct solver_strset *ss, const char *str, size_t len)
{
	return stringpool_strn2id(&ss->sp, str, (unsigned)len, 0);
}

Id solver_strset_end(const struct solver_strset *ss)
{
	return (Id)ss->sp.nstrings;
}

const char *solver_strset_str(const struct solver_strset *ss, Id id)
{
	return ss->sp.stringspace + ss->sp.strings[id];
}

void solver_dep_names(const struct pkg_solver *s, Id p, Id key, Queue *q)
{
	Pool *pool = s->pool;
	Queue d;
	int i;

	queue_init(&d);
	solvable_lookup_deparray(pool->solvables + p, key, &d, -1);
	for (i = 0; i < d.count; i++) {
		Id n = d.elements[i];
		while (ISRELDEP(n))
			n = GETRELDEP(pool, n)->name;
		queue_push(q, n);
	}
	queue_free(&d);
}

void solver_installed_deps(struct pkg_solver *s, Id p, Queue *q)
{
	Pool *pool = s->pool;
	Queue req;
	Id o, pp;
	int i;

	solver_ensure_prepared(s);
	queue_init(&req);
	solvable_lookup_deparray(pool->solvables + p, SOLVABLE_REQUIRES, &req,
				 -1);
	for (i = 0; i < req.count; i++)
		FOR_PROVIDES(o, pp, req.elements[i])
			if (pool->solvables[o].repo == s->installed) {
				queue_push(q, o);
				break;
			}
	queue_free(&req);
}

void solver_obsoleters(const struct pkg_solver *s, const char *name,
		       Queue *q)
{
	Pool *pool = s->pool;
	Id nid = pool_str2id(pool, name, 0), p;

	if (!nid)
		return;
	FOR_POOL_SOLVABLES(p) {
		Solvable *so = pool->solvables + p;
		Id *dp;

		if (!so->repo || !so->obsoletes)
			continue;
		for (dp = so->repo->idarraydata + so->obsoletes; *dp; dp++) {
			Id d = *dp;
			while (ISRELDEP(d))
				d = GETRELDEP(pool, d)->name;
			if (d == nid) {
				queue_push(q, p);
				break;
			}
		}
	}
}

/* The repo of local archives, made on first use and found after. */
static Repo *local_repo(struct pkg_solver *s)
{
	Pool *pool = s->pool;
	Repo *repo;
	int i;

	FOR_REPOS(i, repo)
		if (!strcmp(repo->name, LOCAL_REPO))
			return repo;
	return repo_create(s->pool, LOCAL_REPO);
}

Id solver_add_local(struct pkg_solver *s, const struct ctl_stanza *st)
{
	return solver_add_stanza(s, local_repo(s), st, 0);
}

int solver_is_local(const struct pkg_solver *s, Id p)
{
	const Repo *repo = s->pool->solvables[p].repo;

	return repo && repo != s->installed && repo->name &&
	       !strcmp(repo->name, LOCAL_REPO);
}
