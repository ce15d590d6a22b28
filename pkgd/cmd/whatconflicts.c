/*
 * whatconflicts [-A] GLOB...: the packages that conflict with GLOB (query.c).
 */
#include "cmd/cmd.h"

static int cmd_whatconflicts(struct pkg_ctx *ctx, int argc, char **argv)
{
	return query_what(ctx, argc, argv, SOLVABLE_CONFLICTS,
			  "conflicts with", 0);
}

const struct pkg_cmd cmd_whatconflicts_desc = {
	"whatconflicts", "[-A] GLOB...",
	"list packages that conflict with GLOB",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES |
		CMD_STATUS_READ,
	cmd_whatconflicts
};
