/*
 * libFuzzer harness: version comparison (solver_vercmp, Debian/opkg
 * order through libsolv). Input: up to three versions separated by NUL
 * or newline. Checks that the order is an order: reflexive,
 * antisymmetric and, for three versions, transitive.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solver.h"

#define MAXV 3

/* Split data into at most MAXV NUL-terminated strings. */
static size_t split(const uint8_t *data, size_t size, char *buf, char **v)
{
	size_t n = 0, i;

	memcpy(buf, data, size);
	buf[size] = '\0';
	v[n++] = buf;
	for (i = 0; i < size && n < MAXV; i++)
		if (buf[i] == '\n' || buf[i] == '\0') {
			buf[i] = '\0';
			v[n++] = buf + i + 1;
		}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkg_solver s;
	char *buf, *v[MAXV];
	size_t n, i, j;
	int c[MAXV][MAXV];

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf || solver_init(&s, NULL, NULL, 0)) {
		free(buf);
		return 0;
	}
	n = split(data, size, buf, v);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			c[i][j] = solver_vercmp(&s, v[i], v[j]);
	for (i = 0; i < n; i++) {
		if (c[i][i] != 0)
			abort();
		for (j = 0; j < n; j++)
			if (c[i][j] != -c[j][i])
				abort();
	}
	if (n == 3 && c[0][1] <= 0 && c[1][2] <= 0 && c[0][2] > 0)
		abort();
	solver_release(&s);
	free(buf);
	return 0;
}
