/*
 * pkgd/state: what the installed state is made of, above core. opkg's own
 * files (status, info/), the image database (rom_packages, rom_files),
 * conffile states, the feeds and their lists, the world and
 * installed_packages.txt (sysupgrade), and state_files_write, which
 * rewrites the files other programs read from the database.
 */
#ifndef PKG_STATE_H
#define PKG_STATE_H

#include "core/core.h"

/* ---- the order opkg walks its packages in (opkgorder.c) ---- */

/* opkg-lede's hash bucket of a package name (djb2 % 1024): its walk goes
 * bucket by bucket. */
unsigned opkg_hash_bucket(const char *name);
/* Within a bucket, the order names first entered opkg's table: rank[i]
 * for names[i] (n of them; UINT32_MAX for a name opkg never met), from
 * the feeds' lists when with_lists (every command but those that read
 * only the status) and then the status file. 0 or a negative code
 * (reported). */
int opkg_order_ranks(struct pkg_ctx *ctx, int with_lists,
		     const char *const *names, size_t n, uint32_t *rank);
/* Each record's place in the walk: n records of size bytes from base,
 * each with a name (const char *, name_at bytes in) and a key (uint64_t,
 * key_at bytes in) set here, so that the keys order the records as opkg
 * walks their names (a name may come more than once): the bucket in the
 * high half, the rank within it in the low one. The ranks are asked
 * (opkg_order_ranks) only for the names that share a bucket with
 * another, so that a short list seldom reads anything. 0 or a negative
 * code (reported). */
int opkg_walk_keys(struct pkg_ctx *ctx, int with_lists, void *base, size_t n,
		   size_t size, size_t name_at, size_t key_at);

/* ---- opkg's own files (opkgfiles.c, opkgstatus.c, opkgimport.c) ---- */

struct opkg_nameset;
/* Bring usr/lib/opkg/status and info/<pkg>.* in line with the database,
 * changing only what differs: the status stanza of a package whose
 * recorded state is the database's stays as read, byte for byte; the
 * info files of a package whose stanza stays are not written (its .list
 * only when its set of paths differs); info files of packages no longer
 * installed go. With only (a transaction: the packages whose info files
 * its journal saved), the .list files and the info files that may go
 * are looked at for those packages and those whose stanza changed, not
 * for every package installed; NULL looks at all of them (recovery, an
 * image rebuild, flag, configure). 0 or a negative code (reported). */
int opkg_files_write(struct pkg_ctx *ctx, const struct opkg_nameset *only);
/* Import an existing opkg status + info into an empty database: what
 * (enum opkg_import) the packages and their conffiles alone (the status
 * file, info/<pkg>.control and .conffiles), or all (the files of their
 * .list and the scripts too: a database that is to be written);
 * OPKG_IMPORT_STATUS reads the status file and nothing else (a package's
 * control text is its status stanza, its conffiles are not looked at on
 * disk): what list-installed shows; search and files read the .list
 * files themselves (opkg_list_each). */
enum opkg_import {
	OPKG_IMPORT_ALL,
	OPKG_IMPORT_PKGS,
	OPKG_IMPORT_STATUS
};
int opkg_files_import(struct pkg_ctx *ctx, enum opkg_import what);
/* The installed packages of opkg's status file, read straight (no
 * database), as OPKG_IMPORT_STATUS would import them but without a
 * control text (NULL), to fn in db_pkg_each's order (by name; of a name
 * given twice, the last stanza). fn returns non-zero to stop, which is
 * returned; 0 without a status file, or an error reported. */
int opkg_status_each(struct pkg_ctx *ctx,
		     int (*fn)(const struct db_pkg *p, void *ud), void *ud);
/* Package name as opkg_status_each shows it, copied into *p (release
 * it with db_pkg_release): 0, -PKGE_NOTFOUND (not reported) or an error
 * reported; db_pkg_get's contract. */
int opkg_status_get(struct pkg_ctx *ctx, const char *name, struct db_pkg *p);
/* The conffiles of opkg's status (each installed package's Conffiles),
 * read straight, to fn in db_conffile_each's order over db_pkg_each's
 * (package name, then path; of a line given twice, the last). fn returns
 * non-zero to stop, which is returned; or an error reported. */
int opkg_conffiles_each(struct pkg_ctx *ctx,
			int (*fn)(const struct db_file *f, void *ud), void *ud);
/* opkg_status_each with what status shows: p->control as the import
 * stores it (opkg_control_from_status), conffiles every Conffiles value
 * of the name's stanzas (newline-joined; NULL when none) and order the
 * last non-empty one (the order status shows them in), as the database
 * holds them after OPKG_IMPORT_STATUS. */
int opkg_status_full_each(struct pkg_ctx *ctx,
			  int (*fn)(const struct db_pkg *p,
				    const char *conffiles, const char *order,
				    void *ud),
			  void *ud);
/* The conffiles of p as the files table would list them (by path, the
 * last hash of a path) from conffiles, the Conffiles values
 * opkg_status_full_each gives: to fn, which returns non-zero to stop
 * (returned); -ENOMEM. */
int opkg_conffiles_rows_each(const struct db_pkg *p, const char *conffiles,
			     int (*fn)(const struct db_file *f, void *ud),
			     void *ud);
/* Each line of a status Conffiles value ("/path hash"): fn gets the
 * root-relative path, through the same normaliser as every other path
 * ("/../../x" is refused, not taken), and the hash ("" when the line has
 * none). Stops at fn's non-zero, returned; -ENOMEM. */
int opkg_conffiles_lines(const char *value,
			 int (*fn)(const char *path, const char *hash,
				   void *ud),
			 void *ud);
/* p's status stanza as opkg_status_stanza renders it from the database,
 * from what opkg_status_full_each gives (no database); NULL as there. */
char *opkg_status_stanza_read(const struct db_pkg *p, const char *conffiles,
			      const char *order);
/* The conffiles list (one path a line, *len bytes; malloc'd, NULL when
 * out of memory) of a status Conffiles value: the first word of each
 * line, in its order. */
char *opkg_conffiles_order(const char *value, size_t *len);
/* Render a package's status stanza (opkg-lede's field order and format)
 * into a malloc'd string; NULL when out of memory or when a one-line
 * value holds a control character (reported). */
char *opkg_status_stanza(struct pkg_ctx *ctx, const struct db_pkg *p);
/* Can s be written as a one-line value: no control character, and no
 * blank when word is set (a name, a version)? NULL is. */
int opkg_one_line_ok(const char *s, int word);

/* Can the package's name, version and architecture be written to the
 * status file, installed_packages.txt and the world file (one word each,
 * no control character)? 0, or -PKGE_FORMAT reported. */
int opkg_pkg_check(const struct db_pkg *p);

/* A sorted set of package names. */
struct opkg_nameset {
	char **v;
	size_t n;
};
int opkg_nameset_has(const struct opkg_nameset *s, const char *name);
/* Add a copy of name (nothing when it is there): 0 or -ENOMEM. */
int opkg_nameset_add(struct opkg_nameset *s, const char *name);
void opkg_nameset_release(struct opkg_nameset *s);

/* The status file as the database says it, from the one on disk: text
 * (len bytes), the packages whose stanza was rendered anew (changed) and
 * those whose stanza was kept though the database does not have them
 * installed (foreign: a not-installed or config-files stanza opkg keeps
 * too). With only (opkg_files_write's), the stanza of an installed
 * package not in it is kept as it is, not rendered and compared: the
 * transaction did not change its row, and the last write made it. */
struct opkg_status_merge {
	char *text;
	size_t len;
	struct opkg_nameset changed, foreign;
	size_t unjudged; /* stanzas kept that are not parsed or not named */
};
int opkg_status_merge(struct pkg_ctx *ctx, struct opkg_status_merge *m,
		      const struct opkg_nameset *only);
void opkg_status_merge_release(struct opkg_status_merge *m);

/* info/<pkg>.control's text for a control stanza (malloc'd, *len set):
 * the text itself when it reads back as exactly one stanza (as opkg
 * copies it), else its fields written so that each stays one field. */
char *opkg_control_text(const char *control, size_t *len);
/* A control stanza from an opkg status stanza (status-only fields left
 * out), malloc'd. */
char *opkg_control_from_status(const struct ctl_stanza *st);
/* control (info/<pkg>.control, malloc'd: taken) with the fields opkg takes
 * from the status stanza st instead (the version, architecture and every
 * relation: what the solver reads) where the two disagree: those of st,
 * in control's order, the others as control has them. control itself
 * when they agree or it does not parse; the new text otherwise. */
char *opkg_control_with_status(char *control, const struct ctl_stanza *st);
/* One line of an info/<pkg>.list, in place: the root-relative path (no
 * leading or trailing '/', upstream's "\t<mode>" cut), NULL to skip. */
char *opkg_list_entry(char *line);
/* The info/<pkg>.list files read one after the other, the info directory
 * resolved once (at the first read). */
struct opkg_lists {
	struct pkg_ctx *ctx;
	char *info_res; /* info_dir resolved, or NULL */
	int info_opened; /* info_fd tried (zeroed: not yet) */
	int info_fd;	 /* info_res opened (rootfs_dir_open), or < 0 */
};
/* info/<pkg>.<ext> as read through the lists' directory: malloc'd text
 * and its length, or NULL (missing or unreadable). */
char *opkg_info_read(struct opkg_lists *ol, const char *pkg, const char *ext,
		     size_t *len);
/* Each entry of info/<pkg>.list (opkg_list_entry's path, in the file's
 * order, nothing looked at on disk: opkg shows a .list as it is) to fn,
 * until fn returns non-zero. 0 when the .list is missing or unreadable
 * (opkg shows no files then), -ENOMEM, or fn's value. */
int opkg_list_each(struct opkg_lists *ol, const char *pkg,
		   int (*fn)(const char *path, void *ud), void *ud);
void opkg_lists_release(struct opkg_lists *ol);

/* ---- the image database (rom.c, rom_sync.c) ---- */

/* One path of the image, as scanned or stored in rom_files. */
struct rom_entry {
	const char *path;    /* root-relative, no leading '/' */
	const char *package; /* owning image package */
	char type;	     /* 'f', 'd', 'l' */
	unsigned mode;
	uint64_t size;
	const char *sha256;  /* files only */
	const char *target;  /* symlinks only */
	int conffile;
};

/* An owned copy of a rom_files row. */
struct rom_file {
	char *path, *package, *sha256, *target;
	char type;
	unsigned mode;
	uint64_t size;
	int conffile;
};

typedef int (*rom_entry_fn)(const struct rom_entry *e, void *ud);
typedef int (*rom_pkg_fn)(const char *name, const char *version,
			  const char *arch, const char *control, void *ud);

/* SHA-256 of the image's opkg status under base (host path). */
int rom_fingerprint(struct pkg_ctx *ctx, enum tree_layer l, char hex[SHA256_HEX_SIZE]);
/* The image's status file as "SIZE MTIME_NS CRC32" (zlib's CRC-32 of its
 * text): what tells, without SHA-256, that the image is the one the
 * fingerprint was taken of. 0, or -errno (not reported). */
#define ROM_QUICK_SIZE 64
int rom_quick_id(struct pkg_ctx *ctx, char out[ROM_QUICK_SIZE]);
/* lstat of the image's status file; 0 or -errno (not reported). */
int rom_status_stat(struct pkg_ctx *ctx, struct stat *st);
/* Walk the image rooted at base (host path): each installed package of its
 * opkg status, then each path of its .list. */
int rom_scan(struct pkg_ctx *ctx, enum tree_layer l, rom_pkg_fn on_pkg,
	     rom_entry_fn on_file, void *ud);
/* The manifest an image build ships in usr/lib/pkg/rom-manifest. */
int rom_manifest_write(struct pkg_ctx *ctx, enum tree_layer l, FILE *out);
/* 1 when the image's fingerprint differs from the database's (fp set). */
int rom_sync_needed(struct pkg_ctx *ctx, char fp[SHA256_HEX_SIZE]);
/* Rebuild the image tables when the image changed and reconcile the
 * packages; first: the database was just created (no message). */
int rom_sync(struct pkg_ctx *ctx, int first);
/* The image's version of a package (malloc'd), NULL when not in it. */
char *rom_pkg_version(struct pkg_ctx *ctx, const char *name);
/* Image files, of one package or all (package NULL), in path order. */
int rom_file_each(struct pkg_ctx *ctx, const char *package, rom_entry_fn fn,
		  void *ud);
/* One image path: 0, or PKGE_NOTFOUND (not reported). */
int rom_file_get(struct pkg_ctx *ctx, const char *path, struct rom_file *f);
void rom_file_release(struct rom_file *f);
/* Add the "@image" repository to the solver pool. */
int rom_pool_add(struct pkg_ctx *ctx);
/* Replace a package's file and script rows with the image's. */
int rom_record_files(struct pkg_ctx *ctx, const char *name);

/* ---- conffile states (conffiles.c) ---- */

enum conf_state { CONF_UNCHANGED, CONF_CHANGED_HERE, CONF_CHANGED_IMAGE,
		  CONF_BOTH, CONF_MISSING };

/* The state of a conffile row: hashes only overlay copies. */
enum conf_state conffile_state(struct pkg_ctx *ctx, const struct db_file *f);
const char *conffile_state_name(enum conf_state s);
/* status --conffiles [--json]: every conffile and its state. */
int conffiles_status(struct pkg_ctx *ctx, const char *glob);

/* ---- feeds (feeds.c) ---- */

/* The lists directory's descriptor (kept in ctx->lists_fd): -l DIR (a
 * host path the user named), else the configuration's lists_dir resolved
 * in the root, made when create (never a fallback to an unresolved path).
 * -ENOENT unreported when it is not there and create is 0; other errors
 * reported. */
int feed_lists_fd(struct pkg_ctx *ctx, int create);
/* FEED_CACHE_DIR in the root, opened into ctx->cache_fd; when it is not
 * there, ROOT/tmp into ctx->cache_parent_fd, where the first cache
 * written makes it; neither: lists are parsed each time. Not reported. */
void feed_cache_open(struct pkg_ctx *ctx);
/* A stream of feed name's stored list (decompressed), or NULL when it is
 * not there (or reported when it cannot be read). */
FILE *feed_list_open(struct pkg_ctx *ctx, const char *name);
/* Feed name's stored list as it is (compressed), open for reading: fd
 * or -errno (not reported). */
int feed_list_fd(struct pkg_ctx *ctx, const char *name);
struct feed_zidx;
/* A stream of feed name's list from the last point of its seek index
 * (x: mapped, or first written, when *looked is 0, which it sets) at
 * or before text offset off and past from, where a stream already is
 * (0: none): *at its text offset. NULL when off is not a span
 * (FEED_ZIDX_SPAN) past from, or no such point opens (not reported:
 * the caller reads on from where it is). */
FILE *feed_list_open_near(struct pkg_ctx *ctx, const char *name,
			  struct feed_zidx *x, int *looked, uint64_t from,
			  uint64_t off, uint64_t *at);
/* The caches of a feed's list in FEED_CACHE_DIR, for other files than
 * the pool's (feed_desc.c). The name of feed name's cache with suffix
 * for its list as it is now (malloc'd; NULL: no list). */
char *feed_cache_file(struct pkg_ctx *ctx, const char *name,
		      const char *suffix);
/* The same for the list st describes (one stat for several caches of
 * one list). */
char *feed_cache_name_of(const struct pkg_ctx *ctx, const char *name,
			 const struct stat *st, const char *suffix);
/* Map the cache file whole, read-only (never a link, a FIFO or a
 * device): the map, *size bytes, or NULL (none, empty, unreadable). The
 * .desc and .rows readers check what it holds. With whole set, every
 * page is mapped at once (MAP_POPULATE: the rows and descriptions are
 * read through, checked whole when mapped, and one call was cheaper
 * than a fault each 64 KiB: list 0.6 ms, info 0.4 ms here); the seek
 * index is read at one point. */
void *feed_cache_map(struct pkg_ctx *ctx, const char *file, int whole,
		     size_t *size);
/* Create a temporary cache of feed name (O_EXCL, never a link; -errno
 * when there is no cache directory), after removing those of the feed
 * that processes now gone were writing. */
int feed_cache_create(struct pkg_ctx *ctx, const char *name,
		      const char *tmp);
/* Put tmp in place as file when ok, dropping the caches of feed name's
 * other lists; else remove it. Best effort. */
void feed_cache_put(struct pkg_ctx *ctx, const char *name, const char *tmp,
		    const char *file, int ok);
/* A cache of a feed's list being written: a stream into a temporary of
 * this process, put in place as the cache's name when closed whole. */
struct feed_cache_out {
	const char *name;	/* the feed's, the caller's */
	char *file, *tmp;
	struct fsop_out out;	/* fp's file; out.err: the first error */
	FILE *fp;
};
/* Start the cache of feed name's list as it is now (list NULL), or of
 * the list list describes (update: the list before it is put in
 * place), named with suffix (FEED_CACHE_ROWS...), magic written first:
 * 0, or -ENOMEM / -EIO (nothing left to close). Unreported: a cache is
 * best effort. */
int feed_cache_out_open(struct pkg_ctx *ctx, const char *name,
			const struct stat *list, const char *suffix,
			const char *magic, struct feed_cache_out *c);
/* Close c: in place when r is 0 and every write and the close went
 * through, else removed. r, or the first error of those. */
int feed_cache_out_close(struct pkg_ctx *ctx, struct feed_cache_out *c,
			 int r);
/* A feed list's descriptions cache (feed_desc.c), mapped. */
struct feed_desc {
	void *map;
	size_t size, n, len;
	const char *text;		/* the entries' bytes */
	const unsigned char *index;	/* n pairs of u32 (feed_desc.c) */
};
/* Map the cache of feed name's list as it is now: 1, or 0 when there is
 * none or it does not check (not reported: the lists are read instead). */
int feed_desc_map(struct pkg_ctx *ctx, const char *name, struct feed_desc *d);
/* The same for file, a name in the cache directory. */
int feed_desc_map_file(struct pkg_ctx *ctx, const char *file,
		       struct feed_desc *d);
/* The Description lines of the stanza at offset off (len bytes, maybe
 * 0), or NULL when the list has no stanza there. */
const char *feed_desc_get(const struct feed_desc *d, uint64_t off,
			  size_t *len);
/* The same for a caller that asks mostly in the list's order: entry
 * *next is tried first (the one after the last found: a feed's list is
 * sorted by name, as list asks), then the index is searched; *next
 * becomes the one after the entry found (start it at 0). */
const char *feed_desc_next(const struct feed_desc *d, uint64_t off,
			   size_t *len, size_t *next);
void feed_desc_unmap(struct feed_desc *d);
/* Write the cache of feed name's list as it is now: every stanza of the
 * list, in its order, then end (ok: the whole list was read; the cache
 * is put in place, else dropped; 0 or -errno, unreported: a cache is
 * best effort). begin returns -errno when there is no cache directory. */
struct feed_desc_writer;
int feed_desc_begin(struct pkg_ctx *ctx, const char *name,
		    const struct stat *list, struct feed_desc_writer **w);
void feed_desc_add(struct feed_desc_writer *w, uint64_t off,
		   const char *stanza, size_t len);
int feed_desc_end(struct pkg_ctx *ctx, struct feed_desc_writer *w, int ok);
/* A feed list's rows cache (feed_rows.c), mapped: what list and find
 * show of each package the pool keeps of the list, in name order. */
struct feed_rows {
	void *map;
	size_t size, n, len;
	const char *strings;
	const unsigned char *recs;	/* n records (feed_rows.c) */
};
struct feed_row {
	const char *name, *version, *abi; /* abi NULL: none */
	uint64_t off, size;		/* the stanza's offset, Size */
};
/* Map the rows and the descriptions caches (d NULL: the rows alone) of
 * feed name's list as it is now, both or neither: 1; 0 when either is
 * missing or does not check (not reported: the pool is loaded instead);
 * -ENOENT when the feed has no list (never updated: no rows); another
 * -errno when the lists directory cannot be used (reported). */
int feed_rows_map(struct pkg_ctx *ctx, const char *name, struct feed_rows *r,
		  struct feed_desc *d);
/* Row i (< r->n), its strings in the map. */
void feed_rows_get(const struct feed_rows *r, size_t i, struct feed_row *out);
/* Row i's name alone. */
const char *feed_rows_name(const struct feed_rows *r, size_t i);
/* Map every configured feed's rows cache (none for a feed without a
 * list: its rows are empty): 1, *rows set (ctx->conf.nsrcs of them, in
 * the configured order); 0 when a feed with a list has none (the pool
 * is loaded instead); -errno, reported. */
int feed_rows_map_all(struct pkg_ctx *ctx, struct feed_rows **rows);
void feed_rows_unmap_all(struct feed_rows *rows, size_t n);
/* The first row whose name sorts at or after name (r->n: none). */
size_t feed_rows_lower(const struct feed_rows *r, const char *name);
void feed_rows_unmap(struct feed_rows *r);
/* Write the rows cache of feed name's list as it is now (list NULL, or
 * as list describes it: feed_cache_out_open) from pool s: ids, its
 * packages of that feed (sorted here, in place). 0 or
 * -errno, unreported (best effort; -errno also when there is no cache
 * directory). */
int feed_rows_write(struct pkg_ctx *ctx, const struct pkg_solver *s,
		    const struct stat *list, const char *name, Id *ids,
		    size_t n);
/* A feed list's seek index (feed_zidx.c), mapped. */
struct feed_zidx {
	void *map;
	size_t size, n;
	const unsigned char *recs; /* n points */
};
/* A point every FEED_ZIDX_SPAN bytes of a list's text. */
#define FEED_ZIDX_SPAN ((uint64_t)512 << 10)
/* Map the seek index of feed name's list as it is now: 1, or 0 when
 * there is none or it does not check (not reported). */
int feed_zidx_map(struct pkg_ctx *ctx, const char *name, struct feed_zidx *x);
/* The last point at or before offset off of the text, when it is past
 * from (where a stream already is): 1 (*pt set, its window in the map),
 * else 0. */
int feed_zidx_point(const struct feed_zidx *x, uint64_t from, uint64_t off,
		    struct fetch_gz_point *pt);
void feed_zidx_unmap(struct feed_zidx *x);
/* Write the seek index of feed name's list as it is now (one whole
 * inflate of it; a list that is not gzip gets an index of no points).
 * 0 or -errno, unreported (best effort). */
int feed_zidx_write(struct pkg_ctx *ctx, const char *name);
/* Write the rows cache of each configured feed that has a list and no
 * rows cache for it, from all (the loaded pool's packages): the next
 * list, find or info reads that instead of the pool. Best effort. */
void feed_rows_write_missing(struct pkg_ctx *ctx, const Queue *all);
/* A pool for the configured architectures (opkg.conf's arch lines, in
 * their priorities): 0 or reported. */
int feed_solver_init(const struct pkg_ctx *ctx, struct pkg_solver *s);
/* Update every feed; the last error, *nfailed the number that failed. */
int feeds_update(struct pkg_ctx *ctx, int *nfailed);
/* Add every feed to the pool, from the cache when fresh. */
int feeds_load(struct pkg_ctx *ctx);
/* The Packages stanza of a feed package (from the list at its offset),
 * malloc'd text. */
int feed_stanza_text(struct pkg_ctx *ctx, Id p, char **text);
/* The same for the stanza at offset off of feed name's list (a row of
 * its rows cache): -PKGE_NOTFOUND when the list has none there. */
int feed_stanza_at(struct pkg_ctx *ctx, const char *name, uint64_t off,
		   char **text);
/* Close the lists feed_stanza_text kept open. */
void feed_cursors_release(struct pkg_ctx *ctx);

/* Fields of feed packages that the pool does not hold (Description,
 * Filename, SHA256sum, MD5Sum), read from the lists (feed_fields.c): open
 * with every package that will be asked for, in the order asked; get
 * returns the values of names (NULL for an absent field), valid until the
 * next get, or NULL for a package not from a feed list. */
struct feed_fields;
/* A name to ask for: the Description as opkg joins its lines (desc_opkg,
 * with newlines when the output is a terminal). */
#define FEED_DESC_OPKG "=Description"
int feed_fields_open(struct pkg_ctx *ctx, const Id *ids, size_t n,
		     const char *const *names, size_t nnames,
		     struct feed_fields **out);
const char *const *feed_fields_get(struct feed_fields *ff, Id p);
void feed_fields_close(struct feed_fields *ff);

/* Where a feed package's archive is and what it must hash to. */
struct feed_archive {
	Id p;
	char *filename, *sha256, *md5; /* NULL when the stanza has none */
};
/* Read the archives of the feed packages among ids, in one pass over
 * each list (an install asks for them in dependency order). */
int feed_archives_prefetch(struct pkg_ctx *ctx, const Id *ids, size_t n);
/* p's archive (read now when not prefetched), or NULL for a package not
 * from a feed list (command line, image, installed). */
const struct feed_archive *feed_archive(struct pkg_ctx *ctx, Id p);
void feed_archives_release(struct pkg_ctx *ctx);

/* ---- sysupgrade continuity (world.c; used by cmd/backup.c,
 * cmd/post_upgrade.c, cmd/export.c; formats in docs/sysupgrade.md) ---- */

/* user: asked for; dep: came as a dependency; removed: an image package
 * the user removed; rom: in the old image (installed_packages.txt). */
enum world_kind { WK_USER, WK_DEP, WK_REMOVED, WK_ROM };

struct world_entry {
	char *name;
	char *version;	/* as saved, or NULL */
	enum world_kind kind;
	size_t line;	/* line in the file it came from, 0 if none */
};

struct world {
	char *arch;	/* package architecture of the saving system */
	char *image;	/* fingerprint of the image it was saved on */
	struct world_entry *e;
	size_t n;
};

/* A line of a saved list that cannot be used: file, 1-based line, the
 * line's text (CR stripped) and why. */
typedef void (*world_bad_fn)(void *ud, const char *file, size_t line,
			     const char *text, const char *why);

/* Fingerprint of the root's image, malloc'd in *out: the database's
 * rom_fingerprint when the image tables set it, else the SHA-256 of the
 * image's opkg status, else (no image) of etc/openwrt_release or
 * usr/lib/os-release. 0 or -errno. The one place to swap detection. */
int world_image_fingerprint(struct pkg_ctx *ctx, char **out);
/* The system's package architecture: the highest-priority opkg.conf arch
 * other than all/noarch, or NULL. Points into ctx->conf. */
const char *world_system_arch(const struct pkg_ctx *ctx);
/* The world as the database has it (user and dependency packages of the
 * overlay, image packages the user removed). 0 or a negative code. */
int world_from_db(struct pkg_ctx *ctx, struct world *w);
/* Render w in the world format (docs/sysupgrade.md); malloc'd or NULL. */
char *world_render(const struct world *w, size_t *len);
/* Parse a world file's text. Bad lines go to bad (NULL: ignored) and are
 * skipped. 0, or -ENOMEM. */
int world_parse(const char *text, size_t len, const char *fname,
		struct world *w, world_bad_fn bad, void *ud);
/* Parse sysupgrade's installed_packages.txt ("name<TAB>rom|overlay|
 * unknown"): overlay and unknown lines become WK_USER entries, rom lines
 * WK_ROM entries; a bare valid name counts as overlay. Bad lines go to
 * bad. 0 or -ENOMEM. */
int world_parse_installed_txt(const char *text, size_t len,
			      const char *fname, struct world *w,
			      world_bad_fn bad, void *ud);
int world_add(struct world *w, const char *name, const char *version,
	      enum world_kind kind, size_t line);
/* The entry named name, or NULL. */
struct world_entry *world_find(const struct world *w, const char *name);
void world_release(struct world *w);
/* Is name a plausible package name (no spaces, no control characters)? */
int world_name_ok(const char *name);
/* The texts of WORLD_FILE and INSTALLED_TXT as the database has them now
 * (the world file's on-disk text while a saved world from another image
 * waits for post-upgrade). Malloc'd. 0 or a negative code. */
int world_texts(struct pkg_ctx *ctx, char **world, size_t *wlen,
		char **itxt, size_t *ilen);
/* Write WORLD_FILE from the database (called after every transaction by
 * state_files_write). Leaves a saved world of another image alone
 * until post-upgrade has run for this image. 0 or a negative code. */
int world_write(struct pkg_ctx *ctx);

/* ---- opkg's files in line with the database (opkgsynced.c) ---- */

/* 1 when the mark (PKG_DIR/OPKG_SYNCED_NAME) names the database, status
 * file, info directory and image status as they are now: opkg's files
 * say what the database says, and a query may read them instead. 0
 * otherwise (none, another's, unreadable: nothing reported). */
int opkg_synced(struct pkg_ctx *ctx);
/* Write the mark for the files as they are now: only once opkg's files
 * are known to say what the database says
 * (ctx->opkg_in_line) and no transaction is left in the database.
 * Best effort: without it a query reads the database. */
void opkg_synced_mark(struct pkg_ctx *ctx);

/* ---- the state files (statefiles.c) ---- */

/* Rewrite opkg's status and info files, installed_packages.txt and the
 * world file from the database: after every transaction and image
 * rebuild (only: opkg_files_write's). 0 or a negative code. */
int state_files_write(struct pkg_ctx *ctx, const struct opkg_nameset *only);

#endif
