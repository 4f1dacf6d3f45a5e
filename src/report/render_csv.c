/*
 * render_csv.c — a statement as two CSV files (docs/STATEMENTS.md "CSV").
 *
 *   <name>.csv          one record per statement line, in model order;
 *   <name>.summary.csv  the balance block, charges, breakdowns, FX rates,
 *                       history and terms, one record each, tagged by section.
 *
 * RFC 4180: comma-separated, a field quoted when it holds a comma, a quote, or
 * leading/trailing space, quotes doubled; UTF-8 without a byte order mark; LF
 * line ends.  A text field that a spreadsheet would run as a formula gets a
 * leading apostrophe (ft_statement_csv_text).  The model has no line breaks in its texts (the
 * builder turns them into spaces), so one record is always one line and the files read back with
 * any CSV reader, fairtrack's own ft_csv_split included.
 *
 * Money: `royalty` is the printed figure (rounded down to the minor unit) and
 * the `royalty` column sums exactly to the summary's royalties; `royalty_exact`
 * and `receipts` carry all 12 decimals for the accountant who reconciles.
 */
#include "report/render.h"

#include "fairtrack/ids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Formula injection (CWE-1236): a spreadsheet that opens a CSV runs a field
 * that starts with = + - or @ (and, in some, a tab or CR) as a formula, and
 * the texts on a statement come from reports and catalogues the label does
 * not control ("=HYPERLINK(…)" as a track title).  Such a text field gets
 * one leading apostrophe, which spreadsheets show as text; so that the rule
 * reads back without ambiguity, a text that starts with an apostrophe gets
 * one too.  A reader drops one leading apostrophe from a text field that
 * has one (docs/STATEMENTS.md).  Numbers never pass through here: a negative
 * amount stays "-12.30", a number.
 */
static bool needs_apostrophe(const char *s)
{
	return s[0] && strchr("=+-@\t\r'", s[0]) != NULL;
}

void ft_statement_csv_text(FILE *f, const char *s)
{
	size_t len = strlen(s);
	bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
	const char *p;

	for (p = s; *p && !quote; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
			quote = true;
	if (!quote) {
		if (needs_apostrophe(s))
			fputc('\'', f);
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (needs_apostrophe(s))
		fputc('\'', f);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void put_text(FILE *f, const char *s)
{
	ft_statement_csv_text(f, s);
}

static void put_amount(FILE *f, ft_amount a, int min_frac)
{
	char buf[FT_AMOUNT_STR_MAX];

	ft_amount_format(buf, sizeof(buf), a, min_frac);
	fputs(buf, f);
}

static const char detail_header[] =
    "statement,currency,line,track,isrc,release,upc,store,territory,commercial_model,"
    "use_type,kind,units,receipts,rate,royalty,royalty_exact\n";

int ft_render_csv_lines(const struct ft_statement *st, FILE *f, struct ft_error *err)
{
	int mu = ft_currency_minor_units(st->currency);
	size_t i;

	if (mu < 0)
		return ft_error_set(err, FT_EINVAL, "statement %s: unknown currency '%s'", st->id,
				    st->currency);
	fputs(detail_header, f);
	for (i = 0; i < st->n_lines; i++) {
		const struct ft_statement_line *l = &st->lines[i];

		put_text(f, st->id);
		fprintf(f, ",%s,%zu,", st->currency, i + 1);
		put_text(f, l->track);
		fputc(',', f);
		put_text(f, l->isrc);
		fputc(',', f);
		put_text(f, l->release);
		fputc(',', f);
		put_text(f, l->upc);
		fputc(',', f);
		put_text(f, l->store);
		fputc(',', f);
		put_text(f, l->territory);
		fputc(',', f);
		put_text(f, l->commercial_model);
		fputc(',', f);
		put_text(f, l->use_type);
		fprintf(f, ",%s,%lld,", l->non_attributable ? "non-attributable" : "usage",
			(long long)l->units);
		put_amount(f, l->receipts, mu);
		fputc(',', f);
		put_amount(f, l->rate, 0);
		fputc(',', f);
		put_amount(f, ft_statement_printed(l->royalty, mu), mu);
		fputc(',', f);
		put_amount(f, l->royalty, mu);
		fputc('\n', f);
	}
	return ferror(f) ? ft_error_set(err, FT_EIO, "statement %s: write error", st->id) : 0;
}

/* section,key,label,units,receipts,amount */
static void row(FILE *f, const char *section, const char *key, const char *label)
{
	fprintf(f, "%s,", section);
	put_text(f, key);
	fputc(',', f);
	put_text(f, label);
	fputc(',', f);
}

static void money_row(FILE *f, const char *key, const char *label, ft_amount amount, int mu)
{
	row(f, "balance", key, label);
	fputs(",,", f);
	put_amount(f, amount, mu);
	fputc('\n', f);
}

static int breakdown_rows(FILE *f, const struct ft_statement *st, enum ft_statement_dim dim, int mu,
			  struct ft_error *err)
{
	struct ft_statement_group *rows;
	size_t n, i;
	int rc;

	if ((rc = ft_statement_breakdown(st, dim, &rows, &n, err)))
		return rc;
	for (i = 0; i < n; i++) {
		row(f, ft_statement_dim_name(dim), rows[i].key, rows[i].label);
		fprintf(f, "%lld,", (long long)rows[i].units);
		put_amount(f, rows[i].receipts, mu);
		fputc(',', f);
		put_amount(f, rows[i].p_royalty, mu);
		fputc('\n', f);
	}
	free(rows);
	return 0;
}

int ft_render_csv_summary(const struct ft_statement *st, FILE *f, struct ft_error *err)
{
	struct ft_statement_summary s;
	char period[FT_PERIOD_STR_MAX], key[32];
	int rc, d;
	size_t i;

	if ((rc = ft_statement_summarize(st, &s, err)))
		return rc;
	ft_period_format(period, sizeof(period), &st->period);
	fputs("section,key,label,units,receipts,amount\n", f);
	row(f, "statement", "id", st->id);
	fputs(",,\n", f);
	row(f, "statement", "label", st->label);
	fputs(",,\n", f);
	row(f, "statement", "payee_id", st->payee_id);
	fputs(",,\n", f);
	row(f, "statement", "payee_name", st->payee_name);
	fputs(",,\n", f);
	row(f, "statement", "account", st->account);
	fputs(",,\n", f);
	row(f, "statement", "period", period);
	fputs(",,\n", f);
	row(f, "statement", "issued", st->issued);
	fputs(",,\n", f);
	row(f, "statement", "currency", st->currency);
	fputs(",,\n", f);

	/* Signed as they count: opening..rounding add up to balance. */
	money_row(f, "opening", "Opening balance", s.p_opening, s.minor_units);
	money_row(f, "royalties", "Royalties this period", s.p_royalties, s.minor_units);
	money_row(f, "advances", "Advances charged", -s.p_advances, s.minor_units);
	money_row(f, "costs", "Recoupable costs charged", -s.p_costs, s.minor_units);
	money_row(f, "rounding", "Fractions of a cent gathered from the lines above", s.p_rounding,
		  s.minor_units);
	money_row(f, "balance", "Balance", s.p_balance, s.minor_units);
	money_row(f, "non_attributable", "of which non-attributable income (in royalties)",
		  s.p_non_attributable, s.minor_units);
	money_row(f, "reserve_withheld", "Reserve withheld this period", s.p_reserve_withheld,
		  s.minor_units);
	money_row(f, "reserve_released", "Reserve released this period", s.p_reserve_released,
		  s.minor_units);
	money_row(f, "reserve_held", "Reserve held", s.p_reserve_held, s.minor_units);
	money_row(f, "payable", "Payable", s.p_payable, s.minor_units);
	money_row(f, "carried_forward", "Carried forward to the next statement", s.p_carried,
		  s.minor_units);
	money_row(f, "carried_fraction", "Fraction below one minor unit, carried forward",
		  s.carried_fraction, 0);
	money_row(f, "to_recoup", "Still to recoup", s.p_to_recoup, s.minor_units);

	for (i = 0; i < st->n_charges; i++) {
		const struct ft_statement_charge *c = &st->charges[i];
		row(f, c->kind == FT_CHARGE_ADVANCE ? "advance" : "cost", c->date, c->description);
		fputs(",,", f);
		put_amount(f, ft_statement_printed(c->amount, s.minor_units), s.minor_units);
		fputc('\n', f);
	}
	for (d = 0; d < FT_DIM_COUNT; d++)
		if ((rc = breakdown_rows(f, st, (enum ft_statement_dim)d, s.minor_units, err)))
			return rc;
	for (i = 0; i < st->n_fx; i++) {
		snprintf(key, sizeof(key), "%s/%s", st->fx[i].from, st->fx[i].to);
		row(f, "fx", key, st->fx[i].source);
		fputs(",,", f);
		put_amount(f, st->fx[i].rate, 0);
		fputc('\n', f);
	}
	for (i = 0; i < st->n_history; i++) {
		ft_period_format(key, sizeof(key), &st->history[i].period);
		row(f, "history", key, "Royalties");
		fputs(",,", f);
		put_amount(f, ft_statement_printed(st->history[i].royalties, s.minor_units),
			   s.minor_units);
		fputc('\n', f);
	}
	if (st->non_attributable_note[0]) {
		row(f, "note", "non_attributable", st->non_attributable_note);
		fputs(",,\n", f);
	}
	for (i = 0; i < st->n_terms; i++) {
		snprintf(key, sizeof(key), "%zu", i + 1);
		row(f, "term", key, st->terms[i]);
		fputs(",,\n", f);
	}
	return ferror(f) ? ft_error_set(err, FT_EIO, "statement %s: write error", st->id) : 0;
}

typedef int (*part_fn)(const struct ft_statement *, FILE *, struct ft_error *);

static int write_part(const struct ft_statement *st, const char *path, part_fn fn,
		      struct ft_error *err)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if ((rc = render_tmp_path(tmp, sizeof(tmp), path, err)))
		return rc;
	f = fopen(tmp, "wb");
	if (!f)
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot create: %s",
				       strerror(errno));
	rc = fn(st, f, err);
	if (fclose(f) != 0 && rc == 0)
		rc = ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot write: %s",
				     strerror(errno));
	if (rc) {
		remove(tmp);
		return rc;
	}
	return render_commit(tmp, path, err);
}

int ft_render_csv(const struct ft_statement *st, const char *path, struct ft_error *err)
{
	char summary[4096];
	size_t len = strlen(path);
	int rc, n;

	if (len >= 4 && strcmp(path + len - 4, ".csv") == 0)
		len -= 4;
	n = snprintf(summary, sizeof(summary), "%.*s.summary.csv", (int)len, path);
	if (n < 0 || (size_t)n >= sizeof(summary))
		return ft_error_set(err, FT_EUSAGE, "%s: path too long for a statement file", path);
	if ((rc = write_part(st, path, ft_render_csv_lines, err)))
		return rc;
	return write_part(st, summary, ft_render_csv_summary, err);
}
