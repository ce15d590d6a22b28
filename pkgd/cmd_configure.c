/*
 * configure [GLOB]: run the postinst of unpacked packages (those whose
 * postinst failed, or flagged unpacked), as opkg's configure does.
 * clean: empty the package cache (Yocto's opkg).
 * verify [GLOB]: check the installed files of packages against the hashes
 * recorded at install time.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkgd.h"

struct cfg_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	char **names;
	size_t n;
};

static int glob_ok(const struct pkg_ctx *ctx, const char *glob,
		   const char *name)
{
	return !glob ||
	       fnmatch(glob, name, ctx->opt.nocase ? FNM_CASEFOLD : 0) == 0;
}

static int collect_unpacked(const struct db_pkg *p, void *ud)
{
	struct cfg_ctx *c = ud;
	char **v;

	if (strcmp(p->state, "failed") || !glob_ok(c->ctx, c->glob, p->name))
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
	struct hook_env he = { ctx->root, ctx->offline, name, NULL };
	const char *args[] = { "configure", NULL };
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct db_pkg p;
	char *body = NULL;
	size_t len = 0;
	int r = 0;

	ctx_note(ctx, 1, "Configuring %s.\n", name);
	if ((!ctx->offline || ctx->opt.force & FORCE_POSTINSTALL ||
	     ctx->conf.force_postinstall) &&
	    db_script_get(ctx->db, name, "postinst", &body, &len) == 0)
		r = hooks_run_script(&he, "postinst", body, len, tmp, args);
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

/* clean: remove the archives kept in the cache directory. */
static int cmd_clean(struct pkg_ctx *ctx, int argc, char **argv)
{
	char *dir = apply_cache_dir(ctx);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int r = 0;

	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char *path = NULL;
		if (l < 5 || (strcmp(e->d_name + l - 4, ".ipk") &&
			      strcmp(e->d_name + l - 4, ".opk") &&
			      strcmp(e->d_name + l - 4, ".deb")))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			r = -ENOMEM;
		else if (!ctx->opt.noaction && fsop_unlink(path) < 0)
			r = pkg_error(-errno, "cannot remove '%s'", path);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	return r;
}

const struct pkg_cmd cmd_clean_desc = {
	"clean", "", "empty the package cache (--cache DIR)",
	CMD_OPKG | CMD_WRITE, cmd_clean
};

struct verify_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int bad;
};


static int verify_file(const struct db_file *f, void *ud)
{
	struct verify_ctx *v = ud;
	char hex[SHA256_HEX_SIZE], *rp;
	const char *what = NULL;

	if (f->type != 'f' || f->conffile || !f->sha256 || !*f->sha256 ||
	    !glob_ok(v->ctx, v->glob, f->package) ||
	    !db_pkg_installed(v->ctx->db, f->package))
		return 0;
	rp = rootfs_rpath(&v->ctx->rf, f->path, NULL);
	if (!rp || access(rp, F_OK))
		what = "missing";
	else if (rootfs_sha256_file(rp, hex) < 0 || strcmp(hex, f->sha256))
		what = "changed";
	free(rp);
	if (!what)
		return 0;
	fprintf(v->ctx->out, "%s: /%s %s\n", f->package, f->path, what);
	v->bad = 1;
	return 0;
}

/* verify [GLOB]: one line "PKG: /path missing|changed" per file that no
 * longer matches; conffiles are list-changed-conffiles' business. Fails
 * when a file does not match. */
static int cmd_verify(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct verify_ctx v = { ctx, argc > 0 ? argv[0] : NULL, 0 };
	int r = db_file_each(ctx->db, NULL, verify_file, &v);

	if (r == 0 && v.bad)
		r = pkg_error_plain(-PKGE_CHECKSUM,
				    "some installed files do not match their "
				    "packages");
	return r;
}

const struct pkg_cmd cmd_verify_desc = {
	"verify", "[GLOB]", "check installed files against their packages",
	CMD_OPKG | CMD_DB, cmd_verify
};
