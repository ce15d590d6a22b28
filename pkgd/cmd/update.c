/*
 * update: download and verify the feed lists (feeds_update).
 */
#include <string.h>

#include "cmd/cmd.h"

/* opkg exits with the number of feeds that failed; each failure was
 * reported on its own line. */
static int cmd_update(struct pkg_ctx *ctx, int argc, char **argv)
{
	int n, r = feeds_update(ctx, &n);

	if (r < 0 && !strcmp(ctx->prog, "opkg"))
		return n > 255 ? 255 : n;
	return r;
}

const struct pkg_cmd cmd_update_desc = {
	"update", "", "download and verify the feed lists",
	CMD_OPKG | CMD_WRITE | CMD_NODB, cmd_update
};
