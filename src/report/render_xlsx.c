/*
 * render_xlsx.c — a statement as an Excel workbook, through libxlsxwriter.
 *
 * Sheets: Summary (the balance block, reserve, charges, FX rates, terms),
 * Detail (one row per statement line), By store, By territory, By track,
 * By release, History.  Money is in number cells with the statement
 * currency's format, headers are frozen, tables have autofilters, and each
 * table ends with a total row below its filter range so sorting or filtering
 * never moves the total.
 *
 * Numbers in an XLSX file are IEEE doubles by the file format.  Money never
 * comes back from them: each cell gets the PRINTED figure (already rounded
 * down to the minor unit by ft_statement_summarize / ft_statement_printed),
 * converted once, here, at the last moment, from its exact decimal text.  A
 * printed figure has at most 15 significant digits for any amount below 10^13
 * in the currency, so Excel shows it to the minor unit exactly; the Detail
 * sheet also carries each line's exact royalty as text for reconciliation.
 *
 * Reproducible: the document's creation time is the statement's `issued`
 * date (libxlsxwriter also stamps the zip entries with it), sheet order and
 * row order are fixed, so the same statement gives the same bytes.
 */
#include "report/render.h"

#include "fairtrack/ids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xlsxwriter.h>

struct book {
	lxw_workbook *wb;
	int mu;
	lxw_format *title, *bold, *head, *money, *money_bold, *money_pay, *pct, *count, *wrap,
	    *total_label, *muted;
};

/* The exact decimal text of a printed figure, parsed to the cell's binary
 * number: the one place money leaves exact arithmetic, for display in a
 * spreadsheet only; scripts/lint has to allow its two lines (RENDER.md). */
static double cell_number(ft_amount printed, int mu)
{
	char text[FT_AMOUNT_STR_MAX];

	ft_amount_format(text, sizeof(text), printed, mu);
	return strtod(text, NULL); /* cell_number: display only */
}

static void put_money(struct book *b, lxw_worksheet *ws, int row, int col, ft_amount printed,
		      lxw_format *fmt)
{
	worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, cell_number(printed, b->mu),
			       fmt ? fmt : b->money);
}

static void put_count(struct book *b, lxw_worksheet *ws, int row, int col, int64_t n)
{
	/* Counts below 2^53 are exact as a cell number. */
	worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, n, b->count);
}

static void put_text(lxw_worksheet *ws, int row, int col, const char *s, lxw_format *fmt)
{
	worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, fmt);
}

static void make_formats(struct book *b, const char *currency)
{
	char num[96], zeros[16];
	int i;

	for (i = 0; i < b->mu && i < 12; i++)
		zeros[i] = '0';
	zeros[i] = '\0';
	snprintf(num, sizeof(num), "#,##0%s%s \"%s\";-#,##0%s%s \"%s\"", b->mu ? "." : "", zeros,
		 currency, b->mu ? "." : "", zeros, currency);

	b->title = workbook_add_format(b->wb);
	format_set_bold(b->title);
	format_set_font_size(b->title, 16);
	format_set_font_color(b->title, 0x1F3A5F);
	b->bold = workbook_add_format(b->wb);
	format_set_bold(b->bold);
	b->muted = workbook_add_format(b->wb);
	format_set_font_color(b->muted, 0x666666);
	b->head = workbook_add_format(b->wb);
	format_set_bold(b->head);
	format_set_font_color(b->head, 0xFFFFFF);
	format_set_bg_color(b->head, 0x1F3A5F);
	format_set_text_wrap(b->head);
	b->money = workbook_add_format(b->wb);
	format_set_num_format(b->money, num);
	b->money_bold = workbook_add_format(b->wb);
	format_set_num_format(b->money_bold, num);
	format_set_bold(b->money_bold);
	format_set_top(b->money_bold, LXW_BORDER_THIN);
	b->money_pay = workbook_add_format(b->wb);
	format_set_num_format(b->money_pay, num);
	format_set_bold(b->money_pay);
	format_set_bg_color(b->money_pay, 0xE3F1E6);
	format_set_border(b->money_pay, LXW_BORDER_THIN);
	b->pct = workbook_add_format(b->wb);
	format_set_num_format(b->pct, "0.00##%");
	b->count = workbook_add_format(b->wb);
	format_set_num_format(b->count, "#,##0");
	b->wrap = workbook_add_format(b->wb);
	format_set_text_wrap(b->wrap);
	format_set_align(b->wrap, LXW_ALIGN_VERTICAL_TOP);
	b->total_label = workbook_add_format(b->wb);
	format_set_bold(b->total_label);
	format_set_top(b->total_label, LXW_BORDER_THIN);
}

static void summary_sheet(struct book *b, const struct ft_statement *st,
			  const struct ft_statement_summary *s)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "Summary");
	char period[FT_PERIOD_STR_MAX], words[64], text[512];
	int r = 0;
	size_t i;

	worksheet_set_column(ws, 0, 0, 58, NULL);
	worksheet_set_column(ws, 1, 1, 20, NULL);
	worksheet_set_column(ws, 2, 2, 40, NULL);
	ft_period_format(period, sizeof(period), &st->period);
	render_period_words(words, sizeof(words), &st->period);
	snprintf(text, sizeof(text), "Royalty statement — %s", st->payee_name);
	put_text(ws, r++, 0, text, b->title);
	snprintf(text, sizeof(text), "%s · %s (%s)", st->label, words, period);
	put_text(ws, r++, 0, text, b->muted);
	r++;
	{
		const char *rows[][2] = {{"Statement", st->id},	     {"Payee", st->payee_name},
					 {"Payee id", st->payee_id}, {"Account", st->account},
					 {"Period", period},	     {"Issued", st->issued},
					 {"Currency", st->currency}};
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++, r++) {
			put_text(ws, r, 0, rows[i][0], b->bold);
			put_text(ws, r, 1, rows[i][1], NULL);
		}
	}
	r++;
	put_text(ws, r, 0, "Balance", b->head);
	put_text(ws, r++, 1, st->currency, b->head);
	put_text(ws, r, 0, "Opening balance", NULL);
	put_money(b, ws, r++, 1, s->p_opening, NULL);
	put_text(ws, r, 0, "Royalties this period (sum of the Detail sheet)", NULL);
	put_money(b, ws, r++, 1, s->p_royalties, NULL);
	put_text(ws, r, 0, "    of which non-attributable income", b->muted);
	put_money(b, ws, r++, 2, s->p_non_attributable, NULL);
	put_text(ws, r, 0, "Advances charged", NULL);
	put_money(b, ws, r++, 1, -s->p_advances, NULL);
	put_text(ws, r, 0, "Recoupable costs charged", NULL);
	put_money(b, ws, r++, 1, -s->p_costs, NULL);
	put_text(ws, r, 0, "Fractions of a cent gathered from the lines above", NULL);
	put_money(b, ws, r++, 1, s->p_rounding, NULL);
	put_text(ws, r, 0, "Balance", b->total_label);
	put_money(b, ws, r++, 1, s->p_balance, b->money_bold);
	put_text(ws, r, 0, "Reserve held", NULL);
	put_money(b, ws, r++, 1, -s->p_reserve_held, NULL);
	put_text(ws, r, 0, "Payable to you", b->total_label);
	put_money(b, ws, r++, 1, s->p_payable, b->money_pay);
	put_text(ws, r, 0, "Carried forward to the next statement", NULL);
	put_money(b, ws, r++, 1, s->p_carried, NULL);
	if (s->p_to_recoup > 0) {
		put_text(ws, r, 0, "Still to recoup", b->bold);
		put_money(b, ws, r++, 1, s->p_to_recoup, NULL);
	}
	r++;
	put_text(ws, r, 0, "Reserve", b->head);
	put_text(ws, r++, 1, st->currency, b->head);
	put_text(ws, r, 0, "Held at the start of the period", NULL);
	put_money(b, ws, r++, 1, ft_statement_printed(st->reserve_held_before, b->mu), NULL);
	put_text(ws, r, 0, "Withheld this period", NULL);
	put_money(b, ws, r++, 1, s->p_reserve_withheld, NULL);
	put_text(ws, r, 0, "Released this period", NULL);
	put_money(b, ws, r++, 1, -s->p_reserve_released, NULL);
	put_text(ws, r, 0, "Held now", b->total_label);
	put_money(b, ws, r++, 1, s->p_reserve_held, b->money_bold);

	if (st->n_charges) {
		r++;
		put_text(ws, r, 0, "Advances and costs charged", b->head);
		put_text(ws, r, 1, st->currency, b->head);
		put_text(ws, r++, 2, "Date", b->head);
		for (i = 0; i < st->n_charges; i++, r++) {
			const struct ft_statement_charge *c = &st->charges[i];
			snprintf(text, sizeof(text), "%s: %s",
				 c->kind == FT_CHARGE_ADVANCE ? "Advance" : "Cost", c->description);
			put_text(ws, r, 0, text, NULL);
			put_money(b, ws, r, 1, ft_statement_printed(c->amount, b->mu), NULL);
			put_text(ws, r, 2, c->date, NULL);
		}
	}
	if (st->n_fx) {
		r++;
		put_text(ws, r, 0, "Exchange rates used", b->head);
		put_text(ws, r, 1, "Rate", b->head);
		put_text(ws, r++, 2, "Source", b->head);
		for (i = 0; i < st->n_fx; i++, r++) {
			char rate[FT_AMOUNT_STR_MAX];
			snprintf(text, sizeof(text), "1 %s = … %s", st->fx[i].from, st->fx[i].to);
			put_text(ws, r, 0, text, NULL);
			/* As text: a rate is exact and not summed. */
			ft_amount_format(rate, sizeof(rate), st->fx[i].rate, 0);
			put_text(ws, r, 1, rate, NULL);
			put_text(ws, r, 2, st->fx[i].source, NULL);
		}
	}
	if (st->non_attributable_note[0]) {
		r++;
		put_text(ws, r++, 0, "Non-attributable income", b->head);
		worksheet_set_row(ws, (lxw_row_t)r, 75, NULL);
		worksheet_merge_range(ws, (lxw_row_t)r, 0, (lxw_row_t)r, 2,
				      st->non_attributable_note, b->wrap);
		r++;
	}
	if (st->n_terms) {
		r++;
		put_text(ws, r++, 0, "Your contract in plain words", b->head);
		for (i = 0; i < st->n_terms; i++, r++) {
			worksheet_set_row(ws, (lxw_row_t)r, 30, NULL);
			worksheet_merge_range(ws, (lxw_row_t)r, 0, (lxw_row_t)r, 2, st->terms[i],
					      b->wrap);
		}
	}
}

static void detail_sheet(struct book *b, const struct ft_statement *st,
			 const struct ft_statement_summary *s)
{
	static const char *const head[] = {
	    "Track",	"ISRC", "Release", "UPC",      "Store", "Territory", "Commercial model",
	    "Use type", "Kind", "Units",   "Receipts", "Rate",	"Royalty",   "Royalty (exact)"};
	static const int widths[] = {30, 14, 28, 15, 14, 9, 16, 12, 16, 10, 13, 9, 13, 20};
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "Detail");
	size_t i, last;
	int c;

	for (c = 0; c < 14; c++) {
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
		put_text(ws, 0, c, head[c], b->head);
	}
	worksheet_freeze_panes(ws, 1, 0);
	for (i = 0; i < st->n_lines; i++) {
		const struct ft_statement_line *l = &st->lines[i];
		char exact[FT_AMOUNT_STR_MAX];
		int r = (int)i + 1;

		put_text(ws, r, 0, l->track, NULL);
		put_text(ws, r, 1, l->isrc, NULL);
		put_text(ws, r, 2, l->release, NULL);
		put_text(ws, r, 3, l->upc, NULL);
		put_text(ws, r, 4, l->store, NULL);
		put_text(ws, r, 5, l->territory, NULL);
		put_text(ws, r, 6, l->commercial_model, NULL);
		put_text(ws, r, 7, l->use_type, NULL);
		put_text(ws, r, 8, l->non_attributable ? "non-attributable" : "usage", NULL);
		put_count(b, ws, r, 9, l->units);
		put_money(b, ws, r, 10, ft_statement_printed(l->receipts, b->mu), NULL);
		/* A rate is not money: a ratio with up to 12 decimals, shown as %. */
		worksheet_write_number(ws, (lxw_row_t)r, 11, cell_number(l->rate, 12), b->pct);
		put_money(b, ws, r, 12, ft_statement_printed(l->royalty, b->mu), NULL);
		ft_amount_format(exact, sizeof(exact), l->royalty, b->mu);
		put_text(ws, r, 13, exact, b->muted);
	}
	last = st->n_lines;
	worksheet_autofilter(ws, 0, 0, (lxw_row_t)(last ? last : 1), 13);
	put_text(ws, (int)last + 2, 0, "Total", b->total_label);
	put_count(b, ws, (int)last + 2, 9, s->units);
	put_money(b, ws, (int)last + 2, 12, s->p_royalties, b->money_bold);
}

static int breakdown_sheet(struct book *b, const struct ft_statement *st, enum ft_statement_dim dim,
			   const char *name, const char *key_head, const char *label_head,
			   const struct ft_statement_summary *s, struct ft_error *err)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	struct ft_statement_group *rows;
	int col = label_head ? 1 : 0, rc;
	size_t n, i;

	if ((rc = ft_statement_breakdown(st, dim, &rows, &n, err)))
		return rc;
	worksheet_set_column(ws, 0, 0, label_head ? 16 : 24, NULL);
	if (label_head)
		worksheet_set_column(ws, 1, 1, 36, NULL);
	worksheet_set_column(ws, (lxw_col_t)(col + 1), (lxw_col_t)(col + 4), 15, NULL);
	put_text(ws, 0, 0, key_head, b->head);
	if (label_head)
		put_text(ws, 0, 1, label_head, b->head);
	put_text(ws, 0, col + 1, "Lines", b->head);
	put_text(ws, 0, col + 2, "Units", b->head);
	put_text(ws, 0, col + 3, "Receipts", b->head);
	put_text(ws, 0, col + 4, "Royalty", b->head);
	worksheet_freeze_panes(ws, 1, 0);
	for (i = 0; i < n; i++) {
		int r = (int)i + 1;
		put_text(ws, r, 0, rows[i].key, NULL);
		if (label_head)
			put_text(ws, r, 1, rows[i].label, NULL);
		put_count(b, ws, r, col + 1, (int64_t)rows[i].n_lines);
		put_count(b, ws, r, col + 2, rows[i].units);
		put_money(b, ws, r, col + 3, ft_statement_printed(rows[i].receipts, b->mu), NULL);
		put_money(b, ws, r, col + 4, rows[i].p_royalty, NULL);
	}
	worksheet_autofilter(ws, 0, 0, (lxw_row_t)(n ? n : 1), (lxw_col_t)(col + 4));
	put_text(ws, (int)n + 2, 0, "Total", b->total_label);
	put_count(b, ws, (int)n + 2, col + 2, s->units);
	put_money(b, ws, (int)n + 2, col + 4, s->p_royalties, b->money_bold);
	free(rows);
	return 0;
}

static void history_sheet(struct book *b, const struct ft_statement *st)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "History");
	char period[FT_PERIOD_STR_MAX];
	size_t i;

	worksheet_set_column(ws, 0, 1, 16, NULL);
	put_text(ws, 0, 0, "Period", b->head);
	put_text(ws, 0, 1, "Royalties", b->head);
	worksheet_freeze_panes(ws, 1, 0);
	for (i = 0; i < st->n_history; i++) {
		ft_period_format(period, sizeof(period), &st->history[i].period);
		put_text(ws, (int)i + 1, 0, period, NULL);
		put_money(b, ws, (int)i + 1, 1,
			  ft_statement_printed(st->history[i].royalties, b->mu), NULL);
	}
}

/* Midnight UTC of "YYYY-MM-DD"; a fixed date when it is missing, because 0
 * would make libxlsxwriter stamp the current time. */
static time_t issued_time(const char *issued)
{
	struct tm tm = {0};
	int y, m, d;

	render_issued_date(issued, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return timegm(&tm);
}

int ft_render_xlsx(const struct ft_statement *st, const char *path, struct ft_error *err)
{
	struct ft_statement_summary s;
	struct book b = {0};
	lxw_doc_properties props = {0};
	char tmp[4096], title[512];
	lxw_error lerr;
	int rc;

	if ((rc = ft_statement_summarize(st, &s, err)) ||
	    (rc = render_tmp_path(tmp, sizeof(tmp), path, err)))
		return rc;
	b.mu = s.minor_units;
	/* libxlsxwriter reports an unwritable file on stderr; a library must not
	 * print, so find out first, quietly. */
	{
		FILE *probe = fopen(tmp, "wb");
		if (!probe)
			return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot create: %s",
					       strerror(errno));
		fclose(probe);
	}
	b.wb = workbook_new(tmp);
	if (!b.wb)
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot create the workbook");
	snprintf(title, sizeof(title), "Royalty statement %s", st->id);
	props.title = title;
	props.author = (char *)st->label;
	props.company = (char *)st->label;
	props.subject = (char *)st->payee_name;
	props.created = issued_time(st->issued);
	workbook_set_properties(b.wb, &props);
	make_formats(&b, st->currency);

	summary_sheet(&b, st, &s);
	detail_sheet(&b, st, &s);
	if ((rc = breakdown_sheet(&b, st, FT_DIM_STORE, "By store", "Store", NULL, &s, err)) ||
	    (rc = breakdown_sheet(&b, st, FT_DIM_TERRITORY, "By territory", "Territory", NULL, &s,
				  err)) ||
	    (rc = breakdown_sheet(&b, st, FT_DIM_TRACK, "By track", "ISRC", "Track", &s, err)) ||
	    (rc = breakdown_sheet(&b, st, FT_DIM_RELEASE, "By release", "UPC", "Release", &s,
				  err))) {
		workbook_close(b.wb);
		remove(tmp);
		return rc;
	}
	history_sheet(&b, st);
	lerr = workbook_close(b.wb);
	if (lerr != LXW_NO_ERROR) {
		remove(tmp);
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot write the workbook: %s",
				       lxw_strerror(lerr));
	}
	return render_commit(tmp, path, err);
}
