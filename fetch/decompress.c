/*
 * Decompression of feed indexes (Packages.gz, Packages.zst, .xz) through
 * libarchive's raw format (streams of gzip straight through zlib, at a
 * third of the memory): the compression is detected by its magic, and
 * anything else is passed through unchanged. Output is capped against
 * decompression bombs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <archive.h>
#include <zlib.h>

#include "fetch.h"
#include "base.h"

/* Name of the compression of in, or NULL for plain data. */
static const char *compression(const unsigned char *in, size_t n)
{
	if (n >= 2 && in[0] == 0x1f && in[1] == 0x8b)
		return "gzip";
	if (n >= 4 && !memcmp(in, "\x28\xb5\x2f\xfd", 4))
		return "zstd";
	if (n >= 6 && !memcmp(in, "\xfd" "7zXZ\0", 6))
		return "xz";
	return NULL;
}

static const char *aerr(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e ? e : "unknown error";
}

/* Grow *buf (capacity *cap) to hold at least need + 1 bytes. */
static int grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 65536;
	char *nb;

	while (ncap < need + 1)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	nb = realloc(*buf, ncap);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Read all of a's single raw entry into out, at most max bytes. */
static int read_all(struct archive *a, const char *kind, size_t max,
		    char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	la_ssize_t n;
	int err = 0;

	for (;;) {
		if (grow(&buf, &cap, len + 65536)) {
			err = pkg_error(-ENOMEM, "cannot decompress %s data",
					kind);
			break;
		}
		n = archive_read_data(a, buf + len, cap - len - 1);
		if (n < 0) {
			err = pkg_error(-PKGE_FORMAT, "cannot decompress %s "
					"data: %s", kind,
					aerr(a));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			err = pkg_error(-PKGE_FORMAT, "decompressed %s data "
					"exceeds %zu bytes", kind, max);
			break;
		}
	}
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	/* Give back the doubling's slack: a 2 MB list must not hold 4 MB. */
	*out = len + 1 < cap ? realloc(buf, len + 1) : buf;
	if (!*out)
		*out = buf;
	*outlen = len;
	return 0;
}

static int passthrough(const void *in, size_t inlen, size_t max, char **out,
		       size_t *outlen)
{
	char *buf;

	if (inlen > max)
		return pkg_error(-PKGE_FORMAT, "data exceeds %zu bytes", max);
	buf = malloc(inlen + 1);
	if (!buf)
		return pkg_error(-ENOMEM, "cannot copy %zu bytes", inlen);
	if (inlen)
		memcpy(buf, in, inlen);
	buf[inlen] = '\0';
	*out = buf;
	*outlen = inlen;
	return 0;
}

int fetch_decompress(const void *in, size_t inlen, size_t max, char **out,
		     size_t *outlen)
{
	const char *kind = compression(in, inlen);
	struct archive_entry *ent;
	struct archive *a;
	int err;

	if (!max)
		max = DECOMP_DEFAULT_MAX;
	if (!kind)
		return passthrough(in, inlen, max, out, outlen);
	a = archive_read_new();
	if (!a)
		return pkg_error(-ENOMEM, "cannot decompress %s data", kind);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, in, inlen) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK)
		err = pkg_error(-PKGE_FORMAT, "cannot decompress %s data: %s",
				kind, aerr(a));
	else
		err = read_all(a, kind, max, out, outlen);
	archive_read_free(a);
	return err;
}

/* A reader of fd's single raw entry (any of the filters, or plain), name
 * for messages; *empty is set when there is no entry (an empty file).
 * fd stays the caller's. */
static struct archive *open_fd(int fd, const char *name, int *err,
			       int *empty)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	int r;

	*err = 0;
	if (!a) {
		*err = pkg_error(-ENOMEM, "cannot read '%s'", name);
		return NULL;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
	r = archive_read_open_fd(a, fd, 65536);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(a, &ent);
	*empty = r == ARCHIVE_EOF; /* read as empty text */
	if (r == ARCHIVE_OK || r == ARCHIVE_EOF)
		return a;
	if (archive_errno(a) > 0 && archive_filter_count(a) <= 1)
		*err = pkg_error(-archive_errno(a), "cannot read '%s'", name);
	else
		*err = pkg_error(-PKGE_FORMAT, "cannot decompress '%s': %s",
				 name, aerr(a));
	archive_read_free(a);
	return NULL;
}

/* What the two kinds of stream share: the path for messages, the cap
 * against decompression bombs, and a failure reported once. */
struct zcap {
	char *path;
	size_t max, got;
	int failed;
};

/* The outcome of one read of r bytes (r < 0: failed, why is the
 * message): r, or -1 with errno EIO once the stream failed. */
static ssize_t zcap_result(struct zcap *c, ssize_t r, const char *why)
{
	if (r < 0)
		pkg_error(-PKGE_FORMAT, "cannot decompress '%s': %s", c->path,
			  why);
	else if ((c->got += (size_t)r) > c->max) {
		pkg_error(-PKGE_FORMAT, "decompressed '%s' exceeds %zu bytes",
			  c->path, c->max);
		r = -1;
	}
	if (r < 0) {
		c->failed = 1;
		errno = EIO;
	}
	return r;
}

struct zstream {
	struct zcap c;
	struct archive *a;
	int fd; /* owned */
	int empty;
};

static ssize_t zs_read(void *cookie, char *buf, size_t n)
{
	struct zstream *z = cookie;
	la_ssize_t r;

	if (z->c.failed) {
		errno = EIO;
		return -1;
	}
	if (z->empty)
		return 0;
	r = archive_read_data(z->a, buf, n);
	return zcap_result(&z->c, r, r < 0 ? aerr(z->a) : NULL);
}

static int zs_close(void *cookie)
{
	struct zstream *z = cookie;

	archive_read_free(z->a);
	close(z->fd);
	free(z->c.path);
	free(z);
	return 0;
}

/* gzip, the format of every OpenWrt list, straight through zlib: a
 * stream costs 60 KiB (8 KiB in, 16 KiB out, the 32 KiB window) where
 * libarchive's costs 170 KiB (two 64 KiB blocks besides zlib's), and
 * list and find keep one open per feed. */
struct gzstream {
	struct zcap c;
	gzFile gz;
};

static ssize_t gzs_read(void *cookie, char *buf, size_t n)
{
	struct gzstream *z = cookie;
	const char *why = NULL;
	int r, zerr = Z_OK;

	if (z->c.failed) {
		errno = EIO;
		return -1;
	}
	r = gzread(z->gz, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
	if (r <= 0) /* a truncated stream ends without an error: ask */
		why = gzerror(z->gz, &zerr);
	if (why && !strncmp(why, "<fd:", 4) && strstr(why, ": "))
		why = strstr(why, ": ") + 2; /* zlib names the file "<fd:N>" */
	if (r < 0 || zerr != Z_OK)
		return zcap_result(&z->c, -1,
				   zerr == Z_ERRNO ? strerror(errno) : why);
	return zcap_result(&z->c, r, NULL);
}

static int gzs_close(void *cookie)
{
	struct gzstream *z = cookie;

	gzclose_r(z->gz);
	free(z->c.path);
	free(z);
	return 0;
}

/* fd (owned, at its start) as a gzip stream read with gzs_read; NULL
 * on no memory. */
static struct gzstream *gz_stream(int fd, const char *path, size_t max)
{
	struct gzstream *z = calloc(1, sizeof(*z));

	if (!z || !(z->c.path = strdup(path)) || !(z->gz = gzdopen(fd, "rb"))) {
		if (z)
			free(z->c.path);
		free(z);
		close(fd);
		return NULL;
	}
	gzbuffer(z->gz, 8192);
	z->c.max = max ? max : DECOMP_DEFAULT_MAX;
	return z;
}

/* The same as a stdio stream. */
static FILE *gz_open(int fd, const char *path, size_t max)
{
	static const cookie_io_functions_t io = { .read = gzs_read,
						  .close = gzs_close };
	struct gzstream *z = gz_stream(fd, path, max);
	FILE *fp;

	if (!z)
		return NULL;
	if ((fp = fopencookie(z, "r", io)))
		return fp;
	gzs_close(z);
	return NULL;
}

/* Any format libarchive knows (zstd, xz, plain) as a stream; fd owned. */
static FILE *zopen_archive(int fd, const char *name, size_t max)
{
	static const cookie_io_functions_t io = { .read = zs_read,
						  .close = zs_close };
	struct zstream *z = calloc(1, sizeof(*z));
	FILE *fp = NULL;
	int err;

	if (z && (z->c.path = strdup(name)) != NULL) {
		z->fd = fd;
		z->a = open_fd(fd, name, &err, &z->empty);
		if (!z->a) {
			free(z->c.path);
			free(z);
			close(fd);
			return NULL; /* reported */
		}
		z->c.max = max ? max : DECOMP_DEFAULT_MAX;
		fp = fopencookie(z, "r", io);
		if (fp)
			return fp;
		archive_read_free(z->a);
	}
	if (z)
		free(z->c.path);
	free(z);
	close(fd);
	pkg_error(-ENOMEM, "cannot read '%s'", name);
	return NULL;
}

FILE *fetch_zopen_fd(int fd, const char *name, size_t max)
{
	unsigned char magic[2];
	FILE *gfp;

	if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b) {
		if ((gfp = gz_open(fd, name, max)))
			return gfp;
		pkg_error(-ENOMEM, "cannot read '%s'", name);
		return NULL;
	}
	return zopen_archive(fd, name, max);
}

FILE *fetch_zopen(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pkg_error(-errno, "cannot read '%s'", path);
		return NULL;
	}
	return fetch_zopen_fd(fd, path, max);
}

/* Decompressed text gathered in fixed chunks mapped straight from the
 * kernel, then copied into one exact allocation, each chunk unmapped as
 * soon as it is copied: the peak is the text plus one chunk, with one
 * decompression (a buffer grown by doubling holds twice the text at each
 * copy, and heap memory freed in the middle is not given back). */
#define CHUNK ((size_t)64 << 10)

struct chunks {
	char **v;
	size_t n, len;
};

static void chunks_free(struct chunks *c, size_t from)
{
	size_t i;

	for (i = from; i < c->n; i++)
		munmap(c->v[i], CHUNK);
	free(c->v);
}

/* Read all of fp into c; 0, -ENOMEM or -EIO (fp reported it). */
static int chunks_read(struct chunks *c, FILE *fp)
{
	size_t off, k;
	char **nv;
	void *m;

	for (;;) {
		off = c->len % CHUNK;
		if (off == 0) {
			nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			c->v = nv;
			m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				return -ENOMEM;
			c->v[c->n++] = m;
		}
		k = fread(c->v[c->n - 1] + off, 1, CHUNK - off, fp);
		c->len += k;
		if (k == 0)
			return ferror(fp) ? -EIO : 0;
	}
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define PREFAULT_STEP ((size_t)256 << 10)

/* Map the whole pages of [p, p + n) in one call rather than a fault
 * each as they are first written: 5 to 15 us a fault on a virtual
 * machine, 550 of them for the 2.2 MB of the largest 19.07.1 list. Only
 * what is about to be written, so no more memory than the faults would
 * take. 0, or -1 when the kernel has no MADV_POPULATE_WRITE (older than
 * 5.14: the pages fault in as before). */
static int prefault(char *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)4095;

	if (hi <= lo)
		return 0;
	return madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0 ||
			       errno != EINVAL
		       ? 0
		       : -1;
}

/* All of a gzip stream (gzs_read, straight: zlib inflates into the
 * buffer itself, no stdio copy) in *out (*len bytes, NUL-terminated),
 * allocated for hint bytes (the size its trailer gives): the text is
 * written once, where it stays, a step at a time, each step's pages
 * mapped first (prefault). A trailer that is wrong (a member more, a
 * lie) costs a realloc, not the text. 0, -ENOMEM or -EIO (reported by
 * the stream). */
static int read_sized(struct gzstream *z, size_t hint, char **out,
		      size_t *len)
{
	size_t cap = hint + 1, got = 0, n;
	char *buf = malloc(cap), *nb;
	ssize_t k = 0;
	int populate = 1;

	while (buf) {
		if (got == cap) { /* more than the trailer said */
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = cap - got < PREFAULT_STEP ? cap - got : PREFAULT_STEP;
		if (populate && prefault(buf + got, n) < 0)
			populate = 0;
		k = gzs_read(z, buf + got, n);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (!buf || got == cap || k < 0) {
		int r = buf && got < cap ? -EIO : -ENOMEM;
		free(buf);
		return r;
	}
	buf[got] = '\0'; /* got < cap: room for it */
	*out = buf;
	*len = got;
	return 0;
}

/* All of fp (a fetch_zopen stream, closed here) in one allocation. */
static int decompress_stream(FILE *fp, const char *name, char **out,
			     size_t *outlen)
{
	struct chunks c = { NULL, 0, 0 };
	char *buf = NULL;
	size_t i, k;
	int r;

	if (!fp)
		return -EIO; /* reported */
	r = chunks_read(&c, fp);
	fclose(fp);
	if (r == 0 && !(buf = malloc(c.len + 1)))
		r = -ENOMEM;
	for (i = 0; r == 0 && i < c.n; i++) {
		k = c.len - i * CHUNK < CHUNK ? c.len - i * CHUNK : CHUNK;
		memcpy(buf + i * CHUNK, c.v[i], k);
		munmap(c.v[i], CHUNK);
	}
	chunks_free(&c, r == 0 ? c.n : 0);
	if (r < 0) {
		free(buf);
		return r == -ENOMEM ? pkg_error(r, "cannot read '%s'", name)
				    : r;
	}
	buf[c.len] = '\0';
	*out = buf;
	*outlen = c.len;
	return 0;
}

int fetch_decompress_file(const char *path, size_t max, char **out,
			  size_t *outlen)
{
	return decompress_stream(fetch_zopen(path, max), path, out, outlen);
}

/* A gzip file's size once decompressed, as its trailer says (ISIZE: the
 * size modulo 2^32 of the last member), or 0. A hint only: the stream
 * decides (read_sized). */
static size_t gzip_size_hint(int fd, size_t max)
{
	unsigned char m[4];
	struct stat st;
	size_t n;

	if (pread(fd, m, 2, 0) != 2 || m[0] != 0x1f || m[1] != 0x8b ||
	    fstat(fd, &st) < 0 || st.st_size < 18 ||
	    pread(fd, m, 4, st.st_size - 4) != 4)
		return 0;
	n = (size_t)m[0] | (size_t)m[1] << 8 | (size_t)m[2] << 16 |
	    (size_t)m[3] << 24;
	/* a trailer is input too: no more than deflate can give (1032
	 * to 1) from this many bytes, nor than the cap */
	if (n / 1032 > (size_t)st.st_size)
		return 0;
	return n <= (max ? max : DECOMP_DEFAULT_MAX) ? n : 0;
}

int fetch_decompress_fd(int fd, const char *name, size_t max, char **out,
			size_t *outlen)
{
	size_t hint = gzip_size_hint(fd, max);
	struct gzstream *z;
	int r;

	if (!hint)
		return decompress_stream(fetch_zopen_fd(fd, name, max), name,
					 out, outlen);
	if (!(z = gz_stream(fd, name, max)))
		return pkg_error(-ENOMEM, "cannot read '%s'", name);
	r = read_sized(z, hint, out, outlen);
	gzs_close(z);
	return r == -ENOMEM ? pkg_error(r, "cannot read '%s'", name) : r;
}
