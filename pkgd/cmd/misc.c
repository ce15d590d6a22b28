/*
 * update, compare-versions, print-architecture, flag, download, recover,
 * help.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

/* opkg exits with the number of feeds that failed; each failure was
 * reported on its own line. */
static int cmd_update(struct pkg_ctx *ctx, int argc, char **argv)
{
	int n, r = feeds_update(ctx, &n);

	if (r < 0 && !strcmp(ctx->prog, "opkg"))
		return n > 255 ? 255 : n;
	return r;
}

const struct pkg_cmd cmd_update_desc = {
	"update", "", "download and verify the feed lists",
	CMD_OPKG | CMD_WRITE | CMD_NODB, cmd_update
};

/* compare-versions V1 OP V2: exit 0 when the relation holds, else 1.
 * Bare '<' and '>' mean <= and >= as in opkg. */
static int cmd_compare_versions(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct pkg_solver solv;
	int c, r;
	const char *op;

	/* opkg: no argument is a usage error (exit 1), a wrong count a
	 * failure of the command (exit 255) */
	if (argc != 3)
		return pkg_error_plain(argc ? -EINVAL : -PKGE_USAGE,
				       "compare-versions V1 OP V2 "
				       "(OP: << <= = >= >>)");
	/* The solver's order is the one installs use: compare with it. */
	r = solver_init(&solv, NULL, NULL, 0);
	if (r < 0)
		return r;
	c = solver_vercmp(&solv, argv[0], argv[2]);
	solver_release(&solv);
	op = argv[1];
	if (!strcmp(op, "<<") || !strcmp(op, "lt"))
		return c < 0 ? 0 : 1;
	if (!strcmp(op, "<=") || !strcmp(op, "<") || !strcmp(op, "le"))
		return c <= 0 ? 0 : 1;
	if (!strcmp(op, "=") || !strcmp(op, "==") || !strcmp(op, "eq"))
		return c == 0 ? 0 : 1;
	if (!strcmp(op, ">=") || !strcmp(op, ">") || !strcmp(op, "ge"))
		return c >= 0 ? 0 : 1;
	if (!strcmp(op, ">>") || !strcmp(op, "gt"))
		return c > 0 ? 0 : 1;
	return pkg_error_plain(-PKGE_USAGE, "unknown operator '%s'", op);
}

const struct pkg_cmd cmd_compare_versions_desc = {
	"compare-versions", "V1 OP V2", "compare versions (exit 0 if true)",
	CMD_OPKG | CMD_NOROOT, cmd_compare_versions
};

static int cmd_print_architecture(struct pkg_ctx *ctx, int argc, char **argv)
{
	size_t i;

	if (ctx->conf.narchs == 0) {
		/* opkg's defaults when opkg.conf names none */
		conf_add_arch(&ctx->conf, "all", 1);
		conf_add_arch(&ctx->conf, "noarch", 1);
	}
	for (i = 0; i < ctx->conf.narchs; i++)
		fprintf(ctx->out, "arch %s %d\n", ctx->conf.archs[i].name,
			ctx->conf.archs[i].prio);
	return 0;
}

const struct pkg_cmd cmd_print_architecture_desc = {
	"print-architecture", "", "list the accepted architectures",
	CMD_OPKG, cmd_print_architecture
};

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
		r = opkg_files_write(ctx);
	if (r == 0 && missing && strcmp(ctx->prog, "opkg"))
		r = missing;
	return r;
}

const struct pkg_cmd cmd_flag_desc = {
	"flag", "FLAG NAME...",
	"set a flag (hold, noprune, user, ok, installed, unpacked)",
	CMD_OPKG | CMD_WRITE | CMD_DB, cmd_flag
};

static int cmd_download(struct pkg_ctx *ctx, int argc, char **argv)
{
	char cwd[4096];
	int k, r = 0;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "download: name a package");
	if (!getcwd(cwd, sizeof(cwd)))
		return pkg_error(-1, "cannot read the current directory");
	for (k = 0; r == 0 && k < argc; k++) {
		Id p = solver_best_available(&ctx->solv, argv[k]);
		char *out = NULL;
		if (!p) {
			/* opkg: "Cannot find package", then carries on and
			 * succeeds; pkg's own name fails. */
			r = pkg_error_plain(-PKGE_NOTFOUND,
					    "cannot find package '%s'",
					    argv[k]);
			if (!strcmp(ctx->prog, "opkg"))
				r = 0;
			continue;
		}
		r = tx_fetch_pkg(ctx, p, cwd, &out);
		if (r == 0)
			ctx_note(ctx, 1, "Downloaded %s as ./%s.\n", argv[k],
				 strrchr(out, '/') ? strrchr(out, '/') + 1 : out);
		free(out);
	}
	return r;
}

const struct pkg_cmd cmd_download_desc = {
	"download", "NAME...", "download packages into the current directory",
	CMD_OPKG | CMD_DB | CMD_POOL, cmd_download
};

static int cmd_recover(struct pkg_ctx *ctx, int argc, char **argv)
{
	return tx_recover(ctx, 1);
}

const struct pkg_cmd cmd_recover_desc = {
	"recover", "", "finish or undo an interrupted transaction",
	CMD_WRITE | CMD_DB, cmd_recover
};

/* The options a command takes, told by its flags in the table: which
 * group applies to which kind of command (any flag of `any`, none of
 * `not`; 0 = every command with a root). */
static const struct {
	unsigned any, not;
	const char *text;
} cmd_opts[] = {
	{ 0, CMD_NOROOT,
	  "  -f, --conf FILE        configuration file\n"
	  "  -o, --offline-root DIR the root to work on\n"
	  "  -l, --lists-dir DIR    feed lists directory\n"
	  "  -V[N], --verbosity[=N] 0 errors .. 4 debug (default 1)\n" },
	{ CMD_WRITE, CMD_NODB,
	  "  --noaction, --test     show what would be done\n"
	  "  --nodeps, --autoremove, --download-only\n"
	  "  --force-depends|reinstall|overwrite|downgrade|space|\n"
	  "    postinstall|remove|checksum|signature|maintainer|\n"
	  "    removal-of-dependent-packages|"
	  "removal-of-essential-packages\n"
	  "  -d, --dest NAME, --add-dest NAME:PATH\n"
	  "  --add-arch ARCH:PRIO, --add-exclude NAME\n"
	  "  --cache-dir DIR, --volatile-cache, -t, --tmp-dir DIR\n"
	  "  --from-rom, --from-feed  where a restore comes from\n"
	  "  --dump-testcase DIR    write libsolv's testcase\n" },
	{ CMD_NODB, 0,
	  "  --force-signature, --no-check-certificate\n" },
	{ CMD_WRITE, 0,
	  "  --wait[=]SECONDS       wait for the lock\n" },
	{ CMD_LISTING, 0,
	  "  --json                 JSON output\n"
	  "  --size, --strip-abi, --short-description, --fields F,...\n" },
	{ CMD_LISTING | CMD_SCOPE, 0,
	  "  -i, --nocase           case-insensitive globs\n" },
	{ CMD_SCOPE, 0,
	  "  -A, --query-all        all packages, not only installed\n" },
};

static void help_options(FILE *out, const struct pkg_cmd *c)
{
	size_t i;
	int any = 0;

	for (i = 0; i < sizeof(cmd_opts) / sizeof(*cmd_opts); i++) {
		if ((cmd_opts[i].any && !(c->flags & cmd_opts[i].any)) ||
		    c->flags & cmd_opts[i].not)
			continue;
		if (!any++)
			fputs("Options:\n", out);
		fputs(cmd_opts[i].text, out);
	}
}

static int cmd_help(struct pkg_ctx *ctx, int argc, char **argv)
{
	const struct pkg_cmd *c;
	size_t i;

	if (argc > 0) {
		c = cmd_find(argv[0]);
		if (!c)
			return pkg_error_plain(-PKGE_USAGE,
					       "unknown command '%s'", argv[0]);
		fprintf(ctx->out, "usage: %s %s %s\n  %s%s\n", ctx->prog,
			c->name, c->args, c->help,
			c->flags & CMD_OPKG ? "" : " (pkg's own, not in opkg)");
		help_options(ctx->out, c);
		return 0;
	}
	fprintf(ctx->out, "usage: %s [options...] sub-command [arguments...]\n",
		ctx->prog);
	fprintf(ctx->out, "Commands (* = pkg's own, not in opkg):\n");
	for (i = 0; (c = pkg_commands[i]); i++)
		fprintf(ctx->out, "  %c %-22s %s\n",
			c->flags & CMD_OPKG ? ' ' : '*', c->name, c->help);
	fprintf(ctx->out, "Run '%s --help' for the options.\n", ctx->prog);
	return 0;
}

const struct pkg_cmd cmd_help_desc = {
	"help", "[COMMAND]", "list commands, or show one",
	CMD_NOROOT, cmd_help
};
