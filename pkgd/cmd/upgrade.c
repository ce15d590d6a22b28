/*
 * upgrade [NAME|GLOB|VIRTUAL...]: upgrade packages, every one when none
 * is named. As opkg: a virtual name upgrades the installed package that
 * provides it, a name nothing installed answers to is installed; a glob
 * (Yocto's) upgrades each installed package it matches. A held package
 * is kept, with opkg's "Not upgrading package ... marked hold" note.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* Queue the upgrade of the installed package name (once: *done lists
 * the names queued). */
static int upgrade_name(struct pkg_ctx *ctx, const char *name, char ***done,
			size_t *ndone)
{
	size_t k, n = *ndone;
	int r;

	for (k = 0; k < n; k++)
		if (!strcmp((*done)[k], name))
			return 0;
	if ((r = strv_add_unique(done, ndone, name)) < 0)
		return r;
	if (apply_held(ctx, name))
		return 0;
	return solver_job(&ctx->solv, SJ_UPGRADE, name, 0);
}

/* The installed packages matching a glob, or providing a name. */
static void installed_matches(struct pkg_ctx *ctx, const char *arg, Queue *q)
{
	Queue all;
	int i;

	queue_init(&all);
	if (arg_has_glob(arg) || ctx->opt.nocase)
		pkg_glob_ids(ctx, arg, &all);
	else
		solver_whatprovides(&ctx->solv, arg, &all);
	for (i = 0; i < all.count; i++)
		if (solver_is_installed(&ctx->solv, all.elements[i]))
			queue_push(q, all.elements[i]);
	queue_free(&all);
}

static int upgrade_arg(struct pkg_ctx *ctx, const char *arg, char ***done,
		       size_t *ndone)
{
	Queue q;
	int i, r = 0;

	queue_init(&q);
	installed_matches(ctx, arg, &q);
	for (i = 0; r == 0 && i < q.count; i++)
		r = upgrade_name(ctx, solver_name(&ctx->solv, q.elements[i]),
				 done, ndone);
	/* opkg installs what is named and not installed; a glob matching
	 * no installed package has nothing to do */
	if (r == 0 && !q.count && !arg_has_glob(arg))
		r = solver_job(&ctx->solv, SJ_INSTALL, arg, 0);
	queue_free(&q);
	return r;
}

static int cmd_upgrade(struct pkg_ctx *ctx, int argc, char **argv)
{
	char **done = NULL;
	size_t ndone = 0, i;
	int r = 0, k;

	if (argc == 0)
		r = solver_job(&ctx->solv, SJ_UPGRADE_ALL, NULL, 0);
	for (k = 0; r == 0 && k < argc; k++)
		r = upgrade_arg(ctx, argv[k], &done, &ndone);
	if (r == 0)
		r = apply_jobs(ctx, 0, NULL, 0, NULL, NULL, 0);
	for (i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
	return r;
}

const struct pkg_cmd cmd_upgrade_desc = {
	"upgrade", "[NAME|GLOB...]", "upgrade packages (all when none named)",
	CMD_OPKG | CMD_WRITE | CMD_POOL | CMD_DB | CMD_NAMES | CMD_FILES |
		CMD_PLAN, cmd_upgrade
};
