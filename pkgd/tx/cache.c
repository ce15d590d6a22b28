/*
 * The package cache (--cache DIR, option cache): downloads kept and
 * reused when they still verify. Inside an offline root (as opkg has it)
 * it is a directory of the root, resolved and written through rootfs/'s
 * confined layer; with --host-cache-dir, or on a live system, it is the
 * host path the user named.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tx/tx.h"

int cache_open(struct pkg_ctx *ctx, struct pkg_cache *c)
{
	const char *d = ctx->opt.cache_dir ? ctx->opt.cache_dir
					   : ctx->conf.cache_dir;

	memset(c, 0, sizeof(*c));
	if (!d)
		return 0;
	c->in_root = ctx->offline && !ctx->opt.host_cache;
	if (c->in_root)
		return ctx_resolve(ctx, d, &c->dir);
	if (!(c->dir = strdup(d)))
		return pkg_error(-ENOMEM, "cannot use cache '%s'", d);
	return 0;
}

void cache_release(struct pkg_cache *c)
{
	free(c->dir);
	memset(c, 0, sizeof(*c));
}

/* dir/name: canonical in the root, or a host path. */
static char *cache_path(const struct pkg_cache *c, const char *name)
{
	char *p = NULL;

	if (!c->dir || strchr(name, '/') || !*name || !strcmp(name, "..") ||
	    asprintf(&p, "%s%s%s", c->dir, *c->dir ? "/" : "", name) < 0)
		return NULL;
	return p;
}

int cache_open_file(struct pkg_ctx *ctx, const struct pkg_cache *c,
		    const char *name)
{
	char *p = cache_path(c, name);
	int fd;

	if (!p)
		return -EINVAL;
	fd = c->in_root ? tree_open(&ctx->rf, TREE_WRITE, p, O_RDONLY, 0)
			: hostfs_open(p, O_RDONLY | O_NOFOLLOW, 0);
	free(p);
	return fd;
}

int cache_write(struct pkg_ctx *ctx, const struct pkg_cache *c,
		const char *name, const void *data, size_t len)
{
	char *p = cache_path(c, name);
	int r;

	if (!p)
		return -EINVAL;
	if (c->in_root) {
		r = tree_mkdir_p(&ctx->rf, TREE_WRITE, c->dir, 0755);
		if (r == 0)
			r = tree_write_atomic(&ctx->rf, TREE_WRITE, p, data,
					      len, 0644);
		if (r < 0)
			r = pkg_error(r, "cannot write '/%s'", p);
	} else {
		r = hostfs_mkdir_p(c->dir, 0755); /* reported */
		if (r == 0)
			r = hostfs_write_atomic(p, data, len, 0644);
	}
	free(p);
	return r;
}

DIR *cache_opendir(struct pkg_ctx *ctx, const struct pkg_cache *c, int *err)
{
	DIR *d;

	*err = 0;
	if (!c->dir)
		return NULL;
	if (c->in_root)
		return tree_opendir(&ctx->rf, TREE_WRITE, c->dir, err);
	d = hostfs_opendir(c->dir);
	if (!d)
		*err = -errno;
	return d;
}

int cache_unlink(struct pkg_ctx *ctx, const struct pkg_cache *c,
		 const char *name)
{
	char *p = cache_path(c, name);
	int r;

	if (!p)
		return -EINVAL;
	r = c->in_root ? tree_unlink(&ctx->rf, TREE_WRITE, p)
		       : fsop_unlink(p);
	if (r < 0)
		r = pkg_error(r, "cannot remove '%s%s'", c->in_root ? "/" : "",
			      p);
	free(p);
	return r;
}
