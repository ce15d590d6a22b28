/*
 * OpenWrt's alternatives, as opkg-lede keeps them (libopkg's
 * pkg_alternatives.c): a package declares "Alternatives: PRIO:PATH:TARGET,
 * ..." and PATH is a symlink to the TARGET of the highest priority among
 * the installed packages that declare it. When none is left, PATH links
 * to /bin/busybox if busybox's file list holds PATH, else it goes. A PATH
 * that exists and is not a symlink is said in one line and left alone
 * (opkg-lede refuses to link over it too, but unlinks it when the last
 * provider goes; pkg never deletes what is not a link).
 *
 * Ties: opkg-lede walks its package hash table (djb2 of the name modulo
 * 1024 buckets, opkg_hash_bucket) and keeps the first of the highest
 * priority: the package whose name falls in the lower bucket wins. The
 * same walk is done here, name order within a bucket (opkg: the order
 * names entered the table, which the queries follow; here a transaction
 * decides, and its root's lists need not be read for it).
 *
 * The links are steps of the transaction's journal, resolved through the
 * tree as the transaction leaves it like every other entry: a new link is
 * a staged symlink put in place ('P'), a link that goes is removed ('R',
 * a whiteout when the image has the path), and a link identical to the
 * image's is the image's entry uncovered ('W'), never a copy.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tx/tx.h"

#define ALT_BUSYBOX "busybox"
#define ALT_BUSYBOX_TARGET "/bin/busybox"
#define ALT_BACKUP ".pkg-alt~" /* not '.pkg-bak~': a package's own step
				* may have moved an entry there already */

struct alt_decl {
	char *pkg;
	long prio;
	char *path;   /* normalised, root-relative */
	char *target; /* as written */
	int after;    /* the package is installed after the transaction */
};

struct alt_set {
	struct alt_decl *v;
	size_t n;
	char **bb; /* busybox's files after the transaction (normalised) */
	size_t nbb;
};

static void alt_set_release(struct alt_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].pkg);
		free(s->v[i].path);
		free(s->v[i].target);
	}
	free(s->v);
	for (i = 0; i < s->nbb; i++)
		free(s->bb[i]);
	free(s->bb);
	memset(s, 0, sizeof(*s));
}

static int alt_add(struct alt_set *s, const char *pkg, long prio,
		   char *path, const char *target, int after)
{
	struct alt_decl *v = realloc(s->v, (s->n + 1) * sizeof(*v)), *d;

	if (!v) {
		free(path);
		return -ENOMEM;
	}
	s->v = v;
	d = &v[s->n];
	d->pkg = strdup(pkg);
	d->target = strdup(target);
	d->path = path;
	d->prio = prio;
	d->after = after;
	if (!d->pkg || !d->target) {
		free(d->pkg);
		free(d->target);
		free(path);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

/* One "PRIO:PATH:TARGET" entry (trimmed, in [b, e)); a malformed one is
 * skipped (said when warn). */
static int alt_parse_one(struct alt_set *s, const char *pkg, const char *b,
			 const char *e, int after, int warn)
{
	char *item = strndup(b, (size_t)(e - b)), *p, *c1, *c2, *end, *path;
	long prio;
	int r = 0;

	if (!item)
		return -ENOMEM;
	c1 = strchr(item, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c2) {
		*c1 = *c2 = '\0';
		errno = 0;
		prio = strtol(item, &end, 10);
		p = c1 + 1;
		if (!errno && end != item && !*end && *p == '/' && c2[1] &&
		    path_normalise(p, &path) == 0 && *path)
			r = alt_add(s, pkg, prio, path, c2 + 1, after);
		else if (warn)
			pkg_warn("%s: bad Alternatives entry '%.*s', ignored",
				 pkg, (int)(e - b), b);
	} else if (warn) {
		pkg_warn("%s: bad Alternatives entry '%s', ignored", pkg, item);
	}
	free(item);
	return r;
}

/* The entries of one Alternatives value (NULL: none), ", " between. */
static int alt_parse(struct alt_set *s, const char *pkg, const char *value,
		     int after, int warn)
{
	const char *b = value, *e;
	int r = 0;

	while (r == 0 && b && *b) {
		while (*b == ' ' || *b == '\t' || *b == ',' || *b == '\n')
			b++;
		e = b + strcspn(b, ",");
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' ||
				 e[-1] == '\n'))
			e--;
		if (e > b)
			r = alt_parse_one(s, pkg, b, e, after, warn);
		b += strcspn(b, ",");
	}
	return r;
}

/* The Alternatives of a control text (the database's copy). */
static int alt_parse_control(struct alt_set *s, const char *pkg,
			     const char *control, int after)
{
	struct ctl_stanza st;
	int r;

	/* every installed package's control is looked at: the few that
	 * name the field at all are parsed (a false hit, the word in a
	 * description, costs a parse) */
	if (!control || !strcasestr(control, "Alternatives:") ||
	    ctl_parse_one(control, strlen(control), &st) < 0)
		return 0; /* no control: no alternatives */
	r = alt_parse(s, pkg, ctl_get(&st, "Alternatives"), after, 0);
	ctl_stanza_release(&st);
	return r;
}

static int bb_add(struct alt_set *s, const char *path)
{
	char **v = realloc(s->bb, (s->nbb + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->bb = v;
	if (!(v[s->nbb] = strdup(path)))
		return -ENOMEM;
	s->nbb++;
	return 0;
}

static int bb_file(const struct db_file *f, void *ud)
{
	return f->type == 'd' ? 0 : bb_add(ud, f->path);
}

static int bb_has(const struct alt_set *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nbb; i++)
		if (!strcmp(s->bb[i], path))
			return 1;
	return 0;
}

/* Does a come before b in opkg-lede's walk (state/opkgorder.c)? */
static int alt_walks_first(const struct alt_decl *a, const struct alt_decl *b)
{
	unsigned ha = opkg_hash_bucket(a->pkg), hb = opkg_hash_bucket(b->pkg);

	return ha != hb ? ha < hb : strcmp(a->pkg, b->pkg) < 0;
}

/* The declaration that wins path after the transaction, or NULL. */
static const struct alt_decl *alt_winner(const struct alt_set *s,
					 const char *path)
{
	const struct alt_decl *w = NULL;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct alt_decl *d = &s->v[i];
		if (!d->after || strcmp(d->path, path))
			continue;
		if (!w || d->prio > w->prio ||
		    (d->prio == w->prio && alt_walks_first(d, w)))
			w = d;
	}
	return w;
}

/* ---- the steps ---- */

struct alt_run {
	struct pkg_ctx *ctx;
	struct tx_view *view; /* NULL: the tree as it is */
	const char *staging;
	struct tx_ops *ops;
	size_t nstaged;
};

/* What is at res when the transaction's other steps are done: 0 absent,
 * else S_IFLNK (target in buf) or another type. */
static mode_t alt_current(struct alt_run *ar, const char *res, char *buf,
			  size_t cap)
{
	const char *target = NULL;
	mode_t type = 0;
	struct stat st;
	int v = ar->view ? tx_view_get(ar->view, res, &type, &target)
			 : ROOTFS_VIEW_NONE;

	buf[0] = '\0';
	if (v == ROOTFS_VIEW_GONE)
		return 0;
	if (v == ROOTFS_VIEW_ENTRY) {
		if (S_ISLNK(type) && target)
			snprintf(buf, cap, "%s", target);
		return type & S_IFMT;
	}
	if (rootfs_lstat(&ar->ctx->rf, res, &st, NULL) < 0)
		return 0;
	if (S_ISLNK(st.st_mode) &&
	    rootfs_readlink(&ar->ctx->rf, res, buf, cap) < 0)
		buf[0] = '\0';
	return st.st_mode & S_IFMT;
}

/* Is the image's entry at res the link res -> target, and is it covered
 * (by a whiteout or another entry of the upper layer)? */
static int alt_image_link(struct alt_run *ar, const char *res,
			  const char *target)
{
	const struct rootfs *rf = &ar->ctx->rf;
	char buf[PATH_MAX];
	struct stat st;

	if (rf->mode == ROOTFS_PLAIN || tree_layer_fd(rf, TREE_ROM) < 0 ||
	    tree_readlink(rf, TREE_ROM, res, buf, sizeof(buf)) < 0 ||
	    strcmp(buf, target))
		return 0;
	return tree_lstat(rf, TREE_UPPER, res, &st) == 0 &&
	       !S_ISDIR(st.st_mode);
}

static int alt_staging(struct alt_run *ar)
{
	struct stat st;
	int r = 0;

	if (tree_lstat(&ar->ctx->rf, TREE_WRITE, ar->staging, &st) < 0)
		r = tree_mkdir(&ar->ctx->rf, TREE_WRITE, ar->staging, 0700);
	return r < 0 ? pkg_error(r, "cannot create '/%s'", ar->staging) : 0;
}

/* A link res -> target: staged, then put in place by a 'P' step. */
static int alt_place(struct alt_run *ar, const char *res, const char *target)
{
	char *staged = NULL, *bak = NULL;
	int r = ar->nstaged ? 0 : alt_staging(ar);

	if (r == 0 &&
	    (asprintf(&staged, "%s/alt%zu", ar->staging, ar->nstaged) < 0 ||
	     asprintf(&bak, "%s" ALT_BACKUP, res) < 0))
		r = -ENOMEM;
	if (r == 0) {
		r = tree_symlink(&ar->ctx->rf, TREE_WRITE, target, staged);
		if (r < 0)
			r = pkg_error(r, "cannot stage '/%s'", res);
		else
			ar->nstaged++;
	}
	if (r == 0)
		r = tx_ops_add(ar->ops, JOP_PLACE, res, staged, bak, 0777);
	free(staged);
	free(bak);
	return r;
}

static int alt_step(struct alt_run *ar, char op, const char *res)
{
	char *bak = NULL;
	int r;

	if (asprintf(&bak, "%s" ALT_BACKUP, res) < 0)
		return -ENOMEM;
	r = tx_ops_add(ar->ops, op, res, NULL, bak, 0);
	free(bak);
	return r;
}

/* The steps that leave path (normalised) as want says (NULL: no link). */
static int alt_path(struct alt_run *ar, const char *path, const char *want)
{
	struct rootfs_view v = ar->view ? tx_view_of(ar->view)
					: (struct rootfs_view){ 0 };
	char *res = NULL, cur[PATH_MAX];
	mode_t type;
	int r = rootfs_resolve(&ar->ctx->rf, ar->view ? &v : NULL, path, 0,
			       &res);

	if (r < 0) {
		pkg_warn("alternatives: cannot link '/%s': %s", path,
			 pkg_strerror(r));
		return 0;
	}
	if (ctx_state_path(ar->ctx, res, 0)) {
		pkg_warn("alternatives: cannot link '/%s': it is in the "
			 "package manager's own state", res);
		free(res);
		return 0;
	}
	type = *res ? alt_current(ar, res, cur, sizeof(cur)) : S_IFDIR;
	if (type && !S_ISLNK(type))
		pkg_warn("alternatives: '/%s' exists but is not a symlink, "
			 "left as it is", *res ? res : path);
	else if (want && type && !strcmp(cur, want))
		r = 0;
	else if (want && alt_image_link(ar, res, want))
		r = alt_step(ar, JOP_UNCOVER, res);
	else if (want)
		r = alt_place(ar, res, want);
	else if (type)
		r = alt_step(ar, JOP_REMOVE, res);
	free(res);
	return r;
}

static int alt_cmp_path(const void *a, const void *b)
{
	const struct alt_decl *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->pkg, y->pkg);
}

/* Every path declared before or after the transaction, once each. */
static int alt_all_paths(struct alt_run *ar, struct alt_set *s)
{
	size_t i;
	int r = 0;

	if (s->n) /* qsort wants a valid pointer even for none */
		qsort(s->v, s->n, sizeof(*s->v), alt_cmp_path);
	for (i = 0; r == 0 && i < s->n; i++) {
		const struct alt_decl *w;
		const char *want = NULL;

		if (i > 0 && !strcmp(s->v[i].path, s->v[i - 1].path))
			continue;
		w = alt_winner(s, s->v[i].path);
		if (w)
			want = w->target;
		else if (bb_has(s, s->v[i].path))
			want = ALT_BUSYBOX_TARGET;
		r = alt_path(ar, s->v[i].path, want);
	}
	return r;
}

/* ---- who declares what, after a transaction ---- */

struct alt_collect {
	struct run *rn; /* NULL: the database as it is */
	struct alt_set *set;
	int busybox;	/* busybox stays installed, as it is */
	int r;
};

/* Does the transaction remove name, or install another version of it? */
static int tx_replaces(const struct run *rn, const char *name)
{
	size_t i;

	for (i = 0; rn && i < rn->tx->n; i++) {
		const struct tx_item *it = &rn->tx->items[i];
		if (!strcmp(it->name, name) ||
		    (it->old &&
		     !strcmp(solver_name(&rn->ctx->solv, it->old), name)))
			return 1;
	}
	return 0;
}

static int collect_db(const struct db_pkg *p, void *ud)
{
	struct alt_collect *c = ud;
	int after;

	/* opkg counts unpacked packages (a failed postinst) as installed;
	 * an image package removed here is not */
	if (strcmp(p->state, "installed") && strcmp(p->state, "failed"))
		return 0;
	after = !tx_replaces(c->rn, p->name);
	if (after && !strcmp(p->name, ALT_BUSYBOX))
		c->busybox = 1;
	c->r = alt_parse_control(c->set, p->name, p->control, after);
	return c->r;
}

/* Item i installs its package: its declarations, and busybox's files. */
static int collect_item(struct alt_collect *c, size_t i)
{
	struct run *rn = c->rn;
	struct tx_item *it = &rn->tx->items[i];
	const struct stage_list *l = &rn->sp[i].files;
	int bb = !strcmp(it->name, ALT_BUSYBOX), r = 0;
	struct db_pkg p;
	size_t k;

	if (it->from_rom) {
		if (db_pkg_get(rn->ctx->db, it->name, &p) < 0)
			return 0;
		r = alt_parse_control(c->set, it->name, p.control, 1);
		db_pkg_release(&p);
		return r == 0 && bb ? db_file_each(rn->ctx->db, it->name,
						   bb_file, c->set)
				    : r;
	}
	r = alt_parse(c->set, it->name,
		      ctl_get(ipk_control(rn->sp[i].ipk), "Alternatives"), 1,
		      1);
	for (k = 0; r == 0 && bb && k < l->n; k++)
		if (l->e[k].type != ST_DIR)
			r = bb_add(c->set, l->e[k].path);
	return r;
}

static int alt_collect(struct pkg_ctx *ctx, struct run *rn, struct alt_set *s)
{
	struct alt_collect c = { rn, s, 0, 0 };
	size_t i;
	int r = db_pkg_each(ctx->db, collect_db, &c);

	if (r == 0)
		r = c.r;
	for (i = 0; r == 0 && rn && i < rn->tx->n; i++)
		if (rn->tx->items[i].type != STEP_REMOVE)
			r = collect_item(&c, i);
	if (r == 0 && c.busybox)
		r = db_file_each(ctx->db, ALT_BUSYBOX, bb_file, s);
	return r;
}

int alt_stage(struct run *rn)
{
	struct alt_set s = { 0 };
	struct alt_run ar = { rn->ctx, &rn->view, rn->staging, &rn->ops, 0 };
	int r = alt_collect(rn->ctx, rn, &s);

	if (r == 0)
		r = alt_all_paths(&ar, &s);
	alt_set_release(&s);
	return r == -ENOMEM ? pkg_error(r, "alternatives") : r;
}

int alt_apply(struct pkg_ctx *ctx)
{
	struct alt_set s = { 0 };
	struct tx_ops ops = { 0 };
	char *staging = NULL;
	struct alt_run ar = { ctx, NULL, NULL, &ops, 0 };
	int r = ctx_resolve(ctx, PKG_STAGING_DIR, &staging);

	ar.staging = staging;
	if (r == 0)
		r = tree_remove_tree(&ctx->rf, TREE_WRITE, staging);
	if (r < 0 && r != -ENOENT)
		r = pkg_error(r, "cannot remove '/%s'", staging);
	else
		r = 0;
	if (r == 0)
		r = alt_collect(ctx, NULL, &s);
	if (r == 0)
		r = alt_all_paths(&ar, &s);
	if (r == 0 && ops.n)
		r = tx_ops_commit(ctx, &ops, ar.nstaged ? staging : NULL, NULL);
	else if (ar.nstaged)
		tree_remove_tree(&ctx->rf, TREE_WRITE, staging);
	alt_set_release(&s);
	tx_ops_release(&ops);
	free(staging);
	return r == -ENOMEM ? pkg_error(r, "alternatives") : r;
}
