/*
 * Who owns what when packages come and go: the decisions the stage
 * (stage.c) asks about a path, kept apart from its path handling, and
 * what opkg says about them.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tx/tx.h"

int owners_conffile_kept(struct run *rn, const char *pkg, const char *path)
{
	struct pkg_ctx *ctx = rn->ctx;
	size_t i;
	char *n = NULL;

	for (i = 0; i < rn->tx->n; i++) {
		struct tx_item *it = &rn->tx->items[i];
		if (it->type != STEP_REMOVE || strcmp(it->name, pkg))
			continue;
		/* opkg names it under the offline root as given ("-o DIR":
		 * DIR/etc/x; on a device /etc/x) */
		if (asprintf(&n, "%sNot deleting modified conffile %s/%s.\n",
			     it->notes ? it->notes : "",
			     ctx->offline && ctx->opt.root ? ctx->opt.root : "",
			     path) < 0)
			return -ENOMEM;
		free(it->notes);
		it->notes = n;
		return 0;
	}
	return 0;
}

int owners_replaces(struct run *rn, size_t i, const char *pkg)
{
	const char *v = ctl_get(ipk_control(tx_run_ipk(rn, i)), "Replaces");
	size_t n = strlen(pkg);

	while (v && *v) {
		size_t l;
		v += strspn(v, " \t,");
		l = strcspn(v, " \t,(");
		if (l == n && !strncmp(v, pkg, n))
			return 1;
		v += strcspn(v, ",");
	}
	return 0;
}

int owners_takes_over(struct run *rn, size_t i, const char *owner)
{
	return owners_replaces(rn, i, owner) ||
	       (rn->ctx->opt.force & FORCE_OVERWRITE);
}

/* The installed owner of rel other than item i's own package that this
 * transaction keeps (not removed, not replaced by its new version), or
 * NULL. Malloc'd. */
static char *other_owner(struct run *rn, size_t i, const char *rel)
{
	char *o = db_file_owner(rn->ctx->db, rel, rn->tx->items[i].name);
	size_t k;

	for (k = 0; o && k < rn->tx->n; k++)
		if (!strcmp(rn->tx->items[k].name, o) &&
		    rn->tx->items[k].type == STEP_REMOVE) {
			free(o);
			o = NULL;
		}
	return o;
}

/* The target of the symlink at canonical rel, malloc'd, or NULL. */
static char *link_target(struct pkg_ctx *ctx, const char *rel)
{
	char buf[PATH_MAX];

	if (rootfs_readlink(&ctx->rf, rel, buf, sizeof(buf)) < 0)
		return NULL;
	return strdup(buf);
}

int owners_entry_check(struct run *rn, size_t i, const struct stage_entry *e,
		       const char *res)
{
	struct pkg_ctx *ctx = rn->ctx;
	const char *name = rn->tx->items[i].name;
	struct stat st;
	char *o, *t;
	int r = 0;

	if (rootfs_lstat(&ctx->rf, res, &st, NULL) < 0)
		return 0;
	if (e->type == ST_DIR) {
		/* a directory where another package has a symlink: the
		 * symlink would be kept and the directory's entries go
		 * wherever it points */
		if (!S_ISLNK(st.st_mode) || !(o = other_owner(rn, i, res)))
			return 0;
		r = pkg_error_plain(-PKGE_CONFLICT,
				    "cannot install %s: '/%s' is a directory "
				    "in it and a symlink of %s",
				    name, res, o);
		free(o);
		return r;
	}
	if (S_ISDIR(st.st_mode)) /* it would hide what is in there */
		return pkg_error_plain(-PKGE_CONFLICT,
				       "cannot install %s: '/%s' is a %s in it "
				       "and a directory here", name, res,
				       e->type == ST_SYMLINK ? "symlink"
							    : "file");
	if (e->type != ST_SYMLINK || !S_ISLNK(st.st_mode))
		return 0;
	/* the same symlink in two packages: both own it */
	t = link_target(ctx, res);
	r = t && e->target && !strcmp(t, e->target) &&
	    (o = other_owner(rn, i, res)) ? (free(o), OWNERS_SHARED) : 0;
	free(t);
	return r;
}

/* The directory the symlink at rel points to, resolved in the root
 * (canonical, never out of it), or NULL when it is not a symlink to a
 * directory. */
static char *dirlink_dir(struct pkg_ctx *ctx, const char *rel)
{
	char *res = NULL, *canon = NULL;
	struct stat st;

	if (rootfs_resolve(&ctx->rf, NULL, rel, 0, &canon) < 0 ||
	    rootfs_lstat(&ctx->rf, canon, &st, NULL) < 0 ||
	    !S_ISLNK(st.st_mode) ||
	    rootfs_resolve(&ctx->rf, NULL, canon, ROOTFS_RESOLVE_FOLLOW,
			   &res) < 0 ||
	    rootfs_lstat(&ctx->rf, res, &st, NULL) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		free(canon);
		free(res);
		return NULL;
	}
	free(canon);
	return res;
}

int owners_keep_dirlink(struct run *rn, const char *rel, const char *pkg)
{
	struct pkg_ctx *ctx = rn->ctx;
	char *dir = dirlink_dir(ctx, rel), *in_dir = NULL, *in_link = NULL;
	sqlite3_stmt *st = NULL;
	int keep = 0;
	size_t k;

	/* its files are recorded under the symlink's path (as the archive
	 * has them) or under the directory's */
	if (!dir || asprintf(&in_dir, "%s/%%", dir) < 0 ||
	    asprintf(&in_link, "%s/%%", rel) < 0 ||
	    sqlite3_prepare_v2(ctx->db, "SELECT DISTINCT package FROM files "
			       "WHERE (path LIKE ?1 OR path LIKE ?2) AND "
			       "package<>?3 AND type<>'d'", -1, &st,
			       NULL) != SQLITE_OK) {
		free(dir);
		free(in_dir);
		free(in_link);
		return 0;
	}
	sqlite3_bind_text(st, 1, in_dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in_link, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pkg, -1, SQLITE_STATIC);
	while (!keep && sqlite3_step(st) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 0);
		keep = 1; /* unless that package goes too */
		for (k = 0; o && k < rn->tx->n; k++)
			if (rn->tx->items[k].type == STEP_REMOVE &&
			    !strcmp(rn->tx->items[k].name, o))
				keep = 0;
	}
	sqlite3_finalize(st);
	free(dir);
	free(in_dir);
	free(in_link);
	return keep;
}

int owners_shared(struct run *rn, const char *rel, const char *pkg)
{
	char *o = db_file_owner(rn->ctx->db, rel, pkg);

	free(o);
	return o != NULL;
}
