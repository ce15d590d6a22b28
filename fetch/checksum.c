/*
 * The check of a downloaded file against its index entry (size, then
 * SHA-256 or MD5 through rootfs's file digests), and fetch_read_file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "fetch_int.h"
#include "base.h"

int fetch_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int err = hostfs_read_file(path, max, out, len);

	return err == -PKGE_FORMAT ? -EFBIG : err;
}

/* Compare one digest; PKGE_CHECKSUM with both sides on mismatch. */
static int check_digest(const char *path, const char *want, const char *got)
{
	const char *base = strrchr(path, '/');

	if (!strcasecmp(want, got))
		return 0;
	return pkg_error(-PKGE_CHECKSUM,
			 "checksum mismatch for '%s': expected %s, got %s",
			 base ? base + 1 : path, want, got);
}

int fetch_verify_fd(int fd, const char *name, const char *sha256,
		    const char *md5, uint64_t size)
{
	const char *base = strrchr(name, '/');
	char hex[SHA256_HEX_SIZE];
	struct stat st;
	int err = 0;

	base = base ? base + 1 : name;
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return pkg_error(-errno, "cannot read '%s'", name);
	if (size != FETCH_SIZE_UNKNOWN && (uint64_t)st.st_size != size)
		return pkg_error(-PKGE_CHECKSUM,
				 "size mismatch for '%s': expected %llu, "
				 "got %llu bytes", base,
				 (unsigned long long)size,
				 (unsigned long long)st.st_size);
	if (sha256 && *sha256)
		err = rootfs_sha256_fd(fd, hex);
	else if (md5 && *md5)
		err = rootfs_md5_fd(fd, hex);
	else
		return pkg_error(-PKGE_CHECKSUM, "no checksum to verify '%s'",
				 base);
	if (err)
		return pkg_error(err, "cannot read '%s'", name);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return pkg_error(-errno, "cannot read '%s'", name);
	return check_digest(name, sha256 && *sha256 ? sha256 : md5, hex);
}

int fetch_check_fd(int fd, const char *sha256, const char *md5)
{
	char hex[SHA256_HEX_SIZE];
	int r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (sha256 && *sha256)
		r = rootfs_sha256_fd(fd, hex);
	else if (md5 && *md5)
		r = rootfs_md5_fd(fd, hex);
	else
		return 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (r < 0)
		return r;
	return !strcasecmp(hex, sha256 && *sha256 ? sha256 : md5);
}

int fetch_verify_file(const char *path, const char *sha256, const char *md5,
		      uint64_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return pkg_error(-errno, "cannot open '%s'", path);
	err = fetch_verify_fd(fd, path, sha256, md5, size);
	close(fd);
	return err;
}
