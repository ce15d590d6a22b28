/*
 * Are opkg's status and info files in line with the database? pkg writes
 * them from the database after every change (statefiles.c), so once it
 * has, a query that shows only the installed state (list-installed,
 * status, files, search, list-changed-conffiles) may read them as it does
 * on a root with no database, and not map SQLite's code and the
 * database's pages: 0.8 MB of a 3.3 MB peak on a 270-package router.
 *
 * The mark, PKG_DIR/OPKG_SYNCED_NAME, holds the identities of what the
 * answer depends on, taken when pkg last knew the files in line:
 *
 *   db INO SIZE COUNTER          the file change counter of SQLite's
 *                                header: every commit changes it, and a
 *                                rollback restores it with the pages
 *   status INO SIZE MTIME CTIME  opkg's status file (a rewrite is a new
 *   info INO SIZE MTIME CTIME    inode), its info directory (an entry
 *   image INO SIZE MTIME CTIME   added or renamed) and the image's status
 *                                (a new firmware)
 *
 * and a query reads opkg's files only when all of them are still what the
 * file says, compared as text: nothing in it is parsed. Any other change
 * (a transaction, even one cut off before its state files were written,
 * opkg-lede or an editor at the status file, a new image) makes them
 * differ, and the database is read, as before. No writer removes the
 * file first: a commit that changes the database changes the counter.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

#define SYNCED_MAX 512
#define SQLITE_COUNTER_AT 24 /* the header's file change counter */

struct synced {
	char s[SYNCED_MAX];
	size_t len;
};

static void add_line(struct synced *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_line(struct synced *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, ap);
	va_end(ap);
	/* too long (it cannot be): the text stays short, and no file the
	 * next run reads can hold it */
	b->len = n < 0 || (size_t)n >= sizeof(b->s) - b->len ? sizeof(b->s)
							     : b->len + (size_t)n;
}

static void add_stat(struct synced *b, const char *what, int r,
		     const struct stat *st)
{
	if (r < 0) {
		add_line(b, "%s -\n", what);
		return;
	}
	add_line(b, "%s %llu %lld %lld.%09ld %lld.%09ld\n", what,
		 (unsigned long long)st->st_ino, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		 (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* Where pkg's writes land: a live root's upper directory (an overlay's
 * own inode numbers may change from mount to mount), else TREE_WRITE. */
static enum tree_layer synced_layer(const struct pkg_ctx *ctx)
{
	return ctx->rf.mode == ROOTFS_LIVE && ctx->rf.upper_fd >= 0 ? TREE_UPPER
								 : TREE_WRITE;
}

/* The line of path (resolved in the root, looked at in that layer). */
static void add_path(struct pkg_ctx *ctx, struct synced *b, const char *what,
		     const char *path)
{
	struct stat st;
	char *res = NULL;
	int r = ctx_resolve(ctx, path, &res);

	if (r == 0)
		r = tree_lstat(&ctx->rf, synced_layer(ctx), res, &st);
	free(res);
	add_stat(b, what, r, &st);
}

/* The database's line: its inode, size and change counter. */
static int add_db(struct pkg_ctx *ctx, struct synced *b)
{
	unsigned char c[4];
	struct stat st;
	char *res = NULL;
	int fd, r = ctx_resolve(ctx, PKG_DB_FILE, &res);

	fd = r < 0 ? r
		   : tree_open(&ctx->rf, synced_layer(ctx), res,
			       O_RDONLY | O_CLOEXEC, 0);
	free(res);
	if (fd < 0)
		return fd;
	r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && pread(fd, c, sizeof(c), SQLITE_COUNTER_AT) != sizeof(c))
		r = -EIO; /* no header yet: not a database to vouch for */
	close(fd);
	if (r == 0)
		add_line(b, "db %llu %lld %lu\n", (unsigned long long)st.st_ino,
			 (long long)st.st_size,
			 (unsigned long)c[0] << 24 | (unsigned long)c[1] << 16 |
				 (unsigned long)c[2] << 8 | c[3]);
	return r;
}

/* The mark's path: its directory resolved as the database's is, the mark
 * itself never followed (a link there, a package's, is not pkg's mark:
 * it is read as nothing, replaced or removed, never written through). */
static char *synced_rel(struct pkg_ctx *ctx)
{
	char *dir = NULL, *rel = NULL;

	if (ctx_resolve(ctx, PKG_DIR, &dir) == 0 &&
	    asprintf(&rel, "%s/%s", dir, OPKG_SYNCED_NAME) < 0)
		rel = NULL;
	free(dir);
	return rel;
}

/* What the mark must hold for the files as they are now. */
static int synced_text(struct pkg_ctx *ctx, struct synced *b)
{
	struct stat st;
	int r;

	b->len = 0;
	if ((r = add_db(ctx, b)) < 0)
		return r;
	add_path(ctx, b, "status", ctx->conf.status_file);
	add_path(ctx, b, "info", ctx->conf.info_dir);
	if (ctx->rf.rom)
		add_stat(b, "image", rom_status_stat(ctx, &st), &st);
	return b->len < sizeof(b->s) ? 0 : -E2BIG;
}

int opkg_synced(struct pkg_ctx *ctx)
{
	struct synced now;
	char *text = NULL, *rel = synced_rel(ctx);
	size_t len = 0;
	int same = rel && synced_text(ctx, &now) == 0 &&
		   tree_read_file(&ctx->rf, TREE_WRITE, rel, SYNCED_MAX, &text,
				  &len) == 0 &&
		   len == now.len && !memcmp(text, now.s, len);

	free(text);
	free(rel);
	return same;
}

void opkg_synced_mark(struct pkg_ctx *ctx)
{
	struct synced now;
	char *state = NULL, *res = NULL;
	int fd;

	if (!ctx->db || ctx->db_readonly || db_in_memory(ctx->db))
		return;
	if (!(res = synced_rel(ctx)))
		return;
	if (!ctx->opkg_in_line) {
		/* nothing vouches for the files now, not even a file an
		 * earlier run left that still matches */
		tree_unlink(&ctx->rf, TREE_WRITE, res);
		free(res);
		return;
	}
	/* No transaction left (a failed postinst's is done: its state is in
	 * the files). Written in place, not synced: a file lost or cut short
	 * by a crash or a power cut matches nothing, and the database is
	 * read; no temporary file is left to clean. A new file each time:
	 * the name's old inode (another's link, a hard link a package made)
	 * is never written. */
	if (db_meta_get(ctx->db, META_TX_STATE, &state) == 0 && !state &&
	    synced_text(ctx, &now) == 0) {
		tree_unlink(&ctx->rf, TREE_WRITE, res);
		fd = tree_open(&ctx->rf, TREE_WRITE, res,
			       O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd >= 0) {
			/* a part written (ENOSPC) is shorter: it matches
			 * nothing */
			fsop_write(fd, now.s, now.len);
			fsop_close(fd);
		}
	}
	free(res);
	free(state);
}
