/*
 * rootfs/base.h: the base of every layer of pkg, the part of rootfs/ that
 * knows nothing of a root.
 *
 * It owns (1) the one error space and error helper every layer uses,
 * (2) the ops layer through which every filesystem write that matters goes
 * (so tests can crash or fail the Nth one), (3) the control-file (stanza)
 * parser and its validators, and (4) the .ipk reader and secure extraction
 * into a staging area. fetch/, solver/, hooks/ and repo-tools/ need no
 * more than this; the rom/overlay model of a target root and the confined
 * resolution of its paths are rootfs/rootfs.h, for what acts on a root.
 *
 * Nothing here includes a header of another pkg folder but the crypto
 * leaf, fetch/crypto.h (hashes), which sits below rootfs in the layer
 * order: it includes nothing of pkg's and never reports.
 */
#ifndef PKG_ROOTFS_BASE_H
#define PKG_ROOTFS_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>

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
/* A write stream over o->fd through fsop_write (buffered: no copy of a
 * whole file in memory); the first error is kept in o->err (-errno),
 * which the caller checks after fclose. o outlives the stream. */
struct fsop_out {
	int fd;
	int err;
};
FILE *fsop_out_open(struct fsop_out *o);
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
/* The *at forms, relative to a directory fd (tree.c walks to it). */
int fsop_renameat(int fromdir, const char *from, int todir, const char *to);
int fsop_unlinkat(int dirfd, const char *name, int flags);
int fsop_mkdirat(int dirfd, const char *name, mode_t mode);
int fsop_symlinkat(const char *target, int dirfd, const char *name);
int fsop_linkat(int fromdir, const char *from, int todir, const char *to);
int fsop_mknodat(int dirfd, const char *name, mode_t mode, dev_t dev);
int fsop_fchmod(int fd, mode_t mode);
/* Never follows a symlink; name "" changes dirfd itself. */
int fsop_fchownat(int dirfd, const char *name, uid_t uid, gid_t gid);
int fsop_utimensat(int dirfd, const char *name, const struct timespec ts[2]);
int fsop_fsetxattr(int fd, const char *name, const void *val, size_t len);
int fsop_fremovexattr(int fd, const char *name);
/* fsync an open directory. */
int fsop_fsync_dirfd(int dirfd);
/* syncfs: everything written to the filesystem holding fd. */
int fsop_syncfs(int fd);
/* fsync the directory holding path (or path itself if a directory). */
int fsop_fsync_dir(const char *dir);
/* Whether fsyncs are done (tests and `bench` turn them off with
 * PKG_NO_FSYNC=1; honoured in every build). */
int fsop_fsync_enabled(void);
/* Test builds: PKG_TEST_HOOK="POINT:PROGRAM" runs PROGRAM ARG when the
 * run reaches POINT (e.g. "verified": an archive was checked and is
 * about to be read); a no-op in normal builds. */
void fsop_hook(const char *point, const char *arg);
/* Number of ops done so far (fault builds; always 0 in normal builds). */
unsigned long fsop_count(void);

/* Atomic whole-file write: temp file "<path>.pkg-tmp.<pid>" beside path,
 * write, fsync, rename, fsync the directory. Creates no parent
 * directories. 0 or -errno (reported). */
int hostfs_write_atomic(const char *path, const void *data, size_t len,
			mode_t mode);
/* Remove leftover "*.pkg-tmp.*" files of crashed runs in dir (not
 * recursive). Returns how many were removed, or -errno (reported). */
int hostfs_remove_temps(const char *dir);
/* mkdir -p through the ops layer, mode for created directories.
 * 0 or -errno (reported; -ENOTDIR when a component is not a directory). */
int hostfs_mkdir_p(const char *path, mode_t mode);
/* rm -rf through the ops layer (for staging cleanup), never following
 * symlinks. Missing is ok. 0 or -errno (reported). */
int hostfs_remove_tree(const char *path);

/* Host paths (files the user named, the private temporary directory):
 * open (fd or -errno) and opendir; never used on a root's paths. */
int hostfs_open(const char *path, int flags, mode_t mode);
DIR *hostfs_opendir(const char *path);
/* A private temporary directory "<base>/<prefix>XXXXXX" (mkdtemp, 0700,
 * checked ours; base must not be writable by others unless sticky):
 * *path malloc'd, *fd its descriptor. Reported. */
int hostfs_private_dir(const char *base, const char *prefix, char **path,
		       int *fd);
/* Read a whole file into a NUL-terminated malloc'd buffer (cap: max bytes,
 * 0 = 256 MiB). Returns 0 or -errno / PKGE_FORMAT if over the cap; does
 * not report (a missing file is often normal), *out is NULL on error. */
int hostfs_read_file(const char *path, size_t max, char **out, size_t *len);

/* ------------------------------------------------------------------ */
/* A growing text buffer (strbuf.c): start zeroed ({0}); add; take the
 * text (malloc'd, "" when nothing was added; NULL when an allocation
 * failed: the first failure sticks, so callers check once). */
struct strbuf {
	char *s;	/* NUL-terminated once anything was added */
	size_t len, cap;
	int oom;
};
/* Room for n more bytes and the NUL: 0, or -1 once out of memory. */
int strbuf_room(struct strbuf *b, size_t n);
/* Inline: list adds five pieces to each of nine thousand lines, and the
 * call was most of what an add cost. */
static inline void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom || (b->len + n + 1 > b->cap && strbuf_room(b, n) < 0))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}
static inline void strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}
char *strbuf_take(struct strbuf *b);

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
/* Is field the field name, in any case? (The first letters are compared
 * before strcasecmp: it runs for every field of every stanza of a feed.) */
static inline int ctl_field_is(const char *field, const char *name)
{
	/* The first characters may differ in ASCII's case bit alone (a
	 * filter, inlined: a feed's parse asks it some 60 times a field,
	 * where tolower and a call cost 60M instructions on 19.07.1's);
	 * strcasecmp decides. */
	return !(((unsigned char)*field ^ (unsigned char)*name) & ~0x20u) &&
	       !strcasecmp(field, name);
}
/* Validation where packages are parsed (archives, indexes, status):
 * a package name is opkg's alphabet (letters, digits, "+-._", starting
 * with a letter or digit), a version the same plus "~:", both at most
 * CTL_NAME_MAX bytes; a single-line value has no control character.
 * 1 ok, 0 not. */
#define CTL_NAME_MAX 200
int ctl_name_ok(const char *s);
int ctl_version_ok(const char *s);
int ctl_line_ok(const char *s);
/* A size field (Size, Installed-Size): decimal digits only (no sign, no
 * blanks before), below 2^64. 0, -EINVAL or -ERANGE; *out untouched on
 * error. */
int ctl_parse_u64(const char *s, uint64_t *out);
/* A stanza's Package, Version and one-line fields (Status, Filename,
 * ...: every field but Description, Conffiles and unknown ones; the
 * relation fields Depends... may be folded, a newline then a blank):
 * 0, or -PKGE_FORMAT with why ("invalid package name 'x'"). Not
 * reported. */
int ctl_check_stanza(const struct ctl_stanza *st, char *why, size_t whylen);
/* The largest stanza read from a stream (fields are capped at 1 MiB by
 * the parser; a stanza of several such fields is still refused). */
#define CTL_STANZA_MAX ((size_t)4 << 20)
/* Stanzas read from a stream one at a time (a feed list through its
 * decompressor): read in blocks, a stanza handed out where it lies in
 * the block (not copied line by line). A stanza ends at a blank line
 * ("\n", "\r\n"); blank lines between stanzas are skipped. Set fp and
 * max (the largest stanza, 0 = CTL_STANZA_MAX), the rest zero. */
struct ctl_reader {
	FILE *fp;
	size_t max;
	char *buf;
	size_t cap, len, pos; /* buf[pos..len): read, not yet handed out */
	size_t line;	      /* lines passed */
	uint64_t off;	      /* bytes passed */
	int eof;
};
/* The next stanza: *text (*len bytes, each line with its newline; valid
 * until the next call), its first line (1-based) and byte offset in the
 * stream. 1 with one, 0 at the end, -EIO (a read error), -ENOMEM, or
 * -PKGE_FORMAT (longer than max: *line is the line that passed it). */
int ctl_read_stanza(struct ctl_reader *r, const char **text, size_t *len,
		    size_t *line, uint64_t *off);
void ctl_reader_release(struct ctl_reader *r);
/* Parse exactly one stanza into an owned copy (for ./control). */
int ctl_parse_one(const char *buf, size_t len, struct ctl_stanza *out);
void ctl_stanza_release(struct ctl_stanza *st);

/* ------------------------------------------------------------------ */
/* .ipk archives: gzip'd tar (OpenWrt) or ar (Debian/Yocto) holding
 * debian-binary, control.tar.{gz,xz,zst}, data.tar.{gz,xz,zst}. */

struct ipk;

#define IPK_MAX_CONTROL_MEMBER (1u << 20) /* 1 MiB: decompression bombs */

/* Open and read the control part fully. PKGE_FORMAT on anything not an
 * ipk or whose control fails ctl_check_stanza (message names the file
 * and what is wrong). ipk_open opens a host path (a file the user named,
 * a download in a private directory); ipk_open_fd takes fd over: every
 * later read (ipk_stage) is of that same open file, so what was verified
 * through fd is what gets extracted. name is for messages. */
int ipk_open(struct ipk **out, const char *path);
int ipk_open_fd(struct ipk **out, int fd, const char *name);
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
	char *staged;	/* ST_FILE: the staged copy (canonical, write layer) */
	unsigned char sha256[32]; /* ST_FILE and ST_HARDLINK (its target's) */
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

/* What the data part may unpack to: the declared Installed-Size (0: not
 * declared; the cap is a multiple of it, see stage.c) and the free space
 * of the filesystem staging writes to (0: unknown), named where. */
struct stage_limits {
	uint64_t installed_size;
	uint64_t space;
	const char *where;
};

/* Normalise an archive path: strip "./" and leading "/", fold "//" and
 * "/./", drop a trailing "/" ("./" gives ""). Returns 0, or -PKGE_UNSAFE
 * for ".." components (not reported; *out NULL). out is malloc'd.
 * (ipk_stage refuses absolute paths before normalising.) */
int path_normalise(const char *in, char **out);

/* SHA-256 / MD5 of a host file or of an open file (read from where it
 * is to its end), lower-case hex. 0 or -errno, not reported. */
int rootfs_sha256_file(const char *path, char hex[SHA256_HEX_SIZE]);
int rootfs_md5_file(const char *path, char hex[MD5_HEX_SIZE]);
int rootfs_sha256_fd(int fd, char hex[SHA256_HEX_SIZE]);
int rootfs_md5_fd(int fd, char hex[MD5_HEX_SIZE]);
void rootfs_hex(const unsigned char *bin, size_t n, char *hex);

#endif
