/*
 * list-installed [GLOB]: installed packages, "name - version", or --json
 * with their origin and state.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

struct li_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int first;
};

static const char *origin_text(const struct db_pkg *p)
{
	if (!strcmp(p->state, "removed"))
		return "image, removed";
	if (!strcmp(p->origin, "rom"))
		return "image";
	if (p->rom_version)
		return "image, upgraded in overlay";
	return "overlay";
}

/* A field of an installed package's control text, malloc'd or NULL. */
static char *control_field(const struct db_pkg *p, const char *name)
{
	struct ctl_stanza st = { 0 };
	char *v = NULL;

	if (p->control &&
	    ctl_parse_one(p->control, strlen(p->control), &st) == 0 &&
	    ctl_get(&st, name))
		v = strdup(ctl_get(&st, name));
	ctl_stanza_release(&st);
	return v;
}

static int li_one(const struct db_pkg *p, void *ud)
{
	struct li_ctx *l = ud;
	struct pkg_ctx *ctx = l->ctx;

	if (!pkg_glob_match(ctx, l->glob, p->name))
		return 0;
	if (!strcmp(p->state, "removed") && !ctx->opt.json)
		return 0;
	if (!ctx->opt.json) {
		char nb[256], *abi = NULL, *size = NULL;
		if (ctx->opt.strip_abi)
			abi = control_field(p, "ABIVersion");
		fprintf(ctx->out, "%s - %s",
			cmd_shown_name(ctx, p->name, abi, nb, sizeof(nb)),
			p->version);
		/* opkg: Size, which a status file does not carry: 0 */
		if (ctx->opt.size)
			fprintf(ctx->out, " - %s",
				(size = control_field(p, "Size")) ? size : "0");
		fputc('\n', ctx->out);
		free(abi);
		free(size);
		return 0;
	}
	json_item(ctx->out, &l->first);
	json_field(ctx->out, "", "name", p->name);
	json_field(ctx->out, ", ", "version", p->version);
	json_field(ctx->out, ", ", "origin", origin_text(p));
	fprintf(ctx->out, ", \"state\": \"%s\", \"user\": %s, \"hold\": %s}",
		p->state, p->user ? "true" : "false",
		p->hold ? "true" : "false");
	return 0;
}

static int cmd_list_installed(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct li_ctx l = { ctx, argc > 0 ? argv[0] : NULL, 1 };
	/* no database: opkg's status read straight (CMD_STATUS_READ) */
	int r = ctx->db ? db_pkg_each(ctx->db, li_one, &l)
			: opkg_status_each(ctx, li_one, &l);

	cmd_json_end(ctx, l.first);
	return r;
}

const struct pkg_cmd cmd_list_installed_desc = {
	"list-installed", "[GLOB]", "list installed packages",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_FIELDS |
		CMD_STATUS_READ | CMD_LISTING | CMD_NAMES,
	cmd_list_installed
};
