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

/* A path column of the journal, made canonical: written by this version
 * it is a path of the write layer; a journal left by a version that kept
 * host paths has them under the write layer's directory, anything else is
 * refused (the journal is input too). */
static int journal_rel(struct pkg_ctx *ctx, char **v)
{
	const struct rootfs *rf = &ctx->rf;
	const char *top = rf->mode == ROOTFS_OFFLINE ? rf->upper : rf->root;
	size_t n = strlen(top);
	char *rel;

	if (**v == '/' && !strncmp(*v, top, n) && (*v)[n] == '/') {
		if (!(rel = strdup(*v + n + 1)))
			return -ENOMEM;
		free(*v);
		*v = rel;
	}
	if (!path_is_canonical(*v))
		return pkg_error_plain(-PKGE_UNSAFE, "journal: bad path '%s'",
				       *v);
	return 0;
}

int journal_read(struct pkg_ctx *ctx, struct tx_ops *ops, char **staging)
{
	sqlite3_stmt *st;
	int r = 0;

	memset(ops, 0, sizeof(*ops));
	if ((r = db_meta_get(ctx->db, META_TX_STAGING, staging)) < 0)
		return r;
	if (*staging && (r = journal_rel(ctx, staging)) < 0)
		return r;
	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT op,path,staged,backup,aux FROM journal "
			       "ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(ctx->db));
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *aux = (const char *)sqlite3_column_text(st, 4);
		struct tx_op *o;

		r = tx_ops_add(ops, (char)sqlite3_column_text(st, 0)[0],
			       (const char *)sqlite3_column_text(st, 1),
			       (const char *)sqlite3_column_text(st, 2),
			       (const char *)sqlite3_column_text(st, 3),
			       aux ? (mode_t)strtoul(aux, NULL, 8) : 0);
		o = r == 0 ? &ops->v[ops->n - 1] : NULL;
		if (o && o->op != JOP_INFO_FILES && o->staged)
			r = journal_rel(ctx, &o->staged);
		if (o && r == 0 && o->backup)
			r = journal_rel(ctx, &o->backup);
		if (o && r == 0 && !path_is_canonical(o->path))
			r = pkg_error_plain(-PKGE_UNSAFE, "journal: bad path "
					    "'%s'", o->path);
	}
	sqlite3_finalize(st);
	return r;
}

/* The layer an op works in: the image restore's steps change the upper
 * layer directly (also under a live overlay), the others the write
 * layer. */
static enum tree_layer op_layer(const struct tx_op *o)
{
	switch (o->op) {
	case JOP_UNCOVER:
	case JOP_HIDE:
	case JOP_UPPER_DIR:
	case JOP_UNOPAQUE:
		return TREE_UPPER;
	default:
		return TREE_WRITE;
	}
}

static int exists_in(struct pkg_ctx *ctx, enum tree_layer l, const char *rel)
{
	struct stat st;

	return rel && tree_lstat(&ctx->rf, l, rel, &st) == 0;
}

static int exists(struct pkg_ctx *ctx, const char *rel)
{
	return exists_in(ctx, TREE_WRITE, rel);
}

/* Does the image hold rel (so removing it needs a whiteout)? */
static int in_image(struct pkg_ctx *ctx, const char *rel)
{
	return ctx->rf.mode == ROOTFS_OFFLINE &&
	       exists_in(ctx, TREE_ROM, rel);
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

static int mkdir_staging(struct pkg_ctx *ctx, const char *staging)
{
	/* its parent holds the database: only staging itself can be new */
	return exists(ctx, staging) ? 0
				    : tree_mkdir(&ctx->rf, TREE_WRITE, staging,
						 0700);
}

static int touch(struct pkg_ctx *ctx, const char *rel)
{
	int fd = tree_open(&ctx->rf, TREE_WRITE, rel,
			   O_WRONLY | O_CREAT | O_EXCL, 0600);

	return fd < 0 ? fd : fsop_close(fd);
}

/* 'S': keep the state file w (or the fact that there is none). */
static int save_state_file(struct pkg_ctx *ctx, const char *w,
			   const char *staging, size_t seq)
{
	char *bak = save_name(staging, 's', seq, ".bak");
	char *none = save_name(staging, 's', seq, ".none");
	int r = bak && none ? mkdir_staging(ctx, staging) : -ENOMEM;

	if (r == 0 && exists(ctx, w))
		r = tree_link(&ctx->rf, TREE_WRITE, w, bak);
	else if (r == 0)
		r = touch(ctx, none);
	free(bak);
	free(none);
	return r;
}

static void undo_state_file(struct pkg_ctx *ctx, const char *w,
			    const char *staging, size_t seq)
{
	char *bak = save_name(staging, 's', seq, ".bak");
	char *none = save_name(staging, 's', seq, ".none");

	if (exists(ctx, bak))
		tree_rename(&ctx->rf, TREE_WRITE, bak, w);
	else if (exists(ctx, none) && exists(ctx, w))
		tree_unlink(&ctx->rf, TREE_WRITE, w);
	free(bak);
	free(none);
}

/* Call fn(ctx, dir, name, ud) for each entry of the write layer's dir
 * whose name starts with prefix ("" for all). */
static int each_file(struct pkg_ctx *ctx, const char *dir, const char *prefix,
		     int (*fn)(struct pkg_ctx *, const char *, const char *,
			       void *),
		     void *ud)
{
	int r = 0;
	DIR *d = tree_opendir(&ctx->rf, TREE_WRITE, dir, &r);
	struct dirent *e;
	size_t pl = strlen(prefix);

	if (!d)
		return r == -ENOENT ? 0 : r;
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    strncmp(e->d_name, prefix, pl))
			continue;
		r = fn(ctx, dir, e->d_name, ud);
	}
	closedir(d);
	return r;
}

static char *join2(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
		return NULL;
	return p;
}

static int link_into(struct pkg_ctx *ctx, const char *dir, const char *name,
		     void *ud)
{
	char *from = join2(dir, name), *to = join2(ud, name);
	int r = from && to ? tree_link(&ctx->rf, TREE_WRITE, from, to)
			   : -ENOMEM;

	free(from);
	free(to);
	return r;
}

/* 'I': keep the info files of package pkg ("pkg.*") of directory w. */
static int save_info_dir(struct pkg_ctx *ctx, const char *w, const char *pkg,
			 const char *staging, size_t seq)
{
	char *dir = save_name(staging, 'i', seq, "");
	char *done = save_name(staging, 'i', seq, ".done");
	char *prefix = NULL;
	int r = dir && done && asprintf(&prefix, "%s.", pkg) >= 0
			? mkdir_staging(ctx, staging)
			: -ENOMEM;

	if (r == 0)
		r = tree_mkdir(&ctx->rf, TREE_WRITE, dir, 0700);
	if (r == 0)
		r = each_file(ctx, w, prefix, link_into, dir);
	if (r == 0)
		r = touch(ctx, done);
	free(dir);
	free(done);
	free(prefix);
	return r;
}

/* Unlink dir/name unless the saved copy ud has it. */
static int drop_new(struct pkg_ctx *ctx, const char *dir, const char *name,
		    void *ud)
{
	char *saved = join2(ud, name), *p = join2(dir, name);

	if (saved && p && !exists(ctx, saved))
		tree_unlink(&ctx->rf, TREE_WRITE, p);
	free(saved);
	free(p);
	return 0;
}

static int move_back(struct pkg_ctx *ctx, const char *dir, const char *name,
		     void *ud)
{
	char *from = join2(dir, name), *to = join2(ud, name);

	if (from && to)
		tree_rename(&ctx->rf, TREE_WRITE, from, to);
	free(from);
	free(to);
	return 0;
}

static void undo_info_dir(struct pkg_ctx *ctx, const char *w, const char *pkg,
			  const char *staging, size_t seq)
{
	char *dir = save_name(staging, 'i', seq, "");
	char *done = save_name(staging, 'i', seq, ".done");
	char *prefix = NULL;

	if (exists(ctx, done) && asprintf(&prefix, "%s.", pkg) >= 0) {
		each_file(ctx, w, prefix, drop_new, dir);
		each_file(ctx, dir, "", move_back, (void *)w);
	}
	free(dir);
	free(done);
	free(prefix);
}

/* Report a failed step; rootfs_* functions report their own. */
static int op_err(int r, const struct tx_op *o)
{
	if (r == -PKGE_UNSAFE)
		return pkg_error_plain(r, "cannot commit '/%s': a symlink on "
				       "the way (the tree changed)", o->path);
	return r < 0 ? pkg_error(r, "cannot commit '/%s'", o->path) : 0;
}

static int apply_place(struct pkg_ctx *ctx, const struct tx_op *o)
{
	struct stat st, sst;
	int r = rootfs_prepare_parent(&ctx->rf, o->path);

	/* a directory is never replaced by a file or a link (the planner
	 * refuses that; this is the last line) */
	if (r == 0 && tree_lstat(&ctx->rf, TREE_WRITE, o->path, &st) == 0) {
		if (S_ISDIR(st.st_mode) &&
		    (tree_lstat(&ctx->rf, TREE_WRITE, o->staged, &sst) < 0 ||
		     !S_ISDIR(sst.st_mode)))
			return op_err(-EISDIR, o);
		r = op_err(tree_rename(&ctx->rf, TREE_WRITE, o->path,
				       o->backup),
			   o);
	}
	if (r == 0)
		r = op_err(tree_rename(&ctx->rf, TREE_WRITE, o->staged,
				       o->path),
			   o);
	return r;
}

/* Live: rel shows the image's entry (nothing of it in the upper layer):
 * removing it is an unlink through the merged view, which leaves the
 * whiteout; renaming it aside would copy the image's data up. */
static int live_rom_only(struct pkg_ctx *ctx, const char *rel)
{
	return ctx->rf.mode == ROOTFS_LIVE && ctx->rf.upper_fd >= 0 &&
	       !exists_in(ctx, TREE_UPPER, rel);
}

/* 'W': uncover the image's entry by moving aside what the upper layer
 * holds at rel (a whiteout or a copy), kept as the backup until the end.
 * Live roots change the upper layer directly; the commit then settles
 * and verifies the merged view (rom_live_verify). */
static int uncover(struct pkg_ctx *ctx, const struct tx_op *o)
{
	struct stat st;

	if (tree_lstat(&ctx->rf, TREE_UPPER, o->path, &st) < 0 ||
	    S_ISDIR(st.st_mode))
		return 0;
	return o->backup ? tree_rename(&ctx->rf, TREE_UPPER, o->path,
				       o->backup)
			 : tree_unlink(&ctx->rf, TREE_UPPER, o->path);
}

static void undo_uncover(struct pkg_ctx *ctx, const struct tx_op *o)
{
	if (exists_in(ctx, TREE_UPPER, o->backup) &&
	    !exists_in(ctx, TREE_UPPER, o->path))
		tree_rename(&ctx->rf, TREE_UPPER, o->backup, o->path);
	else if (!o->backup && !exists_in(ctx, TREE_UPPER, o->path) &&
		 in_image(ctx, o->path) &&
		 rootfs_prepare_parent(&ctx->rf, o->path) == 0)
		rootfs_make_whiteout(&ctx->rf, o->path);
}

/* Upper-layer steps of a restore under an opaque directory, applied to
 * the upper layer directly (offline and live alike):
 *   'H' hide: a whiteout for an image entry that must stay hidden
 *   'M' an upper directory (the image's mode) on the way down
 *   'O' clear the opaque mark so the image's directory shows through */
static int apply_upper(struct pkg_ctx *ctx, const struct tx_op *o)
{
	int r = 0;

	if (o->op == JOP_HIDE && !exists_in(ctx, TREE_UPPER, o->path))
		r = rootfs_make_whiteout(&ctx->rf, o->path);
	else if (o->op == JOP_UPPER_DIR && !exists_in(ctx, TREE_UPPER, o->path))
		r = op_err(tree_mkdir(&ctx->rf, TREE_UPPER, o->path,
				      o->mode & 07777),
			   o);
	else if (o->op == JOP_UNOPAQUE)
		r = rootfs_set_opaque(&ctx->rf, o->path, 0);
	return r;
}

static void undo_upper(struct pkg_ctx *ctx, const struct tx_op *o)
{
	struct stat st;

	if (o->op == JOP_HIDE &&
	    tree_lstat(&ctx->rf, TREE_UPPER, o->path, &st) == 0 &&
	    S_ISCHR(st.st_mode))
		tree_unlink(&ctx->rf, TREE_UPPER, o->path);
	else if (o->op == JOP_UPPER_DIR && exists_in(ctx, TREE_UPPER, o->path))
		tree_rmdir(&ctx->rf, TREE_UPPER, o->path); /* when empty */
	else if (o->op == JOP_UNOPAQUE && exists_in(ctx, TREE_UPPER, o->path))
		rootfs_set_opaque(&ctx->rf, o->path, 1);
}

static int apply_remove(struct pkg_ctx *ctx, const struct tx_op *o)
{
	int r = 0;

	if (live_rom_only(ctx, o->path))
		return exists(ctx, o->path)
			       ? op_err(tree_unlink(&ctx->rf, TREE_WRITE,
						    o->path),
					o)
			       : 0;
	if (exists(ctx, o->path))
		r = op_err(tree_rename(&ctx->rf, TREE_WRITE, o->path,
				       o->backup),
			   o);
	if (r == 0 && in_image(ctx, o->path)) {
		r = rootfs_prepare_parent(&ctx->rf, o->path);
		if (r == 0)
			r = rootfs_make_whiteout(&ctx->rf, o->path);
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
	int r = 0;

	switch (o->op) {
	case JOP_MKDIR:
		r = rootfs_prepare_parent(&ctx->rf, o->path);
		if (r == 0 && !exists(ctx, o->path))
			r = op_err(tree_mkdir(&ctx->rf, TREE_WRITE, o->path,
					      o->mode & 07777),
				   o);
		if (r == 0 && rootfs_is_whiteout(&ctx->rf, o->path) == 1)
			r = op_err(-EEXIST, o);
		break;
	case JOP_PARENT_DIR:
		r = apply_updir(ctx, o);
		break;
	case JOP_PLACE:
		r = apply_place(ctx, o);
		break;
	case JOP_REMOVE:
		r = apply_remove(ctx, o);
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
		r = op_err(save_state_file(ctx, o->path, staging, seq), o);
		break;
	case JOP_INFO_FILES:
		r = op_err(save_info_dir(ctx, o->path, o->staged, staging,
					 seq),
			   o);
		break;
	}
	return r;
}

/* Make the steps durable (a rename is only on flash once its directory
 * is synced): one syncfs of the layers written, where a fsync of every
 * directory an op changed cost a journal commit each. 0 or reported. */
static int sync_steps(struct pkg_ctx *ctx)
{
	int r = tree_sync(&ctx->rf);

	return r < 0 ? pkg_error(r, "cannot sync the root") : 0;
}

int journal_apply(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	char *staging = NULL;
	size_t i;
	int r = db_meta_get(ctx->db, META_TX_STAGING, &staging);

	if (r < 0)
		return r;
	if (staging && (r = journal_rel(ctx, &staging)) < 0) {
		free(staging);
		return r;
	}
	for (i = 0; r == 0 && i < ops->n; i++)
		r = apply_one(ctx, &ops->v[i], staging, i);
	if (r == 0)
		r = sync_steps(ctx);
	free(staging);
	return r;
}

static void undo_one(struct pkg_ctx *ctx, const struct tx_op *o,
		     const char *staging, size_t seq)
{
	switch (o->op) {
	case JOP_MKDIR:
	case JOP_PARENT_DIR:
		if (exists(ctx, o->path) &&
		    tree_rmdir(&ctx->rf, TREE_WRITE, o->path) == 0)
			tree_fsync_parent(&ctx->rf, TREE_WRITE, o->path);
		break;
	case JOP_PLACE:
		if (exists(ctx, o->backup))
			tree_rename(&ctx->rf, TREE_WRITE, o->backup, o->path);
		else if (!exists(ctx, o->staged) && exists(ctx, o->path))
			tree_unlink(&ctx->rf, TREE_WRITE, o->path);
		break;
	case JOP_REMOVE:
		if (rootfs_is_whiteout(&ctx->rf, o->path) == 1 &&
		    exists(ctx, o->backup))
			tree_rename(&ctx->rf, TREE_WRITE, o->backup, o->path);
		else if (rootfs_is_whiteout(&ctx->rf, o->path) == 1)
			tree_unlink(&ctx->rf, TREE_UPPER, o->path);
		else if (exists(ctx, o->backup))
			tree_rename(&ctx->rf, TREE_WRITE, o->backup, o->path);
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
		undo_state_file(ctx, o->path, staging, seq);
		break;
	case JOP_INFO_FILES:
		undo_info_dir(ctx, o->path, o->staged, staging, seq);
		break;
	}
}

static void remove_state_temps(struct pkg_ctx *ctx);

void journal_undo(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	char *staging = NULL;
	size_t i;

	remove_state_temps(ctx); /* so that new directories are empty */
	/* undo goes on without it (an error is reported): the
	 * journal's own paths are enough to put the root back */
	if (db_meta_get(ctx->db, META_TX_STAGING, &staging) == 0 &&
	    staging && journal_rel(ctx, &staging) < 0) {
		free(staging);
		staging = NULL;
	}
	for (i = ops->n; i > 0; i--)
		undo_one(ctx, &ops->v[i - 1], staging, i - 1);
	sync_steps(ctx);
	free(staging);
}

/* Temp files of the atomic writes (tree_write_atomic) that a crash left
 * beside the state files. */
static void remove_state_temps(struct pkg_ctx *ctx)
{
	const char *rel[] = { ctx->conf.info_dir, ctx->conf.status_file,
			      INSTALLED_TXT, WORLD_FILE };
	size_t i;

	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *w = NULL, *s;

		if (rootfs_resolve(&ctx->rf, NULL, rel[i], 0, &w) < 0)
			continue;
		s = strrchr(w, '/');
		if (i > 0) /* the directory of the file */
			*(s ? s : w) = '\0';
		if (exists(ctx, w))
			tree_remove_temps(&ctx->rf, TREE_WRITE, w);
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

	for (i = 0; r == 0 && committed && ops && i < ops->n; i++) {
		const struct tx_op *o = &ops->v[i];

		if (o->backup && exists_in(ctx, op_layer(o), o->backup) &&
		    (r = tree_unlink(&ctx->rf, op_layer(o), o->backup)) < 0)
			r = pkg_error(r, "cannot remove '/%s'", o->backup);
	}
	if (r == 0 && staging &&
	    (r = tree_remove_tree(&ctx->rf, TREE_WRITE, staging)) < 0)
		r = pkg_error(r, "cannot remove '/%s'", staging);
	/* the backups and the staging gone for good before the journal */
	if (r == 0)
		r = sync_steps(ctx);
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
