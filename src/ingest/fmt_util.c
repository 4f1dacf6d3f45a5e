/*
 * fmt_util.c — the table driver shared by every CSV/TSV report dialect.
 *
 * Guarantees: a row either becomes exactly one usage line (or is skipped by
 * the dialect's hook, e.g. a total row), or the parse stops with FT_EINVAL
 * naming file, line, the 1-based field and its header name.  Money is exact
 * (ft_amount_parse after removing only the decorations the dialect
 * documents).  No state survives a row except the header mapping.
 */
#include "ingest/fmt_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/period.h"

static const char *const field_names[FMT_FIELD_COUNT] = {
    [FMT_ISRC] = "isrc",	   [FMT_UPC] = "upc",
    [FMT_TERRITORY] = "territory", [FMT_MODEL] = "commercial_model",
    [FMT_USE_TYPE] = "use_type",   [FMT_CURRENCY] = "currency",
    [FMT_STORE] = "store",	   [FMT_PERIOD] = "period",
    [FMT_TXID] = "transaction_id", [FMT_USAGES] = "usages",
    [FMT_REVENUE] = "revenue",	   [FMT_GROSS] = "gross",
};

const char *fmt_field_name(enum fmt_field f)
{
	return (unsigned)f < FMT_FIELD_COUNT ? field_names[f] : "?";
}

int fmt_field_by_name(const char *name, size_t len)
{
	for (int f = 0; f < FMT_FIELD_COUNT; f++)
		if (strlen(field_names[f]) == len && memcmp(field_names[f], name, len) == 0)
			return f;
	return -1;
}

void fmt_trim(const char **p, size_t *len)
{
	while (*len > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
}

int fmt_is_missing(const char *p, size_t len)
{
	fmt_trim(&p, &len);
	if (len == 0)
		return 1;
	if (p[0] == '-') { /* "-", and CD Baby's "-----" */
		size_t i = 0;

		while (i < len && p[i] == '-')
			i++;
		if (i == len)
			return 1;
	}
	return len == 3 && (p[0] == 'n' || p[0] == 'N') && p[1] == '/' &&
	       (p[2] == 'a' || p[2] == 'A');
}

int fmt_utf8_valid(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return 0;
		if (i + n >= len)
			return 0;
		for (size_t k = 1; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n + 1;
	}
	return 1;
}

int fmt_parse_money(ft_amount *out, const char *p, size_t len, unsigned flags, struct ft_error *err)
{
	char buf[80];
	size_t n = 0;
	int neg = 0;

	fmt_trim(&p, &len);
	if (len > 0 && (p[0] == '-' || p[0] == '+')) {
		neg = p[0] == '-';
		p++;
		len--;
	}
	if ((flags & FMT_MONEY_DOLLAR) && len > 0 && p[0] == '$') {
		p++;
		len--;
		/* "$-0.01" as well as "-$0.01" */
		if (!neg && len > 0 && p[0] == '-') {
			neg = 1;
			p++;
			len--;
		}
	}
	if (len == 0 || len + 2 > sizeof(buf))
		return ft_error_set(err, FT_EINVAL, "'%.*s' is not an amount",
				    (int)(len > 40 ? 40 : len), p);
	if (neg)
		buf[n++] = '-';
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == ',' && (flags & FMT_MONEY_DECIMAL_COMMA))
			c = '.';
		else if (c == '.' && (flags & FMT_MONEY_DECIMAL_COMMA))
			return ft_error_set(err, FT_EINVAL,
					    "'%.*s' has a '.' but this file's decimal point is ','",
					    (int)len, p);
		else if (c == ',')
			return ft_error_set(
			    err, FT_EINVAL,
			    "'%.*s' is not a decimal (use '.' as the decimal point and no "
			    "thousands separators)",
			    (int)len, p);
		buf[n++] = c;
	}
	return ft_amount_parse(out, buf, n, err);
}

int fmt_parse_count(int64_t *out, const char *p, size_t len, struct ft_error *err)
{
	const char *s = p;
	size_t n = len;
	int neg = 0;
	uint64_t v = 0;
	size_t i = 0;

	fmt_trim(&s, &n);
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i >= n)
		goto bad;
	for (; i < n && s[i] != '.'; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		if (v > (uint64_t)INT64_MAX / 10)
			goto bad;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > (uint64_t)INT64_MAX)
			goto bad;
	}
	if (i < n) { /* ".000": only zeros may follow the point */
		if (i + 1 == n)
			goto bad;
		for (i++; i < n; i++)
			if (s[i] != '0')
				return ft_error_set(err, FT_EINVAL,
						    "'%.*s' is not a whole number of usages",
						    (int)n, s);
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
bad:
	return ft_error_set(err, FT_EINVAL, "'%.*s' is not a whole number", (int)(n > 40 ? 40 : n),
			    s);
}

/* ---- scratch space: reserved per row so earlier views never move ---- */

static int reserve(struct fmt_table *t, size_t need, struct ft_error *err)
{
	char *p;

	if (need <= t->scratch_cap)
		return 0;
	p = realloc(t->scratch, need);
	if (!p)
		return ft_error_set(err, FT_ENOMEM, "out of memory (%zu bytes of row scratch)",
				    need);
	t->scratch = p;
	t->scratch_cap = need;
	return 0;
}

int fmt_cell_text(struct fmt_table *t, const struct ft_csv_field *f, struct ft_strview *out,
		  struct ft_error *err)
{
	const char *p = f->ptr;
	size_t len = f->len;

	if (f->quoted && memchr(p, '"', len)) {
		char *dst = t->scratch + t->scratch_used;
		size_t n = ft_csv_unquote(dst, t->scratch_cap - t->scratch_used, f);

		if (n >= t->scratch_cap - t->scratch_used)
			return ft_error_set(err, FT_ENOMEM, "row scratch too small");
		p = dst;
		len = n;
		t->scratch_used += n + 1;
	}
	fmt_trim(&p, &len);
	if (!fmt_utf8_valid(p, len)) {
		/* ISO-8859-1: every byte is the code point of the same value. */
		char *dst = t->scratch + t->scratch_used;
		size_t n = 0;

		if (t->scratch_cap - t->scratch_used < 2 * len + 1)
			return ft_error_set(err, FT_ENOMEM, "row scratch too small");
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c < 0x80) {
				dst[n++] = (char)c;
			} else {
				dst[n++] = (char)(0xc0 | (c >> 6));
				dst[n++] = (char)(0x80 | (c & 0x3f));
			}
		}
		t->scratch_used += n + 1;
		p = dst;
		len = n;
	}
	if (fmt_is_missing(p, len))
		len = 0;
	out->ptr = p;
	out->len = len;
	return 0;
}

/* ---- header ---- */

static int find_alt(const struct ft_csv_field *hdr, size_t n, const char *const *alts)
{
	for (int a = 0; a < FMT_MAX_ALTS && alts[a]; a++) {
		int c = ft_csv_find_column(hdr, n, alts[a]);

		if (c >= 0)
			return c;
	}
	return -1;
}

/* Map a header row; returns the number of required fields missing. */
static int map_header(const struct fmt_dialect *d, const struct ft_csv_field *hdr, size_t n,
		      int col[FMT_FIELD_COUNT], int extra[4], int *optional_found)
{
	int missing = 0, found = 0;

	for (int f = 0; f < FMT_FIELD_COUNT; f++) {
		col[f] = d->columns[f][0] ? find_alt(hdr, n, d->columns[f]) : -1;
		if (col[f] < 0 && (d->required & (1u << f)))
			missing++;
		else if (col[f] >= 0)
			found++;
	}
	for (int e = 0; e < 4; e++)
		extra[e] = d->extra[e][0] ? find_alt(hdr, n, d->extra[e]) : -1;
	if (optional_found)
		*optional_found = found;
	return missing;
}

int fmt_table_new(struct fmt_table **out, const struct fmt_dialect *dialect, struct ft_error *err)
{
	struct fmt_table *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return ft_error_set(err, FT_ENOMEM, "out of memory (report table state)");
	t->dialect = dialect;
	*out = t;
	return 0;
}

void fmt_table_free(struct fmt_table *t)
{
	if (!t)
		return;
	for (int f = 0; f < FMT_FIELD_COUNT; f++)
		free(t->header_names[f]);
	free(t->scratch);
	free(t);
}

static void list_required(const struct fmt_dialect *d, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int f = 0; f < FMT_FIELD_COUNT && used + 1 < cap; f++) {
		if (!(d->required & (1u << f)))
			continue;
		int n =
		    snprintf(buf + used, cap - used, "%s'%s'", used ? ", " : "", d->columns[f][0]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int take_header(struct fmt_table *t, const struct ft_format_ctx *ctx, const char *line,
		       size_t len, long line_no, struct ft_error *err)
{
	const struct fmt_dialect *d = t->dialect;
	size_t n = 0;
	struct ft_error local;

	t->rows_seen++;
	if (t->rows_seen <= d->skip_rows)
		return 0;
	t->delim = d->delim ? d->delim : ft_csv_sniff_delim(line, len);
	ft_error_clear(&local);
	if (ft_csv_split(t->cells, FMT_MAX_COLUMNS, &n, line, len, t->delim, &local) == 0 &&
	    map_header(d, t->cells, n, t->col, t->extra_col, NULL) == 0) {
		for (int f = 0; f < FMT_FIELD_COUNT; f++) {
			char name[128];

			if (t->col[f] < 0)
				continue;
			ft_csv_unquote(name, sizeof(name), &t->cells[t->col[f]]);
			t->header_names[f] = strdup(name);
			if (!t->header_names[f])
				return ft_error_set(err, FT_ENOMEM, "out of memory (header names)");
		}
		t->have_header = 1;
		return 0;
	}
	if (t->rows_seen > (long)d->skip_rows + d->max_preamble) {
		char req[256];

		list_required(d, req, sizeof(req));
		return ft_error_setloc(
		    err, FT_EINVAL, ctx->file, line_no, NULL,
		    "no %s header found in the first %ld lines: a header needs the "
		    "columns %s (is this the right --format?)",
		    d->name, t->rows_seen, req);
	}
	return 0; /* a preamble row */
}

/* ---- rows ---- */

/* MM/DD/YYYY, only for a dialect that documents US dates: 03/04/2026 is
 * March, never April. */
static int us_date_month(const struct fmt_dialect *d, struct ft_strview v, int *month)
{
	const char *p = v.ptr;
	int mm, yyyy = 0;

	if (!(d->options & FMT_OPT_DATE_US) || v.len != 10 || p[2] != '/' || p[5] != '/')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 2 && i != 5 && (p[i] < '0' || p[i] > '9'))
			return -1;
	mm = (p[0] - '0') * 10 + (p[1] - '0');
	for (int i = 6; i < 10; i++)
		yyyy = yyyy * 10 + (p[i] - '0');
	if (mm < 1 || mm > 12 || yyyy < 1900)
		return -1;
	*month = yyyy * 12 + mm - 1;
	return 0;
}

static int cell_error(const struct fmt_table *t, const struct ft_format_ctx *ctx, long line_no,
		      int f, const struct ft_error *why, struct ft_error *err)
{
	const char *name = t->header_names[f] ? t->header_names[f] : fmt_field_name(f);

	return ft_error_setloc(err, why->code ? why->code : FT_EINVAL, ctx->file, line_no, name,
			       "field %d '%s': %s", t->col[f] + 1, name, why->message);
}

static int all_blank(const char *line, size_t len, char delim)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != delim && line[i] != ' ' && line[i] != '"')
			return 0;
	return 1;
}

int fmt_table_line(struct fmt_table *t, const struct ft_format_ctx *ctx, const char *line,
		   size_t len, long line_no, ft_usage_sink_fn sink, void *sink_ctx,
		   struct ft_error *err)
{
	const struct fmt_dialect *d = t->dialect;
	struct ft_usage_line u;
	struct ft_strview *views[FMT_FIELD_COUNT] = {
	    [FMT_ISRC] = &u.isrc,	    [FMT_UPC] = &u.upc,
	    [FMT_TERRITORY] = &u.territory, [FMT_MODEL] = &u.commercial_model,
	    [FMT_USE_TYPE] = &u.use_type,   [FMT_CURRENCY] = &u.currency,
	    [FMT_STORE] = &u.store,	    [FMT_PERIOD] = &u.period,
	    [FMT_TXID] = &u.transaction_id,
	};
	struct ft_error local;
	size_t n = 0;
	int have_gross = 0, rc;

	if (!t->have_header)
		return take_header(t, ctx, line, len, line_no, err);
	if (t->stopped)
		return 0;
	if (all_blank(line, len, t->delim))
		return 0;
	ft_error_clear(&local);
	if (ft_csv_split(t->cells, FMT_MAX_COLUMNS, &n, line, len, t->delim, &local) != 0)
		return ft_error_setloc(err, FT_EINVAL, ctx->file, line_no, NULL, "%s",
				       local.message);
	rc = reserve(t, 4 * len + 64, err);
	if (rc)
		return rc;
	t->scratch_used = 0;
	if (d->skip_row) {
		struct fmt_row row = {
		    .table = t,
		    .file = ctx->file,
		    .line_no = line_no,
		    .cells = t->cells,
		    .n_cells = n,
		    .extra_col = t->extra_col,
		};

		switch (d->skip_row(&row)) {
		case 0:
			break;
		case 2:
			t->stopped = 1;
			return 0;
		default:
			return 0;
		}
	}
	memset(&u, 0, sizeof(u));
	u.line_no = line_no;

	for (int f = 0; f < FMT_FIELD_COUNT; f++) {
		struct ft_strview v = {0};
		int c = t->col[f];

		if (c < 0) {
			if (d->constants[f] && views[f]) {
				views[f]->ptr = d->constants[f];
				views[f]->len = strlen(d->constants[f]);
			}
			if (d->constants[f] && f == FMT_USAGES) {
				ft_error_clear(&local);
				if (fmt_parse_count(&u.usages, d->constants[f],
						    strlen(d->constants[f]), &local))
					return ft_error_setloc(err, FT_EINVAL, ctx->file, line_no,
							       NULL, "constant usages: %s",
							       local.message);
			}
			continue;
		}
		if ((size_t)c >= n)
			return ft_error_setloc(err, FT_EINVAL, ctx->file, line_no,
					       t->header_names[f],
					       "field %d '%s' is missing: the row has %zu fields",
					       c + 1, t->header_names[f], n);
		rc = fmt_cell_text(t, &t->cells[c], &v, err);
		if (rc)
			return rc;
		ft_error_clear(&local);
		switch (f) {
		case FMT_USAGES:
			if (v.len > 0 && fmt_parse_count(&u.usages, v.ptr, v.len, &local))
				return cell_error(t, ctx, line_no, f, &local, err);
			break;
		case FMT_REVENUE:
			if (v.len == 0 && (d->options & FMT_OPT_EMPTY_REVENUE_ZERO)) {
				u.revenue = 0;
				break;
			}
			if (v.len == 0) {
				local.code = FT_EINVAL;
				snprintf(local.message, sizeof(local.message),
					 "the amount is missing (a row without revenue cannot be "
					 "accounted; remove the row or fill in 0)");
				return cell_error(t, ctx, line_no, f, &local, err);
			}
			if (fmt_parse_money(&u.revenue, v.ptr, v.len, d->money_flags, &local))
				return cell_error(t, ctx, line_no, f, &local, err);
			break;
		case FMT_GROSS:
			if (v.len > 0) {
				if (fmt_parse_money(&u.gross, v.ptr, v.len, d->money_flags, &local))
					return cell_error(t, ctx, line_no, f, &local, err);
				have_gross = 1;
			}
			break;
		case FMT_PERIOD:
			if (v.len > 0) {
				int month;

				if (us_date_month(d, v, &month) != 0 &&
				    ft_month_parse(&month, v.ptr, v.len, &local))
					return cell_error(t, ctx, line_no, f, &local, err);
				ft_month_format(t->period, month);
				u.period.ptr = t->period;
				u.period.len = 7;
			}
			break;
		default:
			*views[f] = v;
		}
	}
	if (!have_gross)
		u.gross = u.revenue;
	if (d->row_hook) {
		struct fmt_row row = {
		    .table = t,
		    .file = ctx->file,
		    .line_no = line_no,
		    .cells = t->cells,
		    .n_cells = n,
		    .extra_col = t->extra_col,
		};

		rc = d->row_hook(&row, &u, err);
		if (rc == 1)
			return 0;
		if (rc)
			return rc;
	}
	return sink(sink_ctx, &u, err);
}

int fmt_table_end(struct fmt_table *t, const struct ft_format_ctx *ctx, struct ft_error *err)
{
	char req[256];

	if (t->have_header)
		return 0;
	list_required(t->dialect, req, sizeof(req));
	return ft_error_setloc(err, FT_EINVAL, ctx->file, 0, NULL,
			       "no %s header found: the file ends before a header with the columns "
			       "%s",
			       t->dialect->name, req);
}

int fmt_table_detect(const struct fmt_dialect *d, const char *head, size_t len)
{
	struct ft_csv_field cells[FMT_MAX_COLUMNS];
	struct ft_lines it;
	const char *line;
	size_t llen, n;
	long line_no;
	int col[FMT_FIELD_COUNT], extra[4];

	ft_lines_init(&it, head, len);
	while (ft_lines_next(&it, &line, &llen, &line_no)) {
		char delim;
		int found;

		if (line_no > (long)d->skip_rows + d->max_preamble + 1)
			break;
		if (line_no <= d->skip_rows)
			continue;
		delim = d->delim ? d->delim : ft_csv_sniff_delim(line, llen);
		if (ft_csv_split(cells, FMT_MAX_COLUMNS, &n, line, llen, delim, NULL) != 0)
			continue;
		if (map_header(d, cells, n, col, extra, &found) == 0) {
			int score = 90 + found;

			return score > 99 ? 99 : score;
		}
	}
	return 0;
}

int fmt_check_percent(const struct fmt_row *row, int extra, const char *name, struct ft_error *err)
{
	int col = row->extra_col[extra];
	struct ft_strview v = {0};
	struct ft_error local;
	ft_amount pct = 0;
	int rc;

	if (col < 0 || (size_t)col >= row->n_cells)
		return 0;
	rc = fmt_cell_text(row->table, &row->cells[col], &v, err);
	if (rc)
		return rc;
	if (v.len > 0 && v.ptr[v.len - 1] == '%')
		v.len--;
	if (v.len == 0)
		return 0;
	ft_error_clear(&local);
	if (ft_amount_parse(&pct, v.ptr, v.len, &local) || pct < 0 || pct > 100 * FT_AMOUNT_ONE)
		return ft_error_setloc(err, FT_EINVAL, row->file, row->line_no, name,
				       "field %d '%s': '%.*s' is not a percentage from 0 to 100",
				       col + 1, name, (int)v.len, v.ptr);
	return 0;
}
