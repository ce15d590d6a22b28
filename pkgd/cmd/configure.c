/*
 * configure [GLOB]: run the postinst of unpacked packages (those whose
 * postinst failed, or flagged unpacked), as opkg's configure does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

struct cfg_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	char **names;
	size_t n;
};

static int collect_unpacked(const struct db_pkg *p, void *ud)
{
	struct cfg_ctx *c = ud;
	char **v;

	if (strcmp(p->state, "failed") ||
	    !cmd_glob_ok(c->ctx, c->glob, p->name))
		return 0;
	v = realloc(c->names, (c->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	c->names = v;
	c->names[c->n++] = strdup(p->name);
	return 0;
}

/* Run name's postinst (none in an offline root without
 * --force-postinstall, as opkg) and mark it installed when it passes. */
static int configure_one(struct pkg_ctx *ctx, const char *name)
{
	struct hook_env he = { ctx->root, ctx->rf.root_fd, ctx->offline, name,
			       NULL };
	const char *args[] = { "configure", NULL };
	const char *tmp = NULL;
	int tmpfd = -1;
	struct db_pkg p;
	char *body = NULL;
	size_t len = 0;
	int r = 0;

	ctx_note(ctx, 1, "Configuring %s.\n", name);
	if ((!ctx->offline || ctx->opt.force & FORCE_POSTINSTALL ||
	     ctx->conf.force_postinstall) &&
	    db_script_get(ctx->db, name, "postinst", &body, &len) == 0)
		r = (tmp = ctx_tmpdir(ctx, &tmpfd))
			    ? hooks_run_script(&he, "postinst", body, len, tmp,
					       tmpfd, args)
			    : -EIO; /* reported */
	free(body);
	if (r < 0 || db_pkg_get(ctx->db, name, &p) < 0)
		return r;
	free(p.state);
	p.state = strdup("installed");
	r = p.state ? db_pkg_put(ctx->db, &p) : -ENOMEM;
	db_pkg_release(&p);
	return r;
}

static int cmd_configure(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct cfg_ctx c = { ctx, argc > 0 ? argv[0] : NULL, NULL, 0 };
	size_t i;
	int r = db_pkg_each(ctx->db, collect_unpacked, &c), failed = 0;

	for (i = 0; r == 0 && i < c.n; i++) {
		int e = ctx->opt.noaction ? 0 : configure_one(ctx, c.names[i]);
		if (e < 0)
			failed = e;
	}
	for (i = 0; i < c.n; i++)
		free(c.names[i]);
	free(c.names);
	if (r == 0 && c.n && !ctx->opt.noaction)
		r = opkg_files_write(ctx);
	return r < 0 ? r : failed;
}

const struct pkg_cmd cmd_configure_desc = {
	"configure", "[GLOB]", "configure unpacked packages (run postinst)",
	CMD_OPKG | CMD_WRITE | CMD_DB, cmd_configure
};

