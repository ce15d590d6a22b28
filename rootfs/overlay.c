/*
 * The rom/overlay model of a target root (DESIGN.md "the two views").
 *
 * Offline, pkg itself merges rom/ and overlay/upper/ with overlayfs's own
 * encoding: a whiteout is a character device 0/0 in upper, an opaque
 * directory carries the xattr trusted.overlay.opaque=y and hides the rom
 * directory below it. Live and plain roots go through the root path.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rootfs.h"

#define OPAQUE_XATTR "trusted.overlay.opaque"

/* "a/b", or a alone when b is empty; "/" rather than "". */
static char *join(const char *a, const char *b)
{
	char *s = NULL;

	if (!*b)
		return strdup(*a ? a : "/");
	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int st_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
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

/* Live root: take the image and upper dirs from the mount; OpenWrt shows
 * lowerdir=/ (mounted before the pivot), then root/rom is the image. */
static int open_live(struct rootfs *rf, const char *real)
{
	char *lower, *upper;

	if (!find_overlay_mount(real, &lower, &upper))
		return 0;
	rf->mode = ROOTFS_LIVE;
	if ((!lower || !strcmp(lower, real) || !is_dir(lower))) {
		free(lower);
		lower = join(rf->root, "rom");
		if (lower && !is_dir(lower))
			free(lower), lower = NULL;
	}
	rf->rom = lower;
	rf->upper = upper;
	return 1;
}

static int open_offline(struct rootfs *rf, const char *overlay_root)
{
	char *ov = NULL;

	if (!overlay_root)
		overlay_root = "/overlay";
	while (*overlay_root == '/')
		overlay_root++;
	rf->rom = join(rf->root, "rom");
	if (asprintf(&ov, "%s/%s%supper", rf->root, overlay_root,
		     *overlay_root ? "/" : "") < 0)
		ov = NULL;
	rf->upper = ov;
	if (rf->rom && ov && is_dir(rf->rom) && is_dir(ov)) {
		rf->mode = ROOTFS_OFFLINE;
		return 1;
	}
	free(rf->rom), free(rf->upper);
	rf->rom = rf->upper = NULL;
	return 0;
}

int rootfs_open(struct rootfs *rf, const char *root, const char *overlay_root)
{
	char real[PATH_MAX];
	size_t n;

	memset(rf, 0, sizeof(*rf));
	if (!realpath(root, real))
		return pkg_error(-errno, "cannot open root '%s'", root);
	if (!is_dir(real))
		return pkg_error(-ENOTDIR, "cannot open root '%s'", root);
	n = strlen(real);
	while (n && real[n - 1] == '/')
		n--;
	rf->root = strndup(real, n);
	if (!rf->root)
		return pkg_error(-ENOMEM, "cannot open root '%s'", root);
	rf->mode = ROOTFS_PLAIN;
	if (!open_live(rf, real))
		open_offline(rf, overlay_root);
	return 0;
}

void rootfs_release(struct rootfs *rf)
{
	free(rf->root);
	free(rf->rom);
	free(rf->upper);
	memset(rf, 0, sizeof(*rf));
}

char *rootfs_wpath(const struct rootfs *rf, const char *rel)
{
	if (rf->mode == ROOTFS_OFFLINE)
		return join(rf->upper, rel);
	return join(rf->root, rel);
}

char *rootfs_upath(const struct rootfs *rf, const char *rel)
{
	if (!rf->upper || rf->mode == ROOTFS_PLAIN)
		return NULL;
	return join(rf->upper, rel);
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
	int fd = open(rf->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dc;

	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
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

int rootfs_is_opaque(const char *upper_dir)
{
	char v[2];

	return lgetxattr(upper_dir, OPAQUE_XATTR, v, sizeof(v)) == 1 &&
	       v[0] == 'y';
}

/* Offline: 1 when an ancestor of rel in upper hides the rom below it (a
 * whiteout, another non-directory, or an opaque directory). */
static int upper_hides(const struct rootfs *rf, const char *rel)
{
	char *p = join(rf->upper, rel), *s;
	size_t skip = strlen(rf->upper);
	struct stat st;
	int hides = 0;

	if (!p || !*rel) {
		free(p);
		return 0;
	}
	s = strchr(p + skip + 1, '/');
	for (; s && !hides; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (lstat(p, &st) < 0)
			break;
		hides = !S_ISDIR(st.st_mode) || rootfs_is_opaque(p);
		*s = '/';
	}
	free(p);
	return hides;
}

static char *rpath_offline(const struct rootfs *rf, const char *rel,
			   enum origin *origin)
{
	char *p = join(rf->upper, rel);
	struct stat st;

	*origin = ORIGIN_NONE;
	if (p && lstat(p, &st) == 0) {
		*origin = st_whiteout(&st) ? ORIGIN_WHITEOUT : ORIGIN_UPPER;
		if (*origin == ORIGIN_UPPER)
			return p;
		free(p);
		return NULL;
	}
	free(p);
	if (upper_hides(rf, rel))
		return NULL;
	p = join(rf->rom, rel);
	if (p && lstat(p, &st) == 0) {
		*origin = ORIGIN_ROM;
		return p;
	}
	free(p);
	return NULL;
}

/* Live: whether the upper layer has rel (unknown upper: yes). */
static int in_upper(const struct rootfs *rf, const char *rel)
{
	struct stat st;
	char *u;
	int r;

	if (!rf->upper)
		return 1;
	u = join(rf->upper, rel);
	r = !u || lstat(u, &st) == 0;
	free(u);
	return r;
}

char *rootfs_rpath(const struct rootfs *rf, const char *rel,
		   enum origin *origin)
{
	enum origin o = ORIGIN_NONE;
	struct stat st;
	char *p;

	if (rf->mode == ROOTFS_OFFLINE) {
		p = rpath_offline(rf, rel, &o);
	} else {
		p = join(rf->root, rel);
		if (p && lstat(p, &st) == 0) {
			o = ORIGIN_UPPER;
			if (rf->mode == ROOTFS_LIVE && !in_upper(rf, rel))
				o = ORIGIN_ROM;
		} else {
			o = rootfs_is_whiteout(rf, rel) ? ORIGIN_WHITEOUT :
							  ORIGIN_NONE;
			free(p), p = NULL;
		}
	}
	if (origin)
		*origin = o;
	return p;
}

int rootfs_lstat(const struct rootfs *rf, const char *rel, struct stat *st,
		 enum origin *origin)
{
	char *p = rootfs_rpath(rf, rel, origin);
	int rc;

	if (!p)
		return -ENOENT;
	rc = lstat(p, st) < 0 ? -errno : 0;
	free(p);
	return rc;
}

int rootfs_is_whiteout(const struct rootfs *rf, const char *rel)
{
	struct stat st;
	char *p;
	int r;

	if (!rf->upper)
		return 0;
	p = join(rf->upper, rel);
	r = p && lstat(p, &st) == 0 && st_whiteout(&st);
	free(p);
	return r;
}

int rootfs_make_whiteout(const char *upper_path)
{
	int rc = fsop_mknod(upper_path, S_IFCHR | 0000, makedev(0, 0));

	if (rc)
		return pkg_error(rc, "cannot create whiteout '%s'", upper_path);
	return 0;
}

int rootfs_set_opaque(const char *upper_dir, int opaque)
{
	int rc;

	if (opaque)
		rc = fsop_setxattr(upper_dir, OPAQUE_XATTR, "y", 1);
	else
		rc = fsop_removexattr(upper_dir, OPAQUE_XATTR);
	if (rc == -ENODATA && !opaque)
		rc = 0;
	if (rc)
		return pkg_error(rc, "cannot %s opaque directory '%s'",
				 opaque ? "make" : "clear", upper_dir);
	return 0;
}

/* Create one upper directory for prefix rel, copying the rom dir's mode;
 * over a whiteout the new directory is opaque (the rom one was removed). */
static int copy_up_dir(const struct rootfs *rf, const char *rel,
		       const char *up, int whiteout)
{
	struct stat st;
	mode_t mode = 0755;
	char *rp = join(rf->rom, rel);
	int rc = 0;

	if (!whiteout && rp && !upper_hides(rf, rel) && stat(rp, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		mode = st.st_mode & 07777;
	free(rp);
	if (whiteout)
		rc = fsop_unlink(up);
	if (!rc)
		rc = fsop_mkdir(up, mode);
	if (!rc)
		rc = fsop_chmod(up, mode);
	if (rc)
		return pkg_error(rc, "cannot create directory '%s'", up);
	return whiteout ? rootfs_set_opaque(up, 1) : 0;
}

static int prepare_offline(const struct rootfs *rf, const char *rel)
{
	char *up = join(rf->upper, rel), *r, *s;
	size_t skip = strlen(rf->upper) + 1;
	struct stat st;
	int rc = 0;

	if (!up)
		return pkg_error(-ENOMEM, "cannot prepare '%s'", rel);
	if (!*rel) {
		free(up);
		return 0;
	}
	r = up + skip; /* rel inside up: prefixes of both end together */
	for (s = strchr(r, '/'); s && !rc; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (lstat(up, &st) < 0)
			rc = copy_up_dir(rf, r, up, 0);
		else if (st_whiteout(&st))
			rc = copy_up_dir(rf, r, up, 1);
		else if (!S_ISDIR(st.st_mode))
			rc = pkg_error(-ENOTDIR, "cannot prepare '%s'", up);
		*s = '/';
	}
	free(up);
	return rc;
}

int rootfs_prepare_parent(const struct rootfs *rf, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *w, *parent;
	int rc;

	if (rf->mode == ROOTFS_OFFLINE)
		return prepare_offline(rf, rel);
	if (!slash)
		return 0;
	parent = strndup(rel, (size_t)(slash - rel));
	w = parent ? rootfs_wpath(rf, parent) : NULL;
	rc = w ? rootfs_mkdir_p(w, 0755) :
		 pkg_error(-ENOMEM, "cannot prepare '%s'", rel);
	free(parent);
	free(w);
	return rc;
}

/* Offline: every name in dir is a whiteout (when unlink is set, remove
 * them). 1 yes, 0 no, -errno. */
static int only_whiteouts(const char *dir, int unlink_them)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	int ok = 1;

	if (!d)
		return errno == ENOENT ? 1 : -errno;
	while (ok == 1 && (de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			ok = -ENOMEM;
		else if (lstat(p, &st) < 0 || !st_whiteout(&st))
			ok = 0, free(p);
		else if (unlink_them && (ok = fsop_unlink(p)) == 0)
			ok = 1, free(p);
		else
			free(p);
	}
	closedir(d);
	return ok;
}

/* Offline: whether the merged directory rel is empty: upper holds only
 * whiteouts, and unless it is opaque, every rom entry is whited out. */
static int merged_dir_empty(const struct rootfs *rf, const char *rel,
			    const char *up, int rom_dir)
{
	struct dirent *de;
	char *rp;
	DIR *d;
	int empty = only_whiteouts(up, 0);

	if (empty != 1 || !rom_dir || (is_dir(up) && rootfs_is_opaque(up)))
		return empty;
	rp = join(rf->rom, rel);
	d = rp ? opendir(rp) : NULL;
	while (d && empty == 1 && (de = readdir(d))) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = NULL;
		if (asprintf(&sub, "%s/%s", rel, de->d_name) < 0)
			empty = -ENOMEM;
		else if (!rootfs_is_whiteout(rf, sub))
			empty = 0;
		free(sub);
	}
	if (d)
		closedir(d);
	free(rp);
	return empty;
}

static int remove_plain(const struct rootfs *rf, const char *rel)
{
	char *p = join(rf->root, rel);
	struct stat st;
	int rc;

	if (!p)
		return pkg_error(-ENOMEM, "cannot remove '%s'", rel);
	if (lstat(p, &st) < 0)
		rc = errno == ENOENT ? 0 : -errno;
	else if (S_ISDIR(st.st_mode))
		rc = fsop_rmdir(p);
	else
		rc = fsop_unlink(p);
	if (rc)
		pkg_error(rc, "cannot remove '%s'", p);
	free(p);
	return rc;
}

/* Offline: remove the upper copy of rel (a directory with its
 * whiteouts); st is its lstat. */
static int remove_upper(const char *up, const struct stat *st)
{
	int rc;

	if (!S_ISDIR(st->st_mode))
		return fsop_unlink(up);
	rc = only_whiteouts(up, 1);
	if (rc < 0)
		return rc;
	return rc == 1 ? fsop_rmdir(up) : -ENOTEMPTY;
}

static int remove_offline(const struct rootfs *rf, const char *rel,
			  const char *up, const char *rp)
{
	struct stat ust, rst;
	int in_upper = lstat(up, &ust) == 0;
	int in_rom = !upper_hides(rf, rel) && lstat(rp, &rst) == 0;
	int rc = 0;

	if (in_upper && st_whiteout(&ust))
		return 0; /* already removed */
	if (in_upper && in_rom && S_ISDIR(ust.st_mode) && rootfs_is_opaque(up))
		in_rom = S_ISDIR(rst.st_mode); /* rom dir still needs hiding */
	if ((in_upper ? S_ISDIR(ust.st_mode) : in_rom && S_ISDIR(rst.st_mode))
	    && merged_dir_empty(rf, rel, up, in_rom && S_ISDIR(rst.st_mode)) !=
	    1)
		return pkg_error(-ENOTEMPTY, "cannot remove '%s'", up);
	if (in_upper)
		rc = remove_upper(up, &ust);
	if (rc)
		return pkg_error(rc, "cannot remove '%s'", up);
	if (!in_rom)
		return 0;
	rc = rootfs_prepare_parent(rf, rel);
	return rc ? rc : rootfs_make_whiteout(up);
}

int rootfs_remove(const struct rootfs *rf, const char *rel)
{
	char *up, *rp;
	int rc;

	if (rf->mode != ROOTFS_OFFLINE)
		return remove_plain(rf, rel);
	up = join(rf->upper, rel);
	rp = join(rf->rom, rel);
	if (up && rp)
		rc = remove_offline(rf, rel, up, rp);
	else
		rc = pkg_error(-ENOMEM, "cannot remove '%s'", rel);
	free(up);
	free(rp);
	return rc;
}

int rootfs_space(const struct rootfs *rf, uint64_t *free_bytes,
		 uint64_t *total_bytes)
{
	const char *where = rf->mode == ROOTFS_OFFLINE ? rf->upper : rf->root;
	struct statvfs vfs;

	if (!*where)
		where = "/";
	if (statvfs(where, &vfs) < 0)
		return pkg_error(-errno, "cannot stat filesystem of '%s'",
				 where);
	if (free_bytes)
		*free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (total_bytes)
		*total_bytes = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	return 0;
}
