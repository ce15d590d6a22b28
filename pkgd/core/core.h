/*
 * pkgd/core: the lowest layer of the pkg program. The configuration
 * (opkg.conf), the command-line options, the context struct everything
 * hangs off (there is no other mutable global state), root paths, the
 * lock, the SQLite database and small helpers. Calls nothing in pkgd/
 * above it; the on-disk names are in ondisk.h.
 *
 * Layers, lowest first: core, state, tx, session, cmd, then main.c. A
 * layer includes and calls only its own and lower ones
 * (tests/t/05-layers.t checks it).
 */
#ifndef PKG_CORE_H
#define PKG_CORE_H

#include <stdio.h>
#include <stdint.h>
#include <sqlite3.h>

#include "rootfs.h"
#include "fetch.h"
#include "solver.h"
#include "hooks.h"
#include "core/ondisk.h"

#define PKG_VERSION "0.1.0"

/* ---- configuration (opkg.conf and etc/opkg/ *.conf) ---- */

struct conf_src {
	char *name;
	char *url;
	int gz;		/* src/gz: Packages.gz */
};

struct conf_dest {
	char *name;
	char *path;	/* relative to the root, "/" for root */
};

struct conf_arch {
	char *name;
	int prio;
};

struct pkg_conf {
	struct conf_src *srcs;
	size_t nsrcs;
	struct conf_dest *dests;
	size_t ndests;
	struct conf_arch *archs;
	size_t narchs;
	char *lists_dir;    /* root-relative, default "/var/opkg-lists" */
	char *overlay_root; /* "/overlay" */
	char *cache_dir;    /* option cache: keep downloads */
	char *tmp_dir;	    /* host path for downloads */
	char *info_dir;	    /* "/usr/lib/opkg/info" */
	char *status_file;  /* "/usr/lib/opkg/status" */
	char *lock_file;    /* "/var/lock/opkg.lock" */
	char *keys_dir;	    /* "/etc/opkg/keys" */
	char *intercepts_dir; /* option intercepts_dir (host path), or NULL:
			       * the default, /usr/share/opkg/intercept */
	int check_signature;
	int force_postinstall;
	char **excludes;
	size_t nexcludes;
};

/* Parse the configuration: the file given with -f (host path), else
 * ROOT/etc/opkg.conf; plus ROOT/etc/opkg/ *.conf in name order. */
struct pkg_ctx;
int conf_load(struct pkg_conf *c, const struct pkg_ctx *ctx,
	      const char *conf_file);
int conf_add_arch(struct pkg_conf *c, const char *name, int prio);
void conf_release(struct pkg_conf *c);
/* Parse one file's text into c (exposed for tests and fuzzing). */
int conf_parse_text(struct pkg_conf *c, const char *text, size_t len,
		    const char *fname);

/* ---- command-line options ---- */

enum { FORCE_DEPENDS = 1 << 0, FORCE_REINSTALL = 1 << 1,
       FORCE_OVERWRITE = 1 << 2, FORCE_DOWNGRADE = 1 << 3,
       FORCE_SPACE = 1 << 4, FORCE_POSTINSTALL = 1 << 5,
       FORCE_REMOVE = 1 << 6, FORCE_CHECKSUM = 1 << 7,
       FORCE_SIGNATURE = 1 << 8, FORCE_REMOVE_DEPENDENT = 1 << 9,
       FORCE_REMOVE_ESSENTIAL = 1 << 10, FORCE_MAINTAINER = 1 << 11,
       FORCE_SPECIAL_FILES = 1 << 12 };

struct pkg_opts {
	const char *conf_file;
	const char *root;	/* -o / --root */
	const char *dest;	/* -d */
	const char *lists_dir;	/* -l */
	const char *tmp_dir;	/* -t */
	const char *cache_dir;
	const char *testcase_dir; /* --dump-testcase */
	unsigned force;
	int noaction;
	int download_only;
	int nodeps;
	int autoremove;
	int verbosity;		/* opkg: 0 errors .. 4 debug; default 1 */
	int json;
	int nocase;
	int size;
	int short_desc;
	int all;		/* -A */
	int recursive;
	int no_recommends;
	int prefer_arch;	/* --prefer-arch-to-version */
	int insecure;		/* --no-check-certificate */
	int wait_s;		/* --wait: -1 refuse at once */
	int from_rom, from_feed;
	int conffiles;		/* reset --conffiles, status --conffiles */
	int dry_run;
	char *fields;		/* --fields */
	char **add_archs;	/* --add-arch NAME:PRIO */
	size_t nadd_archs;
	char **add_dests;
	size_t nadd_dests;
	char **add_excludes;
	size_t nadd_excludes;
	char **ignore_recs;	/* --add-ignore-recommends NAME */
	size_t nignore_recs;
	int strip_abi;		/* --strip-abi: list names without ABIVersion */
	int host_cache;		/* --host-cache-dir: cache is a host path */
	int volatile_cache;	/* --volatile-cache: keep nothing in it */
	const char *verify_program; /* --verify-program (accepted) */
};

/* ---- the context ---- */

struct feed_cursor;

struct pkg_ctx {
	struct pkg_opts opt;
	struct pkg_conf conf;
	struct rootfs rf;
	char *root;	   /* absolute root, "" for "/" */
	int lists_fd;	   /* the lists directory, -1 until opened */
	int cache_fd;	   /* FEED_CACHE_DIR of the main root, or -1 */
	int cache_parent_fd; /* its parent when it is not made yet, or -1 */
	int offline;	   /* -o given */
	sqlite3 *db;
	int db_readonly;
	/* What a database built in RAM imports from opkg's files (enum
	 * opkg_import): a query that reads the packages table alone does
	 * not pay for every listed file's lstat and every script's read. */
	int db_import;
	/* opkg's files say what the database opened for writing says: they
	 * did when it was opened (opkg_synced), it was built from them, or
	 * they were all written from it since. main then marks them so
	 * (opkg_synced_mark) when the command succeeds. */
	int opkg_in_line;
	struct pkg_solver solv;
	int solv_ready;
	int pool_installed_only; /* CMD_SCOPE without -A */
	/* the pool's installed packages from opkg's status file, no
	 * database (a query over the pool on a root without one) */
	int pool_from_status;
	int lock_fd;	   /* pkg lock, -1 when not held */
	int opkg_lock_fd;
	int tty;	   /* stderr is a terminal: progress */
	const char *prog;  /* "pkg" or "opkg" */
	struct feed_cursor *cursors; /* open feed lists (feeds.c) */
	size_t ncursors;
	struct feed_archive *archives; /* read from the lists */
	size_t narchives;
	FILE *out;	   /* primary output (stdout) */
	char *tmp_path;	   /* this run's private temporary directory */
	int tmp_fd;	   /* (ctx_tmpdir), -1 until made */
	/* pkg's and opkg's own state, canonical (ctx_state_path), resolved
	 * on first use; dir: the path and all below it */
	struct state_entry {
		char *path;
		size_t len;
		int dir;
	} state[6];
	int nstate, state_ready;
};

/* ---- the context (ctx.c) ---- */

/* Paths of the root. Every one (from a package, opkg's files, the
 * configuration, the command line) goes through rootfs/'s resolver: a
 * path is absolute or relative to the root, and means what it means on
 * the device (symlinks followed inside the root, never out of it). */
/* The canonical root-relative form of path (malloc'd in *out; its last
 * component is not followed). 0, or reported: -ELOOP, -ENAMETOOLONG... */
int ctx_resolve(const struct pkg_ctx *ctx, const char *path, char **out);
/* Read path whole in the merged view (cap: max, 0 = 256 MiB). Not
 * reported (a missing file is often normal); *out NULL on error. */
int ctx_read_file(const struct pkg_ctx *ctx, const char *path, size_t max,
		  char **out, size_t *len);
/* A path recorded by a package (or opkg's files) in the merged view:
 * resolved inside the root, then looked up: 0 with *st, *origin, *layer
 * (each may be NULL... but st) and the canonical path in *res (NULL: not
 * wanted; malloc'd even on -ENOENT), or -ENOENT and the like (silent). */
int ctx_lookup(const struct pkg_ctx *ctx, const char *path, struct stat *st,
	       enum origin *origin, enum tree_layer *layer, char **res);
/* SHA-256 of the regular file at path in the merged view (silent). */
int ctx_sha256(const struct pkg_ctx *ctx, const char *path, char hex[SHA256_HEX_SIZE]);
/* Resolve path for writing and make its parent directories (offline:
 * copied up from the image). *res: canonical, malloc'd. Reported. */
int ctx_prepare_write(struct pkg_ctx *ctx, const char *path, char **res);
/* This run's private temporary directory (downloads, maintainer
 * scripts): made on first use under -t / TMPDIR / /tmp, removed by
 * ctx_release. Its descriptor in *fd (may be NULL). NULL: reported. */
const char *ctx_tmpdir(struct pkg_ctx *ctx, int *fd);
/* Write path atomically unless the merged view already holds exactly
 * data (flash wears; image files are not copied up). Reported. */
int ctx_write_file(struct pkg_ctx *ctx, const char *path, const char *data,
		   size_t len, mode_t mode);
/* Whether res (canonical) lies in what pkg and opkg keep of their own
 * state: PKG_DIR, opkg's info directory, status file and lists, pkg's
 * feed caches and the world file. Returns that path, or NULL. No
 * package may put an entry there or have one removed from there: a file
 * named usr/lib/opkg/status or usr/lib/pkg/pkg.db in a package (opkg
 * installs it) would rewrite the record of what is installed, a feed
 * cache what the signed index says. A directory that is itself one of
 * them (is_dir) is not refused: packages may ship usr/lib/opkg. */
const char *ctx_state_path(struct pkg_ctx *ctx, const char *res, int is_dir);
int ctx_lock(struct pkg_ctx *ctx);
/* Remove what killed runs left in the temporary directory (their
 * downloads and script copies; tmpclean.c). Call with the lock held. */
void ctx_clean_stale_tmp(struct pkg_ctx *ctx);
void ctx_unlock(struct pkg_ctx *ctx);
/* Free what the context holds (the session's part: session_release). */
void ctx_release(struct pkg_ctx *ctx);
/* Verbosity-gated message on stdout (opkg prints its chatter there). */
void ctx_note(const struct pkg_ctx *ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the database (db.c) ---- */

#define DB_SCHEMA_VERSION 2

struct db_pkg {
	char *name;
	char *version;
	char *arch;
	char *origin;	  /* "rom" | "overlay" */
	char *state;	  /* "installed" | "removed" | "failed" */
	int user;	  /* opkg's "user" status flag */
	int auto_installed; /* came in as a dependency (Auto-Installed) */
	int hold;
	int noprune;
	int64_t installed_time;
	char *control;	  /* the control stanza text as installed */
	char *rom_version; /* version in the image, or NULL */
};

struct db_file {
	char *path;	/* root-relative, no leading '/' */
	char *package;
	char type;	/* 'f' file, 'd' dir, 'l' symlink */
	unsigned mode;
	uint64_t size;
	char *sha256;	/* NULL when not computed */
	char *target;	/* symlink target */
	int conffile;
	char *conf_sha256; /* conffile hash at install time */
	char *origin;	/* "rom" | "overlay" */
};

int db_open(sqlite3 **db, const char *path, int write, int *created);
void db_close(sqlite3 *db);
/* A database in RAM (":memory:", opkg's files imported for a query), not
 * the one on the root. */
int db_in_memory(sqlite3 *db);
int db_exec(sqlite3 *db, const char *sql);
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
int db_rollback(sqlite3 *db);
/* *value: the key's value (malloc'd), NULL when it is not set or the
 * database has no meta table yet (a fresh one, read-only). 0, or
 * -PKGE_DB / -ENOMEM reported (*value NULL). */
int db_meta_get(sqlite3 *db, const char *key, char **value);
int db_meta_set(sqlite3 *db, const char *key, const char *value);
/* An image package's control text and an image file's hash are stored
 * once, in rom_packages and rom_files (schema 2): dedupe drops the copies
 * the image holds; keep_controls writes them back before rom_packages is
 * rebuilt for a new image (a package's row must outlive its version). */
int db_image_dedupe(sqlite3 *db);
int db_image_keep_controls(sqlite3 *db);
/* Package rows. db_pkg_get: 0, PKGE_NOTFOUND (not reported). */
int db_pkg_get(sqlite3 *db, const char *name, struct db_pkg *p);
int db_pkg_put(sqlite3 *db, const struct db_pkg *p);
/* Is name installed (an image package removed here is not)? */
int db_pkg_installed(sqlite3 *db, const char *name);
int db_pkg_delete(sqlite3 *db, const char *name);
void db_pkg_release(struct db_pkg *p);
/* Iterate packages in name order; fn returns non-zero to stop. */
int db_pkg_each(sqlite3 *db, int (*fn)(const struct db_pkg *p, void *ud),
		void *ud);
/* Files. */
int db_file_put(sqlite3 *db, const struct db_file *f);
int db_files_delete(sqlite3 *db, const char *package);
/* The files of package (NULL: of every package) in path order; fn returns
 * non-zero to stop, and that is returned; 0, or a database error reported. */
int db_file_each(sqlite3 *db, const char *package,
		 int (*fn)(const struct db_file *f, void *ud), void *ud);
/* The same for package's conffiles alone. */
int db_conffile_each(sqlite3 *db, const char *package,
		     int (*fn)(const struct db_file *f, void *ud), void *ud);
/* Owner of a path other than `except` (NULL: any); malloc'd name or NULL. */
char *db_file_owner(sqlite3 *db, const char *path, const char *except);
void db_file_release(struct db_file *f);
/* Control members other than control (scripts, conffiles...). */
int db_script_put(sqlite3 *db, const char *pkg, const char *name,
		  const char *body, size_t len);
int db_script_get(sqlite3 *db, const char *pkg, const char *name,
		  char **body, size_t *len);
int db_scripts_delete(sqlite3 *db, const char *pkg);
int db_script_each(sqlite3 *db, const char *pkg,
		   int (*fn)(const char *name, const char *body, size_t len,
			     void *ud), void *ud);

/* ---- helpers (util.c) ---- */

/* Append a copy of s to the list v (n entries) unless it is there. */
int strv_add_unique(char ***v, size_t *n, const char *s);
/* Is arg a glob (has * ? or [)? A local .ipk path? A URL? */
int arg_has_glob(const char *s);
/* The one glob matcher, for every pattern the user gives (package names,
 * file paths, --add-exclude, --add-ignore-recommends...): fnmatch as
 * opkg calls it, any case with -i (ctx->opt.nocase; a NULL ctx: exact
 * case). A NULL glob matches everything. 1 when s matches, else 0. */
int pkg_glob_match(const struct pkg_ctx *ctx, const char *glob,
		   const char *s);
/* The packages of the pool (every repo) whose name pkg_glob_match
 * accepts, pushed onto q in id order. */
void pkg_glob_ids(const struct pkg_ctx *ctx, const char *glob, Queue *q);
int arg_is_ipk(const char *arg);
int arg_is_url(const char *arg);
/* JSON string output. */
void json_str(FILE *f, const char *s);
/* --json listings: one array of objects. json_item opens the next object
 * ("[" before the first), json_field writes sep "key": "value", and
 * json_array_end closes the array ("[]" when no item came). */
void json_item(FILE *f, int *first);
void json_field(FILE *f, const char *sep, const char *key, const char *value);
void json_array_end(FILE *f, int first);
/* The first line of a description. */
char *desc_first_line(const char *desc);
/* A description as opkg prints it on a pipe: one line. */
char *desc_one_line(const char *desc);
/* The Description of a raw stanza (len bytes) as opkg keeps it: the
 * first line's value trimmed, each continuation line appended as it is
 * (its leading space and trailing blanks too; a newline before each when
 * tty), the whole trimmed at both ends. Malloc'd; NULL when there is none
 * (or it is empty, or no memory). */
char *desc_opkg(const char *stanza, size_t len, int tty);
/* The lines of a raw stanza desc_opkg reads (its Description line and
 * the continuation lines after it), *n bytes from "Description:" on;
 * NULL when there are none. desc_render of what follows the 12 bytes of
 * "Description:" there is desc_opkg of the whole stanza. */
const char *desc_lines(const char *stanza, size_t len, size_t *n);
char *desc_render(const char *lines, size_t len, int tty);
/* The same appended to b: the bytes added (0: none, nothing added, or no
 * memory: b->oom). */
size_t desc_render_into(struct strbuf *b, const char *lines, size_t len,
			int tty);

#endif
