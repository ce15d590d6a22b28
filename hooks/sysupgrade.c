/*
 * Sysupgrade integration: the files sysupgrade reads and keeps.
 */
#include <stdlib.h>
#include <string.h>

#include "hooks.h"

static int entry_cmp(const void *a, const void *b)
{
	const struct hooks_pkg_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

char *hooks_installed_txt(const struct hooks_pkg_entry *e, size_t n,
			  size_t *len)
{
	struct hooks_pkg_entry *s = malloc((n ? n : 1) * sizeof(*s));
	size_t cap = 1, i, off = 0;
	char *buf;

	if (!s)
		return NULL;
	memcpy(s, e, n * sizeof(*s));
	qsort(s, n, sizeof(*s), entry_cmp);
	for (i = 0; i < n; i++)
		cap += strlen(s[i].name) + strlen(s[i].where) + 2;
	buf = malloc(cap);
	if (!buf) {
		free(s);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		size_t a = strlen(s[i].name), b = strlen(s[i].where);
		memcpy(buf + off, s[i].name, a);
		buf[off + a] = '\t';
		memcpy(buf + off + a + 1, s[i].where, b);
		buf[off + a + 1 + b] = '\n';
		off += a + b + 2;
	}
	buf[off] = 0;
	*len = off;
	free(s);
	return buf;
}
