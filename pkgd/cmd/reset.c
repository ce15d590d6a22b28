/*
 * pkg reset PACKAGE... [--conffiles] [--dry-run]: return image packages to
 * exactly their image state. A package removed, or upgraded in the
 * overlay, is first restored (zero-copy, one transaction); then every
 * overlay copy or whiteout over one of its image files is dropped, so the
 * image's file shows again. Conffiles are kept unless --conffiles is
 * given. Each change is printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"

struct reset {
	struct pkg_ctx *ctx;
	struct tx_ops ops;
	size_t n;
	int r;
};

static int reset_entry(const struct rom_entry *e, void *ud)
{
	struct reset *rs = ud;
	char *res = NULL, *bak = NULL;
	struct stat st;

	if (rootfs_resolve(&rs->ctx->rf, NULL, e->path, 0, &res) < 0)
		return rs->r = pkg_error(-ELOOP, "cannot reset '/%s'", e->path);
	if (*res && tree_lstat(&rs->ctx->rf, TREE_UPPER, res, &st) == 0 &&
	    !S_ISDIR(st.st_mode) &&
	    (!e->conffile || rs->ctx->opt.conffiles)) {
		int wh = S_ISCHR(st.st_mode) && st.st_rdev == 0;
		fprintf(rs->ctx->out, "%s /%s: %s\n",
			rs->ctx->opt.dry_run ? "Would reset" : "Reset", e->path,
			wh ? "removed here, the image's copy comes back"
			   : "changed here, the image's copy replaces it");
		if (asprintf(&bak, "%s.pkg-bak~", res) < 0 ||
		    tx_ops_add(&rs->ops, JOP_UNCOVER, res, NULL, bak, 0) < 0)
			rs->r = -ENOMEM;
		free(bak);
		rs->n++;
	}
	free(res);
	return rs->r;
}

/* A package not installed at its image version is restored first. */
static int restore_version(struct pkg_ctx *ctx, const char *name,
			   const char *romv)
{
	struct db_pkg p;
	char *spec = NULL;
	const char *user[1] = { name };
	int got = db_pkg_get(ctx->db, name, &p) == 0, at_rom, r;

	at_rom = got && !strcmp(p.state, "installed") &&
		 !strcmp(p.version, romv);
	if (got)
		db_pkg_release(&p);
	if (at_rom)
		return 0;
	fprintf(ctx->out, "%s %s to the image's version %s\n",
		ctx->opt.dry_run ? "Would restore" : "Restoring", name, romv);
	if (ctx->opt.dry_run)
		return 0;
	if (asprintf(&spec, "%s=%s", name, romv) < 0)
		return -ENOMEM;
	solver_jobs_clear(&ctx->solv);
	r = solver_job(&ctx->solv, SJ_INSTALL, spec, 0);
	free(spec);
	if (r == 0)
		r = apply_jobs(ctx, SOLVE_ALLOW_DOWNGRADE, user, 1, NULL, NULL, 0);
	return r;
}

static int reset_one(struct pkg_ctx *ctx, const char *name)
{
	struct reset rs = { .ctx = ctx };
	char *romv = rom_pkg_version(ctx, name);
	int r;

	if (!romv)
		return pkg_error_plain(-PKGE_NOTFOUND,
				       "cannot reset %s: not an image package",
				       name);
	r = restore_version(ctx, name, romv);
	free(romv);
	if (r == 0)
		r = rom_file_each(ctx, name, reset_entry, &rs);
	if (r == 0)
		r = rs.r;
	if (r == 0 && rs.n && !ctx->opt.dry_run)
		r = rom_ops_commit(ctx, &rs.ops, NULL);
	if (r == 0 && !rs.n)
		fprintf(ctx->out, "%s: its files are the image's.\n", name);
	tx_ops_release(&rs.ops);
	return r;
}

static int cmd_reset(struct pkg_ctx *ctx, int argc, char **argv)
{
	int i, r = 0;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE,
				       "reset: name at least one package");
	if (ctx->rf.mode == ROOTFS_PLAIN || !ctx->rf.rom)
		return pkg_error_plain(-PKGE_USAGE,
				       "cannot reset: '%s' has no image and "
				       "overlay", ctx->rf.root);
	for (i = 0; i < argc && r == 0; i++)
		r = reset_one(ctx, argv[i]);
	return r;
}

const struct pkg_cmd cmd_reset_desc = {
	"reset", "PACKAGE... [--conffiles] [--dry-run]",
	"return image packages to exactly their image state",
	CMD_WRITE | CMD_DB | CMD_POOL, cmd_reset
};
