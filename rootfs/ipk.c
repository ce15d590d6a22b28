/*
 * .ipk reader: the outer archive (gzip'd tar for OpenWrt, ar for
 * Debian/Yocto) and its control part, all through libarchive. The data
 * part is streamed by stage.c with the helpers here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base.h"
#include "rootfs_int.h"

#define IPK_MAX_CONTROL_TOTAL (8u * IPK_MAX_CONTROL_MEMBER)
#define IPK_MAX_CONTROL_COUNT 256

/* Strip leading "./" (and "/") from an archive member name. */
static const char *member_name(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	return name;
}

int ipk_outer_open(int fd, struct archive **out, char *why, size_t whylen)
{
	struct archive *a;

	*out = NULL;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -errno;
	}
	if (!(a = archive_read_new())) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_ar(a);
	if (archive_read_open_fd(a, fd, 16384) != ARCHIVE_OK) {
		int err = archive_errno(a);

		snprintf(why, whylen, "%s", archive_error_string(a));
		archive_read_free(a);
		if (err == ENOENT || err == EACCES || err == EISDIR)
			return -err;
		return -PKGE_FORMAT;
	}
	*out = a;
	return 0;
}

int ipk_outer_find(struct archive *outer, const char *prefix, char *why,
		   size_t whylen)
{
	struct archive_entry *ae;
	int r;

	for (;;) {
		r = archive_read_next_header(outer, &ae);
		if (r == ARCHIVE_EOF) {
			snprintf(why, whylen, "no %s.* member", prefix);
			return -PKGE_FORMAT;
		}
		if (r < ARCHIVE_WARN) {
			snprintf(why, whylen, "%s",
				 archive_error_string(outer));
			return -PKGE_FORMAT;
		}
		if (archive_entry_pathname(ae) &&
		    !strncmp(member_name(archive_entry_pathname(ae)), prefix,
			     strlen(prefix)))
			return 0;
	}
}

static la_ssize_t inner_read(struct archive *a, void *ud, const void **buf)
{
	struct ipk_inner *in = ud;
	la_ssize_t r = archive_read_data(in->outer, in->buf, sizeof(in->buf));

	if (r < 0) {
		archive_set_error(a, EIO, "%s",
				  archive_error_string(in->outer));
		return -1;
	}
	*buf = in->buf;
	return r;
}

int ipk_inner_open(struct ipk_inner *in, struct archive *outer, char *why,
		   size_t whylen)
{
	in->outer = outer;
	in->a = archive_read_new();
	if (!in->a) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	archive_read_support_filter_gzip(in->a);
	archive_read_support_filter_xz(in->a);
	archive_read_support_filter_zstd(in->a);
	archive_read_support_format_tar(in->a);
	if (archive_read_open(in->a, in, NULL, inner_read, NULL) !=
	    ARCHIVE_OK) {
		snprintf(why, whylen, "%s", archive_error_string(in->a));
		archive_read_free(in->a);
		in->a = NULL;
		return -PKGE_FORMAT;
	}
	return 0;
}

void ipk_inner_close(struct ipk_inner *in)
{
	if (in->a)
		archive_read_free(in->a);
	in->a = NULL;
}

/* Read the current member fully (at most cap bytes) into a NUL-terminated
 * buffer. */
static int read_member(struct archive *a, size_t cap, char **out, size_t *len,
		       char *why, size_t whylen)
{
	size_t n = 0, bcap = 1024;
	char *buf = malloc(bcap), *nb;
	la_ssize_t r;

	for (;;) {
		if (buf && bcap - n < 2) {
			nb = realloc(buf, bcap * 2);
			if (nb)
				bcap *= 2;
			else
				free(buf);
			buf = nb;
		}
		if (!buf) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		r = archive_read_data(a, buf + n, bcap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			free(buf);
			snprintf(why, whylen, "control member over %zu bytes",
				 cap);
			return -PKGE_FORMAT;
		}
	}
	if (r < 0) {
		free(buf);
		snprintf(why, whylen, "%s", archive_error_string(a));
		return -PKGE_FORMAT;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Append a member (takes data). */
static int add_member(struct ipk *ipk, const char *name, char *data,
		      size_t len)
{
	char **names = realloc(ipk->names, (ipk->n + 2) * sizeof(*names));
	struct ipk_blob *m;

	if (names)
		ipk->names = names;
	m = names ? realloc(ipk->m, (ipk->n + 1) * sizeof(*m)) : NULL;
	if (m)
		ipk->m = m;
	if (!m || !(ipk->names[ipk->n] = strdup(name))) {
		free(data);
		return -ENOMEM;
	}
	ipk->m[ipk->n].data = data;
	ipk->m[ipk->n].len = len;
	ipk->names[++ipk->n] = NULL;
	return 0;
}

/* Read every regular member of control.tar.* into ipk. */
static int read_control_members(struct ipk *ipk, struct archive *a,
				char *why, size_t whylen)
{
	struct archive_entry *ae;
	size_t total = 0;
	int r, rc;

	while ((r = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		const char *name;
		char *data;
		size_t len;

		if (r < ARCHIVE_WARN) {
			snprintf(why, whylen, "control part: %s",
				 archive_error_string(a));
			return -PKGE_FORMAT;
		}
		name = member_name(archive_entry_pathname(ae) ?
				   archive_entry_pathname(ae) : "");
		if (archive_entry_filetype(ae) != AE_IFREG || !*name ||
		    strchr(name, '/'))
			continue;
		if (ipk->n >= IPK_MAX_CONTROL_COUNT) {
			snprintf(why, whylen, "too many control members");
			return -PKGE_FORMAT;
		}
		rc = read_member(a, IPK_MAX_CONTROL_MEMBER, &data, &len, why,
				 whylen);
		if (!rc && (total += len) > IPK_MAX_CONTROL_TOTAL) {
			free(data);
			snprintf(why, whylen, "control part too large");
			rc = -PKGE_FORMAT;
		}
		if (!rc)
			rc = add_member(ipk, name, data, len);
		if (rc)
			return rc;
	}
	return 0;
}

static int ipk_load(struct ipk *ipk, char *why, size_t whylen)
{
	struct ipk_inner in = { 0 };
	struct archive *outer;
	const char *ctl;
	size_t len;
	int rc;

	rc = ipk_outer_open(ipk->fd, &outer, why, whylen);
	if (rc)
		return rc;
	rc = ipk_outer_find(outer, "control.tar", why, whylen);
	if (!rc)
		rc = ipk_inner_open(&in, outer, why, whylen);
	if (!rc)
		rc = read_control_members(ipk, in.a, why, whylen);
	ipk_inner_close(&in);
	archive_read_free(outer);
	if (rc)
		return rc;
	ctl = ipk_member(ipk, "control", &len);
	if (!ctl) {
		snprintf(why, whylen, "no ./control");
		return -PKGE_FORMAT;
	}
	rc = ctl_parse_one_why(ctl, len, &ipk->control, why, whylen);
	if (rc)
		return rc;
	if (!ctl_get(&ipk->control, "Package"))
		snprintf(why, whylen, "control has no Package field");
	else if (!ctl_get(&ipk->control, "Version"))
		snprintf(why, whylen, "control has no Version field");
	else
		return ctl_check_stanza(&ipk->control, why, whylen);
	return -PKGE_FORMAT;
}

int ipk_open_fd(struct ipk **out, int fd, const char *name)
{
	struct ipk *ipk = calloc(1, sizeof(*ipk));
	char why[256] = "";
	int rc;

	*out = NULL;
	if (!ipk || !(ipk->path = strdup(name))) {
		free(ipk);
		close(fd);
		return pkg_error(-ENOMEM, "cannot open '%s'", name);
	}
	ipk->fd = fd;
	rc = ipk_load(ipk, why, sizeof(why));
	if (rc) {
		ipk_free(ipk);
		if (rc == -PKGE_FORMAT)
			return pkg_error_plain(rc, "'%s' is not a valid "
					       "package: %s", name, why);
		return pkg_error(rc, "cannot open '%s'", name);
	}
	*out = ipk;
	return 0;
}

int ipk_open(struct ipk **out, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return pkg_error(-errno, "cannot open '%s'", path);
	return ipk_open_fd(out, fd, path);
}

void ipk_free(struct ipk *ipk)
{
	size_t i;

	if (!ipk)
		return;
	for (i = 0; i < ipk->n; i++) {
		free(ipk->names[i]);
		free(ipk->m[i].data);
	}
	free(ipk->names);
	free(ipk->m);
	ctl_stanza_release(&ipk->control);
	if (ipk->fd >= 0)
		close(ipk->fd);
	free(ipk->path);
	free(ipk);
}

const struct ctl_stanza *ipk_control(const struct ipk *ipk)
{
	return &ipk->control;
}

const char *ipk_member(const struct ipk *ipk, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < ipk->n; i++) {
		if (strcmp(ipk->names[i], name))
			continue;
		if (len)
			*len = ipk->m[i].len;
		return ipk->m[i].data;
	}
	return NULL;
}

const char *const *ipk_member_names(const struct ipk *ipk, size_t *n)
{
	static const char *const none[] = { NULL };

	*n = ipk->n;
	return ipk->n ? (const char *const *)ipk->names : none;
}
