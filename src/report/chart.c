/*
 * chart.c — horizontal bar charts and column charts for the PDF statement.
 *
 * Scales start at zero (a bar's length is proportional to its amount, so a
 * musician can compare stores by eye) and the longest bar fills the width
 * left after labels and amounts.  Amounts are written in full at the bar
 * ends: the chart is a picture of figures the statement states exactly.
 */
#include "report/chart.h"

#include <stdio.h>
#include <string.h>

/* The geometric share of value in max, 0..1 (drawing only). */
static double chart_fraction(ft_amount value, ft_amount max)
{
	if (max <= 0 || value <= 0)
		return 0;
	return (double)value / (double)max;
}

static ft_amount chart_max(const struct chart_bar *bars, size_t n)
{
	ft_amount max = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	return max;
}

static double chart_title(struct draw *d, double x, double y, double w, const char *title)
{
	draw_text(d, x, y, w, FONT_BODY_BOLD, ALIGN_LEFT, COLOUR_NAVY, title);
	draw_hline(d, x, y + 15, w, 0.6, COLOUR_RULE);
	return 22;
}

void chart_hbars(struct draw *d, double x, double y, double w, double h, const char *title,
		 const struct chart_bar *bars, size_t n)
{
	double top = y + chart_title(d, x, y, w, title);
	double label_w = w * 0.36, value_w = 62, bar_x = x + label_w + 6;
	double bar_w = w - label_w - 6 - value_w - 4;
	double row = n ? (y + h - top) / (double)n : 0;
	ft_amount max = chart_max(bars, n);
	char money[FT_STATEMENT_MONEY_MAX + 16];
	size_t i;

	if (n == 0) {
		draw_text(d, x, top + 4, w, FONT_SMALL, ALIGN_LEFT, COLOUR_MUTED,
			  "Nothing earned in this period.");
		return;
	}
	if (row > 20)
		row = 20;
	for (i = 0; i < n; i++) {
		const struct chart_bar *b = &bars[i];
		double ry = top + row * (double)i, bh = row * 0.62;
		double len = bar_w * chart_fraction(b->value, max);
		uint32_t colour = b->rest	 ? COLOUR_BAR_REST
				  : b->highlight ? COLOUR_BAR_HI
						 : COLOUR_BAR;

		draw_text(d, x, ry + (row - 9) / 2 - 1, label_w, FONT_SMALL, ALIGN_LEFT,
			  b->rest ? COLOUR_MUTED : COLOUR_INK, b->label);
		if (len < 1 && b->value > 0)
			len = 1;
		draw_round_rect(d, bar_x, ry + (row - bh) / 2, len > 2 ? len : 2, bh,
				len > 4 ? 1.5 : 0.5, b->value > 0 ? colour : COLOUR_RULE);
		draw_money(d, money, sizeof(money), b->value);
		draw_text(d, bar_x + len + 4, ry + (row - 9) / 2 - 1, 0, FONT_SMALL, ALIGN_LEFT,
			  COLOUR_INK, money);
	}
}

void chart_columns(struct draw *d, double x, double y, double w, double h, const char *title,
		   const struct chart_bar *bars, size_t n)
{
	double top = y + chart_title(d, x, y, w, title) + 12;
	double base = y + h - 22, col_w, gap;
	ft_amount max = chart_max(bars, n);
	char money[FT_STATEMENT_MONEY_MAX + 16];
	size_t i;

	if (n == 0) {
		draw_text(d, x, top, w, FONT_SMALL, ALIGN_LEFT, COLOUR_MUTED, "No history yet.");
		return;
	}
	/* At least eight column widths: a payee's first periods show as a few
	 * columns of normal width, not one slab across the chart. */
	col_w = w / (double)(n < 8 ? 8 : n);
	gap = col_w * 0.22;
	draw_hline(d, x, base, w, 0.8, COLOUR_MUTED);
	for (i = 0; i < n; i++) {
		const struct chart_bar *b = &bars[i];
		double cx = x + col_w * (double)i;
		double hgt = (base - top - 12) * chart_fraction(b->value, max);

		if (hgt > 0)
			draw_rect(d, cx + gap / 2, base - hgt, col_w - gap, hgt,
				  b->highlight ? COLOUR_BAR_HI : COLOUR_BAR);
		/* Whole units (rounded down) above the column: the exact figures are
		 * in the tables. */
		ft_statement_money(money, sizeof(money), b->value < 0 ? 0 : b->value, 0);
		draw_text(d, cx, base - hgt - 11, col_w, FONT_TINY, ALIGN_CENTER,
			  b->highlight ? COLOUR_GREEN : COLOUR_MUTED, money);
		draw_text(d, cx, base + 3, col_w, FONT_TINY, ALIGN_CENTER,
			  b->highlight ? COLOUR_INK : COLOUR_MUTED, b->label);
		if (b->sublabel)
			draw_text(d, cx, base + 11, col_w, FONT_TINY, ALIGN_CENTER, COLOUR_MUTED,
				  b->sublabel);
	}
}
