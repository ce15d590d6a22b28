/*
 * Small helpers shared by the commands.
 */
#include <errno.h>
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
	nv[*n] = strdup(s);
	return nv[(*n)++] ? 0 : -ENOMEM;
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
