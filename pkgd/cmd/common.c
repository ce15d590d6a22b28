/*
 * Helpers several commands share: the order and the names of listings
 * (globs: pkg_glob_match in core/util.c).
 */
#include <ctype.h>
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

static int name_or_glob_ok(const char *s)
{
	static const char glob[] = "*?[]!^";
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._*?[]!^");

	return *s && !s[n] && n <= CTL_NAME_MAX &&
	       (isalnum((unsigned char)*s) || strchr(glob, *s));
}

static int archive_word(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') ||
	       (n > 4 && (!strcmp(s + n - 4, ".ipk") ||
			  !strcmp(s + n - 4, ".opk") ||
			  !strcmp(s + n - 4, ".deb")));
}

/* NAME=VERSION, NAME>=VERSION... (install's constraints). */
static int constrained_ok(const char *s)
{
	size_t n = strcspn(s, "<>=");
	char name[CTL_NAME_MAX + 1];
	const char *v = s + n;

	if (!*v || n > CTL_NAME_MAX)
		return 0;
	memcpy(name, s, n);
	name[n] = '\0';
	v += strspn(v, "<>=");
	return v - (s + n) <= 2 && name_or_glob_ok(name) && ctl_version_ok(v);
}

int cmd_check_names(const struct pkg_cmd *cmd, int argc, char **argv)
{
	int i = cmd->flags & CMD_NAMES1 ? 1 : 0;

	if (!(cmd->flags & (CMD_NAMES | CMD_NAMES1)))
		return 0;
	for (; i < argc; i++) {
		if ((cmd->flags & CMD_FILES) &&
		    (archive_word(argv[i]) || constrained_ok(argv[i])))
			continue;
		if (!name_or_glob_ok(argv[i]))
			return pkg_error_plain(-PKGE_USAGE,
					       "invalid package name '%.64s'",
					       ctl_line_ok(argv[i]) ? argv[i]
								    : "?");
	}
	return 0;
}
