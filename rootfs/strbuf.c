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

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
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
