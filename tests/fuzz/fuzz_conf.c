/*
 * libFuzzer harness: opkg.conf parsing (pkgd conf_parse_text, linked from
 * the pkgd library, not edited). Parses the text into a fresh
 * configuration, checks what it produced, releases it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <solv/pool.h>
#include <sqlite3.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkg_conf c;
	size_t i;

	memset(&c, 0, sizeof(c));
	(void)conf_parse_text(&c, (const char *)data, size, "fuzz.conf");
	for (i = 0; i < c.nsrcs; i++)
		if (!c.srcs[i].name || !c.srcs[i].url)
			abort();
	for (i = 0; i < c.ndests; i++)
		if (!c.dests[i].name || !c.dests[i].path)
			abort();
	for (i = 0; i < c.narchs; i++)
		if (!c.archs[i].name)
			abort();
	conf_release(&c);
	return 0;
}
