/*
 * Unit tests for the writer of opkg's files (pkgd/state/opkgstatus.c):
 * a status stanza in opkg-lede's field order and format, relation fields
 * written as opkg writes them, and values that would end a stanza or add
 * a line (a newline in a name, a version, a conffile path) refused
 * whatever the database holds; control text for info/<pkg>.control kept
 * as the package has it when it reads back as one stanza, else written
 * with every continuation line starting with a space (" ." when empty).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "state/state.h"

/* A context with an empty database in memory: all the renderer reads. */
static int setup_ctx(void **state)
{
	struct pkg_ctx *ctx = calloc(1, sizeof(*ctx));
	int created = 0;

	if (!ctx || db_open(&ctx->db, ":memory:", 1, &created) < 0)
		return -1;
	*state = ctx;
	return 0;
}

static int teardown_ctx(void **state)
{
	struct pkg_ctx *ctx = *state;

	db_close(ctx->db);
	free(ctx);
	return 0;
}

static struct db_pkg pkg_of(const char *name, const char *version,
			    const char *control)
{
	struct db_pkg p = { 0 };

	p.name = (char *)name;
	p.version = (char *)version;
	p.arch = (char *)"all";
	p.origin = (char *)"overlay";
	p.state = (char *)"installed";
	p.control = (char *)control;
	return p;
}

/* Does text parse back as exactly one stanza of nfields fields? */
static int count_fn(const struct ctl_stanza *st, void *ud)
{
	size_t *n = ud;

	n[0]++;
	n[1] = st->nfields;
	return 0;
}

static void assert_one_stanza(const char *text, size_t nfields)
{
	size_t n[2] = { 0, 0 };

	assert_int_equal(ctl_parse(text, strlen(text), 0, count_fn, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], nfields);
}

static void test_stanza_order_and_format(void **state)
{
	struct pkg_ctx *ctx = *state;
	struct db_pkg p = pkg_of(
		"libfoo1", "1.0-1",
		"Package: libfoo1\nVersion: 1.0-1\nDepends: libc,bar (>=2.0),"
		"a|b\nProvides: foo, foo-x (=1.0)\nConflicts: old (<<0.5)\n"
		"ABIVersion: 1\nEssential: yes\nSection: libs\n"
		"Alternatives: 100:/usr/bin/foo:/usr/libexec/foo\n"
		"Architecture: all\nDescription: x\n more\n");
	char *s;

	p.user = 1;
	p.installed_time = 1700000000;
	p.auto_installed = 1;
	s = opkg_status_stanza(ctx, &p);
	assert_non_null(s);
	assert_string_equal(s, "Package: libfoo1\n"
			       "ABIVersion: 1\n"
			       "Version: 1.0-1\n"
			       "Depends: libc, bar (>= 2.0), a | b\n"
			       "Provides: foo, foo-x (= 1.0)\n"
			       "Conflicts: old (<< 0.5)\n"
			       "Status: install user installed\n"
			       "Essential: yes\n"
			       "Architecture: all\n"
			       "Installed-Time: 1700000000\n"
			       "Auto-Installed: yes\n"
			       "Alternatives: 100:/usr/bin/foo:/usr/libexec/foo\n"
			       "\n");
	free(s);
}

static void test_stanza_folded_relation(void **state)
{
	struct pkg_ctx *ctx = *state;
	struct db_pkg p = pkg_of("foo", "1",
				 "Package: foo\nVersion: 1\nDepends: libc,\n"
				 " bar\n");
	char *s = opkg_status_stanza(ctx, &p);

	assert_non_null(s);
	assert_non_null(strstr(s, "\nDepends: libc, bar\n"));
	assert_one_stanza(s, 5);
	free(s);
}

static void test_stanza_refuses_newlines(void **state)
{
	struct pkg_ctx *ctx = *state;
	struct db_pkg p = pkg_of("foo\nPackage: evil", "1", "Package: foo\n");

	assert_null(opkg_status_stanza(ctx, &p));
	assert_int_equal(opkg_pkg_check(&p), -PKGE_FORMAT);
	p = pkg_of("foo", "1\n\nPackage: evil", "Package: foo\n");
	assert_null(opkg_status_stanza(ctx, &p));
	p = pkg_of("foo", "1", "Package: foo\n");
	p.arch = (char *)"all\nStatus: x";
	assert_null(opkg_status_stanza(ctx, &p));
	assert_int_equal(opkg_pkg_check(&p), -PKGE_FORMAT);
	p = pkg_of("foo bar", "1", "Package: foo\n");
	assert_null(opkg_status_stanza(ctx, &p));
	/* A one-line field folded over lines is written on one line; a
	 * control character other than a blank is refused. */
	p = pkg_of("foo", "1", "Package: foo\nABIVersion: 1\n 2\n");
	{
		char *s = opkg_status_stanza(ctx, &p);
		assert_non_null(s);
		assert_non_null(strstr(s, "ABIVersion: 1 2\n"));
		free(s);
	}
	p = pkg_of("foo", "1", "Package: foo\nAlternatives: 1:/a:/b\x01\n");
	assert_null(opkg_status_stanza(ctx, &p));
	p = pkg_of("foo", "1", "Package: foo\n");
	assert_int_equal(opkg_pkg_check(&p), 0);
}

static void test_stanza_conffiles(void **state)
{
	struct pkg_ctx *ctx = *state;
	struct db_pkg p = pkg_of("foo", "1", "Package: foo\n");
	struct db_file f = { 0 };
	char *s;

	f.package = (char *)"foo";
	f.type = 'f';
	f.conffile = 1;
	f.origin = (char *)"overlay";
	f.path = (char *)"etc/b";
	f.conf_sha256 = (char *)"bbbb";
	assert_int_equal(db_file_put(ctx->db, &f), 0);
	f.path = (char *)"etc/a";
	f.conf_sha256 = (char *)"aaaa";
	assert_int_equal(db_file_put(ctx->db, &f), 0);
	/* in the order of the package's conffiles list, as opkg */
	assert_int_equal(db_script_put(ctx->db, "foo", "conffiles",
				       "/etc/b\n/etc/a\n", 14), 0);
	s = opkg_status_stanza(ctx, &p);
	assert_non_null(s);
	assert_non_null(strstr(s, "Conffiles:\n /etc/b bbbb\n /etc/a aaaa\n"));
	free(s);
	f.path = (char *)"etc/c\nPackage: evil";
	assert_int_equal(db_file_put(ctx->db, &f), 0);
	assert_null(opkg_status_stanza(ctx, &p));
}

static void test_control_text(void **state)
{
	const char *good = "Package: foo\nVersion: 1\nDescription:  x\n"
			   " line\n .\n end\n";
	const char *blank = "Package: foo\nVersion: 1\nDescription: x\n"
			    " \n end\n";
	const char *ctl = "Package: foo\nVersion: 1\nDescription: x\x01\n"
			  " end\n";
	const char *two = "Package: foo\nVersion: 1\n\nPackage: evil\n"
			  "Version: 2\n";
	char *t;
	size_t len;

	(void)state;
	t = opkg_control_text(good, &len);
	assert_string_equal(t, good); /* as the package has it */
	assert_int_equal(len, strlen(good));
	free(t);
	/* A line of blanks continues the field (the parser's rule), and
	 * opkg copies the control as it is: so does pkg. */
	t = opkg_control_text(blank, &len);
	assert_string_equal(t, blank);
	free(t);
	t = opkg_control_text(ctl, &len);
	assert_string_equal(t, "Package: foo\nVersion: 1\nDescription: x?\n"
			       " end\n");
	free(t);
	t = opkg_control_text(two, &len);
	assert_string_equal(t, "Package: foo\nVersion: 1\n");
	free(t);
}

static void test_control_from_status(void **state)
{
	const char *status = "Package: foo\nVersion: 1\n"
			     "Status: install ok installed\n"
			     "Description: a\n b\n \n c\n";
	struct ctl_stanza st;
	char *t;

	(void)state;
	assert_int_equal(ctl_parse_one(status, strlen(status), &st), 0);
	t = opkg_control_from_status(&st);
	assert_string_equal(t, "Package: foo\nVersion: 1\nDescription: a\n"
			       " b\n .\n c\n");
	assert_one_stanza(t, 3);
	free(t);
	ctl_stanza_release(&st);
}

/* The status file's relations win over the control's where they differ
 * (in the control's order, a field only the status has appended, one
 * only the control has dropped); where they differ in blanks alone
 * ("(= 1)" against "(=1)", as opkg writes it) the control is kept. */
static void test_control_with_status(void **state)
{
	const char *status = "Package: foo\nVersion: 1\n"
			     "Depends: bar (= 1), libc\n"
			     "Provides: foo-any\n"
			     "Status: install ok installed\n";
	const char *same = "Package: foo\nVersion: 1\nDepends: bar (=1),libc\n"
			   "Provides: foo-any\nDescription: d\n";
	const char *other = "Package: foo\nVersion: 1\nDepends: baz\n"
			    "Conflicts: qux\nSection: utils\nDescription: d\n";
	struct ctl_stanza st;
	char *in, *t;

	(void)state;
	assert_int_equal(ctl_parse_one(status, strlen(status), &st), 0);
	in = strdup(same);
	t = opkg_control_with_status(in, &st);
	assert_ptr_equal(t, in);
	assert_string_equal(t, same);
	free(t);
	t = opkg_control_with_status(strdup(other), &st);
	assert_string_equal(t, "Package: foo\nVersion: 1\n"
			       "Depends: bar (= 1), libc\nSection: utils\n"
			       "Description: d\nProvides: foo-any\n");
	assert_one_stanza(t, 6);
	free(t);
	t = opkg_control_with_status(strdup("not a stanza"), &st);
	assert_string_equal(t, "not a stanza");
	free(t);
	ctl_stanza_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stanza_order_and_format,
						setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_stanza_folded_relation,
						setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_stanza_refuses_newlines,
						setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_stanza_conffiles,
						setup_ctx, teardown_ctx),
		cmocka_unit_test(test_control_text),
		cmocka_unit_test(test_control_from_status),
		cmocka_unit_test(test_control_with_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
