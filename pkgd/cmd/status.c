/*
 * status [GLOB] [--conffiles]: the status of installed packages (info.c's
 * fields), or the state of every conffile (conffiles_status). Without a
 * database (CMD_STATUS_READ) the stanzas come from opkg's status read
 * straight (info_run).
 */
#include "cmd/cmd.h"

static int cmd_status(struct pkg_ctx *ctx, int argc, char **argv)
{
	if (ctx->opt.conffiles)
		return conffiles_status(ctx, argc > 0 ? argv[0] : NULL);
	return info_run(ctx, argc, argv, 1);
}

const struct pkg_cmd cmd_status_desc = {
	"status", "[GLOB]", "show the status of installed packages",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_FIELDS | CMD_LISTING |
		CMD_NAMES | CMD_STATUS_READ,
	cmd_status
};
