/*
 * The transaction journal: written to the database before the first file
 * moves, applied step by step, undone from what is on disk after a crash.
 * Every step is a rename, unlink, mknod or mkdir through the ops layer;
 * directories are never renamed (jffs2 can keep both names after a power
 * cut during a directory rename).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tx_int.h"

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
		r = db_meta_set(ctx->db, "tx_staging", staging);
	if (r == 0)
		r = db_meta_set(ctx->db, "tx_state", "staged");
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
	db_meta_get(ctx->db, "tx_staging", staging);
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

static int apply_one(struct pkg_ctx *ctx, const struct tx_op *o)
{
	char *w = rootfs_wpath(&ctx->rf, o->path);
	int r = 0;

	if (!w)
		return -ENOMEM;
	switch (o->op) {
	case 'D':
		r = rootfs_prepare_parent(&ctx->rf, o->path);
		if (r == 0 && !exists(w))
			r = fsop_mkdir(w, o->mode & 07777);
		if (r == 0 && rootfs_is_whiteout(&ctx->rf, o->path) == 1)
			r = -EEXIST;
		break;
	case 'P':
		r = rootfs_prepare_parent(&ctx->rf, o->path);
		if (r == 0 && exists(w))
			r = fsop_rename(w, o->backup);
		if (r == 0)
			r = fsop_rename(o->staged, w);
		break;
	case 'R':
		if (exists(w))
			r = fsop_rename(w, o->backup);
		if (r == 0 && in_image(ctx, o->path)) {
			r = rootfs_prepare_parent(&ctx->rf, o->path);
			if (r == 0)
				r = rootfs_make_whiteout(w);
		}
		break;
	case 'W':
		if (rootfs_is_whiteout(&ctx->rf, o->path) == 1)
			r = fsop_unlink(w);
		break;
	}
	if (r < 0)
		r = pkg_error(r, "cannot commit '/%s'", o->path);
	free(w);
	return r;
}

int journal_apply(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	size_t i;
	int r;

	for (i = 0; i < ops->n; i++) {
		r = apply_one(ctx, &ops->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static void undo_one(struct pkg_ctx *ctx, const struct tx_op *o)
{
	char *w = rootfs_wpath(&ctx->rf, o->path);

	if (!w)
		return;
	switch (o->op) {
	case 'D':
		rmdir(w); /* only when empty */
		break;
	case 'P':
		if (exists(o->backup))
			fsop_rename(o->backup, w);
		else if (!exists(o->staged) && exists(w))
			fsop_unlink(w);
		break;
	case 'R':
		if (rootfs_is_whiteout(&ctx->rf, o->path) == 1 &&
		    exists(o->backup))
			fsop_rename(o->backup, w);
		else if (rootfs_is_whiteout(&ctx->rf, o->path) == 1)
			fsop_unlink(w);
		else if (exists(o->backup))
			fsop_rename(o->backup, w);
		break;
	case 'W':
		if (!exists(w) && in_image(ctx, o->path) &&
		    rootfs_prepare_parent(&ctx->rf, o->path) == 0)
			rootfs_make_whiteout(w);
		break;
	}
	free(w);
}

void journal_undo(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	size_t i;

	for (i = ops->n; i > 0; i--)
		undo_one(ctx, &ops->v[i - 1]);
}

int journal_finish(struct pkg_ctx *ctx, const struct tx_ops *ops,
		   const char *staging, int committed)
{
	size_t i;
	int r;

	for (i = 0; committed && i < ops->n; i++)
		if (ops->v[i].backup && exists(ops->v[i].backup))
			fsop_unlink(ops->v[i].backup);
	if (staging)
		rootfs_remove_tree(staging);
	r = db_begin(ctx->db);
	if (r == 0)
		r = db_exec(ctx->db, "DELETE FROM journal");
	if (r == 0)
		r = db_meta_set(ctx->db, "tx_state", NULL);
	if (r == 0)
		r = db_meta_set(ctx->db, "tx_staging", NULL);
	if (r == 0)
		r = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	return r;
}

int tx_recover(struct pkg_ctx *ctx, int verbose)
{
	struct tx_ops ops;
	char *state = NULL, *staging = NULL;
	int r, committed;

	db_meta_get(ctx->db, "tx_state", &state);
	if (!state) {
		if (verbose)
			ctx_note(ctx, 1, "No unfinished transaction.\n");
		return 0;
	}
	committed = !strcmp(state, "committed");
	free(state);
	r = journal_read(ctx, &ops, &staging);
	if (r == 0) {
		if (!committed)
			journal_undo(ctx, &ops);
		r = journal_finish(ctx, &ops, staging, committed);
	}
	if (r == 0 && committed)
		r = tx_write_state_files(ctx);
	if (r == 0)
		fprintf(stderr, "%s: recovered an unfinished transaction: %s\n",
			ctx->prog, committed ? "completed it" : "rolled it back");
	tx_ops_release(&ops);
	free(staging);
	return r;
}
