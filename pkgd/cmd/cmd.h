/*
 * pkgd/cmd: the commands, above session. One file per command, each
 * defining one descriptor (cmd_<name>_desc) listed in table.c; main
 * prepares what the flags ask for and calls run().
 */
#ifndef PKG_CMD_H
#define PKG_CMD_H

#include "session/session.h"

/* ---- the command table (table.c) ---- */

#define CMD_DB 1	/* needs the database (read) */
#define CMD_WRITE 2	/* takes the lock, may change the root */
#define CMD_POOL 4	/* needs the solver pool (installed + feeds) */
#define CMD_OPKG 8	/* a command opkg has */
#define CMD_NOROOT 16	/* needs no root at all */
#define CMD_OWNOPTS 32	/* the command parses the words after its name
			 * itself (main skips its second option pass, so
			 * `backup -l` is not `--lists-dir`) */
#define CMD_NODB 64	/* with CMD_WRITE: the lock only, no database (update
			 * writes feed lists, never the installed state) */
#define CMD_FEEDS 128	/* a pool of the feeds alone, no database: list
			 * shows what the feeds offer (as opkg), and SQLite
			 * would cost it 1.2 MB of RSS */
#define CMD_LISTING 512	/* a listing: --json, -i, --size... (help) */
#define CMD_SCOPE 256	/* with CMD_POOL: the installed packages alone
			 * unless -A (the queries: depends, what*), so the
			 * feeds are not loaded for nothing */

struct pkg_cmd {
	const char *name;
	const char *args;
	const char *help;
	unsigned flags;
	int (*run)(struct pkg_ctx *ctx, int argc, char **argv);
};

const struct pkg_cmd *cmd_find(const char *name);
/* The table, terminated by NULL. */
extern const struct pkg_cmd *const pkg_commands[];

#endif
