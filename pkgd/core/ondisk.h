/*
 * The on-disk vocabulary of pkg, named once: the files under the root
 * that pkg owns, the keys of the database's meta table and the
 * operations of its journal table. These names are read back by other
 * runs, by older and newer versions of pkg and by the hooks
 * (hooks/pkg-overlay-pending reads PENDING_RESTORE_FILE): changing a
 * value changes the format on disk.
 */
#ifndef PKG_ONDISK_H
#define PKG_ONDISK_H

/* ---- files under the root (root-relative, no leading '/') ---- */

#define PKG_DIR "usr/lib/pkg"
#define PKG_DB_FILE PKG_DIR "/pkg.db"	     /* the SQLite database */
#define PKG_LOCK_FILE PKG_DIR "/lock"	     /* pkg's own lock */
#define PKG_STAGING_DIR PKG_DIR "/staging"   /* a transaction's staging */
#define ROM_MANIFEST PKG_DIR "/rom-manifest" /* image-manifest's output */
/* opkg's status and info files say what the database says: the
 * identities of the database (its SQLite change counter), the status
 * file, the info directory and the image's status when they were
 * (pkgd/state/opkgsynced.c). A query that reads only the installed state
 * reads opkg's files while they match, not the database. */
#define OPKG_SYNCED_NAME "opkg-synced" /* in PKG_DIR */
/* Paths a live restore could not show yet, for pkg-overlay-pending. */
#define PENDING_RESTORE_FILE PKG_DIR "/pending-restore"

/* The feeds' caches (pkg's own, never in opkg's lists_dir), in RAM as
 * the lists are: NAME.<16 hex digits of the list's size and mtime and
 * the configured architectures> and
 * a suffix: the libsolv pool of the list, its descriptions by stanza
 * (pkgd/state/feed_desc.c), what list shows of its packages
 * (pkgd/state/feed_rows.c), its seek index (feed_zidx.c) and its names
 * in the order opkg meets them (opkgorder.c). Recreated when missing. */
#define FEED_CACHE_DIR "tmp/pkg-cache"
#define FEED_CACHE_SOLV ".solv"
#define FEED_CACHE_DESC ".desc"
#define FEED_CACHE_ROWS ".rows"
#define FEED_CACHE_ZIDX ".zidx"
#define FEED_CACHE_ORDER ".order"
/* Part of every cache's tag: changed when what a cache holds changes,
 * so that caches an older pkg wrote are made again, not read ("2":
 * plain provides given again at the package's version, a Depends entry
 * written twice kept twice, the order Depends and Provides were written
 * in). */
#define FEED_CACHE_FORMAT "2"

/* sysupgrade continuity (docs/sysupgrade.md) */
#define WORLD_FILE "etc/pkg/world"
#define INSTALLED_TXT "etc/backup/installed_packages.txt"
#define POST_UPGRADE_REPORT "tmp/pkg-post-upgrade.txt"

/* ---- keys of the meta table ---- */

#define META_SCHEMA "schema"		   /* DB_SCHEMA_VERSION */
#define META_ROM_FINGERPRINT "rom_fingerprint" /* image the tables hold */
/* The image status file's "SIZE MTIME_NS CRC32" when the fingerprint was
 * taken (rom_quick_id): while they stay, the fingerprint stands. */
#define META_ROM_QUICK "rom_quick"
/* The transaction in progress: TX_STATE_STAGED once the journal is
 * written, TX_STATE_COMMITTED once the database change is; unset when
 * none. */
#define META_TX_STATE "tx_state"
#define TX_STATE_STAGED "staged"
#define TX_STATE_COMMITTED "committed"
#define META_TX_STAGING "tx_staging"	/* host path of its staging dir */
/* Maintainer script calls still due after a commit, one a line. */
#define META_TX_CONFIGURE "tx_configure" /* postinst */
#define META_TX_POSTRM "tx_postrm"	 /* postrm */
/* World entries carried over from a saved world (post-upgrade). */
#define META_WORLD_CARRY "world_carry"
/* post-upgrade: the image it last ran for, its report (text and JSON),
 * and the saved lists it read (kept until it is done). */
#define META_POST_UPGRADE_DONE "post_upgrade_done"
#define META_POST_UPGRADE_REPORT "post_upgrade_report"
#define META_POST_UPGRADE_JSON "post_upgrade_json"
#define META_POST_UPGRADE_STASH "post_upgrade_stash"
#define META_POST_UPGRADE_WORLD "post_upgrade_world"
#define META_POST_UPGRADE_ITXT "post_upgrade_itxt"

/* ---- operations of the journal table (the op column, one letter) ----
 * What each step does and how it is undone: tx/tx.h. */

enum journal_op {
	JOP_MKDIR = 'D',	/* a new directory */
	JOP_PLACE = 'P',	/* a staged file or symlink put in place */
	JOP_REMOVE = 'R',	/* a path removed (whiteout if in the image) */
	JOP_UNCOVER = 'W',	/* the image's entry uncovered */
	JOP_HIDE = 'H',		/* a whiteout for an image entry */
	JOP_UPPER_DIR = 'M',	/* an upper directory, the image's mode */
	JOP_UNOPAQUE = 'O',	/* an upper directory's opaque mark cleared */
	JOP_PARENT_DIR = 'U',	/* an upper directory on the way to a path */
	JOP_STATE_FILE = 'S',	/* a state file, the old one kept */
	JOP_INFO_FILES = 'I',	/* a package's opkg info files, old ones kept */
};

#endif
