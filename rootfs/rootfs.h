/*
 * rootfs/rootfs.h: a target root, for the layers that act on one.
 *
 * The rom/overlay model of a root (plain, offline image + upper layer, live
 * overlayfs: overlay.c), the root-confined file layer that opens, makes and
 * removes its entries from open descriptors (tree.c), and the resolver
 * that makes every path of a root canonical inside it (resolve.c). The
 * base every layer uses (errors, ops layer, control parser, .ipk reader)
 * is rootfs/base.h, included here.
 */
#ifndef PKG_ROOTFS_H
#define PKG_ROOTFS_H

#include "base.h"

/* ------------------------------------------------------------------ */
/* The rom/overlay model of a target root (docs/DESIGN.md, "The rom/overlay
 * model"). */

enum rootfs_mode {
	ROOTFS_PLAIN,	/* no image: files live in root directly */
	ROOTFS_OFFLINE, /* root/rom + upper dir, no mount: pkg merges */
	ROOTFS_LIVE	/* root is an overlayfs mount over the image */
};

struct rootfs {
	enum rootfs_mode mode;
	char *root;  /* absolute, no trailing slash ("" for "/"): messages,
			scripts' IPKG_INSTROOT; never opened by name */
	char *rom;   /* image dir (absolute) or NULL: messages only */
	char *upper; /* overlay upper dir (absolute) or NULL: messages only */
	int root_fd; /* the layers, opened once (directories), -1: none */
	int rom_fd;
	int upper_fd;
	int openat2; /* the kernel walks for us (openat2 RESOLVE_BENEATH) */
	int sync_later; /* tree_write_atomic skips its fsyncs: the caller
			   makes a batch durable with one tree_sync */
	struct tree_dirs *dirs; /* directories walked lately, kept open
				   (tree.c); NULL: none kept */
};

enum origin { ORIGIN_NONE, ORIGIN_ROM, ORIGIN_UPPER, ORIGIN_WHITEOUT };

/*
 * Detect the layout of root. overlay_root is opkg.conf's
 * `option overlay_root` (e.g. "/overlay") or NULL for the default
 * "/overlay". Offline: root/rom exists and <root><overlay_root>/upper
 * exists and root is not itself an overlay mount. Live: root is an
 * overlayfs mount (lowerdir/upperdir read from /proc/self/mountinfo).
 * Otherwise plain.
 */
int rootfs_open(struct rootfs *rf, const char *root, const char *overlay_root);
void rootfs_release(struct rootfs *rf);
/* Something other than this layer may have changed the root's
 * directories (a maintainer script ran): walk them again from now on. */
void rootfs_forget_dirs(const struct rootfs *rf);

/* Live: sync and drop the dentry cache after the upper layer was changed
 * directly; 1 when the merged view may be stale. */
int rootfs_live_settle(const struct rootfs *rf);
/* lstat of a canonical rel in the merged view; -ENOENT when absent. */
int rootfs_lstat(const struct rootfs *rf, const char *rel, struct stat *st,
		 enum origin *origin);
/* Make sure rel's parent directories exist where writes go (offline:
 * copy up directories from rom with their modes; over a whiteout an
 * opaque directory). Reported. */
int rootfs_prepare_parent(const struct rootfs *rf, const char *rel);
/* Remove rel from the merged view: unlink the upper copy, and where the
 * image has the path, leave a whiteout (offline: char device 0/0, parents
 * copied up; live: unlink through the mount and the kernel writes it).
 * Directories must be empty in the merged view (else -ENOTEMPTY); an
 * upper directory holding only whiteouts is cleared first. Idempotent:
 * 0 when rel is already absent. Errors are reported. */
int rootfs_remove(const struct rootfs *rf, const char *rel);
/* Whether the upper layer has a whiteout at rel. */
int rootfs_is_whiteout(const struct rootfs *rf, const char *rel);
/* Overlay encoding in the upper layer, on canonical rels (reported). */
int rootfs_make_whiteout(const struct rootfs *rf, const char *rel);
int rootfs_set_opaque(const struct rootfs *rf, const char *rel, int opaque);
int rootfs_is_opaque(const struct rootfs *rf, const char *rel);

/* Free and total bytes on the filesystem that receives writes. */
int rootfs_space(const struct rootfs *rf, uint64_t *free_bytes,
		 uint64_t *total_bytes);

/* ------------------------------------------------------------------ */
/* The root-confined file layer (tree.c). Every path of a target root is
 * resolved here, from the descriptors of struct rootfs. See tree.c. */

#define ROOTFS_OPAQUE_XATTR "trusted.overlay.opaque"
#define ROOTFS_MAX_LINKS 40 /* symlinks followed in one resolution */

/* The layers a physical walk starts from. */
enum tree_layer {
	TREE_WRITE, /* where writes go: upper (offline), else the root */
	TREE_UPPER, /* the overlay's upper directory */
	TREE_ROM,   /* the image */
	TREE_ROOT   /* the root as mounted (plain, live: the merged view) */
};

/* A canonical root-relative path: no leading or trailing '/', no empty,
 * "." or ".." component, components under NAME_MAX, under PATH_MAX in
 * all ("" is the root itself). 1 or 0. */
int path_is_canonical(const char *rel);
/* The descriptor of a layer, -1 when the root has none. */
int tree_layer_fd(const struct rootfs *rf, enum tree_layer l);
/* Whether openat2(RESOLVE_BENEATH) works on dirfd (PKG_NO_OPENAT2=1
 * says no: the tests run the hand walk that way). */
int tree_openat2_works(int dirfd);
/* One kernel walk of rel (canonical, not "") in layer l that meets no
 * symlink, the last component's included (a directory when dir is set):
 * 0 when rel is there, -ENOENT when a component is missing (none before
 * it a link), -EAGAIN for anything else (a link, a file on the way, no
 * openat2): the caller then walks it itself. The resolver's short cut
 * (resolve.c). */
int tree_probe_nolinks(const struct rootfs *rf, enum tree_layer l,
		       const char *rel, int dir);

/* The directory rel itself, walked the same way: a descriptor of its
 * own (caller closes), never the cache's. */
int tree_opendir_fd(const struct rootfs *rf, enum tree_layer l,
		    const char *rel);

/* The calls, on one layer, on a canonical rel; the last component is
 * never followed either. They behave like the system calls (0, fd or
 * -errno, -PKGE_UNSAFE for a symlink on the way) and never report;
 * changes go through the ops layer. */
int tree_lstat(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       struct stat *st);
int tree_readlink(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  char *buf, size_t cap); /* length, NUL-terminated */
/* Opened to be read (no O_CREAT, O_WRONLY, O_RDWR, O_DIRECTORY or
 * O_PATH), the entry must be a file or a directory: a FIFO or a device
 * is -PKGE_UNSAFE (never waited on, never read without end). */
int tree_open(const struct rootfs *rf, enum tree_layer l, const char *rel,
	      int flags, mode_t mode);
int tree_mkdir(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       mode_t mode);
int tree_rmdir(const struct rootfs *rf, enum tree_layer l, const char *rel);
int tree_unlink(const struct rootfs *rf, enum tree_layer l, const char *rel);
int tree_symlink(const struct rootfs *rf, enum tree_layer l,
		 const char *target, const char *rel);
int tree_mknod(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       mode_t mode, dev_t dev);
int tree_lchown(const struct rootfs *rf, enum tree_layer l, const char *rel,
		uid_t uid, gid_t gid);
int tree_utimens(const struct rootfs *rf, enum tree_layer l, const char *rel,
		 const struct timespec ts[2]);
int tree_rename(const struct rootfs *rf, enum tree_layer l, const char *from,
		const char *to);
int tree_link(const struct rootfs *rf, enum tree_layer l, const char *from,
	      const char *to);
/* chmod of a file or directory (a symlink is left alone). */
int tree_chmod(const struct rootfs *rf, enum tree_layer l, const char *rel,
	       mode_t mode);
int tree_setxattr(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  const char *name, const void *val, size_t len);
int tree_removexattr(const struct rootfs *rf, enum tree_layer l,
		     const char *rel, const char *name);
int tree_getxattr(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  const char *name, void *val, size_t cap);
/* Make what was written to the layers pkg writes (TREE_WRITE, and
 * TREE_UPPER when it is another directory) durable: one syncfs per layer,
 * where a sync per file and per directory costs a journal commit each.
 * 0 or -errno, not reported; a no-op with PKG_NO_FSYNC. */
int tree_sync(const struct rootfs *rf);
/* fsync the directory holding rel. */
int tree_fsync_parent(const struct rootfs *rf, enum tree_layer l,
		      const char *rel);
/* For a library that opens files by name (SQLite and its journal): the
 * host path of rel, after a walk showed that no component of it is a
 * symlink (the root's own path is trusted: the user named it). NULL and
 * *err on failure. Malloc'd. */
char *tree_checked_path(const struct rootfs *rf, enum tree_layer l,
			const char *rel, int *err);
/* The directory rel for readdir (NULL and *err on failure). */
DIR *tree_opendir(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  int *err);
/* mkdir -p of rel (every component a real directory). */
int tree_mkdir_p(const struct rootfs *rf, enum tree_layer l, const char *rel,
		 mode_t mode);
/* rm -rf of rel; missing is 0. */
int tree_remove_tree(const struct rootfs *rf, enum tree_layer l,
		     const char *rel);
/* A whole file into a NUL-terminated buffer (cap: max, 0 = 256 MiB). */
int tree_read_file(const struct rootfs *rf, enum tree_layer l, const char *rel,
		   size_t max, char **out, size_t *len);
/* hostfs_write_atomic's contract on rel: temp file beside it, fsync,
 * rename, fsync of the directory (no fsync with rf->sync_later: the
 * caller's tree_sync). Not reported. */
int tree_write_atomic(const struct rootfs *rf, enum tree_layer l,
		      const char *rel, const void *data, size_t len,
		      mode_t mode);
/* Remove "*.pkg-tmp.*" leftovers in directory dir: how many, or -errno. */
int tree_remove_temps(const struct rootfs *rf, enum tree_layer l,
		      const char *dir);
/* Read an open fd to its end (cap as tree_read_file). */
int fd_read_all(int fd, size_t max, char **out, size_t *len);
/* Open the entry name (one component, never followed) of the directory
 * dirfd to be read, as tree_open does: a file or a directory, else
 * -PKGE_UNSAFE (a FIFO or a device). fd or -errno. */
int tree_open_at(int dirfd, const char *name);
/* Read whole the file name (one component, never followed) of the
 * directory dirfd (rootfs_dir_open's): as rootfs_read of dir/name, with
 * one open instead of a walk per file. */
int tree_read_at(int dirfd, const char *name, size_t max, char **out,
		 size_t *len);

/* The merged view (what the router sees), on a canonical rel. */
/* Where rel is: 0 with *st, *origin and *layer (NULL: not wanted), or
 * -ENOENT (*origin says ORIGIN_WHITEOUT when a whiteout hides it). */
int rootfs_find(const struct rootfs *rf, const char *rel, struct stat *st,
		enum origin *origin, enum tree_layer *layer);
/* Open rel for reading / read its symlink / read it whole. */
int rootfs_open_read(const struct rootfs *rf, const char *rel,
		     enum origin *origin);
int rootfs_readlink(const struct rootfs *rf, const char *rel, char *buf,
		    size_t cap);
int rootfs_read(const struct rootfs *rf, const char *rel, size_t max,
		char **out, size_t *len);
/* The directory rel (canonical) of a one-tree root (plain or live: the
 * merged view is the root's own) opened for tree_read_at; -EOPNOTSUPP
 * on an offline root, whose merged view is two trees (rootfs_read each
 * path there), or the walk's error. */
int rootfs_dir_open(const struct rootfs *rf, const char *rel);

/* SHA-256 of the regular file rel in the merged view / in layer l. */
int rootfs_sha256(const struct rootfs *rf, const char *rel, char hex[SHA256_HEX_SIZE]);
int tree_sha256(const struct rootfs *rf, enum tree_layer l, const char *rel,
		char hex[SHA256_HEX_SIZE]);
/* The names in directory rel of the merged view (whited-out ones left
 * out), sorted, NULL-terminated; free each and the array. 0 (none is
 * fine) or -ENOMEM. */
int rootfs_list_dir(const struct rootfs *rf, const char *rel, char ***names,
		    size_t *n);
/* The same of one layer's directory (whiteouts included). */
int tree_list_dir(const struct rootfs *rf, enum tree_layer l, const char *rel,
		  char ***names, size_t *n);

/* Entries a transaction is about to make or remove, consulted by the
 * resolver before the disk: lookup returns ROOTFS_VIEW_ENTRY with *type
 * (S_IFMT bits) and, for a symlink, *target; ROOTFS_VIEW_GONE when the
 * transaction removes rel; ROOTFS_VIEW_NONE to ask the disk. */
enum { ROOTFS_VIEW_NONE, ROOTFS_VIEW_ENTRY, ROOTFS_VIEW_GONE };
struct rootfs_view {
	int (*lookup)(void *ud, const char *rel, mode_t *type,
		      const char **target);
	void *ud;
};
#define ROOTFS_RESOLVE_FOLLOW 1 /* follow a symlink in the last component */

/*
 * Resolve path (root-relative or absolute: both mean inside the root) the
 * way the router will see it: symlinks of its parent components (and of
 * the last with ROOTFS_RESOLVE_FOLLOW) are followed through the view v
 * (may be NULL) and the merged view, an absolute target from the root,
 * ".." never above the root, at most ROOTFS_MAX_LINKS links. *out: the
 * canonical root-relative result (malloc'd), which need not exist.
 * 0, -ELOOP, -ENOTDIR (a non-directory on the way), -ENAMETOOLONG,
 * -ENOMEM. Not reported.
 */
int rootfs_resolve(const struct rootfs *rf, const struct rootfs_view *v,
		   const char *path, unsigned flags, char **out);

/* ------------------------------------------------------------------ */
/* Staging an archive into a root (stage.c; the types are base.h's). */

/*
 * Extract the data part into the directory staging (a canonical path in
 * rf's write layer, created if missing), each regular file as a flat name
 * "<staging>/<index>" written through the confined layer, not synced
 * (the caller makes all it staged durable with one tree_sync before
 * anything refers to it); directories, symlinks and hardlinks are only
 * recorded. Refuses
 * (PKGE_UNSAFE, nothing kept) paths with "..", absolute paths, control
 * characters in names or link targets, entries under a symlink earlier in
 * the same archive, hardlinks to paths not in the archive, device nodes /
 * setuid files unless flags allow; stops (PKGE_FORMAT / PKGE_SPACE) at
 * lim's caps. The list is sorted by path; e->staged is canonical in the
 * write layer. Reads the ipk's own open file. Caller frees with
 * stage_list_release.
 */
int ipk_stage(struct ipk *ipk, const struct rootfs *rf, const char *staging,
	      int flags, const struct stage_limits *lim,
	      struct stage_list *out);
void stage_list_release(struct stage_list *l);

#endif
