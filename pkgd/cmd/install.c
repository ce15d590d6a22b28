/*
 * install NAME... | FILE.ipk... | URL...
 * Names may be globs, `name=version` or `name<=version` (<<, >=, >>);
 * virtual names resolve through Provides.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

struct local_pkgs {
	Id *ids;
	char **paths;
	size_t n;
};

static int local_add(struct pkg_ctx *ctx, struct local_pkgs *lp,
		     const char *path)
{
	struct ipk *ipk = NULL;
	Id p, *ids;
	char **paths, *copy;
	int r = ipk_open(&ipk, path);

	if (r < 0)
		return r;
	p = solver_add_local(&ctx->solv, ipk_control(ipk));
	ipk_free(ipk);
	if (!p)
		return pkg_error_plain(-PKGE_FORMAT, "'%s' has no usable control",
				       path);
	if (!(ids = realloc(lp->ids, (lp->n + 1) * sizeof(*ids))))
		return pkg_error(-ENOMEM, "cannot add '%s'", path);
	lp->ids = ids;
	if (!(paths = realloc(lp->paths, (lp->n + 1) * sizeof(*paths))) ||
	    !(copy = strdup(path))) {
		if (paths)
			lp->paths = paths;
		return pkg_error(-ENOMEM, "cannot add '%s'", path);
	}
	lp->paths = paths;
	ids[lp->n] = p;
	paths[lp->n++] = copy;
	return 0;
}

static int url_fetch(struct pkg_ctx *ctx, struct local_pkgs *lp,
		     const char *url, char **out)
{
	const char *base = strrchr(url, '/');
	struct fetch_opts fo = { .progress = ctx->tty, .insecure =
				 ctx->opt.insecure };
	const char *dir = ctx_tmpdir(ctx, NULL);
	char *dest = NULL;
	int r;

	(void)lp;
	if (!dir)
		return -EIO; /* reported */
	if (asprintf(&dest, "%s/%s", dir, base ? base + 1 : "pkg.ipk") < 0)
		return -ENOMEM;
	ctx_note(ctx, 1, "Downloading %s\n", url);
	r = fetch_url(url, dest, &fo, 0);
	if (r < 0) {
		free(dest);
		return r;
	}
	*out = dest;
	return 0;
}


/* --force-reinstall: an installed package named plainly is installed
 * again from its feed (libsolv plans it as a reinstall: every file is
 * written anew). 1 when queued that way, 0 when not applicable. */
static int reinstall_job(struct pkg_ctx *ctx, const char *name, int *r)
{
	Id best;

	if (!(ctx->opt.force & FORCE_REINSTALL) ||
	    !db_pkg_installed(ctx->db, name))
		return 0;
	best = solver_best_available(&ctx->solv, name);
	if (!best)
		return 0;
	*r = solver_job(&ctx->solv, SJ_INSTALL_ID, NULL, best);
	return 1;
}

/* --from-rom: a plain name means the image's version of it (a restore,
 * even when that is a downgrade). 1 when queued that way. */
static int from_rom_job(struct pkg_ctx *ctx, const char *name, int *r)
{
	char *v, *spec = NULL;

	if (!ctx->opt.from_rom)
		return 0;
	if (!(v = rom_pkg_version(ctx, name))) {
		ctx_note(ctx, 1, "%s is not in the image; installing it from "
				 "the feeds.\n", name);
		return 0;
	}
	if (asprintf(&spec, "%s=%s", name, v) < 0)
		*r = -ENOMEM;
	else
		*r = solver_job(&ctx->solv, SJ_INSTALL, spec, 0);
	ctx->opt.force |= FORCE_DOWNGRADE;
	free(spec);
	free(v);
	return 1;
}

/* A held package stays (Yocto's opkg; OpenWrt's upgrades it): an
 * archive of another version of it is not installed, with opkg's note. */
static int held_other(struct pkg_ctx *ctx, Id p)
{
	const char *name = solver_name(&ctx->solv, p);
	struct db_pkg old;
	int other;

	if (db_pkg_get(ctx->db, name, &old) < 0)
		return 0;
	other = strcmp(old.version, solver_evr(&ctx->solv, p)) != 0;
	db_pkg_release(&old);
	return other && apply_held(ctx, name);
}

/* Installing a held package by name: nothing to do when it is installed
 * (it is not upgraded); opkg's note when a newer one is there. */
static int held_name(struct pkg_ctx *ctx, const char *name)
{
	Id best = solver_best_available(&ctx->solv, name);

	return best && held_other(ctx, best);
}

static int install_name(struct pkg_ctx *ctx, const char *spec)
{
	int r = 0;

	if (held_name(ctx, spec))
		return 0;
	if (reinstall_job(ctx, spec, &r) || from_rom_job(ctx, spec, &r))
		return r;
	return solver_job(&ctx->solv, SJ_INSTALL, spec, 0);
}

/* Queue install jobs for every available name matching the glob. */
static int glob_jobs(struct pkg_ctx *ctx, const char *glob, char ***names,
		     size_t *nnames)
{
	Queue q;
	int i, r = 0, found = 0;

	queue_init(&q);
	pkg_glob_ids(ctx, glob, &q);
	for (i = 0; r == 0 && i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		size_t had = *nnames;
		if (strv_add_unique(names, nnames, n) < 0)
			r = pkg_error(-ENOMEM, "cannot queue '%s'", n);
		if (r < 0 || *nnames == had)
			continue; /* a name queued already */
		r = install_name(ctx, n);
		found = 1;
	}
	queue_free(&q);
	if (r == 0 && !found)
		r = pkg_error_plain(-PKGE_NOTFOUND, "unknown package '%s'",
				    glob);
	return r;
}

static void spec_name(const char *spec, char *out, size_t cap)
{
	size_t n = strcspn(spec, "<>=");

	if (n >= cap)
		n = cap - 1;
	memcpy(out, spec, n);
	out[n] = 0;
}

static int queue_arg(struct pkg_ctx *ctx, struct local_pkgs *lp,
		     const char *arg, char ***names, size_t *nn)
{
	char name[256];
	int r;

	if (arg_is_url(arg)) {
		char *path = NULL;
		r = url_fetch(ctx, lp, arg, &path);
		if (r == 0)
			r = local_add(ctx, lp, path);
		free(path);
		return r == 0 ? solver_job(&ctx->solv, SJ_INSTALL_ID, NULL,
					   lp->ids[lp->n - 1])
			      : r;
	}
	if (arg_is_ipk(arg)) {
		r = local_add(ctx, lp, arg);
		if (r == 0 && held_other(ctx, lp->ids[lp->n - 1]))
			return 0;
		return r == 0 ? solver_job(&ctx->solv, SJ_INSTALL_ID, NULL,
					   lp->ids[lp->n - 1])
			      : r;
	}
	if (arg_has_glob(arg))
		return glob_jobs(ctx, arg, names, nn);
	spec_name(arg, name, sizeof(name));
	if (strv_add_unique(names, nn, name) < 0)
		return pkg_error(-ENOMEM, "cannot queue '%s'", arg);
	return install_name(ctx, arg);
}

/* Packages asked for that are already installed at the wanted version:
 * opkg says so. */
static void say_up_to_date(struct pkg_ctx *ctx, char **names, size_t n)
{
	size_t i;

	if (ctx->opt.force & FORCE_REINSTALL)
		return;
	for (i = 0; i < n; i++) {
		struct db_pkg p;
		Id best;
		if (db_pkg_get(ctx->db, names[i], &p) < 0)
			continue;
		best = solver_best_available(&ctx->solv, p.name);
		if (!strcmp(p.state, "installed") &&
		    (!best || solver_vercmp(&ctx->solv,
					    solver_evr(&ctx->solv, best),
					    p.version) <= 0))
			ctx_note(ctx, 1,
				 "Package %s (%s) installed in %s is up to "
				 "date.\n",
				 p.name, p.version,
				 ctx->opt.dest ? ctx->opt.dest : "root");
		db_pkg_release(&p);
	}
}

static int cmd_install(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct local_pkgs lp = { 0 };
	char **names = NULL;
	size_t nn = 0, i;
	int r = 0, k;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE,
				       "install: name a package, .ipk or URL");
	for (k = 0; r == 0 && k < argc; k++)
		r = queue_arg(ctx, &lp, argv[k], &names, &nn);
	if (r == 0 && lp.n)
		solver_prepare(&ctx->solv);
	for (i = 0; r == 0 && i < lp.n; i++)
		if (strv_add_unique(&names, &nn,
				    solver_name(&ctx->solv, lp.ids[i])) < 0)
			r = pkg_error(-ENOMEM, "cannot queue '%s'",
				      lp.paths[i]);
	if (r == 0)
		say_up_to_date(ctx, names, nn);
	if (r == 0)
		r = apply_jobs(ctx, 0, (const char *const *)names, nn, lp.ids,
			       lp.paths, lp.n);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	for (i = 0; i < lp.n; i++)
		free(lp.paths[i]);
	free(lp.paths);
	free(lp.ids);
	return r;
}

const struct pkg_cmd cmd_install_desc = {
	"install", "NAME|FILE.ipk|URL...",
	"install packages (globs, name=version, name<=version)",
	CMD_OPKG | CMD_WRITE | CMD_POOL | CMD_DB | CMD_NAMES | CMD_FILES |
		CMD_PLAN, cmd_install
};
