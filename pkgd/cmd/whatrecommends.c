/*
 * whatrecommends [-A] GLOB...: the packages that recommend GLOB (query.c).
 */
#include "cmd/cmd.h"

static int cmd_whatrecommends(struct pkg_ctx *ctx, int argc, char **argv)
{
	return query_what(ctx, argc, argv, SOLVABLE_RECOMMENDS, "recommends",
			  0);
}

const struct pkg_cmd cmd_whatrecommends_desc = {
	"whatrecommends", "[-A] GLOB...", "list packages that recommend GLOB",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES |
		CMD_STATUS_READ,
	cmd_whatrecommends
};
