/*
 * whatdependsrec [-A] GLOB...: the packages that depend on GLOB, directly or
 * through others (query.c).
 */
#include "cmd/cmd.h"

static int cmd_whatdependsrec(struct pkg_ctx *ctx, int argc, char **argv)
{
	return query_what(ctx, argc, argv, SOLVABLE_REQUIRES, "depends on", 1);
}

const struct pkg_cmd cmd_whatdependsrec_desc = {
	"whatdependsrec", "[-A] GLOB...",
	"list packages that depend on GLOB, recursively",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES |
		CMD_STATUS_READ,
	cmd_whatdependsrec
};
