/*
 * The ops layer: every filesystem write that matters goes through these
 * thin wrappers (return 0 / fd or -errno, never print).
 *
 * Built twice: normally, and with -DPKG_FAULT_INJECT for the test binary,
 * where every call first passes through fault_tick() which may crash the
 * process or fail the call (SQLite's crash VFS, done with an env knob).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base.h"

#ifdef PKG_FAULT_INJECT

enum fault_kind { FAULT_NONE, FAULT_CRASH, FAULT_ERRNO, FAULT_COUNT };

/* The one process-wide state, test builds only: the fault selected by
 * PKG_FAULT (parsed once, lazily) and the number of ops done so far. */
static struct {
	int parsed;
	enum fault_kind kind;
	int err;		/* FAULT_ERRNO: the errno to inject */
	unsigned long at;	/* the op number that faults (1-based) */
	unsigned long n;	/* ops done so far */
} fault;

static void fault_report(void)
{
	fprintf(stderr, "pkg-fault: %lu operations\n", fault.n);
}

static void fault_parse(void)
{
	const char *s = getenv("PKG_FAULT");
	const char *at;

	fault.parsed = 1;
	if (!s || !*s)
		return;
	if (!strcmp(s, "count")) {
		fault.kind = FAULT_COUNT;
		atexit(fault_report);
		return;
	}
	at = strchr(s, '@');
	if (!at || at[1] == '\0')
		return;
	fault.at = strtoul(at + 1, NULL, 10);
	if (!strncmp(s, "crash@", 6))
		fault.kind = FAULT_CRASH;
	else if (!strncmp(s, "enospc@", 7))
		fault.kind = FAULT_ERRNO, fault.err = ENOSPC;
	else if (!strncmp(s, "eio@", 4))
		fault.kind = FAULT_ERRNO, fault.err = EIO;
}

/* Count one op; returns 0 to go on or -errno to fail it without doing
 * it. Crashes (no cleanup, no atexit) when the crash point is reached. */
static int fault_tick(void)
{
	if (!fault.parsed)
		fault_parse();
	fault.n++;
	if (fault.at == 0 || fault.n != fault.at)
		return 0;
	if (fault.kind == FAULT_CRASH)
		_exit(99);
	if (fault.kind == FAULT_ERRNO)
		return -fault.err;
	return 0;
}

unsigned long fsop_count(void)
{
	return fault.n;
}

#define FAULT_CHECK()                    \
	do {                             \
		int fault_rc_ = fault_tick(); \
		if (fault_rc_)           \
			return fault_rc_; \
	} while (0)

#else /* !PKG_FAULT_INJECT */

#define FAULT_CHECK() \
	do {          \
	} while (0)

unsigned long fsop_count(void)
{
	return 0;
}

#endif

/* 0, or -errno of the failed call. */
static int rc_of(int r)
{
	return r < 0 ? -errno : r;
}

int fsop_fsync_enabled(void)
{
	const char *s = getenv("PKG_NO_FSYNC");

	return !(s && !strcmp(s, "1"));
}

int fsop_open(const char *path, int flags, mode_t mode)
{
	FAULT_CHECK();
	return rc_of(open(path, flags | O_CLOEXEC, mode));
}

int fsop_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	FAULT_CHECK();
	return rc_of(openat(dirfd, path, flags | O_CLOEXEC, mode));
}

ssize_t fsop_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	FAULT_CHECK();
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static ssize_t out_write(void *cookie, const char *buf, size_t n)
{
	struct fsop_out *o = cookie;
	ssize_t w = o->err ? -1 : fsop_write(o->fd, buf, n);

	if (w < 0) {
		if (!o->err)
			o->err = (int)w;
		errno = EIO;
		return -1;
	}
	return (ssize_t)n;
}

FILE *fsop_out_open(struct fsop_out *o)
{
	static const cookie_io_functions_t io = { .write = out_write };

	return fopencookie(o, "w", io);
}

int fsop_fsync(int fd)
{
	FAULT_CHECK();
	if (!fsop_fsync_enabled())
		return 0;
	return rc_of(fsync(fd));
}

/* close is done even when a fault is injected, so that the injected
 * error does not also leak the descriptor. */
int fsop_close(int fd)
{
#ifdef PKG_FAULT_INJECT
	int frc = fault_tick();

	if (frc) {
		close(fd);
		return frc;
	}
#endif
	return rc_of(close(fd));
}

int fsop_rename(const char *from, const char *to)
{
	FAULT_CHECK();
	return rc_of(rename(from, to));
}

int fsop_unlink(const char *path)
{
	FAULT_CHECK();
	return rc_of(unlink(path));
}

int fsop_mkdir(const char *path, mode_t mode)
{
	FAULT_CHECK();
	return rc_of(mkdir(path, mode));
}

int fsop_rmdir(const char *path)
{
	FAULT_CHECK();
	return rc_of(rmdir(path));
}

int fsop_symlink(const char *target, const char *path)
{
	FAULT_CHECK();
	return rc_of(symlink(target, path));
}

int fsop_link(const char *from, const char *to)
{
	FAULT_CHECK();
	return rc_of(link(from, to));
}

int fsop_mknod(const char *path, mode_t mode, dev_t dev)
{
	FAULT_CHECK();
	return rc_of(mknod(path, mode, dev));
}

int fsop_setxattr(const char *path, const char *name, const void *val,
		  size_t len)
{
	FAULT_CHECK();
	return rc_of(lsetxattr(path, name, val, len, 0));
}

int fsop_removexattr(const char *path, const char *name)
{
	FAULT_CHECK();
	return rc_of(lremovexattr(path, name));
}

int fsop_chmod(const char *path, mode_t mode)
{
	FAULT_CHECK();
	return rc_of(chmod(path, mode));
}

int fsop_lchown(const char *path, uid_t uid, gid_t gid)
{
	FAULT_CHECK();
	return rc_of(lchown(path, uid, gid));
}

int fsop_utimens(const char *path, const struct timespec ts[2])
{
	FAULT_CHECK();
	return rc_of(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW));
}

int fsop_fsync_dir(const char *dir)
{
	struct stat st;
	char *copy = NULL;
	const char *d = dir;
	int fd, rc;

	FAULT_CHECK();
	if (!fsop_fsync_enabled())
		return 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		const char *slash = strrchr(dir, '/');

		if (!slash)
			d = ".";
		else if (slash == dir)
			d = "/";
		else if (!(copy = strndup(dir, (size_t)(slash - dir))))
			return -ENOMEM;
		else
			d = copy;
	}
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = fd < 0 ? -errno : 0;
	if (fd >= 0) {
		rc = rc_of(fsync(fd));
		close(fd);
	}
	free(copy);
	return rc;
}

/* The *at forms: the confined layer (tree.c) walks to a directory fd and
 * names one entry in it, so no write ever resolves a path by itself. */

int fsop_renameat(int fromdir, const char *from, int todir, const char *to)
{
	FAULT_CHECK();
	return rc_of(renameat(fromdir, from, todir, to));
}

int fsop_unlinkat(int dirfd, const char *name, int flags)
{
	FAULT_CHECK();
	return rc_of(unlinkat(dirfd, name, flags));
}

int fsop_mkdirat(int dirfd, const char *name, mode_t mode)
{
	FAULT_CHECK();
	return rc_of(mkdirat(dirfd, name, mode));
}

int fsop_symlinkat(const char *target, int dirfd, const char *name)
{
	FAULT_CHECK();
	return rc_of(symlinkat(target, dirfd, name));
}

int fsop_linkat(int fromdir, const char *from, int todir, const char *to)
{
	FAULT_CHECK();
	return rc_of(linkat(fromdir, from, todir, to, 0));
}

int fsop_mknodat(int dirfd, const char *name, mode_t mode, dev_t dev)
{
	FAULT_CHECK();
	return rc_of(mknodat(dirfd, name, mode, dev));
}

int fsop_fchmod(int fd, mode_t mode)
{
	FAULT_CHECK();
	return rc_of(fchmod(fd, mode));
}

int fsop_fchownat(int dirfd, const char *name, uid_t uid, gid_t gid)
{
	FAULT_CHECK();
	return rc_of(fchownat(dirfd, name, uid, gid,
			      AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
}

int fsop_utimensat(int dirfd, const char *name, const struct timespec ts[2])
{
	FAULT_CHECK();
	return rc_of(utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW));
}

int fsop_fsetxattr(int fd, const char *name, const void *val, size_t len)
{
	FAULT_CHECK();
	return rc_of(fsetxattr(fd, name, val, len, 0));
}

int fsop_fremovexattr(int fd, const char *name)
{
	FAULT_CHECK();
	return rc_of(fremovexattr(fd, name));
}

int fsop_fsync_dirfd(int dirfd)
{
	FAULT_CHECK();
	if (!fsop_fsync_enabled())
		return 0;
	return rc_of(fsync(dirfd));
}

int fsop_syncfs(int fd)
{
	FAULT_CHECK();
	if (!fsop_fsync_enabled())
		return 0;
	return rc_of(syncfs(fd));
}

#ifdef PKG_FAULT_INJECT
/* Test builds: PKG_TEST_HOOK="POINT:PROGRAM" runs PROGRAM ARG (through
 * /bin/sh) when the run reaches POINT, and waits for it: the tests drive
 * races deterministically (a file swapped between its check and its
 * use). */
void fsop_hook(const char *point, const char *arg)
{
	const char *h = getenv("PKG_TEST_HOOK");
	size_t n = strlen(point);
	pid_t pid;
	int status;

	if (!h || strncmp(h, point, n) || h[n] != ':')
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", h + n + 1, arg, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
}
#else
void fsop_hook(const char *point, const char *arg)
{
	(void)point;
	(void)arg;
}
#endif
