/*
 * pkgd: the pkg program. The command table and one file per command, the
 * configuration (opkg.conf), the SQLite database, the feeds, the
 * transaction engine and the lock. Everything a command needs hangs off
 * one context struct; there is no other mutable global state.
 */
#ifndef PKG_PKGD_H
#define PKG_PKGD_H

#include <stdio.h>
#include <stdint.h>
#include <sqlite3.h>

#include "rootfs.h"
#include "fetch.h"
#include "solver.h"
#include "hooks.h"

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
	int offline;	   /* -o given */
	sqlite3 *db;
	int db_readonly;
	struct pkg_solver solv;
	int solv_ready;
	int pool_installed_only; /* CMD_SCOPE without -A */
	int lock_fd;	   /* pkg lock, -1 when not held */
	int opkg_lock_fd;
	int tty;	   /* stderr is a terminal: progress */
	const char *prog;  /* "pkg" or "opkg" */
	struct feed_cursor *cursors; /* open feed lists (feeds.c) */
	size_t ncursors;
	struct feed_archive *archives; /* read from the lists */
	size_t narchives;
	FILE *out;	   /* primary output (stdout) */
};

/* ---- the command table ---- */

#define CMD_DB 1	/* needs the database (read) */
#define CMD_WRITE 2	/* takes the lock, may change the root */
#define CMD_POOL 4	/* needs the solver pool (installed + feeds) */
#define CMD_OPKG 8	/* a command opkg has */
#define CMD_NOROOT 16	/* needs no root at all */
#define CMD_NODB 64	/* with CMD_WRITE: the lock only, no database (update
			 * writes feed lists, never the installed state) */
#define CMD_FEEDS 128	/* a pool of the feeds alone, no database: list
			 * shows what the feeds offer (as opkg), and SQLite
			 * would cost it 1.2 MB of RSS */
#define CMD_LISTING 512	/* a listing: --json, -i, --size... (help) */
#define CMD_SCOPE 256	/* with CMD_POOL: the installed packages alone
			 * unless -A (the queries: depends, what*), so the
			 * feeds are not loaded for nothing */

struct pkg_cmd {
	const char *name;
	const char *args;
	const char *help;
	unsigned flags;
	int (*run)(struct pkg_ctx *ctx, int argc, char **argv);
};

const struct pkg_cmd *cmd_find(const char *name);
/* The table, terminated by NULL. */
extern const struct pkg_cmd *const pkg_commands[];

/* ---- context set-up (ctx.c) ---- */

/* Root path helpers: absolute host path of a root-relative path for
 * reading in the merged view / for writing. Malloc'd. */
char *ctx_path(const struct pkg_ctx *ctx, const char *rel);
char *ctx_wpath(const struct pkg_ctx *ctx, const char *rel);
/* rel with the symlinks of its parent components resolved inside the
 * root (root-relative, no leading '/'). */
int ctx_resolve(const struct pkg_ctx *ctx, const char *rel, char *out,
		size_t cap);
int ctx_open_db(struct pkg_ctx *ctx, int write);
/* Take the lock (when not held) and reopen the database for writing
 * (when it was opened read-only): a read command that must change
 * something (recovery, an image rebuild). */
int ctx_write_access(struct pkg_ctx *ctx);
/* Rebuild the image database when the image changed (rom_sync). */
int ctx_sync_image(struct pkg_ctx *ctx);
/* Write rel (root-relative) atomically unless the merged view already
 * holds exactly data (flash wears; image files are not copied up). */
int ctx_write_file(struct pkg_ctx *ctx, const char *rel, const char *data,
		   size_t len, mode_t mode);
int ctx_lock(struct pkg_ctx *ctx);
/* Remove what killed runs left in the temporary directory (their
 * downloads and script copies; tmpclean.c). Call with the lock held. */
void ctx_clean_stale_tmp(struct pkg_ctx *ctx);
void ctx_unlock(struct pkg_ctx *ctx);
/* Load installed packages and feeds into the solver pool. */
int ctx_load_pool(struct pkg_ctx *ctx);
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
int db_exec(sqlite3 *db, const char *sql);
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
int db_rollback(sqlite3 *db);
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
int db_file_each(sqlite3 *db, const char *package,
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

/* ---- opkg's own files (opkgfiles.c) ---- */

/* Write usr/lib/opkg/status and info/<pkg>.* from the database. */
int opkg_files_write(struct pkg_ctx *ctx);
/* Import an existing opkg status + info into an empty database. */
int opkg_files_import(struct pkg_ctx *ctx);
/* Render a package's status stanza (opkg's field order) into a malloc'd
 * string. */
char *opkg_status_stanza(struct pkg_ctx *ctx, const struct db_pkg *p);

/* A control stanza from an opkg status stanza (status-only fields left
 * out), malloc'd. */
char *opkg_control_from_status(const struct ctl_stanza *st);
/* One line of an info/<pkg>.list, in place: the root-relative path (no
 * leading or trailing '/', upstream's "\t<mode>" cut), NULL to skip. */
char *opkg_list_entry(char *line);

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
int rom_fingerprint(struct pkg_ctx *ctx, const char *base, char hex[SHA256_HEX_SIZE]);
/* Walk the image rooted at base (host path): each installed package of its
 * opkg status, then each path of its .list. */
int rom_scan(struct pkg_ctx *ctx, const char *base, rom_pkg_fn on_pkg,
	     rom_entry_fn on_file, void *ud);
/* The manifest an image build ships in usr/lib/pkg/rom-manifest. */
int rom_manifest_write(struct pkg_ctx *ctx, const char *base, FILE *out);
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

/* Host path of a feed's list file and its .solv cache. */
char *feed_list_path(const struct pkg_ctx *ctx, const char *name);
/* Update every feed; the last error, *nfailed the number that failed. */
int feeds_update(struct pkg_ctx *ctx, int *nfailed);
/* Add every feed to the pool, from the cache when fresh. */
int feeds_load(struct pkg_ctx *ctx);
/* The Packages stanza of a feed package (from the list at its offset),
 * malloc'd text. */
int feed_stanza_text(struct pkg_ctx *ctx, Id p, char **text);
/* Close the lists feed_stanza_text kept open. */
void feed_cursors_release(struct pkg_ctx *ctx);

/* Fields of feed packages that the pool does not hold (Description,
 * Filename, SHA256sum, MD5Sum), read from the lists (feed_fields.c): open
 * with every package that will be asked for, in the order asked; get
 * returns the values of names (NULL for an absent field), valid until the
 * next get, or NULL for a package not from a feed list. */
struct feed_fields;
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

/* ---- transactions (tx.c) ---- */

struct tx_item {
	enum step_type type;
	char *name;
	char *version;
	char *ipk;	/* verified local archive (install/upgrade) */
	int user;	/* asked for by the user */
	int from_rom;	/* restore the image's copy instead of the ipk */
	Id p, old;
};

struct tx {
	struct pkg_ctx *ctx;
	char *dldir;	/* downloads of this run, removed by tx_release */
	struct tx_item *items;
	size_t n;
};

/* Plan from the solver result; downloads and verifies every archive. */
int tx_plan(struct tx *tx, struct pkg_ctx *ctx,
	    const struct solver_result *res, const char *const *user_names,
	    size_t nuser);
/* Download feed package p into dir, verified against the index. */
int tx_fetch_pkg(struct pkg_ctx *ctx, Id p, const char *dir, char **out);
/* Run stage -> journal -> commit -> finalize -> clean. */
int tx_run(struct tx *tx);
void tx_release(struct tx *tx);
/* Roll an unfinished transaction forward or back; says so in one line.
 * 0 when there was nothing to do or it was recovered. */
int tx_recover(struct pkg_ctx *ctx, int verbose);

/* Solve the queued jobs and run the transaction (apply.c). user: names
 * asked for; local_ids/paths: packages from local archives. */
int apply_jobs(struct pkg_ctx *ctx, int flags, const char *const *user,
	       size_t nuser, const Id *local_ids, char *const *local_paths,
	       size_t nlocal);

/* The package cache directory (--cache, option cache; inside an offline
 * root unless --host-cache-dir), malloc'd, NULL when none (apply.c). */
char *apply_cache_dir(struct pkg_ctx *ctx);

/* ---- helpers shared by commands (util.c) ---- */

/* Append a copy of s to the list v (n entries) unless it is there. */
int strv_add_unique(char ***v, size_t *n, const char *s);
/* Is arg a local .ipk path / a URL? */
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

/* ---- sysupgrade continuity (world.c, cmd_backup.c, cmd_post_upgrade.c,
 * cmd_export.c; formats in docs/sysupgrade.md) ---- */

/* Command flag: the command parses the words after its name itself (main
 * skips its second option pass, so `backup -l` is not `--lists-dir`). */
#define CMD_OWNOPTS 32

#define WORLD_FILE "etc/pkg/world"
#define INSTALLED_TXT "etc/backup/installed_packages.txt"
#define POST_UPGRADE_REPORT "tmp/pkg-post-upgrade.txt"

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
 * tx_write_state_files). Leaves a saved world of another image alone
 * until post-upgrade has run for this image. 0 or a negative code. */
int world_write(struct pkg_ctx *ctx);

#endif
