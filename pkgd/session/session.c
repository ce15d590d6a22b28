/*
 * The session a command runs in, set up by main from the command's flags:
 * the database opened (and opkg's state imported on the first run), the
 * image database rebuilt when the image changed, the solver pool loaded,
 * write access (the lock, the database reopened for writing) taken.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/session.h"

int session_write_access(struct pkg_ctx *ctx)
{
	int r;

	if (ctx->lock_fd < 0 && (r = ctx_lock(ctx)) < 0)
		return r;
	if (ctx->db_readonly) {
		db_close(ctx->db);
		ctx->db = NULL;
		if ((r = session_open_db(ctx, 1)) < 0)
			return r;
	}
	return 0;
}

/* A new image (or the first run): rebuild the image database, with the
 * database opened for writing for that. */
int session_sync_image(struct pkg_ctx *ctx)
{
	char fp[SHA256_HEX_SIZE], *old = NULL;
	int first, r;

	if (!rom_sync_needed(ctx, fp))
		return 0;
	/* The rebuild writes the packages table: not beside a transaction. */
	if ((r = session_write_access(ctx)) < 0)
		return r;
	db_meta_get(ctx->db, META_ROM_FINGERPRINT, &old);
	first = !old;
	free(old);
	return rom_sync(ctx, first);
}

int session_open_db(struct pkg_ctx *ctx, int write)
{
	struct stat st;
	char *res = NULL, *path = NULL;
	int created = 0, r = ctx_resolve(ctx, PKG_DB_FILE, &res);

	if (r < 0)
		return r;
	/* First run by a read-only command: create it anyway so that the
	 * opkg state gets imported once. */
	if (!write && tree_lstat(&ctx->rf, TREE_WRITE, res, &st) == -ENOENT)
		write = 1;
	if (write)
		r = rootfs_prepare_parent(&ctx->rf, res);
	/* SQLite opens by name: every component checked not a link */
	if (r == 0 && !(path = tree_checked_path(&ctx->rf, TREE_WRITE, res,
						 &r)))
		r = pkg_error(r, "cannot open database '/%s'", res);
	free(res);
	if (r < 0)
		return r;
	r = db_open(&ctx->db, path, write, &created);
	free(path);
	if (r < 0)
		return r;
	ctx->db_readonly = !write;
	if (created)
		r = opkg_files_import(ctx);
	return r;
}

static int pool_add_installed(const struct db_pkg *p, void *ud)
{
	struct pkg_ctx *ctx = ud;
	struct ctl_stanza st;

	if (strcmp(p->state, "installed") && strcmp(p->state, "failed"))
		return 0;
	if (ctl_parse_one(p->control, strlen(p->control), &st) < 0)
		return 0;
	solver_add_stanza(&ctx->solv, ctx->solv.installed, &st, 0);
	ctl_stanza_release(&st);
	return 0;
}

int session_load_pool(struct pkg_ctx *ctx)
{
	const char **names;
	int *prios, r;
	size_t i, n = ctx->conf.narchs;

	if (ctx->solv_ready)
		return 0;
	names = calloc(n + 1, sizeof(*names));
	prios = calloc(n + 1, sizeof(*prios));
	if (!names || !prios) {
		free(names);
		free(prios);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		names[i] = ctx->conf.archs[i].name;
		prios[i] = ctx->conf.archs[i].prio;
	}
	r = solver_init(&ctx->solv, names, prios, n);
	free(names);
	free(prios);
	if (r < 0)
		return r;
	ctx->solv_ready = 1;
	solver_installed_repo(&ctx->solv);
	r = ctx->db ? db_pkg_each(ctx->db, pool_add_installed, ctx) : 0;
	if (r == 0 && !ctx->pool_installed_only)
		r = feeds_load(ctx);
	if (r == 0 && ctx->db && !ctx->pool_installed_only)
		r = rom_pool_add(ctx);
	solver_internalize(&ctx->solv); /* whatprovides when needed */
	return r;
}

void session_release(struct pkg_ctx *ctx)
{
	feed_cursors_release(ctx);
	feed_archives_release(ctx);
	ctx_release(ctx);
}
