/*
 * test_fmt_harness.h — run a report format over a file or a string and keep
 * what it hands to the sink, for the test_fmt_*.c unit tests.
 *
 * Lines are fed through ft_lines (BOM and CRLF handled as the reader does);
 * each usage line is copied, with its revenue and gross formatted exactly,
 * so tests compare text.
 */
#ifndef FAIRTRACK_TEST_FMT_HARNESS_H
#define FAIRTRACK_TEST_FMT_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/csv.h"
#include "fairtrack/format.h"
#include "fairtrack/money.h"
#include "testutil.h"

#define HARNESS_MAX_LINES 64

struct got_line {
	char isrc[32], upc[32], territory[16], model[48], use_type[48], currency[8], store[48],
	    period[32], txid[48];
	long long usages;
	char revenue[FT_AMOUNT_STR_MAX], gross[FT_AMOUNT_STR_MAX];
	long line_no;
};

struct got {
	struct got_line lines[HARNESS_MAX_LINES];
	size_t n;
	ft_amount total;
};

static inline void harness_copy(char *dst, size_t cap, struct ft_strview v)
{
	snprintf(dst, cap, "%.*s", (int)v.len, v.ptr ? v.ptr : "");
}

static inline int harness_sink(void *ctx, const struct ft_usage_line *u, struct ft_error *err)
{
	struct got *g = ctx;
	struct got_line *l;

	(void)err;
	if (g->n == HARNESS_MAX_LINES)
		return ft_error_set(err, FT_EINVAL, "harness: too many lines");
	l = &g->lines[g->n++];
	harness_copy(l->isrc, sizeof(l->isrc), u->isrc);
	harness_copy(l->upc, sizeof(l->upc), u->upc);
	harness_copy(l->territory, sizeof(l->territory), u->territory);
	harness_copy(l->model, sizeof(l->model), u->commercial_model);
	harness_copy(l->use_type, sizeof(l->use_type), u->use_type);
	harness_copy(l->currency, sizeof(l->currency), u->currency);
	harness_copy(l->store, sizeof(l->store), u->store);
	harness_copy(l->period, sizeof(l->period), u->period);
	harness_copy(l->txid, sizeof(l->txid), u->transaction_id);
	l->usages = (long long)u->usages;
	ft_amount_format(l->revenue, sizeof(l->revenue), u->revenue, 0);
	ft_amount_format(l->gross, sizeof(l->gross), u->gross, 0);
	l->line_no = u->line_no;
	g->total += u->revenue;
	return 0;
}

/* Run fmt over buf[0..len); returns the format's result code. */
static inline int harness_run_buf(const struct ft_format *fmt, const char *name, const char *buf,
				  size_t len, int force, void *user, struct got *g,
				  struct ft_error *err)
{
	struct ft_format_ctx ctx = {.file = name, .force = force, .user = user};
	struct ft_lines it;
	const char *line;
	size_t llen;
	long line_no;
	void *state = NULL;
	int rc;

	memset(g, 0, sizeof(*g));
	ft_error_clear(err);
	rc = fmt->begin(&state, &ctx, err);
	if (rc)
		return rc;
	ft_lines_init(&it, buf, len);
	while (ft_lines_next(&it, &line, &llen, &line_no)) {
		rc = fmt->line(state, &ctx, line, llen, line_no, harness_sink, g, err);
		if (rc)
			goto out;
	}
	rc = fmt->end(state, &ctx, harness_sink, g, err);
out:
	fmt->free(state);
	return rc;
}

static inline int harness_run_str(const struct ft_format *fmt, const char *text, int force,
				  void *user, struct got *g, struct ft_error *err)
{
	return harness_run_buf(fmt, "report.txt", text, strlen(text), force, user, g, err);
}

/* Read a test data file (relative to the repository root). */
static inline char *harness_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static inline int harness_run_file(const struct ft_format *fmt, const char *path, int force,
				   void *user, struct got *g, struct ft_error *err)
{
	size_t len;
	char *buf = harness_slurp(path, &len);
	int rc = harness_run_buf(fmt, path, buf, len, force, user, g, err);

	free(buf);
	return rc;
}

#endif
