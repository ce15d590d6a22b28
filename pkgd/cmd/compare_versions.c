/*
 * compare-versions V1 OP V2, in the solver's version order.
 */
#include <errno.h>
#include <string.h>

#include "cmd/cmd.h"

/* compare-versions V1 OP V2: exit 0 when the relation holds, else 1.
 * Bare '<' and '>' mean <= and >= as in opkg; opkg knows no other
 * spelling ("==", "lt"...): it says "Unknown operator" and answers
 * false (exit 1). */
static int cmd_compare_versions(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct pkg_solver solv;
	int c, r;
	const char *op;

	/* opkg: no argument is a usage error (exit 1), a wrong count a
	 * failure of the command (exit 255) */
	if (argc != 3)
		return pkg_error_plain(argc ? -EINVAL : -PKGE_USAGE,
				       "compare-versions V1 OP V2 "
				       "(OP: << <= = >= >>)");
	/* The solver's order is the one installs use: compare with it. */
	r = solver_init(&solv, NULL, NULL, 0);
	if (r < 0)
		return r;
	c = solver_vercmp(&solv, argv[0], argv[2]);
	solver_release(&solv);
	op = argv[1];
	if (!strcmp(op, "<<"))
		return c < 0 ? 0 : 1;
	if (!strcmp(op, "<=") || !strcmp(op, "<"))
		return c <= 0 ? 0 : 1;
	if (!strcmp(op, "="))
		return c == 0 ? 0 : 1;
	if (!strcmp(op, ">=") || !strcmp(op, ">"))
		return c >= 0 ? 0 : 1;
	if (!strcmp(op, ">>"))
		return c > 0 ? 0 : 1;
	return pkg_error_plain(-PKGE_USAGE, "Unknown operator: %s.", op);
}

const struct pkg_cmd cmd_compare_versions_desc = {
	"compare-versions", "V1 OP V2", "compare versions (exit 0 if true)",
	CMD_OPKG | CMD_NOROOT, cmd_compare_versions
};
