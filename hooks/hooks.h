/*
 * hooks: maintainer scripts (preinst/postinst/prerm/postrm) run through one
 * process helper, and the sysupgrade integration files
 * (installed_packages.txt, keep.d).
 */
#ifndef PKG_HOOKS_H
#define PKG_HOOKS_H

#include <stddef.h>

struct hook_env {
	const char *root;     /* target root, "" or "/" for the live system */
	int root_fd;	      /* the root, opened: the scripts' working dir */
	int offline;	      /* -o: running for an offline root */
	const char *pkg_name; /* for messages */
	/* The old version when the script runs as part of an upgrade (the
	 * old prerm and postrm, the new preinst and postinst), else NULL:
	 * PKG_UPGRADE is 1 exactly when it is set. */
	const char *upgrade_from;
	/* Yocto's intercepts: a directory put first in PATH (its commands
	 * shadow the real ones) and OPKG_INTERCEPT_DIR, where they leave
	 * what is to run once at the end; NULL when none. */
	const char *intercept_path;
	const char *intercept_dir;
};

/*
 * Run the maintainer script `body` (len bytes; written as
 * "<tmpdir>/<pkg>.<script>", mode 0700, created O_EXCL|O_NOFOLLOW in the
 * run's private directory tmpdir_fd, so that $0 names the package as
 * opkg's info/<pkg>.<script> does) with argv[1..] = args (NULL-ended),
 * in a clean environment: PATH (the intercept directory first when
 * set), OPKG_INTERCEPT_DIR (when set), PKG_ROOT (root with a trailing slash),
 * PKG_UPGRADE (1 when upgrading, else 0), IPKG_INSTROOT passed through
 * from the caller's environment when offline (OpenWrt's image build sets
 * it), IPKG_OFFLINE_ROOT when offline. The working directory is the root.
 * Returns 0, or PKGE_SCRIPT (reported: "<script> script of '<pkg>'
 * failed: exit N") when it fails, or -errno.
 */
int hooks_run_script(const struct hook_env *env, const char *script_name,
		     const char *body, size_t len, const char *tmpdir,
		     int tmpdir_fd, const char *const *args);

struct hooks_pkg_entry {
	const char *name;
	const char *where; /* "rom" | "overlay" | "unknown" */
};

/* Render sysupgrade -k's installed_packages.txt ("name\twhere\n" sorted by
 * name) into a malloc'd buffer. */
char *hooks_installed_txt(const struct hooks_pkg_entry *e, size_t n,
			  size_t *len);

#endif
