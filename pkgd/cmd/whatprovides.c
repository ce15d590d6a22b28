/*
 * whatprovides [-A] GLOB...: the packages that provide GLOB (query.c).
 */
#include "cmd/cmd.h"

static int cmd_whatprovides(struct pkg_ctx *ctx, int argc, char **argv)
{
	return query_what_rel(ctx, argc, argv, 0);
}

const struct pkg_cmd cmd_whatprovides_desc = {
	"whatprovides", "[-A] GLOB...", "list packages that provide GLOB",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES |
		CMD_STATUS_READ,
	cmd_whatprovides
};
