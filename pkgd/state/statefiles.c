/*
 * The state files other programs read, written from the database after
 * every change of the installed set (a transaction, an image rebuild):
 * opkg's status and info files, sysupgrade's installed_packages.txt and
 * the world file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"

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
	if (opkg_pkg_check(p) < 0)
		return -PKGE_FORMAT; /* a name must not add a line */
	v = realloc(t->e, (t->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->e = v;
	v[t->n].name = strdup(p->name);
	v[t->n].where = strcmp(p->origin, "rom") ? "overlay" : "rom";
	t->n++;
	return 0;
}

int state_files_write(struct pkg_ctx *ctx, const struct opkg_nameset *only)
{
	struct itxt t = { NULL, 0 };
	char *txt;
	size_t len = 0, i;
	int r = opkg_files_write(ctx, only);

	if (r == 0)
		r = db_pkg_each(ctx->db, itxt_add, &t);
	txt = r == 0 ? hooks_installed_txt(t.e, t.n, &len) : NULL;
	if (txt) {
		r = ctx_write_file(ctx, INSTALLED_TXT,
				   txt, len, 0644);
	}
	if (r == 0)
		r = world_write(ctx);
	free(txt);
	for (i = 0; i < t.n; i++)
		free((char *)t.e[i].name);
	free(t.e);
	return r;
}
