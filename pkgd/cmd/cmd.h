/*
 * pkgd/cmd: the commands, above session. One file per command, each
 * defining one descriptor (cmd_<name>_desc) listed in table.c; main
 * prepares what the flags ask for and calls run(). Helpers several
 * commands share: common.c, info.c (info_run, for status), query.c (for
 * depends and what*).
 */
#ifndef PKG_CMD_H
#define PKG_CMD_H

#include "session/session.h"

/* ---- the command table (table.c) ---- */

#define CMD_DB 1	/* needs the database (read) */
#define CMD_WRITE 2	/* takes the lock, may change the root */
#define CMD_POOL 4	/* needs the solver pool (installed + feeds) */
#define CMD_OPKG 8	/* a command opkg has */
#define CMD_NOROOT 16	/* needs no root at all */
#define CMD_OWNOPTS 32	/* the command parses the words after its name
			 * itself (main skips its second option pass, so
			 * `backup -l` is not `--lists-dir`) */
#define CMD_NODB 64	/* with CMD_WRITE: the lock only, no database (update
			 * writes feed lists, never the installed state) */
#define CMD_LISTING 512	/* a listing: --json, -i, --size... (help) */
#define CMD_SCOPE 256	/* with CMD_POOL: the installed packages alone
			 * unless -A (the queries: depends, what*), so the
			 * feeds are not loaded for nothing */
#define CMD_DB_PKGS 1024 /* with CMD_DB, read-only: reads the packages and
			  * their conffiles alone (opkg_files_import: the
			  * .list files and scripts are not imported into a
			  * database built in RAM); with CMD_POOL, the status
			  * file alone (the solver's fields are all there) */
#define CMD_NAMES 8192	/* its words are package names or globs: checked
			 * against opkg's name alphabet before it runs */
#define CMD_NAMES1 16384 /* the same after the first word (flag F NAME...) */
#define CMD_FILES 32768	/* with CMD_NAMES: a word may be an archive or URL */
#define CMD_DB_STATUS 131072 /* with CMD_DB_PKGS: opkg's status file alone
			      * is imported, no info/ file read (list-installed
			      * and status show the stanza, list-changed-
			      * conffiles its Conffiles; search and files read
			      * the .list files themselves) */
#define CMD_FIELDS 262144 /* with CMD_DB_STATUS: --size, --strip-abi,
			   * --conffiles and --json show fields the status
			   * file lacks (info/<pkg>.control is read then) */
#define CMD_STATUS_READ 524288 /* with CMD_DB_STATUS: without a database
				* on the root, no database at all (ctx->db
				* NULL): the command reads opkg's status
				* itself (opkg_status_each); SQLite's
				* set-up and import cost list-installed
				* 4 ms of its 9; with CMD_POOL, the pool's
				* installed packages come from the status
				* file (ctx->pool_from_status) */
#define CMD_PLAN 1048576 /* with CMD_WRITE: its --noaction run solves and
			  * prints the plan (apply_jobs) from the status
			  * file alone: a database built in RAM holds no
			  * info/ file (CMD_DB_PKGS with CMD_POOL) */

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

/* The descriptors, one per file (cmd/<name>.c, dashes as underscores). */
extern const struct pkg_cmd cmd_audit_desc;
extern const struct pkg_cmd cmd_backup_desc;
extern const struct pkg_cmd cmd_clean_desc;
extern const struct pkg_cmd cmd_compare_versions_desc;
extern const struct pkg_cmd cmd_configure_desc;
extern const struct pkg_cmd cmd_depends_desc;
extern const struct pkg_cmd cmd_dist_upgrade_desc;
extern const struct pkg_cmd cmd_download_desc;
extern const struct pkg_cmd cmd_export_desc;
extern const struct pkg_cmd cmd_files_desc;
extern const struct pkg_cmd cmd_find_desc;
extern const struct pkg_cmd cmd_flag_desc;
extern const struct pkg_cmd cmd_help_desc;
extern const struct pkg_cmd cmd_image_manifest_desc;
extern const struct pkg_cmd cmd_info_desc;
extern const struct pkg_cmd cmd_install_desc;
extern const struct pkg_cmd cmd_list_changed_conffiles_desc;
extern const struct pkg_cmd cmd_list_desc;
extern const struct pkg_cmd cmd_list_installed_desc;
extern const struct pkg_cmd cmd_list_upgradable_desc;
extern const struct pkg_cmd cmd_post_upgrade_desc;
extern const struct pkg_cmd cmd_print_architecture_desc;
extern const struct pkg_cmd cmd_reclaim_desc;
extern const struct pkg_cmd cmd_recover_desc;
extern const struct pkg_cmd cmd_remove_desc;
extern const struct pkg_cmd cmd_reset_desc;
extern const struct pkg_cmd cmd_search_desc;
extern const struct pkg_cmd cmd_status_desc;
extern const struct pkg_cmd cmd_update_desc;
extern const struct pkg_cmd cmd_upgrade_desc;
extern const struct pkg_cmd cmd_verify_desc;
extern const struct pkg_cmd cmd_whatconflicts_desc;
extern const struct pkg_cmd cmd_whatdepends_desc;
extern const struct pkg_cmd cmd_whatdependsrec_desc;
extern const struct pkg_cmd cmd_whatprovides_desc;
extern const struct pkg_cmd cmd_whatrecommends_desc;
extern const struct pkg_cmd cmd_whatreplaces_desc;
extern const struct pkg_cmd cmd_whatsuggests_desc;

/* ---- shared by several commands (common.c) ---- */

/* The words of a command flagged CMD_NAMES / CMD_NAMES1: each a package
 * name or glob in opkg's alphabet (letters, digits, "+-._", and "*?[]!^"
 * for globs; starting with a letter, a digit or a glob character), or,
 * with CMD_FILES, an archive or URL (a '/' in it, or .ipk/.opk/.deb) or
 * NAME with a version constraint (nano=7.2-1, 'nano>=7').
 * 0, or -PKGE_USAGE reported ("invalid package name '...'"). */
int cmd_check_names(const struct pkg_cmd *cmd, int argc, char **argv);

/* Sort package ids by name, then version (then id: a stable order). */
void cmd_sort_ids(const struct pkg_solver *s, Queue *q);
/* name as a listing shows it: without its ABIVersion suffix under
 * --strip-abi (in buf, cap bytes), else name itself. */
const char *cmd_shown_name(const struct pkg_ctx *ctx, const char *name,
			   const char *abi, char *buf, size_t cap);
/* Close a --json listing (json_array_end); nothing without --json. */
void cmd_json_end(struct pkg_ctx *ctx, int first);

/* ---- list and find (list.c) ---- */

/* opkg's list: every feed entry and the status file's packages no feed
 * has, sorted by name, those whose name matches glob (NULL: all) or with
 * use_desc (find) whose description does. 0 or a negative code. */
int list_run(struct pkg_ctx *ctx, const char *glob, int use_desc);

/* ---- info and status (info.c) ---- */

/* Print the packages matching argv[0] (all when argc is 0) in opkg's
 * info format, --fields and --json honoured: the installed ones, then
 * (status 0, with a pool) the available ones. 0 or a negative code. */
int info_run(struct pkg_ctx *ctx, int argc, char **argv, int status);

/* depends GLOB as opkg prints it, from the status file or database
 * (and with -A the feeds' rows caches, each entry's stanza read) in
 * info's walk, no pool loaded: 0, 1 when a feed with a list has no rows
 * cache (the caller loads the pool), or a negative code (reported). */
int depends_run(struct pkg_ctx *ctx, const char *glob);

/* ---- dependency queries: depends and what* (query.c) ---- */

/* The packages in scope (installed; all with -A), in the order opkg
 * walks them (state/opkgorder.c), one per name, version and
 * architecture, pushed onto q. 0 or a negative code (reported). */
int query_scope_ids(struct pkg_ctx *ctx, Queue *q);
/* ...only those whose name matches one of the globs */
int query_scope_matching(struct pkg_ctx *ctx, Queue *q, int nglob,
			 char **globs);
/* Rewrite "(<< " and "(>> " in s as opkg prints them: "(< ", "(> ". */
void query_opkg_ops(char *s);
/* whatdepends and its kin: the root set (packages matching argv), then
 * every package in scope with a key entry (SOLVABLE_REQUIRES...) naming
 * one of the set, printed with verb; recursive: until nothing new. */
int query_what(struct pkg_ctx *ctx, int argc, char **argv, Id key,
	       const char *verb, int recursive);
/* whatprovides (repl 0) and whatreplaces (repl 1) for each glob. */
int query_what_rel(struct pkg_ctx *ctx, int argc, char **argv, int repl);

#endif
