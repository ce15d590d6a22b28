/*
 * files NAME (what a package installed), search FILE-GLOB (who owns a
 * file), find GLOB (name or description matches).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

struct files_ctx {
	struct pkg_ctx *ctx;
	int first;
};

static int print_file(const struct db_file *f, void *ud)
{
	struct files_ctx *fc = ud;
	struct pkg_ctx *ctx = fc->ctx;

	if (f->type == 'd')
		return 0;
	if (ctx->opt.json) {
		char path[4096];
		snprintf(path, sizeof(path), "/%s", f->path);
		fputs(fc->first ? "\n    " : ",\n    ", ctx->out);
		fc->first = 0;
		json_str(ctx->out, path);
		return 0;
	}
	/* opkg prints the dest's root in front (the offline root too) */
	fprintf(ctx->out, "%s/%s\n", ctx->root ? ctx->root : "", f->path);
	return 0;
}

static int cmd_files(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct files_ctx fc = { ctx, 1 };
	struct db_pkg p;
	int r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "files: name a package");
	r = db_pkg_get(ctx->db, argv[0], &p);
	if (r < 0 || !strcmp(p.state, "removed")) {
		if (r == 0)
			db_pkg_release(&p);
		r = pkg_error_plain(-PKGE_NOTFOUND,
				    "package '%s' is not installed", argv[0]);
		/* opkg reports it and still exits 0 */
		return strcmp(ctx->prog, "opkg") ? r : 0;
	}
	if (ctx->opt.json) {
		json_field(ctx->out, "{", "name", p.name);
		json_field(ctx->out, ", ", "version", p.version);
		fputs(", \"files\": [", ctx->out);
	} else {
		fprintf(ctx->out,
			"Package %s (%s) is installed on %s and has the "
			"following files:\n", p.name, p.version,
			ctx->opt.dest ? ctx->opt.dest : "root");
	}
	r = db_file_each(ctx->db, p.name, print_file, &fc);
	if (ctx->opt.json)
		fputs(fc.first ? "]}\n" : "\n  ]}\n", ctx->out);
	db_pkg_release(&p);
	return r;
}

const struct pkg_cmd cmd_files_desc = {
	"files", "NAME", "list the files of an installed package",
	CMD_OPKG | CMD_DB | CMD_LISTING, cmd_files
};

struct search_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int first;
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
	if (strcmp(p.state, "removed") && s->ctx->opt.json) {
		json_item(s->ctx->out, &s->first);
		json_field(s->ctx->out, "", "name", p.name);
		json_field(s->ctx->out, ", ", "version", p.version);
		json_field(s->ctx->out, ", ", "path", path);
		fputc('}', s->ctx->out);
	} else if (strcmp(p.state, "removed")) {
		fprintf(s->ctx->out, "%s - %s\n", p.name, p.version);
	}
	db_pkg_release(&p);
	return 0;
}

static int cmd_search(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct search_ctx s = { ctx, argc > 0 ? argv[0] : NULL, 1 };
	int r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "search: name a file");
	r = db_file_each(ctx->db, NULL, search_one, &s);
	if (r == 0 && ctx->opt.json)
		json_array_end(ctx->out, s.first);
	return r;
}

const struct pkg_cmd cmd_search_desc = {
	"search", "FILE", "list installed packages that own a file (glob)",
	CMD_OPKG | CMD_DB | CMD_LISTING, cmd_search
};

/* find's matches among repo's packages, the descriptions read from its
 * list in one pass (a repo at a time: the reader's tables stay the size
 * of one feed). */
static int find_in_repo(struct pkg_ctx *ctx, Repo *repo, const char *pat,
			int *first)
{
	static const char *const desc_field[] = { "Description" };
	int flags = ctx->opt.nocase ? FNM_CASEFOLD : 0, r;
	struct feed_fields *ff = NULL;
	Solvable *sv;
	Queue q;
	Id p;

	queue_init(&q);
	FOR_REPO_SOLVABLES(repo, p, sv)
		queue_push(&q, p);
	r = feed_fields_open(ctx, q.elements, (size_t)q.count, desc_field, 1,
			     &ff);
	for (int i = 0; r == 0 && i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		const char *const *v = feed_fields_get(ff, q.elements[i]);
		const char *d = v ? v[0] :
			solver_description(&ctx->solv, q.elements[i]);
		char *one;

		if (fnmatch(pat, n, flags) && (!d || fnmatch(pat, d, flags)))
			continue;
		if (ctx->opt.json) {
			json_item(ctx->out, first);
			json_field(ctx->out, "", "name", n);
			json_field(ctx->out, ", ", "version",
				   solver_evr(&ctx->solv, q.elements[i]));
			if (d)
				json_field(ctx->out, ", ", "description", d);
			fputc('}', ctx->out);
			continue;
		}
		one = desc_one_line(d);
		fprintf(ctx->out, "%s - %s%s%s\n", n,
			solver_evr(&ctx->solv, q.elements[i]),
			one && *one ? " - " : "", one ? one : "");
		free(one);
	}
	feed_fields_close(ff);
	queue_free(&q);
	return r;
}

static int cmd_find_run(struct pkg_ctx *ctx, int argc, char **argv)
{
	Pool *pool = ctx->solv.pool;
	Repo *repo;
	int i, r = 0, first = 1;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "find: give a pattern");
	FOR_REPOS(i, repo)
		if (r == 0)
			r = find_in_repo(ctx, repo, argv[0], &first);
	if (r == 0 && ctx->opt.json)
		json_array_end(ctx->out, first);
	return r;
}

const struct pkg_cmd cmd_find_desc = {
	"find", "GLOB", "find packages by name or description",
	CMD_OPKG | CMD_DB | CMD_POOL | CMD_LISTING, cmd_find_run
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
	enum conf_state st;

	if (!f->conffile || !f->conf_sha256 || !*f->conf_sha256)
		return 0;
	if (cs->glob && fnmatch(cs->glob, f->package, 0))
		return 0;
	st = conffile_state(cs->ctx, f);
	if (st == CONF_CHANGED_HERE || st == CONF_BOTH || st == CONF_MISSING)
		fprintf(cs->ctx->out, "/%s\n", f->path);
	return 0;
}

/* opkg goes through the installed packages in name order. */
static int conf_pkg(const struct db_pkg *p, void *ud)
{
	struct conf_scan *cs = ud;

	if (!strcmp(p->state, "removed"))
		return 0;
	return db_file_each(cs->ctx->db, p->name, conf_one, cs);
}

static int cmd_list_changed_conffiles(struct pkg_ctx *ctx, int argc,
				      char **argv)
{
	struct conf_scan cs = { ctx, argc > 0 ? argv[0] : NULL };

	return db_pkg_each(ctx->db, conf_pkg, &cs);
}

const struct pkg_cmd cmd_list_changed_conffiles_desc = {
	"list-changed-conffiles", "[GLOB]",
	"list conffiles changed since they were installed",
	CMD_OPKG | CMD_DB, cmd_list_changed_conffiles
};
