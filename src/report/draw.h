/*
 * draw.h — text and shapes on a cairo page, for the PDF statement and its
 * charts (src/report/render_pdf.c, src/report/chart.c).
 *
 * Text that needs shaping goes through Pango, so every script the statement
 * can hold (CJK through font fallback, Arabic and Hebrew through Pango's
 * bidi) shapes correctly, and the paragraph direction stays left-to-right so
 * a right-to-left name sits in its column like any other.  A shaped layout is
 * kept in a per-thread cache keyed by its text, font and width: the measuring
 * pass, the drawing pass and the next statement (contract terms, notes and
 * titles repeat) reuse it instead of shaping again.  Geometry is in PDF
 * points and uses double: drawing only, never money (money arrives as exact
 * ft_amount and is formatted with ft_statement_money before it is drawn).
 *
 * In "measure" mode (dry = true) nothing is drawn but every size is computed
 * exactly as when drawing, so a first pass can count the pages ("page 3 of
 * 9") before the second pass draws them.
 */
#ifndef FAIRTRACK_REPORT_DRAW_H
#define FAIRTRACK_REPORT_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "fairtrack/statement.h"

enum draw_font {
	FONT_BODY, /* 9 pt */
	FONT_BODY_BOLD,
	FONT_SMALL, /* 7.5 pt */
	FONT_SMALL_BOLD,
	FONT_TINY,  /* 6.5 pt */
	FONT_H2,    /* 12 pt bold */
	FONT_TITLE, /* 22 pt bold */
	FONT_NAME,  /* 15 pt bold */
	FONT_HUGE,  /* 30 pt bold */
	FONT_COUNT
};

enum draw_align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };

/* Colours as 0xRRGGBB. */
#define COLOUR_INK 0x1F2937
#define COLOUR_NAVY 0x1F3A5F
#define COLOUR_MUTED 0x6B7280
#define COLOUR_RULE 0xD1D5DB
#define COLOUR_BAND 0xF3F4F6
#define COLOUR_GREEN 0x1E7B4A
#define COLOUR_GREEN_BG 0xE7F3EC
#define COLOUR_BAR 0x3B6EA5
#define COLOUR_BAR_HI 0x1E7B4A
#define COLOUR_BAR_REST 0xA7B1BE
#define COLOUR_RED 0xB42318

/*
 * The fast path for the common case: text whose every character is a plain
 * left-to-right glyph of DejaVu Sans — Latin with its accented letters (up to
 * Latin Extended-B), IPA, Greek, Cyrillic — or one of a few symbols money and
 * headers use (€ − … – — ‘ ’ “ ” • ₪ ₹ ₩).  Such text needs no shaping, no
 * bidi and no font fallback, so it is set with glyphs looked up once per font
 * and thread instead of a Pango shaping run per string; the result is what
 * Pango would draw, without kerning.  Combining marks, Arabic, Hebrew, CJK
 * and everything else go through Pango.
 */
#define DRAW_FAST_DIRECT 0x530 /* code points below this index the table */
#define DRAW_FAST_GLYPHS (DRAW_FAST_DIRECT + 13)

struct draw_fast_font {
	cairo_scaled_font_t *font; /* NULL: fast path unavailable for this font */
	bool tried;
	double baseline; /* from the top of the line, as Pango places it */
	/* 0: not looked up yet; DRAW_FAST_MISSING: the font has no glyph */
	uint32_t glyph[DRAW_FAST_GLYPHS];
	double advance[DRAW_FAST_GLYPHS];
};
#define DRAW_FAST_MISSING UINT32_MAX

#define DRAW_BATCH_GLYPHS 2048

/*
 * Fast-path text waiting to be shown: consecutive strings in the same font
 * and colour go to cairo as one glyph run, because cairo's PDF surface pays
 * per operation (it records each, replays it to analyse the page, replays it
 * again to write it), not per glyph.  Anything else drawn flushes it first,
 * so the painting order is kept.
 */
struct draw_batch {
	int font; /* -1: empty */
	uint32_t rgb;
	size_t n, bytes;
	cairo_glyph_t glyphs[DRAW_BATCH_GLYPHS];
	cairo_text_cluster_t clusters[DRAW_BATCH_GLYPHS];
	char utf8[DRAW_BATCH_GLYPHS * 3];
};

/* The per-thread cache (draw.c): Pango context, fonts, fast-path tables and
 * shaped layouts, kept from one document to the next. */
struct draw_cache;

struct draw {
	cairo_t *cr;
	struct draw_cache *cache; /* this thread's; not owned */
	struct draw_batch *batch;
	bool dry;
	int minor_units;
	const char *currency_symbol;
};

/*
 * Ready d to draw on cr (which the caller owns), with this thread's cache
 * (created on first use).  FT_ENOMEM.
 */
int draw_init(struct draw *d, cairo_t *cr, struct ft_error *err);
void draw_fini(struct draw *d);
/* Free this thread's cache (ft_render_release_thread_caches); a no-op when
 * the thread has none. */
void draw_release_thread_cache(void);

/* Show the pending fast-path text; call before cairo_show_page. */
void draw_flush(struct draw *d);
void draw_colour(struct draw *d, uint32_t rgb);
void draw_rect(struct draw *d, double x, double y, double w, double h, uint32_t rgb);
void draw_round_rect(struct draw *d, double x, double y, double w, double h, double r,
		     uint32_t rgb);
void draw_hline(struct draw *d, double x, double y, double w, double width, uint32_t rgb);

/*
 * One line of text with its top at y, in a box of width w (0: unbounded),
 * ellipsized at the end when too wide.  Returns the width drawn.
 */
double draw_text(struct draw *d, double x, double y, double w, enum draw_font font,
		 enum draw_align align, uint32_t rgb, const char *text);
/* Wrapped paragraph in width w; returns its height. */
double draw_para(struct draw *d, double x, double y, double w, enum draw_font font, uint32_t rgb,
		 const char *text);
/* Height of one line of a font. */
double draw_line_height(struct draw *d, enum draw_font font);

/* "€1,234.56", "−€12.30": a printed amount with the currency symbol. */
void draw_money(struct draw *d, char *buf, size_t cap, ft_amount amount);

#endif
