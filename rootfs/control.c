/*
 * Control-file / Packages-index parser (RFC822-like stanzas).
 *
 * One pass over the buffer, no copy of the input. Each stanza is built in
 * a growing field array and one growing scratch buffer (names and values
 * stored back to back as NUL-terminated strings, addressed by offset while
 * the buffer may move), both reused from stanza to stanza: a feed of
 * thousands of stanzas costs a handful of allocations.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base.h"
#include "rootfs_int.h"

struct ctl_parser {
	struct ctl_field *fields;
	size_t (*off)[2]; /* name and value offsets into scratch */
	size_t nfields, fcap;
	char *scratch;
	size_t slen, scap;
	size_t max_field;
	size_t value_len; /* length of the current (last) value */
	char *why;
	size_t whylen;
};

static int parser_fail(struct ctl_parser *p, size_t line, const char *what)
{
	snprintf(p->why, p->whylen, "line %zu: %s", line, what);
	return -PKGE_FORMAT;
}

static int scratch_reserve(struct ctl_parser *p, size_t more)
{
	size_t ncap;
	char *ns;

	if (p->scap - p->slen >= more)
		return 0;
	ncap = p->scap ? p->scap : 4096;
	while (ncap - p->slen < more)
		ncap *= 2;
	ns = realloc(p->scratch, ncap);
	if (!ns)
		return -ENOMEM;
	p->scratch = ns;
	p->scap = ncap;
	return 0;
}

static int scratch_put(struct ctl_parser *p, const char *s, size_t n)
{
	int rc = scratch_reserve(p, n + 1);

	if (rc)
		return rc;
	memcpy(p->scratch + p->slen, s, n);
	p->slen += n;
	p->scratch[p->slen++] = '\0';
	return 0;
}

/* Trim trailing blanks and a CR; returns the new length. */
static size_t rtrim(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n;
}

static int add_field(struct ctl_parser *p, const char *line, size_t n,
		     size_t lineno)
{
	const char *colon = memchr(line, ':', n);
	size_t nlen, i;
	const char *v;
	int rc;

	if (!colon || colon == line)
		return parser_fail(p, lineno, "expected 'Name: value'");
	nlen = (size_t)(colon - line);
	for (i = 0; i < nlen; i++)
		if (line[i] == ' ' || line[i] == '\t')
			return parser_fail(p, lineno, "blank in field name");
	if (p->nfields == p->fcap) {
		size_t ncap = p->fcap ? p->fcap * 2 : 32;
		void *nf = realloc(p->fields, ncap * sizeof(*p->fields));

		if (!nf)
			return -ENOMEM;
		p->fields = nf;
		nf = realloc(p->off, ncap * sizeof(*p->off));
		if (!nf)
			return -ENOMEM;
		p->off = nf;
		p->fcap = ncap;
	}
	v = colon + 1;
	while (v < line + n && (*v == ' ' || *v == '\t'))
		v++;
	p->value_len = rtrim(v, (size_t)(line + n - v));
	if (p->value_len > p->max_field)
		return parser_fail(p, lineno, "field too long");
	p->off[p->nfields][0] = p->slen;
	rc = scratch_put(p, line, nlen);
	p->off[p->nfields][1] = p->slen;
	if (!rc)
		rc = scratch_put(p, v, p->value_len);
	if (!rc)
		p->nfields++;
	return rc;
}

/* Append a continuation line (without its first blank) to the last
 * value, which is always at the end of scratch. */
static int add_continuation(struct ctl_parser *p, const char *s, size_t n,
			    size_t lineno)
{
	int rc;

	n = rtrim(s, n);
	p->value_len += n + 1;
	if (p->value_len > p->max_field)
		return parser_fail(p, lineno, "field too long");
	rc = scratch_reserve(p, n + 1);
	if (rc)
		return rc;
	p->scratch[p->slen - 1] = '\n';
	memcpy(p->scratch + p->slen, s, n);
	p->slen += n;
	p->scratch[p->slen++] = '\0';
	return 0;
}

static int emit(struct ctl_parser *p, size_t line, ctl_stanza_fn fn, void *ud)
{
	struct ctl_stanza st;
	size_t i;
	int rc;

	if (!p->nfields)
		return 0;
	for (i = 0; i < p->nfields; i++) {
		p->fields[i].name = p->scratch + p->off[i][0];
		p->fields[i].value = p->scratch + p->off[i][1];
	}
	st.fields = p->fields;
	st.nfields = p->nfields;
	st.line = line;
	rc = fn(&st, ud);
	p->nfields = 0;
	p->slen = 0;
	return rc;
}

static int all_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static int parse_line(struct ctl_parser *p, const char *s, size_t n,
		      size_t lineno)
{
	if (s[0] == ' ' || s[0] == '\t') {
		if (p->nfields)
			return add_continuation(p, s + 1, n - 1, lineno);
		if (all_blank(s, n))
			return 0;
		return parser_fail(p, lineno, "continuation without a field");
	}
	return add_field(p, s, n, lineno);
}

static int parse_all(struct ctl_parser *p, const char *buf, size_t len,
		     ctl_stanza_fn fn, void *ud)
{
	const char *s = buf, *end = buf + len;
	size_t lineno = 0, start = 0;
	int rc = 0;

	while (s < end && !rc) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - s);

		lineno++;
		if (n && s[n - 1] == '\r')
			n--;
		/* Text only: a NUL would cut a name or value short. */
		if (memchr(s, '\0', n)) {
			rc = parser_fail(p, lineno, "NUL byte");
			break;
		}
		if (n == 0 || (!p->nfields && all_blank(s, n))) {
			rc = emit(p, start, fn, ud);
		} else {
			if (!p->nfields)
				start = lineno;
			rc = parse_line(p, s, n, lineno);
		}
		s = nl ? nl + 1 : end;
	}
	if (!rc)
		rc = emit(p, start, fn, ud);
	return rc;
}

int ctl_parse_why(const char *buf, size_t len, size_t max_field,
		  ctl_stanza_fn fn, void *ud, char *why, size_t whylen)
{
	struct ctl_parser p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.max_field = max_field ? max_field : (size_t)1 << 20;
	p.why = why;
	p.whylen = whylen;
	if (whylen)
		why[0] = '\0';
	rc = parse_all(&p, buf, len, fn, ud);
	free(p.fields);
	free(p.off);
	free(p.scratch);
	return rc;
}

int ctl_parse(const char *buf, size_t len, size_t max_field, ctl_stanza_fn fn,
	      void *ud)
{
	char why[128];
	int rc = ctl_parse_why(buf, len, max_field, fn, ud, why, sizeof(why));

	if (rc == -PKGE_FORMAT && why[0])
		return pkg_error_plain(rc, "malformed control data: %s", why);
	if (rc == -ENOMEM)
		return pkg_error(rc, "cannot parse control data");
	return rc;
}

const char *ctl_get(const struct ctl_stanza *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nfields; i++)
		if (ctl_field_is(st->fields[i].name, name))
			return st->fields[i].value;
	return NULL;
}

/* Copy the stanza into one allocation: the field array followed by the
 * strings. Returns 1 (stop after the first stanza) or -ENOMEM. */
static int copy_stanza(const struct ctl_stanza *st, void *ud)
{
	struct ctl_stanza *out = ud;
	size_t i, size = st->nfields * sizeof(struct ctl_field);
	char *block, *s;

	for (i = 0; i < st->nfields; i++)
		size += strlen(st->fields[i].name) +
			strlen(st->fields[i].value) + 2;
	block = malloc(size);
	if (!block)
		return -ENOMEM;
	out->fields = (struct ctl_field *)block;
	out->nfields = st->nfields;
	out->line = st->line;
	s = block + st->nfields * sizeof(struct ctl_field);
	for (i = 0; i < st->nfields; i++) {
		size_t nl = strlen(st->fields[i].name) + 1;
		size_t vl = strlen(st->fields[i].value) + 1;

		out->fields[i].name = memcpy(s, st->fields[i].name, nl);
		s += nl;
		out->fields[i].value = memcpy(s, st->fields[i].value, vl);
		s += vl;
	}
	return 1;
}

int ctl_parse_one_why(const char *buf, size_t len, struct ctl_stanza *out,
		      char *why, size_t whylen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ctl_parse_why(buf, len, 0, copy_stanza, out, why, whylen);
	if (rc == 1)
		return 0;
	if (rc == 0) {
		snprintf(why, whylen, "no fields");
		return -PKGE_FORMAT;
	}
	return rc;
}

int ctl_parse_one(const char *buf, size_t len, struct ctl_stanza *out)
{
	char why[128];
	int rc = ctl_parse_one_why(buf, len, out, why, sizeof(why));

	if (rc == -PKGE_FORMAT)
		return pkg_error_plain(rc, "malformed control data: %s", why);
	if (rc)
		return pkg_error(rc, "cannot parse control data");
	return 0;
}

#define CTL_READ_BLOCK ((size_t)16 << 10) /* a list open per feed (list) */

/* Is the line s[0..n) (its newline included, if any) blank? */
static int line_blank(const char *s, size_t n)
{
	if (n && s[n - 1] == '\n')
		n--;
	if (n && s[n - 1] == '\r')
		n--;
	return n == 0;
}

/* Read more into r->buf after what is kept from r->pos on (moved to the
 * start; the buffer doubled when that fills it). 1 read, 0 at the end,
 * -EIO or -ENOMEM. */
static int reader_fill(struct ctl_reader *r)
{
	size_t got;

	if (r->eof)
		return 0;
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < CTL_READ_BLOCK / 2) {
		size_t ncap = r->cap ? r->cap * 2 : CTL_READ_BLOCK;
		char *nb = realloc(r->buf, ncap);

		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->cap = ncap;
	}
	got = fread(r->buf + r->len, 1, r->cap - r->len, r->fp);
	r->len += got;
	if (got == 0) {
		r->eof = 1;
		return ferror(r->fp) ? -EIO : 0;
	}
	return 1;
}

int ctl_read_stanza(struct ctl_reader *r, const char **text, size_t *len,
		    size_t *line, uint64_t *off)
{
	size_t max = r->max ? r->max : CTL_STANZA_MAX, at = 0, n;
	int in = 0, k;

	for (;;) {
		size_t left = r->len - r->pos - at;
		const char *s = left ? r->buf + r->pos + at : "", *nl;

		nl = left ? memchr(s, '\n', left) : NULL;
		if (!nl && !r->eof) { /* the line goes on past the block */
			if (at + left > max) {
				*line = r->line + 1;
				return -PKGE_FORMAT;
			}
			if ((k = reader_fill(r)) < 0)
				return k;
			continue;
		}
		n = nl ? (size_t)(nl - s) + 1 : left; /* at the end: the rest */
		if (n == 0 || line_blank(s, n)) {
			if (in) { /* the stanza is buf[pos..pos+at) */
				*text = r->buf + r->pos;
				*len = at;
				r->pos += at + n;
				r->off += at + n;
				r->line += n > 0; /* the blank line, if any */
				return 1;
			}
			if (n == 0)
				return 0; /* the end, nothing pending */
			r->pos += n; /* a blank line between stanzas */
			r->off += n;
			r->line++;
			continue;
		}
		if (!in) {
			in = 1;
			*line = r->line + 1;
			*off = r->off;
		}
		r->line++;
		at += n;
		if (at > max) {
			*line = r->line;
			return -PKGE_FORMAT;
		}
		if (!nl) { /* the last line, without a newline */
			*text = r->buf + r->pos;
			*len = at;
			r->pos += at;
			r->off += at;
			return 1;
		}
	}
}

void ctl_reader_release(struct ctl_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->len = r->pos = 0;
}

void ctl_stanza_release(struct ctl_stanza *st)
{
	free(st->fields);
	st->fields = NULL;
	st->nfields = 0;
}

/* ------------------------------------------------------------------ */
/* Validation of what a stanza may carry into pkg's state (opkg's status
 * file, info/<name>.*, the world file): done where packages are parsed
 * (archives, indexes, status files), so nothing invalid gets further. */

static int ctl_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* The bytes of names (NAME_CH: letters, digits, "+-._") and versions
 * (those and "~:"), as a table: strspn builds its own from the accept
 * string at every call (500 instructions a name, 10M in update's parse
 * of 19.07.1). */
#define NAME_CH 1
#define VERSION_CH 2
#define NV (NAME_CH | VERSION_CH)
static const unsigned char name_chars[256] = {
	['+'] = NV, ['-'] = NV, ['.'] = NV, ['_'] = NV,
	['~'] = VERSION_CH, [':'] = VERSION_CH,
	['0'] = NV, ['1'] = NV, ['2'] = NV, ['3'] = NV, ['4'] = NV,
	['5'] = NV, ['6'] = NV, ['7'] = NV, ['8'] = NV, ['9'] = NV,
	['a'] = NV, ['b'] = NV, ['c'] = NV, ['d'] = NV, ['e'] = NV,
	['f'] = NV, ['g'] = NV, ['h'] = NV, ['i'] = NV, ['j'] = NV,
	['k'] = NV, ['l'] = NV, ['m'] = NV, ['n'] = NV, ['o'] = NV,
	['p'] = NV, ['q'] = NV, ['r'] = NV, ['s'] = NV, ['t'] = NV,
	['u'] = NV, ['v'] = NV, ['w'] = NV, ['x'] = NV, ['y'] = NV,
	['z'] = NV,
	['A'] = NV, ['B'] = NV, ['C'] = NV, ['D'] = NV, ['E'] = NV,
	['F'] = NV, ['G'] = NV, ['H'] = NV, ['I'] = NV, ['J'] = NV,
	['K'] = NV, ['L'] = NV, ['M'] = NV, ['N'] = NV, ['O'] = NV,
	['P'] = NV, ['Q'] = NV, ['R'] = NV, ['S'] = NV, ['T'] = NV,
	['U'] = NV, ['V'] = NV, ['W'] = NV, ['X'] = NV, ['Y'] = NV,
	['Z'] = NV,
};

/* s: an alphanumeric first byte, then bytes of class, at most
 * CTL_NAME_MAX in all. */
static int word_ok(const char *s, unsigned char class)
{
	size_t n = 0;

	if (!ctl_alnum(s[0]))
		return 0;
	while (name_chars[(unsigned char)s[n]] & class)
		n++;
	return !s[n] && n <= CTL_NAME_MAX;
}

int ctl_name_ok(const char *s)
{
	return word_ok(s, NAME_CH);
}

int ctl_version_ok(const char *s)
{
	return word_ok(s, VERSION_CH);
}

int ctl_line_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int folded_ok(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') ||
		    *s == 0x7f)
			return 0;
	return 1;
}

/* The fields whose values are checked: the relation fields, which
 * Debian lets be folded over more lines (the parser keeps a newline
 * where a continuation line began, and the writers put them back on one
 * line; any other control character is refused), and the fields that
 * hold one line (opkg's own and OpenWrt's). The others (Description,
 * Conffiles, unknown ones) may continue on more lines. In strcasecmp
 * order: one binary search a field (test_rootfs checks each name). */
enum { FIELD_FOLDED, FIELD_LINE };
static const struct {
	const char *name;
	int kind;
} checked_fields[] = {
	{ "ABIVersion", FIELD_LINE },
	{ "Alternatives", FIELD_LINE },
	{ "Architecture", FIELD_LINE },
	{ "Auto-Installed", FIELD_LINE },
	{ "Conflicts", FIELD_FOLDED },
	{ "CPE-ID", FIELD_LINE },
	{ "Depends", FIELD_FOLDED },
	{ "Essential", FIELD_LINE },
	{ "Filename", FIELD_LINE },
	{ "Homepage", FIELD_LINE },
	{ "Installed-Size", FIELD_LINE },
	{ "Installed-Time", FIELD_LINE },
	{ "License", FIELD_LINE },
	{ "LicenseFiles", FIELD_LINE },
	{ "Maintainer", FIELD_LINE },
	{ "MD5Sum", FIELD_LINE },
	{ "Package", FIELD_LINE },
	{ "Pre-Depends", FIELD_FOLDED },
	{ "Priority", FIELD_LINE },
	{ "Provides", FIELD_FOLDED },
	{ "Recommends", FIELD_FOLDED },
	{ "Replaces", FIELD_FOLDED },
	{ "Require-User", FIELD_LINE },
	{ "Section", FIELD_LINE },
	{ "SHA256sum", FIELD_LINE },
	{ "Size", FIELD_LINE },
	{ "Source", FIELD_LINE },
	{ "SourceDateEpoch", FIELD_LINE },
	{ "SourceName", FIELD_LINE },
	{ "Status", FIELD_LINE },
	{ "Suggests", FIELD_FOLDED },
	{ "Tags", FIELD_LINE },
	{ "Version", FIELD_LINE },
};

/* The entry of checked_fields that name is (any case), or -1. */
static int checked_field(const char *name)
{
	size_t lo = 0, hi = sizeof(checked_fields) / sizeof(*checked_fields);
	size_t mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcasecmp(name, checked_fields[mid].name);
		if (!c)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int ctl_check_stanza(const struct ctl_stanza *st, char *why, size_t whylen)
{
	const char *name = ctl_get(st, "Package");
	const char *ver = ctl_get(st, "Version");
	const char *v;
	size_t i;
	int k, ok;

	if (name && !ctl_name_ok(name)) {
		snprintf(why, whylen, "invalid package name '%.64s'", name);
		return -PKGE_FORMAT;
	}
	if (ver && !ctl_version_ok(ver)) {
		snprintf(why, whylen, "invalid version '%.64s'%s%s", ver,
			 name ? " of " : "", name ? name : "");
		return -PKGE_FORMAT;
	}
	for (i = 0; i < st->nfields; i++) {
		if ((k = checked_field(st->fields[i].name)) < 0)
			continue;
		v = st->fields[i].value;
		ok = checked_fields[k].kind == FIELD_FOLDED ? folded_ok(v)
							    : ctl_line_ok(v);
		if (ok)
			continue;
		snprintf(why, whylen, "control characters in field %s%s%s",
			 checked_fields[k].name, name ? " of " : "",
			 name && ctl_name_ok(name) ? name : "");
		return -PKGE_FORMAT;
	}
	return 0;
}

int ctl_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}
