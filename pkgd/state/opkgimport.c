/*
 * First run: import an existing opkg state (status + info/<pkg>.*) into
 * the database. Packages that the image's own status lists at the same
 * version are recorded with origin "rom". A database built in RAM for a
 * query imports only what the query reads (enum opkg_import).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

/* A package of the image's status: its name and version. */
struct rom_pkg {
	char *name;
	char *version;
	size_t pos; /* its stanza's rank: the first of a name wins */
};

struct import_ctx {
	struct pkg_ctx *ctx;
	enum opkg_import what;
	struct opkg_lists lists; /* info/, resolved once */
	/* The parent directory of the last path resolved, as written and
	 * resolved: a .list names its files directory by directory, so
	 * most resolve their parent once. */
	char *dir, *dir_res;
	struct rom_pkg *rom; /* the image's packages, by name */
	size_t nrom;
	int count;
	int r;
};

static int rom_pkg_cmp(const void *a, const void *b)
{
	const struct rom_pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static int rom_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rom_pkg *)elem)->name);
}

static int rom_collect(const struct ctl_stanza *st, void *ud)
{
	struct import_ctx *ic = ud;
	const char *n = ctl_get(st, "Package"), *v = ctl_get(st, "Version");
	struct rom_pkg *grown;

	if (!n || !v)
		return 0;
	grown = realloc(ic->rom, (ic->nrom + 1) * sizeof(*grown));
	if (!grown)
		return 1; /* fewer packages marked "rom": not an error */
	ic->rom = grown;
	grown[ic->nrom].name = strdup(n);
	grown[ic->nrom].version = strdup(v);
	grown[ic->nrom].pos = ic->nrom;
	if (grown[ic->nrom].name && grown[ic->nrom].version)
		ic->nrom++;
	else {
		free(grown[ic->nrom].name);
		free(grown[ic->nrom].version);
	}
	return 0;
}

/* The image's status read once, sorted by name (not parsed again for
 * each package: a router's status lists 150 to 400 of them). The first
 * stanza of a name wins, as a linear search found it. */
static void rom_index(struct import_ctx *ic, const char *text, size_t len)
{
	ctl_parse(text, len, 0, rom_collect, ic);
	if (ic->nrom)
		qsort(ic->rom, ic->nrom, sizeof(*ic->rom), rom_pkg_cmp);
}

static void rom_index_free(struct import_ctx *ic)
{
	for (size_t i = 0; i < ic->nrom; i++) {
		free(ic->rom[i].name);
		free(ic->rom[i].version);
	}
	free(ic->rom);
}

/* Version of name in the image's status, malloc'd, or NULL. */
static char *rom_version(struct import_ctx *ic, const char *name)
{
	struct rom_pkg *hit = ic->nrom ? bsearch(name, ic->rom, ic->nrom,
						 sizeof(*ic->rom),
						 rom_name_cmp)
				       : NULL;

	/* bsearch finds any of equal names: back to the first */
	while (hit && hit > ic->rom && !strcmp(hit[-1].name, name))
		hit--;
	return hit ? strdup(hit->version) : NULL;
}

/* info/<pkg>.<ext>: the directory resolved once (at the first read)
 * and opened once where the root is one tree, then one open of the file
 * (pkg is a checked name: one component). A router's transaction reads
 * every package's .list (opkg_files_write): one open each, not a walk. */
char *opkg_info_read(struct opkg_lists *ol, const char *pkg, const char *ext,
		     size_t *len)
{
	char rel[1024], *text = NULL;
	int n;

	if (!ol->info_res &&
	    rootfs_resolve(&ol->ctx->rf, NULL, ol->ctx->conf.info_dir,
			   ROOTFS_RESOLVE_FOLLOW, &ol->info_res) < 0)
		return NULL;
	if (!ol->info_opened) {
		ol->info_opened = 1;
		ol->info_fd = rootfs_dir_open(&ol->ctx->rf, ol->info_res);
	}
	if (ol->info_fd >= 0) {
		n = snprintf(rel, sizeof(rel), "%s.%s", pkg, ext);
		if (n < 0 || (size_t)n >= sizeof(rel) ||
		    tree_read_at(ol->info_fd, rel, 0, &text, len) < 0)
			text = NULL;
		return text;
	}
	n = snprintf(rel, sizeof(rel), "%s%s%s.%s", ol->info_res,
		     *ol->info_res ? "/" : "", pkg, ext);
	if (n < 0 || (size_t)n >= sizeof(rel) ||
	    rootfs_read(&ol->ctx->rf, rel, 0, &text, len) < 0)
		text = NULL;
	return text;
}

static char *info_read(struct import_ctx *ic, const char *pkg,
		       const char *ext, size_t *len)
{
	return opkg_info_read(&ic->lists, pkg, ext, len);
}

int opkg_list_each(struct opkg_lists *ol, const char *pkg,
		   int (*fn)(const char *path, void *ud), void *ud)
{
	size_t len = 0;
	char *list = opkg_info_read(ol, pkg, "list", &len), *line, *save;
	int r = 0;

	if (!list)
		return 0;
	for (line = strtok_r(list, "\n", &save); line && !r;
	     line = strtok_r(NULL, "\n", &save))
		if ((line = opkg_list_entry(line)))
			r = fn(line, ud);
	free(list);
	return r;
}

void opkg_lists_release(struct opkg_lists *ol)
{
	free(ol->info_res);
	ol->info_res = NULL;
	if (ol->info_opened && ol->info_fd >= 0)
		close(ol->info_fd);
	ol->info_opened = 0;
}

char *opkg_list_entry(char *line)
{
	char *tab = strchr(line, '\t'), *norm = NULL;
	size_t l;

	if (tab) /* upstream opkg appends "\t<mode>" */
		*tab = '\0';
	line[strcspn(line, "\r")] = '\0';
	/* the normaliser archive members go through: no "..", no control
	 * characters; the result is never longer than the line */
	if (!ctl_line_ok(line) || path_normalise(line, &norm) < 0 || !*norm) {
		free(norm);
		return NULL;
	}
	l = strlen(norm);
	memcpy(line, norm, l + 1);
	free(norm);
	return line;
}

/* lstat of a recorded path (normalised, root-relative), through its
 * links inside the root: its parent resolved (links followed) as
 * rootfs_resolve would, or taken from the last path's when it is the
 * same directory, then the last component, not followed. */
static int import_stat(struct import_ctx *ic, const char *path,
		       struct stat *st)
{
	const char *slash = strrchr(path, '/');
	const char *leaf = slash ? slash + 1 : path;
	size_t dl = slash ? (size_t)(slash - path) : 0;
	char *res = NULL;
	int r = 0;

	if (!ic->dir || strlen(ic->dir) != dl || strncmp(ic->dir, path, dl)) {
		free(ic->dir);
		free(ic->dir_res);
		ic->dir_res = NULL;
		ic->dir = strndup(path, dl);
		if (!ic->dir)
			return -ENOMEM;
		r = rootfs_resolve(&ic->ctx->rf, NULL, ic->dir,
				   ROOTFS_RESOLVE_FOLLOW, &ic->dir_res);
	}
	if (r < 0 || !ic->dir_res)
		return r < 0 ? r : -ENOENT;
	if (asprintf(&res, "%s%s%s", ic->dir_res, *ic->dir_res ? "/" : "",
		     leaf) < 0)
		return -ENOMEM;
	r = path_is_canonical(res) ? rootfs_lstat(&ic->ctx->rf, res, st, NULL)
				   : -ENOENT;
	free(res);
	return r;
}

struct import_file {
	struct import_ctx *ic;
	const char *pkg, *origin;
};

static int import_file(const char *path, void *ud)
{
	struct import_file *fi = ud;
	struct db_file f = { 0 };
	struct stat st;

	f.path = (char *)path;
	f.package = (char *)fi->pkg;
	f.type = 'f';
	f.origin = (char *)fi->origin;
	if (import_stat(fi->ic, path, &st) == 0) {
		f.type = S_ISLNK(st.st_mode)  ? 'l'
			 : S_ISDIR(st.st_mode) ? 'd'
					       : 'f';
		f.mode = st.st_mode & 07777;
		f.size = (uint64_t)st.st_size;
	}
	db_file_put(fi->ic->ctx->db, &f);
	return 0;
}

static void import_files(struct import_ctx *ic, const char *pkg,
			 const char *origin)
{
	struct import_file fi = { ic, pkg, origin };

	opkg_list_each(&ic->lists, pkg, import_file, &fi);
}

int opkg_conffiles_lines(const char *value,
			 int (*fn)(const char *path, const char *hash,
				   void *ud),
			 void *ud)
{
	char *copy = strdup(value), *line, *save;
	int r = copy ? 0 : -ENOMEM;

	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; !r && line;
	     line = strtok_r(NULL, "\n", &save)) {
		char path[4096], hash[129];

		if (sscanf(line, " %4095s %128s", path, hash) < 1)
			continue;
		if (sscanf(line, " %*s %128s", hash) != 1)
			hash[0] = 0;
		if (opkg_list_entry(path))
			r = fn(path, hash, ud);
	}
	free(copy);
	return r;
}

struct import_conf {
	struct import_ctx *ic;
	const char *pkg, *origin;
};

static int import_conffile(const char *path, const char *hash, void *ud)
{
	struct import_conf *c = ud;
	struct db_file f = { 0 };
	struct stat st;

	f.path = (char *)path;
	f.package = (char *)c->pkg;
	f.type = 'f';
	f.conffile = 1;
	f.conf_sha256 = *hash ? (char *)hash : NULL;
	f.origin = (char *)c->origin;
	/* mode and size: not shown from the stanza alone */
	if (c->ic->what != OPKG_IMPORT_STATUS &&
	    import_stat(c->ic, f.path, &st) == 0) {
		f.mode = st.st_mode & 07777;
		f.size = (uint64_t)st.st_size;
	}
	db_file_put(c->ic->ctx->db, &f);
	return 0;
}

static void import_conffiles(struct import_ctx *ic, const char *pkg,
			     const char *origin, const char *value)
{
	struct import_conf c = { ic, pkg, origin };

	opkg_conffiles_lines(value, import_conffile, &c);
}

/* The info members kept in the scripts table: the conffiles list (the
 * order status shows the conffiles in), then the scripts unless
 * conffiles_only. */
static void import_scripts(struct import_ctx *ic, const char *pkg,
			   int conffiles_only)
{
	static const char *const members[] = {
		"conffiles", "preinst", "postinst", "prerm", "postrm",
		"postinst-pkg", "prerm-pkg"
	};
	size_t all = sizeof(members) / sizeof(members[0]);
	size_t i, len, n = conffiles_only ? 1 : all;

	for (i = 0; i < n; i++) {
		char *body = info_read(ic, pkg, members[i], &len);
		if (body)
			db_script_put(ic->ctx->db, pkg, members[i], body, len);
		free(body);
	}
}

/* The conffiles list kept with the scripts (import_scripts reads it from
 * info/<pkg>.conffiles) made from the status's Conffiles: one path a
 * line, in the stanza's order. */
static void conffiles_order(struct import_ctx *ic, const char *pkg,
			    const char *value)
{
	size_t len;
	char *body = opkg_conffiles_order(value, &len);

	if (body && len)
		db_script_put(ic->ctx->db, pkg, "conffiles", body, len);
	free(body);
}

/* The state of a Status value ("install user installed": the third
 * word) when the package is installed as the import takes it: installed,
 * or unpacked / half-configured (its postinst did not complete). */
static const char *status_state(const char *status, char *state, size_t n)
{
	char want[32], flags[96], word[32];

	if (!status || sscanf(status, "%31s %95s %31s", want, flags, word) != 3)
		return NULL;
	if (strcmp(word, "installed") && strcmp(word, "unpacked") &&
	    strcmp(word, "half-configured"))
		return NULL;
	snprintf(state, n, "%s", word);
	return state;
}

/* The package of a status stanza as the import takes it into *p, its
 * strings the stanza's but rom_version (malloc'd: the caller frees it);
 * control is left NULL. 1, 0 when the stanza is not an installed
 * package (skipped), or -PKGE_FORMAT reported (a forged stanza). */
static int stanza_pkg(struct import_ctx *ic, const struct ctl_stanza *st,
		      struct db_pkg *p)
{
	const char *name = ctl_get(st, "Package"), *status, *t;
	char state[32], why[160];

	status = status_state(ctl_get(st, "Status"), state, sizeof(state));
	if (!name || !ctl_get(st, "Version") || !status)
		return 0;
	/* a forged stanza (a name with "/" or a newline) goes no further
	 * than here: not into the database, never to a path */
	if (ctl_check_stanza(st, why, sizeof(why)) < 0)
		return pkg_error_plain(-PKGE_FORMAT, "opkg status, line %zu: %s",
				       st->line, why);
	memset(p, 0, sizeof(*p));
	t = ctl_get(st, "Status");
	p->rom_version = rom_version(ic, name);
	p->name = (char *)name;
	p->version = (char *)ctl_get(st, "Version");
	p->arch = (char *)ctl_get(st, "Architecture");
	p->origin = p->rom_version && !strcmp(p->rom_version, p->version)
			    ? "rom"
			    : "overlay";
	p->state = strcmp(status, "installed") ? "failed" : "installed";
	p->hold = strstr(t, "hold") != NULL;
	p->noprune = strstr(t, "noprune") != NULL;
	p->user = strstr(t, "user") != NULL;
	t = ctl_get(st, "Auto-Installed");
	p->auto_installed = t && !strcasecmp(t, "yes");
	t = ctl_get(st, "Installed-Time");
	p->installed_time = t ? strtoll(t, NULL, 10) : 0;
	return 1;
}

static int import_stanza(const struct ctl_stanza *st, void *ud)
{
	struct import_ctx *ic = ud;
	const char *name = ctl_get(st, "Package");
	const char *conff = ctl_get(st, "Conffiles");
	struct db_pkg p;
	size_t len;
	int r = stanza_pkg(ic, st, &p);

	if (r < 0) {
		ic->r = r;
		return 1;
	}
	if (r == 0)
		return 0;
	p.control = ic->what == OPKG_IMPORT_STATUS
			    ? NULL
			    : info_read(ic, name, "control", &len);
	if (p.control) /* opkg reads an installed package's relations from
			* the status file: so does the pool */
		p.control = opkg_control_with_status(p.control, st);
	else
		p.control = opkg_control_from_status(st);
	if (db_pkg_put(ic->ctx->db, &p) < 0)
		ic->r = -PKGE_DB;
	if (ic->what == OPKG_IMPORT_ALL)
		import_files(ic, name, p.origin);
	if (conff) /* the status's own field (info and status show it) */
		import_conffiles(ic, name, p.origin, conff);
	/* the order status shows the conffiles in: the stanza's own with
	 * nothing but the stanza read, else info/<pkg>.conffiles */
	if (ic->what == OPKG_IMPORT_STATUS && conff)
		conffiles_order(ic, name, conff);
	else if (ic->what == OPKG_IMPORT_ALL ||
		 (ic->what != OPKG_IMPORT_STATUS && conff))
		import_scripts(ic, name, ic->what != OPKG_IMPORT_ALL);
	free(p.control);
	free(p.rom_version);
	ic->count++;
	return 0;
}

/* opkg's status file into *text (NULL when there is none: 0), and the
 * image's status indexed into ic (origin "rom"). 0 or reported. */
static int status_read(struct import_ctx *ic, char **text, size_t *len)
{
	struct pkg_ctx *ctx = ic->ctx;
	char *rel = NULL, *rom_text = NULL;
	size_t rom_len = 0;
	int r = ctx_read_file(ctx, ctx->conf.status_file, 0, text, len);

	if (r == -ENOENT) {
		*text = NULL;
		return 0;
	}
	if (r < 0)
		return pkg_error(r, "cannot read opkg status '%s'",
				 ctx->conf.status_file);
	if (ctx->rf.rom_fd >= 0 &&
	    path_normalise(ctx->conf.status_file, &rel) == 0 &&
	    path_is_canonical(rel) &&
	    tree_read_file(&ctx->rf, TREE_ROM, rel, 0, &rom_text,
			   &rom_len) == 0)
		rom_index(ic, rom_text, rom_len);
	free(rom_text);
	free(rel);
	return 0;
}

int opkg_files_import(struct pkg_ctx *ctx, enum opkg_import what)
{
	struct import_ctx ic = { .ctx = ctx, .what = what, .lists = { .ctx = ctx } };
	char *text = NULL;
	size_t len = 0;
	int r = status_read(&ic, &text, &len);

	if (r < 0 || !text) {
		rom_index_free(&ic);
		return r;
	}
	r = db_begin(ctx->db);
	if (r == 0)
		r = ctl_parse(text, len, 0, import_stanza, &ic);
	if (r == 0 && ic.r == 0)
		r = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	if (r == 0 && ic.r == 0 && ic.count)
		ctx_note(ctx, 2, "Imported %d packages from opkg status.\n",
			 ic.count);
	free(text);
	rom_index_free(&ic);
	opkg_lists_release(&ic.lists);
	free(ic.dir);
	free(ic.dir_res);
	return r < 0 ? r : ic.r;
}

/* Parse opkg's status (and index the image's, status_read) into fn:
 * 0, the parse's error, or the error fn left in ic->r. */
static int status_parse(struct import_ctx *ic, ctl_stanza_fn fn, void *ud)
{
	char *text = NULL;
	size_t len = 0;
	int r = status_read(ic, &text, &len);

	if (r == 0 && text)
		r = ctl_parse(text, len, 0, fn, ud);
	free(text);
	if (r >= 0 && ic->r < 0)
		r = ic->r; /* the parse stopped at it */
	return r;
}

/* opkg_status_each: the installed packages of the status file, copied
 * (the text is freed before they are shown) with their stanza's rank. */
struct status_ent {
	struct db_pkg p;
	char *conffiles; /* the stanza's Conffiles value, when kept */
	size_t pos;
};

/* What status_each keeps of a stanza besides its package. */
enum status_keep {
	KEEP_PKG,
	KEEP_CONFFILES, /* its Conffiles value (opkg_conffiles_each) */
	KEEP_ALL	/* and the control text (opkg_status_full_each) */
};

struct status_pkgs {
	struct import_ctx ic;
	enum status_keep keep;
	struct status_ent *v;
	size_t n, cap;
};

/* *dst: a copy of src, every string its own (db_pkg_release). 0 or
 * -ENOMEM (dst is released then). */
static int pkg_copy(struct db_pkg *dst, const struct db_pkg *src)
{
	*dst = *src;
	dst->name = strdup(src->name);
	dst->version = strdup(src->version);
	dst->arch = src->arch ? strdup(src->arch) : NULL;
	dst->origin = strdup(src->origin);
	dst->state = strdup(src->state);
	dst->control = src->control ? strdup(src->control) : NULL;
	dst->rom_version = src->rom_version ? strdup(src->rom_version) : NULL;
	if (!dst->name || !dst->version || (src->arch && !dst->arch) ||
	    !dst->origin || !dst->state || (src->control && !dst->control) ||
	    (src->rom_version && !dst->rom_version)) {
		db_pkg_release(dst);
		return -ENOMEM;
	}
	return 0;
}

static int status_collect(const struct ctl_stanza *st, void *ud)
{
	struct status_pkgs *sp = ud;
	struct status_ent *e;
	const char *conff;
	struct db_pkg p;
	int r = stanza_pkg(&sp->ic, st, &p);

	if (r < 0) {
		sp->ic.r = r;
		return 1;
	}
	if (r == 0)
		return 0;
	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? 2 * sp->cap : 256;
		struct status_ent *v = realloc(sp->v, cap * sizeof(*v));

		if (!v) {
			free(p.rom_version);
			sp->ic.r = pkg_error(-ENOMEM, "cannot read opkg status");
			return 1;
		}
		sp->v = v;
		sp->cap = cap;
	}
	e = &sp->v[sp->n];
	e->pos = sp->n;
	e->conffiles = NULL;
	r = pkg_copy(&e->p, &p); /* p.control is NULL: stanza_pkg's */
	/* what OPKG_IMPORT_STATUS stores for the stanza (import_stanza),
	 * made in place: not copied once more */
	if (r == 0 && sp->keep == KEEP_ALL &&
	    !(e->p.control = opkg_control_from_status(st))) {
		db_pkg_release(&e->p);
		r = -ENOMEM;
	}
	if (r == 0 && sp->keep != KEEP_PKG &&
	    (conff = ctl_get(st, "Conffiles")) &&
	    !(e->conffiles = strdup(conff))) {
		db_pkg_release(&e->p);
		r = -ENOMEM;
	}
	if (r == 0)
		sp->n++;
	free(p.rom_version);
	if (r < 0) {
		sp->ic.r = pkg_error(r, "cannot read opkg status");
		return 1;
	}
	return 0;
}

/* By name, then by rank: of a name given twice, the last stanza is the
 * one the import keeps (INSERT OR REPLACE). */
static int status_ent_cmp(const void *a, const void *b)
{
	const struct status_ent *x = a, *y = b;
	int c = strcmp(x->p.name, y->p.name);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* The Conffiles of the stanzas v[first..last] of one name, as the
 * database holds them after importing each in turn: every line (the
 * files table keeps each (package, path) of every stanza, the last
 * hash) in *all, and the order list (the scripts table's "conffiles",
 * replaced by each stanza with a non-empty Conffiles) in *order. One
 * stanza, by far the common case, copies nothing. 0 or -ENOMEM. */
static int name_conffiles(const struct status_ent *v, size_t first,
			  size_t last, const char **all, const char **order,
			  char **owned)
{
	size_t i, len = 0;
	char *s;

	*owned = NULL;
	*all = *order = NULL;
	for (i = first; i <= last; i++)
		if (v[i].conffiles) {
			if (v[i].conffiles[strspn(v[i].conffiles, " \t\n")])
				*order = v[i].conffiles;
			len += strlen(v[i].conffiles) + 1;
		}
	if (first == last) {
		*all = v[first].conffiles;
		return 0;
	}
	if (!len)
		return 0;
	s = *owned = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	for (i = first; i <= last; i++)
		if (v[i].conffiles)
			s += sprintf(s, "%s\n", v[i].conffiles);
	*all = *owned;
	return 0;
}

static int status_each(struct pkg_ctx *ctx, enum status_keep keep,
		       int (*fn)(const struct db_pkg *p, const char *conffiles,
				 const char *order, void *ud),
		       void *ud)
{
	struct status_pkgs sp = { .ic = { .ctx = ctx,
					  .what = OPKG_IMPORT_STATUS },
				  .keep = keep };
	size_t i, first = 0;
	int r = status_parse(&sp.ic, status_collect, &sp);

	if (r == 0 && sp.n)
		qsort(sp.v, sp.n, sizeof(*sp.v), status_ent_cmp);
	for (i = 0; r == 0 && i < sp.n; i++) {
		const char *all, *order;
		char *owned;

		if (i + 1 < sp.n && !strcmp(sp.v[i].p.name, sp.v[i + 1].p.name))
			continue; /* the last stanza of a name is shown */
		r = name_conffiles(sp.v, first, i, &all, &order, &owned);
		if (r < 0)
			r = pkg_error(r, "cannot read opkg status");
		else
			r = fn(&sp.v[i].p, all, order, ud);
		free(owned);
		first = i + 1;
	}
	for (i = 0; i < sp.n; i++) {
		db_pkg_release(&sp.v[i].p);
		free(sp.v[i].conffiles);
	}
	free(sp.v);
	rom_index_free(&sp.ic);
	return r;
}

struct status_plain {
	int (*fn)(const struct db_pkg *p, void *ud);
	void *ud;
};

static int status_plain_one(const struct db_pkg *p, const char *conffiles,
			    const char *order, void *ud)
{
	struct status_plain *sp = ud;

	(void)conffiles;
	(void)order;
	return sp->fn(p, sp->ud);
}

int opkg_status_each(struct pkg_ctx *ctx,
		     int (*fn)(const struct db_pkg *p, void *ud), void *ud)
{
	struct status_plain sp = { fn, ud };

	return status_each(ctx, KEEP_PKG, status_plain_one, &sp);
}

int opkg_status_full_each(struct pkg_ctx *ctx,
			  int (*fn)(const struct db_pkg *p,
				    const char *conffiles, const char *order,
				    void *ud),
			  void *ud)
{
	return status_each(ctx, KEEP_ALL, fn, ud);
}

struct status_find {
	const char *name;
	struct db_pkg *p;
	int found;
};

static int status_find_one(const struct db_pkg *p, void *ud)
{
	struct status_find *f = ud;
	int r;

	if (strcmp(p->name, f->name))
		return 0;
	r = pkg_copy(f->p, p);
	if (r < 0)
		return pkg_error(r, "cannot read opkg status");
	f->found = 1;
	return 1;
}

int opkg_status_get(struct pkg_ctx *ctx, const char *name, struct db_pkg *p)
{
	struct status_find f = { name, p, 0 };
	int r = opkg_status_each(ctx, status_find_one, &f);

	if (r < 0)
		return r;
	return f.found ? 0 : -PKGE_NOTFOUND;
}

/* opkg_conffiles_each: the Conffiles of each name's stanzas, by package
 * then path (opkg_conffiles_rows_each), as the files table keeps them. */
struct status_plain_files {
	int (*fn)(const struct db_file *f, void *ud);
	void *ud;
};

static int conffiles_one(const struct db_pkg *p, const char *conffiles,
			 const char *order, void *ud)
{
	struct status_plain_files *pf = ud;
	int r;

	(void)order;
	r = opkg_conffiles_rows_each(p, conffiles, pf->fn, pf->ud);
	return r == -ENOMEM ? pkg_error(r, "cannot read opkg status") : r;
}

int opkg_conffiles_each(struct pkg_ctx *ctx,
			int (*fn)(const struct db_file *f, void *ud), void *ud)
{
	struct status_plain_files pf = { fn, ud };

	return status_each(ctx, KEEP_CONFFILES, conffiles_one, &pf);
}
