/*
 * The database: SQLite at usr/lib/pkg/pkg.db in the root. It is the truth;
 * opkg's files are written from it. Rollback journal (DELETE mode) with
 * synchronous=FULL: jffs2 cannot share-mmap a WAL index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/*
 * Schema 2. The database sits on the overlay, on a router's flash: what
 * the image already says is not stored twice. An image package's control
 * text and an image file's SHA-256 are NULL in packages and files and
 * read from rom_packages and rom_files (PKG_SELECT, FILE_SELECT); tables
 * keyed by text are WITHOUT ROWID (no second b-tree for the key).
 */
static const char *const db_schema =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS packages("
	" name TEXT PRIMARY KEY, version TEXT NOT NULL, arch TEXT,"
	" origin TEXT NOT NULL DEFAULT 'overlay',"
	" state TEXT NOT NULL DEFAULT 'installed',"
	" user INTEGER NOT NULL DEFAULT 0, hold INTEGER NOT NULL DEFAULT 0,"
	" noprune INTEGER NOT NULL DEFAULT 0, installed_time INTEGER,"
	" control TEXT, rom_version TEXT,"
	" auto_installed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS files("
	" path TEXT NOT NULL, package TEXT NOT NULL, type TEXT NOT NULL,"
	" mode INTEGER, size INTEGER, sha256 TEXT, target TEXT,"
	" conffile INTEGER NOT NULL DEFAULT 0, conf_sha256 TEXT,"
	" origin TEXT NOT NULL DEFAULT 'overlay',"
	" PRIMARY KEY(path, package)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS files_pkg ON files(package);"
	"CREATE TABLE IF NOT EXISTS scripts(package TEXT NOT NULL,"
	" name TEXT NOT NULL, body BLOB, PRIMARY KEY(package, name));"
	"CREATE TABLE IF NOT EXISTS rom_packages(name TEXT PRIMARY KEY,"
	" version TEXT NOT NULL, arch TEXT, control TEXT NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS rom_files(path TEXT PRIMARY KEY,"
	" package TEXT NOT NULL, type TEXT NOT NULL, mode INTEGER,"
	" size INTEGER, sha256 TEXT, target TEXT,"
	" conffile INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS rom_files_pkg ON rom_files(package);"
	"CREATE TABLE IF NOT EXISTS hidden(path TEXT PRIMARY KEY)"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS journal(seq INTEGER PRIMARY KEY,"
	" op TEXT NOT NULL, path TEXT NOT NULL, staged TEXT, backup TEXT,"
	" aux TEXT);";

/* Schema 1 to 2, in one transaction: each table keyed by text rebuilt
 * WITHOUT ROWID (db_schema creates the new ones once the old are
 * renamed away), then what the image holds dropped from the copies. */
static const char *const db_migrate_1 =
	"ALTER TABLE packages RENAME TO old_packages;"
	"ALTER TABLE files RENAME TO old_files;"
	"ALTER TABLE rom_packages RENAME TO old_rom_packages;"
	"ALTER TABLE rom_files RENAME TO old_rom_files;"
	"ALTER TABLE hidden RENAME TO old_hidden;"
	"DROP INDEX IF EXISTS files_pkg;"
	"DROP INDEX IF EXISTS rom_files_pkg;";
static const char *const db_migrate_1_copy =
	"INSERT INTO packages SELECT * FROM old_packages;"
	"INSERT INTO files SELECT * FROM old_files;"
	"INSERT INTO rom_packages SELECT * FROM old_rom_packages;"
	"INSERT INTO rom_files SELECT * FROM old_rom_files;"
	"INSERT INTO hidden SELECT * FROM old_hidden;"
	"DROP TABLE old_packages; DROP TABLE old_files;"
	"DROP TABLE old_rom_packages; DROP TABLE old_rom_files;"
	"DROP TABLE old_hidden;";

static int db_err(sqlite3 *db, const char *what)
{
	return pkg_error_plain(-PKGE_DB, "database: %s: %s", what,
			       sqlite3_errmsg(db));
}

int db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = pkg_error_plain(-PKGE_DB, "database: %s", msg);
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

/* What the image holds, dropped from the copies in packages and files
 * (read back through PKG_SELECT and FILE_SELECT). */
static const char *const db_dedupe =
	"UPDATE packages SET control=NULL WHERE origin='rom' AND"
	" control=(SELECT r.control FROM rom_packages r WHERE"
	" r.name=packages.name AND r.version=packages.version);"
	"UPDATE files SET sha256=NULL WHERE origin='rom' AND"
	" sha256=(SELECT r.sha256 FROM rom_files r WHERE r.path=files.path);";

int db_image_dedupe(sqlite3 *db)
{
	return db_exec(db, db_dedupe);
}

int db_image_keep_controls(sqlite3 *db)
{
	return db_exec(db,
		       "UPDATE packages SET control=(SELECT r.control FROM"
		       " rom_packages r WHERE r.name=packages.name AND"
		       " r.version=packages.version) WHERE control IS NULL;");
}

/* The schema version in meta; 0 for a new database (no meta yet). */
static int schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE "
			       "key='schema'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int set_version(sqlite3 *db)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", DB_SCHEMA_VERSION);
	return db_meta_set(db, META_SCHEMA, v);
}

/* Schema 1 to 2 in one transaction, then VACUUM gives the pages back. */
static int migrate_1(sqlite3 *db)
{
	int r = db_exec(db, "BEGIN IMMEDIATE");

	if (r == 0)
		r = db_exec(db, db_migrate_1);
	if (r == 0)
		r = db_exec(db, db_schema);
	if (r == 0)
		r = db_exec(db, db_migrate_1_copy);
	if (r == 0)
		r = db_exec(db, db_dedupe);
	if (r == 0)
		r = set_version(db);
	if (r == 0)
		r = db_exec(db, "COMMIT");
	else
		db_exec(db, "ROLLBACK");
	return r == 0 ? db_exec(db, "VACUUM") : r;
}

static int db_setup(sqlite3 *db, int write, int *created)
{
	int r, v;

	sqlite3_busy_timeout(db, 5000);
	r = db_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;"
			"PRAGMA foreign_keys=OFF;");
	/* A reader maps the file rather than copying its pages into the
	 * page cache's own (one fault maps 16 pages of the file where each
	 * page read cost a pread and a fresh heap page: status with a
	 * database 0.4 ms faster here). Not a writer: its pages are copied
	 * to be changed anyway, and the file remapped as it grows. */
	if (r == 0 && !write)
		r = db_exec(db, "PRAGMA mmap_size=1073741824;");
	if (r < 0 || !write)
		return r;
	v = schema_version(db);
	if (v > DB_SCHEMA_VERSION)
		return pkg_error_plain(-PKGE_DB, "database schema %d is newer "
				       "than this pkg", v);
	if (v == DB_SCHEMA_VERSION)
		return 0;
	if (v == 1)
		return migrate_1(db);
	/* one transaction: one set of syncs, not one per CREATE */
	r = db_exec(db, "BEGIN IMMEDIATE");
	if (r == 0)
		r = db_exec(db, db_schema);
	if (r == 0)
		r = set_version(db);
	if (r == 0)
		r = db_exec(db, "COMMIT");
	else
		db_exec(db, "ROLLBACK");
	if (r == 0 && created)
		*created = 1;
	return r;
}

int db_open(sqlite3 **out, const char *path, int write, int *created)
{
	sqlite3 *db = NULL;
	int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
			  : SQLITE_OPEN_READONLY;
	int r;

	if (created)
		*created = 0;
	/* Before SQLite's first use (afterwards a no-op, SQLITE_MISUSE): no
	 * lookaside (120 KB it formats at each open, 10 pages written for
	 * a command's few statements) and no bulk of 20 page buffers made
	 * up front (pages are allocated as they are read): 15 of remove's
	 * 160 page faults, at 5 to 10 us each here. */
	sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	if (sqlite3_open_v2(path, &db,
			    flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			    NULL) !=
	    SQLITE_OK) {
		r = pkg_error_plain(-PKGE_DB, "cannot open database '%s': %s",
				    path, db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		return r;
	}
	r = db_setup(db, write, created);
	if (r < 0) {
		db_close(db);
		return r;
	}
	*out = db;
	return 0;
}

int db_in_memory(sqlite3 *db)
{
	const char *f = sqlite3_db_filename(db, "main");

	return !f || !*f;
}

void db_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (!db)
		return;
	/* the statements kept for the next call (db_prep_kept) */
	while ((st = sqlite3_next_stmt(db, NULL)))
		sqlite3_finalize(st);
	sqlite3_close(db);
}

int db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(sqlite3 *db)
{
	return db_exec(db, "COMMIT");
}

int db_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return 0;
}

static int db_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return db_err(db, "prepare");
	return 0;
}

/* The statements of the puts an import makes by the thousand (every file
 * of every package) are kept on the connection between calls rather than
 * parsed each time: found again by their text, which starts with KEPT so
 * that no other statement is taken for one; reset after each step
 * (step_kept), finalized by db_close. */
#define KEPT "/* kept */ "

/* A kept statement of this text not in use (reset, bindings cleared),
 * or NULL. */
static sqlite3_stmt *kept_find(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;

	for (s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s)) {
		const char *t = sqlite3_sql(s);

		if (t && !sqlite3_stmt_busy(s) && !strcmp(t, sql)) {
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	return NULL;
}

static int db_prep_kept(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	*st = kept_find(db, sql);
	return *st ? 0 : db_prep(db, sql, st);
}

/* One step, then the statement reset (kept) or finalized; 0 or
 * reported. */
static int step_end(sqlite3 *db, sqlite3_stmt *st, const char *what,
		    int kept)
{
	int rc = sqlite3_step(st);

	if (kept)
		sqlite3_reset(st);
	else
		sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_err(db, what);
	return 0;
}

/* One step of a kept statement, reset for its next call. */
static int step_kept(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	return step_end(db, st, what, 1);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	return step_end(db, st, what, 0);
}

int db_meta_get(sqlite3 *db, const char *key, char **value)
{
	/* kept: every command asks several keys */
	static const char sql[] = KEPT "SELECT value FROM meta WHERE key=?";
	sqlite3_stmt *st;
	int r;

	*value = NULL;
	if (!(st = kept_find(db, sql)) &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		/* no meta table yet (read-only, fresh db): no value */
		return strstr(sqlite3_errmsg(db), "no such table")
			       ? 0
			       : db_err(db, "read meta");
	bind_str(st, 1, key);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    !(*value = col_dup(st, 0)))
		r = pkg_error(-ENOMEM, "database: read meta '%s'", key);
	else if (r == SQLITE_ROW || r == SQLITE_DONE)
		r = 0;
	else
		r = db_err(db, "read meta");
	sqlite3_reset(st);
	return r;
}

int db_meta_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int r;

	if (!value) {
		r = db_prep_kept(db, KEPT "DELETE FROM meta WHERE key=?", &st);
		if (r < 0)
			return r;
		bind_str(st, 1, key);
		return step_kept(db, st, "meta");
	}
	r = db_prep_kept(db, KEPT "INSERT OR REPLACE INTO meta VALUES(?,?)",
			 &st);
	if (r < 0)
		return r;
	bind_str(st, 1, key);
	bind_str(st, 2, value);
	return step_kept(db, st, "meta");
}

#define PKG_COLS                                                             \
	"name,version,arch,origin,state,user,hold,noprune,installed_time,"  \
	"control,rom_version,auto_installed"
/* PKG_COLS to read: an image package's control text is the image's. */
#define PKG_SELECT                                                           \
	"name,version,arch,origin,state,user,hold,noprune,installed_time,"  \
	"COALESCE(control,(SELECT r.control FROM rom_packages r WHERE"      \
	" r.name=packages.name AND r.version=packages.version),''),"       \
	"rom_version,auto_installed"

static void pkg_from_row(sqlite3_stmt *st, struct db_pkg *p)
{
	p->name = col_dup(st, 0);
	p->version = col_dup(st, 1);
	p->arch = col_dup(st, 2);
	p->origin = col_dup(st, 3);
	p->state = col_dup(st, 4);
	p->user = sqlite3_column_int(st, 5);
	p->hold = sqlite3_column_int(st, 6);
	p->noprune = sqlite3_column_int(st, 7);
	p->installed_time = sqlite3_column_int64(st, 8);
	p->control = col_dup(st, 9);
	p->rom_version = col_dup(st, 10);
	p->auto_installed = sqlite3_column_int(st, 11);
}

int db_pkg_get(sqlite3 *db, const char *name, struct db_pkg *p)
{
	sqlite3_stmt *st;
	/* asked for every package a transaction writes back: kept */
	int r = db_prep_kept(db,
			     KEPT "SELECT " PKG_SELECT
				  " FROM packages WHERE name=?",
			     &st);

	memset(p, 0, sizeof(*p));
	if (r < 0)
		return r;
	bind_str(st, 1, name);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		pkg_from_row(st, p);
	else if (r != SQLITE_DONE)
		r = db_err(db, "read package");
	sqlite3_reset(st);
	return r == SQLITE_ROW ? 0 : r < 0 ? r : -PKGE_NOTFOUND;
}

int db_pkg_installed(sqlite3 *db, const char *name)
{
	struct db_pkg p;
	int yes;

	if (db_pkg_get(db, name, &p) < 0)
		return 0;
	yes = strcmp(p.state, "removed") != 0;
	db_pkg_release(&p);
	return yes;
}

int db_pkg_put(sqlite3 *db, const struct db_pkg *p)
{
	sqlite3_stmt *st;
	int r = db_prep_kept(db,
			     KEPT "INSERT OR REPLACE INTO packages(" PKG_COLS
			     ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
			     &st);

	if (r < 0)
		return r;
	sqlite3_bind_int(st, 12, p->auto_installed);
	bind_str(st, 1, p->name);
	bind_str(st, 2, p->version);
	bind_str(st, 3, p->arch);
	bind_str(st, 4, p->origin ? p->origin : "overlay");
	bind_str(st, 5, p->state ? p->state : "installed");
	sqlite3_bind_int(st, 6, p->user);
	sqlite3_bind_int(st, 7, p->hold);
	sqlite3_bind_int(st, 8, p->noprune);
	sqlite3_bind_int64(st, 9, p->installed_time);
	bind_str(st, 10, p->control ? p->control : "");
	bind_str(st, 11, p->rom_version);
	r = step_kept(db, st, "store package");
	if (r < 0 || !p->origin || strcmp(p->origin, "rom"))
		return r;
	if ((r = db_prep(db, "UPDATE packages SET control=NULL WHERE name=?1"
			 " AND control=(SELECT r.control FROM rom_packages r"
			 " WHERE r.name=?1 AND r.version=packages.version)",
			 &st)) < 0)
		return r;
	bind_str(st, 1, p->name);
	return step_done(db, st, "store package");
}

int db_pkg_delete(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int r = db_prep(db, "DELETE FROM packages WHERE name=?", &st);

	if (r < 0)
		return r;
	bind_str(st, 1, name);
	return step_done(db, st, "delete package");
}

void db_pkg_release(struct db_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->origin);
	free(p->state);
	free(p->control);
	free(p->rom_version);
	memset(p, 0, sizeof(*p));
}

int db_pkg_each(sqlite3 *db, int (*fn)(const struct db_pkg *p, void *ud),
		void *ud)
{
	sqlite3_stmt *st;
	/* kept: a transaction walks the packages several times (64,000
	 * instructions to parse this one each time) */
	int r = db_prep_kept(db,
			     KEPT "SELECT " PKG_SELECT
				  " FROM packages ORDER BY name",
			     &st);

	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_pkg p;
		int stop;

		pkg_from_row(st, &p);
		stop = fn(&p, ud);
		db_pkg_release(&p);
		if (stop) {
			sqlite3_reset(st);
			return stop;
		}
	}
	if (r != SQLITE_DONE)
		r = db_err(db, "list packages"); /* before the reset clears it */
	else
		r = 0;
	sqlite3_reset(st);
	return r;
}

#define FILE_COLS                                                          \
	"path,package,type,mode,size,sha256,target,conffile,conf_sha256,origin"
/* FILE_COLS to read: an image file's hash is the image's. */
#define FILE_SELECT                                                        \
	"path,package,type,mode,size,COALESCE(sha256,CASE WHEN origin='rom'" \
	" THEN (SELECT r.sha256 FROM rom_files r WHERE r.path=files.path)"  \
	" END),target,conffile,conf_sha256,origin"

int db_file_put(sqlite3 *db, const struct db_file *f)
{
	sqlite3_stmt *st;
	char type[2] = { f->type, 0 };
	int r = db_prep_kept(db,
			     KEPT "INSERT OR REPLACE INTO files(" FILE_COLS
			     ") VALUES(?,?,?,?,?,?,?,?,?,?)",
			     &st);

	if (r < 0)
		return r;
	bind_str(st, 1, f->path);
	bind_str(st, 2, f->package);
	bind_str(st, 3, type);
	sqlite3_bind_int(st, 4, (int)f->mode);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)f->size);
	bind_str(st, 6, f->sha256);
	bind_str(st, 7, f->target);
	sqlite3_bind_int(st, 8, f->conffile);
	bind_str(st, 9, f->conf_sha256);
	bind_str(st, 10, f->origin ? f->origin : "overlay");
	return step_kept(db, st, "store file");
}

int db_files_delete(sqlite3 *db, const char *package)
{
	sqlite3_stmt *st;
	int r = db_prep(db, "DELETE FROM files WHERE package=?", &st);

	if (r < 0)
		return r;
	bind_str(st, 1, package);
	return step_done(db, st, "delete files");
}

static void file_from_row(sqlite3_stmt *st, struct db_file *f)
{
	const unsigned char *t = sqlite3_column_text(st, 2);

	f->path = col_dup(st, 0);
	f->package = col_dup(st, 1);
	f->type = t ? (char)t[0] : 'f';
	f->mode = (unsigned)sqlite3_column_int(st, 3);
	f->size = (uint64_t)sqlite3_column_int64(st, 4);
	f->sha256 = col_dup(st, 5);
	f->target = col_dup(st, 6);
	f->conffile = sqlite3_column_int(st, 7);
	f->conf_sha256 = col_dup(st, 8);
	f->origin = col_dup(st, 9);
}

void db_file_release(struct db_file *f)
{
	free(f->path);
	free(f->package);
	free(f->sha256);
	free(f->target);
	free(f->conf_sha256);
	free(f->origin);
	memset(f, 0, sizeof(*f));
}

/* Run fn on each row of st (package bound when given); a kept statement
 * is reset for the next call, another finalized. fn's non-zero result,
 * 0, or reported. */
static int each_file(sqlite3 *db, sqlite3_stmt *st, const char *package,
		     int kept, int (*fn)(const struct db_file *f, void *ud),
		     void *ud)
{
	int r, stop = 0;

	if (package)
		bind_str(st, 1, package);
	while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_file f;

		file_from_row(st, &f);
		stop = fn(&f, ud);
		db_file_release(&f);
	}
	if (!stop && r != SQLITE_DONE)
		stop = db_err(db, "list files"); /* before the reset clears it */
	if (kept)
		sqlite3_reset(st);
	else
		sqlite3_finalize(st);
	return stop;
}

int db_file_each(sqlite3 *db, const char *package,
		 int (*fn)(const struct db_file *f, void *ud), void *ud)
{
	sqlite3_stmt *st;
	/* one package's files: asked once per package by status, info and
	 * the state files, so the statement is kept (db_prep_kept) */
	int r = package ? db_prep_kept(db,
				       KEPT "SELECT " FILE_SELECT " FROM files"
					    " WHERE package=? ORDER BY path",
				       &st)
			: db_prep(db,
				  "SELECT " FILE_SELECT " FROM files ORDER BY path",
				  &st);

	return r < 0 ? r : each_file(db, st, package, package != NULL, fn, ud);
}

int db_conffile_each(sqlite3 *db, const char *package,
		     int (*fn)(const struct db_file *f, void *ud), void *ud)
{
	sqlite3_stmt *st;
	int r = db_prep_kept(db,
			     KEPT "SELECT " FILE_SELECT " FROM files"
				  " WHERE package=? AND conffile ORDER BY path",
			     &st);

	return r < 0 ? r : each_file(db, st, package, 1, fn, ud);
}

char *db_file_owner(sqlite3 *db, const char *path, const char *except)
{
	sqlite3_stmt *st;
	char *owner = NULL;

	if (db_prep(db,
		    "SELECT package FROM files WHERE path=? AND package!=? "
		    "AND type!='d' LIMIT 1",
		    &st) < 0)
		return NULL;
	bind_str(st, 1, path);
	bind_str(st, 2, except ? except : "");
	if (sqlite3_step(st) == SQLITE_ROW)
		owner = col_dup(st, 0);
	sqlite3_finalize(st);
	return owner;
}

int db_script_put(sqlite3 *db, const char *pkg, const char *name,
		  const char *body, size_t len)
{
	sqlite3_stmt *st;
	int r = db_prep_kept(db, KEPT "INSERT OR REPLACE INTO scripts "
			     "VALUES(?,?,?)", &st);

	if (r < 0)
		return r;
	bind_str(st, 1, pkg);
	bind_str(st, 2, name);
	sqlite3_bind_blob(st, 3, body, (int)len, SQLITE_TRANSIENT);
	return step_kept(db, st, "store script");
}

int db_script_get(sqlite3 *db, const char *pkg, const char *name,
		  char **body, size_t *len)
{
	sqlite3_stmt *st;
	/* kept: asked for each package a transaction writes back */
	int r = db_prep_kept(db,
			     KEPT "SELECT body FROM scripts WHERE package=? "
				  "AND name=?",
			     &st);

	*body = NULL;
	*len = 0;
	if (r < 0)
		return r;
	bind_str(st, 1, pkg);
	bind_str(st, 2, name);
	r = -PKGE_NOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 0);
		const void *b = sqlite3_column_blob(st, 0);

		*body = malloc((size_t)n + 1);
		if (*body) {
			if (n)
				memcpy(*body, b, (size_t)n);
			(*body)[n] = 0;
			*len = (size_t)n;
			r = 0;
		} else {
			r = -ENOMEM;
		}
	}
	sqlite3_reset(st);
	return r;
}

int db_scripts_delete(sqlite3 *db, const char *pkg)
{
	sqlite3_stmt *st;
	int r = db_prep(db, "DELETE FROM scripts WHERE package=?", &st);

	if (r < 0)
		return r;
	bind_str(st, 1, pkg);
	return step_done(db, st, "delete scripts");
}

int db_script_each(sqlite3 *db, const char *pkg,
		   int (*fn)(const char *name, const char *body, size_t len,
			     void *ud),
		   void *ud)
{
	sqlite3_stmt *st;
	int r = db_prep_kept(db,
			     KEPT "SELECT name, body FROM scripts WHERE "
				  "package=? ORDER BY name",
			     &st);

	if (r < 0)
		return r;
	bind_str(st, 1, pkg);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int stop = fn((const char *)sqlite3_column_text(st, 0),
			      sqlite3_column_blob(st, 1),
			      (size_t)sqlite3_column_bytes(st, 1), ud);
		if (stop) {
			sqlite3_reset(st);
			return stop;
		}
	}
	if (r != SQLITE_DONE)
		r = db_err(db, "list scripts");
	else
		r = 0;
	sqlite3_reset(st);
	return r;
}
