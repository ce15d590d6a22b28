/*
 * list [GLOB], list-installed [GLOB], list-upgradable: opkg's formats
 * ("name - version - description"), or --json.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int id_cmp(const void *a, const void *b, void *ud)
{
	const struct pkg_solver *s = ud;
	Id x = *(const Id *)a, y = *(const Id *)b;
	int r = strcmp(solver_name(s, x), solver_name(s, y));

	if (r)
		return r;
	r = solver_vercmp(s, solver_evr(s, x), solver_evr(s, y));
	return r ? r : x - y;
}

static void sort_ids(const struct pkg_solver *s, Queue *q)
{
	qsort_r(q->elements, (size_t)q->count, sizeof(Id), id_cmp, (void *)s);
}

static int glob_ok(const struct pkg_ctx *ctx, const char *glob,
		   const char *name)
{
	return !glob ||
	       fnmatch(glob, name, ctx->opt.nocase ? FNM_CASEFOLD : 0) == 0;
}

/* --strip-abi: "libncurses6" with ABIVersion 6 prints as "libncurses"
 * (opkg: only when the name is longer than and ends with the ABI). */
static const char *shown_name(const struct pkg_ctx *ctx, const char *name,
			      const char *abi, char *buf, size_t cap)
{
	size_t n = strlen(name), a = abi ? strlen(abi) : 0;

	if (!ctx->opt.strip_abi || !a || n <= a || strcmp(name + n - a, abi))
		return name;
	snprintf(buf, cap, "%.*s", (int)(n - a), name);
	return buf;
}

/* A field of an installed package's control text, malloc'd or NULL. */
static char *control_field(const struct db_pkg *p, const char *name)
{
	struct ctl_stanza st = { 0 };
	char *v = NULL;

	if (p->control &&
	    ctl_parse_one(p->control, strlen(p->control), &st) == 0 &&
	    ctl_get(&st, name))
		v = strdup(ctl_get(&st, name));
	ctl_stanza_release(&st);
	return v;
}

static void print_line(struct pkg_ctx *ctx, const char *name,
		       const char *ver, uint64_t size, const char *desc,
		       int *first)
{
	if (ctx->opt.json) {
		json_item(ctx->out, first);
		json_field(ctx->out, "", "name", name);
		json_field(ctx->out, ", ", "version", ver);
		if (desc)
			json_field(ctx->out, ", ", "description", desc);
		fputc('}', ctx->out);
		return;
	}
	fprintf(ctx->out, "%s - %s", name, ver);
	if (ctx->opt.size)
		fprintf(ctx->out, " - %llu", (unsigned long long)size);
	if (desc && *desc) {
		char *one = ctx->opt.short_desc ? desc_first_line(desc)
						: desc_one_line(desc);
		fprintf(ctx->out, " - %s", one ? one : desc);
		free(one);
	}
	fputc('\n', ctx->out);
}

static void json_end(struct pkg_ctx *ctx, int first)
{
	if (ctx->opt.json)
		json_array_end(ctx->out, first);
}

/* Is p the same name and version as q (the same package in two feeds,
 * printed once)? */
static int same_pkg(const struct pkg_solver *s, Id p, Id q)
{
	return !strcmp(solver_name(s, p), solver_name(s, q)) &&
	       !strcmp(solver_evr(s, p), solver_evr(s, q));
}

static int cmd_list(struct pkg_ctx *ctx, int argc, char **argv)
{
	Pool *pool = ctx->solv.pool;
	static const char *const desc_field[] = { "Description" };
	const char *glob = argc > 0 ? argv[0] : NULL;
	struct feed_fields *ff = NULL;
	Queue q;
	Id p;
	int first = 1, i, n, r;

	queue_init(&q);
	FOR_POOL_SOLVABLES(p)
	{
		Solvable *s = pool->solvables + p;
		if (s->repo == pool->installed)
			continue;
		if (glob_ok(ctx, glob, solver_name(&ctx->solv, p)))
			queue_push(&q, p);
	}
	sort_ids(&ctx->solv, &q);
	for (i = n = 0; i < q.count; i++)
		if (!n || !same_pkg(&ctx->solv, q.elements[i],
				    q.elements[n - 1]))
			q.elements[n++] = q.elements[i];
	r = feed_fields_open(ctx, q.elements, (size_t)n, desc_field, 1, &ff);
	for (i = 0; r == 0 && i < n; i++) {
		const char *const *v;
		char nb[256];
		p = q.elements[i];
		v = feed_fields_get(ff, p);
		print_line(ctx,
			   shown_name(ctx, solver_name(&ctx->solv, p),
				      solver_abiversion(&ctx->solv, p), nb,
				      sizeof(nb)),
			   solver_evr(&ctx->solv, p),
			   solver_size(&ctx->solv, p),
			   v ? v[0] : solver_description(&ctx->solv, p), &first);
	}
	if (r == 0)
		json_end(ctx, first);
	feed_fields_close(ff);
	queue_free(&q);
	return r;
}

const struct pkg_cmd cmd_list_desc = {
	"list", "[GLOB]", "list available packages",
	CMD_OPKG | CMD_FEEDS | CMD_LISTING, cmd_list
};

struct li_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int first;
};

static const char *origin_text(const struct db_pkg *p)
{
	if (!strcmp(p->state, "removed"))
		return "image, removed";
	if (!strcmp(p->origin, "rom"))
		return "image";
	if (p->rom_version)
		return "image, upgraded in overlay";
	return "overlay";
}

static int li_one(const struct db_pkg *p, void *ud)
{
	struct li_ctx *l = ud;
	struct pkg_ctx *ctx = l->ctx;

	if (!glob_ok(ctx, l->glob, p->name))
		return 0;
	if (!strcmp(p->state, "removed") && !ctx->opt.json)
		return 0;
	if (!ctx->opt.json) {
		char nb[256], *abi = NULL, *size = NULL;
		if (ctx->opt.strip_abi)
			abi = control_field(p, "ABIVersion");
		fprintf(ctx->out, "%s - %s",
			shown_name(ctx, p->name, abi, nb, sizeof(nb)),
			p->version);
		/* opkg: Size, which a status file does not carry: 0 */
		if (ctx->opt.size)
			fprintf(ctx->out, " - %s",
				(size = control_field(p, "Size")) ? size : "0");
		fputc('\n', ctx->out);
		free(abi);
		free(size);
		return 0;
	}
	json_item(ctx->out, &l->first);
	json_field(ctx->out, "", "name", p->name);
	json_field(ctx->out, ", ", "version", p->version);
	json_field(ctx->out, ", ", "origin", origin_text(p));
	fprintf(ctx->out, ", \"state\": \"%s\", \"user\": %s, \"hold\": %s}",
		p->state, p->user ? "true" : "false",
		p->hold ? "true" : "false");
	return 0;
}

static int cmd_list_installed(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct li_ctx l = { ctx, argc > 0 ? argv[0] : NULL, 1 };
	int r = db_pkg_each(ctx->db, li_one, &l);

	json_end(ctx, l.first);
	return r;
}

const struct pkg_cmd cmd_list_installed_desc = {
	"list-installed", "[GLOB]", "list installed packages",
	CMD_OPKG | CMD_DB | CMD_LISTING, cmd_list_installed
};

static int cmd_list_upgradable(struct pkg_ctx *ctx, int argc, char **argv)
{
	Pool *pool = ctx->solv.pool;
	Queue q;
	Solvable *sv;
	Id p;
	int i, first = 1;

	queue_init(&q);
	FOR_REPO_SOLVABLES(pool->installed, p, sv)
		queue_push(&q, p);
	sort_ids(&ctx->solv, &q);
	for (i = 0; i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		const char *v = solver_evr(&ctx->solv, q.elements[i]);
		Id best = solver_best_available(&ctx->solv, n);

		if (argc > 0 && !glob_ok(ctx, argv[0], n))
			continue;
		if (!best ||
		    solver_vercmp(&ctx->solv, solver_evr(&ctx->solv, best), v) <=
			    0)
			continue;
		if (ctx->opt.json) {
			json_item(ctx->out, &first);
			json_field(ctx->out, "", "name", n);
			json_field(ctx->out, ", ", "version", v);
			json_field(ctx->out, ", ", "available",
				   solver_evr(&ctx->solv, best));
			fputc('}', ctx->out);
		} else {
			fprintf(ctx->out, "%s - %s - %s\n", n, v,
				solver_evr(&ctx->solv, best));
		}
	}
	json_end(ctx, first);
	queue_free(&q);
	return 0;
}

const struct pkg_cmd cmd_list_upgradable_desc = {
	"list-upgradable", "[GLOB]", "list installed packages with a newer version",
	CMD_OPKG | CMD_DB | CMD_POOL | CMD_LISTING, cmd_list_upgradable
};
