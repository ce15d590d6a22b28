/*
 * The session a command runs in, set up by main from the command's flags:
 * the database opened (built from opkg's state when there is none: in RAM
 * for a command that writes nothing, on the root under the lock), the
 * image database rebuilt when the image changed, the solver pool loaded,
 * write access (the lock, the database reopened for writing) taken.
 */
#include <errno.h>
#include <fcntl.h>
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

	/* A database in RAM is opkg's files as they are: the image tables
	 * wait for the first command that changes something. */
	if (db_in_memory(ctx->db) || !rom_sync_needed(ctx, fp))
		return 0;
	/* The rebuild writes the packages table: not beside a transaction. */
	if ((r = session_write_access(ctx)) < 0)
		return r;
	if ((r = db_meta_get(ctx->db, META_ROM_FINGERPRINT, &old)) < 0)
		return r;
	first = !old;
	free(old);
	return rom_sync(ctx, first);
}

/* A database with its schema (not an empty file a crash left)? */
static int db_has_schema(sqlite3 *db)
{
	char *v = NULL;
	int yes;

	/* an error reads as no schema: the caller's open of the tables
	 * reports it */
	yes = db_meta_get(db, META_SCHEMA, &v) == 0 && v != NULL;
	free(v);
	return yes;
}

/* No database yet, and a command that writes nothing: opkg's status and
 * info files imported into a database in RAM. Nothing is written to the
 * root, and no lock is needed (a writer builds the real one beside it and
 * renames it into place). Marked read-only, so that write access builds
 * the one on the root. */
static int db_build_in_memory(struct pkg_ctx *ctx)
{
	int created = 0, r = db_open(&ctx->db, ":memory:", 1, &created);

	ctx->db_readonly = 1;
	/* only what the command reads (write access builds the whole one
	 * on the root) */
	return r < 0 ? r : opkg_files_import(ctx, ctx->db_import);
}

/* Remove a file a crashed build left (its name built from rel). */
static void unlink_suffix(struct pkg_ctx *ctx, const char *rel,
			  const char *suffix)
{
	char *p = NULL;

	if (asprintf(&p, "%s%s", rel, suffix) >= 0)
		tree_unlink(&ctx->rf, TREE_WRITE, p);
	free(p);
}

/* The host path SQLite opens for the canonical rel, no component of it a
 * link (tree_checked_path). Reported. */
static char *db_host_path(struct pkg_ctx *ctx, const char *rel, int *r)
{
	char *path = tree_checked_path(&ctx->rf, TREE_WRITE, rel, r);

	if (!path)
		*r = pkg_error(*r, "cannot open database '/%s'", rel);
	return path;
}

/* fsync the root's file rel. 0 or reported. */
static int sync_file(struct pkg_ctx *ctx, const char *rel)
{
	int fd, r;

	fd = tree_open(&ctx->rf, TREE_WRITE, rel, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return pkg_error(fd, "cannot open '/%s'", rel);
	r = fsop_fsync(fd);
	close(fd);
	return r < 0 ? pkg_error(r, "cannot sync '/%s'", rel) : 0;
}

/* The database on the root, built from opkg's files by a command that
 * holds the lock: at REL.new, then renamed into place, so that a reader
 * finds no database (and reads opkg's files) or a whole one, never a
 * half-built one. rel is canonical. */
static int db_build_on_root(struct pkg_ctx *ctx, const char *rel)
{
	char *tmp = NULL, *path = NULL;
	int created = 0, r;

	if (asprintf(&tmp, "%s.new", rel) < 0)
		return -ENOMEM;
	unlink_suffix(ctx, tmp, "");
	unlink_suffix(ctx, tmp, "-journal");
	r = rootfs_prepare_parent(&ctx->rf, rel);
	if (r < 0)
		r = pkg_error(r, "cannot create '/%s'", rel);
	if (r == 0 && (path = db_host_path(ctx, tmp, &r)))
		r = db_open(&ctx->db, path, 1, &created);
	free(path);
	path = NULL;
	/* No sync per SQLite transaction: a file nobody reads until it is
	 * whole and renamed; one fsync below before the rename. */
	if (r == 0)
		r = db_exec(ctx->db, "PRAGMA synchronous=OFF;"
				     "PRAGMA journal_mode=MEMORY;");
	if (r == 0)
		r = opkg_files_import(ctx, OPKG_IMPORT_ALL);
	db_close(ctx->db);
	ctx->db = NULL;
	if (r == 0)
		r = sync_file(ctx, tmp);
	if (r == 0 && (r = tree_rename(&ctx->rf, TREE_WRITE, tmp, rel)) < 0)
		r = pkg_error(r, "cannot create '/%s'", rel);
	if (r == 0)
		tree_fsync_parent(&ctx->rf, TREE_WRITE, rel);
	if (r < 0)
		unlink_suffix(ctx, tmp, "");
	free(tmp);
	if (r == 0 && (path = db_host_path(ctx, rel, &r)))
		r = db_open(&ctx->db, path, 1, NULL);
	free(path);
	ctx->db_readonly = 0;
	/* The image tables too, whoever asked for write access. */
	return r == 0 ? session_sync_image(ctx) : r;
}

int session_has_db(struct pkg_ctx *ctx)
{
	struct stat st;
	char *res = NULL;
	int r = ctx_resolve(ctx, PKG_DB_FILE, &res);

	if (r < 0)
		return r;
	r = tree_lstat(&ctx->rf, TREE_WRITE, res, &st) == 0;
	free(res);
	return r;
}

int session_open_db(struct pkg_ctx *ctx, int write)
{
	struct stat st;
	char *res = NULL, *path = NULL;
	int created = 0, built = 0, r = ctx_resolve(ctx, PKG_DB_FILE, &res);

	if (r < 0)
		return r;
	if (tree_lstat(&ctx->rf, TREE_WRITE, res, &st) == 0) {
		/* before this run writes anything */
		ctx->opkg_in_line = write && opkg_synced(ctx);
		if ((path = db_host_path(ctx, res, &r)))
			r = db_open(&ctx->db, path, write, &created);
		free(path);
		if (r == 0 && !write && !db_has_schema(ctx->db)) {
			db_close(ctx->db); /* an empty file: as if none */
			ctx->db = NULL;
		}
	}
	ctx->db_readonly = !write;
	if (r == 0 && !ctx->db) {
		built = write;
		r = write ? db_build_on_root(ctx, res)
			  : db_build_in_memory(ctx);
	} else if (r == 0 && created) { /* an empty file an old run left */
		built = 1;
		r = opkg_files_import(ctx, OPKG_IMPORT_ALL);
	}
	/* built on the root from opkg's files: they say what it says */
	if (r == 0 && built)
		ctx->opkg_in_line = 1;
	free(res);
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

static int pool_add_status(const struct db_pkg *p, const char *conffiles,
			   const char *order, void *ud)
{
	(void)conffiles;
	(void)order;
	return pool_add_installed(p, ud);
}

int session_load_pool(struct pkg_ctx *ctx)
{
	int r;

	if (ctx->solv_ready)
		return 0;
	r = feed_solver_init(ctx, &ctx->solv);
	if (r < 0)
		return r;
	ctx->solv_ready = 1;
	solver_installed_repo(&ctx->solv);
	if (ctx->db)
		r = db_pkg_each(ctx->db, pool_add_installed, ctx);
	else if (ctx->pool_from_status) /* as a database in RAM has them */
		r = opkg_status_full_each(ctx, pool_add_status, ctx);
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
