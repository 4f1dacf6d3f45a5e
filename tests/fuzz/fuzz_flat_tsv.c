/*
 * fuzz_flat_tsv.c — the flat usage TSV parser, both paths, on any bytes.
 *
 * The input is written to a file (the fast path needs a mapped report) and
 * aggregated on one and on two threads (chunks of any size), then fed line by
 * line through the generic format ops.  Invariants: no crash or sanitizer
 * report; the fast path and the generic path agree on success or failure,
 * and when they fail it is on the same line; 1 and 2 threads agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fairtrack/csv.h"
#include "fairtrack/ingest.h"
#include "ingest/aggregate.h"
#include "ingest/fmt_flat_tsv.h"

struct run {
	int threads;
	int used;
	struct agg_part parts[2];
};

static int fast(void *p, struct ft_report *r, struct ft_error *err)
{
	struct run *run = p;
	const char *data;
	size_t len;

	if (!ft_report_map(r, &data, &len))
		return 0;
	return flat_tsv_fast_path_ex(r, data, len, run->threads, 1, run->parts, &run->used, err);
}

static int count(void *ctx, const struct ft_usage_line *l, struct ft_error *err)
{
	(*(long *)ctx)++;
	return 0;
}

static int fast_result(const char *path, int threads, long *err_line)
{
	struct run run;
	struct ft_error err;
	int rc, k;

	memset(&run, 0, sizeof(run));
	run.threads = threads;
	ft_error_clear(&err);
	rc = ft_reader_each_report(path, fast, &run, &err);
	for (k = 0; k < run.used; k++)
		agg_part_fini(&run.parts[k]);
	*err_line = rc ? err.line : 0;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct ft_lines it;
	struct ft_format_ctx ctx = {"fuzz.tsv", 0, NULL};
	struct ft_error err;
	const char *line;
	size_t len;
	long line_no, lines = 0, l1, l2, generic_line = 0;
	int fd, rc1, rc2, generic = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fuzz_flat_tsv.%d", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	rc1 = fast_result(path, 1, &l1);
	rc2 = fast_result(path, 2, &l2);
	if (rc1 != rc2 || l1 != l2)
		abort();
	ft_lines_init(&it, (const char *)data, size);
	while (!generic && ft_lines_next(&it, &line, &len, &line_no)) {
		generic =
		    ft_format_flat_tsv.line(NULL, &ctx, line, len, line_no, count, &lines, &err);
		if (generic)
			generic_line = err.line;
	}
	if (lines == 0 && generic == 0 && l1 == 0)
		generic = rc1; /* no line at all (empty, or a BOM alone): the fast path
				  refuses a file without header, a line walk sees nothing */
	if ((generic != 0) != (rc1 != 0) || (rc1 && generic_line != l1))
		abort();
	fd = unlink(path);
	(void)fd;
	return 0;
}
