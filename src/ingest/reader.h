/*
 * reader.h — internals of the reader shared with the aggregator.
 */
#ifndef FAIRTRACK_INGEST_READER_H
#define FAIRTRACK_INGEST_READER_H

#include "fairtrack/ingest.h"

/* Report bytes consumed to fn (ctx, done, total or 0) as the report is read. */
void reader_set_progress(struct ft_report *report, ft_progress_fn fn, void *ctx);

/* Called for a line the format refused (FT_EINVAL) when rejects are kept:
 * err holds the format's message; return 0 to go on, non-zero to stop. */
typedef int (*reader_reject_fn)(void *ctx, const char *line, size_t len, long line_no,
				const struct ft_error *why, struct ft_error *err);

/* ft_report_parse, but a line the format refuses goes to reject (when not
 * NULL) instead of stopping the parse.  Errors at the end of the report (a
 * DSR summary mismatch) still stop it: they are not one line's fault. */
int reader_parse(struct ft_report *report, const struct ft_format *format, int force,
		 void *format_user, ft_usage_sink_fn sink, void *sink_ctx, reader_reject_fn reject,
		 void *reject_ctx, struct ft_error *err);

#endif
