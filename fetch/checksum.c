/*
 * Checksums through GNU Nettle: SHA-256 and MD5 of buffers and files,
 * and the check of a downloaded file against its index entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha2.h>

#include "fetch.h"
#include "fetch_int.h"
#include "rootfs.h"

int fetch_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int err = hostfs_read_file(path, max, out, len);

	return err == -PKGE_FORMAT ? -EFBIG : err;
}

/* Digest of fd's contents (read to the end) with h (nettle_sha256 or
 * nettle_md5, Nettle's descriptors of the sha256_ctx / md5_ctx streaming
 * functions) into hex: 0 or -errno. */
static int digest_fd(int fd, const struct nettle_hash *h, char *hex)
{
	unsigned char buf[65536], out[SHA256_DIGEST_SIZE];
	union {
		struct sha256_ctx sha256;
		struct md5_ctx md5;
	} ctx;
	ssize_t n;

	h->init(&ctx);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		h->update(&ctx, (size_t)n, buf);
	}
	h->digest(&ctx, h->digest_size, out);
	rootfs_hex(out, h->digest_size, hex);
	return 0;
}

static int digest_file(const char *path, const struct nettle_hash *h,
		       char *hex)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pkg_error(-errno, "cannot open '%s'", path);
	err = digest_fd(fd, h, hex);
	close(fd);
	if (err)
		return pkg_error(err, "cannot read '%s'", path);
	return 0;
}

int fetch_sha256_buf(const void *buf, size_t len, char hex[65])
{
	unsigned char out[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, buf);
	sha256_digest(&ctx, sizeof(out), out);
	rootfs_hex(out, sizeof(out), hex);
	return 0;
}

int fetch_sha256_file(const char *path, char hex[65])
{
	return digest_file(path, &nettle_sha256, hex);
}

int fetch_md5_fd(int fd, char hex[33])
{
	return digest_fd(fd, &nettle_md5, hex);
}

int fetch_md5_file(const char *path, char hex[33])
{
	return digest_file(path, &nettle_md5, hex);
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
	char hex[65];
	struct stat st;
	int err = 0;

	base = base ? base + 1 : name;
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return pkg_error(-errno, "cannot read '%s'", name);
	if (size && (uint64_t)st.st_size != size)
		return pkg_error(-PKGE_CHECKSUM,
				 "size mismatch for '%s': expected %llu, "
				 "got %llu bytes", base,
				 (unsigned long long)size,
				 (unsigned long long)st.st_size);
	if (sha256 && *sha256)
		err = digest_fd(fd, &nettle_sha256, hex);
	else if (md5 && *md5)
		err = digest_fd(fd, &nettle_md5, hex);
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
	char hex[65];
	int r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (sha256 && *sha256)
		r = digest_fd(fd, &nettle_sha256, hex);
	else if (md5 && *md5)
		r = digest_fd(fd, &nettle_md5, hex);
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
