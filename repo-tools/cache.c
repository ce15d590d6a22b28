/*
 * The index cache: one SQLite table of rendered stanzas keyed by file
 * name, size, mtime (ns) and inode, so re-indexing reads only the .ipk
 * files that changed. Used from one thread only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base.h"
#include "repo.h"

/* Bump when the stanza rendering changes: old caches are dropped. */
#define CACHE_VERSION 1
#define CACHE_STR_(x) #x
#define CACHE_STR(x) CACHE_STR_(x)

struct repo_cache {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *get;
};

static const char cache_schema[] =
	"CREATE TABLE IF NOT EXISTS files("
	" name TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,"
	" ino INTEGER, ok INTEGER, sha256 TEXT, stanza TEXT,"
	" pkg TEXT, ver TEXT, arch TEXT)";

static int cache_fail(struct repo_cache *c, const char *what)
{
	return pkg_error_plain(-PKGE_DB, "cannot %s cache '%s': %s", what,
			       c->path, sqlite3_errmsg(c->db));
}

static int cache_setup(struct repo_cache *c)
{
	sqlite3_stmt *st = NULL;
	int ver = -1;

	sqlite3_busy_timeout(c->db, 5000);
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL))
		return cache_fail(c, "read");
	if (sqlite3_step(st) == SQLITE_ROW)
		ver = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (ver != CACHE_VERSION &&
	    sqlite3_exec(c->db, "DROP TABLE IF EXISTS files; "
			 "PRAGMA user_version = " CACHE_STR(CACHE_VERSION),
			 NULL, NULL, NULL))
		return cache_fail(c, "reset");
	if (sqlite3_exec(c->db, cache_schema, NULL, NULL, NULL))
		return cache_fail(c, "create");
	if (sqlite3_prepare_v2(c->db,
			       "SELECT ok, sha256, stanza, pkg, ver, arch "
			       "FROM files WHERE name = ?1 AND size = ?2 AND "
			       "mtime_ns = ?3 AND ino = ?4",
			       -1, &c->get, NULL))
		return cache_fail(c, "query");
	return 0;
}

int repo_cache_open(struct repo_cache **out, const char *path)
{
	struct repo_cache *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c || !(c->path = strdup(path))) {
		free(c);
		return -ENOMEM;
	}
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK)
		rc = cache_fail(c, "open");
	else
		rc = cache_setup(c);
	if (rc) {
		repo_cache_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return strdup(t ? (const char *)t : "");
}

int repo_cache_get(struct repo_cache *c, const char *name, int64_t size,
		   int64_t mtime_ns, int64_t ino, struct repo_cache_row *row)
{
	sqlite3_stmt *st = c->get;
	const unsigned char *sha;
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int64(st, 3, mtime_ns);
	sqlite3_bind_int64(st, 4, ino);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(row, 0, sizeof(*row));
		row->ok = sqlite3_column_int(st, 0);
		sha = sqlite3_column_text(st, 1);
		if (sha && strlen((const char *)sha) == 64)
			memcpy(row->sha256, sha, SHA256_HEX_SIZE);
		row->stanza = col_dup(st, 2);
		row->pkg = col_dup(st, 3);
		row->ver = col_dup(st, 4);
		row->arch = col_dup(st, 5);
		row->name = strdup(name);
		row->size = size;
		row->mtime_ns = mtime_ns;
		row->ino = ino;
		rc = (row->stanza && row->pkg && row->ver && row->arch &&
		      row->name) ? 1 : -ENOMEM;
		if (rc < 0)
			repo_cache_row_release(row);
	} else {
		rc = rc == SQLITE_DONE ? 0 : cache_fail(c, "read");
	}
	sqlite3_reset(st);
	return rc;
}

static int insert_row(sqlite3_stmt *st, const struct repo_cache_row *r)
{
	sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->size);
	sqlite3_bind_int64(st, 3, r->mtime_ns);
	sqlite3_bind_int64(st, 4, r->ino);
	sqlite3_bind_int(st, 5, r->ok);
	sqlite3_bind_text(st, 6, r->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->stanza ? r->stanza : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->pkg ? r->pkg : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->ver ? r->ver : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->arch ? r->arch : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int repo_cache_replace(struct repo_cache *c,
		       const struct repo_cache_row *rows, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE; DELETE FROM files", NULL,
			 NULL, NULL))
		return cache_fail(c, "write");
	if (sqlite3_prepare_v2(c->db,
			       "INSERT OR REPLACE INTO files VALUES "
			       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			       -1, &st, NULL))
		goto fail;
	for (i = 0; i < n; i++)
		if (insert_row(st, &rows[i]))
			goto fail;
	sqlite3_finalize(st);
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL))
		goto fail;
	return 0;
fail:
	rc = cache_fail(c, "write");
	sqlite3_finalize(st);
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

void repo_cache_close(struct repo_cache *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->get);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

void repo_cache_row_release(struct repo_cache_row *r)
{
	free(r->name);
	free(r->stanza);
	free(r->pkg);
	free(r->ver);
	free(r->arch);
	memset(r, 0, sizeof(*r));
}
