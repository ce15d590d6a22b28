/*
 * clean (Yocto's opkg): empty the package cache.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* clean: remove the archives kept in the cache directory. */
static int cmd_clean(struct pkg_ctx *ctx, int argc, char **argv)
{
	char *dir = apply_cache_dir(ctx);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int r = 0;

	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char *path = NULL;
		if (l < 5 || (strcmp(e->d_name + l - 4, ".ipk") &&
			      strcmp(e->d_name + l - 4, ".opk") &&
			      strcmp(e->d_name + l - 4, ".deb")))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			r = -ENOMEM;
		else if (!ctx->opt.noaction && fsop_unlink(path) < 0)
			r = pkg_error(-errno, "cannot remove '%s'", path);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	return r;
}

const struct pkg_cmd cmd_clean_desc = {
	"clean", "", "empty the package cache (--cache DIR)",
	CMD_OPKG | CMD_WRITE, cmd_clean
};
