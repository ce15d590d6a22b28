/*
 * libFuzzer harness: a feed's Packages text into the solver
 * (solver_feed_from_text: ctl_parse, dependency parsing, attributes),
 * then the accessors pkg uses for `list` and `info` on every solvable.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <solv/knownid.h>

#include "solver.h"

static void touch_all(struct pkg_solver *s, Repo *repo)
{
	static const Id keys[] = { SOLVABLE_REQUIRES, SOLVABLE_PROVIDES,
				   SOLVABLE_CONFLICTS, SOLVABLE_OBSOLETES };
	Solvable *sv;
	Id p;
	size_t k;

	FOR_REPO_SOLVABLES(repo, p, sv) {
		(void)solver_name(s, p);
		(void)solver_evr(s, p);
		(void)solver_arch(s, p);
		(void)solver_summary(s, p);
		(void)solver_filename(s, p);
		(void)solver_sha256(s, p);
		(void)solver_size(s, p);
		(void)solver_offset(s, p);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			free(solver_deps_str(s, p, keys[k]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const archs[] = { "all", "arm_cortex-a9" };
	struct pkg_solver s;
	Repo *repo = NULL;
	Queue q;

	if (solver_init(&s, archs, NULL, 2))
		return 0;
	if (solver_feed_from_text(&s, "fuzz", (const char *)data, size, 0,
				  -1, &repo) == 0) {
		solver_prepare(&s);
		touch_all(&s, repo);
		queue_init(&q);
		solver_whatprovides(&s, "libc", &q);
		queue_free(&q);
	}
	solver_release(&s);
	return 0;
}
