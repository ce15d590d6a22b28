/*
 * remove NAME|GLOB...: remove installed packages (--autoremove: and the
 * orphans they leave).
 */
#include <stdlib.h>

#include "cmd/cmd.h"

/* Queue the removal of every installed package matching arg (a name or
 * a glob), each name added to *names (what the user asked for: the
 * others --autoremove takes are orphans). An essential package a glob
 * matches is refused (*refused set) and the others go, as opkg does
 * (`remove '*'`); one named plainly is the solver's problem. */
static int remove_arg(struct pkg_ctx *ctx, const char *arg, char ***names,
		      size_t *nn, int *refused)
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
	pkg_glob_ids(ctx, arg, &q);
	for (i = 0; r == 0 && i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		if (!solver_is_installed(&ctx->solv, q.elements[i]) ||
		    !db_pkg_installed(ctx->db, n))
			continue;
		if (solver_is_essential(&ctx->solv, q.elements[i]) &&
		    !(ctx->opt.force & FORCE_REMOVE_ESSENTIAL)) {
			pkg_error_plain(-PKGE_CONFLICT, "cannot remove essential "
					"package '%s' "
					"(--force-removal-of-essential-packages)",
					n);
			*refused = 1;
		} else {
			r = strv_add_unique(names, nn, n);
			if (r == 0)
				r = solver_job(&ctx->solv, SJ_REMOVE, n, 0);
		}
	}
	queue_free(&q);
	return r;
}

/* remove NAME|GLOB...: opkg removes what matches; when nothing does it
 * says "No packages removed." and succeeds (fails when it refused an
 * essential package). */
static int cmd_remove(struct pkg_ctx *ctx, int argc, char **argv)
{
	char **names = NULL;
	size_t nn = 0, i;
	int r = 0, k, refused = 0;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "remove: name a package");
	for (k = 0; r == 0 && k < argc; k++)
		r = remove_arg(ctx, argv[k], &names, &nn, &refused);
	if (r == 0 && !nn)
		ctx_note(ctx, 1, "No packages removed.\n");
	else if (r == 0)
		r = apply_jobs(ctx, 0, (const char *const *)names, nn, NULL,
			       NULL, 0);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return r == 0 && refused ? -PKGE_CONFLICT : r; /* reported */
}

const struct pkg_cmd cmd_remove_desc = {
	"remove", "NAME...", "remove packages (--autoremove: and orphans)",
	CMD_OPKG | CMD_WRITE | CMD_POOL | CMD_SCOPE | CMD_DB | CMD_NAMES |
		CMD_PLAN,
	cmd_remove
};
