/*
 * Running a planned transaction: stage every archive next to its target,
 * build the journal, commit, record in the database, finalize.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tx/tx.h"

static char *strf(const char *fmt, const char *a, const char *b)
{
	char *p = NULL;

	if (asprintf(&p, fmt, a, b) < 0)
		return NULL;
	return p;
}

static int parse_conffiles(struct stage_pkg *sp)
{
	size_t len;
	const char *c = ipk_member(sp->ipk, "conffiles", &len);
	char *copy, *line, *save;

	if (!c)
		return 0;
	copy = strdup(c);
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line, **v, *norm = NULL;

		p[strcspn(p, "\r")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, " \t")] = '\0'; /* "path [hash]" */
		while (*p == '/')
			p++;
		if (!*p)
			continue;
		/* the path as the archive's members are: the same normaliser */
		if (path_normalise(p, &norm) < 0 || !*norm) {
			free(norm);
			continue;
		}
		v = realloc(sp->conffiles, (sp->nconf + 1) * sizeof(*v));
		if (!v) {
			free(norm);
			break;
		}
		sp->conffiles = v;
		v[sp->nconf++] = norm;
	}
	free(copy);
	return 0;
}

static int is_conffile(const struct stage_pkg *sp, const char *path)
{
	size_t i;

	for (i = 0; i < sp->nconf; i++)
		if (!strcmp(sp->conffiles[i], path))
			return 1;
	return 0;
}

/* What item's data part may unpack to: its declared Installed-Size (see
 * ipk_stage) and what is left on the filesystem staging writes to. */
static void stage_limits(struct run *rn, const struct stage_pkg *sp,
			 struct stage_limits *lim)
{
	const char *is = ctl_get(ipk_control(sp->ipk), "Installed-Size");
	uint64_t free_b = 0;

	memset(lim, 0, sizeof(*lim));
	if (is && ctl_parse_u64(is, &lim->installed_size) < 0)
		lim->installed_size = 0;
	if (!(rn->ctx->opt.force & FORCE_SPACE) &&
	    rootfs_space(&rn->ctx->rf, &free_b, NULL) == 0)
		lim->space = free_b > 65536 ? free_b - 65536 : 1;
	lim->where = rn->ctx->rf.mode == ROOTFS_OFFLINE ? "the overlay"
							: "the root";
}

/* Open, check and stage item i's archive into staging/<i>. */
static int stage_item(struct run *rn, size_t i)
{
	struct tx_item *it = &rn->tx->items[i];
	struct stage_pkg *sp = &rn->sp[i];
	struct stage_limits lim;
	char dir[64], *d;
	const char *name;
	int r, flags = 0;

	/* Device nodes, fifos and setuid/setgid files only from a package
	 * the user trusts by name (--force-special-files) and whose archive
	 * was checked: a feed package against its signed index, or a local
	 * file named on the command line. */
	if ((rn->ctx->opt.force & FORCE_SPECIAL_FILES) &&
	    !(rn->ctx->opt.force & (FORCE_CHECKSUM | FORCE_SIGNATURE)))
		flags = IPK_ALLOW_DEVICES | IPK_ALLOW_SETID;
	/* the file verified against the index, through its open fd */
	if (it->ipk_fd >= 0) {
		int fd = fcntl(it->ipk_fd, F_DUPFD_CLOEXEC, 3);
		r = fd < 0 ? pkg_error(-errno, "cannot open '%s'", it->ipk)
			   : ipk_open_fd(&sp->ipk, fd, it->ipk);
	} else {
		r = ipk_open(&sp->ipk, it->ipk);
	}
	if (r < 0)
		return r;
	name = ctl_get(ipk_control(sp->ipk), "Package");
	if (!name || strcmp(name, it->name))
		return pkg_error_plain(-PKGE_FORMAT,
				       "'%s' holds package '%s', not '%s'",
				       it->ipk, name ? name : "?", it->name);
	snprintf(dir, sizeof(dir), "%zu", i);
	d = strf("%s/%s", rn->staging, dir);
	if (!d)
		return -ENOMEM;
	stage_limits(rn, sp, &lim);
	r = ipk_stage(sp->ipk, &rn->ctx->rf, d, flags, &lim, &sp->files);
	free(d);
	if (r == 0) {
		rn->staged_bytes += sp->files.bytes;
		r = parse_conffiles(sp);
	}
	if (r == 0 && !(sp->res = calloc(sp->files.n + 1, sizeof(char *))))
		r = -ENOMEM;
	return r;
}

/* The owner of path among installed packages that this transaction does
 * not remove or replace. */
static char *clash_owner(struct run *rn, const char *path, const char *self)
{
	char *o = db_file_owner(rn->ctx->db, path, self);
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < rn->tx->n; i++)
		if (!strcmp(rn->tx->items[i].name, o) &&
		    rn->tx->items[i].type == STEP_REMOVE) {
			free(o);
			return NULL;
		}
	return o;
}

/* Whether any package, installed or in the image, records path. */
static int owned(struct run *rn, const char *path)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(rn->ctx->db,
			       "SELECT 1 FROM files WHERE path=?1 UNION ALL "
			       "SELECT 1 FROM rom_files WHERE path=?1",
			       -1, &st, NULL) != SQLITE_OK)
		return 1; /* cannot tell: do not refuse */
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

/* An 'I' row for the info files of pkg, once, unless the transaction
 * installs or removes pkg (the commit journals those itself). Skipped when
 * the writable info directory does not exist yet: there is nothing of pkg
 * in it to keep. */
static int take_info(struct run *rn, const char *pkg)
{
	struct pkg_ctx *ctx = rn->ctx;
	char *res = NULL;
	struct stat st;
	size_t k;
	int r;

	for (k = 0; k < rn->tx->n; k++) {
		const struct tx_item *it = &rn->tx->items[k];
		if (!strcmp(it->name, pkg) ||
		    (it->old && !strcmp(solver_name(&ctx->solv, it->old), pkg)))
			return 0;
	}
	for (k = 0; k < rn->ops.n; k++)
		if (rn->ops.v[k].op == JOP_INFO_FILES &&
		    !strcmp(rn->ops.v[k].staged, pkg))
			return 0;
	r = ctx_resolve(ctx, ctx->conf.info_dir, &res);
	if (r < 0)
		return r;
	r = tree_lstat(&ctx->rf, TREE_WRITE, res, &st) == 0 &&
			    S_ISDIR(st.st_mode)
		    ? tx_ops_add(&rn->ops, JOP_INFO_FILES, res, pkg, NULL, 0)
		    : 0;
	free(res);
	return r;
}

/*
 * Files taken over from a package the new one Replaces (opkg: the file
 * changes owner, the old package keeps its other files). The commit
 * records the new package's rows (commit.c) and drops the old owner's
 * (tx_run_drop_taken) in its SQLite transaction; the old package's info
 * files are journaled ('I') because its .list is rewritten without the
 * path.
 */
static int take_over(struct run *rn, const char *path, const char *from)
{
	struct taken *t;

	t = realloc(rn->taken, (rn->ntaken + 1) * sizeof(*t));
	if (!t)
		return pkg_error(-ENOMEM, "cannot install over '/%s'", path);
	rn->taken = t;
	t = &t[rn->ntaken];
	t->path = strdup(path);
	t->owner = strdup(from);
	if (!t->path || !t->owner) {
		free(t->path);
		free(t->owner);
		return pkg_error(-ENOMEM, "cannot install over '/%s'", path);
	}
	rn->ntaken++;
	return take_info(rn, from);
}

int tx_run_drop_taken(struct run *rn)
{
	sqlite3 *db = rn->ctx->db;
	sqlite3_stmt *st;
	size_t k;
	int r = 0;

	if (!rn->ntaken)
		return 0;
	if (sqlite3_prepare_v2(db, "DELETE FROM files WHERE path=? AND "
			       "package=?", -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(db));
	for (k = 0; r == 0 && k < rn->ntaken; k++) {
		sqlite3_bind_text(st, 1, rn->taken[k].path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rn->taken[k].owner, -1,
				  SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = pkg_error_plain(-PKGE_DB, "database: %s",
					    sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return r;
}

/* Clash check for a file (not a directory) at res that item i installs:
 * a file of another installed package is taken over if item i Replaces
 * it or with --force-overwrite (owners_takes_over), else refused; a file that no package records is refused (opkg:
 * "<no package>") unless it is a conffile (kept, see conf_foreign);
 * --force-overwrite allows both. */
static int check_clash(struct run *rn, size_t i, const char *res, int conf)
{
	struct pkg_ctx *ctx = rn->ctx;
	const char *name = rn->tx->items[i].name;
	char *o = clash_owner(rn, res, name);
	struct stat st;
	int r = 0;

	if (o && owners_takes_over(rn, i, o))
		r = take_over(rn, res, o);
	else if (o && !(ctx->opt.force & FORCE_OVERWRITE))
		r = pkg_error_plain(-PKGE_CONFLICT,
				    "cannot install %s: '/%s' belongs to %s",
				    name, res, o);
	else if (!o && !conf && !(ctx->opt.force & FORCE_OVERWRITE) &&
		 rootfs_lstat(&ctx->rf, res, &st, NULL) == 0 &&
		 !S_ISDIR(st.st_mode) && !owned(rn, res))
		r = pkg_error_plain(-PKGE_CONFLICT,
				    "cannot install %s: '/%s' exists and "
				    "belongs to no package (move it away or "
				    "use --force-overwrite)",
				    name, res);
	free(o);
	return r;
}

/* SHA-256 of the regular file at canonical path in the merged view. */
static int merged_sha256(struct pkg_ctx *ctx, const char *path, char hex[SHA256_HEX_SIZE])
{
	int fd = rootfs_open_read(&ctx->rf, path, NULL), r;

	if (fd < 0)
		return fd;
	r = rootfs_sha256_fd(fd, hex);
	close(fd);
	return r;
}

/* A locally changed conffile: what is on disk differs from the hash
 * recorded at install time. */
static int conf_changed(struct run *rn, const char *path, const char *res)
{
	struct pkg_ctx *ctx = rn->ctx;
	sqlite3_stmt *st;
	char hex[SHA256_HEX_SIZE];
	int changed = 0;

	if (merged_sha256(ctx, res, hex) < 0)
		return 0;
	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT conf_sha256 FROM files WHERE path=? "
			       "AND conffile=1",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		changed = h && strcmp(h, hex) != 0;
	}
	sqlite3_finalize(st);

	return changed;
}

/* A conffile already on disk that no package records (a configuration
 * restored from a sysupgrade backup, or written by hand) and that differs
 * from the new package's: kept, as opkg keeps it. */
static int conf_foreign(struct run *rn, const char *path,
			const unsigned char *sha)
{
	struct pkg_ctx *ctx = rn->ctx;
	char hex[SHA256_HEX_SIZE], want[SHA256_HEX_SIZE], *o;
	int foreign = 0;

	if (merged_sha256(ctx, path, hex) < 0)
		return 0;
	o = db_file_owner(ctx->db, path, NULL);
	rootfs_hex(sha, 32, want);
	if (!o && strcmp(hex, want))
		foreign = 1;
	free(o);
	return foreign;
}

static int keep_conf(struct run *rn, const char *path)
{
	char **v = realloc(rn->keep_conf, (rn->nkeep + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	rn->keep_conf = v;
	v[rn->nkeep++] = strdup(path);
	return 0;
}

/* Journal ops that place one staged entry, at its canonical path res. */
static int ops_for_entry(struct run *rn, size_t i, struct stage_entry *e,
			 const char *canon)
{
	struct pkg_ctx *ctx = rn->ctx;
	char res[PATH_MAX + 8], *bak;
	const char *own = ctx_state_path(ctx, canon, e->type == ST_DIR);
	struct stat st;
	int r;

	if (own) /* not even with --force-overwrite */
		return pkg_error_plain(-PKGE_UNSAFE,
				       "cannot install %s: '/%s' is in "
				       "the package manager's own state "
				       "('/%s')",
				       rn->tx->items[i].name, canon, own);
	snprintf(res, sizeof(res), "%s", canon);
	r = owners_entry_check(rn, i, e, res);
	if (r < 0)
		return r;
	if (e->type == ST_DIR) {
		mode_t type = 0;

		if (rootfs_lstat(&ctx->rf, res, &st, NULL) == 0 ||
		    (tx_view_get(&rn->view, res, &type, NULL) ==
			     ROOTFS_VIEW_ENTRY &&
		     S_ISLNK(type)))
			return 0; /* a directory, or a link to one */
		return tx_ops_add(&rn->ops, JOP_MKDIR, res, NULL, NULL,
				  e->mode);
	}
	if (r != OWNERS_SHARED)
		r = check_clash(rn, i, res, is_conffile(&rn->sp[i], e->path));
	if (r < 0)
		return r;
	if (is_conffile(&rn->sp[i], e->path) &&
	    (conf_changed(rn, e->path, res) ||
	     conf_foreign(rn, res, e->sha256))) {
		size_t l = strlen(res);
		if (l + 6 > sizeof(res) || l + 5 >= PATH_MAX)
			return pkg_error(-ENAMETOOLONG, "cannot install "
					 "'/%s'", res);
		keep_conf(rn, res);
		ctx_note(ctx, 1,
			 "Existing conffile /%s is different from the conffile "
			 "in the new package. The new conffile will be placed "
			 "at /%s-opkg.\n",
			 res, res);
		memcpy(res + l, "-opkg", 6);
	}
	bak = strf("%s%s", res, ".pkg-bak~");
	if (!bak)
		return -ENOMEM;
	r = tx_ops_add(&rn->ops, JOP_PLACE, res, e->staged, bak, e->mode);
	free(bak);
	return r;
}

/* ---- where each entry goes: resolved through the tree as the
 * transaction leaves it (view.c), so that no entry reaches outside the
 * root through a link, old or new ---- */

static mode_t entry_type(const struct stage_entry *e)
{
	switch (e->type) {
	case ST_DIR:
		return S_IFDIR;
	case ST_SYMLINK:
		return S_IFLNK;
	case ST_DEVICE:
		return e->mode & S_IFMT;
	default:
		return S_IFREG;
	}
}

static int resolve_err(struct run *rn, size_t i, const char *path, int r)
{
	if (r == -ENOTDIR)
		return pkg_error_plain(-PKGE_CONFLICT,
				       "cannot install %s: a file is in the "
				       "way of '/%s'",
				       rn->tx->items[i].name, path);
	return pkg_error(r, "cannot install %s: '/%s'",
			 rn->tx->items[i].name, path);
}

/* Whether two packages of the transaction may both ship canonical path:
 * directories, or the same symlink (opkg: no clash); else the later
 * one must Replace the other. */
static int entries_agree(struct run *rn, size_t i, const struct stage_entry *e,
			 int other, const char *res)
{
	mode_t type = 0;
	const char *target = NULL;

	tx_view_get(&rn->view, res, &type, &target);
	if (S_ISDIR(type) && e->type == ST_DIR)
		return 0;
	if (S_ISLNK(type) && e->type == ST_SYMLINK && target &&
	    !strcmp(target, e->target))
		return 0;
	if ((S_ISDIR(type) != (e->type == ST_DIR)))
		return pkg_error_plain(-PKGE_CONFLICT,
				       "cannot install %s: '/%s' is a "
				       "directory in one package and not in "
				       "%s",
				       rn->tx->items[i].name, res,
				       rn->tx->items[other].name);
	if (owners_replaces(rn, i, rn->tx->items[other].name))
		return 0;
	return pkg_error_plain(-PKGE_CONFLICT,
			       "cannot install %s: '/%s' is also in %s",
			       rn->tx->items[i].name, res,
			       rn->tx->items[other].name);
}

/* A non-directory never replaces a directory (opkg refuses it too): the
 * user's /etc/config would go aside for a link. */
static int not_over_dir(struct run *rn, size_t i, const struct stage_entry *e,
			const char *res)
{
	struct stat st;
	mode_t type = 0;

	if (e->type == ST_DIR ||
	    tx_view_get(&rn->view, res, &type, NULL) == ROOTFS_VIEW_GONE ||
	    rootfs_lstat(&rn->ctx->rf, res, &st, NULL) < 0 ||
	    !S_ISDIR(st.st_mode))
		return 0;
	return pkg_error_plain(-PKGE_CONFLICT,
			       "cannot install %s: '/%s' is a %s in it and "
			       "a directory here", rn->tx->items[i].name, res,
			       e->type == ST_SYMLINK ? "symlink" : "file");
}

/* Is res a symlink (on disk or staged) to a directory? A directory of a
 * package found there keeps the link, and what the package has below it
 * goes where the link points, as with opkg (its mkdir meets the link,
 * its files are written through it): OpenWrt's /var -> /tmp, a user's
 * link. */
static int link_to_dir(struct run *rn, const char *res)
{
	struct rootfs_view v = tx_view_of(&rn->view);
	mode_t type = 0;
	struct stat st;
	char *to = NULL;
	int at = tx_view_get(&rn->view, res, &type, NULL), dir = 0;

	if (at == ROOTFS_VIEW_NONE)
		type = rootfs_lstat(&rn->ctx->rf, res, &st, NULL) == 0
			       ? st.st_mode & S_IFMT
			       : 0;
	if (at == ROOTFS_VIEW_GONE || !S_ISLNK(type) ||
	    rootfs_resolve(&rn->ctx->rf, &v, res, ROOTFS_RESOLVE_FOLLOW, &to) <
		    0)
		return 0;
	at = tx_view_get(&rn->view, to, &type, NULL);
	if (at == ROOTFS_VIEW_ENTRY)
		dir = S_ISDIR(type);
	else if (at == ROOTFS_VIEW_NONE)
		dir = rootfs_lstat(&rn->ctx->rf, to, &st, NULL) == 0 &&
		      S_ISDIR(st.st_mode);
	free(to);
	return dir;
}

/* Resolve entry k of item i and record it in the view. */
static int place_entry(struct run *rn, size_t i, size_t k)
{
	struct stage_pkg *sp = &rn->sp[i];
	struct stage_entry *e = &sp->files.e[k];
	struct rootfs_view v = tx_view_of(&rn->view);
	char *res = NULL;
	int r = rootfs_resolve(&rn->ctx->rf, &v, e->path, 0, &res), other;

	if (r < 0)
		return resolve_err(rn, i, e->path, r);
	if (!*res) {
		free(res);
		return 0; /* the root itself: nothing to place */
	}
	if (e->type == ST_DIR && link_to_dir(rn, res)) {
		free(sp->res[k]);
		sp->res[k] = res; /* the link stays: nothing in the view */
		return 0;
	}
	other = tx_view_tag(&rn->view, res);
	if (other >= 0 && (size_t)other != i)
		r = entries_agree(rn, i, e, other, res);
	if (r == 0)
		r = not_over_dir(rn, i, e, res);
	if (r == 0)
		r = tx_view_add(&rn->view, res, entry_type(e),
				e->type == ST_SYMLINK ? e->target : NULL,
				(int)i);
	if (r < 0) {
		free(res);
		return r;
	}
	free(sp->res[k]);
	sp->res[k] = res;
	return 0;
}

static size_t depth_of(const char *p)
{
	size_t d = 0;

	for (; *p; p++)
		d += *p == '/';
	return d;
}

/* The paths the transaction removes (old files of upgraded packages and
 * of removed ones), resolved on the tree as it is now: gone in the view
 * unless a new package ships them again. */
static int view_old(const struct db_file *f, void *ud)
{
	struct run *rn = ud;
	char *res = NULL;
	int r;

	if (rootfs_resolve(&rn->ctx->rf, NULL, f->path, 0, &res) < 0)
		return 0; /* it will be refused when removed */
	r = *res && tx_view_get(&rn->view, res, &(mode_t){ 0 }, NULL) ==
			     ROOTFS_VIEW_NONE
		    ? tx_view_add(&rn->view, res, 0, NULL, -1)
		    : 0;
	free(res);
	return r;
}

/*
 * Resolve every entry of every package the transaction installs: first
 * the removals, then the symlinks, shallow ones first (a link's own place
 * depends only on links above it), then everything else, each through the
 * view built so far.
 */
static int resolve_entries(struct run *rn)
{
	size_t i, k, d, maxd = 0;
	int r = 0;

	for (i = 0; r == 0 && i < rn->tx->n; i++) {
		struct tx_item *it = &rn->tx->items[i];
		const char *old = it->type == STEP_REMOVE ? it->name
				  : it->old ? solver_name(&rn->ctx->solv,
							   it->old)
					    : NULL;
		if (old && !it->from_rom)
			r = db_file_each(rn->ctx->db, old, view_old, rn);
	}
	for (i = 0; i < rn->tx->n; i++)
		for (k = 0; k < rn->sp[i].files.n; k++)
			if (rn->sp[i].files.e[k].type == ST_SYMLINK &&
			    depth_of(rn->sp[i].files.e[k].path) > maxd)
				maxd = depth_of(rn->sp[i].files.e[k].path);
	for (d = 0; r == 0 && d <= maxd; d++)
		for (i = 0; r == 0 && i < rn->tx->n; i++)
			for (k = 0; r == 0 && k < rn->sp[i].files.n; k++)
				if (rn->sp[i].files.e[k].type == ST_SYMLINK &&
				    depth_of(rn->sp[i].files.e[k].path) == d)
					r = place_entry(rn, i, k);
	for (i = 0; r == 0 && i < rn->tx->n; i++)
		for (k = 0; r == 0 && k < rn->sp[i].files.n; k++)
			if (rn->sp[i].files.e[k].type != ST_SYMLINK)
				r = place_entry(rn, i, k);
	return r;
}

/* Symlinks and hardlinks are made in staging too, so that every commit
 * step is a rename. */
static int stage_links(struct run *rn, size_t i)
{
	struct stage_pkg *sp = &rn->sp[i];
	size_t k;
	int r = 0;

	for (k = 0; r == 0 && k < sp->files.n; k++) {
		struct stage_entry *e = &sp->files.e[k];
		char num[64], *p;

		if (e->type != ST_SYMLINK && e->type != ST_HARDLINK)
			continue;
		snprintf(num, sizeof(num), "/%zu/l%zu", i, k);
		p = strf("%s%s", rn->staging, num);
		if (!p)
			return -ENOMEM;
		if (e->type == ST_SYMLINK) {
			r = tree_symlink(&rn->ctx->rf, TREE_WRITE, e->target,
					 p);
		} else {
			size_t j;
			r = -PKGE_UNSAFE;
			for (j = 0; j < sp->files.n; j++)
				if (sp->files.e[j].type == ST_FILE &&
				    !strcmp(sp->files.e[j].path, e->target))
					r = tree_link(&rn->ctx->rf, TREE_WRITE,
						      sp->files.e[j].staged, p);
		}
		free(e->staged);
		e->staged = p;
		if (r < 0)
			r = pkg_error(r, "cannot stage '/%s'", e->path);
	}
	return r;
}

static int stage_modes(struct run *rn, size_t i)
{
	struct stage_pkg *sp = &rn->sp[i];
	size_t k;
	int r = 0;

	for (k = 0; r == 0 && k < sp->files.n; k++) {
		struct stage_entry *e = &sp->files.e[k];
		if (e->type != ST_FILE)
			continue;
		/* owner first: chown clears the setuid and setgid bits */
		if (geteuid() == 0)
			r = tree_lchown(&rn->ctx->rf, TREE_WRITE, e->staged,
					e->uid, e->gid);
		if (r == 0)
			r = tree_chmod(&rn->ctx->rf, TREE_WRITE, e->staged,
				       e->mode & 07777);
		if (r < 0)
			r = pkg_error(r, "cannot stage '/%s'", e->path);
	}
	return r;
}

/* Files of the installed version that the new one no longer has, or of a
 * package being removed: 'R' ops. */
struct rm_ctx {
	struct run *rn;
	struct stage_pkg *keep; /* new version's files, or NULL */
	int r;
};

static int in_stage(const struct stage_pkg *sp, const char *path)
{
	size_t k;

	for (k = 0; sp && k < sp->files.n; k++)
		if (!strcmp(sp->files.e[k].path, path))
			return 1;
	return 0;
}

/* Whether another package of the transaction installs path (it replaces
 * the removed one and takes the file over). */
static int staged_by_tx(struct run *rn, const char *path)
{
	size_t j;

	for (j = 0; j < rn->tx->n; j++)
		if (rn->tx->items[j].type != STEP_REMOVE &&
		    !rn->tx->items[j].from_rom && in_stage(&rn->sp[j], path))
			return 1;
	return 0;
}

static int rm_file(const struct db_file *f, void *ud)
{
	struct rm_ctx *rc = ud;
	char *res = NULL, *bak;
	int r;

	if (f->type == 'd' || in_stage(rc->keep, f->path) ||
	    staged_by_tx(rc->rn, f->path))
		return 0;
	/* the recorded path means what it means in the root now: through
	 * its links (base-files' /var/run -> /tmp/run), never out of it */
	r = rootfs_resolve(&rc->rn->ctx->rf, NULL, f->path, 0, &res);
	if (r < 0)
		return rc->r = pkg_error(r, "cannot remove '/%s' of %s",
					 f->path, f->package);
	if (!*res || tx_view_tag(&rc->rn->view, res) >= 0 ||
	    ctx_state_path(rc->rn->ctx, res, 0)) {
		free(res); /* pkg's own state is never a package's to remove
			    * (a forged .list may claim it) */
		return 0;
	}
	if (f->conffile && !rc->keep && conf_changed(rc->rn, f->path, res)) {
		free(res); /* opkg keeps locally changed conffiles on remove */
		return rc->r = owners_conffile_kept(rc->rn, f->package,
						    f->path);
	}
	if (owners_shared(rc->rn, f->path, f->package) ||
	    (f->type == 'l' && owners_keep_dirlink(rc->rn, f->path,
						   f->package))) {
		free(res);
		return 0;
	}
	bak = strf("%s%s", res, ".pkg-bak~");
	rc->r = bak ? tx_ops_add(&rc->rn->ops, JOP_REMOVE, res, NULL, bak, 0)
		    : -ENOMEM;
	free(bak);
	free(res);
	return rc->r;
}

static int build_ops(struct run *rn)
{
	size_t i, k;
	int r = resolve_entries(rn);

	for (i = 0; r == 0 && i < rn->tx->n; i++) {
		struct tx_item *it = &rn->tx->items[i];
		struct rm_ctx rc = { rn, it->type == STEP_REMOVE ? NULL
								 : &rn->sp[i],
				     0 };

		if (it->from_rom) {
			r = rom_restore_ops(rn->ctx, it->name, &rn->ops);
			continue;
		}
		for (k = 0; r == 0 && it->type != STEP_REMOVE &&
			    k < rn->sp[i].files.n;
		     k++)
			if (rn->sp[i].res[k])
				r = ops_for_entry(rn, i, &rn->sp[i].files.e[k],
						  rn->sp[i].res[k]);
		if (r == 0 && (it->type == STEP_REMOVE || it->old))
			r = db_file_each(rn->ctx->db,
					 it->type == STEP_REMOVE
						 ? it->name
						 : solver_name(&rn->ctx->solv,
							       it->old),
					 rm_file, &rc);
		if (r == 0)
			r = rc.r;
	}
	return r;
}

static uint64_t tx_needed_bytes(struct run *rn)
{
	uint64_t need = 0;
	size_t i;

	for (i = 0; i < rn->tx->n; i++) {
		struct tx_item *it = &rn->tx->items[i];
		struct stat st;

		if (it->ipk_fd >= 0 && fstat(it->ipk_fd, &st) == 0)
			need += (uint64_t)st.st_size * 3; /* unpacked guess */
	}
	return need + 64 * 1024; /* database growth and metadata margin */
}

static int preflight_space(struct run *rn)
{
	uint64_t free_b = 0, total = 0, need = tx_needed_bytes(rn);
	const struct tx_item *it;
	size_t i;
	const char *where = rn->ctx->rf.mode == ROOTFS_PLAIN
				    ? (rn->ctx->root[0] ? rn->ctx->root : "/")
				    : rn->ctx->conf.overlay_root;

	if (rn->ctx->opt.force & FORCE_SPACE ||
	    rootfs_space(&rn->ctx->rf, &free_b, &total) < 0)
		return 0;
	if (need <= free_b)
		return 0;
	it = &rn->tx->items[0];
	for (i = 0; i < rn->tx->n; i++) /* name what the user asked for */
		if (rn->tx->items[i].user) {
			it = &rn->tx->items[i];
			break;
		}
	return pkg_error_plain(-PKGE_SPACE,
			       "cannot %s %s: needs %.1f MiB on %s, "
			       "%.1f MiB free",
			       it->type == STEP_REMOVE ? "remove"
			       : it->old	       ? "upgrade"
						       : "install",
			       it->name, need / 1048576.0, where,
			       free_b / 1048576.0);
}

int tx_stage_all(struct run *rn)
{
	size_t i;
	int r;

	r = preflight_space(rn);
	for (i = 0; r == 0 && i < rn->tx->n; i++) {
		struct tx_item *it = &rn->tx->items[i];
		if (it->type == STEP_REMOVE || it->from_rom)
			continue;
		r = stage_item(rn, i);
		if (r == 0)
			r = stage_links(rn, i);
		if (r == 0)
			r = stage_modes(rn, i);
		/* ENOSPC here (the preflight was fooled) was reported by
		 * the step that hit it; the caller rolls back. */
	}
	if (r == 0)
		r = build_ops(rn);
	if (r == 0) /* once every package's steps are known */
		r = alt_stage(rn);
	/* what was staged is on disk before the journal names it: one sync
	 * for all (ipk_stage syncs nothing per file) */
	if (r == 0 && (r = tree_sync(&rn->ctx->rf)) < 0)
		r = pkg_error(r, "cannot sync '/%s'", rn->staging);
	return r;
}


struct run *tx_run_new(struct tx *tx)
{
	struct run *rn = calloc(1, sizeof(*rn));

	if (!rn)
		return NULL;
	rn->tx = tx;
	rn->ctx = tx->ctx;
	rn->sp = calloc(tx->n + 1, sizeof(*rn->sp));
	if (!rn->sp ||
	    rootfs_resolve(&tx->ctx->rf, NULL, PKG_STAGING_DIR, 0,
			   &rn->staging) < 0) {
		tx_run_free(rn);
		return NULL;
	}
	return rn;
}

void tx_run_free(struct run *rn)
{
	size_t i, k;

	if (!rn)
		return;
	for (i = 0; rn->sp && i < rn->tx->n; i++) {
		for (k = 0; rn->sp[i].res && k < rn->sp[i].files.n; k++)
			free(rn->sp[i].res[k]);
		free(rn->sp[i].res);
		ipk_free(rn->sp[i].ipk);
		stage_list_release(&rn->sp[i].files);
		for (k = 0; k < rn->sp[i].nconf; k++)
			free(rn->sp[i].conffiles[k]);
		free(rn->sp[i].conffiles);
	}
	for (k = 0; k < rn->nkeep; k++)
		free(rn->keep_conf[k]);
	free(rn->keep_conf);
	free(rn->sp);
	free(rn->staging);
	tx_view_release(&rn->view);
	tx_ops_release(&rn->ops);
	for (k = 0; k < rn->ntaken; k++) {
		free(rn->taken[k].path);
		free(rn->taken[k].owner);
	}
	free(rn->taken);
	free(rn);
}

struct tx_ops *tx_run_ops(struct run *rn)
{
	return &rn->ops;
}

const char *tx_run_staging(struct run *rn)
{
	return rn->staging;
}

struct ipk *tx_run_ipk(struct run *rn, size_t i)
{
	return rn->sp[i].ipk;
}

struct stage_list *tx_run_files(struct run *rn, size_t i)
{
	return &rn->sp[i].files;
}

int tx_run_conf_kept(struct run *rn, const char *path)
{
	size_t k;

	for (k = 0; k < rn->nkeep; k++)
		if (!strcmp(rn->keep_conf[k], path))
			return 1;
	return 0;
}

int tx_run_is_conffile(struct run *rn, size_t i, const char *path)
{
	return is_conffile(&rn->sp[i], path);
}
