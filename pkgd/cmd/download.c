/*
 * download NAME...: fetch feed packages into the current directory,
 * verified against the index.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

static int cmd_download(struct pkg_ctx *ctx, int argc, char **argv)
{
	char cwd[4096];
	int k, r = 0;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "download: name a package");
	if (!getcwd(cwd, sizeof(cwd)))
		return pkg_error(-1, "cannot read the current directory");
	for (k = 0; r == 0 && k < argc; k++) {
		Id p = solver_best_available(&ctx->solv, argv[k]);
		char *out = NULL;
		int fd = -1;

		if (!p) {
			/* opkg: "Cannot find package", then carries on and
			 * succeeds; pkg's own name fails. */
			r = pkg_error_plain(-PKGE_NOTFOUND,
					    "cannot find package '%s'",
					    argv[k]);
			if (!strcmp(ctx->prog, "opkg"))
				r = 0;
			continue;
		}
		r = tx_fetch_pkg(ctx, p, cwd, 0, &out, &fd);
		if (fd >= 0)
			close(fd);
		if (r == 0)
			ctx_note(ctx, 1, "Downloaded %s as ./%s.\n", argv[k],
				 strrchr(out, '/') ? strrchr(out, '/') + 1 : out);
		free(out);
	}
	return r;
}

const struct pkg_cmd cmd_download_desc = {
	"download", "NAME...", "download packages into the current directory",
	CMD_OPKG | CMD_DB | CMD_POOL | CMD_NAMES, cmd_download
};
