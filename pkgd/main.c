/*
 * pkg's driver: parse opkg's command line (also when called as `opkg`),
 * prepare what the command's table row asks for (database, lock, pool),
 * recover an unfinished transaction first, run the command, map the
 * result to an exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

enum {
	O_FORCE_BASE = 1000,
	O_NOACTION = 1100, O_NODEPS, O_JSON, O_AUTOREMOVE, O_SIZE, O_SHORTDESC,
	O_ADD_ARCH, O_ADD_DEST, O_ADD_EXCLUDE, O_NORECOMMENDS, O_INSECURE,
	O_WAIT, O_FROM_ROM, O_FROM_FEED, O_CONFFILES, O_DRYRUN, O_FIELDS,
	O_TESTCASE, O_DOWNLOAD_ONLY, O_VERSION, O_CACHE, O_RECURSIVE,
	O_IGNORED, O_IGNORED_ARG, O_HELP, O_STRIP_ABI, O_HOST_CACHE,
	O_VOLATILE_CACHE, O_VERIFY_PROGRAM, O_IGNORE_REC, O_PREFER_ARCH
};

static const struct { const char *name; unsigned flag; } force_opts[] = {
	{ "depends", FORCE_DEPENDS }, { "reinstall", FORCE_REINSTALL },
	{ "overwrite", FORCE_OVERWRITE }, { "downgrade", FORCE_DOWNGRADE },
	{ "space", FORCE_SPACE }, { "postinstall", FORCE_POSTINSTALL },
	{ "remove", FORCE_REMOVE }, { "checksum", FORCE_CHECKSUM },
	{ "signature", FORCE_SIGNATURE },
	{ "removal-of-dependent-packages", FORCE_REMOVE_DEPENDENT },
	{ "removal-of-essential-packages", FORCE_REMOVE_ESSENTIAL },
	{ "maintainer", FORCE_MAINTAINER }, { "defaults", 0 },
	{ "special-files", FORCE_SPECIAL_FILES },
};
#define NFORCE (sizeof(force_opts) / sizeof(force_opts[0]))

static const struct option base_opts[] = {
	{ "conf", 1, 0, 'f' }, { "conf-file", 1, 0, 'f' },
	{ "offline-root", 1, 0, 'o' }, { "offline", 1, 0, 'o' },
	{ "root", 1, 0, 'o' }, { "dest", 1, 0, 'd' },
	{ "tmp-dir", 1, 0, 't' }, { "tmp_dir", 1, 0, 't' },
	{ "lists-dir", 1, 0, 'l' }, { "lists_dir", 1, 0, 'l' },
	{ "query-all", 0, 0, 'A' },
	{ "nocase", 0, 0, 'i' }, { "verbosity", 2, 0, 'V' },
	{ "noaction", 0, 0, O_NOACTION }, { "test", 0, 0, O_NOACTION },
	{ "nodeps", 0, 0, O_NODEPS }, { "json", 0, 0, O_JSON },
	{ "autoremove", 0, 0, O_AUTOREMOVE }, { "size", 0, 0, O_SIZE },
	{ "short-description", 0, 0, O_SHORTDESC },
	{ "add-arch", 1, 0, O_ADD_ARCH }, { "add-dest", 1, 0, O_ADD_DEST },
	{ "add-exclude", 1, 0, O_ADD_EXCLUDE },
	{ "add-ignore-recommends", 1, 0, O_IGNORE_REC },
	{ "no-install-recommends", 0, 0, O_NORECOMMENDS },
	{ "no-check-certificate", 0, 0, O_INSECURE },
	{ "wait", 2, 0, O_WAIT }, { "from-rom", 0, 0, O_FROM_ROM },
	{ "from-feed", 0, 0, O_FROM_FEED }, { "conffiles", 0, 0, O_CONFFILES },
	{ "dry-run", 0, 0, O_DRYRUN }, { "fields", 1, 0, O_FIELDS },
	{ "dump-testcase", 1, 0, O_TESTCASE },
	{ "download-only", 0, 0, O_DOWNLOAD_ONLY },
	{ "version", 0, 0, O_VERSION }, { "cache", 1, 0, O_CACHE },
	{ "cache-dir", 1, 0, O_CACHE },
	{ "host-cache-dir", 0, 0, O_HOST_CACHE },
	{ "volatile-cache", 0, 0, O_VOLATILE_CACHE },
	/* No effect needed: pkg's solver already does what these ask
	 * (see README, opkg compatibility). */
	{ "ignore-maintainer", 0, 0, O_IGNORED },
	{ "prefer-arch-to-version", 0, 0, O_PREFER_ARCH },
	{ "combine", 0, 0, O_IGNORED },
	{ "strip-abi", 0, 0, O_STRIP_ABI },
	{ "verify-program", 1, 0, O_VERIFY_PROGRAM },
	{ "recursive", 0, 0, O_RECURSIVE }, { "help", 0, 0, O_HELP },
};
#define NBASE (sizeof(base_opts) / sizeof(base_opts[0]))

/* The option table: the base options plus --force-X and --force_X. */
static struct option *build_opts(char names[][64])
{
	struct option *o = calloc(NBASE + 2 * NFORCE + 1, sizeof(*o));
	size_t i, n = 0;

	if (!o)
		return NULL;
	for (i = 0; i < NBASE; i++)
		o[n++] = base_opts[i];
	for (i = 0; i < NFORCE; i++) {
		size_t k;
		snprintf(names[2 * i], 64, "force-%s", force_opts[i].name);
		snprintf(names[2 * i + 1], 64, "force_%s", force_opts[i].name);
		for (k = 0; names[2 * i + 1][k]; k++)
			if (names[2 * i + 1][k] == '-')
				names[2 * i + 1][k] = '_';
		o[n++] = (struct option){ names[2 * i], 0, 0,
					  (int)(O_FORCE_BASE + i) };
		o[n++] = (struct option){ names[2 * i + 1], 0, 0,
					  (int)(O_FORCE_BASE + i) };
	}
	return o;
}

static int push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	*v = p;
	p[(*n)++] = (char *)s;
	return 0;
}

static int opt_one(struct pkg_opts *o, int c, const char *arg)
{
	if (c >= O_FORCE_BASE && c < O_FORCE_BASE + (int)NFORCE) {
		o->force |= force_opts[c - O_FORCE_BASE].flag;
		return 0;
	}
	switch (c) {
	case 'f': o->conf_file = arg; break;
	case 'o': o->root = arg; break;
	case 'd': o->dest = arg; break;
	case 't': o->tmp_dir = arg; break;
	case 'l': o->lists_dir = arg; break;
	case 'i': o->nocase = 1; break;
	case 'A': o->all = 1; break;
	case 'V': o->verbosity = arg ? atoi(arg) : 2; break;
	case O_NOACTION: o->noaction = 1; break;
	case O_NODEPS: o->nodeps = 1; break;
	case O_JSON: o->json = 1; break;
	case O_AUTOREMOVE: o->autoremove = 1; break;
	case O_SIZE: o->size = 1; break;
	case O_SHORTDESC: o->short_desc = 1; break;
	case O_ADD_ARCH: return push(&o->add_archs, &o->nadd_archs, arg);
	case O_ADD_DEST: return push(&o->add_dests, &o->nadd_dests, arg);
	case O_ADD_EXCLUDE: return push(&o->add_excludes, &o->nadd_excludes, arg);
	case O_NORECOMMENDS: o->no_recommends = 1; break;
	case O_PREFER_ARCH: o->prefer_arch = 1; break;
	case O_INSECURE: o->insecure = 1; break;
	case O_WAIT: o->wait_s = arg ? atoi(arg) : -1; break;
	case O_FROM_ROM: o->from_rom = 1; break;
	case O_FROM_FEED: o->from_feed = 1; break;
	case O_CONFFILES: o->conffiles = 1; break;
	case O_DRYRUN: o->dry_run = 1; break;
	case O_FIELDS: o->fields = (char *)arg; break;
	case O_TESTCASE: o->testcase_dir = arg; break;
	case O_DOWNLOAD_ONLY: o->download_only = 1; break;
	case O_CACHE: o->cache_dir = arg; break;
	case O_RECURSIVE:
		o->recursive = 1;
		o->force |= FORCE_REMOVE_DEPENDENT;
		break;
	case O_STRIP_ABI: o->strip_abi = 1; break;
	case O_HOST_CACHE: o->host_cache = 1; break;
	case O_VOLATILE_CACHE: o->volatile_cache = 1; break;
	case O_VERIFY_PROGRAM: o->verify_program = arg; break;
	case O_IGNORE_REC: return push(&o->ignore_recs, &o->nignore_recs, arg);
	case O_IGNORED: case O_IGNORED_ARG: break;
	default: return -PKGE_USAGE;
	}
	return 0;
}

/* Parse options anywhere on the line (GNU permutation); single-dash long
 * options as OpenWrt's opkg takes them. argv is left holding the command
 * and its arguments from index *first. */
static int parse_opts(struct pkg_opts *o, int argc, char **argv, int *first,
		      const char *optstring, const char *prog)
{
	char names[2 * NFORCE][64];
	struct option *lo = build_opts(names);
	int c, r = 0;

	if (!lo)
		return -ENOMEM;
	opterr = 0;
	while (r == 0 &&
	       (c = getopt_long_only(argc, argv, optstring, lo,
				     NULL)) != -1) {
		if (c == '?' || c == ':') {
			r = pkg_error_plain(-PKGE_USAGE, "unknown option '%s'",
					    argv[optind - 1]);
			break;
		}
		if (c == O_WAIT && !optarg && optind < argc &&
		    argv[optind][0] &&
		    strspn(argv[optind], "0123456789") ==
			    strlen(argv[optind]))
			optarg = argv[optind++]; /* --wait N, as -V N is not */
		if (c == O_VERSION || c == 'v') {
			/* opkg -v: "opkg version %s", kept as opkg; as pkg
			 * the crypto backend of this build too */
			if (!strcmp(prog, "opkg"))
				printf("opkg version %s (pkg, opkg "
				       "compatible)\n", PKG_VERSION);
			else
				printf("%s version %s (opkg compatible, "
				       "crypto: %s)\n", prog, PKG_VERSION,
				       crypto_backend_name());
			r = 1;
			break;
		}
		if (c == O_HELP) {
			r = 2;
			break;
		}
		r = opt_one(o, c, optarg);
	}
	free(lo);
	*first = optind;
	return r;
}

static int usage(const char *prog, FILE *f)
{
	const struct pkg_cmd *c;
	size_t i;

	fprintf(f, "usage: %s [options...] sub-command [arguments...]\n\n"
		   "Commands (* = pkg's own, not in opkg):\n", prog);
	for (i = 0; (c = pkg_commands[i]); i++)
		fprintf(f, "  %c %-24s %s\n", c->flags & CMD_OPKG ? ' ' : '*',
			c->name, c->help);
	fprintf(f, "\nOptions (opkg's; single-dash long forms work too):\n"
		   "  -f, --conf, --conf-file FILE  configuration file\n"
		   "  -o, --offline-root, --offline DIR  the root to work on\n"
		   "  -d, --dest NAME        install into the dest NAME\n"
		   "  --add-dest NAME:PATH   add a dest\n"
		   "  -l, --lists-dir DIR    feed lists directory\n"
		   "  -t, --tmp-dir DIR      downloads directory\n"
		   "  -V[N], --verbosity[=N] 0 errors .. 4 debug (default 1)\n"
		   "  -A, --query-all        all packages, not only installed\n"
		   "  -i, --nocase           case-insensitive globs\n"
		   "  -v, --version          print the version\n"
		   "  --noaction, --test     show what would be done\n"
		   "  --download-only        only download\n"
		   "  --nodeps               do not follow dependencies\n"
		   "  --autoremove           remove unneeded dependencies\n"
		   "  --force-depends|reinstall|overwrite|downgrade|space|\n"
		   "    postinstall|remove|checksum|signature|maintainer|\n"
		   "    removal-of-dependent-packages|"
		   "removal-of-essential-packages\n"
		   "  --recursive            = --force-removal-of-dependent-"
		   "packages\n"
		   "  --add-arch ARCH:PRIO   accept an architecture\n"
		   "  --add-exclude NAME     never install NAME\n"
		   "  --add-ignore-recommends NAME, --no-install-recommends\n"
		   "  --cache, --cache-dir DIR  keep and reuse downloads\n"
		   "  --host-cache-dir, --volatile-cache\n"
		   "  --size, --strip-abi, --short-description,\n"
		   "  --fields F,...         what listings show\n"
		   "  --no-check-certificate, --verify-program P,\n"
		   "  --prefer-arch-to-version, --combine,\n"
		   "  --ignore-maintainer\n"
		   "pkg's own:\n"
		   "  --json                 JSON output for listings\n"
		   "  --wait[=]SECONDS       wait for the lock\n"
		   "  --from-rom, --from-feed  where a restore comes from\n"
		   "  --dump-testcase DIR    write libsolv's testcase\n"
		   "  --help\n");
	return 0;
}

static int setup_root(struct pkg_ctx *ctx)
{
	char real[PATH_MAX];
	const char *root = ctx->opt.root;
	int r;

	if (root) {
		if (!realpath(root, real))
			return pkg_error(-errno, "cannot use root '%s'", root);
		ctx->offline = 1;
	} else {
		snprintf(real, sizeof(real), "/");
	}
	ctx->root = strdup(strcmp(real, "/") ? real : "");
	r = rootfs_open(&ctx->rf, real, NULL);
	if (r < 0)
		return r;
	r = conf_load(&ctx->conf, ctx, ctx->opt.conf_file);
	if (r < 0)
		return r;
	if (strcmp(ctx->conf.overlay_root, "/overlay")) {
		rootfs_release(&ctx->rf);
		r = rootfs_open(&ctx->rf, real, ctx->conf.overlay_root);
	}
	/* The main root's, also when -d makes a dest the root. */
	if (r == 0)
		feed_cache_open(ctx);
	return r;
}

/* What -d DEST leaves for main() to free: the text of the main root's
 * opkg status file. */
struct dest_state {
	char *status;
	size_t status_len;
};

/* -d NAME: the dest must be known (opkg: "Unknown dest name"). A dest
 * whose path is not "/" becomes the root pkg installs into: it has its
 * own status file, info directory and database under its path, as each
 * opkg dest has; the feed lists stay the main root's. */
static int setup_dest(struct pkg_ctx *ctx, struct dest_state *ds)
{
	const struct conf_dest *d = NULL;
	char *res = NULL, *top = NULL;
	size_t i;
	int r;

	for (i = 0; ctx->opt.dest && i < ctx->conf.ndests; i++)
		if (!strcmp(ctx->conf.dests[i].name, ctx->opt.dest))
			d = &ctx->conf.dests[i];
	if (!ctx->opt.dest)
		return 0;
	if (!d)
		return pkg_error_plain(-PKGE_NOTFOUND, "unknown dest name '%s'",
				       ctx->opt.dest);
	if (!d->path[strspn(d->path, "/")])
		return 0;
	/* the main root's lists directory, opened before the dest becomes
	 * the root */
	if ((r = feed_lists_fd(ctx, 1)) < 0)
		return r;
	ctx_read_file(ctx, ctx->conf.status_file, 64 << 20, &ds->status,
		      &ds->status_len);
	/* the dest inside the root, never through a link out of it */
	r = ctx_resolve(ctx, d->path, &res);
	if (r == 0 && (r = tree_mkdir_p(&ctx->rf, TREE_WRITE, res, 0755)) == 0)
		top = tree_checked_path(&ctx->rf, TREE_WRITE, res, &r);
	if (r < 0 || !top) {
		r = pkg_error(r < 0 ? r : -ENOMEM,
			      "cannot use dest '%s' at '/%s'", d->name,
			      res ? res : d->path);
		free(res);
		return r;
	}
	free(res);
	rootfs_release(&ctx->rf);
	free(ctx->root);
	ctx->root = top;
	return rootfs_open(&ctx->rf, top, NULL);
}

static int dest_stanza(const struct ctl_stanza *st, void *ud)
{
	struct pkg_ctx *ctx = ud;
	const char *status = ctl_get(st, "Status");

	if (status && strstr(status, " installed"))
		solver_add_stanza(&ctx->solv, ctx->solv.installed, st, 0);
	return 0;
}

/* Packages of the main root satisfy dependencies of a dest's packages,
 * as opkg reads every dest's status file. */
static void dest_load_main(struct pkg_ctx *ctx, const struct dest_state *ds)
{
	if (!ds->status || !ctx->solv_ready)
		return;
	ctl_parse(ds->status, ds->status_len, 0, dest_stanza, ctx);
	solver_prepare(&ctx->solv);
}

/* --add-arch NAME:PRIO, after the files' arch lines. 0 or reported. */
static int setup_archs(struct pkg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->opt.nadd_archs; i++) {
		char name[128], *colon;
		int n = snprintf(name, sizeof(name), "%s",
				 ctx->opt.add_archs[i]);
		colon = strchr(name, ':');
		if (colon)
			*colon++ = 0;
		if (n < 0 || (size_t)n >= sizeof(name) || !ctl_name_ok(name))
			return pkg_error_plain(-PKGE_USAGE,
					       "--add-arch '%.64s': invalid "
					       "architecture (letters, digits, "
					       "'+-._')",
					       ctx->opt.add_archs[i]);
		if (conf_add_arch(&ctx->conf, name, colon ? atoi(colon) : 1) < 0)
			return pkg_error(-ENOMEM, "cannot add architecture");
	}
	return 0;
}

/* A crash while staging leaves ROOT/usr/lib/pkg/staging, no journal. */
static int tx_staging_left(struct pkg_ctx *ctx)
{
	struct stat st;
	char *p = NULL;
	int r = rootfs_resolve(&ctx->rf, NULL, PKG_STAGING_DIR, 0, &p) == 0 &&
		tree_lstat(&ctx->rf, TREE_WRITE, p, &st) == 0;

	free(p);
	return r;
}

/* Does another process hold the lock (a live transaction)? */
static int tx_lock_busy(struct pkg_ctx *ctx)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *p = NULL;
	int fd = rootfs_resolve(&ctx->rf, NULL, PKG_LOCK_FILE, 0, &p) == 0
			 ? tree_open(&ctx->rf, TREE_WRITE, p, O_RDONLY, 0)
			 : -1,
	    busy = 0;

	if (fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0)
		busy = fl.l_type != F_UNLCK;
	if (fd >= 0)
		close(fd);
	free(p);
	return busy;
}

/* The database the command reads or writes, any unfinished transaction
 * finished or undone first, the image's tables in line. */
static int open_db(struct pkg_ctx *ctx, const struct pkg_cmd *cmd)
{
	char *state = NULL;
	int r;

	/* Written only under the lock: --noaction reads as a query does. */
	r = session_open_db(ctx, ctx->lock_fd >= 0);
	if (r < 0)
		return r;
	if ((r = db_meta_get(ctx->db, META_TX_STATE, &state)) < 0)
		return r;
	if (!state && tx_staging_left(ctx))
		state = strdup("staging");
	if (state && ctx->lock_fd < 0 && tx_lock_busy(ctx)) {
		/* Another pkg is in its transaction, not crashed: a
		 * read-only command reads what is committed. */
		free(state);
		state = NULL;
	}
	if (state) {
		/* An unfinished transaction: finish or undo it before
		 * anything else, whatever the command. */
		free(state);
		if ((r = session_write_access(ctx)) < 0)
			return r;
		if (strcmp(cmd->name, "recover") && (r = tx_recover(ctx, 0)) < 0)
			return r;
	}
	return session_sync_image(ctx);
}

/* What the command needs before it runs. */
static int prepare(struct pkg_ctx *ctx, const struct pkg_cmd *cmd,
		   struct dest_state *ds)
{
	int r;

	if (cmd->flags & CMD_NOROOT)
		return 0;
	r = setup_root(ctx);
	if (r == 0)
		r = setup_dest(ctx, ds);
	if (r == 0)
		r = setup_archs(ctx);
	if (r < 0)
		return r;
	if (!(cmd->flags & (CMD_DB | CMD_WRITE | CMD_POOL)))
		return 0;
	if (cmd->flags & CMD_WRITE && !ctx->opt.noaction) {
		r = ctx_lock(ctx);
		if (r < 0)
			return r;
		ctx_clean_stale_tmp(ctx);
	}
	if (cmd->flags & CMD_NODB)
		return 0; /* SQLite costs 1.2 MB of RSS update does not need */
	/* A query without a database on the root imports into RAM only
	 * what it reads (status --conffiles reads the files). */
	if (cmd->flags & CMD_DB_STATUS &&
	    !(cmd->flags & CMD_FIELDS &&
	      (ctx->opt.strip_abi || ctx->opt.size || ctx->opt.conffiles ||
	       ctx->opt.json)))
		ctx->db_import = OPKG_IMPORT_STATUS; /* no control field shown */
	else if ((cmd->flags & CMD_DB_PKGS && cmd->flags & CMD_POOL) ||
		 (cmd->flags & CMD_PLAN && ctx->opt.noaction))
		/* the pool's installed packages from the status file alone,
		 * which holds every field the solver reads (opkg reads no
		 * more for them); info/<pkg>.control, read for each, and
		 * stat of each conffile were 2 to 3 ms of `depends -A` */
		ctx->db_import = OPKG_IMPORT_STATUS;
	else if (cmd->flags & CMD_DB_PKGS && !ctx->opt.conffiles)
		ctx->db_import = OPKG_IMPORT_PKGS;
	if (cmd->flags & CMD_STATUS_READ &&
	    ctx->db_import == OPKG_IMPORT_STATUS) {
		r = session_has_db(ctx);
		if (r < 0)
			return r;
		/* opkg's files as the database's last writer left them: read
		 * them, as on a root without one (not for the pool: the
		 * database adds the image's packages to it) */
		if (r && !(cmd->flags & CMD_POOL) && opkg_synced(ctx))
			r = 0;
		/* a transaction left staged needs the database path */
		if (!r && !tx_staging_left(ctx)) {
			if (!(cmd->flags & CMD_POOL))
				return 0; /* ctx->db stays NULL */
			ctx->pool_from_status = 1;
		}
	}
	if (!ctx->pool_from_status && (r = open_db(ctx, cmd)) < 0)
		return r;
	ctx->pool_installed_only = cmd->flags & CMD_SCOPE && !ctx->opt.all;
	if (cmd->flags & CMD_POOL)
		r = session_load_pool(ctx);
	if (r == 0)
		dest_load_main(ctx, ds);
	return r;
}

static int exit_code(const struct pkg_ctx *ctx, int r)
{
	if (r >= 0)
		return r;
	if (r == -PKGE_USAGE)
		return 1;
	return strcmp(ctx->prog, "opkg") ? 1 : 255;
}

/* Leave before the command ran: what the option pass allocated goes. */
static int early_exit(struct pkg_ctx *ctx, int code)
{
	ctx_release(ctx);
	return code;
}

int main(int argc, char **argv)
{
	struct pkg_ctx ctx;
	struct dest_state ds = { NULL, 0 };
	const struct pkg_cmd *cmd;
	const char *base = strrchr(argv[0], '/');
	int first = 1, r;

	/* Big buffers (a feed list, a decompressed index) go back to the
	 * system when freed instead of staying in the heap: a router has
	 * little RAM, and update's peak drops by ~2 MB. glibc only: musl
	 * (OpenWrt's libc) has no mallopt, and its malloc maps big blocks
	 * and unmaps them when freed anyway. */
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, 64 << 10);
#endif
	memset(&ctx, 0, sizeof(ctx));
	ctx.lock_fd = ctx.opkg_lock_fd = ctx.tmp_fd = -1;
	ctx.lists_fd = ctx.cache_fd = ctx.cache_parent_fd = -1;
	ctx.out = stdout;
	ctx.prog = base ? base + 1 : argv[0];
	if (strncmp(ctx.prog, "opkg", 4) == 0)
		ctx.prog = "opkg";
	else
		ctx.prog = "pkg";
	pkg_error_set_prog(ctx.prog);
	ctx.tty = isatty(2);
	ctx.opt.verbosity = 1;
	/* First pass: options before the command ('+': stop there). */
	r = parse_opts(&ctx.opt, argc, argv, &first, "+f:o:d:t:l:iAvV::",
		       ctx.prog);
	if (r == 1)
		return early_exit(&ctx, 0);
	if (r == 2 || (r == 0 && first >= argc)) {
		usage(ctx.prog, r == 2 ? stdout : stderr);
		return early_exit(&ctx, r == 2 ? 0 : 1);
	}
	if (r < 0)
		return early_exit(&ctx, 1);
	cmd = cmd_find(argv[first]);
	if (!cmd) {
		pkg_error_plain(-PKGE_USAGE, "unknown command '%s' (see '%s help')",
				argv[first], ctx.prog);
		return early_exit(&ctx, 1);
	}
	/* Second pass over the command's words: options may follow the
	 * command (opkg accepts both); getopt permutes them to the front. */
	{
		char **sub = argv + first;
		int nsub = argc - first, at;

		optind = 0;
		if (cmd->flags & CMD_OWNOPTS) { /* it parses its own words */
			at = 1;
			r = 0;
		} else {
			r = parse_opts(&ctx.opt, nsub, sub, &at,
				       "f:o:d:t:l:iAvV::", ctx.prog);
		}
		if (r == 1 || r == 2)
			return early_exit(&ctx, 0);
		if (r < 0)
			return early_exit(&ctx, 1);
		r = cmd_check_names(cmd, nsub - at, sub + at);
		if (r == 0)
			r = prepare(&ctx, cmd, &ds);
		if (r == 0)
			r = cmd->run(&ctx, nsub - at, sub + at);
		if (r == 0)
			opkg_synced_mark(&ctx);
	}
	session_release(&ctx);
	free(ds.status);
	fetch_global_cleanup();
	fflush(stdout);
	return exit_code(&ctx, r);
}
