/*
 * Who owns what when packages come and go: the decisions the stage
 * (stage.c) asks about a path, kept apart from its path handling, and
 * what opkg says about them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tx/tx.h"

int owners_conffile_kept(struct run *rn, const char *pkg, const char *path)
{
	struct pkg_ctx *ctx = rn->ctx;
	size_t i;
	char *n = NULL;

	for (i = 0; i < rn->tx->n; i++) {
		struct tx_item *it = &rn->tx->items[i];
		if (it->type != STEP_REMOVE || strcmp(it->name, pkg))
			continue;
		/* opkg names it under the offline root as given ("-o DIR":
		 * DIR/etc/x; on a device /etc/x) */
		if (asprintf(&n, "%sNot deleting modified conffile %s/%s.\n",
			     it->notes ? it->notes : "",
			     ctx->offline && ctx->opt.root ? ctx->opt.root : "",
			     path) < 0)
			return -ENOMEM;
		free(it->notes);
		it->notes = n;
		return 0;
	}
	return 0;
}
