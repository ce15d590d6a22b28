/*
 * depends NAME, whatdepends NAME, whatprovides NAME: dependency queries
 * over the pool (installed packages, or all with -A).
 */
#include <stdlib.h>
#include <string.h>

#include "pkgd.h"

/* The installed package named name, else the best available one. */
static Id find_pkg(struct pkg_ctx *ctx, const char *name)
{
	Pool *pool = ctx->solv.pool;
	Solvable *sv;
	Id p;

	if (pool->installed) {
		FOR_REPO_SOLVABLES(pool->installed, p, sv)
		{
			if (!strcmp(solver_name(&ctx->solv, p), name))
				return p;
		}
	}
	return solver_best_available(&ctx->solv, name);
}

static int cmd_depends(struct pkg_ctx *ctx, int argc, char **argv)
{
	int k;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "depends: name a package");
	for (k = 0; k < argc; k++) {
		Id p = find_pkg(ctx, argv[k]);
		char *deps, *save, *d;

		if (!p)
			return pkg_error_plain(-PKGE_NOTFOUND,
					       "unknown package '%s'", argv[k]);
		deps = solver_deps_str(&ctx->solv, p, SOLVABLE_REQUIRES);
		fprintf(ctx->out, "%s depends on:\n", argv[k]);
		for (d = deps ? strtok_r(deps, ",", &save) : NULL; d;
		     d = strtok_r(NULL, ",", &save))
			fprintf(ctx->out, "\t%s\n", d + strspn(d, " "));
		free(deps);
	}
	return 0;
}

const struct pkg_cmd cmd_depends_desc = {
	"depends", "NAME...", "list what a package depends on",
	CMD_OPKG | CMD_DB | CMD_POOL, cmd_depends
};

/* Does p require something that name provides? */
static int requires_name(struct pkg_ctx *ctx, Id p, Id key, const char *name)
{
	char *deps = solver_deps_str(&ctx->solv, p, key), *save, *d;
	int hit = 0;

	for (d = deps ? strtok_r(deps, ",|", &save) : NULL; d && !hit;
	     d = strtok_r(NULL, ",|", &save)) {
		d += strspn(d, " ");
		hit = !strncmp(d, name, strlen(name)) &&
		      (d[strlen(name)] == 0 || d[strlen(name)] == ' ' ||
		       d[strlen(name)] == '(');
	}
	free(deps);
	return hit;
}

static int what_query(struct pkg_ctx *ctx, int argc, char **argv, Id key,
		      const char *verb)
{
	Pool *pool = ctx->solv.pool;
	int k;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "name a package");
	fprintf(ctx->out, "Root set:\n");
	for (k = 0; k < argc; k++)
		fprintf(ctx->out, "  %s\n", argv[k]);
	fprintf(ctx->out, "What %s root set\n", verb);
	for (k = 0; k < argc; k++) {
		Id p;
		FOR_POOL_SOLVABLES(p)
		{
			Solvable *s = pool->solvables + p;
			if (!ctx->opt.all && s->repo != pool->installed)
				continue;
			if (requires_name(ctx, p, key, argv[k]))
				fprintf(ctx->out, "\t%s %s\t%s %s\n",
					solver_name(&ctx->solv, p),
					solver_evr(&ctx->solv, p), verb,
					argv[k]);
		}
	}
	return 0;
}

static int cmd_whatdepends(struct pkg_ctx *ctx, int argc, char **argv)
{
	return what_query(ctx, argc, argv, SOLVABLE_REQUIRES, "depends on");
}

const struct pkg_cmd cmd_whatdepends_desc = {
	"whatdepends", "NAME...", "list packages that depend on NAME",
	CMD_OPKG | CMD_DB | CMD_POOL, cmd_whatdepends
};

static int cmd_whatconflicts(struct pkg_ctx *ctx, int argc, char **argv)
{
	return what_query(ctx, argc, argv, SOLVABLE_CONFLICTS, "conflicts with");
}

const struct pkg_cmd cmd_whatconflicts_desc = {
	"whatconflicts", "NAME...", "list packages that conflict with NAME",
	CMD_OPKG | CMD_DB | CMD_POOL, cmd_whatconflicts
};

static int cmd_whatprovides(struct pkg_ctx *ctx, int argc, char **argv)
{
	int k, i;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "name a package");
	for (k = 0; k < argc; k++) {
		Queue q;
		queue_init(&q);
		solver_whatprovides(&ctx->solv, argv[k], &q);
		fprintf(ctx->out, "What provides %s\n", argv[k]);
		for (i = 0; i < q.count; i++) {
			const char *n = solver_name(&ctx->solv, q.elements[i]);
			int j, dup = 0;
			for (j = 0; j < i; j++)
				dup |= !strcmp(n, solver_name(&ctx->solv,
							      q.elements[j]));
			if (!dup)
				fprintf(ctx->out, "    %s\n", n);
		}
		queue_free(&q);
	}
	return 0;
}

const struct pkg_cmd cmd_whatprovides_desc = {
	"whatprovides", "NAME...", "list packages that provide NAME",
	CMD_OPKG | CMD_DB | CMD_POOL, cmd_whatprovides
};
