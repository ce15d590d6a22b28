/* solver internals shared by the files of solver/ (not a public header). */
#ifndef PKG_SOLVER_INT_H
#define PKG_SOLVER_INT_H

#include <solv/pool.h>
#include <solv/queue.h>
#include <solv/solver.h>

struct pkg_solver;

/* Debian relation operator ("<<", "<=", "=", ">=", ">>", opkg's "<", ">")
 * at *pp to REL_* flags, advancing *pp; 0 when none. */
Id solver_parse_op(const char **pp);
/* Parse "a, b (>= 1) | c" (also "b(>=1)") and append one id per entry. */
void solver_parse_deps(Pool *pool, const char *str, Queue *q);
/* so's key list as shown: less its self-provide, the prereq marker and
 * the plain provides given again at its version (set_deps). */
void solver_list_shown(Pool *pool, Solvable *so, Id key, Queue *q);
/* at[i]: the index in q of the i-th entry of q sorted by its printed
 * text (an order ids do not change). 0 or -ENOMEM. */
int solver_list_sorted(Pool *pool, const Queue *q, int *at);
/* The orders set_written_order keeps: a byte an entry up to this many,
 * else SOLVER_ORDER_LONG then two (index / 255 + 1, index % 255 + 1). */
#define SOLVER_ORDER_SHORT 254
#define SOLVER_ORDER_LONG '\xff'
/* Make sure whatprovides exists (after repos were added). */
void solver_ensure_prepared(struct pkg_solver *s);

/* The opkg.conf priority of arch id a (INT_MIN when not configured). */
int solver_arch_prio(const struct pkg_solver *s, Id a);
/* Whether a is a better candidate than b (version, repo priority, arch
 * priority). */
int solver_better(const struct pkg_solver *s, Id a, Id b);
/* The installed solvable named nid, or 0. */
Id solver_installed_by_name(const struct pkg_solver *s, Id nid);
/* Whether an erase job for name id nid is queued. */
int solver_erase_queued(const struct pkg_solver *s, Id nid);
/* One malloc'd sentence for problem (1-based), NULL on ENOMEM. */
char *solver_problem_sentence(const struct pkg_solver *s, Solver *solv,
			      Id problem);
/* Append to q the packages whose requirements take part in problem and
 * are not in q yet; returns how many were appended. */
int solver_problem_requirers(Solver *solv, Id problem, Queue *q);

#endif
