/*
 * Small helpers shared by the commands.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int strv_add_unique(char ***v, size_t *n, const char *s)
{
	char **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

int arg_is_url(const char *arg)
{
	return !strncmp(arg, "http://", 7) || !strncmp(arg, "https://", 8) ||
	       !strncmp(arg, "ftp://", 6) || !strncmp(arg, "file://", 7);
}

/* Does s hold a glob character? */
int arg_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The glob's word when it is "*WORD*" with no other special character
 * (find's usual search, LuCI's), its length in *n; NULL otherwise. */
static const char *glob_infix(const char *glob, size_t *n)
{
	size_t len = strlen(glob);

	if (len < 3 || glob[0] != '*' || glob[len - 1] != '*' ||
	    strcspn(glob + 1, "*?[\\") != len - 2)
		return NULL;
	*n = len - 2;
	return glob + 1;
}

int pkg_glob_match(const struct pkg_ctx *ctx, const char *glob,
		   const char *s)
{
	int fold = ctx && ctx->opt.nocase;
	const char *word;
	char w[256];
	size_t n;

	if (!glob)
		return 1;
	/* what fnmatch answers for "*WORD*" (no FNM_PATHNAME or
	 * FNM_PERIOD: a '*' takes any byte), found by a substring search:
	 * glibc's fnmatch tries the rest of the pattern at every byte of a
	 * description, 58% of find's instructions */
	if ((word = glob_infix(glob, &n))) {
		if (!fold)
			return memmem(s, strlen(s), word, n) != NULL;
		if (n < sizeof(w)) { /* the C locale's case, as fnmatch's */
			memcpy(w, word, n);
			w[n] = '\0';
			return strcasestr(s, w) != NULL;
		}
	}
	return !fnmatch(glob, s, fold ? FNM_CASEFOLD : 0);
}

struct glob_arg {
	const struct pkg_ctx *ctx;
	const char *glob;
};

static int glob_name(const char *name, const void *ud)
{
	const struct glob_arg *g = ud;

	return pkg_glob_match(g->ctx, g->glob, name);
}

void pkg_glob_ids(const struct pkg_ctx *ctx, const char *glob, Queue *q)
{
	struct glob_arg g = { ctx, glob };

	solver_match_names(&ctx->solv, glob_name, &g, q);
}

int arg_is_ipk(const char *arg)
{
	size_t l = strlen(arg);

	return (l > 4 && !strcmp(arg + l - 4, ".ipk")) ||
	       (l > 4 && !strcmp(arg + l - 4, ".opk")) ||
	       (l > 4 && !strcmp(arg + l - 4, ".deb")) || strchr(arg, '/');
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_item(FILE *f, int *first)
{
	fputs(*first ? "[\n  {" : ",\n  {", f);
	*first = 0;
}

void json_field(FILE *f, const char *sep, const char *key, const char *value)
{
	fprintf(f, "%s\"%s\": ", sep, key);
	json_str(f, value);
}

void json_array_end(FILE *f, int first)
{
	fputs(first ? "[]\n" : "\n]\n", f);
}

char *desc_first_line(const char *desc)
{
	size_t n;

	if (!desc)
		return NULL;
	n = strcspn(desc, "\n");
	return strndup(desc, n);
}

/* opkg on a pipe prints a description as one line: continuation lines are
 * appended with their leading space. */
char *desc_one_line(const char *desc)
{
	char *s = desc ? strdup(desc) : NULL, *p;

	for (p = s; p && *p; p++)
		if (*p == '\n')
			*p = ' ';
	return s;
}

/* isspace in the C locale, without a call */
static int blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Trim blanks (isspace) off both ends of s[0..*n): the new start. */
static const char *trim_ends(const char *s, size_t *n)
{
	while (*n && blank(*s)) {
		s++;
		(*n)--;
	}
	while (*n && blank(s[*n - 1]))
		(*n)--;
	return s;
}

const char *desc_lines(const char *stanza, size_t len, size_t *n)
{
	const char *l = stanza, *end = stanza + len, *v = NULL, *e;

	for (; l < end; l = e + (e < end)) {
		e = memchr(l, '\n', (size_t)(end - l));
		e = e ? e : end;
		if ((size_t)(e - l) > 12 && !strncmp(l, "Description:", 12)) {
			v = l;
			break;
		}
	}
	if (!v)
		return NULL;
	for (l = e + (e < end); l < end && *l == ' '; l = e + (e < end)) {
		e = memchr(l, '\n', (size_t)(end - l));
		e = e ? e : end;
	}
	*n = (size_t)(l - v);
	return v;
}

char *desc_opkg(const char *stanza, size_t len, int tty)
{
	size_t n = 0;
	const char *v = desc_lines(stanza, len, &n);

	return v ? desc_render(v + 12, n - 12, tty) : NULL;
}

size_t desc_render_into(struct strbuf *b, const char *v, size_t len,
			int tty)
{
	const char *l, *end = v + len, *e = memchr(v, '\n', len), *t;
	size_t at = b->len, vn, k;

	e = e ? e : end;
	vn = (size_t)(e - v);
	t = trim_ends(v, &vn);
	strbuf_add(b, t, vn);
	l = e + (e < end);
	if (l >= end || *l != ' ') /* one line (most): trimmed already */
		return b->oom ? 0 : vn;
	/* continuation lines (a space first) as they are: leading space
	 * kept, trailing blanks kept; a newline before each on a tty */
	for (; l < end && *l == ' '; l = e + (e < end)) {
		e = memchr(l, '\n', (size_t)(end - l));
		e = e ? e : end;
		k = (size_t)(e - l) - (e > l && e[-1] == '\r');
		if (tty)
			strbuf_add(b, "\n", 1);
		strbuf_add(b, l, k);
	}
	if (b->oom || b->len == at)
		return 0;
	/* the whole trimmed: what was added, moved back to at */
	vn = b->len - at;
	t = trim_ends(b->s + at, &vn);
	memmove(b->s + at, t, vn);
	b->len = at + vn;
	b->s[b->len] = '\0';
	return vn;
}

char *desc_render(const char *v, size_t len, int tty)
{
	struct strbuf b = { 0 };

	if (!desc_render_into(&b, v, len, tty)) {
		free(b.s);
		return NULL;
	}
	return strbuf_take(&b);
}
