/*
 * Unit tests for rootfs/overlay.c: layout detection, merged-view lookup,
 * whiteouts and opaque directories, copy-up of parents; the offline
 * encoding is checked against a real overlayfs mount where the kernel
 * allows one (skipped otherwise), which also exercises live detection.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "rootfs.h"

struct fx {
	char *dir;  /* the temp dir */
	char *root; /* dir/root with rom/ and overlay/upper/ */
	struct rootfs rf;
};

static char *cat(const char *a, const char *b)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static void mk(const char *base, const char *rel, mode_t mode,
	       const char *content)
{
	char *p = cat(base, rel), *cmd = NULL;

	assert_true(asprintf(&cmd, "mkdir -p \"$(dirname '%s')\"", p) > 0);
	assert_int_equal(system(cmd), 0);
	if (content)
		assert_int_equal(hostfs_write_atomic(p, content,
						     strlen(content), mode), 0);
	else
		assert_int_equal(hostfs_mkdir_p(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p), free(cmd);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/pkg-test-overlay.XXXXXX";
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || !mkdtemp(tmpl))
		return -1;
	f->dir = strdup(tmpl);
	f->root = cat(f->dir, "root");
	mk(f->root, "rom/etc/config/network", 0644, "config interface\n");
	mk(f->root, "rom/usr/bin/a", 0755, "#!/bin/sh\n");
	mk(f->root, "rom/usr/bin/b", 0755, "#!/bin/sh\n");
	mk(f->root, "rom/usr/lib/empty", 0750, NULL);
	mk(f->root, "rom/usr/lib", 0711, NULL);
	mk(f->root, "overlay/upper", 0755, NULL);
	*state = f;
	return rootfs_open(&f->rf, f->root, NULL);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = NULL;

	rootfs_release(&f->rf);
	if (asprintf(&cmd, "%s/merged", f->dir) > 0)
		umount2(cmd, MNT_DETACH); /* left by a failed test */
	free(cmd);
	cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", f->dir) > 0)
		(void)!system(cmd);
	free(cmd), free(f->dir), free(f->root), free(f);
	return 0;
}

/* Whether this machine lets us make whiteouts (root, no seccomp). */
static int can_mknod(const struct fx *f)
{
	char *p = cat(f->dir, "probe");
	int ok = mknod(p, S_IFCHR, makedev(0, 0)) == 0;

	unlink(p);
	free(p);
	return ok;
}

static void expect_origin(const struct rootfs *rf, const char *rel,
			  enum origin want, const char *want_base)
{
	enum origin o = 99;
	enum tree_layer l = TREE_WRITE, want_l;
	struct stat st;
	int r = rootfs_find(rf, rel, &st, &o, &l);

	if (o != want)
		fail_msg("origin of '%s' is %d, want %d", rel, o, want);
	if (!want_base) {
		assert_int_not_equal(r, 0);
		return;
	}
	assert_int_equal(r, 0);
	want_l = rf->rom && !strcmp(want_base, rf->rom) ? TREE_ROM
		 : rf->upper && !strcmp(want_base, rf->upper) &&
				   rf->mode == ROOTFS_OFFLINE
			 ? TREE_UPPER
			 : TREE_ROOT;
	if (l != want_l)
		fail_msg("layer of '%s' is %d, want %d", rel, l, want_l);
}

static void test_detect(void **state)
{
	struct fx *f = *state;
	struct rootfs rf;
	char *plain = cat(f->dir, "plain"), *w;

	assert_int_equal(f->rf.mode, ROOTFS_OFFLINE);
	assert_string_equal(f->rf.root, f->root);
	w = cat(f->root, "rom");
	assert_string_equal(f->rf.rom, w);
	free(w);
	w = cat(f->root, "overlay/upper");
	assert_string_equal(f->rf.upper, w);
	free(w);
	assert_int_equal(tree_layer_fd(&f->rf, TREE_WRITE), f->rf.upper_fd);

	/* plain: no image */
	mk(plain, "etc", 0755, NULL);
	assert_int_equal(rootfs_open(&rf, plain, NULL), 0);
	assert_int_equal(rf.mode, ROOTFS_PLAIN);
	assert_null(rf.rom);
	assert_int_equal(tree_layer_fd(&rf, TREE_WRITE), rf.root_fd);
	expect_origin(&rf, "etc", ORIGIN_UPPER, rf.root);
	rootfs_release(&rf);

	/* option overlay_root */
	mk(plain, "rom", 0755, NULL);
	mk(plain, "ov2/upper", 0755, NULL);
	assert_int_equal(rootfs_open(&rf, plain, "/ov2"), 0);
	assert_int_equal(rf.mode, ROOTFS_OFFLINE);
	assert_non_null(strstr(rf.upper, "/plain/ov2/upper"));
	rootfs_release(&rf);
	assert_int_equal(rootfs_open(&rf, plain, NULL), 0);
	assert_int_equal(rf.mode, ROOTFS_PLAIN);
	rootfs_release(&rf);

	assert_int_equal(rootfs_open(&rf, "/nonexistent-root", NULL), -ENOENT);
	free(plain);
}

static void test_rpath(void **state)
{
	struct fx *f = *state;
	struct stat st;
	enum origin o;

	expect_origin(&f->rf, "etc/config/network", ORIGIN_ROM, f->rf.rom);
	expect_origin(&f->rf, "usr/lib", ORIGIN_ROM, f->rf.rom);
	expect_origin(&f->rf, "nope", ORIGIN_NONE, NULL);
	mk(f->rf.upper, "etc/config/network", 0600, "changed\n");
	expect_origin(&f->rf, "etc/config/network", ORIGIN_UPPER,
		      f->rf.upper);
	expect_origin(&f->rf, "etc", ORIGIN_UPPER, f->rf.upper);
	assert_int_equal(rootfs_lstat(&f->rf, "etc/config/network", &st, &o),
			 0);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(o, ORIGIN_UPPER);
	assert_int_equal(rootfs_lstat(&f->rf, "nope", &st, &o), -ENOENT);
}

static void test_opaque_hides_rom(void **state)
{
	struct fx *f = *state;
	const char *usr = "usr";

	mk(f->rf.upper, "usr", 0755, NULL);
	mk(f->rf.upper, "usr/bin/new", 0755, "x");
	expect_origin(&f->rf, "usr/bin/a", ORIGIN_ROM, f->rf.rom);
	assert_int_equal(rootfs_is_opaque(&f->rf, usr), 0);
	if (rootfs_set_opaque(&f->rf, usr, 1) != 0)
		skip();
	assert_int_equal(rootfs_is_opaque(&f->rf, usr), 1);
	expect_origin(&f->rf, "usr/bin/a", ORIGIN_NONE, NULL);
	expect_origin(&f->rf, "usr/lib", ORIGIN_NONE, NULL);
	expect_origin(&f->rf, "usr/bin/new", ORIGIN_UPPER, f->rf.upper);
	assert_int_equal(rootfs_set_opaque(&f->rf, usr, 0), 0);
	assert_int_equal(rootfs_set_opaque(&f->rf, usr, 0), 0);
	expect_origin(&f->rf, "usr/bin/a", ORIGIN_ROM, f->rf.rom);
}

static void assert_whiteout(const char *base, const char *rel)
{
	char *p = cat(base, rel);
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	free(p);
}

static void test_remove_whiteout(void **state)
{
	struct fx *f = *state;
	char *ubin = cat(f->rf.upper, "usr/bin"), *p;
	struct stat st;

	if (!can_mknod(f)) {
		print_message("# skipped: mknod of a whiteout not permitted\n");
		skip();
	}
	/* rom-only file: whiteout, parents copied up with rom's modes */
	assert_int_equal(rootfs_remove(&f->rf, "usr/bin/a"), 0);
	assert_whiteout(f->rf.upper, "usr/bin/a");
	assert_int_equal(stat(ubin, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(rootfs_is_whiteout(&f->rf, "usr/bin/a"), 1);
	assert_int_equal(rootfs_is_whiteout(&f->rf, "usr/bin/b"), 0);
	expect_origin(&f->rf, "usr/bin/a", ORIGIN_WHITEOUT, NULL);
	expect_origin(&f->rf, "usr/bin/b", ORIGIN_ROM, f->rf.rom);
	assert_int_equal(rootfs_remove(&f->rf, "usr/bin/a"), 0); /* again */
	/* modified rom file: upper copy unlinked, then a whiteout */
	mk(f->rf.upper, "etc/config/network", 0600, "changed\n");
	assert_int_equal(rootfs_remove(&f->rf, "etc/config/network"), 0);
	assert_whiteout(f->rf.upper, "etc/config/network");
	/* upper-only file: just unlinked */
	mk(f->rf.upper, "usr/bin/mine", 0755, "x");
	assert_int_equal(rootfs_remove(&f->rf, "usr/bin/mine"), 0);
	p = cat(f->rf.upper, "usr/bin/mine");
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	/* directories: non-empty refused; empty rom dir whited out */
	assert_int_equal(rootfs_remove(&f->rf, "usr/bin"), -ENOTEMPTY);
	assert_int_equal(rootfs_remove(&f->rf, "usr/lib"), -ENOTEMPTY);
	assert_int_equal(rootfs_remove(&f->rf, "usr/lib/empty"), 0);
	p = cat(f->rf.upper, "usr/lib");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	free(p);
	assert_int_equal(rootfs_remove(&f->rf, "usr/lib"), 0);
	assert_whiteout(f->rf.upper, "usr/lib");
	/* recreating below a whited-out dir: an opaque directory */
	assert_int_equal(rootfs_prepare_parent(&f->rf, "usr/lib/new/x"), 0);
	assert_int_equal(rootfs_is_opaque(&f->rf, "usr/lib"), 1);
	expect_origin(&f->rf, "usr/lib/empty", ORIGIN_NONE, NULL);
	expect_origin(&f->rf, "usr/lib/new", ORIGIN_UPPER, f->rf.upper);
	free(ubin);
}

static void test_prepare_parent_modes(void **state)
{
	struct fx *f = *state;
	char *p = cat(f->rf.upper, "usr/lib/empty");
	struct stat st;

	assert_int_equal(rootfs_prepare_parent(&f->rf, "usr/lib/empty/f"), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	free(p);
	p = cat(f->rf.upper, "usr/lib");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	free(p);
	/* a directory the image does not have */
	assert_int_equal(rootfs_prepare_parent(&f->rf, "opt/x/y"), 0);
	p = cat(f->rf.upper, "opt/x");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	free(p);
	assert_int_equal(rootfs_prepare_parent(&f->rf, "toplevel"), 0);
}

static void test_space(void **state)
{
	struct fx *f = *state;
	uint64_t fr = 0, tot = 0;

	assert_int_equal(rootfs_space(&f->rf, &fr, &tot), 0);
	assert_true(tot > 0);
	assert_true(fr <= tot);
}

/* The offline encoding seen by the kernel: mount rom + upper and look. */
static void test_real_mount(void **state)
{
	struct fx *f = *state;
	char *mnt = cat(f->dir, "merged"), *work = cat(f->root, "overlay/work");
	char *opts = NULL, *p;
	struct rootfs live;
	struct stat st;
	enum origin o;

	if (!can_mknod(f))
		skip();
	mk(f->rf.upper, "usr/bin/mine", 0755, "x");
	assert_int_equal(rootfs_remove(&f->rf, "usr/bin/a"), 0);
	assert_int_equal(rootfs_remove(&f->rf, "usr/lib/empty"), 0);
	assert_int_equal(rootfs_remove(&f->rf, "usr/lib"), 0);
	assert_int_equal(rootfs_prepare_parent(&f->rf, "usr/lib/new/x"), 0);
	assert_int_equal(mkdir(mnt, 0755), 0);
	assert_int_equal(mkdir(work, 0755), 0);
	assert_true(asprintf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s",
			     f->rf.rom, f->rf.upper, work) > 0);
	if (mount("overlay", mnt, "overlay", 0, opts) != 0) {
		print_message("# skipped: overlay mount: %s\n",
			      strerror(errno));
		free(mnt), free(work), free(opts);
		skip();
	}
	p = cat(mnt, "usr/bin/a");
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	p = cat(mnt, "usr/bin/b");
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	p = cat(mnt, "usr/lib/empty");
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	p = cat(mnt, "usr/lib/new");
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	/* the mount is detected as a live root */
	assert_int_equal(rootfs_open(&live, mnt, NULL), 0);
	assert_int_equal(live.mode, ROOTFS_LIVE);
	assert_string_equal(live.rom, f->rf.rom);
	assert_string_equal(live.upper, f->rf.upper);
	assert_int_equal(rootfs_lstat(&live, "usr/bin/b", &st, &o), 0);
	assert_int_equal(o, ORIGIN_ROM);
	assert_int_equal(rootfs_lstat(&live, "usr/bin/mine", &st, &o), 0);
	assert_int_equal(o, ORIGIN_UPPER);
	assert_int_equal(rootfs_lstat(&live, "usr/bin/a", &st, &o), -ENOENT);
	/* live removal goes through the mount; the kernel whites out */
	assert_int_equal(rootfs_remove(&live, "usr/bin/b"), 0);
	rootfs_release(&live);
	assert_int_equal(umount(mnt), 0);
	assert_whiteout(f->rf.upper, "usr/bin/b");
	free(mnt), free(work), free(opts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_detect),
		T(test_rpath),
		T(test_opaque_hides_rom),
		T(test_remove_whiteout),
		T(test_prepare_parent_modes),
		T(test_space),
		T(test_real_mount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
