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

/* The symbols after the direct range in the fast table, in order. */
static const uint32_t fast_extra[DRAW_FAST_GLYPHS - DRAW_FAST_DIRECT] = {
    0x20AC, 0x2212, 0x2026, 0x2013, 0x2014, 0x2018, 0x2019,
    0x201C, 0x201D, 0x2022, 0x20AA, 0x20B9, 0x20A9,
};

static int fast_slot(uint32_t cp)
{
	size_t i;

	if (cp < DRAW_FAST_DIRECT) {
		/* Controls, no-break and soft hyphen (invisible or special in
		 * Pango), combining marks (they need positioning). */
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD ||
		    (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x483 && cp <= 0x489))
			return -1;
		return (int)cp;
	}
	for (i = 0; i < sizeof(fast_extra) / sizeof(fast_extra[0]); i++)
		if (fast_extra[i] == cp)
			return DRAW_FAST_DIRECT + (int)i;
	return -1;
}

static uint32_t slot_code_point(int slot)
{
	return slot < DRAW_FAST_DIRECT ? (uint32_t)slot : fast_extra[slot - DRAW_FAST_DIRECT];
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

static size_t utf8_encode(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* ---- the per-thread cache ----------------------------------------------------- */

/*
 * A shaped layout for (font, width, wrap, text).  1024 slots, open
 * addressing; when three quarters are used the cache is emptied and refills
 * (a statement uses a few hundred distinct texts at most), which bounds a
 * long-lived thread's memory.
 */
#define LAYOUT_SLOTS 1024

struct cached_layout {
	char *text; /* NULL: free slot */
	uint32_t hash;
	int font, width;
	bool wrap;
	PangoLayout *layout;
	PangoRectangle logical;
};

struct draw_cache {
	PangoContext *ctx;
	guint serial; /* the context's, when the cached layouts were made */
	PangoFontDescription *fonts[FONT_COUNT];
	/* The same sizes at regular weight, for text with CJK characters: each
	 * CJK weight a document uses costs a subset of Noto Sans CJK, the most
	 * expensive thing in a statement (RENDER.md), so CJK is set regular. */
	PangoFontDescription *cjk_fonts[FONT_COUNT];
	struct draw_fast_font fast[FONT_COUNT];
	struct cached_layout layouts[LAYOUT_SLOTS];
	size_t n_layouts;
};

/* One a thread: Pango's default font map is per thread too, and a layout
 * belongs to the thread whose context made it. */
static _Thread_local struct draw_cache *thread_cache;

static void forget_layouts(struct draw_cache *c)
{
	size_t i;

	for (i = 0; i < LAYOUT_SLOTS; i++)
		if (c->layouts[i].text) {
			free(c->layouts[i].text);
			g_object_unref(c->layouts[i].layout);
			c->layouts[i].text = NULL;
		}
	c->n_layouts = 0;
}

static void forget_fast_fonts(struct draw_cache *c)
{
	int i;

	for (i = 0; i < FONT_COUNT; i++) {
		if (c->fast[i].font)
			cairo_scaled_font_destroy(c->fast[i].font);
		memset(&c->fast[i], 0, sizeof(c->fast[i]));
	}
}

static void cache_free(struct draw_cache *c)
{
	int i;

	if (!c)
		return;
	forget_layouts(c);
	forget_fast_fonts(c);
	for (i = 0; i < FONT_COUNT; i++) {
		if (c->fonts[i])
			pango_font_description_free(c->fonts[i]);
		if (c->cjk_fonts[i])
			pango_font_description_free(c->cjk_fonts[i]);
	}
	if (c->ctx)
		g_object_unref(c->ctx);
	free(c);
}

void draw_release_thread_cache(void)
{
	cache_free(thread_cache);
	thread_cache = NULL;
}

static struct draw_cache *cache_new(void)
{
	struct draw_cache *c = calloc(1, sizeof(*c));
	cairo_font_options_t *fo;
	int i;

	if (!c)
		return NULL;
	c->ctx = pango_font_map_create_context(pango_cairo_font_map_get_default());
	if (!c->ctx) {
		free(c);
		return NULL;
	}
	/* No hinting: glyph positions then do not depend on the machine's
	 * fontconfig hinting settings, which keeps the bytes reproducible. */
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(c->ctx, fo);
	cairo_font_options_destroy(fo);
	/* Left-to-right paragraphs: a Hebrew label first in a footer must not
	 * turn the whole line around (bidi still orders each run). */
	pango_context_set_base_dir(c->ctx, PANGO_DIRECTION_LTR);
	/* Glyphs where the font puts them, not rounded to whole points: even
	 * letter spacing in print, and cairo then writes a run as one string
	 * instead of a correction after every glyph. */
	pango_context_set_round_glyph_positions(c->ctx, FALSE);
	for (i = 0; i < FONT_COUNT; i++) {
		c->fonts[i] = pango_font_description_new();
		if (!c->fonts[i])
			goto fail;
		pango_font_description_set_family(c->fonts[i], "DejaVu Sans,Noto Sans CJK JP");
		pango_font_description_set_weight(c->fonts[i], font_specs[i].weight);
		pango_font_description_set_absolute_size(c->fonts[i],
							 font_specs[i].size * PANGO_SCALE);
		c->cjk_fonts[i] = pango_font_description_copy(c->fonts[i]);
		if (!c->cjk_fonts[i])
			goto fail;
		pango_font_description_set_weight(c->cjk_fonts[i], PANGO_WEIGHT_NORMAL);
	}
	return c;
fail:
	cache_free(c);
	return NULL;
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

static uint32_t text_hash(const char *text, int font, int width, bool wrap)
{
	uint32_t h = 2166136261u ^ (uint32_t)font ^ ((uint32_t)width << 5) ^ (wrap ? 1u << 4 : 0);
	const unsigned char *u = (const unsigned char *)text;

	for (; *u; u++)
		h = (h ^ *u) * 16777619u;
	return h;
}

/*
 * The shaped layout of text in font, width w (0: unbounded), wrapped or
 * ellipsized at the end; NULL when out of memory.  Shaped once a thread
 * until the cache is emptied.
 */
static const struct cached_layout *layout_for(struct draw *d, enum draw_font font, const char *text,
					      double w, bool wrap)
{
	struct draw_cache *c = d->cache;
	int width = w > 0 ? (int)(w * PANGO_SCALE) : -1;
	uint32_t h = text_hash(text, (int)font, width, wrap);
	size_t i = h & (LAYOUT_SLOTS - 1);
	struct cached_layout *e;
	PangoLayout *layout;

	for (; c->layouts[i].text; i = (i + 1) & (LAYOUT_SLOTS - 1)) {
		e = &c->layouts[i];
		if (e->hash == h && e->font == (int)font && e->width == width && e->wrap == wrap &&
		    strcmp(e->text, text) == 0)
			return e;
	}
	if (c->n_layouts >= LAYOUT_SLOTS * 3 / 4) {
		forget_layouts(c);
		i = h & (LAYOUT_SLOTS - 1);
	}
	layout = pango_layout_new(c->ctx);
	if (!layout)
		return NULL;
	e = &c->layouts[i];
	e->text = strdup(text);
	if (!e->text) {
		g_object_unref(layout);
		return NULL;
	}
	pango_layout_set_auto_dir(layout, FALSE);
	pango_layout_set_font_description(layout,
					  has_cjk(text) ? c->cjk_fonts[font] : c->fonts[font]);
	pango_layout_set_text(layout, text, -1);
	pango_layout_set_width(layout, width);
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_ellipsize(layout,
				   wrap || w <= 0 ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
	pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT);
	pango_layout_get_extents(layout, NULL, &e->logical);
	e->hash = h;
	e->font = (int)font;
	e->width = width;
	e->wrap = wrap;
	e->layout = layout;
	c->n_layouts++;
	return e;
}

/*
 * The font Pango chose for this description (DejaVu Sans) and where Pango
 * puts the baseline; glyphs are looked up when first used.  Without it the
 * fast path stays off for the font.
 */
static void fast_font_init(struct draw *d, enum draw_font font)
{
	struct draw_fast_font *f = &d->cache->fast[font];
	const struct cached_layout *e;
	PangoLayoutLine *line;
	PangoGlyphItem *run;
	cairo_scaled_font_t *sf;

	f->tried = true;
	e = layout_for(d, font, "A", 0, false);
	if (!e)
		return;
	line = pango_layout_get_line_readonly(e->layout, 0);
	if (!line || !line->runs)
		return;
	run = line->runs->data;
	sf = pango_cairo_font_get_scaled_font((PangoCairoFont *)run->item->analysis.font);
	if (!sf || cairo_scaled_font_status(sf) != CAIRO_STATUS_SUCCESS)
		return;
	f->baseline = (double)pango_layout_get_baseline(e->layout) / PANGO_SCALE;
	f->font = cairo_scaled_font_reference(sf);
}

/* The glyph of a fast slot in f, looked up on first use; false when the
 * font has none (the text then goes through Pango). */
static bool fast_glyph(struct draw_fast_font *f, int slot)
{
	cairo_glyph_t *glyphs = NULL;
	cairo_text_extents_t ext;
	char utf8[4];
	int n, num = 0;

	if (f->glyph[slot] == DRAW_FAST_MISSING)
		return false;
	if (f->glyph[slot])
		return true;
	n = (int)utf8_encode(utf8, slot_code_point(slot));
	if (cairo_scaled_font_text_to_glyphs(f->font, 0, 0, utf8, n, &glyphs, &num, NULL, NULL,
					     NULL) != CAIRO_STATUS_SUCCESS ||
	    num != 1 || glyphs[0].index == 0) {
		cairo_glyph_free(glyphs);
		f->glyph[slot] = DRAW_FAST_MISSING;
		return false;
	}
	f->glyph[slot] = (uint32_t)glyphs[0].index;
	cairo_scaled_font_glyph_extents(f->font, glyphs, 1, &ext);
	f->advance[slot] = ext.x_advance;
	cairo_glyph_free(glyphs);
	return true;
}

/*
 * Draw text with the fast path if it can: returns false (nothing drawn) when
 * the text has a character outside the table.  Glyphs go out with their text
 * (cairo_show_text_glyphs), so the PDF's text can be copied and searched.
 */
static bool fast_text(struct draw *d, double x, double y, double w, enum draw_font font,
		      enum draw_align align, uint32_t rgb, const char *text, double *width_out)
{
	struct draw_fast_font *f = &d->cache->fast[font];
	int slots[256];
	size_t lens[256], n = 0, i, step;
	double total = 0, pen, dx = 0;
	const char *p = text;
	uint32_t cp;
	int ell = fast_slot(0x2026);
	bool ellipsized = false;

	if (!f->tried)
		fast_font_init(d, font);
	if (!f->font || !fast_glyph(f, ell))
		return false;
	while ((step = utf8_next(p, &cp)) > 0) {
		int slot = fast_slot(cp);
		if (slot < 0 || n == 256 || !fast_glyph(f, slot))
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
	cairo_set_scaled_font(d->cr, d->cache->fast[bt->font].font);
	cairo_show_text_glyphs(d->cr, bt->utf8, (int)bt->bytes, bt->glyphs, (int)bt->n,
			       bt->clusters, (int)bt->n, 0);
	bt->n = bt->bytes = 0;
}

int draw_init(struct draw *d, cairo_t *cr, struct ft_error *err)
{
	memset(d, 0, sizeof(*d));
	d->cr = cr;
	if (!thread_cache)
		thread_cache = cache_new();
	if (!thread_cache)
		return ft_error_set(err, FT_ENOMEM, "pdf: cannot set up fonts and text layout");
	d->cache = thread_cache;
	/* The surface's font options and matrix into the context: the same
	 * for every statement, so the cached layouts stay valid; if they
	 * ever differ, everything shaped before is dropped. */
	pango_cairo_update_context(cr, d->cache->ctx);
	if (pango_context_get_serial(d->cache->ctx) != d->cache->serial) {
		forget_layouts(d->cache);
		forget_fast_fonts(d->cache);
		d->cache->serial = pango_context_get_serial(d->cache->ctx);
	}
	d->batch = malloc(sizeof(*d->batch));
	if (!d->batch)
		return ft_error_set(err, FT_ENOMEM, "pdf: out of memory");
	d->batch->n = d->batch->bytes = 0;
	d->batch->font = -1;
	return 0;
}

void draw_fini(struct draw *d)
{
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

double draw_text(struct draw *d, double x, double y, double w, enum draw_font font,
		 enum draw_align align, uint32_t rgb, const char *text)
{
	const struct cached_layout *e;
	double tw, dx = 0;

	if (!text || !*text)
		return 0;
	if (fast_text(d, x, y, w, font, align, rgb, text, &tw))
		return tw;
	/* Measuring a single line is never needed to place anything: in dry
	 * mode only paragraphs (draw_para) are measured. */
	if (d->dry)
		return 0;
	e = layout_for(d, font, text, w, false);
	if (!e)
		return 0;
	tw = (double)e->logical.width / PANGO_SCALE;
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
	dx -= (double)e->logical.x / PANGO_SCALE;
	draw_flush(d);
	draw_colour(d, rgb);
	cairo_move_to(d->cr, x + dx, y);
	pango_cairo_show_layout(d->cr, e->layout);
	return tw;
}

double draw_para(struct draw *d, double x, double y, double w, enum draw_font font, uint32_t rgb,
		 const char *text)
{
	const struct cached_layout *e;

	if (!text || !*text)
		return 0;
	e = layout_for(d, font, text, w, true);
	if (!e)
		return 0;
	if (!d->dry) {
		draw_flush(d);
		draw_colour(d, rgb);
		cairo_move_to(d->cr, x, y);
		pango_cairo_show_layout(d->cr, e->layout);
	}
	return (double)e->logical.height / PANGO_SCALE;
}

double draw_line_height(struct draw *d, enum draw_font font)
{
	const struct cached_layout *e = layout_for(d, font, "Ag", 0, false);

	return e ? (double)e->logical.height / PANGO_SCALE : 0;
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
