/*
 * Internal helpers shared by the files of fetch/ (not part of the API).
 */
#ifndef PKG_FETCH_INT_H
#define PKG_FETCH_INT_H

#include <stddef.h>

/* hostfs_read_file, with -EFBIG (which prints as "File too large")
 * instead of PKGE_FORMAT past max. Never prints. */
int fetch_read_file(const char *path, size_t max, char **out, size_t *len);

#endif
