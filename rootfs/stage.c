/*
 * Secure extraction of an ipk's data part into a staging directory.
 *
 * Nothing is ever written at an archive path: regular files go to flat
 * names "<staging>/<index>", everything else is only recorded. The rules
 * are libarchive's secure-extract ones, checked by us on the normalised
 * names: no "..", no absolute path, nothing below a symlink (or any
 * non-directory) of the same archive, hardlinks only to regular files of
 * the archive, no device nodes / fifos / setuid / setgid unless allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "rootfs.h"
#include "rootfs_int.h"

struct stager {
	const struct rootfs *rf;
	const char *staging;	/* canonical, in the write layer */
	int flags;
	uint64_t max_bytes;	/* bytes the data part may unpack to */
	const struct stage_limits *lim;
	const char *name;	/* the archive, for messages */
	struct stage_list *l;
	size_t cap;
	int reported;	/* an error was already reported */
	char why[256];	/* PKGE_FORMAT: what is wrong; UNSAFE: the reason */
	char bad[512];	/* PKGE_UNSAFE: the entry */
};

int path_normalise(const char *in, char **out)
{
	size_t len = strlen(in), n = 0;
	char *buf = malloc(len + 1);
	const char *s = in;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	while (*s) {
		size_t seg = strcspn(s, "/");

		if (seg == 2 && s[0] == '.' && s[1] == '.') {
			free(buf);
			return -PKGE_UNSAFE;
		}
		if (seg && !(seg == 1 && s[0] == '.')) {
			if (n)
				buf[n++] = '/';
			memcpy(buf + n, s, seg);
			n += seg;
		}
		s += seg;
		if (*s == '/')
			s++;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int unsafe(struct stager *st, const char *reason, const char *entry)
{
	snprintf(st->why, sizeof(st->why), "%s", reason);
	snprintf(st->bad, sizeof(st->bad), "%s", entry);
	return -PKGE_UNSAFE;
}

static int bad_format(struct stager *st, const char *what, const char *detail)
{
	snprintf(st->why, sizeof(st->why), "%s%s%s", what,
		 detail ? ": " : "", detail ? detail : "");
	return -PKGE_FORMAT;
}

/* Normalise an archive path, refusing absolute ones, ".." and control
 * characters (a newline in a name would become two lines of the
 * package's .list). */
static int safe_path(struct stager *st, const char *raw, char **out)
{
	int rc;

	*out = NULL;
	if (!ctl_line_ok(raw))
		return unsafe(st, "control character in path", raw);
	if (raw[0] == '/')
		return unsafe(st, "unsafe path", raw);
	rc = path_normalise(raw, out);
	if (rc == -PKGE_UNSAFE)
		return unsafe(st, "unsafe path", raw);
	return rc;
}

/* The data part unpacks to more than its cap: the declared size (with a
 * margin) or the free space where it is staged. */
static int over_cap(struct stager *st)
{
	const struct stage_limits *lim = st->lim;

	st->reported = 1;
	if (lim && lim->space && st->max_bytes == lim->space)
		return pkg_error_plain(-PKGE_SPACE,
				       "cannot unpack '%s': more than the "
				       "%.1f MiB free on %s",
				       st->name, lim->space / 1048576.0,
				       lim->where ? lim->where : "the root");
	return pkg_error_plain(-PKGE_FORMAT,
			       "refusing '%s': it unpacks to more than %llu "
			       "bytes (Installed-Size %llu)",
			       st->name, (unsigned long long)st->max_bytes,
			       (unsigned long long)(lim ? lim->installed_size
							: 0));
}

/* Copy the entry's data into fd, hashing it. */
static int copy_data(struct stager *st, struct archive *a, int fd,
		     struct stage_entry *e)
{
	unsigned char buf[65536];
	struct crypto_hash h;
	la_ssize_t r = 0;
	int rc = crypto_hash_init(&h, CRYPTO_SHA256);

	while (!rc && (r = archive_read_data(a, buf, sizeof(buf))) > 0) {
		ssize_t w;

		e->size += (uint64_t)r;
		if (st->l->bytes + e->size > st->max_bytes) {
			rc = over_cap(st);
			break;
		}
		w = fsop_write(fd, buf, (size_t)r);
		if (w < 0)
			rc = (int)w;
		else
			crypto_hash_update(&h, buf, (size_t)r);
	}
	if (!rc && r < 0)
		rc = bad_format(st, "data part", archive_error_string(a));
	if (!rc)
		return crypto_hash_final(&h, e->sha256);
	crypto_hash_release(&h);
	return rc;
}

/* Write a regular file's data to "<staging>/<index>" (0600), not synced:
 * the caller makes the whole staging durable at once (ipk_stage). */
static int stage_file(struct stager *st, struct archive *a,
		      struct stage_entry *e, size_t idx)
{
	int fd, rc;

	if (asprintf(&e->staged, "%s/%zu", st->staging, idx) < 0) {
		e->staged = NULL;
		return -ENOMEM;
	}
	fd = tree_open(st->rf, TREE_WRITE, e->staged,
		       O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		free(e->staged);
		e->staged = NULL;
		st->reported = 1;
		return pkg_error(fd, "cannot create '/%s/%zu'", st->staging,
				 idx);
	}
	e->size = 0;
	rc = copy_data(st, a, fd, e);
	if (!rc)
		rc = fsop_close(fd);
	else
		fsop_close(fd);
	if (rc && rc > -PKGE_FIRST) {
		st->reported = 1;
		pkg_error(rc, "cannot write '/%s'", e->staged);
	}
	st->l->bytes += e->size;
	return rc;
}

static int stage_special(struct stager *st, struct archive_entry *ae,
			 struct stage_entry *e)
{
	const char *link = archive_entry_hardlink(ae);
	mode_t type = archive_entry_filetype(ae);

	if (link) {
		e->type = ST_HARDLINK;
		return safe_path(st, link, &e->target);
	}
	if (type == AE_IFDIR) {
		e->type = ST_DIR;
	} else if (type == AE_IFLNK) {
		e->type = ST_SYMLINK;
		link = archive_entry_symlink(ae);
		if (!link || !*link)
			return bad_format(st, "symlink without target",
					  e->path);
		if (!ctl_line_ok(link) || strlen(link) >= PATH_MAX)
			return unsafe(st, "bad symlink target", e->path);
		if (!(e->target = strdup(link)))
			return -ENOMEM;
	} else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
		if (!(st->flags & IPK_ALLOW_DEVICES))
			return unsafe(st, "device node", e->path);
		e->type = ST_DEVICE;
		e->mode |= type;
		e->rdev = archive_entry_rdev(ae);
	} else {
		return unsafe(st, "unsupported file type", e->path);
	}
	return 0;
}

static int stage_one(struct stager *st, struct archive *a,
		     struct archive_entry *ae)
{
	const char *raw = archive_entry_pathname(ae);
	struct stage_list *l = st->l;
	struct stage_entry *e;
	char *path;
	int rc;

	if (!raw)
		return bad_format(st, "entry without a name", NULL);
	rc = safe_path(st, raw, &path);
	if (rc || !*path) {
		free(path);
		return rc;
	}
	if (l->n == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 64;

		if (!(e = realloc(l->e, ncap * sizeof(*e)))) {
			free(path);
			return -ENOMEM;
		}
		l->e = e, st->cap = ncap;
	}
	e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->mode = archive_entry_perm(ae) & 07777;
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	l->n++; /* owned by the list from here, for cleanup */
	if ((e->mode & (S_ISUID | S_ISGID)) && !(st->flags & IPK_ALLOW_SETID))
		return unsafe(st, "setuid/setgid file", e->path);
	if (!archive_entry_hardlink(ae) && archive_entry_filetype(ae) ==
	    AE_IFREG) {
		e->type = ST_FILE;
		return stage_file(st, a, e, l->n - 1);
	}
	return stage_special(st, ae, e);
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stage_entry *)a)->path,
		      ((const struct stage_entry *)b)->path);
}

static int key_cmp(const void *key, const void *b)
{
	return strcmp(key, ((const struct stage_entry *)b)->path);
}

static struct stage_entry *find(struct stage_list *l, const char *path)
{
	return bsearch(path, l->e, l->n, sizeof(*l->e), key_cmp);
}

/* On the sorted list: every ancestor present in the archive is a
 * directory, no path appears twice (except directories), hardlinks name
 * a regular file of the archive. */
static int check_tree(struct stager *st)
{
	struct stage_list *l = st->l;
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct stage_entry *e = &l->e[i], *t;
		char *s;

		if (i && !strcmp(e->path, l->e[i - 1].path) &&
		    (e->type != ST_DIR || l->e[i - 1].type != ST_DIR))
			return unsafe(st, "duplicate path", e->path);
		for (s = strchr(e->path, '/'); s; s = strchr(s + 1, '/')) {
			char *anc = strndup(e->path, (size_t)(s - e->path));

			if (!anc)
				return -ENOMEM;
			t = find(l, anc);
			free(anc);
			if (t && t->type != ST_DIR)
				return unsafe(st, "unsafe path", e->path);
		}
		if (e->type != ST_HARDLINK)
			continue;
		t = find(l, e->target);
		if (!t || t->type != ST_FILE)
			return unsafe(st, "hardlink outside the package",
				      e->path);
		e->size = t->size;
		memcpy(e->sha256, t->sha256, sizeof(e->sha256));
	}
	return 0;
}

static int stage_all(struct stager *st, int fd)
{
	struct ipk_inner in = { 0 };
	struct archive_entry *ae;
	struct archive *outer;
	int rc, r;

	rc = ipk_outer_open(fd, &outer, st->why, sizeof(st->why));
	if (rc)
		return rc;
	rc = ipk_outer_find(outer, "data.tar", st->why, sizeof(st->why));
	if (!rc)
		rc = ipk_inner_open(&in, outer, st->why, sizeof(st->why));
	while (!rc) {
		r = archive_read_next_header(in.a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			rc = bad_format(st, "data part",
					archive_error_string(in.a));
		else
			rc = stage_one(st, in.a, ae);
	}
	ipk_inner_close(&in);
	archive_read_free(outer);
	if (!rc && st->l->n) { /* qsort(NULL, 0) is undefined */
		qsort(st->l->e, st->l->n, sizeof(*st->l->e), entry_cmp);
		rc = check_tree(st);
	}
	return rc;
}

static void stage_undo(struct stager *st, int created)
{
	struct stage_list *l = st->l;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].staged)
			tree_unlink(st->rf, TREE_WRITE, l->e[i].staged);
	if (created)
		tree_remove_tree(st->rf, TREE_WRITE, st->staging);
	stage_list_release(l);
}

/* OpenWrt's Installed-Size is the size of the compressed data part, not
 * of what it unpacks to (0.5x to 5x of it over the real 23.05.2 feeds):
 * the cap is a generous multiple, far below what a bomb expands to. */
static uint64_t stage_cap(const struct stage_limits *lim)
{
	uint64_t cap = UINT64_MAX;

	if (lim && lim->installed_size &&
	    lim->installed_size < (UINT64_MAX >> 6))
		cap = lim->installed_size * 32 + (1u << 20);
	if (lim && lim->space && lim->space < cap)
		cap = lim->space;
	return cap;
}

int ipk_stage(struct ipk *ipk, const struct rootfs *rf, const char *staging,
	      int flags, const struct stage_limits *lim,
	      struct stage_list *out)
{
	struct stager st;
	struct stat sb;
	int rc, created;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.rf = rf;
	st.staging = staging;
	st.flags = flags;
	st.l = out;
	st.lim = lim;
	st.name = ipk->path;
	st.max_bytes = stage_cap(lim);
	rc = tree_lstat(rf, TREE_WRITE, staging, &sb);
	created = rc == -ENOENT;
	if (created)
		rc = tree_mkdir_p(rf, TREE_WRITE, staging, 0700);
	if (rc)
		return pkg_error(rc, "cannot create '/%s'", staging);
	rc = stage_all(&st, ipk->fd);
	if (!rc)
		return 0;
	stage_undo(&st, created);
	if (st.reported)
		return rc;
	if (rc == -PKGE_UNSAFE)
		return pkg_error_plain(rc, "refusing '%s': %s '%s'", ipk->path,
				       st.why, st.bad);
	if (rc == -PKGE_FORMAT)
		return pkg_error_plain(rc, "'%s' is not a valid package: %s",
				       ipk->path, st.why);
	return pkg_error(rc, "cannot extract '%s'", ipk->path);
}

void stage_list_release(struct stage_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].path);
		free(l->e[i].target);
		free(l->e[i].staged);
	}
	free(l->e);
	memset(l, 0, sizeof(*l));
}
