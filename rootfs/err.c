/*
 * The one error space: 0, -errno, or a negative PKGE_* code, and the one
 * helper that reports an error (once, on stderr, one line).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

/* The program name is set once by main before anything runs; it is the
 * only process-wide setting outside the command context, kept here so
 * that every layer prefixes its messages the same way. */
static const char *err_prog = "pkg";

static const char *const pkge_text[] = {
	[PKGE_FORMAT - PKGE_FIRST] = "malformed input",
	[PKGE_SIGNATURE - PKGE_FIRST] = "signature check failed",
	[PKGE_CHECKSUM - PKGE_FIRST] = "checksum mismatch",
	[PKGE_UNSAFE - PKGE_FIRST] = "unsafe path",
	[PKGE_NOTFOUND - PKGE_FIRST] = "not found",
	[PKGE_UNSOLVABLE - PKGE_FIRST] = "dependencies cannot be satisfied",
	[PKGE_CONFLICT - PKGE_FIRST] = "conflict",
	[PKGE_LOCKED - PKGE_FIRST] = "locked by another process",
	[PKGE_SPACE - PKGE_FIRST] = "not enough space",
	[PKGE_SCRIPT - PKGE_FIRST] = "maintainer script failed",
	[PKGE_NETWORK - PKGE_FIRST] = "download failed",
	[PKGE_CONFIG - PKGE_FIRST] = "bad configuration",
	[PKGE_DB - PKGE_FIRST] = "database error",
	[PKGE_USAGE - PKGE_FIRST] = "bad usage",
	[PKGE_CRASHED - PKGE_FIRST] = "unfinished transaction",
};

void pkg_error_set_prog(const char *prog)
{
	err_prog = prog;
}

const char *pkg_strerror(int code)
{
	if (code < 0)
		code = -code;
	if (code > PKGE_FIRST && code < PKGE_LAST)
		return pkge_text[code - PKGE_FIRST];
	if (code > 0 && code < PKGE_FIRST)
		return strerror(code);
	return "unknown error";
}

/* A message is one line whatever it quotes: a name or path from a
 * package with a newline or a terminal escape in it is shown with '?'
 * in their place (stderr is read by scripts and people). */
static void one_line(char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			*msg = '?';
}

static void err_vprint(int code, int with_reason, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	one_line(msg);
	if (with_reason && code < 0 && -code < PKGE_FIRST)
		fprintf(stderr, "%s: %s: %s\n", err_prog, msg,
			pkg_strerror(code));
	else
		fprintf(stderr, "%s: %s\n", err_prog, msg);
}

int pkg_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vprint(code, 1, fmt, ap);
	va_end(ap);
	return code;
}

int pkg_error_plain(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vprint(code, 0, fmt, ap);
	va_end(ap);
	return code;
}

void pkg_warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	one_line(msg);
	fprintf(stderr, "%s: warning: %s\n", err_prog, msg);
}
