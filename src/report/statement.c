/*
 * statement.c — the statement model: building it, the printed figures and the
 * breakdowns every renderer shares (include/fairtrack/statement.h).
 *
 * The one rule that matters here: what is printed is rounded DOWN to the
 * currency's minor unit, and a printed total is always the sum of the printed
 * figures it totals.  So the rounding happens per line (each line's royalty
 * floors on its own), totals add the floored lines, and the balance block
 * gathers the fractions the flooring cut into a line of its own, p_rounding,
 * so that it still adds up to the printed balance, which is the floor of the
 * exact one.  Nothing here uses floating point.
 *
 * Strings live in a small bump arena owned by the statement: a statement of
 * 10,000 lines makes a few dozen allocations, not 60,000.
 */
#include "fairtrack/statement.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fairtrack/ids.h"

#define ARENA_BLOCK 16384

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct ft_statement_arena {
	struct arena_block *head;
};

static void *arena_alloc(struct ft_statement_arena *a, size_t n)
{
	struct arena_block *b = a->head;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

static char *arena_strdup(struct ft_statement_arena *a, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	char *copy = arena_alloc(a, len + 1);

	if (!copy)
		return NULL;
	if (len)
		memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

int ft_statement_new(struct ft_statement **out, struct ft_error *err)
{
	struct ft_statement *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	st->arena = calloc(1, sizeof(*st->arena));
	if (!st->arena) {
		free(st);
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	}
	memcpy(st->currency, "EUR", 4);
	st->id = st->label = st->payee_id = st->payee_name = st->account = st->issued = "";
	st->non_attributable_note = "";
	st->period.months = 1;
	*out = st;
	return 0;
}

void ft_statement_free(struct ft_statement *st)
{
	struct arena_block *b, *next;

	if (!st)
		return;
	for (b = st->arena ? st->arena->head : NULL; b; b = next) {
		next = b->next;
		free(b);
	}
	free(st->arena);
	free(st->lines);
	free(st->charges);
	free(st->fx);
	free(st->history);
	free(st->terms);
	free(st);
}

static int set_text(struct ft_statement *st, char **field, const char *value, struct ft_error *err)
{
	char *copy;

	if (!value)
		return 0;
	copy = arena_strdup(st->arena, value);
	if (!copy)
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	*field = copy;
	return 0;
}

int ft_statement_set_header(struct ft_statement *st, const char *id, const char *label,
			    const char *payee_id, const char *payee_name, const char *account,
			    const char *issued, const char *currency, struct ft_error *err)
{
	int rc;

	if (currency) {
		if (strlen(currency) != 3 || ft_currency_minor_units(currency) < 0)
			return ft_error_set(
			    err, FT_EINVAL,
			    "statement: currency '%s' is not an ISO 4217 code with a "
			    "minor unit (use e.g. EUR, USD, JPY)",
			    currency);
		memcpy(st->currency, currency, 4);
	}
	if ((rc = set_text(st, &st->id, id, err)) || (rc = set_text(st, &st->label, label, err)) ||
	    (rc = set_text(st, &st->payee_id, payee_id, err)) ||
	    (rc = set_text(st, &st->payee_name, payee_name, err)) ||
	    (rc = set_text(st, &st->account, account, err)) ||
	    (rc = set_text(st, &st->issued, issued, err)))
		return rc;
	return 0;
}

int ft_statement_set_note(struct ft_statement *st, const char *note, struct ft_error *err)
{
	return set_text(st, &st->non_attributable_note, note, err);
}

/* Grow an array of `size`-byte items to hold one more. */
static int grow(void **items, size_t *cap, size_t n, size_t size, struct ft_error *err)
{
	size_t new_cap;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 16;
	p = realloc(*items, new_cap * size);
	if (!p)
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	*items = p;
	*cap = new_cap;
	return 0;
}

/* Copy a text into the arena, with line breaks and tabs made spaces: every
 * renderer prints a field on one line, and the CSV stays one record a line. */
static const char *copy_field(struct ft_statement *st, const char *s, bool *oom)
{
	char *copy = arena_strdup(st->arena, s);
	char *p;

	if (!copy) {
		*oom = true;
		return "";
	}
	for (p = copy; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return copy;
}

int ft_statement_add_line(struct ft_statement *st, const struct ft_statement_line *line,
			  struct ft_error *err)
{
	struct ft_statement_line *l;
	bool oom = false;
	int rc;

	if ((rc = grow((void **)&st->lines, &st->cap_lines, st->n_lines, sizeof(*l), err)))
		return rc;
	l = &st->lines[st->n_lines];
	*l = *line;
	l->track = copy_field(st, line->track, &oom);
	l->isrc = copy_field(st, line->isrc, &oom);
	l->release = copy_field(st, line->release, &oom);
	l->upc = copy_field(st, line->upc, &oom);
	l->store = copy_field(st, line->store, &oom);
	l->commercial_model = copy_field(st, line->commercial_model, &oom);
	l->use_type = copy_field(st, line->use_type, &oom);
	l->territory[2] = '\0';
	if (oom)
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	st->n_lines++;
	return 0;
}

int ft_statement_add_charge(struct ft_statement *st, const struct ft_statement_charge *charge,
			    struct ft_error *err)
{
	struct ft_statement_charge *c;
	bool oom = false;
	int rc;

	if (charge->kind != FT_CHARGE_ADVANCE && charge->kind != FT_CHARGE_COST)
		return ft_error_set(err, FT_EINVAL,
				    "statement: charge kind %d is neither an "
				    "advance nor a cost",
				    (int)charge->kind);
	if ((rc = grow((void **)&st->charges, &st->cap_charges, st->n_charges, sizeof(*c), err)))
		return rc;
	c = &st->charges[st->n_charges];
	*c = *charge;
	c->date = copy_field(st, charge->date, &oom);
	c->description = copy_field(st, charge->description, &oom);
	if (oom)
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	st->n_charges++;
	return 0;
}

int ft_statement_add_fx(struct ft_statement *st, const struct ft_statement_fx *fx,
			struct ft_error *err)
{
	struct ft_statement_fx *f;
	bool oom = false;
	int rc;

	if ((rc = grow((void **)&st->fx, &st->cap_fx, st->n_fx, sizeof(*f), err)))
		return rc;
	f = &st->fx[st->n_fx];
	*f = *fx;
	f->from[3] = f->to[3] = '\0';
	f->source = copy_field(st, fx->source, &oom);
	if (oom)
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	st->n_fx++;
	return 0;
}

int ft_statement_add_history(struct ft_statement *st, struct ft_period period, ft_amount royalties,
			     struct ft_error *err)
{
	int rc;

	if ((rc = grow((void **)&st->history, &st->cap_history, st->n_history, sizeof(*st->history),
		       err)))
		return rc;
	st->history[st->n_history].period = period;
	st->history[st->n_history].royalties = royalties;
	st->n_history++;
	return 0;
}

int ft_statement_add_term(struct ft_statement *st, const char *sentence, struct ft_error *err)
{
	bool oom = false;
	int rc;

	if ((rc = grow((void **)&st->terms, &st->cap_terms, st->n_terms, sizeof(*st->terms), err)))
		return rc;
	st->terms[st->n_terms] = (char *)copy_field(st, sentence, &oom);
	if (oom)
		return ft_error_set(err, FT_ENOMEM, "statement: out of memory");
	st->n_terms++;
	return 0;
}

static int line_cmp(const void *pa, const void *pb)
{
	const struct ft_statement_line *a = pa, *b = pb;
	int c;

	if (a->non_attributable != b->non_attributable)
		return a->non_attributable ? 1 : -1;
	/* Titles and stores as people read them ("iTunes" among the I's); the
	 * byte comparison after makes the order total. */
	if ((c = strcasecmp(a->track, b->track)) || (c = strcmp(a->track, b->track)) ||
	    (c = strcmp(a->isrc, b->isrc)) || (c = strcasecmp(a->store, b->store)) ||
	    (c = strcmp(a->store, b->store)) || (c = strcmp(a->territory, b->territory)) ||
	    (c = strcmp(a->commercial_model, b->commercial_model)) ||
	    (c = strcmp(a->use_type, b->use_type)))
		return c;
	/* Equal keys: order by amount so even duplicates sort the same every time. */
	if (a->royalty != b->royalty)
		return a->royalty < b->royalty ? -1 : 1;
	if (a->receipts != b->receipts)
		return a->receipts < b->receipts ? -1 : 1;
	return (a->units > b->units) - (a->units < b->units);
}

void ft_statement_sort_lines(struct ft_statement *st)
{
	if (st->n_lines > 1)
		qsort(st->lines, st->n_lines, sizeof(*st->lines), line_cmp);
}

/* ---- printed figures ------------------------------------------------------- */

ft_amount ft_statement_printed(ft_amount exact, int minor_units)
{
	ft_amount rounded = exact;

	/* Only FT_EOVERFLOW near FT_AMOUNT_MIN is possible; keep the exact value
	 * then, which no real statement can reach. */
	if (ft_amount_round_minor(&rounded, NULL, exact, minor_units) != 0)
		return exact;
	return rounded;
}

#define ADD(dst, v)                                                                                \
	do {                                                                                       \
		if (ft_amount_add(&(dst), (dst), (v)))                                             \
			goto overflow;                                                             \
	} while (0)
#define SUB(dst, v)                                                                                \
	do {                                                                                       \
		if (ft_amount_sub(&(dst), (dst), (v)))                                             \
			goto overflow;                                                             \
	} while (0)

int ft_statement_summarize(const struct ft_statement *st, struct ft_statement_summary *s,
			   struct ft_error *err)
{
	int mu = ft_currency_minor_units(st->currency);
	ft_amount free_balance, sum;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (mu < 0)
		return ft_error_set(err, FT_EINVAL, "statement %s: unknown currency '%s'", st->id,
				    st->currency);
	s->minor_units = mu;
	for (i = 0; i < st->n_lines; i++) {
		const struct ft_statement_line *l = &st->lines[i];
		ft_amount p = ft_statement_printed(l->royalty, mu);

		ADD(s->royalties, l->royalty);
		ADD(s->receipts, l->receipts);
		ADD(s->p_royalties, p);
		if (l->non_attributable)
			ADD(s->p_non_attributable, p);
		s->units += l->units;
	}
	for (i = 0; i < st->n_charges; i++) {
		const struct ft_statement_charge *c = &st->charges[i];
		ft_amount p = ft_statement_printed(c->amount, mu);

		if (c->kind == FT_CHARGE_ADVANCE) {
			ADD(s->advances, c->amount);
			ADD(s->p_advances, p);
		} else {
			ADD(s->costs, c->amount);
			ADD(s->p_costs, p);
		}
	}
	/* ACCT-5 */
	s->balance = st->opening;
	ADD(s->balance, s->royalties);
	SUB(s->balance, s->advances);
	SUB(s->balance, s->costs);
	/* ACCT-6 */
	s->reserve_held = st->reserve_held_before;
	ADD(s->reserve_held, st->reserve_withheld);
	SUB(s->reserve_held, st->reserve_released);
	/* ACCT-7: payable rounds down; the rest stays in the balance. */
	free_balance = s->balance;
	SUB(free_balance, s->reserve_held);
	s->payable = free_balance > 0 ? ft_statement_printed(free_balance, mu) : 0;
	s->carried = s->balance;
	SUB(s->carried, s->payable);

	s->p_opening = ft_statement_printed(st->opening, mu);
	s->p_balance = ft_statement_printed(s->balance, mu);
	/* The fractions cut from the opening, the lines and the charges, gathered
	 * so the printed block adds up: opening + royalties − charges + rounding. */
	sum = s->p_opening;
	ADD(sum, s->p_royalties);
	SUB(sum, s->p_advances);
	SUB(sum, s->p_costs);
	s->p_rounding = s->p_balance;
	SUB(s->p_rounding, sum);
	s->p_reserve_withheld = ft_statement_printed(st->reserve_withheld, mu);
	s->p_reserve_released = ft_statement_printed(st->reserve_released, mu);
	s->p_payable = s->payable;
	/* When something is paid, the reserve is printed as the difference that
	 * makes "balance − reserve = payable" exact; it differs from the floor of
	 * the exact reserve by at most one minor unit (docs/STATEMENTS.md). */
	if (s->payable > 0) {
		s->p_reserve_held = s->p_balance;
		SUB(s->p_reserve_held, s->p_payable);
	} else {
		s->p_reserve_held = ft_statement_printed(s->reserve_held, mu);
	}
	s->p_carried = s->p_balance;
	SUB(s->p_carried, s->p_payable);
	s->carried_fraction = s->carried;
	SUB(s->carried_fraction, s->p_carried);
	s->p_to_recoup = s->p_carried < 0 ? -s->p_carried : 0;
	return 0;
overflow:
	return ft_error_set(err, FT_EOVERFLOW, "statement %s: a total does not fit an amount",
			    st->id);
}

/* ---- breakdowns ------------------------------------------------------------ */

static const char *dim_key(const struct ft_statement_line *l, enum ft_statement_dim dim)
{
	switch (dim) {
	case FT_DIM_STORE:
		return l->store;
	case FT_DIM_TERRITORY:
		return l->territory;
	case FT_DIM_TRACK:
		return l->isrc[0] ? l->isrc : l->track;
	case FT_DIM_RELEASE:
		return l->upc[0] ? l->upc : l->release;
	default:
		return "";
	}
}

static const char *dim_label(const struct ft_statement_line *l, enum ft_statement_dim dim)
{
	switch (dim) {
	case FT_DIM_TRACK:
		return l->track[0] ? l->track : l->isrc;
	case FT_DIM_RELEASE:
		return l->release[0] ? l->release : l->upc;
	default:
		return dim_key(l, dim);
	}
}

const char *ft_statement_dim_name(enum ft_statement_dim dim)
{
	static const char *const names[FT_DIM_COUNT] = {"store", "territory", "track", "release"};

	return (unsigned)dim < FT_DIM_COUNT ? names[dim] : "";
}

struct keyed {
	const char *key;
	size_t line;
};

static int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct ft_statement_group *a = pa, *b = pb;

	if (a->p_royalty != b->p_royalty)
		return a->p_royalty > b->p_royalty ? -1 : 1;
	if (a->royalty != b->royalty)
		return a->royalty > b->royalty ? -1 : 1;
	return strcmp(a->key, b->key);
}

int ft_statement_breakdown(const struct ft_statement *st, enum ft_statement_dim dim,
			   struct ft_statement_group **out, size_t *n_out, struct ft_error *err)
{
	int mu = ft_currency_minor_units(st->currency);
	struct ft_statement_group *rows = NULL;
	struct keyed *keys = NULL;
	size_t i, n = 0;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if ((unsigned)dim >= FT_DIM_COUNT)
		return ft_error_set(err, FT_EUSAGE, "statement: no breakdown dimension %d",
				    (int)dim);
	if (mu < 0)
		return ft_error_set(err, FT_EINVAL, "statement %s: unknown currency '%s'", st->id,
				    st->currency);
	if (st->n_lines == 0)
		return 0;
	keys = malloc(st->n_lines * sizeof(*keys));
	rows = calloc(st->n_lines, sizeof(*rows));
	if (!keys || !rows) {
		rc = ft_error_set(err, FT_ENOMEM, "statement: out of memory");
		goto out;
	}
	for (i = 0; i < st->n_lines; i++) {
		keys[i].key = dim_key(&st->lines[i], dim);
		keys[i].line = i;
	}
	/* Sorting by key (then line) makes the grouping and the label chosen for
	 * a key (the first line's) independent of the line order. */
	qsort(keys, st->n_lines, sizeof(*keys), keyed_cmp);
	for (i = 0; i < st->n_lines; i++) {
		const struct ft_statement_line *l = &st->lines[keys[i].line];
		struct ft_statement_group *g;

		if (n == 0 || strcmp(rows[n - 1].key, keys[i].key) != 0) {
			g = &rows[n++];
			g->key = keys[i].key;
			g->label = dim_label(l, dim);
		}
		g = &rows[n - 1];
		g->n_lines++;
		g->units += l->units;
		if (ft_amount_add(&g->receipts, g->receipts, l->receipts) ||
		    ft_amount_add(&g->royalty, g->royalty, l->royalty) ||
		    ft_amount_add(&g->p_royalty, g->p_royalty,
				  ft_statement_printed(l->royalty, mu))) {
			rc = ft_error_set(err, FT_EOVERFLOW,
					  "statement %s: a %s total does not fit an amount", st->id,
					  ft_statement_dim_name(dim));
			goto out;
		}
	}
	qsort(rows, n, sizeof(*rows), group_cmp);
	*out = rows;
	*n_out = n;
	rows = NULL;
out:
	free(keys);
	free(rows);
	return rc;
}

size_t ft_statement_top(struct ft_statement_group *rows, size_t n, size_t keep,
			const char *rest_label)
{
	struct ft_statement_group rest = {.key = "*", .label = rest_label, .rest = true};
	size_t i;

	if (n <= keep + 1)
		return n;
	for (i = keep; i < n; i++) {
		rest.n_lines += rows[i].n_lines;
		rest.units += rows[i].units;
		/* Parts of a total that fitted: their sum fits too. */
		rest.receipts += rows[i].receipts;
		rest.royalty += rows[i].royalty;
		rest.p_royalty += rows[i].p_royalty;
	}
	rows[keep] = rest;
	return keep + 1;
}

/* ---- display helpers ------------------------------------------------------- */

size_t ft_statement_money(char *buf, size_t cap, ft_amount amount, int minor_units)
{
	char plain[FT_AMOUNT_STR_MAX], out[FT_STATEMENT_MONEY_MAX];
	const char *digits, *dot;
	size_t int_len, o = 0, i, len;

	amount = ft_statement_printed(amount, minor_units);
	ft_amount_format(plain, sizeof(plain), amount, minor_units);
	digits = plain;
	if (*digits == '-') {
		out[o++] = '-';
		digits++;
	}
	dot = strchr(digits, '.');
	int_len = dot ? (size_t)(dot - digits) : strlen(digits);
	for (i = 0; i < int_len; i++) {
		if (i > 0 && (int_len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	if (dot) {
		/* ft_amount_format keeps at least minor_units digits and the value is
		 * a whole number of minor units, so exactly minor_units remain. */
		len = strlen(dot);
		memcpy(out + o, dot, len);
		o += len;
	}
	out[o] = '\0';
	if (cap == 0)
		return 0;
	if (o >= cap) {
		buf[0] = '\0';
		return 0;
	}
	memcpy(buf, out, o + 1);
	return o;
}

size_t ft_statement_percent(char *buf, size_t cap, ft_amount rate)
{
	char text[FT_AMOUNT_STR_MAX];
	ft_amount pct;
	int n;

	/* rate × 100, rounded down to 4 decimals. */
	if (ft_amount_mul_int(&pct, rate, 100))
		pct = rate;
	pct = ft_statement_printed(pct, 4);
	ft_amount_format(text, sizeof(text), pct, 0);
	n = snprintf(buf, cap, "%s%%", text);
	return n < 0 ? 0 : (size_t)n;
}

size_t ft_statement_basename(char *buf, size_t cap, const struct ft_statement *st)
{
	char period[FT_PERIOD_STR_MAX];
	size_t i, len;
	int n;

	if (cap == 0)
		return 0;
	ft_period_format(period, sizeof(period), &st->period);
	n = snprintf(buf, cap, "%s_%s_%s", period, st->payee_id, st->id);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	len = (size_t)n < cap ? (size_t)n : cap - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			buf[i] = '-';
	}
	return len;
}
