/*
 * pkg-repo index, the reading side: hash and parse .ipk files on a pool
 * of worker threads, and render each one's index stanza exactly as
 * OpenWrt's ipkg-make-index does: the package's ./control as written,
 * minus the fields OpenWrt strips from feeds (Source, SourceName,
 * SourceDateEpoch, Maintainer, LicenseFiles, with their continuation
 * lines), with Filename, Size and SHA256sum inserted before Description.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "base.h"
#include "fetch.h"
#include "repo.h"

static const char *const stripped[] = { "Source", "SourceName",
					"SourceDateEpoch", "Maintainer",
					"LicenseFiles", NULL };

static int is_stripped(const char *line, size_t len)
{
	size_t i, n;

	for (i = 0; stripped[i]; i++) {
		n = strlen(stripped[i]);
		if (len > n && line[n] == ':' &&
		    !strncasecmp(line, stripped[i], n))
			return 1;
	}
	return 0;
}

static int add_file_fields(struct repo_buf *b, const struct ientry *e)
{
	return repo_buf_printf(b, "Filename: %s\nSize: %lld\nSHA256sum: %s\n",
			       e->row.name, (long long)e->row.size,
			       e->row.sha256);
}

int index_render(const char *raw, size_t len, const struct ientry *e,
		 char **out)
{
	struct repo_buf b = { 0 };
	const char *p = raw, *end = raw + len, *nl;
	int skip = 0, desc = 0, rc = 0;

	for (; rc == 0 && p < end; p = nl + 1) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		if (p[0] == ' ' || p[0] == '\t') {
			if (!skip)
				rc = repo_buf_add(&b, p, n);
			rc = rc || skip ? rc : repo_buf_add(&b, "\n", 1);
			continue;
		}
		skip = is_stripped(p, n);
		if (skip)
			continue;
		if (!desc && n >= 12 && !strncasecmp(p, "Description:", 12)) {
			desc = 1;
			rc = add_file_fields(&b, e);
		}
		rc = rc ? rc : repo_buf_add(&b, p, n);
		rc = rc ? rc : repo_buf_add(&b, "\n", 1);
	}
	if (rc == 0 && !desc)
		rc = add_file_fields(&b, e);
	if (rc) {
		repo_buf_release(&b);
		return rc;
	}
	*out = b.data;
	return 0;
}

/* Walk the outer archive to its end: catches truncated or corrupt files
 * whose control part alone reads fine (ar with control first). */
static const char *outer_check(const char *path, char *why, size_t wlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int r = ARCHIVE_FATAL;

	if (!a)
		return "out of memory";
	/* The compressors an .ipk is made with (not _all: lz4 and the
	 * others would be linked in for nothing). */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, path, 65536) == ARCHIVE_OK)
		while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK)
			if (archive_read_data_skip(a) != ARCHIVE_OK) {
				r = ARCHIVE_FATAL;
				break;
			}
	if (r != ARCHIVE_EOF)
		snprintf(why, wlen, "corrupt archive: %s",
			 archive_error_string(a) ? archive_error_string(a)
						 : "unreadable");
	archive_read_free(a);
	return r == ARCHIVE_EOF ? NULL : why;
}

static int set_str(char **dst, const char *src)
{
	*dst = strdup(src ? src : "");
	return *dst ? 0 : -ENOMEM;
}

/* Parse e's ipk and render its stanza; on a broken package, row.ok = 0
 * and row.stanza is the reason. */
static int read_ipk(struct ientry *e, double *t_read)
{
	const struct ctl_stanza *st = NULL;
	struct ipk *ipk = NULL;
	const char *why = NULL, *raw = NULL;
	char buf[160];
	double t0 = repo_now();
	size_t len = 0;
	int rc;

	rc = ipk_open(&ipk, e->path);
	if (rc < 0)
		why = rc == -PKGE_FORMAT ? "not a valid ipk" : pkg_strerror(rc);
	if (!why) {
		st = ipk_control(ipk);
		repo_check_control(st, e->row.name, 0, &why);
	}
	if (!why && !(raw = ipk_member(ipk, "control", &len)))
		why = "no control file";
	if (!why)
		why = outer_check(e->path, buf, sizeof(buf));
	if (!why) {
		rc = index_render(raw, len, e, &e->row.stanza);
		rc = rc ? rc : set_str(&e->row.pkg, ctl_get(st, "Package"));
		rc = rc ? rc : set_str(&e->row.ver, ctl_get(st, "Version"));
		rc = rc ? rc : set_str(&e->row.arch,
				       ctl_get(st, "Architecture"));
		e->row.ok = rc == 0;
	} else {
		rc = set_str(&e->row.stanza, why);
	}
	ipk_free(ipk);
	*t_read += repo_now() - t0;
	return rc;
}

static int process(struct ientry *e, double *t_read, double *t_hash)
{
	double t0 = repo_now();
	int rc;

	rc = rootfs_sha256_file(e->path, e->row.sha256);
	*t_hash += repo_now() - t0;
	if (rc < 0) {
		e->row.sha256[0] = '\0';
		return set_str(&e->row.stanza, pkg_strerror(rc));
	}
	return read_ipk(e, t_read);
}

struct pool {
	struct ientry **todo;
	size_t n, next;
	pthread_mutex_t lock;
	double t_read, t_hash;
	int err;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	double t_read = 0, t_hash = 0;
	size_t i;
	int rc;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			break;
		rc = process(p->todo[i], &t_read, &t_hash);
		if (rc < 0) {
			pthread_mutex_lock(&p->lock);
			p->err = rc;
			pthread_mutex_unlock(&p->lock);
		}
	}
	pthread_mutex_lock(&p->lock);
	p->t_read += t_read;
	p->t_hash += t_hash;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int index_read_all(struct ientry **todo, size_t n, int jobs, double *t_read,
		   double *t_hash)
{
	struct pool p = { .todo = todo, .n = n };
	pthread_t *tids;
	int i, started = 0;

	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = n ? (int)n : 1;
	tids = calloc((size_t)jobs, sizeof(*tids));
	if (!tids)
		return -ENOMEM;
	pthread_mutex_init(&p.lock, NULL);
	for (i = 0; i < jobs; i++)
		if (pthread_create(&tids[i], NULL, worker, &p) == 0)
			started++;
		else
			break;
	if (!started)
		worker(&p); /* no threads: do the work here */
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&p.lock);
	free(tids);
	*t_read = p.t_read;
	*t_hash = p.t_hash;
	return p.err;
}
