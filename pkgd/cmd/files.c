/*
 * files NAME: the files an installed package owns, as opkg lists them.
 *
 * With pkg's database, its files table, in path order; without one, or
 * with opkg's files in line with it, info/NAME.list as opkg reads it
 * (nothing imported into the database in RAM but the status file), in
 * the list's order, as opkg prints it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "state/state.h"

struct files_ctx {
	struct pkg_ctx *ctx;
	int first;
};

static void show_file(struct files_ctx *fc, const char *rel)
{
	struct pkg_ctx *ctx = fc->ctx;

	if (ctx->opt.json) {
		char path[4096];
		snprintf(path, sizeof(path), "/%s", rel);
		fputs(fc->first ? "\n    " : ",\n    ", ctx->out);
		fc->first = 0;
		json_str(ctx->out, path);
		return;
	}
	/* opkg prints the dest's root in front (the offline root too) */
	fprintf(ctx->out, "%s/%s\n", ctx->root ? ctx->root : "", rel);
}

static int print_file(const struct db_file *f, void *ud)
{
	if (f->type != 'd')
		show_file(ud, f->path);
	return 0;
}

static int show_listed(const char *path, void *ud)
{
	show_file(ud, path);
	return 0;
}

/* Without a database: NAME's .list, line by line (a path it names twice
 * shown twice, as opkg does). */
static int list_files(struct files_ctx *fc, const char *name)
{
	struct opkg_lists lists = { .ctx = fc->ctx };
	int r = opkg_list_each(&lists, name, show_listed, fc);

	opkg_lists_release(&lists);
	if (r < 0)
		r = pkg_error(r, "cannot read the files of '%s'", name);
	return r;
}

static int cmd_files(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct files_ctx fc = { ctx, 1 };
	struct db_pkg p;
	int r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "files: name a package");
	/* no database: opkg's status read straight (CMD_STATUS_READ) */
	r = ctx->db ? db_pkg_get(ctx->db, argv[0], &p)
		    : opkg_status_get(ctx, argv[0], &p);
	if (r < 0 && r != -PKGE_NOTFOUND)
		return r; /* reported */
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
	if (!ctx->db || db_in_memory(ctx->db))
		r = list_files(&fc, p.name);
	else
		r = db_file_each(ctx->db, p.name, print_file, &fc);
	if (ctx->opt.json)
		fputs(fc.first ? "]}\n" : "\n  ]}\n", ctx->out);
	db_pkg_release(&p);
	return r;
}

const struct pkg_cmd cmd_files_desc = {
	"files", "NAME", "list the files of an installed package",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_STATUS_READ |
		CMD_LISTING | CMD_NAMES,
	cmd_files
};
