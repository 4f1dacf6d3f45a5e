/*
 * fx.c — exchange rates in the ledger (`import fx`), and the small table
 * reader the engine's other import files share.
 *
 * A rate converts one unit of `from` into `to` for one month.  The file
 * states it per period (a month, quarter, half or year); the store keeps one
 * row per month so a run looks a line's rate up by the month it was sold in,
 * whatever the period being run.  Rates are exact decimals (ft_amount): a
 * rate with more than 12 fractional digits is refused, never rounded.
 * Rates of closed months are frozen — changing one would silently change
 * figures already stated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fairtrack/csv.h"
#include "fairtrack/ids.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/period.h"
#include "ledger/run_int.h"

void ft_ledger_now(char buf[32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ft_ledger_read_file(const char *path, char **out, size_t *len, struct ft_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot open: %s",
				       strerror(errno));
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *grown;

			if (cap > (64u << 20)) {
				free(buf);
				fclose(f);
				return ft_error_setloc(err, FT_EINVAL, path, 0, NULL,
						       "file larger than 64 MiB; split it");
			}
			grown = realloc(buf, cap ? cap * 2 : 8192);
			if (!grown) {
				free(buf);
				fclose(f);
				return ft_error_set(err, FT_ENOMEM, "out of memory reading %s",
						    path);
			}
			buf = grown;
			cap = cap ? cap * 2 : 8192;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "read error");
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static void trim_copy(char *dst, size_t cap, const struct ft_csv_field *f)
{
	char tmp[FT_LEDGER_CELL_MAX * 2];
	size_t n = ft_csv_unquote(tmp, sizeof(tmp), f), a = 0;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	tmp[n] = '\0';
	while (a < n && (tmp[a] == ' ' || tmp[a] == '\t'))
		a++;
	while (n > a && (tmp[n - 1] == ' ' || tmp[n - 1] == '\t' || tmp[n - 1] == '\r'))
		n--;
	snprintf(dst, cap, "%.*s", (int)(n - a), tmp + a);
}

int ft_ledger_table_each(const char *path, const char *const *cols, size_t n_cols,
			 ft_ledger_row_fn fn, void *ctx, struct ft_error *err)
{
	struct ft_csv_field fields[32];
	struct ft_lines it;
	struct ft_ledger_row *row = NULL;
	int map[FT_LEDGER_TABLE_COLS] = {0};
	const char *line;
	size_t len, buflen = 0, n = 0, i;
	char *buf = NULL;
	char delim = ',';
	long line_no;
	int rc, header = 1;

	if (n_cols > FT_LEDGER_TABLE_COLS)
		return ft_error_set(err, FT_EUSAGE, "too many columns");
	rc = ft_ledger_read_file(path, &buf, &buflen, err);
	if (rc)
		return rc;
	row = calloc(1, sizeof(*row));
	if (!row) {
		free(buf);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	row->file = path;
	ft_lines_init(&it, buf, buflen);
	while (!rc && ft_lines_next(&it, &line, &len, &line_no)) {
		size_t j;

		for (j = 0; j < len && (line[j] == ' ' || line[j] == '\r'); j++)
			;
		if (j == len || line[j] == '#')
			continue;
		if (header)
			delim = ft_csv_sniff_delim(line, len);
		rc = ft_csv_split(fields, 32, &n, line, len, delim, err);
		if (rc) {
			ft_error_locate(err, path, line_no, NULL);
			break;
		}
		if (header) {
			header = 0;
			for (i = 0; i < n_cols; i++) {
				map[i] = ft_csv_find_column(fields, n, cols[i]);
				if (map[i] < 0) {
					rc = ft_error_setloc(
					    err, FT_EINVAL, path, line_no, cols[i],
					    "the header has no '%s' column (the "
					    "columns are %s%s%s%s%s%s%s)",
					    cols[i], cols[0], n_cols > 1 ? "," : "",
					    n_cols > 1 ? cols[1] : "", n_cols > 2 ? "," : "",
					    n_cols > 2 ? cols[2] : "", n_cols > 3 ? ",…" : "", "");
					break;
				}
			}
			continue;
		}
		row->line = line_no;
		for (i = 0; i < n_cols; i++) {
			if ((size_t)map[i] >= n)
				row->cell[i][0] = '\0';
			else
				trim_copy(row->cell[i], FT_LEDGER_CELL_MAX, &fields[map[i]]);
		}
		rc = fn(ctx, row, err);
	}
	if (!rc && header)
		rc = ft_error_setloc(err, FT_EINVAL, path, 0, NULL, "empty file: no header line");
	free(row);
	free(buf);
	return rc;
}

int ft_ledger_exec_text(struct ft_store *store, const char *sql, const char *const *args,
			size_t n_args, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	size_t i;
	int rc = ft_store_prepare(store, &st, sql, err);

	for (i = 0; !rc && i < n_args; i++)
		rc = ft_stmt_bind_text(st, (int)i + 1, args[i], err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ft_ledger_month_closed(struct ft_store *store, const char *month, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, "SELECT 1 FROM closed_periods WHERE month = ?", err);

	if (!rc)
		rc = ft_stmt_bind_text(st, 1, month, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	return rc;
}

struct fx_ctx {
	struct ft_store *store;
	struct ft_stmt *del, *ins;
	const char *path;
	size_t written;
};

static int fx_row(void *vctx, const struct ft_ledger_row *row, struct ft_error *err)
{
	struct fx_ctx *c = vctx;
	struct ft_period p;
	char from[4], to[4], month[8];
	ft_amount rate;
	int rc, m;

	rc = ft_period_parse(&p, row->cell[0], strlen(row->cell[0]), err);
	if (rc)
		return ft_error_locate(err, row->file, row->line, "period");
	if (ft_currency_parse(from, NULL, row->cell[1], strlen(row->cell[1]), err))
		return ft_error_locate(err, row->file, row->line, "from");
	if (ft_currency_parse(to, NULL, row->cell[2], strlen(row->cell[2]), err))
		return ft_error_locate(err, row->file, row->line, "to");
	if (!strcmp(from, to))
		return ft_error_setloc(err, FT_EINVAL, row->file, row->line, "to",
				       "a rate from %s to itself is always 1; remove the line",
				       from);
	rc = ft_amount_parse(&rate, row->cell[3], strlen(row->cell[3]), err);
	if (rc)
		return ft_error_locate(err, row->file, row->line, "rate");
	if (rate <= 0)
		return ft_error_setloc(err, FT_EINVAL, row->file, row->line, "rate",
				       "rate '%s' must be greater than 0", row->cell[3]);
	for (m = p.first; m < p.first + p.months; m++) {
		ft_month_format(month, m);
		rc = ft_ledger_month_closed(c->store, month, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			struct ft_stmt *st = NULL;
			ft_amount old = 0;
			int same = 0;

			/* The same rate again is harmless (re-importing a file). */
			rc = ft_store_prepare(c->store, &st,
					      "SELECT rate FROM fx_rates WHERE month = ? AND "
					      "from_currency = ? AND to_currency = ?",
					      err);
			if (!rc)
				rc = ft_stmt_bind_text(st, 1, month, err);
			if (!rc)
				rc = ft_stmt_bind_text(st, 2, from, err);
			if (!rc)
				rc = ft_stmt_bind_text(st, 3, to, err);
			if (!rc)
				rc = ft_stmt_step(st, err);
			if (rc == 1 && !ft_stmt_column_amount(st, 0, &old, NULL))
				same = old == rate;
			ft_stmt_free(st);
			if (rc < 0)
				return rc;
			if (same)
				continue;
			return ft_error_setloc(err, FT_ECONFLICT, row->file, row->line, "period",
					       "%s is closed: its %s→%s rate cannot change (a "
					       "correction belongs in the next open period)",
					       month, from, to);
		}
		rc = ft_stmt_reset(c->del, err);
		if (!rc)
			rc = ft_stmt_bind_text(c->del, 1, month, err);
		if (!rc)
			rc = ft_stmt_bind_text(c->del, 2, from, err);
		if (!rc)
			rc = ft_stmt_bind_text(c->del, 3, to, err);
		if (!rc)
			rc = ft_stmt_step(c->del, err);
		if (rc < 0)
			return rc;
		rc = ft_stmt_reset(c->ins, err);
		if (!rc)
			rc = ft_stmt_bind_text(c->ins, 1, month, err);
		if (!rc)
			rc = ft_stmt_bind_text(c->ins, 2, from, err);
		if (!rc)
			rc = ft_stmt_bind_text(c->ins, 3, to, err);
		if (!rc)
			rc = ft_stmt_bind_amount(c->ins, 4, rate, err);
		if (!rc)
			rc = ft_stmt_bind_text(c->ins, 5, c->path, err);
		if (!rc)
			rc = ft_stmt_step(c->ins, err);
		if (rc < 0)
			return rc;
		c->written++;
	}
	return 0;
}

int ft_fx_import(struct ft_store *store, const char *path, size_t *n_months, struct ft_error *err)
{
	static const char *const cols[] = {"period", "from", "to", "rate"};
	struct fx_ctx c = {.store = store, .path = path};
	int rc;

	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	rc = ft_store_prepare(store, &c.del,
			      "DELETE FROM fx_rates WHERE month = ? AND from_currency = ? AND "
			      "to_currency = ?",
			      err);
	if (!rc)
		rc = ft_store_prepare(
		    store, &c.ins,
		    "INSERT INTO fx_rates (month, from_currency, to_currency, rate, "
		    "file) VALUES (?, ?, ?, ?, ?)",
		    err);
	if (!rc)
		rc = ft_ledger_table_each(path, cols, 4, fx_row, &c, err);
	ft_stmt_free(c.del);
	ft_stmt_free(c.ins);
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc) {
		ft_store_rollback(store, NULL);
		return rc;
	}
	if (n_months)
		*n_months = c.written;
	return 0;
}

int ft_fx_rate(struct ft_store *store, int month, const char *from, const char *to, ft_amount *rate,
	       struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char m[8];
	int rc;

	if (!strcmp(from, to)) {
		*rate = FT_AMOUNT_ONE;
		return 0;
	}
	ft_month_format(m, month);
	rc = ft_store_prepare(store, &st,
			      "SELECT rate FROM fx_rates WHERE month = ? AND from_currency = ? AND "
			      "to_currency = ?",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, m, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, from, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 3, to, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1)
		rc = ft_stmt_column_amount(st, 0, rate, err);
	else if (rc == 0)
		rc = ft_error_set(
		    err, FT_ENOTFOUND,
		    "no exchange rate %s→%s for %s: add the line '%s,%s,%s,RATE' to an "
		    "fx file and run 'fairtrack import fx FILE'",
		    from, to, m, m, from, to);
	ft_stmt_free(st);
	return rc;
}
