/*
 * Feeds: `update` downloads each feed's list (Packages.gz or Packages) and
 * its signature, verifies before parsing, and keeps in lists_dir exactly
 * what opkg keeps there: the list as downloaded (NAME) and NAME.sig (LuCI
 * runs `find LISTS_DIR -type f ! -name '*.sig' | xargs gzip -cd`). pkg's
 * libsolv cache of each list lives in RAM beside it, in FEED_CACHE_DIR,
 * named after the list's size and mtime: a list replaced (by pkg, by
 * opkg) is parsed again. Lists are
 * read through a decompressing stream, one stanza at a time, except for
 * the signature check, which needs the whole text.
 */
#include <dirent.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "state/state.h"

/* The lists directory: -l DIR (a host path the user named), else the
 * configuration's, resolved in the root and made (never a fallback to an
 * unresolved path). */
char *feed_cache_dir(struct pkg_ctx *ctx)
{
	char *res = NULL, *dir = NULL, *slash;
	struct stat st;
	int r = rootfs_resolve(&ctx->rf, NULL, FEED_CACHE_DIR, 0, &res);

	/* made in ROOT/tmp only when that is there (RAM on a device) */
	if (r == 0 && tree_lstat(&ctx->rf, TREE_WRITE, res, &st) < 0 &&
	    (slash = strrchr(res, '/'))) {
		*slash = '\0';
		r = tree_lstat(&ctx->rf, TREE_WRITE, res, &st) == 0 &&
				    S_ISDIR(st.st_mode)
			    ? 0
			    : -ENOENT;
		*slash = '/';
		if (r == 0)
			r = tree_mkdir_p(&ctx->rf, TREE_WRITE, res, 0755);
	}
	if (r == 0)
		dir = tree_checked_path(&ctx->rf, TREE_WRITE, res, &r);
	free(res);
	return dir;
}

char *feed_list_path(const struct pkg_ctx *ctx, const char *name)
{
	char *res = NULL, *dir = NULL, *p = NULL;
	int r = 0;

	if (ctx->opt.lists_dir) {
		if (asprintf(&p, "%s/%s", ctx->opt.lists_dir, name) < 0)
			return NULL;
		return p;
	}
	if (rootfs_resolve(&ctx->rf, NULL, ctx->conf.lists_dir, 0, &res) < 0 ||
	    (r = tree_mkdir_p(&ctx->rf, TREE_WRITE, res, 0755)) < 0 ||
	    !(dir = tree_checked_path(&ctx->rf, TREE_WRITE, res, &r)))
		pkg_error(r < 0 ? r : -ELOOP, "cannot use lists directory '%s'",
			  ctx->conf.lists_dir);
	else if (asprintf(&p, "%s/%s", dir, name) < 0)
		p = NULL;
	free(res);
	free(dir);
	return p;
}

static char *with_suffix(const char *path, const char *suffix)
{
	char *p = NULL;

	if (asprintf(&p, "%s%s", path, suffix) < 0)
		return NULL;
	return p;
}

/* The cache of feed name for its list as st describes it:
 * FEED_CACHE_DIR/NAME.<tag>.solv, the tag 16 hex digits of the SHA-256
 * of the list's size and mtime (ns). A list replaced (by update, by
 * opkg) gets a new cache; a copy that kept its mtime (cp -a) is the same
 * list and keeps it. */
static char *feed_cache_path(const struct pkg_ctx *ctx, const char *name,
			     const struct stat *st)
{
	char id[96], *p = NULL, hex[SHA256_HEX_SIZE];
	unsigned char md[CRYPTO_SHA256_SIZE];
	struct crypto_hash h;
	int n;

	if (!ctx->feed_cache)
		return NULL;
	n = snprintf(id, sizeof(id), "%lld %lld.%09ld", (long long)st->st_size,
		     (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (n < 0 || crypto_hash_init(&h, CRYPTO_SHA256) < 0)
		return NULL;
	crypto_hash_update(&h, id, (size_t)n);
	if (crypto_hash_final(&h, md) < 0)
		return NULL;
	rootfs_hex(md, 8, hex); /* 16 hex digits */
	if (asprintf(&p, "%s/%s.%s.solv", ctx->feed_cache, name, hex) < 0)
		return NULL;
	return p;
}

/* Is file (a directory entry of the cache) a cache of feed name other
 * than keep: NAME.<16 hex>.solv? */
static int other_cache(const char *file, const char *name, const char *keep)
{
	size_t n = strlen(name);

	return !strncmp(file, name, n) && file[n] == '.' &&
	       strspn(file + n + 1, "0123456789abcdef") == 16 &&
	       !strcmp(file + n + 17, ".solv") && strcmp(file, keep);
}

/* Remove the caches of feed name but the one at keep (best effort: a
 * cache is only a cache). */
static void feed_cache_prune(const struct pkg_ctx *ctx, const char *name,
			     const char *keep)
{
	DIR *d = ctx->feed_cache ? opendir(ctx->feed_cache) : NULL;
	const char *base = strrchr(keep, '/') ? strrchr(keep, '/') + 1 : keep;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *p;
		if (!other_cache(e->d_name, name, base) ||
		    asprintf(&p, "%s/%s", ctx->feed_cache, e->d_name) < 0)
			continue;
		fsop_unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
}

/* The cache directory is ready when main found or made it. */
static int feed_cache_ready(const struct pkg_ctx *ctx)
{
	return ctx->feed_cache && access(ctx->feed_cache, W_OK) == 0;
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
		r = hostfs_mkdir_p(d, 0755);
	}
	free(d);
	return r;
}

/* The key for the signature in sig_path, looked up through the merged
 * view (keys in the image and in the overlay alike): that key's file, or
 * the keys directory when no layer has it (usign then says so). */
static char *feed_key(struct pkg_ctx *ctx, const char *sig_path)
{
	struct usign_sig sig;
	char *text = NULL, *rel = NULL, *key = NULL, id[17];
	size_t len;

	if (hostfs_read_file(sig_path, 4096, &text, &len) == 0 &&
	    usign_parse_sig(text, len, &sig) == 0) {
		usign_keyid_hex(sig.keyid, id);
		if (asprintf(&rel, "%s/%s", ctx->conf.keys_dir, id) >= 0)
			key = ctx_checked_path(ctx, rel);
		free(rel);
	}
	free(text);
	if (!key)
		key = ctx_checked_path(ctx, ctx->conf.keys_dir);
	if (!key && asprintf(&key, "%s/%s", ctx->root,
			     ctx->conf.keys_dir + strspn(ctx->conf.keys_dir,
							 "/")) < 0)
		key = NULL; /* none: usign names the directory it lacks */
	return key;
}

/* Check the downloaded list (decompressed: usign signs the text) against
 * its signature. The text is freed before parsing starts, so update never
 * holds the text and a pool at once; usign needs the whole message
 * (Ed25519 is one-shot), which makes the largest list's text update's
 * peak memory. */
static int feed_verify(struct pkg_ctx *ctx, const char *list_tmp,
		       const char *sig_tmp)
{
	char *keys = feed_key(ctx, sig_tmp), *text = NULL;
	size_t len;
	int r;

	if (!keys)
		return -ENOMEM;
	r = fetch_decompress_file(list_tmp, 0, &text, &len);
	if (r == 0)
		r = usign_verify_buf(text, len, sig_tmp, keys);
	free(text);
	free(keys);
	return r; /* a failure is reported, naming the file or the key */
}

/* Parse a list (as downloaded) into a scratch pool, writing the cache:
 * a list that does not parse is not installed. */
static int feed_parse(const char *name, const char *list, const char *solv)
{
	struct pkg_solver tmp;
	FILE *fp = fetch_zopen(list, 0);
	int r;

	if (!fp)
		return -PKGE_FORMAT; /* reported */
	r = solver_init(&tmp, NULL, NULL, 0);
	if (r == 0) {
		r = solver_feed_from_file(&tmp, name, fp, 0, solv, NULL);
		solver_release(&tmp);
	}
	fclose(fp);
	return r;
}

static int feed_signed(const struct pkg_ctx *ctx)
{
	return ctx->conf.check_signature &&
	       !(ctx->opt.force & FORCE_SIGNATURE);
}

/* One feed's files during update: its list and signature, and the
 * ".new" downloads that replace them once checked and parsed (the
 * signature's ends in .sig, so that LuCI's pipeline skips it too); the
 * cache is written at solvtmp and named after the list once in place. */
struct feed_job {
	char *list, *tmp, *sig, *sigtmp, *solvtmp;
	int r;
};

static void job_release(struct feed_job *j)
{
	if (j->r < 0) { /* the old list stays in place */
		if (j->tmp)
			fsop_unlink(j->tmp);
		if (j->sigtmp)
			fsop_unlink(j->sigtmp);
	}
	if (j->solvtmp)
		fsop_unlink(j->solvtmp);
	free(j->list);
	free(j->tmp);
	free(j->sig);
	free(j->sigtmp);
	free(j->solvtmp);
}

/* What an older pkg kept in lists_dir: NAME.solv (and its temporary);
 * opkg keeps only NAME and NAME.sig there. */
static void job_drop_old_cache(const struct feed_job *j)
{
	char *p = with_suffix(j->list, ".solv");

	if (p) {
		fsop_unlink(p);
		free(p);
	}
	p = with_suffix(j->list, ".solv.new");
	if (p) {
		fsop_unlink(p);
		free(p);
	}
}

static int job_init(struct pkg_ctx *ctx, const struct conf_src *src,
		    struct feed_job *j)
{
	j->list = feed_list_path(ctx, src->name);
	if (!j->list)
		return -ENOMEM;
	j->tmp = with_suffix(j->list, ".new");
	j->sig = with_suffix(j->list, ".sig");
	j->sigtmp = with_suffix(j->list, ".new.sig");
	if (!j->tmp || !j->sig || !j->sigtmp)
		return -ENOMEM;
	if (feed_cache_ready(ctx) &&
	    asprintf(&j->solvtmp, "%s/%s.new.solv", ctx->feed_cache,
		     src->name) < 0)
		return -ENOMEM;
	job_drop_old_cache(j);
	return feed_mkdirs(j->list);
}

/* The list's path as opkg names it in update's messages: the lists
 * directory under the offline root as given (opkg joins the two with a
 * '/': "ROOT//var/opkg-lists/NAME"), or -l's directory. Malloc'd. */
static char *list_shown(const struct pkg_ctx *ctx, const char *name)
{
	char *p = NULL;
	int n;

	if (ctx->opt.lists_dir)
		n = asprintf(&p, "%s/%s", ctx->opt.lists_dir, name);
	else if (ctx->offline && ctx->opt.root)
		n = asprintf(&p, "%s/%s/%s", ctx->opt.root,
			     ctx->conf.lists_dir, name);
	else
		n = asprintf(&p, "%s/%s", ctx->conf.lists_dir, name);
	return n < 0 ? NULL : p;
}

/* Download one feed's list (and signature) beside the old one and check
 * it, saying so on stdout as opkg does, feed by feed: "Downloading URL",
 * then "Updated list of available packages in PATH" or "*** Failed to
 * download the package list from URL" and a blank line; with signatures
 * "Downloading URL.sig", then "Signature check passed." or "Signature
 * check failed." (or "Signature file download failed."). The reason of
 * a failure is the one line on stderr. */
static int feed_fetch(struct pkg_ctx *ctx, const struct conf_src *src,
		      struct feed_job *j)
{
	struct fetch_opts fo = { .progress = ctx->tty, .insecure =
				 ctx->opt.insecure, .label = src->name };
	char *url = NULL, *shown;
	int r = job_init(ctx, src, j);

	if (r < 0)
		return r;
	if (asprintf(&url, "%s/%s", src->url,
		     src->gz ? "Packages.gz" : "Packages") < 0)
		return -ENOMEM;
	ctx_note(ctx, 1, "Downloading %s\n", url);
	r = fetch_url(url, j->tmp, &fo, 0);
	if (r < 0) {
		ctx_note(ctx, 1, "*** Failed to download the package list "
			 "from %s\n\n", url);
	} else if ((shown = list_shown(ctx, src->name))) {
		ctx_note(ctx, 1, "Updated list of available packages in %s\n",
			 shown);
		free(shown);
	}
	free(url);
	if (r < 0 || !feed_signed(ctx))
		return r;
	if (asprintf(&url, "%s/Packages.sig", src->url) < 0)
		return -ENOMEM;
	ctx_note(ctx, 1, "Downloading %s\n", url);
	r = fetch_url(url, j->sigtmp, &fo, 0);
	free(url);
	if (r < 0) {
		ctx_note(ctx, 1, "Signature file download failed.\n");
		return r;
	}
	r = feed_verify(ctx, j->tmp, j->sigtmp);
	ctx_note(ctx, 1, r < 0 ? "Signature check failed.\n"
			       : "Signature check passed.\n");
	return r;
}

/* Same size and bytes? (0 when either cannot be read.) */
static int files_equal(const char *a, const char *b)
{
	char ba[16384], bb[16384];
	FILE *fa = fopen(a, "re"), *fb = fopen(b, "re");
	size_t na, nb;
	int eq = fa && fb;

	while (eq) {
		na = fread(ba, 1, sizeof(ba), fa);
		nb = fread(bb, 1, sizeof(bb), fb);
		eq = na == nb && !memcmp(ba, bb, na) && !ferror(fa) &&
		     !ferror(fb);
		if (na < sizeof(ba))
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return eq;
}

/* Put the cache parsed from the list now at j->list in place under the
 * list's identity, and drop the feed's other caches (best effort). */
static void job_cache_install(struct pkg_ctx *ctx, const char *name,
			      const struct feed_job *j)
{
	struct stat st;
	char *cache;

	if (!j->solvtmp || stat(j->list, &st) < 0 ||
	    !(cache = feed_cache_path(ctx, name, &st)))
		return;
	if (fsop_rename(j->solvtmp, cache) == 0)
		feed_cache_prune(ctx, name, cache);
	free(cache);
}

/* Parse a checked list into its cache and put both in place. The
 * download that is the list already in place is dropped: the list keeps
 * its identity, and so its cache. */
static int feed_install(struct pkg_ctx *ctx, const struct conf_src *src,
			struct feed_job *j)
{
	int r;

	if (files_equal(j->tmp, j->list)) {
		r = fsop_unlink(j->tmp);
		if (r == 0 && feed_signed(ctx))
			r = fsop_rename(j->sigtmp, j->sig);
		if (r < 0)
			return pkg_error(r, "cannot store list of feed '%s'",
					 src->name);
		return 0;
	}
	r = feed_parse(src->name, j->tmp, j->solvtmp);
	if (r < 0)
		return r;
	r = fsop_rename(j->tmp, j->list);
	if (r == 0 && feed_signed(ctx))
		r = fsop_rename(j->sigtmp, j->sig);
	if (r < 0)
		return pkg_error(r, "cannot store list of feed '%s'",
				 src->name);
	job_cache_install(ctx, src->name, j);
	return 0;
}

/* Give back what the last step freed before the next list is read whole
 * (glibc keeps the pages between live blocks: 0.6 MB of peak on the
 * 19.07.1 feeds). */
static void heap_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/*
 * Every list is downloaded and checked first, then every one parsed: the
 * signature check holds a whole list's text (Ed25519 is one-shot) and the
 * parse brings in libsolv's writer, so apart they peak at the larger of
 * the two rather than at both (0.75 MB less on 19.07.1). A feed that
 * fails keeps its old list; the others go on.
 */
int feeds_update(struct pkg_ctx *ctx, int *nfailed)
{
	struct feed_job *jobs;
	char *probe = NULL;
	size_t i, n = ctx->conf.nsrcs;
	int failed = 0;

	*nfailed = 0;
	if (n == 0)
		pkg_warn("no feeds configured (src lines in opkg.conf)");
	/* the lists directory first: never a feed at an unresolved path */
	if (n && !(probe = feed_list_path(ctx, "x"))) {
		*nfailed = (int)n;
		return -PKGE_CONFIG; /* reported */
	}
	free(probe);
	jobs = calloc(n ? n : 1, sizeof(*jobs));
	if (!jobs)
		return pkg_error(-ENOMEM, "cannot update the feeds");
	for (i = 0; i < n; i++) {
		heap_trim();
		jobs[i].r = feed_fetch(ctx, &ctx->conf.srcs[i], &jobs[i]);
	}
	for (i = 0; i < n; i++) {
		heap_trim();
		if (jobs[i].r == 0)
			jobs[i].r = feed_install(ctx, &ctx->conf.srcs[i],
						 &jobs[i]);
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].r == -ENOMEM)
			pkg_error(-ENOMEM, "cannot update feed '%s'",
				  ctx->conf.srcs[i].name);
		if (jobs[i].r < 0) {
			failed = jobs[i].r;
			(*nfailed)++;
		}
		job_release(&jobs[i]);
	}
	free(jobs);
	return failed;
}

/* Load a feed: from its cache when there is one for the list as it is,
 * else parse the list and write the cache (best effort: without a
 * writable cache directory the list is parsed each time). */
static int feed_load_one(struct pkg_ctx *ctx, const struct conf_src *src,
			 int prio)
{
	char *list = feed_list_path(ctx, src->name), *cache = NULL;
	struct stat sl;
	FILE *fp;
	int r = 0;

	if (!list)
		return -ENOMEM;
	if (stat(list, &sl) < 0)
		goto out; /* never updated: nothing to load */
	cache = feed_cache_path(ctx, src->name, &sl);
	if (cache && access(cache, R_OK) == 0 &&
	    solver_feed_from_cache(&ctx->solv, src->name, cache, prio, NULL) ==
		    0)
		goto out;
	fp = fetch_zopen(list, 0);
	if (!fp) {
		r = -PKGE_FORMAT; /* reported, naming the list */
		goto out;
	}
	if (cache && !feed_cache_ready(ctx)) {
		free(cache);
		cache = NULL;
	}
	r = solver_feed_from_file(&ctx->solv, src->name, fp, prio, cache,
				  NULL);
	fclose(fp);
	if (r == 0 && cache)
		feed_cache_prune(ctx, src->name, cache);
out:
	free(list);
	free(cache);
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

/* Skip n bytes of fp; 0 or -1 (short). */
static int skip_bytes(FILE *fp, size_t n)
{
	char buf[16384];
	size_t k;

	while (n > 0) {
		k = fread(buf, 1, n < sizeof(buf) ? n : sizeof(buf), fp);
		if (k == 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* An open stream over a feed's list, kept between feed_stanza_text calls:
 * lists are sorted by name and so are the callers (info, a glob), so the
 * next stanza is usually further on in the same stream. */
struct feed_cursor {
	char *name;
	FILE *fp;
	size_t pos;	/* bytes of decompressed text read so far */
};

static FILE *cursor_at(struct pkg_ctx *ctx, const char *name, size_t off,
		       struct feed_cursor **out)
{
	struct feed_cursor *c = NULL, *v;
	char *list;
	size_t i;

	for (i = 0; i < ctx->ncursors; i++)
		if (!strcmp(ctx->cursors[i].name, name))
			c = &ctx->cursors[i];
	if (!c) {
		v = realloc(ctx->cursors, (ctx->ncursors + 1) * sizeof(*v));
		if (!v)
			return NULL;
		ctx->cursors = v;
		c = &v[ctx->ncursors];
		memset(c, 0, sizeof(*c));
		if (!(c->name = strdup(name)))
			return NULL;
		ctx->ncursors++;
	}
	if (c->fp && off < c->pos) {
		fclose(c->fp);
		c->fp = NULL;
	}
	/* One list open at a time: callers go feed by feed (pool order),
	 * and each open stream holds 60 KiB of zlib state and buffers. */
	for (i = 0; i < ctx->ncursors; i++)
		if (&ctx->cursors[i] != c && ctx->cursors[i].fp) {
			fclose(ctx->cursors[i].fp);
			ctx->cursors[i].fp = NULL;
		}
	if (!c->fp) {
		list = feed_list_path(ctx, name);
		if (list && access(list, R_OK) == 0) /* gone since read? */
			c->fp = fetch_zopen(list, 0);
		free(list);
		c->pos = 0;
	}
	if (!c->fp || skip_bytes(c->fp, off - c->pos) < 0)
		return NULL;
	c->pos = off;
	*out = c;
	return c->fp;
}

void feed_cursors_release(struct pkg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->ncursors; i++) {
		if (ctx->cursors[i].fp)
			fclose(ctx->cursors[i].fp);
		free(ctx->cursors[i].name);
	}
	free(ctx->cursors);
	ctx->cursors = NULL;
	ctx->ncursors = 0;
}

/* The stanza at off in the stored list, read from a decompressing stream
 * up to its end only: neither the list nor its text is held whole. */
int feed_stanza_text(struct pkg_ctx *ctx, Id p, char **out)
{
	const char *name = solver_repo_name(&ctx->solv, p);
	char *line = NULL, *buf = NULL;
	size_t cap = 0, len = 0, off = solver_offset(&ctx->solv, p);
	struct feed_cursor *c = NULL;
	FILE *fp, *mem;
	ssize_t n;
	int r = 0;

	*out = NULL;
	if (!name)
		return -PKGE_NOTFOUND;
	fp = cursor_at(ctx, name, off, &c);
	if (!fp)
		return -PKGE_NOTFOUND;
	mem = open_memstream(&buf, &len);
	if (!mem)
		r = -ENOMEM;
	while (r == 0 && (n = getline(&line, &cap, fp)) > 0) {
		c->pos += (size_t)n;
		if (line[0] == '\n' || !strcmp(line, "\r\n"))
			break;
		fwrite(line, 1, (size_t)n, mem);
	}
	if (r == 0 && ferror(fp))
		r = -PKGE_FORMAT;
	free(line);
	if (mem && fclose(mem) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0 && len == 0)
		r = -PKGE_NOTFOUND;
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	return 0;
}
