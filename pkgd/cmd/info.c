/*
 * info [GLOB]: installed and available packages in opkg's field order, or
 * --json; info_run is status's too (installed only). info's stanzas
 * come out in opkg's order (its hash table's walk, opkgorder.c): each is
 * printed into a buffer first, and the buffer written in that order;
 * status prints as it reads, by name.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/cmd.h"

static void field(FILE *f, const char *name, const char *v)
{
	if (!v || !*v)
		return;
	/* not fprintf: its format parse was a tenth of `info 'lib*'` */
	fputs(name, f);
	fputs(": ", f);
	fputs(v, f);
	fputc('\n', f);
}

/* One "key": "value" of an object, none when v is NULL. */
static void info_field(FILE *f, const char *key, const char *v, int *first)
{
	if (!v)
		return;
	json_field(f, *first ? "" : ", ", key, v);
	*first = 0;
}

/* opkg's pkg_formatted_info order. Fields come from the status stanza,
 * and for info also from the feed entry of the same package. */
static const char *const info_order[] = {
	"Package", "Version", "Depends", "Recommends", "Suggests", "Provides",
	"Replaces", "Conflicts", "Status", "Section", "Essential",
	"Architecture", "Maintainer", "MD5Sum", "Size", "Filename",
	"Conffiles", "Source", "Description", "Installed-Time", "Tags", NULL
};

/* The raw lines of one field in a stanza text ("Name: v\n" plus its
 * continuation lines), or NULL. *len gets their length. */
static const char *raw_field(const char *text, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *l = text, *e;

	while (l && *l) {
		if (!strncasecmp(l, name, n) && l[n] == ':') {
			e = strchr(l, '\n');
			while (e && e[1] && (e[1] == ' ' || e[1] == '\t'))
				e = strchr(e + 1, '\n');
			*len = e ? (size_t)(e - l) + 1 : strlen(l);
			return l;
		}
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	return NULL;
}

/* A description as info prints it: joined as opkg joins the lines of
 * the stanza text, or its first line (v: the parsed value) with
 * --short-description. Malloc'd or NULL. */
static char *info_desc(struct pkg_ctx *ctx, int tty, const char *text,
		       const char *v)
{
	if (ctx->opt.short_desc)
		return desc_first_line(v);
	return desc_opkg(text, strlen(text), tty);
}

/* An installed package info shows. When installed (or failed), a feed
 * entry of the same name, version and architecture is not shown again
 * (opkg merges the two). */
struct shown_pkg {
	char *name, *version, *arch;
	int counts;	/* installed or failed */
	int has_arch;	/* arch is its own, not "all" for none */
	/* the rows path, which prints once the feed entries are read:
	 * its status stanza, its feed entry's stanza (NULL: none) and
	 * where that is (held_entry's feed and pos) */
	char *stanza, *twin;
	uint64_t twin_feed, twin_pos;
};

/* A stanza printed into the buffer: which package, where its name's
 * entries place it (opkg keeps a name's packages in the order it read
 * them: the feeds' entries in the lists' order, then the status's own
 * unless a feed had it; feed, pos: the list's index and the stanza's
 * offset, or 0 and the pool's id; HELD_LAST for the status's own), and
 * where its text starts. */
struct held_entry {
	char *name;
	uint64_t feed, pos;
	size_t off, len;
	uint64_t walk; /* opkg_walk_keys */
	char *dup_key; /* a feed entry's "version arch" (info_feed) */
};

#define HELD_LAST UINT64_MAX

/* The held output, in chunks from the heap: it grows without copying
 * what it holds (open_memstream's buffer doubles, each copy in fresh
 * pages: 556 more page faults for `info 'lib*'`). */
#define HOLD_CHUNK 65536

struct hold_buf {
	char **chunk;
	size_t nchunks, len;
};

static ssize_t hold_write(void *cookie, const char *data, size_t n)
{
	struct hold_buf *h = cookie;
	size_t done = 0;

	while (done < n) {
		size_t at = h->len % HOLD_CHUNK, k = n - done;
		if (h->len / HOLD_CHUNK == h->nchunks) {
			char **v = realloc(h->chunk,
					   (h->nchunks + 1) * sizeof(*v));
			if (!v)
				return -1;
			h->chunk = v;
			if (!(v[h->nchunks] = malloc(HOLD_CHUNK)))
				return -1;
			h->nchunks++;
		}
		if (k > HOLD_CHUNK - at)
			k = HOLD_CHUNK - at;
		memcpy(h->chunk[h->len / HOLD_CHUNK] + at, data + done, k);
		h->len += k;
		done += k;
	}
	return (ssize_t)n;
}

/* Write len held bytes from off to out. */
static void hold_copy(const struct hold_buf *h, size_t off, size_t len,
		      FILE *out)
{
	while (len) {
		size_t at = off % HOLD_CHUNK, k = HOLD_CHUNK - at;
		if (k > len)
			k = len;
		fwrite(h->chunk[off / HOLD_CHUNK] + at, 1, k, out);
		off += k;
		len -= k;
	}
}

static void hold_free(struct hold_buf *h)
{
	size_t i;

	for (i = 0; i < h->nchunks; i++)
		free(h->chunk[i]);
	free(h->chunk);
}

struct row_hit;

struct info_ctx {
	struct pkg_ctx *ctx;
	const char *glob;
	int is_status;
	int depends;	/* depends_run: each package's Depends alone */
	int first;
	int found;
	/* Without a pool (feed_rows_map_all): each configured feed's rows cache
	 * (nfeeds of them; none mapped for a feed without a list). */
	struct feed_rows *rows;
	size_t nfeeds;
	/* the feed entries the glob matches (rows_hits), in the pool's
	 * order */
	struct row_hit *hits;
	size_t nhits;
	/* the installed packages shown (not for status) */
	struct shown_pkg *shown;
	size_t nshown, shown_cap;
	int tty; /* the real output is a terminal (descriptions joined) */
	/* info: the stanzas printed so far, ctx->out meanwhile */
	FILE *hold;
	struct hold_buf buf;
	struct held_entry *held;
	size_t nheld, held_cap;
	int r;
};

/* v (n of *cap used) with room for one more of size bytes: v, moved,
 * or NULL (v left as it was) on no memory. */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	size_t c = *cap ? 2 * *cap : 64;

	if (n < *cap)
		return v;
	if (!(v = realloc(v, c * size)))
		return NULL;
	*cap = c;
	return v;
}

/* The next stanza printed is name's, at feed and pos among its entries
 * (held_entry). 0, or -ENOMEM (ic->r). */
static int hold_mark(struct info_ctx *ic, const char *name, uint64_t feed,
		     uint64_t pos)
{
	struct held_entry *v;

	if (!ic->hold)
		return 0;
	if (fflush(ic->hold) != 0 ||
	    !(v = grow(ic->held, ic->nheld, &ic->held_cap, sizeof(*v))))
		return ic->r = -ENOMEM;
	ic->held = v;
	v = &ic->held[ic->nheld];
	*v = (struct held_entry){ strdup(name), feed, pos, ic->buf.len, 0, 0,
				  NULL };
	if (!v->name)
		return ic->r = -ENOMEM;
	ic->nheld++;
	return 0;
}

/* A stanza's architecture as the pool keeps it: none is "all". */
static const char *stanza_arch(const struct ctl_stanza *st)
{
	const char *v = ctl_get(st, "Architecture");

	return v && *v ? v : "all";
}

/* The feed package of the same name, version and architecture as the
 * installed p, from the pool, or 0. */
static Id feed_twin(struct pkg_ctx *ctx, const struct db_pkg *p)
{
	Queue named;
	Id twin = 0;
	int i;

	if (!ctx->solv_ready || !p->arch)
		return 0;
	queue_init(&named);
	solver_named_ids(&ctx->solv, p->name, &named);
	for (i = 0; i < named.count && !twin; i++) {
		Id q = named.elements[i];
		if (!solver_is_installed(&ctx->solv, q) &&
		    !strcmp(solver_evr(&ctx->solv, q), p->version) &&
		    !strcmp(solver_arch(&ctx->solv, q), p->arch))
			twin = q;
	}
	queue_free(&named);
	return twin;
}


/* status: the stanza's fields of info_order, in one pass. The rendered
 * stanza (opkg_status_stanza) has its fields in that order already;
 * what info_order lacks (ABIVersion, Auto-Installed, Alternatives) is
 * left out, as opkg's status leaves it out. */
static void status_fields(FILE *out, const char *stanza)
{
	const char *l = stanza;
	int keep = 0;
	size_t i;

	while (*l) {
		size_t len = strcspn(l, "\n");

		if (*l != ' ' && *l != '\t') {
			size_t n = strcspn(l, ":");
			keep = 0;
			for (i = 0; !keep && info_order[i]; i++)
				keep = strlen(info_order[i]) == n &&
				       !strncasecmp(l, info_order[i], n);
		}
		if (keep && len)
			fwrite(l, 1, len + (l[len] == '\n'), out);
		l += len + (l[len] == '\n');
	}
	fputc('\n', out);
}

/* Print an installed package as opkg's info/status do: the status
 * stanza's fields; info adds (as opkg merges the entries) the feed
 * entry's Section, Maintainer, Size, Filename, Source, Description...
 * when a feed has the same package (name, version, architecture): feed,
 * its stanza text (NULL: none). Frees stanza and feed. */
static void info_installed(struct info_ctx *ic, char *stanza, char *feed)
{
	struct pkg_ctx *ctx = ic->ctx;
	struct ctl_stanza st = { 0 };
	size_t i, len;

	if (!stanza || ic->is_status) {
		if (stanza)
			status_fields(ctx->out, stanza);
		free(stanza);
		free(feed);
		return;
	}
	if (feed)
		ctl_parse_one(feed, strlen(feed), &st);
	for (i = 0; info_order[i]; i++) {
		const char *f = info_order[i], *v;
		const char *raw = raw_field(stanza, f, &len);
		if (raw) {
			fwrite(raw, 1, len, ctx->out);
			continue;
		}
		/* status masks Description and Source */
		if (!feed || !(v = ctl_get(&st, f)) ||
		    !strcmp(f, "Essential") || !strcmp(f, "Status"))
			continue;
		if (!strcmp(f, "Description")) {
			char *one = info_desc(ctx, ic->tty, feed, v);
			field(ctx->out, f, one ? one : v);
			free(one);
		} else {
			field(ctx->out, f, v);
		}
	}
	fputc('\n', ctx->out);
	free(stanza);
	free(feed);
	ctl_stanza_release(&st);
}

/* Print installed p (its rendered stanza, owned from here on) where
 * info finds it: merged into the pool's feed entry of the same package,
 * if any (status: none). 0, or 1 when out of memory (ic->r). */
static int installed_print(struct info_ctx *ic, const struct db_pkg *p,
			   char *stanza)
{
	Id twin = ic->is_status ? 0 : feed_twin(ic->ctx, p);
	char *text = NULL;

	if (twin && feed_stanza_text(ic->ctx, twin, &text) < 0)
		text = NULL;
	if (hold_mark(ic, p->name, text ? 0 : HELD_LAST, (uint64_t)twin) < 0) {
		free(stanza);
		free(text);
		return 1;
	}
	info_installed(ic, stanza, text);
	return 0;
}

/* Remember installed p as shown (info), with stanza (owned from here
 * on; NULL but on the rows path): 0, or -ENOMEM (ic->r). Not asked of
 * the pool, whose installed packages come from the database: without
 * one (CMD_STATUS_READ) it has none. */
static int shown_add(struct info_ctx *ic, const struct db_pkg *p,
		     char *stanza)
{
	struct shown_pkg *v, *e;

	if (ic->is_status) {
		free(stanza);
		return 0;
	}
	if (!(v = grow(ic->shown, ic->nshown, &ic->shown_cap, sizeof(*v)))) {
		free(stanza);
		return ic->r = -ENOMEM;
	}
	ic->shown = v;
	e = &ic->shown[ic->nshown];
	e->counts = !strcmp(p->state, "installed") ||
		    !strcmp(p->state, "failed");
	e->has_arch = p->arch != NULL;
	e->stanza = stanza;
	e->twin = NULL;
	e->name = strdup(p->name);
	e->version = strdup(p->version);
	e->arch = strdup(p->arch ? p->arch : "all");
	if (!e->name || !e->version || !e->arch) {
		free(e->name);
		free(e->version);
		free(e->arch);
		free(stanza);
		return ic->r = -ENOMEM;
	}
	ic->nshown++;
	return 0;
}

/* The rows path's one pass over the installed packages: those info
 * shows, each with its stanza rendered, printed once their feed
 * entries are read (twins_read, shown_print). */
static int collect_one(const struct db_pkg *p, void *ud)
{
	struct info_ctx *ic = ud;

	if (!pkg_glob_match(ic->ctx, ic->glob, p->name) ||
	    !strcmp(p->state, "removed"))
		return 0;
	ic->found = 1;
	/* depends: the control text the pool would read (the status
	 * file's stanza, without a database) */
	return shown_add(ic, p, ic->depends ? strdup(p->control)
					    : opkg_status_stanza(ic->ctx, p)) <
	       0;
}

static int collect_read_one(const struct db_pkg *p, const char *conffiles,
			    const char *order, void *ud)
{
	struct info_ctx *ic = ud;

	if (!pkg_glob_match(ic->ctx, ic->glob, p->name))
		return 0;
	ic->found = 1;
	return shown_add(ic, p,
			 ic->depends ? strdup(p->control)
				     : opkg_status_stanza_read(p, conffiles,
							       order)) < 0;
}

/* One Depends entry (end: its ',' or NUL) as opkg-lede prints it
 * (pkg_depend_str) after its parseDepends read it: the entry cut at
 * each '|' (empty pieces dropped), a piece's name its first word (split
 * at blanks alone: "c(<< 2)" is the name "c(<<"); when the rest starts
 * right after one blank with '(', the text up to ')' is the constraint,
 * its operator read as opkg reads it and printed as constraint_to_str
 * gives it ("<<" is "< ", "<" and "<=" are "<= ", ">>" is "> ", ">" and
 * ">=" are ">= ", "=" is "= ", none is ""), its version trimmed;
 * anything after is not read ("x (>= 1) (<< 2)" is "x (>= 1)").
 * Pieces joined by " | ". An entry with no name prints nothing (opkg
 * would fail on it). */
static void dep_entry_print(FILE *out, const char *s, const char *end)
{
	static const struct {
		const char *text, *shown;
	} ops[] = { { "<<", "< " }, { "<=", "<= " }, { ">=", ">= " },
		    { ">>", "> " }, { "=", "= " },   { "<", "<= " },
		    { ">", ">= " } };
	char *item = strndup(s, (size_t)(end - s)), *alt, *name, *rest, *v;
	char *save_alt = NULL, *save;
	size_t k, n;
	int i = 0;

	if (!item)
		return;
	for (alt = strtok_r(item, "|", &save_alt); alt;
	     alt = strtok_r(NULL, "|", &save_alt)) {
		save = NULL;
		if (!(name = strtok_r(alt, " ", &save)))
			continue;
		rest = strtok_r(NULL, "\n", &save);
		fputs(i++ ? " | " : "\t", out);
		fputs(name, out);
		if (!rest || *rest != '(' ||
		    !(v = strtok_r(rest + 1, ")", &save)))
			continue;
		for (k = 0; k < sizeof(ops) / sizeof(*ops); k++)
			if (!strncmp(v, ops[k].text, strlen(ops[k].text)))
				break;
		if (k < sizeof(ops) / sizeof(*ops))
			v += strlen(ops[k].text);
		while (isspace((unsigned char)*v))
			v++;
		for (n = strlen(v); n && isspace((unsigned char)v[n - 1]); n--)
			;
		fputs(" (", out);
		if (k < sizeof(ops) / sizeof(*ops))
			fputs(ops[k].shown, out);
		fwrite(v, 1, n, out);
		fputc(')', out);
	}
	if (i)
		fputc('\n', out);
	free(item);
}

/* A package as opkg's depends prints it: "NAME depends on:", then each
 * entry of the stanza's Depends (not Pre-Depends: opkg prints DEPEND
 * entries alone), a tab before each. */
static void depends_of(FILE *out, const char *name,
		       const struct ctl_stanza *st)
{
	const char *v = st ? ctl_get(st, "Depends") : NULL, *e;

	fputs(name, out);
	fputs(" depends on:\n", out);
	for (; v && *v; v = *e ? e + 1 : e) {
		e = v + strcspn(v, ",");
		dep_entry_print(out, v, e);
	}
}

/* ...from a stanza's text */
static void depends_block(FILE *out, const char *name, const char *text)
{
	struct ctl_stanza st = { 0 };
	int ok = text && ctl_parse_one(text, strlen(text), &st) == 0;

	depends_of(out, name, ok ? &st : NULL);
	ctl_stanza_release(&st);
}

/* Print the packages collect_one kept, each with its feed entry. */
static void shown_print(struct info_ctx *ic)
{
	size_t i;

	for (i = 0; i < ic->nshown; i++) {
		struct shown_pkg *e = &ic->shown[i];
		if (hold_mark(ic, e->name, e->twin ? e->twin_feed : HELD_LAST,
			      e->twin_pos) < 0)
			return;
		if (ic->depends) { /* opkg keeps the feed entry's lists */
			depends_block(ic->ctx->out, e->name,
				      e->twin ? e->twin : e->stanza);
			continue;
		}
		info_installed(ic, e->stanza, e->twin);
		e->stanza = e->twin = NULL;
	}
}

/* A feed entry that may be an installed package's (same name and
 * version). */
struct twin_cand {
	size_t shown;	/* which one */
	size_t feed;
	uint64_t off;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct twin_cand *x = a, *y = b;

	if (x->feed != y->feed)
		return x->feed < y->feed ? -1 : 1;
	return (x->off > y->off) - (x->off < y->off);
}

/* Each shown package's feed entry, from the rows caches: the first (in
 * the pool's order: feeds in theirs, a feed's entries in its list's) of
 * its name and version whose stanza has its architecture, read in that
 * order, each list forward once (in the order of the names, each read
 * went back to another list's start). 0 or -ENOMEM (reported). */
static int twins_read(struct info_ctx *ic)
{
	struct twin_cand *c = NULL, *v;
	size_t n = 0, cap = 0, i, j, k;
	struct ctl_stanza st;
	struct feed_row row;
	char *text;
	int same;

	for (k = 0; k < ic->nshown; k++) {
		const struct shown_pkg *e = &ic->shown[k];
		for (i = 0; e->has_arch && i < ic->nfeeds; i++) {
			const struct feed_rows *r = &ic->rows[i];
			for (j = feed_rows_lower(r, e->name);
			     j < r->n && !strcmp(feed_rows_name(r, j), e->name);
			     j++) {
				feed_rows_get(r, j, &row);
				if (strcmp(row.version, e->version))
					continue;
				if (!(v = grow(c, n, &cap, sizeof(*v)))) {
					free(c);
					return pkg_error(-ENOMEM, "cannot show "
							 "the installed "
							 "packages");
				}
				c = v;
				c[n++] = (struct twin_cand){ k, i, row.off };
			}
		}
	}
	if (n)
		qsort(c, n, sizeof(*c), cand_cmp);
	for (i = 0; i < n; i++) {
		struct shown_pkg *e = &ic->shown[c[i].shown];
		if (e->twin ||
		    feed_stanza_at(ic->ctx, ic->ctx->conf.srcs[c[i].feed].name,
				   c[i].off, &text) < 0)
			continue;
		memset(&st, 0, sizeof(st));
		same = ctl_parse_one(text, strlen(text), &st) == 0 &&
		       !strcmp(stanza_arch(&st), e->arch);
		ctl_stanza_release(&st);
		if (same) {
			e->twin = text;
			e->twin_feed = c[i].feed;
			e->twin_pos = c[i].off;
		} else
			free(text);
	}
	free(c);
	return 0;
}

static int info_one(const struct db_pkg *p, void *ud)
{
	struct info_ctx *ic = ud;
	struct pkg_ctx *ctx = ic->ctx;

	if (!pkg_glob_match(ctx, ic->glob, p->name))
		return 0;
	if (!strcmp(p->state, "removed") && !ctx->opt.json)
		return 0;
	ic->found = 1;
	if (ctx->opt.json) {
		int f = 1;
		json_item(ctx->out, &ic->first);
		info_field(ctx->out, "name", p->name, &f);
		info_field(ctx->out, "version", p->version, &f);
		info_field(ctx->out, "architecture", p->arch, &f);
		info_field(ctx->out, "origin",
			   !strcmp(p->state, "removed") ? "image, removed"
			   : !strcmp(p->origin, "rom")	? "image"
			   : p->rom_version ? "image, upgraded in overlay"
					    : "overlay",
			   &f);
		info_field(ctx->out, "state", p->state, &f);
		info_field(ctx->out, "user", p->user ? "yes" : "no", &f);
		fputs("}", ctx->out);
		return 0;
	}
	if (shown_add(ic, p, NULL) < 0)
		return 1;
	return installed_print(ic, p, opkg_status_stanza(ctx, p));
}

/* status and info without a database (CMD_STATUS_READ): the stanza
 * rendered from the status file's own, as the import would store it. */
static int status_read_one(const struct db_pkg *p, const char *conffiles,
			   const char *order, void *ud)
{
	struct info_ctx *ic = ud;

	if (!pkg_glob_match(ic->ctx, ic->glob, p->name))
		return 0;
	ic->found = 1;
	if (shown_add(ic, p, NULL) < 0)
		return 1;
	return installed_print(ic, p,
			       opkg_status_stanza_read(p, conffiles, order));
}

/* A dependency list as opkg prints it (constraint_to_str): a blank after
 * each operator, "<<" as "<" and ">>" as ">" ("(=V)" is "(= V)"), one
 * constraint per entry.
 * Malloc'd or NULL. */
static char *info_deps(const char *v)
{
	char *out = malloc(strlen(v) * 2 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *v; v++) {
		*o++ = *v;
		if (*v == ')') { /* opkg keeps one constraint: "a (>= 1) (<< 2)" */
			const char *n = v + 1 + strspn(v + 1, " ");
			if (*n == '(' && strchr(n, ')'))
				v = strchr(n, ')');
			continue;
		}
		if (*v != '(')
			continue;
		while (v[1] == ' ')
			v++;
		if ((v[1] == '<' || v[1] == '>') && v[2] == v[1]) {
			*o++ = v[1]; /* opkg's quirk: reads back as <= / >= */
			v += 2;
		} else {
			while (v[1] == '<' || v[1] == '>' || v[1] == '=')
				*o++ = *++v;
		}
		while (v[1] == ' ')
			v++;
		*o++ = ' ';
	}
	*o = '\0';
	return out;
}

/* A feed package that is not installed, as opkg's info prints it
 * (pkg_formatted_info): the fields it has, in opkg's order, with
 * "Status: unknown ok not-installed" unless the stanza has its own;
 * dependencies with opkg's operators ("<<" as "<"); no SHA256sum,
 * Installed-Size or fields opkg does not know. */
static void info_feed(struct info_ctx *ic, const char *text)
{
	struct pkg_ctx *ctx = ic->ctx;
	struct ctl_stanza st = { 0 };
	size_t i;

	if (ctl_parse_one(text, strlen(text), &st) < 0)
		return;
	if (ic->hold && ic->nheld &&
	    asprintf(&ic->held[ic->nheld - 1].dup_key, "%s %s",
		     ctl_get(&st, "Version") ? ctl_get(&st, "Version") : "",
		     stanza_arch(&st)) < 0)
		ic->held[ic->nheld - 1].dup_key = NULL;
	if (ic->depends) {
		const char *name = ctl_get(&st, "Package");
		depends_of(ctx->out, name ? name : "", &st);
		ctl_stanza_release(&st);
		return;
	}
	for (i = 0; info_order[i]; i++) {
		const char *f = info_order[i], *v = ctl_get(&st, f);
		char *dup = NULL;

		if (!strcmp(f, "Status") && !v)
			v = "unknown ok not-installed";
		else if (!strcmp(f, "Essential"))
			v = v && !strcasecmp(v, "yes") ? "yes" : NULL;
		else if (!strcmp(f, "Conffiles") ||
			 !strcmp(f, "Installed-Time"))
			v = NULL;
		else if (v && !strcmp(f, "Description"))
			v = dup = info_desc(ctx, ic->tty, text, v);
		else if (v && (!strcmp(f, "Depends") ||
			       !strcmp(f, "Recommends") ||
			       !strcmp(f, "Suggests")))
			v = dup = info_deps(v);
		field(ctx->out, f, v);
		free(dup);
	}
	fputc('\n', ctx->out);
	ctl_stanza_release(&st);
}

static int shown_cmp(const void *a, const void *b)
{
	const struct shown_pkg *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* The installed packages shown, by name, once all are in (shown_same
 * searches them; the output's order is held_write's). */
static void shown_sort(struct info_ctx *ic)
{
	if (ic->nshown > 1)
		qsort(ic->shown, ic->nshown, sizeof(*ic->shown), shown_cmp);
}

/* Is a feed entry of name, version and arch (NULL: ask text, the
 * entry's stanza) an installed package info has shown? ic->shown is
 * sorted by name (shown_sort): 9,263 entries of `depends -A '*'` each
 * compared with 153 names were 8% of its time. */
static int shown_same(const struct info_ctx *ic, const char *name,
		      const char *version, const char *arch, const char *text)
{
	struct ctl_stanza st = { 0 };
	size_t i, lo = 0, hi = ic->nshown;
	int same = 0;

	while (lo < hi) { /* the first not before name */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ic->shown[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; !same && i < ic->nshown && !strcmp(ic->shown[i].name,
							   name);
	     i++) {
		const struct shown_pkg *e = &ic->shown[i];
		if (!e->counts || strcmp(e->version, version))
			continue;
		if (!arch) {
			if (ctl_parse_one(text, strlen(text), &st) < 0)
				break;
			arch = stanza_arch(&st);
		}
		same = !strcmp(e->arch, arch);
	}
	ctl_stanza_release(&st);
	return same;
}

/* The feed packages, from the pool: each not installed as it is. The
 * pool's ids are left in all. */
static void info_available(struct info_ctx *ic, Queue *all)
{
	struct pkg_ctx *ctx = ic->ctx;
	int i;

	solver_all_ids(&ctx->solv, all);
	for (i = 0; i < all->count; i++) {
		Id p = all->elements[i];
		char *text = NULL;
		if (solver_is_installed(&ctx->solv, p))
			continue;
		if (!pkg_glob_match(ctx, ic->glob,
				    solver_name(&ctx->solv, p)))
			continue;
		if (shown_same(ic, solver_name(&ctx->solv, p),
			       solver_evr(&ctx->solv, p),
			       solver_arch(&ctx->solv, p), NULL))
			continue;
		if (feed_stanza_text(ctx, p, &text) < 0)
			continue;
		ic->found = 1;
		if (hold_mark(ic, solver_name(&ctx->solv, p), 0,
			      (uint64_t)p) == 0)
			info_feed(ic, text);
		free(text);
	}
}

/* A feed entry the glob matches, from a rows cache. */
struct row_hit {
	size_t feed;	/* its index in the configured feeds */
	uint64_t off;	/* its stanza's offset in the feed's list */
	const char *name, *version;
};

/* The pool's order: feeds in theirs, a feed's entries in its list's. */
static int hit_cmp(const void *a, const void *b)
{
	const struct row_hit *x = a, *y = b;

	if (x->feed != y->feed)
		return x->feed < y->feed ? -1 : 1;
	return (x->off > y->off) - (x->off < y->off);
}

/* The feed entries the glob matches, from the rows caches: the same
 * entries as the pool gives, into ic->hits in its order. 0, 1 when more
 * than max match (ic->hits left partial), or -ENOMEM (reported). */
static int rows_hits(struct info_ctx *ic, size_t max)
{
	struct pkg_ctx *ctx = ic->ctx;
	int literal = ic->glob && !arg_has_glob(ic->glob) && !ctx->opt.nocase;
	size_t cap = 0, i, j;
	struct row_hit *v;
	struct feed_row row;

	for (i = 0; i < ic->nfeeds; i++) {
		const struct feed_rows *r = &ic->rows[i];
		for (j = literal ? feed_rows_lower(r, ic->glob) : 0; j < r->n;
		     j++) {
			const char *name = feed_rows_name(r, j);
			if (literal && strcmp(name, ic->glob))
				break;
			if (!literal && !pkg_glob_match(ctx, ic->glob, name))
				continue;
			if (ic->nhits == max)
				return 1;
			if (!(v = grow(ic->hits, ic->nhits, &cap,
				       sizeof(*v))))
				return pkg_error(-ENOMEM, "cannot show the "
						 "feeds");
			ic->hits = v;
			feed_rows_get(r, j, &row);
			ic->hits[ic->nhits++] = (struct row_hit){
				i, row.off, row.name, row.version
			};
		}
	}
	if (ic->nhits)
		qsort(ic->hits, ic->nhits, sizeof(*ic->hits), hit_cmp);
	return 0;
}

/* The feed packages rows_hits found, each read at its offset and shown
 * unless an installed package shown stands for it. */
static void rows_print(struct info_ctx *ic)
{
	struct pkg_ctx *ctx = ic->ctx;
	const struct row_hit *h;
	char *text;
	size_t i;

	for (i = 0; i < ic->nhits; i++) {
		h = &ic->hits[i];
		if (feed_stanza_at(ctx, ctx->conf.srcs[h->feed].name, h->off,
				   &text) < 0)
			continue;
		if (!shown_same(ic, h->name, h->version, NULL, text) &&
		    hold_mark(ic, h->name, h->feed, h->off) == 0) {
			ic->found = 1;
			info_feed(ic, text);
		}
		free(text);
	}
}

static int held_cmp(const void *a, const void *b)
{
	const struct held_entry *x = a, *y = b;
	int r;

	if (x->walk != y->walk)
		return x->walk < y->walk ? -1 : 1;
	if ((r = strcmp(x->name, y->name)))
		return r;
	if (x->feed != y->feed)
		return x->feed < y->feed ? -1 : 1;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return (x->off > y->off) - (x->off < y->off);
}

/* What is printed at the i-th sorted entry: opkg keeps one package per
 * name, version and architecture (pkg_vec_insert_merge): an entry two
 * feeds have is shown once, where the first was read, with the text of
 * the last. NULL where an earlier entry stood for this one. */
static const struct held_entry *held_last_twin(struct info_ctx *ic,
					       size_t i)
{
	const struct held_entry *e = &ic->held[i], *last = e;
	size_t j;

	if (!e->dup_key)
		return e;
	for (j = i; j-- > 0 && !strcmp(ic->held[j].name, e->name);)
		if (ic->held[j].dup_key &&
		    !strcmp(ic->held[j].dup_key, e->dup_key))
			return NULL;
	for (j = i + 1; j < ic->nheld && !strcmp(ic->held[j].name, e->name);
	     j++)
		if (ic->held[j].dup_key &&
		    !strcmp(ic->held[j].dup_key, e->dup_key))
			last = &ic->held[j];
	return last;
}

/* Write the held stanzas to out in opkg's walk: its buckets, within one
 * the order names entered its table (the lists', then the status's), a
 * name's entries in the order it read them. 0 or a negative code
 * (reported). */
static int held_write(struct info_ctx *ic, FILE *out)
{
	size_t i, n = ic->nheld;
	int r = 0;

	if (n > 1)
		r = opkg_walk_keys(ic->ctx, 1, ic->held, n, sizeof(*ic->held),
				   offsetof(struct held_entry, name),
				   offsetof(struct held_entry, walk));
	/* an entry ends where the next one printed starts */
	for (i = 0; i < n; i++)
		ic->held[i].len = (i + 1 < n ? ic->held[i + 1].off
					     : ic->buf.len) - ic->held[i].off;
	if (r == 0 && n > 1)
		qsort(ic->held, n, sizeof(*ic->held), held_cmp);
	for (i = 0; r == 0 && i < n; i++) {
		const struct held_entry *e = held_last_twin(ic, i);
		if (e)
			hold_copy(&ic->buf, e->off, e->len, out);
	}
	return r;
}

/* ctx->out into ic's held output (hold_write) until hold_end. 0 or
 * -ENOMEM (reported). */
static int hold_begin(struct info_ctx *ic)
{
	cookie_io_functions_t io = { .write = hold_write };

	if (!(ic->hold = fopencookie(&ic->buf, "w", io)))
		return pkg_error(-ENOMEM, "cannot show the packages");
	ic->ctx->out = ic->hold;
	return 0;
}

/* ctx->out back to real, and what was held written to it in opkg's walk
 * when r (the run's so far) is not an error. The run's code. */
static int hold_end(struct info_ctx *ic, FILE *real, int r)
{
	ic->ctx->out = real;
	if (fclose(ic->hold) != 0 && r >= 0)
		r = pkg_error(-ENOMEM, "cannot show the packages");
	ic->hold = NULL;
	return r >= 0 ? held_write(ic, real) : r;
}

static void info_ctx_release(struct info_ctx *ic)
{
	size_t i;

	for (i = 0; i < ic->nheld; i++) {
		free(ic->held[i].name);
		free(ic->held[i].dup_key);
	}
	free(ic->held);
	free(ic->hits);
	hold_free(&ic->buf);
	feed_rows_unmap_all(ic->rows, ic->nfeeds);
	for (i = 0; i < ic->nshown; i++) {
		free(ic->shown[i].name);
		free(ic->shown[i].version);
		free(ic->shown[i].arch);
		free(ic->shown[i].stanza);
		free(ic->shown[i].twin);
	}
	free(ic->shown);
}

/* Is the field named at line (up to ':') in the comma list? Package
 * always is: it says which package the other lines are about. */
static int field_wanted(const char *list, const char *line, size_t n)
{
	const char *f = list;

	if (n == 7 && !strncasecmp(line, "Package", 7))
		return 1;
	while (f && *f) {
		size_t l = strcspn(f, ",");
		if (l == n && !strncasecmp(f, line, n))
			return 1;
		f = f[l] ? f + l + 1 : NULL;
	}
	return 0;
}

/* --fields F1,F2: keep only those fields of each stanza (continuation
 * lines follow their field; blank lines between stanzas stay). */
static void fields_filter(FILE *out, const char *list, const char *text)
{
	const char *l = text;
	int keep = 0;

	while (*l) {
		size_t len = strcspn(l, "\n");
		if (len == 0)
			keep = 1;
		else if (*l != ' ' && *l != '\t')
			keep = field_wanted(list, l, strcspn(l, ":"));
		if (keep)
			fprintf(out, "%.*s\n", (int)len, l);
		l += len + (l[len] == '\n');
	}
}

static int run_info_raw(struct pkg_ctx *ctx, int argc, char **argv,
			int status, int tty);

int info_run(struct pkg_ctx *ctx, int argc, char **argv, int status)
{
	FILE *real = ctx->out, *mem;
	char *buf = NULL;
	size_t len = 0;
	int tty = isatty(fileno(real)), r;

	if (!ctx->opt.fields || ctx->opt.json)
		return run_info_raw(ctx, argc, argv, status, tty);
	mem = open_memstream(&buf, &len);
	if (!mem)
		return pkg_error(-ENOMEM, "cannot show the packages");
	ctx->out = mem;
	r = run_info_raw(ctx, argc, argv, status, tty);
	ctx->out = real;
	fclose(mem);
	if (r == 0 && buf)
		fields_filter(real, ctx->opt.fields, buf);
	free(buf);
	return r;
}

/* info reads the feeds' rows caches when every feed with a list has
 * one (no pool: loading the seven .solv of 19.07.1 was 15 of `info
 * nano`'s 21 ms), else loads the pool, whose run writes the missing
 * ones; status and --json show the installed packages alone. */
static int run_info_raw(struct pkg_ctx *ctx, int argc, char **argv,
			int status, int tty)
{
	struct info_ctx ic = { .ctx = ctx, .glob = argc > 0 ? argv[0] : NULL,
			       .is_status = status, .first = 1, .tty = tty };
	int feeds = !status && !ctx->opt.json, r = 0;
	FILE *real = ctx->out;
	Queue all;

	/* status (installed packages alone) stays in name order: holding
	 * it and reading the status again for the walk's order cost 0.3 MB
	 * and 1 ms, over the 2.5 MB goal; --json is pkg's own */
	if (feeds && (r = hold_begin(&ic)) < 0)
		return r;
	queue_init(&all);
	if (feeds && (r = feed_rows_map_all(ctx, &ic.rows)) == 0)
		r = session_load_pool(ctx);
	if (ic.rows)
		ic.nfeeds = ctx->conf.nsrcs;
	if (r > 0) { /* the rows: one pass, printed once their entries are
		      * read */
		r = ctx->db ? db_pkg_each(ctx->db, collect_one, &ic)
			    : opkg_status_full_each(ctx, collect_read_one,
						    &ic);
		shown_sort(&ic);
		if (r >= 0 && ic.r == 0 && (r = twins_read(&ic)) == 0)
			shown_print(&ic);
	} else if (r >= 0) {
		r = ctx->db ? db_pkg_each(ctx->db, info_one, &ic)
			    : opkg_status_full_each(ctx, status_read_one, &ic);
	}
	if (r >= 0 && ic.r < 0)
		r = pkg_error(ic.r, "cannot show the installed packages");
	if (ctx->opt.json)
		json_array_end(ctx->out, ic.first);
	else if (r >= 0 && feeds && ic.rows) {
		if ((r = rows_hits(&ic, SIZE_MAX)) == 0)
			rows_print(&ic);
	} else if (r >= 0 && feeds) {
		shown_sort(&ic);
		info_available(&ic, &all);
		feed_rows_write_missing(ctx, &all);
	}
	if (r >= 0 && ic.r < 0)
		r = pkg_error(ic.r, "cannot show the packages");
	if (ic.hold)
		r = hold_end(&ic, real, r);
	queue_free(&all);
	info_ctx_release(&ic);
	return r < 0 ? r : 0;
}

/* Past this many feed entries `depends -A GLOB` loads the pool: reading
 * each one's stanza costs some 5 us, the pool 8 to 10 ms in all (on the
 * 19.07.1 feeds 'kmod-*', 737 entries, is as fast either way; '*',
 * 9,263, took 53 ms and 6.1 MB read, 35 ms and 5.2 MB from the pool). */
#define DEPENDS_READ_MAX 1000

int depends_run(struct pkg_ctx *ctx, const char *glob)
{
	struct info_ctx ic = { .ctx = ctx, .glob = glob, .first = 1,
			       .depends = 1 };
	FILE *real = ctx->out;
	int r = 0;

	if (ctx->opt.all) {
		if ((r = feed_rows_map_all(ctx, &ic.rows)) <= 0)
			return r < 0 ? r : 1; /* a feed without rows: the pool */
		ic.nfeeds = ctx->conf.nsrcs;
		r = rows_hits(&ic, DEPENDS_READ_MAX);
	}
	if (r == 0)
		r = hold_begin(&ic);
	if (r != 0) {
		info_ctx_release(&ic);
		return r; /* 1: too many entries, the pool */
	}
	r = ctx->db ? db_pkg_each(ctx->db, collect_one, &ic)
		    : opkg_status_full_each(ctx, collect_read_one, &ic);
	shown_sort(&ic);
	if (r >= 0 && ic.r == 0 && ic.rows)
		r = twins_read(&ic);
	if (r >= 0 && ic.r == 0)
		shown_print(&ic);
	if (r >= 0 && ic.r == 0)
		rows_print(&ic);
	if (r >= 0 && ic.r < 0)
		r = pkg_error(ic.r, "cannot show the dependencies");
	r = hold_end(&ic, real, r);
	info_ctx_release(&ic);
	return r < 0 ? r : 0;
}

static int cmd_info(struct pkg_ctx *ctx, int argc, char **argv)
{
	return info_run(ctx, argc, argv, 0);
}

const struct pkg_cmd cmd_info_desc = {
	"info", "[GLOB]", "show package information",
	CMD_OPKG | CMD_DB | CMD_DB_PKGS | CMD_DB_STATUS | CMD_FIELDS |
		CMD_LISTING | CMD_NAMES | CMD_STATUS_READ,
	cmd_info
};
