/*
 * tx_run: stage, scripts before, journal, commit, database, scripts after,
 * opkg files. A failure before the database commit undoes every file step.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tx_int.h"


static int scripts_allowed(struct pkg_ctx *ctx)
{
	return !ctx->offline || (ctx->opt.force & FORCE_POSTINSTALL) ||
	       ctx->conf.force_postinstall;
}

static int run_script(struct pkg_ctx *ctx, const char *pkg,
		      const char *script, const char *body, size_t len,
		      const char *a1, const char *a2, const char *upgrade_from)
{
	struct hook_env he = { ctx->root, ctx->offline, pkg, upgrade_from };
	const char *args[3] = { a1, a2, NULL };
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	if (!body || !scripts_allowed(ctx))
		return 0;
	return hooks_run_script(&he, script, body, len, tmp, args);
}

/* Script of the archive being installed. */
static int ipk_script(struct pkg_ctx *ctx, struct ipk *ipk, const char *pkg,
		      const char *name, const char *a1, const char *a2,
		      const char *from)
{
	size_t len = 0;
	const char *b = ipk ? ipk_member(ipk, name, &len) : NULL;

	return run_script(ctx, pkg, name, b, len, a1, a2, from);
}

/* Script of the installed package, from the database. */
static int db_script(struct pkg_ctx *ctx, const char *pkg, const char *name,
		     const char *a1, const char *a2)
{
	char *b = NULL;
	size_t len = 0;
	int r;

	if (db_script_get(ctx->db, pkg, name, &b, &len) < 0)
		return 0;
	r = run_script(ctx, pkg, name, b, len, a1, a2, NULL);
	free(b);
	return r;
}

static int scripts_before(struct tx *tx, struct run *rn)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		const char *oldv = it->old ? solver_evr(&tx->ctx->solv, it->old)
					   : NULL;
		if (it->type == STEP_REMOVE) {
			r = db_script(tx->ctx, it->name, "prerm", "remove", NULL);
			continue;
		}
		if (it->from_rom)
			continue;
		if (it->old)
			r = db_script(tx->ctx, solver_name(&tx->ctx->solv, it->old),
				      "prerm", "upgrade", it->version);
		if (r == 0)
			r = ipk_script(tx->ctx, tx_run_ipk(rn, i), it->name,
				       "preinst", oldv ? "upgrade" : "install",
				       oldv, oldv);
	}
	return r;
}

static void mark_failed(struct pkg_ctx *ctx, const char *name)
{
	struct db_pkg p;

	if (db_pkg_get(ctx->db, name, &p) < 0)
		return;
	free(p.state);
	p.state = strdup("failed");
	db_pkg_put(ctx->db, &p);
	db_pkg_release(&p);
}

static int scripts_after(struct tx *tx, struct run *rn)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		int r;

		if (it->type == STEP_REMOVE || it->from_rom)
			continue;
		ctx_note(tx->ctx, 1, "Configuring %s.\n", it->name);
		r = ipk_script(tx->ctx, tx_run_ipk(rn, i), it->name,
			       "postinst", "configure", NULL, NULL);
		if (r < 0) {
			mark_failed(tx->ctx, it->name);
			failed = r;
		}
	}
	return failed;
}

struct copy_member {
	struct pkg_ctx *ctx;
	const char *pkg;
};

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
		char hex[65];

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
		p.arch = had ? old.arch : NULL;
		p.origin = "rom";
		p.control = had ? old.control : "";
	} else {
		ctl = ipk_member(ipk, "control", &len);
		p.arch = (char *)ctl_get(ipk_control(ipk), "Architecture");
		p.origin = "overlay";
		p.control = (char *)(ctl ? ctl : "");
		if (r == 0 && !(had && old.rom_version))
			r = db_files_delete(ctx->db, it->name);
		if (r == 0)
			r = record_files(rn, i, it->name);
		if (r == 0)
			r = record_scripts(ctx, ipk, it->name);
	}
	if (r == 0)
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

/* The database side of the commit, in the SQLite transaction that also
 * marks the journal committed. */
static int record_all(struct tx *tx, struct run *rn)
{
	size_t i;
	int r = db_begin(tx->ctx->db);

	for (i = 0; r == 0 && i < tx->n; i++) {
		if (tx->items[i].type == STEP_REMOVE)
			r = record_remove(tx->ctx, tx->items[i].name);
		else
			r = record_install(rn, i);
	}
	if (r == 0)
		r = db_meta_set(tx->ctx->db, "tx_state", "committed");
	if (r == 0)
		r = db_commit(tx->ctx->db);
	else
		db_rollback(tx->ctx->db);
	return r;
}

static void say_plan(struct tx *tx)
{
	const char *dest = tx->ctx->opt.dest ? tx->ctx->opt.dest : "root";
	size_t i;

	for (i = 0; i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		if (it->type == STEP_REMOVE)
			ctx_note(tx->ctx, 1, "Removing package %s from %s...\n",
				 it->name, dest);
		else if (it->from_rom)
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

static int commit_files(struct tx *tx, struct run *rn)
{
	struct tx_ops *ops = tx_run_ops(rn);
	int r = journal_write(tx->ctx, ops, tx_run_staging(rn));

	if (r < 0)
		return r;
	r = journal_apply(tx->ctx, ops);
	if (r == 0)
		r = record_all(tx, rn);
	if (r < 0) {
		journal_undo(tx->ctx, ops);
		journal_finish(tx->ctx, ops, tx_run_staging(rn), 0);
	}
	return r;
}

int tx_run(struct tx *tx)
{
	struct run *rn;
	int r, post;

	if (tx->n == 0)
		return 0;
	rn = tx_run_new(tx);
	if (!rn)
		return -ENOMEM;
	r = tx_stage_all(rn);
	if (r == 0)
		r = scripts_before(tx, rn);
	if (r == 0)
		say_plan(tx);
	if (r == 0)
		r = commit_files(tx, rn);
	else
		rootfs_remove_tree(tx_run_staging(rn));
	if (r < 0) {
		tx_run_free(rn);
		return r;
	}
	journal_finish(tx->ctx, tx_run_ops(rn), tx_run_staging(rn), 1);
	post = scripts_after(tx, rn);
	r = tx_write_state_files(tx->ctx);
	tx_run_free(rn);
	return post < 0 ? post : r;
}

struct itxt {
	struct hooks_pkg_entry *e;
	size_t n;
};

static int itxt_add(const struct db_pkg *p, void *ud)
{
	struct itxt *t = ud;
	struct hooks_pkg_entry *v;

	if (!strcmp(p->state, "removed"))
		return 0;
	v = realloc(t->e, (t->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->e = v;
	v[t->n].name = strdup(p->name);
	v[t->n].where = strcmp(p->origin, "rom") ? "overlay" : "rom";
	t->n++;
	return 0;
}

int tx_write_state_files(struct pkg_ctx *ctx)
{
	struct itxt t = { NULL, 0 };
	char *txt;
	size_t len = 0, i;
	int r = opkg_files_write(ctx);

	if (r == 0)
		r = db_pkg_each(ctx->db, itxt_add, &t);
	txt = r == 0 ? hooks_installed_txt(t.e, t.n, &len) : NULL;
	if (txt) {
		r = ctx_write_file(ctx, "etc/backup/installed_packages.txt",
				   txt, len, 0644);
	}
	free(txt);
	for (i = 0; i < t.n; i++)
		free((char *)t.e[i].name);
	free(t.e);
	return r;
}
