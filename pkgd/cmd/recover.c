/*
 * recover: finish or undo an interrupted transaction (tx_recover).
 */
#include "cmd/cmd.h"

static int cmd_recover(struct pkg_ctx *ctx, int argc, char **argv)
{
	return tx_recover(ctx, 1);
}

const struct pkg_cmd cmd_recover_desc = {
	"recover", "", "finish or undo an interrupted transaction",
	CMD_WRITE | CMD_DB, cmd_recover
};
