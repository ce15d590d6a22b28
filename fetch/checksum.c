/*
 * The check of a downloaded file against its index entry (size, then
 * SHA-256 or MD5 through rootfs's file digests), and fetch_read_file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fetch.h"
#include "fetch_int.h"
#include "rootfs.h"

int fetch_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int err = rootfs_read_file(path, max, out, len);

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

int fetch_verify_file(const char *path, const char *sha256, const char *md5,
		      uint64_t size)
{
	const char *base = strrchr(path, '/');
	char hex[SHA256_HEX_SIZE];
	struct stat st;
	int err;

	base = base ? base + 1 : path;
	if (stat(path, &st) < 0)
		return pkg_error(-errno, "cannot open '%s'", path);
	if (size && (uint64_t)st.st_size != size)
		return pkg_error(-PKGE_CHECKSUM,
				 "size mismatch for '%s': expected %llu, "
				 "got %llu bytes", base,
				 (unsigned long long)size,
				 (unsigned long long)st.st_size);
	if (sha256 && *sha256) {
		err = rootfs_sha256_file(path, hex);
		return err ? pkg_error(err, "cannot read '%s'", path)
			   : check_digest(path, sha256, hex);
	}
	if (md5 && *md5) {
		err = rootfs_md5_file(path, hex);
		return err ? pkg_error(err, "cannot read '%s'", path)
			   : check_digest(path, md5, hex);
	}
	return pkg_error(-PKGE_CHECKSUM, "no checksum to verify '%s'", base);
}
