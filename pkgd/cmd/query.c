/*
 * The dependency queries over the pool that depends and the what*
 * commands share, in opkg's formats. Patterns are globs (-i: any case);
 * the packages scanned are the installed ones, or all with -A.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int by_name(const void *a, const void *b, void *ud)
{
	const struct pkg_solver *s = ud;
	Id x = *(const Id *)a, y = *(const Id *)b;
	int r = strcmp(solver_name(s, x), solver_name(s, y));

	return r ? r : x - y;
}

void query_scope_ids(const struct pkg_ctx *ctx, Queue *q)
{
	int i, j;

	if (ctx->opt.all)
		solver_all_ids(&ctx->solv, q);
	else
		solver_installed_ids(&ctx->solv, q);
	qsort_r(q->elements, (size_t)q->count, sizeof(Id), by_name,
		(void *)&ctx->solv);
	for (i = j = 0; i < q->count; i++) {
		Id a = q->elements[i], b = j ? q->elements[j - 1] : 0;
		if (b && !strcmp(solver_name(&ctx->solv, a),
				 solver_name(&ctx->solv, b)) &&
		    !strcmp(solver_evr(&ctx->solv, a),
			    solver_evr(&ctx->solv, b)))
			continue;
		q->elements[j++] = a;
	}
	q->count = j;
}

void query_opkg_ops(char *s)
{
	char *o;

	while ((o = strstr(s, "(<< ")) || (o = strstr(s, "(>> ")))
		memmove(o + 2, o + 3, strlen(o + 3) + 1);
}

static int in_set(const Queue *set, Id name)
{
	int i;

	for (i = 0; i < set->count; i++)
		if (set->elements[i] == name)
			return 1;
	return 0;
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

/* The first entry (one alternative) of p's key list that names a package
 * of the set, malloc'd as opkg prints it ("name (op ver)" plus
 * " unsatisfiable" when nothing satisfies it), or NULL. */
static char *first_hit(struct pkg_ctx *ctx, Id p, Id key, const Queue *set)
{
	char *deps = solver_deps_str(&ctx->solv, p, key), *save, *d;
	char *hit = NULL;

	for (d = deps ? strtok_r(deps, ",|", &save) : NULL; d && !hit;
	     d = strtok_r(NULL, ",|", &save)) {
		size_t n;
		d += strspn(d, " ");
		n = strlen(d);
		while (n && d[n - 1] == ' ')
			d[--n] = 0;
		n = strcspn(d, " (");
		if (!in_set(set, pool_strn2id(ctx->solv.pool, d,
					      (unsigned)n, 0)))
			continue;
		if (asprintf(&hit, "%s%s", d,
			     satisfiable(ctx, d) ? "" : " unsatisfiable") < 0)
			hit = NULL;
		else
			query_opkg_ops(hit);
	}
	free(deps);
	return hit;
}

/* Mark p: its name and every name it provides join the set (opkg's
 * pkg_mark_provides), so that dependents on a virtual name are found. */
static void mark(struct pkg_ctx *ctx, Id p, Queue *set)
{
	Queue prov;
	int i;

	if (!in_set(set, solver_name_id(&ctx->solv, p)))
		queue_push(set, solver_name_id(&ctx->solv, p));
	queue_init(&prov);
	solver_dep_names(&ctx->solv, p, SOLVABLE_PROVIDES, &prov);
	for (i = 0; i < prov.count; i++)
		if (!in_set(set, prov.elements[i]))
			queue_push(set, prov.elements[i]);
	queue_free(&prov);
}

/* One pass over the scope: print each package not yet marked with an
 * entry naming a marked one (its first such entry). With grow the
 * printed packages are marked as they go (whatdependsrec). Returns how
 * many were printed. */
static int what_pass(struct pkg_ctx *ctx, const Queue *scope, Queue *set,
		     Queue *done, Id key, const char *verb, int grow)
{
	int i, n = 0;

	for (i = 0; i < scope->count; i++) {
		Id p = scope->elements[i];
		char *hit;
		if (in_set(done, solver_name_id(&ctx->solv, p)) ||
		    !(hit = first_hit(ctx, p, key, set)))
			continue;
		fprintf(ctx->out, "\t%s %s\t%s %s\n",
			solver_name(&ctx->solv, p), solver_evr(&ctx->solv, p),
			verb, hit);
		free(hit);
		queue_push(done, solver_name_id(&ctx->solv, p));
		if (grow)
			mark(ctx, p, set);
		n++;
	}
	return n;
}

int query_what(struct pkg_ctx *ctx, int argc, char **argv, Id key,
	       const char *verb, int recursive)
{
	Queue set, scope, done;
	int i, k;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "name a package");
	queue_init(&set);
	queue_init(&scope);
	queue_init(&done);
	query_scope_ids(ctx, &scope);
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
		mark(ctx, p, &set);
		queue_push(&done, solver_name_id(&ctx->solv, p));
	}
	fprintf(ctx->out, "What %s root set\n", verb);
	while (what_pass(ctx, &scope, &set, &done, key, verb, recursive) &&
	       recursive)
		;
	queue_free(&set);
	queue_free(&scope);
	queue_free(&done);
	return 0;
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

int query_what_rel(struct pkg_ctx *ctx, int argc, char **argv, int repl)
{
	const char *rel = repl ? "replaces" : "provides";
	Queue scope;
	int k, i;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "name a package");
	queue_init(&scope);
	query_scope_ids(ctx, &scope);
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
