/*
 * remove NAME|GLOB...: remove installed packages (--autoremove: and the
 * orphans they leave).
 */
#include "cmd/cmd.h"

/* Queue the removal of every installed package matching arg (a name or
 * a glob); *any is set when one matched. */
static int remove_arg(struct pkg_ctx *ctx, const char *arg, int *any)
{
	Queue q;
	int i, r = 0;

	if (!arg_has_glob(arg) && !ctx->opt.nocase) {
		if (!db_pkg_installed(ctx->db, arg))
			return 0;
		*any = 1;
		return solver_job(&ctx->solv, SJ_REMOVE, arg, 0);
	}
	queue_init(&q);
	solver_match_glob(&ctx->solv, arg, ctx->opt.nocase, &q);
	for (i = 0; r == 0 && i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		if (solver_is_installed(&ctx->solv, q.elements[i]) &&
		    db_pkg_installed(ctx->db, n)) {
			r = solver_job(&ctx->solv, SJ_REMOVE, n, 0);
			*any = 1;
		}
	}
	queue_free(&q);
	return r;
}

/* remove NAME|GLOB...: opkg removes what matches; when nothing does it
 * says "No packages removed." and succeeds. */
static int cmd_remove(struct pkg_ctx *ctx, int argc, char **argv)
{
	int r = 0, k, any = 0;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "remove: name a package");
	for (k = 0; r == 0 && k < argc; k++)
		r = remove_arg(ctx, argv[k], &any);
	if (r == 0 && !any) {
		ctx_note(ctx, 1, "No packages removed.\n");
		return 0;
	}
	if (r == 0)
		r = apply_jobs(ctx, 0, NULL, 0, NULL, NULL, 0);
	return r;
}

const struct pkg_cmd cmd_remove_desc = {
	"remove", "NAME...", "remove packages (--autoremove: and orphans)",
	CMD_OPKG | CMD_WRITE | CMD_POOL | CMD_DB, cmd_remove
};
