/*
 * pkg-repo: build, index, sign and verify OpenWrt-style package feeds.
 * One table row per command; help text comes from the table.
 * Exit codes: 0 ok, 1 error, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "repo.h"

static const struct repo_cmd commands[] = {
	{ "build",
	  "build DIR [-o OUTDIR] [--format gz|ar] "
	  "[--compression gzip|xz|zstd]",
	  "Make <Package>_<Version>_<Architecture>.ipk in OUTDIR (default .)\n"
	  "from DIR, whose CONTROL/ (or control/) holds control, scripts\n"
	  "(preinst postinst prerm postrm, stored 0755) and conffiles.\n"
	  "  --format gz   OpenWrt: gzip'd tar of ./debian-binary,\n"
	  "                ./data.tar.*, ./control.tar.gz (default)\n"
	  "  --format ar   Debian/Yocto: ar of debian-binary,\n"
	  "                control.tar.gz, data.tar.*\n"
	  "  --compression gzip|xz|zstd   data.tar compression (gzip)\n"
	  "Entries are owned by root, named ./path, sorted, and dated\n"
	  "SOURCE_DATE_EPOCH (the current time when unset): the same input\n"
	  "and SOURCE_DATE_EPOCH give the same bytes. Installed-Size is added\n"
	  "when missing. The path of the package is printed on stdout.\n",
	  repo_cmd_build },
	{ "index",
	  "index DIR [-o OUTDIR] [--sign SECKEY] [--cache FILE] [--full] "
	  "[-j N] [-v] [--strict]",
	  "Write Packages, Packages.gz and Packages.zst for every *.ipk in\n"
	  "DIR into OUTDIR (default DIR), each atomically, and with --sign a\n"
	  "usign Packages.sig (without --sign a stale Packages.sig is\n"
	  "removed). Stanzas are the packages' control fields as OpenWrt's\n"
	  "ipkg-make-index writes them (Source, SourceName, SourceDateEpoch,\n"
	  "Maintainer and LicenseFiles dropped; Filename, Size, SHA256sum\n"
	  "before Description), sorted by Package, Version, Architecture.\n"
	  "Two files with the same Package+Version+Architecture: the newer\n"
	  "mtime is kept (ties: the name that sorts first), with a warning.\n"
	  "Broken packages are skipped with a message (exit 1 with --strict).\n"
	  "  --cache FILE  SQLite cache (default DIR/.pkg-repo-cache.db)\n"
	  "                keyed by name, size, mtime and inode: only\n"
	  "                changed files are read again\n"
	  "  --full        read every file (the cache is still rewritten)\n"
	  "  -j N          worker threads (default: number of CPUs)\n"
	  "  -v            print per-phase timings\n",
	  repo_cmd_index },
	{ "keygen", "keygen -o PREFIX [-c COMMENT]",
	  "Make a usign (Ed25519) key pair: PREFIX (secret) and PREFIX.pub.\n"
	  "The key id is printed on stdout.\n",
	  repo_cmd_keygen },
	{ "sign", "sign FILE -k SECKEY",
	  "Write FILE.sig, a usign signature of FILE.\n", repo_cmd_sign },
	{ "verify", "verify FILE -k KEYFILE|KEYDIR",
	  "Check FILE.sig against FILE with the key file, or with the key\n"
	  "named by the signature's key id in KEYDIR (as /etc/opkg/keys/).\n"
	  "Prints 'FILE: signature OK (key <id>)'; exit 1 otherwise.\n",
	  repo_cmd_verify },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct repo_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pkg-repo COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  pkg-repo %s\n", commands[i].synopsis);
	fprintf(f, "\n'pkg-repo help COMMAND' for details. Exit codes: 0 ok, "
		"1 error, 2 usage.\n");
}

static int cmd_help(FILE *f, const struct repo_cmd *c)
{
	fprintf(f, "usage: pkg-repo %s\n\n%s", c->synopsis, c->help);
	return 0;
}

static int is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int main(int argc, char **argv)
{
	const struct repo_cmd *c;
	int i, rc;

	pkg_error_set_prog("pkg-repo");
	/* a feed's every package is hashed: the library's fastest digests */
	crypto_hash_fast();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (is_help(argv[1]) || (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		c = find_cmd(argv[2]);
		if (c)
			return cmd_help(stdout, c);
		pkg_error_plain(-PKGE_USAGE, "unknown command '%s'", argv[2]);
		return 2;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		pkg_error_plain(-PKGE_USAGE, "unknown command '%s'", argv[1]);
		usage(stderr);
		return 2;
	}
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (is_help(argv[i]))
			return cmd_help(stdout, c);
	rc = c->run(argc - 1, argv + 1);
	if (rc == -PKGE_USAGE) {
		fprintf(stderr, "usage: pkg-repo %s\n", c->synopsis);
		return 2;
	}
	return rc < 0 ? 1 : 0;
}
