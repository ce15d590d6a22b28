/*
 * files NAME (what a package installed), search FILE-GLOB (who owns a
 * file), find GLOB (name or description matches).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "pkgd.h"

static int print_file(const struct db_file *f, void *ud)
{
	struct pkg_ctx *ctx = ud;

	if (f->type == 'd')
		return 0;
	if (ctx->opt.json) {
		return 0;
	}
	fprintf(ctx->out, "/%s\n", f->path);
	return 0;
}

static int cmd_files(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct db_pkg p;
	int r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "files: name a package");
	r = db_pkg_get(ctx->db, argv[0], &p);
	if (r < 0 || !strcmp(p.state, "removed")) {
		if (r == 0)
			db_pkg_release(&p);
		return pkg_error_plain(-PKGE_NOTFOUND,
				       "package '%s' is not installed", argv[0]);
	}
	fprintf(ctx->out,
		"Package %s (%s) is installed on root and has the following "
		"files:\n",
		p.name, p.version);
	r = db_file_each(ctx->db, p.name, print_file, ctx);
	db_pkg_release(&p);
	return r;
}

const struct pkg_cmd cmd_files_desc = {
	"files", "NAME", "list the files of an installed package",
	CMD_OPKG | CMD_DB, cmd_files
};

struct search_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
};

static int search_one(const struct db_file *f, void *ud)
{
	struct search_ctx *s = ud;
	char path[4096];
	struct db_pkg p;

	snprintf(path, sizeof(path), "/%s", f->path);
	if (fnmatch(s->glob, path, 0) || f->type == 'd')
		return 0;
	if (db_pkg_get(s->ctx->db, f->package, &p) < 0)
		return 0;
	if (strcmp(p.state, "removed"))
		fprintf(s->ctx->out, "%s - %s\n", p.name, p.version);
	db_pkg_release(&p);
	return 0;
}

static int cmd_search(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct search_ctx s = { ctx, argc > 0 ? argv[0] : NULL };

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "search: name a file");
	return db_file_each(ctx->db, NULL, search_one, &s);
}

const struct pkg_cmd cmd_search_desc = {
	"search", "FILE", "list installed packages that own a file (glob)",
	CMD_OPKG | CMD_DB, cmd_search
};

static int cmd_find_run(struct pkg_ctx *ctx, int argc, char **argv)
{
	Pool *pool = ctx->solv.pool;
	int flags = ctx->opt.nocase ? FNM_CASEFOLD : 0;
	Id p;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "find: give a pattern");
	FOR_POOL_SOLVABLES(p)
	{
		const char *n = solver_name(&ctx->solv, p);
		const char *d = solver_description(&ctx->solv, p);
		char *one;

		(void)pool;
		if (fnmatch(argv[0], n, flags) &&
		    (!d || fnmatch(argv[0], d, flags)))
			continue;
		one = desc_one_line(d);
		fprintf(ctx->out, "%s - %s%s%s\n", n, solver_evr(&ctx->solv, p),
			one && *one ? " - " : "", one ? one : "");
		free(one);
	}
	return 0;
}

const struct pkg_cmd cmd_find_desc = {
	"find", "GLOB", "find packages by name or description",
	CMD_OPKG | CMD_DB | CMD_POOL, cmd_find_run
};

struct conf_scan {
	struct pkg_ctx *ctx;
	const char *glob;
};

/* A conffile counts as changed when its content differs from the hash
 * recorded at install time, or when it is missing (as opkg counts it). */
static int conf_one(const struct db_file *f, void *ud)
{
	struct conf_scan *cs = ud;
	char hex[65], *rp;
	int changed;

	if (!f->conffile || !f->conf_sha256 || !*f->conf_sha256)
		return 0;
	if (cs->glob && fnmatch(cs->glob, f->package, 0))
		return 0;
	rp = rootfs_rpath(&cs->ctx->rf, f->path, NULL);
	if (!rp || rootfs_sha256_file(rp, hex) < 0) {
		changed = 1;
	} else if (strlen(f->conf_sha256) == 32) {
		char md5[33];
		changed = fetch_md5_file(rp, md5) < 0 ||
			  strcmp(md5, f->conf_sha256) != 0;
	} else {
		changed = strcmp(hex, f->conf_sha256) != 0;
	}
	free(rp);
	if (changed)
		fprintf(cs->ctx->out, "/%s\n", f->path);
	return 0;
}

static int cmd_list_changed_conffiles(struct pkg_ctx *ctx, int argc,
				      char **argv)
{
	struct conf_scan cs = { ctx, argc > 0 ? argv[0] : NULL };

	return db_file_each(ctx->db, NULL, conf_one, &cs);
}

const struct pkg_cmd cmd_list_changed_conffiles_desc = {
	"list-changed-conffiles", "[GLOB]",
	"list conffiles changed since they were installed",
	CMD_OPKG | CMD_DB, cmd_list_changed_conffiles
};
