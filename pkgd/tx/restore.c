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

static int add_op(struct restore *rs, char op, const char *path,
		  const char *host)
{
	char *bak = NULL;

	if (asprintf(&bak, "%s.pkg-bak~", host) < 0)
		return -ENOMEM;
	rs->r = tx_ops_add(rs->ops, op, path, NULL, bak, 0);
	free(bak);
	return rs->r;
}

/* A conffile the user edited in the overlay stays, as opkg keeps it: its
 * content matches no hash recorded for it at install time. */
static int conf_edited(struct restore *rs, const char *path, const char *up)
{
	sqlite3_stmt *st;
	char hex[SHA256_HEX_SIZE];
	int edited = 1;

	if (rootfs_sha256_file(up, hex) < 0 ||
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

static int uncover_entry(const struct rom_entry *e, void *ud)
{
	struct restore *rs = ud;
	char *up = rootfs_upath(&rs->ctx->rf, e->path);
	struct stat st;

	if (!up)
		return -ENOMEM;
	if (lstat(up, &st) == 0 && !S_ISDIR(st.st_mode) &&
	    !(e->conffile && S_ISREG(st.st_mode) &&
	      !rs->ctx->opt.conffiles && conf_edited(rs, e->path, up)))
		add_op(rs, JOP_UNCOVER, e->path, up);
	free(up);
	return rs->r;
}

/* Files of the installed overlay version that the image's lacks. */
static int drop_extra(const struct db_file *f, void *ud)
{
	struct restore *rs = ud;
	struct rom_file rf;
	char *w, *owner;

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
	w = rootfs_wpath(&rs->ctx->rf, f->path);
	if (!w)
		return -ENOMEM;
	add_op(rs, JOP_REMOVE, f->path, w);
	free(w);
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
	char *rd = NULL, *c, *host;
	struct dirent **nl = NULL;
	struct stat st;
	int n, i;

	if (asprintf(&rd, "%s/%s", rs->ctx->rf.rom, dir) < 0)
		return -ENOMEM;
	n = scandir(rd, &nl, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *nm = nl[i]->d_name;
		c = strcmp(nm, ".") && strcmp(nm, "..") ? join_rel(dir, nm)
							 : NULL;
		host = c ? rootfs_upath(&rs->ctx->rf, c) : NULL;
		if (host && lstat(host, &st) < 0 && rs->r == 0) {
			char *rp = NULL;
			if (!on_the_way(rs, c))
				rs->r = tx_ops_add(rs->ops, JOP_HIDE, c, NULL,
						   NULL, 0);
			else if (asprintf(&rp, "%s/%s", rs->ctx->rf.rom, c) >= 0 &&
				 stat(rp, &st) == 0 && S_ISDIR(st.st_mode) &&
				 (rs->r = tx_ops_add(rs->ops, JOP_UPPER_DIR, c,
						     NULL, NULL, st.st_mode)) == 0)
				hide_rest(rs, c);
			free(rp);
		}
		free(host);
		free(c);
		free(nl[i]);
	}
	free(nl);
	free(rd);
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
	char *p = NULL;
	struct stat st;
	mode_t m = 0755;

	if (asprintf(&p, "%s/%s", rs->ctx->rf.rom, rel) >= 0 &&
	    stat(p, &st) == 0)
		m = st.st_mode & 07777;
	free(p);
	return m;
}

/* An ancestor of a restored path that hides the image below it: an
 * opaque upper directory (cleared, the rest hidden again), or a whiteout
 * over the directory (replaced by an upper directory, the rest hidden). */
static int open_ancestors(const struct rom_entry *e, void *ud)
{
	struct restore *rs = ud;
	char *path = strdup(e->path), *s, *u;
	struct stat st;

	for (s = path ? strchr(path, '/') : NULL; s && rs->r == 0;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		if (planned(rs, path)) {
			*s = '/';
			continue;
		}
		u = rootfs_upath(&rs->ctx->rf, path);
		if (u && lstat(u, &st) == 0 && S_ISDIR(st.st_mode) &&
		    rootfs_is_opaque(u)) {
			if (hide_rest(rs, path) == 0)
				rs->r = tx_ops_add(rs->ops, JOP_UNOPAQUE, path,
						   NULL, NULL, 0);
		} else if (u && lstat(u, &st) == 0 && S_ISCHR(st.st_mode)) {
			mode_t mode = rom_mode(rs, path);
			if (add_op(rs, JOP_UNCOVER, path, u) == 0 &&
			    (rs->r = tx_ops_add(rs->ops, JOP_UPPER_DIR, path,
						NULL, NULL, mode)) == 0)
				hide_rest(rs, path);
		}
		free(u);
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

/* Does the merged view show the image's entry at rel? */
static int shows_image(struct pkg_ctx *ctx, const char *rel)
{
	char *m = ctx_path(ctx, rel), *i = NULL, hm[SHA256_HEX_SIZE], hi[SHA256_HEX_SIZE];
	struct stat sm, si;
	int ok = 0;

	if (m && asprintf(&i, "%s/%s", ctx->rf.rom, rel) >= 0 &&
	    lstat(m, &sm) == 0 && lstat(i, &si) == 0 &&
	    (sm.st_mode & S_IFMT) == (si.st_mode & S_IFMT)) {
		if (S_ISREG(sm.st_mode))
			ok = rootfs_sha256_file(m, hm) == 0 &&
			     rootfs_sha256_file(i, hi) == 0 && !strcmp(hm, hi);
		else
			ok = 1;
	}
	free(m);
	free(i);
	return ok;
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
		char *p = ctx_path(ctx, PENDING_RESTORE_FILE);
		size_t ol = 0;
		if (p)
			rootfs_read_file(p, 0, &old, &ol);
		free(p);
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

/* A transaction of uncover ops alone (reclaim, reset): journal, apply,
 * verify, commit the database change in the same SQLite transaction that
 * marks it committed (sql may be NULL), finish. Rolled back on failure. */
int rom_ops_commit(struct pkg_ctx *ctx, const struct tx_ops *ops,
		   const char *sql)
{
	int r = journal_write(ctx, ops, NULL);

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
		journal_finish(ctx, ops, NULL, 0);
		return r;
	}
	return journal_finish(ctx, ops, NULL, 1);
}
