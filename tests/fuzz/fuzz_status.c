/*
 * libFuzzer harness: an opkg status file as pkg's first run reads it.
 * The import itself (pkgd/opkgimport.c) needs a whole context and a
 * database; the layers below it are fuzzed here: ctl_parse over the
 * status text and every stanza into the solver's installed repo
 * (solver_add_stanza), then the fields the import reads (Status,
 * Conffiles, Auto-Installed) split the way opkg writes them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solver.h"

struct st_ctx {
	struct pkg_solver *s;
	Repo *repo;
	size_t n;
};

/* Conffiles: lines "<path> <hash>"; make sure each splits. */
static void conffiles(const char *v)
{
	const char *line = v;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *sp = memchr(line, ' ', n);

		if (sp && (size_t)(sp - line) > n)
			abort();
		line = nl ? nl + 1 : NULL;
	}
}

static int on_stanza(const struct ctl_stanza *st, void *ud)
{
	struct st_ctx *c = ud;
	const char *v;

	(void)solver_add_stanza(c->s, c->repo, st, 0);
	v = ctl_get(st, "Conffiles");
	if (v)
		conffiles(v);
	v = ctl_get(st, "Status");
	if (v)
		(void)strstr(v, "user");
	return ++c->n > 5000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkg_solver s;
	struct st_ctx c;

	if (solver_init(&s, NULL, NULL, 0))
		return 0;
	c.s = &s;
	c.repo = solver_installed_repo(&s);
	c.n = 0;
	if (c.repo && ctl_parse((const char *)data, size, 0, on_stanza,
				&c) >= 0) {
		repo_internalize(c.repo);
		solver_prepare(&s);
	}
	solver_release(&s);
	return 0;
}
