/*
 * Feeds: `update` downloads each feed's list (Packages.gz or Packages) and
 * its signature, verifies before parsing, and keeps three files per feed
 * in lists_dir: the list as downloaded (like opkg), NAME.sig, and a libsolv
 * cache NAME.solv rebuilt only when the list changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkgd.h"

char *feed_list_path(const struct pkg_ctx *ctx, const char *name)
{
	char rel[4096];

	if (ctx->opt.lists_dir) {
		char *p = NULL;
		if (asprintf(&p, "%s/%s", ctx->opt.lists_dir, name) < 0)
			return NULL;
		return p;
	}
	snprintf(rel, sizeof(rel), "%s/%s", ctx->conf.lists_dir, name);
	return ctx_wpath(ctx, rel);
}

static char *with_suffix(const char *path, const char *suffix)
{
	char *p = NULL;

	if (asprintf(&p, "%s%s", path, suffix) < 0)
		return NULL;
	return p;
}

static int feed_mkdirs(const char *list)
{
	char *d = strdup(list), *s;
	int r = 0;

	if (!d)
		return -ENOMEM;
	s = strrchr(d, '/');
	if (s) {
		*s = 0;
		r = rootfs_mkdir_p(d, 0755);
	}
	free(d);
	return r;
}

static int feed_verify(struct pkg_ctx *ctx, const struct conf_src *src,
		       const char *text, size_t len, const char *sig_tmp)
{
	char *keys = ctx_path(ctx, ctx->conf.keys_dir);
	int r;

	if (!keys)
		return -ENOMEM;
	r = usign_verify_buf(text, len, sig_tmp, keys);
	free(keys);
	if (r < 0)
		return r; /* reported by usign_verify_buf, naming the key */
	ctx_note(ctx, 2, "Signature check passed.\n");
	return 0;
}

/* Download, verify and install one feed's list; the old list stays in
 * place on any failure. */
static int feed_update_one(struct pkg_ctx *ctx, const struct conf_src *src)
{
	char *list = feed_list_path(ctx, src->name);
	char *tmp = list ? with_suffix(list, ".new") : NULL;
	char *sig = list ? with_suffix(list, ".sig") : NULL;
	char *sigtmp = list ? with_suffix(list, ".sig.new") : NULL;
	char *solv = list ? with_suffix(list, ".solv") : NULL;
	char *solvtmp = list ? with_suffix(list, ".solv.new") : NULL;
	struct pkg_solver tmp_solv;
	char *url = NULL, *raw = NULL, *text = NULL;
	size_t rawlen = 0, len = 0;
	struct fetch_opts fo = { .progress = ctx->tty, .insecure =
				 ctx->opt.insecure, .label = src->name };
	int r = -ENOMEM;

	if (!solvtmp || feed_mkdirs(list) < 0)
		goto out;
	if (asprintf(&url, "%s/%s", src->url,
		     src->gz ? "Packages.gz" : "Packages") < 0)
		goto out;
	ctx_note(ctx, 1, "Downloading %s\n", url);
	r = fetch_url(url, tmp, &fo, 0);
	if (r < 0)
		goto out;
	r = rootfs_read_file(tmp, 0, &raw, &rawlen);
	if (r == 0)
		r = fetch_decompress(raw, rawlen, 0, &text, &len);
	if (r < 0) {
		r = pkg_error(r, "cannot read list of feed '%s'", src->name);
		goto out;
	}
	if (ctx->conf.check_signature &&
	    !(ctx->opt.force & FORCE_SIGNATURE)) {
		free(url);
		if (asprintf(&url, "%s/Packages.sig", src->url) < 0) {
			url = NULL;
			r = -ENOMEM;
			goto out;
		}
		ctx_note(ctx, 1, "Downloading %s\n", url);
		r = fetch_url(url, sigtmp, &fo, 0);
		if (r < 0)
			goto out;
		r = feed_verify(ctx, src, text, len, sigtmp);
		if (r < 0)
			goto out;
	}
	/* Parse once now: a list that does not parse is not installed, and
	 * the cache is ready for the next command. */
	r = solver_init(&tmp_solv, NULL, NULL, 0);
	if (r == 0) {
		r = solver_feed_from_text(&tmp_solv, src->name, text, len, 0,
					  solvtmp, NULL);
		solver_release(&tmp_solv);
	}
	if (r < 0)
		goto out;
	r = fsop_rename(tmp, list);
	if (r == 0)
		r = fsop_rename(solvtmp, solv);
	if (r == 0 && ctx->conf.check_signature &&
	    !(ctx->opt.force & FORCE_SIGNATURE))
		r = fsop_rename(sigtmp, sig);
	if (r < 0)
		r = pkg_error(r, "cannot store list of feed '%s'", src->name);
	else
		ctx_note(ctx, 1, "Updated list of available packages in %s\n",
			 list);
out:
	if (r < 0) {
		if (tmp)
			unlink(tmp);
		if (sigtmp)
			unlink(sigtmp);
		if (solvtmp)
			unlink(solvtmp);
	}
	free(solvtmp);
	free(list);
	free(tmp);
	free(sig);
	free(sigtmp);
	free(solv);
	free(url);
	free(raw);
	free(text);
	return r;
}

int feeds_update(struct pkg_ctx *ctx)
{
	size_t i;
	int r, failed = 0;

	if (ctx->conf.nsrcs == 0)
		pkg_warn("no feeds configured (src lines in opkg.conf)");
	for (i = 0; i < ctx->conf.nsrcs; i++) {
		r = feed_update_one(ctx, &ctx->conf.srcs[i]);
		if (r < 0)
			failed = r;
	}
	return failed;
}

/* The text of a stored list, decompressed (lists stay as downloaded). */
static int list_text(const char *list, char **text, size_t *len)
{
	char *raw = NULL;
	size_t rawlen;
	int r = rootfs_read_file(list, 0, &raw, &rawlen);

	*text = NULL;
	if (r == 0)
		r = fetch_decompress(raw, rawlen, 0, text, len);
	free(raw);
	return r;
}

/* Load a feed: .solv when newer than the list, else parse the list and
 * rewrite the cache (best effort: a read-only lists dir is fine). */
static int feed_load_one(struct pkg_ctx *ctx, const struct conf_src *src,
			 int prio)
{
	char *list = feed_list_path(ctx, src->name);
	char *solv = list ? with_suffix(list, ".solv") : NULL;
	char *text = NULL;
	size_t len;
	struct stat sl, sc;
	int r;

	if (!solv) {
		free(list);
		return -ENOMEM;
	}
	if (stat(list, &sl) < 0) {
		r = 0; /* never updated: nothing to load */
		goto out;
	}
	if (stat(solv, &sc) == 0 && sc.st_mtime >= sl.st_mtime &&
	    solver_feed_from_cache(&ctx->solv, src->name, solv, prio, NULL) ==
		    0) {
		r = 0;
		goto out;
	}
	r = list_text(list, &text, &len);
	if (r < 0) {
		r = pkg_error(r, "cannot read list '%s'", list);
		goto out;
	}
	r = solver_feed_from_text(&ctx->solv, src->name, text, len, prio,
				  access(list, W_OK) == 0 ? solv : NULL, NULL);
out:
	free(list);
	free(solv);
	free(text);
	return r;
}

int feeds_load(struct pkg_ctx *ctx)
{
	size_t i;
	int r;

	for (i = 0; i < ctx->conf.nsrcs; i++) {
		r = feed_load_one(ctx, &ctx->conf.srcs[i], 0);
		if (r < 0)
			return r;
	}
	return 0;
}

int feed_stanza_text(struct pkg_ctx *ctx, Id p, char **out)
{
	const char *name = solver_repo_name(&ctx->solv, p);
	char *list, *text = NULL, *end;
	size_t len, off = solver_offset(&ctx->solv, p);
	int r;

	*out = NULL;
	if (!name)
		return -PKGE_NOTFOUND;
	list = feed_list_path(ctx, name);
	if (!list)
		return -ENOMEM;
	r = list_text(list, &text, &len);
	free(list);
	if (r < 0 || off >= len) {
		free(text);
		return r < 0 ? r : -PKGE_NOTFOUND;
	}
	end = strstr(text + off, "\n\n");
	if (end)
		end[1] = 0;
	*out = strdup(text + off);
	free(text);
	return *out ? 0 : -ENOMEM;
}
