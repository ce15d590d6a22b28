/*
 * help [COMMAND]: the commands of the table, or one command's usage and
 * the options it takes (told by its flags).
 */

#include "cmd/cmd.h"

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
