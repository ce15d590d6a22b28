/*
 * Unit tests for the saved package lists of sysupgrade continuity
 * (pkgd/world.c): the world file and sysupgrade's installed_packages.txt,
 * good lines and each kind of bad line (reported with its line number,
 * the rest kept), and the round trip through world_render.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "state/state.h"

struct bad_log {
	size_t n;
	size_t line[8];
	char why[8][80];
};

static void on_bad(void *ud, const char *file, size_t line, const char *text,
		   const char *why)
{
	struct bad_log *b = ud;

	(void)file;
	(void)text;
	if (b->n < 8) {
		b->line[b->n] = line;
		snprintf(b->why[b->n], sizeof(b->why[0]), "%s", why);
	}
	b->n++;
}

static void test_world_parse_good(void **state)
{
	const char *t = "# comment\nformat\t1\narch\tarm_cortex-a9\r\n"
			"image\tabc123\n\nuser\tnano\t7.2-2\n"
			"dep\tlibncurses6\nremoved\tca-bundle\t20230311-1\n";
	struct world w = { 0 };
	struct bad_log b = { 0 };
	struct world_entry *e;

	(void)state;
	assert_int_equal(world_parse(t, strlen(t), "world", &w, on_bad, &b),
			 0);
	assert_int_equal(b.n, 0);
	assert_string_equal(w.arch, "arm_cortex-a9");
	assert_string_equal(w.image, "abc123");
	assert_int_equal(w.n, 3);
	e = world_find(&w, "nano");
	assert_non_null(e);
	assert_int_equal(e->kind, WK_USER);
	assert_string_equal(e->version, "7.2-2");
	assert_int_equal(e->line, 6);
	e = world_find(&w, "ca-bundle");
	assert_non_null(e);
	assert_int_equal(e->kind, WK_REMOVED);
	assert_null(world_find(&w, "zlib"));
	world_release(&w);
}

static void test_world_parse_bad_lines(void **state)
{
	const char *t = "format\t2\nuser\tnano\nuser nano\nuser\tna no\n"
			"bogus\tx\nuser\ta\tb\tc\nuser\tzlib\n";
	struct world w = { 0 };
	struct bad_log b = { 0 };

	(void)state;
	assert_int_equal(world_parse(t, strlen(t), "world", &w, on_bad, &b),
			 0);
	assert_int_equal(b.n, 5);
	assert_int_equal(b.line[0], 1); /* format 2 */
	assert_int_equal(b.line[1], 3); /* spaces, not tabs */
	assert_string_equal(b.why[1], "not tab-separated");
	assert_int_equal(b.line[2], 4);
	assert_string_equal(b.why[2], "package name with spaces");
	assert_int_equal(b.line[3], 5);
	assert_string_equal(b.why[3], "unknown keyword");
	assert_int_equal(b.line[4], 6);
	assert_int_equal(w.n, 2); /* nano and zlib kept */
	assert_non_null(world_find(&w, "zlib"));
	world_release(&w);
}

static void test_installed_txt(void **state)
{
	const char *t = "nano\toverlay\r\nlibc\trom\n\nodd\tsomewhere\n"
			"with space\toverlay\nbare\nkmod-x\tunknown\n";
	struct world w = { 0 };
	struct bad_log b = { 0 };

	(void)state;
	assert_int_equal(world_parse_installed_txt(t, strlen(t), "itxt", &w,
						   on_bad, &b),
			 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.line[0], 4);
	assert_int_equal(b.line[1], 5);
	assert_int_equal(w.n, 4);
	assert_int_equal(world_find(&w, "nano")->kind, WK_USER);
	assert_int_equal(world_find(&w, "libc")->kind, WK_ROM);
	assert_int_equal(world_find(&w, "bare")->kind, WK_USER);
	assert_int_equal(world_find(&w, "kmod-x")->kind, WK_USER);
	world_release(&w);
}

static void test_render_round_trip(void **state)
{
	struct world w = { 0 }, back = { 0 };
	size_t len = 0, i;
	char *text;

	(void)state;
	w.arch = strdup("mips_24kc");
	w.image = strdup("f00d");
	assert_int_equal(world_add(&w, "nano", "7.2-2", WK_USER, 0), 0);
	assert_int_equal(world_add(&w, "terminfo", NULL, WK_DEP, 0), 0);
	assert_int_equal(world_add(&w, "ca-bundle", "1", WK_REMOVED, 0), 0);
	text = world_render(&w, &len);
	assert_non_null(text);
	assert_int_equal(world_parse(text, len, "w", &back, NULL, NULL), 0);
	assert_string_equal(back.arch, "mips_24kc");
	assert_string_equal(back.image, "f00d");
	assert_int_equal(back.n, w.n);
	for (i = 0; i < w.n; i++) {
		struct world_entry *e = world_find(&back, w.e[i].name);
		assert_non_null(e);
		assert_int_equal(e->kind, w.e[i].kind);
	}
	free(text);
	world_release(&w);
	world_release(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_world_parse_good),
		cmocka_unit_test(test_world_parse_bad_lines),
		cmocka_unit_test(test_installed_txt),
		cmocka_unit_test(test_render_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
