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
	struct pkg_cache c;
	struct dirent *e;
	DIR *d;
	int r = cache_open(ctx, &c), err = 0;

	d = r == 0 ? cache_opendir(ctx, &c, &err) : NULL;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || (strcmp(e->d_name + l - 4, ".ipk") &&
			      strcmp(e->d_name + l - 4, ".opk") &&
			      strcmp(e->d_name + l - 4, ".deb")))
			continue;
		if (!ctx->opt.noaction && cache_unlink(ctx, &c, e->d_name) < 0)
			r = -EIO; /* reported */
	}
	if (d)
		closedir(d);
	cache_release(&c);
	return r;
}

const struct pkg_cmd cmd_clean_desc = {
	"clean", "", "empty the package cache (--cache DIR)",
	CMD_OPKG | CMD_WRITE, cmd_clean
};
