/*
 * dist-upgrade (Yocto's opkg): upgrade everything, installing and
 * removing what the new versions need; pkg's solver always does (this is
 * upgrade with no names).
 */
#include "cmd/cmd.h"

static int cmd_dist_upgrade(struct pkg_ctx *ctx, int argc, char **argv)
{
	return cmd_upgrade_desc.run(ctx, 0, argv);
}

const struct pkg_cmd cmd_dist_upgrade_desc = {
	"dist-upgrade", "", "upgrade every package, following new dependencies",
	CMD_OPKG | CMD_WRITE | CMD_POOL | CMD_DB | CMD_PLAN, cmd_dist_upgrade
};
