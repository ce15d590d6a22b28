/*
 * File helpers on top of the ops layer: atomic whole-file write, mkdir -p,
 * rm -rf, whole-file read, and file digests (SHA-256, MD5) through the
 * crypto leaf (fetch/crypto.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

/* Write data to a fresh temp file and fsync it; -errno on failure (the
 * temp file is removed). */
static int atomic_fill(const char *tmp, const void *data, size_t len,
		       mode_t mode)
{
	int fd, rc;
	ssize_t w;

	fd = fsop_open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode & 07777);
	if (fd < 0)
		return fd;
	w = fsop_write(fd, data, len);
	rc = w < 0 ? (int)w : 0;
	if (!rc)
		rc = fsop_fsync(fd);
	if (!rc)
		rc = fsop_close(fd);
	else
		fsop_close(fd);
	/* the mode was filtered by the umask at creation */
	if (!rc)
		rc = fsop_chmod(tmp, mode & 07777);
	if (rc)
		fsop_unlink(tmp);
	return rc;
}

int hostfs_write_atomic(const char *path, const void *data, size_t len,
			mode_t mode)
{
	char *tmp = NULL;
	int rc;

	if (asprintf(&tmp, "%s.pkg-tmp.%ld", path, (long)getpid()) < 0)
		return pkg_error(-ENOMEM, "cannot write '%s'", path);
	/* a leftover of an earlier crashed run with our pid */
	if (access(tmp, F_OK) == 0)
		fsop_unlink(tmp);
	rc = atomic_fill(tmp, data, len, mode);
	if (!rc) {
		rc = fsop_rename(tmp, path);
		if (rc)
			fsop_unlink(tmp);
	}
	if (!rc)
		rc = fsop_fsync_dir(path);
	free(tmp);
	if (rc)
		return pkg_error(rc, "cannot write '%s'", path);
	return 0;
}

int hostfs_remove_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0, rc = 0;

	if (!d)
		return pkg_error(-errno, "cannot open directory '%s'", dir);
	while (!rc && (de = readdir(d))) {
		char *p = NULL;

		if (!strstr(de->d_name, ".pkg-tmp."))
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			rc = -ENOMEM;
		else if (!(rc = fsop_unlink(p)))
			n++;
		if (rc)
			pkg_error(rc, "cannot remove '%s'", p ? p : dir);
		free(p);
	}
	closedir(d);
	return rc ? rc : n;
}

int hostfs_mkdir_p(const char *path, mode_t mode)
{
	char *p = strdup(path);
	struct stat st;
	char *s;
	int rc = 0;

	if (!p)
		return pkg_error(-ENOMEM, "cannot create directory '%s'", path);
	if (!*p) {
		free(p);
		return 0;
	}
	for (s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (stat(p, &st) < 0) {
			rc = fsop_mkdir(p, mode);
			if (rc == -EEXIST)
				rc = 0;
		} else if (!S_ISDIR(st.st_mode)) {
			rc = -ENOTDIR;
		}
		*s = c;
		if (rc || c == '\0')
			break;
	}
	if (rc)
		pkg_error(rc, "cannot create directory '%s'", p);
	free(p);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	int rc;

	if (type == FTW_DP)
		rc = fsop_rmdir(path);
	else
		rc = fsop_unlink(path);
	return rc == -ENOENT ? 0 : rc;
}

int hostfs_remove_tree(const char *path)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 :
		       pkg_error(-errno, "cannot remove '%s'", path);
	if (!S_ISDIR(st.st_mode))
		rc = fsop_unlink(path);
	else
		rc = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (rc == -1)
		rc = -errno;
	if (rc && rc != -ENOENT)
		return pkg_error(rc, "cannot remove '%s'", path);
	return 0;
}

int hostfs_read_file(const char *path, size_t max, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int fd, rc = 0;

	*out = NULL;
	if (len)
		*len = 0;
	if (!max)
		max = (size_t)256 << 20;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
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
	close(fd);
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

void rootfs_hex(const unsigned char *bin, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* Digest of fd's content from where it is, with algo, as lower-case
 * hex: 0 or -errno (crypto_hash_init's codes included). */
static int hash_fd(int fd, enum crypto_hash_algo algo, char *hex)
{
	unsigned char md[CRYPTO_MAX_DIGEST_SIZE], buf[65536];
	struct crypto_hash h;
	int rc = crypto_hash_init(&h, algo);

	while (!rc) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = -errno;
		else if (r == 0)
			break;
		else
			crypto_hash_update(&h, buf, (size_t)r);
	}
	if (rc) {
		crypto_hash_release(&h);
		return rc;
	}
	rc = crypto_hash_final(&h, md);
	if (!rc)
		rootfs_hex(md, crypto_hash_size(algo), hex);
	return rc;
}

static int hash_file(const char *path, enum crypto_hash_algo algo,
		     char *hex)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = hash_fd(fd, algo, hex);
	close(fd);
	return rc;
}

int rootfs_sha256_file(const char *path, char hex[SHA256_HEX_SIZE])
{
	return hash_file(path, CRYPTO_SHA256, hex);
}

int rootfs_md5_file(const char *path, char hex[MD5_HEX_SIZE])
{
	return hash_file(path, CRYPTO_MD5, hex);
}

int rootfs_sha256_fd(int fd, char hex[SHA256_HEX_SIZE])
{
	return hash_fd(fd, CRYPTO_SHA256, hex);
}

int rootfs_md5_fd(int fd, char hex[MD5_HEX_SIZE])
{
	return hash_fd(fd, CRYPTO_MD5, hex);
}

/*
 * A private temporary directory: "<base>/<prefix>XXXXXX" made by mkdtemp
 * (mode 0700, a fresh name: never one that already exists), checked to
 * be ours and private, under a base that no other user can rearrange
 * (owned by us or root, or sticky like /tmp). Everything temporary of a
 * run (downloads, maintainer scripts) goes in it, by descriptor.
 */
int hostfs_private_dir(const char *base, const char *prefix, char **path,
		       int *fd)
{
	struct stat st;
	char *p = NULL;

	*path = NULL;
	*fd = -1;
	if (lstat(base, &st) < 0)
		return pkg_error(-errno, "cannot use temporary directory '%s'",
				 base);
	if (!S_ISDIR(st.st_mode) ||
	    (st.st_uid != geteuid() && st.st_uid != 0) ||
	    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
		return pkg_error_plain(-PKGE_UNSAFE,
				       "temporary directory '%s' is not safe: "
				       "others may write in it and it is not "
				       "sticky (or not owned by us or root)",
				       base);
	if (asprintf(&p, "%s/%sXXXXXX", base, prefix) < 0)
		return pkg_error(-ENOMEM, "cannot create a temporary "
				 "directory");
	if (!mkdtemp(p)) {
		int r = pkg_error(-errno, "cannot create a temporary directory "
				  "in '%s'", base);
		free(p);
		return r;
	}
	*fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		int r = pkg_error_plain(-PKGE_UNSAFE, "temporary directory "
					"'%s' is not private", p);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		free(p);
		return r;
	}
	*path = p;
	return 0;
}

int hostfs_open(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags | O_CLOEXEC, mode);

	return fd < 0 ? -errno : fd;
}

DIR *hostfs_opendir(const char *path)
{
	return opendir(path);
}
