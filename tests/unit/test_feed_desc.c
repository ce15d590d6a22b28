/*
 * Unit tests for the descriptions cache's lookup (pkgd/state/feed_desc.c):
 * feed_desc_next, which list asks in name order, tries the entry after
 * the last one found before it searches, and must give what the search
 * alone gives for every order of asking; and for the strbuf appends
 * list builds its lines with (rootfs/strbuf.c, inline in base.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "state/state.h"

/* An index as the file holds it: n pairs (stanza offset, entry start). */
struct fake {
	struct feed_desc d;
	uint32_t pairs[2 * 5];
};

static const char text[] = "aa" "bbb" "" "c" "dddd";
static const uint32_t offs[5] = { 0, 100, 250, 300, 1000 };
static const uint32_t starts[5] = { 0, 2, 5, 5, 6 };
static const char *const want[5] = { "aa", "bbb", "", "c", "dddd" };

static void fake_init(struct fake *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 5; i++) {
		f->pairs[2 * i] = offs[i];
		f->pairs[2 * i + 1] = starts[i];
	}
	f->d.n = 5;
	f->d.len = strlen(text);
	f->d.text = text;
	f->d.index = (const unsigned char *)f->pairs;
}

static void check(const struct fake *f, size_t k, size_t *next)
{
	size_t len = 99;
	const char *v = feed_desc_next(&f->d, offs[k], &len, next);

	assert_non_null(v);
	assert_int_equal(len, strlen(want[k]));
	assert_memory_equal(v, want[k], len);
	assert_int_equal(*next, k + 1);
}

static void test_next_any_order(void **state)
{
	static const size_t orders[][5] = {
		{ 0, 1, 2, 3, 4 }, /* the list's order: each a hint's hit */
		{ 4, 3, 2, 1, 0 },
		{ 1, 0, 3, 2, 4 }, /* name order against file order */
		{ 2, 2, 0, 4, 4 },
	};
	struct fake f;
	size_t o, i, next, len = 0;

	(void)state;
	fake_init(&f);
	for (o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		next = 0;
		for (i = 0; i < 5; i++)
			check(&f, orders[o][i], &next);
	}
	/* an offset no stanza has: NULL, whatever the hint */
	for (next = 0; next <= 5; next++) {
		size_t keep = next;
		assert_null(feed_desc_next(&f.d, 101, &len, &next));
		assert_null(feed_desc_next(&f.d, 5000, &len, &next));
		assert_int_equal(next, keep);
	}
	assert_null(feed_desc_get(&f.d, 99, &len));
	assert_non_null(feed_desc_get(&f.d, 300, &len));
	assert_int_equal(len, 1);
	/* an empty index */
	f.d.n = 0;
	next = 0;
	assert_null(feed_desc_next(&f.d, 0, &len, &next));
}

static void test_strbuf(void **state)
{
	struct strbuf b = { 0 };
	char *s;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		strbuf_add(&b, "0123456789", i % 11);
	assert_false(b.oom);
	assert_int_equal(b.len, 1000 / 11 * 55 + (1000 % 11) * ((1000 % 11) - 1) / 2);
	assert_int_equal(b.s[b.len], '\0');
	b.len = 3;
	b.s[3] = '\0';
	strbuf_str(&b, "xyz");
	assert_string_equal(b.s + 3, "xyz");
	s = strbuf_take(&b);
	assert_int_equal(strlen(s), 6);
	free(s);
	/* out of memory sticks: every later add is nothing */
	b.oom = 1;
	strbuf_add(&b, "abc", 3);
	assert_null(b.s);
	assert_null(strbuf_take(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_any_order),
		cmocka_unit_test(test_strbuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
