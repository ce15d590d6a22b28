/*
 * solver/pool.c: the pool, the installed repo and queries on solvables.
 *
 * The feeds are filtered by s->archs when they are read. Before each solve
 * the pool gets libsolv's arch policy from the opkg.conf priorities
 * (set_arch_policy), so that of two packages with the same name and
 * version libsolv itself picks the higher-priority arch, as opkg does.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/knownid.h>
#include <solv/poolarch.h>
#include <solv/repodata.h>

#include "solver.h"
#include "solver_int.h"

int solver_init(struct pkg_solver *s, const char *const *archs,
		const int *prios, size_t narchs)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->pool = pool_create();
	if (!s->pool)
		return pkg_error(-ENOMEM, "cannot create solver pool");
	pool_setdisttype(s->pool, DISTTYPE_DEB);
	/* "Replaces: x" with "Conflicts: x" (an obsolete) of a virtual x
	 * replaces the installed package that provides x, as in Debian */
	pool_set_flag(s->pool, POOL_FLAG_OBSOLETEUSESPROVIDES, 1);
	s->key_offset = pool_str2id(s->pool, "pkg:offset", 1);
	s->key_abi = pool_str2id(s->pool, "pkg:abiversion", 1);
	s->key_essential = pool_str2id(s->pool, "pkg:essential", 1);
	s->key_md5 = pool_str2id(s->pool, "pkg:md5", 1);
	s->key_depends = pool_str2id(s->pool, "pkg:depends-order", 1);
	s->key_provides = pool_str2id(s->pool, "pkg:provides-order", 1);
	queue_init(&s->jobs);
	if (!narchs)
		return 0;
	s->archs = calloc(narchs, sizeof(*s->archs));
	s->arch_prio = calloc(narchs, sizeof(*s->arch_prio));
	if (!s->archs || !s->arch_prio)
		goto nomem;
	s->narchs = narchs;
	for (i = 0; i < narchs; i++) {
		s->archs[i] = strdup(archs[i]);
		if (!s->archs[i])
			goto nomem;
		s->arch_prio[i] = prios ? prios[i] : (int)(narchs - i);
	}
	return 0;
nomem:
	solver_release(s);
	return pkg_error(-ENOMEM, "cannot create solver pool");
}

void solver_release(struct pkg_solver *s)
{
	size_t i;

	if (s->pool)
		pool_free(s->pool);
	queue_free(&s->jobs);
	for (i = 0; s->archs && i < s->narchs; i++)
		free(s->archs[i]);
	free(s->archs);
	free(s->arch_prio);
	memset(s, 0, sizeof(*s));
}

Repo *solver_installed_repo(struct pkg_solver *s)
{
	Repo *repo = repo_create(s->pool, "installed");

	repo_add_repodata(repo, 0);
	pool_set_installed(s->pool, repo);
	s->installed = repo;
	return repo;
}

/* Priority of arch id a: its opkg.conf priority, or INT_MIN for an arch
 * that only installed packages or local files carry. */
static int conf_prio(const struct pkg_solver *s, Id a)
{
	const char *n = pool_id2str(s->pool, a);
	size_t i;

	for (i = 0; i < s->narchs; i++)
		if (!strcmp(s->archs[i], n))
			return s->arch_prio[i];
	return INT_MIN;
}

int solver_arch_prio(const struct pkg_solver *s, Id a)
{
	return conf_prio(s, a);
}

/* Every arch in the pool, best first (stable for equal priorities). */
static void archs_by_prio(const struct pkg_solver *s, Queue *q)
{
	Pool *pool = s->pool;
	Id p;
	int i, j;

	for (i = 0; (size_t)i < s->narchs; i++)
		queue_pushunique(q, pool_str2id(pool, s->archs[i], 1));
	FOR_POOL_SOLVABLES(p)
		if (pool->solvables[p].arch)
			queue_pushunique(q, pool->solvables[p].arch);
	for (i = 1; i < q->count; i++) /* insertion sort, a few archs */
		for (j = i; j > 0 && conf_prio(s, q->elements[j - 1]) <
					     conf_prio(s, q->elements[j]);
		     j--) {
			Id t = q->elements[j];
			q->elements[j] = q->elements[j - 1];
			q->elements[j - 1] = t;
		}
}

/*
 * libsolv's arch policy "a>b=c": '>' a is better than b but a newer b still
 * wins (opkg: version first, then arch priority), '=' equal priority. The
 * solver runs with SOLVER_FLAG_NO_INFARCHCHECK, so a worse arch is never
 * forbidden. With DISTTYPE_DEB libsolv puts "all" in its noarch class,
 * which the policy never ranks, while opkg ranks "all" like any other arch
 * (usually lowest): the policy is set under DISTTYPE_ARCH, whose noarch is
 * "any", no opkg arch. Every arch in the pool is listed, so nothing the
 * pool holds becomes uninstallable.
 */
static void set_arch_policy(struct pkg_solver *s)
{
	Pool *pool = s->pool;
	Queue q;
	char *pol = NULL;
	int i, old;

	queue_init(&q);
	archs_by_prio(s, &q);
	for (i = 0; i < q.count; i++) {
		const char *sep = !i ? ""
				  : conf_prio(s, q.elements[i - 1]) ==
						  conf_prio(s, q.elements[i])
					  ? "="
					  : ">";
		pol = pool_tmpjoin(pool, pol ? pol : "", sep,
				   pool_id2str(pool, q.elements[i]));
	}
	queue_free(&q);
	old = pool_setdisttype(pool, DISTTYPE_ARCH);
	pool_setarchpolicy(pool, pol && *pol ? pol : NULL);
	if (old >= 0)
		pool_setdisttype(pool, old);
}

void solver_internalize(struct pkg_solver *s)
{
	Pool *pool = s->pool;
	Repo *repo;
	int i;

	FOR_REPOS(i, repo)
		repo_internalize(repo);
}

void solver_prepare(struct pkg_solver *s)
{
	Pool *pool = s->pool;

	solver_internalize(s);
	if (pool->whatprovides && s->prepared_n == pool->nsolvables)
		return; /* nothing added: the index stands (7.7M instructions
			 * of sorting on the 19.07.1 feeds) */
	if (s->narchs)
		set_arch_policy(s);
	pool_addfileprovides(pool);
	pool_createwhatprovides(pool);
	s->prepared_n = pool->nsolvables;
}

void solver_ensure_prepared(struct pkg_solver *s)
{
	if (!s->pool->whatprovides)
		solver_prepare(s);
}

/* ---- queries ---- */

static Solvable *sv(const struct pkg_solver *s, Id p)
{
	return s->pool->solvables + p;
}

const char *solver_name(const struct pkg_solver *s, Id p)
{
	return pool_id2str(s->pool, sv(s, p)->name);
}

const char *solver_evr(const struct pkg_solver *s, Id p)
{
	return pool_id2str(s->pool, sv(s, p)->evr);
}

const char *solver_arch(const struct pkg_solver *s, Id p)
{
	return pool_id2str(s->pool, sv(s, p)->arch);
}

/* The description's first line (libsolv's temporary space). */
const char *solver_summary(const struct pkg_solver *s, Id p)
{
	const char *d = solvable_lookup_str(sv(s, p), SOLVABLE_DESCRIPTION);
	size_t n;
	char *t;

	if (!d || !strchr(d, '\n'))
		return d;
	n = strcspn(d, "\n");
	t = pool_alloctmpspace(s->pool, (int)n + 1);
	memcpy(t, d, n);
	t[n] = 0;
	return t;
}

const char *solver_description(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_str(sv(s, p), SOLVABLE_DESCRIPTION);
}

const char *solver_filename(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_location(sv(s, p), NULL);
}

const char *solver_sha256(const struct pkg_solver *s, Id p)
{
	Id type = 0;
	const char *h = solvable_lookup_checksum(sv(s, p), SOLVABLE_CHECKSUM,
						 &type);

	return type == REPOKEY_TYPE_SHA256 ? h : NULL;
}

const char *solver_md5(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_str(sv(s, p), s->key_md5);
}

const char *solver_abiversion(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_str(sv(s, p), s->key_abi);
}

uint64_t solver_size(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_num(sv(s, p), SOLVABLE_DOWNLOADSIZE, 0);
}

int solver_has_size(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_num(sv(s, p), SOLVABLE_DOWNLOADSIZE,
				   UINT64_MAX) != UINT64_MAX;
}

uint64_t solver_installed_size(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_num(sv(s, p), SOLVABLE_INSTALLSIZE, 0);
}

uint64_t solver_offset(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_num(sv(s, p), s->key_offset, 0);
}

int solver_repo_count(const struct pkg_solver *s, Id p)
{
	Repo *r = sv(s, p)->repo;

	return r ? r->nsolvables : 0;
}

const char *solver_repo_name(const struct pkg_solver *s, Id p)
{
	Repo *r = sv(s, p)->repo;

	return r ? r->name : NULL;
}

int solver_is_installed(const struct pkg_solver *s, Id p)
{
	return s->installed && sv(s, p)->repo == s->installed;
}

int solver_is_essential(const struct pkg_solver *s, Id p)
{
	return solvable_lookup_void(sv(s, p), s->key_essential);
}

/* Append dep as Debian text ("a (>= 1) | b") to the stream. */
static void dep_print(Pool *pool, Id dep, struct strbuf *b)
{
	static const char *const ops[8] = {
		"", ">>", "=", ">=", "<<", "!=", "<=", "<=>"
	};
	Reldep *rd;

	if (!ISRELDEP(dep)) {
		strbuf_str(b, pool_id2str(pool, dep));
		return;
	}
	rd = GETRELDEP(pool, dep);
	if (rd->flags == REL_OR) {
		dep_print(pool, rd->name, b);
		strbuf_str(b, " | ");
		dep_print(pool, rd->evr, b);
	} else if (rd->flags > 0 && rd->flags < 8) {
		dep_print(pool, rd->name, b);
		strbuf_str(b, " (");
		strbuf_str(b, ops[rd->flags]);
		strbuf_str(b, " ");
		strbuf_str(b, pool_id2str(pool, rd->evr));
		strbuf_str(b, ")");
	} else {
		strbuf_str(b, pool_dep2str(pool, dep));
	}
}

/* Is dep a plain provide given again at the package's version (set_deps
 * in stanza.c): "name = evr" where the list also holds plain "name"? */
static int at_own_version(Pool *pool, const Solvable *so, const Queue *q,
			  Id dep)
{
	Reldep *rd;
	int i;

	if (!ISRELDEP(dep))
		return 0;
	rd = GETRELDEP(pool, dep);
	if (rd->flags != REL_EQ || rd->evr != so->evr || ISRELDEP(rd->name))
		return 0;
	for (i = 0; i < q->count; i++)
		if (q->elements[i] == rd->name)
			return 1;
	return 0;
}

void solver_list_shown(Pool *pool, Solvable *so, Id key, Queue *q)
{
	/* the self-provide is a provide: no lookup for the other lists
	 * (whatdepends -A libc asks for 20,000 of them) */
	Id self = key == SOLVABLE_PROVIDES
			  ? pool_rel2id(pool, so->name, so->evr, REL_EQ, 1)
			  : -1;
	int i, j;

	queue_empty(q);
	solvable_lookup_deparray(so, key, q, 0);
	for (i = j = 0; i < q->count; i++)
		if (q->elements[i] != self &&
		    q->elements[i] != SOLVABLE_PREREQMARKER &&
		    !(key == SOLVABLE_PROVIDES &&
		      at_own_version(pool, so, q, q->elements[i])))
			q->elements[j++] = q->elements[i];
	q->count = j;
}

struct printed {
	const char *text; /* the entries' printed texts, NUL-separated */
	const size_t *off;
};

static int by_printed(const void *a, const void *b, void *ud)
{
	const struct printed *pr = ud;
	int x = *(const int *)a, y = *(const int *)b;
	int r = strcmp(pr->text + pr->off[x], pr->text + pr->off[y]);

	return r ? r : x - y;
}

int solver_list_sorted(Pool *pool, const Queue *q, int *at)
{
	struct strbuf b = { NULL, 0, 0, 0 }; /* one buffer for them all */
	size_t ob[32], *off = ob;
	struct printed pr;
	int i;

	if (q->count > 32 && !(off = malloc((size_t)q->count * sizeof(*off))))
		return -ENOMEM;
	for (i = 0; i < q->count; i++) {
		off[i] = b.len;
		dep_print(pool, q->elements[i], &b);
		strbuf_add(&b, "", 1);
		at[i] = i;
	}
	if (!b.oom && b.s) {
		pr.text = b.s;
		pr.off = off;
		qsort_r(at, (size_t)q->count, sizeof(*at), by_printed, &pr);
	}
	free(b.s);
	if (off != ob)
		free(off);
	return b.oom ? -ENOMEM : 0;
}

/* q (solver_list_shown) in the order its package's list was written: a
 * feed's .solv keeps requires and provides sorted by id, and opkg prints
 * Depends and Provides (and whatdepends the first entry that hits) as
 * written. set_written_order (stanza.c) kept that order as a permutation
 * of the entries sorted by their printed text, which does not depend on
 * ids: entry k as written is entry perm[k] - 1 of that sort ("": the
 * sort is the order written). */
static void as_written(const struct pkg_solver *s, Solvable *so, Id key,
		       Queue *q)
{
	const char *perm;
	int ab[32], *at = ab, k, j, wide, ok;
	unsigned char used[256] = { 0 }, *seen = used;
	Queue w;

	if (q->count < 2 || /* (nothing to order: no lookup) */
	    !(perm = solvable_lookup_str(so, key == SOLVABLE_REQUIRES
						     ? s->key_depends
						     : s->key_provides)))
		return;
	wide = *perm == SOLVER_ORDER_LONG;
	if (*perm && strlen(perm) != (size_t)q->count * (wide ? 2 : 1) +
					     (size_t)wide)
		return; /* not this list's: the pool's order */
	if (q->count > 32 && !(at = malloc((size_t)q->count * sizeof(*at))))
		return;
	if (q->count > 256 && !(seen = calloc((size_t)q->count, 1))) {
		if (at != ab)
			free(at);
		return;
	}
	queue_init_clone(&w, q);
	ok = solver_list_sorted(s->pool, q, at) == 0;
	for (k = 0; ok && k < q->count; k++) {
		j = !*perm ? k /* "": as sorted */
		    : wide ? ((unsigned char)perm[1 + 2 * k] - 1) * 255 +
				     (unsigned char)perm[2 + 2 * k] - 1
			   : (unsigned char)perm[k] - 1;
		/* a cache is input: a permutation, or the pool's order */
		ok = j < q->count && !seen[j];
		if (ok) {
			seen[j] = 1;
			w.elements[k] = q->elements[at[j]];
		}
	}
	if (ok)
		memcpy(q->elements, w.elements, (size_t)q->count * sizeof(Id));
	queue_free(&w);
	if (at != ab)
		free(at);
	if (seen != used)
		free(seen);
}

char *solver_deps_str(const struct pkg_solver *s, Id p, Id key)
{
	Pool *pool = s->pool;
	/* a strbuf, not open_memstream: its zeroed 8 KiB buffer each call
	 * was most of `whatdepends -A`'s time (a string a package) */
	struct strbuf b = { NULL, 0, 0, 0 };
	size_t n = 0;
	Queue q;
	int i;

	queue_init(&q);
	solver_list_shown(pool, sv(s, p), key, &q);
	if (key == SOLVABLE_REQUIRES || key == SOLVABLE_PROVIDES)
		as_written(s, sv(s, p), key, &q);
	for (i = 0; i < q.count; i++) {
		if (n++)
			strbuf_str(&b, ", ");
		dep_print(pool, q.elements[i], &b);
	}
	queue_free(&q);
	return strbuf_take(&b);
}

/* dep's names: each alternative's (REL_OR), a relation's name. The
 * parser (parse_one) makes no other relation, and no name with a blank,
 * '(', ',' or '|' in it: these are the names the list's text gives,
 * split at ',' and '|' (test_deps_names compares the two). */
static void names_of_dep(Pool *pool, Id dep, Queue *q)
{
	Reldep *rd;

	while (ISRELDEP(dep)) {
		rd = GETRELDEP(pool, dep);
		if (rd->flags == REL_OR)
			names_of_dep(pool, rd->name, q);
		dep = rd->flags == REL_OR ? rd->evr : rd->name;
	}
	queue_push(q, dep);
}

void solver_deps_names(const struct pkg_solver *s, Id p, Id key, Queue *out)
{
	Pool *pool = s->pool;
	Queue q;
	int i;

	queue_init(&q);
	solver_list_shown(pool, sv(s, p), key, &q);
	for (i = 0; i < q.count; i++)
		names_of_dep(pool, q.elements[i], out);
	queue_free(&q);
}

/* The alternatives of dep in the order its text gives them (a REL_OR's
 * left side first), each once into q. */
static void alts_of_dep(Pool *pool, Id dep, Queue *q)
{
	Reldep *rd;

	while (ISRELDEP(dep) && (rd = GETRELDEP(pool, dep))->flags == REL_OR) {
		alts_of_dep(pool, rd->name, q);
		dep = rd->evr;
	}
	queue_push(q, dep);
}

/* An alternative's name: a relation's, down to the string. */
static Id alt_name(Pool *pool, Id dep)
{
	while (ISRELDEP(dep))
		dep = GETRELDEP(pool, dep)->name;
	return dep;
}

static int alt_marked(Pool *pool, Id dep, const unsigned char *marked,
		      int nmarked)
{
	Id n = alt_name(pool, dep);

	return n > 0 && n < nmarked && marked[n];
}

/* The first marked alternative of q's entries in q's order (0: none);
 * *hits counts the marked mentions, up to 2. */
static Id first_marked_in(Pool *pool, const Queue *q, Queue *alts,
			  const unsigned char *marked, int nmarked, int *hits)
{
	Id first = 0;
	int i, k;

	*hits = 0;
	for (i = 0; i < q->count && *hits < 2; i++) {
		queue_empty(alts);
		alts_of_dep(pool, q->elements[i], alts);
		for (k = 0; k < alts->count && *hits < 2; k++)
			if (alt_marked(pool, alts->elements[k], marked,
				       nmarked) &&
			    !(*hits)++)
				first = alts->elements[k];
	}
	return first;
}

int solver_first_marked(const struct pkg_solver *s, Id p, Id key,
			const unsigned char *marked, int nmarked, char **hit)
{
	Pool *pool = s->pool;
	struct strbuf b = { NULL, 0, 0, 0 };
	Queue q, alts;
	Id first;
	int hits;

	*hit = NULL;
	queue_init(&q);
	queue_init(&alts);
	solver_list_shown(pool, sv(s, p), key, &q);
	first = first_marked_in(pool, &q, &alts, marked, nmarked, &hits);
	/* one mention: the pool's order hits the same entry as the text's;
	 * two or more: the first as written */
	if (hits > 1 &&
	    (key == SOLVABLE_REQUIRES || key == SOLVABLE_PROVIDES)) {
		as_written(s, sv(s, p), key, &q);
		first = first_marked_in(pool, &q, &alts, marked, nmarked,
					&hits);
	}
	queue_free(&q);
	queue_free(&alts);
	if (!first)
		return 0;
	dep_print(pool, first, &b);
	if (!(*hit = strbuf_take(&b)))
		return -ENOMEM;
	return 1;
}

/* v as solver_vercmp compares it, read as opkg's parse_version reads
 * it: leading blanks skipped; with a ':' anywhere, the epoch is
 * strtoul's number of what comes before (0 for "a5:5") and the version
 * what follows the first ':'; the revision follows the last '-' of
 * that, and a missing or empty one ("1.0-") is "0", as is an empty
 * version. *tmp is what to free. */
static const char *evr_opkg(const char *v, char **tmp)
{
	const char *colon, *rest, *dash;
	char epoch[32] = "";
	int empty;

	*tmp = NULL;
	while (isspace((unsigned char)*v))
		v++;
	colon = strchr(v, ':');
	rest = colon ? colon + 1 : v;
	dash = strrchr(rest, '-');
	empty = dash ? dash == rest : !*rest;
	if (!colon && dash && dash[1] && !empty)
		return v;
	if (colon)
		snprintf(epoch, sizeof(epoch), "%lu:", strtoul(v, NULL, 10));
	/* an empty version or revision is "0" to opkg's verrevcmp, not to
	 * libsolv's */
	if (asprintf(tmp, "%s%s%s%s", epoch, empty ? "0" : "", rest,
		     !dash ? "-0" : dash[1] ? "" : "0") < 0) {
		*tmp = NULL;
		return v;
	}
	return *tmp;
}

/* libsolv sorts "1.0" before "1.0-0"; opkg reads a missing revision as
 * "" which equals "0". Every version without one is compared as
 * "<version>-0", whatever the other side: a fixed mapping keeps the order
 * transitive (adding "-0" only when the other side had a revision did
 * not: fuzz_vercmp found "-1:" < "1" < "21[0-1" < "-1:"). An empty
 * revision ("1.0-") is "0" too, as opkg has it equal "1.0". */
int solver_vercmp(const struct pkg_solver *s, const char *a, const char *b)
{
	char *ta, *tb;
	int r;

	a = evr_opkg(a, &ta);
	b = evr_opkg(b, &tb);
	r = pool_evrcmp_str(s->pool, a, b, EVRCMP_COMPARE);
	free(ta);
	free(tb);
	return r < 0 ? -1 : r > 0;
}

int solver_evrcmp(const struct pkg_solver *s, const char *a, const char *b)
{
	return pool_evrcmp_str(s->pool, a, b, EVRCMP_COMPARE);
}

void solver_whatprovides(const struct pkg_solver *s, const char *dep,
			 Queue *q)
{
	Pool *pool = s->pool;
	Queue d;
	Id p, pp;

	solver_ensure_prepared((struct pkg_solver *)s);
	queue_init(&d);
	solver_parse_deps(pool, dep, &d);
	if (d.count)
		FOR_PROVIDES(p, pp, d.elements[0])
			queue_push(q, p);
	queue_free(&d);
}

/* Whether a is a better candidate than b: version, repo priority, arch. */
int solver_better(const struct pkg_solver *s, Id a, Id b)
{
	Solvable *sa = sv(s, a), *sb = sv(s, b);
	int r = pool_evrcmp(s->pool, sa->evr, sb->evr, EVRCMP_COMPARE);

	if (r)
		return r > 0;
	if (sa->repo->priority != sb->repo->priority)
		return sa->repo->priority > sb->repo->priority;
	return conf_prio(s, sa->arch) > conf_prio(s, sb->arch);
}

Id solver_best_available(const struct pkg_solver *s, const char *name)
{
	Pool *pool = s->pool;
	Id nid = pool_str2id(pool, name, 0), p, pp, best = 0;

	if (!nid)
		return 0;
	solver_ensure_prepared((struct pkg_solver *)s);
	FOR_PROVIDES(p, pp, nid) {
		if (pool->solvables[p].name != nid || solver_is_installed(s, p))
			continue;
		if (!best || solver_better(s, p, best))
			best = p;
	}
	return best;
}
