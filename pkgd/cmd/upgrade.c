/*
 * upgrade [NAME...]: upgrade packages, every one when none is named.
 */
#include "cmd/cmd.h"

static int cmd_upgrade(struct pkg_ctx *ctx, int argc, char **argv)
{
	int r = 0, k;

	if (argc == 0)
		r = solver_job(&ctx->solv, SJ_UPGRADE_ALL, NULL, 0);
	for (k = 0; r == 0 && k < argc; k++)
		r = solver_job(&ctx->solv, SJ_UPGRADE, argv[k], 0);
	if (r == 0)
		r = apply_jobs(ctx, 0, NULL, 0, NULL, NULL, 0);
	return r;
}

const struct pkg_cmd cmd_upgrade_desc = {
	"upgrade", "[NAME...]", "upgrade packages (all when none named)",
	CMD_OPKG | CMD_WRITE | CMD_POOL | CMD_DB, cmd_upgrade
};
