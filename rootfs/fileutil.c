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

#include "rootfs.h"

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

int rootfs_write_atomic(const char *path, const void *data, size_t len,
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

int rootfs_remove_temps(const char *dir)
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

int rootfs_mkdir_p(const char *path, mode_t mode)
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

int rootfs_remove_tree(const char *path)
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

int rootfs_read_file(const char *path, size_t max, char **out, size_t *len)
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

/* Digest of path's content with algo, as lower-case hex: 0 or -errno
 * (crypto_hash_init's codes included). */
static int hash_file(const char *path, enum crypto_hash_algo algo,
		     char *hex)
{
	unsigned char md[CRYPTO_MAX_DIGEST_SIZE], buf[65536];
	struct crypto_hash h;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = crypto_hash_init(&h, algo);
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
	close(fd);
	if (rc) {
		crypto_hash_release(&h);
		return rc;
	}
	rc = crypto_hash_final(&h, md);
	if (!rc)
		rootfs_hex(md, crypto_hash_size(algo), hex);
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
