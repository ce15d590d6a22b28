/*
 * tx_run: stage, scripts before, journal, commit, database, scripts after,
 * opkg files. A failure before the database commit undoes every file step.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tx/tx.h"

static int record_scripts(struct pkg_ctx *ctx, struct ipk *ipk,
			  const char *pkg)
{
	size_t n = 0, i, len;
	const char *const *names = ipk_member_names(ipk, &n);
	int r = db_scripts_delete(ctx->db, pkg);

	for (i = 0; r == 0 && i < n; i++) {
		const char *b;
		if (!strcmp(names[i], "control"))
			continue;
		b = ipk_member(ipk, names[i], &len);
		if (b)
			r = db_script_put(ctx->db, pkg, names[i], b, len);
	}
	return r;
}

static int record_files(struct run *rn, size_t i, const char *pkg)
{
	struct stage_list *l = tx_run_files(rn, i);
	size_t k;
	int r = 0;

	for (k = 0; r == 0 && k < l->n; k++) {
		struct stage_entry *e = &l->e[k];
		struct db_file f = { 0 };
		char hex[SHA256_HEX_SIZE];

		rootfs_hex(e->sha256, 32, hex);
		f.path = e->path;
		f.package = (char *)pkg;
		f.type = e->type == ST_DIR ? 'd'
			 : e->type == ST_SYMLINK ? 'l'
						 : 'f';
		f.mode = e->mode & 07777;
		f.size = e->size;
		f.sha256 = e->type == ST_FILE || e->type == ST_HARDLINK ? hex
									: NULL;
		f.target = e->type == ST_SYMLINK ? e->target : NULL;
		f.conffile = tx_run_is_conffile(rn, i, e->path);
		f.conf_sha256 = f.conffile ? hex : NULL;
		f.origin = "overlay";
		r = db_file_put(rn->ctx->db, &f);
	}
	return r;
}

static int record_install(struct run *rn, size_t i)
{
	struct tx_item *it = &rn->tx->items[i];
	struct pkg_ctx *ctx = rn->ctx;
	struct db_pkg old, p = { 0 };
	struct ipk *ipk = tx_run_ipk(rn, i);
	const char *ctl;
	size_t len = 0;
	int had = db_pkg_get(ctx->db, it->name, &old) == 0, r = 0;

	if (it->old && strcmp(solver_name(&ctx->solv, it->old), it->name)) {
		const char *on = solver_name(&ctx->solv, it->old);
		r = db_files_delete(ctx->db, on);
		if (r == 0)
			r = db_scripts_delete(ctx->db, on);
		if (r == 0)
			r = db_pkg_delete(ctx->db, on);
	}
	p.name = it->name;
	p.version = it->version;
	p.state = "installed";
	p.user = it->user || (had && old.user);
	p.auto_installed = had ? old.auto_installed && !it->user : !it->user;
	p.hold = had && old.hold;
	p.noprune = had && old.noprune;
	p.installed_time = (int64_t)time(NULL);
	p.rom_version = had ? old.rom_version : NULL;
	if (it->from_rom) {
		r = rom_record_restore(ctx, &p, tx_run_ops(rn));
	} else {
		ctl = ipk_member(ipk, "control", &len);
		p.arch = (char *)ctl_get(ipk_control(ipk), "Architecture");
		p.origin = "overlay";
		p.control = (char *)(ctl ? ctl : "");
		if (r == 0)
			r = db_files_delete(ctx->db, it->name);
		if (r == 0)
			r = record_files(rn, i, it->name);
		if (r == 0)
			r = record_scripts(ctx, ipk, it->name);
	}
	if (r == 0 && !it->from_rom)
		r = db_pkg_put(ctx->db, &p);
	if (had)
		db_pkg_release(&old);
	return r;
}

static int record_remove(struct pkg_ctx *ctx, const char *name)
{
	struct db_pkg p;
	int r;

	if (db_pkg_get(ctx->db, name, &p) < 0)
		return 0;
	if (p.rom_version) {
		/* An image package: its files are whited out, its rows stay
		 * so that it can be restored without a download. */
		free(p.state);
		p.state = strdup("removed");
		r = db_pkg_put(ctx->db, &p);
	} else {
		r = db_files_delete(ctx->db, name);
		if (r == 0)
			r = db_scripts_delete(ctx->db, name);
		if (r == 0)
			r = db_pkg_delete(ctx->db, name);
	}
	db_pkg_release(&p);
	return r;
}

/* The packages whose info files the journal saved ('I' rows: those the
 * transaction installs, removes or replaces, and the owners of files it
 * takes over): the only ones whose .list it can change. */
static int journaled_info(const struct tx_ops *ops, struct opkg_nameset *s)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < ops->n; i++)
		if (ops->v[i].op == JOP_INFO_FILES && ops->v[i].staged)
			r = opkg_nameset_add(s, ops->v[i].staged);
	return r;
}

/* The database side of the commit and the state files written from it,
 * in the SQLite transaction that also marks the journal committed. */
static int record_all(struct tx *tx, struct run *rn,
		      const struct tx_ops *ops)
{
	struct opkg_nameset only = { NULL, 0 };
	char *conf = tx_configure_list(tx, rn);
	size_t i;
	int r = conf ? db_begin(tx->ctx->db) : -ENOMEM;

	if (r == 0)
		r = tx_postrm_record(tx); /* before the old scripts go */
	for (i = 0; r == 0 && i < tx->n; i++) {
		if (tx->items[i].type == STEP_REMOVE)
			r = record_remove(tx->ctx, tx->items[i].name);
		else
			r = record_install(rn, i);
	}
	if (r == 0)
		r = tx_run_drop_taken(rn);
	if (r == 0 && *conf)
		r = db_meta_set(tx->ctx->db, META_TX_CONFIGURE, conf);
	if (r == 0)
		r = db_meta_set(tx->ctx->db, META_TX_STATE, TX_STATE_COMMITTED);
	/* the state files in one batch, made durable before the commit
	 * that names them (a crash before it undoes them) */
	tx->ctx->rf.sync_later = 1;
	if (r == 0 && (r = journaled_info(ops, &only)) < 0)
		r = pkg_error(r, "cannot write the state files");
	if (r == 0)
		r = state_files_write(tx->ctx, &only);
	tx->ctx->rf.sync_later = 0;
	if (r == 0 && (r = tree_sync(&tx->ctx->rf)) < 0)
		r = pkg_error(r, "cannot sync the root");
	if (r == 0)
		r = db_commit(tx->ctx->db);
	else if (conf)
		db_rollback(tx->ctx->db);
	opkg_nameset_release(&only);
	free(conf);
	return r;
}

static void say_plan(struct tx *tx)
{
	const char *dest = tx->ctx->opt.dest ? tx->ctx->opt.dest : "root";
	size_t i;

	for (i = 0; i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		if (it->orphan)
			ctx_note(tx->ctx, 1, "%s was autoinstalled and is "
				 "now orphaned, removing.\n", it->name);
		if (it->type == STEP_REMOVE) {
			ctx_note(tx->ctx, 1, "Removing package %s from %s...\n",
				 it->name, dest);
			if (it->notes)
				ctx_note(tx->ctx, 1, "%s", it->notes);
		} else if (it->type == STEP_REINSTALL && !it->from_rom) {
			/* opkg's --force-reinstall: remove, then install */
			ctx_note(tx->ctx, 1, "Removing package %s from %s...\n"
				 "Installing %s (%s) to %s...\n", it->name,
				 dest, it->name, it->version, dest);
		} else if (it->from_rom)
			ctx_note(tx->ctx, 1,
				 "Restoring %s (%s) from the image...\n",
				 it->name, it->version);
		else if (it->old)
			ctx_note(tx->ctx, 1,
				 "Upgrading %s on %s from %s to %s...\n",
				 it->name, dest,
				 solver_evr(&tx->ctx->solv, it->old),
				 it->version);
		else
			ctx_note(tx->ctx, 1, "Installing %s (%s) to %s...\n",
				 it->name, it->version, dest);
	}
}

/* 'U' rows for every upper directory missing on the way to rel. */
static int add_updirs(struct pkg_ctx *ctx, struct tx_ops *out,
		      const char *rel)
{
	char *p = strdup(rel), *s = p ? strrchr(p, '/') : NULL;
	struct stat st;
	size_t i;
	int r = p ? 0 : -ENOMEM;

	/* rel's directory there: so is every one above it (one lstat,
	 * not one a level) */
	if (s) {
		*s = 0;
		if (tree_lstat(&ctx->rf, TREE_WRITE, p, &st) == 0)
			s = NULL;
		else
			*s = '/';
	}
	for (s = s ? strchr(p, '/') : NULL; r == 0 && s;
	     s = strchr(s + 1, '/')) {
		int known = 0;
		*s = 0;
		for (i = out->n; !known && i > 0; i--)
			known = out->v[i - 1].op == JOP_PARENT_DIR &&
				!strcmp(out->v[i - 1].path, p);
		if (!known &&
		    tree_lstat(&ctx->rf, TREE_WRITE, p, &st) == -ENOENT)
			r = tx_ops_add(out, JOP_PARENT_DIR, p, NULL, NULL, 0);
		*s = '/';
	}
	free(p);
	return r;
}

/* 'I' rows: the info files of every package the transaction touches. */
static int add_info_rows(struct tx *tx, const char *info, struct tx_ops *out)
{
	struct pkg_solver *s = &tx->ctx->solv;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		r = tx_ops_add(out, JOP_INFO_FILES, info, it->name, NULL, 0);
		if (r == 0 && it->old && strcmp(solver_name(s, it->old),
						it->name))
			r = tx_ops_add(out, JOP_INFO_FILES, info,
				       solver_name(s, it->old), NULL, 0);
	}
	return r;
}

/* The state files the commit rewrites (state_files_write): 'S' rows
 * for the opkg status, installed_packages.txt and the world file, 'I'
 * rows for the info files. */
static int add_state_rows(struct tx *tx, struct tx_ops *out)
{
	struct pkg_ctx *ctx = tx->ctx;
	const char *rel[] = { ctx->conf.status_file, INSTALLED_TXT,
			      WORLD_FILE, ctx->conf.info_dir };
	const size_t n = sizeof(rel) / sizeof(rel[0]);
	char *res = NULL, sub[PATH_MAX + 4];
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < n; i++) {
		int dir = i == n - 1;
		r = ctx_resolve(ctx, rel[i], &res);
		if (r < 0)
			return r;
		snprintf(sub, sizeof(sub), "%s/x", res);
		r = add_updirs(ctx, out, dir ? sub : res);
		if (r == 0)
			r = dir ? add_info_rows(tx, res, out)
				: tx_ops_add(out, JOP_STATE_FILE, res, NULL,
					     NULL, 0);
		free(res);
	}
	return r;
}

/* The journal: the run's rows, each after the upper directories it
 * needs, then the state files. */
static int plan_journal(struct tx *tx, const struct tx_ops *in,
			struct tx_ops *out)
{
	struct pkg_ctx *ctx = tx->ctx;
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; r == 0 && i < in->n; i++) {
		const struct tx_op *o = &in->v[i];
		r = add_updirs(ctx, out, o->path);
		if (r == 0)
			r = tx_ops_add(out, o->op, o->path, o->staged,
				       o->backup, o->mode);
	}
	if (r == 0)
		r = add_state_rows(tx, out);
	return r;
}

/* Journal, apply, record; on failure everything is undone. */
static int commit_files(struct tx *tx, struct run *rn, struct tx_ops *ops)
{
	struct pkg_ctx *ctx = tx->ctx;
	int r = plan_journal(tx, tx_run_ops(rn), ops);

	if (r == 0)
		r = journal_write(ctx, ops, tx_run_staging(rn));
	if (r == 0)
		r = journal_apply(ctx, ops);
	if (r == 0)
		r = rom_live_verify(ctx, ops);
	if (r == 0)
		r = record_all(tx, rn, ops);
	if (r < 0) {
		journal_undo(ctx, ops);
		journal_finish(ctx, ops, tx_run_staging(rn), 0);
	}
	return r;
}

/* Stage, run the scripts before, commit. Nothing is written to the
 * database before the journal: a crash while staging leaves only the
 * staging directory, which the next run removes (tx_recover). */
static int run_steps(struct tx *tx, struct run *rn, struct tx_ops *ops)
{
	int r = tree_remove_tree(&tx->ctx->rf, TREE_WRITE,
				 tx_run_staging(rn)); /* a leftover */

	if (r < 0)
		r = pkg_error(r, "cannot remove '/%s'", tx_run_staging(rn));

	if (r == 0)
		r = tx_stage_all(rn);

	if (r == 0)
		r = tx_scripts_before(tx, rn);
	if (r == 0)
		say_plan(tx);
	if (r == 0)
		return commit_files(tx, rn, ops);
	tree_remove_tree(&tx->ctx->rf, TREE_WRITE, tx_run_staging(rn));
	return r;
}

int tx_run(struct tx *tx)
{
	struct tx_ops ops = { 0 };
	struct run *rn;
	int r, rm, post;

	if (tx->n == 0)
		return 0;
	rn = tx_run_new(tx);
	if (!rn)
		return -ENOMEM;
	r = run_steps(tx, rn, &ops);
	if (r == 0) {
		/* Committed: what follows is rolled forward after a crash:
		 * the old postrm calls, then the new postinst calls. */
		rm = tx_postrm_pending(tx->ctx);
		post = tx_configure_pending(tx->ctx);
		if (post < 0)
			r = state_files_write(tx->ctx, NULL);
		if (r == 0)
			journal_finish(tx->ctx, &ops, tx_run_staging(rn), 1);
		if (r == 0)
			r = rm < 0 ? rm : post;
	}
	tx_ops_release(&ops);
	tx_run_free(rn);
	return r;
}

/* Does the journal rewrite the state files (a package transaction, not
 * a reclaim or reset)? */
static int has_state_rows(const struct tx_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->n; i++)
		if (ops->v[i].op == JOP_STATE_FILE)
			return 1;
	return 0;
}

/* No journal: a crash while staging left at most the staging area. */
static int recover_staging(struct pkg_ctx *ctx, int verbose)
{
	char *staging = NULL;
	struct stat st;
	int r = ctx_resolve(ctx, PKG_STAGING_DIR, &staging);

	if (r == 0 && tree_lstat(&ctx->rf, TREE_WRITE, staging, &st) == 0) {
		r = tree_remove_tree(&ctx->rf, TREE_WRITE, staging);
		if (r < 0)
			r = pkg_error(r, "cannot remove '/%s'", staging);
		else
			fprintf(stderr, "%s: recovered an unfinished "
				"transaction: removed what it had staged\n",
				ctx->prog);
	} else if (r == 0 && verbose) {
		ctx_note(ctx, 1, "No unfinished transaction.\n");
	}
	free(staging);
	return r;
}

int tx_recover(struct pkg_ctx *ctx, int verbose)
{
	struct tx_ops ops;
	char *state = NULL, *staging = NULL;
	int r, committed;

	if ((r = db_meta_get(ctx->db, META_TX_STATE, &state)) < 0)
		return r;
	if (!state)
		return recover_staging(ctx, verbose);
	committed = !strcmp(state, TX_STATE_COMMITTED);
	free(state);
	r = journal_read(ctx, &ops, &staging);
	if (r == 0 && !committed)
		journal_undo(ctx, &ops);
	if (r == 0 && committed) {
		tx_postrm_pending(ctx);
		tx_configure_pending(ctx);
	}
	/* A package transaction: every package's files compared, so that
	 * they are known in line (opkg_in_line). Undone, they are the old
	 * ones, as the database is: nothing is written, and the files that
	 * were not there (installed_packages.txt, world) are not made. */
	if (r == 0 && has_state_rows(&ops))
		r = committed ? state_files_write(ctx, NULL)
			      : opkg_files_write(ctx, NULL);
	if (r == 0)
		r = journal_finish(ctx, &ops, staging, committed);
	if (r == 0)
		fprintf(stderr,
			"%s: recovered an unfinished transaction: %s\n",
			ctx->prog,
			committed ? "completed it" : "rolled it back");
	tx_ops_release(&ops);
	free(staging);
	return r;
}
