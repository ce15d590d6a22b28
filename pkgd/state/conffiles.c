/*
 * Conffile states from the database: a conffile the merged view takes
 * from the image is the image's own and needs no hashing; only overlay
 * copies are hashed, against the hash recorded when they were installed
 * (md5 or sha256, as opkg's status recorded it) and against the image's
 * current file (which moves when a new image is flashed).
 * Used by list-changed-conffiles (sysupgrade) and status --conffiles.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

static const char *const conf_names[] = {
	"unchanged", "changed here", "changed in the image",
	"changed here and in the image", "missing"
};

const char *conffile_state_name(enum conf_state s)
{
	return conf_names[s];
}

enum conf_state conffile_state(struct pkg_ctx *ctx, const struct db_file *f)
{
	const char *base = f->conf_sha256;
	struct rom_file rf;
	enum origin o;
	struct stat st;
	char hex[SHA256_HEX_SIZE], *res = NULL;
	int here, image = 0, r, fd = -1;

	r = ctx_lookup(ctx, f->path, &st, &o, NULL, &res);
	if (r == 0 && (o == ORIGIN_ROM || !base || !*base)) {
		free(res);
		return CONF_UNCHANGED;
	}
	if (r == 0)
		fd = rootfs_open_read(&ctx->rf, res, NULL);
	free(res);
	if (fd < 0)
		return CONF_MISSING;
	r = strlen(base) == 32 ? rootfs_md5_fd(fd, hex)
			       : rootfs_sha256_fd(fd, hex);
	close(fd);
	if (r < 0)
		return CONF_MISSING;
	here = strcmp(hex, base) != 0;
	/* no database (opkg's status read straight): no image tables */
	if (ctx->db && ctx->rf.rom && strlen(base) == 64 &&
	    rom_file_get(ctx, f->path, &rf) == 0) {
		image = rf.sha256 && strcmp(rf.sha256, base) != 0;
		rom_file_release(&rf);
	}
	return here && image ? CONF_BOTH
	       : here	     ? CONF_CHANGED_HERE
	       : image	     ? CONF_CHANGED_IMAGE
			     : CONF_UNCHANGED;
}

struct conf_list {
	struct pkg_ctx *ctx;
	const char *glob;
	int first;
};

static int conf_status_one(const struct db_file *f, void *ud)
{
	struct conf_list *cl = ud;
	FILE *out = cl->ctx->out;
	enum conf_state s;

	if (!f->conffile || !pkg_glob_match(cl->ctx, cl->glob, f->package))
		return 0;
	s = conffile_state(cl->ctx, f);
	if (!cl->ctx->opt.json) {
		fprintf(out, "/%s\t%s\t%s\n", f->path, f->package,
			conffile_state_name(s));
		return 0;
	}
	fprintf(out, "%s\n  {\"path\": ", cl->first ? "" : ",");
	cl->first = 0;
	json_str(out, f->path);
	fprintf(out, ", \"package\": ");
	json_str(out, f->package);
	fprintf(out, ", \"state\": \"%s\"}", conffile_state_name(s));
	return 0;
}

int conffiles_status(struct pkg_ctx *ctx, const char *glob)
{
	struct conf_list cl = { ctx, glob, 1 };
	int r;

	if (ctx->opt.json)
		fprintf(ctx->out, "[");
	r = db_file_each(ctx->db, NULL, conf_status_one, &cl);
	if (ctx->opt.json)
		fprintf(ctx->out, "\n]\n");
	return r;
}
