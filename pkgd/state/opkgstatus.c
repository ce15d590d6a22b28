/*
 * opkg's status file, kept as opkg would have left it. The stanza of a
 * package the change did not touch stays byte for byte as read (field
 * order, continuation lines, fields pkg does not know); only the stanzas
 * of packages whose recorded state differs from the database are
 * rendered again, in opkg-lede's field order and format. Every value is
 * written so that it cannot end a stanza or add a line: a one-line value
 * holding a control character is refused, continuation lines start with
 * a space (an empty one is " .").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "state/state.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int opkg_one_line_ok(const char *s, int word)
{
	for (; s && *s; s++)
		if (is_ctl((unsigned char)*s) || (word && *s == ' '))
			return 0;
	return 1;
}

/* s for an error message: control characters as '?', at most 64 bytes. */
static void shown(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < cap && i < 64; i++)
		out[i] = is_ctl((unsigned char)s[i]) ? '?' : s[i];
	out[i] = '\0';
}

static int count_stanza(const struct ctl_stanza *st, void *ud)
{
	(void)st;
	(*(int *)ud)++;
	return 0;
}

/* The first stanza of buf into out, without a report when buf does not
 * parse (opkg's files hold what they hold): 0 or -PKGE_FORMAT. */
static int parse_quiet(const char *buf, size_t len, struct ctl_stanza *out)
{
	char why[128];
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (ctl_parse_why(buf, len, 0, count_stanza, &n, why, sizeof(why)) < 0 ||
	    n == 0)
		return -PKGE_FORMAT;
	return ctl_parse_one(buf, len, out); /* parses: no report */
}

static int refuse(const char *pkg, const char *field)
{
	char name[80];

	shown(pkg, name, sizeof(name));
	return pkg_error_plain(-PKGE_FORMAT,
			       "package '%s': its %s holds a control character "
			       "or a misplaced blank: not written to opkg's "
			       "files (remove the package)",
			       name, field);
}

/* s with every run of blanks (a folded line's newline too) as one space,
 * trimmed, in *out (malloc'd). 0, -ENOMEM, or -PKGE_FORMAT (unreported)
 * when s holds another control character. */
static int one_line(const char *s, char **out)
{
	char *o;

	*out = o = malloc(strlen(s) + 1);
	if (!o)
		return -ENOMEM;
	while (is_blank(*s))
		s++;
	for (; *s; s++) {
		if (is_blank(*s)) {
			while (is_blank(s[1]))
				s++;
			if (s[1])
				*o++ = ' ';
			continue;
		}
		if (is_ctl((unsigned char)*s)) {
			free(*out);
			*out = NULL;
			return -PKGE_FORMAT;
		}
		*o++ = *s;
	}
	*o = '\0';
	return 0;
}

int opkg_pkg_check(const struct db_pkg *p)
{
	if (!opkg_one_line_ok(p->name, 1) || !*p->name)
		return refuse(p->name, "name");
	if (!opkg_one_line_ok(p->version, 1))
		return refuse(p->name, "version");
	if (!opkg_one_line_ok(p->arch, 1))
		return refuse(p->name, "architecture");
	return 0;
}

/* One alternative of a relation ("name", "name (op version)") as opkg
 * writes it: "name (op version)". Anything else stays as written. */
static void rel_alt(struct strbuf *b, const char *a, size_t n)
{
	size_t name = 0, i, op, ve;

	while (name < n && a[name] != ' ' && a[name] != '(')
		name++;
	i = name;
	while (i < n && a[i] == ' ')
		i++;
	if (i == n) {
		strbuf_add(b, a, name);
		return;
	}
	if (a[i] != '(' || a[n - 1] != ')' || name == 0) {
		strbuf_add(b, a, n);
		return;
	}
	for (i++; i < n && a[i] == ' '; i++)
		;
	for (op = i; op < n && strchr("<>=", a[op]); op++)
		;
	for (ve = op; ve < n && a[ve] == ' '; ve++)
		;
	if (op == i || op - i > 2 || ve >= n - 1 ||
	    memchr(a + ve, ' ', n - 1 - ve) || memchr(a + ve, '(', n - 1 - ve)) {
		strbuf_add(b, a, n);
		return;
	}
	strbuf_add(b, a, name);
	strbuf_str(b, " (");
	strbuf_add(b, a + i, op - i);
	strbuf_str(b, " ");
	strbuf_add(b, a + ve, n - 1 - ve);
	strbuf_str(b, ")");
}

/* A relation field (Depends, Provides...) as opkg writes it, in *out
 * (malloc'd): entries joined by ", ", alternatives by " | ", "(>=1.0)"
 * as "(>= 1.0)"; the operators as written ("<<" stays "<<": opkg-lede
 * writes "<", which means "<=" when read back). 0, -ENOMEM, or
 * -PKGE_FORMAT (unreported) when v holds a control character. */
static int rel_norm(const char *v, char **out)
{
	struct strbuf b = { 0 };
	char *s, *entry, *next;
	int first = 1, r = one_line(v, &s);

	*out = NULL;
	if (r < 0)
		return r;
	for (entry = s; entry; entry = next) {
		char *alt, *nalt;
		int afirst = 1;

		next = strchr(entry, ',');
		if (next)
			*next++ = '\0';
		for (alt = entry; alt; alt = nalt) {
			size_t n;
			nalt = strchr(alt, '|');
			if (nalt)
				*nalt++ = '\0';
			while (*alt == ' ')
				alt++;
			n = strlen(alt);
			while (n && alt[n - 1] == ' ')
				n--;
			if (!n)
				continue;
			strbuf_str(&b, afirst ? (first ? "" : ", ") : " | ");
			rel_alt(&b, alt, n);
			afirst = first = 0;
		}
	}
	free(s);
	*out = strbuf_take(&b);
	return *out ? 0 : -ENOMEM;
}

/* "Name: value\n" for a one-line value (rel: a relation field, written
 * as opkg does); nothing when value is empty. word: the value is one
 * word (name, version, architecture): no blank either. */
static int put_line(struct strbuf *b, const char *pkg, const char *name,
		    const char *value, int word, int rel)
{
	char *v = NULL;
	int r;

	if (!value)
		return 0;
	if (word && !opkg_one_line_ok(value, 1))
		return refuse(pkg, name);
	r = rel ? rel_norm(value, &v) : one_line(value, &v);
	if (r == -PKGE_FORMAT)
		return refuse(pkg, name);
	if (r < 0)
		return r;
	if (*v) {
		strbuf_str(b, name);
		strbuf_str(b, ": ");
		strbuf_str(b, v);
		strbuf_str(b, "\n");
	}
	free(v);
	return 0;
}

/* ---- Conffiles, in the order of the package's conffiles list ---- */

struct conf_row {
	char *path, *hash;
	int done;
};

struct conf_rows {
	struct conf_row *v;
	size_t n;
	int oom, any;
};

/* One conffile row, its hash replaced (a path given twice keeps the
 * last hash, as the files table does). */
static int conf_row_add(struct conf_rows *c, const char *path,
			const char *hash)
{
	struct conf_row *v;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].path, path))
			break;
	if (i == c->n) {
		v = realloc(c->v, (c->n + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		v[c->n].path = strdup(path);
		v[c->n].hash = NULL;
		v[c->n].done = 0;
		if (!v[c->n++].path)
			return -ENOMEM;
	}
	free(c->v[i].hash);
	c->v[i].hash = hash && *hash ? strdup(hash) : NULL;
	return hash && *hash && !c->v[i].hash ? -ENOMEM : 0;
}

static int conf_collect(const struct db_file *f, void *ud)
{
	struct conf_rows *c = ud;

	if (f->conffile && conf_row_add(c, f->path, f->conf_sha256) < 0) {
		c->oom = 1;
		return 1;
	}
	return 0;
}

static int conf_line_collect(const char *path, const char *hash, void *ud)
{
	return conf_row_add(ud, path, hash);
}

static int conf_put(struct strbuf *b, const char *pkg, struct conf_row *row,
		    int *any)
{
	if (row->done)
		return 0;
	row->done = 1;
	if (!opkg_one_line_ok(row->path, 0) ||
	    !opkg_one_line_ok(row->hash, 1))
		return refuse(pkg, "conffile list");
	if (!*any)
		strbuf_str(b, "Conffiles:\n");
	*any = 1;
	strbuf_str(b, " /");
	strbuf_str(b, row->path);
	if (row->hash && *row->hash) {
		strbuf_str(b, " ");
		strbuf_str(b, row->hash);
	}
	strbuf_str(b, "\n");
	return 0;
}

/* The Conffiles field: the rows (by path) in the order of list (the
 * package's conffiles list, one path a line, changed by this), then
 * those it does not name. */
static int conf_rows_put(struct strbuf *b, const char *pkg, struct conf_rows *c,
			 char *list)
{
	char *line, *save = NULL;
	size_t i;
	int r = c->oom ? -ENOMEM : 0;

	for (line = list && r == 0 ? strtok_r(list, "\n", &save) : NULL;
	     r == 0 && line; line = strtok_r(NULL, "\n", &save)) {
		char *e = line + strlen(line);
		while (*line == ' ' || *line == '\t' || *line == '/')
			line++;
		while (e > line && is_blank(e[-1]))
			*--e = '\0';
		for (i = 0; r == 0 && i < c->n; i++)
			if (!strcmp(c->v[i].path, line))
				r = conf_put(b, pkg, &c->v[i], &c->any);
	}
	for (i = 0; r == 0 && i < c->n; i++)
		r = conf_put(b, pkg, &c->v[i], &c->any);
	return r;
}

static void conf_rows_free(struct conf_rows *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].hash);
	}
	free(c->v);
}

static int conf_row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_row *)a)->path,
		      ((const struct conf_row *)b)->path);
}

/* The conffiles of pkg in the database, in the order of its conffiles
 * list (the scripts table's). */
static int put_conffiles_db(struct strbuf *b, struct pkg_ctx *ctx,
			    const char *pkg)
{
	struct conf_rows c = { 0 };
	char *list = NULL;
	size_t len;
	int r = db_conffile_each(ctx->db, pkg, conf_collect, &c);

	if (r > 0)
		r = 0;
	if (r == 0 && c.n && !c.oom &&
	    db_script_get(ctx->db, pkg, "conffiles", &list, &len) < 0)
		list = NULL;
	if (r == 0)
		r = conf_rows_put(b, pkg, &c, list);
	conf_rows_free(&c);
	free(list);
	return r;
}

/* The rows of the status's Conffiles values as the files table would
 * hold them: by path, the last hash of a path. 0 or -ENOMEM (c holds
 * what was read: conf_rows_free). */
static int conf_rows_read(const char *conffiles, struct conf_rows *c)
{
	int r = conffiles ? opkg_conffiles_lines(conffiles, conf_line_collect,
						  c)
			  : 0;

	if (r == 0 && c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), conf_row_cmp);
	return r;
}

int opkg_conffiles_rows_each(const struct db_pkg *p, const char *conffiles,
			     int (*fn)(const struct db_file *f, void *ud),
			     void *ud)
{
	struct conf_rows c = { 0 };
	size_t i;
	int r = conf_rows_read(conffiles, &c);

	for (i = 0; r == 0 && i < c.n; i++) {
		struct db_file f = { 0 };

		f.path = c.v[i].path;
		f.package = p->name;
		f.type = 'f';
		f.conffile = 1;
		f.conf_sha256 = c.v[i].hash;
		f.origin = p->origin;
		r = fn(&f, ud);
	}
	conf_rows_free(&c);
	return r;
}

/* The same from the status's Conffiles values (opkg_status_full_each):
 * the rows as the files table would hold them (by path), the list as
 * the import makes it (opkg_conffiles_order). */
static int put_conffiles_read(struct strbuf *b, const char *pkg,
			      const char *conffiles, const char *order)
{
	struct conf_rows c = { 0 };
	char *list = NULL;
	size_t len;
	int r = conf_rows_read(conffiles, &c);

	if (r == 0 && c.n && order && !(list = opkg_conffiles_order(order, &len)))
		r = -ENOMEM;
	if (r == 0)
		r = conf_rows_put(b, pkg, &c, list);
	conf_rows_free(&c);
	free(list);
	return r;
}

/* opkg's state flags, in its own order (pkg_state_flag_to_str). */
static const char *status_flags(const struct db_pkg *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", p->hold ? "hold," : "",
		 p->noprune ? "noprune," : "", p->user ? "user," : "");
	if (!*buf)
		snprintf(buf, n, "ok");
	else
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

/* Where a stanza's conffiles come from: the database (ctx), or the
 * status's values (opkg_status_full_each). */
struct stanza_conffiles {
	struct pkg_ctx *ctx;
	const char *conffiles, *order;
};

static int render(const struct stanza_conffiles *cs, const struct db_pkg *p,
		  const struct ctl_stanza *st, struct strbuf *b)
{
	static const char *const rels[] = { "Depends", "Recommends",
					    "Suggests", "Provides",
					    "Replaces", "Conflicts" };
	const char *ess = ctl_get(st, "Essential");
	char flags[32], line[128];
	size_t i;
	int r;

	r = put_line(b, p->name, "Package", p->name, 1, 0);
	if (r == 0)
		r = put_line(b, p->name, "ABIVersion", ctl_get(st, "ABIVersion"),
			     0, 0);
	if (r == 0)
		r = put_line(b, p->name, "Version", p->version, 1, 0);
	for (i = 0; r == 0 && i < sizeof(rels) / sizeof(rels[0]); i++)
		r = put_line(b, p->name, rels[i], ctl_get(st, rels[i]), 0,
			     1);
	snprintf(line, sizeof(line), "install %s %s",
		 status_flags(p, flags, sizeof(flags)),
		 strcmp(p->state, "failed") ? "installed" : "unpacked");
	if (r == 0)
		r = put_line(b, p->name, "Status", line, 0, 0);
	if (r == 0 && ess && !strcasecmp(ess, "yes"))
		strbuf_str(b, "Essential: yes\n");
	if (r == 0)
		r = put_line(b, p->name, "Architecture", p->arch, 1, 0);
	if (r == 0)
		r = cs->ctx ? put_conffiles_db(b, cs->ctx, p->name)
			    : put_conffiles_read(b, p->name, cs->conffiles,
						 cs->order);
	if (r == 0 && p->installed_time) {
		snprintf(line, sizeof(line), "Installed-Time: %lld\n",
			 (long long)p->installed_time);
		strbuf_str(b, line);
	}
	if (r == 0 && p->auto_installed)
		strbuf_str(b, "Auto-Installed: yes\n");
	if (r == 0)
		r = put_line(b, p->name, "Alternatives",
			     ctl_get(st, "Alternatives"), 0, 0);
	strbuf_str(b, "\n");
	return r;
}

/* p's stanza in *out (malloc'd): 0, -ENOMEM, or -PKGE_FORMAT (reported)
 * when a value cannot be written. */
static int stanza_render(const struct stanza_conffiles *cs, const struct db_pkg *p,
			 char **out)
{
	struct strbuf b = { 0 };
	struct ctl_stanza st = { 0 };
	int r;

	*out = NULL;
	if (!p->control || parse_quiet(p->control, strlen(p->control), &st) < 0)
		memset(&st, 0, sizeof(st)); /* no control: the row alone */
	r = render(cs, p, &st, &b);
	ctl_stanza_release(&st);
	if (r < 0) {
		free(b.s);
		return r;
	}
	*out = strbuf_take(&b);
	return *out ? 0 : -ENOMEM;
}

char *opkg_status_stanza(struct pkg_ctx *ctx, const struct db_pkg *p)
{
	struct stanza_conffiles cs = { ctx, NULL, NULL };
	char *text;

	return stanza_render(&cs, p, &text) == 0 ? text : NULL;
}

char *opkg_status_stanza_read(const struct db_pkg *p, const char *conffiles,
			      const char *order)
{
	struct stanza_conffiles cs = { NULL, conffiles, order };
	char *text;

	return stanza_render(&cs, p, &text) == 0 ? text : NULL;
}

/* The conffiles list the import keeps for a Conffiles value (the order
 * status shows them in): the first word of each line, a line each. */
char *opkg_conffiles_order(const char *value, size_t *len)
{
	char *body = malloc(strlen(value) + 2), *out = body;
	const char *line = value;

	if (!body)
		return NULL;
	while (*line) {
		size_t k, end = strcspn(line, "\n");

		k = strspn(line, " \t");
		if (k < end) {
			size_t w = strcspn(line + k, " \t\n");
			memcpy(out, line + k, w);
			out += w;
			*out++ = '\n';
		}
		line += end + (line[end] == '\n');
	}
	*out = '\0';
	*len = (size_t)(out - body);
	return body;
}

/* ---- control text for info/<pkg>.control ---- */

/* Write one field so that it stays one field: continuation lines start
 * with a space, an empty one is " .", other control characters but tabs
 * as '?'. A field whose name could not be read back is left out. */
static void put_field_text(struct strbuf *b, const char *name,
			   const char *value)
{
	const char *s, *e;
	size_t n, k;

	for (s = name; *s; s++)
		if (is_ctl((unsigned char)*s) || *s == ' ' || *s == ':')
			return;
	strbuf_str(b, name);
	strbuf_str(b, ":");
	for (s = value; s; s = *e ? e + 1 : NULL) {
		e = strchrnul(s, '\n');
		n = (size_t)(e - s);
		while (n && is_blank(s[n - 1]))
			n--;
		if (s != value)
			strbuf_str(b, n ? "\n " : "\n .");
		else if (n)
			strbuf_str(b, " ");
		for (k = 0; k < n;) { /* runs of plain characters at once */
			size_t run = k;
			while (run < n &&
			       (!is_ctl((unsigned char)s[run]) || s[run] == '\t'))
				run++;
			strbuf_add(b, s + k, run - k);
			if (run < n)
				strbuf_add(b, "?", 1);
			k = run + 1;
		}
	}
	strbuf_str(b, "\n");
}

/* Does text read back as exactly the one stanza it holds: no blank line
 * inside, no control character but newlines and tabs? */
static int control_safe(const char *text)
{
	const char *s;
	char why[128];
	size_t len = strlen(text), end = len;
	int n = 0;

	while (end && text[end - 1] == '\n')
		end--;
	if (!end || text[0] == '\n' || memmem(text, end, "\n\n", 2))
		return 0;
	for (s = text; *s; s++)
		if (is_ctl((unsigned char)*s) && *s != '\n' && *s != '\t')
			return 0;
	return ctl_parse_why(text, len, 0, count_stanza, &n, why,
			     sizeof(why)) == 0 &&
	       n == 1 && !is_blank(text[0]);
}

char *opkg_control_text(const char *control, size_t *len)
{
	struct strbuf b = { 0 };
	struct ctl_stanza st;
	char *out;
	size_t i;

	if (control_safe(control)) {
		out = strdup(control); /* as the package has it, as opkg */
	} else {
		if (parse_quiet(control, strlen(control), &st) == 0) {
			for (i = 0; i < st.nfields; i++)
				put_field_text(&b, st.fields[i].name,
					       st.fields[i].value);
			ctl_stanza_release(&st);
		}
		out = strbuf_take(&b);
	}
	if (out)
		*len = strlen(out);
	return out;
}

char *opkg_control_from_status(const struct ctl_stanza *st)
{
	static const char *const skip[] = { "Status", "Conffiles",
					    "Installed-Time", "Auto-Installed" };
	struct strbuf b = { 0 };
	size_t i, k;

	for (i = 0; i < st->nfields; i++) {
		for (k = 0; k < 4; k++)
			if (!strcasecmp(st->fields[i].name, skip[k]))
				break;
		if (k == 4)
			put_field_text(&b, st->fields[i].name,
				       st->fields[i].value);
	}
	return strbuf_take(&b);
}

/* ---- the status file: stanzas as read, changed ones rendered ---- */

enum nkind { NK_LINE, NK_REL, NK_STATUS, NK_CONFFILES, NK_YES, NK_TIME };

static const struct {
	const char *name;
	enum nkind kind;
} status_fields[] = {
	{ "Package", NK_LINE },	     { "ABIVersion", NK_LINE },
	{ "Version", NK_LINE },	     { "Depends", NK_REL },
	{ "Recommends", NK_REL },    { "Suggests", NK_REL },
	{ "Provides", NK_REL },	     { "Replaces", NK_REL },
	{ "Conflicts", NK_REL },     { "Status", NK_STATUS },
	{ "Essential", NK_YES },     { "Architecture", NK_LINE },
	{ "Conffiles", NK_CONFFILES }, { "Installed-Time", NK_TIME },
	{ "Auto-Installed", NK_YES }, { "Alternatives", NK_LINE },
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The three words of a Status value; 0 or -1 when it has not three. */
static int status_words(const char *v, char want[32], char flags[96],
			char state[32])
{
	return v && sscanf(v, "%31s %95s %31s", want, flags, state) == 3 ? 0
									  : -1;
}

/* A Status value compared by meaning: want, the flags other than "ok"
 * in order, state. */
static char *norm_status(const char *v)
{
	char want[32], flags[96], state[32], *f[16], *t, *save = NULL, *o;
	struct strbuf b = { 0 };
	size_t n = 0, i;

	if (status_words(v, want, flags, state) < 0)
		return one_line(v, &o) == 0 ? o : NULL;
	for (t = strtok_r(flags, ",", &save); t && n < 16;
	     t = strtok_r(NULL, ",", &save))
		if (strcmp(t, "ok"))
			f[n++] = t;
	qsort(f, n, sizeof(*f), cmp_str);
	strbuf_str(&b, want);
	for (i = 0; i < n; i++) {
		strbuf_str(&b, i ? "," : " ");
		strbuf_str(&b, f[i]);
	}
	strbuf_str(&b, " ");
	strbuf_str(&b, state);
	return strbuf_take(&b);
}

/* Conffiles lines compared as a set. */
static char *norm_conffiles(const char *v)
{
	char *copy = strdup(v), **lines = NULL, *line, *save = NULL, *one;
	struct strbuf b = { 0 };
	size_t n = 0, i;

	if (!copy)
		return NULL;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char **nl = realloc(lines, (n + 1) * sizeof(*nl));
		if (!nl) {
			b.oom = 1;
			break;
		}
		lines = nl;
		lines[n++] = line;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (i = 0; i < n; i++) {
		if (one_line(lines[i], &one) < 0) {
			b.oom = 1; /* not comparable: never the same */
			break;
		}
		if (*one) {
			strbuf_str(&b, one);
			strbuf_str(&b, "\n");
		}
		free(one);
	}
	free(lines);
	free(copy);
	return strbuf_take(&b);
}

/* v normalized for comparison (malloc'd; NULL: cannot be compared). */
static char *norm(enum nkind kind, const char *v)
{
	char *o = NULL;

	if (!v)
		return strdup("");
	switch (kind) {
	case NK_REL:
		return rel_norm(v, &o) == 0 ? o : NULL;
	case NK_STATUS:
		return norm_status(v);
	case NK_CONFFILES:
		return norm_conffiles(v);
	case NK_YES:
		return strdup(strcasecmp(v, "yes") ? "" : "yes");
	case NK_TIME:
		return strdup(strtoll(v, NULL, 10) ? v : "");
	default:
		return one_line(v, &o) == 0 ? o : NULL;
	}
}

/* Do the two stanzas say the same in every field opkg's status holds? */
static int stanza_same(const struct ctl_stanza *disk,
		       const struct ctl_stanza *ours)
{
	size_t i;
	int same = 1;

	for (i = 0; same && i < sizeof(status_fields) / sizeof(*status_fields);
	     i++) {
		enum nkind k = status_fields[i].kind;
		char *a = norm(k, ctl_get(disk, status_fields[i].name));
		char *b = norm(k, ctl_get(ours, status_fields[i].name));
		same = a && b && !strcmp(a, b);
		free(a);
		free(b);
	}
	return same;
}

/* The fields of an installed package that opkg takes from the status
 * file, whatever info/<pkg>.control says: what the solver reads. Those
 * the status holds, and Pre-Depends, which opkg never writes there (so
 * an installed package has none). */
static const char *const status_wins[] = {
	"Version",  "Architecture", "Depends",	 "Pre-Depends",
	"Recommends", "Suggests",   "Provides",	 "Replaces",
	"Conflicts", "Essential",   "ABIVersion"
};
#define NSTATUS_WINS (sizeof(status_wins) / sizeof(status_wins[0]))

static int status_wins_at(const char *name)
{
	size_t k;

	for (k = 0; k < NSTATUS_WINS; k++)
		if (!strcasecmp(name, status_wins[k]))
			return (int)k;
	return -1;
}

/* How field name is compared (norm): as status_fields says, a relation
 * for the one it lacks (Pre-Depends). */
static enum nkind field_kind(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(status_fields) / sizeof(*status_fields); i++)
		if (!strcasecmp(name, status_fields[i].name))
			return status_fields[i].kind;
	return NK_REL;
}

char *opkg_control_with_status(char *control, const struct ctl_stanza *st)
{
	struct strbuf b = { 0 };
	struct ctl_stanza c;
	unsigned put = 0; /* the status_wins fields written, a bit each */
	const char *v;
	char *out, *x, *y;
	size_t i, k;
	int at, same = 1;

	if (parse_quiet(control, strlen(control), &c) < 0)
		return control; /* as before: the pool skips it */
	/* compared as opkg writes them ("(=1.0)" is its "(= 1.0)") */
	for (k = 0; same && k < NSTATUS_WINS; k++) {
		enum nkind kind = field_kind(status_wins[k]);
		x = norm(kind, ctl_get(&c, status_wins[k]));
		y = norm(kind, ctl_get(st, status_wins[k]));
		same = x && y && !strcmp(x, y);
		free(x);
		free(y);
	}
	if (same) { /* they agree (on a real router, always) */
		ctl_stanza_release(&c);
		return control;
	}
	for (i = 0; i < c.nfields; i++) {
		v = c.fields[i].value;
		at = status_wins_at(c.fields[i].name);
		if (at >= 0) {
			if (put & 1u << at || !(v = ctl_get(st, status_wins[at])))
				continue;
			put |= 1u << at;
		}
		put_field_text(&b, c.fields[i].name, v);
	}
	for (k = 0; k < NSTATUS_WINS; k++)
		if (!(put & 1u << k) && (v = ctl_get(st, status_wins[k])))
			put_field_text(&b, status_wins[k], v);
	ctl_stanza_release(&c);
	if (!(out = strbuf_take(&b)))
		return control; /* no memory: the control as it was */
	free(control);
	return out;
}

/* ---- a sorted set of names ---- */

/* Is name in s? *at: its index, or where it would go. */
static int nameset_find(const struct opkg_nameset *s, const char *name,
			size_t *at)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->v[mid], name);
		if (!c) {
			*at = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return 0;
}

int opkg_nameset_has(const struct opkg_nameset *s, const char *name)
{
	size_t at;

	return nameset_find(s, name, &at);
}

int opkg_nameset_add(struct opkg_nameset *s, const char *name)
{
	size_t at;
	char **v, *copy;

	if (nameset_find(s, name, &at))
		return 0;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	copy = strdup(name);
	if (v)
		s->v = v;
	if (!v || !copy) {
		free(copy);
		return -ENOMEM;
	}
	memmove(v + at + 1, v + at, (s->n - at) * sizeof(*v));
	v[at] = copy;
	s->n++;
	return 0;
}

void opkg_nameset_release(struct opkg_nameset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* ---- the merge ---- */

struct merge {
	struct pkg_ctx *ctx;
	struct opkg_status_merge *m;
	const struct opkg_nameset *only; /* NULL: every package compared */
	struct strbuf out;
	struct opkg_nameset emitted;
};

/* Is a stanza of this Status one of an installed package (one the
 * import takes)? */
static int status_installed(const char *v)
{
	char want[32], flags[96], state[32];

	return status_words(v, want, flags, state) == 0 &&
	       (!strcmp(state, "installed") || !strcmp(state, "unpacked") ||
		!strcmp(state, "half-configured"));
}

/* Would opkg write this stanza of a package it does not have installed
 * (opkg_conf_write_status_files: not-installed with want unknown, purge,
 * or deinstall without hold is left out)? */
static int status_kept(const char *v)
{
	char want[32], flags[96], state[32];

	if (status_words(v, want, flags, state) < 0)
		return 1; /* not opkg's: leave it as it is */
	if (strcmp(state, "not-installed"))
		return 1;
	return !(!strcmp(want, "unknown") || !strcmp(want, "purge") ||
		 (!strcmp(want, "deinstall") && !strstr(flags, "hold")));
}

static int db_writes(const struct db_pkg *p)
{
	return !strcmp(p->state, "installed") || !strcmp(p->state, "failed");
}

/* Separate what follows from the text so far by a blank line. */
static void sb_stanza_gap(struct strbuf *b)
{
	if (!b->len)
		return;
	if (b->s[b->len - 1] != '\n')
		strbuf_str(b, "\n");
	if (b->len < 2 || b->s[b->len - 2] != '\n')
		strbuf_str(b, "\n");
}

/* The database's stanza for p when the disk's (NULL: none) says
 * otherwise, else NULL with *r 0: keep the disk's text. */
static char *changed_stanza(struct merge *mg, const struct db_pkg *p,
			    const struct ctl_stanza *disk, int *r)
{
	struct ctl_stanza ours;
	char *text;
	struct stanza_conffiles cs = { mg->ctx, NULL, NULL };

	*r = stanza_render(&cs, p, &text);
	if (*r < 0)
		return NULL;
	if (disk && parse_quiet(text, strlen(text), &ours) == 0) {
		int same = stanza_same(disk, &ours);
		ctl_stanza_release(&ours);
		if (same) {
			free(text);
			return NULL;
		}
	}
	return text;
}

/* One stanza of the file on disk (text: its lines, span: up to the next
 * stanza). */
static int merge_one(struct merge *mg, const char *text, size_t tlen,
		     const char *span, size_t slen)
{
	struct ctl_stanza st;
	struct db_pkg p;
	const char *name;
	char *ours;
	int r = 0, have;

	if (parse_quiet(text, tlen, &st) < 0) {
		strbuf_add(&mg->out, span, slen); /* not ours to judge */
		mg->m->unjudged++;
		return 0;
	}
	name = ctl_get(&st, "Package");
	have = name && !opkg_nameset_has(&mg->emitted, name) &&
	       db_pkg_get(mg->ctx->db, name, &p) == 0;
	if (have && !db_writes(&p)) {
		db_pkg_release(&p);
		have = 0;
	}
	if (have && mg->only && !opkg_nameset_has(mg->only, name)) {
		/* installed, and left alone by the transaction: the stanza
		 * the last write made stays (not rendered to be compared) */
		r = opkg_nameset_add(&mg->emitted, name);
		if (r == 0)
			strbuf_add(&mg->out, span, slen);
		db_pkg_release(&p);
	} else if (have) {
		ours = changed_stanza(mg, &p, &st, &r);
		if (r == 0)
			r = opkg_nameset_add(&mg->emitted, name);
		if (r == 0 && ours)
			r = opkg_nameset_add(&mg->m->changed, name);
		if (ours)
			strbuf_add(&mg->out, ours, strlen(ours));
		else if (r == 0)
			strbuf_add(&mg->out, span, slen);
		free(ours);
		db_pkg_release(&p);
	} else if (!name || (!opkg_nameset_has(&mg->emitted, name) &&
			     !status_installed(ctl_get(&st, "Status")) &&
			     status_kept(ctl_get(&st, "Status")))) {
		strbuf_add(&mg->out, span, slen);
		if (name)
			r = opkg_nameset_add(&mg->m->foreign, name);
		else
			mg->m->unjudged++;
	}
	ctl_stanza_release(&st);
	return r;
}

/* Line [s, *next): its length without the newline and a CR. */
static size_t line_at(const char *s, const char *end, const char **next)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	size_t n = (size_t)((nl ? nl : end) - s);

	*next = nl ? nl + 1 : end;
	if (n && s[n - 1] == '\r')
		n--;
	return n;
}

static int all_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Walk the stanzas of the file as ctl_parse splits them: a stanza starts
 * at a line that is not blank and ends at the first empty line. */
static int merge_text(struct merge *mg, const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len, *start = NULL, *stop = NULL;
	const char *next;
	int r = 0;

	while (r == 0 && s < end) {
		size_t n = line_at(s, end, &next);
		if (!start) {
			if (n && !all_blank(s, n)) {
				strbuf_add(&mg->out, buf, (size_t)(s - buf));
				start = s; /* what came before: kept */
			}
		} else if (!stop && n == 0) {
			stop = s;
		} else if (stop && n && !all_blank(s, n)) {
			r = merge_one(mg, start, (size_t)(stop - start), start,
				      (size_t)(s - start));
			start = s;
			stop = NULL;
		}
		s = next;
	}
	if (r == 0 && start)
		r = merge_one(mg, start, (size_t)((stop ? stop : end) - start),
			      start, (size_t)(end - start));
	else if (r == 0 && !start)
		strbuf_add(&mg->out, buf, len);
	return r;
}

/* Packages the file did not have: after it, in name order. */
static int merge_new(const struct db_pkg *p, void *ud)
{
	struct merge *mg = ud;
	char *text;
	int r;

	if (!db_writes(p) || opkg_nameset_has(&mg->emitted, p->name))
		return 0;
	text = changed_stanza(mg, p, NULL, &r);
	if (!text)
		return r;
	sb_stanza_gap(&mg->out);
	strbuf_str(&mg->out, text);
	free(text);
	r = opkg_nameset_add(&mg->emitted, p->name);
	return r == 0 ? opkg_nameset_add(&mg->m->changed, p->name) : r;
}

int opkg_status_merge(struct pkg_ctx *ctx, struct opkg_status_merge *m,
		      const struct opkg_nameset *only)
{
	struct merge mg = { ctx, m, only, { 0 }, { 0 } };
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(m, 0, sizeof(*m));
	r = ctx_read_file(ctx, ctx->conf.status_file, 0, &text, &len);
	if (r == -ENOENT)
		r = 0;
	else if (r < 0)
		return pkg_error(r, "cannot read opkg status '%s'",
				 ctx->conf.status_file);
	if (text)
		r = merge_text(&mg, text, len);
	free(text);
	if (r == 0)
		r = db_pkg_each(ctx->db, merge_new, &mg);
	opkg_nameset_release(&mg.emitted);
	m->len = mg.out.len;
	m->text = strbuf_take(&mg.out);
	if (r == 0 && !m->text)
		r = -ENOMEM;
	if (r < 0)
		opkg_status_merge_release(m);
	return r;
}

void opkg_status_merge_release(struct opkg_status_merge *m)
{
	free(m->text);
	m->text = NULL;
	opkg_nameset_release(&m->changed);
	opkg_nameset_release(&m->foreign);
}
