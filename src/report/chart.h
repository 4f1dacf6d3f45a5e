/*
 * chart.h — bar charts drawn into the PDF statement (chart.c).
 *
 * Values arrive as exact printed amounts; only the bar lengths are computed
 * in floating point (geometry), and every figure written on a chart is the
 * exact printed amount formatted by ft_statement_money.
 */
#ifndef FAIRTRACK_REPORT_CHART_H
#define FAIRTRACK_REPORT_CHART_H

#include <stddef.h>

#include "report/draw.h"

struct chart_bar {
	const char *label;
	const char *sublabel; /* a second, smaller line under the label, or NULL */
	ft_amount value;      /* printed amount (whole minor units) */
	bool highlight;	      /* the current period / the main item */
	bool rest;	      /* "all others": drawn grey */
};

/* Horizontal bars with labels on the left and amounts at the bar ends, in
 * the box (x, y, w, h) under a title.  Negative values draw as empty bars. */
void chart_hbars(struct draw *d, double x, double y, double w, double h, const char *title,
		 const struct chart_bar *bars, size_t n);

/* Vertical columns (earnings over time), labels under the columns. */
void chart_columns(struct draw *d, double x, double y, double w, double h, const char *title,
		   const struct chart_bar *bars, size_t n);

#endif
