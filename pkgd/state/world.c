/*
 * The world: what the user asked for, kept across sysupgrade in
 * WORLD_FILE (format in docs/sysupgrade.md), beside sysupgrade's own
 * installed_packages.txt. Written after every transaction from the
 * database; read back by post-upgrade on the first boot of a new image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"

int world_image_fingerprint(struct pkg_ctx *ctx, char **out)
{
	static const char *const rel[] = { "etc/openwrt_release",
					   "usr/lib/os-release" };
	char hex[SHA256_HEX_SIZE], *res = NULL;
	size_t i;
	int fd = -1, r;

	*out = NULL;
	if (ctx->db && (r = db_meta_get(ctx->db, META_ROM_FINGERPRINT, out)))
		return r;
	if (*out)
		return 0;
	if (ctx->rf.rom_fd >= 0) {
		if (path_normalise(ctx->conf.status_file, &res) == 0)
			fd = tree_open(&ctx->rf, TREE_ROM, res, O_RDONLY, 0);
		free(res);
	} else {
		for (i = 0; fd < 0 && i < sizeof(rel) / sizeof(rel[0]); i++) {
			if (rootfs_resolve(&ctx->rf, NULL, rel[i], 0, &res) ==
			    0)
				fd = rootfs_open_read(&ctx->rf, res, NULL);
			free(res);
			res = NULL;
		}
	}
	if (fd >= 0 && rootfs_sha256_fd(fd, hex) == 0)
		*out = strdup(hex);
	else
		*out = strdup("none");
	if (fd >= 0)
		close(fd);
	return *out ? 0 : -ENOMEM;
}

const char *world_system_arch(const struct pkg_ctx *ctx)
{
	const struct conf_arch *best = NULL;
	size_t i;

	for (i = 0; i < ctx->conf.narchs; i++) {
		const struct conf_arch *a = &ctx->conf.archs[i];
		if (!strcmp(a->name, "all") || !strcmp(a->name, "noarch"))
			continue;
		if (!best || a->prio > best->prio)
			best = a;
	}
	return best ? best->name : NULL;
}

int world_name_ok(const char *name)
{
	return name && ctl_name_ok(name);
}

int world_add(struct world *w, const char *name, const char *version,
	      enum world_kind kind, size_t line)
{
	struct world_entry *v = realloc(w->e, (w->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	w->e = v;
	v += w->n;
	v->name = strdup(name);
	v->version = version ? strdup(version) : NULL;
	v->kind = kind;
	v->line = line;
	if (!v->name || (version && !v->version)) {
		free(v->name);
		free(v->version);
		return -ENOMEM;
	}
	w->n++;
	return 0;
}

struct world_entry *world_find(const struct world *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->e[i].name, name))
			return &w->e[i];
	return NULL;
}

void world_release(struct world *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free(w->e[i].name);
		free(w->e[i].version);
	}
	free(w->e);
	free(w->arch);
	free(w->image);
	memset(w, 0, sizeof(*w));
}

struct from_db {
	struct world *w;
	char *carry; /* "\nname\nname\n": user packages the image now has */
};

static int carried(const struct from_db *f, const char *name)
{
	char *needle;
	int hit;

	if (!f->carry || asprintf(&needle, "\n%s\n", name) < 0)
		return 0;
	hit = strstr(f->carry, needle) != NULL;
	free(needle);
	return hit;
}

static int from_db_one(const struct db_pkg *p, void *ud)
{
	struct from_db *f = ud;
	int rom = !strcmp(p->origin, "rom"), r = opkg_pkg_check(p);

	if (r < 0)
		return r; /* a line of its own for each value, or nothing */
	if (!strcmp(p->state, "removed"))
		return p->rom_version ? world_add(f->w, p->name, p->rom_version,
						  WK_REMOVED, 0)
				      : 0;
	if (rom)
		return carried(f, p->name) ? world_add(f->w, p->name,
						       p->version, WK_USER, 0)
					   : 0;
	return world_add(f->w, p->name, p->version,
			 p->auto_installed ? WK_DEP : WK_USER, 0);
}

int world_from_db(struct pkg_ctx *ctx, struct world *w)
{
	struct from_db f = { w, NULL };
	const char *arch = world_system_arch(ctx);
	int r;

	memset(w, 0, sizeof(*w));
	r = world_image_fingerprint(ctx, &w->image);
	if (r == 0 && arch && !(w->arch = strdup(arch)))
		r = -ENOMEM;
	if (r == 0)
		r = db_meta_get(ctx->db, META_WORLD_CARRY, &f.carry);
	if (r == 0)
		r = db_pkg_each(ctx->db, from_db_one, &f);
	free(f.carry);
	if (r < 0)
		world_release(w);
	return r;
}

static const char *const kind_word[] = { "user", "dep", "removed", "rom" };

char *world_render(const struct world *w, size_t *len)
{
	char *buf = NULL;
	size_t i;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	fputs("# pkg world: what the user asked for (docs/sysupgrade.md)\n"
	      "format\t1\n", f);
	if (w->arch)
		fprintf(f, "arch\t%s\n", w->arch);
	if (w->image)
		fprintf(f, "image\t%s\n", w->image);
	for (i = 0; i < w->n; i++) {
		const struct world_entry *e = &w->e[i];
		fprintf(f, "%s\t%s", kind_word[e->kind], e->name);
		if (e->version)
			fprintf(f, "\t%s", e->version);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Split the next line off text: NUL-terminated copy in *line without the
 * newline and a trailing CR. Returns bytes consumed, 0 at the end. */
static size_t next_line(const char *text, size_t len, char **line)
{
	const char *nl = memchr(text, '\n', len);
	size_t n = nl ? (size_t)(nl - text) : len, used = nl ? n + 1 : n;

	if (len == 0)
		return 0;
	if (n && text[n - 1] == '\r')
		n--;
	*line = strndup(text, n);
	return *line ? used : 0;
}

/* Fields of a line split at TABs (at most 4); returns the count. */
static int split_tabs(char *line, char **f)
{
	int n = 0;

	while (n < 4) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = 0;
	}
	return n;
}

static int has_space(const char *s)
{
	return strpbrk(s, " \t\v\f") != NULL;
}

/* One line of a world file; returns a reason when bad, else NULL. */
static const char *world_line(struct world *w, char *line, size_t no,
			      int *err)
{
	char *f[4];
	int n = split_tabs(line, f), k;

	if (!strcmp(f[0], "format"))
		return n == 2 && !strcmp(f[1], "1") ? NULL
						    : "unknown format version";
	if (!strcmp(f[0], "arch") || !strcmp(f[0], "image")) {
		char **dst = f[0][0] == 'a' ? &w->arch : &w->image;
		if (n != 2 || !*f[1] || has_space(f[1]))
			return "expected a value after the keyword";
		free(*dst);
		*dst = strdup(f[1]);
		return NULL;
	}
	for (k = 0; k < 4 && strcmp(kind_word[k], f[0]); k++)
		;
	if (k == 4)
		return has_space(f[0]) ? "not tab-separated"
				       : "unknown keyword";
	if (n < 2 || n > 3)
		return "expected KIND<TAB>NAME[<TAB>VERSION]";
	if (!world_name_ok(f[1]))
		return has_space(f[1]) ? "package name with spaces"
				       : "not a package name";
	*err = world_add(w, f[1], n == 3 ? f[2] : NULL, (enum world_kind)k,
			 no);
	return NULL;
}

/* Lines that are blank or comments need no parsing. */
static int skip_line(const char *line)
{
	const char *p = line + strspn(line, " \t");

	return !*p || *p == '#';
}

typedef const char *(*line_fn)(struct world *w, char *line, size_t no,
				int *err);

/* Each line of text through fn; bad lines (fn's reason) go to bad. */
static int parse_lines(const char *text, size_t len, const char *fname,
		       struct world *w, line_fn fn, world_bad_fn bad, void *ud)
{
	size_t off = 0, used, no = 0;
	char *line;
	int err = 0;

	while (err == 0 && (used = next_line(text + off, len - off, &line))) {
		const char *why = NULL;
		char *copy = bad ? strdup(line) : NULL;

		off += used;
		no++;
		if (!skip_line(line))
			why = fn(w, line, no, &err);
		if (why && bad)
			bad(ud, fname, no, copy ? copy : "", why);
		free(copy);
		free(line);
	}
	return err;
}

int world_parse(const char *text, size_t len, const char *fname,
		struct world *w, world_bad_fn bad, void *ud)
{
	return parse_lines(text, len, fname, w, world_line, bad, ud);
}

/* One line of installed_packages.txt; a reason when bad, else NULL. */
static const char *itxt_line(struct world *w, char *line, size_t no,
			     int *err)
{
	char *f[4];
	int n = split_tabs(line, f);
	enum world_kind k = WK_USER;

	if (n > 2)
		return "more than two tab-separated fields";
	if (!world_name_ok(f[0]))
		return has_space(f[0]) ? "package name with spaces"
				       : "not a package name";
	if (n == 2 && !strcmp(f[1], "rom"))
		k = WK_ROM;
	else if (n == 2 && strcmp(f[1], "overlay") && strcmp(f[1], "unknown"))
		return "expected rom, overlay or unknown after the name";
	*err = world_add(w, f[0], NULL, k, no);
	return NULL;
}

int world_parse_installed_txt(const char *text, size_t len,
			      const char *fname, struct world *w,
			      world_bad_fn bad, void *ud)
{
	return parse_lines(text, len, fname, w, itxt_line, bad, ud);
}

/* installed_packages.txt from the database (as state_files_write
 * writes it). */
static int itxt_from_db(const struct db_pkg *p, void *ud)
{
	struct world *w = ud;

	if (!strcmp(p->state, "removed"))
		return 0;
	if (opkg_pkg_check(p) < 0)
		return -PKGE_FORMAT;
	return world_add(w, p->name, NULL,
			 strcmp(p->origin, "rom") ? WK_USER : WK_ROM, 0);
}

static char *itxt_render(struct pkg_ctx *ctx, size_t *len)
{
	struct world w = { 0 };
	struct hooks_pkg_entry *e;
	char *txt = NULL;
	size_t i;

	if (db_pkg_each(ctx->db, itxt_from_db, &w) < 0)
		return NULL;
	e = calloc(w.n + 1, sizeof(*e));
	for (i = 0; e && i < w.n; i++) {
		e[i].name = w.e[i].name;
		e[i].where = w.e[i].kind == WK_ROM ? "rom" : "overlay";
	}
	if (e)
		txt = hooks_installed_txt(e, w.n, len);
	free(e);
	world_release(&w);
	return txt;
}

/* The on-disk world when it was saved on another image and post-upgrade
 * has not run for this one: malloc'd text, else NULL. */
static char *world_pending(struct pkg_ctx *ctx, size_t *len)
{
	char *text = NULL, *fp = NULL, *done = NULL;
	struct world w = { 0 };
	int pending = 0;

	if (ctx_read_file(ctx, WORLD_FILE, 1 << 20, &text, len) == 0 &&
	    world_parse(text, *len, WORLD_FILE, &w, NULL, NULL) == 0 &&
	    w.image && world_image_fingerprint(ctx, &fp) == 0 &&
	    db_meta_get(ctx->db, META_POST_UPGRADE_DONE, &done) == 0)
		pending = strcmp(w.image, fp) &&
			  !(done && !strcmp(done, fp));
	world_release(&w);
	free(fp);
	free(done);
	if (!pending) {
		free(text);
		return NULL;
	}
	return text;
}

int world_texts(struct pkg_ctx *ctx, char **world, size_t *wlen,
		char **itxt, size_t *ilen)
{
	struct world w;
	int r = 0;

	*itxt = itxt_render(ctx, ilen);
	*world = world_pending(ctx, wlen);
	if (!*world) {
		r = world_from_db(ctx, &w);
		if (r == 0) {
			*world = world_render(&w, wlen);
			world_release(&w);
		}
	}
	if (r == 0 && (!*world || !*itxt))
		r = -ENOMEM;
	if (r < 0) {
		free(*world);
		free(*itxt);
		*world = *itxt = NULL;
	}
	return r;
}

int world_write(struct pkg_ctx *ctx)
{
	struct world w;
	char *txt = world_pending(ctx, &(size_t){ 0 });
	size_t len = 0;
	int r;

	if (txt) {
		free(txt);
		return 0;
	}
	r = world_from_db(ctx, &w);
	if (r < 0)
		return r;
	txt = world_render(&w, &len);
	world_release(&w);
	if (!txt)
		return -ENOMEM;
	r = ctx_write_file(ctx, WORLD_FILE, txt, len, 0644);
	free(txt);
	return r;
}
