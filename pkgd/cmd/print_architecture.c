/*
 * print-architecture: the accepted architectures and their priorities.
 */
#include "cmd/cmd.h"

static int cmd_print_architecture(struct pkg_ctx *ctx, int argc, char **argv)
{
	size_t i;

	if (ctx->conf.narchs == 0) {
		/* opkg's defaults when opkg.conf names none */
		conf_add_arch(&ctx->conf, "all", 1);
		conf_add_arch(&ctx->conf, "noarch", 1);
	}
	for (i = 0; i < ctx->conf.narchs; i++)
		fprintf(ctx->out, "arch %s %d\n", ctx->conf.archs[i].name,
			ctx->conf.archs[i].prio);
	return 0;
}

const struct pkg_cmd cmd_print_architecture_desc = {
	"print-architecture", "", "list the accepted architectures",
	CMD_OPKG, cmd_print_architecture
};
