/*
 * pkg reclaim [--dry-run]: delete overlay copies that are byte-identical
 * to the image's file (a config edited and edited back, a file an upgrade
 * copied and a restore did not need). The merged view does not change;
 * the overlay gets the space back. A copy that differs in content, mode,
 * owner or type is never touched, nor one under an opaque directory (the
 * image's file is hidden there).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"

struct reclaim {
	struct pkg_ctx *ctx;
	struct tx_ops ops;
	uint64_t bytes;
	size_t files;
	int r;
};

static int same_as_image(struct reclaim *rc, const char *rel,
			 const struct stat *su)
{
	const struct rootfs *rf = &rc->ctx->rf;
	char hu[SHA256_HEX_SIZE], hi[SHA256_HEX_SIZE], tu[4096], ti[4096];
	struct rom_file romf;
	struct stat si;
	int same = 0;

	if (tree_lstat(rf, TREE_ROM, rel, &si) < 0 ||
	    (si.st_mode & S_IFMT) != (su->st_mode & S_IFMT) ||
	    si.st_uid != su->st_uid || si.st_gid != su->st_gid ||
	    (si.st_mode & 07777) != (su->st_mode & 07777))
		return 0;
	if (S_ISLNK(si.st_mode)) {
		same = tree_readlink(rf, TREE_UPPER, rel, tu, sizeof(tu)) >= 0 &&
		       tree_readlink(rf, TREE_ROM, rel, ti, sizeof(ti)) >= 0 &&
		       !strcmp(tu, ti);
	} else if (S_ISREG(si.st_mode) && si.st_size == su->st_size &&
		   tree_sha256(rf, TREE_UPPER, rel, hu) == 0) {
		if (rom_file_get(rc->ctx, rel, &romf) == 0 && romf.sha256) {
			same = !strcmp(romf.sha256, hu);
		} else {
			same = tree_sha256(rf, TREE_ROM, rel, hi) == 0 &&
			       !strcmp(hi, hu);
		}
		rom_file_release(&romf);
	}
	return same;
}

static void walk(struct reclaim *rc, const char *rel);

static void visit(struct reclaim *rc, const char *rel)
{
	char *bak = NULL;
	struct stat st;

	/* pkg's and opkg's own state lives in the overlay by design */
	if (tree_lstat(&rc->ctx->rf, TREE_UPPER, rel, &st) < 0 ||
	    ctx_state_path(rc->ctx, rel, 0))
		return;
	if (S_ISDIR(st.st_mode)) {
		if (!rootfs_is_opaque(&rc->ctx->rf, rel))
			walk(rc, rel);
	} else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
		   !strstr(rel, ".pkg-bak~") &&
		   same_as_image(rc, rel, &st)) {
		ctx_note(rc->ctx, 1, "%s /%s (%llu bytes)\n",
			 rc->ctx->opt.dry_run ? "Would reclaim" : "Reclaiming",
			 rel, (unsigned long long)st.st_size);
		rc->bytes += (uint64_t)st.st_size;
		rc->files++;
		if (asprintf(&bak, "%s.pkg-bak~", rel) < 0 ||
		    tx_ops_add(&rc->ops, JOP_UNCOVER, rel, NULL, bak, 0) < 0)
			rc->r = -ENOMEM;
		free(bak);
	}
}

static void walk(struct reclaim *rc, const char *rel)
{
	char **names = NULL, *child;
	size_t n = 0, i;

	tree_list_dir(&rc->ctx->rf, TREE_UPPER, rel, &names, &n);
	for (i = 0; i < n; i++) {
		if (rc->r == 0 && asprintf(&child, "%s%s%s", rel,
					   *rel ? "/" : "", names[i]) >= 0) {
			visit(rc, child);
			free(child);
		}
		free(names[i]);
	}
	free(names);
}

static int cmd_reclaim(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct reclaim rc = { .ctx = ctx };
	int r;

	if (ctx->rf.mode == ROOTFS_PLAIN || !ctx->rf.rom)
		return pkg_error_plain(-PKGE_USAGE,
				       "cannot reclaim: '%s' has no image and "
				       "overlay", ctx->rf.root);
	walk(&rc, "");
	r = rc.r;
	if (r == 0 && rc.files && !ctx->opt.dry_run && !ctx->opt.noaction)
		r = rom_ops_commit(ctx, &rc.ops, NULL);
	if (r == 0)
		fprintf(ctx->out, "%s %llu bytes in %zu file%s.\n",
			ctx->opt.dry_run || ctx->opt.noaction ? "Would free"
							      : "Freed",
			(unsigned long long)rc.bytes, rc.files,
			rc.files == 1 ? "" : "s");
	tx_ops_release(&rc.ops);
	return r;
}

const struct pkg_cmd cmd_reclaim_desc = {
	"reclaim", "[--dry-run]",
	"delete overlay copies identical to the image's files",
	CMD_WRITE | CMD_DB, cmd_reclaim
};
