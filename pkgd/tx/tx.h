/*
 * pkgd/tx: transactions, above state. Plan (plan.c: downloads, checks),
 * stage (stage.c: archives unpacked beside the root, the journal's
 * steps), commit (commit.c: tx_run, tx_recover), maintainer scripts
 * (scripts.c), image restores (restore.c), the journal (journal.c) and
 * apply_jobs (apply.c: solve, then run).
 *
 * A journal row is one filesystem step of the commit (enum journal_op in
 * core/ondisk.h):
 *   JOP_MKDIR 'D' mkdir path             rollback: rmdir if empty
 *   JOP_PLACE 'P' place: backup <- path (if any), path <- staged
 *                                       rollback: path <- backup, or
 *                                       unlink path when staged is gone
 *   JOP_REMOVE 'R' remove: backup <- path (if any), whiteout if the image
 *       has it                          rollback: drop whiteout, restore
 *   JOP_UNCOVER 'W' uncover the image's entry: what upper holds at path
 *       (whiteout or copy) moved to backup   rollback: move it back
 *   JOP_HIDE 'H' hide: a whiteout for an image entry
 *                                             rollback: unlink it
 *   JOP_UPPER_DIR 'M' an upper directory (image's mode)
 *                                             rollback: rmdir if empty
 *   JOP_UNOPAQUE 'O' clear an upper directory's opaque mark
 *                                             rollback: set it again
 *   JOP_PARENT_DIR 'U' an upper directory on the way to a path (copy-up
 *       of an image directory, parent of a new file)
 *                                             rollback: rmdir if empty
 *   JOP_STATE_FILE 'S' a state file (opkg status, installed_packages.txt,
 *       world): hard link of the old one kept in staging
 *                                       rollback: put it back, or unlink
 *                                       the new one when there was none
 *   JOP_INFO_FILES 'I' the opkg info files of one package (name in the
 *       staged column): hard links of path/name.* kept in staging
 *                                             rollback: drop new ones,
 *       put the old ones back
 * 'W' 'H' 'M' 'O' change the upper layer directly, also on a live overlay
 * (restore, reclaim, reset); the commit then checks the merged view.
 * Rows are applied in seq order and undone in reverse. The database rows
 * of the packages change in the same SQLite transaction that marks the
 * journal committed, so "committed" means roll forward, anything else
 * means roll back.
 */
#ifndef PKG_TX_H
#define PKG_TX_H

#include "state/state.h"

/* ---- the package cache (cache.c) ---- */

struct pkg_cache {
	int in_root;	/* dir is canonical in the root, else a host path */
	char *dir;	/* NULL: no cache */
};

/* The cache of this run: --cache / option cache, inside an offline root
 * unless --host-cache-dir. 0 (c->dir NULL when none) or reported. */
int cache_open(struct pkg_ctx *ctx, struct pkg_cache *c);
void cache_release(struct pkg_cache *c);
/* Open the cached archive name for reading: fd or -errno (silent). */
int cache_open_file(struct pkg_ctx *ctx, const struct pkg_cache *c,
		    const char *name);
/* Keep an archive (atomic write); reported. */
int cache_write(struct pkg_ctx *ctx, const struct pkg_cache *c,
		const char *name, const void *data, size_t len);
/* The cache directory for readdir (NULL: none or *err), remove one. */
DIR *cache_opendir(struct pkg_ctx *ctx, const struct pkg_cache *c, int *err);
int cache_unlink(struct pkg_ctx *ctx, const struct pkg_cache *c,
		 const char *name);

/* ---- the tree as the transaction leaves it (view.c) ---- */

struct view_slot;
struct tx_view {
	struct view_slot *slots;
	size_t n, cap;
};

/* Record that the transaction leaves path (canonical) as an entry of
 * type (S_IFDIR, S_IFREG, S_IFLNK with its target), or removes it (type
 * 0). Its prefixes become directories of the view. 0 or -ENOMEM. */
int tx_view_add(struct tx_view *v, const char *path, mode_t type,
		const char *target, int tag);
/* ROOTFS_VIEW_ENTRY (*type, *target), _GONE or _NONE for path. */
int tx_view_get(const struct tx_view *v, const char *path, mode_t *type,
		const char **target);
/* The tag path's entry was added with, -1 when path is no entry (absent,
 * removed, only a directory above entries). */
int tx_view_tag(const struct tx_view *v, const char *path);
/* The resolver's view of v (valid while v is). */
struct rootfs_view tx_view_of(struct tx_view *v);
void tx_view_release(struct tx_view *v);

/* ---- transactions (plan.c, commit.c) ---- */

struct tx_item {
	enum step_type type;
	char *name;
	char *version;
	char *ipk;	/* local archive (install/upgrade): its name */
	int ipk_fd;	/* ...opened once, verified through it, -1: none */
	int user;	/* asked for by the user */
	int from_rom;	/* restore the image's copy instead of the ipk */
	int orphan;	/* removed by --autoremove: installed as a
			 * dependency, nothing needs it now */
	char *notes;	/* what opkg says after the step's line, or NULL */
	Id p, old;
};

struct tx {
	struct pkg_ctx *ctx;
	char *dldir;	/* where this run's downloads are (ctx_tmpdir) */
	struct tx_item *items;
	size_t n;
};

/* Plan from the solver result; downloads and verifies every archive. */
int tx_plan(struct tx *tx, struct pkg_ctx *ctx,
	    const struct solver_result *res, const char *const *user_names,
	    size_t nuser);
/* Download feed package p into dir, verified against the index through
 * the open file left in *fd; synced unless dir is the run's private
 * directory (TX_FETCH_PRIVATE in flags: it goes with the run). */
#define TX_FETCH_PRIVATE 1
int tx_fetch_pkg(struct pkg_ctx *ctx, Id p, const char *dir, int flags,
		 char **out, int *fd);
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

/* Is name held (flag hold)? Then opkg's "Not upgrading package NAME
 * which is marked hold (flags=0x...)." is said, and the caller queues
 * nothing for it (apply_jobs keeps every held package as it is). */
int apply_held(struct pkg_ctx *ctx, const char *name);

/* ---- the journal (journal.c) ---- */

struct tx_op {
	char op;
	char *path;   /* root-relative, resolved */
	char *staged; /* host path of the staged file/symlink ('P') */
	char *backup; /* host path the previous entry is moved to */
	mode_t mode;
};

struct tx_ops {
	struct tx_op *v;
	size_t n, cap;
};

int tx_ops_add(struct tx_ops *ops, char op, const char *path,
	       const char *staged, const char *backup, mode_t mode);
void tx_ops_release(struct tx_ops *ops);

/* Write the journal rows and mark the transaction staged (fsynced by
 * SQLite's commit). */
int journal_write(struct pkg_ctx *ctx, const struct tx_ops *ops,
		  const char *staging);
/* Apply every row in order. On failure the caller rolls back. */
int journal_apply(struct pkg_ctx *ctx, const struct tx_ops *ops);
/* Undo rows [0, n) in reverse, from what is on disk. */
void journal_undo(struct pkg_ctx *ctx, const struct tx_ops *ops);
/* Read the journal back from the database. */
int journal_read(struct pkg_ctx *ctx, struct tx_ops *ops, char **staging);
/* After commit (or rollback): delete backups, staging, journal rows.
 * After a commit a failed clean-up is reported and 0 returned: the change
 * took effect and the next run finishes the clean-up. */
int journal_finish(struct pkg_ctx *ctx, const struct tx_ops *ops,
		   const char *staging, int committed);
/* The running transaction (stage.c): staged archives and ops. */
struct stage_pkg {
	struct ipk *ipk;
	struct stage_list files;
	char **res;	  /* each entry's canonical path (files.e order) */
	char **conffiles; /* root-relative */
	size_t nconf;
	char **links;	  /* staged symlinks created here */
	size_t nlinks;
};

struct run {
	struct tx *tx;
	struct pkg_ctx *ctx;
	char *staging;	      /* canonical, in the write layer */
	struct tx_view view;  /* the tree as the transaction leaves it */
	uint64_t staged_bytes;
	struct stage_pkg *sp; /* per item */
	struct tx_ops ops;
	char **keep_conf;     /* conffiles whose new copy went to -opkg */
	size_t nkeep;
	struct taken {	      /* files taken over from a Replaces'd owner */
		char *path, *owner;
	} *taken;
	size_t ntaken;
};


struct run *tx_run_new(struct tx *tx);
void tx_run_free(struct run *rn);
/* Drop the database rows of the files the new packages took over from
 * packages they Replace (inside the commit's SQLite transaction). */
int tx_run_drop_taken(struct run *rn);

/* ---- who owns what (owners.c) ---- */

/* Whether item i's control lists pkg in Replaces ("a, b (<< 2)"). */
int owners_replaces(struct run *rn, size_t i, const char *pkg);

/* A changed conffile (root-relative path) of pkg stays when pkg is
 * removed: opkg then says "Not deleting modified conffile ROOT/PATH.",
 * kept in the removal's notes (said after "Removing package..."). 0 or
 * -ENOMEM. */
int owners_conffile_kept(struct run *rn, const char *pkg, const char *path);
/* A file item i installs belongs to owner, an installed package this
 * transaction keeps: does item i take it over (it Replaces owner, or
 * --force-overwrite: opkg moves the file to the new package, `files`
 * shows it there only), rather than refuse it? */
int owners_takes_over(struct run *rn, size_t i, const char *owner);
/* A symlink and a real directory meet at res (root-relative, resolved),
 * where item i's entry e goes: a non-directory over an existing
 * directory, or a directory where another package has a symlink, is a
 * conflict (reported, -PKGE_CONFLICT). The same symlink (same target)
 * that another package has there is OWNERS_SHARED: both own it, no clash.
 * 0 otherwise. */
#define OWNERS_SHARED 1
int owners_entry_check(struct run *rn, size_t i, const struct stage_entry *e,
		       const char *res);
/* pkg goes and with it its symlink rel to a directory: keep the symlink
 * when another package (that stays) has files in that directory, which
 * it may have put there through the symlink ("lib -> lib64", then a
 * package with lib/x). */
int owners_keep_dirlink(struct run *rn, const char *rel, const char *pkg);
/* Does another package than pkg own rel too (the same symlink in two
 * packages)? Then it stays when pkg goes. */
int owners_shared(struct run *rn, const char *rel, const char *pkg);

/* ---- maintainer scripts (scripts.c) ---- */

/* hooks_run_script, then the directories the root's file layer keeps
 * open are forgotten: a script may move or replace any of them. Every
 * script pkg runs goes through here. */
int tx_hook_run(struct pkg_ctx *ctx, const struct hook_env *he,
		const char *script, const char *body, size_t len,
		const char *tmp, int tmpfd, const char *const *args);

/* Yocto's opkg intercepts, while postinst scripts run: the commands of
 * the intercept directory (option intercepts_dir, a host path; default
 * /usr/share/opkg/intercept) come first in PATH, and what they leave in
 * OPKG_INTERCEPT_DIR (a fresh directory) runs once at the end (a
 * deferred ldconfig, depmod...). */
struct tx_intercepts {
	const char *path; /* the intercept commands' directory */
	char *dir;	  /* OPKG_INTERCEPT_DIR, NULL when none could be made */
};
void tx_intercepts_begin(struct pkg_ctx *ctx, struct tx_intercepts *ic);
/* Run each executable left in the directory once (name order), remove
 * it. A deferred action that fails is reported; it fails nothing. */
void tx_intercepts_end(struct pkg_ctx *ctx, struct tx_intercepts *ic);

/* Before the commit: the old packages' prerm, the new ones' preinst (a
 * failure aborts the transaction). */
int tx_scripts_before(struct tx *tx, struct run *rn);
/* The postinst calls due after the commit (one a line: name, a tab and
 * the old version on an upgrade), malloc'd; NULL when there are none. */
char *tx_configure_list(struct tx *tx, struct run *rn);
/* Keep the old postrm calls due after the commit (tx_postrm), inside the
 * commit's database transaction, before the old scripts are dropped. */
int tx_postrm_record(struct tx *tx);
/* Run the pending postrm / postinst calls (after a commit, or on
 * recovery), each taken off its list once run; the first failure. */
int tx_postrm_pending(struct pkg_ctx *ctx);
int tx_configure_pending(struct pkg_ctx *ctx);
struct tx_ops *tx_run_ops(struct run *rn);
const char *tx_run_staging(struct run *rn);
struct ipk *tx_run_ipk(struct run *rn, size_t i);
struct stage_list *tx_run_files(struct run *rn, size_t i);
int tx_run_conf_kept(struct run *rn, const char *path);
int tx_run_is_conffile(struct run *rn, size_t i, const char *path);
/* Preflight, stage every archive and build the journal ops. */
int tx_stage_all(struct run *rn);

/* Image restore (restore.c): the ops that uncover a package's image
 * files, its database rows made the image's, and the live check. */
int rom_restore_ops(struct pkg_ctx *ctx, const char *name,
		    struct tx_ops *ops);
int rom_record_restore(struct pkg_ctx *ctx, struct db_pkg *p,
		       const struct tx_ops *ops);
int rom_live_verify(struct pkg_ctx *ctx, const struct tx_ops *ops);
/* Run uncover ops as one transaction; sql: the database change. */
int rom_ops_commit(struct pkg_ctx *ctx, const struct tx_ops *ops,
		   const char *sql);
/* A transaction of ops alone (reclaim, reset, alternatives): journal,
 * apply, verify a live restore, commit the database change sql (may be
 * NULL) in the SQLite transaction that marks it committed, finish;
 * staging (may be NULL) holds what 'P' steps put in place and goes at
 * the end. Rolled back on failure (reported). */
int tx_ops_commit(struct pkg_ctx *ctx, const struct tx_ops *ops,
		  const char *staging, const char *sql);

/* ---- OpenWrt's alternatives (alternatives.c) ----
 * "Alternatives: PRIO:PATH:TARGET, ..." in a package's control: PATH is
 * a symlink to the TARGET of the highest priority among the installed
 * packages (a tie goes to the package opkg-lede walks first), else to
 * /bin/busybox when busybox's files hold PATH, else it goes; a PATH that
 * is not a symlink is said and left alone. */

/* Add to rn's steps those that leave every PATH declared before or
 * after the transaction as the packages installed after it want it,
 * resolved through the transaction's view; links are staged in rn's
 * staging directory. 0 or reported. */
int alt_stage(struct run *rn);
/* The same for the packages installed now, as a transaction of its own
 * (configure). 0 (also when nothing changes) or reported. */
int alt_apply(struct pkg_ctx *ctx);

#endif
