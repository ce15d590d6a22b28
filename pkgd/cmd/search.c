/*
 * search FILE-GLOB: which installed packages own the matching files.
 */
#include <string.h>

#include "cmd/cmd.h"

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
	if (!pkg_glob_match(s->ctx, s->glob, path) || f->type == 'd')
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
	CMD_OPKG | CMD_DB | CMD_DB_FILES | CMD_LISTING, cmd_search
};
