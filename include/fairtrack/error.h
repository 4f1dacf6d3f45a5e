/*
 * fairtrack — error reporting.
 *
 * Library functions never print and never exit.  They return 0 on success or
 * a negative FT_E* code, and fill a caller-owned struct ft_error with a
 * message that names the place (file, line, field) and, where one exists, the
 * fix.  The CLI and the HTTP layer decide how to render it.
 *
 * The error is passed explicitly (never thread-local) so that worker threads
 * stay independent and tests can assert on the exact message.  Every function
 * taking a `struct ft_error *` accepts NULL when the caller does not care.
 */
#ifndef FAIRTRACK_ERROR_H
#define FAIRTRACK_ERROR_H

#include <stddef.h>

enum ft_error_code {
	FT_OK = 0,
	FT_EINVAL = -1,    /* malformed input: a value, a line, a file */
	FT_ENOMEM = -2,    /* allocation failed */
	FT_EIO = -3,       /* reading or writing a file failed */
	FT_ENOTFOUND = -4, /* the thing asked for does not exist */
	FT_EEXISTS = -5,   /* already there (e.g. a report imported twice) */
	FT_EOVERFLOW = -6, /* an exact result does not fit the representation */
	FT_ESCHEMA = -7,   /* ledger schema too new / not a fairtrack ledger */
	FT_EDB = -8,       /* the storage backend failed */
	FT_ECONFLICT = -9, /* the change conflicts with existing state */
	FT_EUSAGE = -10,   /* a caller passed arguments that make no sense */
};

#define FT_ERROR_MESSAGE_MAX 512
#define FT_ERROR_FILE_MAX 256
#define FT_ERROR_FIELD_MAX 64

struct ft_error {
	int code;                          /* one of enum ft_error_code */
	char message[FT_ERROR_MESSAGE_MAX]; /* the whole human-readable message */
	char file[FT_ERROR_FILE_MAX];       /* input file, "" when not about a file */
	long line;                         /* 1-based line, 0 when unknown */
	char field[FT_ERROR_FIELD_MAX];     /* column / field name, "" when unknown */
};

/* Clear an error (code 0, empty strings).  NULL is a no-op. */
void ft_error_clear(struct ft_error *err);

/* Set code and printf-style message; returns code so callers can write
 * `return ft_error_set(err, FT_EINVAL, "...")`.  NULL err is allowed. */
int ft_error_set(struct ft_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ft_error_set but also records where: file (may be NULL), 1-based line
 * (0 = none) and field (may be NULL).  The message is prefixed with
 * "file:line: " when a file is given, so the rendered text alone is enough. */
int ft_error_setloc(struct ft_error *err, int code, const char *file, long line,
		    const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Prefix an existing message with "file:line: " and record the location.
 * Used by a caller that knows the place of a value a callee rejected. */
int ft_error_locate(struct ft_error *err, const char *file, long line, const char *field);

/* Put context in front of the message a callee set: the message becomes
 * fmt… ": " and the message it held; code is set (the callee's is kept in
 * the text) and the location cleared, as ft_error_set does.  Returns code. */
int ft_error_wrap(struct ft_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A short constant name for a code ("invalid input", "out of memory", ...). */
const char *ft_error_name(int code);

#endif
