/*
 * pkg-repo: the server side of pkg, the feeds pkg reads (docs/DESIGN.md
 * "Layers").
 *
 *   build   make an .ipk from a directory with CONTROL/ (ipkg-build)
 *   index   write Packages, Packages.gz, Packages.zst (+ .sig) for a
 *           flat directory of .ipk files, incrementally (SQLite cache)
 *   keygen, sign, verify   usign wrappers over fetch/fetch.h
 *
 * Each command is one file and one row of the table in main.c. A command's
 * run() gets argv starting at the command name and returns 0, or a negative
 * error code (already reported once), or -PKGE_USAGE for a bad command line
 * (main prints the command's usage then).
 */
#ifndef PKG_REPO_H
#define PKG_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

struct repo_cmd {
	const char *name;
	const char *synopsis; /* one line: "build DIR [-o OUTDIR] ..." */
	const char *help;     /* option details, several lines */
	int (*run)(int argc, char **argv);
};

/* Command entry points (build.c, index.c, keys.c). */
int repo_cmd_build(int argc, char **argv);
int repo_cmd_index(int argc, char **argv);
int repo_cmd_keygen(int argc, char **argv);
int repo_cmd_sign(int argc, char **argv);
int repo_cmd_verify(int argc, char **argv);

/* ---- growable byte buffer (buf.c) ---- */
struct repo_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Append n bytes; 0 or -ENOMEM. data stays NUL-terminated. */
int repo_buf_add(struct repo_buf *b, const void *p, size_t n);
/* Append formatted text; 0 or -ENOMEM. */
int repo_buf_printf(struct repo_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void repo_buf_release(struct repo_buf *b);

/* Compress in into out (appended): gzip without name or timestamp (zlib,
 * level 9) or zstd (level 19 for small inputs, lower for big ones).
 * 0 or -ENOMEM / -EIO. */
int repo_gzip(const void *in, size_t len, struct repo_buf *out);
int repo_zstd(const void *in, size_t len, struct repo_buf *out);

/* Monotonic clock in seconds. */
double repo_now(void);

/*
 * Check a control stanza's mandatory fields Package, Version and
 * Architecture for path (named in the message). With REPO_CHK_STRICT also
 * the forms: Package [A-Za-z0-9+._-]+, Version starting with a digit after
 * an optional "N:" epoch (real feeds carry "git-..." versions, so the
 * indexer is lenient). 0, or -PKGE_FORMAT, after one message
 * "bad control file '<path>': <why>" with REPO_CHK_REPORT; *why (if not
 * NULL) gets a static reason either way.
 */
#define REPO_CHK_REPORT 1
#define REPO_CHK_STRICT 2
struct ctl_stanza;
int repo_check_control(const struct ctl_stanza *st, const char *path,
		       int flags, const char **why);

/* Cache of rendered index stanzas (cache.c), keyed by file name, size,
 * mtime (ns) and inode. */
struct repo_cache;
struct repo_cache_row {
	char *name;
	int64_t size, mtime_ns, ino;
	int ok;		/* 1: stanza valid; 0: broken, why in stanza */
	char *stanza;	/* rendered stanza, or the broken reason */
	char *pkg, *ver, *arch;
	char sha256[SHA256_HEX_SIZE];
};

/* Open (create) the cache database at path. 0 or -PKGE_DB (reported). */
int repo_cache_open(struct repo_cache **out, const char *path);
/* Look up name with this key; 1 and *row filled (owned strings) on a hit,
 * 0 on a miss, negative on error. */
int repo_cache_get(struct repo_cache *c, const char *name, int64_t size,
		   int64_t mtime_ns, int64_t ino, struct repo_cache_row *row);
/* Replace the whole content by rows[0..n) in one transaction. */
int repo_cache_replace(struct repo_cache *c,
		       const struct repo_cache_row *rows, size_t n);
void repo_cache_close(struct repo_cache *c);
void repo_cache_row_release(struct repo_cache_row *r);

/* ---- index (index.c, index_read.c) ---- */
struct ientry {
	char *path;		  /* DIR/name */
	int cached;		  /* row came from the cache */
	struct repo_cache_row row; /* name, key, result */
};

/*
 * Render the index stanza of e (row.name, row.size, row.sha256 set) from
 * its raw ./control text, as OpenWrt's ipkg-make-index does: fields kept in
 * their order and bytes, Source, SourceName, SourceDateEpoch, Maintainer
 * and LicenseFiles dropped, "Filename/Size/SHA256sum" put before
 * Description (at the end when there is none), blank lines dropped. *out
 * is malloc'd and ends with '\n'. 0 or -ENOMEM.
 */
int index_render(const char *raw, size_t len, const struct ientry *e,
		 char **out);
/*
 * Hash and parse todo[0..n) on `jobs` threads. Each entry gets row.sha256
 * and either row.ok = 1 with stanza/pkg/ver/arch, or row.ok = 0 with the
 * reason in row.stanza (the ipk reader may have printed details). Time
 * spent (summed over threads) in *t_read and *t_hash. 0 or -ENOMEM.
 */
int index_read_all(struct ientry **todo, size_t n, int jobs, double *t_read,
		   double *t_hash);

#endif
