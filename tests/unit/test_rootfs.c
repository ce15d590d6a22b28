/*
 * Unit tests for rootfs/: ops layer, file helpers, control parser.
 * (ipk reading and staging: test_rootfs_ipk.c; overlay: test_rootfs_overlay.c)
 * Each test runs in a fresh mktemp -d directory under /tmp.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rootfs.h"
#include "unit.h"

#define FEED19 FX_1907 "/feeds/openwrt_packages/Packages"
#define FEED23 FX_2305 "/feeds/packages/Packages"

/* ---------------------------------------------------------------- */
/* ops layer */

static void test_fsop_errno(void **state)
{
	char *d = unit_path(state, "d"), *f = unit_path(state, "d/f");
	char *missing = unit_path(state, "nope/x");
	int fd;

	assert_int_equal(fsop_mkdir(d, 0755), 0);
	assert_int_equal(fsop_mkdir(d, 0755), -EEXIST);
	assert_int_equal(fsop_open(missing, O_WRONLY | O_CREAT, 0644),
			 -ENOENT);
	assert_int_equal(fsop_unlink(missing), -ENOENT);
	assert_int_equal(fsop_rename(missing, f), -ENOENT);
	fd = fsop_open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fsop_write(fd, "hello", 5), 5);
	assert_int_equal(fsop_fsync(fd), 0);
	assert_int_equal(fsop_close(fd), 0);
	assert_int_equal(fsop_open(f, O_WRONLY | O_CREAT | O_EXCL, 0644),
			 -EEXIST);
	assert_int_equal(fsop_write(-1, "x", 1), -EBADF);
	assert_int_equal(fsop_rmdir(d), -ENOTEMPTY);
	assert_int_equal(fsop_chmod(missing, 0600), -ENOENT);
	assert_int_equal(fsop_fsync_dir(f), 0);
	assert_int_equal(fsop_fsync_dir(d), 0);
	assert_int_equal(fsop_unlink(f), 0);
	assert_int_equal(fsop_rmdir(d), 0);
	assert_int_equal(fsop_rmdir(d), -ENOENT);
	free(d), free(f), free(missing);
}

static void test_write_atomic(void **state)
{
	char *f = unit_path(state, "file"), *buf = NULL;
	char *cmd = NULL;
	struct stat st;
	size_t len;

	assert_int_equal(hostfs_write_atomic(f, "one\n", 4, 0640), 0);
	assert_int_equal(hostfs_write_atomic(f, "second\n", 7, 0644), 0);
	assert_int_equal(hostfs_read_file(f, 0, &buf, &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "second\n");
	free(buf);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* no temp file left beside it */
	assert_true(asprintf(&cmd, "ls -a '%s' | grep -q pkg-tmp",
			     (char *)*state) > 0);
	assert_int_not_equal(system(cmd), 0);
	free(cmd);
	/* leftovers of a crashed run are recognised and removed */
	assert_true(asprintf(&cmd, "touch '%s.pkg-tmp.1' '%s.pkg-tmp.22'", f,
			     f) > 0);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(hostfs_remove_temps(*state), 2);
	assert_int_equal(hostfs_remove_temps(*state), 0);
	assert_int_equal(access(f, F_OK), 0);
	free(cmd);
	/* the cap */
	assert_int_equal(hostfs_read_file(f, 3, &buf, &len), -PKGE_FORMAT);
	assert_null(buf);
	free(f);
}

static void test_mkdir_p_remove_tree(void **state)
{
	char *deep = unit_path(state, "a/b/c"), *top = unit_path(state, "a");
	char *file = unit_path(state, "a/b/c/f"), *lnk = unit_path(state, "a/l");
	struct stat st;

	assert_int_equal(hostfs_mkdir_p(deep, 0755), 0);
	assert_int_equal(hostfs_mkdir_p(deep, 0755), 0);
	assert_int_equal(hostfs_write_atomic(file, "x", 1, 0644), 0);
	assert_int_equal(symlink("/etc", lnk), 0);
	assert_int_equal(hostfs_mkdir_p(file, 0755), -ENOTDIR);
	assert_int_equal(hostfs_remove_tree(top), 0);
	assert_int_equal(lstat(top, &st), -1);
	assert_int_equal(stat("/etc/passwd", &st), 0); /* not followed */
	assert_int_equal(hostfs_remove_tree(top), 0);	/* missing is ok */
	free(deep), free(top), free(file), free(lnk);
}

static void test_sha256(void **state)
{
	char *f = unit_path(state, "abc");
	char hex[SHA256_HEX_SIZE];

	assert_int_equal(hostfs_write_atomic(f, "abc", 3, 0644), 0);
	assert_int_equal(rootfs_sha256_file(f, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	free(f);
}

static void test_path_normalise(void **state)
{
	static const char *const ok[][2] = {
		{ "./usr/bin/nano", "usr/bin/nano" },
		{ "usr//bin/./nano", "usr/bin/nano" },
		{ "/etc/config/", "etc/config" },
		{ "./", "" },
		{ "a/.b/..c", "a/.b/..c" },
	};
	static const char *const bad[] = { "../x", "./../x", "a/../../b",
					   "a/.." };
	size_t i;
	char *out;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(path_normalise(ok[i][0], &out), 0);
		assert_string_equal(out, ok[i][1]);
		free(out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(path_normalise(bad[i], &out), -PKGE_UNSAFE);
		assert_null(out);
	}
}

/* ---------------------------------------------------------------- */
/* control parser */

struct count {
	size_t stanzas, with_package;
	char *nano_desc, *nano_version;
	size_t nano_line;
};

static int count_cb(const struct ctl_stanza *st, void *ud)
{
	struct count *c = ud;
	const char *p = ctl_get(st, "package");

	c->stanzas++;
	if (!p)
		return 0;
	c->with_package++;
	if (!strcmp(p, "nano")) {
		c->nano_desc = strdup(ctl_get(st, "Description"));
		c->nano_version = strdup(ctl_get(st, "Version"));
		c->nano_line = st->line;
	}
	return 0;
}

/* Parse feed index path (plain or .gz: unit_index_text); *ms is the time
 * ctl_parse took. */
static void parse_file(const char *path, struct count *c, double *ms)
{
	struct timespec t0, t1;
	char *buf;
	size_t len;

	memset(c, 0, sizeof(*c));
	buf = unit_index_text(path, &len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ctl_parse(buf, len, 0, count_cb, c), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	free(buf);
}

static void test_ctl_feed_19(void **state)
{
	struct count c;
	double ms;

	parse_file(FEED19, &c, &ms);
	print_message("# 19.07.1 packages feed: %zu stanzas in %.2f ms\n",
		      c.stanzas, ms);
	assert_int_equal(c.stanzas, 4202);
	assert_int_equal(c.with_package, 4202);
	assert_true(ms < unit_time_limit(200.0));
	free(c.nano_desc), free(c.nano_version);
}

static void test_ctl_feed_23(void **state)
{
	struct count c;
	double ms;

	parse_file(FEED23, &c, &ms);
	assert_int_equal(c.stanzas, 1108);
	assert_int_equal(c.with_package, 1107);
	assert_non_null(c.nano_desc);
	assert_string_equal(c.nano_version, "7.2-2");
	assert_string_equal(c.nano_desc,
		"Nano is a small and simple text editor for use on the "
		"terminal.\n"
		"\n"
		"Nano started as an enhanced clone of the Pico text editor.\n"
		"Nowadays Nano wants to be a generally useful editor with "
		"sensible\n"
		"defaults (linewise scrolling, no automatic line breaking).\n"
		"\n"
		"Nano is an official GNU package.");
	assert_true(c.nano_line > 1);
	free(c.nano_desc), free(c.nano_version);
}

struct collect {
	size_t n;
	char text[1024];
};

/* "name=value|" for every field, "#" between stanzas. */
static int collect_cb(const struct ctl_stanza *st, void *ud)
{
	struct collect *c = ud;
	size_t i, used = strlen(c->text);

	for (i = 0; i < st->nfields; i++) {
		used += (size_t)snprintf(c->text + used, sizeof(c->text) - used,
					 "%s=%s|", st->fields[i].name,
					 st->fields[i].value);
	}
	snprintf(c->text + used, sizeof(c->text) - used, "#");
	c->n++;
	return 0;
}

static void parse_str(const char *s, struct collect *c, int expect)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(ctl_parse(s, strlen(s), 0, collect_cb, c), expect);
}

static void test_ctl_quirks(void **state)
{
	struct collect c;

	parse_str("\n\nPackage: a\r\nVersion: 1\r\n\r\nPackage: b\r\n", &c,
		  0);
	assert_string_equal(c.text, "Package=a|Version=1|#Package=b|#");
	/* missing final newline, empty value, continuation forms */
	parse_str("Package: x\nDescription:  first\n \n .\n  two\n\tthree  "
		  "\nEmpty:", &c, 0);
	assert_string_equal(c.text, "Package=x|Description=first\n\n.\n two\n"
				    "three|Empty=|#");
	parse_str("Package: libgcc1\nStatus: unknown hold not-installed\n"
		  "Essential: yes\n", &c, 0);
	assert_string_equal(c.text, "Package=libgcc1|Status=unknown hold "
				    "not-installed|Essential=yes|#");
	/* no Package field: the parser does not care */
	parse_str("Filename: __.ipk\nDescription: \n\n\n", &c, 0);
	assert_string_equal(c.text, "Filename=__.ipk|Description=|#");
	parse_str("", &c, 0);
	assert_int_equal(c.n, 0);
}

static void test_ctl_malformed(void **state)
{
	struct collect c;
	char big[64];

	parse_str("Package: a\nthis is not a field\n", &c, -PKGE_FORMAT);
	parse_str(" leading continuation\n", &c, -PKGE_FORMAT);
	parse_str(": no name\n", &c, -PKGE_FORMAT);
	memset(big, 'x', sizeof(big));
	memcpy(big, "Package: ", 9);
	assert_int_equal(ctl_parse(big, sizeof(big), 16, collect_cb, &c),
			 -PKGE_FORMAT);
	assert_int_equal(ctl_parse(big, sizeof(big), 0, collect_cb, &c), 0);
}

static int stop_cb(const struct ctl_stanza *st, void *ud)
{
	(*(int *)ud)++;
	return 7;
}

/* strbuf: appends grow one NUL-terminated allocation; take hands it
 * over ("" when nothing was added) and leaves the buffer empty. */
static void test_strbuf(void **state)
{
	struct strbuf b = { NULL, 0, 0, 0 };
	char *t, big[5000];

	(void)state;
	t = strbuf_take(&b);
	assert_string_equal(t, "");
	free(t);
	strbuf_str(&b, "a, ");
	strbuf_add(&b, "bcd", 2);
	assert_string_equal(b.s, "a, bc");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	strbuf_str(&b, big);
	assert_int_equal(b.len, 5 + sizeof(big) - 1);
	t = strbuf_take(&b);
	assert_int_equal(strlen(t), 5 + sizeof(big) - 1);
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	free(t);
	b.oom = 1; /* a failed allocation sticks */
	strbuf_str(&b, "lost");
	assert_null(b.s);
	assert_null(strbuf_take(&b));
}

/* ctl_field_is: any case, and its first-character filter never decides
 * alone (characters one case bit apart that are not letters). */
static void test_ctl_field_is(void **state)
{
	(void)state;
	assert_true(ctl_field_is("package", "Package"));
	assert_true(ctl_field_is("PACKAGE", "Package"));
	assert_true(ctl_field_is("sha256SUM", "SHA256sum"));
	assert_false(ctl_field_is("Packages", "Package"));
	assert_false(ctl_field_is("Pack", "Package"));
	assert_false(ctl_field_is("Version", "Package"));
	assert_false(ctl_field_is("@x", "`x")); /* 0x40, 0x60 */
	assert_false(ctl_field_is("[x", "{x"));
	assert_false(ctl_field_is("\xc9x", "\xe9x"));
	assert_true(ctl_field_is("\xc9x", "\xc9X"));
	assert_false(ctl_field_is("", "Package"));
	assert_true(ctl_field_is("", ""));
}

/* ctl_name_ok and ctl_version_ok, byte by byte: first an ASCII letter
 * or digit, then letters, digits and "+-._" (a version "~:" too), at
 * most CTL_NAME_MAX bytes; a NUL ends the word. */
static void test_ctl_names(void **state)
{
	static const char name_set[] = "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._";
	char w[CTL_NAME_MAX + 2];
	int b, in_name, in_ver, alnum;

	(void)state;
	for (b = 1; b < 256; b++) {
		in_name = strchr(name_set, b) != NULL;
		in_ver = in_name || b == '~' || b == ':';
		alnum = isascii(b) && isalnum(b);
		snprintf(w, sizeof(w), "a%cz", b);
		assert_int_equal(ctl_name_ok(w), in_name);
		assert_int_equal(ctl_version_ok(w), in_ver);
		snprintf(w, sizeof(w), "%cz", b);
		assert_int_equal(ctl_name_ok(w), alnum);
		assert_int_equal(ctl_version_ok(w), alnum);
	}
	assert_false(ctl_name_ok(""));
	assert_false(ctl_version_ok(""));
	assert_true(ctl_name_ok("libstdcpp6"));
	assert_true(ctl_version_ok("1:2.3~rc1-4"));
	assert_false(ctl_name_ok("1:2"));
	memset(w, 'a', CTL_NAME_MAX);
	w[CTL_NAME_MAX] = '\0';
	assert_true(ctl_name_ok(w));
	assert_true(ctl_version_ok(w));
	w[CTL_NAME_MAX] = 'a';
	w[CTL_NAME_MAX + 1] = '\0';
	assert_false(ctl_name_ok(w));
	assert_false(ctl_version_ok(w));
}

/* ctl_check_stanza: each checked field refuses a control character in
 * its value, under its name in any case (the fields are looked up in a
 * sorted table: a name out of order would go unchecked); a relation
 * field may be folded (a newline, a tab), a one-line field may not; the
 * other fields (Description, unknown ones) are not checked. */
static void test_ctl_check_stanza(void **state)
{
	static const char *const folded[] = {
		"Depends", "Pre-Depends", "Recommends", "Suggests", "Provides",
		"Replaces", "Conflicts",
	};
	static const char *const line[] = {
		"Package", "Version", "Architecture", "Status", "Section",
		"Essential", "Priority", "Maintainer", "Source", "SourceName",
		"SourceDateEpoch", "License", "LicenseFiles", "CPE-ID",
		"Installed-Size", "Size", "Filename", "MD5Sum", "SHA256sum",
		"Installed-Time", "Auto-Installed", "ABIVersion",
		"Alternatives", "Require-User", "Tags", "Homepage",
	};
	struct ctl_field f[3] = { { "Package", "a" }, { "Version", "1" } };
	struct ctl_stanza st = { f, 3, 1 };
	char why[128], name[64], val[8];
	size_t i, k;

	(void)state;
	for (i = 0; i < 2 * (sizeof(folded) + sizeof(line)) / sizeof(char *);
	     i++) {
		size_t n = sizeof(folded) / sizeof(*folded), j = i / 2;
		int is_folded = j < n;
		const char *fname = is_folded ? folded[j] : line[j - n];

		snprintf(name, sizeof(name), "%s", fname);
		if (i % 2) /* the other case */
			for (k = 0; name[k]; k++)
				name[k] ^= (char)(isalpha((unsigned char)name[k])
							  ? 0x20
							  : 0);
		f[2].name = name;
		f[2].value = val;
		/* the two fields the stanza has already: an invalid value
		 * of theirs is refused for the name or version */
		if (!strcasecmp(fname, "Package") ||
		    !strcasecmp(fname, "Version"))
			continue;
		snprintf(val, sizeof(val), "x\001y");
		assert_int_equal(ctl_check_stanza(&st, why, sizeof(why)),
				 -PKGE_FORMAT);
		assert_non_null(strstr(why, "control characters in field"));
		snprintf(val, sizeof(val), "x\ny");
		assert_int_equal(ctl_check_stanza(&st, why, sizeof(why)),
				 is_folded ? 0 : -PKGE_FORMAT);
		snprintf(val, sizeof(val), "x, y");
		assert_int_equal(ctl_check_stanza(&st, why, sizeof(why)), 0);
	}
	f[2].value = val;
	snprintf(val, sizeof(val), "x\001y");
	f[2].name = "Description";
	assert_int_equal(ctl_check_stanza(&st, why, sizeof(why)), 0);
	f[2].name = "X-Unknown";
	assert_int_equal(ctl_check_stanza(&st, why, sizeof(why)), 0);
	f[1].value = "1\001";
	assert_int_equal(ctl_check_stanza(&st, why, sizeof(why)),
			 -PKGE_FORMAT);
}

static void test_ctl_parse_one(void **state)
{
	const char *s = "Package: nano\nVersion: 7.2-2\nDescription: a\n b\n"
			"\nPackage: other\n";
	struct ctl_stanza st;
	int calls = 0;

	assert_int_equal(ctl_parse_one(s, strlen(s), &st), 0);
	assert_int_equal(st.nfields, 3);
	assert_string_equal(ctl_get(&st, "PACKAGE"), "nano");
	assert_string_equal(ctl_get(&st, "description"), "a\nb");
	assert_null(ctl_get(&st, "Depends"));
	ctl_stanza_release(&st);
	assert_int_equal(ctl_parse_one("\n\n", 2, &st), -PKGE_FORMAT);
	assert_int_equal(ctl_parse(s, strlen(s), 0, stop_cb, &calls), 7);
	assert_int_equal(calls, 1);
}

/* ctl_read_stanza over a stream: each stanza where it lies, its first
 * line and offset; an empty stream; blank lines and CRLF; a last line
 * without newline; the whole 19.07.1 packages feed through 16 KiB
 * blocks, each stanza the text at its offset; a stanza or a line over
 * max refused. */
static void test_ctl_read_stanza(void **state)
{
	static const char s[] = "\n\nPackage: a\r\nVersion: 1\r\n\r\n\n"
				"Package: b\nDescription: x\n y";
	struct ctl_reader rd = { 0 };
	const char *text;
	char *buf, big[200];
	size_t len, line, n = 0, nl = 0, i, at = 0;
	uint64_t off;

	(void)state;
	rd.fp = fopen("/dev/null", "r"); /* nothing at all: nothing read */
	assert_non_null(rd.fp);
	assert_int_equal(ctl_read_stanza(&rd, &text, &len, &line, &off), 0);
	fclose(rd.fp);
	ctl_reader_release(&rd);
	memset(&rd, 0, sizeof(rd));
	rd.fp = fmemopen((void *)s, sizeof(s) - 1, "r");
	assert_int_equal(ctl_read_stanza(&rd, &text, &len, &line, &off), 1);
	assert_int_equal(len, 24);
	assert_memory_equal(text, "Package: a\r\nVersion: 1\r\n", 24);
	assert_int_equal(line, 3);
	assert_int_equal(off, 2);
	assert_int_equal(ctl_read_stanza(&rd, &text, &len, &line, &off), 1);
	assert_int_equal(len, strlen("Package: b\nDescription: x\n y"));
	assert_memory_equal(text, "Package: b\nDescription: x\n y", len);
	assert_int_equal(line, 7);
	assert_int_equal(off, (uint64_t)(strstr(s, "Package: b") - s));
	assert_int_equal(ctl_read_stanza(&rd, &text, &len, &line, &off), 0);
	assert_int_equal(ctl_read_stanza(&rd, &text, &len, &line, &off), 0);
	fclose(rd.fp);
	ctl_reader_release(&rd);

	buf = unit_index_text(FEED19, &len);
	memset(&rd, 0, sizeof(rd));
	rd.fp = fmemopen(buf, len, "r");
	while (ctl_read_stanza(&rd, &text, &i, &line, &off) == 1) {
		for (; at < off; at++) /* the lines before it */
			nl += buf[at] == '\n';
		assert_int_equal(line, nl + 1);
		assert_memory_equal(text, buf + off, i);
		assert_true(i > 0 && text[0] != '\n');
		n++;
	}
	assert_int_equal(n, 4202); /* as ctl_parse finds (test_ctl_feed_19) */
	fclose(rd.fp);
	ctl_reader_release(&rd);
	free(buf);

	memset(big, 'x', sizeof(big));
	memcpy(big, "Package: a\nDescription: ", 24);
	big[60] = '\n';
	memset(&rd, 0, sizeof(rd));
	rd.max = 64;
	rd.fp = fmemopen(big, sizeof(big), "r");
	assert_int_equal(ctl_read_stanza(&rd, &text, &len, &line, &off),
			 -PKGE_FORMAT);
	assert_int_equal(line, 3); /* the line that passed max */
	fclose(rd.fp);
	ctl_reader_release(&rd);
	memset(&rd, 0, sizeof(rd));
	rd.max = 64;
	rd.fp = fmemopen(big + 61, sizeof(big) - 61, "r"); /* one long line */
	assert_int_equal(ctl_read_stanza(&rd, &text, &len, &line, &off),
			 -PKGE_FORMAT);
	fclose(rd.fp);
	ctl_reader_release(&rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, unit_setup_tmp, \
						 unit_teardown_tmp)
		T(test_fsop_errno),
		T(test_write_atomic),
		T(test_mkdir_p_remove_tree),
		T(test_sha256),
		T(test_path_normalise),
		T(test_ctl_feed_19),
		T(test_ctl_feed_23),
		T(test_ctl_quirks),
		T(test_ctl_malformed),
		T(test_strbuf),
		T(test_ctl_field_is),
		T(test_ctl_names),
		T(test_ctl_check_stanza),
		T(test_ctl_parse_one),
		T(test_ctl_read_stanza),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
