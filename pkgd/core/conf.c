/*
 * opkg.conf and ROOT/etc/opkg/ *.conf: src, src/gz, dist, dist/gz, dest,
 * arch, option, and OpenWrt's bare `lists_dir NAME DIR` line.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define CONF_MAX_WORDS 8

static int conf_split(char *line, char **w)
{
	int n = 0;
	char *p = line;

	while (*p && n < CONF_MAX_WORDS) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			w[n++] = p;
			while (*p && *p != q)
				p++;
		} else {
			w[n++] = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
		}
		if (*p)
			*p++ = 0;
	}
	return n;
}

static int grow(void **arr, size_t n, size_t size)
{
	void *p = realloc(*arr, (n + 1) * size);

	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

static int conf_add_src(struct pkg_conf *c, const char *name, const char *url,
			int gz)
{
	size_t i;

	for (i = 0; i < c->nsrcs; i++)
		if (!strcmp(c->srcs[i].name, name))
			return 0; /* opkg: the first definition wins */
	if (grow((void **)&c->srcs, c->nsrcs, sizeof(*c->srcs)) < 0)
		return -ENOMEM;
	c->srcs[c->nsrcs].name = strdup(name);
	c->srcs[c->nsrcs].url = strdup(url);
	c->srcs[c->nsrcs].gz = gz;
	c->nsrcs++;
	return 0;
}

static int conf_add_dest(struct pkg_conf *c, const char *name,
			 const char *path)
{
	if (grow((void **)&c->dests, c->ndests, sizeof(*c->dests)) < 0)
		return -ENOMEM;
	c->dests[c->ndests].name = strdup(name);
	c->dests[c->ndests].path = strdup(path);
	c->ndests++;
	return 0;
}

int conf_add_arch(struct pkg_conf *c, const char *name, int prio)
{
	size_t i;

	for (i = 0; i < c->narchs; i++)
		if (!strcmp(c->archs[i].name, name)) {
			c->archs[i].prio = prio;
			return 0;
		}
	if (grow((void **)&c->archs, c->narchs, sizeof(*c->archs)) < 0)
		return -ENOMEM;
	c->archs[c->narchs].name = strdup(name);
	c->archs[c->narchs].prio = prio;
	c->narchs++;
	return 0;
}

static int conf_option(struct pkg_conf *c, char **w, int n, const char *fname,
		       int line)
{
	const char *v = n > 2 ? w[2] : "1";

	if (n < 2)
		return pkg_error_plain(-PKGE_CONFIG, "%s:%d: option without name",
				       fname, line);
	if (!strcmp(w[1], "lists_dir"))
		set_str(&c->lists_dir, v);
	else if (!strcmp(w[1], "overlay_root"))
		set_str(&c->overlay_root, v);
	else if (!strcmp(w[1], "check_signature") ||
		 !strcmp(w[1], "check_pkg_signature"))
		c->check_signature = atoi(v) != 0 || !strcmp(v, "yes");
	else if (!strcmp(w[1], "cache"))
		set_str(&c->cache_dir, v);
	else if (!strcmp(w[1], "tmp_dir"))
		set_str(&c->tmp_dir, v);
	else if (!strcmp(w[1], "info_dir"))
		set_str(&c->info_dir, v);
	else if (!strcmp(w[1], "status_file"))
		set_str(&c->status_file, v);
	else if (!strcmp(w[1], "lock_file"))
		set_str(&c->lock_file, v);
	else if (!strcmp(w[1], "force_postinstall"))
		c->force_postinstall = 1;
	else if (!strcmp(w[1], "intercepts_dir"))
		set_str(&c->intercepts_dir, v);
	/* Other options (http_proxy, signature_type, ...) are accepted and
	 * have no effect here. */
	return 0;
}

static int conf_line(struct pkg_conf *c, char *line, const char *fname,
		     int lineno)
{
	char *w[CONF_MAX_WORDS];
	int n = conf_split(line, w);

	if (n == 0)
		return 0;
	if (!strcmp(w[0], "src") || !strcmp(w[0], "src/gz") ||
	    !strcmp(w[0], "dist") || !strcmp(w[0], "dist/gz")) {
		if (n < 3)
			return pkg_error_plain(-PKGE_CONFIG,
					       "%s:%d: '%s' needs a name and a URL",
					       fname, lineno, w[0]);
		/* the name is a file name in the lists directory and the
		 * caches' (NAME, NAME.sig, NAME.<tag>.solv): opkg's package
		 * name alphabet, no '/', no leading '.', so that it never
		 * names a file elsewhere ("../../etc/x") */
		if (!ctl_name_ok(w[1]))
			return pkg_error_plain(-PKGE_CONFIG,
					       "%s:%d: invalid feed name '%.64s' "
					       "(letters, digits, '+-._')",
					       fname, lineno, w[1]);
		return conf_add_src(c, w[1], w[2], strchr(w[0], '/') != NULL);
	}
	if (!strcmp(w[0], "dest")) {
		if (n < 3)
			return pkg_error_plain(-PKGE_CONFIG,
					       "%s:%d: 'dest' needs a name and a path",
					       fname, lineno);
		/* shown in messages and matched by -d: a name, not a
		 * terminal's escape sequence */
		if (!ctl_name_ok(w[1]))
			return pkg_error_plain(-PKGE_CONFIG,
					       "%s:%d: invalid dest name '%.64s' "
					       "(letters, digits, '+-._')",
					       fname, lineno, w[1]);
		return conf_add_dest(c, w[1], w[2]);
	}
	if (!strcmp(w[0], "arch")) {
		if (n < 2)
			return pkg_error_plain(-PKGE_CONFIG,
					       "%s:%d: 'arch' needs a name", fname,
					       lineno);
		/* a package's Architecture passes ctl_name_ok (stanza
		 * checks): another name could match none, and is printed */
		if (!ctl_name_ok(w[1]))
			return pkg_error_plain(-PKGE_CONFIG,
					       "%s:%d: invalid architecture '%.64s' "
					       "(letters, digits, '+-._')",
					       fname, lineno, w[1]);
		return conf_add_arch(c, w[1], n > 2 ? atoi(w[2]) : 1);
	}
	if (!strcmp(w[0], "lists_dir")) {
		set_str(&c->lists_dir, n > 2 ? w[2] : w[n - 1]);
		return 0;
	}
	if (!strcmp(w[0], "option"))
		return conf_option(c, w, n, fname, lineno);
	return pkg_error_plain(-PKGE_CONFIG, "%s:%d: unknown keyword '%s'",
			       fname, lineno, w[0]);
}

int conf_parse_text(struct pkg_conf *c, const char *text, size_t len,
		    const char *fname)
{
	char *copy = malloc(len + 1), *p, *nl;
	int lineno = 0, r = 0;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = 0;
	for (p = copy; p && *p && r == 0; p = nl) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = 0;
		lineno++;
		if (nl && nl - 2 >= p && nl[-2] == '\r')
			nl[-2] = 0;
		r = conf_line(c, p, fname, lineno);
	}
	free(copy);
	return r;
}

/* The -f file is a host path the user named; every other configuration
 * file is a path of the root, read through the merged view. */
static int conf_file(struct pkg_conf *c, const struct pkg_ctx *ctx,
		     const char *path, int host, int must)
{
	char *text = NULL;
	size_t len;
	int r = host ? hostfs_read_file(path, 1 << 20, &text, &len)
		     : ctx_read_file(ctx, path, 1 << 20, &text, &len);

	if (r == -ENOENT && !must)
		return 0;
	if (r < 0)
		return pkg_error(r, "cannot read configuration '%s%s'",
				 host ? "" : "/", path);
	r = conf_parse_text(c, text, len, path);
	free(text);
	return r;
}

/* etc/opkg/ *.conf in the merged view (upper and image), name order. */
static int conf_dir(struct pkg_conf *c, const struct pkg_ctx *ctx)
{
	char **names = NULL, *dir = NULL;
	size_t n = 0, i;
	int r = 0;

	if (rootfs_resolve(&ctx->rf, NULL, "etc/opkg", ROOTFS_RESOLVE_FOLLOW,
			   &dir) == 0)
		rootfs_list_dir(&ctx->rf, dir, &names, &n);
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		char rel[PATH_MAX];

		if (r == 0 && l > 5 && !strcmp(names[i] + l - 5, ".conf") &&
		    (size_t)snprintf(rel, sizeof(rel), "%s/%s", dir,
				     names[i]) < sizeof(rel))
			r = conf_file(c, ctx, rel, 0, 1);
		free(names[i]);
	}
	free(names);
	free(dir);
	return r;
}

/* --add-dest NAME:PATH, appended after the files' dest lines (opkg). */
static int conf_cmdline_dests(struct pkg_conf *c, const struct pkg_ctx *ctx)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < ctx->opt.nadd_dests; i++) {
		char *name = strdup(ctx->opt.add_dests[i]), *colon;
		colon = name ? strchr(name, ':') : NULL;
		if (!colon)
			r = name ? pkg_error_plain(-PKGE_USAGE,
						   "--add-dest '%s': give "
						   "NAME:PATH", name)
				 : -ENOMEM;
		else if (*colon = 0, !ctl_name_ok(name))
			r = pkg_error_plain(-PKGE_USAGE,
					    "--add-dest '%.64s': invalid dest "
					    "name (letters, digits, '+-._')",
					    name);
		else
			r = conf_add_dest(c, name, colon + 1);
		free(name);
	}
	return r;
}

int conf_load(struct pkg_conf *c, const struct pkg_ctx *ctx,
	      const char *conf_file_arg)
{
	int r;

	memset(c, 0, sizeof(*c));
	if (conf_file_arg)
		r = conf_file(c, ctx, conf_file_arg, 1, 1);
	else
		r = conf_file(c, ctx, "etc/opkg.conf", 0, 0);
	if (r == 0)
		r = conf_dir(c, ctx);
	if (!c->lists_dir)
		c->lists_dir = strdup("/var/opkg-lists");
	if (!c->overlay_root)
		c->overlay_root = strdup("/overlay");
	if (!c->info_dir)
		c->info_dir = strdup("/usr/lib/opkg/info");
	if (!c->status_file)
		c->status_file = strdup("/usr/lib/opkg/status");
	if (!c->lock_file)
		c->lock_file = strdup("/var/lock/opkg.lock");
	if (!c->keys_dir)
		c->keys_dir = strdup("/etc/opkg/keys");
	if (c->ndests == 0)
		conf_add_dest(c, "root", "/");
	if (r == 0)
		r = conf_cmdline_dests(c, ctx);
	return r;
}

void conf_release(struct pkg_conf *c)
{
	size_t i;

	for (i = 0; i < c->nsrcs; i++) {
		free(c->srcs[i].name);
		free(c->srcs[i].url);
	}
	for (i = 0; i < c->ndests; i++) {
		free(c->dests[i].name);
		free(c->dests[i].path);
	}
	for (i = 0; i < c->narchs; i++)
		free(c->archs[i].name);
	for (i = 0; i < c->nexcludes; i++)
		free(c->excludes[i]);
	free(c->srcs);
	free(c->dests);
	free(c->archs);
	free(c->excludes);
	free(c->lists_dir);
	free(c->overlay_root);
	free(c->cache_dir);
	free(c->tmp_dir);
	free(c->info_dir);
	free(c->status_file);
	free(c->lock_file);
	free(c->keys_dir);
	free(c->intercepts_dir);
	memset(c, 0, sizeof(*c));
}
