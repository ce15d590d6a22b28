/*
 * Unit tests for solver/: version order against a reference copy of
 * opkg's algorithm, feeds from the real OpenWrt fixtures, jobs, problems,
 * the .solv cache.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glob.h>
#include <cmocka.h>

#include <solv/knownid.h>

#include "solver.h"
#include "unit.h"

#define F23 FX_2305 "/feeds/"
#define F19 FX_1907 "/feeds/"
#define A23 "arm_cortex-a9_vfpv3-d16"

/* ---- reference: opkg's libopkg/pkg.c version comparison ---- */

static int ref_order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int ref_verrevcmp(const char *val, const char *ref)
{
	if (!val)
		val = "";
	if (!ref)
		ref = "";
	while (*val || *ref) {
		int first_diff = 0;

		while ((*val && !isdigit((unsigned char)*val)) ||
		       (*ref && !isdigit((unsigned char)*ref))) {
			int vc = ref_order(*val), rc = ref_order(*ref);

			if (vc != rc)
				return vc - rc;
			val++;
			ref++;
		}
		while (*val == '0')
			val++;
		while (*ref == '0')
			ref++;
		while (isdigit((unsigned char)*val) &&
		       isdigit((unsigned char)*ref)) {
			if (!first_diff)
				first_diff = *val - *ref;
			val++;
			ref++;
		}
		if (isdigit((unsigned char)*val))
			return 1;
		if (isdigit((unsigned char)*ref))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

/* opkg's parse_version (leading blanks skipped) + pkg_compare_versions. */
static int ref_vercmp(const char *a, const char *b)
{
	char *va = strdup(a), *vb = strdup(b), *ua = va, *ub = vb, *ra, *rb;
	unsigned long ea = 0, eb = 0;
	int r;

	while (isspace((unsigned char)*ua))
		ua++;
	while (isspace((unsigned char)*ub))
		ub++;
	if (strchr(ua, ':')) {
		ea = strtoul(ua, NULL, 10);
		ua = strchr(ua, ':') + 1;
	}
	if (strchr(ub, ':')) {
		eb = strtoul(ub, NULL, 10);
		ub = strchr(ub, ':') + 1;
	}
	ra = strrchr(ua, '-');
	if (ra)
		*ra++ = 0;
	rb = strrchr(ub, '-');
	if (rb)
		*rb++ = 0;
	if (ea != eb)
		r = ea < eb ? -1 : 1;
	else if (!(r = ref_verrevcmp(ua, ub)))
		r = ref_verrevcmp(ra, rb);
	free(va);
	free(vb);
	return r < 0 ? -1 : r > 0;
}

/* ---- helpers ---- */

static const char *const arch23[] = { "all", "noarch", A23 };
static const int prio23[] = { 1, 1, 10 };

/* The solver writes and reads caches through descriptors: the tests
 * open the files (host paths in their temporary directories). */
static int text_to_cache(struct pkg_solver *s, const char *name,
			 const char *text, size_t len, const char *cache,
			 Repo **out)
{
	int fd = cache ? open(cache, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644)
		       : -1, r;

	if (cache && fd < 0)
		return -errno;
	r = solver_feed_from_text(s, name, text, len, 0, fd, out);
	if (fd >= 0)
		close(fd);
	return r;
}

static int cache_load(struct pkg_solver *s, const char *name,
		      const char *cache, int prio)
{
	int fd = open(cache, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = solver_feed_from_cache(s, name, fd, prio, NULL);
	close(fd);
	return r;
}

static Repo *feed_file(struct pkg_solver *s, const char *name,
		       const char *path, const char *cache)
{
	size_t len;
	char *t = unit_slurp(path, &len);
	Repo *r = NULL;

	assert_int_equal(text_to_cache(s, name, t, len, cache, &r), 0);
	free(t);
	return r;
}

static Repo *feed_str(struct pkg_solver *s, const char *name,
		      const char *text)
{
	Repo *r = NULL;

	assert_int_equal(solver_feed_from_text(s, name, text, strlen(text),
					       0, -1, &r), 0);
	return r;
}

static int add_installed_cb(const struct ctl_stanza *st, void *ud)
{
	void **a = ud;

	assert_true(solver_add_stanza(a[0], a[1], st, 0) > 0);
	return 0;
}

/* Installed packages from stanza text. */
static void installed(struct pkg_solver *s, const char *text)
{
	Repo *r = s->installed ? s->installed : solver_installed_repo(s);
	void *a[2] = { s, r };

	assert_int_equal(ctl_parse(text, strlen(text), 0, add_installed_cb,
				   a), 0);
}

static const char *base_installed =
	"Package: libc\nVersion: 1.2.4-4\nArchitecture: " A23 "\n\n"
	"Package: libgcc1\nVersion: 13.1.0-4\nProvides: libgcc\n"
	"Essential: yes\nArchitecture: " A23 "\n\n";

static void load23(struct pkg_solver *s)
{
	assert_int_equal(solver_init(s, arch23, prio23, 3), 0);
	feed_file(s, "base", F23 "base/Packages", NULL);
	feed_file(s, "core", F23 "core/Packages", NULL);
	feed_file(s, "packages", F23 "packages/Packages", NULL);
	feed_file(s, "luci", F23 "luci/Packages", NULL);
	installed(s, base_installed);
	solver_prepare(s);
}

static Id find(struct pkg_solver *s, const char *name, const char *repo)
{
	Queue q;
	Id p = 0;
	int i;

	queue_init(&q);
	solver_named_ids(s, name, &q);
	for (i = 0; i < q.count && !p; i++)
		if (!repo || !strcmp(solver_repo_name(s, q.elements[i]), repo))
			p = q.elements[i];
	queue_free(&q);
	return p;
}

static size_t step_index(struct pkg_solver *s, struct solver_result *res,
			 const char *name)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		if (!strcmp(solver_name(s, res->steps[i].p), name))
			return i;
	fail_msg("no step for '%s'", name);
	return 0;
}

static void print_result(struct pkg_solver *s, struct solver_result *res)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		print_message("step %d %s-%s\n", (int)res->steps[i].type,
			      solver_name(s, res->steps[i].p),
			      solver_evr(s, res->steps[i].p));
	for (i = 0; i < res->nproblems; i++)
		print_message("problem: %s\n", res->problems[i]);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- version order ---- */

static void test_vercmp_table(void **state)
{
	static const struct {
		const char *a, *b;
		int sign;
	} t[] = {
		{ "1.0", "1.0", 0 },
		{ "1.0", "1.1", -1 },
		{ "1.0-1", "1.0-2", -1 },
		{ "1.0-r1", "1.0", 1 },
		{ "1:1.0", "2.0", 1 },
		{ "0:1.0", "1.0", 0 },
		{ "1.0~rc1", "1.0", -1 },
		{ "1~c1e578cc", "1", -1 },
		{ "1~c1e578cc", "1.0", -1 },
		{ "1-r23630-842932a63d", "1-r23629-aaaaaaaaaa", 1 },
		{ "1-r23630-842932a63d", "1-r23630-842932a63e", -1 },
		{ "git-24.072.73299-397b1b2", "git-23.001.1-aaaaaaa", 1 },
		{ "5.15.137+6.1.24-3", "5.15.137-3", 1 },
		{ "5.15.137+6.1.24-3", "5.15.137+6.1.24-10", -1 },
		{ "3.7.0+perl5.28-1", "3.7.0-1", 1 },
		{ "1.8.10-r1", "1.8.9-r1", 1 },
		{ "1.8.10-r1", "1.8.10-r2", -1 },
		{ "2024.07.14~408c2cc4-r1", "2024.07.14-r1", -1 },
		{ "2024.07.14~408c2cc4-r1", "2024.07.13-r1", 1 },
		{ "2023-02-25-498f6e26-1", "2023-02-25-498f6e26-2", -1 },
		{ "1.0a", "1.0", 1 },
		{ "1.0a", "1.0.1", -1 }, /* letters sort before non-letters */
		{ "1.0", "1.0-0", 0 },
		{ "1.0", "0:1.0-0", 0 },
		{ "1.0+", "1.0", 1 },
		{ "1.01", "1.1", 0 },
		{ "20150609-3", "20150609-10", -1 },
		/* read as opkg's parse_version reads them (opkg-lede's own
		 * compare-versions gave each of these) */
		{ "1.0-", "1.0", 0 },	/* an empty revision is "0" */
		{ "1.0-", "1.0-0", 0 },
		{ "1.0--", "1.0", 1 },	/* version "1.0-", revision "" */
		{ "-", "0", 0 },	/* an empty version is "0" too */
		{ ":", "0", 0 },
		{ "a5:5", "5", 0 },	/* epoch strtoul("a5") = 0 */
		{ ":23", "0:23", 0 },
		{ "16.:7", "16:7", 0 },	/* epoch 16, version "7" */
		{ "2:1.0", "10.:1.0", -1 },
		{ " 1.0", "1.0", 0 },	/* leading blanks skipped */
	};
	struct pkg_solver s;
	size_t i;
	int r;

	assert_int_equal(solver_init(&s, NULL, NULL, 0), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = solver_vercmp(&s, t[i].a, t[i].b);
		if (r != t[i].sign || ref_vercmp(t[i].a, t[i].b) != t[i].sign)
			fail_msg("'%s' vs '%s': solver %d opkg %d expected %d",
				 t[i].a, t[i].b, r, ref_vercmp(t[i].a, t[i].b),
				 t[i].sign);
		assert_int_equal(solver_vercmp(&s, t[i].b, t[i].a), -r);
	}
	solver_release(&s);
}

struct vlist {
	char **name, **ver;
	size_t n, cap;
};

static void vlist_add(struct vlist *v, const char *name, size_t nl,
		      const char *ver, size_t vl)
{
	if (v->n == v->cap) {
		char **nn, **nv;
		v->cap = v->cap ? 2 * v->cap : 1024;
		nn = realloc(v->name, v->cap * sizeof(char *));
		assert_non_null(nn);
		v->name = nn;
		nv = realloc(v->ver, v->cap * sizeof(char *));
		assert_non_null(nv);
		v->ver = nv;
	}
	v->name[v->n] = strndup(name, nl);
	v->ver[v->n++] = strndup(ver, vl);
}

/* Package/Version pairs of every signed feed index in the fixtures (each
 * has its Packages.sig; the index itself is kept plain or gzip'd). */
static void read_versions(struct vlist *v)
{
	glob_t g;
	size_t i, len;
	char *t, *p, *e, *name = NULL, *nl;
	size_t namelen = 0;

	assert_int_equal(glob(FIXTURES "/*/feeds/*/Packages.sig", 0, NULL, &g),
			 0);
	for (i = 0; i < g.gl_pathc; i++) {
		t = unit_index_of_sig(g.gl_pathv[i], &len);
		for (p = t, e = t + len; p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			if (!nl)
				nl = e;
			if (!strncmp(p, "Package: ", 9)) {
				name = p + 9;
				namelen = (size_t)(nl - name);
			} else if (!strncmp(p, "Version: ", 9) && name) {
				vlist_add(v, name, namelen, p + 9,
					  (size_t)(nl - p - 9));
				name = NULL;
			}
		}
		free(t);
	}
	globfree(&g);
}

static void test_vercmp_feeds(void **state)
{
	struct vlist v = { 0 };
	struct pkg_solver s;
	size_t i, j, pairs = 0, bad = 0;
	int a, b;

	assert_int_equal(solver_init(&s, NULL, NULL, 0), 0);
	read_versions(&v);
	assert_true(v.n > 10000);
	for (i = 0; i < v.n; i++)
		for (j = i + 1; j < v.n; j++) {
			/* same name; plus neighbours as a wider sample */
			if (strcmp(v.name[i], v.name[j]) && j > i + 3)
				continue;
			pairs++;
			a = solver_vercmp(&s, v.ver[i], v.ver[j]);
			b = ref_vercmp(v.ver[i], v.ver[j]);
			if (a != b && bad++ < 10)
				print_message("'%s' vs '%s': solver %d "
					      "opkg %d\n", v.ver[i], v.ver[j],
					      a, b);
		}
	print_message("%zu versions, %zu pairs compared\n", v.n, pairs);
	assert_int_equal(bad, 0);
	for (i = 0; i < v.n; i++) {
		free(v.name[i]);
		free(v.ver[i]);
	}
	free(v.name);
	free(v.ver);
	solver_release(&s);
}

/* ---- stanzas and feeds ---- */

static void test_deps_parse(void **state)
{
	struct pkg_solver s;
	Id p;
	char *d;

	assert_int_equal(solver_init(&s, NULL, NULL, 0), 0);
	feed_str(&s, "t",
		 "Package: x\nVersion: 2:1.0-1\nArchitecture: all\n"
		 "Depends: libc, foo(>=1.2), a (>= 1.0) | b,kernel (= "
		 "5.15.137-1-0123abcd), c (<< 2), d (>> 1), e (<= 3), f(=1)\n"
		 "Pre-Depends: pre\n"
		 "Provides: virt, v2 (=1.2)\n"
		 "Conflicts: old, older (<< 1)\nReplaces: old, other\n"
		 "Recommends: r1\nSuggests: s1 | s2\n");
	solver_prepare(&s);
	p = find(&s, "x", NULL);
	assert_true(p > 0);
	assert_string_equal(solver_evr(&s, p), "2:1.0-1");
	d = solver_deps_str(&s, p, SOLVABLE_REQUIRES);
	assert_string_equal(d, "libc, foo (>= 1.2), a (>= 1.0) | b, kernel "
			    "(= 5.15.137-1-0123abcd), c (<< 2), d (>> 1), "
			    "e (<= 3), f (= 1), pre");
	free(d);
	d = solver_deps_str(&s, p, SOLVABLE_PROVIDES);
	assert_string_equal(d, "virt, v2 (= 1.2)");
	free(d);
	d = solver_deps_str(&s, p, SOLVABLE_CONFLICTS);
	assert_string_equal(d, "old, older (<< 1)");
	free(d);
	d = solver_deps_str(&s, p, SOLVABLE_OBSOLETES);
	assert_string_equal(d, "old");
	free(d);
	d = solver_deps_str(&s, p, SOLVABLE_SUGGESTS);
	assert_string_equal(d, "s1 | s2");
	free(d);
	d = solver_deps_str(&s, p, SOLVABLE_RECOMMENDS);
	assert_string_equal(d, "r1");
	free(d);
	solver_release(&s);
}

/* The names in q, space-separated, into buf. */
static const char *names_str(const struct pkg_solver *s, const Queue *q,
			     char *buf, size_t n)
{
	size_t at = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < q->count; i++)
		at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? " " : "",
				       pool_id2str(s->pool, q->elements[i]));
	return buf;
}

/* The names the text of p's key list mentions, split at ',' and '|',
 * each piece up to a blank or '(' (how query.c read them before
 * solver_deps_names), into q. */
static void names_by_text(struct pkg_solver *s, Id p, Id key, Queue *q)
{
	char *t = solver_deps_str(s, p, key), *save, *d;
	Id n;

	for (d = strtok_r(t, ",|", &save); d; d = strtok_r(NULL, ",|", &save)) {
		d += strspn(d, " ");
		n = pool_strn2id(s->pool, d, (unsigned)strcspn(d, " ("), 0);
		if (n > 0)
			queue_push(q, n);
	}
	free(t);
}

/* solver_deps_names reads off the ids the names the text gives: every
 * alternative's, on each list a package has. */
static void test_deps_names(void **state)
{
	struct pkg_solver s;
	char got[256], want[256];
	Queue q, r;
	Id p, keys[] = { SOLVABLE_REQUIRES, SOLVABLE_PROVIDES,
			 SOLVABLE_CONFLICTS, SOLVABLE_RECOMMENDS,
			 SOLVABLE_SUGGESTS };
	size_t k;

	assert_int_equal(solver_init(&s, NULL, NULL, 0), 0);
	feed_str(&s, "t",
		 "Package: x\nVersion: 1\nArchitecture: all\n"
		 "Depends: libc, a (>= 1.0) | b | c (<< 2), e (= 1|2), "
		 "g (>= 1) | h\nPre-Depends: pre\nProvides: v (= 1), w\n"
		 "Conflicts: old (<< 1|2)\nRecommends: r | s (= 2)\n"
		 "Suggests: libc(x, a(b | q\n");
	p = find(&s, "x", NULL);
	assert_true(p > 0);
	queue_init(&q);
	queue_init(&r);
	for (k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		queue_empty(&q);
		queue_empty(&r);
		solver_deps_names(&s, p, keys[k], &q);
		names_by_text(&s, p, keys[k], &r);
		assert_string_equal(names_str(&s, &q, got, sizeof(got)),
				    names_str(&s, &r, want, sizeof(want)));
	}
	queue_empty(&q);
	solver_deps_names(&s, p, SOLVABLE_REQUIRES, &q);
	/* the parser split "e (= 1|2)" at its '|': "2)" is an alternative */
	assert_string_equal(names_str(&s, &q, got, sizeof(got)),
			    "libc a b c e 2) g h pre");
	/* the parser keeps a name up to a '(' it does not close */
	queue_empty(&q);
	solver_deps_names(&s, p, SOLVABLE_SUGGESTS, &q);
	assert_string_equal(names_str(&s, &q, got, sizeof(got)), "libc a q");
	queue_free(&q);
	queue_free(&r);
	solver_release(&s);
}

/* The first piece of p's key list (split at ',' and '|', trimmed) whose
 * name is marked, as query.c found it from the text before
 * solver_first_marked: malloc'd or NULL. */
static char *first_by_text(struct pkg_solver *s, Id p, Id key,
			   const unsigned char *marked, int nmarked)
{
	char *t = solver_deps_str(s, p, key), *save, *d, *hit = NULL;
	size_t n;
	Id id;

	for (d = strtok_r(t, ",|", &save); d && !hit;
	     d = strtok_r(NULL, ",|", &save)) {
		d += strspn(d, " ");
		for (n = strlen(d); n && d[n - 1] == ' '; n--)
			d[n - 1] = 0;
		id = pool_strn2id(s->pool, d, (unsigned)strcspn(d, " ("), 0);
		if (id > 0 && id < nmarked && marked[id])
			hit = strdup(d);
	}
	free(t);
	return hit;
}

/* solver_first_marked gives the piece the text gives, for every name
 * the lists mention marked alone and for every two marked together. */
static void test_first_marked(void **state)
{
	struct pkg_solver s;
	unsigned char *marked;
	int nmarked, i, j, k, r;
	char *got, *want;
	Queue names;
	Id p, keys[] = { SOLVABLE_REQUIRES, SOLVABLE_RECOMMENDS,
			 SOLVABLE_SUGGESTS, SOLVABLE_CONFLICTS };

	assert_int_equal(solver_init(&s, NULL, NULL, 0), 0);
	feed_str(&s, "t",
		 "Package: x\nVersion: 1\nArchitecture: all\n"
		 "Depends: libc, a (>= 1.0) | b | c (<< 2), g (>= 1) | h, b\n"
		 "Conflicts: old (<< 1)\nRecommends: r | s (= 2)\n"
		 "Suggests: a, libc\n");
	p = find(&s, "x", NULL);
	assert_true(p > 0);
	nmarked = solver_nstrings(&s);
	marked = calloc((size_t)nmarked + 1, 1);
	assert_non_null(marked);
	queue_init(&names);
	for (k = 0; k < (int)(sizeof(keys) / sizeof(*keys)); k++) {
		queue_empty(&names);
		solver_deps_names(&s, p, keys[k], &names);
		for (i = -1; i < names.count; i++)
			for (j = i; j < names.count; j++) {
				memset(marked, 0, (size_t)nmarked);
				if (i >= 0)
					marked[names.elements[i]] = 1;
				if (j >= 0)
					marked[names.elements[j]] = 1;
				r = solver_first_marked(&s, p, keys[k], marked,
							nmarked, &got);
				want = first_by_text(&s, p, keys[k], marked,
						     nmarked);
				assert_int_equal(r, want != NULL);
				if (want)
					assert_string_equal(got, want);
				else
					assert_null(got);
				free(got);
				free(want);
			}
	}
	/* the entry written first hits, not the pool's first */
	memset(marked, 0, (size_t)nmarked);
	marked[pool_str2id(s.pool, "h", 0)] = 1;
	marked[pool_str2id(s.pool, "c", 0)] = 1;
	assert_int_equal(solver_first_marked(&s, p, SOLVABLE_REQUIRES, marked,
					     nmarked, &got),
			 1);
	assert_string_equal(got, "c (<< 2)");
	free(got);
	queue_free(&names);
	free(marked);
	solver_release(&s);
}

static void test_load_23(void **state)
{
	struct pkg_solver s;
	Repo *r;
	Id p;
	char *t;
	size_t len;

	assert_int_equal(solver_init(&s, arch23, prio23, 3), 0);
	/* the stanza without Package: is skipped with a warning */
	r = feed_file(&s, "packages", F23 "packages/Packages", NULL);
	assert_int_equal(r->nsolvables, 1107);
	solver_prepare(&s);
	p = find(&s, "nano", NULL);
	assert_true(p > 0);
	assert_string_equal(solver_evr(&s, p), "7.2-2");
	assert_string_equal(solver_arch(&s, p), A23);
	assert_int_equal(solver_size(&s, p), 70201);
	assert_int_equal(solver_installed_size(&s, p), 69342);
	/* a feed's Description, Filename and checksums stay in its list,
	 * read at the stanza's offset (pkgd's feed_fields) */
	assert_null(solver_filename(&s, p));
	assert_null(solver_sha256(&s, p));
	assert_null(solver_md5(&s, p));
	assert_null(solver_summary(&s, p));
	assert_null(solver_description(&s, p));
	t = unit_slurp(F23 "packages/Packages", &len);
	assert_true(solver_offset(&s, p) < len);
	assert_memory_equal(t + solver_offset(&s, p), "Package: nano\n", 14);
	free(t);
	assert_false(solver_is_installed(&s, p));
	solver_release(&s);
}

/* ---- solving ---- */

/* A package added from its control stanza (installed, command line)
 * keeps what a feed's leaves in the list. */
static void test_stanza_keeps_fields(void **state)
{
	static const char *const sha =
		"0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef";
	struct pkg_solver s;
	char text[512];
	Id p;

	(void)state;
	snprintf(text, sizeof(text),
		 "Package: foo\nVersion: 1\nArchitecture: " A23 "\n"
		 "Filename: foo_1.ipk\nSHA256sum: %s\nMD5Sum: abc\n"
		 "Description: first\n second\n\n", sha);
	assert_int_equal(solver_init(&s, arch23, prio23, 3), 0);
	installed(&s, text);
	solver_prepare(&s);
	p = find(&s, "foo", NULL);
	assert_true(p > 0);
	assert_string_equal(solver_filename(&s, p), "foo_1.ipk");
	assert_string_equal(solver_sha256(&s, p), sha);
	assert_string_equal(solver_md5(&s, p), "abc");
	assert_string_equal(solver_description(&s, p), "first\nsecond");
	assert_string_equal(solver_summary(&s, p), "first");
	solver_release(&s);
}

static void test_install_nano(void **state)
{
	struct pkg_solver s;
	struct solver_result res;
	size_t i;

	load23(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "nano", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	print_result(&s, &res);
	assert_int_equal(res.n, 3);
	for (i = 0; i < res.n; i++) {
		assert_int_equal(res.steps[i].type, STEP_INSTALL);
		assert_int_equal(res.steps[i].old, 0);
	}
	/* libncurses6 depends on terminfo, nano on libncurses6 */
	assert_true(step_index(&s, &res, "terminfo") <
		    step_index(&s, &res, "libncurses6"));
	assert_true(step_index(&s, &res, "libncurses6") <
		    step_index(&s, &res, "nano"));
	solver_result_release(&res);
	solver_release(&s);
}

static void test_install_spec_ops(void **state)
{
	struct pkg_solver s;
	struct solver_result res;

	load23(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "nano>=7.0", 0), 0);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "libncursesw", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	assert_int_equal(res.n, 3);
	solver_result_release(&res);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "nano<<7.0", 0),
			 -PKGE_NOTFOUND);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "nano=7.2-2", 0), 0);
	solver_release(&s);
}

static void test_unknown(void **state)
{
	struct pkg_solver s;

	load23(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "no-such-pkg", 0),
			 -PKGE_NOTFOUND);
	assert_int_equal(solver_job(&s, SJ_REMOVE, "nano", 0),
			 -PKGE_NOTFOUND);
	assert_int_equal(solver_job(&s, SJ_UPGRADE, "nano", 0),
			 -PKGE_NOTFOUND);
	solver_release(&s);
}

static const char *small_feed =
	"Package: a\nVersion: 1\nArchitecture: all\nConflicts: b\n\n"
	"Package: b\nVersion: 2\nArchitecture: all\n\n"
	"Package: x\nVersion: 1.0\nArchitecture: all\nDepends: libfoo\n\n"
	"Package: y\nVersion: 1.0\nArchitecture: all\nDepends: b\n"
	"Recommends: a\n\n";

static void small(struct pkg_solver *s)
{
	assert_int_equal(solver_init(s, NULL, NULL, 0), 0);
	feed_str(s, "small", small_feed);
	solver_installed_repo(s);
	solver_prepare(s);
}

static void test_conflict(void **state)
{
	struct pkg_solver s;
	struct solver_result res;

	small(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "a", 0), 0);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "b", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), -PKGE_UNSOLVABLE);
	print_result(&s, &res);
	assert_int_equal(res.nproblems, 1);
	assert_string_equal(res.problems[0],
			    "package a-1 conflicts with b provided by b-2");
	solver_result_release(&res);
	solver_release(&s);
}

static void test_unsatisfiable(void **state)
{
	struct pkg_solver s;
	struct solver_result res;

	small(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "x", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), -PKGE_UNSOLVABLE);
	assert_int_equal(res.nproblems, 1);
	assert_string_equal(res.problems[0],
			    "nothing provides 'libfoo' needed by x-1.0");
	solver_result_release(&res);
	/* --force-depends installs it anyway */
	assert_int_equal(solver_run(&s, SOLVE_FORCE_DEPENDS, NULL, &res), 0);
	assert_int_equal(res.n, 1);
	assert_string_equal(solver_name(&s, res.steps[0].p), "x");
	solver_result_release(&res);
	solver_release(&s);
}

static void test_recommends(void **state)
{
	struct pkg_solver s;
	struct solver_result res;

	small(&s);
	/* y recommends a, which conflicts with y's dependency b: skipped */
	assert_int_equal(solver_job(&s, SJ_INSTALL, "y", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	assert_int_equal(res.n, 2);
	solver_result_release(&res);
	solver_release(&s);

	assert_int_equal(solver_init(&s, NULL, NULL, 0), 0);
	feed_str(&s, "r", "Package: y\nVersion: 1\nArchitecture: all\n"
		 "Recommends: z\n\nPackage: z\nVersion: 1\n"
		 "Architecture: all\n");
	solver_installed_repo(&s);
	solver_prepare(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "y", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	assert_int_equal(res.n, 2);
	solver_result_release(&res);
	assert_int_equal(solver_run(&s, SOLVE_NO_RECOMMENDS, NULL, &res), 0);
	assert_int_equal(res.n, 1);
	solver_result_release(&res);
	solver_release(&s);
}

static const char *nano_installed =
	"Package: terminfo\nVersion: 6.4-2\nDepends: libc\n"
	"Architecture: " A23 "\n\n"
	"Package: libncurses6\nVersion: 6.4-2\nDepends: libc, terminfo\n"
	"Provides: libncursesw, libncurses, libncursesw6\n"
	"Architecture: " A23 "\n\n"
	"Package: nano\nVersion: 7.1-1\nDepends: libc, libncurses6\n"
	"Architecture: " A23 "\n\n";

static void test_remove_dependent(void **state)
{
	struct pkg_solver s;
	struct solver_result res;

	load23(&s);
	installed(&s, nano_installed);
	solver_prepare(&s);
	assert_int_equal(solver_job(&s, SJ_REMOVE, "libncurses6", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), -PKGE_UNSOLVABLE);
	print_result(&s, &res);
	assert_int_equal(res.nproblems, 1);
	assert_string_equal(res.problems[0],
			    "cannot remove libncurses6: nano depends on it");
	solver_result_release(&res);
	assert_int_equal(solver_run(&s, SOLVE_REMOVE_DEPENDENTS, NULL, &res),
			 0);
	print_result(&s, &res);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.steps[0].type, STEP_REMOVE);
	assert_int_equal(res.steps[1].type, STEP_REMOVE);
	step_index(&s, &res, "nano");
	step_index(&s, &res, "libncurses6");
	solver_result_release(&res);
	/* --autoremove also takes terminfo */
	solver_jobs_clear(&s);
	assert_int_equal(solver_job(&s, SJ_USERINSTALLED, "libc", 0), 0);
	assert_int_equal(solver_job(&s, SJ_USERINSTALLED, "nano", 0), 0);
	assert_int_equal(solver_job(&s, SJ_REMOVE, "nano", 0), 0);
	assert_int_equal(solver_run(&s, SOLVE_AUTOREMOVE, NULL, &res), 0);
	print_result(&s, &res);
	assert_int_equal(res.n, 3);
	solver_result_release(&res);
	solver_release(&s);
}

static void test_essential(void **state)
{
	struct pkg_solver s;
	struct solver_result res;

	load23(&s);
	assert_int_equal(solver_job(&s, SJ_REMOVE, "libgcc1", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), -PKGE_UNSOLVABLE);
	assert_int_equal(res.nproblems, 1);
	assert_string_equal(res.problems[0],
			    "cannot remove essential package 'libgcc1'");
	solver_result_release(&res);
	assert_int_equal(solver_run(&s, SOLVE_REMOVE_ESSENTIAL, NULL, &res),
			 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.steps[0].type, STEP_REMOVE);
	solver_result_release(&res);
	solver_release(&s);
}

static void test_upgrade(void **state)
{
	struct pkg_solver s;
	struct solver_result res;
	Id old;

	load23(&s);
	installed(&s, nano_installed);
	solver_prepare(&s);
	old = find(&s, "nano", "installed");
	assert_true(solver_is_installed(&s, old));
	assert_int_equal(solver_job(&s, SJ_UPGRADE, "nano", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.steps[0].type, STEP_UPGRADE);
	assert_int_equal(res.steps[0].old, old);
	assert_string_equal(solver_evr(&s, res.steps[0].p), "7.2-2");
	solver_result_release(&res);
	/* a held package stays */
	assert_int_equal(solver_job(&s, SJ_LOCK, "nano", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	assert_int_equal(res.n, 0);
	solver_result_release(&res);
	solver_jobs_clear(&s);
	assert_int_equal(solver_job(&s, SJ_LOCK, "nano", 0), 0);
	assert_int_equal(solver_job(&s, SJ_UPGRADE_ALL, NULL, 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	print_result(&s, &res);
	assert_int_equal(res.n, 0);
	solver_result_release(&res);
	/* install of an installed package upgrades it */
	solver_jobs_clear(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "nano", 0), 0);
	assert_int_equal(solver_run(&s, 0, NULL, &res), 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.steps[0].type, STEP_UPGRADE);
	solver_result_release(&res);
	solver_release(&s);
}

static void test_nodeps_and_testcase(void **state)
{
	struct pkg_solver s;
	struct solver_result res;
	char dir[] = "/tmp/test_solver.XXXXXX", path[256];

	load23(&s);
	assert_int_equal(solver_job(&s, SJ_INSTALL, "nano", 0), 0);
	assert_int_equal(solver_run(&s, SOLVE_NODEPS, NULL, &res), 0);
	assert_int_equal(res.n, 1);
	assert_string_equal(solver_name(&s, res.steps[0].p), "nano");
	solver_result_release(&res);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tc", dir);
	assert_int_equal(solver_run(&s, 0, path, &res), 0);
	solver_result_release(&res);
	snprintf(path, sizeof(path), "%s/tc/testcase.t", dir);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(hostfs_remove_tree(dir), 0);
	solver_release(&s);
}

/* ---- the .solv cache ---- */

static void test_cache_roundtrip(void **state)
{
	struct pkg_solver a, b;
	char dir[] = "/tmp/test_solver.XXXXXX", path[256];
	const char *names[] = { "nano", "libncurses6", "libgcc1" };
	char *sa, *sb;
	Id pa, pb;
	size_t i;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(solver_init(&a, arch23, prio23, 3), 0);
	assert_int_equal(solver_init(&b, arch23, prio23, 3), 0);
	snprintf(path, sizeof(path), "%s/all.solv", dir);
	assert_int_equal(cache_load(&b, "all", path, 0), -ENOENT);
	for (i = 0; i < 3; i++) {
		static const char *const f[] = { "base", "packages", "core" };
		char src[512], dst[256];

		snprintf(src, sizeof(src), F23 "%s/Packages", f[i]);
		snprintf(dst, sizeof(dst), "%s/%s.solv", dir, f[i]);
		feed_file(&a, f[i], src, dst);
		assert_int_equal(cache_load(&b, f[i], dst, 5), 0);
	}
	solver_prepare(&a);
	solver_prepare(&b);
	for (i = 0; i < 3; i++) {
		pa = find(&a, names[i], NULL);
		pb = find(&b, names[i], NULL);
		assert_true(pa > 0 && pb > 0);
		assert_string_equal(solver_evr(&a, pa), solver_evr(&b, pb));
		assert_string_equal(solver_arch(&a, pa), solver_arch(&b, pb));
		assert_null(solver_description(&b, pb));
		assert_null(solver_filename(&b, pb));
		assert_null(solver_sha256(&b, pb));
		assert_int_equal(solver_size(&a, pa), solver_size(&b, pb));
		assert_int_equal(solver_offset(&a, pa), solver_offset(&b, pb));
		assert_true(solver_offset(&b, pb) > 0);
		assert_int_equal(solver_is_essential(&a, pa),
				 solver_is_essential(&b, pb));
		sa = solver_deps_str(&a, pa, SOLVABLE_REQUIRES);
		sb = solver_deps_str(&b, pb, SOLVABLE_REQUIRES);
		assert_string_equal(sa, sb);
		free(sa);
		free(sb);
	}
	pb = find(&b, "libncurses6", NULL);
	assert_string_equal(solver_abiversion(&b, pb), "6");
	assert_string_equal(solver_arch(&b, pb), A23);
	assert_true(solver_is_essential(&b, find(&b, "libgcc1", NULL)));
	assert_false(solver_is_essential(&b, pb));
	/* garbage is PKGE_FORMAT */
	assert_int_equal(hostfs_write_atomic(path, "junk", 4, 0644), 0);
	assert_int_equal(cache_load(&b, "all", path, 0), -PKGE_FORMAT);
	solver_release(&a);
	solver_release(&b);
	assert_int_equal(hostfs_remove_tree(dir), 0);
}

/* The seven official 19.07.1 feeds of a real router (9,263 packages):
 * parsed into the pool, written as .solv caches, the caches loaded back.
 * Both take tens of ms here (a few hundred under ASan on a busy machine);
 * the 2 s bounds (monotonic clock) fail only on a regression by an order
 * of magnitude, such as a parse that turned quadratic. */
static void test_load_19_fast(void **state)
{
	static const char *const feeds[] = {
		"openwrt_base", "openwrt_core", "openwrt_kmods", "openwrt_luci",
		"openwrt_packages", "openwrt_routing", "openwrt_telephony"
	};
	static const char *const archs[] = { "all", "noarch",
					     "aarch64_cortex-a53" };
	char *text[7], dir[] = "/tmp/test_solver.XXXXXX", path[256];
	size_t len[7], i;
	struct pkg_solver s;
	double t0, parse = 0, write = 0, load;
	int n = 0;
	Repo *r;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), F19 "%s/Packages", feeds[i]);
		text[i] = unit_index_text(path, &len[i]);
	}
	assert_int_equal(solver_init(&s, archs, NULL, 3), 0);
	for (i = 0; i < 7; i++) {
		t0 = now_ms();
		assert_int_equal(solver_feed_from_text(&s, feeds[i], text[i],
				 len[i], 0, -1, &r), 0);
		parse += now_ms() - t0;
		n += r->nsolvables;
		snprintf(path, sizeof(path), "%s/%s.solv", dir, feeds[i]);
		t0 = now_ms();
		assert_int_equal(text_to_cache(&s, "w", text[i], len[i], path,
					       NULL), 0);
		write += now_ms() - t0;
		free(text[i]);
	}
	solver_release(&s);
	assert_int_equal(n, 9263);
	assert_int_equal(solver_init(&s, archs, NULL, 3), 0);
	t0 = now_ms();
	for (i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), "%s/%s.solv", dir, feeds[i]);
		assert_int_equal(cache_load(&s, feeds[i], path, 0), 0);
	}
	solver_prepare(&s);
	load = now_ms() - t0;
	print_message("19.07.1: %d packages parsed in %.1f ms, parsed+written "
		      "in %.1f ms, 7 caches loaded+prepared in %.1f ms\n", n,
		      parse, write, load);
	assert_true(parse < unit_time_limit(2000.0));
	assert_true(load < unit_time_limit(2000.0));
	solver_release(&s);
	assert_int_equal(hostfs_remove_tree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vercmp_table),
		cmocka_unit_test(test_vercmp_feeds),
		cmocka_unit_test(test_deps_parse),
		cmocka_unit_test(test_load_23),
		cmocka_unit_test(test_stanza_keeps_fields),
		cmocka_unit_test(test_install_nano),
		cmocka_unit_test(test_install_spec_ops),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_unsatisfiable),
		cmocka_unit_test(test_recommends),
		cmocka_unit_test(test_remove_dependent),
		cmocka_unit_test(test_essential),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_deps_names),
		cmocka_unit_test(test_first_marked),
		cmocka_unit_test(test_nodeps_and_testcase),
		cmocka_unit_test(test_cache_roundtrip),
		cmocka_unit_test(test_load_19_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
