/*
 * The image database (docs/DESIGN.md "The rom/overlay model"): what the
 * read-only image holds, file by file, and which image package owns each
 * file, read from the image's own opkg data (usr/lib/opkg/status and
 * info/<pkg>.list): the image may have been made by opkg or ImageBuilder
 * and hold no pkg database at all.
 *
 * The scan runs on the first run and whenever the image changes. The
 * fingerprint is the SHA-256 of the image's status file: every image build
 * rewrites it (Installed-Time), so a new image always changes it, and it is
 * a few hundred KiB to hash where the image itself is megabytes. Every
 * command with a database looks: its size, mtime and CRC-32 (zlib, no
 * libcrypto to load) are checked first, and only a change among them
 * costs the SHA-256 (rom_sync_needed).
 * File hashes are computed up front (restore and reclaim need them), unless
 * the image carries a manifest made at build time by `pkg image-manifest`
 * (usr/lib/pkg/rom-manifest), whose hashes are used when its status hash
 * matches, so a router does not hash its whole image on first boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "state/state.h"

#define ROM_MANIFEST_MAGIC "#pkg-rom-manifest 1 "

struct rom_scan {
	struct pkg_ctx *ctx;
	enum tree_layer layer; /* the image: rom/, or a tree being built */
	char *manifest;	    /* "path\tsize\tsha256\n" lines, or NULL */
	size_t mlen;
	size_t mpos;	    /* where the next manifest search starts */
	rom_entry_fn on_file;
	rom_pkg_fn on_pkg;
	void *ud;
	int r;
};

/* An image path (as opkg.conf or a .list writes it) made canonical:
 * the image is walked physically, never through its links. */
static char *image_rel(const char *path)
{
	char *norm = NULL;

	if (path_normalise(path, &norm) < 0 || !path_is_canonical(norm)) {
		free(norm);
		return NULL;
	}
	return norm;
}

static char *read_rel(struct pkg_ctx *ctx, enum tree_layer l, const char *rel,
		      size_t *len)
{
	char *p = image_rel(rel), *text = NULL;
	size_t n = 0;

	if (!p || tree_read_file(&ctx->rf, l, p, 0, &text, &n) < 0)
		text = NULL;
	free(p);
	if (len)
		*len = n;
	return text;
}

int rom_fingerprint(struct pkg_ctx *ctx, enum tree_layer l, char hex[SHA256_HEX_SIZE])
{
	char *p = image_rel(ctx->conf.status_file);
	int r = p ? tree_sha256(&ctx->rf, l, p, hex) : -EINVAL;

	free(p);
	return r;
}

int rom_status_stat(struct pkg_ctx *ctx, struct stat *st)
{
	char *p = image_rel(ctx->conf.status_file);
	int r = p ? tree_lstat(&ctx->rf, TREE_ROM, p, st) : -EINVAL;

	free(p);
	return r;
}

int rom_quick_id(struct pkg_ctx *ctx, char out[ROM_QUICK_SIZE])
{
	char *p = image_rel(ctx->conf.status_file), buf[16384];
	struct stat st;
	uLong crc = crc32(0L, Z_NULL, 0);
	ssize_t n;
	int fd = p ? tree_open(&ctx->rf, TREE_ROM, p, O_RDONLY, 0) : -EINVAL;

	free(p);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, (const Bytef *)buf, (uInt)n);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	snprintf(out, ROM_QUICK_SIZE, "%lld %lld.%09ld %08lx",
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (unsigned long)crc);
	return 0;
}

/* One manifest line at s (up to end): path's hash when it matches. */
static int manifest_line_match(const char *s, const char *end,
			       const char *path, uint64_t size, char hex[SHA256_HEX_SIZE])
{
	size_t pl = strlen(path);
	unsigned long long sz;

	return (size_t)(end - s) > pl + 66 && !memcmp(s, path, pl) &&
	       s[pl] == '\t' &&
	       sscanf(s + pl + 1, "%llu\t%64[0-9a-f]", &sz, hex) == 2 &&
	       sz == size;
}

/* The manifest's hash for path at size, when it has one. The manifest is
 * written in scan order, so the search starts where the last one ended
 * and wraps around: linear over a whole scan. */
static int manifest_hash(struct rom_scan *sc, const char *path,
			 uint64_t size, char hex[SHA256_HEX_SIZE])
{
	const char *base = sc->manifest, *end = base + sc->mlen, *s, *nl;
	size_t pass, start = sc->mpos;

	for (pass = 0; base && pass < 2; pass++) {
		s = base + (pass ? 0 : start);
		for (; s < end && (pass == 0 || s < base + start); s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(end - s));
			if (!nl)
				nl = end - 1;
			if (manifest_line_match(s, nl, path, size, hex)) {
				sc->mpos = (size_t)(nl + 1 - base);
				return 1;
			}
		}
	}
	return 0;
}

static int scan_path(struct rom_scan *sc, const char *pkg, const char *path,
		     int conffile)
{
	struct rom_entry e = { 0 };
	const struct rootfs *rf = &sc->ctx->rf;
	char hex[SHA256_HEX_SIZE] = "", target[4096];
	struct stat st;
	int r = 0;

	if (!path_is_canonical(path) ||
	    tree_lstat(rf, sc->layer, path, &st) < 0)
		return 0; /* listed but absent: nothing to restore */
	e.path = path;
	e.package = pkg;
	e.mode = st.st_mode & 07777;
	e.size = (uint64_t)st.st_size;
	e.conffile = conffile;
	if (S_ISDIR(st.st_mode)) {
		e.type = 'd';
	} else if (S_ISLNK(st.st_mode)) {
		e.type = 'l';
		if (tree_readlink(rf, sc->layer, path, target, sizeof(target)) <
		    0)
			target[0] = '\0';
		e.target = target;
	} else {
		e.type = 'f';
		if (!manifest_hash(sc, path, e.size, hex))
			r = tree_sha256(rf, sc->layer, path, hex);
		e.sha256 = r == 0 ? hex : NULL;
		r = 0;
	}
	return sc->on_file ? sc->on_file(&e, sc->ud) : r;
}

/* Is path named in a "Conffiles:" value ("/etc/x <hash>" lines)? */
static int is_conffile(const char *conffiles, const char *path)
{
	size_t l = strlen(path);
	const char *s = conffiles;

	while (s && *s) {
		while (*s == ' ' || *s == '\n' || *s == '/')
			s++;
		if (!strncmp(s, path, l) &&
		    (s[l] == ' ' || s[l] == '\n' || !s[l]))
			return 1;
		s = strchr(s, '\n');
	}
	return 0;
}

static int scan_list(struct rom_scan *sc, const char *pkg,
		     const char *conffiles)
{
	char rel[1024], *list, *line, *save = NULL;
	int r = 0;

	snprintf(rel, sizeof(rel), "%s/%s.list", sc->ctx->conf.info_dir, pkg);
	list = read_rel(sc->ctx, sc->layer, rel, NULL);
	for (line = list ? strtok_r(list, "\n", &save) : NULL; line && !r;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((line = opkg_list_entry(line)))
			r = scan_path(sc, pkg, line,
				      conffiles && is_conffile(conffiles, line));
	}
	free(list);
	return r;
}

static int scan_stanza(const struct ctl_stanza *st, void *ud)
{
	struct rom_scan *sc = ud;
	const char *name = ctl_get(st, "Package"), *ver = ctl_get(st, "Version");
	const char *status = ctl_get(st, "Status");
	char rel[1024], *control;

	if (!name || !ver || !status || !strstr(status, " installed"))
		return 0;
	snprintf(rel, sizeof(rel), "%s/%s.control", sc->ctx->conf.info_dir,
		 name);
	control = read_rel(sc->ctx, sc->layer, rel, NULL);
	if (!control)
		control = opkg_control_from_status(st);
	if (sc->on_pkg)
		sc->r = sc->on_pkg(name, ver, ctl_get(st, "Architecture"),
				   control ? control : "", sc->ud);
	free(control);
	if (sc->r == 0)
		sc->r = scan_list(sc, name, ctl_get(st, "Conffiles"));
	return sc->r != 0;
}

int rom_scan(struct pkg_ctx *ctx, enum tree_layer l, rom_pkg_fn on_pkg,
	     rom_entry_fn on_file, void *ud)
{
	struct rom_scan sc = { ctx, l, NULL, 0, 0, on_file, on_pkg, ud, 0 };
	char fp[SHA256_HEX_SIZE], *status, *hdr;
	size_t len;
	int r;

	status = read_rel(ctx, l, ctx->conf.status_file, &len);
	if (!status)
		return 0; /* an image without opkg data: nothing owned */
	sc.manifest = read_rel(ctx, l, ROM_MANIFEST, &sc.mlen);
	hdr = sc.manifest;
	if (hdr && (rom_fingerprint(ctx, l, fp) < 0 ||
		    strncmp(hdr, ROM_MANIFEST_MAGIC, strlen(ROM_MANIFEST_MAGIC)) ||
		    strncmp(hdr + strlen(ROM_MANIFEST_MAGIC), fp, 64))) {
		ctx_note(ctx, 1, "Ignoring %s: made for another image.\n",
			 ROM_MANIFEST);
		free(sc.manifest);
		sc.manifest = NULL, sc.mlen = 0;
	}
	r = ctl_parse(status, len, 0, scan_stanza, &sc);
	free(status);
	free(sc.manifest);
	return sc.r ? sc.r : r < 0 ? r : 0;
}

/* ---- pkg image-manifest: the manifest an image build ships ---- */

static int manifest_line(const struct rom_entry *e, void *ud)
{
	if (e->type == 'f' && e->sha256)
		fprintf(ud, "%s\t%llu\t%s\n", e->path,
			(unsigned long long)e->size, e->sha256);
	return 0;
}

int rom_manifest_write(struct pkg_ctx *ctx, enum tree_layer l, FILE *out)
{
	char fp[SHA256_HEX_SIZE];
	int r = rom_fingerprint(ctx, l, fp);

	if (r < 0)
		return pkg_error(r, "cannot read the image's opkg status in '%s'",
				 l == TREE_ROM ? ctx->rf.rom : ctx->rf.root);
	fprintf(out, "%s%s\n", ROM_MANIFEST_MAGIC, fp);
	return rom_scan(ctx, l, NULL, manifest_line, out);
}

/* ---- lookups ---- */

char *rom_pkg_version(struct pkg_ctx *ctx, const char *name)
{
	sqlite3_stmt *st;
	char *v = NULL;

	if (!ctx->rf.rom ||
	    sqlite3_prepare_v2(ctx->db,
			       "SELECT version FROM rom_packages WHERE name=?",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void entry_from_row(sqlite3_stmt *st, struct rom_entry *e)
{
	const unsigned char *t = sqlite3_column_text(st, 2);

	e->path = (const char *)sqlite3_column_text(st, 0);
	e->package = (const char *)sqlite3_column_text(st, 1);
	e->type = t ? (char)t[0] : 'f';
	e->mode = (unsigned)sqlite3_column_int(st, 3);
	e->size = (uint64_t)sqlite3_column_int64(st, 4);
	e->sha256 = (const char *)sqlite3_column_text(st, 5);
	e->target = (const char *)sqlite3_column_text(st, 6);
	e->conffile = sqlite3_column_int(st, 7);
}

#define ROM_COLS "path,package,type,mode,size,sha256,target,conffile"

int rom_file_each(struct pkg_ctx *ctx, const char *package, rom_entry_fn fn,
		  void *ud)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(ctx->db,
			       package ? "SELECT " ROM_COLS " FROM rom_files "
					 "WHERE package=? ORDER BY path"
				       : "SELECT " ROM_COLS " FROM rom_files "
					 "ORDER BY path",
			       -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(ctx->db));
	if (package)
		sqlite3_bind_text(st, 1, package, -1, SQLITE_STATIC);
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct rom_entry e;
		entry_from_row(st, &e);
		r = fn(&e, ud);
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int rom_file_get(struct pkg_ctx *ctx, const char *path, struct rom_file *f)
{
	sqlite3_stmt *st;
	int r = -PKGE_NOTFOUND;

	memset(f, 0, sizeof(*f));
	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT " ROM_COLS " FROM rom_files WHERE path=?",
			       -1, &st, NULL) != SQLITE_OK)
		return r;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		struct rom_entry e;
		entry_from_row(st, &e);
		f->path = strdup(e.path);
		f->package = strdup(e.package);
		f->type = e.type;
		f->mode = e.mode;
		f->size = e.size;
		f->sha256 = e.sha256 ? strdup(e.sha256) : NULL;
		f->target = e.target ? strdup(e.target) : NULL;
		f->conffile = e.conffile;
		r = f->path && f->package ? 0 : -ENOMEM;
	}
	sqlite3_finalize(st);
	return r;
}

void rom_file_release(struct rom_file *f)
{
	free(f->path);
	free(f->package);
	free(f->sha256);
	free(f->target);
	memset(f, 0, sizeof(*f));
}

/* The "@image" repository: image packages not installed at the image's
 * version (removed, or upgraded in the overlay), so that the solver can
 * choose them even when no feed has that version any more. --from-rom
 * ranks it above the feeds; --from-feed leaves it out. */
int rom_pool_add(struct pkg_ctx *ctx)
{
	sqlite3_stmt *st;
	Repo *repo;

	if (!ctx->rf.rom || ctx->rf.mode == ROOTFS_PLAIN || ctx->opt.from_feed)
		return 0;
	if (sqlite3_prepare_v2(ctx->db,
			       "SELECT r.control FROM rom_packages r LEFT JOIN "
			       "packages p ON p.name=r.name WHERE p.name IS NULL"
			       " OR p.state!='installed' OR p.version!=r.version",
			       -1, &st, NULL) != SQLITE_OK)
		return pkg_error_plain(-PKGE_DB, "database: %s",
				       sqlite3_errmsg(ctx->db));
	repo = repo_create(ctx->solv.pool, "@image");
	repo->priority = ctx->opt.from_rom ? 1000 : -1000;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		struct ctl_stanza cs;
		if (c && ctl_parse_one(c, strlen(c), &cs) == 0) {
			solver_add_stanza(&ctx->solv, repo, &cs, 0);
			ctl_stanza_release(&cs);
		}
	}
	sqlite3_finalize(st);
	return 0;
}
