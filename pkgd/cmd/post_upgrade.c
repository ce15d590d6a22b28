/*
 * post-upgrade [--dry-run] [--force] [--attempts N] [--delay S]
 * post-upgrade --status [--json]
 *
 * On the first boot of a new image: read the saved lists (WORLD_FILE and
 * installed_packages.txt, restored from the sysupgrade backup), and in one
 * transaction reinstall what the user asked for that the image lacks,
 * re-resolved against the current feeds, and remove again the image
 * packages the user had removed. Runs once per image (meta
 * post_upgrade_done holds the image's fingerprint); a failure (no network,
 * a crash) leaves it pending for the next run. The lists are stashed in
 * the database at the first attempt, since every transaction rewrites
 * installed_packages.txt.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"

enum pu_kind { PU_INSTALL, PU_RENAMED, PU_IN_IMAGE, PU_PRESENT,
	       PU_MISSING, PU_REMOVE, PU_KEPT_REMOVED, PU_KEPT_IMAGE,
	       PU_BAD_LINE, PU_NOTE };

static const char *const pu_word[] = {
	"install", "renamed", "in-image", "present", "missing", "remove",
	"kept-removed", "kept-in-image", "bad-line", "note"
};

struct pu_item {
	enum pu_kind kind;
	char *name;
	char *detail;
};

struct pu {
	struct pkg_ctx *ctx;
	struct world want;	/* WK_USER: reinstall, WK_REMOVED: remove */
	struct pu_item *it;
	size_t n;
	char **inst;		/* names to install (deduplicated) */
	size_t ninst;
	char **rm;		/* image packages to remove */
	size_t nrm;
	char *fp;
	const char *state;	/* done | pending | failed | nothing */
	int status, json, dry, force, attempts, delay;
};

static int pu_add(struct pu *pu, enum pu_kind k, const char *name,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int pu_add(struct pu *pu, enum pu_kind k, const char *name,
		  const char *fmt, ...)
{
	struct pu_item *v = realloc(pu->it, (pu->n + 1) * sizeof(*v));
	va_list ap;
	int r = 0;

	if (!v)
		return -ENOMEM;
	pu->it = v;
	v += pu->n++;
	v->kind = k;
	v->name = strdup(name);
	v->detail = NULL;
	if (fmt) {
		va_start(ap, fmt);
		r = vasprintf(&v->detail, fmt, ap);
		va_end(ap);
	}
	return !v->name || r < 0 ? -ENOMEM : 0;
}

static void pu_release(struct pu *pu)
{
	size_t i;

	for (i = 0; i < pu->n; i++) {
		free(pu->it[i].name);
		free(pu->it[i].detail);
	}
	for (i = 0; i < pu->ninst; i++)
		free(pu->inst[i]);
	for (i = 0; i < pu->nrm; i++)
		free(pu->rm[i]);
	free(pu->it);
	free(pu->inst);
	free(pu->rm);
	free(pu->fp);
	world_release(&pu->want);
}

/* ---- arguments ---- */

static int num_arg(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 3600)
		return pkg_error_plain(-PKGE_USAGE,
				       "post-upgrade: bad number '%s'", s);
	*out = (int)v;
	return 0;
}

static int pu_args(struct pu *pu, int argc, char **argv)
{
	int k, r = 0;

	for (k = 0; r == 0 && k < argc; k++) {
		const char *a = argv[k];
		if (!strcmp(a, "--"))
			continue;
		if (!strcmp(a, "--status") || !strcmp(a, "status"))
			pu->status = 1;
		else if (!strcmp(a, "--json"))
			pu->json = 1;
		else if (!strcmp(a, "--dry-run") || !strcmp(a, "--noaction"))
			pu->dry = 1;
		else if (!strcmp(a, "--force"))
			pu->force = 1;
		else if (!strcmp(a, "--attempts") && k + 1 < argc)
			r = num_arg(argv[++k], &pu->attempts);
		else if (!strcmp(a, "--delay") && k + 1 < argc)
			r = num_arg(argv[++k], &pu->delay);
		else
			r = pkg_error_plain(-PKGE_USAGE,
					    "post-upgrade: unknown argument "
					    "'%s'", a);
	}
	return r;
}

/* ---- the report ---- */

static char *pu_text(const struct pu *pu)
{
	char *buf = NULL;
	size_t len, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "post-upgrade: %s (image %.12s)\n", pu->state,
		pu->fp ? pu->fp : "?");
	for (i = 0; i < pu->n; i++)
		fprintf(f, "%s\t%s%s%s\n", pu_word[pu->it[i].kind],
			pu->it[i].name, pu->it[i].detail ? "\t" : "",
			pu->it[i].detail ? pu->it[i].detail : "");
	fclose(f);
	return buf;
}

static char *pu_json(const struct pu *pu)
{
	char *buf = NULL;
	size_t len, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("{\"state\":", f);
	json_str(f, pu->state);
	fputs(",\"image\":", f);
	json_str(f, pu->fp);
	fprintf(f, ",\"time\":%lld,\"items\":[", (long long)time(NULL));
	for (i = 0; i < pu->n; i++) {
		fputs(i ? ",{\"kind\":" : "{\"kind\":", f);
		json_str(f, pu_word[pu->it[i].kind]);
		fputs(",\"name\":", f);
		json_str(f, pu->it[i].name);
		if (pu->it[i].detail) {
			fputs(",\"detail\":", f);
			json_str(f, pu->it[i].detail);
		}
		fputc('}', f);
	}
	fputs("]}\n", f);
	fclose(f);
	return buf;
}

/* Print the report; unless a dry run, keep it in the database (for
 * --status) and in POST_UPGRADE_REPORT. */
static int pu_report(struct pu *pu)
{
	char *text = pu_text(pu), *json = pu_json(pu);
	int r = text && json ? 0 : -ENOMEM;

	if (r == 0)
		fputs(pu->json ? json : text, pu->ctx->out);
	if (r == 0 && !pu->dry) {
		r = db_meta_set(pu->ctx->db, META_POST_UPGRADE_REPORT, text);
		if (r == 0)
			r = db_meta_set(pu->ctx->db, META_POST_UPGRADE_JSON,
					json);
		if (r == 0)
			r = ctx_write_file(pu->ctx, POST_UPGRADE_REPORT, text,
					   strlen(text), 0644);
	}
	free(text);
	free(json);
	return r;
}

static int pu_show_status(struct pu *pu)
{
	char *v = NULL;
	int r = db_meta_get(pu->ctx->db, pu->json ? META_POST_UPGRADE_JSON
						  : META_POST_UPGRADE_REPORT,
			    &v);

	if (r < 0)
		return r;
	if (!v)
		fputs(pu->json ? "{\"state\":\"never\",\"items\":[]}\n"
			       : "post-upgrade: never run\n",
		      pu->ctx->out);
	else
		fputs(v, pu->ctx->out);
	free(v);
	return 0;
}

/* ---- the saved lists ---- */

static void pu_bad(void *ud, const char *file, size_t line,
		   const char *text, const char *why)
{
	struct pu *pu = ud;
	char where[300];

	snprintf(where, sizeof(where), "%s:%zu", file, line);
	pkg_warn("%s: %s: '%s' (line skipped)", where, why, text);
	pu_add(pu, PU_BAD_LINE, where, "%s: '%s'", why, text);
}

/* The text of a saved list: the stash of an earlier attempt for this
 * image, else the file (stashed now). NULL text: no such list. */
static int pu_list_text(struct pu *pu, const char *rel, const char *key,
			int stashed, char **text, size_t *len)
{
	int r = 0;

	*text = NULL;
	*len = 0;
	if (stashed) {
		r = db_meta_get(pu->ctx->db, key, text);
		*len = *text ? strlen(*text) : 0;
		return r;
	}
	if (ctx_read_file(pu->ctx, rel, 1 << 20, text, len) < 0)
		*text = NULL;
	if (*text && memchr(*text, 0, *len))
		return pkg_error_plain(-PKGE_FORMAT, "'/%s' is not text", rel);
	if (!pu->dry)
		r = db_meta_set(pu->ctx->db, key, *text ? *text : "");
	return r;
}

static int arch_known(const struct pkg_ctx *ctx, const char *arch)
{
	size_t i;

	for (i = 0; i < ctx->conf.narchs; i++)
		if (!strcmp(ctx->conf.archs[i].name, arch))
			return 1;
	return ctx->conf.narchs == 0;
}

/* Merge the world file and installed_packages.txt into pu->want: the
 * world's user and removed entries, plus overlay lines of
 * installed_packages.txt the world does not know (added by hand, or no
 * world at all: opkg's sysupgrade -k). */
static int pu_merge(struct pu *pu, struct world *w, struct world *t)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < w->n; i++)
		if (w->e[i].kind == WK_USER || w->e[i].kind == WK_REMOVED)
			r = world_add(&pu->want, w->e[i].name, w->e[i].version,
				      w->e[i].kind, w->e[i].line);
	for (i = 0; r == 0 && i < t->n; i++)
		if (t->e[i].kind == WK_USER && !world_find(w, t->e[i].name) &&
		    !world_find(&pu->want, t->e[i].name))
			r = world_add(&pu->want, t->e[i].name, NULL, WK_USER,
				      t->e[i].line);
	return r;
}

static int pu_load(struct pu *pu)
{
	struct world w = { 0 }, t = { 0 };
	char *wt = NULL, *it = NULL, *st = NULL;
	size_t wl, il;
	int stashed, r;

	if ((r = db_meta_get(pu->ctx->db, META_POST_UPGRADE_STASH, &st)) < 0)
		return r;
	stashed = st && !strcmp(st, pu->fp);
	free(st);
	r = pu_list_text(pu, WORLD_FILE, META_POST_UPGRADE_WORLD, stashed, &wt,
			 &wl);
	if (r == 0)
		r = pu_list_text(pu, INSTALLED_TXT, META_POST_UPGRADE_ITXT,
				 stashed, &it, &il);
	if (r == 0 && !stashed && !pu->dry)
		r = db_meta_set(pu->ctx->db, META_POST_UPGRADE_STASH, pu->fp);
	if (r == 0 && wt)
		r = world_parse(wt, wl, "/" WORLD_FILE, &w, pu_bad, pu);
	if (r == 0 && it)
		r = world_parse_installed_txt(it, il, "/" INSTALLED_TXT, &t,
					      pu_bad, pu);
	if (r == 0 && w.arch && !arch_known(pu->ctx, w.arch))
		r = pkg_error_plain(-PKGE_CONFIG,
				    "saved package lists are for architecture "
				    "'%s', not this system's '%s': refusing "
				    "them",
				    w.arch, world_system_arch(pu->ctx)
						    ? world_system_arch(pu->ctx)
						    : "?");
	if (r == 0)
		r = pu_merge(pu, &w, &t);
	world_release(&w);
	world_release(&t);
	free(wt);
	free(it);
	return r;
}

/* ---- what the image already has ---- */

/* Sort the wanted entries against the database: installed ones are
 * reported, the others stay WK_USER with line 0 cleared later. */
static int pu_against_db(struct pu *pu, size_t *pending)
{
	size_t i;
	int r = 0;

	*pending = 0;
	for (i = 0; r == 0 && i < pu->want.n; i++) {
		struct world_entry *e = &pu->want.e[i];
		struct db_pkg p;
		int have = db_pkg_get(pu->ctx->db, e->name, &p) == 0;
		int inst = have && strcmp(p.state, "removed");
		int rom = have && !strcmp(p.origin, "rom");

		if (e->kind == WK_REMOVED) {
			if (inst && rom)
				r = strv_add_unique(&pu->rm, &pu->nrm, e->name);
			else
				r = pu_add(pu, PU_KEPT_REMOVED, e->name, NULL);
		} else if (inst) {
			r = pu_add(pu, rom ? PU_IN_IMAGE : PU_PRESENT, e->name,
				   "%s", p.version);
		} else {
			(*pending)++;
		}
		if (have)
			db_pkg_release(&p);
	}
	return r;
}

/* ---- the network ---- */

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

/* feeds_update with bounded retries and a doubling delay. */
static int pu_update(struct pu *pu)
{
	int i, r = 0, delay = pu->delay, nfailed;

	for (i = 1; i <= pu->attempts; i++) {
		r = feeds_update(pu->ctx, &nfailed);
		if (r == 0)
			return 0;
		if (i == pu->attempts)
			break;
		pkg_warn("post-upgrade: feeds unreachable (attempt %d of %d); "
			 "retrying in %d s", i, pu->attempts, delay);
		if (delay)
			sleep((unsigned)delay);
		delay = delay ? delay * 2 : 0;
	}
	return pkg_error_plain(-PKGE_NETWORK,
			       "post-upgrade: feeds unreachable after %d "
			       "attempts; giving up until the next run",
			       pu->attempts);
}

/* ---- re-resolving against the feeds ---- */

/* The best of q (highest version), preferring installed ones; 0 if q is
 * empty. *inst: the choice is installed. */
static Id best_of(struct pkg_solver *s, Queue *q, int *inst)
{
	Id best = 0;
	int i, bi = 0;

	for (i = 0; i < q->count; i++) {
		Id p = q->elements[i];
		int pi = solver_is_installed(s, p);
		if (!best || (pi && !bi) ||
		    (pi == bi && solver_vercmp(s, solver_evr(s, p),
					       solver_evr(s, best)) > 0)) {
			best = p;
			bi = pi;
		}
	}
	*inst = bi;
	return best;
}

/* Another package that stands for name: a provider, else a package
 * that replaces it. */
static Id renamed_to(struct pkg_solver *s, const char *name, int *inst)
{
	Queue q;
	Id best = 0;
	int i;

	queue_init(&q);
	solver_whatprovides(s, name, &q);
	for (i = 0; i < q.count; i++)
		if (!strcmp(solver_name(s, q.elements[i]), name))
			queue_delete(&q, i--);
	if (q.count == 0)
		solver_obsoleters(s, name, &q);
	best = best_of(s, &q, inst);
	queue_free(&q);
	return best;
}

static int pu_resolve_one(struct pu *pu, const char *name)
{
	struct pkg_solver *s = &pu->ctx->solv;
	Id p = solver_best_available(s, name);
	int inst = 0;

	if (p) {
		pu_add(pu, PU_INSTALL, name, "%s", solver_evr(s, p));
		return strv_add_unique(&pu->inst, &pu->ninst, name);
	}
	p = renamed_to(s, name, &inst);
	if (p && inst)
		return pu_add(pu, PU_IN_IMAGE, name, "as %s %s",
			      solver_name(s, p), solver_evr(s, p));
	if (p) {
		pu_add(pu, PU_RENAMED, name, "%s %s", solver_name(s, p),
		       solver_evr(s, p));
		return strv_add_unique(&pu->inst, &pu->ninst, solver_name(s, p));
	}
	return pu_add(pu, PU_MISSING, name,
		      "in neither the image nor any feed");
}

static int pu_resolve(struct pu *pu)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < pu->want.n; i++) {
		struct world_entry *e = &pu->want.e[i];
		struct db_pkg p;
		int inst;

		if (e->kind != WK_USER)
			continue;
		inst = db_pkg_get(pu->ctx->db, e->name, &p) == 0;
		if (inst) {
			inst = strcmp(p.state, "removed") != 0;
			db_pkg_release(&p);
		}
		if (!inst)
			r = pu_resolve_one(pu, e->name);
	}
	for (i = 0; r == 0 && i < pu->nrm; i++)
		r = pu_add(pu, PU_REMOVE, pu->rm[i], "removed by the user");
	return r;
}

/* ---- the transaction ---- */

static int pu_queue(struct pu *pu, int with_removals)
{
	size_t i;
	int r = 0;

	solver_jobs_clear(&pu->ctx->solv);
	for (i = 0; r == 0 && i < pu->ninst; i++)
		r = solver_job(&pu->ctx->solv, SJ_INSTALL, pu->inst[i], 0);
	for (i = 0; r == 0 && with_removals && i < pu->nrm; i++)
		r = solver_job(&pu->ctx->solv, SJ_REMOVE, pu->rm[i], 0);
	return r;
}

/* One transaction; when removing image packages again makes it
 * unsolvable (something needs them now), keep them and retry once. */
static int pu_apply(struct pu *pu)
{
	int r = pu_queue(pu, 1);

	if (r == 0)
		r = apply_jobs(pu->ctx, 0, (const char *const *)pu->inst,
			       pu->ninst, NULL, NULL, 0);
	if (r == -PKGE_UNSOLVABLE && pu->nrm) {
		size_t i;
		for (i = 0; i < pu->nrm; i++)
			pu_add(pu, PU_KEPT_IMAGE, pu->rm[i],
			       "removing it again is not possible now");
		r = pu_queue(pu, 0);
		if (r == 0)
			r = apply_jobs(pu->ctx, 0,
				       (const char *const *)pu->inst,
				       pu->ninst, NULL, NULL, 0);
	}
	return r;
}

/* Names of wanted user packages the image now has: kept in the world. */
static int pu_carry(struct pu *pu)
{
	char *buf = NULL;
	size_t len, i;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	fputc('\n', f);
	for (i = 0; i < pu->n; i++)
		if (pu->it[i].kind == PU_IN_IMAGE)
			fprintf(f, "%s\n", pu->it[i].name);
	fclose(f);
	r = db_meta_set(pu->ctx->db, META_WORLD_CARRY, len > 1 ? buf : NULL);
	free(buf);
	return r;
}

static int pu_done(struct pu *pu)
{
	static const char *const stash[] = { META_POST_UPGRADE_STASH,
					     META_POST_UPGRADE_WORLD,
					     META_POST_UPGRADE_ITXT };
	size_t i;
	int r = pu_carry(pu);

	if (r == 0)
		r = db_meta_set(pu->ctx->db, META_POST_UPGRADE_DONE, pu->fp);
	for (i = 0; r == 0 && i < 3; i++)
		r = db_meta_set(pu->ctx->db, stash[i], NULL);
	if (r == 0)
		r = world_write(pu->ctx);
	pu->state = "done";
	return r;
}

/* Take the lock and the database for writing (the command is declared
 * read-only so that --status never waits for a running upgrade). */
static int pu_writable(struct pkg_ctx *ctx)
{
	int r = ctx->lock_fd >= 0 ? 0 : ctx_lock(ctx);

	if (r == 0 && ctx->db_readonly) {
		db_close(ctx->db);
		ctx->db = NULL;
		r = session_open_db(ctx, 1);
	}
	return r;
}

static int pu_work(struct pu *pu)
{
	size_t pending = 0;
	int r = pu_load(pu);

	if (r == 0)
		r = pu_against_db(pu, &pending);
	if (r < 0 || (pending == 0 && pu->nrm == 0))
		return r;
	if (pending && (r = pu_update(pu)) < 0) {
		pu->state = "pending";
		pu_add(pu, PU_NOTE, "network",
		       "feeds unreachable; retried at the next run");
		return r;
	}
	r = session_load_pool(pu->ctx);
	if (r == 0)
		r = pu_resolve(pu);
	if (r < 0 || (pu->ninst == 0 && pu->nrm == 0))
		return r;
	pu->ctx->opt.noaction = pu->dry;
	r = pu_apply(pu);
	if (r < 0) {
		pu->state = "failed";
		pu_add(pu, PU_NOTE, "transaction",
		       "failed (%s); retried at the next run",
		       pkg_strerror(r));
	}
	return r;
}

static int cmd_post_upgrade(struct pkg_ctx *ctx, int argc, char **argv)
{
	struct pu pu = { .ctx = ctx, .state = "done" };
	char *done = NULL;
	int r;

	pu.attempts = env_int("PKG_NET_ATTEMPTS", 4);
	pu.delay = env_int("PKG_NET_DELAY", 5);
	r = pu_args(&pu, argc, argv); /* options win over the environment */
	pu.json = pu.json || ctx->opt.json;
	pu.dry = pu.dry || ctx->opt.dry_run || ctx->opt.noaction;
	if (r < 0 || pu.status) {
		r = r < 0 ? r : pu_show_status(&pu);
		pu_release(&pu);
		return r;
	}
	if (pu.attempts < 1)
		pu.attempts = 1;
	if (!pu.dry)
		r = pu_writable(ctx);
	if (r == 0)
		r = world_image_fingerprint(ctx, &pu.fp);
	if (r == 0)
		r = db_meta_get(ctx->db, META_POST_UPGRADE_DONE, &done);
	if (r == 0 && done && !strcmp(done, pu.fp) && !pu.force) {
		ctx_note(ctx, 1, "post-upgrade: already done for this image "
				 "(see --status)\n");
	} else if (r == 0) {
		int w = pu_work(&pu);
		if (w == 0 && !pu.dry)
			w = pu_done(&pu);
		if (w < 0 && !strcmp(pu.state, "done"))
			pu.state = "failed";
		r = pu_report(&pu);
		r = w < 0 ? w : r;
	}
	free(done);
	pu_release(&pu);
	return r;
}

const struct pkg_cmd cmd_post_upgrade_desc = {
	"post-upgrade", "[--dry-run|--status [--json]]",
	"reinstall the user's packages on a new image (boot hook)",
	CMD_DB | CMD_OWNOPTS, cmd_post_upgrade
};
