/*
 * opkg's own files: usr/lib/opkg/status and info/<pkg>.* are written from
 * the database after every transaction (LuCI, sysupgrade and scripts read
 * them), and imported from on the first run. A file is rewritten only
 * when its content changes: flash wears, and an image file must not be
 * copied into the overlay for nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_field(struct sbuf *b, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	sb_str(b, name);
	sb_str(b, ": ");
	sb_str(b, value);
	sb_str(b, "\n");
}

struct conf_ctx {
	struct sbuf *b;
	int any;
};

static int add_conffile(const struct db_file *f, void *ud)
{
	struct conf_ctx *c = ud;

	if (!f->conffile)
		return 0;
	if (!c->any)
		sb_str(c->b, "Conffiles:\n");
	c->any = 1;
	sb_str(c->b, " /");
	sb_str(c->b, f->path);
	sb_str(c->b, " ");
	sb_str(c->b, f->conf_sha256 ? f->conf_sha256 : "");
	sb_str(c->b, "\n");
	return 0;
}

/* opkg's state flags, in its own order (pkg_state_flag_to_str). */
static const char *status_flags(const struct db_pkg *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", p->hold ? "hold," : "",
		 p->noprune ? "noprune," : "", p->user ? "user," : "");
	if (!*buf)
		snprintf(buf, n, "ok");
	else
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

/* A relation field as opkg writes it back: "(=V)" becomes "(= V)". */
static char *rel_field(const char *v)
{
	char *out, *o;

	if (!v || !(out = malloc(strlen(v) * 2 + 1)))
		return NULL;
	for (o = out; *v; v++) {
		*o++ = *v;
		if (*v != '(')
			continue;
		while (v[1] == '<' || v[1] == '>' || v[1] == '=')
			*o++ = *++v;
		if (v[1] && v[1] != ' ' && v[1] != ')')
			*o++ = ' ';
	}
	*o = '\0';
	return out;
}

char *opkg_status_stanza(struct pkg_ctx *ctx, const struct db_pkg *p)
{
	static const char *const head[] = { "Package", "ABIVersion", "Version",
					    "Depends", "Recommends", "Suggests",
					    "Provides", "Replaces", "Conflicts" };
	struct sbuf b = { 0 };
	struct ctl_stanza st = { 0 };
	struct conf_ctx cc = { &b, 0 };
	char flags[32], line[128];
	size_t i;

	ctl_parse_one(p->control, strlen(p->control), &st);
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
		char *rel = i >= 3 ? rel_field(ctl_get(&st, head[i])) : NULL;
		sb_field(&b, head[i], i == 0 ? p->name
				   : i == 2 ? p->version
				   : i >= 3 ? rel
					    : ctl_get(&st, head[i]));
		free(rel);
	}
	snprintf(line, sizeof(line), "install %s %s",
		 status_flags(p, flags, sizeof(flags)),
		 strcmp(p->state, "failed") ? "installed" : "unpacked");
	sb_field(&b, "Status", line);
	sb_field(&b, "Essential", ctl_get(&st, "Essential"));
	sb_field(&b, "Architecture", p->arch);
	db_file_each(ctx->db, p->name, add_conffile, &cc);
	snprintf(line, sizeof(line), "%lld", (long long)p->installed_time);
	sb_field(&b, "Installed-Time", line);
	if (p->auto_installed)
		sb_field(&b, "Auto-Installed", "yes");
	sb_str(&b, "\n");
	ctl_stanza_release(&st);
	return b.s;
}

struct write_ctx {
	struct pkg_ctx *ctx;
	struct sbuf status;
	int r;
};

static int add_list_line(const struct db_file *f, void *ud)
{
	struct sbuf *b = ud;

	if (f->type == 'd')
		return 0;
	sb_str(b, "/");
	sb_str(b, f->path);
	sb_str(b, "\n");
	return 0;
}

struct script_ctx {
	struct pkg_ctx *ctx;
	const char *pkg;
	int r;
};

static int write_script(const char *name, const char *body, size_t len,
			void *ud)
{
	struct script_ctx *s = ud;
	char rel[1024];
	int r;

	snprintf(rel, sizeof(rel), "%s/%s.%s", s->ctx->conf.info_dir, s->pkg,
		 name);
	r = ctx_write_file(s->ctx, rel, body, len,
			   strcmp(name, "conffiles") ? 0755 : 0644);
	if (r < 0)
		s->r = r;
	return 0;
}

static int write_pkg(const struct db_pkg *p, void *ud)
{
	struct write_ctx *w = ud;
	struct sbuf list = { 0 };
	struct script_ctx sc = { w->ctx, p->name, 0 };
	char rel[1024];
	char *st;
	int r;

	if (!strcmp(p->state, "removed"))
		return 0;
	st = opkg_status_stanza(w->ctx, p);
	if (st)
		sb_str(&w->status, st);
	free(st);
	snprintf(rel, sizeof(rel), "%s/%s.control", w->ctx->conf.info_dir,
		 p->name);
	r = ctx_write_file(w->ctx, rel, p->control, strlen(p->control), 0644);
	db_file_each(w->ctx->db, p->name, add_list_line, &list);
	snprintf(rel, sizeof(rel), "%s/%s.list", w->ctx->conf.info_dir,
		 p->name);
	if (r == 0)
		r = ctx_write_file(w->ctx, rel, list.s ? list.s : "", list.len,
				   0644);
	free(list.s);
	db_script_each(w->ctx->db, p->name, write_script, &sc);
	if (r < 0 || sc.r < 0)
		w->r = r < 0 ? r : sc.r;
	return 0;
}

/* Remove info files of packages the database no longer has installed. */
static int prune_info(struct pkg_ctx *ctx)
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
		struct db_pkg p;

		if (!dot || e->d_name[0] == '.' ||
		    (size_t)(dot - e->d_name) >= sizeof(name))
			continue;
		memcpy(name, e->d_name, (size_t)(dot - e->d_name));
		name[dot - e->d_name] = 0;
		if (db_pkg_get(ctx->db, name, &p) == 0) {
			int keep = strcmp(p.state, "removed") != 0;
			db_pkg_release(&p);
			if (keep)
				continue;
		}
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

int opkg_files_write(struct pkg_ctx *ctx)
{
	struct write_ctx w = { ctx, { 0 }, 0 };
	int r = db_pkg_each(ctx->db, write_pkg, &w);

	if (r == 0)
		r = w.r;
	if (r == 0)
		r = ctx_write_file(ctx, ctx->conf.status_file,
				   w.status.s ? w.status.s : "", w.status.len,
				   0644);
	free(w.status.s);
	if (r == 0)
		r = prune_info(ctx);
	return r;
}
