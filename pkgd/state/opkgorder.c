/*
 * The order in which opkg-lede walks its packages, which is the order its
 * depends, whatdepends, whatprovides (and the other what*) print them:
 * not by name but as its package hash table holds them. The table has
 * 1024 buckets (OPKG_CONF_DEFAULT_HASH_LEN), a name goes to bucket
 * djb2(name) % 1024, and a bucket chains its names in the order they
 * first entered the table. A name enters when opkg first meets it while
 * it loads the feeds' lists (in the configuration's order; every command
 * but status, list-installed and the like reads them) and then the status
 * file: stanza by stanza, field by field, each name of Depends,
 * Pre-Depends, Recommends, Suggests and Conflicts as it comes; Provides
 * and Replaces enter the package's own name first, then each of theirs;
 * the package's name at the end of its stanza when its architecture is
 * one the configuration lists. whatdepends' answer itself depends on
 * this order (opkg marks a dependent as it prints it, and a later one in
 * the walk that depends on it is printed too), so the walk is followed,
 * not just imitated.
 *
 * The names of a list in the order first met are kept beside the list's
 * pool (FEED_CACHE_DIR/NAME.<tag>.order): the first query after an
 * update reads the list once and writes them; the next ones map them.
 * Layout: "pkgordr1", the names each ended by a NUL byte, "pkgordr1".
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "state/state.h"

#define ORDER_MAGIC "pkgordr1"
#define ORDER_MAGIC_LEN 8
#define OPKG_HASH_BUCKETS 1024 /* opkg-lede's OPKG_CONF_DEFAULT_HASH_LEN */

unsigned opkg_hash_bucket(const char *name)
{
	unsigned long h = 5381; /* djb2, as libopkg's hash_table.c */
	const unsigned char *c;

	/* the same bucket on 32- and 64-bit devices: 1024 divides the
	 * modulus of unsigned long's wrap-around */
	for (c = (const unsigned char *)name; *c; c++)
		h = h * 33 + *c;
	return (unsigned)(h % OPKG_HASH_BUCKETS);
}

/* ---- the names a stanza's text mentions, in opkg's order ---- */

struct mention_sink {
	void (*fn)(void *ud, const char *name, size_t len);
	void *ud;
	const struct pkg_ctx *ctx; /* the architectures */
};

/* Does line (up to e) start with field? opkg's is_field: a prefix. The
 * value starts one byte further (past the colon). */
static const char *field_value(const char *line, const char *e,
			       const char *field)
{
	size_t n = strlen(field);

	if ((size_t)(e - line) < n + 1 || memcmp(line, field, n))
		return NULL;
	return line + n + 1;
}

/* Depends and the like: entries split at ',', alternatives at '|', the
 * name the first word of each (parse_deplist, parseDepends). */
static void deplist(const char *s, const char *e, struct mention_sink *k)
{
	while (s < e) {
		const char *c = memchr(s, ',', (size_t)(e - s)), *a;
		c = c ? c : e;
		for (a = s; a < c;) {
			const char *b = memchr(a, '|', (size_t)(c - a)), *n, *m;
			b = b ? b : c;
			for (n = a; n < b && *n == ' '; n++)
				;
			for (m = n; m < b && *m != ' '; m++)
				;
			if (m > n)
				k->fn(k->ud, n, (size_t)(m - n));
			a = b + 1;
		}
		s = c + 1;
	}
}

/* Provides and Replaces: the words between ',' and ' ' (strtok_r with
 * ", ": a versioned provide gives "(=" and "1.0)" too, names no package
 * has). */
static void namelist(const char *s, const char *e, struct mention_sink *k)
{
	const char *w;

	for (;;) {
		while (s < e && (*s == ',' || *s == ' '))
			s++;
		if (s == e)
			return;
		for (w = s; w < e && *w != ',' && *w != ' '; w++)
			;
		k->fn(k->ud, s, (size_t)(w - s));
		s = w;
	}
}

static int arch_listed(const struct pkg_ctx *ctx, const char *a, size_t n)
{
	size_t i;

	for (i = 0; i < ctx->conf.narchs; i++)
		if (ctx->conf.archs[i].prio > 0 &&
		    strlen(ctx->conf.archs[i].name) == n &&
		    !memcmp(ctx->conf.archs[i].name, a, n))
			return 1;
	return 0;
}

/* Trimmed [s, e) as parse_simple keeps it. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
			   (*e)[-1] == '\r'))
		(*e)--;
}

struct stanza_seen {
	const char *name, *name_e, *arch, *arch_e;
};

/* A stanza's end: its package's name enters the table when opkg keeps
 * the package (an architecture the configuration lists). */
static void stanza_end(struct stanza_seen *st, struct mention_sink *k)
{
	if (st->name &&
	    (!k->ctx->conf.narchs ||
	     (st->arch && arch_listed(k->ctx, st->arch,
				      (size_t)(st->arch_e - st->arch)))))
		k->fn(k->ud, st->name, (size_t)(st->name_e - st->name));
	memset(st, 0, sizeof(*st));
}

/* The stanzas of text (len bytes; a blank line ends one, and so does
 * the end of the text), field by field as pkg_parse_line reads them. */
static void text_mentions(const char *text, size_t len,
			  struct mention_sink *k)
{
	const char *p, *end = text + len, *nl, *e, *v;
	struct stanza_seen st = { 0 };

	for (p = text;; p = nl + 1) {
		nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		e = nl ? nl : end;
		if (e == p || (e == p + 1 && *p == '\r')) {
			stanza_end(&st, k);
		} else if ((v = field_value(p, e, "Package"))) {
			st.name = v;
			st.name_e = e;
			trim(&st.name, &st.name_e);
			if (st.name == st.name_e)
				st.name = NULL;
		} else if ((v = field_value(p, e, "Architecture"))) {
			st.arch = v;
			st.arch_e = e;
			trim(&st.arch, &st.arch_e);
		} else if ((v = field_value(p, e, "Provides")) ||
			   (v = field_value(p, e, "Replaces")) ||
			   (v = field_value(p, e, "Replace2"))) {
			if (st.name) /* init_providelist, parse_replacelist */
				k->fn(k->ud, st.name,
				      (size_t)(st.name_e - st.name));
			namelist(v, e, k);
		} else if ((v = field_value(p, e, "Depends")) ||
			   (v = field_value(p, e, "Pre-Depends")) ||
			   (v = field_value(p, e, "Recommends")) ||
			   (v = field_value(p, e, "Suggests")) ||
			   (v = field_value(p, e, "Conflicts"))) {
			deplist(v, e, k);
		}
		if (!nl)
			break;
	}
	stanza_end(&st, k);
}

/* ---- ranks of the names asked for ---- */

struct ranks {
	struct solver_strset names;	/* the names asked for, numbered */
	uint32_t *rank;			/* by their number; 0: not met yet */
	Id left;			/* how many are not met yet */
	uint32_t next;
};

static void rank_name(void *ud, const char *name, size_t len)
{
	struct ranks *r = ud;
	Id id = solver_strset_find(&r->names, name, len);

	if (id >= SOLVER_STRSET_FIRST && !r->rank[id]) {
		r->rank[id] = r->next++;
		r->left--;
	}
}

/* ---- a feed's names, from its cache or its list ---- */

static void set_add(void *ud, const char *name, size_t len)
{
	solver_strset_add(ud, name, len);
}

/* The cache, written from the set (best effort). */
static void order_write(struct pkg_ctx *ctx, const char *feed,
			const struct solver_strset *set)
{
	struct feed_cache_out c;
	Id id;
	int r;

	if (feed_cache_out_open(ctx, feed, NULL, FEED_CACHE_ORDER,
				ORDER_MAGIC, &c) < 0)
		return;
	for (id = SOLVER_STRSET_FIRST; id < solver_strset_end(set); id++) {
		const char *s = solver_strset_str(set, id);
		if (fwrite(s, 1, strlen(s) + 1, c.fp) != strlen(s) + 1)
			break;
	}
	r = id == solver_strset_end(set) &&
		    fwrite(ORDER_MAGIC, 1, ORDER_MAGIC_LEN, c.fp) ==
			    ORDER_MAGIC_LEN
	    ? 0
	    : -EIO;
	feed_cache_out_close(ctx, &c, r);
}

/* Rank the names of feed's list: from its cache when it checks, else
 * from the list (writing the cache). A list that cannot be read adds
 * what was read of it and no cache (its stream said why). */
static void feed_ranks(struct pkg_ctx *ctx, const char *feed,
		       struct ranks *r)
{
	char *file = feed_cache_file(ctx, feed, FEED_CACHE_ORDER);
	size_t size = 0, len, line;
	char *m = file ? feed_cache_map(ctx, file, 1, &size) : NULL;
	struct mention_sink k = { set_add, NULL, ctx };
	struct solver_strset set;
	struct ctl_reader rd = { 0 };
	const char *text;
	uint64_t off;
	Id id;
	int rc;

	free(file);
	if (m && size >= 2 * ORDER_MAGIC_LEN &&
	    !memcmp(m, ORDER_MAGIC, ORDER_MAGIC_LEN) &&
	    !memcmp(m + size - ORDER_MAGIC_LEN, ORDER_MAGIC,
		    ORDER_MAGIC_LEN) &&
	    (size == 2 * ORDER_MAGIC_LEN || !m[size - ORDER_MAGIC_LEN - 1])) {
		const char *s = m + ORDER_MAGIC_LEN,
			   *e = m + size - ORDER_MAGIC_LEN;
		while (s < e) {
			size_t n = strlen(s);
			rank_name(r, s, n);
			s += n + 1;
		}
		munmap(m, size);
		return;
	}
	if (m)
		munmap(m, size);
	if (!(rd.fp = feed_list_open(ctx, feed)))
		return;
	solver_strset_init(&set);
	k.ud = &set;
	while ((rc = ctl_read_stanza(&rd, &text, &len, &line, &off)) > 0)
		text_mentions(text, len, &k);
	ctl_reader_release(&rd);
	fclose(rd.fp);
	for (id = SOLVER_STRSET_FIRST; id < solver_strset_end(&set); id++) {
		const char *s = solver_strset_str(&set, id);
		rank_name(r, s, strlen(s));
	}
	if (rc == 0)
		order_write(ctx, feed, &set);
	solver_strset_free(&set);
}

int opkg_order_ranks(struct pkg_ctx *ctx, int with_lists,
		     const char *const *names, size_t n, uint32_t *rank)
{
	struct ranks r = { .next = 1 };
	struct mention_sink k = { rank_name, &r, ctx };
	char *text = NULL;
	size_t i, len = 0;
	Id end;
	int rc = 0;

	/* rank[i] holds names[i]'s number in the set until the end */
	solver_strset_init(&r.names);
	for (i = 0; i < n; i++)
		rank[i] = (uint32_t)solver_strset_add(&r.names, names[i],
						      strlen(names[i]));
	end = solver_strset_end(&r.names);
	r.left = end - SOLVER_STRSET_FIRST;
	if (!(r.rank = calloc((size_t)end, sizeof(*r.rank)))) {
		solver_strset_free(&r.names);
		return pkg_error(-ENOMEM, "cannot order the packages");
	}
	/* the lists in order, then the status; once every name asked for
	 * was met, what follows changes nothing */
	for (i = 0; with_lists && r.left && i < ctx->conf.nsrcs; i++)
		feed_ranks(ctx, ctx->conf.srcs[i].name, &r);
	if (r.left) {
		rc = ctx_read_file(ctx, ctx->conf.status_file, 0, &text,
				   &len);
		if (rc == 0)
			text_mentions(text, len, &k);
		else if (rc == -ENOENT)
			rc = 0;
		else
			rc = pkg_error(rc, "cannot read opkg status '%s'",
				       ctx->conf.status_file);
		free(text);
	}
	for (i = 0; rc == 0 && i < n; i++)
		rank[i] = r.rank[rank[i]] ? r.rank[rank[i]] : UINT32_MAX;
	free(r.rank);
	solver_strset_free(&r.names);
	return rc;
}

/* ---- the walk's key of each name ---- */

static const char *record_name(const void *base, size_t size, size_t i,
			       size_t name_at)
{
	const char *name;

	memcpy(&name, (const char *)base + i * size + name_at, sizeof(name));
	return name;
}

/* Where record i's key is (copied in and out: no alignment assumed). */
static void *record_key(void *base, size_t size, size_t i, size_t key_at)
{
	return (char *)base + i * size + key_at;
}

int opkg_walk_keys(struct pkg_ctx *ctx, int with_lists, void *base, size_t n,
		   size_t size, size_t name_at, size_t key_at)
{
	/* per bucket: its first name, and whether another name shares it */
	const char **first = calloc(OPKG_HASH_BUCKETS, sizeof(*first));
	unsigned char *shared = calloc(OPKG_HASH_BUCKETS, 1);
	const char **ask = malloc((n ? n : 1) * sizeof(*ask));
	uint32_t *rank = malloc((n ? n : 1) * sizeof(*rank));
	size_t i, k = 0;
	uint64_t key;
	unsigned b;
	int r = first && shared && ask && rank
			? 0
			: pkg_error(-ENOMEM, "cannot order the packages");

	for (i = 0; r == 0 && i < n; i++) {
		const char *name = record_name(base, size, i, name_at);
		b = opkg_hash_bucket(name);
		key = (uint64_t)b << 32;
		memcpy(record_key(base, size, i, key_at), &key, sizeof(key));
		if (!first[b])
			first[b] = name;
		else if (strcmp(first[b], name))
			shared[b] = 1;
	}
	/* the ranks of the names in a shared bucket (a name asked twice
	 * is one to opkg_order_ranks), then given back in the same walk */
	for (i = 0; r == 0 && i < n; i++) {
		memcpy(&key, record_key(base, size, i, key_at), sizeof(key));
		if (shared[key >> 32])
			ask[k++] = record_name(base, size, i, name_at);
	}
	if (r == 0 && k)
		r = opkg_order_ranks(ctx, with_lists, ask, k, rank);
	for (i = 0, k = 0; r == 0 && i < n; i++) {
		memcpy(&key, record_key(base, size, i, key_at), sizeof(key));
		if (!shared[key >> 32])
			continue;
		key |= rank[k++];
		memcpy(record_key(base, size, i, key_at), &key, sizeof(key));
	}
	free(first);
	free(shared);
	free(ask);
	free(rank);
	return r;
}
