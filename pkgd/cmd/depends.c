/*
 * depends [-A] GLOB...: what packages depend on, in opkg's format
 * (installed packages; all with -A). Read as info reads the packages
 * (depends_run, info.c: the status, the feeds' rows caches, each match's
 * stanza); the pool only when a feed has no rows cache yet, whose run
 * writes them.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* The pool's answer for globs: the same blocks, Depends and Pre-Depends
 * as the pool holds them. */
static int depends_pool(struct pkg_ctx *ctx, int argc, char **argv)
{
	Queue q;
	int k, i, r;

	/* the installed packages from the status file when there is no
	 * database, as main's CMD_POOL would have them */
	ctx->pool_from_status = !ctx->db;
	if ((r = session_load_pool(ctx)) < 0)
		return r;
	queue_init(&q);
	if (ctx->opt.all) { /* the next run reads the rows caches */
		solver_all_ids(&ctx->solv, &q);
		feed_rows_write_missing(ctx, &q);
		queue_empty(&q);
	}
	if ((r = query_scope_matching(ctx, &q, argc, argv)) < 0) {
		queue_free(&q);
		return r;
	}
	for (k = 0; k < argc; k++)
		for (i = 0; i < q.count; i++) {
			Id p = q.elements[i];
			char *deps, *save, *d;
			if (!pkg_glob_match(ctx, argv[k],
					 solver_name(&ctx->solv, p)))
				continue;
			deps = solver_deps_str(&ctx->solv, p,
					       SOLVABLE_REQUIRES);
			fprintf(ctx->out, "%s depends on:\n",
				solver_name(&ctx->solv, p));
			if (deps)
				query_opkg_ops(deps);
			for (d = deps ? strtok_r(deps, ",", &save) : NULL; d;
			     d = strtok_r(NULL, ",", &save))
				fprintf(ctx->out, "\t%s\n", d + strspn(d, " "));
			free(deps);
		}
	queue_free(&q);
	return 0;
}

static int cmd_depends(struct pkg_ctx *ctx, int argc, char **argv)
{
	int k, r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "depends: name a package");
	/* opkg answers glob by glob: a package two globs match is shown
	 * twice */
	for (k = 0; k < argc; k++)
		if ((r = depends_run(ctx, argv[k])) != 0)
			return r < 0 ? r : depends_pool(ctx, argc - k, argv + k);
	return 0;
}

const struct pkg_cmd cmd_depends_desc = {
	"depends", "[-A] GLOB...", "list what packages depend on",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_SCOPE |
		CMD_NAMES | CMD_STATUS_READ,
	cmd_depends
};
