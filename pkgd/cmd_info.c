/*
 * info [GLOB] (installed and available), status [GLOB] (installed only),
 * in opkg's field order; --json for both.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "pkgd.h"

static void field(FILE *f, const char *name, const char *v)
{
	if (v && *v)
		fprintf(f, "%s: %s\n", name, v);
}

static void json_field(FILE *f, const char *name, const char *v, int *first)
{
	if (!v)
		return;
	fprintf(f, "%s", *first ? "  {" : ", ");
	json_str(f, name);
	fputs(": ", f);
	json_str(f, v);
	*first = 0;
}

/* Print an installed package (status stanza plus control fields). */
static void info_installed(struct pkg_ctx *ctx, const struct db_pkg *p,
			   int is_status)
{
	struct ctl_stanza st = { 0 };
	char *stanza = opkg_status_stanza(ctx, p), *status, *end;

	ctl_parse_one(p->control, strlen(p->control), &st);
	if (!is_status) {
		/* opkg's info adds the control's descriptive fields. */
		status = stanza ? strstr(stanza, "\nInstalled-Time:") : NULL;
		if (status) {
			*status = 0;
			fprintf(ctx->out, "%s\n", stanza);
			field(ctx->out, "Section", ctl_get(&st, "Section"));
			field(ctx->out, "Maintainer",
			      ctl_get(&st, "Maintainer"));
			field(ctx->out, "Description",
			      ctl_get(&st, "Description"));
			end = status + 1;
			fprintf(ctx->out, "I%s", end + 1);
		} else if (stanza) {
			fputs(stanza, ctx->out);
		}
	} else if (stanza) {
		fputs(stanza, ctx->out);
	}
	free(stanza);
	ctl_stanza_release(&st);
}

struct info_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int is_status;
	int first;
	int found;
};

static int info_one(const struct db_pkg *p, void *ud)
{
	struct info_ctx *ic = ud;
	struct pkg_ctx *ctx = ic->ctx;

	if (ic->glob && fnmatch(ic->glob, p->name, 0))
		return 0;
	if (!strcmp(p->state, "removed") && !ctx->opt.json)
		return 0;
	ic->found = 1;
	if (ctx->opt.json) {
		int f = 1;
		fputs(ic->first ? "[\n" : ",\n", ctx->out);
		json_field(ctx->out, "name", p->name, &f);
		json_field(ctx->out, "version", p->version, &f);
		json_field(ctx->out, "architecture", p->arch, &f);
		json_field(ctx->out, "origin",
			   !strcmp(p->state, "removed") ? "image, removed"
			   : !strcmp(p->origin, "rom")	? "image"
			   : p->rom_version ? "image, upgraded in overlay"
					    : "overlay",
			   &f);
		json_field(ctx->out, "state", p->state, &f);
		json_field(ctx->out, "user", p->user ? "yes" : "no", &f);
		fputs("}", ctx->out);
		ic->first = 0;
		return 0;
	}
	info_installed(ctx, p, ic->is_status);
	return 0;
}

static int info_available(struct info_ctx *ic)
{
	struct pkg_ctx *ctx = ic->ctx;
	Pool *pool = ctx->solv.pool;
	Id p;

	FOR_POOL_SOLVABLES(p)
	{
		char *text = NULL;
		if (pool->solvables[p].repo == pool->installed)
			continue;
		if (ic->glob &&
		    fnmatch(ic->glob, solver_name(&ctx->solv, p), 0))
			continue;
		if (feed_stanza_text(ctx, p, &text) < 0)
			continue;
		ic->found = 1;
		fprintf(ctx->out, "%s\n", text);
		free(text);
	}
	return 0;
}

static int run_info(struct pkg_ctx *ctx, int argc, char **argv, int status)
{
	struct info_ctx ic = { ctx, argc > 0 ? argv[0] : NULL, status, 1, 0 };
	int r = db_pkg_each(ctx->db, info_one, &ic);

	if (ctx->opt.json)
		fputs(ic.first ? "[]\n" : "\n]\n", ctx->out);
	else if (r == 0 && !status && ctx->solv_ready)
		r = info_available(&ic);
	return r;
}

static int cmd_info(struct pkg_ctx *ctx, int argc, char **argv)
{
	return run_info(ctx, argc, argv, 0);
}

static int cmd_status(struct pkg_ctx *ctx, int argc, char **argv)
{
	return run_info(ctx, argc, argv, 1);
}

const struct pkg_cmd cmd_info_desc = {
	"info", "[GLOB]", "show package information",
	CMD_OPKG | CMD_DB | CMD_POOL, cmd_info
};

const struct pkg_cmd cmd_status_desc = {
	"status", "[GLOB]", "show the status of installed packages",
	CMD_OPKG | CMD_DB, cmd_status
};
