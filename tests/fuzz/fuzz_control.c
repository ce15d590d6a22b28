/*
 * libFuzzer harness: the control / Packages stanza parser (rootfs
 * ctl_parse, ctl_parse_one, ctl_get). Checks the parser's promises on
 * every stanza: fields have a non-empty name without blanks, values obey
 * the field cap, ctl_get finds every field by name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base.h"

struct seen {
	size_t stanzas;
	size_t max_field;
};

static int on_stanza(const struct ctl_stanza *st, void *ud)
{
	struct seen *s = ud;
	size_t i;

	s->stanzas++;
	if (!st->nfields || !st->line)
		abort();
	for (i = 0; i < st->nfields; i++) {
		const char *n = st->fields[i].name;

		if (!n[0] || strpbrk(n, " \t") || strchr(n, ':'))
			abort();
		if (strlen(st->fields[i].value) > s->max_field)
			abort();
		if (!ctl_get(st, n))
			abort();
	}
	(void)ctl_get(st, "Package");
	return s->stanzas > 10000; /* stop early on huge inputs */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0, 0 };
	struct ctl_stanza one;
	size_t caps[] = { 0, 64 };
	size_t k;

	for (k = 0; k < 2; k++) {
		s.stanzas = 0;
		s.max_field = caps[k] ? caps[k] : (size_t)1 << 20;
		(void)ctl_parse((const char *)data, size, caps[k], on_stanza,
				&s);
	}
	if (ctl_parse_one((const char *)data, size, &one) == 0) {
		if (!one.nfields)
			abort();
		(void)ctl_get(&one, "Version");
		ctl_stanza_release(&one);
	}
	return 0;
}
