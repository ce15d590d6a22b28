/*
 * opkg's own files: usr/lib/opkg/status and info/<pkg>.* are brought in
 * line with the database after every change (LuCI, sysupgrade and
 * scripts read them), and imported from on the first run (opkgimport.c).
 * Only what differs is written: a transaction changes the files of the
 * packages it installs or removes and nothing else (flash wears, an image
 * file must not be copied into the overlay for nothing, and nobody asked
 * for the rest to change). The status file itself: opkgstatus.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"

/* The paths the database records for one package. */
struct pkg_paths {
	char **path;
	char *type;
	size_t n;
	int oom;
};

static int paths_collect(const struct db_file *f, void *ud)
{
	struct pkg_paths *pp = ud;
	char **v = realloc(pp->path, (pp->n + 1) * sizeof(*v));
	char *t = v ? realloc(pp->type, pp->n + 1) : NULL;

	if (v)
		pp->path = v;
	if (t)
		pp->type = t;
	if (!v || !t || !(v[pp->n] = strdup(f->path))) {
		pp->oom = 1;
		return 1;
	}
	t[pp->n++] = f->type;
	return 0;
}

static void paths_release(struct pkg_paths *pp)
{
	size_t i;

	for (i = 0; i < pp->n; i++)
		free(pp->path[i]);
	free(pp->path);
	free(pp->type);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The index of path among pp's (sorted by path, as db_file_each gives
 * them), or -1. */
static long paths_find(const struct pkg_paths *pp, const char *path)
{
	char *const *hit;

	if (!pp->n)
		return -1; /* pp->path is NULL: not bsearch's to take */
	hit = bsearch(&path, pp->path, pp->n, sizeof(char *), cmp_str);

	return hit ? (long)(hit - pp->path) : -1;
}

/* Does the .list on disk (text, changed in place) name exactly the
 * package's paths: each one the database has, and every one but the
 * directories (which a .list may or may not name)? Order is opkg's hash
 * order and does not count. */
static int list_same(const struct pkg_paths *pp, char *text)
{
	char *line, *save = NULL, *seen = calloc(pp->n + 1, 1);
	size_t i;
	int same = seen != NULL;

	for (line = strtok_r(text, "\n", &save); same && line;
	     line = strtok_r(NULL, "\n", &save)) {
		long k;
		if (!(line = opkg_list_entry(line)))
			continue;
		k = paths_find(pp, line);
		if (k < 0)
			same = 0;
		else
			seen[k] = 1;
	}
	for (i = 0; same && i < pp->n; i++)
		if (!seen[i] && pp->type[i] != 'd')
			same = 0;
	free(seen);
	return same;
}

static char *info_rel(const struct pkg_ctx *ctx, const char *pkg,
		      const char *ext)
{
	char *rel = NULL;

	if (asprintf(&rel, "%s/%s.%s", ctx->conf.info_dir, pkg, ext) < 0)
		return NULL;
	return rel;
}

/* info/<pkg>.list: written when its set of paths differs (a new package,
 * an upgrade, a path another package took over); then in path order. */
static int write_list(struct pkg_ctx *ctx, struct opkg_lists *lists,
		      const char *pkg)
{
	struct pkg_paths pp = { 0 };
	char *rel = info_rel(ctx, pkg, "list"), *cur = NULL, *out = NULL;
	size_t len = 0, i, at = 0;
	int r = rel ? 0 : -ENOMEM;

	if (r == 0)
		r = db_file_each(ctx->db, pkg, paths_collect, &pp);
	if (r == 0 && pp.oom)
		r = -ENOMEM;
	if (r == 0)
		cur = opkg_info_read(lists, pkg, "list", &len);
	if (r == 0 && !(cur && list_same(&pp, cur))) {
		for (i = 0, len = 0; i < pp.n; i++)
			len += strlen(pp.path[i]) + 2;
		out = malloc(len + 1);
		for (i = 0; out && i < pp.n; i++) {
			if (pp.type[i] == 'd')
				continue;
			at += (size_t)snprintf(out + at, len + 1 - at, "/%s\n",
					       pp.path[i]);
		}
		r = out ? ctx_write_file(ctx, rel, out, at, 0644) : -ENOMEM;
	}
	free(out);
	free(cur);
	free(rel);
	paths_release(&pp);
	return r;
}

struct info_write {
	struct pkg_ctx *ctx;
	const struct opkg_status_merge *m;
	const struct opkg_nameset *only; /* NULL: every package */
	struct opkg_nameset rewritten; /* packages whose .control changed */
	struct opkg_lists lists;       /* info/, opened once */
	int r;
};

struct script_ctx {
	struct pkg_ctx *ctx;
	const char *pkg;
	int r;
};

static int write_script(const char *name, const char *body, size_t len,
			void *ud)
{
	struct script_ctx *s = ud;
	char *rel = info_rel(s->ctx, s->pkg, name);
	int r = rel ? ctx_write_file(s->ctx, rel, body, len,
				     strcmp(name, "conffiles") ? 0755 : 0644)
		    : -ENOMEM;

	free(rel);
	if (r < 0)
		s->r = r;
	return r < 0;
}

/* info/<pkg>.control and the other control members of a package whose
 * stanza changed; the package is noted when its .control did. */
static int write_control(struct info_write *w, const struct db_pkg *p)
{
	struct script_ctx sc = { w->ctx, p->name, 0 };
	char *rel = info_rel(w->ctx, p->name, "control"), *text, *cur;
	size_t len = 0, curlen = 0;
	int r = 0;

	text = opkg_control_text(p->control ? p->control : "", &len);
	if (!rel || !text)
		r = -ENOMEM;
	if (r == 0 && len) {
		cur = opkg_info_read(&w->lists, p->name, "control", &curlen);
		if (!cur || curlen != len || memcmp(cur, text, len))
			r = opkg_nameset_add(&w->rewritten, p->name);
		free(cur);
		if (r == 0)
			r = ctx_write_file(w->ctx, rel, text, len, 0644);
	}
	free(text);
	free(rel);
	if (r == 0)
		db_script_each(w->ctx->db, p->name, write_script, &sc);
	return r < 0 ? r : sc.r;
}

static int write_pkg(const struct db_pkg *p, void *ud)
{
	struct info_write *w = ud;

	if (strcmp(p->state, "installed") && strcmp(p->state, "failed"))
		return 0;
	if (!w->only || opkg_nameset_has(w->only, p->name))
		w->r = write_list(w->ctx, &w->lists, p->name);
	if (w->r == 0 && opkg_nameset_has(&w->m->changed, p->name))
		w->r = write_control(w, p);
	return w->r < 0;
}

/* Is ext a control member the database keeps for pkg? */
static int has_member(struct pkg_ctx *ctx, const char *pkg, const char *ext)
{
	char *body = NULL;
	size_t len;
	int r = db_script_get(ctx->db, pkg, ext, &body, &len);

	free(body);
	return r == 0;
}

/* Should info file name.ext go: its package is no longer installed (and
 * the status file does not keep a stanza for it), or it is a control
 * member the package's new version no longer has? */
static int info_stale(struct pkg_ctx *ctx, const struct info_write *w,
		      const char *name, const char *ext)
{
	struct db_pkg p;
	int installed = 0;

	if (db_pkg_get(ctx->db, name, &p) == 0) {
		installed = strcmp(p.state, "removed") != 0;
		db_pkg_release(&p);
	}
	if (!installed)
		return !opkg_nameset_has(&w->m->foreign, name);
	return opkg_nameset_has(&w->rewritten, name) &&
	       strcmp(ext, "control") && strcmp(ext, "list") &&
	       !has_member(ctx, name, ext);
}

static int prune_info(struct pkg_ctx *ctx, const struct info_write *w)
{
	char *dir = NULL;
	struct dirent *e;
	DIR *d = NULL;
	int r = ctx_resolve(ctx, ctx->conf.info_dir, &dir);

	if (r == 0 && !(d = tree_opendir(&ctx->rf, TREE_WRITE, dir, &r)) &&
	    r == -ENOENT)
		r = 0;
	while (r == 0 && d && (e = readdir(d))) {
		char *dot = strrchr(e->d_name, '.'), name[256], path[4096];

		if (!dot || e->d_name[0] == '.' ||
		    (size_t)(dot - e->d_name) >= sizeof(name))
			continue;
		memcpy(name, e->d_name, (size_t)(dot - e->d_name));
		name[dot - e->d_name] = 0;
		if (w->only && !opkg_nameset_has(w->only, name) &&
		    !opkg_nameset_has(&w->m->changed, name))
			continue; /* a package the transaction left alone */
		if (!info_stale(ctx, w, name, dot + 1))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = tree_unlink(&ctx->rf, TREE_WRITE, path);
		if (r < 0 && r != -ENOENT)
			r = pkg_error(r, "cannot remove '/%s'", path);
		else
			r = 0;
	}
	if (d)
		closedir(d);
	free(dir);
	return r;
}

int opkg_files_write(struct pkg_ctx *ctx, const struct opkg_nameset *only)
{
	struct opkg_status_merge m;
	struct info_write w = { ctx, &m, only, { 0 }, { .ctx = ctx }, 0 };
	int r = opkg_status_merge(ctx, &m, only);

	if (r < 0)
		return r;
	r = ctx_write_file(ctx, ctx->conf.status_file, m.text, m.len, 0644);
	if (r == 0)
		r = db_pkg_each(ctx->db, write_pkg, &w);
	if (r == 0)
		r = w.r;
	if (r == 0)
		r = prune_info(ctx, &w);
	if (r == -ENOMEM)
		pkg_error(r, "cannot write opkg's files");
	/* every package written or compared, and no stanza kept that the
	 * database does not hold (a query reading the file would find one
	 * the database's reader never saw) */
	if (r == 0 && !only)
		ctx->opkg_in_line = !m.foreign.n && !m.unjudged;
	opkg_nameset_release(&w.rewritten);
	opkg_lists_release(&w.lists);
	opkg_status_merge_release(&m);
	return r;
}
