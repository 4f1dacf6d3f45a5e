/*
 * contract_export.c — a contract back to canonical YAML.
 *
 * The output is what docs/CONTRACTS.md shows and what ft_contract_parse
 * reads back to an equal contract (ft_contract_equal): fields in a fixed
 * order, percentages as exact "NN%" text (a 12-digit fraction is at most a
 * 10-decimal percentage, which the parser accepts exactly), money with at
 * least the currency's minor digits, free text in "quotes" with escapes,
 * defaults (base net_receipts, territories WW, recoupable 100 %) omitted.
 */
#include "fairtrack/contract.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt,
			      ap);
		va_end(ap);
		if (n < 0) {
			o->failed = 1;
			return;
		}
		if (o->buf && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap ? o->cap * 2 : 4096;
		while (cap <= o->len + (size_t)n)
			cap *= 2;
		char *grown = realloc(o->buf, cap);
		if (!grown) {
			o->failed = 1;
			return;
		}
		o->buf = grown;
		o->cap = cap;
	}
}

/* A YAML "quoted" scalar: escapes for '"', '\' and control bytes. */
static void put_quoted(struct out *o, const char *s)
{
	put(o, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			put(o, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			put(o, "\\x%02x", ch);
		else
			put(o, "%c", ch);
	}
	put(o, "\"");
}

static void put_percent(struct out *o, ft_amount fraction)
{
	char buf[FT_AMOUNT_STR_MAX];
	ft_amount pct;

	ft_amount_mul_int(&pct, fraction, 100);
	ft_amount_format(buf, sizeof(buf), pct, 0);
	put(o, "%s%%", buf);
}

static void put_money(struct out *o, ft_amount amount, int minor_units)
{
	char buf[FT_AMOUNT_STR_MAX];

	ft_amount_format(buf, sizeof(buf), amount, minor_units);
	put(o, "%s", buf);
}

static void put_date(struct out *o, ft_date date)
{
	char buf[11];

	ft_date_format(buf, date);
	put(o, "%s", buf);
}

static void put_territories(struct out *o, const struct ft_territory_set *set)
{
	char buf[2048];

	ft_territory_set_format(buf, sizeof(buf), set);
	put_quoted(o, buf);
}

int ft_contract_to_yaml(char **out, size_t *len_out, const struct ft_contract *c,
			struct ft_error *err)
{
	struct ft_territory_set ww;
	struct out o = {0};
	size_t i;

	*out = NULL;
	ft_territory_set_parse(&ww, "WW", 2, NULL);
	put(&o, "---\nid: %s\n", c->id);
	if (c->label[0]) {
		put(&o, "label: ");
		put_quoted(&o, c->label);
		put(&o, "\n");
	}
	put(&o, "type: %s\n", ft_contract_type_name(c->type));
	if (c->base != FT_BASE_NET_RECEIPTS)
		put(&o, "base: %s\n", ft_contract_base_name(c->base));
	put(&o, "currency: %s\nfrequency: %s\n", c->currency,
	    ft_contract_frequency_name(c->frequency));
	if (c->cross_collateral[0])
		put(&o, "cross_collateral: %s\n", c->cross_collateral);
	if (c->type == FT_CONTRACT_DISTRIBUTION) {
		put(&o, "fee: ");
		put_percent(&o, c->fee);
		put(&o, "\n");
	}
	put(&o, "payees:\n");
	for (i = 0; i < c->n_payees; i++) {
		put(&o, "  - id: %s\n", c->payees[i].id);
		if (c->payees[i].name[0]) {
			put(&o, "    name: ");
			put_quoted(&o, c->payees[i].name);
			put(&o, "\n");
		}
		put(&o, "    share: ");
		put_percent(&o, c->payees[i].share);
		put(&o, "\n");
	}
	put(&o, "scope:\n");
	if (c->scope.n_artists) {
		put(&o, "  artists:\n");
		for (i = 0; i < c->scope.n_artists; i++)
			put(&o, "    - %s\n", c->scope.artists[i]);
	}
	if (c->scope.n_tracks) {
		put(&o, "  tracks:\n");
		for (i = 0; i < c->scope.n_tracks; i++)
			put(&o, "    - %s\n", c->scope.tracks[i]);
	}
	if (c->scope.n_releases) {
		/* quoted: a GTIN with a leading zero must stay text */
		put(&o, "  releases:\n");
		for (i = 0; i < c->scope.n_releases; i++)
			put(&o, "    - \"%s\"\n", c->scope.releases[i]);
	}
	if (memcmp(&c->scope.territories, &ww, sizeof(ww)) != 0) {
		put(&o, "  territories: ");
		put_territories(&o, &c->scope.territories);
		put(&o, "\n");
	}
	put(&o, "  start: ");
	put_date(&o, c->scope.start);
	put(&o, "\n");
	if (c->scope.end) {
		put(&o, "  end: ");
		put_date(&o, c->scope.end);
		put(&o, "\n");
	}
	if (c->n_rules)
		put(&o, "rates:\n");
	for (i = 0; i < c->n_rules; i++) {
		const struct ft_contract_rule *r = &c->rules[i];

		put(&o, "  - rate: ");
		put_percent(&o, r->rate);
		put(&o, "\n");
		if (r->use_type[0])
			put(&o, "    use_type: %s\n", r->use_type);
		if (r->commercial_model[0])
			put(&o, "    commercial_model: %s\n", r->commercial_model);
		if (!r->any_territory) {
			put(&o, "    territory: ");
			put_territories(&o, &r->territories);
			put(&o, "\n");
		}
		if (r->release_format[0])
			put(&o, "    release_format: %s\n", r->release_format);
	}
	if (c->n_escalations)
		put(&o, "escalations:\n");
	for (i = 0; i < c->n_escalations; i++) {
		put(&o, "  - units: %lld\n    add: ", (long long)c->escalations[i].units);
		put_percent(&o, c->escalations[i].add);
		put(&o, "\n");
	}
	if (c->n_advances)
		put(&o, "advances:\n");
	for (i = 0; i < c->n_advances; i++) {
		const struct ft_contract_advance *a = &c->advances[i];

		put(&o, "  - amount: ");
		put_money(&o, a->amount,
			  a->currency[0] ? ft_currency_minor_units(a->currency) : c->minor_units);
		put(&o, "\n    currency: %s\n    date: ", a->currency[0] ? a->currency : c->currency);
		put_date(&o, a->date);
		put(&o, "\n");
		if (a->payee[0])
			put(&o, "    payee: %s\n", a->payee);
	}
	if (c->n_costs)
		put(&o, "costs:\n");
	for (i = 0; i < c->n_costs; i++) {
		const struct ft_contract_cost *k = &c->costs[i];

		put(&o, "  - description: ");
		put_quoted(&o, k->description);
		put(&o, "\n    amount: ");
		put_money(&o, k->amount,
			  k->currency[0] ? ft_currency_minor_units(k->currency) : c->minor_units);
		put(&o, "\n    currency: %s\n    date: ", k->currency[0] ? k->currency : c->currency);
		put_date(&o, k->date);
		put(&o, "\n");
		if (k->recoupable != FT_AMOUNT_ONE) {
			put(&o, "    recoupable: ");
			put_percent(&o, k->recoupable);
			put(&o, "\n");
		}
		if (k->payee[0])
			put(&o, "    payee: %s\n", k->payee);
	}
	if (c->reserve_rate > 0) {
		put(&o, "reserve:\n  percent: ");
		put_percent(&o, c->reserve_rate);
		put(&o, "\n  release_after: %d\n", c->reserve_periods);
	}
	if (o.failed) {
		free(o.buf);
		return ft_error_set(err, FT_ENOMEM, "out of memory writing contract '%s'", c->id);
	}
	*out = o.buf;
	if (len_out)
		*len_out = o.len;
	return 0;
}
