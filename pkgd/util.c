/*
 * Small helpers shared by the commands.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pkgd.h"

/* opkg's verrevcmp order of one part (Debian's). */
static int ver_order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first = 0;

		while ((*a && !isdigit((unsigned char)*a)) ||
		       (*b && !isdigit((unsigned char)*b))) {
			int ac = ver_order((unsigned char)*a);
			int bc = ver_order((unsigned char)*b);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) &&
		       isdigit((unsigned char)*b)) {
			if (!first)
				first = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first)
			return first;
	}
	return 0;
}

/* Split "[epoch:]upstream[-revision]" (revision after the last '-'). */
static void ver_split(const char *v, long *epoch, char **up, char **rev)
{
	const char *colon = strchr(v, ':');
	char *u, *dash;

	*epoch = 0;
	if (colon && colon > v) {
		*epoch = strtol(v, NULL, 10);
		v = colon + 1;
	}
	u = strdup(v);
	dash = u ? strrchr(u, '-') : NULL;
	if (dash)
		*dash++ = 0;
	*up = u;
	*rev = dash;
}

int pkg_vercmp(const char *a, const char *b)
{
	long ea, eb;
	char *ua, *ra, *ub, *rb;
	int r;

	ver_split(a, &ea, &ua, &ra);
	ver_split(b, &eb, &ub, &rb);
	if (ea != eb)
		r = ea < eb ? -1 : 1;
	else if (!ua || !ub)
		r = 0;
	else if ((r = verrevcmp(ua, ub)) == 0)
		r = verrevcmp(ra ? ra : "", rb ? rb : "");
	free(ua);
	free(ub);
	return r;
}

int arg_is_url(const char *arg)
{
	return !strncmp(arg, "http://", 7) || !strncmp(arg, "https://", 8) ||
	       !strncmp(arg, "ftp://", 6) || !strncmp(arg, "file://", 7);
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
