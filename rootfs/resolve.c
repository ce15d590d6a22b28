/*
 * Logical resolution: what a path of the root means on the router.
 *
 * Symlinks are followed the way the kernel follows them on the device,
 * in the merged view, but never out of the root: an absolute target
 * restarts at the root, ".." stops at it, at most ROOTFS_MAX_LINKS links.
 * A transaction passes the entries it is about to create or remove (a
 * struct rootfs_view), so that a link made by one package and a file
 * under it from another resolve as they will be on disk, not as they are
 * now. The result is canonical: the physical walk (tree.c) then refuses
 * any symlink it meets, so a tree changed behind our back is refused, not
 * followed.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rootfs.h"

/* What the resolver sees at rel: the view first, then the merged view.
 * 0 with *type (and link for a symlink), or -ENOENT. */
static int resolve_lookup(const struct rootfs *rf, const struct rootfs_view *v,
			  const char *rel, mode_t *type, char *link,
			  size_t cap)
{
	struct stat st;
	const char *target = NULL;
	int r;

	if (v && v->lookup) {
		r = v->lookup(v->ud, rel, type, &target);
		if (r == ROOTFS_VIEW_GONE)
			return -ENOENT;
		if (r == ROOTFS_VIEW_ENTRY) {
			if (!S_ISLNK(*type))
				return 0;
			if (!target || strlen(target) >= cap)
				return -ENAMETOOLONG;
			memcpy(link, target, strlen(target) + 1);
			return 0;
		}
	}
	r = rootfs_lstat(rf, rel, &st, NULL);
	if (r < 0)
		return r;
	*type = st.st_mode & S_IFMT;
	if (!S_ISLNK(st.st_mode))
		return 0;
	r = rootfs_readlink(rf, rel, link, cap);
	return r < 0 ? r : 0;
}

static void path_pop(char *out, size_t *olen)
{
	char *s = strrchr(out, '/');

	*olen = s ? (size_t)(s - out) : 0;
	out[*olen] = '\0';
}

static int path_push(char *out, size_t *olen, const char *c, size_t n)
{
	size_t need = *olen + (*olen ? 1 : 0) + n;

	if (n > NAME_MAX || need >= PATH_MAX)
		return -ENAMETOOLONG;
	if (*olen)
		out[(*olen)++] = '/';
	memcpy(out + *olen, c, n);
	*olen = need;
	out[need] = '\0';
	return 0;
}

/* work <- link + rest (rest may point into work). */
static int splice_link(char *work, size_t cap, const char *link,
		       const char *rest)
{
	size_t ll = strlen(link), rl = strlen(rest);

	if (ll + rl + 2 > cap)
		return -ENAMETOOLONG;
	memmove(work + ll + 1, rest, rl + 1);
	memcpy(work, link, ll);
	work[ll] = '/';
	return 0;
}

/* Does the view leave every directory of path (path itself too when
 * follow) to the disk? */
static int view_silent(const struct rootfs_view *v, const char *path,
		       int follow)
{
	char prefix[PATH_MAX];
	const char *target, *e = path;
	size_t plen = strlen(path);
	mode_t type;

	if (!v || !v->lookup)
		return 1;
	memcpy(prefix, path, plen + 1);
	while ((e = strchr(e, '/')) || follow) {
		size_t n = e ? (size_t)(e - path) : plen;

		prefix[n] = '\0';
		if (v->lookup(v->ud, prefix, &type, &target) != ROOTFS_VIEW_NONE)
			return 0;
		prefix[n] = n < plen ? '/' : '\0';
		if (!e)
			break;
		e++;
	}
	return 1;
}

/* The short cut: a canonical path on a one-tree root (plain or live:
 * the kernel's merged view) whose directories the kernel walks without
 * meeting a symlink (tree_probe_nolinks) resolves to itself, whether it
 * ends there or a component is missing: the component walk below would
 * lstat each one to find the same. 1 (*out set), 0 to walk, or -ENOMEM. */
static int resolve_direct(const struct rootfs *rf, const struct rootfs_view *v,
			  const char *path, unsigned flags, char **out)
{
	int follow = (flags & ROOTFS_RESOLVE_FOLLOW) != 0;
	const char *slash;
	char dir[PATH_MAX];
	int r;

	while (*path == '/') /* "/etc/x" is "etc/x" of the root */
		path++;
	slash = strrchr(path, '/');
	if (rf->mode == ROOTFS_OFFLINE || !path_is_canonical(path) || !*path)
		return 0;
	if (!follow && !slash)
		return 0; /* one component, not followed: nothing to look up */
	if (!view_silent(v, path, follow))
		return 0;
	if (follow) {
		r = tree_probe_nolinks(rf, TREE_ROOT, path, 0);
	} else { /* the directories only: the walk stops before the last */
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		r = tree_probe_nolinks(rf, TREE_ROOT, dir, 1);
	}
	if (r != 0 && r != -ENOENT)
		return 0;
	*out = strdup(path);
	return *out ? 1 : -ENOMEM;
}

int rootfs_resolve(const struct rootfs *rf, const struct rootfs_view *v,
		   const char *path, unsigned flags, char **out)
{
	char work[2 * PATH_MAX + 2], link[PATH_MAX], res[PATH_MAX];
	const char *p = work;
	size_t olen = 0, plen = strlen(path);
	int hops = 0, absent = 0, r;

	*out = NULL;
	if (plen >= PATH_MAX)
		return -ENAMETOOLONG;
	r = resolve_direct(rf, v, path, flags, out);
	if (r != 0)
		return r < 0 ? r : 0;
	memcpy(work, path, plen + 1);
	res[0] = '\0';
	for (;;) {
		const char *e;
		size_t n, keep;
		mode_t type;
		int last;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n == 1 && p[0] == '.') {
			p = e;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			path_pop(res, &olen); /* stops at the root */
			p = e;
			continue;
		}
		keep = olen;
		if ((r = path_push(res, &olen, p, n)) < 0)
			return r;
		last = !e[strspn(e, "/")];
		if (last && !(flags & ROOTFS_RESOLVE_FOLLOW))
			break;
		/* below something absent nothing can be a link */
		r = absent ? -ENOENT
			   : resolve_lookup(rf, v, res, &type, link,
					    sizeof(link));
		if (r == -ENOENT) {
			absent = 1;
			p = e;
			continue;
		}
		if (r < 0)
			return r;
		if (S_ISLNK(type)) {
			if (++hops > ROOTFS_MAX_LINKS)
				return -ELOOP;
			olen = keep;
			res[olen] = '\0';
			if (link[0] == '/')
				olen = 0, res[0] = '\0';
			absent = 0;
			if ((r = splice_link(work, sizeof(work), link, e)) < 0)
				return r;
			p = work;
			continue;
		}
		if (!S_ISDIR(type) && !last)
			return -ENOTDIR;
		p = e;
	}
	*out = strdup(res);
	return *out ? 0 : -ENOMEM;
}
