/*
 * solver/stanza.c: control stanzas (feeds and the installed database) to
 * libsolv solvables, and the .solv cache of a feed.
 *
 * libsolv's repo_add_debpackages is not used: OpenWrt writes SHA256sum,
 * ABIVersion and dependency forms ("foo(>=1)") it does not know.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <solv/knownid.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/repodata.h>

#include "solver.h"
#include "solver_int.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Debian relation operator at *pp to REL_* flags; advances *pp. opkg
 * reads a lone "<" as "<=" and a lone ">" as ">=". */
Id solver_parse_op(const char **pp)
{
	const char *p = *pp;
	Id flags = 0;

	if (p[0] == '<' && p[1] == '<')
		flags = REL_LT, p += 2;
	else if (p[0] == '>' && p[1] == '>')
		flags = REL_GT, p += 2;
	else if (p[0] == '<' && p[1] == '=')
		flags = REL_LT | REL_EQ, p += 2;
	else if (p[0] == '>' && p[1] == '=')
		flags = REL_GT | REL_EQ, p += 2;
	else if (p[0] == '=' && p[1] == '<')
		flags = REL_LT | REL_EQ, p += 2;
	else if (p[0] == '=' && p[1] == '>')
		flags = REL_GT | REL_EQ, p += 2;
	else if (p[0] == '<')
		flags = REL_LT | REL_EQ, p += 1;
	else if (p[0] == '>')
		flags = REL_GT | REL_EQ, p += 1;
	else if (p[0] == '=')
		flags = REL_EQ, p += (p[1] == '=') ? 2 : 1;
	*pp = p;
	return flags;
}

/* One alternative "name", "name (op ver)" or "name(op ver)" in [b, e).
 * Returns 0 when there is no name. */
static Id parse_one(Pool *pool, const char *b, const char *e)
{
	const char *n, *ne, *v, *ve;
	char ver[256];
	Id name, flags;

	while (b < e && is_space(*b))
		b++;
	n = b;
	while (b < e && !is_space(*b) && *b != '(' && *b != '<' &&
	       *b != '>' && *b != '=')
		b++;
	ne = b;
	if (ne == n)
		return 0;
	name = pool_strn2id(pool, n, (unsigned int)(ne - n), 1);
	while (b < e && (is_space(*b) || *b == '('))
		b++;
	if (b >= e)
		return name;
	flags = solver_parse_op(&b);
	if (!flags)
		return name;
	while (b < e && is_space(*b))
		b++;
	v = b;
	while (b < e && !is_space(*b) && *b != ')')
		b++;
	ve = b;
	if (ve == v || (size_t)(ve - v) >= sizeof(ver))
		return name;
	memcpy(ver, v, (size_t)(ve - v));
	ver[ve - v] = 0;
	return pool_rel2id(pool, name, pool_str2id(pool, ver, 1), flags, 1);
}

/* One entry "a (>= 1) | b" in [b, e): alternatives joined by REL_OR. */
static Id parse_alts(Pool *pool, const char *b, const char *e)
{
	Id dep = 0, one;
	const char *bar;

	while (b < e) {
		bar = memchr(b, '|', (size_t)(e - b));
		if (!bar)
			bar = e;
		one = parse_one(pool, b, bar);
		if (one)
			dep = dep ? pool_rel2id(pool, dep, one, REL_OR, 1)
				  : one;
		b = bar + (bar < e);
	}
	return dep;
}

/* Parse a dependency list "a, b (>= 1) | c" into ids appended to q. */
void solver_parse_deps(Pool *pool, const char *str, Queue *q)
{
	const char *e, *comma;
	Id dep;

	if (!str)
		return;
	e = str + strlen(str);
	while (str < e) {
		comma = memchr(str, ',', (size_t)(e - str));
		if (!comma)
			comma = e;
		dep = parse_alts(pool, str, comma);
		if (dep)
			queue_push(q, dep);
		str = comma + (comma < e);
	}
}

/* The entries of str appended to off; an entry written twice is kept
 * twice with repeats (Depends: opkg's depends prints each, and a real
 * LuCI app has "luci-lua-runtime" twice), else once (repo_addid_dep). */
static Offset add_deps(Repo *repo, Offset off, const char *str, Queue *tmp,
		       int repeats)
{
	int i;

	queue_empty(tmp);
	solver_parse_deps(repo->pool, str, tmp);
	for (i = 0; i < tmp->count; i++)
		off = repeats ? repo_addid(repo, off, tmp->elements[i])
			      : repo_addid_dep(repo, off, tmp->elements[i], 0);
	return off;
}

/* The name of a dependency (left-most of an OR, name of a relation). */
static Id dep_name(Pool *pool, Id dep)
{
	while (ISRELDEP(dep))
		dep = GETRELDEP(pool, dep)->name;
	return dep;
}

/* Replaces that are also in Conflicts become obsoletes (as opkg does). */
static Offset add_obsoletes(Repo *repo, Offset off, const char *repl,
			    const char *confl, Queue *tmp)
{
	Pool *pool = repo->pool;
	Queue cq;
	int i, j;

	if (!repl || !confl)
		return off;
	queue_init(&cq);
	solver_parse_deps(pool, confl, &cq);
	queue_empty(tmp);
	solver_parse_deps(pool, repl, tmp);
	for (i = 0; i < tmp->count; i++)
		for (j = 0; j < cq.count; j++)
			if (dep_name(pool, tmp->elements[i]) ==
			    dep_name(pool, cq.elements[j])) {
				off = repo_addid_dep(repo, off,
						     tmp->elements[i], 0);
				break;
			}
	queue_free(&cq);
	return off;
}

/* The fields we use, looked up in one pass over the stanza. */
enum fld {
	F_PACKAGE, F_VERSION, F_ARCH, F_DEPENDS, F_PREDEPENDS, F_PROVIDES,
	F_CONFLICTS, F_REPLACES, F_RECOMMENDS, F_SUGGESTS, F_ESSENTIAL,
	F_ABI, F_DESC, F_SECTION, F_LICENSE, F_MAINT, F_FILENAME, F_SIZE,
	F_ISIZE, F_SHA256, F_MD5, F_COUNT
};

static const char *const fld_names[F_COUNT] = {
	"Package", "Version", "Architecture", "Depends", "Pre-Depends",
	"Provides", "Conflicts", "Replaces", "Recommends", "Suggests",
	"Essential", "ABIVersion", "Description", "Section", "License",
	"Maintainer", "Filename", "Size", "Installed-Size", "SHA256sum",
	"MD5Sum"
};

static void collect(const struct ctl_stanza *st, const char *v[F_COUNT])
{
	size_t i;
	int f;

	memset(v, 0, sizeof(*v) * F_COUNT);
	for (i = 0; i < st->nfields; i++)
		for (f = 0; f < F_COUNT; f++)
			if (!v[f] &&
			    ctl_field_is(st->fields[i].name, fld_names[f])) {
				v[f] = st->fields[i].value;
				break;
			}
}

/* A size as it is written: digits only (ctl_parse_u64). "Size: 0" is
 * a size of 0 (checked as such), "-5" is not a size: the stanza is
 * refused before this (stanza_ok). */
static void set_num(Repodata *data, Id p, Id key, const char *v)
{
	uint64_t n;

	if (v && ctl_parse_u64(v, &n) == 0)
		repodata_set_num(data, p, key, n);
}

/* Only what the solver and the listings use is kept: Section, License
 * and Maintainer are read from the stanza text when shown (info), and so
 * are a feed's Description, Filename, SHA256sum and MD5Sum (pkgd's
 * feed_fields; `feed` is 0): they are half a list's text, and libsolv
 * holds each string up to three times while it builds and writes a .solv
 * (attribute store, internalized data, the writer's buffer), which made
 * them most of `update`'s peak memory. */
static void set_attrs(struct pkg_solver *s, Repodata *data, Id p,
		      const char *v[F_COUNT], uint64_t offset, int feed)
{
	set_num(data, p, SOLVABLE_DOWNLOADSIZE, v[F_SIZE]);
	set_num(data, p, SOLVABLE_INSTALLSIZE, v[F_ISIZE]);
	if (!feed && v[F_DESC] && *v[F_DESC])
		repodata_set_str(data, p, SOLVABLE_DESCRIPTION, v[F_DESC]);
	if (!feed && v[F_FILENAME])
		repodata_set_location(data, p, 0, 0, v[F_FILENAME]);
	if (!feed && v[F_SHA256] && strlen(v[F_SHA256]) == 64)
		repodata_set_checksum(data, p, SOLVABLE_CHECKSUM,
				      REPOKEY_TYPE_SHA256, v[F_SHA256]);
	if (!feed && v[F_MD5])
		repodata_set_str(data, p, s->key_md5, v[F_MD5]);
	if (v[F_ABI])
		repodata_set_str(data, p, s->key_abi, v[F_ABI]);
	if (v[F_ESSENTIAL] && !strcasecmp(v[F_ESSENTIAL], "yes"))
		repodata_set_void(data, p, s->key_essential);
	repodata_set_num(data, p, s->key_offset, offset);
}

static void set_deps(Repo *repo, Solvable *sv, const char *v[F_COUNT])
{
	Pool *pool = repo->pool;
	Queue tmp;
	int i;

	queue_init(&tmp);
	sv->provides = repo_addid_dep(repo, 0, pool_rel2id(pool, sv->name,
			sv->evr, REL_EQ, 1), 0);
	sv->provides = add_deps(repo, sv->provides, v[F_PROVIDES], &tmp, 0);
	/* opkg checks a versioned dependency on a provided name against
	 * the provider's own version (pkg_dependence_satisfiable):
	 * "libiwinfo (>= 2023-01-21)" is met by libiwinfo20230701, which
	 * provides plain "libiwinfo". libsolv's Debian rule is that a plain
	 * provide meets no versioned dependency; so each plain provide is
	 * given again at the package's version (solver_deps_str leaves
	 * those out) */
	for (i = 0; i < tmp.count; i++)
		if (!ISRELDEP(tmp.elements[i]))
			sv->provides = repo_addid_dep(
				repo, sv->provides,
				pool_rel2id(pool, tmp.elements[i], sv->evr,
					    REL_EQ, 1),
				0);
	sv->requires = add_deps(repo, 0, v[F_DEPENDS], &tmp, 1);
	sv->requires = add_deps(repo, sv->requires, v[F_PREDEPENDS], &tmp, 0);
	sv->conflicts = add_deps(repo, 0, v[F_CONFLICTS], &tmp, 0);
	sv->obsoletes = add_obsoletes(repo, 0, v[F_REPLACES], v[F_CONFLICTS],
				      &tmp);
	sv->recommends = add_deps(repo, 0, v[F_RECOMMENDS], &tmp, 0);
	sv->suggests = add_deps(repo, 0, v[F_SUGGESTS], &tmp, 0);
	queue_free(&tmp);
}

/* The order a feed package's Depends and Provides were written in:
 * the .solv writer sorts requires and provides by id (repo_write's
 * data_adddepids), and opkg's depends and whatprovides print them, and
 * whatdepends picks the first entry that hits, as written. Kept as a
 * string of bytes, entry k as written being entry byte[k] - 1 of the
 * list sorted by printed text (solver_list_sorted: ids renumbered by the
 * writer do not change it; two bytes an entry, after a mark, for a list
 * longer than SOLVER_ORDER_SHORT): a few bytes a package, "" when the two
 * orders agree; paged (cache_keyfilter: 60 KiB on the 19.07.1 feeds,
 * which list, info and install do not read). */
static void set_written_order(struct pkg_solver *s, Repodata *data, Id p,
			      Id list, Id key)
{
	Solvable *so = s->pool->solvables + p;
	char pb[33], *perm = pb, *o;
	int ab[32], *at = ab, i, k, same = 1, wide;
	Queue q;

	queue_init(&q);
	solver_list_shown(s->pool, so, list, &q);
	if (q.count < 2 || q.count > 60000 ||
	    (q.count > 32 && (!(at = malloc((size_t)q.count * sizeof(*at))) ||
			      !(perm = malloc(2 * (size_t)q.count + 2)))))
		goto out;
	if (solver_list_sorted(s->pool, &q, at) < 0)
		goto out;
	wide = q.count > SOLVER_ORDER_SHORT; /* libupm-*: 300 Depends */
	o = perm + wide;
	for (i = 0; i < q.count; i++) { /* written entry at[i] sorts i-th */
		k = at[i];
		if (wide) {
			o[2 * k] = (char)(i / 255 + 1);
			o[2 * k + 1] = (char)(i % 255 + 1);
		} else {
			o[k] = (char)(i + 1);
		}
		same = same && i == k;
	}
	if (wide)
		perm[0] = SOLVER_ORDER_LONG;
	o[(wide ? 2 : 1) * q.count] = 0;
	repodata_set_str(data, p, key, same ? "" : perm);
out:
	if (at != ab)
		free(at);
	if (perm != pb)
		free(perm);
	queue_free(&q);
}

static Id add_fields(struct pkg_solver *s, Repo *repo, const char *v[],
		     uint64_t offset, int feed)
{
	Pool *pool = s->pool;
	Repodata *data;
	Solvable *sv;
	Id p;

	if (!v[F_PACKAGE] || !*v[F_PACKAGE] || !v[F_VERSION] ||
	    !*v[F_VERSION])
		return 0;
	data = repo_last_repodata(repo);
	p = repo_add_solvable(repo);
	sv = pool->solvables + p;
	sv->name = pool_str2id(pool, v[F_PACKAGE], 1);
	sv->evr = pool_str2id(pool, v[F_VERSION], 1);
	sv->arch = v[F_ARCH] && *v[F_ARCH] ? pool_str2id(pool, v[F_ARCH], 1)
					   : ARCH_ALL;
	set_deps(repo, sv, v);
	set_attrs(s, data, p, v, offset, feed);
	if (feed) {
		set_written_order(s, data, p, SOLVABLE_REQUIRES,
				  s->key_depends);
		set_written_order(s, data, p, SOLVABLE_PROVIDES,
				  s->key_provides);
	}
	return p;
}

Id solver_add_stanza(struct pkg_solver *s, Repo *repo,
		     const struct ctl_stanza *st, uint64_t offset)
{
	const char *v[F_COUNT];

	collect(st, v);
	return add_fields(s, repo, v, offset, 0);
}

/* ---- feeds ---- */

/* The packages a feed listed already (name, evr, arch Ids): a feed that
 * lists one package 100,000 times costs one hash lookup per copy, not a
 * solvable each (libsolv's solve time grows with the copies). */
struct seen_set {
	uint64_t *v; /* 0 = empty slot */
	size_t n, cap;
};

struct feed_ctx {
	struct pkg_solver *s;
	Repo *repo;
	const char *name;
	struct seen_set seen;
	size_t invalid;	  /* stanzas refused (names, fields, sizes) */
	size_t dups;	  /* stanzas listed again */
	const char *text, *end; /* the text parsed (streaming: one stanza) */
	const char *cur; /* start of line `line` */
	size_t line;
	size_t skipped;
	size_t base_line; /* where text starts in the list: line, offset */
	uint64_t base_off;
	solver_stanza_fn each; /* every stanza read, and its offset */
	void *each_ud;
};

static int arch_ok(const struct pkg_solver *s, const char *arch)
{
	size_t i;

	if (!s->narchs)
		return 1;
	if (!arch)
		return 0;
	for (i = 0; i < s->narchs; i++)
		if (!strcmp(s->archs[i], arch))
			return 1;
	return 0;
}

/* Byte offset of 1-based line `line`; lines arrive in increasing order. */
static uint64_t line_offset(struct feed_ctx *c, size_t line)
{
	const char *nl;

	while (c->line < line && c->cur < c->end) {
		nl = memchr(c->cur, '\n', (size_t)(c->end - c->cur));
		c->cur = nl ? nl + 1 : c->end;
		c->line++;
	}
	return (uint64_t)(c->cur - c->text);
}

static uint64_t seen_key(Id name, Id evr, Id arch)
{
	uint64_t k = ((uint64_t)(uint32_t)name << 32) ^
		     ((uint64_t)(uint32_t)evr << 12) ^ (uint64_t)(uint32_t)arch;

	return k ? k : 1;
}

/* The slot a key starts probing at: every bit of the key mixed into the
 * low ones the mask keeps (a multiplication alone leaves the low bits of
 * the product to the low bits of the key, which are the arch's alone:
 * every package of a feed probed one cluster). */
static size_t seen_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

/* 1 when key was there, 0 when added, -ENOMEM. */
static int seen_add(struct seen_set *ss, uint64_t key)
{
	size_t i;

	if ((ss->n + 1) * 2 > ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 1024, k;
		uint64_t *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (k = 0; k < ss->cap; k++) {
			if (!ss->v[k])
				continue;
			for (i = seen_slot(ss->v[k], cap); v[i];
			     i = (i + 1) & (cap - 1))
				;
			v[i] = ss->v[k];
		}
		free(ss->v);
		ss->v = v;
		ss->cap = cap;
	}
	for (i = seen_slot(key, ss->cap); ss->v[i];
	     i = (i + 1) & (ss->cap - 1))
		if (ss->v[i] == key)
			return 1;
	ss->v[i] = key;
	ss->n++;
	return 0;
}

/* Names, versions, one-line fields and sizes as pkg accepts them. */
static int stanza_ok(const struct ctl_stanza *st, const char *v[F_COUNT])
{
	char why[128];
	uint64_t n;

	return ctl_check_stanza(st, why, sizeof(why)) == 0 &&
	       (!v[F_SIZE] || ctl_parse_u64(v[F_SIZE], &n) == 0) &&
	       (!v[F_ISIZE] || ctl_parse_u64(v[F_ISIZE], &n) == 0);
}

static int feed_stanza(const struct ctl_stanza *st, void *ud)
{
	struct feed_ctx *c = ud;
	const char *v[F_COUNT];
	Pool *pool = c->s->pool;
	uint64_t off;
	int dup;

	collect(st, v);
	/* opkg skips a stanza without a name silently (the 23.05 packages
	 * feed starts with one: "Filename: __.ipk"); one without a version
	 * it would take, pkg cannot: that one is worth a warning. */
	if (!v[F_PACKAGE] || !*v[F_PACKAGE]) {
		c->skipped++;
		return 0;
	}
	if (!v[F_VERSION] || !*v[F_VERSION]) {
		pkg_warn("feed '%s': stanza at line %zu has no Version, "
			 "skipped", c->name, c->base_line + st->line - 1);
		c->skipped++;
		return 0;
	}
	if (!arch_ok(c->s, v[F_ARCH]))
		return 0;
	if (!stanza_ok(st, v)) {
		c->invalid++;
		return 0;
	}
	dup = seen_add(&c->seen,
		       seen_key(pool_str2id(pool, v[F_PACKAGE], 1),
				pool_str2id(pool, v[F_VERSION], 1),
				v[F_ARCH] && *v[F_ARCH]
					? pool_str2id(pool, v[F_ARCH], 1)
					: ARCH_ALL));
	if (dup < 0)
		return dup;
	if (dup) {
		c->dups++;
		return 0;
	}
	off = c->base_off + line_offset(c, st->line);
	add_fields(c->s, c->repo, v, off, 1);
	return 0;
}

/* After a feed: one line for what was refused, the seen set freed. */
static void feed_done(struct feed_ctx *c)
{
	if (c->invalid)
		pkg_warn("feed '%s': %zu package%s with an invalid name, "
			 "version, field or size skipped",
			 c->name, c->invalid, c->invalid == 1 ? "" : "s");
	free(c->seen.v);
	memset(&c->seen, 0, sizeof(c->seen));
}

/*
 * Keys a command rarely needs go to the .solv's vertical (paged) part:
 * libsolv reads those pages from the file on demand, so loading every
 * feed keeps only names, versions, dependencies, sizes and the stanza
 * offsets in memory. The offsets stay in core: list and find read every
 * package's, and paging them in costs libsolv's page cache (24 pages of
 * 32 KiB) where keeping them costs a few bytes a package.
 */
static int cache_keyfilter(Repo *repo, Repokey *key, void *kfdata)
{
	const struct pkg_solver *s = kfdata;
	int r = repo_write_stdkeyfilter(repo, key, NULL);

	if (r != KEY_STORAGE_INCORE)
		return r;
	if (key->name == SOLVABLE_CHECKSUM || key->name == SOLVABLE_MEDIAFILE ||
	    key->name == SOLVABLE_MEDIADIR || key->name == s->key_md5 ||
	    key->name == s->key_depends || key->name == s->key_provides)
		return KEY_STORAGE_VERTICAL_OFFSET;
	return r;
}

/* repo as a .solv into tmp, written as it is produced (no copy of the
 * whole file in memory) through the ops layer, and fsynced. */
static int write_solv(struct pkg_solver *s, Repo *repo, int fd)
{
	struct fsop_out o = { fd, 0 };
	FILE *fp;
	int r, c;

	fp = fsop_out_open(&o);
	if (!fp)
		return -ENOMEM;
	r = repo_write_filtered(repo, fp, cache_keyfilter, s, NULL);
	c = fclose(fp);
	if (o.err)
		r = o.err;
	else if (r != 0 || c != 0)
		r = -PKGE_FORMAT;
	return r == 0 ? fsop_fsync(fd) : r;
}

/* Write repo as a .solv file into fd (an empty file the caller made and
 * puts in place). */
static int write_cache(struct pkg_solver *s, Repo *repo, const char *name,
		       int fd)
{
	int r = write_solv(s, repo, fd);

	if (r == -PKGE_FORMAT)
		return pkg_error(r, "cannot write the cache of feed '%s': %s",
				 name, pool_errstr(repo->pool));
	if (r < 0)
		return pkg_error(r, "cannot write the cache of feed '%s'",
				 name);
	return 0;
}

/* Internalize the parsed repo, write the cache, hand it out. */
static int feed_finish(struct pkg_solver *s, Repo *repo, const char *name,
		       int cache_fd, Repo **repo_out)
{
	int r;

	repo_internalize(repo);
	if (cache_fd >= 0 && (r = write_cache(s, repo, name, cache_fd)) < 0) {
		repo_free(repo, 1);
		return r;
	}
	if (repo_out)
		*repo_out = repo;
	return 0;
}

int solver_feed_from_text(struct pkg_solver *s, const char *name,
			  const char *text, size_t len, int priority,
			  int cache_fd, Repo **repo_out)
{
	struct feed_ctx c = { .s = s, .name = name, .text = text,
			      .end = text + len, .cur = text, .line = 1 };
	char why[128];
	int r;

	c.base_line = 1;
	c.repo = repo_create(s->pool, name);
	c.repo->priority = priority;
	repo_add_repodata(c.repo, 0);
	r = ctl_parse_why(text, len, 0, feed_stanza, &c, why, sizeof(why));
	feed_done(&c);
	if (r < 0) {
		repo_free(c.repo, 1);
		if (r == -PKGE_FORMAT)
			return pkg_error_plain(r, "list of feed '%s' is "
					       "malformed: %s", name, why);
		return pkg_error(r, "cannot read list of feed '%s'", name);
	}
	return feed_finish(s, c.repo, name, cache_fd, repo_out);
}

/* Parse one stanza of a stream (text, len bytes, from line base_line);
 * a "line N" in why is made absolute. */
static int stanza_parse(struct feed_ctx *c, const char *text, size_t len,
			char *why, size_t n)
{
	size_t rel;
	int r, at;

	c->text = c->cur = text;
	c->end = text + len;
	c->line = 1;
	r = ctl_parse_why(text, len, 0, feed_stanza, c, why, n);
	if (r == -PKGE_FORMAT && sscanf(why, "line %zu: %n", &rel, &at) == 1
	    && at > 0) {
		char rest[128];
		snprintf(rest, sizeof(rest), "%s", why + at);
		snprintf(why, n, "line %zu: %s", c->base_line + rel - 1, rest);
	}
	return r;
}

/* Feed fp to the parser one stanza at a time (ctl_read_stanza: where it
 * lies in the block read, not copied line by line), keeping line
 * numbers and byte offsets. */
static int feed_stream(struct feed_ctx *c, FILE *fp, char *why, size_t n)
{
	struct ctl_reader rd = { .fp = fp };
	const char *text;
	size_t len, line = 0;
	int r;

	for (;;) {
		r = ctl_read_stanza(&rd, &text, &len, &line, &c->base_off);
		if (r == -PKGE_FORMAT)
			snprintf(why, n, "line %zu: stanza too long (over %zu "
				 "bytes)", line, CTL_STANZA_MAX);
		if (r <= 0)
			break;
		c->base_line = line;
		if (c->each)
			c->each(c->each_ud, c->base_off, text, len);
		if ((r = stanza_parse(c, text, len, why, n)) < 0)
			break;
	}
	ctl_reader_release(&rd);
	return r;
}

int solver_feed_from_file(struct pkg_solver *s, const char *name, FILE *fp,
			  int priority, int cache_fd, Repo **repo_out,
			  solver_stanza_fn each, void *each_ud)
{
	struct feed_ctx c = { .s = s, .name = name, .each = each,
			      .each_ud = each_ud };
	char why[160];
	int r;

	why[0] = 0;
	c.repo = repo_create(s->pool, name);
	c.repo->priority = priority;
	repo_add_repodata(c.repo, 0);
	r = feed_stream(&c, fp, why, sizeof(why));
	feed_done(&c);
	if (r < 0) {
		repo_free(c.repo, 1);
		if (r == -PKGE_FORMAT)
			return pkg_error_plain(r, "list of feed '%s' is "
					       "malformed: %s", name, why);
		if (r == -EIO)
			return r; /* the stream reported it */
		return pkg_error(r, "cannot read list of feed '%s'", name);
	}
	return feed_finish(s, c.repo, name, cache_fd, repo_out);
}

int solver_feed_from_cache(struct pkg_solver *s, const char *name, int fd,
			   int priority, Repo **repo_out)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	FILE *fp = dfd < 0 ? NULL : fdopen(dfd, "r");
	Repo *repo;
	int r;

	if (!fp) {
		r = -errno;
		if (dfd >= 0)
			close(dfd);
		return pkg_error(r, "cannot read the cache of feed '%s'", name);
	}
	repo = repo_create(s->pool, name);
	repo->priority = priority;
	r = repo_add_solv(repo, fp, 0);
	fclose(fp);
	if (r != 0) {
		repo_free(repo, 1);
		return pkg_error(-PKGE_FORMAT, "cannot read the cache of feed "
				 "'%s': %s", name, pool_errstr(s->pool));
	}
	if (repo_out)
		*repo_out = repo;
	return 0;
}
