/*
 * A growing text buffer: one allocation that doubles, always
 * NUL-terminated; the first failed allocation sticks (oom) and every
 * later add is a no-op, so callers check once, at the end. Used where
 * open_memstream's zeroed 8 KiB buffer per string cost more than the
 * text (a dependency string for every package of the feeds).
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"

int strbuf_room(struct strbuf *b, size_t n)
{
	size_t cap = (b->cap + n + 1) * 2;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	if (!(p = realloc(b->s, cap))) {
		b->oom = 1;
		return -1;
	}
	b->s = p;
	b->cap = cap;
	return 0;
}

char *strbuf_take(struct strbuf *b)
{
	char *s = b->s;

	if (b->oom) {
		free(s);
		s = NULL;
	} else if (!s) {
		s = strdup("");
	}
	memset(b, 0, sizeof(*b));
	return s;
}
