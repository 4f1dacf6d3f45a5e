/*
 * progress.c — the terminal progress bar (see progress.h).
 *
 *   report.tsv  [#########-----------]  45%  412.0 MB/916.3 MB  4.1M lines/s  ETA 0:01
 */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cli_progress_start(struct cli_progress *p, const char *label, uint64_t total_bytes,
			int quiet)
{
	const char *slash = label ? strrchr(label, '/') : NULL;

	memset(p, 0, sizeof(*p));
	p->enabled = !quiet && isatty(STDERR_FILENO);
	p->label = slash ? slash + 1 : label;
	p->total_bytes = total_bytes;
	p->started_ns = now_ns();
}

static void human_bytes(char *buf, size_t cap, uint64_t bytes)
{
	if (bytes >= 1000000000u)
		snprintf(buf, cap, "%.2f GB", (double)bytes / 1e9);
	else
		snprintf(buf, cap, "%.1f MB", (double)bytes / 1e6);
}

void cli_progress_update(struct cli_progress *p, uint64_t bytes, uint64_t lines)
{
	uint64_t t = now_ns();
	double secs, rate_lines;
	char done[32], total[32], bar[21], rate[32];
	int filled, i;

	if (!p->enabled || (p->drawn && t - p->last_draw_ns < 100000000u))
		return;
	p->last_draw_ns = t;
	p->drawn = 1;
	secs = (double)(t - p->started_ns) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	rate_lines = (double)lines / secs;
	human_bytes(done, sizeof(done), bytes);
	if (!lines) /* the reader counts bytes only: show a byte rate */
		snprintf(rate, sizeof(rate), "%.0f MB/s", (double)bytes / 1e6 / secs);
	else
		snprintf(rate, sizeof(rate), "%.1fM lines/s", rate_lines / 1e6);
	if (p->total_bytes) {
		double frac = (double)bytes / (double)p->total_bytes;
		double eta = frac > 0 ? secs / frac - secs : 0;

		if (frac > 1)
			frac = 1;
		filled = (int)(frac * 20);
		for (i = 0; i < 20; i++)
			bar[i] = i < filled ? '#' : '-';
		bar[20] = '\0';
		human_bytes(total, sizeof(total), p->total_bytes);
		fprintf(stderr, "\r%-20.20s [%s] %3d%%  %s/%s  %s  ETA %d:%02d ", p->label, bar,
			(int)(frac * 100), done, total, rate, (int)eta / 60, (int)eta % 60);
	} else {
		fprintf(stderr, "\r%-20.20s %s  %s ", p->label, done, rate);
	}
	fflush(stderr);
}

void cli_progress_finish(struct cli_progress *p)
{
	if (p->enabled && p->drawn) {
		fprintf(stderr, "\r%*s\r", 100, "");
		fflush(stderr);
	}
}

void cli_progress_hook(void *progress, uint64_t bytes_done, uint64_t bytes_total)
{
	struct cli_progress *p = progress;

	if (bytes_total)
		p->total_bytes = bytes_total;
	cli_progress_update(p, bytes_done, 0);
}
