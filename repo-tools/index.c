/*
 * pkg-repo index: Packages, Packages.gz, Packages.zst (and Packages.sig)
 * for a flat directory of .ipk files, incremental through a SQLite cache.
 *
 * Order: stanzas sorted by Package, then Version, then Architecture
 * (byte order), so the output depends only on the packages. When two files
 * hold the same Package+Version+Architecture, the one with the newer mtime
 * is kept (ties: the file name that sorts first) and a warning names both.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"
#include "fetch.h"
#include "repo.h"

struct index_opts {
	const char *dir, *outdir, *seckey, *cache;
	int full, jobs, verbose, strict;
};

struct ilist {
	struct ientry *e;
	size_t n, cap;
};

static void ilist_release(struct ilist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].path);
		repo_cache_row_release(&l->e[i].row);
	}
	free(l->e);
}

static int has_ipk_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".ipk");
}

static int ilist_add(struct ilist *l, const char *dir, const char *name)
{
	struct ientry *e;
	struct stat st;
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return 0; /* vanished or not a file: not a package */
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		e = realloc(l->e, cap * sizeof(*e));
		if (!e) {
			free(path);
			return -ENOMEM;
		}
		l->e = e;
		l->cap = cap;
	}
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->row.name = strdup(name);
	e->row.size = st.st_size;
	e->row.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
			  st.st_mtim.tv_nsec;
	e->row.ino = (int64_t)st.st_ino;
	return e->row.name ? 0 : -ENOMEM;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ientry *)a)->row.name,
		      ((const struct ientry *)b)->row.name);
}

/* Every regular *.ipk directly in dir, sorted by name. */
static int list_dir(const char *dir, struct ilist *l)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return pkg_error(-errno, "cannot open directory '%s'", dir);
	while (rc == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.' && has_ipk_suffix(de->d_name))
			rc = ilist_add(l, dir, de->d_name);
	closedir(d);
	if (rc == 0)
		qsort(l->e, l->n, sizeof(*l->e), name_cmp);
	return rc;
}

/* Fill rows from the cache; the rest go to *todo. */
static int use_cache(struct repo_cache *c, struct ilist *l,
		     struct ientry ***todo, size_t *ntodo)
{
	size_t i;
	int rc;

	*ntodo = 0;
	*todo = calloc(l->n ? l->n : 1, sizeof(**todo));
	if (!*todo)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		struct ientry *e = &l->e[i];
		struct repo_cache_row row;

		rc = c ? repo_cache_get(c, e->row.name, e->row.size,
					e->row.mtime_ns, e->row.ino, &row)
		       : 0;
		if (rc < 0)
			return rc;
		if (rc == 1) {
			repo_cache_row_release(&e->row);
			e->row = row;
			e->cached = 1;
		} else {
			(*todo)[(*ntodo)++] = e;
		}
	}
	return 0;
}

static int pva_cmp(const struct ientry *x, const struct ientry *y)
{
	int c = strcmp(x->row.pkg, y->row.pkg);

	if (!c)
		c = strcmp(x->row.ver, y->row.ver);
	if (!c)
		c = strcmp(x->row.arch, y->row.arch);
	return c;
}

/* Sort key: Package, Version, Architecture, then the preferred file
 * first (newer mtime, then name). */
static int stanza_cmp(const void *a, const void *b)
{
	const struct ientry *x = *(struct ientry *const *)a;
	const struct ientry *y = *(struct ientry *const *)b;
	int c = pva_cmp(x, y);

	if (c)
		return c;
	if (x->row.mtime_ns != y->row.mtime_ns)
		return x->row.mtime_ns > y->row.mtime_ns ? -1 : 1;
	return strcmp(x->row.name, y->row.name);
}

/* Report broken files in name order; collect the good ones sorted and
 * without duplicates. *nbroken counts the broken ones. */
static int select_good(struct ilist *l, struct ientry ***good, size_t *ngood,
		       size_t *nbroken)
{
	struct ientry **g = calloc(l->n ? l->n : 1, sizeof(*g));
	size_t i, n = 0, k = 0;

	if (!g)
		return -ENOMEM;
	*nbroken = 0;
	for (i = 0; i < l->n; i++) {
		if (l->e[i].row.ok) {
			g[n++] = &l->e[i];
			continue;
		}
		(*nbroken)++;
		pkg_error_plain(-PKGE_FORMAT, "skipping '%s': %s",
				l->e[i].row.name, l->e[i].row.stanza);
	}
	qsort(g, n, sizeof(*g), stanza_cmp);
	for (i = 0; i < n; i++) {
		if (k && !pva_cmp(g[k - 1], g[i])) {
			pkg_warn("duplicate %s %s %s: keeping '%s', ignoring "
				 "'%s'", g[i]->row.pkg, g[i]->row.ver,
				 g[i]->row.arch, g[k - 1]->row.name,
				 g[i]->row.name);
			continue;
		}
		g[k++] = g[i];
	}
	*good = g;
	*ngood = k;
	return 0;
}

static int write_one(const char *dir, const char *name,
		     const struct repo_buf *b)
{
	char *path;
	int rc;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	rc = hostfs_write_atomic(path, b->data ? b->data : "", b->len, 0644);
	if (rc < 0)
		rc = pkg_error(rc, "cannot write '%s'", path);
	free(path);
	return rc;
}

/* Sign Packages, or remove a Packages.sig that would no longer match. */
static int sign_index(const struct index_opts *o)
{
	char *data = NULL, *sig = NULL;
	struct stat st;
	int rc = -ENOMEM;

	if (asprintf(&data, "%s/Packages", o->outdir) < 0 ||
	    asprintf(&sig, "%s/Packages.sig", o->outdir) < 0)
		goto out;
	rc = 0;
	if (o->seckey) {
		rc = usign_sign_file(data, o->seckey, sig);
	} else if (lstat(sig, &st) == 0) {
		pkg_warn("removing stale '%s' (no --sign given)", sig);
		rc = fsop_unlink(sig);
		if (rc < 0)
			rc = pkg_error(rc, "cannot remove '%s'", sig);
	}
out:
	free(data);
	free(sig);
	return rc;
}

/* Packages.gz and .zst first, then Packages, then its signature. */
static int write_index(const struct index_opts *o, const struct repo_buf *txt)
{
	struct repo_buf gz = { 0 }, zst = { 0 };
	int rc;

	rc = repo_gzip(txt->data ? txt->data : "", txt->len, &gz);
	rc = rc ? rc : repo_zstd(txt->data ? txt->data : "", txt->len, &zst);
	if (rc)
		rc = pkg_error(rc, "cannot compress the index");
	rc = rc ? rc : write_one(o->outdir, "Packages.gz", &gz);
	rc = rc ? rc : write_one(o->outdir, "Packages.zst", &zst);
	rc = rc ? rc : write_one(o->outdir, "Packages", txt);
	rc = rc ? rc : sign_index(o);
	repo_buf_release(&gz);
	repo_buf_release(&zst);
	return rc;
}

static int save_cache(struct repo_cache *c, const struct ilist *l)
{
	struct repo_cache_row *rows;
	size_t i;
	int rc;

	if (!c)
		return 0;
	rows = calloc(l->n ? l->n : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < l->n; i++)
		rows[i] = l->e[i].row; /* shallow: owned by the list */
	rc = repo_cache_replace(c, rows, l->n);
	free(rows);
	return rc;
}

static struct repo_cache *open_cache(const struct index_opts *o)
{
	struct repo_cache *c = NULL;
	char *path = NULL;

	if (!o->cache && asprintf(&path, "%s/.pkg-repo-cache.db", o->dir) < 0)
		return NULL;
	if (repo_cache_open(&c, o->cache ? o->cache : path) < 0)
		pkg_warn("indexing without a cache");
	free(path);
	return c;
}

struct index_stats {
	double t0, t_read, t_hash, t_write;
	size_t nread, ncached, nbroken, nout;
};

static int index_build_text(struct ilist *l, struct index_stats *s,
			    struct repo_buf *txt)
{
	struct ientry **good = NULL;
	size_t i, n = 0;
	int rc;

	rc = select_good(l, &good, &n, &s->nbroken);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = repo_buf_add(txt, good[i]->row.stanza,
				  strlen(good[i]->row.stanza));
		rc = rc ? rc : repo_buf_add(txt, "\n", 1);
	}
	free(good);
	s->nout = n;
	return rc;
}

static int index_run(const struct index_opts *o)
{
	struct index_stats s = { .t0 = repo_now() };
	struct ilist l = { 0 };
	struct repo_buf txt = { 0 };
	struct repo_cache *c = NULL;
	struct ientry **todo = NULL;
	double t;
	int rc;

	rc = list_dir(o->dir, &l);
	if (rc == 0)
		c = open_cache(o);
	rc = rc ? rc : use_cache(o->full ? NULL : c, &l, &todo, &s.nread);
	rc = rc ? rc : index_read_all(todo, s.nread, o->jobs, &s.t_read,
				      &s.t_hash);
	s.ncached = l.n - s.nread;
	rc = rc ? rc : index_build_text(&l, &s, &txt);
	t = repo_now();
	if (rc == 0 && (rc = hostfs_mkdir_p(o->outdir, 0755)) < 0)
		rc = pkg_error(rc, "cannot create '%s'", o->outdir);
	rc = rc ? rc : write_index(o, &txt);
	s.t_write = repo_now() - t;
	if (rc == 0 && save_cache(c, &l) < 0)
		pkg_warn("cache not updated");
	if (rc == 0 && o->verbose)
		fprintf(stderr, "read archives %.3f s, hash %.3f s (summed "
			"over %d threads), write %.3f s\n", s.t_read, s.t_hash,
			o->jobs, s.t_write);
	if (rc == 0)
		fprintf(stderr, "indexed %zu packages (%zu read, %zu from "
			"cache, %zu broken) in %.3f s\n", s.nout, s.nread,
			s.ncached, s.nbroken, repo_now() - s.t0);
	if (rc == 0 && o->strict && s.nbroken)
		rc = pkg_error_plain(-PKGE_FORMAT, "%zu broken package(s) "
				     "(--strict)", s.nbroken);
	repo_cache_close(c);
	repo_buf_release(&txt);
	free(todo);
	ilist_release(&l);
	return rc;
}

static int parse_jobs(const char *arg, int *jobs)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v < 1 || v > 1024)
		return pkg_error_plain(-PKGE_USAGE, "bad value '%s' for -j",
				       arg);
	*jobs = (int)v;
	return 0;
}

int repo_cmd_index(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "sign", required_argument, NULL, 's' },
		{ "cache", required_argument, NULL, 'C' },
		{ "full", no_argument, NULL, 'F' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "strict", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct index_opts o = { .jobs = (int)sysconf(_SC_NPROCESSORS_ONLN) };
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:j:v", opts, NULL)) != -1) {
		if (c == 'o')
			o.outdir = optarg;
		else if (c == 's')
			o.seckey = optarg;
		else if (c == 'C')
			o.cache = optarg;
		else if (c == 'F')
			o.full = 1;
		else if (c == 'j' && parse_jobs(optarg, &o.jobs) == 0)
			;
		else if (c == 'v')
			o.verbose = 1;
		else if (c == 'S')
			o.strict = 1;
		else
			return -PKGE_USAGE;
	}
	if (optind != argc - 1)
		return -PKGE_USAGE;
	o.dir = argv[optind];
	if (!o.outdir)
		o.outdir = o.dir;
	if (o.jobs < 1)
		o.jobs = 1;
	return index_run(&o);
}
