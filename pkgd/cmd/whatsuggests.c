/*
 * whatsuggests [-A] GLOB...: the packages that suggest GLOB (query.c).
 */
#include "cmd/cmd.h"

static int cmd_whatsuggests(struct pkg_ctx *ctx, int argc, char **argv)
{
	return query_what(ctx, argc, argv, SOLVABLE_SUGGESTS, "suggests", 0);
}

const struct pkg_cmd cmd_whatsuggests_desc = {
	"whatsuggests", "[-A] GLOB...", "list packages that suggest GLOB",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES |
		CMD_STATUS_READ,
	cmd_whatsuggests
};
