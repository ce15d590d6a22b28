/*
 * Downloads with libcurl's easy interface (http://, https://; libcurl is
 * loaded on the first such download) and local copies (file:: a plain
 * read, no libcurl and so no TLS start-up). A file is written through the
 * ops layer into "<dest>.part" beside its destination, fsynced and
 * renamed into place only when complete. A redirect may never leave
 * https, and file: never redirects. Transient failures are retried;
 * only the final failure is reported.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"
#include "base.h"

#define DL_DEFAULT_MAX ((uint64_t)512 << 20)
#define DL_DEFAULT_TIMEOUT 300L
#define DL_DEFAULT_CONNECT 15L
#define DL_MAX_REDIRS 5L

/*
 * libcurl is loaded (dlopen) and initialised on the first http(s)
 * download only: Debian's libcurl pulls in GnuTLS, Kerberos, LDAP, SSH
 * and more, whose loading cost every command about 4 MB of RSS and 7 ms
 * when the program was linked against it. Nothing else refers to
 * libcurl, so Debian's linker (--as-needed by default) leaves it out of
 * the program; linked in anyway, dlopen finds the loaded copy. Whether
 * it was loaded has to be remembered: this table is the one piece of
 * process state in fetch/. pkg is single-threaded.
 */
static struct {
	void *lib;
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
} cu;

struct dl {
	const char *url;
	uint64_t max, got;
	int over;	/* max exceeded */
	int werr;	/* write error (-errno) */
	int fd;		/* file sink, or -1 for memory */
	const char *part; /* file sink's path */
	char *buf;	/* memory sink */
	size_t cap;
	const char *label; /* progress: NULL when off */
	struct timespec start, last;
	int shown;	/* width of the progress line on screen */
};

#ifdef PKG_STATIC
/*
 * The static build (make static) cannot dlopen: its libcurl (http and
 * https only, mbedTLS) is linked in, and what is deferred to the first
 * http(s) download is curl_global_init, the TLS set-up and every
 * allocation that comes with them. The table keeps one code path.
 */
static int curl_init_once(void)
{
	if (cu.lib)
		return 0;
	cu.global_init = curl_global_init;
	cu.global_cleanup = curl_global_cleanup;
	cu.easy_init = curl_easy_init;
	cu.easy_setopt = curl_easy_setopt;
	cu.easy_perform = curl_easy_perform;
	cu.easy_getinfo = curl_easy_getinfo;
	cu.easy_cleanup = curl_easy_cleanup;
	cu.easy_strerror = curl_easy_strerror;
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		memset(&cu, 0, sizeof(cu));
		return pkg_error(-PKGE_NETWORK, "cannot initialise libcurl");
	}
	cu.lib = &cu; /* initialised */
	return 0;
}
#else
/* Resolve one symbol of libcurl into *fn; 0 or -1. */
static int curl_sym(void *fn, const char *name)
{
	void *f = dlsym(cu.lib, name);

	if (!f)
		return -1;
	memcpy(fn, &f, sizeof(f)); /* object to function pointer */
	return 0;
}

static int curl_init_once(void)
{
	if (cu.lib)
		return 0;
	cu.lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!cu.lib)
		return pkg_error(-PKGE_NETWORK, "cannot load libcurl: %s",
				 dlerror());
	if (curl_sym(&cu.global_init, "curl_global_init") ||
	    curl_sym(&cu.global_cleanup, "curl_global_cleanup") ||
	    curl_sym(&cu.easy_init, "curl_easy_init") ||
	    curl_sym(&cu.easy_setopt, "curl_easy_setopt") ||
	    curl_sym(&cu.easy_perform, "curl_easy_perform") ||
	    curl_sym(&cu.easy_getinfo, "curl_easy_getinfo") ||
	    curl_sym(&cu.easy_cleanup, "curl_easy_cleanup") ||
	    curl_sym(&cu.easy_strerror, "curl_easy_strerror") ||
	    cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		dlclose(cu.lib);
		memset(&cu, 0, sizeof(cu));
		return pkg_error(-PKGE_NETWORK, "cannot initialise libcurl");
	}
	return 0;
}
#endif

void fetch_global_cleanup(void)
{
	/* libcurl stays mapped until exit: unloading it takes its TLS stack
	 * (libssl, libcrypto: no longer linked by pkg itself) with it, whose
	 * thread-local data and exit handlers outlive the dlclose; under
	 * LeakSanitizer that crashed the leak check at exit. */
	if (cu.lib)
		cu.global_cleanup();
	memset(&cu, 0, sizeof(cu));
}

static int mem_append(struct dl *d, const void *p, size_t n)
{
	size_t need = (size_t)d->got + n + 1, ncap = d->cap ? d->cap : 16384;
	char *nb;

	while (ncap < need)
		ncap *= 2;
	if (ncap != d->cap) {
		nb = realloc(d->buf, ncap);
		if (!nb)
			return -ENOMEM;
		d->buf = nb;
		d->cap = ncap;
	}
	memcpy(d->buf + d->got, p, n);
	return 0;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct dl *d = ud;
	size_t n = size * nmemb;
	ssize_t w;

	if (d->got + n > d->max) {
		d->over = 1;
		return 0;
	}
	if (d->fd >= 0) {
		w = fsop_write(d->fd, p, n);
		if (w < 0)
			d->werr = (int)w;
	} else {
		d->werr = mem_append(d, p, n);
	}
	if (d->werr)
		return 0;
	d->got += n;
	return n;
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void fmt_size(double v, char *out, size_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB" };
	int u = 0;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* One progress line on stderr, redrawn at most five times a second,
 * from half a second on: a download over by then shows nothing (a line
 * of "0 B" cleared at once helps nobody). */
static int progress_cb(void *ud, curl_off_t total, curl_off_t now,
		       curl_off_t ut, curl_off_t un)
{
	struct dl *d = ud;
	char got[24], all[24], rate[24];
	struct timespec t;
	double secs;
	int w;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (elapsed(&d->start, &t) < 0.5 ||
	    (d->shown && elapsed(&d->last, &t) < 0.2))
		return 0;
	d->last = t;
	secs = elapsed(&d->start, &t);
	fmt_size((double)now, got, sizeof(got));
	fmt_size(secs > 0.05 ? (double)now / secs : 0, rate, sizeof(rate));
	if (total > 0)
		fmt_size((double)total, all, sizeof(all));
	w = fprintf(stderr, "\r%s: %s%s%s  %s/s ", d->label, got,
		    total > 0 ? " of " : "", total > 0 ? all : "", rate);
	if (w > 1 && w - 1 < d->shown)
		fprintf(stderr, "%*s", d->shown - (w - 1), "");
	if (w - 1 > d->shown)
		d->shown = w - 1;
	return 0;
}

static void progress_clear(struct dl *d)
{
	if (d->shown)
		fprintf(stderr, "\r%*s\r", d->shown, "");
	d->shown = 0;
}

/* Protocols allowed for url and its redirects; NULL when unsupported. */
static const char *url_protocols(const char *url, const char **redir)
{
	if (!strncasecmp(url, "https://", 8)) {
		*redir = "https"; /* never downgrade */
		return "https";
	}
	if (!strncasecmp(url, "http://", 7)) {
		*redir = "http,https";
		return "http,https";
	}
	if (!strncasecmp(url, "file://", 7)) {
		*redir = NULL; /* file:// never redirects */
		return "file";
	}
	return NULL;
}

static void setup_progress(CURL *c, struct dl *d)
{
	cu.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	cu.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	cu.easy_setopt(c, CURLOPT_XFERINFODATA, d);
	clock_gettime(CLOCK_MONOTONIC, &d->start);
}

/* Timeouts, size cap, TLS checks and progress from the options. */
static void setup_limits(CURL *c, struct dl *d, const struct fetch_opts *o)
{
	cu.easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ?
			 o->timeout_s : DL_DEFAULT_TIMEOUT);
	cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ?
			 o->connect_timeout_s : DL_DEFAULT_CONNECT);
	cu.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)d->max);
	if (o->insecure) {
		cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (d->label)
		setup_progress(c, d);
}

/* A configured easy handle for d, or NULL (reported). */
static CURL *dl_handle(struct dl *d, const struct fetch_opts *o, char *ebuf)
{
	const char *prot, *redir;
	CURL *c;

	prot = url_protocols(d->url, &redir);
	if (!prot) {
		pkg_error(-PKGE_NETWORK, "cannot download '%s': unsupported "
			  "protocol", d->url);
		return NULL;
	}
	c = cu.easy_init();
	if (!c) {
		pkg_error(-ENOMEM, "cannot download '%s'", d->url);
		return NULL;
	}
	cu.easy_setopt(c, CURLOPT_URL, d->url);
	cu.easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, prot);
	cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, redir ? 1L : 0L);
	if (redir)
		cu.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, redir);
	cu.easy_setopt(c, CURLOPT_MAXREDIRS, DL_MAX_REDIRS);
	cu.easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(c, CURLOPT_USERAGENT, "pkg");
	cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	cu.easy_setopt(c, CURLOPT_WRITEDATA, d);
	setup_limits(c, d, o);
	return c;
}

static int transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Map a failed transfer to a code and message; *retry when worth it.
 * c is NULL for a local copy. */
static int dl_failure(CURL *c, struct dl *d, CURLcode rc, const char *ebuf,
		      char *msg, size_t n, int *retry)
{
	long http = 0;

	if (c)
		cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
	*retry = 0;
	if (d->over || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(msg, n, "download of '%s' exceeds %" PRIu64 " bytes",
			 d->url, d->max);
		return -PKGE_CHECKSUM;
	}
	if (d->werr) {
		if (d->part || d->fd < 0)
			snprintf(msg, n, "cannot write '%s': %s",
				 d->part ? d->part : "memory",
				 pkg_strerror(d->werr));
		else
			snprintf(msg, n, "cannot download '%s': %s", d->url,
				 pkg_strerror(d->werr));
		return d->werr;
	}
	if (rc == CURLE_FILE_COULDNT_READ_FILE ||
	    rc == CURLE_REMOTE_FILE_NOT_FOUND || http == 404 || http == 410) {
		if (http)
			snprintf(msg, n, "cannot download '%s': not found "
				 "(HTTP %ld)", d->url, http);
		else
			snprintf(msg, n, "cannot download '%s': not found",
				 d->url);
		return -PKGE_NOTFOUND;
	}
	if (rc == CURLE_UNSUPPORTED_PROTOCOL) { /* the URL's own was fine */
		snprintf(msg, n, "cannot download '%s': redirect refused "
			 "(%s)", d->url, strncasecmp(d->url, "https://", 8) ?
			 "http may only redirect to http or https" :
			 "https may only redirect to https");
		return -PKGE_NETWORK;
	}
	*retry = transient(rc) || http >= 500 || http == 408 || http == 429;
	snprintf(msg, n, "cannot download '%s': %s", d->url,
		 *ebuf ? ebuf : cu.easy_strerror ?
		 cu.easy_strerror(rc) : "transfer failed");
	return -PKGE_NETWORK;
}

/* One try. 0, or an error code with its message in msg (not printed). */
static int dl_attempt(struct dl *d, const struct fetch_opts *o, char *msg,
		      size_t n, int *retry)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	CURL *c;
	int err = 0;

	*retry = 0;
	msg[0] = '\0';
	c = dl_handle(d, o, ebuf);
	if (!c)
		return -PKGE_NETWORK; /* reported, msg left empty */
	rc = cu.easy_perform(c);
	if (rc != CURLE_OK || d->werr || d->over)
		err = dl_failure(c, d, rc, ebuf, msg, n, retry);
	cu.easy_cleanup(c);
	return err;
}

/* Start the sink again for another try. */
static int dl_reset(struct dl *d)
{
	d->got = 0;
	d->over = 0;
	d->werr = 0;
	if (d->fd < 0)
		return 0;
	if (!d->part) { /* the caller's file: emptied for the next try */
		if (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0)
			return pkg_error(-errno, "cannot download '%s'",
					 d->url);
		return 0;
	}
	fsop_close(d->fd);
	d->fd = fsop_open(d->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
	if (d->fd < 0)
		return pkg_error(d->fd, "cannot create '%s'", d->part);
	return 0;
}

/* The local path of a file: URL, malloc'd; NULL when url is not one (or
 * out of memory). As opkg, everything after "file:" is the path, %XX
 * decoded: "file:/p" (one slash, as opkg's and Yocto's documentation
 * write it), "file:///p" ("///p" is "/p"); "file://localhost/p" is
 * RFC 8089's spelling of "/p". */
static char *file_url_path(const char *url)
{
	const char *p = url + 5;
	char *out, *o;

	if (strncasecmp(url, "file:", 5))
		return NULL;
	if (!strncasecmp(p, "//localhost/", 12))
		p += 11;
	if (!*p || !(out = malloc(strlen(p) + 1)))
		return NULL;
	for (o = out; *p; p++) {
		if (p[0] == '%' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			char hex[3] = { p[1], p[2], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	return out;
}

/* Copy the local file path into d's sink, with the same size cap and
 * messages as a transfer. 0, or an error code with its message in msg. */
static int local_copy(struct dl *d, const char *path, char *msg, size_t n)
{
	char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENOTDIR) {
			snprintf(msg, n, "cannot download '%s': not found",
				 d->url);
			return -PKGE_NOTFOUND;
		}
		snprintf(msg, n, "cannot download '%s': %s", d->url,
			 strerror(err));
		return -err;
	}
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			snprintf(msg, n, "cannot download '%s': %s", d->url,
				 strerror(err));
			err = -err;
			break;
		}
		if (write_cb(buf, 1, (size_t)r, d) != (size_t)r) {
			int retry;
			err = dl_failure(NULL, d, CURLE_WRITE_ERROR, "", msg,
					 n, &retry);
			break;
		}
	}
	close(fd);
	return err;
}

/* All tries; reports the final failure once (404 silently if asked). */
static int dl_run(struct dl *d, const struct fetch_opts *o, int quiet_404)
{
	int tries = 1 + (o->retries > 0 ? o->retries : 0), i, err = 0, retry;
	char msg[CURL_ERROR_SIZE + 1024];
	char *local = file_url_path(d->url);

	if (local) {
		err = local_copy(d, local, msg, sizeof(msg));
		free(local);
		tries = 0;
	} else if (curl_init_once()) {
		return -PKGE_NETWORK;
	}
	for (i = 0; i < tries; i++) {
		if (i) {
			sleep(i < 5 ? (unsigned)i : 5u);
			err = dl_reset(d);
			if (err) {
				msg[0] = '\0'; /* reported */
				break;
			}
		}
		err = dl_attempt(d, o, msg, sizeof(msg), &retry);
		if (!err || !retry)
			break;
	}
	progress_clear(d);
	if (!err || !msg[0]) /* success, or already reported */
		return err;
	if (err == -PKGE_NOTFOUND && quiet_404)
		return err;
	return pkg_error_plain(err, "%s", msg);
}

static void dl_init(struct dl *d, const char *url, const struct fetch_opts *o)
{
	const char *base = strrchr(url, '/');

	memset(d, 0, sizeof(*d));
	d->url = url;
	d->fd = -1;
	d->max = o->max_bytes || o->max_is_size ? o->max_bytes : DL_DEFAULT_MAX;
	if (!o->progress)
		return;
	d->label = o->label;
	if (!d->label)
		d->label = base && base[1] ? base + 1 : url;
}

/* fsync (unless no_sync), close and rename the finished part file into
 * place. */
static int dl_commit(struct dl *d, const char *dest, int no_sync)
{
	int err, cerr;

	err = no_sync ? 0 : fsop_fsync(d->fd);
	cerr = fsop_close(d->fd);
	d->fd = -1;
	if (err || cerr)
		return pkg_error(err ? err : cerr, "cannot write '%s'",
				 d->part);
	err = fsop_rename(d->part, dest);
	if (err)
		return pkg_error(err, "cannot rename '%s' to '%s'", d->part,
				 dest);
	err = no_sync ? 0 : fsop_fsync_dir(dest);
	if (err)
		return pkg_error(err, "cannot sync the directory of '%s'",
				 dest);
	return 0;
}

int fetch_url(const char *url, const char *dest_path,
	      const struct fetch_opts *opts, int quiet_404)
{
	const struct fetch_opts none = { 0 };
	struct dl d;
	char *part;
	int err;

	dl_init(&d, url, opts ? opts : &none);
	if (asprintf(&part, "%s.part", dest_path) < 0)
		return pkg_error(-ENOMEM, "cannot download '%s'", url);
	d.part = part;
	/* a leftover goes; whatever is planted at the name after that
	 * (a link) makes the open fail rather than be followed */
	fsop_unlink(part);
	d.fd = fsop_open(part,
			 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 0644);
	if (d.fd < 0) {
		err = pkg_error(d.fd, "cannot create '%s'", part);
		free(part);
		return err;
	}
	err = dl_run(&d, opts ? opts : &none, quiet_404);
	if (!err)
		err = dl_commit(&d, dest_path, opts && opts->no_sync);
	if (err) {
		if (d.fd >= 0)
			fsop_close(d.fd);
		fsop_unlink(part);
	}
	free(part);
	return err;
}

int fetch_url_fd(const char *url, int fd, const struct fetch_opts *opts,
		 int quiet_404)
{
	const struct fetch_opts none = { 0 };
	struct dl d;
	int err;

	dl_init(&d, url, opts ? opts : &none);
	d.fd = fd;
	err = dl_run(&d, opts ? opts : &none, quiet_404);
	if (!err && (err = fsop_fsync(fd)) < 0)
		err = pkg_error(err, "cannot download '%s'", url);
	return err;
}

int fetch_url_mem(const char *url, const struct fetch_opts *opts,
		  int quiet_404, char **out, size_t *len)
{
	const struct fetch_opts none = { 0 };
	struct dl d;
	int err;

	dl_init(&d, url, opts ? opts : &none);
	err = dl_run(&d, opts ? opts : &none, quiet_404);
	if (!err && !d.buf && mem_append(&d, "", 0))
		err = pkg_error(-ENOMEM, "cannot download '%s'", url);
	if (err) {
		free(d.buf);
		return err;
	}
	d.buf[d.got] = '\0';
	*out = d.buf;
	*len = (size_t)d.got;
	return 0;
}
