/*
 * Temporary files a killed pkg left behind: its download directories
 * ("pkg-PID", "pkg-url-PID") and the copies of maintainer scripts it ran
 * ("pkg-script-PID.*"), in the temporary directory. On a router that is
 * RAM. The next run that takes the lock removes those whose process is
 * gone; a live process's are left alone (a pid that was reused keeps
 * them: never someone else's files).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"

/* The pid in a name of ours ("pkg-123", "pkg-url-123", "pkg-intercept-123"
 * for directories,
 * "pkg-script-123.name.postinst" for files), or 0. */
static long stale_pid(const char *name, int is_dir)
{
	static const char *const dirs[] = { "pkg-url-", "pkg-intercept-",
					    "pkg-" };
	const char *p = NULL;
	char *end;
	long pid;
	size_t i;

	if (is_dir) {
		for (i = 0; !p && i < 3; i++)
			if (!strncmp(name, dirs[i], strlen(dirs[i])))
				p = name + strlen(dirs[i]);
	} else if (!strncmp(name, "pkg-script-", 11)) {
		p = name + 11;
	}
	if (!p || *p < '1' || *p > '9')
		return 0;
	pid = strtol(p, &end, 10);
	/* directories: "pkg-PID.XXXXXX" (ctx_tmpdir's), or the older
	 * "pkg-PID" */
	if (is_dir ? *end != 0 && *end != '.' : *end != '.')
		return 0;
	return pid;
}

static void clean_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char *path;
	long pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		/* every name of ours starts so: the rest of a shared /tmp
		 * is not even looked at */
		if (strncmp(e->d_name, "pkg-", 4))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			break;
		if (lstat(path, &st) == 0 && st.st_uid == geteuid() &&
		    (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) &&
		    (pid = stale_pid(e->d_name, S_ISDIR(st.st_mode))) &&
		    pid != (long)getpid() && kill((pid_t)pid, 0) < 0 &&
		    errno == ESRCH)
			hostfs_remove_tree(path);
		free(path);
	}
	closedir(d);
}

void ctx_clean_stale_tmp(struct pkg_ctx *ctx)
{
	const char *env = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	clean_dir(env);
	if (ctx->opt.tmp_dir && strcmp(ctx->opt.tmp_dir, env))
		clean_dir(ctx->opt.tmp_dir);
}
