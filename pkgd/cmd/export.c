/*
 * export [--imagebuilder]
 *
 * The user's packages: the world file's text (docs/sysupgrade.md), or
 * with --imagebuilder an OpenWrt ImageBuilder line,
 * PACKAGES="name ... -removed ...", to bake them into the next image.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int export_ib(struct pkg_ctx *ctx)
{
	struct world w;
	size_t i;
	int r = world_from_db(ctx, &w), first = 1;

	if (r < 0)
		return r;
	fputs("PACKAGES=\"", ctx->out);
	for (i = 0; i < w.n; i++) {
		if (w.e[i].kind != WK_USER && w.e[i].kind != WK_REMOVED)
			continue;
		fprintf(ctx->out, "%s%s%s", first ? "" : " ",
			w.e[i].kind == WK_REMOVED ? "-" : "", w.e[i].name);
		first = 0;
	}
	fputs("\"\n", ctx->out);
	world_release(&w);
	return 0;
}

static int cmd_export(struct pkg_ctx *ctx, int argc, char **argv)
{
	char *world = NULL, *itxt = NULL;
	size_t wl, il;
	int k, ib = 0, r;

	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--imagebuilder") ||
		    !strcmp(argv[k], "imagebuilder"))
			ib = 1;
		else if (strcmp(argv[k], "--"))
			return pkg_error_plain(-PKGE_USAGE,
					       "export: unknown argument '%s'",
					       argv[k]);
	}
	if (ib)
		return export_ib(ctx);
	r = world_texts(ctx, &world, &wl, &itxt, &il);
	if (r == 0)
		fwrite(world, 1, wl, ctx->out);
	free(world);
	free(itxt);
	return r;
}

const struct pkg_cmd cmd_export_desc = {
	"export", "[--imagebuilder]",
	"print the user's packages (world file, or ImageBuilder PACKAGES=)",
	CMD_DB | CMD_OWNOPTS, cmd_export
};
