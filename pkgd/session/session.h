/*
 * pkgd/session: the session a command runs in, above tx. main sets it up
 * from the command's flags: the database opened, the image database
 * rebuilt when the image changed, the pool loaded, write access taken.
 */
#ifndef PKG_SESSION_H
#define PKG_SESSION_H

#include "tx/tx.h"

/* Is there a database on the root (its file, empty or not)? 1, 0, or
 * an error reported. */
int session_has_db(struct pkg_ctx *ctx);
/* Open the database, read-only unless write. Without one, it is built
 * from opkg's status and info files: with write (the caller holds the
 * lock) on the root, atomically (beside it, then renamed into place);
 * else in RAM, marked read-only, and nothing is written to the root. */
int session_open_db(struct pkg_ctx *ctx, int write);
/* Take the lock (when not held) and reopen the database for writing
 * (when it was opened read-only): a read command that must change
 * something (recovery, an image rebuild). */
int session_write_access(struct pkg_ctx *ctx);
/* Rebuild the image database when the image changed (rom_sync). */
int session_sync_image(struct pkg_ctx *ctx);
/* Load installed packages and feeds into the solver pool. */
int session_load_pool(struct pkg_ctx *ctx);
/* Free the session: the feed lists and archives, then the context
 * (ctx_release). */
void session_release(struct pkg_ctx *ctx);

#endif
