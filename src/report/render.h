/*
 * render.h — what the statement renderers share inside src/report.
 *
 * Every renderer writes its file under a temporary name beside the target and
 * renames it into place only when it is complete, so a failed or interrupted
 * render never leaves a truncated statement where a reader (or `fairtrack
 * verify`) would take it for an issued one.
 */
#ifndef FAIRTRACK_REPORT_RENDER_H
#define FAIRTRACK_REPORT_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "fairtrack/statement.h"

/* "<path>.part": where a renderer writes before render_commit. */
int render_tmp_path(char *buf, size_t cap, const char *path, struct ft_error *err);
/* Rename tmp to path (FT_EIO naming path on failure; tmp is removed then). */
int render_commit(const char *tmp, const char *path, struct ft_error *err);

/* A currency's symbol for display ("€", "$", "£", "¥"), or the code itself. */
const char *render_currency_symbol(const char *code);

/* "YYYY-MM-DD" to its parts; false (and 2000-01-01) when it is not a date.
 * The documents' fixed creation date comes from here. */
bool render_issued_date(const char *issued, int *year, int *month, int *day);

/* "July–September 2026", "October 2026", "2026": a period in words. */
size_t render_period_words(char *buf, size_t cap, const struct ft_period *period);

#endif
