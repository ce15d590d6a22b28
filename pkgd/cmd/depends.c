/*
 * depends [-A] GLOB...: what packages depend on, in opkg's format
 * (installed packages; all with -A).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int cmd_depends(struct pkg_ctx *ctx, int argc, char **argv)
{
	Queue q;
	int k, i, r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "depends: name a package");
	queue_init(&q);
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

const struct pkg_cmd cmd_depends_desc = {
	"depends", "[-A] GLOB...", "list what packages depend on",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES |
		CMD_STATUS_READ, cmd_depends
};
