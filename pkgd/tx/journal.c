/*
 * The transaction journal: written to the database before the first file
 * moves, applied step by step, undone from what is on disk after a crash.
 * Every step is a rename, unlink, mknod or mkdir through the ops layer;
 * directories are never renamed (jffs2 can keep both names after a power
 * cut during a directory rename).
 *
 * The rows are listed in tx/tx.h.
 * The state files are written after the file steps, in the SQLite
 * transaction that marks the journal committed, so a crash or an error
 * before that commit rolls them back with everything else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tx/tx.h"

int tx_ops_add(struct tx_ops *ops, char op, const char *path,
	       const char *staged, const char *backup, mode_t mode)
{
	struct tx_op *o;

	if (ops->n == ops->cap) {
		size_t cap = ops->cap ? ops->cap * 2 : 64;
		void *v = realloc(ops->v, cap * sizeof(*ops->v));
		if (!v)
			return -ENOMEM;
		ops->v = v;
		ops->cap = cap;
	}
	o = &ops->v[ops->n++];
	o->op = op;
	o->path = strdup(path);
	o->staged = staged ? strdup(staged) : NULL;
	o->backup = backup ? strdup(backup) : NULL;
	o->mode = mode;
	return o->path ? 0 : -ENOMEM;
}

void tx_ops_release(struct tx_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->n; i++) {
		free(ops->v[i].path);
		free(ops->v[i].staged);
		free(ops->v[i].backup);
	}
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}

int journal_write(struct pkg_ctx *ctx, const struct tx_ops *ops,
		  const char *staging)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r = db_begin(ctx->db);

	if (r == 0)
		r = db_exec(ctx->db, "DELETE FROM journal");
	if (r == 0 &&
	    sqlite3_prepare_v2(ctx->db,
			       "INSERT INTO journal(seq,op,path,staged,backup,"
			       "aux) VALUES(?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		r = pkg_error_plain(-PKGE_DB, "database: %s",
				    sqlite3_errmsg(ctx->db));
	for (i = 0; r == 0 && i < ops->n; i++) {
		const struct tx_op *o = &ops->v[i];
		char opc[2] = { o->op, 0 }, mode[16];

		snprintf(mode, sizeof(mode), "%o", (unsigned)o->mode);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_text(st, 2, opc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, o->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, o->staged, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, o->backup, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, mode, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = pkg_error_plain(-PKGE_DB, "database: %s",
					    sqlite3_errmsg(ctx->db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (r == 0)
		r = db_meta_set(ctx->db, META_TX_STAGING, staging);
	if (r == 0)
		r = db_meta_set(ctx->db, META_TX_STATE, TX_STATE_STAGED);
	if (r == 0)
		r = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	return r;
}

int journal_read(struct pkg_ctx *ctx, struct tx_ops *ops, char **staging)
{
	sqlite3_stmt *st;
	int r = 0;

	memset(ops, 0, sizeof(*ops));
	db_meta_get(ctx->db, META_TX_STAGING, staging);
	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT op,path,staged,backup,aux FROM journal "
			       "ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(ctx->db));
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *aux = (const char *)sqlite3_column_text(st, 4);
		r = tx_ops_add(ops, (char)sqlite3_column_text(st, 0)[0],
			       (const char *)sqlite3_column_text(st, 1),
			       (const char *)sqlite3_column_text(st, 2),
			       (const char *)sqlite3_column_text(st, 3),
			       aux ? (mode_t)strtoul(aux, NULL, 8) : 0);
	}
	sqlite3_finalize(st);
	return r;
}

static int exists(const char *p)
{
	struct stat st;

	return p && lstat(p, &st) == 0;
}

/* Does the image hold rel (so removing it needs a whiteout)? */
static int in_image(struct pkg_ctx *ctx, const char *rel)
{
	char *p;
	int r;

	if (ctx->rf.mode != ROOTFS_OFFLINE || !ctx->rf.rom)
		return 0;
	if (asprintf(&p, "%s/%s", ctx->rf.rom, rel) < 0)
		return 0;
	r = exists(p);
	free(p);
	return r;
}

/* 'S' and 'I' keep what they saved under the staging directory, named
 * after the row: staging/s<seq>.bak (a hard link of the old file),
 * staging/s<seq>.none (there was no file), staging/i<seq>/ plus
 * staging/i<seq>.done (hard links of the old info files). */
static char *save_name(const char *staging, char kind, size_t seq,
		       const char *suffix)
{
	char *p = NULL;

	if (!staging || asprintf(&p, "%s/%c%zu%s", staging, kind, seq,
				 suffix) < 0)
		return NULL;
	return p;
}

static int mkdir_staging(const char *staging)
{
	/* its parent holds the database: only staging itself can be new */
	return exists(staging) ? 0 : fsop_mkdir(staging, 0700);
}

/* 'S': keep the state file w (or the fact that there is none). */
static int save_state_file(const char *w, const char *staging, size_t seq)
{
	char *bak = save_name(staging, 's', seq, ".bak");
	char *none = save_name(staging, 's', seq, ".none");
	int r = bak && none ? mkdir_staging(staging) : -ENOMEM;

	if (r == 0 && exists(w))
		r = fsop_link(w, bak);
	else if (r == 0) {
		r = fsop_open(none, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (r >= 0)
			r = fsop_close(r);
	}
	free(bak);
	free(none);
	return r;
}

static void undo_state_file(const char *w, const char *staging, size_t seq)
{
	char *bak = save_name(staging, 's', seq, ".bak");
	char *none = save_name(staging, 's', seq, ".none");

	if (exists(bak))
		fsop_rename(bak, w);
	else if (exists(none) && exists(w))
		fsop_unlink(w);
	free(bak);
	free(none);
}

/* Call fn(dir, name, ud) for each entry of dir whose name starts with
 * prefix ("" for all). */
static int each_file(const char *dir, const char *prefix,
		     int (*fn)(const char *, const char *, void *), void *ud)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t pl = strlen(prefix);
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    strncmp(e->d_name, prefix, pl))
			continue;
		r = fn(dir, e->d_name, ud);
	}
	closedir(d);
	return r;
}

static int link_into(const char *dir, const char *name, void *ud)
{
	char *from = NULL, *to = NULL;
	int r = -ENOMEM;

	if (asprintf(&from, "%s/%s", dir, name) >= 0 &&
	    asprintf(&to, "%s/%s", (const char *)ud, name) >= 0)
		r = fsop_link(from, to);
	free(from);
	free(to);
	return r;
}

/* 'I': keep the info files of package pkg ("pkg.*") of directory w. */
static int save_info_dir(const char *w, const char *pkg, const char *staging,
			 size_t seq)
{
	char *dir = save_name(staging, 'i', seq, "");
	char *done = save_name(staging, 'i', seq, ".done");
	char *prefix = NULL;
	int r = dir && done && asprintf(&prefix, "%s.", pkg) >= 0
			? mkdir_staging(staging)
			: -ENOMEM;

	if (r == 0)
		r = fsop_mkdir(dir, 0700);
	if (r == 0)
		r = each_file(w, prefix, link_into, dir);
	if (r == 0)
		r = fsop_open(done, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (r >= 0)
		r = fsop_close(r);
	free(dir);
	free(done);
	free(prefix);
	return r;
}

/* Unlink dir/name unless the saved copy ud has it. */
static int drop_new(const char *dir, const char *name, void *ud)
{
	char *saved = NULL, *p = NULL;

	if (asprintf(&saved, "%s/%s", (const char *)ud, name) >= 0 &&
	    asprintf(&p, "%s/%s", dir, name) >= 0 && !exists(saved))
		fsop_unlink(p);
	free(saved);
	free(p);
	return 0;
}

static int move_back(const char *dir, const char *name, void *ud)
{
	char *from = NULL, *to = NULL;

	if (asprintf(&from, "%s/%s", dir, name) >= 0 &&
	    asprintf(&to, "%s/%s", (const char *)ud, name) >= 0)
		fsop_rename(from, to);
	free(from);
	free(to);
	return 0;
}

static void undo_info_dir(const char *w, const char *pkg,
			  const char *staging, size_t seq)
{
	char *dir = save_name(staging, 'i', seq, "");
	char *done = save_name(staging, 'i', seq, ".done");
	char *prefix = NULL;

	if (exists(done) && asprintf(&prefix, "%s.", pkg) >= 0) {
		each_file(w, prefix, drop_new, dir);
		each_file(dir, "", move_back, (void *)w);
	}
	free(dir);
	free(done);
	free(prefix);
}

/* Report a failed fsop_* step; rootfs_* functions report their own. */
static int op_err(int r, const struct tx_op *o)
{
	return r < 0 ? pkg_error(r, "cannot commit '/%s'", o->path) : 0;
}

static int apply_place(struct pkg_ctx *ctx, const struct tx_op *o,
		       const char *w)
{
	int r = rootfs_prepare_parent(&ctx->rf, o->path);

	if (r == 0 && exists(w))
		r = op_err(fsop_rename(w, o->backup), o);
	if (r == 0)
		r = op_err(fsop_rename(o->staged, w), o);
	return r;
}

/* Live: rel shows the image's entry (nothing of it in the upper layer):
 * removing it is an unlink through the merged view, which leaves the
 * whiteout; renaming it aside would copy the image's data up. */
static int live_rom_only(struct pkg_ctx *ctx, const char *rel)
{
	char *u;
	int r;

	if (ctx->rf.mode != ROOTFS_LIVE || !ctx->rf.upper)
		return 0;
	u = rootfs_upath(&ctx->rf, rel);
	r = u && !exists(u);
	free(u);
	return r;
}

static int unlink_upper(struct pkg_ctx *ctx, const char *rel)
{
	char *u = rootfs_upath(&ctx->rf, rel);
	int r = u ? fsop_unlink(u) : -ENOMEM;

	free(u);
	return r;
}

/* 'W': uncover the image's entry by moving aside what the upper layer
 * holds at rel (a whiteout or a copy), kept as the backup until the end.
 * Live roots change the upper layer directly; the commit then settles
 * and verifies the merged view (rom_live_verify). */
static int uncover(struct pkg_ctx *ctx, const struct tx_op *o)
{
	char *u = rootfs_upath(&ctx->rf, o->path);
	struct stat st;
	int r = 0;

	if (!u)
		return -ENOMEM;
	if (lstat(u, &st) == 0 && !S_ISDIR(st.st_mode))
		r = o->backup ? fsop_rename(u, o->backup) : fsop_unlink(u);
	free(u);
	return r;
}

static void undo_uncover(struct pkg_ctx *ctx, const struct tx_op *o)
{
	char *u = rootfs_upath(&ctx->rf, o->path);

	if (u && exists(o->backup) && !exists(u))
		fsop_rename(o->backup, u);
	else if (u && !o->backup && !exists(u) && in_image(ctx, o->path) &&
		 rootfs_prepare_parent(&ctx->rf, o->path) == 0)
		rootfs_make_whiteout(u);
	free(u);
}

/* Upper-layer steps of a restore under an opaque directory, applied to
 * the upper layer directly (offline and live alike):
 *   'H' hide: a whiteout for an image entry that must stay hidden
 *   'M' an upper directory (the image's mode) on the way down
 *   'O' clear the opaque mark so the image's directory shows through */
static int apply_upper(struct pkg_ctx *ctx, const struct tx_op *o)
{
	char *u = rootfs_upath(&ctx->rf, o->path);
	int r = 0;

	if (!u)
		return -ENOMEM;
	if (o->op == JOP_HIDE && !exists(u))
		r = rootfs_make_whiteout(u);
	else if (o->op == JOP_UPPER_DIR && !exists(u))
		r = op_err(fsop_mkdir(u, o->mode & 07777), o);
	else if (o->op == JOP_UNOPAQUE)
		r = rootfs_set_opaque(u, 0);
	free(u);
	return r;
}

static void undo_upper(struct pkg_ctx *ctx, const struct tx_op *o)
{
	char *u = rootfs_upath(&ctx->rf, o->path);
	struct stat st;

	if (u && o->op == JOP_HIDE && lstat(u, &st) == 0 && S_ISCHR(st.st_mode))
		fsop_unlink(u);
	else if (u && o->op == JOP_UPPER_DIR && exists(u))
		fsop_rmdir(u); /* only when empty */
	else if (u && o->op == JOP_UNOPAQUE && exists(u))
		rootfs_set_opaque(u, 1);
	free(u);
}

static int apply_remove(struct pkg_ctx *ctx, const struct tx_op *o,
			const char *w)
{
	int r = 0;

	if (live_rom_only(ctx, o->path))
		return exists(w) ? op_err(fsop_unlink(w), o) : 0;
	if (exists(w))
		r = op_err(fsop_rename(w, o->backup), o);
	if (r == 0 && in_image(ctx, o->path)) {
		r = rootfs_prepare_parent(&ctx->rf, o->path);
		if (r == 0)
			r = rootfs_make_whiteout(w);
	}
	return r;
}

/* An upper directory on the way to a path ('U'): made like the commit's
 * own copies-up (the image's mode), removed on rollback when empty. */
static int apply_updir(struct pkg_ctx *ctx, const struct tx_op *o)
{
	char *child = NULL;
	int r;

	if (asprintf(&child, "%s/x", o->path) < 0)
		return -ENOMEM;
	r = rootfs_prepare_parent(&ctx->rf, child);
	free(child);
	return r;
}

static int apply_one(struct pkg_ctx *ctx, const struct tx_op *o,
		     const char *staging, size_t seq)
{
	char *w = rootfs_wpath(&ctx->rf, o->path);
	int r = 0;

	if (!w)
		return -ENOMEM;
	switch (o->op) {
	case JOP_MKDIR:
		r = rootfs_prepare_parent(&ctx->rf, o->path);
		if (r == 0 && !exists(w))
			r = op_err(fsop_mkdir(w, o->mode & 07777), o);
		if (r == 0 && rootfs_is_whiteout(&ctx->rf, o->path) == 1)
			r = op_err(-EEXIST, o);
		break;
	case JOP_PARENT_DIR:
		r = apply_updir(ctx, o);
		break;
	case JOP_PLACE:
		r = apply_place(ctx, o, w);
		break;
	case JOP_REMOVE:
		r = apply_remove(ctx, o, w);
		break;
	case JOP_UNCOVER:
		r = op_err(uncover(ctx, o), o);
		break;
	case JOP_HIDE:
	case JOP_UNOPAQUE:
	case JOP_UPPER_DIR:
		r = apply_upper(ctx, o);
		break;
	case JOP_STATE_FILE:
		r = op_err(save_state_file(w, staging, seq), o);
		break;
	case JOP_INFO_FILES:
		r = op_err(save_info_dir(w, o->staged, staging, seq), o);
		break;
	}
	free(w);
	return r;
}

/* The set of directories to fsync once each. */
struct dirset {
	char **v;
	size_t n;
};

static int dirset_sync(struct dirset *ds, char *dir)
{
	size_t i;
	char **v;
	int r;

	for (i = 0; dir && i < ds->n; i++)
		if (!strcmp(ds->v[i], dir)) {
			free(dir);
			return 0;
		}
	v = dir ? realloc(ds->v, (ds->n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(dir);
		return -ENOMEM;
	}
	ds->v = v;
	v[ds->n++] = dir;
	r = exists(dir) ? fsop_fsync_dir(dir) : 0;
	return r < 0 ? pkg_error(r, "cannot sync directory '%s'", dir) : 0;
}

static char *parent_of(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? strndup(p, (size_t)(s - p)) : NULL;
}

/* Make the steps durable (a rename is only on flash once its directory
 * is synced): every directory an op changed, once, and the staging
 * directories that hold the saved state files. */
static int sync_dirs(struct pkg_ctx *ctx, const struct tx_ops *ops,
		     const char *staging)
{
	struct dirset ds = { NULL, 0 };
	size_t i;
	int r = staging ? dirset_sync(&ds, strdup(staging)) : 0;

	for (i = 0; r == 0 && i < ops->n; i++) {
		char *w = rootfs_wpath(&ctx->rf, ops->v[i].path);
		r = dirset_sync(&ds, parent_of(w));
		if (r == 0 && staging && ops->v[i].op == JOP_INFO_FILES)
			r = dirset_sync(&ds, save_name(staging, 'i', i, ""));
		free(w);
	}
	for (i = 0; i < ds.n; i++)
		free(ds.v[i]);
	free(ds.v);
	return r;
}

int journal_apply(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	char *staging = NULL;
	size_t i;
	int r = 0;

	db_meta_get(ctx->db, META_TX_STAGING, &staging);
	for (i = 0; r == 0 && i < ops->n; i++)
		r = apply_one(ctx, &ops->v[i], staging, i);
	if (r == 0)
		r = sync_dirs(ctx, ops, staging);
	free(staging);
	return r;
}

static void undo_one(struct pkg_ctx *ctx, const struct tx_op *o,
		     const char *staging, size_t seq)
{
	char *w = rootfs_wpath(&ctx->rf, o->path);

	if (!w)
		return;
	switch (o->op) {
	case JOP_MKDIR:
	case JOP_PARENT_DIR:
		if (exists(w) && fsop_rmdir(w) == 0) /* only when empty */
			fsop_fsync_dir(w);
		break;
	case JOP_PLACE:
		if (exists(o->backup))
			fsop_rename(o->backup, w);
		else if (!exists(o->staged) && exists(w))
			fsop_unlink(w);
		break;
	case JOP_REMOVE:
		if (rootfs_is_whiteout(&ctx->rf, o->path) == 1 &&
		    exists(o->backup))
			fsop_rename(o->backup, w);
		else if (rootfs_is_whiteout(&ctx->rf, o->path) == 1)
			unlink_upper(ctx, o->path);
		else if (exists(o->backup))
			fsop_rename(o->backup, w);
		break;
	case JOP_UNCOVER:
		undo_uncover(ctx, o);
		break;
	case JOP_HIDE:
	case JOP_UNOPAQUE:
	case JOP_UPPER_DIR:
		undo_upper(ctx, o);
		break;
	case JOP_STATE_FILE:
		undo_state_file(w, staging, seq);
		break;
	case JOP_INFO_FILES:
		undo_info_dir(w, o->staged, staging, seq);
		break;
	}
	free(w);
}

static void remove_state_temps(struct pkg_ctx *ctx);

void journal_undo(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	char *staging = NULL;
	size_t i;

	remove_state_temps(ctx); /* so that new directories are empty */
	db_meta_get(ctx->db, META_TX_STAGING, &staging);
	for (i = ops->n; i > 0; i--)
		undo_one(ctx, &ops->v[i - 1], staging, i - 1);
	sync_dirs(ctx, ops, NULL);
	free(staging);
}

/* Temp files of the atomic writes (rootfs_write_atomic) that a crash left
 * beside the state files. */
static void remove_state_temps(struct pkg_ctx *ctx)
{
	const char *rel[] = { ctx->conf.info_dir, ctx->conf.status_file,
			      INSTALLED_TXT, WORLD_FILE };
	size_t i;

	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *w = ctx_wpath(ctx, rel[i]), *s;

		s = w ? strrchr(w, '/') : NULL;
		if (s && i > 0) /* the directory of the file */
			*s = 0;
		if (w && exists(w))
			rootfs_remove_temps(w);
		free(w);
	}
}

/* Returns 0, also when a backup or the staging directory could not be
 * removed (the transaction is settled; that is reported and the journal
 * stays so that the next run finishes the cleanup), or a negative code
 * when the database could not be updated. */
int journal_finish(struct pkg_ctx *ctx, const struct tx_ops *ops,
		   const char *staging, int committed)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && committed && ops && i < ops->n; i++)
		if (ops->v[i].backup && exists(ops->v[i].backup) &&
		    (r = fsop_unlink(ops->v[i].backup)) < 0)
			r = pkg_error(r, "cannot remove '%s'",
				      ops->v[i].backup);
	if (r == 0 && staging)
		r = rootfs_remove_tree(staging);
	if (r == 0 && committed && ops)
		r = sync_dirs(ctx, ops, NULL);
	if (r == 0 && staging) {
		char *up = parent_of(staging);
		r = up && exists(up) ? fsop_fsync_dir(up) : 0;
		free(up);
		if (r < 0)
			r = pkg_error(r, "cannot sync '%s'", staging);
	}
	if (r < 0) /* reported; the journal stays, the next run finishes */
		return 0;
	remove_state_temps(ctx);
	r = db_begin(ctx->db);
	if (r == 0)
		r = db_exec(ctx->db, "DELETE FROM journal");
	if (r == 0)
		r = db_meta_set(ctx->db, META_TX_STATE, NULL);
	if (r == 0)
		r = db_meta_set(ctx->db, META_TX_STAGING, NULL);
	if (r == 0)
		r = db_meta_set(ctx->db, META_TX_CONFIGURE, NULL);
	if (r == 0)
		r = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	return r;
}
