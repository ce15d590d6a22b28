/*
 * Keeping the image database in step with the image. When the fingerprint
 * changes (first run, or a new image after sysupgrade), the rom_* tables
 * are rebuilt and the packages table reconciled in one SQLite transaction:
 * image packages take their new versions, packages that left the image
 * lose their image origin, and what the user did is kept (packages
 * installed in the overlay, image packages removed, edited conffiles).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state/state.h"

struct sync {
	struct pkg_ctx *ctx;
	sqlite3_stmt *ins_pkg, *ins_file;
	size_t npkgs, nfiles;
};

static int on_pkg(const char *name, const char *version, const char *arch,
		  const char *control, void *ud)
{
	struct sync *s = ud;
	sqlite3_stmt *st = s->ins_pkg;
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
	if (arch)
		sqlite3_bind_text(st, 3, arch, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, control, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	s->npkgs++;
	return rc == SQLITE_DONE ? 0 : -PKGE_DB;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static int on_file(const struct rom_entry *e, void *ud)
{
	struct sync *s = ud;
	sqlite3_stmt *st = s->ins_file;
	char type[2] = { e->type, 0 };
	int rc;

	sqlite3_bind_text(st, 1, e->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->package, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, (int)e->mode);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)e->size);
	bind_opt(st, 6, e->sha256);
	bind_opt(st, 7, e->target);
	sqlite3_bind_int(st, 8, e->conffile);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	s->nfiles++;
	return rc == SQLITE_DONE ? 0 : -PKGE_DB;
}

static int rebuild_tables(struct sync *s)
{
	struct pkg_ctx *ctx = s->ctx;
	int r = db_exec(ctx->db, "DELETE FROM rom_packages;"
				 "DELETE FROM rom_files;");

	if (r == 0 &&
	    (sqlite3_prepare_v2(ctx->db,
				"INSERT OR REPLACE INTO rom_packages"
				"(name,version,arch,control) VALUES(?,?,?,?)",
				-1, &s->ins_pkg, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(ctx->db,
				"INSERT OR IGNORE INTO rom_files(path,package,"
				"type,mode,size,sha256,target,conffile) "
				"VALUES(?,?,?,?,?,?,?,?)",
				-1, &s->ins_file, NULL) != SQLITE_OK))
		r = pkg_error_plain(-PKGE_DB, "database: %s",
				    sqlite3_errmsg(ctx->db));
	if (r == 0)
		r = rom_scan(ctx, TREE_ROM, on_pkg, on_file, s);
	sqlite3_finalize(s->ins_pkg);
	sqlite3_finalize(s->ins_file);
	return r;
}

/* One SQL statement with one text parameter. */
static int exec1(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(db));
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(db));
	return 0;
}

int rom_record_files(struct pkg_ctx *ctx, const char *name)
{
	static const char *const members[] = {
		"conffiles", "preinst", "postinst", "prerm", "postrm",
		"postinst-pkg", "prerm-pkg"
	};
	size_t i;
	int r = db_files_delete(ctx->db, name);

	if (r == 0)
		r = exec1(ctx->db,
			  "INSERT OR REPLACE INTO files(path,package,type,mode,"
			  "size,sha256,target,conffile,conf_sha256,origin) "
			  "SELECT path,package,type,mode,size,NULL,target,"
			  "conffile,CASE WHEN conffile THEN sha256 END,'rom' "
			  "FROM rom_files WHERE package=?",
			  name);
	if (r == 0)
		r = db_scripts_delete(ctx->db, name);
	for (i = 0; r == 0 && i < sizeof(members) / sizeof(*members); i++) {
		char rel[1024], *p = NULL, *body = NULL;
		size_t len = 0;

		snprintf(rel, sizeof(rel), "%s/%s.%s", ctx->conf.info_dir,
			 name, members[i]);
		if (path_normalise(rel, &p) == 0 && path_is_canonical(p) &&
		    tree_read_file(&ctx->rf, TREE_ROM, p, 0, &body, &len) == 0)
			r = db_script_put(ctx->db, name, members[i], body, len);
		free(p);
		free(body);
	}
	return r;
}

/* An image package the database does not have, or at another version. */
static int take_rom_pkg(struct pkg_ctx *ctx, const char *name,
			const char *version, const char *arch,
			const char *control)
{
	struct db_pkg p = { 0 }, old;
	int had = db_pkg_get(ctx->db, name, &old) == 0, r;

	if (had && strcmp(old.origin, "rom") && !strcmp(old.state, "installed")) {
		/* Installed in the overlay: the image now has a version too. */
		free(old.rom_version);
		old.rom_version = strdup(version);
		r = db_pkg_put(ctx->db, &old);
		db_pkg_release(&old);
		return r;
	}
	p.name = (char *)name;
	p.version = (char *)version;
	p.arch = (char *)arch;
	p.origin = "rom";
	p.state = had ? old.state : "installed";
	p.user = had && old.user;
	p.hold = had && old.hold;
	p.noprune = had && old.noprune;
	p.installed_time = had ? old.installed_time : (int64_t)time(NULL);
	p.control = (char *)control;
	p.rom_version = (char *)version;
	r = db_pkg_put(ctx->db, &p);
	if (r == 0)
		r = rom_record_files(ctx, name);
	if (had)
		db_pkg_release(&old);
	return r;
}

/* Every image package: new ones and new versions come in. */
static int reconcile_rom(struct pkg_ctx *ctx, int *changed)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT r.name,r.version,r.arch,r.control FROM "
			       "rom_packages r LEFT JOIN packages p ON "
			       "p.name=r.name WHERE p.name IS NULL OR "
			       "p.rom_version IS NULL OR p.rom_version!=r.version",
			       -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(ctx->db));
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		r = take_rom_pkg(ctx, (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1),
				 (const char *)sqlite3_column_text(st, 2),
				 (const char *)sqlite3_column_text(st, 3));
		(*changed)++;
	}
	sqlite3_finalize(st);
	return r;
}

/* An image package the user had removed and the new image lacks: a
 * later install downloads it; say so now. */
static void say_gone(struct pkg_ctx *ctx)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT name FROM packages WHERE name IN (SELECT "
			       "n FROM gone) AND state='removed'",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		ctx_note(ctx, 1, "%s is no longer in the image: installing it "
				 "again will download it from the feeds.\n",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Packages that left the image: image copies vanish with it, overlay
 * installs stay as plain overlay packages. */
static int reconcile_gone(struct pkg_ctx *ctx, int *changed)
{
	int r = db_exec(ctx->db, "CREATE TEMP TABLE IF NOT EXISTS gone(n);"
				 "DELETE FROM gone;");

	if (r == 0)
		r = exec1(ctx->db,
			  "INSERT INTO gone SELECT name FROM packages WHERE "
			  "rom_version IS NOT NULL AND name NOT IN "
			  "(SELECT name FROM rom_packages)",
			  NULL);
	*changed += sqlite3_changes(ctx->db);
	if (r == 0)
		say_gone(ctx);
	if (r == 0)
		r = db_exec(ctx->db,
			    "DELETE FROM files WHERE package IN (SELECT n FROM "
			    "gone) AND package IN (SELECT name FROM packages "
			    "WHERE origin='rom' OR state!='installed');");
	if (r == 0)
		r = db_exec(ctx->db,
			    "DELETE FROM scripts WHERE package IN (SELECT n FROM "
			    "gone) AND package IN (SELECT name FROM packages "
			    "WHERE origin='rom' OR state!='installed');"
			    "DELETE FROM packages WHERE name IN (SELECT n FROM "
			    "gone) AND (origin='rom' OR state!='installed');"
			    "UPDATE packages SET rom_version=NULL WHERE name IN "
			    "(SELECT n FROM gone);");
	return r;
}

/* Conffiles the user edited in the overlay keep the hash they were
 * copied from, so that "changed in the image" can be told later. */
static int keep_conf_bases(struct pkg_ctx *ctx)
{
	return db_exec(ctx->db,
		       "CREATE TEMP TABLE IF NOT EXISTS confbase(p,path,h);"
		       "DELETE FROM confbase;"
		       "INSERT INTO confbase SELECT package,path,conf_sha256 "
		       "FROM files WHERE conffile=1 AND conf_sha256 IS NOT "
		       "NULL;");
}

static int restore_conf_bases(struct pkg_ctx *ctx)
{
	return db_exec(ctx->db,
		       "UPDATE files SET conf_sha256=(SELECT h FROM confbase c "
		       "WHERE c.p=files.package AND c.path=files.path) WHERE "
		       "conffile=1 AND origin='rom' AND EXISTS(SELECT 1 FROM "
		       "confbase c WHERE c.p=files.package AND "
		       "c.path=files.path);");
}

static int sync_locked(struct pkg_ctx *ctx, const char *fp, int *changed)
{
	struct sync s = { .ctx = ctx };
	char quick[ROM_QUICK_SIZE];
	int r = db_begin(ctx->db);

	if (r == 0)
		r = keep_conf_bases(ctx);
	if (r == 0)
		r = db_image_keep_controls(ctx->db);
	if (r == 0)
		r = rebuild_tables(&s);
	if (r == 0)
		r = reconcile_gone(ctx, changed);
	if (r == 0)
		r = reconcile_rom(ctx, changed);
	if (r == 0)
		r = restore_conf_bases(ctx);
	/* What the image holds is stored once (rows imported from opkg's
	 * status carry no hash: they read the image's). */
	if (r == 0)
		r = db_image_dedupe(ctx->db);
	if (r == 0)
		r = db_meta_set(ctx->db, META_ROM_FINGERPRINT, fp);
	if (r == 0)
		r = db_meta_set(ctx->db, META_ROM_QUICK,
				rom_quick_id(ctx, quick) == 0 ? quick : "none");
	if (r == 0)
		r = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	/* The copies just dropped leave holes in pages the file keeps:
	 * give them back to the overlay (best effort: it needs room for a
	 * second copy, and a full overlay is no reason to fail). */
	if (r == 0)
		sqlite3_exec(ctx->db, "VACUUM", NULL, NULL, NULL);
	if (r == 0)
		ctx_note(ctx, 2, "Image database: %zu packages, %zu files.\n",
			 s.npkgs, s.nfiles);
	return r;
}

/* Is the image the one the tables were built from, by its quick id (no
 * SHA-256)? Then fp is the fingerprint stored. */
static int rom_same_quick(struct pkg_ctx *ctx, char fp[SHA256_HEX_SIZE])
{
	char quick[ROM_QUICK_SIZE], *oldq = NULL, *old = NULL;
	int same = rom_quick_id(ctx, quick) == 0 &&
		   db_meta_get(ctx->db, META_ROM_QUICK, &oldq) == 0 && oldq &&
		   !strcmp(oldq, quick) &&
		   db_meta_get(ctx->db, META_ROM_FINGERPRINT, &old) == 0 &&
		   old && strlen(old) < SHA256_HEX_SIZE;

	if (same)
		strcpy(fp, old);
	free(oldq);
	free(old);
	return same;
}

int rom_sync_needed(struct pkg_ctx *ctx, char fp[SHA256_HEX_SIZE])
{
	char *old = NULL;
	int need;

	if (!ctx->rf.rom)
		return 0;
	/* every command with a database asks: no SHA-256 (and no libcrypto
	 * loaded) while the status file's size, mtime and CRC-32 stay */
	if (rom_same_quick(ctx, fp))
		return 0;
	if (rom_fingerprint(ctx, TREE_ROM, fp) < 0)
		snprintf(fp, 65, "none");
	/* unreadable (reported): sync, which rewrites it */
	need = db_meta_get(ctx->db, META_ROM_FINGERPRINT, &old) < 0 || !old ||
	       strcmp(old, fp);
	free(old);
	return need;
}

int rom_sync(struct pkg_ctx *ctx, int first)
{
	char fp[SHA256_HEX_SIZE];
	int changed = 0, r;

	if (!rom_sync_needed(ctx, fp))
		return 0;
	r = sync_locked(ctx, fp, &changed);
	if (r == 0 && !first) {
		ctx_note(ctx, 1, "The image changed: image database rebuilt "
				 "(%d packages updated).\n", changed);
		if (changed)
			r = state_files_write(ctx, NULL);
	}
	return r;
}
