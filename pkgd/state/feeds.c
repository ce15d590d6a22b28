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
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "state/state.h"

static char *list_shown(const struct pkg_ctx *ctx, const char *name);

/* ---- the two directories, each opened once (ctx->lists_fd,
 * ctx->cache_fd); every file in them is opened, renamed or removed by
 * name from that descriptor, never through a link ---- */

/* Is the directory at fd one only root or this user can change? Owned
 * by another user, or writable by its group or by others, it is not:
 * a list or cache there could be replaced or planted after pkg checked
 * or wrote it (a directory another user made first, in a ROOT/tmp that
 * everyone may write to). 0, -PKGE_UNSAFE, or -errno. */
static int dir_trusted(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -PKGE_UNSAFE;
	return 0;
}

int feed_lists_fd(struct pkg_ctx *ctx, int create)
{
	const char *shown = ctx->opt.lists_dir ? ctx->opt.lists_dir
					       : ctx->conf.lists_dir;
	char *res = NULL;
	int r = 0, k;

	if (ctx->lists_fd >= 0)
		return ctx->lists_fd;
	if (ctx->opt.lists_dir) { /* -l DIR: a host path the user named */
		if (create)
			r = hostfs_mkdir_p(ctx->opt.lists_dir, 0755);
		if (r == 0)
			r = hostfs_open(ctx->opt.lists_dir,
					O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	} else {
		r = rootfs_resolve(&ctx->rf, NULL, ctx->conf.lists_dir, 0,
				   &res);
		if (r == 0 && create)
			r = tree_mkdir_p(&ctx->rf, TREE_WRITE, res, 0755);
		if (r == 0)
			r = tree_open(&ctx->rf, TREE_WRITE, res,
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
		free(res);
	}
	if (r == -ENOENT && !create)
		return r; /* never updated: nothing to read */
	if (r < 0)
		return pkg_error(r, "cannot use lists directory '%s'", shown);
	if ((k = dir_trusted(r)) < 0) {
		close(r);
		return pkg_error_plain(k, "lists directory '%s' is %s", shown,
				       k == -PKGE_UNSAFE
					       ? "another user's or writable "
						 "by others: not used"
					       : "unreadable");
	}
	return ctx->lists_fd = r;
}

void feed_cache_open(struct pkg_ctx *ctx)
{
	char *res = NULL, *slash;
	int r = rootfs_resolve(&ctx->rf, NULL, FEED_CACHE_DIR, 0, &res);

	if (r == 0)
		r = tree_open(&ctx->rf, TREE_WRITE, res,
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (r >= 0 && dir_trusted(r) < 0) { /* no cache then: lists read */
		pkg_warn("ignoring the feed cache directory '%s': another "
			 "user's or writable by others", FEED_CACHE_DIR);
		close(r);
	} else if (r >= 0) {
		ctx->cache_fd = r;
	} else if (r == -ENOENT && (slash = strrchr(res, '/'))) {
		/* made when a cache is first written, and only in ROOT/tmp
		 * when that is there (RAM on a device) */
		*slash = '\0';
		r = tree_open(&ctx->rf, TREE_WRITE, res,
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
		ctx->cache_parent_fd = r < 0 ? -1 : r;
	}
	free(res);
}

/* The cache directory for writing: made now if main found only ROOT/tmp.
 * -1 when there is none. */
static int cache_dir_made(struct pkg_ctx *ctx)
{
	const char *leaf = strrchr(FEED_CACHE_DIR, '/');
	int fd;

	if (ctx->cache_fd >= 0 || ctx->cache_parent_fd < 0)
		return ctx->cache_fd;
	leaf = leaf ? leaf + 1 : FEED_CACHE_DIR;
	fsop_mkdirat(ctx->cache_parent_fd, leaf, 0755);
	fd = openat(ctx->cache_parent_fd, leaf,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(ctx->cache_parent_fd);
	ctx->cache_parent_fd = -1;
	if (fd >= 0 && dir_trusted(fd) < 0) { /* made by another meanwhile */
		close(fd);
		fd = -1;
	}
	return ctx->cache_fd = fd < 0 ? -1 : fd;
}

/* name in the directory dfd, for reading; never a link, a FIFO or a
 * device (tree_open_at). fd or -errno. */
static int open_in(int dfd, const char *name)
{
	return tree_open_at(dfd, name);
}

/* A fresh file name in dfd for writing (a stale one is removed first):
 * O_EXCL, never a link. -errno. */
static int create_in(int dfd, const char *name)
{
	fsop_unlinkat(dfd, name, 0);
	return fsop_openat(dfd, name,
			   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   0644);
}

/* The text of name in dfd (a signature: small), or -errno. */
static int read_in(int dfd, const char *name, char **text, size_t *len)
{
	int fd = open_in(dfd, name), r;

	if (fd < 0)
		return fd;
	r = fd_read_all(fd, 4096, text, len);
	close(fd);
	return r;
}

FILE *feed_list_open_near(struct pkg_ctx *ctx, const char *name,
			  struct feed_zidx *x, int *looked, uint64_t from,
			  uint64_t off, uint64_t *at)
{
	struct fetch_gz_point pt;
	char *shown;
	FILE *fp;
	int fd;

	if (off < from || off - from < FEED_ZIDX_SPAN)
		return NULL;
	if (!*looked) {
		*looked = 1;
		if (!feed_zidx_map(ctx, name, x) &&
		    feed_zidx_write(ctx, name) == 0)
			feed_zidx_map(ctx, name, x);
	}
	if (!feed_zidx_point(x, from, off, &pt) ||
	    (fd = feed_list_fd(ctx, name)) < 0)
		return NULL;
	shown = list_shown(ctx, name);
	fp = fetch_gz_open_at(fd, shown ? shown : name, 0, &pt);
	free(shown);
	if (fp)
		*at = pt.out;
	return fp;
}

int feed_list_fd(struct pkg_ctx *ctx, const char *name)
{
	int dfd = feed_lists_fd(ctx, 0);

	return dfd < 0 ? dfd : open_in(dfd, name);
}

FILE *feed_list_open(struct pkg_ctx *ctx, const char *name)
{
	int fd = feed_list_fd(ctx, name);
	char *shown;
	FILE *fp;

	if (fd < 0)
		return NULL; /* gone: nothing to read */
	shown = list_shown(ctx, name);
	fp = fetch_zopen_fd(fd, shown ? shown : name, 0);
	free(shown);
	return fp;
}

static char *with_suffix(const char *path, const char *suffix)
{
	char *p = NULL;

	if (asprintf(&p, "%s%s", path, suffix) < 0)
		return NULL;
	return p;
}

/* The cache of feed name for its list as st describes it:
 * FEED_CACHE_DIR/NAME.<tag><suffix> (FEED_CACHE_SOLV, _DESC...), the
 * tag 16 hex digits: zlib's CRC-32 and Adler-32 of the list's size and
 * mtime (ns), FEED_CACHE_FORMAT and the configured architectures, in
 * order (the parse keeps the packages of those alone: another set is
 * another cache). A list replaced (by update, by opkg) gets new caches; a copy
 * that kept its mtime (cp -a) is the same list and keeps them. A name,
 * not a secret: no SHA-256, whose library (OpenSSL's, loaded on first
 * use) reading a feed does not need otherwise. Malloc'd. */
char *feed_cache_name_of(const struct pkg_ctx *ctx, const char *name,
			 const struct stat *st, const char *suffix)
{
	char id[96], *p = NULL;
	uLong crc = crc32(0L, Z_NULL, 0), adler = adler32(0L, Z_NULL, 0);
	int n = snprintf(id, sizeof(id), "%lld %lld.%09ld " FEED_CACHE_FORMAT,
			 (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			 st->st_mtim.tv_nsec);
	size_t i;

	if (n < 0)
		return NULL;
	crc = crc32(crc, (const Bytef *)id, (uInt)n);
	adler = adler32(adler, (const Bytef *)id, (uInt)n);
	for (i = 0; i < ctx->conf.narchs; i++) {
		const char *a = ctx->conf.archs[i].name;
		crc = crc32(crc, (const Bytef *)" ", 1);
		crc = crc32(crc, (const Bytef *)a, (uInt)strlen(a));
		adler = adler32(adler, (const Bytef *)" ", 1);
		adler = adler32(adler, (const Bytef *)a, (uInt)strlen(a));
	}
	if (asprintf(&p, "%s.%08lx%08lx%s", name, (unsigned long)crc,
		     (unsigned long)adler, suffix) < 0)
		return NULL;
	return p;
}

static char *feed_cache_name(const struct pkg_ctx *ctx, const char *name,
			     const struct stat *st)
{
	return feed_cache_name_of(ctx, name, st, FEED_CACHE_SOLV);
}

/* What follows the tag in file, a directory entry of the cache, when
 * it is one of feed name's: NAME.<16 hex> then FEED_CACHE_SOLV, _DESC,
 * _ROWS, _ZIDX or _ORDER, and for a cache being written ".<pid>" (*pid set,
 * else 0). NULL when it is not one of ours. */
static const char *cache_entry(const char *file, const char *name, long *pid)
{
	static const char *const sfx[] = { FEED_CACHE_SOLV, FEED_CACHE_DESC,
					    FEED_CACHE_ROWS, FEED_CACHE_ZIDX,
					    FEED_CACHE_ORDER };
	size_t n = strlen(name), i, k;
	const char *p;
	char *end;

	*pid = 0;
	if (strncmp(file, name, n) || file[n] != '.' ||
	    strspn(file + n + 1, "0123456789abcdef") != 16)
		return NULL;
	p = file + n + 17;
	for (i = 0; i < sizeof(sfx) / sizeof(*sfx); i++) {
		k = strlen(sfx[i]);
		if (strncmp(p, sfx[i], k))
			continue;
		if (!p[k])
			return p;
		if (p[k] != '.' || p[k + 1] < '1' || p[k + 1] > '9')
			return NULL;
		*pid = strtol(p + k + 1, &end, 10);
		return *end ? NULL : p;
	}
	return NULL;
}

/*
 * Remove feed name's caches that are not wanted: those of another list
 * than keep's (keep NULL: none such), and those a process that is gone
 * was writing (NAME.<tag>.desc.<pid>: one killed on the way, `pkg list |
 * head`, leaves one, in RAM on a device, that nothing else would take
 * away; a live process's, or one we may not signal, stays). Best effort:
 * a cache is only a cache.
 */
static void feed_cache_clean(const struct pkg_ctx *ctx, const char *name,
			     const char *keep)
{
	int fd = ctx->cache_fd < 0 ? -1 : openat(ctx->cache_fd, ".",
						 O_RDONLY | O_DIRECTORY |
							 O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	size_t n = strlen(name) + 17; /* NAME.<16 hex> */
	struct dirent *e;
	long pid;
	int drop;

	if (!d && fd >= 0)
		close(fd);
	while (d && (e = readdir(d))) {
		if (!cache_entry(e->d_name, name, &pid))
			continue;
		if (pid) /* being written: by a process that is gone? */
			drop = pid != (long)getpid() &&
			       kill((pid_t)pid, 0) < 0 && errno == ESRCH;
		else /* another list's */
			drop = keep && strncmp(e->d_name, keep, n);
		if (drop)
			fsop_unlinkat(ctx->cache_fd, e->d_name, 0);
	}
	if (d)
		closedir(d);
}

char *feed_cache_file(struct pkg_ctx *ctx, const char *name,
		      const char *suffix)
{
	struct stat st;
	int dfd = feed_lists_fd(ctx, 0);

	if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return NULL;
	return feed_cache_name_of(ctx, name, &st, suffix);
}

void *feed_cache_map(struct pkg_ctx *ctx, const char *file, int whole,
		     size_t *size)
{
	int fd = ctx->cache_fd < 0 ? -ENOENT : open_in(ctx->cache_fd, file);
	struct stat st;
	void *m = MAP_FAILED;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < SIZE_MAX)
		m = mmap(NULL, (size_t)st.st_size, PROT_READ,
			 MAP_PRIVATE | (whole ? MAP_POPULATE : 0), fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	return m;
}

int feed_cache_create(struct pkg_ctx *ctx, const char *name,
		      const char *tmp)
{
	if (cache_dir_made(ctx) < 0)
		return -ENOENT;
	feed_cache_clean(ctx, name, NULL);
	return create_in(ctx->cache_fd, tmp);
}

void feed_cache_put(struct pkg_ctx *ctx, const char *name, const char *tmp,
		    const char *file, int ok)
{
	if (ctx->cache_fd < 0)
		return;
	if (ok && fsop_renameat(ctx->cache_fd, tmp, ctx->cache_fd, file) == 0)
		feed_cache_clean(ctx, name, file);
	else
		fsop_unlinkat(ctx->cache_fd, tmp, 0);
}

int feed_cache_out_open(struct pkg_ctx *ctx, const char *name,
			const struct stat *list, const char *suffix,
			const char *magic, struct feed_cache_out *c)
{
	size_t n = strlen(magic);

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->out.fd = -1;
	c->file = list ? feed_cache_name_of(ctx, name, list, suffix)
		       : feed_cache_file(ctx, name, suffix);
	if (!c->file ||
	    asprintf(&c->tmp, "%s.%ld", c->file, (long)getpid()) < 0) {
		c->tmp = NULL;
		feed_cache_out_close(ctx, c, -ENOMEM);
		return -ENOMEM;
	}
	if ((c->out.fd = feed_cache_create(ctx, name, c->tmp)) < 0 ||
	    !(c->fp = fsop_out_open(&c->out)) ||
	    fwrite(magic, 1, n, c->fp) != n) {
		feed_cache_out_close(ctx, c, -EIO);
		return -EIO;
	}
	return 0;
}

int feed_cache_out_close(struct pkg_ctx *ctx, struct feed_cache_out *c,
			 int r)
{
	int k;

	if (c->fp && fclose(c->fp) != 0 && r == 0)
		r = -EIO;
	if (r == 0 && c->out.err)
		r = c->out.err;
	if (c->out.fd >= 0) {
		k = fsop_close(c->out.fd);
		if (r == 0 && k < 0)
			r = k;
		feed_cache_put(ctx, c->name, c->tmp, c->file, r == 0);
	}
	free(c->file);
	free(c->tmp);
	memset(c, 0, sizeof(*c));
	c->out.fd = -1;
	return r;
}

/* The downloaded signature (*sig, parsed into *us) and the key it names
 * (*key, NULL when the signature does not parse or the keys directory
 * has none), read through the merged view (keys in the image and in the
 * overlay alike). 0 or reported. */
static int feed_sig_key(struct pkg_ctx *ctx, const char *shown,
			const char *sig_tmp, char **sig, size_t *siglen,
			struct usign_sig *us, char **key, size_t *keylen)
{
	char *rel = NULL, id[17];
	int r = read_in(ctx->lists_fd, sig_tmp, sig, siglen);

	*key = NULL;
	if (r < 0)
		return pkg_error(r, "cannot read the signature of '%s'", shown);
	if (usign_parse_sig(*sig, *siglen, us) == 0) {
		usign_keyid_hex(us->keyid, id);
		if (asprintf(&rel, "%s/%s", ctx->conf.keys_dir, id) >= 0 &&
		    ctx_read_file(ctx, rel, 4096, key, keylen) < 0)
			*key = NULL; /* none: usign_verify_text says so */
	}
	free(rel);
	return 0;
}

/* Check the downloaded list (decompressed: usign signs the text) against
 * its signature, with the key the signature names. The text is freed
 * before parsing starts, so update never holds the text and a pool at
 * once; usign needs the whole message (Ed25519 is one-shot), which makes
 * the largest list's text update's peak memory. */
static int feed_verify(struct pkg_ctx *ctx, const char *name,
		       const char *list_tmp, const char *sig_tmp)
{
	char *text = NULL, *sig = NULL, *key = NULL;
	char *shown = list_shown(ctx, name);
	size_t len = 0, siglen = 0, keylen = 0;
	struct usign_sig us;
	int fd, r;

	if (!shown)
		return -ENOMEM;
	r = feed_sig_key(ctx, shown, sig_tmp, &sig, &siglen, &us, &key,
			 &keylen);
	if (r < 0)
		goto out;
	fd = open_in(ctx->lists_fd, list_tmp);
	r = fd < 0 ? pkg_error(fd, "cannot read '%s'", shown)
		   : fetch_decompress_fd(fd, shown, 0, &text, &len);
	if (r == 0)
		r = usign_verify_text(shown, text, len, sig, siglen, shown, key,
				      keylen, ctx->conf.keys_dir);
out:
	free(text);
	free(sig);
	free(key);
	free(shown);
	return r; /* reported, naming the list or the key */
}

int feed_solver_init(const struct pkg_ctx *ctx, struct pkg_solver *s)
{
	size_t i, n = ctx->conf.narchs;
	const char **names = calloc(n + 1, sizeof(*names));
	int *prios = calloc(n + 1, sizeof(*prios)), r;

	if (!names || !prios) {
		free(names);
		free(prios);
		return pkg_error(-ENOMEM, "cannot create solver pool");
	}
	for (i = 0; i < n; i++) {
		names[i] = ctx->conf.archs[i].name;
		prios[i] = ctx->conf.archs[i].prio;
	}
	r = solver_init(s, names, prios, n);
	free(names);
	free(prios);
	return r;
}

static void desc_each(void *ud, uint64_t off, const char *text, size_t len)
{
	feed_desc_add(ud, off, text, len);
}

/* Parse a list (fd, owned; list: its stat) into the scratch pool tmp,
 * writing the cache into cache_fd (-1: none) and, on the way, its
 * descriptions cache (*desc, ended by the caller; NULL when there is no
 * cache directory): a list that does not parse is not installed, and tmp
 * released. The pool keeps the configured architectures' packages
 * alone, as the session's does: the cache is the same whichever of the
 * two writes it (and named after them). */
static int feed_parse(struct pkg_ctx *ctx, const char *name, int fd,
		      int cache_fd, const struct stat *list,
		      struct pkg_solver *tmp, struct feed_desc_writer **desc)
{
	char *shown = list_shown(ctx, name);
	FILE *fp = fetch_zopen_fd(fd, shown ? shown : name, 0);
	int r;

	free(shown);
	*desc = NULL;
	if (!fp)
		return -PKGE_FORMAT; /* reported */
	r = feed_solver_init(ctx, tmp);
	if (r == 0) {
		if (cache_fd < 0 || feed_desc_begin(ctx, name, list, desc) < 0)
			*desc = NULL;
		r = solver_feed_from_file(tmp, name, fp, 0, cache_fd, NULL,
					  *desc ? desc_each : NULL, *desc);
		if (r < 0) {
			solver_release(tmp);
			feed_desc_end(ctx, *desc, 0);
			*desc = NULL;
		}
	}
	fclose(fp);
	return r;
}

/* The rows cache of a list just put in place (list: its stat), from the
 * scratch pool its parse filled: the first list, info or depends after
 * an update load no pool (the first list's peaked at 6 MB). Best
 * effort. */
static void job_rows_write(struct pkg_ctx *ctx, const char *name,
			   const struct stat *list, struct pkg_solver *tmp)
{
	Queue all;

	queue_init(&all);
	solver_all_ids(tmp, &all);
	feed_rows_write(ctx, tmp, list, name, all.elements, (size_t)all.count);
	queue_free(&all);
}

static int feed_signed(const struct pkg_ctx *ctx)
{
	return ctx->conf.check_signature &&
	       !(ctx->opt.force & FORCE_SIGNATURE);
}

/* One feed's files during update, names in the lists directory: its list
 * and signature, and the ".new" downloads that replace them once checked
 * and parsed (the signature's ends in .sig, so that LuCI's pipeline skips
 * it too); the cache is written at solvtmp in the cache directory and
 * named after the list once in place. */
struct feed_job {
	char *list, *tmp, *sig, *sigtmp, *solvtmp;
	int unchanged; /* tmp has the bytes of list (files_equal, once) */
	int r;
};

static void job_release(struct pkg_ctx *ctx, struct feed_job *j)
{
	if (j->r < 0 && ctx->lists_fd >= 0) { /* the old list stays */
		if (j->tmp)
			fsop_unlinkat(ctx->lists_fd, j->tmp, 0);
		if (j->sigtmp)
			fsop_unlinkat(ctx->lists_fd, j->sigtmp, 0);
	}
	if (j->solvtmp && ctx->cache_fd >= 0)
		fsop_unlinkat(ctx->cache_fd, j->solvtmp, 0);
	free(j->list);
	free(j->tmp);
	free(j->sig);
	free(j->sigtmp);
	free(j->solvtmp);
}

/* Remove NAME+suffix from dfd (best effort). */
static void drop_in(int dfd, const char *name, const char *suffix)
{
	char *p = with_suffix(name, suffix);

	if (p)
		fsop_unlinkat(dfd, p, 0);
	free(p);
}

static int job_init(struct pkg_ctx *ctx, const struct conf_src *src,
		    struct feed_job *j)
{
	j->list = strdup(src->name);
	j->tmp = with_suffix(src->name, ".new");
	j->sig = with_suffix(src->name, ".sig");
	j->sigtmp = with_suffix(src->name, ".new.sig");
	j->solvtmp = with_suffix(src->name, ".new.solv");
	if (!j->list || !j->tmp || !j->sig || !j->sigtmp || !j->solvtmp)
		return -ENOMEM;
	/* what an older pkg kept in lists_dir: NAME.solv and its
	 * temporary NAME.solv.new; opkg keeps only NAME and NAME.sig */
	drop_in(ctx->lists_fd, src->name, ".solv");
	drop_in(ctx->lists_fd, src->name, ".solv.new");
	return 0;
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

/* Same size and bytes, a and b in the directory dfd? (0 when either
 * cannot be read.) */
static int files_equal(int dfd, const char *a, const char *b)
{
	char ba[16384], bb[16384];
	int fa = open_in(dfd, a), fb = open_in(dfd, b);
	ssize_t na, nb;
	int eq = fa >= 0 && fb >= 0;

	while (eq) {
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		eq = na >= 0 && na == nb && !memcmp(ba, bb, (size_t)na);
		if (na <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return eq;
}

/* Were the list and signature just downloaded checked already: the
 * same bytes as the pair in place, and the key the signature names still
 * in the keys directory? A list is put in place with its signature only
 * once it passed (and an unchecked one loses its old signature,
 * feed_install), so the answer would be the same: the whole list need
 * not be read, decompressed and checked again. A key taken away since
 * is a check to make again (it fails, and says why). */
static int feed_checked_before(struct pkg_ctx *ctx, const char *name,
			       const struct feed_job *j)
{
	struct usign_pubkey k;
	struct usign_sig us;
	char *sig = NULL, *key = NULL, *shown;
	size_t siglen = 0, keylen = 0;
	int same;

	if (!j->unchanged || !files_equal(ctx->lists_fd, j->sigtmp, j->sig) ||
	    !(shown = list_shown(ctx, name)))
		return 0;
	same = feed_sig_key(ctx, shown, j->sigtmp, &sig, &siglen, &us, &key,
			    &keylen) == 0 &&
	       key && usign_parse_pubkey(key, keylen, &k) == 0 &&
	       !memcmp(us.keyid, k.keyid, sizeof(k.keyid));
	free(sig);
	free(key);
	free(shown);
	return same;
}

/* Download url into name, a fresh file of the lists directory. */
static int fetch_into(struct pkg_ctx *ctx, const char *url, const char *name,
		      const struct fetch_opts *fo)
{
	int fd = create_in(ctx->lists_fd, name), r, c;

	if (fd < 0)
		return pkg_error(fd, "cannot download '%s'", url);
	r = fetch_url_fd(url, fd, fo, 0);
	c = fsop_close(fd);
	if (r == 0 && c < 0)
		r = pkg_error(c, "cannot download '%s'", url);
	return r;
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
	r = fetch_into(ctx, url, j->tmp, &fo);
	if (r < 0) {
		ctx_note(ctx, 1, "*** Failed to download the package list "
			 "from %s\n\n", url);
	} else if ((shown = list_shown(ctx, src->name))) {
		ctx_note(ctx, 1, "Updated list of available packages in %s\n",
			 shown);
		free(shown);
	}
	free(url);
	if (r == 0)
		j->unchanged = files_equal(ctx->lists_fd, j->tmp, j->list);
	if (r < 0 || !feed_signed(ctx))
		return r;
	if (asprintf(&url, "%s/Packages.sig", src->url) < 0)
		return -ENOMEM;
	ctx_note(ctx, 1, "Downloading %s\n", url);
	r = fetch_into(ctx, url, j->sigtmp, &fo);
	free(url);
	if (r < 0) {
		ctx_note(ctx, 1, "Signature file download failed.\n");
		return r;
	}
	r = feed_checked_before(ctx, src->name, j)
		    ? 0
		    : feed_verify(ctx, src->name, j->tmp, j->sigtmp);
	ctx_note(ctx, 1, r < 0 ? "Signature check failed.\n"
			       : "Signature check passed.\n");
	return r;
}

/* Put the cache parsed from the list now at j->list in place under the
 * list's identity, and drop the feed's other caches (best effort). */
static void job_cache_install(struct pkg_ctx *ctx, const char *name,
			      const struct feed_job *j)
{
	char *cache = feed_cache_file(ctx, name, FEED_CACHE_SOLV);

	if (cache)
		feed_cache_put(ctx, name, j->solvtmp, cache, 1);
	free(cache);
}

/* The signature beside a list being stored: the one just checked, or
 * none for a list taken unchecked (check_signature 0, --force-signature),
 * so that an old one never vouches for it (feed_checked_before). */
static int job_sig_put(struct pkg_ctx *ctx, const struct feed_job *j)
{
	int r;

	if (feed_signed(ctx))
		return fsop_renameat(ctx->lists_fd, j->sigtmp, ctx->lists_fd,
				     j->sig);
	r = fsop_unlinkat(ctx->lists_fd, j->sig, 0);
	return r == -ENOENT ? 0 : r;
}

/* Parse a checked list into its cache and put both in place. The
 * download that is the list already in place is dropped: the list keeps
 * its identity, and so its cache. */
static int feed_install(struct pkg_ctx *ctx, const struct conf_src *src,
			struct feed_job *j)
{
	int dfd = ctx->lists_fd, fd, cfd = -1, r;
	struct feed_desc_writer *desc = NULL;
	struct pkg_solver tmp;
	struct stat list;

	if (j->unchanged) {
		r = fsop_unlinkat(dfd, j->tmp, 0);
		if (r == 0)
			r = job_sig_put(ctx, j);
		if (r < 0)
			return pkg_error(r, "cannot store list of feed '%s'",
					 src->name);
		return 0;
	}
	if ((fd = open_in(dfd, j->tmp)) < 0)
		return pkg_error(fd, "cannot read list of feed '%s'",
				 src->name);
	/* the list's identity names its caches (it keeps its size and
	 * mtime when renamed into place) */
	if (fstat(fd, &list) < 0) {
		r = -errno;
		close(fd);
		return pkg_error(r, "cannot read list of feed '%s'",
				 src->name);
	}
	if (cache_dir_made(ctx) >= 0 &&
	    (cfd = create_in(ctx->cache_fd, j->solvtmp)) < 0)
		cfd = -1; /* no cache: the list is parsed each time */
	r = feed_parse(ctx, src->name, fd, cfd, &list, &tmp, &desc);
	if (cfd >= 0)
		fsop_close(cfd);
	if (r < 0)
		return r;
	r = job_sig_put(ctx, j); /* before the list: never a stale one */
	if (r == 0)
		r = fsop_renameat(dfd, j->tmp, dfd, j->list);
	if (r == 0)
		r = fsop_fsync(dfd);
	/* the descriptions and rows in place once the list is: named after
	 * it, they were never another list's */
	feed_desc_end(ctx, desc, r == 0);
	if (r == 0 && cfd >= 0)
		job_rows_write(ctx, src->name, &list, &tmp);
	solver_release(&tmp);
	if (r < 0)
		return pkg_error(r, "cannot store list of feed '%s'",
				 src->name);
	if (cfd >= 0)
		job_cache_install(ctx, src->name, j);
	return 0;
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
	size_t i, n = ctx->conf.nsrcs;
	int failed = 0;

	*nfailed = 0;
	if (n == 0)
		pkg_warn("no feeds configured (src lines in opkg.conf)");
	/* the lists directory first: never a feed at an unresolved path */
	if (n && feed_lists_fd(ctx, 1) < 0) {
		*nfailed = (int)n;
		return -PKGE_CONFIG; /* reported */
	}
	jobs = calloc(n ? n : 1, sizeof(*jobs));
	if (!jobs)
		return pkg_error(-ENOMEM, "cannot update the feeds");
	/* No malloc_trim between lists: the big blocks are mapped and
	 * unmapped on their own (M_MMAP_THRESHOLD, main.c), and what it gave
	 * back of the rest was faulted in again by the next list (600 page
	 * faults, 9 ms of the 19.07.1 update, for no lower peak). */
	for (i = 0; i < n; i++)
		jobs[i].r = feed_fetch(ctx, &ctx->conf.srcs[i], &jobs[i]);
	for (i = 0; i < n; i++) {
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
		job_release(ctx, &jobs[i]);
	}
	free(jobs);
	return failed;
}

/* Load a feed: from its cache when there is one for the list as it is,
 * else parse the list and write the cache (best effort: without a
 * writable cache directory the list is parsed each time). The cache is
 * written under a name of this process and renamed into place, so that
 * readers without the lock never see half of one. */
static int feed_load_one(struct pkg_ctx *ctx, const struct conf_src *src,
			 int prio)
{
	char *cache = NULL, *tmp = NULL, *shown;
	int dfd = feed_lists_fd(ctx, 0), fd = -1, cfd = -1, r = 0;
	struct stat sl;
	FILE *fp;

	if (dfd == -ENOENT || (dfd >= 0 && fstatat(dfd, src->name, &sl,
						   AT_SYMLINK_NOFOLLOW) < 0))
		return 0; /* never updated: nothing to load */
	if (dfd < 0)
		return dfd; /* reported */
	if ((cache = feed_cache_name(ctx, src->name, &sl)) &&
	    ctx->cache_fd >= 0 &&
	    (fd = open_in(ctx->cache_fd, cache)) >= 0) {
		r = solver_feed_from_cache(&ctx->solv, src->name, fd, prio,
					   NULL);
		close(fd);
		if (r == 0)
			goto out;
	}
	if ((fd = open_in(dfd, src->name)) < 0) {
		r = pkg_error(fd, "cannot read list of feed '%s'", src->name);
		goto out;
	}
	shown = list_shown(ctx, src->name);
	fp = fetch_zopen_fd(fd, shown ? shown : src->name, 0);
	free(shown);
	if (!fp) {
		r = -PKGE_FORMAT; /* reported, naming the list */
		goto out;
	}
	if (cache && asprintf(&tmp, "%s.%ld", cache, (long)getpid()) >= 0 &&
	    (cfd = feed_cache_create(ctx, src->name, tmp)) < 0)
		cfd = -1;
	r = solver_feed_from_file(&ctx->solv, src->name, fp, prio, cfd, NULL,
				  NULL, NULL);
	fclose(fp);
	if (cfd >= 0) {
		fsop_close(cfd);
		feed_cache_put(ctx, src->name, tmp, cache, r == 0);
	}
out:
	free(cache);
	free(tmp);
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
	struct feed_zidx zidx; /* the list's seek index, once looked for */
	int zidx_looked;
};

/* Start c's stream at the last point of the list's seek index before
 * off, when that is past where the stream is (or would start). */
static void cursor_jump(struct pkg_ctx *ctx, struct feed_cursor *c,
			size_t off)
{
	uint64_t at;
	FILE *fp = feed_list_open_near(ctx, c->name, &c->zidx,
				       &c->zidx_looked, c->fp ? c->pos : 0,
				       off, &at);

	if (!fp)
		return;
	if (c->fp)
		fclose(c->fp);
	c->fp = fp;
	c->pos = (size_t)at;
}

static FILE *cursor_at(struct pkg_ctx *ctx, const char *name, size_t off,
		       struct feed_cursor **out)
{
	struct feed_cursor *c = NULL, *v;
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
	cursor_jump(ctx, c, off);
	if (!c->fp) {
		c->fp = feed_list_open(ctx, name); /* NULL: gone since read */
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
		feed_zidx_unmap(&ctx->cursors[i].zidx);
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

	*out = NULL;
	if (!name)
		return -PKGE_NOTFOUND;
	return feed_stanza_at(ctx, name, solver_offset(&ctx->solv, p), out);
}

int feed_stanza_at(struct pkg_ctx *ctx, const char *name, uint64_t off,
		   char **out)
{
	char *line = NULL;
	size_t cap = 0;
	struct feed_cursor *c = NULL;
	struct strbuf b = { NULL, 0, 0, 0 }; /* info 'lib*': one a package */
	FILE *fp;
	ssize_t n;
	int r = 0;

	*out = NULL;
	if ((size_t)off != off) /* past what this machine can seek */
		return -PKGE_NOTFOUND;
	fp = cursor_at(ctx, name, (size_t)off, &c);
	if (!fp)
		return -PKGE_NOTFOUND;
	while ((n = getline(&line, &cap, fp)) > 0) {
		c->pos += (size_t)n;
		if (line[0] == '\n' || !strcmp(line, "\r\n"))
			break;
		strbuf_add(&b, line, (size_t)n);
	}
	if (ferror(fp))
		r = -PKGE_FORMAT;
	free(line);
	if (r == 0 && b.oom)
		r = -ENOMEM;
	if (r == 0 && b.len == 0)
		r = -PKGE_NOTFOUND;
	if (r < 0) {
		free(b.s);
		return r;
	}
	*out = strbuf_take(&b);
	return *out ? 0 : -ENOMEM;
}
