/*
 * The physical walk of the root-confined file layer: every file of a
 * target root is opened, created, renamed or removed here, from an open
 * descriptor of one of its layers (struct rootfs), and nowhere else.
 *
 * A canonical root-relative path (resolve.c makes one) is walked one
 * component at a time with O_NOFOLLOW: a symlink anywhere on the way is
 * refused (-PKGE_UNSAFE), never followed, and neither is the last
 * component. openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) does the walk
 * in one call where the kernel has it (5.6+); the hand walk keeps the
 * same contract on older kernels (OpenWrt 19.07 runs 4.14). Every change
 * is then one *at call on the directory the walk ended in, through the
 * ops layer (fsops.c), so the tests can fail or crash it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/*
 * openat2 is used wherever the target has a number for it, whatever the
 * C library's headers say: glibc >= 2.32 and musl >= 1.2 name the number
 * but neither ships struct open_how (musl-gcc sees none of the kernel's
 * <linux/...> headers), and OpenWrt's toolchains may be older. The number
 * and the struct are the kernel's ABI (5.6, uapi/linux/openat2.h): from
 * the kernel's headers when the build has them, otherwise defined here.
 * An older kernel (4.14) answers ENOSYS, and qemu-user (7.2) too: the
 * hand walk is used.
 */
#if !defined(SYS_openat2) && defined(__linux__)
#if defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32
#define SYS_openat2 4437
#elif defined(__mips__) && defined(_ABIN32) && _MIPS_SIM == _ABIN32
#define SYS_openat2 6437
#elif defined(__mips__)
#define SYS_openat2 5437
#elif defined(__alpha__)
#define SYS_openat2 547
#elif defined(__x86_64__) && defined(__ILP32__)
#define SYS_openat2 (0x40000000 + 437) /* x32 */
#elif !defined(__ia64__)
#define SYS_openat2 437 /* the shared number of every other architecture */
#endif
#endif

#ifdef SYS_openat2
#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define TREE_HAVE_OPENAT2_H 1
#endif
#endif
#ifndef TREE_HAVE_OPENAT2_H
#include <stdint.h>
struct open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#endif
#endif

#include "rootfs.h"
#include "rootfs_int.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int tree_layer_fd(const struct rootfs *rf, enum tree_layer l)
{
	switch (l) {
	case TREE_WRITE:
		return rf->mode == ROOTFS_OFFLINE ? rf->upper_fd : rf->root_fd;
	case TREE_UPPER:
		return rf->upper_fd;
	case TREE_ROM:
		return rf->rom_fd;
	case TREE_ROOT:
		break;
	}
	return rf->root_fd;
}

int path_is_canonical(const char *rel)
{
	const char *p = rel, *e;

	if (strlen(rel) >= PATH_MAX || *rel == '/')
		return 0;
	while (*p) {
		e = strchrnul(p, '/');
		if (e == p || (e - p == 1 && p[0] == '.') ||
		    (e - p == 2 && p[0] == '.' && p[1] == '.') ||
		    e - p > NAME_MAX)
			return 0;
		if (!*e)
			break;
		p = e + 1;
		if (!*p) /* trailing '/' */
			return 0;
	}
	return 1;
}

/* An open failure of component name in dirfd, as the walk reports it: a
 * symlink is -PKGE_UNSAFE whatever open said of it. */
static int walk_errno(int dirfd, const char *name, int err)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -PKGE_UNSAFE;
	if (err == ELOOP)
		return -PKGE_UNSAFE;
	return -err;
}

/* Open directory name in dirfd without following it, creating it with
 * mode when missing and mode >= 0. */
static int open_child_dir(int dirfd, const char *name, int mode)
{
	int fd = openat(dirfd, name, DIR_FLAGS), r;

	if (fd < 0 && errno == EACCES) /* searchable, not readable */
		fd = openat(dirfd, name, DIR_FLAGS | O_PATH);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT || mode < 0)
		return walk_errno(dirfd, name, errno);
	r = fsop_mkdirat(dirfd, name, (mode_t)mode);
	if (r < 0 && r != -EEXIST)
		return r;
	fd = openat(dirfd, name, DIR_FLAGS);
	return fd >= 0 ? fd : walk_errno(dirfd, name, errno);
}

static int walk_by_hand(int top, const char *dir, int mode)
{
	char name[NAME_MAX + 1];
	const char *p = dir;
	int fd = fcntl(top, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return -errno;
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		int next;

		if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			return -PKGE_UNSAFE;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		next = open_child_dir(fd, name, mode);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
		p = *e ? e + 1 : e;
	}
	return fd;
}

#ifdef SYS_openat2
static int walk_openat2(int top, const char *dir)
{
	struct open_how how = {
		.flags = DIR_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, top, dir, &how, sizeof(how));

	if (fd >= 0)
		return (int)fd;
	if (errno == ELOOP || errno == EXDEV)
		return -PKGE_UNSAFE;
	if (errno == ENOTDIR) /* a link or a file: the hand walk tells */
		return walk_by_hand(top, dir, -1);
	return -errno;
}
#endif

int tree_openat2_works(int dirfd)
{
#ifdef SYS_openat2
	const char *off = getenv("PKG_NO_OPENAT2");
	int fd;

	if (off && !strcmp(off, "1"))
		return 0;
	fd = walk_openat2(dirfd, ".");
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
#else
	(void)dirfd;
	return 0;
#endif
}

static int dir_get(const struct rootfs *rf, int top, const char *dir,
		   int mode);
static void dir_put(const struct rootfs *rf, int fd);

int tree_probe_nolinks(const struct rootfs *rf, enum tree_layer l,
		       const char *rel, int dir)
{
#ifdef SYS_openat2
	/* O_PATH without O_NOFOLLOW: a link as the last component is met
	 * too (ELOOP), as every other one */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int top = tree_layer_fd(rf, l);
	long fd;

	if (!rf->openat2 || top < 0 || !*rel || !path_is_canonical(rel))
		return -EAGAIN;
	if (dir && rf->dirs) {
		/* walked for the cache: the same checks, and the walk that
		 * would follow is saved */
		int r = dir_get(rf, top, rel, -1);

		if (r >= 0) {
			dir_put(rf, r); /* the cache's, unless none was kept */
			return 0;
		}
		return r == -ENOENT ? -ENOENT : -EAGAIN;
	}
	fd = syscall(SYS_openat2, top, rel, &how, sizeof(how));
	if (fd >= 0) {
		close((int)fd);
		return 0;
	}
	return errno == ENOENT ? -ENOENT : -EAGAIN;
#else
	(void)rf;
	(void)l;
	(void)rel;
	(void)dir;
	return -EAGAIN;
#endif
}

/*
 * Open directory dir (a canonical path, "" = the layer itself) of the
 * tree under top, never following a symlink. With mode >= 0 missing
 * directories are created with that mode. Returns the fd, -ENOENT,
 * -ENOTDIR, -PKGE_UNSAFE (a symlink on the way) or another -errno.
 */
static int walk_dir(const struct rootfs *rf, int top, const char *dir,
		    int mode)
{
	if (top < 0)
		return -ENOENT;
	if (!*dir) {
		int fd = fcntl(top, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
#ifdef SYS_openat2
	if (rf->openat2) {
		int fd = walk_openat2(top, dir);

		if (fd != -ENOENT || mode < 0)
			return fd;
	}
#endif
	return walk_by_hand(top, dir, mode);
}

/*
 * The directories walked lately, kept open (struct tree_dirs, one per
 * rootfs_open): a transaction works in a few directories (the package's,
 * info/, the staging directory) and walked each of them again for every
 * file, two to four system calls each time.
 *
 * An entry stands for its path only as long as nothing moved or removed
 * that directory or one above it. pkg's own changes go through this file
 * and forget what they touch (dirs_forget: rmdir, rename, remove_tree);
 * a maintainer script may change anything, so the script runner forgets
 * everything (rootfs_forget_dirs), and so does a live root's upper layer
 * changed under the mount. Nothing else writes the root while pkg holds
 * its lock: the cache trusts that, as opkg does.
 */
#define DIRS_SLOTS 16

struct tree_dirs {
	struct {
		int top; /* the layer's fd the walk started from */
		int fd;	 /* -1: a free slot */
		unsigned long used;
		char *path;
	} e[DIRS_SLOTS];
	unsigned long clock;
};

struct tree_dirs *tree_dirs_new(void)
{
	struct tree_dirs *d = calloc(1, sizeof(*d));
	size_t i;

	for (i = 0; d && i < DIRS_SLOTS; i++)
		d->e[i].fd = -1;
	return d;
}

static void dirs_drop(struct tree_dirs *d, size_t i)
{
	close(d->e[i].fd);
	free(d->e[i].path);
	d->e[i].fd = -1;
	d->e[i].path = NULL;
}

void tree_dirs_free(struct tree_dirs *d)
{
	size_t i;

	for (i = 0; d && i < DIRS_SLOTS; i++)
		if (d->e[i].fd >= 0)
			dirs_drop(d, i);
	free(d);
}

void rootfs_forget_dirs(const struct rootfs *rf)
{
	size_t i;

	for (i = 0; rf->dirs && i < DIRS_SLOTS; i++)
		if (rf->dirs->e[i].fd >= 0)
			dirs_drop(rf->dirs, i);
}

/* Forget rel and every directory below it, in every layer (a rename in
 * the upper layer of a live root moves it in the merged view too). */
static void dirs_forget(const struct rootfs *rf, const char *rel)
{
	size_t i, n = strlen(rel);

	for (i = 0; rf->dirs && i < DIRS_SLOTS; i++) {
		const char *p = rf->dirs->e[i].path;

		if (rf->dirs->e[i].fd >= 0 &&
		    (!n || (!strncmp(p, rel, n) && (!p[n] || p[n] == '/'))))
			dirs_drop(rf->dirs, i);
	}
}

/* An entry made, changed or removed at a name in layer l. Made straight
 * in a live root's upper layer or image, it may change what any merged
 * directory kept open shows: all are forgotten. Elsewhere no kept
 * directory moves (a new name never replaces a directory): nothing. */
static void dirs_touched(const struct rootfs *rf, enum tree_layer l)
{
	if (rf->mode == ROOTFS_LIVE && (l == TREE_UPPER || l == TREE_ROM))
		rootfs_forget_dirs(rf);
}

/* The directory at rel (if it was one) moved or went away: rel and
 * what was below it are forgotten. */
static void dirs_moved(const struct rootfs *rf, enum tree_layer l,
		       const char *rel)
{
	dirs_touched(rf, l);
	dirs_forget(rf, rel);
}

static int dirs_find(const struct tree_dirs *d, int top, const char *dir)
{
	size_t i;

	for (i = 0; d && i < DIRS_SLOTS; i++)
		if (d->e[i].fd >= 0 && d->e[i].top == top &&
		    !strcmp(d->e[i].path, dir))
			return (int)i;
	return -1;
}

/* walk_dir through the cache: the fd is the cache's (dir_put, never
 * close, gives it back) unless there is no cache. */
static int dir_get(const struct rootfs *rf, int top, const char *dir,
		   int mode)
{
	struct tree_dirs *d = rf->dirs;
	size_t i, victim = 0;
	char *copy;
	int fd, k;

	if (!d || !*dir || top < 0)
		return walk_dir(rf, top, dir, mode);
	if ((k = dirs_find(d, top, dir)) >= 0) {
		d->e[k].used = ++d->clock;
		return d->e[k].fd;
	}
	for (i = 0; i < DIRS_SLOTS; i++) /* a free slot, or the oldest */
		if (d->e[i].fd < 0 || (d->e[victim].fd >= 0 &&
				       d->e[i].used < d->e[victim].used))
			victim = i;
	fd = walk_dir(rf, top, dir, mode);
	if (fd < 0 || !(copy = strdup(dir)))
		return fd;
	if (d->e[victim].fd >= 0)
		dirs_drop(d, victim);
	d->e[victim].top = top;
	d->e[victim].fd = fd;
	d->e[victim].path = copy;
	d->e[victim].used = ++d->clock;
	return fd;
}

/* Give back a directory from dir_get or tree_parent. */
static void dir_put(const struct rootfs *rf, int fd)
{
	size_t i;

	for (i = 0; rf->dirs && i < DIRS_SLOTS; i++)
		if (rf->dirs->e[i].fd == fd)
			return;
	close(fd);
}

/*
 * Open the directory holding rel's last component in layer l, one
 * component at a time, never following a symlink. rel must be canonical
 * (else -PKGE_UNSAFE). With mkdir_mode >= 0 missing directories are
 * created with that mode. Returns the directory's fd (given back with
 * dir_put: it may be the cache's) and *leaf pointing into rel; -ENOENT,
 * -ENOTDIR, -PKGE_UNSAFE (a symlink on the way) or another -errno.
 */
static int tree_parent(const struct rootfs *rf, enum tree_layer l,
		       const char *rel, int mkdir_mode, const char **leaf)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t n;

	if (!path_is_canonical(rel))
		return -PKGE_UNSAFE;
	slash = strrchr(rel, '/');
	*leaf = slash ? slash + 1 : rel;
	n = slash ? (size_t)(slash - rel) : 0;
	memcpy(dir, rel, n);
	dir[n] = '\0';
	return dir_get(rf, tree_layer_fd(rf, l), dir, mkdir_mode);
}

int tree_opendir_fd(const struct rootfs *rf, enum tree_layer l,
		    const char *rel)
{
	if (!path_is_canonical(rel))
		return -PKGE_UNSAFE;
	return walk_dir(rf, tree_layer_fd(rf, l), rel, -1);
}

/* Run one *at call on rel's parent, then after (what the cache of
 * directories must hear of the call). */
#define AT_PARENT_DO(rf, l, rel, call, after)                        \
	do {                                                         \
		const char *leaf_;                                   \
		int dfd_ = tree_parent(rf, l, rel, -1, &leaf_), r_;  \
		if (dfd_ < 0)                                        \
			return dfd_;                                 \
		r_ = (call);                                         \
		dir_put(rf, dfd_);                                   \
		after;                                               \
		return r_;                                           \
	} while (0)
#define AT_PARENT(rf, l, rel, call) AT_PARENT_DO(rf, l, rel, call, (void)0)
#define AT_PARENT_CHANGE(rf, l, rel, call)                           \
	AT_PARENT_DO(rf, l, rel, call, dirs_touched(rf, l))

static int rc_of(int r)
{
	return r < 0 ? -errno : r;
}

int tree_lstat(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       struct stat *st)
{
	if (!*rel && path_is_canonical(rel)) {
		int fd = tree_layer_fd(rf, l);
		return fd < 0 ? -ENOENT : rc_of(fstat(fd, st));
	}
	AT_PARENT(rf, l, rel,
		  rc_of(fstatat(dfd_, leaf_, st, AT_SYMLINK_NOFOLLOW)));
}

int tree_readlink(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  char *buf, size_t cap)
{
	const char *leaf;
	int dfd = tree_parent(rf, l, rel, -1, &leaf);
	ssize_t n;

	if (dfd < 0)
		return dfd;
	n = readlinkat(dfd, leaf, buf, cap - 1);
	dir_put(rf, dfd);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

/* An entry opened to be read is a file or a directory: a FIFO would
 * never end (nor, opened without O_NONBLOCK, start: the open waits for a
 * writer), a device ("/dev/zero" made in the tree) neither, and its open
 * may do something. fd (closed on refusal), or -PKGE_UNSAFE. */
static int readable_kind(int fd)
{
	struct stat st;

	if (fd < 0 || (fstat(fd, &st) == 0 &&
		       (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))))
		return fd;
	close(fd);
	return -PKGE_UNSAFE;
}

/* tree_open, and with kind 0 an entry of any kind opened to be read
 * (open_for_xattr: a FIFO or a device of a package gets its xattrs). */
static int open_kind(const struct rootfs *rf, enum tree_layer l,
		     const char *rel, int flags, mode_t mode, int kind)
{
	const char *leaf;
	int dfd = tree_parent(rf, l, rel, -1, &leaf), fd;

	if (dfd < 0)
		return dfd;
	flags |= O_NOFOLLOW | O_CLOEXEC;
	if (flags & (O_CREAT | O_WRONLY | O_RDWR | O_TRUNC)) {
		fd = fsop_openat(dfd, leaf, flags, mode);
	} else if (flags & (O_DIRECTORY | O_PATH)) {
		fd = rc_of(openat(dfd, leaf, flags, mode));
	} else { /* to be read: O_NONBLOCK is nothing to a file's reads */
		fd = rc_of(openat(dfd, leaf, flags | O_NONBLOCK, mode));
		if (kind)
			fd = readable_kind(fd);
	}
	if (fd == -ELOOP)
		fd = -PKGE_UNSAFE;
	dir_put(rf, dfd);
	if (flags & (O_CREAT | O_WRONLY | O_RDWR | O_TRUNC))
		dirs_touched(rf, l);
	return fd;
}

int tree_open(const struct rootfs *rf, enum tree_layer l, const char *rel,
	      int flags, mode_t mode)
{
	return open_kind(rf, l, rel, flags, mode, 1);
}

int tree_mkdir(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       mode_t mode)
{
	AT_PARENT_CHANGE(rf, l, rel, fsop_mkdirat(dfd_, leaf_, mode));
}

int tree_rmdir(const struct rootfs *rf, enum tree_layer l, const char *rel)
{
	AT_PARENT_DO(rf, l, rel, fsop_unlinkat(dfd_, leaf_, AT_REMOVEDIR),
		     dirs_moved(rf, l, rel));
}

int tree_unlink(const struct rootfs *rf, enum tree_layer l, const char *rel)
{
	AT_PARENT_CHANGE(rf, l, rel, fsop_unlinkat(dfd_, leaf_, 0));
}

int tree_symlink(const struct rootfs *rf, enum tree_layer l,
		 const char *target, const char *rel)
{
	AT_PARENT_CHANGE(rf, l, rel, fsop_symlinkat(target, dfd_, leaf_));
}

int tree_mknod(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       mode_t mode, dev_t dev)
{
	AT_PARENT_CHANGE(rf, l, rel, fsop_mknodat(dfd_, leaf_, mode, dev));
}

int tree_lchown(const struct rootfs *rf, enum tree_layer l, const char *rel,
		uid_t uid, gid_t gid)
{
	AT_PARENT(rf, l, rel, fsop_fchownat(dfd_, leaf_, uid, gid));
}

int tree_utimens(const struct rootfs *rf, enum tree_layer l, const char *rel,
		 const struct timespec ts[2])
{
	AT_PARENT(rf, l, rel, fsop_utimensat(dfd_, leaf_, ts));
}

/* Two-path calls: both parents walked in the same layer. */
static int two_parents(const struct rootfs *rf, enum tree_layer l,
		       const char *from, const char *to, int *fd1,
		       const char **leaf1, int *fd2, const char **leaf2)
{
	*fd1 = tree_parent(rf, l, from, -1, leaf1);
	if (*fd1 < 0)
		return *fd1;
	*fd2 = tree_parent(rf, l, to, -1, leaf2);
	if (*fd2 < 0) {
		dir_put(rf, *fd1);
		return *fd2;
	}
	return 0;
}

int tree_rename(const struct rootfs *rf, enum tree_layer l, const char *from,
		const char *to)
{
	const char *l1, *l2;
	int fd1, fd2, r = two_parents(rf, l, from, to, &fd1, &l1, &fd2, &l2);

	if (r < 0)
		return r;
	r = fsop_renameat(fd1, l1, fd2, l2);
	dir_put(rf, fd1);
	dir_put(rf, fd2);
	/* a directory moved: what was under either name is elsewhere */
	dirs_moved(rf, l, from);
	dirs_moved(rf, l, to);
	return r;
}

int tree_link(const struct rootfs *rf, enum tree_layer l, const char *from,
	      const char *to)
{
	const char *l1, *l2;
	int fd1, fd2, r = two_parents(rf, l, from, to, &fd1, &l1, &fd2, &l2);

	if (r < 0)
		return r;
	r = fsop_linkat(fd1, l1, fd2, l2);
	dir_put(rf, fd1);
	dir_put(rf, fd2);
	dirs_touched(rf, l);
	return r;
}

/*
 * chmod without following a symlink: Linux has no lchmod, so the entry
 * is opened with O_NOFOLLOW (a file or a directory) and changed through
 * its descriptor; a symlink's mode means nothing and is left alone;
 * other types (devices, fifos: only from trusted archives) are changed by
 * name after fstatat said they are not links.
 */
int tree_chmod(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       mode_t mode)
{
	const char *leaf;
	int dfd = tree_parent(rf, l, rel, -1, &leaf), fd, r;
	struct stat st;

	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	else if (S_ISLNK(st.st_mode))
		r = 0;
	else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dfd, leaf,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		r = fd < 0 ? -errno : fsop_fchmod(fd, mode);
		if (fd >= 0)
			close(fd);
	} else {
		r = -EPERM;
		if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISLNK(st.st_mode))
			r = rc_of(fchmodat(dfd, leaf, mode, 0));
	}
	dir_put(rf, dfd);
	return r;
}

/* The entry itself opened for its xattrs: directories and files only. */
static int open_for_xattr(const struct rootfs *rf, enum tree_layer l,
			  const char *rel)
{
	int fd = open_kind(rf, l, rel, O_RDONLY | O_NONBLOCK, 0, 0);

	if (fd == -PKGE_UNSAFE)
		return -ELOOP;
	return fd;
}

int tree_setxattr(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  const char *name, const void *val, size_t len)
{
	int fd = open_for_xattr(rf, l, rel), r;

	if (fd < 0)
		return fd;
	r = fsop_fsetxattr(fd, name, val, len);
	close(fd);
	dirs_touched(rf, l); /* an opaque mark changes the merged view */
	return r;
}

int tree_removexattr(const struct rootfs *rf, enum tree_layer l,
		     const char *rel, const char *name)
{
	int fd = open_for_xattr(rf, l, rel), r;

	if (fd < 0)
		return fd;
	r = fsop_fremovexattr(fd, name);
	close(fd);
	dirs_touched(rf, l);
	return r;
}

int tree_getxattr(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  const char *name, void *val, size_t cap)
{
	int fd = open_for_xattr(rf, l, rel);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = fgetxattr(fd, name, val, cap);
	close(fd);
	return n < 0 ? -errno : (int)n;
}

int tree_sync(const struct rootfs *rf)
{
	int w = tree_layer_fd(rf, TREE_WRITE), u = rf->upper_fd, r = 0;

	if (w >= 0)
		r = fsop_syncfs(w);
	if (r == 0 && u >= 0 && u != w)
		r = fsop_syncfs(u);
	return r;
}

int tree_fsync_parent(const struct rootfs *rf, enum tree_layer l,
		      const char *rel)
{
	const char *leaf;
	int fd, r;

	if (!fsop_fsync_enabled())
		return 0;
	fd = tree_parent(rf, l, rel, -1, &leaf);
	if (fd < 0)
		return fd;
	r = fsop_fsync_dirfd(fd);
	dir_put(rf, fd);
	return r;
}

DIR *tree_opendir(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  int *err)
{
	int fd = tree_opendir_fd(rf, l, rel);
	DIR *d;

	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	d = fdopendir(fd);
	if (!d) {
		*err = -errno;
		close(fd);
	}
	return d;
}

int tree_mkdir_p(const struct rootfs *rf, enum tree_layer l, const char *rel,
		 mode_t mode)
{
	int fd;

	if (!path_is_canonical(rel))
		return -PKGE_UNSAFE;
	fd = dir_get(rf, tree_layer_fd(rf, l), rel, (int)(mode & 07777));
	if (fd < 0)
		return fd;
	dir_put(rf, fd);
	dirs_touched(rf, l); /* rel stays kept, but in a live upper layer */
	return 0;
}

/* rm -rf below the directory dfd (entries only), never following a
 * symlink: each subdirectory is opened with O_NOFOLLOW from its parent. */
static int empty_dir(int dfd, int depth)
{
	DIR *d;
	struct dirent *de;
	int r = 0, fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return -errno;
	if (depth > 256) {
		close(fd);
		return -ELOOP;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errno == ENOENT ? 0 : -errno;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = fsop_unlinkat(dfd, de->d_name, 0);
			continue;
		}
		sub = openat(dfd, de->d_name, DIR_FLAGS);
		if (sub < 0) {
			r = -errno;
			continue;
		}
		r = empty_dir(sub, depth + 1);
		close(sub);
		if (r == 0)
			r = fsop_unlinkat(dfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
	return r == -ENOENT ? 0 : r;
}

int tree_remove_tree(const struct rootfs *rf, enum tree_layer l,
		     const char *rel)
{
	struct stat st;
	int r = tree_lstat(rf, l, rel, &st), fd;

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode))
		return tree_unlink(rf, l, rel);
	fd = tree_opendir_fd(rf, l, rel);
	if (fd < 0)
		return fd;
	r = empty_dir(fd, 0);
	close(fd);
	dirs_moved(rf, l, rel);
	if (r == 0 && *rel)
		r = tree_rmdir(rf, l, rel);
	return r == -ENOENT ? 0 : r;
}

int fd_read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int rc = 0;

	*out = NULL;
	if (len)
		*len = 0;
	if (!max)
		max = (size_t)256 << 20;
	for (;;) {
		ssize_t r;

		if (cap - n < 2) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);

			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb, cap = ncap;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -PKGE_FORMAT;
			break;
		}
	}
	if (rc) {
		free(buf);
		return rc;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int tree_open_at(int dirfd, const char *name)
{
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -PKGE_UNSAFE;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -PKGE_UNSAFE : -errno;
	return readable_kind(fd);
}

int tree_read_at(int dirfd, const char *name, size_t max, char **out,
		 size_t *len)
{
	int fd, r;

	*out = NULL;
	if ((fd = tree_open_at(dirfd, name)) < 0)
		return fd;
	r = fd_read_all(fd, max, out, len);
	close(fd);
	return r;
}

int tree_read_file(const struct rootfs *rf, enum tree_layer l, const char *rel,
		   size_t max, char **out, size_t *len)
{
	int fd = tree_open(rf, l, rel, O_RDONLY, 0), r;

	*out = NULL;
	if (fd < 0)
		return fd;
	r = fd_read_all(fd, max, out, len);
	close(fd);
	return r;
}

/* Write data to the new file tmp in dfd and fsync it (unless sync is
 * 0); the temp file is removed on failure. */
static int atomic_fill(int dfd, const char *tmp, const void *data, size_t len,
		       mode_t mode, int sync)
{
	int fd, rc;
	ssize_t w;

	fd = fsop_openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
			 mode & 07777);
	if (fd < 0)
		return fd;
	w = fsop_write(fd, data, len);
	rc = w < 0 ? (int)w : 0;
	/* the mode was filtered by the umask at creation */
	if (!rc)
		rc = fsop_fchmod(fd, mode & 07777);
	if (!rc && sync)
		rc = fsop_fsync(fd);
	if (!rc)
		rc = fsop_close(fd);
	else
		fsop_close(fd);
	if (rc)
		fsop_unlinkat(dfd, tmp, 0);
	return rc;
}

int tree_write_atomic(const struct rootfs *rf, enum tree_layer l,
		      const char *rel, const void *data, size_t len,
		      mode_t mode)
{
	char tmp[NAME_MAX + 1];
	const char *leaf;
	int dfd = tree_parent(rf, l, rel, -1, &leaf), rc;

	if (dfd < 0)
		return dfd;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.pkg-tmp.%ld", 200, leaf,
			     (long)getpid()) >= sizeof(tmp)) {
		dir_put(rf, dfd);
		return -ENAMETOOLONG;
	}
	/* a leftover of an earlier crashed run with our pid */
	if (faccessat(dfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		fsop_unlinkat(dfd, tmp, 0);
	rc = atomic_fill(dfd, tmp, data, len, mode, !rf->sync_later);
	if (!rc) {
		rc = fsop_renameat(dfd, tmp, dfd, leaf);
		if (rc)
			fsop_unlinkat(dfd, tmp, 0);
	}
	if (!rc && !rf->sync_later && fsop_fsync_enabled())
		rc = fsop_fsync_dirfd(dfd);
	dir_put(rf, dfd);
	dirs_touched(rf, l);
	return rc;
}

int tree_remove_temps(const struct rootfs *rf, enum tree_layer l,
		      const char *dir)
{
	int err = 0, n = 0, rc = 0, dfd;
	DIR *d = tree_opendir(rf, l, dir, &err);
	struct dirent *de;

	if (!d)
		return err;
	dfd = dirfd(d);
	while (!rc && (de = readdir(d))) {
		if (!strstr(de->d_name, ".pkg-tmp."))
			continue;
		if (!(rc = fsop_unlinkat(dfd, de->d_name, 0)))
			n++;
	}
	closedir(d);
	return rc ? rc : n;
}

char *tree_checked_path(const struct rootfs *rf, enum tree_layer l,
			const char *rel, int *err)
{
	const char *leaf, *top = l == TREE_ROM ? rf->rom
				 : (l == TREE_UPPER ||
				    (l == TREE_WRITE && rf->mode == ROOTFS_OFFLINE))
					 ? rf->upper
					 : rf->root;
	int fd = tree_parent(rf, l, rel, -1, &leaf);
	struct stat st;
	char *p = NULL;

	*err = fd < 0 ? fd : 0;
	if (fd < 0)
		return NULL;
	if (fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		*err = -PKGE_UNSAFE;
	else if (!top || asprintf(&p, "%s/%s", top, rel) < 0)
		*err = -ENOMEM, p = NULL;
	dir_put(rf, fd);
	return p;
}
