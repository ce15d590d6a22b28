/*
 * A transaction: plan -> download and verify all -> preflight -> stage ->
 * journal -> commit -> finalize -> clean (docs/DESIGN.md "A transaction").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tx/tx.h"

struct tx_pkgstage {
	struct ipk *ipk;
	struct stage_list files;
	char *dir;		/* staging/<i> */
	char **conffiles;	/* root-relative */
	size_t nconffiles;
	char **keep_conf;	/* conffiles kept (new one as -opkg) */
	size_t nkeep;
};

struct tx_state {
	struct tx *tx;
	struct pkg_ctx *ctx;
	char *staging;
	char *tmpdir;
	struct tx_pkgstage *st; /* one per item */
	struct tx_ops ops;
};

/* ---------------- plan: download and verify ---------------- */

static const char *feed_url(struct pkg_ctx *ctx, const char *repo)
{
	size_t i;

	for (i = 0; i < ctx->conf.nsrcs; i++)
		if (!strcmp(ctx->conf.srcs[i].name, repo))
			return ctx->conf.srcs[i].url;
	return NULL;
}

/* Download the archive of feed package p into dir and check it against
 * the index (SHA-256, or MD5 for old feeds, and size) through one open
 * file, kept in *fd: what was verified is what gets extracted. */
int tx_fetch_pkg(struct pkg_ctx *ctx, Id p, const char *dir, int flags,
		 char **out, int *fd)
{
	struct pkg_solver *s = &ctx->solv;
	const struct feed_archive *a = feed_archive(ctx, p);
	const char *fn = a ? a->filename : NULL, *base;
	const char *url = feed_url(ctx, solver_repo_name(s, p));
	uint64_t size = solver_has_size(s, p) ? solver_size(s, p)
					      : FETCH_SIZE_UNKNOWN;
	struct fetch_opts fo = { .progress = ctx->tty,
				 .insecure = ctx->opt.insecure,
				 .label = solver_name(s, p),
				 .no_sync = flags & TX_FETCH_PRIVATE };
	char *u = NULL, *dest = NULL;
	int r;

	if (!fn || !url)
		return pkg_error_plain(-PKGE_NOTFOUND,
				       "no archive known for '%s'",
				       solver_name(s, p));
	base = strrchr(fn, '/') ? strrchr(fn, '/') + 1 : fn;
	/* the index's Size caps the download */
	if (size != FETCH_SIZE_UNKNOWN) {
		fo.max_bytes = size;
		fo.max_is_size = 1;
	}
	if (asprintf(&u, "%s/%s", url, fn) < 0 ||
	    asprintf(&dest, "%s/%s", dir, base) < 0) {
		free(u);
		return -ENOMEM;
	}
	ctx_note(ctx, 1, "Downloading %s\n", u);
	*fd = -1;
	r = fetch_url(u, dest, &fo, 0);
	if (r == 0 && (*fd = hostfs_open(dest, O_RDONLY | O_NOFOLLOW, 0)) < 0)
		r = pkg_error(*fd, "cannot open '%s'", dest);
	if (r == 0 && !(ctx->opt.force & FORCE_CHECKSUM))
		r = fetch_verify_fd(*fd, dest, a->sha256, a->md5, size);
	free(u);
	if (r < 0) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		fsop_unlink(dest);
		free(dest);
		return r;
	}
	fsop_hook("verified", dest);
	*out = dest;
	return 0;
}

static int item_from_step(struct pkg_ctx *ctx, const struct solver_step *st,
			  struct tx_item *it)
{
	struct pkg_solver *s = &ctx->solv;

	memset(it, 0, sizeof(*it));
	it->ipk_fd = -1;
	it->type = st->type;
	it->p = st->p;
	it->old = st->old;
	it->name = strdup(solver_name(s, st->p));
	it->version = strdup(solver_evr(s, st->p));
	return it->name && it->version ? 0 : -ENOMEM;
}

/* Is the wanted package exactly the image's version, removed here? Then
 * it is restored from the image instead of downloaded. */
static int item_restorable(struct pkg_ctx *ctx, struct tx_item *it)
{
	char *romv;
	int ok;

	if (ctx->opt.from_feed || ctx->rf.mode == ROOTFS_PLAIN)
		return 0;
	romv = rom_pkg_version(ctx, it->name);
	ok = romv && !strcmp(romv, it->version);
	free(romv);
	return ok;
}

int tx_plan(struct tx *tx, struct pkg_ctx *ctx,
	    const struct solver_result *res, const char *const *user_names,
	    size_t nuser)
{
	const char *dir = NULL;
	size_t i, k;
	int r = 0;

	memset(tx, 0, sizeof(*tx));
	tx->ctx = ctx;
	tx->items = calloc(res->n + 1, sizeof(*tx->items));
	if (!tx->items)
		return -ENOMEM;
	for (i = 0; r == 0 && i < res->n; i++) {
		struct tx_item *it = &tx->items[tx->n++];
		r = item_from_step(ctx, &res->steps[i], it);
		for (k = 0; r == 0 && k < nuser; k++)
			if (!strcmp(user_names[k], it->name))
				it->user = 1;
		if (r < 0 || it->type == STEP_REMOVE)
			continue;
		if (solver_is_local(&ctx->solv, it->p))
			continue; /* local archive: set by the caller */
		if (item_restorable(ctx, it) && !ctx->opt.from_feed) {
			it->from_rom = 1;
			continue;
		}
		if (ctx->opt.noaction)
			continue;
		if (!dir && !(dir = ctx_tmpdir(ctx, NULL)))
			r = -EIO; /* reported by ctx_tmpdir */
		if (r == 0)
			r = tx_fetch_pkg(ctx, it->p, dir, TX_FETCH_PRIVATE,
					 &it->ipk, &it->ipk_fd);
	}
	if (dir && !(tx->dldir = strdup(dir)))
		r = -ENOMEM;
	return r;
}

void tx_release(struct tx *tx)
{
	size_t i;

	for (i = 0; i < tx->n; i++) {
		free(tx->items[i].name);
		free(tx->items[i].version);
		/* a download goes with the run's temporary directory */
		free(tx->items[i].ipk);
		if (tx->items[i].ipk_fd >= 0)
			close(tx->items[i].ipk_fd);
		free(tx->items[i].notes);
	}
	free(tx->items);
	free(tx->dldir);
	memset(tx, 0, sizeof(*tx));
}
