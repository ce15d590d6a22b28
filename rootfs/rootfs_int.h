/* Internal to rootfs/: not part of the public API. */
#ifndef PKG_ROOTFS_INT_H
#define PKG_ROOTFS_INT_H

#include "base.h"

/* ctl_parse_one that does not report: on -PKGE_FORMAT, why holds
 * "line N: what" (or what is missing) for the caller's message.
 * (ctl_parse_why is public, in rootfs.h.) */
int ctl_parse_one_why(const char *buf, size_t len, struct ctl_stanza *out,
		      char *why, size_t whylen);

/* The directories tree.c keeps open for one rootfs_open (overlay.c makes
 * and frees it: rootfs_open, rootfs_release). NULL: none kept. */
struct tree_dirs *tree_dirs_new(void);
void tree_dirs_free(struct tree_dirs *d);

/* ipk internals shared by ipk.c (control part) and stage.c (data part). */
struct archive;
struct ipk_blob {
	char *data; /* NUL-terminated contents */
	size_t len;
};
struct ipk {
	char *path;		/* for messages */
	int fd;			/* the archive: verified, read, staged */
	struct ctl_stanza control;
	char **names;		/* control member names, NULL-terminated */
	struct ipk_blob *m;	/* their contents */
	size_t n;
};

/* Inner archive (control.tar.* or data.tar.*) streamed from the outer
 * archive's current member. */
struct ipk_inner {
	struct archive *outer;
	struct archive *a;
	char buf[16384];
};

/* Open the outer archive read from fd (from its start); -PKGE_FORMAT /
 * -errno, why set. fd stays open. */
int ipk_outer_open(int fd, struct archive **out, char *why, size_t whylen);
/* Advance the outer archive to the member whose name starts with prefix
 * ("control.tar", "data.tar"); 0, or -PKGE_FORMAT with why. */
int ipk_outer_find(struct archive *outer, const char *prefix, char *why,
		   size_t whylen);
/* Open the inner tar (gzip/xz/zstd/none) over the current member. */
int ipk_inner_open(struct ipk_inner *in, struct archive *outer, char *why,
		   size_t whylen);
void ipk_inner_close(struct ipk_inner *in);

#endif
