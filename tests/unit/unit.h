/*
 * What the unit tests share: where the fixtures are, a fresh temporary
 * directory per test, and reading a whole file or a feed index.
 *
 * Include it after <cmocka.h> (which needs <setjmp.h>, <stdarg.h> and
 * <stddef.h> before it). Every helper is static inline so that a test
 * that uses only some of them still builds with -Werror.
 */
#ifndef PKG_TESTS_UNIT_H
#define PKG_TESTS_UNIT_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The repository's tests/fixtures: the Makefile's unit-test rule passes
 * -DFIXTURES="<repository>/tests/fixtures", so a test depends neither on
 * the directory it is run from nor on anything outside the repository. */
#ifndef FIXTURES
#error "FIXTURES is not defined: build the unit tests with make"
#endif

/* The fixture folders (tests/fixtures/SOURCES.md says what each holds). */
#define FX_2305 FIXTURES "/openwrt-23.05.2-buildroot_arm_cortex-a9_" \
			 "vfpv3-d16_mvebu-cortexa9"
#define FX_1907 FIXTURES "/openwrt-19.07.1-official_aarch64_cortex-a53_" \
			 "brcm2708-bcm2710"
#define FX_IMMORTAL FIXTURES "/immortalwrt-24.10-SNAPSHOT_core_aarch64_" \
			     "cortex-a53_qualcommax-ipq50xx"
#define FX_SDK FIXTURES "/sdk-23.05.4_mips_24kc_pekmop1024"

/* ---- a temporary directory per test ---- */

/* cmocka setup: a new directory /tmp/pkg-unit.XXXXXX, its path in *state. */
static inline int unit_setup_tmp(void **state)
{
	char tmpl[] = "/tmp/pkg-unit.XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	*state = strdup(tmpl);
	return *state ? 0 : -1;
}

static inline int unit_remove_entry(const char *path, const struct stat *st,
				    int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

/* cmocka teardown: the directory of unit_setup_tmp and all in it. */
static inline int unit_teardown_tmp(void **state)
{
	int rc = nftw(*state, unit_remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(*state);
	return rc;
}

/* NAME inside the test's directory (state of unit_setup_tmp); free it. */
static inline char *unit_path(void **state, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", (char *)*state, name) > 0);
	return p;
}

/* ---- time limits ---- */

/* A test's time limit in ms, times PKG_TEST_SLOWDOWN: how many times
 * slower than native this runs (scripts/cross/test.sh sets it for qemu's
 * emulation). */
static inline double unit_time_limit(double native_ms)
{
	const char *slowdown = getenv("PKG_TEST_SLOWDOWN");

	return native_ms * (slowdown ? atof(slowdown) : 1.0);
}

/* ---- reading ---- */

/* The whole of PATH, NUL-terminated; its length in *len (when len is not
 * NULL). Fails the test when it cannot be read. */
static inline char *unit_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		fail_msg("cannot open '%s'", path);
	do {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (ferror(f))
		fail_msg("cannot read '%s'", path);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The text of feed index PATH (".../Packages"), NUL-terminated: the file
 * itself, or else PATH.gz gunzipped with zlib. The fixtures keep some feeds
 * only as published (Packages.gz beside the Packages.sig that covers the
 * plain text); zlib here is independent of fetch/'s decompression, which
 * tests compare with it. */
static inline char *unit_index_text(const char *path, size_t *len)
{
	char *gzpath = NULL, *buf = NULL;
	size_t cap = 0, n = 0;
	gzFile gz;
	int got;

	if (access(path, F_OK) == 0)
		return unit_slurp(path, len);
	assert_true(asprintf(&gzpath, "%s.gz", path) > 0);
	gz = gzopen(gzpath, "rb");
	if (!gz)
		fail_msg("neither '%s' nor '%s' can be read", path, gzpath);
	do {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 262144;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		got = gzread(gz, buf + n, (unsigned)(cap - n));
		if (got < 0)
			fail_msg("cannot gunzip '%s'", gzpath);
		n += (size_t)got;
	} while (got > 0);
	gzclose(gz);
	free(gzpath);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The text of the feed index that signature file SIG (".../Packages.sig")
 * covers, as unit_index_text reads it. */
static inline char *unit_index_of_sig(const char *sig, size_t *len)
{
	size_t n = strlen(sig);
	char *index, *text;

	assert_true(n > 4 && !strcmp(sig + n - 4, ".sig"));
	index = strndup(sig, n - 4);
	assert_non_null(index);
	text = unit_index_text(index, len);
	free(index);
	return text;
}

#endif
