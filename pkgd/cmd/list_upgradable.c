/*
 * list-upgradable: installed packages with a newer version in the feeds,
 * "name - installed - candidate", sorted by name.
 */
#include "cmd/cmd.h"

static int cmd_list_upgradable(struct pkg_ctx *ctx, int argc, char **argv)
{
	Queue q;
	int i, first = 1;

	queue_init(&q);
	solver_installed_ids(&ctx->solv, &q);
	cmd_sort_ids(&ctx->solv, &q);
	for (i = 0; i < q.count; i++) {
		const char *n = solver_name(&ctx->solv, q.elements[i]);
		const char *v = solver_evr(&ctx->solv, q.elements[i]);
		Id best = solver_best_available(&ctx->solv, n);

		if (argc > 0 && !pkg_glob_match(ctx, argv[0], n))
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
	cmd_json_end(ctx, first);
	queue_free(&q);
	return 0;
}

const struct pkg_cmd cmd_list_upgradable_desc = {
	"list-upgradable", "[GLOB]", "list installed packages with a newer version",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_POOL | CMD_LISTING | CMD_NAMES,
	cmd_list_upgradable
};
