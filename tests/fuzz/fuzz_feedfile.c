/*
 * libFuzzer harness: a feed's list file as `update` reads it. The input is
 * written to a scratch file under /dev/shm (one per process, removed at
 * exit), read through fetch_zopen (gzip, zstd, xz or plain, capped) into
 * solver_feed_from_file with a .solv cache, and the cache is loaded back
 * with solver_feed_from_cache. Checks: the cache holds as many packages
 * as were parsed, and for plain text solver_feed_from_text (the in-memory
 * reader) finds the same number.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "solver.h"

static char scratch[64], list[96], solv[96];

static void cleanup(void)
{
	hostfs_remove_tree(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("PKG_NO_FSYNC", "1", 1);
	snprintf(scratch, sizeof(scratch), "/dev/shm/pkg-fuzz-feed.%ld",
		 (long)getpid());
	snprintf(list, sizeof(list), "%s/list", scratch);
	snprintf(solv, sizeof(solv), "%s/list.solv", scratch);
	if (mkdir(scratch, 0700) < 0)
		abort();
	atexit(cleanup);
	return 0;
}

static int write_input(const uint8_t *data, size_t size)
{
	int fd = open(list, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fd);
	return off == size ? 0 : -1;
}

/* Packages in the repo loaded back from the cache, -1 when it fails. */
static int cached_count(void)
{
	struct pkg_solver s;
	Repo *repo = NULL;
	int n = -1;

	int fd = open(solv, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || solver_init(&s, NULL, NULL, 0)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (solver_feed_from_cache(&s, "fuzz", fd, 0, &repo) == 0 && repo)
		n = repo->nsolvables;
	close(fd);
	solver_release(&s);
	return n;
}

/* Packages solver_feed_from_text finds in data, -1 when it fails. */
static int text_count(const uint8_t *data, size_t size)
{
	struct pkg_solver s;
	Repo *repo = NULL;
	int n = -1;

	if (solver_init(&s, NULL, NULL, 0))
		return -1;
	if (solver_feed_from_text(&s, "fuzz", (const char *)data, size, 0,
				  -1, &repo) == 0 && repo)
		n = repo->nsolvables;
	solver_release(&s);
	return n;
}

static int compressed(const uint8_t *d, size_t n)
{
	return n >= 2 && ((d[0] == 0x1f && d[1] == 0x8b) ||
			  (n >= 4 && !memcmp(d, "\x28\xb5\x2f\xfd", 4)) ||
			  (n >= 6 && !memcmp(d, "\xfd" "7zXZ", 5)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkg_solver s;
	Repo *repo = NULL;
	FILE *fp;
	int r, n = -1, cfd;

	if (write_input(data, size))
		abort();
	unlink(solv);
	fp = fetch_zopen(list, 16u << 20);
	if (!fp)
		return 0;
	cfd = open(solv, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (cfd < 0)
		abort();
	r = solver_init(&s, NULL, NULL, 0);
	if (r == 0) {
		r = solver_feed_from_file(&s, "fuzz", fp, 0, cfd, &repo, NULL,
					  NULL);
		if (r == 0 && repo)
			n = repo->nsolvables;
		solver_release(&s);
	}
	close(cfd);
	fclose(fp);
	if (r == 0 && n != cached_count())
		abort();
	if (r == 0 && !compressed(data, size) && n != text_count(data, size))
		abort();
	return 0;
}
