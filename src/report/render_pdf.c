/*
 * render_pdf.c — the artist's statement as a PDF, through cairo and Pango.
 *
 *   page 1      at a glance: what is paid, how the balance got there, and four
 *               charts (earnings over the last periods, by store, by
 *               territory — top ten and the rest —, top tracks);
 *   pages 2..   how it was calculated: the balance in full, the charges, the
 *               reserve, non-attributable income and how it was shared, the
 *               contract in plain words, the exchange rates, the releases;
 *   then        every statement line, grouped by track with its subtotal,
 *               under a running header, ending with the total that page 1
 *               shows as "Royalties earned".
 * Every page carries "Page n of N": a first pass measures (draw.h dry mode)
 * to count the pages, a second draws.
 *
 * All figures come from ft_statement_summarize and ft_statement_breakdown, so
 * the PDF states the same printed amounts as the CSV and the workbook, and a
 * total is always the sum of the printed lines above it.
 *
 * Reproducible: cairo's document dates are set from the statement's `issued`
 * date, hinting is off (draw.c), and everything is drawn in a fixed order, so
 * the same statement on the same fonts gives the same bytes.  Fonts are
 * embedded (subset) by cairo.
 */
#include "report/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>

#include "fairtrack/ids.h"
#include "fairtrack/version.h"
#include "report/chart.h"
#include "report/draw.h"

#define PAGE_W 595.28 /* A4, points */
#define PAGE_H 841.89
#define MARGIN 42.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BODY_TOP 78.0
#define BODY_BOTTOM (PAGE_H - 58.0)
#define MAX_RULES 128 /* rows on a page: (BODY_BOTTOM − BODY_TOP) / ROW_H < 70 */

struct pdf {
	struct draw d;
	const struct ft_statement *st;
	struct ft_statement_summary s;
	char period_words[64];
	char period_code[FT_PERIOD_STR_MAX];
	int page;  /* the page being drawn, 1-based */
	int pages; /* the total, from the measuring pass */
	double y;
	cairo_surface_t *surface;
	double rules[MAX_RULES]; /* detail row rules waiting for end_page */
	size_t n_rules;
};

/* ---- pages ------------------------------------------------------------------ */

static void footer(struct pdf *p)
{
	char text[512];

	draw_hline(&p->d, MARGIN, PAGE_H - 44, CONTENT_W, 0.5, COLOUR_RULE);
	snprintf(text, sizeof(text), "%s · %s · %s · amounts in %s, rounded down", p->st->label,
		 p->st->id, p->st->payee_name, p->st->currency);
	draw_text(&p->d, MARGIN, PAGE_H - 38, CONTENT_W - 80, FONT_TINY, ALIGN_LEFT, COLOUR_MUTED,
		  text);
	snprintf(text, sizeof(text), "Page %d of %d", p->page, p->pages);
	draw_text(&p->d, MARGIN + CONTENT_W - 80, PAGE_H - 38, 80, FONT_TINY, ALIGN_RIGHT,
		  COLOUR_MUTED, text);
}

static void stroke_rules(struct pdf *p)
{
	size_t i;

	if (p->n_rules == 0)
		return;
	draw_flush(&p->d);
	draw_colour(&p->d, 0xE5E7EB);
	cairo_set_line_width(p->d.cr, 0.25);
	for (i = 0; i < p->n_rules; i++) {
		cairo_move_to(p->d.cr, MARGIN, p->rules[i]);
		cairo_line_to(p->d.cr, MARGIN + CONTENT_W, p->rules[i]);
	}
	cairo_stroke(p->d.cr);
	p->n_rules = 0;
}

static void end_page(struct pdf *p)
{
	footer(p);
	stroke_rules(p);
	draw_flush(&p->d);
	if (!p->d.dry)
		cairo_show_page(p->d.cr);
}

/* A page after the first: the running header, and p->y below it. */
static void begin_page(struct pdf *p, const char *section)
{
	char text[512];

	p->page++;
	snprintf(text, sizeof(text), "%s — royalty statement for %s, %s", p->st->label,
		 p->st->payee_name, p->period_words);
	draw_text(&p->d, MARGIN, 34, CONTENT_W - 150, FONT_SMALL, ALIGN_LEFT, COLOUR_MUTED, text);
	draw_text(&p->d, MARGIN + CONTENT_W - 150, 34, 150, FONT_SMALL_BOLD, ALIGN_RIGHT,
		  COLOUR_NAVY, section);
	draw_hline(&p->d, MARGIN, 48, CONTENT_W, 0.8, COLOUR_NAVY);
	p->y = BODY_TOP - 20;
}

/* Room for h more points on this page, or a new page. */
static void need(struct pdf *p, double h, const char *section)
{
	if (p->y + h <= BODY_BOTTOM)
		return;
	end_page(p);
	begin_page(p, section);
}

static void money_text(struct pdf *p, char *buf, size_t cap, ft_amount amount)
{
	draw_money(&p->d, buf, cap, amount);
}

/* ---- page 1 ----------------------------------------------------------------- */

struct balance_row {
	ft_amount amount;
	const char *label;
	int style; /* 0 plain, 1 subtotal, 2 the payable, 3 muted */
};

static size_t balance_rows(const struct pdf *p, struct balance_row *rows)
{
	const struct ft_statement_summary *s = &p->s;
	size_t n = 0;

	rows[n++] = (struct balance_row){s->p_opening, "Balance brought forward", 0};
	rows[n++] = (struct balance_row){s->p_royalties, "Royalties earned", 0};
	if (s->p_advances)
		rows[n++] = (struct balance_row){-s->p_advances, "Advances", 0};
	if (s->p_costs)
		rows[n++] = (struct balance_row){-s->p_costs, "Recoupable costs", 0};
	if (s->p_rounding)
		rows[n++] = (struct balance_row){s->p_rounding, "Cent fractions gathered", 0};
	rows[n++] = (struct balance_row){s->p_balance, "Balance", 1};
	/* The reserve only stands between the balance and the payment when
	 * something is paid; otherwise the block reads balance → carried. */
	if (s->p_reserve_held && s->p_payable > 0)
		rows[n++] = (struct balance_row){-s->p_reserve_held, "Held in reserve", 0};
	rows[n++] = (struct balance_row){s->p_payable, "Paid to you", 2};
	rows[n++] = (struct balance_row){s->p_carried, "Carried forward", 3};
	return n;
}

static void headline(struct pdf *p, double y)
{
	const struct ft_statement_summary *s = &p->s;
	char amount[96], text[768], royalties[96], units[32];
	struct balance_row rows[10];
	double bx = MARGIN + 262, bw = CONTENT_W - 262, ry;
	size_t n, i;

	draw_round_rect(&p->d, MARGIN, y, 248, 156, 8,
			s->p_payable > 0 ? COLOUR_GREEN_BG : COLOUR_BAND);
	money_text(p, amount, sizeof(amount), s->p_payable);
	money_text(p, royalties, sizeof(royalties), s->p_royalties);
	ft_statement_money(units, sizeof(units), (ft_amount)s->units * FT_AMOUNT_ONE, 0);
	if (s->p_payable > 0) {
		draw_text(&p->d, MARGIN + 16, y + 16, 220, FONT_BODY_BOLD, ALIGN_LEFT, COLOUR_GREEN,
			  "Paid to you this period");
		draw_text(&p->d, MARGIN + 16, y + 32, 220, FONT_HUGE, ALIGN_LEFT, COLOUR_GREEN,
			  amount);
		snprintf(text, sizeof(text),
			 "for %s. You earned %s in royalties from %s streams and downloads.",
			 p->period_words, royalties, units);
	} else {
		draw_text(&p->d, MARGIN + 16, y + 16, 220, FONT_BODY_BOLD, ALIGN_LEFT, COLOUR_NAVY,
			  "Nothing to pay this period");
		draw_text(&p->d, MARGIN + 16, y + 32, 220, FONT_HUGE, ALIGN_LEFT, COLOUR_NAVY,
			  amount);
		snprintf(text, sizeof(text),
			 "You earned %s in royalties in %s from %s streams and downloads; they "
			 "went to recouping your account.",
			 royalties, p->period_words, units);
	}
	ry = y + 76;
	ry += draw_para(&p->d, MARGIN + 16, ry, 216, FONT_SMALL, COLOUR_INK, text) + 4;
	if (s->p_to_recoup > 0) {
		money_text(p, amount, sizeof(amount), s->p_to_recoup);
		snprintf(text, sizeof(text), "Still to recoup before royalties are paid: %s.",
			 amount);
		draw_para(&p->d, MARGIN + 16, ry, 216, FONT_SMALL_BOLD, COLOUR_RED, text);
	} else if (s->p_payable > 0) {
		draw_para(&p->d, MARGIN + 16, ry, 216, FONT_SMALL, COLOUR_MUTED,
			  "Your advances are fully recouped.");
	}

	draw_text(&p->d, bx, y + 2, bw, FONT_BODY_BOLD, ALIGN_LEFT, COLOUR_NAVY,
		  "How we got there");
	n = balance_rows(p, rows);
	ry = y + 22;
	for (i = 0; i < n; i++) {
		enum draw_font f =
		    rows[i].style == 1 || rows[i].style == 2 ? FONT_BODY_BOLD : FONT_BODY;
		uint32_t c = rows[i].style == 2	  ? COLOUR_GREEN
			     : rows[i].style == 3 ? COLOUR_MUTED
						  : COLOUR_INK;
		if (rows[i].style == 1 || rows[i].style == 2)
			draw_hline(&p->d, bx, ry - 1.5, bw, rows[i].style == 2 ? 1.2 : 0.6,
				   rows[i].style == 2 ? COLOUR_GREEN : COLOUR_MUTED);
		draw_text(&p->d, bx, ry + 1, bw - 90, f, ALIGN_LEFT, c, rows[i].label);
		money_text(p, amount, sizeof(amount), rows[i].amount);
		draw_text(&p->d, bx + bw - 90, ry + 1, 90, f, ALIGN_RIGHT, c, amount);
		ry += rows[i].style ? 15 : 13.5;
	}
}

static const char *territory_name(const char *code)
{
	static const char *const names[][2] = {
	    {"AE", "United Arab Emirates"},
	    {"AR", "Argentina"},
	    {"AT", "Austria"},
	    {"AU", "Australia"},
	    {"BE", "Belgium"},
	    {"BR", "Brazil"},
	    {"CA", "Canada"},
	    {"CH", "Switzerland"},
	    {"CL", "Chile"},
	    {"CN", "China"},
	    {"CO", "Colombia"},
	    {"CZ", "Czechia"},
	    {"DE", "Germany"},
	    {"DK", "Denmark"},
	    {"ES", "Spain"},
	    {"FI", "Finland"},
	    {"FR", "France"},
	    {"GB", "United Kingdom"},
	    {"GR", "Greece"},
	    {"IE", "Ireland"},
	    {"IL", "Israel"},
	    {"IN", "India"},
	    {"IT", "Italy"},
	    {"JP", "Japan"},
	    {"KR", "South Korea"},
	    {"MX", "Mexico"},
	    {"NL", "Netherlands"},
	    {"NO", "Norway"},
	    {"NZ", "New Zealand"},
	    {"PL", "Poland"},
	    {"PT", "Portugal"},
	    {"SE", "Sweden"},
	    {"TR", "Türkiye"},
	    {"US", "United States"},
	    {"WW", "Worldwide"},
	    {"ZA", "South Africa"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], code) == 0)
			return names[i][1];
	return code;
}

/* One chart of a breakdown: the top `keep` rows and the rest. */
static int breakdown_chart(struct pdf *p, double x, double y, double w, double h,
			   enum ft_statement_dim dim, size_t keep, const char *title,
			   const char *rest_noun, struct ft_error *err)
{
	struct ft_statement_group *rows;
	struct chart_bar bars[16];
	char rest_label[64], labels[16][64];
	size_t n, i, others;
	int rc;

	if ((rc = ft_statement_breakdown(p->st, dim, &rows, &n, err)))
		return rc;
	others = n > keep + 1 ? n - keep : 0;
	snprintf(rest_label, sizeof(rest_label), "%zu other %s", others, rest_noun);
	n = ft_statement_top(rows, n, keep, rest_label);
	for (i = 0; i < n && i < 16; i++) {
		memset(&bars[i], 0, sizeof(bars[i]));
		if (dim == FT_DIM_TERRITORY && !rows[i].rest) {
			snprintf(labels[i], sizeof(labels[i]), "%s %s", rows[i].key,
				 territory_name(rows[i].key));
			bars[i].label = labels[i];
		} else {
			bars[i].label = rows[i].label;
		}
		bars[i].value = rows[i].p_royalty;
		bars[i].rest = rows[i].rest;
	}
	chart_hbars(&p->d, x, y, w, h, title, bars, i);
	free(rows);
	return 0;
}

static void history_chart(struct pdf *p, double x, double y, double w, double h)
{
	struct chart_bar bars[12];
	char labels[12][FT_PERIOD_STR_MAX], title[128];
	size_t first = p->st->n_history > 12 ? p->st->n_history - 12 : 0, i, n = 0;

	for (i = first; i < p->st->n_history; i++, n++) {
		const struct ft_statement_history *h_ = &p->st->history[i];
		char *dash;

		ft_period_format(labels[n], sizeof(labels[n]), &h_->period);
		memset(&bars[n], 0, sizeof(bars[n]));
		/* "2025-Q4" as "Q4" over "2025": narrow columns stay legible. */
		dash = strchr(labels[n], '-');
		if (dash) {
			*dash = '\0';
			bars[n].label = dash + 1;
			bars[n].sublabel = labels[n];
		} else {
			bars[n].label = labels[n];
		}
		bars[n].highlight = h_->period.first == p->st->period.first &&
				    h_->period.months == p->st->period.months;
		/* This period's column is the printed total (the sum of the lines),
		 * not the floor of the exact one: the page states one figure. */
		bars[n].value = bars[n].highlight
				    ? p->s.p_royalties
				    : ft_statement_printed(h_->royalties, p->s.minor_units);
	}
	if (n > 1)
		snprintf(title, sizeof(title), "Your royalties, last %zu periods (%s)", n,
			 p->d.currency_symbol);
	else
		snprintf(title, sizeof(title), "Your royalties over time (%s)",
			 p->d.currency_symbol);
	chart_columns(&p->d, x, y, w, h, title, bars, n);
}

static int summary_page(struct pdf *p, struct ft_error *err)
{
	const struct ft_statement *st = p->st;
	double cw = (CONTENT_W - 24) / 2, ch = 212, y1 = 310, y2 = y1 + ch + 20;
	char text[512];
	int rc;

	p->page = 1;
	draw_rect(&p->d, 0, 0, PAGE_W, 6, COLOUR_NAVY);
	/* The statement number in full (it is what a payee quotes when they
	 * ask about it): its line above the title has room to the left. */
	draw_text(&p->d, MARGIN, 26, CONTENT_W - 340, FONT_SMALL_BOLD, ALIGN_LEFT, COLOUR_MUTED,
		  st->label);
	snprintf(text, sizeof(text), "Statement %s", st->id);
	draw_text(&p->d, MARGIN + CONTENT_W - 330, 26, 330, FONT_SMALL, ALIGN_RIGHT, COLOUR_MUTED,
		  text);
	snprintf(text, sizeof(text), "Issued %s", st->issued);
	draw_text(&p->d, MARGIN + CONTENT_W - 200, 37, 200, FONT_SMALL, ALIGN_RIGHT, COLOUR_MUTED,
		  text);
	draw_text(&p->d, MARGIN, 40, CONTENT_W - 200, FONT_TITLE, ALIGN_LEFT, COLOUR_NAVY,
		  "Royalty statement");
	draw_text(&p->d, MARGIN, 76, CONTENT_W, FONT_NAME, ALIGN_LEFT, COLOUR_INK, st->payee_name);
	snprintf(text, sizeof(text), "%s (%s) · account %s · amounts in %s", p->period_words,
		 p->period_code, st->account, st->currency);
	draw_text(&p->d, MARGIN, 99, CONTENT_W, FONT_BODY, ALIGN_LEFT, COLOUR_MUTED, text);

	headline(p, 126);
	history_chart(p, MARGIN, y1, cw, ch);
	if ((rc = breakdown_chart(p, MARGIN + cw + 24, y1, cw, ch, FT_DIM_STORE, 7,
				  "Where your royalties came from: stores", "stores", err)) ||
	    (rc = breakdown_chart(p, MARGIN, y2, cw, ch, FT_DIM_TERRITORY, 10,
				  "Territories: top ten and the rest", "territories", err)) ||
	    (rc = breakdown_chart(p, MARGIN + cw + 24, y2, cw, ch, FT_DIM_TRACK, 10,
				  "Your top tracks", "tracks", err)))
		return rc;
	draw_para(&p->d, MARGIN, y2 + ch + 10, CONTENT_W, FONT_TINY, COLOUR_MUTED,
		  "Every amount is rounded down to the cent; the fractions stay in your balance. "
		  "The next page explains each figure; the pages after it list every line.");
	end_page(p);
	return 0;
}

/* ---- how it was calculated --------------------------------------------------- */

static const char *const explain_section = "How it was calculated";

static void heading(struct pdf *p, const char *text)
{
	need(p, 44, explain_section);
	p->y += 10;
	draw_text(&p->d, MARGIN, p->y, CONTENT_W, FONT_H2, ALIGN_LEFT, COLOUR_NAVY, text);
	p->y += 20;
}

static void amount_row(struct pdf *p, double indent, const char *label, ft_amount amount,
		       enum draw_font font, uint32_t colour, bool rule)
{
	char money[96];
	double w = CONTENT_W;

	need(p, 14, explain_section);
	if (rule)
		draw_hline(&p->d, MARGIN + indent, p->y - 1, w - indent, 0.6, COLOUR_MUTED);
	draw_text(&p->d, MARGIN + indent, p->y + 1, w - indent - 100, font, ALIGN_LEFT, colour,
		  label);
	money_text(p, money, sizeof(money), amount);
	draw_text(&p->d, MARGIN + w - 100, p->y + 1, 100, font, ALIGN_RIGHT, colour, money);
	p->y += 13.5;
}

static void para(struct pdf *p, double indent, enum draw_font font, uint32_t colour,
		 const char *text)
{
	double h;
	bool dry = p->d.dry;

	/* Measure first so a paragraph never splits across pages. */
	p->d.dry = true;
	h = draw_para(&p->d, MARGIN + indent, p->y, CONTENT_W - indent, font, colour, text);
	p->d.dry = dry;
	need(p, h + 3, explain_section);
	draw_para(&p->d, MARGIN + indent, p->y, CONTENT_W - indent, font, colour, text);
	p->y += h + 3;
}

static void bullet(struct pdf *p, const char *text)
{
	double h;
	bool dry = p->d.dry;

	p->d.dry = true;
	h = draw_para(&p->d, MARGIN + 12, p->y, CONTENT_W - 12, FONT_BODY, COLOUR_INK, text);
	p->d.dry = dry;
	need(p, h + 3, explain_section);
	draw_text(&p->d, MARGIN + 2, p->y, 10, FONT_BODY, ALIGN_LEFT, COLOUR_NAVY, "•");
	draw_para(&p->d, MARGIN + 12, p->y, CONTENT_W - 12, FONT_BODY, COLOUR_INK, text);
	p->y += h + 3;
}

static int explain_pages(struct pdf *p, struct ft_error *err)
{
	const struct ft_statement *st = p->st;
	const struct ft_statement_summary *s = &p->s;
	struct ft_statement_group *rows;
	char text[1024], money[96];
	size_t i, n;
	int rc;

	begin_page(p, explain_section);
	heading(p, "Your balance in full");
	amount_row(p, 0, "Balance brought forward from the last statement", s->p_opening, FONT_BODY,
		   COLOUR_INK, false);
	amount_row(p, 0, "Royalties earned this period (the detail pages add up to it)",
		   s->p_royalties, FONT_BODY, COLOUR_INK, false);
	if (s->p_non_attributable)
		amount_row(p, 14, "of which your share of non-attributable income",
			   s->p_non_attributable, FONT_SMALL, COLOUR_MUTED, false);
	for (i = 0; i < st->n_charges; i++) {
		const struct ft_statement_charge *c = &st->charges[i];
		snprintf(text, sizeof(text), "%s, %s: %s",
			 c->kind == FT_CHARGE_ADVANCE ? "Advance" : "Recoupable cost", c->date,
			 c->description);
		amount_row(p, 0, text, -ft_statement_printed(c->amount, s->minor_units), FONT_BODY,
			   COLOUR_INK, false);
	}
	amount_row(p, 0, "Fractions of a cent gathered from the lines above", s->p_rounding,
		   FONT_BODY, COLOUR_INK, false);
	amount_row(p, 0, "Balance", s->p_balance, FONT_BODY_BOLD, COLOUR_INK, true);
	if (s->p_payable > 0 && s->p_reserve_held)
		amount_row(p, 0, "Reserve held back (see below)", -s->p_reserve_held, FONT_BODY,
			   COLOUR_INK, false);
	amount_row(p, 0, "Paid to you", s->p_payable, FONT_BODY_BOLD, COLOUR_GREEN, true);
	amount_row(p, 0, "Carried forward to your next statement", s->p_carried, FONT_BODY,
		   COLOUR_INK, false);
	{
		char frac[FT_AMOUNT_STR_MAX];
		ft_amount_format(frac, sizeof(frac), s->carried_fraction, 0);
		snprintf(text, sizeof(text),
			 "Every amount is rounded down to the cent. The cent fractions of the "
			 "lines are gathered on their own line above, so each column adds up "
			 "exactly; what is left below one cent (%s %s) stays in your balance and "
			 "is paid when it adds up.",
			 frac, st->currency);
		p->y += 4;
		para(p, 0, FONT_SMALL, COLOUR_MUTED, text);
	}

	/* A reserve section of zeros says nothing to an artist whose contract
	 * holds no reserve. */
	if (st->reserve_held_before || st->reserve_withheld || st->reserve_released) {
		heading(p, "Reserve");
		amount_row(p, 0, "Held when the period began",
			   ft_statement_printed(st->reserve_held_before, s->minor_units), FONT_BODY,
			   COLOUR_INK, false);
		amount_row(p, 0, "Held back from this period's royalties", s->p_reserve_withheld,
			   FONT_BODY, COLOUR_INK, false);
		amount_row(p, 0, "Released to you this period", -s->p_reserve_released, FONT_BODY,
			   COLOUR_INK, false);
		amount_row(p, 0, "Held now", s->p_reserve_held, FONT_BODY_BOLD, COLOUR_INK, true);
	}

	if (s->p_non_attributable || st->non_attributable_note[0]) {
		heading(p, "Income that belongs to no single track");
		para(p, 0, FONT_BODY, COLOUR_INK, st->non_attributable_note);
		money_text(p, money, sizeof(money), s->p_non_attributable);
		snprintf(text, sizeof(text),
			 "Your share: %s, on the lines marked “non-attributable” at the end of "
			 "the detail pages.",
			 money);
		para(p, 0, FONT_BODY_BOLD, COLOUR_INK, text);
	}

	if (st->n_terms) {
		heading(p, "Your contract in plain words");
		for (i = 0; i < st->n_terms; i++) {
			bullet(p, st->terms[i]);
		}
	}

	if (st->n_fx) {
		heading(p, "Exchange rates used");
		for (i = 0; i < st->n_fx; i++) {
			char rate[FT_AMOUNT_STR_MAX];
			need(p, 13, explain_section);
			ft_amount_format(rate, sizeof(rate), st->fx[i].rate, 0);
			snprintf(text, sizeof(text), "1 %s = %s %s", st->fx[i].from, rate,
				 st->fx[i].to);
			draw_text(&p->d, MARGIN, p->y, 170, FONT_BODY, ALIGN_LEFT, COLOUR_INK,
				  text);
			draw_text(&p->d, MARGIN + 175, p->y, CONTENT_W - 175, FONT_SMALL,
				  ALIGN_LEFT, COLOUR_MUTED, st->fx[i].source);
			p->y += 13;
		}
	}

	if ((rc = ft_statement_breakdown(st, FT_DIM_RELEASE, &rows, &n, err)))
		return rc;
	if (n) {
		/* A short table stays on one page with its total. */
		if (n < 40)
			need(p, 44 + 13.5 * (double)(n + 1), explain_section);
		heading(p, "Royalties by release");
		for (i = 0; i < n; i++) {
			snprintf(text, sizeof(text), "%s  (%s)", rows[i].label, rows[i].key);
			amount_row(p, 0, text, rows[i].p_royalty, FONT_BODY, COLOUR_INK, false);
		}
		amount_row(p, 0, "Total", s->p_royalties, FONT_BODY_BOLD, COLOUR_INK, true);
	}
	free(rows);
	/* The last explanation page stays open: the detail starts on it when
	 * there is room (detail_pages). */
	return 0;
}

/* ---- detail -------------------------------------------------------------------- */

static const char *const detail_section = "Every line";

static const struct {
	const char *head;
	double w;
	enum draw_align align;
} cols[] = {
    {"Store", 104, ALIGN_LEFT}, {"Territory", 44, ALIGN_LEFT}, {"Model", 82, ALIGN_LEFT},
    {"Use", 78, ALIGN_LEFT},	{"Units", 48, ALIGN_RIGHT},    {"Receipts", 56, ALIGN_RIGHT},
    {"Rate", 41, ALIGN_RIGHT},	{"Royalty", 58, ALIGN_RIGHT},
};
#define N_COLS (sizeof(cols) / sizeof(cols[0]))
#define ROW_H 11.5
#define GROUP_H 17.0

static void detail_columns(struct pdf *p)
{
	double x = MARGIN;
	size_t c;

	draw_rect(&p->d, MARGIN, p->y, CONTENT_W, 14, COLOUR_NAVY);
	for (c = 0; c < N_COLS; c++) {
		draw_text(&p->d, x + 3, p->y + 2.5, cols[c].w - 6, FONT_SMALL_BOLD, cols[c].align,
			  0xFFFFFF, cols[c].head);
		x += cols[c].w;
	}
	p->y += 17;
}

static void detail_page(struct pdf *p)
{
	begin_page(p, detail_section);
	detail_columns(p);
}

static bool same_group(const struct ft_statement_line *a, const struct ft_statement_line *b)
{
	/* Non-attributable lines form one group of their own: one row a track. */
	if (a->non_attributable || b->non_attributable)
		return a->non_attributable && b->non_attributable;
	return strcmp(a->isrc, b->isrc) == 0 && strcmp(a->track, b->track) == 0;
}

static void group_header(struct pdf *p, const struct ft_statement_line *l, ft_amount subtotal,
			 bool continued)
{
	char text[512], money[96];
	double tw;

	draw_rect(&p->d, MARGIN, p->y + 1, CONTENT_W, GROUP_H - 3, COLOUR_BAND);
	if (l->non_attributable) {
		tw = draw_text(&p->d, MARGIN + 3, p->y + 3, 250, FONT_BODY_BOLD, ALIGN_LEFT,
			       COLOUR_NAVY, "Non-attributable income");
		snprintf(text, sizeof(text), "your share, track by track (page 2 says how)%s",
			 continued ? " (continued)" : "");
	} else {
		tw = draw_text(&p->d, MARGIN + 3, p->y + 3, 250, FONT_BODY_BOLD, ALIGN_LEFT,
			       COLOUR_INK, l->track[0] ? l->track : l->isrc);
		snprintf(text, sizeof(text), "%s%s%s%s", l->isrc, l->release[0] ? " · " : "",
			 l->release, continued ? " (continued)" : "");
	}
	draw_text(&p->d, MARGIN + 3 + tw + 8, p->y + 4.5, CONTENT_W - tw - 90, FONT_SMALL,
		  ALIGN_LEFT, COLOUR_MUTED, text);
	money_text(p, money, sizeof(money), subtotal);
	draw_text(&p->d, MARGIN + CONTENT_W - 90, p->y + 3, 87, FONT_BODY_BOLD, ALIGN_RIGHT,
		  COLOUR_INK, money);
	p->y += GROUP_H;
}

static void detail_row(struct pdf *p, const struct ft_statement_line *l)
{
	char cells[N_COLS][96];
	double x = MARGIN;
	size_t c;

	snprintf(cells[0], sizeof(cells[0]), "%s", l->store);
	snprintf(cells[1], sizeof(cells[1]), "%s", l->territory);
	/* Words, not DDEX tokens: "subscription", not "SubscriptionModel". */
	snprintf(cells[2], sizeof(cells[2]), "%s", ft_statement_words(l->commercial_model));
	snprintf(cells[3], sizeof(cells[3]), "%s", ft_statement_words(l->use_type));
	ft_statement_money(cells[4], sizeof(cells[4]), (ft_amount)l->units * FT_AMOUNT_ONE, 0);
	ft_statement_money(cells[5], sizeof(cells[5]), l->receipts, p->s.minor_units);
	ft_statement_percent(cells[6], sizeof(cells[6]), l->rate);
	ft_statement_money(cells[7], sizeof(cells[7]), l->royalty, p->s.minor_units);
	c = 0;
	if (l->non_attributable) {
		/* The track where the store, territory and model would be. */
		double span = cols[0].w + cols[1].w + cols[2].w;
		draw_text(&p->d, x + 3, p->y + 1.5, span - 6, FONT_SMALL, ALIGN_LEFT, COLOUR_INK,
			  l->track[0] ? l->track : l->isrc);
		snprintf(cells[3], sizeof(cells[3]), "%s", l->store);
		snprintf(cells[4], sizeof(cells[4]), "—");
		x += span;
		c = 3;
	}
	for (; c < N_COLS; c++) {
		draw_text(&p->d, x + 3, p->y + 1.5, cols[c].w - 6, FONT_SMALL, cols[c].align,
			  COLOUR_INK, cells[c]);
		x += cols[c].w;
	}
	/* Row rules are stroked once a page (end_page): one path instead of an
	 * operation a row, and the text of the rows stays one glyph run. */
	if (!p->d.dry && p->n_rules < MAX_RULES)
		p->rules[p->n_rules++] = p->y + ROW_H;
	p->y += ROW_H;
}

static void detail_pages(struct pdf *p)
{
	const struct ft_statement *st = p->st;
	char money[96];
	size_t i = 0, j;

	/* Start under the explanation if a heading, the column heads and a
	 * track with a few lines fit; else on a page of its own. */
	if (p->y + 30 + 17 + GROUP_H + 4 * ROW_H > BODY_BOTTOM) {
		end_page(p);
		detail_page(p);
	} else {
		p->y += 10;
		draw_text(&p->d, MARGIN, p->y, CONTENT_W, FONT_H2, ALIGN_LEFT, COLOUR_NAVY,
			  "Every line of this statement");
		p->y += 22;
		detail_columns(p);
	}
	if (st->n_lines == 0) {
		draw_text(&p->d, MARGIN, p->y + 4, CONTENT_W, FONT_BODY, ALIGN_LEFT, COLOUR_MUTED,
			  "No royalty lines this period.");
		p->y += 20;
	}
	while (i < st->n_lines) {
		ft_amount subtotal = 0;
		bool continued = false;

		for (j = i; j < st->n_lines && same_group(&st->lines[i], &st->lines[j]); j++)
			subtotal += ft_statement_printed(st->lines[j].royalty, p->s.minor_units);
		/* Keep a group header with at least one of its lines. */
		if (p->y + GROUP_H + ROW_H > BODY_BOTTOM) {
			end_page(p);
			detail_page(p);
		}
		group_header(p, &st->lines[i], subtotal, false);
		for (; i < j; i++) {
			if (p->y + ROW_H > BODY_BOTTOM) {
				end_page(p);
				detail_page(p);
				continued = true;
				group_header(p, &st->lines[i], subtotal, continued);
			}
			detail_row(p, &st->lines[i]);
		}
		p->y += 3;
	}
	if (p->y + 36 > BODY_BOTTOM) {
		end_page(p);
		detail_page(p);
	}
	p->y += 4;
	draw_hline(&p->d, MARGIN, p->y, CONTENT_W, 1.2, COLOUR_NAVY);
	draw_text(&p->d, MARGIN + 3, p->y + 4, 300, FONT_BODY_BOLD, ALIGN_LEFT, COLOUR_INK,
		  "Total royalties earned this period");
	money_text(p, money, sizeof(money), p->s.p_royalties);
	draw_text(&p->d, MARGIN + CONTENT_W - 150, p->y + 4, 147, FONT_BODY_BOLD, ALIGN_RIGHT,
		  COLOUR_INK, money);
	end_page(p);
}

/* ---- the document ------------------------------------------------------------------ */

static int document(struct pdf *p, struct ft_error *err)
{
	int rc;

	p->page = 0;
	if ((rc = summary_page(p, err)) || (rc = explain_pages(p, err)))
		return rc;
	detail_pages(p);
	return 0;
}

static void set_metadata(cairo_surface_t *surface, const struct ft_statement *st)
{
	char text[512], date[32];
	int y, m, d;

	snprintf(text, sizeof(text), "Royalty statement %s — %s", st->id, st->payee_name);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, text);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, st->label);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
				       "fairtrack " FT_VERSION);
	/* Fixed dates (cairo would stamp the current time): the issue date. */
	render_issued_date(st->issued, &y, &m, &d);
	snprintf(date, sizeof(date), "%04d-%02d-%02dT00:00:00Z", y, m, d);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date);
}

int ft_render_pdf(const struct ft_statement *st, const char *path, struct ft_error *err)
{
	struct pdf p = {0};
	cairo_surface_t *surface = NULL;
	cairo_t *cr = NULL;
	char tmp[4096];
	int rc;

	p.st = st;
	if ((rc = ft_statement_summarize(st, &p.s, err)) ||
	    (rc = render_tmp_path(tmp, sizeof(tmp), path, err)))
		return rc;
	render_period_words(p.period_words, sizeof(p.period_words), &st->period);
	ft_period_format(p.period_code, sizeof(p.period_code), &st->period);
	surface = cairo_pdf_surface_create(tmp, PAGE_W, PAGE_H);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		rc = ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot create the PDF: %s",
				     cairo_status_to_string(cairo_surface_status(surface)));
		cairo_surface_destroy(surface);
		return rc;
	}
	set_metadata(surface, st);
	cr = cairo_create(surface);
	if ((rc = draw_init(&p.d, cr, err)))
		goto out;
	p.d.minor_units = p.s.minor_units;
	p.d.currency_symbol = render_currency_symbol(st->currency);

	/* Pass 1 counts the pages, pass 2 draws them. */
	p.d.dry = true;
	p.pages = 0;
	if ((rc = document(&p, err)))
		goto out;
	p.pages = p.page;
	p.d.dry = false;
	if ((rc = document(&p, err)))
		goto out;
out:
	draw_flush(&p.d);
	draw_fini(&p.d);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (rc == 0 && cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
		rc = ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot write the PDF: %s",
				     cairo_status_to_string(cairo_surface_status(surface)));
	cairo_surface_destroy(surface);
	if (rc) {
		remove(tmp);
		return rc;
	}
	return render_commit(tmp, path, err);
}

void ft_render_release_thread_caches(void)
{
	draw_release_thread_cache();
	pango_cairo_font_map_set_default(NULL);
}
