/*
 * list [GLOB]: what the feeds offer, "name - version - description" as
 * opkg prints it, or --json.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

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
		if (cmd_glob_ok(ctx, glob, solver_name(&ctx->solv, p)))
			queue_push(&q, p);
	}
	cmd_sort_ids(&ctx->solv, &q);
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
			   cmd_shown_name(ctx, solver_name(&ctx->solv, p),
				      solver_abiversion(&ctx->solv, p), nb,
				      sizeof(nb)),
			   solver_evr(&ctx->solv, p),
			   solver_size(&ctx->solv, p),
			   v ? v[0] : solver_description(&ctx->solv, p), &first);
	}
	if (r == 0)
		cmd_json_end(ctx, first);
	feed_fields_close(ff);
	queue_free(&q);
	return r;
}

const struct pkg_cmd cmd_list_desc = {
	"list", "[GLOB]", "list available packages",
	CMD_OPKG | CMD_FEEDS | CMD_LISTING, cmd_list
};
