/*
 * Unit tests for pkgd's one glob matcher (pkgd/core/util.c):
 * pkg_glob_match with and without -i (ctx->opt.nocase), and
 * pkg_glob_ids over a pool (solver_match_names) with both; and the
 * description as opkg's list shows it (desc_opkg), from a raw stanza.
 */
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"

static void test_glob_match_case(void **state)
{
	struct pkg_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	assert_true(pkg_glob_match(&ctx, NULL, "anything"));
	assert_true(pkg_glob_match(&ctx, "nano", "nano"));
	assert_true(pkg_glob_match(&ctx, "na*", "nano"));
	assert_true(pkg_glob_match(&ctx, "?ano", "nano"));
	assert_true(pkg_glob_match(&ctx, "libncurses[0-9]", "libncurses6"));
	assert_false(pkg_glob_match(&ctx, "NANO", "nano"));
	assert_false(pkg_glob_match(&ctx, "NA*", "nano"));
	assert_false(pkg_glob_match(&ctx, "/USR/BIN/*", "/usr/bin/nano"));
	assert_false(pkg_glob_match(&ctx, "nan", "nano"));
	assert_false(pkg_glob_match(NULL, "NANO", "nano"));

	ctx.opt.nocase = 1;
	assert_true(pkg_glob_match(&ctx, "NANO", "nano"));
	assert_true(pkg_glob_match(&ctx, "NA*", "nano"));
	assert_true(pkg_glob_match(&ctx, "LibNcurses[0-9]", "libncurses6"));
	assert_true(pkg_glob_match(&ctx, "/USR/BIN/*", "/usr/bin/nano"));
	assert_true(pkg_glob_match(&ctx, "nano", "NANO"));
	assert_false(pkg_glob_match(&ctx, "nan", "nano"));
	assert_false(pkg_glob_match(&ctx, "vim*", "nano"));
}

/* "*WORD*" is answered by a substring search (find's usual glob): the
 * same answer as fnmatch's, with and without -i, for words, for the
 * globs that only look like one, and for strings with '/', a leading
 * '.', newlines or high bytes. */
static void test_glob_infix(void **state)
{
	static const char *const globs[] = {
		"*editor*", "*EDITOR*", "*e*", "**", "*", "*a*b*", "*a?c*",
		"*[ab]*", "*\\**", "*edit", "edit*", "*x/y*", "*.conf*",
		"*Nano is*", "*\xc3\xa9t\xc3\xa9*", "*abcabd*",
	};
	static const char *const strs[] = {
		"", "e", "editor", "a small EDITOR", "text editor\n  for the tty",
		"x/y/z", ".conf", "/etc/a.conf", "Nano is a small", "\xc3\xa9t\xc3\xa9",
		"abcabcabd", "abd", "a*b", "a\\*b", "aXc",
	};
	struct pkg_ctx ctx;
	size_t g, i;
	int fold;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	for (fold = 0; fold < 2; fold++) {
		ctx.opt.nocase = fold;
		for (g = 0; g < sizeof(globs) / sizeof(*globs); g++)
			for (i = 0; i < sizeof(strs) / sizeof(*strs); i++)
				assert_int_equal(
					pkg_glob_match(&ctx, globs[g], strs[i]),
					!fnmatch(globs[g], strs[i],
						 fold ? FNM_CASEFOLD : 0));
	}
	assert_true(pkg_glob_match(NULL, "*editor*", "text editor"));
	assert_false(pkg_glob_match(NULL, "*EDITOR*", "text editor"));
}

static const char feed[] = "Package: nano\nVersion: 7.2-2\n"
			   "Architecture: all\n\n"
			   "Package: nano-full\nVersion: 7.2-2\n"
			   "Architecture: all\n\n"
			   "Package: Nanotools\nVersion: 1.0-1\n"
			   "Architecture: all\n\n"
			   "Package: vim\nVersion: 9.0-1\n"
			   "Architecture: all\n\n";

/* The names pkg_glob_ids finds for glob, sorted, joined by spaces. */
static void names_of(struct pkg_ctx *ctx, const char *glob, char *out,
		     size_t cap)
{
	const char *v[8];
	Queue q;
	size_t n = 0, i, k;

	queue_init(&q);
	pkg_glob_ids(ctx, glob, &q);
	for (i = 0; i < (size_t)q.count && n < 8; i++)
		v[n++] = solver_name(&ctx->solv, q.elements[i]);
	queue_free(&q);
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && strcmp(v[k - 1], v[k]) > 0; k--) {
			const char *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	*out = 0;
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s",
			 i ? " " : "", v[i]);
}

static void test_glob_ids(void **state)
{
	struct pkg_ctx ctx;
	char got[256];

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(solver_init(&ctx.solv, NULL, NULL, 0), 0);
	assert_int_equal(solver_feed_from_text(&ctx.solv, "t", feed,
					       strlen(feed), 0, -1, NULL),
			 0);
	solver_internalize(&ctx.solv);

	names_of(&ctx, "nano*", got, sizeof(got));
	assert_string_equal(got, "nano nano-full");
	names_of(&ctx, "NANO*", got, sizeof(got));
	assert_string_equal(got, "");
	names_of(&ctx, "vim", got, sizeof(got));
	assert_string_equal(got, "vim");

	ctx.opt.nocase = 1;
	names_of(&ctx, "NANO*", got, sizeof(got));
	assert_string_equal(got, "Nanotools nano nano-full");
	names_of(&ctx, "VIM", got, sizeof(got));
	assert_string_equal(got, "vim");
	names_of(&ctx, "emacs*", got, sizeof(got));
	assert_string_equal(got, "");
	solver_release(&ctx.solv);
}

/* desc_opkg of stanza (len bytes) is want, and so is desc_render of
 * the lines desc_lines finds (what the descriptions cache keeps). */
static void desc_is(const char *stanza, size_t len, int tty, const char *want)
{
	char *d = desc_opkg(stanza, len, tty);
	size_t n = 0;
	const char *lines = desc_lines(stanza, len, &n);

	assert_non_null(d);
	assert_string_equal(d, want);
	free(d);
	assert_non_null(lines);
	assert_true(n > 12 && (size_t)(lines - stanza) + n <= len);
	assert_memory_equal(lines, "Description:", 12);
	d = desc_render(lines + 12, n - 12, tty);
	assert_non_null(d);
	assert_string_equal(d, want);
	free(d);
}

/* desc_opkg: written in place into one allocation; its worst case is a
 * stanza of one-space continuation lines on a tty (a newline added before
 * each), which make test's ASan run would catch overflowing. */
static void test_desc_opkg(void **state)
{
	static const char plain[] = "Package: a\nDescription:  one  \n"
				    "Version: 1\n";
	static const char cont[] = "Package: a\nDescription: first\n"
				   "  second  \r\n third\nVersion: 1\n";
	static const char last[] = "Package: a\nDescription: x\n y";
	static const char second[] = "Description:\nX: 1\nDescription: two\n"
				     " more\nY: 2\n";
	char spaces[64 + 20];
	size_t i, n;

	(void)state;
	assert_null(desc_opkg("Package: a\n", 11, 0));
	assert_null(desc_opkg("Description: \n", 14, 0));
	desc_is(plain, sizeof(plain) - 1, 0, "one");
	desc_is(cont, sizeof(cont) - 1, 0, "first  second   third");
	desc_is(cont, sizeof(cont) - 1, 1, "first\n  second  \n third");
	desc_is(last, sizeof(last) - 1, 1, "x\n y");
	n = (size_t)snprintf(spaces, sizeof(spaces), "Description: d\n");
	for (i = 0; n + 2 < sizeof(spaces); i++) {
		spaces[n++] = ' ';
		spaces[n++] = '\n';
	}
	desc_is(spaces, n, 1, "d"); /* the blank lines trimmed off */
	desc_is("Description: \n a\n \n b", 21, 1, "a\n \n b");
	/* the lines end at the next field; a "Description:" with nothing
	 * after it is not the one (as opkg) */
	desc_is(second, sizeof(second) - 1, 0, "two more");
	assert_null(desc_lines("Package: a\n", 11, &n));
}

/* desc_render_into appends to a line being made (list's cached rows):
 * the text before it stays, only what it added is trimmed, and a
 * description of blanks adds nothing. */
static void test_desc_render_into(void **state)
{
	struct strbuf b = { 0 };
	static const char lines[] = "  first  \n  second \n";
	static const char blanks[] = "   \n   \n";

	(void)state;
	strbuf_str(&b, "a -  ");
	assert_int_equal(desc_render_into(&b, lines, sizeof(lines) - 1, 0),
			 strlen("first  second"));
	assert_string_equal(b.s, "a -  first  second");
	assert_int_equal(desc_render_into(&b, lines, sizeof(lines) - 1, 1),
			 strlen("first\n  second"));
	assert_string_equal(b.s, "a -  first  secondfirst\n  second");
	b.len = 5;
	b.s[5] = '\0';
	assert_int_equal(desc_render_into(&b, blanks, sizeof(blanks) - 1, 1),
			 0);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.s, "a -  ");
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_match_case),
		cmocka_unit_test(test_glob_infix),
		cmocka_unit_test(test_desc_opkg),
		cmocka_unit_test(test_desc_render_into),
		cmocka_unit_test(test_glob_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
