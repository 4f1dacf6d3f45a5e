/*
 * draw.c — text and shapes for the PDF statement (see draw.h).
 *
 * Fonts: DejaVu Sans for Latin, Greek, Cyrillic, Arabic and Hebrew; Pango's
 * fontconfig fallback takes Noto Sans CJK for Chinese, Japanese and Korean.
 * cairo embeds a subset of every font used, so the PDF reads the same on a
 * machine without them.
 */
#include "report/draw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	double size;
	PangoWeight weight;
} font_specs[FONT_COUNT] = {
    [FONT_BODY] = {9, PANGO_WEIGHT_NORMAL},    [FONT_BODY_BOLD] = {9, PANGO_WEIGHT_BOLD},
    [FONT_SMALL] = {7.5, PANGO_WEIGHT_NORMAL}, [FONT_SMALL_BOLD] = {7.5, PANGO_WEIGHT_BOLD},
    [FONT_TINY] = {6.5, PANGO_WEIGHT_NORMAL},  [FONT_H2] = {12, PANGO_WEIGHT_BOLD},
    [FONT_TITLE] = {22, PANGO_WEIGHT_BOLD},    [FONT_NAME] = {15, PANGO_WEIGHT_BOLD},
    [FONT_HUGE] = {30, PANGO_WEIGHT_BOLD},
};

/* The symbols after ASCII 32..126 in the fast table, in order. */
static const uint32_t fast_extra[DRAW_FAST_GLYPHS - 95] = {0x20AC, 0x2212, 0x2026, 0x00B7,
							   0x2013, 0x20AA, 0x00A3};

static int fast_slot(uint32_t cp)
{
	size_t i;

	if (cp >= 32 && cp <= 126)
		return (int)(cp - 32);
	for (i = 0; i < sizeof(fast_extra) / sizeof(fast_extra[0]); i++)
		if (fast_extra[i] == cp)
			return 95 + (int)i;
	return -1;
}

/* Decode one UTF-8 sequence at s (valid input assumed, as Pango does);
 * returns its length, 0 at the end. */
static size_t utf8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!u[0])
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xE0) == 0xC0 && u[1]) {
		*cp = ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		return 2;
	}
	if ((u[0] & 0xF0) == 0xE0 && u[1] && u[2]) {
		*cp = ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) |
		      (u[2] & 0x3F);
		return 3;
	}
	*cp = 0xFFFD; /* 4-byte and broken sequences: never fast */
	return u[1] && u[2] && u[3] ? 4 : 1;
}

/*
 * Look up, once, the glyph and advance of every fast character in the font
 * Pango chose for this description (DejaVu Sans), and where Pango puts the
 * baseline.  If any glyph is missing the fast path stays off for the font.
 */
static void fast_font_init(struct draw *d, enum draw_font font)
{
	struct draw_fast_font *f = &d->fast[font];
	PangoLayoutLine *line;
	PangoGlyphItem *run;
	cairo_scaled_font_t *sf;
	int i;

	pango_layout_set_font_description(d->layout, d->fonts[font]);
	pango_layout_set_text(d->layout, "A", -1);
	pango_layout_set_width(d->layout, -1);
	pango_layout_set_ellipsize(d->layout, PANGO_ELLIPSIZE_NONE);
	line = pango_layout_get_line_readonly(d->layout, 0);
	if (!line || !line->runs)
		return;
	run = line->runs->data;
	sf = pango_cairo_font_get_scaled_font((PangoCairoFont *)run->item->analysis.font);
	if (!sf || cairo_scaled_font_status(sf) != CAIRO_STATUS_SUCCESS)
		return;
	for (i = 0; i < DRAW_FAST_GLYPHS; i++) {
		uint32_t cp = i < 95 ? (uint32_t)(i + 32) : fast_extra[i - 95];
		char utf8[4];
		cairo_glyph_t *glyphs = NULL;
		cairo_text_extents_t ext;
		int n = 0;

		if (cp < 0x80) {
			utf8[0] = (char)cp;
			n = 1;
		} else if (cp < 0x800) {
			utf8[0] = (char)(0xC0 | (cp >> 6));
			utf8[1] = (char)(0x80 | (cp & 0x3F));
			n = 2;
		} else {
			utf8[0] = (char)(0xE0 | (cp >> 12));
			utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			utf8[2] = (char)(0x80 | (cp & 0x3F));
			n = 3;
		}
		{
			int num = 0;
			if (cairo_scaled_font_text_to_glyphs(sf, 0, 0, utf8, n, &glyphs, &num, NULL,
							     NULL, NULL) != CAIRO_STATUS_SUCCESS ||
			    num != 1 || glyphs[0].index == 0) {
				cairo_glyph_free(glyphs);
				return;
			}
		}
		f->glyph[i] = glyphs[0].index;
		cairo_scaled_font_glyph_extents(sf, glyphs, 1, &ext);
		f->advance[i] = ext.x_advance;
		cairo_glyph_free(glyphs);
	}
	f->baseline = (double)pango_layout_get_baseline(d->layout) / PANGO_SCALE;
	f->font = cairo_scaled_font_reference(sf);
}

/*
 * Draw text with the fast path if it can: returns false (nothing drawn) when
 * the text has a character outside the table.  Glyphs go out with their text
 * (cairo_show_text_glyphs), so the PDF's text can be copied and searched.
 */
static bool fast_text(struct draw *d, double x, double y, double w, enum draw_font font,
		      enum draw_align align, uint32_t rgb, const char *text, double *width_out)
{
	struct draw_fast_font *f = &d->fast[font];
	int slots[256];
	size_t lens[256], n = 0, i, step;
	double total = 0, pen, dx = 0;
	const char *p = text;
	uint32_t cp;
	int ell = fast_slot(0x2026);
	bool ellipsized = false;

	if (!f->font)
		return false;
	while ((step = utf8_next(p, &cp)) > 0) {
		int slot = fast_slot(cp);
		if (slot < 0 || n == 256)
			return false;
		slots[n] = slot;
		lens[n] = step;
		total += f->advance[slot];
		n++;
		p += step;
	}
	/* Ellipsize at the end, as Pango would. */
	if (w > 0 && total > w) {
		ellipsized = true;
		while (n > 0 && total + f->advance[ell] > w)
			total -= f->advance[slots[--n]];
		slots[n] = ell;
		lens[n] = 3;
		total += f->advance[ell];
		n++;
	}
	if (w > 0 && total < w) {
		if (align == ALIGN_RIGHT)
			dx = w - total;
		else if (align == ALIGN_CENTER)
			dx = (w - total) / 2;
	} else if (w <= 0) {
		if (align == ALIGN_RIGHT)
			dx = -total;
		else if (align == ALIGN_CENTER)
			dx = -total / 2;
	}
	*width_out = total;
	if (d->dry)
		return true;
	if (d->batch->font != (int)font || d->batch->rgb != rgb ||
	    d->batch->n + n > DRAW_BATCH_GLYPHS)
		draw_flush(d);
	d->batch->font = (int)font;
	d->batch->rgb = rgb;
	pen = x + dx;
	for (i = 0, p = text; i < n; i++) {
		struct draw_batch *bt = d->batch;

		bt->glyphs[bt->n].index = f->glyph[slots[i]];
		bt->glyphs[bt->n].x = pen;
		bt->glyphs[bt->n].y = y + f->baseline;
		bt->clusters[bt->n].num_bytes = (int)lens[i];
		bt->clusters[bt->n].num_glyphs = 1;
		pen += f->advance[slots[i]];
		if (ellipsized && i == n - 1) {
			memcpy(bt->utf8 + bt->bytes, "\u2026", 3);
		} else {
			memcpy(bt->utf8 + bt->bytes, p, lens[i]);
			p += lens[i];
		}
		bt->bytes += lens[i];
		bt->n++;
	}
	return true;
}

void draw_flush(struct draw *d)
{
	struct draw_batch *bt = d->batch;

	if (!bt || bt->n == 0 || d->dry) {
		if (bt)
			bt->n = bt->bytes = 0;
		return;
	}
	draw_colour(d, bt->rgb);
	cairo_set_scaled_font(d->cr, d->fast[bt->font].font);
	cairo_show_text_glyphs(d->cr, bt->utf8, (int)bt->bytes, bt->glyphs, (int)bt->n,
			       bt->clusters, (int)bt->n, 0);
	bt->n = bt->bytes = 0;
}

int draw_init(struct draw *d, cairo_t *cr, struct ft_error *err)
{
	PangoContext *ctx;
	cairo_font_options_t *fo;
	int i;

	memset(d, 0, sizeof(*d));
	d->cr = cr;
	d->batch = malloc(sizeof(*d->batch));
	if (!d->batch)
		return ft_error_set(err, FT_ENOMEM, "pdf: out of memory");
	d->batch->n = d->batch->bytes = 0;
	d->batch->font = -1;
	d->layout = pango_cairo_create_layout(cr);
	if (!d->layout)
		return ft_error_set(err, FT_ENOMEM, "pdf: cannot create a text layout");
	/* No hinting: glyph positions then do not depend on the machine's
	 * fontconfig hinting settings, which keeps the bytes reproducible. */
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	ctx = pango_layout_get_context(d->layout);
	pango_cairo_context_set_font_options(ctx, fo);
	cairo_font_options_destroy(fo);
	/* Left-to-right paragraphs: a Hebrew label first in a footer must not
	 * turn the whole line around (bidi still orders each run). */
	pango_context_set_base_dir(ctx, PANGO_DIRECTION_LTR);
	pango_layout_context_changed(d->layout);
	pango_layout_set_auto_dir(d->layout, FALSE);
	for (i = 0; i < FONT_COUNT; i++) {
		d->fonts[i] = pango_font_description_new();
		if (!d->fonts[i]) {
			draw_fini(d);
			return ft_error_set(err, FT_ENOMEM, "pdf: out of memory");
		}
		pango_font_description_set_family(d->fonts[i], "DejaVu Sans,Noto Sans CJK JP");
		pango_font_description_set_weight(d->fonts[i], font_specs[i].weight);
		pango_font_description_set_absolute_size(d->fonts[i],
							 font_specs[i].size * PANGO_SCALE);
		d->cjk_fonts[i] = pango_font_description_copy(d->fonts[i]);
		if (!d->cjk_fonts[i]) {
			draw_fini(d);
			return ft_error_set(err, FT_ENOMEM, "pdf: out of memory");
		}
		pango_font_description_set_weight(d->cjk_fonts[i], PANGO_WEIGHT_NORMAL);
	}
	for (i = 0; i < FONT_COUNT; i++)
		fast_font_init(d, (enum draw_font)i);
	return 0;
}

void draw_fini(struct draw *d)
{
	int i;

	for (i = 0; i < FONT_COUNT; i++) {
		if (d->fonts[i])
			pango_font_description_free(d->fonts[i]);
		if (d->cjk_fonts[i])
			pango_font_description_free(d->cjk_fonts[i]);
		if (d->fast[i].font)
			cairo_scaled_font_destroy(d->fast[i].font);
	}
	if (d->layout)
		g_object_unref(d->layout);
	free(d->batch);
	memset(d, 0, sizeof(*d));
}

void draw_colour(struct draw *d, uint32_t rgb)
{
	cairo_set_source_rgb(d->cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
			     (rgb & 0xFF) / 255.0);
}

void draw_rect(struct draw *d, double x, double y, double w, double h, uint32_t rgb)
{
	if (d->dry)
		return;
	draw_flush(d);
	draw_colour(d, rgb);
	cairo_rectangle(d->cr, x, y, w, h);
	cairo_fill(d->cr);
}

void draw_round_rect(struct draw *d, double x, double y, double w, double h, double r, uint32_t rgb)
{
	const double pi = 3.14159265358979323846;

	if (d->dry)
		return;
	draw_flush(d);
	draw_colour(d, rgb);
	cairo_new_sub_path(d->cr);
	cairo_arc(d->cr, x + w - r, y + r, r, -pi / 2, 0);
	cairo_arc(d->cr, x + w - r, y + h - r, r, 0, pi / 2);
	cairo_arc(d->cr, x + r, y + h - r, r, pi / 2, pi);
	cairo_arc(d->cr, x + r, y + r, r, pi, 3 * pi / 2);
	cairo_close_path(d->cr);
	cairo_fill(d->cr);
}

void draw_hline(struct draw *d, double x, double y, double w, double width, uint32_t rgb)
{
	if (d->dry)
		return;
	draw_flush(d);
	draw_colour(d, rgb);
	cairo_set_line_width(d->cr, width);
	cairo_move_to(d->cr, x, y);
	cairo_line_to(d->cr, x + w, y);
	cairo_stroke(d->cr);
}

/* Han, kana, hangul, CJK symbols and full-width forms. */
static bool has_cjk(const char *text)
{
	uint32_t cp;
	size_t step;

	for (; (step = utf8_next(text, &cp)) > 0; text += step)
		if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
		    (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF))
			return true;
	return false;
}

static void prepare(struct draw *d, enum draw_font font, const char *text, double w, bool wrap)
{
	pango_layout_set_font_description(d->layout,
					  has_cjk(text) ? d->cjk_fonts[font] : d->fonts[font]);
	pango_layout_set_text(d->layout, text, -1);
	pango_layout_set_width(d->layout, w > 0 ? (int)(w * PANGO_SCALE) : -1);
	pango_layout_set_wrap(d->layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_ellipsize(d->layout,
				   wrap || w <= 0 ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
	pango_layout_set_alignment(d->layout, PANGO_ALIGN_LEFT);
}

double draw_text(struct draw *d, double x, double y, double w, enum draw_font font,
		 enum draw_align align, uint32_t rgb, const char *text)
{
	PangoRectangle ink, logical;
	double tw, dx = 0;

	if (!text || !*text)
		return 0;
	if (fast_text(d, x, y, w, font, align, rgb, text, &tw))
		return tw;
	/* Measuring a single line is never needed to place anything: in dry
	 * mode only paragraphs (draw_para) are measured. */
	if (d->dry)
		return 0;
	prepare(d, font, text, w, false);
	pango_layout_get_extents(d->layout, &ink, &logical);
	tw = (double)logical.width / PANGO_SCALE;
	/* Alignment by hand: Pango would swap left and right for a
	 * right-to-left paragraph, and a table column must not move. */
	if (w > 0 && tw < w) {
		if (align == ALIGN_RIGHT)
			dx = w - tw;
		else if (align == ALIGN_CENTER)
			dx = (w - tw) / 2;
	} else if (w <= 0) {
		if (align == ALIGN_RIGHT)
			dx = -tw;
		else if (align == ALIGN_CENTER)
			dx = -tw / 2;
	}
	dx -= (double)logical.x / PANGO_SCALE;
	if (!d->dry) {
		draw_flush(d);
		draw_colour(d, rgb);
		cairo_move_to(d->cr, x + dx, y);
		pango_cairo_show_layout(d->cr, d->layout);
	}
	return tw;
}

double draw_para(struct draw *d, double x, double y, double w, enum draw_font font, uint32_t rgb,
		 const char *text)
{
	PangoRectangle logical;

	if (!text || !*text)
		return 0;
	prepare(d, font, text, w, true);
	pango_layout_get_extents(d->layout, NULL, &logical);
	if (!d->dry) {
		draw_flush(d);
		draw_colour(d, rgb);
		cairo_move_to(d->cr, x, y);
		pango_cairo_show_layout(d->cr, d->layout);
	}
	return (double)logical.height / PANGO_SCALE;
}

double draw_line_height(struct draw *d, enum draw_font font)
{
	PangoRectangle logical;

	prepare(d, font, "Ag", 0, false);
	pango_layout_get_extents(d->layout, NULL, &logical);
	return (double)logical.height / PANGO_SCALE;
}

void draw_money(struct draw *d, char *buf, size_t cap, ft_amount amount)
{
	char digits[FT_STATEMENT_MONEY_MAX];

	const char *sym = d->currency_symbol;
	/* A bare ISO code reads better apart from the digits: "CHF 12.00". */
	const char *gap = strlen(sym) == 3 && sym[0] >= 'A' && sym[0] <= 'Z' ? " " : "";

	ft_statement_money(digits, sizeof(digits), amount, d->minor_units);
	if (digits[0] == '-')
		snprintf(buf, cap, "−%s%s%s", sym, gap, digits + 1);
	else
		snprintf(buf, cap, "%s%s%s", sym, gap, digits);
}
