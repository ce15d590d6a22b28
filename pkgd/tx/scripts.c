/*
 * Maintainer scripts of a transaction, run as opkg runs them: the ones
 * before the commit (old prerm, new preinst), and the ones after it
 * (postrm, postinst), kept as pending lists in the database with the
 * commit so that a crash runs them on recovery. They run also when the
 * archive was not checked against a signed index (check_signature off,
 * --force-signature, --force-checksum: the user's choice, as with opkg):
 * skipping them would protect nothing, since the package's own programs
 * and init scripts run as root anyway, and would leave it unconfigured.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "tx/tx.h"

static int scripts_allowed(struct pkg_ctx *ctx)
{
	return !ctx->offline || (ctx->opt.force & FORCE_POSTINSTALL) ||
	       ctx->conf.force_postinstall;
}

int tx_hook_run(struct pkg_ctx *ctx, const struct hook_env *he,
		const char *script, const char *body, size_t len,
		const char *tmp, int tmpfd, const char *const *args)
{
	int r = hooks_run_script(he, script, body, len, tmp, tmpfd, args);

	rootfs_forget_dirs(&ctx->rf);
	return r;
}

/* Run a maintainer script (no check whether scripts may run here). */
static int exec_script(struct pkg_ctx *ctx, const char *pkg,
		       const char *script, const char *body, size_t len,
		       const char *a1, const char *a2, const char *upgrade_from,
		       const struct tx_intercepts *ic)
{
	struct hook_env he = { ctx->root, ctx->rf.root_fd, ctx->offline, pkg,
			       upgrade_from, ic && ic->dir ? ic->path : NULL,
			       ic ? ic->dir : NULL };
	const char *args[3] = { a1, a2, NULL };
	const char *tmp;
	int tmpfd = -1;

	if (!body)
		return 0;
	if (!(tmp = ctx_tmpdir(ctx, &tmpfd)))
		return -EIO; /* reported */
	return tx_hook_run(ctx, &he, script, body, len, tmp, tmpfd, args);
}

/* OPKG_INTERCEPT_DIR: "intercept" in the run's private directory (0700,
 * ours, made fresh), so no one else can leave a deferred action there. */
void tx_intercepts_begin(struct pkg_ctx *ctx, struct tx_intercepts *ic)
{
	const char *tmp;
	int tmpfd = -1;

	ic->path = ctx->conf.intercepts_dir ? ctx->conf.intercepts_dir
					    : "/usr/share/opkg/intercept";
	ic->dir = NULL;
	if (!(tmp = ctx_tmpdir(ctx, &tmpfd)) ||
	    asprintf(&ic->dir, "%s/intercept", tmp) < 0) {
		ic->dir = NULL;
		return;
	}
	if (mkdirat(tmpfd, "intercept", 0700) < 0) {
		pkg_warn("cannot create '%s': scripts run without intercepts",
			 ic->dir);
		free(ic->dir);
		ic->dir = NULL;
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the regular executable files in the directory dfd, sorted,
 * malloc'd (n of them); links are not followed. */
static char **deferred_list(int dfd, size_t *n)
{
	int fd = dfd < 0 ? -1 : openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	struct stat st;
	char **v = NULL, **nv, *p;

	*n = 0;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || !(st.st_mode & 0111) ||
		    !(p = strdup(de->d_name)))
			continue;
		if (!(nv = realloc(v, (*n + 1) * sizeof(*v)))) {
			free(p);
			continue;
		}
		v = nv;
		v[(*n)++] = p;
	}
	if (d)
		closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

void tx_intercepts_end(struct pkg_ctx *ctx, struct tx_intercepts *ic)
{
	const char *tmp;
	size_t i, n = 0;
	char **v = NULL;
	int tmpfd = -1, dfd = -1;

	if (!ic->dir)
		return;
	tmp = ctx_tmpdir(ctx, &tmpfd);
	if (tmp)
		dfd = openat(tmpfd, "intercept",
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	v = deferred_list(dfd, &n);
	for (i = 0; i < n; i++) {
		/* opkg: "sh -c PATH", PATH without the intercepts again */
		struct hook_env he = { ctx->root, ctx->rf.root_fd,
				       ctx->offline, v[i], NULL, NULL,
				       ic->dir };
		char *body = NULL;
		size_t len = 0;
		int fd = openat(dfd, v[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0 && fd_read_all(fd, 0, &body, &len) == 0)
			tx_hook_run(ctx, &he, "intercept", body, len, tmp,
				    tmpfd, NULL);
		if (fd >= 0)
			close(fd);
		free(body);
		free(v[i]);
	}
	free(v);
	if (dfd >= 0)
		close(dfd);
	hostfs_remove_tree(ic->dir);
	free(ic->dir);
	ic->dir = NULL;
}

static int run_script(struct pkg_ctx *ctx, const char *pkg,
		      const char *script, const char *body, size_t len,
		      const char *a1, const char *a2, const char *upgrade_from)
{
	if (!scripts_allowed(ctx))
		return 0;
	return exec_script(ctx, pkg, script, body, len, a1, a2,
			   upgrade_from, NULL);
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

/* Script of the installed package, from the database; from: the old
 * version when it runs for an upgrade (PKG_UPGRADE=1), else NULL. */
static int db_script(struct pkg_ctx *ctx, const char *pkg, const char *name,
		     const char *a1, const char *a2, const char *from)
{
	char *b = NULL;
	size_t len = 0;
	int r;

	if (db_script_get(ctx->db, pkg, name, &b, &len) < 0)
		return 0;
	r = run_script(ctx, pkg, name, b, len, a1, a2, from);
	free(b);
	return r;
}

int tx_scripts_before(struct tx *tx, struct run *rn)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		const char *oldv = it->old ? solver_evr(&tx->ctx->solv, it->old)
					   : NULL;
		if (it->type == STEP_REMOVE) {
			r = db_script(tx->ctx, it->name, "prerm", "remove",
				      NULL, NULL);
			continue;
		}
		if (it->from_rom)
			continue;
		if (it->old)
			r = db_script(tx->ctx,
				      solver_name(&tx->ctx->solv, it->old),
				      "prerm", "upgrade", it->version, oldv);
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

/* Does item i bring a postinst? A restored image package has the image's
 * (its removal ran prerm/postrm, so it is configured again, as opkg
 * configures a package installed anew). */
static int has_postinst(struct tx *tx, struct run *rn, size_t i)
{
	struct tx_item *it = &tx->items[i];
	char *p = NULL, *rel = NULL;
	struct stat st;
	size_t len;
	int yes;

	if (!it->from_rom)
		return ipk_member(tx_run_ipk(rn, i), "postinst", &len) != NULL;
	if (asprintf(&p, "%s/%s.postinst", tx->ctx->conf.info_dir,
		     it->name) < 0)
		return 0;
	yes = path_normalise(p, &rel) == 0 && path_is_canonical(rel) &&
	      tree_lstat(&tx->ctx->rf, TREE_ROM, rel, &st) == 0;
	free(p);
	free(rel);
	return yes;
}

/* Append a line to a malloc'd list; NULL (list freed) when out of
 * memory. */
static char *list_add(char *list, const char *fmt, const char *a,
		      const char *b, const char *c, const char *d)
{
	char *line = NULL, *n = NULL;

	if (list && asprintf(&line, fmt, a, b, c, d) < 0)
		line = NULL;
	if (line && asprintf(&n, "%s%s", list, line) < 0)
		n = NULL;
	free(line);
	free(list);
	return n;
}

/* The packages whose postinst runs after the commit, one a line: name,
 * and after a tab the old version when it is an upgrade (PKG_UPGRADE=1).
 * Kept in the database (tx_configure) with the commit, so that a crash
 * before they are configured is rolled forward by running them. */
char *tx_configure_list(struct tx *tx, struct run *rn)
{
	char *list = strdup("");
	size_t i;

	for (i = 0; list && i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		const char *from = it->old ? solver_evr(&tx->ctx->solv,
							it->old)
					   : NULL;
		if (it->type == STEP_REMOVE || !scripts_allowed(tx->ctx) ||
		    !has_postinst(tx, rn, i))
			continue;
		list = list_add(list, "%s%s%s%s\n", it->name,
				from ? "\t" : "", from ? from : "", "");
	}
	return list;
}

/* Cut the first line off *cur (the '\n' becomes a NUL); NULL at the
 * end. */
static char *next_line(char **cur)
{
	char *line = *cur, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl)
		*nl++ = 0;
	*cur = nl ? nl : line + strlen(line);
	return line;
}

/* Cut the next tab-separated field off *cur; "" when there is none. */
static char *next_field(char **cur)
{
	char *f = *cur, *tab = strchr(f, '\t');

	if (tab)
		*tab++ = 0;
	*cur = tab ? tab : f + strlen(f);
	return f;
}

/* Configure one package: its postinst from the database; a failure
 * marks it failed, in the database transaction that also takes it off
 * the pending list. ud: the intercepts. */
static int configure_one(struct pkg_ctx *ctx, char *line, const char *rest,
			 void *ud)
{
	char *name = next_field(&line), *from = next_field(&line);
	char *b = NULL;
	size_t len = 0;
	int r = 0, w;

	ctx_note(ctx, 1, "Configuring %s.\n", name);
	/* Listed: scripts were allowed. */
	if (db_script_get(ctx->db, name, "postinst", &b, &len) == 0)
		r = exec_script(ctx, name, "postinst", b, len, "configure",
				NULL, *from ? from : NULL, ud);
	free(b);
	w = db_begin(ctx->db);
	if (w == 0 && r < 0)
		mark_failed(ctx, name);
	if (w == 0)
		w = db_meta_set(ctx->db, META_TX_CONFIGURE,
				*rest ? rest : NULL);
	if (w == 0)
		w = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	return r < 0 ? r : w;
}

/* Run every call of the pending list in meta key (one runs a line and
 * takes it off, rest being the lines after it; ud passed on); the first
 * failure. */
static int run_pending(struct pkg_ctx *ctx, const char *key,
		       int (*one)(struct pkg_ctx *, char *, const char *,
				  void *), void *ud)
{
	char *list = NULL, *cur, *line;
	int failed, r;

	failed = db_meta_get(ctx->db, key, &list);
	cur = list;
	while ((line = next_line(&cur))) {
		r = one(ctx, line, cur, ud);
		if (r < 0 && !failed)
			failed = r;
	}
	free(list);
	return failed;
}

/* Run every pending postinst (tx_configure), with the intercepts; the
 * first failure. */
int tx_configure_pending(struct pkg_ctx *ctx)
{
	struct tx_intercepts ic = { NULL, NULL };
	char *list = NULL;
	int r;

	if ((r = db_meta_get(ctx->db, META_TX_CONFIGURE, &list)) < 0 || !list)
		return r;
	free(list);
	tx_intercepts_begin(ctx, &ic);
	r = run_pending(ctx, META_TX_CONFIGURE, configure_one, &ic);
	tx_intercepts_end(ctx, &ic);
	return r;
}

/*
 * The postrm of a removed or replaced package runs after the commit (its
 * files are gone, which cannot be undone), as opkg runs it after deleting
 * the files. Its body is kept with the commit in the scripts table under
 * POSTRM_KEY (not a package name: never written to the info directory),
 * and tx_postrm lists the calls, one a line: package, argument 1,
 * argument 2, old version when it is an upgrade (PKG_UPGRADE=1), tab
 * separated. Each call is taken off the list in its own database
 * transaction once it ran, as with tx_configure: a crash while a postrm
 * runs (or before it is taken off) runs it again on recovery, any other
 * crash does not. A failure is reported and returned; the package stays
 * removed (opkg: "the files are already gone").
 */
#define POSTRM_KEY " postrm"

/* Keep the postrm of the installed package old for after the commit and
 * list the call; in the commit's database transaction, before its rows
 * are replaced. 0 or a negative code. */
static int postrm_keep(struct pkg_ctx *ctx, char **list, const char *old,
		       const char *a1, const char *a2, const char *from)
{
	char *b = NULL;
	size_t len = 0;
	int r;

	if (db_script_get(ctx->db, old, "postrm", &b, &len) < 0)
		return 0; /* none */
	r = db_script_put(ctx->db, POSTRM_KEY, old, b, len);
	free(b);
	if (r == 0)
		*list = list_add(*list, "%s\t%s\t%s\t%s\n", old, a1,
				 a2 ? a2 : "", from ? from : "");
	return r < 0 ? r : *list ? 0 : -ENOMEM;
}

/* Record the pending postrm calls (tx_postrm); 0 or a negative code. */
int tx_postrm_record(struct tx *tx)
{
	struct pkg_solver *s = &tx->ctx->solv;
	char *list = strdup("");
	size_t i;
	int r = list ? 0 : -ENOMEM;

	for (i = 0; r == 0 && scripts_allowed(tx->ctx) && i < tx->n; i++) {
		struct tx_item *it = &tx->items[i];
		if (it->type == STEP_REMOVE)
			r = postrm_keep(tx->ctx, &list, it->name, "remove",
					NULL, NULL);
		else if (it->old && !it->from_rom) /* prerm ran: see above */
			r = postrm_keep(tx->ctx, &list,
					solver_name(s, it->old), "upgrade",
					it->version, solver_evr(s, it->old));
	}
	if (r == 0 && *list)
		r = db_meta_set(tx->ctx->db, META_TX_POSTRM, list);
	free(list);
	return r;
}

/* Run one pending postrm call and take it off the list (rest: the calls
 * after it). */
static int postrm_one(struct pkg_ctx *ctx, char *line, const char *rest,
		      void *ud)
{
	char *name = next_field(&line), *a1 = next_field(&line);
	char *a2 = next_field(&line), *from = next_field(&line);
	char *b = NULL;
	size_t len = 0;
	int r = 0, w;

	if (db_script_get(ctx->db, POSTRM_KEY, name, &b, &len) == 0)
		r = exec_script(ctx, name, "postrm", b, len, a1,
				*a2 ? a2 : NULL, *from ? from : NULL, ud);
	free(b);
	w = db_begin(ctx->db);
	if (w == 0)
		w = db_meta_set(ctx->db, META_TX_POSTRM, *rest ? rest : NULL);
	if (w == 0 && !*rest)
		w = db_scripts_delete(ctx->db, POSTRM_KEY);
	if (w == 0)
		w = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	return r < 0 ? r : w;
}

/* Run every pending postrm (tx_postrm); the first failure. */
int tx_postrm_pending(struct pkg_ctx *ctx)
{
	return run_pending(ctx, META_TX_POSTRM, postrm_one, NULL);
}
