/*
 * verify [GLOB] (Yocto's opkg): the installed files of packages against
 * the hashes recorded at install time.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "cmd/cmd.h"

struct verify_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int bad;
};

static int verify_file(const struct db_file *f, void *ud)
{
	struct verify_ctx *v = ud;
	char hex[SHA256_HEX_SIZE];
	const char *what = NULL;
	struct stat st;

	if (f->type != 'f' || f->conffile || !f->sha256 || !*f->sha256 ||
	    !pkg_glob_match(v->ctx, v->glob, f->package) ||
	    !db_pkg_installed(v->ctx->db, f->package))
		return 0;
	if (ctx_lookup(v->ctx, f->path, &st, NULL, NULL, NULL) < 0)
		what = "missing";
	else if (ctx_sha256(v->ctx, f->path, hex) < 0 ||
		 strcmp(hex, f->sha256))
		what = "changed";
	if (!what)
		return 0;
	fprintf(v->ctx->out, "%s: /%s %s\n", f->package, f->path, what);
	v->bad = 1;
	return 0;
}

/* verify [GLOB]: one line "PKG: /path missing|changed" per file that no
 * longer matches; conffiles are list-changed-conffiles' business. Fails
 * when a file does not match. */
static int cmd_verify(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct verify_ctx v = { ctx, argc > 0 ? argv[0] : NULL, 0 };
	int r = db_file_each(ctx->db, NULL, verify_file, &v);

	if (r == 0 && v.bad)
		r = pkg_error_plain(-PKGE_CHECKSUM,
				    "some installed files do not match their "
				    "packages");
	return r;
}

const struct pkg_cmd cmd_verify_desc = {
	"verify", "[GLOB]", "check installed files against their packages",
	CMD_OPKG | CMD_DB, cmd_verify
};
