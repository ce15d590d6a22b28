/*
 * One process helper for maintainer scripts: opkg's arguments and
 * environment, a clean environment otherwise, and a clear report when a
 * script fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks.h"
#include "base.h"

static int script_write(int dirfd, const char *name, const char *body,
			size_t len)
{
	int fd, r;
	ssize_t w;

	fsop_unlinkat(dirfd, name, 0); /* ours: an earlier run of it */
	fd = fsop_openat(dirfd, name,
			 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0700);
	if (fd < 0)
		return fd;
	w = fsop_write(fd, body, len);
	r = fsop_fchmod(fd, 0700);
	fsop_close(fd);
	return w < 0 ? (int)w : r;
}

/* Build the clean environment; returns the number of entries. */
static size_t script_env(char env[][4200], const struct hook_env *he)
{
	const char *root = he->root && *he->root ? he->root : "";
	const char *inst = getenv("IPKG_INSTROOT");
	size_t n = 0;

	snprintf(env[n++], 4200, "PATH=%s%s/usr/sbin:/usr/bin:/sbin:/bin",
		 he->intercept_path ? he->intercept_path : "",
		 he->intercept_path ? ":" : "");
	if (he->intercept_dir)
		snprintf(env[n++], 4200, "OPKG_INTERCEPT_DIR=%s",
			 he->intercept_dir);
	snprintf(env[n++], 4200, "PKG_ROOT=%s/", root);
	snprintf(env[n++], 4200, "PKG_UPGRADE=%d", he->upgrade_from ? 1 : 0);
	if (he->offline) {
		snprintf(env[n++], 4200, "IPKG_OFFLINE_ROOT=%s", root);
		snprintf(env[n++], 4200, "IPKG_INSTROOT=%s",
			 inst ? inst : root);
	}
	return n;
}

static int script_exec(const char *path, const struct hook_env *he,
		       const char *const *args, int *status)
{
	char env[7][4200];
	char *envp[8];
	char *argv[16];
	size_t n = script_env(env, he), i, a = 0;
	pid_t pid;

	for (i = 0; i < n; i++)
		envp[i] = env[i];
	envp[n] = NULL;
	argv[a++] = (char *)"/bin/sh";
	argv[a++] = (char *)path;
	for (i = 0; args && args[i] && a < 15; i++)
		argv[a++] = (char *)args[i];
	argv[a] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (fchdir(he->root_fd) < 0)
			_exit(127);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int hooks_run_script(const struct hook_env *he, const char *script_name,
		     const char *body, size_t len, const char *tmpdir,
		     int tmpdir_fd, const char *const *args)
{
	char path[4096], name[512];
	int status = 0, r;

	/* "<pkg>.<script>" as opkg's info/ has it: OpenWrt's
	 * default_postinst takes the package's name from $0 */
	snprintf(name, sizeof(name), "%s.%s",
		 he->pkg_name ? he->pkg_name : "pkg", script_name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", tmpdir, name) >=
	    sizeof(path) || strchr(name, '/'))
		return pkg_error(-ENAMETOOLONG, "cannot write %s script of '%s'",
				 script_name, he->pkg_name);
	r = script_write(tmpdir_fd, name, body, len);
	if (r < 0)
		return pkg_error(r, "cannot write %s script of '%s'",
				 script_name, he->pkg_name);
	r = script_exec(path, he, args, &status);
	fsop_unlinkat(tmpdir_fd, name, 0); /* else: the run's directory goes */
	if (r < 0)
		return pkg_error(r, "cannot run %s script of '%s'", script_name,
				 he->pkg_name);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return pkg_error_plain(-PKGE_SCRIPT,
				       "%s script of '%s' failed: exit %d",
				       script_name, he->pkg_name,
				       WEXITSTATUS(status));
	return pkg_error_plain(-PKGE_SCRIPT, "%s script of '%s' failed: signal %d",
			       script_name, he->pkg_name, WTERMSIG(status));
}
