/*
 * remove NAME|GLOB...: remove installed packages (--autoremove: and the
 * orphans they leave).
 */
#include <stdlib.h>

#include "cmd/cmd.h"

/* Queue the removal of every installed package matching arg (a name or
 * a glob), each name added to *names (what the user asked for: the
 * others --autoremove takes are orphans). */
static int remove_arg(struct pkg_ctx *ctx, const char *arg, char ***names,
		      size_t *nn)
{
	Queue q;
	int i, r = 0;

	if (!arg_has_glob(arg) && !ctx->opt.nocase) {
		if (!db_pkg_installed(ctx->db, arg))
			return 0;
		r = strv_add_unique(names, nn, arg);
		return r < 0 ? r : solver_job(&ctx->solv, SJ_REMOVE, arg, 0);
	}
	queue_init(&q);
	solver_match_glob(&ctx->solv, arg, ctx->opt.nocase, &q);
	for (i = 0; r == 0 && i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		if (solver_is_installed(&ctx->solv, q.elements[i]) &&
		    db_pkg_installed(ctx->db, n)) {
			r = strv_add_unique(names, nn, n);
			if (r == 0)
				r = solver_job(&ctx->solv, SJ_REMOVE, n, 0);
		}
	}
	queue_free(&q);
	return r;
}

/* remove NAME|GLOB...: opkg removes what matches; when nothing does it
 * says "No packages removed." and succeeds. */
static int cmd_remove(struct pkg_ctx *ctx, int argc, char **argv)
{
	char **names = NULL;
	size_t nn = 0, i;
	int r = 0, k;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "remove: name a package");
	for (k = 0; r == 0 && k < argc; k++)
		r = remove_arg(ctx, argv[k], &names, &nn);
	if (r == 0 && !nn)
		ctx_note(ctx, 1, "No packages removed.\n");
	else if (r == 0)
		r = apply_jobs(ctx, 0, (const char *const *)names, nn, NULL,
			       NULL, 0);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return r;
}

const struct pkg_cmd cmd_remove_desc = {
	"remove", "NAME...", "remove packages (--autoremove: and orphans)",
	CMD_OPKG | CMD_WRITE | CMD_POOL | CMD_DB, cmd_remove
};
