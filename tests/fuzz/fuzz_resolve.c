/*
 * libFuzzer harness: the root-confined file layer (rootfs/resolve.c,
 * rootfs/tree.c). Each input builds a random tree in a scratch root under
 * /dev/shm: directories, files and symlinks (absolute, relative, out of
 * the root by "..", to the host path of a sentinel directory beside the
 * root, loops, long chains), then resolves random paths and acts on each
 * result as a transaction would (mkdir -p of its parent, create the
 * file, rename and unlink it, rm -rf), and on the raw path unresolved
 * (the walk alone must refuse every link), with openat2 or the hand walk.
 * Properties: every resolution is canonical; every file created lies
 * inside the root (its /proc/self/fd link starts with the root's path);
 * the sentinel tree beside the root never changes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"

static char scratch[64];  /* /dev/shm/pkg-fuzz-resolve.PID */
static char root[96];	  /* scratch/root */
static char outside[96];  /* scratch/outside: the sentinel */

static const char *const names[] = { "a", "b", "c", "..", ".", "lnk",
				     "d e", "x" };
static const char *targets[] = { "/", "..", "../..", "../../..", "/a",
				 "a/b", "b", ".", "../outside", "/a/../..",
				 "lnk", "../lnk", "/c/a", "c/../../a",
				 NULL /* the host path of outside */ };
#define NT (sizeof(targets) / sizeof(targets[0]))

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		(void)0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[160];

	(void)argc;
	(void)argv;
	setenv("PKG_NO_FSYNC", "1", 1);
	snprintf(scratch, sizeof(scratch), "/dev/shm/pkg-fuzz-resolve.%ld",
		 (long)getpid());
	snprintf(root, sizeof(root), "%s/root", scratch);
	snprintf(outside, sizeof(outside), "%s/outside", scratch);
	if (mkdir(scratch, 0700) < 0 || mkdir(root, 0755) < 0 ||
	    mkdir(outside, 0755) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/secret", outside);
	write_file(p, "secret\n");
	snprintf(p, sizeof(p), "%s/dir", outside);
	if (mkdir(p, 0755) < 0)
		abort();
	targets[NT - 1] = outside;
	atexit(cleanup);
	return 0;
}

/* The sentinel: exactly secret (its text) and an empty dir. */
static void check_outside(void)
{
	char p[160], buf[16] = { 0 };
	struct dirent *de;
	int n = 0, fd;
	DIR *d = opendir(outside);

	if (!d)
		abort();
	while ((de = readdir(d)))
		n++;
	closedir(d);
	snprintf(p, sizeof(p), "%s/dir", outside);
	d = opendir(p);
	if (!d)
		abort();
	while ((de = readdir(d)))
		n++;
	closedir(d);
	snprintf(p, sizeof(p), "%s/secret", outside);
	fd = open(p, O_RDONLY | O_NOFOLLOW);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) != 7 ||
	    strcmp(buf, "secret\n") || n != 6)
		abort(); /* ".", "..", secret, dir + dir's "." and ".." */
	close(fd);
}

/* A file created through fd lies inside the root. */
static void check_inside(int fd)
{
	char link[64], real[PATH_MAX];
	ssize_t n;
	size_t rl = strlen(root);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n < 0)
		abort();
	real[n] = '\0';
	if (strncmp(real, root, rl) || real[rl] != '/')
		abort();
}

/* Build a path of n components from the input. */
static size_t take_path(const uint8_t *d, size_t sz, char *out, size_t cap)
{
	size_t i = 0, n, len = 0;

	if (!sz)
		return 0;
	n = 1 + d[i++] % 6;
	out[0] = '\0';
	if (n & 1 && len + 1 < cap)
		out[len++] = '/', out[len] = '\0';
	while (n-- && i < sz) {
		const char *c = names[d[i++] % (sizeof(names) / sizeof(*names))];
		len += (size_t)snprintf(out + len, cap - len, "%s%s",
					len && out[len - 1] != '/' ? "/" : "",
					c);
		if (len >= cap)
			abort();
	}
	return i;
}

/* One op building the tree: dir, file or link at a random path. */
static size_t build_one(struct rootfs *rf, const uint8_t *d, size_t sz)
{
	char path[512], *res = NULL;
	size_t used;
	int kind, r;

	if (sz < 3)
		return sz;
	kind = d[0] % 3;
	used = 1 + take_path(d + 1, sz - 1, path, sizeof(path));
	r = rootfs_resolve(rf, NULL, path, 0, &res);
	if (r == 0 && *res && tree_mkdir_p(rf, TREE_WRITE, res, 0755) == 0) {
		/* mkdir_p made res itself: replace it by the entry */
		tree_rmdir(rf, TREE_WRITE, res);
		if (kind == 0) {
			tree_mkdir(rf, TREE_WRITE, res, 0755);
		} else if (kind == 1) {
			int fd = tree_open(rf, TREE_WRITE, res,
					   O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd >= 0) {
				check_inside(fd);
				close(fd);
			}
		} else if (used < sz) {
			tree_symlink(rf, TREE_WRITE, targets[d[used] % NT],
				     res);
			used++;
		}
	}
	free(res);
	return used;
}

/* Resolve a path and act on it as a transaction would. */
static size_t act_one(struct rootfs *rf, const uint8_t *d, size_t sz)
{
	char path[512], *res = NULL, *slash, parent[PATH_MAX], bak[PATH_MAX];
	const char *raw;
	size_t used;
	int fd, r;

	if (sz < 2)
		return sz;
	used = 1 + take_path(d + 1, sz - 1, path, sizeof(path));
	r = rootfs_resolve(rf, NULL, path,
			   d[0] & 1 ? ROOTFS_RESOLVE_FOLLOW : 0, &res);
	if (r < 0) {
		if (res)
			abort();
		return used;
	}
	if (!path_is_canonical(res))
		abort();
	slash = strrchr(res, '/');
	snprintf(parent, sizeof(parent), "%.*s",
		 slash ? (int)(slash - res) : 0, res);
	if (*res && tree_mkdir_p(rf, TREE_WRITE, parent, 0755) == 0) {
		fd = tree_open(rf, TREE_WRITE, res, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0) {
			check_inside(fd);
			close(fd);
		}
		snprintf(bak, sizeof(bak), "%s.bak", res);
		if (tree_rename(rf, TREE_WRITE, res, bak) == 0)
			tree_unlink(rf, TREE_WRITE, bak);
		if (d[0] & 2)
			tree_remove_tree(rf, TREE_WRITE, res);
	}
	free(res);
	/* the raw path, unresolved: the walk alone must refuse links */
	raw = path + strspn(path, "/");
	if (path_is_canonical(raw) && *raw) {
		fd = tree_open(rf, TREE_WRITE, raw, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0) {
			check_inside(fd);
			close(fd);
		}
		tree_mkdir_p(rf, TREE_WRITE, raw, 0755);
		if (d[0] & 4)
			tree_remove_tree(rf, TREE_WRITE, raw);
	}
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rootfs rf;
	size_t i = 1, nbuild;

	if (size < 2)
		return 0;
	if (rootfs_open(&rf, root, NULL) < 0)
		abort();
	rf.openat2 = rf.openat2 && (data[0] & 1);
	nbuild = data[0] >> 1;
	while (i < size && nbuild--)
		i += build_one(&rf, data + i, size - i);
	while (i < size)
		i += act_one(&rf, data + i, size - i);
	/* rm -rf of the root's contents: the walk's own, which must not
	 * follow the links just made either */
	if (tree_remove_tree(&rf, TREE_WRITE, "") < 0)
		abort();
	rootfs_release(&rf);
	check_outside();
	return 0;
}
