/*
 * api_label.c — the label's overview: health, dashboard (catalogue counts,
 * import batches, suspense totals, periods run and closed), import batches
 * and suspense in full.
 *
 * Money leaves the server as exact decimal strings ("12.345678"), never as
 * JSON numbers: a JavaScript number is binary floating point and would round it.  Sums
 * are made here with ft_amount_add, which reports overflow instead of
 * wrapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/catalog.h"
#include "fairtrack/import.h"
#include "fairtrack/money.h"
#include "fairtrack/version.h"
#include "http_int.h"

static json_t *amount_json(ft_amount amount)
{
	char buf[FT_AMOUNT_STR_MAX];

	ft_amount_format(buf, sizeof(buf), amount, 2);
	return json_string(buf);
}

void api_health(struct http_request *req)
{
	http_reply_json(req, 200, json_pack("{s:s,s:s}", "status", "ok", "version", ft_version()));
}

/* ------------------------------------------------------------- dashboard */

static int count_record(void *ctx, const struct ft_catalog_record *record, struct ft_error *err)
{
	(*(json_int_t *)ctx)++;
	return 0;
}

struct batches {
	json_t *list; /* every batch, oldest first */
	json_int_t active, withdrawn, rows, suspense_rows;
};

static json_t *batch_json(const struct ft_batch_info *b)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:s?,s:I,s:I,s:I,s:b,s:s,s:s?}", "id",
			 (json_int_t)b->id, "file", b->file, "sha256", b->sha256, "partner",
			 b->partner, "format", b->format, "first_month", b->first_month,
			 "last_month", b->last_month, "rows", (json_int_t)b->rows, "suspense_rows",
			 (json_int_t)b->suspense_rows, "bytes", (json_int_t)b->bytes, "forced",
			 b->forced, "imported_at", b->imported_at, "withdrawn_at", b->withdrawn_at);
}

static int collect_batch(void *ctx, const struct ft_batch_info *b, struct ft_error *err)
{
	struct batches *bs = ctx;
	json_t *one = batch_json(b);

	if (!one || json_array_append_new(bs->list, one))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	if (b->withdrawn_at) {
		bs->withdrawn++;
	} else {
		bs->active++;
		bs->rows += b->rows;
		bs->suspense_rows += b->suspense_rows;
	}
	return 0;
}

struct currency_total {
	char currency[8];
	int64_t usages, entries;
	ft_amount revenue;
};

struct suspense_sum {
	struct currency_total totals[64];
	size_t n;
	json_t *list; /* NULL: totals only */
	json_int_t listed, limit;
	int truncated;
};

static int sum_suspense(void *ctx, const struct ft_suspense_entry *e, struct ft_error *err)
{
	struct suspense_sum *s = ctx;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->totals[i].currency, e->currency) == 0)
			break;
	if (i == s->n) {
		if (s->n == sizeof(s->totals) / sizeof(s->totals[0]))
			return ft_error_set(err, FT_EOVERFLOW,
					    "more than 64 currencies in suspense");
		snprintf(s->totals[i].currency, sizeof(s->totals[i].currency), "%s", e->currency);
		s->n++;
	}
	if (ft_amount_add(&s->totals[i].revenue, s->totals[i].revenue, e->revenue))
		return ft_error_set(err, FT_EOVERFLOW, "suspense total in %s overflows",
				    e->currency);
	s->totals[i].usages += e->usages;
	s->totals[i].entries++;
	if (s->list) {
		if (s->listed >= s->limit) {
			s->truncated = 1;
			return 0;
		}
		if (json_array_append_new(
			s->list,
			json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:I}", "partner", e->partner,
				  "month", e->month, "kind", e->kind, "identifier", e->identifier,
				  "currency", e->currency, "usages", (json_int_t)e->usages,
				  "revenue", amount_json(e->revenue), "rows", (json_int_t)e->rows)))
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		s->listed++;
	}
	return 0;
}

static json_t *totals_json(const struct suspense_sum *s)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < s->n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:o}", "currency",
						     s->totals[i].currency, "entries",
						     (json_int_t)s->totals[i].entries, "usages",
						     (json_int_t)s->totals[i].usages, "revenue",
						     amount_json(s->totals[i].revenue)));
	return arr;
}

void api_dashboard(struct http_request *req)
{
	static const enum ft_catalog_kind kinds[] = {
	    FT_CATALOG_LABELS, FT_CATALOG_ARTISTS,  FT_CATALOG_RELEASES,
	    FT_CATALOG_TRACKS, FT_CATALOG_PARTNERS, FT_CATALOG_CONTRIBUTORS,
	};
	struct batches bs = {0};
	struct suspense_sum *ss = NULL;
	json_t *counts = json_object(), *recent = json_array(), *out = NULL, *periods;
	struct ft_error err;
	size_t i, n;
	int rc = 0;

	ft_error_clear(&err);
	bs.list = json_array();
	ss = calloc(1, sizeof(*ss));
	if (!counts || !recent || !bs.list || !ss) {
		http_reply_error(req, 500, "out of memory");
		goto out;
	}
	/* Tracks are listed once per placement; the dashboard counts records,
	 * which is what the catalogue page shows. */
	for (i = 0; !rc && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		json_int_t count = 0;

		rc = ft_catalog_list(req->store, kinds[i], count_record, &count, &err);
		if (!rc)
			json_object_set_new(counts, ft_catalog_kind_name(kinds[i]),
					    json_integer(count));
	}
	if (!rc)
		rc = ft_import_each(req->store, collect_batch, &bs, &err);
	if (!rc)
		rc = ft_suspense_each(req->store, sum_suspense, ss, &err);
	if (rc) {
		http_reply_ft_error(req, &err);
		goto out;
	}
	n = json_array_size(bs.list);
	for (i = n; i > 0 && n - i < 10; i--)
		json_array_append(recent, json_array_get(bs.list, i - 1));
	periods = http_periods_json(req->store, &err);
	if (!periods) {
		http_reply_ft_error(req, &err);
		goto out;
	}
	out = json_pack("{s:O,s:{s:I,s:I,s:I,s:I,s:O},s:{s:o},s:o}", "catalog", counts, "imports",
			"active", bs.active, "withdrawn", bs.withdrawn, "rows", bs.rows,
			"suspense_rows", bs.suspense_rows, "recent", recent, "suspense", "totals",
			totals_json(ss), "periods", periods);
	http_reply_json(req, 200, out);
out:
	json_decref(counts);
	json_decref(recent);
	json_decref(bs.list);
	free(ss);
}

void api_imports(struct http_request *req)
{
	struct batches bs = {0};
	struct ft_error err;

	ft_error_clear(&err);
	bs.list = json_array();
	if (!bs.list || ft_import_each(req->store, collect_batch, &bs, &err)) {
		json_decref(bs.list);
		if (err.code)
			http_reply_ft_error(req, &err);
		else
			http_reply_error(req, 500, "out of memory");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o}", "batches", bs.list));
}

void api_suspense(struct http_request *req)
{
	struct suspense_sum *ss = calloc(1, sizeof(*ss));
	struct ft_error err;
	long long limit;

	ft_error_clear(&err);
	if (!ss) {
		http_reply_error(req, 500, "out of memory");
		return;
	}
	if (http_query_int(req, "limit", 1, 5000, 1000, &limit) == 0) {
		ss->limit = limit;
		ss->list = json_array();
		if (!ss->list || ft_suspense_each(req->store, sum_suspense, ss, &err)) {
			json_decref(ss->list);
			if (err.code)
				http_reply_ft_error(req, &err);
			else
				http_reply_error(req, 500, "out of memory");
		} else {
			http_reply_json(req, 200,
					json_pack("{s:o,s:o,s:b}", "entries", ss->list, "totals",
						  totals_json(ss), "truncated", ss->truncated));
		}
	}
	free(ss);
}
