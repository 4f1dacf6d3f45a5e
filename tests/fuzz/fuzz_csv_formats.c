/*
 * fuzz_csv_formats.c — the CSV/TSV report dialects (DistroKid, SoundCloud,
 * YouTube, generic with a fixed mapping, Apple, CD Baby) on arbitrary bytes.
 *
 * The first byte picks the dialect, the rest is the file.  A parse either
 * succeeds or fails with a message naming a line; every emitted line has
 * sane views, its gross equals its revenue unless the dialect has a gross
 * column (YouTube), and detection never scores outside 0..100.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/csv.h"
#include "fairtrack/mapping.h"
#include "ingest/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_view(struct ft_strview v)
{
	return v.len == 0 || (v.ptr != NULL && v.len < (1u << 20));
}

static int sink(void *ctx, const struct ft_usage_line *u, struct ft_error *err)
{
	(void)ctx;
	(void)err;
	if (!check_view(u->isrc) || !check_view(u->upc) || !check_view(u->territory) ||
	    !check_view(u->currency) || !check_view(u->period) || !check_view(u->store) ||
	    !check_view(u->commercial_model) || u->line_no < 1)
		abort();
	if (u->period.len != 0 && u->period.len != 7)
		abort();
	return 0;
}

static const char mapping_text[] = "name = fuzz\nskip_rows = 1\ndecimal = ,\n"
				   "isrc = ISRC | isrc\nrevenue = Net\nusages = Units\n"
				   "period = Month\nconst currency = EUR\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ft_format *formats[] = {&ft_format_distrokid, &ft_format_soundcloud,
					     &ft_format_youtube,   &ft_format_generic,
					     &ft_format_apple,	   &ft_format_cdbaby};
	const struct ft_format *fmt;
	struct ft_mapping *mapping = NULL;
	struct ft_format_ctx ctx = {.file = "fuzz.csv"};
	struct ft_error err;
	struct ft_lines it;
	const char *line;
	size_t len;
	long line_no;
	void *state = NULL;
	int rc, score;

	if (size < 1)
		return 0;
	fmt = formats[data[0] % 6];
	data++;
	size--;
	for (size_t i = 0; i < 6; i++) {
		score = formats[i]->detect((const char *)data, size);
		if (score < 0 || score > 100)
			abort();
	}
	if (ft_mapping_parse(&mapping, mapping_text, sizeof(mapping_text) - 1, "fuzz.map", &err))
		abort();
	ctx.user = mapping;
	ft_error_clear(&err);
	if (fmt->begin(&state, &ctx, &err) != 0)
		abort();
	ft_lines_init(&it, (const char *)data, size);
	rc = 0;
	while (rc == 0 && ft_lines_next(&it, &line, &len, &line_no))
		rc = fmt->line(state, &ctx, line, len, line_no, sink, NULL, &err);
	if (rc == 0)
		rc = fmt->end(state, &ctx, sink, NULL, &err);
	if (rc != 0 && err.message[0] == '\0')
		abort();
	fmt->free(state);
	ft_mapping_free(mapping);
	return 0;
}
