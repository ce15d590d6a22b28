/*
 * find GLOB: packages whose name or description matches.
 */
#include <fnmatch.h>
#include <stdlib.h>

#include "cmd/cmd.h"

/* find's matches among repo's packages, the descriptions read from its
 * list in one pass (a repo at a time: the reader's tables stay the size
 * of one feed). */
static int find_in_repo(struct pkg_ctx *ctx, Repo *repo, const char *pat,
			int *first)
{
	static const char *const desc_field[] = { "Description" };
	int flags = ctx->opt.nocase ? FNM_CASEFOLD : 0, r;
	struct feed_fields *ff = NULL;
	Solvable *sv;
	Queue q;
	Id p;

	queue_init(&q);
	FOR_REPO_SOLVABLES(repo, p, sv)
		queue_push(&q, p);
	r = feed_fields_open(ctx, q.elements, (size_t)q.count, desc_field, 1,
			     &ff);
	for (int i = 0; r == 0 && i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		const char *const *v = feed_fields_get(ff, q.elements[i]);
		const char *d = v ? v[0] :
			solver_description(&ctx->solv, q.elements[i]);
		char *one;

		if (fnmatch(pat, n, flags) && (!d || fnmatch(pat, d, flags)))
			continue;
		if (ctx->opt.json) {
			json_item(ctx->out, first);
			json_field(ctx->out, "", "name", n);
			json_field(ctx->out, ", ", "version",
				   solver_evr(&ctx->solv, q.elements[i]));
			if (d)
				json_field(ctx->out, ", ", "description", d);
			fputc('}', ctx->out);
			continue;
		}
		one = desc_one_line(d);
		fprintf(ctx->out, "%s - %s%s%s\n", n,
			solver_evr(&ctx->solv, q.elements[i]),
			one && *one ? " - " : "", one ? one : "");
		free(one);
	}
	feed_fields_close(ff);
	queue_free(&q);
	return r;
}

static int cmd_find_run(struct pkg_ctx *ctx, int argc, char **argv)
{
	Pool *pool = ctx->solv.pool;
	Repo *repo;
	int i, r = 0, first = 1;

	if (argc < 1)
		return pkg_error_plain(-PKGE_USAGE, "find: give a pattern");
	FOR_REPOS(i, repo)
		if (r == 0)
			r = find_in_repo(ctx, repo, argv[0], &first);
	if (r == 0 && ctx->opt.json)
		json_array_end(ctx->out, first);
	return r;
}

const struct pkg_cmd cmd_find_desc = {
	"find", "GLOB", "find packages by name or description",
	CMD_OPKG | CMD_DB | CMD_POOL | CMD_LISTING, cmd_find_run
};
