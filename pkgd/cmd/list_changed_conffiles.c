/*
 * list-changed-conffiles [GLOB]: conffiles changed (or missing) since
 * their package was installed, as opkg lists them.
 */
#include <string.h>

#include "cmd/cmd.h"
#include "state/state.h"

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
	if (!pkg_glob_match(cs->ctx, cs->glob, f->package))
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
	return db_conffile_each(cs->ctx->db, p->name, conf_one, cs);
}

static int cmd_list_changed_conffiles(struct pkg_ctx *ctx, int argc,
				      char **argv)
{
	struct conf_scan cs = { ctx, argc > 0 ? argv[0] : NULL };

	/* no database: the status's Conffiles read straight */
	if (!ctx->db)
		return opkg_conffiles_each(ctx, conf_one, &cs);
	return db_pkg_each(ctx->db, conf_pkg, &cs);
}

const struct pkg_cmd cmd_list_changed_conffiles_desc = {
	"list-changed-conffiles", "[GLOB]",
	"list conffiles changed since they were installed",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_STATUS_READ,
	cmd_list_changed_conffiles
};
