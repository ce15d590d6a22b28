/*
 * Helpers several commands share: the order and the names of listings
 * (globs: pkg_glob_match in core/util.c).
 */
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

/* Sort package ids by name, then version (then id: a stable order). */
void cmd_sort_ids(const struct pkg_solver *s, Queue *q)
{
	qsort_r(q->elements, (size_t)q->count, sizeof(Id), id_cmp, (void *)s);
}

/* --strip-abi: "libncurses6" with ABIVersion 6 prints as "libncurses"
 * (opkg: only when the name is longer than and ends with the ABI). */
const char *cmd_shown_name(const struct pkg_ctx *ctx, const char *name,
			   const char *abi, char *buf, size_t cap)
{
	size_t n = strlen(name), a = abi ? strlen(abi) : 0;

	if (!ctx->opt.strip_abi || !a || n <= a || strcmp(name + n - a, abi))
		return name;
	snprintf(buf, cap, "%.*s", (int)(n - a), name);
	return buf;
}

/* Close a --json listing (json_array_end), nothing without --json. */
void cmd_json_end(struct pkg_ctx *ctx, int first)
{
	if (ctx->opt.json)
		json_array_end(ctx->out, first);
}
