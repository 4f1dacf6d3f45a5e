/*
 * formats.h — the report formats fairtrack knows (internal to src/ingest).
 *
 * Each is defined in its own src/ingest/fmt_<name>.c and listed by
 * ft_formats() in formats.c; unit tests use them by name.
 */
#ifndef FAIRTRACK_INGEST_FORMATS_H
#define FAIRTRACK_INGEST_FORMATS_H

#include "fairtrack/format.h"

extern const struct ft_format ft_format_dsr;
extern const struct ft_format ft_format_distrokid;
extern const struct ft_format ft_format_soundcloud;
extern const struct ft_format ft_format_youtube;
extern const struct ft_format ft_format_apple;
extern const struct ft_format ft_format_cdbaby;
extern const struct ft_format ft_format_generic;

#endif
