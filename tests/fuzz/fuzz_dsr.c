/*
 * fuzz_dsr.c — the DSR flat-file parser on arbitrary bytes.
 *
 * The input is a whole file, fed line by line as the reader would.  The
 * parser must either succeed or fail with a message; every line it emits
 * must be well formed (views in bounds, gross equal to revenue, a line
 * number).  The first byte's low bit turns on --force, so the accepting
 * paths of the summary checks are fuzzed too.  Violations abort.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/csv.h"
#include "ingest/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_view(struct ft_strview v)
{
	return v.len == 0 || (v.ptr != NULL && v.len < (1u << 20));
}

static int sink(void *ctx, const struct ft_usage_line *u, struct ft_error *err)
{
	size_t *n = ctx;

	(void)err;
	if (!check_view(u->isrc) || !check_view(u->upc) || !check_view(u->territory) ||
	    !check_view(u->currency) || !check_view(u->transaction_id) || !check_view(u->period) ||
	    !check_view(u->store) || u->line_no < 1)
		abort();
	if (u->gross != u->revenue)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ft_format *fmt = &ft_format_dsr;
	struct ft_format_ctx ctx = {.file = "fuzz.tsv", .force = size > 0 && (data[0] & 1)};
	struct ft_error err;
	struct ft_lines it;
	const char *line;
	size_t len, emitted = 0;
	long line_no;
	void *state = NULL;
	int rc;

	ft_error_clear(&err);
	(void)fmt->detect((const char *)data, size);
	if (fmt->begin(&state, &ctx, &err) != 0)
		abort();
	ft_lines_init(&it, (const char *)data, size);
	rc = 0;
	while (rc == 0 && ft_lines_next(&it, &line, &len, &line_no))
		rc = fmt->line(state, &ctx, line, len, line_no, sink, &emitted, &err);
	if (rc == 0)
		rc = fmt->end(state, &ctx, sink, &emitted, &err);
	if (rc != 0 && err.message[0] == '\0')
		abort();
	fmt->free(state);
	return 0;
}
