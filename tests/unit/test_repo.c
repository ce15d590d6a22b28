/*
 * Unit tests for pkg-repo's pure helpers: index stanza rendering, control
 * checks, gzip/zstd of the index. repo-tools is a program, not a library,
 * so its helper files are compiled into this test directly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../repo-tools/util.c"
#include "../../repo-tools/index_read.c"

static void fill_entry(struct ientry *e)
{
	memset(e, 0, sizeof(*e));
	e->row.name = (char *)"a_1_all.ipk";
	e->row.size = 123;
	memset(e->row.sha256, 'f', 64);
}

static void test_render_strips_and_inserts(void **state)
{
	const char *raw = "\nPackage: a\r\nVersion: 1\nSource: x\n y\n"
			  "Maintainer: m\nArchitecture: all\n"
			  "Description:  text\n more\n \n";
	const char *want = "Package: a\nVersion: 1\nArchitecture: all\n"
			   "Filename: a_1_all.ipk\nSize: 123\nSHA256sum: "
			   "ffffffffffffffffffffffffffffffffffffffffffffffff"
			   "ffffffffffffffff\nDescription:  text\n more\n \n";
	struct ientry e;
	char *out = NULL;

	(void)state;
	fill_entry(&e);
	assert_int_equal(index_render(raw, strlen(raw), &e, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_render_no_description(void **state)
{
	const char *raw = "Package: a\nVersion: 1\nLicenseFiles: C\n";
	struct ientry e;
	char *out = NULL;

	(void)state;
	fill_entry(&e);
	assert_int_equal(index_render(raw, strlen(raw), &e, &out), 0);
	assert_non_null(strstr(out, "Version: 1\nFilename: a_1_all.ipk\n"));
	assert_null(strstr(out, "LicenseFiles"));
	free(out);
}

static int check(const char *text, int flags, const char **why)
{
	struct ctl_stanza st;
	int rc;

	assert_int_equal(ctl_parse_one(text, strlen(text), &st), 0);
	rc = repo_check_control(&st, "x", flags, why);
	ctl_stanza_release(&st);
	return rc;
}

static void test_check_control(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(check("Package: a\nArchitecture: all\n",
			       REPO_CHK_STRICT, &why), -PKGE_FORMAT);
	assert_string_equal(why, "missing Version");
	assert_int_equal(check("Package: a/b\nVersion: 1\nArchitecture: x\n",
			       REPO_CHK_STRICT, &why), -PKGE_FORMAT);
	assert_int_equal(check("Package: a_b+c.d-E\nVersion: 2:1.0\n"
			       "Architecture: all\n", REPO_CHK_STRICT, &why),
			 0);
	assert_int_equal(check("Package: luci\nVersion: git-24.072\n"
			       "Architecture: all\n", REPO_CHK_STRICT, &why),
			 -PKGE_FORMAT);
	assert_int_equal(check("Package: luci\nVersion: git-24.072\n"
			       "Architecture: all\n", 0, &why), 0);
}

static void test_compress_roundtrip(void **state)
{
	static const char text[] = "Package: a\nVersion: 1\n\n";
	struct repo_buf gz = { 0 }, zs = { 0 };
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(repo_gzip(text, sizeof(text) - 1, &gz), 0);
	assert_int_equal(repo_zstd(text, sizeof(text) - 1, &zs), 0);
	assert_int_equal(fetch_decompress(gz.data, gz.len, 0, &out, &len), 0);
	assert_string_equal(out, text);
	free(out);
	assert_int_equal(fetch_decompress(zs.data, zs.len, 0, &out, &len), 0);
	assert_string_equal(out, text);
	free(out);
	repo_buf_release(&gz);
	repo_buf_release(&zs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_strips_and_inserts),
		cmocka_unit_test(test_render_no_description),
		cmocka_unit_test(test_check_control),
		cmocka_unit_test(test_compress_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
