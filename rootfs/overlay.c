/*
 * The rom/overlay model of a target root: its layers and merged view
 * (docs/DESIGN.md "The rom/overlay model").
 *
 * Offline, pkg itself merges rom/ and overlay/upper/ with overlayfs's own
 * encoding: a whiteout is a character device 0/0 in upper, an opaque
 * directory carries the xattr trusted.overlay.opaque=y and hides the rom
 * directory below it. Live and plain roots go through the root itself.
 * Every lookup and change is made through the confined walk of tree.c
 * on canonical root-relative paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rootfs.h"
#include "rootfs_int.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* statfs's f_type of overlayfs (the kernel's OVERLAYFS_SUPER_MAGIC,
 * which musl's headers do not carry) */
#define OVERLAYFS_MAGIC 0x794c7630UL

static int st_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int rc_of(int r)
{
	return r < 0 ? -errno : r;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] &&
		    s[3]) {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* From super options "rw,lowerdir=/a:/b,upperdir=/u", malloc'd values. */
static void overlay_dirs(char *opts, char **lower, char **upper)
{
	char *o;

	while ((o = strsep(&opts, ","))) {
		if (!strncmp(o, "lowerdir=", 9)) {
			o[9 + strcspn(o + 9, ":")] = '\0';
			unescape(o + 9);
			free(*lower);
			*lower = strdup(o + 9);
		} else if (!strncmp(o, "upperdir=", 9)) {
			unescape(o + 9);
			free(*upper);
			*upper = strdup(o + 9);
		}
	}
}

/* Parse one mountinfo line ("id parent maj:min root mountpoint opts
 * [optional...] - fstype source superopts"); 1 when it is an overlay
 * mounted at mnt. */
static int mountinfo_match(char *line, const char *mnt, char **lower,
			   char **upper)
{
	char *f[5], *rest = line, *sep, *fstype, *opts;
	int i;

	line[strcspn(line, "\n")] = '\0';
	sep = strstr(line, " - ");
	if (!sep)
		return 0;
	*sep = '\0';
	for (i = 0; i < 5; i++)
		if (!(f[i] = strsep(&rest, " ")))
			return 0;
	unescape(f[4]);
	rest = sep + 3;
	fstype = strsep(&rest, " ");
	if (rest)
		strsep(&rest, " "); /* source */
	opts = rest ? strsep(&rest, " ") : NULL;
	if (strcmp(f[4], mnt) || strcmp(fstype, "overlay") || !opts)
		return 0;
	overlay_dirs(opts, lower, upper);
	return 1;
}

/* 1 when mnt is an overlay mount point (the last mount there wins). */
static int find_overlay_mount(const char *mnt, char **lower, char **upper)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	*lower = *upper = NULL;
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		char *l1 = NULL, *u1 = NULL;

		if (!mountinfo_match(line, mnt, &l1, &u1))
			continue;
		free(*lower), free(*upper);
		*lower = l1, *upper = u1, found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

/* ---- the merged view ---- */

static int dirfd_opaque(int fd)
{
	char v[2];

	return fgetxattr(fd, ROOTFS_OPAQUE_XATTR, v, sizeof(v)) == 1 &&
	       v[0] == 'y';
}

/*
 * Offline: look rel up in the upper layer. *hides: an ancestor in upper
 * hides the image below it (a whiteout or another non-directory, an
 * opaque directory). Returns 0 with *st when upper has rel, -ENOENT.
 */
static int upper_probe(const struct rootfs *rf, const char *rel,
		       struct stat *st, int *hides)
{
	char name[NAME_MAX + 1];
	const char *p = rel;
	int fd = rf->upper_fd < 0 ? -1 : fcntl(rf->upper_fd, F_DUPFD_CLOEXEC, 3);
	int r = -ENOENT;

	*hides = 0;
	while (fd >= 0) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		int next;

		memcpy(name, p, n);
		name[n] = '\0';
		if (fstatat(fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		if (!*e) {
			r = 0;
			break;
		}
		if (!S_ISDIR(st->st_mode)) {
			*hides = 1;
			break;
		}
		next = openat(fd, name, DIR_FLAGS);
		if (next < 0)
			break;
		close(fd);
		fd = next;
		if (dirfd_opaque(fd))
			*hides = 1;
		p = e + 1;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int rootfs_find(const struct rootfs *rf, const char *rel, struct stat *st,
		enum origin *origin, enum tree_layer *layer)
{
	struct stat ust;
	int hides = 0, r;

	*origin = ORIGIN_NONE;
	if (!path_is_canonical(rel))
		return -PKGE_UNSAFE;
	if (rf->mode != ROOTFS_OFFLINE) {
		r = tree_lstat(rf, TREE_ROOT, rel, st);
		if (layer)
			*layer = TREE_ROOT;
		if (r == 0)
			*origin = rf->mode == ROOTFS_LIVE && rf->upper_fd >= 0 &&
						  tree_lstat(rf, TREE_UPPER,
							     rel, &ust) < 0
					  ? ORIGIN_ROM
					  : ORIGIN_UPPER;
		else if (rf->upper_fd >= 0 &&
			 tree_lstat(rf, TREE_UPPER, rel, &ust) == 0 &&
			 st_whiteout(&ust))
			*origin = ORIGIN_WHITEOUT;
		return r < 0 ? -ENOENT : 0;
	}
	if (!*rel) {
		if (layer)
			*layer = TREE_UPPER;
		*origin = ORIGIN_UPPER;
		return rc_of(fstat(rf->upper_fd, st));
	}
	if (upper_probe(rf, rel, st, &hides) == 0) {
		if (layer)
			*layer = TREE_UPPER;
		*origin = st_whiteout(st) ? ORIGIN_WHITEOUT : ORIGIN_UPPER;
		return *origin == ORIGIN_UPPER ? 0 : -ENOENT;
	}
	if (hides || rf->rom_fd < 0 || tree_lstat(rf, TREE_ROM, rel, st) < 0)
		return -ENOENT;
	if (layer)
		*layer = TREE_ROM;
	*origin = ORIGIN_ROM;
	return 0;
}

int rootfs_lstat(const struct rootfs *rf, const char *rel, struct stat *st,
		 enum origin *origin)
{
	enum origin o;
	int r = rootfs_find(rf, rel, st, &o, NULL);

	if (origin)
		*origin = o;
	return r;
}

int rootfs_open_read(const struct rootfs *rf, const char *rel,
		     enum origin *origin)
{
	enum tree_layer l;
	enum origin o;
	struct stat st;
	int r = rootfs_find(rf, rel, &st, &o, &l);

	if (origin)
		*origin = o;
	if (r < 0)
		return r;
	return tree_open(rf, l, rel, O_RDONLY, 0);
}

int rootfs_readlink(const struct rootfs *rf, const char *rel, char *buf,
		    size_t cap)
{
	enum tree_layer l;
	enum origin o;
	struct stat st;
	int r = rootfs_find(rf, rel, &st, &o, &l);

	if (r < 0)
		return r;
	if (!S_ISLNK(st.st_mode))
		return -EINVAL;
	return tree_readlink(rf, l, rel, buf, cap);
}

int rootfs_dir_open(const struct rootfs *rf, const char *rel)
{
	if (rf->mode == ROOTFS_OFFLINE)
		return -EOPNOTSUPP;
	return tree_opendir_fd(rf, TREE_ROOT, rel);
}

int rootfs_read(const struct rootfs *rf, const char *rel, size_t max,
		char **out, size_t *len)
{
	int fd = rootfs_open_read(rf, rel, NULL), r;

	*out = NULL;
	if (fd < 0)
		return fd;
	r = fd_read_all(fd, max, out, len);
	close(fd);
	return r;
}


/* Live root: the image and upper dirs come from the mount (kernel data,
 * opened by name once); OpenWrt shows lowerdir=/ (mounted before the
 * pivot), then root/rom is the image. */
static int open_live(struct rootfs *rf, const char *real)
{
	char *lower, *upper;
	struct statfs sfs;

	/* only an overlayfs can be an overlay's mount point: any other
	 * root (a build host's, a test's) reads no mount table */
	if (fstatfs(rf->root_fd, &sfs) == 0 &&
	    (unsigned long)sfs.f_type != OVERLAYFS_MAGIC)
		return 0;
	if (!find_overlay_mount(real, &lower, &upper))
		return 0;
	rf->mode = ROOTFS_LIVE;
	if (lower && strcmp(lower, real))
		rf->rom_fd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rf->rom_fd < 0) {
		free(lower);
		lower = NULL;
		rf->rom_fd = tree_opendir_fd(rf, TREE_ROOT, "rom");
		if (rf->rom_fd >= 0 && asprintf(&lower, "%s/rom", rf->root) < 0)
			lower = NULL;
		if (rf->rom_fd < 0)
			rf->rom_fd = -1;
	}
	if (upper)
		rf->upper_fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rf->upper_fd < 0) {
		rf->upper_fd = -1;
		free(upper);
		upper = NULL;
	}
	rf->rom = lower;
	rf->upper = upper;
	return 1;
}

/* Offline: ROOT/rom and ROOT<overlay_root>/upper, both real directories
 * inside the root (walked without following links). */
static int open_offline(struct rootfs *rf, const char *overlay_root)
{
	char up[PATH_MAX];
	size_t n;

	if (!overlay_root)
		overlay_root = "/overlay";
	overlay_root += strspn(overlay_root, "/");
	n = strlen(overlay_root);
	while (n && overlay_root[n - 1] == '/')
		n--;
	if ((size_t)snprintf(up, sizeof(up), "%.*s%supper", (int)n,
			     overlay_root, n ? "/" : "") >= sizeof(up) ||
	    !path_is_canonical(up))
		return 0;
	rf->rom_fd = tree_opendir_fd(rf, TREE_ROOT, "rom");
	rf->upper_fd = tree_opendir_fd(rf, TREE_ROOT, up);
	if (rf->rom_fd >= 0 && rf->upper_fd >= 0 &&
	    asprintf(&rf->rom, "%s/rom", rf->root) >= 0 &&
	    asprintf(&rf->upper, "%s/%s", rf->root, up) >= 0) {
		rf->mode = ROOTFS_OFFLINE;
		return 1;
	}
	if (rf->rom_fd >= 0)
		close(rf->rom_fd);
	if (rf->upper_fd >= 0)
		close(rf->upper_fd);
	free(rf->rom);
	rf->rom = NULL;
	rf->rom_fd = rf->upper_fd = -1;
	return 0;
}

int rootfs_open(struct rootfs *rf, const char *root, const char *overlay_root)
{
	char real[PATH_MAX];
	size_t n;

	memset(rf, 0, sizeof(*rf));
	rf->root_fd = rf->rom_fd = rf->upper_fd = -1;
	/* The root itself is the user's choice: its own path is followed
	 * once; nothing below it ever is. */
	if (!realpath(root, real))
		return pkg_error(-errno, "cannot open root '%s'", root);
	rf->root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rf->root_fd < 0)
		return pkg_error(-errno, "cannot open root '%s'", root);
	n = strlen(real);
	while (n && real[n - 1] == '/')
		n--;
	rf->root = strndup(real, n);
	if (!rf->root) {
		rootfs_release(rf);
		return pkg_error(-ENOMEM, "cannot open root '%s'", root);
	}
	rf->openat2 = tree_openat2_works(rf->root_fd);
	rf->dirs = tree_dirs_new(); /* none: every walk from the top */
	rf->mode = ROOTFS_PLAIN;
	if (!open_live(rf, real))
		open_offline(rf, overlay_root);
	return 0;
}

void rootfs_release(struct rootfs *rf)
{
	tree_dirs_free(rf->dirs);
	if (rf->root_fd >= 0)
		close(rf->root_fd);
	if (rf->rom_fd >= 0)
		close(rf->rom_fd);
	if (rf->upper_fd >= 0)
		close(rf->upper_fd);
	free(rf->root);
	free(rf->rom);
	free(rf->upper);
	memset(rf, 0, sizeof(*rf));
	rf->root_fd = rf->rom_fd = rf->upper_fd = -1;
}

/*
 * Live: after pkg changed the upper layer under a mounted overlay (a
 * whiteout or an upper copy deleted to uncover the image's file), flush
 * and drop the dentry cache so that the merged view looks again. Returns
 * 1 when the merged view may still be stale (the caller verifies each
 * path anyway); the test build can force that with PKG_FAULT=stale.
 */
int rootfs_live_settle(const struct rootfs *rf)
{
	int dc;

	rootfs_forget_dirs(rf); /* held open, they would stay cached */
	if (rf->root_fd >= 0)
		syncfs(rf->root_fd);
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (dc >= 0) {
		if (write(dc, "2", 1) < 0)
			(void)0; /* not allowed here: verification decides */
		close(dc);
	}
#ifdef PKG_FAULT_INJECT
	{
		const char *f = getenv("PKG_FAULT");
		if (f && !strcmp(f, "stale"))
			return 1;
	}
#endif
	return 0;
}

int rootfs_is_opaque(const struct rootfs *rf, const char *rel)
{
	char v[2];

	return tree_getxattr(rf, TREE_UPPER, rel, ROOTFS_OPAQUE_XATTR, v,
			     sizeof(v)) == 1 &&
	       v[0] == 'y';
}

int rootfs_is_whiteout(const struct rootfs *rf, const char *rel)
{
	struct stat st;

	return rf->upper_fd >= 0 &&
	       tree_lstat(rf, TREE_UPPER, rel, &st) == 0 && st_whiteout(&st);
}

int rootfs_make_whiteout(const struct rootfs *rf, const char *rel)
{
	int rc = tree_mknod(rf, TREE_UPPER, rel, S_IFCHR | 0000, makedev(0, 0));

	if (rc)
		return pkg_error(rc, "cannot create whiteout '/%s'", rel);
	return 0;
}

int rootfs_set_opaque(const struct rootfs *rf, const char *rel, int opaque)
{
	int rc;

	if (opaque)
		rc = tree_setxattr(rf, TREE_UPPER, rel, ROOTFS_OPAQUE_XATTR,
				   "y", 1);
	else
		rc = tree_removexattr(rf, TREE_UPPER, rel,
				      ROOTFS_OPAQUE_XATTR);
	if (rc == -ENODATA && !opaque)
		rc = 0;
	if (rc)
		return pkg_error(rc, "cannot %s opaque directory '/%s'",
				 opaque ? "make" : "clear", rel);
	return 0;
}

/* Offline: 1 when an ancestor of rel in upper hides the rom below it. */
static int upper_hides(const struct rootfs *rf, const char *rel)
{
	struct stat st;
	int hides = 0;

	upper_probe(rf, rel, &st, &hides);
	return hides;
}

/* Create one upper directory for rel, copying the rom dir's mode; over a
 * whiteout the new directory is opaque (the rom one was removed). */
static int copy_up_dir(const struct rootfs *rf, const char *rel, int whiteout)
{
	struct stat st;
	mode_t mode = 0755;
	int rc = 0;

	if (!whiteout && !upper_hides(rf, rel) &&
	    tree_lstat(rf, TREE_ROM, rel, &st) == 0 && S_ISDIR(st.st_mode))
		mode = st.st_mode & 07777;
	if (whiteout)
		rc = tree_unlink(rf, TREE_UPPER, rel);
	if (!rc)
		rc = tree_mkdir(rf, TREE_UPPER, rel, mode);
	if (!rc)
		rc = tree_chmod(rf, TREE_UPPER, rel, mode);
	if (rc)
		return pkg_error(rc, "cannot create directory '/%s'", rel);
	return whiteout ? rootfs_set_opaque(rf, rel, 1) : 0;
}

static int prepare_offline(const struct rootfs *rf, const char *rel)
{
	char pre[PATH_MAX];
	const char *s;
	struct stat st;
	int rc = 0;

	for (s = strchr(rel, '/'); s && !rc; s = strchr(s + 1, '/')) {
		memcpy(pre, rel, (size_t)(s - rel));
		pre[s - rel] = '\0';
		rc = tree_lstat(rf, TREE_UPPER, pre, &st);
		if (rc == -ENOENT)
			rc = copy_up_dir(rf, pre, 0);
		else if (rc == 0 && st_whiteout(&st))
			rc = copy_up_dir(rf, pre, 1);
		else if (rc == 0 && !S_ISDIR(st.st_mode))
			rc = pkg_error(-ENOTDIR, "cannot prepare '/%s'", pre);
		else if (rc < 0)
			rc = pkg_error(rc, "cannot prepare '/%s'", pre);
	}
	return rc;
}

int rootfs_prepare_parent(const struct rootfs *rf, const char *rel)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(rel, '/');
	int rc;

	if (!path_is_canonical(rel))
		return pkg_error(-PKGE_UNSAFE, "cannot prepare '/%s'", rel);
	if (rf->mode == ROOTFS_OFFLINE)
		return prepare_offline(rf, rel);
	if (!slash)
		return 0;
	memcpy(dir, rel, (size_t)(slash - rel));
	dir[slash - rel] = '\0';
	rc = tree_mkdir_p(rf, TREE_WRITE, dir, 0755);
	if (rc)
		return pkg_error(rc, "cannot create directory '/%s'", dir);
	return 0;
}

/* Offline: every name in upper's directory rel is a whiteout (when
 * unlink_them is set, remove them). 1 yes, 0 no, -errno. */
static int only_whiteouts(const struct rootfs *rf, const char *rel,
			  int unlink_them)
{
	int err = 0, ok = 1;
	DIR *d = tree_opendir(rf, TREE_UPPER, rel, &err);
	struct dirent *de;
	struct stat st;

	if (!d)
		return err == -ENOENT ? 1 : err;
	while (ok == 1 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !st_whiteout(&st))
			ok = 0;
		else if (unlink_them &&
			 (ok = fsop_unlinkat(dirfd(d), de->d_name, 0)) == 0)
			ok = 1;
	}
	closedir(d);
	return ok;
}

/* Offline: whether the merged directory rel is empty: upper holds only
 * whiteouts, and unless it is opaque, every rom entry is whited out. */
static int merged_dir_empty(const struct rootfs *rf, const char *rel,
			    int rom_dir)
{
	int empty = only_whiteouts(rf, rel, 0), err = 0;
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (empty != 1 || !rom_dir ||
	    (tree_lstat(rf, TREE_UPPER, rel, &st) == 0 &&
	     S_ISDIR(st.st_mode) && rootfs_is_opaque(rf, rel)))
		return empty;
	d = tree_opendir(rf, TREE_ROM, rel, &err);
	while (d && empty == 1 && (de = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel,
				     de->d_name) >= sizeof(sub))
			empty = -ENAMETOOLONG;
		else if (!rootfs_is_whiteout(rf, sub))
			empty = 0;
	}
	if (d)
		closedir(d);
	return empty;
}

static int remove_plain(const struct rootfs *rf, const char *rel)
{
	struct stat st;
	int rc = tree_lstat(rf, TREE_WRITE, rel, &st);

	if (rc == -ENOENT)
		return 0;
	if (rc == 0)
		rc = S_ISDIR(st.st_mode) ? tree_rmdir(rf, TREE_WRITE, rel)
					 : tree_unlink(rf, TREE_WRITE, rel);
	if (rc)
		pkg_error(rc, "cannot remove '/%s'", rel);
	return rc;
}

/* Offline: remove the upper copy of rel (a directory with its
 * whiteouts); st is its lstat. */
static int remove_upper(const struct rootfs *rf, const char *rel,
			const struct stat *st)
{
	int rc;

	if (!S_ISDIR(st->st_mode))
		return tree_unlink(rf, TREE_UPPER, rel);
	rc = only_whiteouts(rf, rel, 1);
	if (rc < 0)
		return rc;
	return rc == 1 ? tree_rmdir(rf, TREE_UPPER, rel) : -ENOTEMPTY;
}

static int remove_offline(const struct rootfs *rf, const char *rel)
{
	struct stat ust, rst;
	int in_upper = tree_lstat(rf, TREE_UPPER, rel, &ust) == 0;
	int in_rom = !upper_hides(rf, rel) &&
		     tree_lstat(rf, TREE_ROM, rel, &rst) == 0;
	int rc = 0;

	if (in_upper && st_whiteout(&ust))
		return 0; /* already removed */
	if (in_upper && in_rom && S_ISDIR(ust.st_mode) &&
	    rootfs_is_opaque(rf, rel))
		in_rom = S_ISDIR(rst.st_mode); /* rom dir still needs hiding */
	if ((in_upper ? S_ISDIR(ust.st_mode) : in_rom && S_ISDIR(rst.st_mode))
	    && merged_dir_empty(rf, rel, in_rom && S_ISDIR(rst.st_mode)) != 1)
		return pkg_error(-ENOTEMPTY, "cannot remove '/%s'", rel);
	if (in_upper)
		rc = remove_upper(rf, rel, &ust);
	if (rc)
		return pkg_error(rc, "cannot remove '/%s'", rel);
	if (!in_rom)
		return 0;
	rc = rootfs_prepare_parent(rf, rel);
	return rc ? rc : rootfs_make_whiteout(rf, rel);
}

int rootfs_remove(const struct rootfs *rf, const char *rel)
{
	if (!path_is_canonical(rel) || !*rel)
		return pkg_error(-PKGE_UNSAFE, "cannot remove '/%s'", rel);
	if (rf->mode != ROOTFS_OFFLINE)
		return remove_plain(rf, rel);
	return remove_offline(rf, rel);
}

int rootfs_space(const struct rootfs *rf, uint64_t *free_bytes,
		 uint64_t *total_bytes)
{
	struct statvfs vfs;

	if (fstatvfs(tree_layer_fd(rf, TREE_WRITE), &vfs) < 0)
		return pkg_error(-errno, "cannot stat filesystem of '%s'",
				 rf->mode == ROOTFS_OFFLINE ? rf->upper
							    : rf->root);
	if (free_bytes)
		*free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (total_bytes)
		*total_bytes = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	return 0;
}

/* ---- reading the merged view ---- */

int rootfs_sha256(const struct rootfs *rf, const char *rel, char hex[SHA256_HEX_SIZE])
{
	int fd = rootfs_open_read(rf, rel, NULL), r;

	if (fd < 0)
		return fd;
	r = rootfs_sha256_fd(fd, hex);
	close(fd);
	return r;
}

int tree_sha256(const struct rootfs *rf, enum tree_layer l, const char *rel,
		char hex[SHA256_HEX_SIZE])
{
	int fd = tree_open(rf, l, rel, O_RDONLY, 0), r;

	if (fd < 0)
		return fd;
	r = rootfs_sha256_fd(fd, hex);
	close(fd);
	return r;
}

static int add_names(const struct rootfs *rf, enum tree_layer l,
		     const char *rel, char ***v, size_t *n, size_t *cap)
{
	int err = 0;
	DIR *d = tree_opendir(rf, l, rel, &err);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		size_t i;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		for (i = 0; i < *n && strcmp((*v)[i], e->d_name); i++)
			;
		if (i < *n)
			continue;
		if (*n + 1 >= *cap) {
			char **nv = realloc(*v, (*cap = *cap ? *cap * 2 : 16) *
						      sizeof(**v));
			if (!nv) {
				err = -ENOMEM;
				break;
			}
			*v = nv;
		}
		if (!((*v)[*n] = strdup(e->d_name))) {
			err = -ENOMEM;
			break;
		}
		(*v)[++*n] = NULL;
	}
	if (d)
		closedir(d);
	return err == -ENOENT || err == -ENOTDIR ? 0 : err;
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tree_list_dir(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  char ***names, size_t *n)
{
	size_t cap = 0, i;
	int r;

	*names = NULL;
	*n = 0;
	r = add_names(rf, l, rel, names, n, &cap);
	if (r < 0) {
		for (i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
		return r;
	}
	if (*names)
		qsort(*names, *n, sizeof(**names), names_cmp);
	return 0;
}

int rootfs_list_dir(const struct rootfs *rf, const char *rel, char ***names,
		    size_t *n)
{
	size_t cap = 0, i, k;
	int r;

	*names = NULL;
	*n = 0;
	if (rf->mode != ROOTFS_OFFLINE) {
		r = add_names(rf, TREE_ROOT, rel, names, n, &cap);
	} else {
		r = add_names(rf, TREE_UPPER, rel, names, n, &cap);
		if (r == 0 && !upper_hides(rf, rel) &&
		    !(*rel && rootfs_is_opaque(rf, rel)))
			r = add_names(rf, TREE_ROM, rel, names, n, &cap);
	}
	for (i = k = 0; r == 0 && i < *n; i++) { /* whited out: gone */
		char sub[PATH_MAX];
		struct stat st;

		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel,
				     *rel ? "/" : "", (*names)[i]) <
			    sizeof(sub) &&
		    rootfs_lstat(rf, sub, &st, NULL) == 0)
			(*names)[k++] = (*names)[i];
		else
			free((*names)[i]);
	}
	if (r < 0) {
		for (i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
		return r;
	}
	*n = k;
	if (*names) {
		(*names)[k] = NULL;
		qsort(*names, k, sizeof(**names), names_cmp);
	}
	return 0;
}

