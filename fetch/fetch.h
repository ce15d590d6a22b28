/*
 * fetch: downloads (libcurl: file:, http://, https://), checksums and
 * usign signatures (Ed25519 through the crypto leaf, crypto.h: OpenSSL's
 * libcrypto or GNU Nettle, chosen at build time). Libraries are
 * initialised lazily: a command that never downloads never pays for
 * libcurl's start-up, one that never hashes nor verifies never sets up
 * the crypto library.
 */
#ifndef PKG_FETCH_H
#define PKG_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"

/* ---- checksums ---- */

/* File digests are rootfs_sha256_file and rootfs_md5_file (base.h),
 * over the crypto leaf (crypto.h). */

/* A size not given (the index has no Size): no size check. 0 is a size. */
#define FETCH_SIZE_UNKNOWN UINT64_MAX

/* Check a file against the index: sha256 (64 hex) or md5 (32 hex) and
 * size (FETCH_SIZE_UNKNOWN: none given). sha256 wins when both are
 * given; neither given is refused. PKGE_CHECKSUM with a clear message
 * on mismatch ("checksum mismatch for 'nano_7.2-2.ipk': expected <hex>,
 * got <hex>"). */
/* The same on an open file (read from its start, left at its start):
 * what is verified through fd is what the caller then reads from it.
 * name is for messages. */
int fetch_verify_fd(int fd, const char *name, const char *sha256,
		    const char *md5, uint64_t size);
/* Silent: 1 when fd's contents have the digest (sha256 wins), 0 when not
 * or none is given, -errno on a read error; fd left at its start. */
int fetch_check_fd(int fd, const char *sha256, const char *md5);
int fetch_verify_file(const char *path, const char *sha256, const char *md5,
		      uint64_t size);

/* ---- usign (Ed25519), the format of OpenWrt's usign/signify ---- */

/* Key id: 8 bytes, printed as 16 lower-case hex digits. */
#define USIGN_KEYID_SIZE 8
struct usign_pubkey {
	unsigned char keyid[USIGN_KEYID_SIZE];
	unsigned char key[CRYPTO_ED25519_KEY_SIZE];
};
struct usign_seckey {
	unsigned char keyid[USIGN_KEYID_SIZE];
	unsigned char seed[CRYPTO_ED25519_KEY_SIZE]; /* Ed25519 secret seed */
	unsigned char pub[CRYPTO_ED25519_KEY_SIZE];
};
struct usign_sig {
	unsigned char keyid[USIGN_KEYID_SIZE];
	unsigned char sig[CRYPTO_ED25519_SIG_SIZE];
};

/* Parse usign files from text. "untrusted comment: ..." first line is
 * optional for public keys (the 19.07 key file lacks the prefix: any first
 * line that is not base64 of the right length is taken as a comment).
 * PKGE_FORMAT on bad base64, wrong length or algorithm; secret keys also
 * on an encrypted key (kdfrounds != 0) or a bad checksum. They never
 * print: the callers that know the file name report. */
int usign_parse_pubkey(const char *text, size_t len, struct usign_pubkey *k);
int usign_parse_seckey(const char *text, size_t len, struct usign_seckey *k);
int usign_parse_sig(const char *text, size_t len, struct usign_sig *s);

/* Verify data against sig with key (key ids must match): 0,
 * PKGE_SIGNATURE, or -ENOMEM / -ENOSYS when the crypto library fails.
 * Never prints. */
int usign_verify(const void *data, size_t len, const struct usign_sig *s,
		 const struct usign_pubkey *k);
/* Verify file data_path against sig_path using the key whose id matches,
 * found in keydir (files named by key id, as /etc/opkg/keys/) or given as
 * a single key file (keypath is a regular file). Messages name the file,
 * the key id and why ("signature check failed for 'X': no key <id> in
 * '/etc/opkg/keys'", "...: bad signature (key <id>)"). 0, PKGE_SIGNATURE
 * (bad signature, unknown key, malformed key or signature file), or
 * -errno (signature, data or key path unreadable: "cannot read signature
 * 'X.sig': ..."; the crypto library failing). */
int usign_verify_file(const char *data_path, const char *sig_path,
		      const char *keypath);
/* Same, data already in memory; messages name sig_path minus its last
 * ".sig" and what follows ("list.sig.new" names "list"). */
int usign_verify_buf(const void *data, size_t len, const char *sig_path,
		     const char *keypath);

/* The same with everything already read by the caller (from a root it
 * confines): data named name, the signature's text (sig_name in
 * messages), the text of the key file named by the signature's key id in
 * keydir, or NULL when there is none ("no key ID in 'KEYDIR'"). Reported;
 * 0, PKGE_SIGNATURE or -ENOMEM/-ENOSYS. */
int usign_verify_text(const char *name, const void *data, size_t len,
		      const char *sig_text, size_t siglen,
		      const char *sig_name, const char *key_text,
		      size_t keylen, const char *keydir);

/* Make a key pair; writes PREFIX (secret, mode 0600) and PREFIX.pub in
 * usign's layout, first lines "untrusted comment: <comment> secret key"
 * and "... public key" (comment NULL: "pkg key <id>"). The secret key is
 * unencrypted. -EEXIST when PREFIX exists (never overwrites a secret key).
 * Random seed, key id and salt from crypto_random (getrandom(2)). */
int usign_keygen(const char *prefix, const char *comment);
/* Sign data_path with the secret key file; writes out_sig_path (usign
 * layout: "untrusted comment: signed by key <id>\n<base64>\n") through
 * hostfs_write_atomic. 0, PKGE_FORMAT (bad or encrypted secret key) or
 * -errno; reported. */
int usign_sign_file(const char *data_path, const char *seckey_path,
		    const char *out_sig_path);
/* 16 lower-case hex digits, as key files are named. */
void usign_keyid_hex(const unsigned char keyid[8], char hex[17]);

/* ---- downloads ---- */

struct fetch_opts {
	int progress;	     /* show progress on stderr (callers pass isatty) */
	int insecure;	     /* --no-check-certificate */
	uint64_t max_bytes;  /* abort past this many bytes (0 = 512 MiB) */
	int max_is_size;     /* max_bytes is the index's Size: 0 is a size
				(nothing may come), not the default */
	long timeout_s;	     /* overall timeout (0 = 300 s) */
	long connect_timeout_s; /* 0 = 15 s */
	int retries;	     /* extra tries on transient errors */
	const char *label;   /* what is shown in progress ("nano") */
	int no_sync;	     /* a private temporary file: no fsync */
};

/*
 * Download url into dest_path (written through the ops layer into a temp
 * file beside dest and renamed into place only when complete). A redirect
 * from https to a non-https URL is refused. HTTP errors (404...) give
 * PKGE_NETWORK or PKGE_NOTFOUND with the URL in the message. Not found
 * returns PKGE_NOTFOUND without printing when quiet_404 is set.
 * The part file is "<dest>.part"; it is removed on failure. Past
 * max_bytes the transfer is aborted with PKGE_CHECKSUM ("download of
 * 'URL' exceeds N bytes": callers pass the index's Size). Other failures:
 * PKGE_NETWORK with curl's reason, -errno for local write errors. Only
 * the final failure after opts->retries is reported. opts may be NULL.
 * A file: URL ("file:/p", "file:///p", %XX decoded) is a local copy;
 * libcurl is loaded (dlopen) and initialised
 * on the first http(s) download.
 */
int fetch_url(const char *url, const char *dest_path,
	      const struct fetch_opts *opts, int quiet_404);
/* The same into fd (an empty file the caller made and names, emptied
 * again before a retry; synced, left open) with no part file nor
 * rename: the caller places the file. */
int fetch_url_fd(const char *url, int fd, const struct fetch_opts *opts,
		 int quiet_404);
/* Download into memory (malloc'd, NUL-terminated, *len without the NUL);
 * same rules and codes as fetch_url. */
int fetch_url_mem(const char *url, const struct fetch_opts *opts,
		  int quiet_404, char **out, size_t *len);
/* Release libcurl if it was initialised. */
void fetch_global_cleanup(void);

/* ---- decompression helpers (zlib/zstd through libarchive's raw mode) ---- */
/* Decompress gzip/zstd/xz or pass through plain data; out malloc'd,
 * NUL-terminated. max caps the output (0 = 256 MiB). 0, or PKGE_FORMAT
 * (corrupt stream, or output past max: "... exceeds N bytes"). Reported. */
int fetch_decompress(const void *in, size_t inlen, size_t max, char **out,
		     size_t *outlen);
/* The same for a file, read in blocks (the compressed data is never held
 * whole) twice: once for the size, then into one exact allocation.
 * Errors name path and are reported; any negative code. */
int fetch_decompress_file(const char *path, size_t max, char **out,
			  size_t *outlen);
/* A stream of path's decompressed content (gzip, zstd, xz or plain),
 * capped at max bytes (0 = 256 MiB), for reading with stdio; close with
 * fclose. Decompression errors are reported once, naming path, and make
 * reads fail (ferror). NULL when path cannot be opened (reported). */
FILE *fetch_zopen(const char *path, size_t max);
/* The same over fd (owned from here on: closed by fclose, or on failure),
 * name for messages. */
FILE *fetch_zopen_fd(int fd, const char *name, size_t max);
/* fetch_decompress_file over fd (owned, closed), name for messages. */
int fetch_decompress_fd(int fd, const char *name, size_t max, char **out,
			size_t *outlen);

/* What a stream may give when its caller sets no cap (max 0). */
#define DECOMP_DEFAULT_MAX ((size_t)256 << 20)

/* Random access into a gzip file (gzseek.c): a point where inflate can
 * start, at the end of a deflate block. */
#define FETCH_GZ_WINDOW 32768
/* The text a point's check covers: all that can refer back into its
 * window, so a window that is not the text before the point (or in or
 * bits wrong) cannot go unseen. */
#define FETCH_GZ_CHECK FETCH_GZ_WINDOW
struct fetch_gz_point {
	uint64_t out;	/* the text's offset there */
	uint64_t in;	/* the file's offset of the first byte not read */
	unsigned bits;	/* 0-7: bits of the byte before in not read yet */
	uint32_t check; /* CRC-32 of the FETCH_GZ_CHECK bytes of text from
			 * out (fewer where the text ends) */
	const unsigned char *window; /* the FETCH_GZ_WINDOW bytes of text
				      * before out */
};
/* Inflate fd's gzip data (read with pread from its start; not owned),
 * checking it whole, and give fn a point (its window valid during the
 * call) at the first block's end at least span (>= FETCH_GZ_WINDOW)
 * bytes of text after the last point; fn returns non-zero to stop
 * (returned). 0, or -PKGE_FORMAT (not gzip, corrupt, cut short, more
 * than one member), -ENOMEM, -errno; not reported. */
int fetch_gz_points(int fd, uint64_t span,
		    int (*fn)(const struct fetch_gz_point *pt, void *ud),
		    void *ud);
/* A stream of the text of fd (owned from here on), a gzip file pt was
 * taken of by fetch_gz_points, from pt->out on; as fetch_zopen_fd's
 * (max counted from there), but the gzip trailer is not checked: the
 * points were taken in a checked inflate of the same file, and the text
 * the point gives first must have its check. NULL when it has not, when
 * fd cannot be read there or on no memory (not reported). */
FILE *fetch_gz_open_at(int fd, const char *name, size_t max,
		       const struct fetch_gz_point *pt);

#endif
