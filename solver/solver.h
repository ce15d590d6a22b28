/*
 * solver: libsolv glue. A pool holds the installed repo (built from the
 * control stanzas the database keeps) and one repo per feed (built from
 * the feed's Packages text, cached as a .solv file). Version order is
 * Debian's, which is opkg's (libsolv's DISTTYPE_DEB).
 */
#ifndef PKG_SOLVER_H
#define PKG_SOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/queue.h>
#include <solv/strpool.h>

#include "base.h"

struct pkg_solver {
	Pool *pool;
	Repo *installed;
	/* Custom repodata keys. */
	Id key_offset;	/* byte offset of the stanza in the Packages text */
	Id key_abi;	/* ABIVersion */
	Id key_essential; /* Essential: yes -> 1 */
	Id key_md5;	/* MD5Sum (older and Yocto feeds) */
	Id key_depends;	/* a feed package's Depends order (stanza.c) */
	Id key_provides; /* ...and its Provides order */
	Queue jobs;	/* queued by solver_job */
	char **archs;	/* accepted architectures, highest priority first */
	int *arch_prio;
	size_t narchs;
	/* pool->nsolvables when whatprovides was last made (solver_prepare):
	 * a pool with as many solvables and whatprovides still there (libsolv
	 * frees it on a new repo or installed repo) is not prepared again. */
	int prepared_n;
};

/* archs/prios: opkg.conf `arch` lines (name, priority); packages whose
 * Architecture is not listed are left out of feed repos. narchs == 0
 * accepts every architecture. */
int solver_init(struct pkg_solver *s, const char *const *archs,
		const int *prios, size_t narchs);
void solver_release(struct pkg_solver *s);

/*
 * Build the repo `name` from a Packages text. Stanzas without Package: or
 * Version: are skipped (without Version: with one warning naming the feed
 * and line; without Package: silently, as opkg). Stores
 * name, evr, arch, Depends+Pre-Depends (requires), Provides, Conflicts,
 * Replaces (obsoletes when also in Conflicts), Recommends, Suggests,
 * Essential, ABIVersion, Size, Installed-Size and the stanza's byte
 * offset: not Description, Filename, SHA256sum or MD5Sum, which the caller
 * reads from the text at that offset when it needs them. When cache_fd
 * is not -1, writes the repo into it (an empty file the caller made, and
 * places once this returns 0) and syncs it.
 * priority: libsolv repo priority (higher wins). *repo_out may be NULL.
 */
int solver_feed_from_text(struct pkg_solver *s, const char *name,
			  const char *text, size_t len, int priority,
			  int cache_fd, Repo **repo_out);
/* The same, reading the text from fp one stanza at a time (the whole
 * text is never in memory). Read errors of fp give -EIO unreported (the
 * stream reports them: fetch_zopen does). each (NULL: none) is given
 * every stanza as read, with its offset in the text (update writes the
 * list's descriptions cache from them on the way). */
typedef void (*solver_stanza_fn)(void *ud, uint64_t off, const char *text,
				 size_t len);
int solver_feed_from_file(struct pkg_solver *s, const char *name, FILE *fp,
			  int priority, int cache_fd, Repo **repo_out,
			  solver_stanza_fn each, void *each_ud);
/* Load the repo `name` from a .solv written by solver_feed_from_text,
 * read from fd (from its current offset; fd stays the caller's).
 * PKGE_FORMAT when unreadable, reported (the caller rebuilds). */
int solver_feed_from_cache(struct pkg_solver *s, const char *name, int fd,
			   int priority, Repo **repo_out);
/* Create the installed repo (empty) and set it as the pool's. */
Repo *solver_installed_repo(struct pkg_solver *s);
/* Add one package to repo from its control stanza (the fields above and
 * the Description, solver_description's source here). Returns the solvable id, or 0 when the stanza lacks Package/Version. */
Id solver_add_stanza(struct pkg_solver *s, Repo *repo,
		     const struct ctl_stanza *st, uint64_t offset);
/* Call after all repos are added (creates whatprovides; again only when
 * solvables were added since: solver_run calls it each time). */
void solver_prepare(struct pkg_solver *s);
/* Make what was added readable, leaving whatprovides (150-300 KB on a
 * large pool) to the first call that needs it: solver_job, solver_run,
 * solver_whatprovides and solver_best_available prepare on their own. */
void solver_internalize(struct pkg_solver *s);

/* ---- queries ----
 * Strings point into the pool; solver_filename and solver_sha256 may use
 * libsolv's temporary space (a ring of 16): copy them before more
 * lookups. */
const char *solver_name(const struct pkg_solver *s, Id p);
const char *solver_evr(const struct pkg_solver *s, Id p);
const char *solver_arch(const struct pkg_solver *s, Id p);
/* The Description (summary: its first line), Filename, SHA256sum (hex)
 * and MD5Sum of a package added by solver_add_stanza; NULL for a feed's
 * package (see above). */
const char *solver_summary(const struct pkg_solver *s, Id p);
const char *solver_description(const struct pkg_solver *s, Id p);
const char *solver_filename(const struct pkg_solver *s, Id p);
const char *solver_sha256(const struct pkg_solver *s, Id p);
const char *solver_md5(const struct pkg_solver *s, Id p);
const char *solver_abiversion(const struct pkg_solver *s, Id p);
uint64_t solver_size(const struct pkg_solver *s, Id p);
/* Does p's stanza give a Size (solver_size is 0 both for "Size: 0" and
 * for none)? */
int solver_has_size(const struct pkg_solver *s, Id p);
uint64_t solver_installed_size(const struct pkg_solver *s, Id p);
/* How many packages p's repository holds. */
int solver_repo_count(const struct pkg_solver *s, Id p);
uint64_t solver_offset(const struct pkg_solver *s, Id p);
const char *solver_repo_name(const struct pkg_solver *s, Id p);
int solver_is_installed(const struct pkg_solver *s, Id p);
int solver_is_essential(const struct pkg_solver *s, Id p);
/* Dependency lists as text ("a, b (>= 1.0), c | d"); key is one of
 * SOLVABLE_REQUIRES, SOLVABLE_PROVIDES (without the self-provide),
 * SOLVABLE_CONFLICTS, SOLVABLE_OBSOLETES, SOLVABLE_RECOMMENDS,
 * SOLVABLE_SUGGESTS. Malloc'd, "" when empty. */
char *solver_deps_str(const struct pkg_solver *s, Id p, Id key);
/* The names such a list's text mentions (string ids, each
 * alternative's: what splitting it at ',' and '|' gives), into out, read
 * off the dependency ids: no text made. */
void solver_deps_names(const struct pkg_solver *s, Id p, Id key, Queue *out);
/* The first alternative of p's key list, in the order written, whose
 * name (string id n) has marked[n] set (n < nmarked), printed as in
 * solver_deps_str ("name (>= 1)") into *hit: 1, 0 when none names one
 * (*hit NULL), -ENOMEM. The written order is looked up only when two
 * mentions are marked (one gives the same hit in any order). */
int solver_first_marked(const struct pkg_solver *s, Id p, Id key,
			const unsigned char *marked, int nmarked, char **hit);
/* opkg-style version comparison (Debian order): <0, 0, >0. */
int solver_vercmp(const struct pkg_solver *s, const char *a, const char *b);
/* Two versions compared as the pool compares its packages' when it picks
 * the best candidate (solver_better: the strings as they are, no "-0"
 * added): <0, 0, >0. */
int solver_evrcmp(const struct pkg_solver *s, const char *a, const char *b);
/* Solvables providing the dependency string ("name", "name (>= 1)"). */
void solver_whatprovides(const struct pkg_solver *s, const char *dep,
			 Queue *q);
/* The best candidate for name among the feeds (highest version, then
 * repo priority), 0 when none. */
Id solver_best_available(const struct pkg_solver *s, const char *name);

/* ---- package sets (sets.c) ----
 * What the commands need of the pool, without libsolv's Pool, its
 * solvables or its FOR_* macros: ids pushed onto q (in id order), names
 * as pool string ids (two packages have the same name when their name
 * ids are equal). */

/* Every package of every repo, the installed ones included. */
void solver_all_ids(const struct pkg_solver *s, Queue *q);
/* The installed packages. */
void solver_installed_ids(const struct pkg_solver *s, Queue *q);
/* The packages (all repos) whose name match(name, ud) accepts: pkgd's
 * one glob matcher, pkg_glob_match, decides. */
void solver_match_names(const struct pkg_solver *s,
			int (*match)(const char *name, const void *ud),
			const void *ud, Queue *q);
/* The packages (all repos) named exactly name. */
void solver_named_ids(const struct pkg_solver *s, const char *name,
		      Queue *q);
/* p's name as a string id, and the string of such an id. */
Id solver_name_id(const struct pkg_solver *s, Id p);
const char *solver_id_str(const struct pkg_solver *s, Id id);
/* How many string ids there are: every id is below it. */
Id solver_nstrings(const struct pkg_solver *s);
/* Strings numbered in the order they were first added, from
 * SOLVER_STRSET_FIRST up (libsolv's string pool on its own, no pool):
 * opkg's order of first mention of the names in a feed's list. */
struct solver_strset {
	Stringpool sp;
};
#define SOLVER_STRSET_FIRST 2 /* 0 and 1: libsolv's "<NULL>" and "" */
void solver_strset_init(struct solver_strset *ss);
void solver_strset_free(struct solver_strset *ss);
/* The number of the len bytes at str, added when new (libsolv aborts
 * when out of memory). */
Id solver_strset_add(struct solver_strset *ss, const char *str, size_t len);
/* The number of the len bytes at str, or 0 when not in the set. */
Id solver_strset_find(struct solver_strset *ss, const char *str, size_t len);
/* The end of the numbers given so far, and the string of one. */
Id solver_strset_end(const struct solver_strset *ss);
const char *solver_strset_str(const struct solver_strset *ss, Id id);
/* The names (versions dropped) of p's list key (SOLVABLE_PROVIDES, with
 * the self-provide; SOLVABLE_RECOMMENDS...), as name ids. */
void solver_dep_names(const struct pkg_solver *s, Id p, Id key, Queue *q);
/* For each Depends entry of p, the first installed package that
 * satisfies it (prepares the pool's whatprovides). */
void solver_installed_deps(struct pkg_solver *s, Id p, Queue *q);
/* The packages that obsolete name (Replaces together with Conflicts). */
void solver_obsoleters(const struct pkg_solver *s, const char *name,
		       Queue *q);
/* Add a local archive's control stanza to the repo of local archives
 * (made once, on first use); its id, or 0 when the stanza lacks
 * Package/Version. Call solver_prepare before queueing jobs for it. */
Id solver_add_local(struct pkg_solver *s, const struct ctl_stanza *st);
/* Is p a local archive's package (solver_add_local)? */
int solver_is_local(const struct pkg_solver *s, Id p);

/* ---- jobs and solving ---- */

enum solver_job_kind {
	SJ_INSTALL,	/* spec: "name", "name=ver", "name<=ver" ... */
	SJ_INSTALL_ID,	/* a specific solvable (local .ipk added to a repo) */
	SJ_REMOVE,	/* spec: name */
	SJ_UPGRADE,	/* spec: name (installed) */
	SJ_UPGRADE_ALL,
	SJ_LOCK,	/* hold: keep this installed package as it is (no
			 * other version, whatever needs one), unless a
			 * remove job names it */
	SJ_USERINSTALLED, /* mark as asked for by the user (autoremove) */
	SJ_EXCLUDE,	/* spec: a name never to install, known or not
			 * (--add-exclude); a dependency on it fails */
	SJ_NO_RECOMMEND	/* spec: a name not to pull in as a
			 * recommendation (--add-ignore-recommends) */
};

/* Flags for solver_run. */
#define SOLVE_NODEPS 1	       /* --nodeps: only the named packages */
#define SOLVE_FORCE_DEPENDS 2  /* --force-depends: ignore missing deps */
#define SOLVE_AUTOREMOVE 4     /* remove orphaned dependencies */
#define SOLVE_NO_RECOMMENDS 8  /* do not pull Recommends */
#define SOLVE_ALLOW_DOWNGRADE 16
#define SOLVE_REMOVE_DEPENDENTS 32 /* --force-removal-of-dependent-packages */
#define SOLVE_REMOVE_ESSENTIAL 64 /* --force-removal-of-essential-packages */
#define SOLVE_PREFER_ARCH 128  /* --prefer-arch-to-version: of two
				* candidates the better arch wins, before
				* the newer version */

enum step_type {
	STEP_INSTALL,
	STEP_UPGRADE,
	STEP_DOWNGRADE,
	STEP_REINSTALL,
	STEP_REMOVE
};

struct solver_step {
	enum step_type type;
	Id p;	/* the package to install (or the one removed) */
	Id old; /* the installed package replaced, or 0 */
};

struct solver_result {
	struct solver_step *steps; /* in a safe order: deps first */
	size_t n;
	char **problems; /* readable sentences, one per problem */
	size_t nproblems;
};

/* Jobs accumulate in the solver until solver_jobs_clear (solver_run
 * leaves them queued). Unknown names give PKGE_NOTFOUND ("unknown package
 * 'x'", or "package 'x' is not installed" for remove/upgrade/lock),
 * reported. Call solver_prepare again after adding solvables (a local
 * .ipk) before queueing jobs for them. */
int solver_job(struct pkg_solver *s, enum solver_job_kind kind,
	       const char *spec, Id id);
/* Solve the queued jobs (named solver_run: libsolv owns solver_solve).
 * 0 with res filled (steps in a safe order); -PKGE_UNSOLVABLE when there
 * are problems (res->problems filled, nothing printed); other negative
 * codes are reported. When testcase_dir is set, libsolv's testcase is
 * written there. Release res with solver_result_release in every case.
 * Flags: see SOLVE_*; held packages (SJ_LOCK) are silently kept; an
 * installed Essential package is never removed unless a remove job names
 * it and SOLVE_REMOVE_ESSENTIAL is given. */
int solver_run(struct pkg_solver *s, int flags, const char *testcase_dir,
	       struct solver_result *res);
void solver_result_release(struct solver_result *res);
/* Drop the queued jobs. */
void solver_jobs_clear(struct pkg_solver *s);

#endif
