/*
 * progress.h — a progress bar for long imports, on standard error.
 *
 * Shown only when standard error is a terminal and -q was not given: pipes,
 * logs and CI see nothing.  Redrawn at most ten times a second, so calling
 * cli_progress_update once per megabyte costs nothing measurable.
 * Floating point here is for display only (rates, ETA); no money passes by.
 */
#ifndef FAIRTRACK_CLI_PROGRESS_H
#define FAIRTRACK_CLI_PROGRESS_H

#include <stdint.h>

struct cli_progress {
	int enabled;
	const char *label;      /* e.g. the file name */
	uint64_t total_bytes;   /* 0 when unknown (a pipe, a compressed stream) */
	uint64_t started_ns;
	uint64_t last_draw_ns;
	int drawn;
};

/* enabled = isatty(2) && !quiet. */
void cli_progress_start(struct cli_progress *p, const char *label, uint64_t total_bytes,
			int quiet);
void cli_progress_update(struct cli_progress *p, uint64_t bytes, uint64_t lines);
/* An ft_progress_fn (fairtrack/ingest.h) over a struct cli_progress: bytes
 * and the report's size as the reader tells them. */
void cli_progress_hook(void *progress, uint64_t bytes_done, uint64_t bytes_total);
/* Clear the bar line (the caller prints its own summary). */
void cli_progress_finish(struct cli_progress *p);

#endif
