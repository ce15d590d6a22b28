/*
 * files NAME: the files an installed package owns, as opkg lists them.
 */
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
	CMD_OPKG | CMD_DB | CMD_DB_FILES | CMD_DB_FILES1 | CMD_LISTING |
		CMD_NAMES,
	cmd_files
};
