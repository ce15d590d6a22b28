/*
 * whatreplaces [-A] GLOB...: the packages that replace GLOB (query.c).
 */
#include "cmd/cmd.h"

static int cmd_whatreplaces(struct pkg_ctx *ctx, int argc, char **argv)
{
	return query_what_rel(ctx, argc, argv, 1);
}

const struct pkg_cmd cmd_whatreplaces_desc = {
	"whatreplaces", "[-A] GLOB...", "list packages that replace GLOB",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_SCOPE | CMD_NAMES,
	cmd_whatreplaces
};
