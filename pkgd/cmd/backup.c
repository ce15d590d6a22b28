/*
 * backup -b FILE.tar.gz [-u] | -l [-u] | -r FILE.tar.gz
 *
 * The set of files sysupgrade keeps: the paths named by etc/sysupgrade.conf
 * and lib/upgrade/keep.d/ * (directories recursively, globs expanded in
 * the merged view), the conffiles changed since install (from the
 * database), and the package lists (WORLD_FILE, INSTALLED_TXT, rendered
 * from the database). -u leaves out files identical to the image's copy.
 * -b writes a gzip'd tar that restores with `tar -C / -xzf` as
 * sysupgrade's does; -l lists the paths; -r restores an archive into the
 * root after checking every path (nothing escapes the root).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "cmd/cmd.h"

#define BK_MAX_DEPTH 32

struct bk {
	struct pkg_ctx *ctx;
	char **paths;	/* root-relative, no leading '/' */
	size_t n;
	int unchanged;	/* -u */
	const char *out; /* -b FILE */
	const char *in;	 /* -r FILE */
	int list;	 /* -l */
};

static int bk_add(struct bk *b, const char *rel)
{
	char **v;

	if (!strcmp(rel, WORLD_FILE) || !strcmp(rel, INSTALLED_TXT))
		return 0; /* rendered from the database instead */
	v = realloc(b->paths, (b->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	b->paths = v;
	v[b->n] = strdup(rel);
	return v[b->n++] ? 0 : -ENOMEM;
}

static void free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Names in directory rel of the merged view (image and upper layer),
 * rel's links followed inside the root. */
static void merged_names(struct pkg_ctx *ctx, const char *rel, char ***v,
			 size_t *n)
{
	char *res = NULL;

	*v = NULL;
	*n = 0;
	if (rootfs_resolve(&ctx->rf, NULL, rel, ROOTFS_RESOLVE_FOLLOW, &res) ==
	    0)
		rootfs_list_dir(&ctx->rf, res, v, n);
	free(res);
}

static char *join(const char *dir, const char *name)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
		return NULL;
	return s;
}

/* Add rel: a file or symlink, or a directory's files recursively. */
static int bk_walk(struct bk *b, const char *rel, int depth)
{
	struct stat st;
	char **names, *res = NULL;
	size_t n, i;
	int r = 0, found;

	found = rootfs_resolve(&b->ctx->rf, NULL, rel, 0, &res) == 0 &&
		rootfs_lstat(&b->ctx->rf, res, &st, NULL) == 0;
	free(res);
	if (!found)
		return 0; /* missing or whited out: nothing to keep */
	if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
		return bk_add(b, rel);
	if (!S_ISDIR(st.st_mode) || depth > BK_MAX_DEPTH)
		return 0;
	merged_names(b->ctx, rel, &names, &n);
	for (i = 0; r == 0 && i < n; i++) {
		char *c = join(rel, names[i]);
		r = c ? bk_walk(b, c, depth + 1) : -ENOMEM;
		free(c);
	}
	free_names(names, n);
	return r;
}

/* Expand pattern (root-relative, normalised) one component at a time. */
static int bk_glob(struct bk *b, const char *dir, const char *pat)
{
	const char *slash = strchr(pat, '/');
	char *comp = slash ? strndup(pat, (size_t)(slash - pat)) : strdup(pat);
	char **names = NULL;
	size_t n = 0, i;
	int r = 0;

	if (!comp)
		return -ENOMEM;
	if (!strpbrk(comp, "*?[")) {
		names = malloc(sizeof(*names));
		if (names)
			names[n++] = strdup(comp);
	} else {
		merged_names(b->ctx, dir, &names, &n);
	}
	for (i = 0; r == 0 && i < n; i++) {
		char *c;
		if (!names[i] || fnmatch(comp, names[i], FNM_PERIOD))
			continue;
		c = join(dir, names[i]);
		if (!c)
			r = -ENOMEM;
		else if (slash && slash[1])
			r = bk_glob(b, c, slash + 1);
		else
			r = bk_walk(b, c, 0);
		free(c);
	}
	free_names(names, n);
	free(comp);
	return r;
}

static int bk_line(struct bk *b, const char *file, size_t no, char *line)
{
	char *p = line + strspn(line, " \t"), *norm = NULL, *e;
	int r;

	e = p + strlen(p);
	while (e > p && strchr(" \t\r", e[-1]))
		*--e = 0;
	if (!*p || *p == '#')
		return 0;
	if (path_normalise(p, &norm) < 0) {
		pkg_warn("%s:%zu: '%s' escapes the root (ignored)", file, no,
			 p);
		return 0;
	}
	r = *norm ? bk_glob(b, "", norm) : 0;
	free(norm);
	return r;
}

/* The paths named by one list file (sysupgrade.conf, a keep.d file). */
static int bk_list_file(struct bk *b, const char *rel)
{
	char *text = NULL, *s, *nl;
	size_t len, no = 0;
	int r = 0;

	if (ctx_read_file(b->ctx, rel, 1 << 20, &text, &len) < 0)
		return 0;
	for (s = text; r == 0 && s && *s; s = nl ? nl + 1 : NULL) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		r = bk_line(b, rel, ++no, s);
	}
	free(text);
	return r;
}

static int bk_keep_lists(struct bk *b)
{
	char **names;
	size_t n, i;
	int r = bk_list_file(b, "etc/sysupgrade.conf");

	merged_names(b->ctx, "lib/upgrade/keep.d", &names, &n);
	for (i = 0; r == 0 && i < n; i++) {
		char *c = join("lib/upgrade/keep.d", names[i]);
		r = c ? bk_list_file(b, c) : -ENOMEM;
		free(c);
	}
	free_names(names, n);
	return r;
}

/* Conffiles whose content differs from the hash recorded at install. */
static int conf_changed_one(const struct db_file *f, void *ud)
{
	struct bk *b = ud;
	char hex[SHA256_HEX_SIZE], md5[MD5_HEX_SIZE], *res = NULL;
	int changed = 0, fd = -1;

	if (!f->conffile || !f->conf_sha256 || !*f->conf_sha256)
		return 0;
	if (rootfs_resolve(&b->ctx->rf, NULL, f->path, 0, &res) == 0)
		fd = rootfs_open_read(&b->ctx->rf, res, NULL);
	free(res);
	if (fd >= 0 && strlen(f->conf_sha256) == 32)
		changed = rootfs_md5_fd(fd, md5) == 0 &&
			  strcmp(md5, f->conf_sha256);
	else if (fd >= 0)
		changed = rootfs_sha256_fd(fd, hex) == 0 &&
			  strcmp(hex, f->conf_sha256);
	if (fd >= 0)
		close(fd);
	return changed ? bk_add(b, f->path) : 0;
}

/* -u: the merged view's rel equals the image's copy. */
static int same_as_image(struct pkg_ctx *ctx, const char *rel)
{
	enum origin o = ORIGIN_NONE;
	enum tree_layer l;
	char a[PATH_MAX], c[PATH_MAX], *res = NULL;
	struct stat s1, s2;
	int same = 0, found;

	found = ctx->rf.rom_fd >= 0 &&
		rootfs_resolve(&ctx->rf, NULL, rel, 0, &res) == 0 &&
		rootfs_find(&ctx->rf, res, &s1, &o, &l) == 0;
	if (found && o == ORIGIN_ROM)
		same = 1;
	else if (found && tree_lstat(&ctx->rf, TREE_ROM, res, &s2) == 0 &&
		 (s1.st_mode & S_IFMT) == (s2.st_mode & S_IFMT)) {
		if (S_ISREG(s1.st_mode))
			same = tree_sha256(&ctx->rf, l, res, a) == 0 &&
			       tree_sha256(&ctx->rf, TREE_ROM, res, c) == 0 &&
			       !strcmp(a, c);
		else if (S_ISLNK(s1.st_mode))
			same = tree_readlink(&ctx->rf, l, res, a, sizeof(a)) >=
				       0 &&
			       tree_readlink(&ctx->rf, TREE_ROM, res, c,
					     sizeof(c)) >= 0 &&
			       !strcmp(a, c);
	}
	free(res);
	return same;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole keep set, sorted, without duplicates. */
static int bk_collect(struct bk *b)
{
	size_t i, k = 0;
	int r = bk_keep_lists(b);

	if (r == 0)
		r = db_file_each(b->ctx->db, NULL, conf_changed_one, b);
	if (r < 0)
		return r;
	qsort(b->paths, b->n, sizeof(*b->paths), cmp_str);
	for (i = 0; i < b->n; i++) {
		if ((k && !strcmp(b->paths[k - 1], b->paths[i])) ||
		    (b->unchanged && same_as_image(b->ctx, b->paths[i]))) {
			free(b->paths[i]);
			continue;
		}
		b->paths[k++] = b->paths[i];
	}
	b->n = k;
	return 0;
}

/* ---- writing the archive (into memory, then one atomic write) ---- */

struct membuf {
	char *data;
	size_t len, cap;
};

static la_ssize_t mem_write(struct archive *a, void *ud, const void *buf,
			    size_t n)
{
	struct membuf *m = ud;

	if (m->len + n > m->cap) {
		size_t cap = (m->len + n) * 2 + 4096;
		char *d = realloc(m->data, cap);
		if (!d) {
			archive_set_error(a, ENOMEM, "out of memory");
			return -1;
		}
		m->data = d;
		m->cap = cap;
	}
	memcpy(m->data + m->len, buf, n);
	m->len += n;
	return (la_ssize_t)n;
}

static int tar_err(struct archive *a, const char *what)
{
	return pkg_error_plain(-PKGE_FORMAT, "cannot write backup: %s: %s",
			       what, archive_error_string(a));
}

static int tar_put(struct archive *a, struct archive_entry *e,
		   const char *data, size_t len)
{
	if (archive_write_header(a, e) != ARCHIVE_OK)
		return tar_err(a, archive_entry_pathname(e));
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return tar_err(a, archive_entry_pathname(e));
	return 0;
}

/* One file or symlink of the merged view, with its stat. */
static int tar_file(struct archive *a, struct pkg_ctx *ctx, const char *rel)
{
	char *res = NULL, *data = NULL;
	char target[PATH_MAX];
	struct archive_entry *e;
	enum tree_layer layer;
	enum origin o;
	struct stat st;
	size_t len = 0;
	int r = 0;

	if (rootfs_resolve(&ctx->rf, NULL, rel, 0, &res) < 0 ||
	    rootfs_find(&ctx->rf, res, &st, &o, &layer) < 0) {
		free(res);
		return 0; /* vanished meanwhile */
	}
	e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, rel);
	if (S_ISLNK(st.st_mode)) {
		if (tree_readlink(&ctx->rf, layer, res, target,
				  sizeof(target)) < 0)
			target[0] = 0;
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
	} else if ((r = tree_read_file(&ctx->rf, layer, res, 0, &data,
				       &len)) < 0) {
		r = pkg_error(r, "cannot read '/%s'", rel);
	} else {
		archive_entry_set_size(e, (la_int64_t)len);
	}
	if (r == 0)
		r = tar_put(a, e, data, len);
	archive_entry_free(e);
	free(data);
	free(res);
	return r;
}

static int tar_mem(struct archive *a, const char *rel, const char *data,
		   size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, rel);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, time(NULL), 0);
	r = tar_put(a, e, data, len);
	archive_entry_free(e);
	return r;
}

static int bk_write(struct bk *b, const char *world, size_t wl,
		    const char *itxt, size_t il)
{
	struct archive *a = archive_write_new();
	struct membuf m = { 0 };
	size_t i;
	int r = 0;

	if (!a)
		return -ENOMEM;
	archive_write_add_filter_gzip(a);
	archive_write_set_format_gnutar(a);
	if (archive_write_open(a, &m, NULL, mem_write, NULL) != ARCHIVE_OK)
		r = tar_err(a, "open");
	for (i = 0; r == 0 && i < b->n; i++)
		r = tar_file(a, b->ctx, b->paths[i]);
	if (r == 0)
		r = tar_mem(a, INSTALLED_TXT, itxt, il);
	if (r == 0)
		r = tar_mem(a, WORLD_FILE, world, wl);
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = tar_err(a, "close");
	archive_write_free(a);
	if (r == 0)
		r = hostfs_write_atomic(b->out, m.data, m.len, 0600);
	free(m.data);
	return r;
}

/* ---- restoring (checked) ---- */

static int rd_open(const char *file, struct archive **out)
{
	struct archive *a = archive_read_new();

	/* What a backup may be compressed with (not _all: lz4 and the
	 * others would be linked in for nothing). */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, 16384) != ARCHIVE_OK) {
		int r = pkg_error_plain(-PKGE_FORMAT, "cannot read backup "
				       "'%s': %s", file,
				       archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	*out = a;
	return 0;
}

/* Normalised root-relative path of an entry; PKGE_UNSAFE when it escapes
 * the root, runs under a symlink of the same archive or is not a file,
 * directory or symlink. */
static int rd_check(struct archive_entry *e, char **links, size_t nlinks,
		    char **out)
{
	const char *p = archive_entry_pathname(e);
	mode_t t = archive_entry_filetype(e);
	size_t i, l;

	*out = NULL;
	if (!p || archive_entry_hardlink(e) ||
	    (t != AE_IFREG && t != AE_IFDIR && t != AE_IFLNK))
		return -PKGE_UNSAFE;
	if (path_normalise(p, out) < 0 || !**out)
		return -PKGE_UNSAFE;
	for (i = 0; i < nlinks; i++) {
		l = strlen(links[i]);
		if (!strncmp(*out, links[i], l) && (*out)[l] == '/')
			return -PKGE_UNSAFE;
	}
	return 0;
}

static int rd_verify(const char *file)
{
	struct archive *a;
	struct archive_entry *e;
	char **links = NULL, *norm = NULL;
	size_t nl = 0;
	int r = rd_open(file, &a), x;

	while (r == 0 && (x = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (rd_check(e, links, nl, &norm) < 0)
			r = pkg_error_plain(-PKGE_UNSAFE,
					    "refusing backup '%s': entry '%s' "
					    "escapes the root or is not a "
					    "plain file",
					    file, archive_entry_pathname(e));
		else if (archive_entry_filetype(e) == AE_IFLNK)
			r = strv_add_unique(&links, &nl, norm);
		free(norm);
		norm = NULL;
	}
	if (r == 0 && x != ARCHIVE_EOF)
		r = pkg_error_plain(-PKGE_FORMAT, "cannot read backup '%s': "
				    "%s", file, archive_error_string(a));
	free_names(links, nl);
	if (a)
		archive_read_free(a);
	return r;
}

static int rd_link(struct pkg_ctx *ctx, const char *rel, const char *target)
{
	char *res = NULL;
	struct stat st;
	int r = ctx_prepare_write(ctx, rel, &res);

	if (r < 0)
		return r;
	if (tree_lstat(&ctx->rf, TREE_WRITE, res, &st) == 0 &&
	    !S_ISDIR(st.st_mode))
		r = tree_unlink(&ctx->rf, TREE_WRITE, res);
	if (r == 0)
		r = tree_symlink(&ctx->rf, TREE_WRITE, target, res);
	if (r < 0)
		r = pkg_error(r, "cannot restore '/%s'", rel);
	free(res);
	return r;
}

static int rd_entry(struct pkg_ctx *ctx, struct archive *a,
		    struct archive_entry *e, const char *rel)
{
	la_int64_t size = archive_entry_size(e);
	char *data;
	int r;

	if (archive_entry_filetype(e) == AE_IFLNK)
		return rd_link(ctx, rel, archive_entry_symlink(e));
	if (archive_entry_filetype(e) == AE_IFDIR)
		return 0; /* created as parents of what they hold */
	if (size < 0 || size > (1 << 26))
		return pkg_error_plain(-PKGE_FORMAT, "backup entry '%s' is too "
				       "big", rel);
	data = malloc((size_t)size + 1);
	if (!data)
		return -ENOMEM;
	if (archive_read_data(a, data, (size_t)size) != size)
		r = pkg_error_plain(-PKGE_FORMAT, "cannot read backup entry "
				    "'%s'", rel);
	else
		r = ctx_write_file(ctx, rel, data, (size_t)size,
				   archive_entry_perm(e) & 0777);
	free(data);
	return r;
}

static int bk_restore(struct bk *b)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	char *norm = NULL;
	int r = rd_verify(b->in), x = ARCHIVE_OK;

	if (r == 0)
		r = ctx_lock(b->ctx);
	if (r == 0)
		r = rd_open(b->in, &a);
	while (r == 0 && (x = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		r = rd_check(e, NULL, 0, &norm);
		if (r == 0)
			r = rd_entry(b->ctx, a, e, norm);
		if (r == 0)
			ctx_note(b->ctx, 2, "restored /%s\n", norm);
		free(norm);
		norm = NULL;
	}
	if (a)
		archive_read_free(a);
	return r;
}

/* ---- the command ---- */

static int bk_args(struct bk *b, int argc, char **argv)
{
	int k;

	for (k = 0; k < argc; k++) {
		const char *a = argv[k];
		if (!strcmp(a, "--"))
			continue;
		if (!strcmp(a, "-u"))
			b->unchanged = 1;
		else if (!strcmp(a, "-l") || !strcmp(a, "--list-backup"))
			b->list = 1;
		else if ((!strcmp(a, "-b") || !strcmp(a, "--create-backup")) &&
			 k + 1 < argc)
			b->out = argv[++k];
		else if ((!strcmp(a, "-r") || !strcmp(a, "--restore-backup")) &&
			 k + 1 < argc)
			b->in = argv[++k];
		else
			return pkg_error_plain(-PKGE_USAGE,
					       "backup: unknown argument '%s' "
					       "(-b FILE [-u] | -l [-u] | "
					       "-r FILE)", a);
	}
	if (!!b->list + !!b->out + !!b->in != 1)
		return pkg_error_plain(-PKGE_USAGE,
				       "backup: say one of -b FILE, -l, -r "
				       "FILE");
	return 0;
}

static int cmd_backup(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct bk b = { .ctx = ctx };
	char *world = NULL, *itxt = NULL;
	size_t wl = 0, il = 0, i;
	int r = bk_args(&b, argc, argv);

	if (r == 0 && b.in)
		return bk_restore(&b);
	if (r == 0)
		r = bk_collect(&b);
	if (r == 0)
		r = world_texts(ctx, &world, &wl, &itxt, &il);
	if (r == 0 && b.list) {
		for (i = 0; i < b.n; i++)
			fprintf(ctx->out, "/%s\n", b.paths[i]);
		fprintf(ctx->out, "/%s\n/%s\n", INSTALLED_TXT, WORLD_FILE);
	} else if (r == 0) {
		r = bk_write(&b, world, wl, itxt, il);
		if (r == 0)
			ctx_note(ctx, 1, "Saved %zu files to %s\n", b.n + 2,
				 b.out);
	}
	free_names(b.paths, b.n);
	free(world);
	free(itxt);
	return r;
}

const struct pkg_cmd cmd_backup_desc = {
	"backup", "-b FILE.tar.gz [-u] | -l [-u] | -r FILE.tar.gz",
	"save or list what sysupgrade keeps, with the package lists",
	CMD_DB | CMD_OWNOPTS, cmd_backup
};
