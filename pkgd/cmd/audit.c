/*
 * pkg audit [--json]: the files on disk against the database. For each
 * file of an installed package: where the merged view takes it from (the
 * image, the overlay, nowhere) and whether it is as installed, modified,
 * missing or whited out; the files of image packages the user removed
 * must stay hidden; whiteouts nobody accounts for and overlay files no
 * package owns are listed. Exit 1 when something is wrong (a changed
 * conffile or an unowned file is not wrong); a database error is
 * reported and fails the command (its exit status, not 1).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"

struct audit {
	struct pkg_ctx *ctx;
	size_t checked, problems, notes;
	int first;
	int err; /* the first database error (reported), or 0 */
};

static const char *origin_name(enum origin o)
{
	return o == ORIGIN_ROM ? "image" : o == ORIGIN_UPPER ? "overlay"
					       : "none";
}

static void report(struct audit *a, const char *path, const char *pkg,
		   enum origin o, const char *state, int problem)
{
	FILE *f = a->ctx->out;

	if (problem)
		a->problems++;
	else
		a->notes++;
	if (!a->ctx->opt.json) {
		fprintf(f, "%-10s /%s (%s, %s)\n", state, path,
			pkg ? pkg : "no package", origin_name(o));
		return;
	}
	fprintf(f, "%s\n  {\"path\": ", a->first ? "" : ",");
	a->first = 0;
	json_str(f, path);
	fprintf(f, ", \"package\": ");
	json_str(f, pkg);
	fprintf(f, ", \"origin\": \"%s\", \"state\": \"%s\", \"problem\": %s}",
		origin_name(o), state, problem ? "true" : "false");
}

static int check_file(const struct db_file *f, void *ud)
{
	struct audit *a = ud;
	enum origin o;
	struct stat st;
	char *res = NULL, hex[SHA256_HEX_SIZE];

	if (f->type == 'd')
		return 0;
	a->checked++;
	if (ctx_lookup(a->ctx, f->path, &st, &o, NULL, &res) < 0) {
		report(a, f->path, f->package, o,
		       o == ORIGIN_WHITEOUT ? "whiteout" : "missing", 1);
		free(res);
		return 0;
	}
	if (f->type == 'f' && S_ISREG(st.st_mode) && f->sha256) {
		if (rootfs_sha256(&a->ctx->rf, res, hex) == 0 &&
		    strcmp(hex, f->sha256))
			report(a, f->path, f->package, o,
			       f->conffile ? "changed" : "modified",
			       !f->conffile);
	} else if ((f->type == 'l') != !!S_ISLNK(st.st_mode)) {
		report(a, f->path, f->package, o, "type", 1);
	}
	free(res);
	return 0;
}

static int audit_db_error(struct audit *a, const char *what)
{
	return pkg_error_plain(-PKGE_DB, "audit: %s: %s", what,
			       sqlite3_errmsg(a->ctx->db));
}

/* Files of image packages the user removed must stay hidden. 0, or a
 * negative code (reported), which stops db_pkg_each. */
static int check_removed(const struct db_pkg *p, void *ud)
{
	struct audit *a = ud;
	sqlite3_stmt *st;
	int r;

	if (strcmp(p->state, "removed"))
		return 0;
	if (sqlite3_prepare_v2(a->ctx->db,
			       "SELECT path,conffile FROM rom_files WHERE "
			       "package=? AND "
			       "type!='d' AND path NOT IN (SELECT f.path FROM "
			       "files f JOIN packages q ON q.name=f.package "
			       "WHERE q.state='installed')",
			       -1, &st, NULL) != SQLITE_OK)
		return audit_db_error(a, "image files");
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		enum origin o;
		struct stat sb;
		int visible = ctx_lookup(a->ctx, path, &sb, &o, NULL, NULL) ==
			      0;
		/* a changed conffile stays on remove, as with opkg */
		if (visible && !(o == ORIGIN_UPPER && sqlite3_column_int(st, 1)))
			report(a, path, p->name, o, "visible", 1);
	}
	r = r == SQLITE_DONE ? 0 : audit_db_error(a, "image files");
	sqlite3_finalize(st);
	return r;
}

/* Does the database account for rel (a whiteout: a removed image
 * package's file or a hidden path; else a package's file)? 1 or 0; on a
 * database error, reported once, a->err is set and 1 returned (nothing
 * more is reported on that path). */
static int known(struct audit *a, const char *rel, int whiteout)
{
	sqlite3_stmt *st;
	int k = 0;

	if (a->err)
		return 1;
	if (sqlite3_prepare_v2(a->ctx->db,
			       whiteout
				       ? "SELECT 1 FROM rom_files r JOIN packages "
					 "p ON p.name=r.package WHERE r.path=?1 "
					 "AND p.state='removed' UNION ALL "
					 "SELECT 1 FROM hidden WHERE path=?1"
				       : "SELECT 1 FROM files WHERE path=?",
			       -1, &st, NULL) != SQLITE_OK) {
		a->err = audit_db_error(a, "owners");
		return 1;
	}
	sqlite3_bind_text(st, 1, rel, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k != SQLITE_ROW && k != SQLITE_DONE)
		a->err = audit_db_error(a, "owners");
	sqlite3_finalize(st);
	return k != SQLITE_DONE;
}

/* pkg's and opkg's own state (ctx_state_path), and what the system and
 * pkg keep at run time beside it. */
static int own_state(struct pkg_ctx *ctx, const char *rel)
{
	static const char *const mine[] = { "var", "tmp", "etc/pkg",
					     "etc/backup", NULL };
	size_t i, l;

	if (ctx_state_path(ctx, rel, 0))
		return 1;
	for (i = 0; mine[i]; i++) {
		l = strlen(mine[i]);
		if (!strncmp(rel, mine[i], l) && (!rel[l] || rel[l] == '/'))
			return 1;
	}
	return 0;
}

/* The upper layer: whiteouts and files nobody accounts for. */
static void walk_upper(struct audit *a, const char *rel)
{
	char **nl = NULL, *child;
	struct stat st;
	size_t n = 0, i;

	tree_list_dir(&a->ctx->rf, TREE_UPPER, rel, &nl, &n);
	for (i = 0; i < n; i++) {
		const char *nm = nl[i];
		if (asprintf(&child, "%s%s%s", rel, *rel ? "/" : "", nm) >= 0) {
			if (own_state(a->ctx, child) ||
			    tree_lstat(&a->ctx->rf, TREE_UPPER, child, &st) < 0)
				;
			else if (S_ISDIR(st.st_mode))
				walk_upper(a, child);
			else if (S_ISCHR(st.st_mode) && st.st_rdev == 0 &&
				 !known(a, child, 1) && !known(a, child, 0))
				report(a, child, NULL, ORIGIN_WHITEOUT,
				       "whiteout", 1);
			else if (!S_ISCHR(st.st_mode) && !known(a, child, 0))
				report(a, child, NULL, ORIGIN_UPPER, "unowned",
				       0);
			free(child);
		}
		free(nl[i]);
	}
	free(nl);
}

static int check_pkg(const struct db_pkg *p, void *ud)
{
	struct audit *a = ud;

	if (!strcmp(p->state, "installed") || !strcmp(p->state, "failed"))
		return db_file_each(a->ctx->db, p->name, check_file, a);
	return 0;
}

static int cmd_audit(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct audit a = { ctx, 0, 0, 0, 1, 0 };
	int r;

	crypto_hash_fast(); /* every file of every package is hashed */
	if (ctx->opt.json)
		fprintf(ctx->out, "{\"findings\": [");
	r = db_pkg_each(ctx->db, check_pkg, &a);
	if (r == 0 && ctx->rf.mode != ROOTFS_PLAIN && ctx->rf.upper) {
		r = db_pkg_each(ctx->db, check_removed, &a);
		if (r == 0)
			walk_upper(&a, "");
		if (r == 0)
			r = a.err;
	}
	if (r < 0)
		return r; /* reported; no summary over a partial scan */
	if (ctx->opt.json)
		fprintf(ctx->out,
			"\n], \"checked\": %zu, \"problems\": %zu, "
			"\"notes\": %zu}\n",
			a.checked, a.problems, a.notes);
	else
		fprintf(ctx->out, "%zu files checked, %zu problem%s, %zu "
				  "note%s.\n",
			a.checked, a.problems, a.problems == 1 ? "" : "s",
			a.notes, a.notes == 1 ? "" : "s");
	return a.problems ? 1 : 0;
}

const struct pkg_cmd cmd_audit_desc = {
	"audit", "[--json]",
	"compare the files on disk with the database",
	CMD_DB, cmd_audit
};
