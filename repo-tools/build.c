/*
 * pkg-repo build: make an .ipk from a directory with CONTROL/ (or
 * control/), like OpenWrt's ipkg-build.
 *
 * Output is reproducible: every entry is owned by root (0/0), named
 * "./path", sorted by name, stamped with SOURCE_DATE_EPOCH (or, when that
 * is unset, the current time), and gzip streams carry no name or time.
 * The same input with the same SOURCE_DATE_EPOCH gives the same bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base.h"
#include "repo.h"

enum outer_fmt { OUTER_GZ, OUTER_AR };
enum data_comp { COMP_GZIP, COMP_XZ, COMP_ZSTD };

static const char *const comp_ext[] = { "gz", "xz", "zst" };

struct bentry {
	char *name; /* "./usr/bin/x", directories "./usr/" */
	char *src;  /* host path */
	struct stat st;
};

struct blist {
	struct bentry *e;
	size_t n, cap;
	uint64_t installed; /* sum of regular file sizes */
};

struct build {
	const char *dir;
	const char *outdir;
	enum outer_fmt fmt;
	enum data_comp comp;
	time_t mtime;
	char *ctldir;	 /* DIR/CONTROL */
	const char *ctlname; /* "CONTROL" or "control" */
	char *control;	 /* rendered control text */
	struct ctl_stanza st;
};

static void blist_release(struct blist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].name);
		free(l->e[i].src);
	}
	free(l->e);
}

static int blist_push(struct blist *l, const char *name, const char *src,
		      const struct stat *st)
{
	struct bentry *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		e = realloc(l->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		l->e = e;
		l->cap = cap;
	}
	e = &l->e[l->n];
	e->name = strdup(name);
	e->src = strdup(src);
	e->st = *st;
	if (!e->name || !e->src) {
		free(e->name);
		free(e->src);
		return -ENOMEM;
	}
	l->n++;
	if (S_ISREG(st->st_mode))
		l->installed += (uint64_t)st->st_size;
	return 0;
}

static int bentry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bentry *)a)->name,
		      ((const struct bentry *)b)->name);
}

/* Add every entry below src (archive name prefix pfx, "./" or "./usr/"),
 * recursing into directories. skip: top-level name to leave out. */
static int walk(struct blist *l, const char *src, const char *pfx,
		const char *skip)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return pkg_error(-errno, "cannot open directory '%s'", src);
	while (rc == 0 && (de = readdir(d))) {
		char *path = NULL, *name = NULL;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (skip && !strcmp(de->d_name, skip)))
			continue;
		if (asprintf(&path, "%s/%s", src, de->d_name) < 0)
			path = NULL;
		if (!path || lstat(path, &st) < 0) {
			rc = path ? pkg_error(-errno, "cannot stat '%s'", path)
				  : -ENOMEM;
			free(path);
			break;
		}
		if (asprintf(&name, "%s%s%s", pfx, de->d_name,
			     S_ISDIR(st.st_mode) ? "/" : "") < 0)
			name = NULL;
		rc = name ? blist_push(l, name, path, &st) : -ENOMEM;
		if (rc == 0 && S_ISDIR(st.st_mode))
			rc = walk(l, path, name, NULL);
		free(path);
		free(name);
	}
	closedir(d);
	return rc;
}

static la_ssize_t mem_write(struct archive *a, void *ud, const void *buf,
			    size_t n)
{
	if (repo_buf_add(ud, buf, n)) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	return (la_ssize_t)n;
}

static int ar_fail(struct archive *a, const char *what)
{
	return pkg_error_plain(-EIO, "cannot write %s: %s", what,
			       archive_error_string(a));
}

/* A new writer into out: tar (gnutar) with the given compression, or ar
 * when comp < 0. */
static struct archive *writer_new(struct repo_buf *out, int comp)
{
	struct archive *a = archive_write_new();
	int rc;

	if (!a)
		return NULL;
	if (comp < 0)
		rc = archive_write_set_format_ar_svr4(a);
	else
		rc = archive_write_set_format_gnutar(a);
	if (rc == ARCHIVE_OK && comp == COMP_GZIP) {
		rc = archive_write_add_filter_gzip(a);
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_filter_option(a, "gzip",
							     "timestamp", NULL);
	} else if (rc == ARCHIVE_OK && comp == COMP_XZ) {
		rc = archive_write_add_filter_xz(a);
	} else if (rc == ARCHIVE_OK && comp == COMP_ZSTD) {
		rc = archive_write_add_filter_zstd(a);
	}
	/* No zero padding of the output to 10240-byte blocks. */
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_in_last_block(a, 1);
	if (rc == ARCHIVE_OK)
		rc = archive_write_open(a, out, NULL, mem_write, NULL);
	if (rc != ARCHIVE_OK) {
		pkg_error_plain(-EIO, "cannot start archive: %s",
				archive_error_string(a));
		archive_write_free(a);
		return NULL;
	}
	return a;
}

static struct archive_entry *entry_new(const char *name, mode_t mode,
				       int64_t size, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		return NULL;
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_size(e, S_ISREG(mode) ? size : 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	archive_entry_set_mtime(e, mtime, 0);
	return e;
}

/* Write one in-memory member. */
static int add_mem(struct archive *a, const char *name, mode_t mode,
		   const void *data, size_t len, time_t mtime)
{
	struct archive_entry *e = entry_new(name, mode, (int64_t)len, mtime);
	int rc = 0;

	if (!e)
		return -ENOMEM;
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = ar_fail(a, name);
	archive_entry_free(e);
	return rc;
}

static int copy_file(struct archive *a, const struct bentry *be)
{
	char buf[65536];
	int64_t left = be->st.st_size;
	int fd = open(be->src, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return pkg_error(-errno, "cannot open '%s'", be->src);
	while (left > 0 && rc == 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0) {
			rc = n < 0 ? pkg_error(-errno, "cannot read '%s'",
					       be->src)
				   : pkg_error_plain(-EIO, "'%s' shrank while "
						     "reading", be->src);
			break;
		}
		if (n > left)
			n = (ssize_t)left;
		if (archive_write_data(a, buf, (size_t)n) != n)
			rc = ar_fail(a, be->name);
		left -= n;
	}
	close(fd);
	return rc;
}

static int add_disk(struct archive *a, const struct bentry *be, time_t mtime)
{
	struct archive_entry *e;
	char target[PATH_MAX];
	int rc = 0;

	e = entry_new(be->name, be->st.st_mode, be->st.st_size, mtime);
	if (!e)
		return -ENOMEM;
	if (S_ISLNK(be->st.st_mode)) {
		ssize_t n = readlink(be->src, target, sizeof(target) - 1);

		if (n < 0) {
			archive_entry_free(e);
			return pkg_error(-errno, "cannot read link '%s'",
					 be->src);
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISCHR(be->st.st_mode) || S_ISBLK(be->st.st_mode)) {
		archive_entry_set_rdev(e, be->st.st_rdev);
	}
	if (archive_write_header(a, e) != ARCHIVE_OK)
		rc = ar_fail(a, be->name);
	else if (S_ISREG(be->st.st_mode))
		rc = copy_file(a, be);
	archive_entry_free(e);
	return rc;
}

static int writer_close(struct archive *a, int rc, const char *what)
{
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = ar_fail(a, what);
	archive_write_free(a);
	return rc;
}

static int make_data(const struct build *b, const struct blist *l,
		     struct repo_buf *out)
{
	struct archive *a = writer_new(out, b->comp);
	struct stat root;
	struct bentry top = { "./", (char *)b->dir, { 0 } };
	size_t i;
	int rc;

	if (!a)
		return -EIO;
	if (stat(b->dir, &root) < 0)
		return writer_close(a, pkg_error(-errno, "cannot stat '%s'",
						 b->dir), "data");
	top.st = root;
	rc = add_disk(a, &top, b->mtime);
	for (i = 0; rc == 0 && i < l->n; i++)
		rc = add_disk(a, &l->e[i], b->mtime);
	return writer_close(a, rc, "data archive");
}

static int is_script(const char *name)
{
	static const char *const scripts[] = { "preinst", "postinst", "prerm",
					       "postrm", NULL };
	size_t i;

	for (i = 0; scripts[i]; i++)
		if (!strcmp(name, scripts[i]))
			return 1;
	return 0;
}

/* control.tar.gz: ./, ./control (rendered), then the other regular files
 * of the control directory (scripts 0755, the rest 0644). */
static int make_control(const struct build *b, struct repo_buf *out)
{
	struct archive *a = writer_new(out, COMP_GZIP);
	struct blist l = { 0 };
	size_t i;
	int rc;

	if (!a)
		return -EIO;
	rc = walk(&l, b->ctldir, "./", NULL);
	if (rc == 0 && l.n) /* no members: l.e is NULL */
		qsort(l.e, l.n, sizeof(*l.e), bentry_cmp);
	if (rc == 0)
		rc = add_mem(a, "./", S_IFDIR | 0755, NULL, 0, b->mtime);
	if (rc == 0)
		rc = add_mem(a, "./control", S_IFREG | 0644, b->control,
			     strlen(b->control), b->mtime);
	for (i = 0; rc == 0 && i < l.n; i++) {
		struct bentry *e = &l.e[i];

		if (!S_ISREG(e->st.st_mode) || !strcmp(e->name, "./control"))
			continue;
		e->st.st_mode = S_IFREG | (is_script(e->name + 2) ? 0755
								  : 0644);
		rc = add_disk(a, e, b->mtime);
	}
	blist_release(&l);
	return writer_close(a, rc, "control archive");
}

/* The control text as written, trailing blank lines cut, with
 * "Installed-Size: N" added before Description when missing. */
static int render_control(struct build *b, const char *raw, size_t len,
			  uint64_t installed)
{
	struct repo_buf out = { 0 };
	const char *desc = NULL, *p;
	int rc = 0;

	while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r' ||
		       raw[len - 1] == ' ' || raw[len - 1] == '\t'))
		len--;
	for (p = raw; p && p < raw + len; p = memchr(p, '\n', raw + len - p),
	     p = p ? p + 1 : NULL)
		if (!strncasecmp(p, "Description:", 12)) {
			desc = p;
			break;
		}
	if (ctl_get(&b->st, "Installed-Size")) {
		rc = repo_buf_add(&out, raw, len);
	} else if (desc) {
		rc = repo_buf_add(&out, raw, (size_t)(desc - raw));
		rc = rc ? rc : repo_buf_printf(&out, "Installed-Size: %llu\n",
					       (unsigned long long)installed);
		rc = rc ? rc : repo_buf_add(&out, desc,
					    (size_t)(raw + len - desc));
	} else {
		rc = repo_buf_add(&out, raw, len);
		rc = rc ? rc : repo_buf_printf(&out, "\nInstalled-Size: %llu",
					       (unsigned long long)installed);
	}
	rc = rc ? rc : repo_buf_add(&out, "\n", 1);
	if (rc) {
		repo_buf_release(&out);
		return rc;
	}
	b->control = out.data;
	return 0;
}

/* Find CONTROL/ or control/, read and check its control file. */
static int read_control(struct build *b, char **raw, size_t *len)
{
	static const char *const names[] = { "CONTROL", "control" };
	char *path = NULL;
	struct stat st;
	size_t i;
	int rc;

	if (stat(b->dir, &st) < 0)
		return pkg_error(-errno, "cannot open '%s'", b->dir);
	for (i = 0; i < 2 && !b->ctldir; i++) {
		if (asprintf(&b->ctldir, "%s/%s", b->dir, names[i]) < 0)
			return -ENOMEM;
		if (stat(b->ctldir, &st) == 0 && S_ISDIR(st.st_mode)) {
			b->ctlname = names[i];
		} else {
			free(b->ctldir);
			b->ctldir = NULL;
		}
	}
	if (!b->ctldir)
		return pkg_error_plain(-PKGE_FORMAT, "no CONTROL directory in "
				       "'%s'", b->dir);
	if (asprintf(&path, "%s/control", b->ctldir) < 0)
		return -ENOMEM;
	rc = hostfs_read_file(path, 1u << 20, raw, len);
	if (rc < 0)
		rc = pkg_error(rc, "cannot read '%s'", path);
	if (rc == 0 && ctl_parse_one(*raw, *len, &b->st) < 0)
		rc = pkg_error_plain(-PKGE_FORMAT, "bad control file '%s': "
				     "not a control stanza", path);
	if (rc == 0)
		rc = repo_check_control(&b->st, path,
					REPO_CHK_REPORT | REPO_CHK_STRICT,
					NULL);
	free(path);
	return rc;
}

static int make_outer(const struct build *b, const struct repo_buf *ctl,
		      const struct repo_buf *data, struct repo_buf *out)
{
	int ar = b->fmt == OUTER_AR;
	struct archive *a = writer_new(out, ar ? -1 : COMP_GZIP);
	char dname[32];
	const char *pfx = ar ? "" : "./";
	char cname[32];
	int rc;

	if (!a)
		return -EIO;
	snprintf(dname, sizeof(dname), "%sdata.tar.%s", pfx,
		 comp_ext[b->comp]);
	snprintf(cname, sizeof(cname), "%scontrol.tar.gz", pfx);
	rc = add_mem(a, ar ? "debian-binary" : "./debian-binary",
		     S_IFREG | 0644, "2.0\n", 4, b->mtime);
	/* OpenWrt's order is data then control; Debian's control first. */
	if (rc == 0 && ar)
		rc = add_mem(a, cname, S_IFREG | 0644, ctl->data, ctl->len,
			     b->mtime);
	if (rc == 0)
		rc = add_mem(a, dname, S_IFREG | 0644, data->data, data->len,
			     b->mtime);
	if (rc == 0 && !ar)
		rc = add_mem(a, cname, S_IFREG | 0644, ctl->data, ctl->len,
			     b->mtime);
	return writer_close(a, rc, "package");
}

/* "<Package>_<Version without epoch>_<Architecture>.ipk" in outdir. */
static char *out_path(const struct build *b)
{
	const char *ver = ctl_get(&b->st, "Version");
	const char *colon = strchr(ver, ':');
	char *path;

	if (colon)
		ver = colon + 1;
	if (asprintf(&path, "%s/%s_%s_%s.ipk", b->outdir,
		     ctl_get(&b->st, "Package"), ver,
		     ctl_get(&b->st, "Architecture")) < 0)
		return NULL;
	return path;
}

static int build_run(struct build *b)
{
	struct repo_buf ctl = { 0 }, data = { 0 }, pkg = { 0 };
	struct blist l = { 0 };
	char *raw = NULL, *path = NULL;
	size_t rawlen = 0;
	int rc;

	rc = read_control(b, &raw, &rawlen);
	if (rc == 0)
		rc = walk(&l, b->dir, "./", b->ctlname);
	if (rc == 0) {
		if (l.n) /* a package with no files: l.e is NULL */
			qsort(l.e, l.n, sizeof(*l.e), bentry_cmp);
		rc = render_control(b, raw, rawlen, l.installed);
	}
	rc = rc ? rc : make_control(b, &ctl);
	rc = rc ? rc : make_data(b, &l, &data);
	rc = rc ? rc : make_outer(b, &ctl, &data, &pkg);
	if (rc == 0 && !(path = out_path(b)))
		rc = -ENOMEM;
	if (rc == 0 && (rc = hostfs_mkdir_p(b->outdir, 0755)) < 0)
		rc = pkg_error(rc, "cannot create '%s'", b->outdir);
	if (rc == 0) {
		rc = hostfs_write_atomic(path, pkg.data, pkg.len, 0644);
		if (rc < 0)
			rc = pkg_error(rc, "cannot write '%s'", path);
		else
			printf("%s\n", path);
	}
	free(path);
	free(raw);
	blist_release(&l);
	repo_buf_release(&ctl);
	repo_buf_release(&data);
	repo_buf_release(&pkg);
	return rc;
}

static int parse_epoch(time_t *out)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*out = time(NULL);
	if (!sde || !*sde)
		return 0;
	errno = 0;
	v = strtoll(sde, &end, 10);
	if (errno || *end || v < 0)
		return pkg_error_plain(-PKGE_USAGE, "bad SOURCE_DATE_EPOCH "
				       "'%s'", sde);
	*out = (time_t)v;
	return 0;
}

static int parse_build_opt(struct build *b, int c, const char *arg)
{
	if (c == 'o') {
		b->outdir = arg;
	} else if (c == 'f' && !strcmp(arg, "gz")) {
		b->fmt = OUTER_GZ;
	} else if (c == 'f' && !strcmp(arg, "ar")) {
		b->fmt = OUTER_AR;
	} else if (c == 'c' && !strcmp(arg, "gzip")) {
		b->comp = COMP_GZIP;
	} else if (c == 'c' && !strcmp(arg, "xz")) {
		b->comp = COMP_XZ;
	} else if (c == 'c' && !strcmp(arg, "zstd")) {
		b->comp = COMP_ZSTD;
	} else {
		if (c == 'f' || c == 'c')
			pkg_error_plain(-PKGE_USAGE, "bad value '%s' for %s",
					arg, c == 'f' ? "--format"
						      : "--compression");
		return -PKGE_USAGE;
	}
	return 0;
}

int repo_cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "compression", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct build b = { .outdir = ".", .fmt = OUTER_GZ, .comp = COMP_GZIP };
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1)
		if (parse_build_opt(&b, c, optarg))
			return -PKGE_USAGE;
	if (optind != argc - 1)
		return -PKGE_USAGE;
	b.dir = argv[optind];
	rc = parse_epoch(&b.mtime);
	if (rc == 0)
		rc = build_run(&b);
	free(b.ctldir);
	free(b.control);
	ctl_stanza_release(&b.st);
	return rc;
}
