/*
 * The command context: root paths (symlinks resolved inside the root, never
 * on the host), the database, the lock and the solver pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

#define CTX_MAX_LINKS 40

/* Append component c (len n) to the resolved path buffer. */
static int path_push(char *buf, size_t cap, const char *c, size_t n)
{
	size_t l = strlen(buf);

	if (l + n + 2 > cap)
		return -ENAMETOOLONG;
	if (l)
		buf[l++] = '/';
	memcpy(buf + l, c, n);
	buf[l + n] = 0;
	return 0;
}

static void path_pop(char *buf)
{
	char *s = strrchr(buf, '/');

	if (s)
		*s = 0;
	else
		buf[0] = 0;
}

/*
 * Resolve rel inside the merged view of the root, following symlinks of
 * every component but the last chroot-style ("/x" means ROOT/x, ".." stops
 * at the root). out: root-relative, no leading '/'.
 */
static int ctx_resolve_rel(const struct pkg_ctx *ctx, const char *rel,
			   char *out, size_t cap)
{
	char work[PATH_MAX * 2], link[PATH_MAX];
	const char *p;
	int hops = 0;

	out[0] = 0;
	snprintf(work, sizeof(work), "%s", rel);
	p = work;
	while (*p) {
		const char *e;
		size_t n;
		struct stat st;
		int r;

		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			p = e;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			path_pop(out);
			p = e;
			continue;
		}
		r = path_push(out, cap, p, n);
		if (r < 0)
			return r;
		if (!*e) /* the last component is not followed */
			break;
		if (rootfs_lstat(&ctx->rf, out, &st, NULL) == 0 &&
		    S_ISLNK(st.st_mode)) {
			char *rp = rootfs_rpath(&ctx->rf, out, NULL);
			ssize_t l = rp ? readlink(rp, link, sizeof(link) - 1)
				       : -1;
			char rest[PATH_MAX * 2];

			free(rp);
			if (l < 0 || ++hops > CTX_MAX_LINKS)
				return -ELOOP;
			link[l] = 0;
			path_pop(out);
			if (link[0] == '/')
				out[0] = 0;
			snprintf(rest, sizeof(rest), "%s%s", link, e);
			snprintf(work, sizeof(work), "%s", rest);
			p = work;
			continue;
		}
		p = e;
	}
	return 0;
}

char *ctx_path(const struct pkg_ctx *ctx, const char *rel)
{
	char r[PATH_MAX];
	char *p;

	while (*rel == '/')
		rel++;
	if (ctx_resolve_rel(ctx, rel, r, sizeof(r)) < 0)
		snprintf(r, sizeof(r), "%s", rel);
	p = rootfs_rpath(&ctx->rf, r, NULL);
	return p ? p : rootfs_wpath(&ctx->rf, r);
}

char *ctx_wpath(const struct pkg_ctx *ctx, const char *rel)
{
	char r[PATH_MAX];

	while (*rel == '/')
		rel++;
	if (ctx_resolve_rel(ctx, rel, r, sizeof(r)) < 0)
		snprintf(r, sizeof(r), "%s", rel);
	return rootfs_wpath(&ctx->rf, r);
}

/* Resolved root-relative form of rel (for the transaction's targets). */
int ctx_resolve(const struct pkg_ctx *ctx, const char *rel, char *out,
		size_t cap)
{
	while (*rel == '/')
		rel++;
	return ctx_resolve_rel(ctx, rel, out, cap);
}

/* Write rel (root-relative) unless the merged view already holds exactly
 * data. */
int ctx_write_file(struct pkg_ctx *ctx, const char *rel, const char *data,
		   size_t len, mode_t mode)
{
	char res[4096], *cur = NULL, *path, *rp;
	size_t curlen = 0;
	int r;

	r = ctx_resolve(ctx, rel, res, sizeof(res));
	if (r < 0)
		return pkg_error(r, "cannot resolve '/%s'", rel);
	rp = rootfs_rpath(&ctx->rf, res, NULL);
	if (rp && rootfs_read_file(rp, 0, &cur, &curlen) == 0 &&
	    curlen == len && !memcmp(cur, data, len)) {
		free(cur);
		free(rp);
		return 0;
	}
	free(cur);
	free(rp);
	r = rootfs_prepare_parent(&ctx->rf, res);
	path = rootfs_wpath(&ctx->rf, res);
	if (r == 0 && !path)
		r = pkg_error(-ENOMEM, "cannot write '/%s'", res);
	if (r == 0) /* reports its own errors, as prepare_parent does */
		r = rootfs_write_atomic(path, data, len, mode);
	free(path);
	return r;
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

int path_mkdir_parent(const char *path)
{
	char *d = strdup(path), *s;
	int r = 0;

	if (!d)
		return -ENOMEM;
	s = strrchr(d, '/');
	if (s && s != d) {
		*s = 0;
		r = rootfs_mkdir_p(d, 0755);
	}
	free(d);
	return r;
}

static int lock_holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		return (int)fl.l_pid;
	return 0;
}

static int lock_take(const char *path, int wait_s, int *fd_out)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd, r = path_mkdir_parent(path);
	time_t until = time(NULL) + (wait_s > 0 ? wait_s : 0);

	if (r < 0)
		return pkg_error(r, "cannot create lock '%s'", path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return pkg_error(-errno, "cannot open lock '%s'", path);
	while (fcntl(fd, F_SETLK, &fl) < 0) {
		int pid;
		if (errno != EAGAIN && errno != EACCES) {
			r = pkg_error(-errno, "cannot lock '%s'", path);
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
				       "cannot lock '%s': held by process %d "
				       "(another pkg or opkg is running; use "
				       "--wait SECONDS)",
				       path, pid);
	}
	*fd_out = fd;
	return 0;
}

int ctx_lock(struct pkg_ctx *ctx)
{
	char *path = ctx_wpath(ctx, PKG_LOCK_FILE);
	int r;

	if (!path)
		return -ENOMEM;
	r = lock_take(path, ctx->opt.wait_s, &ctx->lock_fd);
	free(path);
	if (r < 0)
		return r;
	/* Respect opkg's own lock so that a real opkg and pkg never run at
	 * once; only where its directory exists (never create /var). */
	path = ctx_wpath(ctx, ctx->conf.lock_file);
	if (path) {
		char *dir = strdup(path), *s = dir ? strrchr(dir, '/') : NULL;
		if (s) {
			*s = 0;
			if (access(dir, W_OK) == 0)
				r = lock_take(path, ctx->opt.wait_s,
					      &ctx->opkg_lock_fd);
		}
		free(dir);
		free(path);
	}
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
	free(ctx->root);
	free(ctx->feed_cache);
	ctx->root = ctx->feed_cache = NULL;
}
