/*
 * flag hold|noprune|user|ok|installed|unpacked NAME...: set the state flags
 * of installed packages, as opkg's flag does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* opkg's flag: hold|noprune|user|ok replace the state flags;
 * installed|unpacked set the state. */
static int flag_apply(struct db_pkg *p, const char *flag)
{
	const char *state = NULL;

	if (!strcmp(flag, "hold")) {
		p->hold = 1;
		p->user = p->noprune = 0;
	} else if (!strcmp(flag, "noprune")) {
		p->noprune = 1;
		p->user = p->hold = 0;
	} else if (!strcmp(flag, "user")) {
		p->user = 1;
		p->hold = p->noprune = 0;
		p->auto_installed = 0;
	} else if (!strcmp(flag, "ok")) {
		p->hold = p->noprune = p->user = 0;
	} else if (!strcmp(flag, "installed")) {
		state = "installed";
	} else if (!strcmp(flag, "unpacked")) {
		state = "failed"; /* written to the status file as unpacked */
	} else {
		return pkg_error_plain(-PKGE_USAGE, "unknown flag '%s'", flag);
	}
	if (state) {
		free(p->state);
		p->state = strdup(state);
	}
	return p->state ? 0 : -ENOMEM;
}

/* A package that is not installed is reported and skipped; opkg's flag
 * still succeeds then (pkg's own name fails). */
static int cmd_flag(struct pkg_ctx *ctx, int argc, char **argv)
{
	int k, r = 0, missing = 0;

	if (argc < 2)
		return pkg_error_plain(-PKGE_USAGE,
				       "flag hold|noprune|user|ok|installed|"
				       "unpacked NAME...");
	for (k = 1; r == 0 && k < argc; k++) {
		struct db_pkg p;
		int found = db_pkg_get(ctx->db, argv[k], &p) == 0;
		if (found && !strcmp(p.state, "removed")) {
			db_pkg_release(&p);
			found = 0;
		}
		if (!found) {
			missing = pkg_error_plain(-PKGE_NOTFOUND,
						  "package '%s' is not "
						  "installed", argv[k]);
			continue;
		}
		r = flag_apply(&p, argv[0]);
		if (r == 0 && !ctx->opt.noaction)
			r = db_pkg_put(ctx->db, &p);
		if (r == 0)
			ctx_note(ctx, 1, "Setting flags for package %s to %s.\n",
				 p.name, argv[0]);
		db_pkg_release(&p);
	}
	if (r == 0 && !ctx->opt.noaction)
		r = opkg_files_write(ctx, NULL);
	if (r == 0 && missing && strcmp(ctx->prog, "opkg"))
		r = missing;
	return r;
}

const struct pkg_cmd cmd_flag_desc = {
	"flag", "FLAG NAME...",
	"set a flag (hold, noprune, user, ok, installed, unpacked)",
	CMD_OPKG | CMD_WRITE | CMD_DB | CMD_NAMES1, cmd_flag
};
