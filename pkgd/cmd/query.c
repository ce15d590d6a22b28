/*
 * The dependency queries over the pool that depends and the what*
 * commands share, in opkg's formats. Patterns are globs (-i: any case);
 * the packages scanned are the installed ones, or all with -A.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* A package's place in opkg's walk (state/opkgorder.c, opkg_walk_keys:
 * its name's bucket, then the rank of its name in the bucket, a name
 * opkg never met last, by name), then, for one name, the feeds'
 * packages before the installed one opkg adds after them (by id: the
 * feeds' order). */
struct walk_key {
	const char *name;
	uint64_t walk;
	Id p;
	int installed;
};

static int by_walk(const void *a, const void *b)
{
	const struct walk_key *x = a, *y = b;
	int r;

	if (x->walk != y->walk)
		return x->walk < y->walk ? -1 : 1;
	if ((r = strcmp(x->name, y->name)))
		return r;
	if (x->installed != y->installed)
		return x->installed - y->installed;
	return (x->p > y->p) - (x->p < y->p);
}

/* The packages in scope, in pool order: the installed ones, or all
 * with -A. */
static void scope_collect(const struct pkg_ctx *ctx, Queue *q)
{
	if (ctx->opt.all)
		solver_all_ids(&ctx->solv, q);
	else
		solver_installed_ids(&ctx->solv, q);
}

/* q in opkg's walk order, one entry per name, version and architecture,
 * as opkg lists them. 0 or a negative code (reported). */
static int walk_unique(struct pkg_ctx *ctx, Queue *q)
{
	const struct pkg_solver *s = &ctx->solv;
	struct walk_key *k;
	int i, j, r;

	if (q->count < 2)
		return 0; /* (an empty queue's elements may be NULL) */
	if (!(k = malloc((size_t)q->count * sizeof(*k))))
		return pkg_error(-ENOMEM, "cannot order the packages");
	for (i = 0; i < q->count; i++)
		k[i] = (struct walk_key){ solver_name(s, q->elements[i]), 0,
					  q->elements[i],
					  solver_is_installed(s,
							      q->elements[i]) };
	r = opkg_walk_keys(ctx, 1, k, (size_t)q->count, sizeof(*k),
			   offsetof(struct walk_key, name),
			   offsetof(struct walk_key, walk));
	if (r < 0) {
		free(k);
		return r;
	}
	qsort(k, (size_t)q->count, sizeof(*k), by_walk);
	for (i = j = 0; i < q->count; i++) {
		Id a = k[i].p, b = j ? q->elements[j - 1] : 0;
		if (b && !strcmp(solver_name(s, a), solver_name(s, b)) &&
		    !strcmp(solver_evr(s, a), solver_evr(s, b)) &&
		    !strcmp(solver_arch(s, a), solver_arch(s, b)))
			continue; /* one package to opkg (pkg_vec_insert_merge) */
		q->elements[j++] = a;
	}
	q->count = j;
	free(k);
	return 0;
}

int query_scope_ids(struct pkg_ctx *ctx, Queue *q)
{
	scope_collect(ctx, q);
	return walk_unique(ctx, q);
}

/* Only those whose name matches one of the globs are ordered: depends -A
 * on one name orders a handful of packages, not 9,263. A package two
 * globs match is pushed twice, and walk_unique keeps one. */
int query_scope_matching(struct pkg_ctx *ctx, Queue *q, int nglob,
			 char **globs)
{
	int i, j, k;

	for (k = 0; k < nglob; k++)
		pkg_glob_ids(ctx, globs[k], q);
	if (!ctx->opt.all) { /* the installed ones, as scope_collect */
		for (i = j = 0; i < q->count; i++)
			if (solver_is_installed(&ctx->solv, q->elements[i]))
				q->elements[j++] = q->elements[i];
		q->count = j;
	}
	return walk_unique(ctx, q);
}

void query_opkg_ops(char *s)
{
	char *o;

	while ((o = strstr(s, "(<< ")) || (o = strstr(s, "(>> ")))
		memmove(o + 2, o + 3, strlen(o + 3) + 1);
}

/*
 * whatdepends and whatdependsrec as opkg runs them: passes over the scope
 * (in opkg's walk order) until one prints nothing; a package is printed,
 * with the first entry of its list that names a marked name, when it is
 * reached, its own name is not marked, and such an entry exists. Each
 * printed package is marked at once (its name and what it provides), so
 * that a package later in the same pass that depends on it is printed
 * too, and one earlier waits for the next pass: whatdepends is that one
 * pass (opkg-lede marks as it prints in both forms), whatdependsrec
 * passes until one prints nothing. opkg rescans everything each pass,
 * which is quadratic (a 5,000-deep chain takes minutes). Here the names
 * are string ids with a flag each, every package's list is parsed once
 * into the names it mentions, and a reverse index (name -> the positions
 * mentioning it) wakes exactly the packages a new mark concerns: the
 * current pass visits the woken positions after the cursor in order (a
 * heap), the next pass those before it. The output is opkg's, in linear
 * time (times a log).
 */
struct what {
	struct pkg_ctx *ctx;
	const Queue *scope;
	Id key;
	unsigned char *marked;	/* by string id: names in the set */
	unsigned char *woken;	/* by position: queued once */
	int nids;
	int *first, *rev;	/* name -> positions: rev[first[n]..first[n+1]) */
	Queue heap, next;	/* positions to visit this pass, next pass */
	char *last_dep;		/* the entry satisfiable last answered for */
	int last_ok;		/* (whatdepends -A libc: 3,000 times "libc") */
};

/* The names (string ids) p's key list mentions, into q. */
static void list_names(struct pkg_ctx *ctx, Id p, Id key, Queue *q)
{
	solver_deps_names(&ctx->solv, p, key, q);
}

/* Does any package (installed or in a feed) satisfy the dependency? */
static int satisfiable(struct pkg_ctx *ctx, const char *dep)
{
	Queue q;
	int n;

	queue_init(&q);
	solver_whatprovides(&ctx->solv, dep, &q);
	n = q.count;
	queue_free(&q);
	return n > 0;
}

/* The first entry (one alternative) of p's key list that names a marked
 * name, malloc'd as opkg prints it ("name (op ver)" plus
 * " unsatisfiable" when nothing satisfies it), or NULL (none, or out of
 * memory: the package is not printed). Read off the pool's ids: no
 * list's text is made (7,800 of them for whatdepends -A libc). */
static char *first_hit(struct what *w, Id p)
{
	struct pkg_ctx *ctx = w->ctx;
	char *d, *hit = NULL;

	if (solver_first_marked(&ctx->solv, p, w->key, w->marked, w->nids,
				&d) <= 0)
		return NULL;
	if (!w->last_dep || strcmp(w->last_dep, d)) {
		free(w->last_dep);
		w->last_dep = strdup(d);
		w->last_ok = satisfiable(ctx, d);
	}
	if (asprintf(&hit, "%s%s", d, w->last_ok ? "" : " unsatisfiable") < 0)
		hit = NULL;
	else
		query_opkg_ops(hit);
	free(d);
	return hit;
}

/* A min-heap of positions in w->heap. */
static void heap_push(Queue *h, Id v)
{
	int i = h->count, up;

	queue_push(h, v);
	for (; i > 0 && h->elements[up = (i - 1) / 2] > v; i = up) {
		h->elements[i] = h->elements[up];
	}
	h->elements[i] = v;
}

static Id heap_pop(Queue *h)
{
	Id top = h->elements[0], last = h->elements[--h->count];
	int i = 0, c;

	while ((c = 2 * i + 1) < h->count) {
		if (c + 1 < h->count && h->elements[c + 1] < h->elements[c])
			c++;
		if (h->elements[c] >= last)
			break;
		h->elements[i] = h->elements[c];
		i = c;
	}
	if (h->count)
		h->elements[i] = last;
	return top;
}

/* Mark name n: wake the positions that mention it (after the cursor:
 * this pass; before or at it: the next). */
static void mark_name(struct what *w, Id n, int cursor)
{
	int k;

	if (n <= 0 || n >= w->nids || w->marked[n])
		return;
	w->marked[n] = 1;
	for (k = w->first[n]; k < w->first[n + 1]; k++) {
		int pos = w->rev[k];
		if (w->woken[pos])
			continue;
		w->woken[pos] = 1;
		if (pos > cursor)
			heap_push(&w->heap, pos);
		else
			queue_push(&w->next, pos);
	}
}

/* Mark p: its name and every name it provides join the set (opkg's
 * pkg_mark_provides), so that dependents on a virtual name are found. */
static void mark(struct what *w, Id p, int cursor)
{
	Queue prov;
	int i;

	mark_name(w, solver_name_id(&w->ctx->solv, p), cursor);
	queue_init(&prov);
	solver_dep_names(&w->ctx->solv, p, SOLVABLE_PROVIDES, &prov);
	for (i = 0; i < prov.count; i++)
		mark_name(w, prov.elements[i], cursor);
	queue_free(&prov);
}

/* The reverse index: for each name, the positions whose list mentions
 * it (counted, then filled). 0 or -ENOMEM. */
static int what_index(struct what *w)
{
	Queue names;
	int i, k, *fill;

	w->first = calloc((size_t)w->nids + 1, sizeof(int));
	fill = calloc((size_t)w->nids + 1, sizeof(int));
	if (!w->first || !fill) {
		free(fill);
		return -ENOMEM;
	}
	queue_init(&names);
	for (i = 0; i < w->scope->count; i++) {
		queue_empty(&names);
		list_names(w->ctx, w->scope->elements[i], w->key, &names);
		for (k = 0; k < names.count; k++)
			if (names.elements[k] < w->nids)
				w->first[names.elements[k] + 1]++;
	}
	for (i = 0; i < w->nids; i++)
		w->first[i + 1] += w->first[i];
	w->rev = malloc(((size_t)w->first[w->nids] + 1) * sizeof(int));
	for (i = 0; w->rev && i < w->scope->count; i++) {
		queue_empty(&names);
		list_names(w->ctx, w->scope->elements[i], w->key, &names);
		for (k = 0; k < names.count; k++) {
			Id n = names.elements[k];
			if (n < w->nids)
				w->rev[w->first[n] + fill[n]++] = i;
		}
	}
	queue_free(&names);
	free(fill);
	return w->rev ? 0 : -ENOMEM;
}

/* The passes: one (whatdepends: the direct dependents, and those after
 * them in the walk that depend on them), or, recursive (whatdependsrec),
 * until one prints nothing. */
static void what_run(struct what *w, const char *verb, int recursive)
{
	struct pkg_ctx *ctx = w->ctx;
	int i;

	for (;;) {
		while (w->heap.count) {
			int pos = heap_pop(&w->heap);
			Id p = w->scope->elements[pos];
			Id name = solver_name_id(&ctx->solv, p);
			char *hit;
			/* opkg skips a package whose name is marked: a root,
			 * one printed, or a name either provides */
			if (w->marked[name] || !(hit = first_hit(w, p))) {
				w->woken[pos] = 0; /* may wake again */
				continue;
			}
			/* "\tNAME VERSION\tVERB HIT\n", a line a dependent
			 * (thousands with -A): fputs, not fprintf */
			fputc('\t', ctx->out);
			fputs(solver_name(&ctx->solv, p), ctx->out);
			fputc(' ', ctx->out);
			fputs(solver_evr(&ctx->solv, p), ctx->out);
			fputc('\t', ctx->out);
			fputs(verb, ctx->out);
			fputc(' ', ctx->out);
			fputs(hit, ctx->out);
			fputc('\n', ctx->out);
			free(hit);
			mark(w, p, pos);
		}
		if (!recursive || !w->next.count)
			break;
		for (i = 0; i < w->next.count; i++)
			heap_push(&w->heap, w->next.elements[i]);
		queue_empty(&w->next);
	}
}

int query_what(struct pkg_ctx *ctx, int argc, char **argv, Id key,
	       const char *verb, int recursive)
{
	struct what w = { .ctx = ctx, .key = key };
	Queue scope;
	int i, k, r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "name a package");
	queue_init(&scope);
	if ((r = query_scope_ids(ctx, &scope)) < 0) {
		queue_free(&scope);
		return r;
	}
	queue_init(&w.heap);
	queue_init(&w.next);
	w.scope = &scope;
	w.nids = solver_nstrings(&ctx->solv);
	w.marked = calloc((size_t)w.nids + 1, 1);
	w.woken = calloc((size_t)scope.count + 1, 1);
	r = w.marked && w.woken ? what_index(&w) : -ENOMEM;
	if (r < 0)
		goto out;
	fprintf(ctx->out, "Root set:\n");
	for (i = 0; i < scope.count; i++) {
		Id p = scope.elements[i];
		for (k = 0; k < argc; k++)
			if (pkg_glob_match(ctx, argv[k],
					   solver_name(&ctx->solv, p)))
				break;
		if (k == argc)
			continue;
		fprintf(ctx->out, "  %s\n", solver_name(&ctx->solv, p));
		mark(&w, p, -1); /* everything woken is for the first pass */
	}
	fprintf(ctx->out, "What %s root set\n", verb);
	what_run(&w, verb, recursive);
out:
	queue_free(&scope);
	queue_free(&w.heap);
	queue_free(&w.next);
	free(w.marked);
	free(w.woken);
	free(w.first);
	free(w.rev);
	free(w.last_dep);
	return r < 0 ? pkg_error(r, "cannot answer the query") : 0;
}

/* The Provides (key SOLVABLE_PROVIDES) or Replaces (field text) entries
 * of p that match glob: "    NAME" plus "\tREL ENTRY" when the entry is
 * not the target itself. */
static int rel_lines(struct pkg_ctx *ctx, Id p, const char *list,
		     const char *rel, const char *glob)
{
	char *copy = strdup(list ? list : ""), *save, *d;
	const char *name = solver_name(&ctx->solv, p);
	int hit = 0;

	for (d = copy ? strtok_r(copy, ",", &save) : NULL; d;
	     d = strtok_r(NULL, ",", &save)) {
		d += strspn(d, " ");
		d[strcspn(d, " (")] = 0;
		if (!*d || !pkg_glob_match(ctx, glob, d))
			continue;
		/* opkg: a line per matching entry; "\t<rel> <entry>\n"
		 * when the entry is not the pattern, then "\n" */
		hit = 1;
		fprintf(ctx->out, "    %s", name);
		if (strcmp(d, glob))
			fprintf(ctx->out, "\t%s %s\n", rel, d);
		fputc('\n', ctx->out);
	}
	free(copy);
	return hit;
}

/* Replaces of p: from the installed control, or the feed's stanza. */
static char *replaces_of(struct pkg_ctx *ctx, Id p)
{
	struct ctl_stanza st = { 0 };
	struct db_pkg dp;
	char *text = NULL, *v = NULL;

	if (solver_is_installed(&ctx->solv, p)) {
		if (db_pkg_get(ctx->db, solver_name(&ctx->solv, p), &dp) < 0)
			return NULL;
		text = strdup(dp.control);
		db_pkg_release(&dp);
	} else if (feed_stanza_text(ctx, p, &text) < 0) {
		return NULL;
	}
	if (text && ctl_parse_one(text, strlen(text), &st) == 0 &&
	    ctl_get(&st, "Replaces"))
		v = strdup(ctl_get(&st, "Replaces"));
	ctl_stanza_release(&st);
	free(text);
	return v;
}

/* whatprovides' scope: the packages of each name one of whose packages
 * provides (or is named) what a glob matches, ordered and merged as
 * query_scope_ids orders them all (a name's packages all come, so that
 * walk_unique keeps the same one of two twins): `whatprovides -A libc`
 * orders some 30 packages, not 9,263. 0 or a negative code (reported). */
static int provides_scope(struct pkg_ctx *ctx, Queue *q, int nglob,
			  char **globs)
{
	const struct pkg_solver *s = &ctx->solv;
	int nids = solver_nstrings(s), i, j, k, hit;
	unsigned char *named = calloc((size_t)nids + 1, 1);
	Queue prov;

	if (!named)
		return pkg_error(-ENOMEM, "cannot answer the query");
	scope_collect(ctx, q);
	queue_init(&prov);
	for (i = 0; i < q->count; i++) {
		Id p = q->elements[i], n = solver_name_id(s, p);
		if (n <= 0 || n >= nids || named[n])
			continue;
		queue_empty(&prov);
		queue_push(&prov, n);
		solver_deps_names(s, p, SOLVABLE_PROVIDES, &prov);
		for (hit = 0, j = 0; !hit && j < prov.count; j++)
			for (k = 0; !hit && k < nglob; k++)
				hit = prov.elements[j] > 0 &&
				      pkg_glob_match(ctx, globs[k],
						     solver_id_str(
							     s,
							     prov.elements[j]));
		named[n] = (unsigned char)hit;
	}
	queue_free(&prov);
	for (i = j = 0; i < q->count; i++) {
		Id n = solver_name_id(s, q->elements[i]);
		if (n > 0 && n < nids && named[n])
			q->elements[j++] = q->elements[i];
	}
	q->count = j;
	free(named);
	return walk_unique(ctx, q);
}

int query_what_rel(struct pkg_ctx *ctx, int argc, char **argv, int repl)
{
	const char *rel = repl ? "replaces" : "provides";
	Queue scope;
	int k, i, r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "name a package");
	queue_init(&scope);
	/* Replaces is not in the pool: each package's stanza is read */
	r = repl ? query_scope_ids(ctx, &scope)
		 : provides_scope(ctx, &scope, argc, argv);
	if (r < 0) {
		queue_free(&scope);
		return r;
	}
	for (k = 0; k < argc; k++) {
		fprintf(ctx->out, "What %s %s\n", rel, argv[k]);
		for (i = 0; i < scope.count; i++) {
			Id p = scope.elements[i];
			char *list = repl ? replaces_of(ctx, p)
					  : solver_deps_str(&ctx->solv, p,
							    SOLVABLE_PROVIDES);
			/* opkg's provides list starts with the package */
			char *all = NULL;
			if (!repl && asprintf(&all, "%s, %s",
					      solver_name(&ctx->solv, p),
					      list ? list : "") < 0)
				all = NULL;
			rel_lines(ctx, p, repl ? list : all, rel, argv[k]);
			free(all);
			free(list);
		}
	}
	queue_free(&scope);
	return 0;
}
