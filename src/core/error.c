/*
 * error.c — the caller-owned error detail (see include/fairtrack/error.h).
 *
 * Messages are truncated, never overflowed: a message that does not fit ends
 * in "..." so a reader can tell it was cut.
 */
#include "fairtrack/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ft_error_clear(struct ft_error *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (!src) {
		dst[0] = '\0';
		return;
	}
	n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void mark_truncated(char *msg, int written)
{
	if (written >= FT_ERROR_MESSAGE_MAX)
		memcpy(msg + FT_ERROR_MESSAGE_MAX - 4, "...", 4);
}

int ft_error_set(struct ft_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return code;
	err->code = code;
	err->file[0] = '\0';
	err->field[0] = '\0';
	err->line = 0;
	va_start(ap, fmt);
	n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	mark_truncated(err->message, n);
	return code;
}

int ft_error_setloc(struct ft_error *err, int code, const char *file, long line,
		    const char *field, const char *fmt, ...)
{
	char body[FT_ERROR_MESSAGE_MAX];
	va_list ap;
	int n;

	if (!err)
		return code;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	err->code = code;
	copy_str(err->file, sizeof(err->file), file);
	copy_str(err->field, sizeof(err->field), field);
	err->line = line;
	if (file && line > 0)
		n = snprintf(err->message, sizeof(err->message), "%s:%ld: %s", file, line, body);
	else if (file)
		n = snprintf(err->message, sizeof(err->message), "%s: %s", file, body);
	else
		n = snprintf(err->message, sizeof(err->message), "%s", body);
	mark_truncated(err->message, n);
	return code;
}

int ft_error_locate(struct ft_error *err, const char *file, long line, const char *field)
{
	char body[FT_ERROR_MESSAGE_MAX];

	if (!err)
		return FT_EINVAL;
	memcpy(body, err->message, sizeof(body));
	return ft_error_setloc(err, err->code ? err->code : FT_EINVAL, file, line,
			       field ? field : err->field, "%s", body);
}

int ft_error_wrap(struct ft_error *err, int code, const char *fmt, ...)
{
	char cause[FT_ERROR_MESSAGE_MAX], context[FT_ERROR_MESSAGE_MAX];
	va_list ap;

	if (!err)
		return code;
	memcpy(cause, err->message, sizeof(cause));
	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	return ft_error_set(err, code, "%s: %s", context, cause);
}

const char *ft_error_name(int code)
{
	switch (code) {
	case FT_OK: return "ok";
	case FT_EINVAL: return "invalid input";
	case FT_ENOMEM: return "out of memory";
	case FT_EIO: return "i/o error";
	case FT_ENOTFOUND: return "not found";
	case FT_EEXISTS: return "already exists";
	case FT_EOVERFLOW: return "overflow";
	case FT_ESCHEMA: return "schema mismatch";
	case FT_EDB: return "storage error";
	case FT_ECONFLICT: return "conflict";
	case FT_EUSAGE: return "usage error";
	}
	return "unknown error";
}
