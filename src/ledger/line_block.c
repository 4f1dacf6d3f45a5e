/*
 * line_block.c — royalty lines packed in blocks (line_block.h).
 *
 * Hand-written varints rather than a library: this is the run's hot path
 * (one encode per royalty line, 20 million a run) and the format is ten
 * fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/line_block.h"

#define FORMAT_VERSION 1

enum {
	LB_USAGE = 1 << 0,
	LB_INCOME = 1 << 1,
	LB_RULE = 1 << 2,
	LB_TIER = 1 << 3,
	LB_RATE = 1 << 4,
	LB_ALLOC = 1 << 5,
	LB_KNOWN = (1 << 6) - 1,
};

typedef unsigned __int128 u128;

/* A line's worst case: a flags byte, four 64-bit varints (10 bytes each),
 * two 32-bit ones (5) and four 128-bit ones (19). */
#define LINE_BYTES_MAX (1 + 4 * 10 + 2 * 5 + 4 * 19)

/* ---- encoding ------------------------------------------------------------------ */

static uint8_t *put_varint(uint8_t *p, u128 v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static u128 zigzag128(ft_amount x)
{
	return ((u128)x << 1) ^ (u128)(x >> 127);
}

static u128 zigzag64(int64_t x)
{
	return (u128)(((uint64_t)x << 1) ^ (uint64_t)(x >> 63));
}

/* What the encoder of one block remembers between lines. */
struct enc {
	int64_t posting, first_seq;
	size_t n, len, cap;
	int64_t prev_usage, prev_income;
	ft_amount prev_rate;
	uint8_t *buf;
};

static void enc_reset(struct enc *e, int64_t posting, int64_t first_seq)
{
	e->posting = posting;
	e->first_seq = first_seq;
	e->n = 0;
	e->len = 1;
	e->buf[0] = FORMAT_VERSION;
	e->prev_usage = e->prev_income = 0;
	e->prev_rate = 0;
}

/* Append one line; the buffer has room (LINE_BYTES_MAX checked by caller). */
static void enc_line(struct enc *e, const struct line_rec *r)
{
	uint8_t *p = e->buf + e->len, *flags = p++;
	unsigned f = 0;

	if (r->usage_id) {
		f |= LB_USAGE;
		p = put_varint(
		    p, zigzag64((int64_t)((uint64_t)r->usage_id - (uint64_t)e->prev_usage)));
		e->prev_usage = r->usage_id;
	}
	if (r->income_id) {
		f |= LB_INCOME;
		p = put_varint(
		    p, zigzag64((int64_t)((uint64_t)r->income_id - (uint64_t)e->prev_income)));
		e->prev_income = r->income_id;
	}
	if (r->rule >= 0) {
		f |= LB_RULE;
		p = put_varint(p, (u128)r->rule);
	}
	if (r->tier) {
		f |= LB_TIER;
		p = put_varint(p, (u128)(uint32_t)r->tier);
	}
	p = put_varint(p, zigzag64(r->units));
	p = put_varint(p, zigzag128(r->base));
	if (r->rate != e->prev_rate) {
		f |= LB_RATE;
		p = put_varint(p, zigzag128(r->rate));
		e->prev_rate = r->rate;
	}
	p = put_varint(p, zigzag128(r->royalty));
	if (r->allocation) {
		f |= LB_ALLOC;
		p = put_varint(p, zigzag128(r->allocated));
	}
	*flags = (uint8_t)f;
	e->len = (size_t)(p - e->buf);
	e->n++;
}

size_t line_block_encode(void *out, size_t cap, const struct line_rec *recs, size_t n)
{
	struct enc e;
	size_t i;

	if (n == 0 || n > LINE_BLOCK_MAX || cap < line_block_bound(n))
		return 0;
	e.buf = out;
	enc_reset(&e, recs[0].posting, recs[0].seq);
	for (i = 0; i < n; i++)
		enc_line(&e, &recs[i]);
	return e.len;
}

size_t line_block_bound(size_t n)
{
	return 1 + n * LINE_BYTES_MAX;
}

/* ---- decoding ------------------------------------------------------------------ */

struct dec {
	const uint8_t *p, *end;
	size_t line;
	struct ft_error *err;
};

static int bad(struct dec *d, const char *what)
{
	return ft_error_set(d->err, FT_EINVAL, "royalty line block: line %zu: %s", d->line + 1,
			    what);
}

/* A varint of at most bits bits. */
static int get_varint(struct dec *d, unsigned bits, u128 *out, const char *field)
{
	u128 v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t b;

		if (d->p == d->end)
			return bad(d, field);
		b = *d->p++;
		if (shift >= bits || (shift && (u128)(b & 0x7f) >> (bits - shift)))
			return bad(d, field);
		v |= (u128)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	*out = v;
	return 0;
}

static int get_i64(struct dec *d, int64_t *out, const char *field)
{
	u128 v = 0;
	int rc = get_varint(d, 64, &v, field);

	if (!rc) {
		uint64_t u = (uint64_t)v;

		*out = (int64_t)((u >> 1) ^ (0 - (u & 1)));
	}
	return rc;
}

static int get_amount(struct dec *d, ft_amount *out, const char *field)
{
	u128 v = 0;
	int rc = get_varint(d, 128, &v, field);

	if (!rc)
		*out = (ft_amount)((v >> 1) ^ (0 - (v & 1)));
	return rc;
}

static int get_i32(struct dec *d, int32_t *out, const char *field)
{
	u128 v = 0;
	int rc = get_varint(d, 32, &v, field);

	if (!rc && v > INT32_MAX)
		rc = bad(d, field);
	if (!rc)
		*out = (int32_t)v;
	return rc;
}

int line_block_decode(const void *data, size_t len, size_t n, struct line_rec *out,
		      struct ft_error *err)
{
	struct dec d = {data, (const uint8_t *)data + len, 0, err};
	int64_t usage = 0, income = 0;
	ft_amount rate = 0;
	int rc = 0;

	if (n == 0 || n > LINE_BLOCK_MAX)
		return ft_error_set(err, FT_EINVAL, "royalty line block: %zu lines", n);
	if (!data || len == 0 || *d.p != FORMAT_VERSION)
		return ft_error_set(err, FT_EINVAL,
				    "royalty line block: not format %d (written by a newer "
				    "fairtrack, or damaged)",
				    FORMAT_VERSION);
	d.p++;
	for (d.line = 0; !rc && d.line < n; d.line++) {
		struct line_rec *r = &out[d.line];
		unsigned f;
		int64_t delta = 0;

		if (d.p == d.end)
			return bad(&d, "missing");
		f = *d.p++;
		if (f & ~(unsigned)LB_KNOWN)
			return bad(&d, "unknown flags");
		memset(r, 0, sizeof(*r));
		r->rule = -1;
		if (f & LB_USAGE) {
			rc = get_i64(&d, &delta, "usage_id");
			usage = (int64_t)((uint64_t)usage + (uint64_t)delta);
			r->usage_id = usage;
		}
		if (!rc && (f & LB_INCOME)) {
			rc = get_i64(&d, &delta, "income_id");
			income = (int64_t)((uint64_t)income + (uint64_t)delta);
			r->income_id = income;
		}
		if (!rc && (f & LB_RULE))
			rc = get_i32(&d, &r->rule, "rule");
		if (!rc && (f & LB_TIER))
			rc = get_i32(&d, &r->tier, "tier");
		if (!rc)
			rc = get_i64(&d, &r->units, "units");
		if (!rc)
			rc = get_amount(&d, &r->base, "base");
		if (!rc && (f & LB_RATE))
			rc = get_amount(&d, &rate, "rate");
		r->rate = rate;
		if (!rc)
			rc = get_amount(&d, &r->royalty, "royalty");
		r->allocation = (f & LB_ALLOC) != 0;
		if (!rc && r->allocation)
			rc = get_amount(&d, &r->allocated, "allocated");
	}
	if (!rc && d.p != d.end)
		rc = ft_error_set(err, FT_EINVAL,
				  "royalty line block: %zu bytes after its %zu lines",
				  (size_t)(d.end - d.p), n);
	return rc;
}

/* ---- the sink ------------------------------------------------------------------ */

/* Open blocks past this many bytes are all written: a run's open postings
 * are the few of the contract being computed plus finished ones not yet
 * full, so this is reached rarely and bounds memory whatever the run
 * (a block that fills is written at once). */
#define OPEN_BYTES_MAX (8u << 20)

struct line_block_sink {
	struct ft_store *store;
	struct ft_stmt *ins;
	char *period;
	struct enc *encs; /* the open blocks */
	size_t n_encs, cap_encs;
	size_t *slots;	/* posting → index into encs + 1; 0 empty (open addressing) */
	size_t n_slots; /* a power of two, > 2 × n_encs */
	size_t open_bytes;
};

static size_t slot_of(const struct line_block_sink *s, int64_t posting)
{
	size_t h = (size_t)((uint64_t)posting * 0x9e3779b97f4a7c15u) & (s->n_slots - 1);

	while (s->slots[h] && s->encs[s->slots[h] - 1].posting != posting)
		h = (h + 1) & (s->n_slots - 1);
	return h;
}

static int write_block(struct line_block_sink *s, struct enc *e, struct ft_error *err)
{
	int rc;

	if (e->n == 0)
		return 0;
	rc = ft_stmt_reset(s->ins, err);
	if (!rc)
		rc = ft_stmt_bind_text(s->ins, 1, s->period, err);
	if (!rc)
		rc = ft_stmt_bind_int64(s->ins, 2, e->posting, err);
	if (!rc)
		rc = ft_stmt_bind_int64(s->ins, 3, e->first_seq, err);
	if (!rc)
		rc = ft_stmt_bind_int64(s->ins, 4, (int64_t)e->n, err);
	if (!rc)
		rc = ft_stmt_bind_blob(s->ins, 5, e->buf, e->len, err);
	if (!rc)
		rc = ft_stmt_run(s->ins, err);
	s->open_bytes -= e->len - 1;
	enc_reset(e, e->posting, e->first_seq + (int64_t)e->n);
	return rc;
}

/* Write every open block and forget them (the buffers are kept). */
static int write_all(struct line_block_sink *s, struct ft_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < s->n_encs; i++)
		rc = write_block(s, &s->encs[i], err);
	for (i = 0; i < s->n_encs; i++)
		free(s->encs[i].buf);
	s->n_encs = 0;
	s->open_bytes = 0;
	memset(s->slots, 0, s->n_slots * sizeof(*s->slots));
	return rc;
}

int line_block_sink_open(struct line_block_sink **out, struct ft_store *store, const char *period,
			 struct ft_error *err)
{
	struct line_block_sink *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s || !(s->period = strdup(period)) ||
	    !(s->slots = calloc(s->n_slots = 256, sizeof(*s->slots)))) {
		line_block_sink_free(s);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	s->store = store;
	rc = ft_store_prepare(
	    store, &s->ins,
	    "INSERT INTO royalty_line_blocks (period, posting, first_seq, n, lines) "
	    "VALUES (?, ?, ?, ?, ?)",
	    err);
	if (rc) {
		line_block_sink_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Room for one more open block in the table and the index. */
static int grow(struct line_block_sink *s, struct ft_error *err)
{
	size_t i;

	if (s->n_encs == s->cap_encs) {
		size_t cap = s->cap_encs ? 2 * s->cap_encs : 64;
		struct enc *e = realloc(s->encs, cap * sizeof(*e));

		if (!e)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		s->encs = e;
		s->cap_encs = cap;
	}
	if (2 * (s->n_encs + 1) > s->n_slots) {
		size_t *slots = calloc(2 * s->n_slots, sizeof(*slots));

		if (!slots)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		free(s->slots);
		s->slots = slots;
		s->n_slots *= 2;
		for (i = 0; i < s->n_encs; i++)
			s->slots[slot_of(s, s->encs[i].posting)] = i + 1;
	}
	return 0;
}

int line_block_sink_add(struct line_block_sink *s, const struct line_rec *rec, struct ft_error *err)
{
	struct enc *e;
	size_t h;
	int rc;

	if (s->open_bytes > OPEN_BYTES_MAX && (rc = write_all(s, err)) != 0)
		return rc;
	h = slot_of(s, rec->posting);
	if (!s->slots[h]) {
		if ((rc = grow(s, err)) != 0)
			return rc;
		h = slot_of(s, rec->posting);
		e = &s->encs[s->n_encs];
		e->cap = (size_t)64 * LINE_BYTES_MAX;
		if (!(e->buf = malloc(e->cap)))
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		enc_reset(e, rec->posting, rec->seq);
		s->slots[h] = ++s->n_encs;
	}
	e = &s->encs[s->slots[h] - 1];
	/* A block holds consecutive seqs: a gap starts the next block. */
	if ((e->n && rec->seq != e->first_seq + (int64_t)e->n) || e->n == LINE_BLOCK_MAX) {
		if ((rc = write_block(s, e, err)) != 0)
			return rc;
	}
	if (e->n == 0)
		e->first_seq = rec->seq;
	if (e->cap - e->len < LINE_BYTES_MAX) {
		size_t cap = e->cap + e->cap / 2;
		uint8_t *b = realloc(e->buf, cap);

		if (!b)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		e->buf = b;
		e->cap = cap;
	}
	s->open_bytes -= e->len;
	enc_line(e, rec);
	s->open_bytes += e->len;
	return 0;
}

int line_block_sink_close(struct line_block_sink *s, struct ft_error *err)
{
	int rc = write_all(s, err);

	line_block_sink_free(s);
	return rc;
}

void line_block_sink_free(struct line_block_sink *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_encs; i++)
		free(s->encs[i].buf);
	free(s->encs);
	free(s->slots);
	free(s->period);
	ft_stmt_free(s->ins);
	free(s);
}

/* ---- migration 12 -------------------------------------------------------------- */

int line_block_migrate_rows(struct ft_store *store, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct line_block_sink *sink = NULL;
	char period[32] = "";
	int rc, step = 0;

	rc =
	    ft_store_prepare(store, &st,
			     "SELECT period, posting, seq, COALESCE(usage_id, 0), "
			     "COALESCE(income_id, 0), COALESCE(rule, -1), tier, units, base, rate, "
			     "royalty, allocated FROM royalty_lines ORDER BY period, posting, seq",
			     err);
	while (!rc && (step = ft_stmt_step(st, err)) == 1) {
		struct line_rec r;
		const char *p = ft_stmt_column_text(st, 0);

		if (!sink || strcmp(p, period) != 0) {
			if (sink && (rc = line_block_sink_close(sink, err)) != 0) {
				sink = NULL;
				break;
			}
			sink = NULL;
			snprintf(period, sizeof(period), "%s", p);
			if ((rc = line_block_sink_open(&sink, store, period, err)) != 0)
				break;
		}
		memset(&r, 0, sizeof(r));
		r.posting = ft_stmt_column_int64(st, 1);
		r.seq = ft_stmt_column_int64(st, 2);
		r.usage_id = ft_stmt_column_int64(st, 3);
		r.income_id = ft_stmt_column_int64(st, 4);
		r.rule = (int32_t)ft_stmt_column_int64(st, 5);
		r.tier = (int32_t)ft_stmt_column_int64(st, 6);
		r.units = ft_stmt_column_int64(st, 7);
		rc = ft_stmt_column_amount(st, 8, &r.base, err);
		if (!rc)
			rc = ft_stmt_column_amount(st, 9, &r.rate, err);
		if (!rc)
			rc = ft_stmt_column_amount(st, 10, &r.royalty, err);
		r.allocation = !ft_stmt_column_is_null(st, 11);
		if (!rc && r.allocation)
			rc = ft_stmt_column_amount(st, 11, &r.allocated, err);
		if (!rc && sink)
			rc = line_block_sink_add(sink, &r, err);
	}
	if (!rc && step < 0)
		rc = step;
	ft_stmt_free(st);
	if (!rc && sink)
		rc = line_block_sink_close(sink, err);
	else
		line_block_sink_free(sink);
	if (!rc)
		rc = ft_store_exec(store, "DROP TABLE royalty_lines", err);
	return rc;
}
