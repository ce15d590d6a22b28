/*
 * search FILE-GLOB: which installed packages own the matching files.
 *
 * With pkg's database, its files table; without one, each installed
 * package's info/<pkg>.list as opkg reads it (not imported into the
 * database in RAM first: that cost four times what the reading does).
 * Either way in path order, then package name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "state/state.h"

struct search_hit {
	char *path; /* with its leading '/' */
	char *name;
	char *version;
};

struct search_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int first;
	/* without a database: the matches, sorted before they are shown */
	struct opkg_lists lists;
	const struct db_pkg *pkg; /* the package whose .list is read */
	struct search_hit *hit;
	size_t nhit, cap;
	int r;
};

static void search_show(struct search_ctx *s, const char *name,
			const char *version, const char *path)
{
	if (s->ctx->opt.json) {
		json_item(s->ctx->out, &s->first);
		json_field(s->ctx->out, "", "name", name);
		json_field(s->ctx->out, ", ", "version", version);
		json_field(s->ctx->out, ", ", "path", path);
		fputc('}', s->ctx->out);
	} else {
		fprintf(s->ctx->out, "%s - %s\n", name, version);
	}
}

static int search_one(const struct db_file *f, void *ud)
{
	struct search_ctx *s = ud;
	char path[4096];
	struct db_pkg p;

	snprintf(path, sizeof(path), "/%s", f->path);
	if (!pkg_glob_match(s->ctx, s->glob, path) || f->type == 'd')
		return 0;
	if (db_pkg_get(s->ctx->db, f->package, &p) < 0)
		return 0;
	if (strcmp(p.state, "removed"))
		search_show(s, p.name, p.version, path);
	db_pkg_release(&p);
	return 0;
}

static int list_one(const char *entry, void *ud)
{
	struct search_ctx *s = ud;
	struct search_hit *h;
	char path[4096];

	snprintf(path, sizeof(path), "/%s", entry);
	if (!pkg_glob_match(s->ctx, s->glob, path))
		return 0;
	if (s->nhit == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		h = realloc(s->hit, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->hit = h;
		s->cap = cap;
	}
	h = &s->hit[s->nhit];
	h->path = strdup(path);
	h->name = strdup(s->pkg->name);
	h->version = strdup(s->pkg->version);
	s->nhit++;
	return h->path && h->name && h->version ? 0 : -ENOMEM;
}

static int list_pkg(const struct db_pkg *p, void *ud)
{
	struct search_ctx *s = ud;

	if (!strcmp(p->state, "removed"))
		return 0;
	s->pkg = p;
	s->r = opkg_list_each(&s->lists, p->name, list_one, s);
	return s->r;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct search_hit *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->name, y->name);
}

/* Without a database: every installed package's .list, the matches
 * shown in the order the files table gives them (a path a .list names
 * twice shown once). */
static int search_lists(struct search_ctx *s)
{
	size_t i;
	int r = s->ctx->db ? db_pkg_each(s->ctx->db, list_pkg, s)
			   : opkg_status_each(s->ctx, list_pkg, s);

	if (r < 0 && r == s->r) /* a .list's, not reported yet */
		r = pkg_error(r, "search: cannot read the packages' file lists");
	if (r == 0 && s->nhit)
		qsort(s->hit, s->nhit, sizeof(*s->hit), hit_cmp);
	for (i = 0; i < s->nhit; i++) {
		if (r == 0 && (!i || hit_cmp(&s->hit[i - 1], &s->hit[i])))
			search_show(s, s->hit[i].name, s->hit[i].version,
				    s->hit[i].path);
	}
	for (i = 0; i < s->nhit; i++) {
		free(s->hit[i].path);
		free(s->hit[i].name);
		free(s->hit[i].version);
	}
	free(s->hit);
	opkg_lists_release(&s->lists);
	return r;
}

static int cmd_search(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct search_ctx s = { ctx, argc > 0 ? argv[0] : NULL, 1,
				.lists = { .ctx = ctx } };
	int r;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "search: name a file");
	if (!ctx->db || db_in_memory(ctx->db))
		r = search_lists(&s);
	else
		r = db_file_each(ctx->db, NULL, search_one, &s);
	if (r == 0 && ctx->opt.json)
		json_array_end(ctx->out, s.first);
	return r;
}

/* CMD_STATUS_READ: without a database, the status file is read straight
 * (the packages' names, versions and states), no database built; the
 * .list files are read here. */
const struct pkg_cmd cmd_search_desc = {
	"search", "FILE", "list installed packages that own a file (glob)",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_STATUS_READ |
		CMD_LISTING,
	cmd_search
};
