/*
 * libFuzzer harness: the .ipk reader. The input is written as a file into
 * a scratch directory under /dev/shm (one per process, emptied after
 * every run), opened with ipk_open (outer gzip'd tar or ar, control.tar.*
 * and its members) and, when that succeeds, staged with ipk_stage into
 * <scratch>/stage (data.tar.*, secure-extract rules, a 33 MiB cap as an
 * Installed-Size of 1 MiB gives). Checks: every
 * staged entry has a normalised relative path without "..", staged files
 * lie inside the staging directory, a failed stage leaves nothing behind,
 * and nothing else appears in the scratch directory.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"

static char scratch[64];
static char ipk_path[96];
static char stage_dir[96];

static void cleanup(void)
{
	hostfs_remove_tree(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("PKG_NO_FSYNC", "1", 1);
	snprintf(scratch, sizeof(scratch), "/dev/shm/pkg-fuzz-ipk.%ld",
		 (long)getpid());
	snprintf(ipk_path, sizeof(ipk_path), "%s/in.ipk", scratch);
	snprintf(stage_dir, sizeof(stage_dir), "%s/stage", scratch);
	if (mkdir(scratch, 0700) < 0)
		abort();
	atexit(cleanup);
	return 0;
}

static int bad_path(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 1;
	while (s) {
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || !s[2]))
			return 1;
		if (s[0] == '/' || (s[0] == '.' && (s[1] == '/' || !s[1])))
			return 1; /* "//", "./" left: not normalised */
		s = strchr(s, '/');
		if (s)
			s++;
	}
	return 0;
}

static void check_list(const struct stage_list *l)
{
	size_t i, n = strlen("stage");

	for (i = 0; i < l->n; i++) {
		const struct stage_entry *e = &l->e[i];

		if (bad_path(e->path))
			abort();
		if (e->type == ST_HARDLINK && (!e->target ||
					       bad_path(e->target)))
			abort();
		if (e->type == ST_DEVICE || (e->mode & (S_ISUID | S_ISGID)))
			abort(); /* not allowed without the flags */
		if (e->type == ST_FILE && (!e->staged ||
		    strncmp(e->staged, "stage", n) || e->staged[n] != '/' ||
		    !path_is_canonical(e->staged)))
			abort();
		if (!ctl_line_ok(e->path) ||
		    (e->target && !ctl_line_ok(e->target)))
			abort(); /* a newline would add a line to a .list */
	}
}

/* The scratch dir holds only in.ipk (and stage when keep is set). */
static void check_scratch(int keep)
{
	DIR *d = opendir(scratch);
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "in.ipk"))
			continue;
		if (keep && !strcmp(de->d_name, "stage"))
			continue;
		abort();
	}
	closedir(d);
}

static int write_input(const uint8_t *data, size_t size)
{
	int fd = open(ipk_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stage_list l;
	struct ipk *ipk;
	const char *const *names;
	size_t n, i, len;

	if (write_input(data, size))
		abort();
	if (ipk_open(&ipk, ipk_path) == 0) {
		if (!ipk_control(ipk)->nfields)
			abort();
		names = ipk_member_names(ipk, &n);
		for (i = 0; i < n; i++)
			if (!ipk_member(ipk, names[i], &len))
				abort();
		struct rootfs rf;
		struct stage_limits lim = { 1 << 20, 0, NULL };

		if (rootfs_open(&rf, scratch, NULL) < 0)
			abort();
		if (ipk_stage(ipk, &rf, "stage", 0, &lim, &l) == 0) {
			check_list(&l);
			check_scratch(1);
			stage_list_release(&l);
			hostfs_remove_tree(stage_dir);
		} else if (l.n || l.e) {
			abort(); /* failed stage must leave an empty list */
		}
		rootfs_release(&rf);
		ipk_free(ipk);
	}
	check_scratch(0);
	unlink(ipk_path);
	return 0;
}
