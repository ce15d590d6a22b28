/*
 * rootfs: the lowest layer of pkg.
 *
 * It owns (1) the one error space and error helper every layer uses,
 * (2) the ops layer through which every filesystem write that matters goes
 * (so tests can crash or fail the Nth one), (3) the control-file (stanza)
 * parser, (4) the .ipk reader and secure extraction into a staging area,
 * and (5) the rom/overlay model of a target root.
 *
 * Nothing here includes a header of another pkg folder but the crypto
 * leaf, fetch/crypto.h (hashes), which sits below rootfs in the layer
 * order: it includes nothing of pkg's and never reports.
 */
#ifndef PKG_ROOTFS_H
#define PKG_ROOTFS_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/stat.h>

#include "crypto.h"

/* ------------------------------------------------------------------ */
/* Errors: 0, -errno, or a negative PKGE_* code (above the errno range). */

enum pkg_errcode {
	PKGE_FIRST = 1000, /* codes are -(PKGE_*) when returned */
	PKGE_FORMAT,	/* malformed input: control, archive, index */
	PKGE_SIGNATURE, /* missing or bad signature, unknown key */
	PKGE_CHECKSUM,	/* SHA-256/MD5/size mismatch */
	PKGE_UNSAFE,	/* path escape, write through symlink, device... */
	PKGE_NOTFOUND,	/* unknown package, file, feed */
	PKGE_UNSOLVABLE, /* solver problems */
	PKGE_CONFLICT,	/* file clash or package conflict */
	PKGE_LOCKED,	/* another pkg holds the lock */
	PKGE_SPACE,	/* preflight: not enough room */
	PKGE_SCRIPT,	/* maintainer script failed */
	PKGE_NETWORK,	/* download failed */
	PKGE_CONFIG,	/* bad configuration */
	PKGE_DB,	/* database error */
	PKGE_USAGE,	/* bad command line */
	PKGE_CRASHED,	/* unfinished transaction found (informational) */
	PKGE_LAST
};

/* Text for a code: strerror(-code) for errno codes. Never NULL. */
const char *pkg_strerror(int code);

/*
 * Report an error once on stderr as "pkg: <message>" (one line) and return
 * code, so callers write `return pkg_error(-ENOENT, "cannot open '%s'", p)`.
 * When code is an errno code and the message does not already end with a
 * reason, ": <strerror>" is appended.
 */
int pkg_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Like pkg_error but never appends a reason. */
int pkg_error_plain(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "pkg: warning: <message>" on stderr. */
void pkg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Program name used as prefix ("pkg", "opkg", "pkg-repo"); set by main. */
void pkg_error_set_prog(const char *prog);

/* ------------------------------------------------------------------ */
/* Ops layer: every filesystem write that matters goes through these.
 * They behave like the system calls (return 0 / fd, or -errno, never
 * print). In a build with -DPKG_FAULT_INJECT, the environment variable
 * PKG_FAULT selects a fault: "crash@N" (_exit(99) at the Nth op without
 * cleanup), "enospc@N", "eio@N" (Nth op fails with that errno), "count"
 * (print "pkg-fault: N operations" on stderr at exit). */

int fsop_open(const char *path, int flags, mode_t mode); /* O_CREAT/O_WRONLY */
int fsop_openat(int dirfd, const char *path, int flags, mode_t mode);
ssize_t fsop_write(int fd, const void *buf, size_t len); /* writes all */
int fsop_fsync(int fd);
int fsop_close(int fd);
int fsop_rename(const char *from, const char *to);
int fsop_unlink(const char *path);
int fsop_mkdir(const char *path, mode_t mode);
int fsop_rmdir(const char *path);
int fsop_symlink(const char *target, const char *path);
int fsop_link(const char *from, const char *to);
int fsop_mknod(const char *path, mode_t mode, dev_t dev);
int fsop_setxattr(const char *path, const char *name, const void *val,
		  size_t len);
int fsop_removexattr(const char *path, const char *name);
int fsop_chmod(const char *path, mode_t mode);
int fsop_lchown(const char *path, uid_t uid, gid_t gid);
int fsop_utimens(const char *path, const struct timespec ts[2]);
/* fsync the directory holding path (or path itself if a directory). */
int fsop_fsync_dir(const char *dir);
/* Whether fsyncs are done (tests and `bench` turn them off with
 * PKG_NO_FSYNC=1; honoured in every build). */
int fsop_fsync_enabled(void);
/* Number of ops done so far (fault builds; always 0 in normal builds). */
unsigned long fsop_count(void);

/* Atomic whole-file write: temp file "<path>.pkg-tmp.<pid>" beside path,
 * write, fsync, rename, fsync the directory. Creates no parent
 * directories. 0 or -errno (reported). */
int rootfs_write_atomic(const char *path, const void *data, size_t len,
			mode_t mode);
/* Remove leftover "*.pkg-tmp.*" files of crashed runs in dir (not
 * recursive). Returns how many were removed, or -errno (reported). */
int rootfs_remove_temps(const char *dir);
/* mkdir -p through the ops layer, mode for created directories.
 * 0 or -errno (reported; -ENOTDIR when a component is not a directory). */
int rootfs_mkdir_p(const char *path, mode_t mode);
/* rm -rf through the ops layer (for staging cleanup), never following
 * symlinks. Missing is ok. 0 or -errno (reported). */
int rootfs_remove_tree(const char *path);

/* Read a whole file into a NUL-terminated malloc'd buffer (cap: max bytes,
 * 0 = 256 MiB). Returns 0 or -errno / PKGE_FORMAT if over the cap; does
 * not report (a missing file is often normal), *out is NULL on error. */
int rootfs_read_file(const char *path, size_t max, char **out, size_t *len);

/* ------------------------------------------------------------------ */
/* Control files and Packages indexes (RFC822-like stanzas). */

struct ctl_field {
	char *name;  /* as written, e.g. "Package" */
	char *value; /* trimmed; continuation lines joined with '\n', each
			keeping its leading space as written minus one */
};

struct ctl_stanza {
	struct ctl_field *fields;
	size_t nfields;
	size_t line; /* 1-based line where the stanza starts */
};

/* Called once per stanza; the stanza is valid only during the call.
 * Return 0 to continue, non-zero to stop (returned by ctl_parse). */
typedef int (*ctl_stanza_fn)(const struct ctl_stanza *st, void *ud);

/*
 * Parse buf (len bytes, need not be NUL-terminated): stanzas separated by
 * blank lines; leading blank lines, CRLF and a missing final newline are
 * accepted. A line that is neither "Name: value" nor a continuation gives
 * PKGE_FORMAT (reported with its line number). Fields longer than
 * max_field bytes (0 = 1 MiB) give PKGE_FORMAT.
 */
int ctl_parse(const char *buf, size_t len, size_t max_field, ctl_stanza_fn fn,
	      void *ud);
/* Like ctl_parse but never reports: on -PKGE_FORMAT, why (whylen bytes)
 * holds "line N: what" for a caller that names the source in its own
 * message ("feed 'x': line N: field too long"). */
int ctl_parse_why(const char *buf, size_t len, size_t max_field,
		  ctl_stanza_fn fn, void *ud, char *why, size_t whylen);
/* Case-insensitive field lookup; NULL when absent. */
const char *ctl_get(const struct ctl_stanza *st, const char *name);
/* Parse exactly one stanza into an owned copy (for ./control). */
int ctl_parse_one(const char *buf, size_t len, struct ctl_stanza *out);
void ctl_stanza_release(struct ctl_stanza *st);

/* ------------------------------------------------------------------ */
/* .ipk archives: gzip'd tar (OpenWrt) or ar (Debian/Yocto) holding
 * debian-binary, control.tar.{gz,xz,zst}, data.tar.{gz,xz,zst}. */

struct ipk;

#define IPK_MAX_CONTROL_MEMBER (1u << 20) /* 1 MiB: decompression bombs */

/* Open and read the control part fully. PKGE_FORMAT on anything not an
 * ipk (message names the file and what is wrong). */
int ipk_open(struct ipk **out, const char *path);
void ipk_free(struct ipk *ipk);
/* The parsed ./control stanza. */
const struct ctl_stanza *ipk_control(const struct ipk *ipk);
/* A control member by name ("control", "conffiles", "postinst", ...):
 * pointer into the ipk (NUL-terminated) or NULL. */
const char *ipk_member(const struct ipk *ipk, const char *name, size_t *len);
/* Names of all control members, count in *n (owned by the ipk). */
const char *const *ipk_member_names(const struct ipk *ipk, size_t *n);

/* ST_DEVICE: char/block device or fifo, only with IPK_ALLOW_DEVICES
 * (mode then carries the S_IFMT type bits, rdev the device). */
enum stage_type { ST_FILE, ST_DIR, ST_SYMLINK, ST_HARDLINK, ST_DEVICE };

struct stage_entry {
	char *path;	/* normalised, relative to the root, no leading '/' */
	enum stage_type type;
	mode_t mode;	/* permission bits incl. suid/sgid/sticky */
	uid_t uid;
	gid_t gid;
	uint64_t size;
	char *target;	/* symlink target, hardlink's path (normalised) */
	char *staged;	/* ST_FILE: absolute path of the staged copy */
	/* ST_FILE and ST_HARDLINK (its target's) */
	unsigned char sha256[CRYPTO_SHA256_SIZE];
	dev_t rdev;	/* ST_DEVICE */
};

struct stage_list {
	struct stage_entry *e;
	size_t n;
	uint64_t bytes; /* data bytes staged */
};

/* Flags for ipk_stage. */
#define IPK_ALLOW_DEVICES 1 /* trusted package: keep device nodes */
#define IPK_ALLOW_SETID 2   /* trusted package: keep setuid/setgid */

/*
 * Extract the data part into the directory staging (created if missing),
 * each regular file as a flat name "<staging>/<index>" written through the
 * ops layer and fsynced; directories, symlinks and hardlinks are only
 * recorded. Refuses (PKGE_UNSAFE, nothing kept) paths with "..", absolute
 * paths, entries under a symlink earlier in the same archive, hardlinks to
 * paths not in the archive, device nodes / setuid files unless flags allow.
 * The list is sorted by path. Caller frees with stage_list_release.
 */
int ipk_stage(struct ipk *ipk, const char *staging, int flags,
	      struct stage_list *out);
void stage_list_release(struct stage_list *l);

/* Normalise an archive path: strip "./" and leading "/", fold "//" and
 * "/./", drop a trailing "/" ("./" gives ""). Returns 0, or -PKGE_UNSAFE
 * for ".." components (not reported; *out NULL). out is malloc'd.
 * (ipk_stage refuses absolute paths before normalising.) */
int path_normalise(const char *in, char **out);

/* Digests of a file's content as lower-case hex (SHA256_HEX_SIZE or
 * MD5_HEX_SIZE bytes incl. the NUL), the one pair every layer uses.
 * 0 or -errno (-ENOENT...; -ENOMEM / -ENOSYS when the crypto library
 * fails), never reported: callers know whether a missing file is an
 * error. */
int rootfs_sha256_file(const char *path, char hex[SHA256_HEX_SIZE]);
int rootfs_md5_file(const char *path, char hex[MD5_HEX_SIZE]);
/* n bytes of bin as 2n lower-case hex digits and a NUL. */
void rootfs_hex(const unsigned char *bin, size_t n, char *hex);

/* ------------------------------------------------------------------ */
/* The rom/overlay model of a target root (DESIGN.md "two views"). */

enum rootfs_mode {
	ROOTFS_PLAIN,	/* no image: files live in root directly */
	ROOTFS_OFFLINE, /* root/rom + upper dir, no mount: pkg merges */
	ROOTFS_LIVE	/* root is an overlayfs mount over the image */
};

struct rootfs {
	enum rootfs_mode mode;
	char *root;  /* absolute, no trailing slash ("" for "/") */
	char *rom;   /* image dir (absolute) or NULL */
	char *upper; /* overlay upper dir (absolute) or NULL */
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

/* Absolute host path through which rel (relative to the root, no leading
 * '/') is written: plain/live -> root/rel, offline -> upper/rel.
 * Malloc'd. */
char *rootfs_wpath(const struct rootfs *rf, const char *rel);
/* Host path of rel in the upper layer (offline and live), NULL for plain
 * roots. Malloc'd. */
char *rootfs_upath(const struct rootfs *rf, const char *rel);
/* Live: sync and drop the dentry cache after the upper layer was changed
 * directly; 1 when the merged view may be stale. */
int rootfs_live_settle(const struct rootfs *rf);
/* Absolute host path through which rel is read in the merged view, or
 * NULL when it does not exist there (whited out, hidden by an opaque
 * directory, absent). *origin tells where it came from. Malloc'd. */
char *rootfs_rpath(const struct rootfs *rf, const char *rel,
		   enum origin *origin);
/* lstat in the merged view; -ENOENT when absent. */
int rootfs_lstat(const struct rootfs *rf, const char *rel, struct stat *st,
		 enum origin *origin);
/* Make sure rel's parent directories exist where writes go (offline:
 * copy up directories from rom with their modes). */
int rootfs_prepare_parent(const struct rootfs *rf, const char *rel);
/* Remove rel from the merged view: unlink the upper copy, and where the
 * image has the path, leave a whiteout (offline: char device 0/0, parents
 * copied up; live: unlink through the mount and the kernel writes it).
 * Directories must be empty in the merged view (else -ENOTEMPTY); an
 * upper directory holding only whiteouts is cleared first. Idempotent:
 * 0 when rel is already absent. Errors are reported. */
int rootfs_remove(const struct rootfs *rf, const char *rel);
/* Whether the upper layer has a whiteout for rel. */
int rootfs_is_whiteout(const struct rootfs *rf, const char *rel);
/* Offline whiteout / opaque encoding helpers on an upper-layer path. */
int rootfs_make_whiteout(const char *upper_path);
int rootfs_set_opaque(const char *upper_dir, int opaque);
int rootfs_is_opaque(const char *upper_dir);

/* Free and total bytes on the filesystem that receives writes. */
int rootfs_space(const struct rootfs *rf, uint64_t *free_bytes,
		 uint64_t *total_bytes);

#endif
