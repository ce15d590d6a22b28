/*
 * Zero-copy restore of an image package: instead of downloading and
 * copying, uncover the image's files by moving aside what the upper layer
 * holds over them (whiteouts, or copies left by an overlay version). No
 * file data is written. Live roots then settle the overlay and check each
 * path through the merged view; what does not show the image's copy yet
 * is recorded as pending and finished by the boot hook before the overlay
 * is mounted (hooks/pkg-overlay-pending).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tx/tx.h"


struct restore {
	struct pkg_ctx *ctx;
	const char *name;
	struct tx_ops *ops;
	int r;
};

/* An op on path (canonical) with its backup beside it. */
static int add_op(struct restore *rs, char op, const char *path)
{
	char *bak = NULL;

	if (asprintf(&bak, "%s.pkg-bak~", path) < 0)
		return -ENOMEM;
	rs->r = tx_ops_add(rs->ops, op, path, NULL, bak, 0);
	free(bak);
	return rs->r;
}

/* A conffile the user edited in the overlay stays, as opkg keeps it: its
 * content matches no hash recorded for it at install time. */
static int conf_edited(struct restore *rs, const char *path, const char *res)
{
	sqlite3_stmt *st;
	char hex[SHA256_HEX_SIZE];
	int edited = 1, fd = tree_open(&rs->ctx->rf, TREE_UPPER, res, O_RDONLY,
				       0), r;

	if (fd < 0)
		return 0;
	r = rootfs_sha256_fd(fd, hex);
	close(fd);
	if (r < 0 ||
	    sqlite3_prepare_v2(rs->ctx->db,
			       "SELECT 1 FROM files WHERE path=? AND "
			       "conffile=1 AND conf_sha256=?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		edited = 0;
	sqlite3_finalize(st);
	return edited;
}

/* An image path as the merged view places it (through its links,
 * inside the root); reported. */
static int restore_resolve(struct restore *rs, const char *path, char **res)
{
	int r = rootfs_resolve(&rs->ctx->rf, NULL, path, 0, res);

	if (r < 0)
		return rs->r = pkg_error(r, "cannot restore '/%s'", path);
	return 0;
}

static int uncover_entry(const struct rom_entry *e, void *ud)
{
	struct restore *rs = ud;
	char *res = NULL;
	struct stat st;

	if (restore_resolve(rs, e->path, &res) < 0)
		return rs->r;
	if (*res && tree_lstat(&rs->ctx->rf, TREE_UPPER, res, &st) == 0 &&
	    !S_ISDIR(st.st_mode) &&
	    !(e->conffile && S_ISREG(st.st_mode) &&
	      !rs->ctx->opt.conffiles && conf_edited(rs, e->path, res)))
		add_op(rs, JOP_UNCOVER, res);
	free(res);
	return rs->r;
}

/* Files of the installed overlay version that the image's lacks. */
static int drop_extra(const struct db_file *f, void *ud)
{
	struct restore *rs = ud;
	struct rom_file rf;
	char *res = NULL, *owner;

	if (f->type == 'd')
		return 0;
	if (rom_file_get(rs->ctx, f->path, &rf) == 0) {
		int same = !strcmp(rf.package, rs->name);
		rom_file_release(&rf);
		if (same)
			return 0;
	}
	owner = db_file_owner(rs->ctx->db, f->path, f->package);
	if (owner) {
		free(owner);
		return 0;
	}
	if (restore_resolve(rs, f->path, &res) < 0)
		return rs->r;
	if (*res)
		add_op(rs, JOP_REMOVE, res);
	free(res);
	return rs->r;
}

/* Is rel one of the package's image paths, or a directory above one? */
static int on_the_way(struct restore *rs, const char *rel)
{
	sqlite3_stmt *st;
	int yes = 0;

	if (sqlite3_prepare_v2(rs->ctx->db,
			       "SELECT 1 FROM rom_files WHERE package=?1 AND "
			       "(path=?2 OR substr(path,1,length(?2)+1)=?2||'/')"
			       " LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return 1;
	sqlite3_bind_text(st, 1, rs->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rel, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

static char *join_rel(const char *a, const char *b)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s", a, *a ? "/" : "", b) < 0)
		return NULL;
	return s;
}

/* Under dir (about to show the image's directory again), whiteout what
 * the user had hidden: every image entry the upper layer does not have
 * and the package does not bring back; directories on the way to the
 * package's files get an upper directory and the same treatment. */
static int hide_rest(struct restore *rs, const char *dir)
{
	size_t n = 0, i;
	char **names = NULL, *c;
	struct stat st;

	tree_list_dir(&rs->ctx->rf, TREE_ROM, dir, &names, &n);
	for (i = 0; i < n; i++) {
		c = join_rel(dir, names[i]);
		if (c && tree_lstat(&rs->ctx->rf, TREE_UPPER, c, &st) < 0 &&
		    rs->r == 0) {
			if (!on_the_way(rs, c))
				rs->r = tx_ops_add(rs->ops, JOP_HIDE, c, NULL,
						   NULL, 0);
			else if (tree_lstat(&rs->ctx->rf, TREE_ROM, c, &st) ==
					 0 &&
				 S_ISDIR(st.st_mode) &&
				 (rs->r = tx_ops_add(rs->ops, JOP_UPPER_DIR, c,
						     NULL, NULL, st.st_mode)) == 0)
				hide_rest(rs, c);
		}
		free(c);
		free(names[i]);
	}
	free(names);
	return rs->r;
}

/* Was dir already opened by an earlier path of the package? */
static int planned(struct restore *rs, const char *dir)
{
	size_t i;

	for (i = 0; i < rs->ops->n; i++)
		if ((rs->ops->v[i].op == JOP_UNOPAQUE ||
		     rs->ops->v[i].op == JOP_UPPER_DIR) &&
		    !strcmp(rs->ops->v[i].path, dir))
			return 1;
	return 0;
}

static mode_t rom_mode(struct restore *rs, const char *rel)
{
	struct stat st;

	if (tree_lstat(&rs->ctx->rf, TREE_ROM, rel, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		return st.st_mode & 07777;
	return 0755;
}

/* An ancestor of a restored path that hides the image below it: an
 * opaque upper directory (cleared, the rest hidden again), or a whiteout
 * over the directory (replaced by an upper directory, the rest hidden). */
static int open_ancestors(const struct rom_entry *e, void *ud)
{
	struct restore *rs = ud;
	char *path = NULL, *s;
	struct stat st;

	if (restore_resolve(rs, e->path, &path) < 0)
		return rs->r;
	for (s = strchr(path, '/'); s && rs->r == 0; s = strchr(s + 1, '/')) {
		int up;

		*s = '\0';
		if (planned(rs, path)) {
			*s = '/';
			continue;
		}
		up = tree_lstat(&rs->ctx->rf, TREE_UPPER, path, &st) == 0;
		if (up && S_ISDIR(st.st_mode) &&
		    rootfs_is_opaque(&rs->ctx->rf, path)) {
			if (hide_rest(rs, path) == 0)
				rs->r = tx_ops_add(rs->ops, JOP_UNOPAQUE, path,
						   NULL, NULL, 0);
		} else if (up && S_ISCHR(st.st_mode)) {
			mode_t mode = rom_mode(rs, path);
			if (add_op(rs, JOP_UNCOVER, path) == 0 &&
			    (rs->r = tx_ops_add(rs->ops, JOP_UPPER_DIR, path,
						NULL, NULL, mode)) == 0)
				hide_rest(rs, path);
		}
		*s = '/';
	}
	free(path);
	return rs->r;
}

int rom_restore_ops(struct pkg_ctx *ctx, const char *name,
		    struct tx_ops *ops)
{
	struct restore rs = { ctx, name, ops, 0 };
	struct db_pkg p;
	int r = 0;

	if (db_pkg_get(ctx->db, name, &p) == 0) {
		if (!strcmp(p.state, "installed") && strcmp(p.origin, "rom"))
			r = db_file_each(ctx->db, name, drop_extra, &rs);
		db_pkg_release(&p);
	}
	if (r == 0)
		r = rom_file_each(ctx, name, uncover_entry, &rs);
	if (r == 0 && rs.r == 0)
		r = rom_file_each(ctx, name, open_ancestors, &rs);
	return r < 0 ? r : rs.r;
}

/* The database side: p (flags set by the caller) gets the image's
 * version, control and files. */
/* Whiteouts a restore made on purpose ('H'), so that audit knows them. */
static int record_hidden(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	sqlite3_stmt *st;
	size_t i;
	int r = 0;

	if (sqlite3_prepare_v2(ctx->db,
			       "INSERT OR IGNORE INTO hidden(path) VALUES(?)",
			       -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(ctx->db));
	for (i = 0; r == 0 && ops && i < ops->n; i++) {
		if (ops->v[i].op != JOP_HIDE)
			continue;
		sqlite3_bind_text(st, 1, ops->v[i].path, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = pkg_error_plain(-PKGE_DB, "database: %s",
					    sqlite3_errmsg(ctx->db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return r;
}

int rom_record_restore(struct pkg_ctx *ctx, struct db_pkg *p,
		       const struct tx_ops *ops)
{
	sqlite3_stmt *st;
	int r = -PKGE_NOTFOUND;

	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT version,arch,control FROM rom_packages "
			       "WHERE name=?",
			       -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(ctx->db));
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->version = (char *)sqlite3_column_text(st, 0);
		p->rom_version = p->version;
		p->arch = (char *)sqlite3_column_text(st, 1);
		p->control = (char *)sqlite3_column_text(st, 2);
		p->origin = "rom";
		r = db_pkg_put(ctx->db, p);
	}
	sqlite3_finalize(st);
	if (r == -PKGE_NOTFOUND)
		return pkg_error(r, "cannot restore %s: the image does not "
				    "have it", p->name);
	if (r == 0)
		r = record_hidden(ctx, ops);
	return r < 0 ? r : rom_record_files(ctx, p->name);
}

static int layer_sha256(struct pkg_ctx *ctx, enum tree_layer l,
			const char *rel, char hex[SHA256_HEX_SIZE])
{
	int fd = tree_open(&ctx->rf, l, rel, O_RDONLY, 0), r;

	if (fd < 0)
		return fd;
	r = rootfs_sha256_fd(fd, hex);
	close(fd);
	return r;
}

/* Does the merged view (the live root) show the image's entry at rel? */
static int shows_image(struct pkg_ctx *ctx, const char *rel)
{
	char hm[SHA256_HEX_SIZE], hi[SHA256_HEX_SIZE];
	struct stat sm, si;

	if (tree_lstat(&ctx->rf, TREE_ROOT, rel, &sm) < 0 ||
	    tree_lstat(&ctx->rf, TREE_ROM, rel, &si) < 0 ||
	    (sm.st_mode & S_IFMT) != (si.st_mode & S_IFMT))
		return 0;
	if (!S_ISREG(sm.st_mode))
		return 1;
	return layer_sha256(ctx, TREE_ROOT, rel, hm) == 0 &&
	       layer_sha256(ctx, TREE_ROM, rel, hi) == 0 && !strcmp(hm, hi);
}

int rom_live_verify(struct pkg_ctx *ctx, const struct tx_ops *ops)
{
	char *text = NULL, *old = NULL, *all = NULL;
	size_t len = 0, i, n = 0;
	FILE *f;
	int stale, r = 0;

	if (ctx->rf.mode != ROOTFS_LIVE)
		return 0;
	for (i = 0; i < ops->n && ops->v[i].op != JOP_UNCOVER; i++)
		;
	if (i == ops->n)
		return 0;
	stale = rootfs_live_settle(&ctx->rf);
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < ops->n; i++)
		if (ops->v[i].op == JOP_UNCOVER &&
		    (stale || !shows_image(ctx, ops->v[i].path))) {
			fprintf(f, "%s\n", ops->v[i].path);
			n++;
		}
	fclose(f);
	if (n) {
		size_t ol = 0;
		ctx_read_file(ctx, PENDING_RESTORE_FILE, 0, &old, &ol);
		if (asprintf(&all, "%s%s", old ? old : "", text) >= 0)
			r = ctx_write_file(ctx, PENDING_RESTORE_FILE, all,
					   strlen(all), 0644);
		ctx_note(ctx, 0,
			 "The overlay does not show %zu restored path%s yet; "
			 "a reboot finishes the restore.\n",
			 n, n == 1 ? "" : "s");
	}
	free(old);
	free(all);
	free(text);
	return r;
}

int rom_ops_commit(struct pkg_ctx *ctx, const struct tx_ops *ops,
		   const char *sql)
{
	return tx_ops_commit(ctx, ops, NULL, sql);
}

int tx_ops_commit(struct pkg_ctx *ctx, const struct tx_ops *ops,
		  const char *staging, const char *sql)
{
	int r = journal_write(ctx, ops, staging);

	if (r < 0)
		return r;
	r = journal_apply(ctx, ops);
	if (r == 0)
		r = rom_live_verify(ctx, ops);
	if (r == 0)
		r = db_begin(ctx->db);
	if (r == 0 && sql)
		r = db_exec(ctx->db, sql);
	if (r == 0)
		r = db_meta_set(ctx->db, META_TX_STATE, TX_STATE_COMMITTED);
	if (r == 0)
		r = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	if (r < 0) {
		journal_undo(ctx, ops);
		journal_finish(ctx, ops, staging, 0);
		return r;
	}
	return journal_finish(ctx, ops, staging, 1);
}
