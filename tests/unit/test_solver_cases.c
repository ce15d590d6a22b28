/*
 * Data-driven solver cases: every tests/solver/NAME.test is one cmocka test.
 *
 * Format (line based; '#' starts a comment line):
 *   feed NAME [PRIORITY]   the following stanzas, up to "end", are a feed
 *   installed              the following stanzas, up to "end", are installed
 *   arch A [A...]          accepted architectures (default: all)
 *   job KIND SPEC          KIND: install remove upgrade upgrade-all lock
 *                          userinstalled
 *   flags F[,F...]         nodeps force-depends autoremove no-recommends
 *                          allow-downgrade remove-dependents
 *                          remove-essential prefer-arch
 *   expect LINE            expected output, in order: "install n-v",
 *                          "upgrade n-v (old-v)", "downgrade ...",
 *                          "reinstall n-v", "remove n-v", "problem TEXT",
 *                          "error CODE" (job or solve error: notfound,
 *                          unsolvable)
 * The directory is found from __FILE__, so run from the repository root
 * (as `make test` does) or set PKG_SOLVER_CASES.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "solver.h"

struct tcase {
	char *path;
	char *text;
	size_t len;
};

struct run {
	struct pkg_solver s;
	int inited, flags, err;
	char *archs[16];
	size_t narchs;
	FILE *out;
	char *outbuf;
	size_t outlen;
	FILE *exp;
	char *expbuf;
	size_t explen;
};

static void ensure_init(struct run *r)
{
	if (r->inited)
		return;
	assert_int_equal(solver_init(&r->s, (const char *const *)r->archs,
				     NULL, r->narchs), 0);
	r->inited = 1;
}

static int add_cb(const struct ctl_stanza *st, void *ud)
{
	struct run *r = ud;

	assert_true(solver_add_stanza(&r->s, r->s.installed, st, 0) > 0);
	return 0;
}

/* Stanza block starting at *pp up to a line "end"; *pp moves past it. */
static void block(char **pp, char **b, size_t *n)
{
	char *e = strstr(*pp, "\nend\n");

	assert_non_null(e);
	*b = *pp;
	*n = (size_t)(e - *pp) + 1;
	*pp = e + 5;
}

static const struct {
	const char *name;
	enum solver_job_kind kind;
} kinds[] = {
	{ "install", SJ_INSTALL }, { "remove", SJ_REMOVE },
	{ "upgrade", SJ_UPGRADE }, { "upgrade-all", SJ_UPGRADE_ALL },
	{ "lock", SJ_LOCK }, { "userinstalled", SJ_USERINSTALLED },
};

static const struct {
	const char *name;
	int flag;
} flagnames[] = {
	{ "nodeps", SOLVE_NODEPS }, { "force-depends", SOLVE_FORCE_DEPENDS },
	{ "autoremove", SOLVE_AUTOREMOVE },
	{ "no-recommends", SOLVE_NO_RECOMMENDS },
	{ "allow-downgrade", SOLVE_ALLOW_DOWNGRADE },
	{ "remove-dependents", SOLVE_REMOVE_DEPENDENTS },
	{ "remove-essential", SOLVE_REMOVE_ESSENTIAL },
	{ "prefer-arch", SOLVE_PREFER_ARCH },
};

static void do_job(struct run *r, char *arg)
{
	char *sp = strchr(arg, ' ');
	size_t i;
	int rc;

	if (sp)
		*sp++ = 0;
	ensure_init(r);
	solver_prepare(&r->s);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, arg))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		fail_msg("unknown job kind '%s'", arg);
	rc = solver_job(&r->s, kinds[i].kind, sp, 0);
	if (rc && !r->err)
		r->err = rc;
}

static void do_flags(struct run *r, char *arg)
{
	char *tok;
	size_t i;

	while ((tok = strsep(&arg, ",")) != NULL) {
		for (i = 0; i < sizeof(flagnames) / sizeof(flagnames[0]); i++)
			if (!strcmp(flagnames[i].name, tok))
				r->flags |= flagnames[i].flag;
	}
}

static void do_line(struct run *r, char *line, char **rest)
{
	char *b, *arg = strchr(line, ' ');
	size_t n;

	if (arg)
		*arg++ = 0;
	if (!strcmp(line, "arch")) {
		while ((b = strsep(&arg, " ")) != NULL && r->narchs < 16)
			if (*b)
				r->archs[r->narchs++] = b;
	} else if (!strcmp(line, "feed")) {
		char *pr = arg ? strchr(arg, ' ') : NULL;

		if (pr)
			*pr++ = 0;
		ensure_init(r);
		block(rest, &b, &n);
		assert_int_equal(solver_feed_from_text(&r->s, arg, b, n,
				 pr ? atoi(pr) : 0, -1, NULL), 0);
	} else if (!strcmp(line, "installed")) {
		ensure_init(r);
		if (!r->s.installed)
			solver_installed_repo(&r->s);
		block(rest, &b, &n);
		assert_int_equal(ctl_parse(b, n, 0, add_cb, r), 0);
	} else if (!strcmp(line, "job")) {
		do_job(r, arg);
	} else if (!strcmp(line, "flags")) {
		do_flags(r, arg);
	} else if (!strcmp(line, "expect")) {
		fprintf(r->exp, "%s\n", arg ? arg : "");
	} else if (*line && *line != '#') {
		fail_msg("unknown directive '%s'", line);
	}
}

static const char *const stepnames[] = {
	"install", "upgrade", "downgrade", "reinstall", "remove"
};

static void print_outcome(struct run *r, struct solver_result *res, int rc)
{
	struct pkg_solver *s = &r->s;
	size_t i;
	Id p, o;

	for (i = 0; i < res->n; i++) {
		p = res->steps[i].p;
		o = res->steps[i].old;
		fprintf(r->out, "%s %s-%s", stepnames[res->steps[i].type],
			solver_name(s, p), solver_evr(s, p));
		if (o)
			fprintf(r->out, " (%s)", solver_evr(s, o));
		fputc('\n', r->out);
	}
	for (i = 0; i < res->nproblems; i++)
		fprintf(r->out, "problem %s\n", res->problems[i]);
	if (rc == -PKGE_NOTFOUND)
		fprintf(r->out, "error notfound\n");
	else if (rc == -PKGE_UNSOLVABLE)
		fprintf(r->out, "error unsolvable\n");
	else if (rc)
		fprintf(r->out, "error %d\n", rc);
}

static void run_case(void **state)
{
	struct tcase *tc = *state;
	struct run r = { 0 };
	struct solver_result res = { 0 };
	char *text = strndup(tc->text, tc->len), *p = text, *nl;
	int rc;

	r.out = open_memstream(&r.outbuf, &r.outlen);
	r.exp = open_memstream(&r.expbuf, &r.explen);
	while (*p) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		{
			char *rest = nl ? nl + 1 : p + strlen(p);

			do_line(&r, p, &rest);
			p = rest;
		}
	}
	ensure_init(&r);
	rc = r.err;
	if (!rc)
		rc = solver_run(&r.s, r.flags, NULL, &res);
	print_outcome(&r, &res, rc);
	solver_result_release(&res);
	fclose(r.out);
	fclose(r.exp);
	if (strcmp(r.outbuf, r.expbuf))
		fail_msg("%s:\n--- expected\n%s--- got\n%s", tc->path,
			 r.expbuf, r.outbuf);
	free(r.outbuf);
	free(r.expbuf);
	free(text);
	solver_release(&r.s);
}

static char *cases_dir(void)
{
	const char *env = getenv("PKG_SOLVER_CASES");
	const char *f = __FILE__; /* tests/unit/test_solver_cases.c */
	const char *unit = strstr(f, "unit/test_solver_cases.c");
	char *d = NULL;

	if (env)
		return strdup(env);
	if (asprintf(&d, "%.*ssolver", (int)(unit ? unit - f : 0), f) < 0)
		return NULL;
	return d;
}

int main(void)
{
	char *dir = cases_dir(), pat[4096];
	struct CMUnitTest *tests;
	struct tcase *tc;
	glob_t g;
	size_t i;
	int r;

	snprintf(pat, sizeof(pat), "%s/*.test", dir);
	if (glob(pat, 0, NULL, &g) != 0) {
		fprintf(stderr, "no cases in '%s'\n", dir);
		return 1;
	}
	tests = calloc(g.gl_pathc, sizeof(*tests));
	tc = calloc(g.gl_pathc, sizeof(*tc));
	for (i = 0; i < g.gl_pathc; i++) {
		tc[i].path = g.gl_pathv[i];
		if (hostfs_read_file(tc[i].path, 0, &tc[i].text,
				     &tc[i].len) < 0)
			return 1;
		tests[i].name = strrchr(tc[i].path, '/') + 1;
		tests[i].test_func = run_case;
		tests[i].initial_state = &tc[i];
	}
	r = _cmocka_run_group_tests("solver cases", tests, g.gl_pathc, NULL,
				    NULL);
	for (i = 0; i < g.gl_pathc; i++)
		free(tc[i].text);
	free(tc);
	free(tests);
	globfree(&g);
	free(dir);
	return r;
}
