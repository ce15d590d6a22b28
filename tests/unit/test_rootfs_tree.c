/*
 * Unit tests for the root-confined file layer: rootfs/tree.c (the
 * physical walk) and rootfs/resolve.c (logical resolution). Every test
 * builds a root beside a sentinel tree ("outside/") and checks at the end
 * that the sentinel is exactly as it was; each physical test runs twice,
 * with openat2 and with the hand walk older kernels get.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rootfs.h"

struct fx {
	char *dir;     /* temp dir */
	char *root;    /* dir/root */
	char *outside; /* dir/outside: the sentinel */
	char *before;  /* listing of the sentinel at set-up */
	struct rootfs rf;
};

static char *cat(const char *a, const char *b)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static void sh(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* A listing of a tree: every path, type, size and content hash. */
static char *listing(const char *dir)
{
	char *cmd = NULL, *out = NULL;
	size_t len;
	FILE *f;

	assert_true(asprintf(&cmd,
			     "cd '%s' && find . -printf '%%p %%y %%s %%l\\n' "
			     "| sort && find . -type f -exec sha256sum {} + "
			     "| sort",
			     dir) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(getdelim(&out, &len, '\0', f) > 0, 1);
	pclose(f);
	free(cmd);
	return out;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/pkg-test-tree.XXXXXX";
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || !mkdtemp(tmpl))
		return -1;
	f->dir = strdup(tmpl);
	f->root = cat(f->dir, "root");
	f->outside = cat(f->dir, "outside");
	sh("mkdir -p '%s/etc/config' '%s/usr/share' '%s/tmp/run' "
	   "'%s/dir' && echo secret > '%s/secret' && "
	   "ln -s '%s/dir' '%s/link'",
	   f->root, f->root, f->root, f->outside, f->outside, f->outside,
	   f->outside);
	f->before = listing(f->outside);
	*state = f;
	return rootfs_open(&f->rf, f->root, NULL);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *after = listing(f->outside);

	/* the sentinel outside the root never changes */
	assert_string_equal(after, f->before);
	free(after);
	rootfs_release(&f->rf);
	sh("rm -rf '%s'", f->dir);
	free(f->dir), free(f->root), free(f->outside), free(f->before);
	free(f);
	return 0;
}

static void resolves(struct fx *f, const char *path, unsigned flags,
		     const char *want)
{
	char *out = NULL;
	int r = rootfs_resolve(&f->rf, NULL, path, flags, &out);

	if (r)
		fail_msg("resolve '%s': %d", path, r);
	if (strcmp(out, want))
		fail_msg("resolve '%s': '%s', want '%s'", path, out, want);
	assert_true(path_is_canonical(out));
	free(out);
}

static void test_canonical(void **state)
{
	char big[PATH_MAX + 8];

	(void)state;
	assert_true(path_is_canonical(""));
	assert_true(path_is_canonical("a"));
	assert_true(path_is_canonical("usr/bin/a.b"));
	assert_true(path_is_canonical("a/..b/c."));
	assert_false(path_is_canonical("/a"));
	assert_false(path_is_canonical("a/"));
	assert_false(path_is_canonical("a//b"));
	assert_false(path_is_canonical("a/./b"));
	assert_false(path_is_canonical("a/../b"));
	assert_false(path_is_canonical(".."));
	assert_false(path_is_canonical("."));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(path_is_canonical(big));
}

static void test_resolve_links(void **state)
{
	struct fx *f = *state;
	char *out = NULL;

	/* absolute and relative links that point out of the root land
	 * inside it, as in a chroot */
	sh("cd '%s' && ln -s '%s' usr/share/abs && "
	   "ln -s ../../../../../../.. usr/share/up && "
	   "ln -s /tmp/run var && ln -s loop1 loop2 && ln -s loop2 loop1 && "
	   "ln -s etc/config/x file && echo x > etc/config/x && "
	   "ln -s ../etc etc2",
	   f->root, f->outside);
	{
		char *want = NULL;
		assert_true(asprintf(&want, "%s/x", f->outside + 1) > 0);
		resolves(f, "usr/share/abs/x", 0, want);
		free(want);
	}
	resolves(f, "usr/share/up/secret", 0, "secret");
	resolves(f, "/usr/share/up/../../x", 0, "x");
	resolves(f, "var/foo", 0, "tmp/run/foo");
	resolves(f, "var", 0, "var");
	resolves(f, "var", ROOTFS_RESOLVE_FOLLOW, "tmp/run");
	resolves(f, "//etc/./config/../config/x", 0, "etc/config/x");
	resolves(f, "etc2/config", 0, "etc/config");
	resolves(f, "../../..", 0, "");
	resolves(f, "missing/dir/x", 0, "missing/dir/x");
	assert_int_equal(rootfs_resolve(&f->rf, NULL, "loop1/x", 0, &out),
			 -ELOOP);
	assert_null(out);
	assert_int_equal(rootfs_resolve(&f->rf, NULL, "file/x", 0, &out),
			 -ENOTDIR);
	assert_null(out);
}

static void test_resolve_chain(void **state)
{
	struct fx *f = *state;
	char *out = NULL;
	int i;

	/* l0 -> l1 -> ... -> l40 -> etc: 41 links refused, 40 taken */
	for (i = 0; i < ROOTFS_MAX_LINKS; i++)
		sh("ln -s l%d '%s/l%d'", i + 1, f->root, i);
	sh("ln -s etc '%s/l%d'", f->root, ROOTFS_MAX_LINKS);
	resolves(f, "l1/config", 0, "etc/config");
	assert_int_equal(rootfs_resolve(&f->rf, NULL, "l0/config", 0, &out),
			 -ELOOP);
}

static void test_resolve_long(void **state)
{
	struct fx *f = *state;
	char *big = malloc(PATH_MAX + 16), *out = NULL;
	size_t i;

	for (i = 0; i < PATH_MAX + 10; i++)
		big[i] = (i % 100 == 99) ? '/' : 'a';
	big[PATH_MAX + 10] = '\0';
	assert_int_equal(rootfs_resolve(&f->rf, NULL, big, 0, &out),
			 -ENAMETOOLONG);
	memset(big, 'b', NAME_MAX + 1);
	big[NAME_MAX + 1] = '\0';
	assert_int_equal(rootfs_resolve(&f->rf, NULL, big, 0, &out),
			 -ENAMETOOLONG);
	free(big);
}

/* The kernel's short cut (one openat2 that meets no link: resolve.c)
 * and the component walk (rf.openat2 off) agree on every path, with and
 * without following the last component: links anywhere, a file on the
 * way, missing components, a link to a missing place, a path given
 * with a leading '/'. */
static void test_resolve_direct(void **state)
{
	static const char *const paths[] = {
		"etc/config/x", "etc/config", "/etc/config/x", "usr/share",
		"missing", "missing/a/b", "etc/missing/b", "etc/config/x/y",
		"lnk", "lnk/config", "lnk/config/x", "dangle", "dangle/a",
		"etc/config/rel", "etc/config/rel/x", "usr/share/abs/x",
		"etc/config/fl", "etc/config/fl/x",
	};
	struct fx *f = *state;
	struct rootfs hand = f->rf;
	size_t i, k;

	sh("cd '%s' && echo x > etc/config/x && ln -s etc lnk && "
	   "ln -s /nowhere/at/all dangle && ln -s ../../usr etc/config/rel && "
	   "ln -s '%s' usr/share/abs && ln -s x etc/config/fl",
	   f->root, f->outside);
	hand.openat2 = 0;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (k = 0; k < 2; k++) {
			unsigned fl = k ? ROOTFS_RESOLVE_FOLLOW : 0;
			char *a = NULL, *b = NULL;
			int ra = rootfs_resolve(&f->rf, NULL, paths[i], fl, &a);
			int rb = rootfs_resolve(&hand, NULL, paths[i], fl, &b);

			if (ra != rb || (a && b && strcmp(a, b)) || !a != !b)
				fail_msg("'%s' (%s): %d '%s', by hand %d '%s'",
					 paths[i], k ? "followed" : "not followed",
					 ra, a ? a : "", rb, b ? b : "");
			free(a);
			free(b);
		}
}

/* A transaction's view: x is a link the transaction makes. */
static int view_lookup(void *ud, const char *rel, mode_t *type,
		       const char **target)
{
	(void)ud;
	if (!strcmp(rel, "usr/share/x")) {
		*type = S_IFLNK;
		*target = "/somewhere/outside";
		return ROOTFS_VIEW_ENTRY;
	}
	if (!strcmp(rel, "etc")) /* the transaction removes etc */
		return ROOTFS_VIEW_GONE;
	return ROOTFS_VIEW_NONE;
}

static void test_resolve_view(void **state)
{
	struct fx *f = *state;
	struct rootfs_view v = { view_lookup, NULL };
	char *out = NULL;

	assert_int_equal(rootfs_resolve(&f->rf, &v, "usr/share/x/file", 0,
					&out),
			 0);
	assert_string_equal(out, "somewhere/outside/file");
	free(out);
	sh("ln -s /usr '%s/etc/config/u'", f->root);
	assert_int_equal(rootfs_resolve(&f->rf, &v, "etc/config/u/x", 0,
					&out),
			 0);
	assert_string_equal(out, "etc/config/u/x"); /* etc is gone */
	free(out);
}

/* Physical calls refuse a symlink on the way, in both walks. */
static void walk_refuses(struct fx *f)
{
	char buf[64], *text = NULL;
	struct stat st;
	int fd;

	sh("ln -sfn '%s' '%s/usr/share/out' && ln -sfn ../../.. "
	   "'%s/usr/share/up' && ln -sfn '%s/secret' '%s/etc/config/sec'",
	   f->outside, f->root, f->root, f->outside, f->root);
	fd = tree_open(&f->rf, TREE_WRITE, "usr/share/out/new",
		       O_WRONLY | O_CREAT, 0644);
	assert_int_equal(fd, -PKGE_UNSAFE);
	assert_int_equal(tree_open(&f->rf, TREE_WRITE, "usr/share/up/x",
				   O_WRONLY | O_CREAT, 0644),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_mkdir(&f->rf, TREE_WRITE, "usr/share/out/d",
				    0755),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_unlink(&f->rf, TREE_WRITE, "usr/share/out/secret"),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_rename(&f->rf, TREE_WRITE, "etc/config",
				     "usr/share/out/config"),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_mkdir_p(&f->rf, TREE_WRITE,
				      "usr/share/out/a/b", 0755),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE,
				    "usr/share/out/secret", &st),
			 -PKGE_UNSAFE);
	/* the last component is not followed either */
	assert_int_equal(tree_open(&f->rf, TREE_WRITE, "etc/config/sec",
				   O_WRONLY | O_TRUNC, 0),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_read_file(&f->rf, TREE_WRITE, "etc/config/sec",
					0, &text, NULL),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_chmod(&f->rf, TREE_WRITE, "etc/config/sec",
				    0777),
			 0); /* a link's mode: left alone */
	/* an atomic write replaces the link, never writes through it */
	assert_int_equal(tree_write_atomic(&f->rf, TREE_WRITE,
					   "etc/config/sec", "mine\n", 5,
					   0600),
			 0);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE, "etc/config/sec",
				    &st),
			 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(tree_readlink(&f->rf, TREE_WRITE, "usr/share/up",
				       buf, sizeof(buf)),
			 8);
	assert_string_equal(buf, "../../..");
	/* non-canonical input never reaches a system call */
	assert_int_equal(tree_unlink(&f->rf, TREE_WRITE, "../outside/secret"),
			 -PKGE_UNSAFE);
	assert_int_equal(tree_unlink(&f->rf, TREE_WRITE, "/etc/config/sec"),
			 -PKGE_UNSAFE);
	/* rm -rf stops at links */
	assert_int_equal(tree_remove_tree(&f->rf, TREE_WRITE, "usr"), 0);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE, "usr", &st), -ENOENT);
	/* a file where a directory is expected */
	assert_int_equal(tree_open(&f->rf, TREE_WRITE, "etc/config/sec/x",
				   O_RDONLY, 0),
			 -ENOTDIR);
}

static void test_walk_openat2(void **state)
{
	struct fx *f = *state;

	if (!f->rf.openat2)
		print_message("# this kernel has no openat2: hand walk twice\n");
	walk_refuses(f);
}

static void test_walk_by_hand(void **state)
{
	struct fx *f = *state;

	f->rf.openat2 = 0;
	walk_refuses(f);
}

static void test_calls(void **state)
{
	struct fx *f = *state;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	assert_int_equal(tree_mkdir_p(&f->rf, TREE_WRITE, "a/b/c", 0750), 0);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE, "a/b", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	fd = tree_open(&f->rf, TREE_WRITE, "a/b/c/f",
		       O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fsop_write(fd, "hello", 5), 5);
	close(fd);
	assert_int_equal(tree_rename(&f->rf, TREE_WRITE, "a/b/c/f", "a/g"), 0);
	assert_int_equal(tree_read_file(&f->rf, TREE_WRITE, "a/g", 0, &text,
					&len),
			 0);
	assert_string_equal(text, "hello");
	free(text);
	assert_int_equal(tree_link(&f->rf, TREE_WRITE, "a/g", "a/h"), 0);
	assert_int_equal(tree_symlink(&f->rf, TREE_WRITE, "/x", "a/l"), 0);
	/* a directory opened once, its files read by name: a link, a path
	 * of more than one component and ".." are refused */
	fd = rootfs_dir_open(&f->rf, "a");
	assert_true(fd >= 0);
	assert_int_equal(tree_read_at(fd, "g", 0, &text, &len), 0);
	assert_string_equal(text, "hello");
	free(text);
	assert_int_equal(tree_read_at(fd, "l", 0, &text, &len), -PKGE_UNSAFE);
	assert_null(text);
	assert_int_equal(tree_read_at(fd, "b/c", 0, &text, &len), -PKGE_UNSAFE);
	assert_int_equal(tree_read_at(fd, "..", 0, &text, &len), -PKGE_UNSAFE);
	assert_int_equal(tree_read_at(fd, "none", 0, &text, &len), -ENOENT);
	close(fd);
	assert_int_equal(rootfs_dir_open(&f->rf, "a/l"), -PKGE_UNSAFE);
	assert_int_equal(tree_chmod(&f->rf, TREE_WRITE, "a/g", 0600), 0);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE, "a/h", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(tree_write_atomic(&f->rf, TREE_WRITE, "a/w", "x", 1,
					   0640),
			 0);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE, "a/w", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(tree_mkdir(&f->rf, TREE_WRITE, "a/b/c", 0755),
			 -EEXIST);
	assert_int_equal(tree_rmdir(&f->rf, TREE_WRITE, "a/b/c"), 0);
	assert_int_equal(tree_remove_tree(&f->rf, TREE_WRITE, "a"), 0);
	assert_int_equal(tree_remove_tree(&f->rf, TREE_WRITE, "a"), 0);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE, "a", &st), -ENOENT);
}

/* Create rel (O_EXCL) through the tree: the fd's result, closed. */
static int create(struct fx *f, const char *rel)
{
	int fd = tree_open(&f->rf, TREE_WRITE, rel,
			   O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

/*
 * The directories kept open between calls (tree_dirs) stand for their
 * path only until it changes: pkg's own rename, rmdir and remove_tree
 * forget them, and a change made by someone else (a script) is followed
 * by rootfs_forget_dirs. Each case puts a link to the sentinel where a
 * directory was kept: a kept descriptor would write into the moved or
 * removed directory, or through the link.
 */
static void dirs_kept(struct fx *f)
{
	char *moved = cat(f->root, "k/e2/y"), *ln = cat(f->root, "k/e");
	struct stat st;

	assert_non_null(f->rf.dirs);
	/* renamed: the old path is gone, the new one is where it went */
	assert_int_equal(tree_mkdir_p(&f->rf, TREE_WRITE, "k/a/b", 0755), 0);
	assert_int_equal(create(f, "k/a/b/f"), 0);
	assert_int_equal(tree_rename(&f->rf, TREE_WRITE, "k/a", "k/c"), 0);
	assert_int_equal(create(f, "k/a/b/g"), -ENOENT);
	assert_int_equal(tree_lstat(&f->rf, TREE_WRITE, "k/c/b/g", &st),
			 -ENOENT);
	assert_int_equal(create(f, "k/c/b/g"), 0);
	/* removed, a link to the sentinel put in its place */
	assert_int_equal(tree_unlink(&f->rf, TREE_WRITE, "k/c/b/f"), 0);
	assert_int_equal(tree_unlink(&f->rf, TREE_WRITE, "k/c/b/g"), 0);
	assert_int_equal(tree_rmdir(&f->rf, TREE_WRITE, "k/c/b"), 0);
	assert_int_equal(tree_symlink(&f->rf, TREE_WRITE, f->outside, "k/c/b"),
			 0);
	assert_int_equal(create(f, "k/c/b/h"), -PKGE_UNSAFE);
	/* a whole tree removed, a link in its place */
	assert_int_equal(tree_mkdir_p(&f->rf, TREE_WRITE, "k/d/x", 0755), 0);
	assert_int_equal(create(f, "k/d/x/f"), 0);
	assert_int_equal(tree_remove_tree(&f->rf, TREE_WRITE, "k/d"), 0);
	assert_int_equal(tree_symlink(&f->rf, TREE_WRITE, f->outside, "k/d"),
			 0);
	assert_int_equal(create(f, "k/d/x/g"), -PKGE_UNSAFE);
	/* a directory moved away by another program and a link left: kept
	 * until forgotten (the write lands in the moved directory, inside
	 * the root), then walked again and refused */
	assert_int_equal(tree_mkdir_p(&f->rf, TREE_WRITE, "k/e", 0755), 0);
	assert_int_equal(create(f, "k/e/x"), 0);
	sh("mv '%s' '%s/k/e2' && ln -s '%s' '%s'", ln, f->root, f->outside,
	   ln);
	assert_int_equal(create(f, "k/e/y"), 0);
	assert_int_equal(lstat(moved, &st), 0);
	rootfs_forget_dirs(&f->rf);
	assert_int_equal(create(f, "k/e/z"), -PKGE_UNSAFE);
	assert_int_equal(tree_probe_nolinks(&f->rf, TREE_WRITE, "k/e", 1) == 0,
			 0);
	free(moved);
	free(ln);
}

static void test_dirs_kept(void **state)
{
	dirs_kept(*state);
}

static void test_dirs_kept_by_hand(void **state)
{
	struct fx *f = *state;

	f->rf.openat2 = 0;
	dirs_kept(f);
}

/* Offline: the resolver reads links from the merged view. */
static void test_resolve_merged(void **state)
{
	struct fx *f = *state;
	struct rootfs rf;
	char *out = NULL;

	sh("cd '%s' && mkdir -p rom/var rom/tmp/run overlay/upper/usr && "
	   "ln -s /tmp/run rom/var/run && ln -s '%s' overlay/upper/usr/o && "
	   "mkdir -p rom/lib64 && ln -s lib64 rom/lib",
	   f->root, f->outside);
	assert_int_equal(rootfs_open(&rf, f->root, NULL), 0);
	assert_int_equal(rf.mode, ROOTFS_OFFLINE);
	/* two trees: no one directory to read the merged view's files in */
	assert_int_equal(rootfs_dir_open(&rf, "var"), -EOPNOTSUPP);
	assert_int_equal(rootfs_resolve(&rf, NULL, "var/run/x.pid", 0, &out),
			 0);
	assert_string_equal(out, "tmp/run/x.pid");
	free(out);
	assert_int_equal(rootfs_resolve(&rf, NULL, "lib/libc.so", 0, &out), 0);
	assert_string_equal(out, "lib64/libc.so");
	free(out);
	assert_int_equal(rootfs_resolve(&rf, NULL, "usr/o/secret", 0, &out),
			 0);
	assert_true(!strncmp(out, f->outside + 1, strlen(f->outside) - 1));
	free(out);
	/* a whiteout hides the image's link */
	sh("mkdir -p '%s/overlay/upper/var' && mknod '%s/overlay/upper/var/run' "
	   "c 0 0",
	   f->root, f->root);
	assert_int_equal(rootfs_resolve(&rf, NULL, "var/run/x.pid", 0, &out),
			 0);
	assert_string_equal(out, "var/run/x.pid");
	free(out);
	rootfs_release(&rf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test_setup_teardown(test_resolve_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_long, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_direct, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_view, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_openat2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_by_hand, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirs_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dirs_kept_by_hand, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_merged, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
