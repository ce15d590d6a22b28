/*
 * The tree as a transaction will leave it, for the resolver (struct
 * rootfs_view): the entries its packages place (directories, files,
 * symlinks with their targets) and the paths it removes, keyed by their
 * canonical path. Resolving a package's paths through it means that a
 * symlink one package makes and a file another puts under it resolve as
 * they will be on disk (inside the root), not as the disk is now.
 *
 * Every prefix of an entry is a directory of the view, so that the
 * resolver keeps looking below a directory the transaction creates.
 * An open-addressing hash table of owned strings: a transaction's paths
 * are few thousand at most.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tx/tx.h"

struct view_slot {
	char *path;
	char *target; /* symlinks */
	mode_t type;  /* S_IFDIR, S_IFREG, S_IFLNK, 0: removed */
	int implied;  /* a prefix of an entry, not an entry itself */
	int tag;      /* the caller's: who placed the entry */
};

static size_t view_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static struct view_slot *view_find(const struct tx_view *v, const char *path)
{
	size_t i;

	if (!v->cap)
		return NULL;
	for (i = view_hash(path) & (v->cap - 1); v->slots[i].path;
	     i = (i + 1) & (v->cap - 1))
		if (!strcmp(v->slots[i].path, path))
			return &v->slots[i];
	return NULL;
}

static int view_grow(struct tx_view *v)
{
	size_t cap = v->cap ? v->cap * 2 : 256, i, k;
	struct view_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < v->cap; i++) {
		if (!v->slots[i].path)
			continue;
		for (k = view_hash(v->slots[i].path) & (cap - 1); s[k].path;
		     k = (k + 1) & (cap - 1))
			;
		s[k] = v->slots[i];
	}
	free(v->slots);
	v->slots = s;
	v->cap = cap;
	return 0;
}

/* The slot for path, made when missing. */
static struct view_slot *view_slot(struct tx_view *v, const char *path,
				   int *made)
{
	struct view_slot *s = view_find(v, path);
	size_t i;

	*made = 0;
	if (s)
		return s;
	if ((v->n + 1) * 2 > v->cap && view_grow(v) < 0)
		return NULL;
	for (i = view_hash(path) & (v->cap - 1); v->slots[i].path;
	     i = (i + 1) & (v->cap - 1))
		;
	s = &v->slots[i];
	if (!(s->path = strdup(path)))
		return NULL;
	v->n++;
	*made = 1;
	return s;
}

/* Every proper prefix of path is a directory (unless the view has an
 * entry there already). */
static int view_prefixes(struct tx_view *v, const char *path)
{
	char buf[PATH_MAX];
	const char *s;
	int made;

	for (s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		struct view_slot *slot;

		memcpy(buf, path, (size_t)(s - path));
		buf[s - path] = '\0';
		slot = view_slot(v, buf, &made);
		if (!slot)
			return -ENOMEM;
		if (made)
			slot->type = S_IFDIR, slot->implied = 1;
	}
	return 0;
}

int tx_view_add(struct tx_view *v, const char *path, mode_t type,
		const char *target, int tag)
{
	struct view_slot *s;
	int made;

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	/* a removal says nothing of the directories above it */
	if (type && view_prefixes(v, path) < 0)
		return -ENOMEM;
	s = view_slot(v, path, &made);
	if (!s)
		return -ENOMEM;
	free(s->target);
	s->target = target ? strdup(target) : NULL;
	if (target && !s->target)
		return -ENOMEM;
	s->type = type & S_IFMT;
	s->implied = 0;
	s->tag = tag;
	return 0;
}

int tx_view_get(const struct tx_view *v, const char *path, mode_t *type,
		const char **target)
{
	const struct view_slot *s = view_find(v, path);

	if (!s)
		return ROOTFS_VIEW_NONE;
	if (!s->type)
		return ROOTFS_VIEW_GONE;
	*type = s->type;
	if (target)
		*target = s->target;
	return ROOTFS_VIEW_ENTRY;
}

int tx_view_tag(const struct tx_view *v, const char *path)
{
	const struct view_slot *s = view_find(v, path);

	return s && s->type && !s->implied ? s->tag : -1;
}

static int view_lookup(void *ud, const char *rel, mode_t *type,
		       const char **target)
{
	return tx_view_get(ud, rel, type, target);
}

struct rootfs_view tx_view_of(struct tx_view *v)
{
	struct rootfs_view rv = { view_lookup, v };

	return rv;
}

void tx_view_release(struct tx_view *v)
{
	size_t i;

	for (i = 0; i < v->cap; i++) {
		free(v->slots[i].path);
		free(v->slots[i].target);
	}
	free(v->slots);
	memset(v, 0, sizeof(*v));
}
