/*
 * Unit tests for rootfs/ipk.c and rootfs/stage.c: every real fixture ipk,
 * staging of nano cross-checked with tar(1), hostile archives built here
 * with libarchive's writer, ar-format ipks with xz and zstd data.
 */
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "rootfs.h"
#include "unit.h"

#define NANO FX_2305 "/feeds/packages/nano_7.2-2_arm_cortex-a9_vfpv3-d16.ipk"

/* ---------------------------------------------------------------- */
/* building archives */

struct ent {
	const char *path;
	int type;	  /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR; 0 = end */
	const char *data; /* file content, symlink target */
	mode_t perm;
	const char *hardlink;
};

enum { F_GZIP, F_XZ, F_ZSTD, F_NONE };

struct mem {
	char *buf;
	size_t cap, used;
};

static void add_filter(struct archive *a, int filter)
{
	if (filter == F_GZIP)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	else if (filter == F_XZ)
		assert_int_equal(archive_write_add_filter_xz(a), ARCHIVE_OK);
	else if (filter == F_ZSTD)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
}

static void put(struct archive *a, const struct ent *e)
{
	struct archive_entry *ae = archive_entry_new();
	size_t len = e->type == AE_IFREG && e->data ? strlen(e->data) : 0;

	archive_entry_set_pathname(ae, e->path);
	archive_entry_set_filetype(ae, (unsigned)e->type);
	archive_entry_set_perm(ae, e->perm ? e->perm :
				   e->type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_mtime(ae, 1700000000, 0);
	if (e->type == AE_IFLNK)
		archive_entry_set_symlink(ae, e->data);
	if (e->type == AE_IFCHR)
		archive_entry_set_rdev(ae, makedev(1, 3));
	if (e->hardlink)
		archive_entry_set_hardlink(ae, e->hardlink);
	archive_entry_set_size(ae, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	if (len)
		assert_int_equal(archive_write_data(a, e->data, len),
				 (la_ssize_t)len);
	archive_entry_free(ae);
}

/* A tar (filtered) of ents into m. */
static void make_tar(struct mem *m, int filter, const struct ent *ents)
{
	struct archive *a = archive_write_new();

	m->cap = 1 << 20;
	m->buf = malloc(m->cap);
	m->used = 0;
	add_filter(a, filter);
	archive_write_set_format_ustar(a);
	assert_int_equal(archive_write_open_memory(a, m->buf, m->cap,
						   &m->used), ARCHIVE_OK);
	for (; ents->type; ents++)
		put(a, ents);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void put_blob(struct archive *a, const char *name, const void *data,
		     size_t len)
{
	struct archive_entry *ae = archive_entry_new();

	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, (la_int64_t)len);
	archive_entry_set_mtime(ae, 1700000000, 0);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(ae);
}

static const struct ent default_control[] = {
	{ "./", AE_IFDIR, NULL, 0, NULL },
	{ "./control", AE_IFREG, "Package: evil\nVersion: 1\n", 0, NULL },
	{ "./postinst", AE_IFREG, "#!/bin/sh\nexit 0\n", 0755, NULL },
	{ NULL, 0, NULL, 0, NULL },
};

/* Write an ipk at path: ar (Debian) or gzip'd tar (OpenWrt, data first
 * as OpenWrt's ipkg-build does). */
static void make_ipk(const char *path, int ar, int data_filter,
		     const struct ent *data, const struct ent *control)
{
	static const char *const ext[] = { "gz", "xz", "zst", "" };
	struct archive *a = archive_write_new();
	struct mem c, d;
	char dname[32];

	make_tar(&c, F_GZIP, control ? control : default_control);
	make_tar(&d, data_filter, data);
	snprintf(dname, sizeof(dname), "%sdata.tar%s%s", ar ? "" : "./",
		 data_filter == F_NONE ? "" : ".", ext[data_filter]);
	if (ar) {
		archive_write_set_format_ar_svr4(a);
	} else {
		add_filter(a, F_GZIP);
		archive_write_set_format_ustar(a);
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	put_blob(a, ar ? "debian-binary" : "./debian-binary", "2.0\n", 4);
	if (ar) {
		put_blob(a, "control.tar.gz", c.buf, c.used);
		put_blob(a, dname, d.buf, d.used);
	} else {
		put_blob(a, dname, d.buf, d.used);
		put_blob(a, "./control.tar.gz", c.buf, c.used);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(c.buf);
	free(d.buf);
}

static const struct stage_entry *find_entry(const struct stage_list *l,
					    const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->e[i].path, path))
			return &l->e[i];
	return NULL;
}

/* ---------------------------------------------------------------- */

static void test_ipk_open_fixtures(void **state)
{
	FILE *f = popen("find '" FIXTURES "' -name '*.ipk' | sort", "r");
	char line[1024];
	int n = 0, bad = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct ipk *ipk = NULL;
		size_t nm;
		int rc;

		line[strcspn(line, "\n")] = '\0';
		rc = ipk_open(&ipk, line);
		n++;
		if (strstr(line, "/__.ipk")) {
			assert_int_equal(rc, -PKGE_FORMAT);
			assert_null(ipk);
			bad++;
			continue;
		}
		if (rc)
			fail_msg("ipk_open('%s') = %d", line, rc);
		assert_non_null(ctl_get(ipk_control(ipk), "Package"));
		assert_non_null(ctl_get(ipk_control(ipk), "Version"));
		assert_non_null(ipk_member(ipk, "control", NULL));
		assert_non_null(ipk_member_names(ipk, &nm));
		assert_true(nm >= 1);
		ipk_free(ipk);
	}
	pclose(f);
	print_message("# %d fixture ipks opened\n", n);
	assert_true(n >= 30);
	assert_int_equal(bad, 1);
}

static void test_ipk_members(void **state)
{
	struct ipk *ipk;
	const char *const *names;
	const char *desc;
	size_t n, len;

	assert_int_equal(ipk_open(&ipk, NANO), 0);
	assert_string_equal(ctl_get(ipk_control(ipk), "Package"), "nano");
	assert_string_equal(ctl_get(ipk_control(ipk), "Version"), "7.2-2");
	assert_string_equal(ctl_get(ipk_control(ipk), "Maintainer"),
			    "Hannu Nyman <hannu.nyman@iki.fi>");
	desc = ctl_get(ipk_control(ipk), "Description");
	assert_non_null(strstr(desc, "terminal.\n\nNano started"));
	names = ipk_member_names(ipk, &n);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "control");
	assert_string_equal(names[1], "postinst");
	assert_string_equal(names[2], "prerm");
	assert_null(names[3]);
	assert_non_null(ipk_member(ipk, "control", &len));
	assert_int_equal(len, 630);
	assert_non_null(strstr(ipk_member(ipk, "postinst", &len), "#!/bin/sh"));
	assert_int_equal(len, 160);
	assert_null(ipk_member(ipk, "preinst", NULL));
	ipk_free(ipk);
}

/* ipk_stage into rel of a plain root at the test's directory (the write
 * layer), and the host path of a staged copy. */
static int stage_at(void **state, struct ipk *ipk, const char *rel, int flags,
		    const struct stage_limits *lim, struct stage_list *l)
{
	struct rootfs rf;
	int r;

	assert_int_equal(rootfs_open(&rf, (char *)*state, NULL), 0);
	r = ipk_stage(ipk, &rf, rel, flags, lim, l);
	rootfs_release(&rf);
	return r;
}

static char *staged_host(void **state, const struct stage_entry *e)
{
	return unit_path(state, e->staged);
}

static void test_ipk_stage_nano(void **state)
{
	char *cmd = NULL, *host;
	char *ref = unit_path(state, "ref/usr/bin/nano");
	char h1[SHA256_HEX_SIZE], h2[SHA256_HEX_SIZE], h3[SHA256_HEX_SIZE];
	const struct stage_entry *e;
	struct stage_list l;
	struct ipk *ipk;
	struct stat st;

	assert_int_equal(ipk_open(&ipk, NANO), 0);
	assert_int_equal(stage_at(state, ipk, "stage", 0, NULL, &l), 0);
	assert_int_equal(l.n, 3); /* usr, usr/bin, usr/bin/nano */
	assert_string_equal(l.e[0].path, "usr");
	assert_int_equal(l.e[0].type, ST_DIR);
	e = find_entry(&l, "usr/bin/nano");
	assert_non_null(e);
	assert_int_equal(e->type, ST_FILE);
	assert_int_equal(e->size, 131361);
	assert_int_equal(e->mode, 0755);
	assert_int_equal(l.bytes, 131361);
	assert_string_equal(e->staged, "stage/2");
	host = staged_host(state, e);
	assert_int_equal(stat(host, &st), 0);
	assert_int_equal(st.st_size, 131361);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* hash while writing = hash of the staged file = tar(1)'s copy */
	rootfs_hex(e->sha256, 32, h1);
	assert_int_equal(rootfs_sha256_file(host, h2), 0);
	free(host);
	assert_string_equal(h1, h2);
	assert_true(asprintf(&cmd, "cd '%s' && mkdir ref && cd ref && "
			     "tar xzf '%s' && tar xzf data.tar.gz",
			     (char *)*state, NANO) > 0);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rootfs_sha256_file(ref, h3), 0);
	assert_string_equal(h1, h3);
	stage_list_release(&l);
	ipk_free(ipk);
	free(ref), free(cmd);
}

/* Stage an archive holding ents; expect rc; the staging dir must be gone
 * (it did not exist before). */
static void stage_expect(void **state, const struct ent *ents, int flags,
			 int expect)
{
	char *pkg = unit_path(state, "x.ipk"), *staging = unit_path(state, "st");
	struct stage_list l;
	struct ipk *ipk;
	struct stat st;

	make_ipk(pkg, 0, F_GZIP, ents, NULL);
	assert_int_equal(ipk_open(&ipk, pkg), 0);
	assert_int_equal(stage_at(state, ipk, "st", flags, NULL, &l), expect);
	if (expect) {
		assert_int_equal(l.n, 0);
		assert_int_equal(stat(staging, &st), -1);
	} else {
		stage_list_release(&l);
		assert_int_equal(hostfs_remove_tree(staging), 0);
	}
	ipk_free(ipk);
	unlink(pkg);
	free(pkg), free(staging);
}

#define FILE_(p) { p, AE_IFREG, "content\n", 0, NULL }
#define END_ { NULL, 0, NULL, 0, NULL }

static void test_stage_hostile(void **state)
{
	const struct ent dotdot[] = { FILE_("./ok"), FILE_("../x"), END_ };
	const struct ent abs[] = { FILE_("/etc/x"), END_ };
	const struct ent dotdot2[] = { FILE_("./../x"), END_ };
	const struct ent inner[] = { FILE_("a/b/../../../x"), END_ };
	const struct ent via_link[] = {
		{ "./evil", AE_IFLNK, "/etc", 0, NULL },
		FILE_("./evil/passwd"), END_ };
	const struct ent via_file[] = { FILE_("./f"), FILE_("./f/g"), END_ };
	const struct ent hard_out[] = {
		{ "./h", AE_IFREG, NULL, 0, "etc/passwd" }, END_ };
	const struct ent hard_abs[] = { FILE_("./a"),
		{ "./h", AE_IFREG, NULL, 0, "/etc/passwd" }, END_ };
	const struct ent dev[] = { { "./dev/null", AE_IFCHR, NULL, 0666,
				     NULL }, END_ };
	const struct ent setuid[] = { { "./bin/su", AE_IFREG, "x", 04755,
					NULL }, END_ };
	const struct ent dup[] = { FILE_("./a"), FILE_("./a"), END_ };

	stage_expect(state, dotdot, 0, -PKGE_UNSAFE);
	stage_expect(state, abs, 0, -PKGE_UNSAFE);
	stage_expect(state, dotdot2, 0, -PKGE_UNSAFE);
	stage_expect(state, inner, 0, -PKGE_UNSAFE);
	stage_expect(state, via_link, 0, -PKGE_UNSAFE);
	stage_expect(state, via_file, 0, -PKGE_UNSAFE);
	stage_expect(state, hard_out, 0, -PKGE_UNSAFE);
	stage_expect(state, hard_abs, 0, -PKGE_UNSAFE);
	stage_expect(state, dev, 0, -PKGE_UNSAFE);
	stage_expect(state, setuid, 0, -PKGE_UNSAFE);
	stage_expect(state, dup, 0, -PKGE_UNSAFE);
	/* trusted packages may carry devices and setuid files */
	stage_expect(state, dev, IPK_ALLOW_DEVICES, 0);
	stage_expect(state, setuid, IPK_ALLOW_SETID, 0);
}

static void test_stage_kinds(void **state)
{
	const struct ent ents[] = {
		{ "./", AE_IFDIR, NULL, 0, NULL },
		{ "./usr/", AE_IFDIR, NULL, 0, NULL },
		{ "./usr/lib/libx.so.1", AE_IFREG, "elf", 0755, NULL },
		{ "./usr/lib/libx.so", AE_IFLNK, "libx.so.1", 0777, NULL },
		{ "./usr/lib/hard", AE_IFREG, NULL, 0, "./usr/lib/libx.so.1" },
		{ "./etc/empty", AE_IFREG, "", 0600, NULL },
		END_
	};
	char *pkg = unit_path(state, "k.ipk"), *staging = unit_path(state, "st");
	const struct stage_entry *e, *h;
	struct stage_list l;
	struct ipk *ipk;
	size_t i;

	make_ipk(pkg, 0, F_GZIP, ents, NULL);
	assert_int_equal(ipk_open(&ipk, pkg), 0);
	assert_string_equal(ipk_member(ipk, "postinst", NULL),
			    "#!/bin/sh\nexit 0\n");
	assert_int_equal(stage_at(state, ipk, "st", 0, NULL, &l), 0);
	assert_int_equal(l.n, 5);
	for (i = 1; i < l.n; i++)
		assert_true(strcmp(l.e[i - 1].path, l.e[i].path) < 0);
	e = find_entry(&l, "usr/lib/libx.so");
	assert_int_equal(e->type, ST_SYMLINK);
	assert_string_equal(e->target, "libx.so.1");
	assert_null(e->staged);
	h = find_entry(&l, "usr/lib/hard");
	e = find_entry(&l, "usr/lib/libx.so.1");
	assert_int_equal(h->type, ST_HARDLINK);
	assert_string_equal(h->target, "usr/lib/libx.so.1");
	assert_int_equal(h->size, 3);
	assert_memory_equal(h->sha256, e->sha256, 32);
	e = find_entry(&l, "etc/empty");
	assert_int_equal(e->size, 0);
	assert_int_equal(e->mode, 0600);
	assert_non_null(e->staged);
	assert_int_equal(l.bytes, 3);
	stage_list_release(&l);
	ipk_free(ipk);
	free(pkg), free(staging);
}

static void ar_roundtrip(void **state, int filter)
{
	const struct ent ents[] = {
		{ "./usr/bin/tool", AE_IFREG, "#!/bin/sh\necho hi\n", 0755,
		  NULL },
		END_
	};
	char *pkg = unit_path(state, "ar.ipk"), *staging = unit_path(state, "st");
	const struct stage_entry *e;
	struct stage_list l;
	struct ipk *ipk;
	char *cmd = NULL;

	make_ipk(pkg, 1, filter, ents, NULL);
	/* really an ar archive */
	assert_true(asprintf(&cmd, "head -c 8 '%s' | grep -q '!<arch>'",
			     pkg) > 0);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ipk_open(&ipk, pkg), 0);
	assert_string_equal(ctl_get(ipk_control(ipk), "Package"), "evil");
	assert_int_equal(stage_at(state, ipk, "st", 0, NULL, &l), 0);
	assert_int_equal(l.n, 1);
	e = &l.e[0];
	assert_string_equal(e->path, "usr/bin/tool");
	assert_int_equal(e->size, 18);
	stage_list_release(&l);
	ipk_free(ipk);
	free(pkg), free(staging), free(cmd);
}

static void test_ipk_ar_xz(void **state)
{
	ar_roundtrip(state, F_XZ);
}

static void test_ipk_ar_zstd(void **state)
{
	ar_roundtrip(state, F_ZSTD);
}

static void test_ipk_invalid(void **state)
{
	const struct ent data[] = { FILE_("./x"), END_ };
	const struct ent no_version[] = {
		{ "./control", AE_IFREG, "Package: a\n", 0, NULL }, END_ };
	const struct ent no_control[] = {
		{ "./postinst", AE_IFREG, "x", 0, NULL }, END_ };
	char *pkg = unit_path(state, "bad.ipk");
	struct ipk *ipk = NULL;
	char *big;

	assert_int_equal(hostfs_write_atomic(pkg, "not an archive", 14,
					     0644), 0);
	assert_int_equal(ipk_open(&ipk, pkg), -PKGE_FORMAT);
	assert_int_equal(ipk_open(&ipk, "/nonexistent.ipk"), -ENOENT);
	make_ipk(pkg, 0, F_GZIP, data, no_version);
	assert_int_equal(ipk_open(&ipk, pkg), -PKGE_FORMAT);
	make_ipk(pkg, 1, F_GZIP, data, no_control);
	assert_int_equal(ipk_open(&ipk, pkg), -PKGE_FORMAT);
	/* a control member over the cap (a decompression bomb) */
	big = malloc(IPK_MAX_CONTROL_MEMBER + 2);
	memset(big, 'a', IPK_MAX_CONTROL_MEMBER + 1);
	big[IPK_MAX_CONTROL_MEMBER + 1] = '\0';
	{
		const struct ent bomb[] = {
			{ "./control", AE_IFREG, "Package: a\nVersion: 1\n",
			  0, NULL },
			{ "./postinst", AE_IFREG, big, 0, NULL }, END_ };

		make_ipk(pkg, 0, F_GZIP, data, bomb);
	}
	free(big);
	assert_int_equal(ipk_open(&ipk, pkg), -PKGE_FORMAT);
	/* truncated */
	make_ipk(pkg, 0, F_GZIP, data, NULL);
	assert_int_equal(truncate(pkg, 200), 0);
	assert_int_equal(ipk_open(&ipk, pkg), -PKGE_FORMAT);
	assert_null(ipk);
	free(pkg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, unit_setup_tmp, \
						 unit_teardown_tmp)
		T(test_ipk_open_fixtures),
		T(test_ipk_members),
		T(test_ipk_stage_nano),
		T(test_stage_hostile),
		T(test_stage_kinds),
		T(test_ipk_ar_xz),
		T(test_ipk_ar_zstd),
		T(test_ipk_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
