/*
 * Internal helpers shared by the files of fetch/ (not part of the API).
 */
#ifndef PKG_FETCH_INT_H
#define PKG_FETCH_INT_H

#include <stddef.h>

/* usign's decoded blobs (layouts in usign.c) and the limits of what
 * usign.c and usign_sign.c read: key and signature files, and the signed
 * data, read whole into memory to be verified or signed. */
#define USIGN_PUB_LEN 42
#define USIGN_SEC_LEN 104
#define USIGN_SIG_LEN 74
#define USIGN_MAX_FILE 4096
#define USIGN_MAX_DATA (1024u << 20)

/* hostfs_read_file, with -EFBIG (which prints as "File too large")
 * instead of PKGE_FORMAT past max. Never prints. */
int fetch_read_file(const char *path, size_t max, char **out, size_t *len);

#endif
