/*
 * pkg -o IMAGE_DIR image-manifest [FILE|-]: at image build time, record
 * the SHA-256 of every file the image's opkg data lists, so that a router
 * booting the image does not hash its whole image on first boot (rom.c
 * uses the manifest when its status hash matches). Default output:
 * IMAGE_DIR/usr/lib/pkg/rom-manifest, which then goes into the image.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int cmd_image_manifest(struct pkg_ctx *ctx, int argc, char **argv)
{
	const char *dest = argc > 0 ? argv[0] : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (dest && !strcmp(dest, "-"))
		return rom_manifest_write(ctx, TREE_ROOT, ctx->out);
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	r = rom_manifest_write(ctx, TREE_ROOT, f);
	fclose(f);
	if (r == 0 && dest)
		r = hostfs_write_atomic(dest, text, len, 0644);
	else if (r == 0)
		r = ctx_write_file(ctx, ROM_MANIFEST, text, len,
				   0644);
	free(text);
	return r;
}

const struct pkg_cmd cmd_image_manifest_desc = {
	"image-manifest", "[FILE|-]",
	"record the image's file hashes (run on an image tree, -o DIR)",
	0, cmd_image_manifest
};
