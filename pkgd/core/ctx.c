/*
 * The command context: root paths (resolved inside the root by rootfs/,
 * never on the host), the lock and what the context owns.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

int ctx_resolve(const struct pkg_ctx *ctx, const char *path, char **out)
{
	int r = rootfs_resolve(&ctx->rf, NULL, path, 0, out);

	if (r < 0)
		return pkg_error(r, "cannot resolve '/%s'",
				 path + strspn(path, "/"));
	return 0;
}

static void state_add(struct pkg_ctx *ctx, const char *path, int dir)
{
	char *res = NULL;

	/* unresolvable (a loop, too long): nothing can be placed there
	 * either */
	if (!path || rootfs_resolve(&ctx->rf, NULL, path, 0, &res) < 0)
		return;
	if (!*res || ctx->nstate == (int)(sizeof(ctx->state) /
					  sizeof(ctx->state[0]))) {
		free(res); /* the root itself is no one's state */
		return;
	}
	ctx->state[ctx->nstate].path = res;
	ctx->state[ctx->nstate].len = strlen(res);
	ctx->state[ctx->nstate++].dir = dir;
}

const char *ctx_state_path(struct pkg_ctx *ctx, const char *res, int is_dir)
{
	int i;

	if (!ctx->state_ready) {
		ctx->state_ready = 1;
		state_add(ctx, PKG_DIR, 1);
		state_add(ctx, ctx->conf.info_dir, 1);
		state_add(ctx, ctx->conf.status_file, 0);
		if (!ctx->opt.lists_dir) /* else a host path */
			state_add(ctx, ctx->conf.lists_dir, 1);
		state_add(ctx, FEED_CACHE_DIR, 1);
		state_add(ctx, WORLD_FILE, 0);
	}
	/* each entry of every archive and each file a remove deletes comes
	 * here: the lengths are taken once */
	for (i = 0; i < ctx->nstate; i++) {
		const struct state_entry *e = &ctx->state[i];

		if (strncmp(res, e->path, e->len))
			continue;
		if (!res[e->len] && !(is_dir && e->dir))
			return e->path;
		if (e->dir && res[e->len] == '/')
			return e->path;
	}
	return NULL;
}

int ctx_read_file(const struct pkg_ctx *ctx, const char *path, size_t max,
		  char **out, size_t *len)
{
	char *res = NULL;
	int r = rootfs_resolve(&ctx->rf, NULL, path, 0, &res);

	*out = NULL;
	if (r == 0)
		r = rootfs_read(&ctx->rf, res, max, out, len);
	free(res);
	return r;
}

int ctx_lookup(const struct pkg_ctx *ctx, const char *path, struct stat *st,
	       enum origin *origin, enum tree_layer *layer, char **res)
{
	char *r_ = NULL;
	enum origin o = ORIGIN_NONE;
	int r = rootfs_resolve(&ctx->rf, NULL, path, 0, &r_);

	if (r == 0)
		r = rootfs_find(&ctx->rf, r_, st, &o, layer);
	if (origin)
		*origin = o;
	if (res)
		*res = r_;
	else
		free(r_);
	return r;
}

int ctx_sha256(const struct pkg_ctx *ctx, const char *path, char hex[SHA256_HEX_SIZE])
{
	char *res = NULL;
	int r = rootfs_resolve(&ctx->rf, NULL, path, 0, &res);

	if (r == 0)
		r = rootfs_sha256(&ctx->rf, res, hex);
	free(res);
	return r;
}

int ctx_prepare_write(struct pkg_ctx *ctx, const char *path, char **res)
{
	int r = ctx_resolve(ctx, path, res);

	if (r == 0 && !**res)
		r = pkg_error(-EISDIR, "cannot write '/'");
	if (r == 0)
		r = rootfs_prepare_parent(&ctx->rf, *res);
	if (r < 0) {
		free(*res);
		*res = NULL;
	}
	return r;
}

/* Does the merged view hold exactly data (len bytes) at res? A size
 * that differs says so without reading the file (a transaction's status
 * file, every time). */
static int holds(const struct rootfs *rf, const char *res, const char *data,
		 size_t len)
{
	int fd = rootfs_open_read(rf, res, NULL), same;
	struct stat st;
	char *cur = NULL;
	size_t curlen = 0;

	if (fd < 0)
		return 0;
	same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       (uint64_t)st.st_size == len &&
	       fd_read_all(fd, 0, &cur, &curlen) == 0 && curlen == len &&
	       !memcmp(cur, data, len);
	close(fd);
	free(cur);
	return same;
}

/* Write path unless the merged view already holds exactly data. */
int ctx_write_file(struct pkg_ctx *ctx, const char *path, const char *data,
		   size_t len, mode_t mode)
{
	char *res = NULL;
	int r = ctx_resolve(ctx, path, &res);

	if (r < 0)
		return r;
	if (holds(&ctx->rf, res, data, len)) {
		free(res);
		return 0;
	}
	r = rootfs_prepare_parent(&ctx->rf, res);
	if (r == 0 && (r = tree_write_atomic(&ctx->rf, TREE_WRITE, res, data,
					     len, mode)) < 0)
		r = pkg_error(r, "cannot write '/%s'", res);
	free(res);
	return r;
}

const char *ctx_tmpdir(struct pkg_ctx *ctx, int *fd)
{
	const char *base = ctx->opt.tmp_dir ? ctx->opt.tmp_dir
			   : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char prefix[32];

	if (!ctx->tmp_path) {
		/* the pid in the name: a killed run's is known (tmpclean.c) */
		snprintf(prefix, sizeof(prefix), "pkg-%ld.", (long)getpid());
		if (hostfs_private_dir(base, prefix, &ctx->tmp_path,
				       &ctx->tmp_fd) < 0)
			return NULL;
	}
	if (fd)
		*fd = ctx->tmp_fd;
	return ctx->tmp_path;
}

void ctx_note(const struct pkg_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	if (ctx->opt.verbosity < level || ctx->opt.json)
		return;
	va_start(ap, fmt);
	vfprintf(ctx->out, fmt, ap);
	va_end(ap);
}

static int lock_holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		return (int)fl.l_pid;
	return 0;
}

/* Take the lock file res (canonical, in the write layer). */
static int lock_take(struct pkg_ctx *ctx, const char *res, int wait_s,
		     int *fd_out)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	time_t until = time(NULL) + (wait_s > 0 ? wait_s : 0);
	int fd, r;

	fd = tree_open(&ctx->rf, TREE_WRITE, res, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return pkg_error(fd, "cannot open lock '/%s'", res);
	while (fcntl(fd, F_SETLK, &fl) < 0) {
		int pid;
		if (errno != EAGAIN && errno != EACCES) {
			r = pkg_error(-errno, "cannot lock '/%s'", res);
			close(fd);
			return r;
		}
		if (wait_s != 0 && (wait_s < 0 || time(NULL) < until)) {
			usleep(100000);
			continue;
		}
		pid = lock_holder(fd);
		close(fd);
		return pkg_error_plain(-PKGE_LOCKED,
				       "cannot lock '/%s': held by process %d "
				       "(another pkg or opkg is running; use "
				       "--wait SECONDS)",
				       res, pid);
	}
	*fd_out = fd;
	return 0;
}

int ctx_lock(struct pkg_ctx *ctx)
{
	char *res = NULL, *slash;
	struct stat st;
	int r = ctx_prepare_write(ctx, PKG_LOCK_FILE, &res);

	if (r == 0)
		r = lock_take(ctx, res, ctx->opt.wait_s, &ctx->lock_fd);
	free(res);
	res = NULL;
	if (r < 0)
		return r;
	/* Respect opkg's own lock so that a real opkg and pkg never run at
	 * once; only where its directory exists (never create /var). */
	if (ctx_resolve(ctx, ctx->conf.lock_file, &res) < 0)
		r = -PKGE_CONFIG;
	slash = res ? strrchr(res, '/') : NULL;
	if (slash) {
		*slash = '\0';
		if (tree_lstat(&ctx->rf, TREE_WRITE, res, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			*slash = '/';
			r = lock_take(ctx, res, ctx->opt.wait_s,
				      &ctx->opkg_lock_fd);
		}
	}
	free(res);
	if (r < 0)
		ctx_unlock(ctx);
	return r;
}

void ctx_unlock(struct pkg_ctx *ctx)
{
	if (ctx->opkg_lock_fd >= 0)
		close(ctx->opkg_lock_fd);
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	ctx->opkg_lock_fd = ctx->lock_fd = -1;
}

void ctx_release(struct pkg_ctx *ctx)
{
	/* the option lists hold pointers into argv: only the arrays */
	free(ctx->opt.add_archs);
	free(ctx->opt.add_dests);
	free(ctx->opt.add_excludes);
	free(ctx->opt.ignore_recs);
	ctx->opt.add_archs = ctx->opt.add_dests = NULL;
	ctx->opt.add_excludes = ctx->opt.ignore_recs = NULL;
	if (ctx->solv_ready)
		solver_release(&ctx->solv);
	ctx->solv_ready = 0;
	db_close(ctx->db);
	ctx->db = NULL;
	ctx_unlock(ctx);
	conf_release(&ctx->conf);
	rootfs_release(&ctx->rf);
	if (ctx->tmp_path)
		hostfs_remove_tree(ctx->tmp_path);
	if (ctx->tmp_fd >= 0)
		close(ctx->tmp_fd);
	free(ctx->tmp_path);
	ctx->tmp_path = NULL;
	ctx->tmp_fd = -1;
	if (ctx->lists_fd >= 0)
		close(ctx->lists_fd);
	if (ctx->cache_fd >= 0)
		close(ctx->cache_fd);
	if (ctx->cache_parent_fd >= 0)
		close(ctx->cache_parent_fd);
	ctx->lists_fd = ctx->cache_fd = ctx->cache_parent_fd = -1;
	free(ctx->root);
	ctx->root = NULL;
	while (ctx->nstate > 0)
		free(ctx->state[--ctx->nstate].path);
	ctx->state_ready = 0;
}
