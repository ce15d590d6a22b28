/*
 * whatdepends [-A] GLOB...: the packages that depend on GLOB (query.c).
 */
#include "cmd/cmd.h"

static int cmd_whatdepends(struct pkg_ctx *ctx, int argc, char **argv)
{
	return query_what(ctx, argc, argv, SOLVABLE_REQUIRES, "depends on", 0);
}

const struct pkg_cmd cmd_whatdepends_desc = {
	"whatdepends", "[-A] GLOB...", "list packages that depend on GLOB",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES |
		CMD_STATUS_READ,
	cmd_whatdepends
};
