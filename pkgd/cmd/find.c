/*
 * find GLOB: the packages whose name or description matches, in list's
 * order (list_run).
 */
#include "cmd/cmd.h"

static int cmd_find_run(struct pkg_ctx *ctx, int argc, char **argv)
{
	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "find: give a pattern");
	return list_run(ctx, argv[0], 1);
}

const struct pkg_cmd cmd_find_desc = {
	"find", "GLOB", "find packages by name or description",
	CMD_OPKG | CMD_LISTING, cmd_find_run
};
