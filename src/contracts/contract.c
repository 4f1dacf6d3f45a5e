/*
 * contract.c — the contract model: validation, copy, equality, dates, scope
 * and rate-rule matching (see include/fairtrack/contract.h).
 *
 * Validation is the single gate every contract passes, whether it came from
 * a file or was built in memory: the parser only turns text into fields and
 * leaves every cross-field rule (shares sum to 100 %, rates in range, rules
 * unambiguous, dates ordered) to ft_contract_validate, so both paths refuse
 * exactly the same contracts with the same messages.  Messages carry the
 * file and line of the offending element (libyaml's mark, kept in the
 * struct) and a dotted field path ("payees[2].share").
 */
#include "fairtrack/contract.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *ft_contract_type_name(enum ft_contract_type type)
{
	switch (type) {
	case FT_CONTRACT_ROYALTY:
		return "royalty";
	case FT_CONTRACT_PROFIT_SPLIT:
		return "profit_split";
	case FT_CONTRACT_DISTRIBUTION:
		return "distribution";
	case FT_CONTRACT_LICENSE:
		return "license";
	}
	return "?";
}

const char *ft_contract_base_name(enum ft_contract_base base)
{
	return base == FT_BASE_GROSS ? "gross" : "net_receipts";
}

const char *ft_contract_frequency_name(enum ft_contract_frequency frequency)
{
	switch (frequency) {
	case FT_FREQ_MONTHLY:
		return "monthly";
	case FT_FREQ_QUARTERLY:
		return "quarterly";
	case FT_FREQ_HALF_YEARLY:
		return "half-yearly";
	}
	return "?";
}

/* ---- dates ---------------------------------------------------------------- */

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

int ft_date_parse(ft_date *out, const char *text, size_t len, struct ft_error *err)
{
	int year = 0, month, day;
	size_t i;

	if (len != 10 || text[4] != '-' || text[7] != '-')
		goto bad;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)text[i]))
			goto bad;
	for (i = 0; i < 4; i++)
		year = year * 10 + (text[i] - '0');
	month = (text[5] - '0') * 10 + (text[6] - '0');
	day = (text[8] - '0') * 10 + (text[9] - '0');
	if (year < 1900 || month < 1 || month > 12 || day < 1)
		goto bad;
	if (day > days_in_month(year, month))
		return ft_error_set(err, FT_EINVAL, "date '%.*s': %04d-%02d has only %d days",
				    (int)len, text, year, month, days_in_month(year, month));
	*out = year * 10000 + month * 100 + day;
	return 0;
bad:
	return ft_error_set(err, FT_EINVAL, "date '%.*s': expected YYYY-MM-DD (e.g. 2026-01-31)",
			    (int)(len > 40 ? 40 : len), text);
}

void ft_date_format(char buf[11], ft_date date)
{
	unsigned d = date > 0 ? (unsigned)date : 0;

	snprintf(buf, 11, "%04u-%02u-%02u", (d / 10000) % 10000, (d / 100) % 100, d % 100);
}

int ft_date_month(ft_date date)
{
	return (date / 10000) * 12 + (date / 100) % 100 - 1;
}

/* ---- lifetime ------------------------------------------------------------- */

void ft_contract_clear(struct ft_contract *c)
{
	if (!c)
		return;
	free(c->payees);
	free(c->scope.tracks);
	free(c->scope.releases);
	free(c->scope.artists);
	free(c->rules);
	free(c->escalations);
	free(c->advances);
	free(c->costs);
	memset(c, 0, sizeof(*c));
}

void ft_contract_array_free(struct ft_contract *contracts, size_t n)
{
	size_t i;

	if (!contracts)
		return;
	for (i = 0; i < n; i++)
		ft_contract_clear(&contracts[i]);
	free(contracts);
}

static int dup_array(void **dst, const void *src, size_t n, size_t size)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = malloc(n * size);
	if (!*dst)
		return FT_ENOMEM;
	memcpy(*dst, src, n * size);
	return 0;
}

int ft_contract_copy(struct ft_contract *dst, const struct ft_contract *src, struct ft_error *err)
{
	struct ft_contract c = *src;
	int rc = 0;

	c.payees = NULL;
	c.scope.tracks = NULL;
	c.scope.releases = NULL;
	c.scope.artists = NULL;
	c.rules = NULL;
	c.escalations = NULL;
	c.advances = NULL;
	c.costs = NULL;
	rc |= dup_array((void **)&c.payees, src->payees, src->n_payees, sizeof(*src->payees));
	rc |= dup_array((void **)&c.scope.tracks, src->scope.tracks, src->scope.n_tracks,
			sizeof(*src->scope.tracks));
	rc |= dup_array((void **)&c.scope.releases, src->scope.releases, src->scope.n_releases,
			sizeof(*src->scope.releases));
	rc |= dup_array((void **)&c.scope.artists, src->scope.artists, src->scope.n_artists,
			sizeof(*src->scope.artists));
	rc |= dup_array((void **)&c.rules, src->rules, src->n_rules, sizeof(*src->rules));
	rc |= dup_array((void **)&c.escalations, src->escalations, src->n_escalations,
			sizeof(*src->escalations));
	rc |=
	    dup_array((void **)&c.advances, src->advances, src->n_advances, sizeof(*src->advances));
	rc |= dup_array((void **)&c.costs, src->costs, src->n_costs, sizeof(*src->costs));
	if (rc) {
		ft_contract_clear(&c);
		return ft_error_set(err, FT_ENOMEM, "out of memory copying contract '%s'", src->id);
	}
	*dst = c;
	return 0;
}

/* ---- equality (fields only, never file or lines) --------------------------- */

static bool terr_equal(const struct ft_territory_set *a, const struct ft_territory_set *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

static bool differ(const char *a, const char *b)
{
	return strcmp(a, b) != 0;
}

bool ft_contract_equal(const struct ft_contract *a, const struct ft_contract *b)
{
	size_t i;

	if (differ(a->id, b->id) || differ(a->label, b->label) || a->type != b->type ||
	    a->base != b->base || differ(a->currency, b->currency) ||
	    a->frequency != b->frequency || differ(a->cross_collateral, b->cross_collateral) ||
	    a->fee != b->fee || a->reserve_rate != b->reserve_rate ||
	    (a->reserve_rate > 0 && a->reserve_periods != b->reserve_periods))
		return false;
	if (a->n_payees != b->n_payees || a->n_rules != b->n_rules ||
	    a->n_escalations != b->n_escalations || a->n_advances != b->n_advances ||
	    a->n_costs != b->n_costs || a->scope.n_tracks != b->scope.n_tracks ||
	    a->scope.n_releases != b->scope.n_releases || a->scope.n_artists != b->scope.n_artists)
		return false;
	if (!terr_equal(&a->scope.territories, &b->scope.territories) ||
	    a->scope.start != b->scope.start || a->scope.end != b->scope.end)
		return false;
	for (i = 0; i < a->scope.n_tracks; i++)
		if (differ(a->scope.tracks[i], b->scope.tracks[i]))
			return false;
	for (i = 0; i < a->scope.n_releases; i++)
		if (differ(a->scope.releases[i], b->scope.releases[i]))
			return false;
	for (i = 0; i < a->scope.n_artists; i++)
		if (differ(a->scope.artists[i], b->scope.artists[i]))
			return false;
	for (i = 0; i < a->n_payees; i++)
		if (differ(a->payees[i].id, b->payees[i].id) ||
		    differ(a->payees[i].name, b->payees[i].name) ||
		    a->payees[i].share != b->payees[i].share)
			return false;
	for (i = 0; i < a->n_rules; i++) {
		const struct ft_contract_rule *x = &a->rules[i], *y = &b->rules[i];

		if (differ(x->use_type, y->use_type) ||
		    differ(x->commercial_model, y->commercial_model) ||
		    differ(x->release_format, y->release_format) ||
		    x->any_territory != y->any_territory || x->rate != y->rate ||
		    (!x->any_territory && !terr_equal(&x->territories, &y->territories)))
			return false;
	}
	for (i = 0; i < a->n_escalations; i++)
		if (a->escalations[i].units != b->escalations[i].units ||
		    a->escalations[i].add != b->escalations[i].add)
			return false;
	for (i = 0; i < a->n_advances; i++)
		if (a->advances[i].amount != b->advances[i].amount ||
		    a->advances[i].date != b->advances[i].date ||
		    differ(a->advances[i].currency, b->advances[i].currency) ||
		    differ(a->advances[i].payee, b->advances[i].payee))
			return false;
	for (i = 0; i < a->n_costs; i++)
		if (differ(a->costs[i].description, b->costs[i].description) ||
		    a->costs[i].amount != b->costs[i].amount ||
		    a->costs[i].recoupable != b->costs[i].recoupable ||
		    a->costs[i].date != b->costs[i].date ||
		    differ(a->costs[i].currency, b->costs[i].currency) ||
		    differ(a->costs[i].payee, b->costs[i].payee))
			return false;
	return true;
}

/* ---- validation ------------------------------------------------------------ */

#define LOC(c, line) (c)->file[0] ? (c)->file : NULL, (line)

static bool valid_slug(const char *s)
{
	size_t i;

	if (!isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.:", s[i]))
			return false;
	return true;
}

static int payee_index(const struct ft_contract *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->n_payees; i++)
		if (strcmp(c->payees[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int check_fraction(const struct ft_contract *c, long line, const char *field, ft_amount v,
			  bool allow_zero, struct ft_error *err)
{
	char buf[FT_AMOUNT_STR_MAX];

	if (v < 0 || v > FT_AMOUNT_ONE || (!allow_zero && v == 0)) {
		ft_amount_format(buf, sizeof(buf), v, 0);
		return ft_error_setloc(err, FT_EINVAL, LOC(c, line), field,
				       "%s: %s is out of range: it must be %s 100%% "
				       "(write '18%%' or '0.18' for eighteen percent)",
				       field, buf,
				       allow_zero ? "from 0 to" : "above 0 and at most");
	}
	return 0;
}

static int rule_specificity(const struct ft_contract_rule *r)
{
	int count = !!r->use_type[0] + !!r->commercial_model[0] + !!r->release_format[0] +
		    !r->any_territory;
	int weight = (r->use_type[0] ? 8 : 0) + (r->commercial_model[0] ? 4 : 0) +
		     (r->release_format[0] ? 2 : 0) + (r->any_territory ? 0 : 1);

	/* ACCT-3: more conditions first; between equally many, the fixed
	 * precedence use type > commercial model > release format > territory. */
	return count * 16 + weight;
}

static bool territories_overlap(const struct ft_contract_rule *a, const struct ft_contract_rule *b)
{
	size_t i;

	if (a->any_territory || b->any_territory)
		return true;
	for (i = 0; i < sizeof(a->territories.bits) / sizeof(a->territories.bits[0]); i++)
		if (a->territories.bits[i] & b->territories.bits[i])
			return true;
	return false;
}

static int validate_rules(const struct ft_contract *c, struct ft_error *err)
{
	char field[FT_ERROR_FIELD_MAX];
	bool catch_all = false;
	size_t i, j;
	int rc;

	if (c->type == FT_CONTRACT_ROYALTY || c->type == FT_CONTRACT_LICENSE) {
		if (c->n_rules == 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "rates",
					       "rates: a %s contract needs at least one rate "
					       "(e.g. 'rates: [{rate: 18%%}]')",
					       ft_contract_type_name(c->type));
	} else if (c->n_rules > 0) {
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->rules[0].line), "rates",
				       "rates: a %s contract has no rates (%s)",
				       ft_contract_type_name(c->type),
				       c->type == FT_CONTRACT_DISTRIBUTION
					   ? "the owner's part is set by 'fee'"
					   : "payees share the profit by their shares");
	}
	for (i = 0; i < c->n_rules; i++) {
		const struct ft_contract_rule *r = &c->rules[i];

		snprintf(field, sizeof(field), "rates[%zu]", i + 1);
		if ((r->use_type[0] && !valid_slug(r->use_type)) ||
		    (r->commercial_model[0] && !valid_slug(r->commercial_model)) ||
		    (r->release_format[0] && !valid_slug(r->release_format)))
			return ft_error_setloc(err, FT_EINVAL, LOC(c, r->line), field,
					       "%s: a condition is not a valid token (letters, "
					       "digits, '-', '_', '.', ':', starting with a letter "
					       "or digit)",
					       field);
		snprintf(field, sizeof(field), "rates[%zu].rate", i + 1);
		rc = check_fraction(c, r->line, field, r->rate, true, err);
		if (rc)
			return rc;
		if (rule_specificity(r) == 0)
			catch_all = true;
		for (j = 0; j < i; j++) {
			const struct ft_contract_rule *q = &c->rules[j];

			if (rule_specificity(q) != rule_specificity(r) ||
			    strcasecmp(q->use_type, r->use_type) != 0 ||
			    strcasecmp(q->commercial_model, r->commercial_model) != 0 ||
			    strcasecmp(q->release_format, r->release_format) != 0 ||
			    !territories_overlap(q, r))
				continue;
			snprintf(field, sizeof(field), "rates[%zu]", i + 1);
			return ft_error_setloc(err, FT_EINVAL, LOC(c, r->line), field,
					       "%s: this rule and rates[%zu] (line %ld) both match "
					       "the same usage with the same specificity; "
					       "make their conditions differ or their territories "
					       "disjoint",
					       field, j + 1, q->line);
		}
	}
	if (c->n_rules > 0 && !catch_all)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->rules[0].line), "rates",
				       "rates: no catch-all rule: add one without use_type, "
				       "commercial_model, territory or release_format, so every "
				       "usage has a rate");
	for (i = 0; i < c->n_escalations; i++) {
		const struct ft_contract_escalation *e = &c->escalations[i];

		snprintf(field, sizeof(field), "escalations[%zu]", i + 1);
		if (c->type != FT_CONTRACT_ROYALTY && c->type != FT_CONTRACT_LICENSE)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, e->line), "escalations",
					       "escalations: only royalty and license contracts "
					       "have rates to escalate");
		if (e->units <= 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, e->line), field,
					       "%s.units: the threshold must be a positive "
					       "number of units",
					       field);
		if (i > 0 && e->units <= c->escalations[i - 1].units)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, e->line), field,
					       "%s.units: thresholds must increase (%lld after "
					       "%lld)",
					       field, (long long)e->units,
					       (long long)c->escalations[i - 1].units);
		snprintf(field, sizeof(field), "escalations[%zu].add", i + 1);
		rc = check_fraction(c, e->line, field, e->add, false, err);
		if (rc)
			return rc;
		for (j = 0; j < c->n_rules; j++)
			if (c->rules[j].rate + e->add > FT_AMOUNT_ONE)
				return ft_error_setloc(err, FT_EINVAL, LOC(c, e->line), field,
						       "%s: rates[%zu] (line %ld) plus this "
						       "increase exceeds 100%%",
						       field, j + 1, c->rules[j].line);
	}
	return 0;
}

static int validate_money_items(const struct ft_contract *c, struct ft_error *err)
{
	char field[FT_ERROR_FIELD_MAX];
	size_t i;
	int rc;

	for (i = 0; i < c->n_advances; i++) {
		const struct ft_contract_advance *a = &c->advances[i];

		snprintf(field, sizeof(field), "advances[%zu]", i + 1);
		if (a->amount <= 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, a->line), field,
					       "%s.amount: an advance must be positive", field);
		if (a->date == 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, a->line), field,
					       "%s.date: an advance needs the date it was paid",
					       field);
		if (a->payee[0] && payee_index(c, a->payee) < 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, a->line), field,
					       "%s.payee: '%s' is not one of the contract's payees",
					       field, a->payee);
	}
	for (i = 0; i < c->n_costs; i++) {
		const struct ft_contract_cost *k = &c->costs[i];

		snprintf(field, sizeof(field), "costs[%zu]", i + 1);
		if (k->amount <= 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, k->line), field,
					       "%s.amount: a cost must be positive", field);
		if (k->date == 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, k->line), field,
					       "%s.date: a cost needs the date it was incurred",
					       field);
		if (k->payee[0] && payee_index(c, k->payee) < 0)
			return ft_error_setloc(err, FT_EINVAL, LOC(c, k->line), field,
					       "%s.payee: '%s' is not one of the contract's payees",
					       field, k->payee);
		snprintf(field, sizeof(field), "costs[%zu].recoupable", i + 1);
		rc = check_fraction(c, k->line, field, k->recoupable, true, err);
		if (rc)
			return rc;
	}
	return 0;
}

int ft_contract_validate(const struct ft_contract *c, struct ft_error *err)
{
	char field[FT_ERROR_FIELD_MAX];
	ft_amount total = 0;
	size_t i, j;
	int rc;

	if (!valid_slug(c->id) || strlen(c->id) >= FT_CONTRACT_ID_MAX)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "id",
				       "id: '%s' is not a valid contract id (letters, digits, "
				       "'-', '_', '.', ':')",
				       c->id);
	if (c->type < FT_CONTRACT_ROYALTY || c->type > FT_CONTRACT_LICENSE)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "type",
				       "type: missing (royalty, profit_split, distribution or "
				       "license)");
	if (ft_currency_minor_units(c->currency) < 0)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "currency",
				       "currency: missing or not an ISO 4217 code (e.g. EUR)");
	if (c->minor_units != ft_currency_minor_units(c->currency))
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "currency",
				       "currency: %s has %d minor digits, not %d", c->currency,
				       ft_currency_minor_units(c->currency), c->minor_units);
	if (c->frequency != FT_FREQ_MONTHLY && c->frequency != FT_FREQ_QUARTERLY &&
	    c->frequency != FT_FREQ_HALF_YEARLY)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "frequency",
				       "frequency: missing (monthly, quarterly or half-yearly)");
	if (c->cross_collateral[0] && !valid_slug(c->cross_collateral))
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "cross_collateral",
				       "cross_collateral: '%s' is not a valid group name",
				       c->cross_collateral);

	/* ACCT-4: shares of a contract sum to exactly 100 %. */
	if (c->n_payees == 0)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "payees",
				       "payees: a contract needs at least one payee");
	for (i = 0; i < c->n_payees; i++) {
		const struct ft_contract_payee *p = &c->payees[i];

		snprintf(field, sizeof(field), "payees[%zu]", i + 1);
		if (!valid_slug(p->id))
			return ft_error_setloc(err, FT_EINVAL, LOC(c, p->line), field,
					       "%s.id: '%s' is not a valid payee id (letters, "
					       "digits, '-', '_', '.', ':')",
					       field, p->id);
		for (j = 0; j < i; j++)
			if (strcmp(c->payees[j].id, p->id) == 0)
				return ft_error_setloc(err, FT_EINVAL, LOC(c, p->line), field,
						       "%s.id: '%s' is listed twice (line %ld)",
						       field, p->id, c->payees[j].line);
		snprintf(field, sizeof(field), "payees[%zu].share", i + 1);
		rc = check_fraction(c, p->line, field, p->share, false, err);
		if (rc)
			return rc;
		total += p->share;
	}
	if (total != FT_AMOUNT_ONE) {
		char buf[FT_AMOUNT_STR_MAX];
		ft_amount pct;

		ft_amount_mul_int(&pct, total, 100);
		ft_amount_format(buf, sizeof(buf), pct, 0);
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->payees[0].line), "payees",
				       "payees: shares sum to %s%%, not 100%%", buf);
	}

	/* Scope. */
	if (c->scope.n_tracks + c->scope.n_releases + c->scope.n_artists == 0)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "scope",
				       "scope: name the tracks, releases or artists the contract "
				       "covers");
	for (i = 0; i < c->scope.n_artists; i++)
		if (!valid_slug(c->scope.artists[i]))
			return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "scope.artists",
					       "scope.artists[%zu]: '%s' is not a valid artist id",
					       i + 1, c->scope.artists[i]);
	for (i = 0; i < c->n_advances; i++)
		if (c->advances[i].payee[0] && !valid_slug(c->advances[i].payee))
			return ft_error_setloc(err, FT_EINVAL, LOC(c, c->advances[i].line),
					       "advances", "advances[%zu].payee: not a valid id",
					       i + 1);
	if (c->scope.start == 0)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "scope.start",
				       "scope.start: the date the contract starts is required");
	if (c->scope.end != 0 && c->scope.end < c->scope.start)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "scope.end",
				       "scope.end: the contract ends before it starts");

	/* Type-specific terms. */
	if (c->type == FT_CONTRACT_DISTRIBUTION) {
		rc = check_fraction(c, c->line, "fee", c->fee, true, err);
		if (rc)
			return rc;
	} else if (c->fee != 0) {
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "fee",
				       "fee: only a distribution contract has a fee");
	}
	rc = validate_rules(c, err);
	if (rc)
		return rc;
	rc = validate_money_items(c, err);
	if (rc)
		return rc;

	/* ACCT-6 */
	rc = check_fraction(c, c->line, "reserve.percent", c->reserve_rate, true, err);
	if (rc)
		return rc;
	if (c->reserve_rate > 0 && (c->reserve_periods < 1 || c->reserve_periods > 120))
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "reserve.release_after",
				       "reserve.release_after: a reserve is released after 1 to "
				       "120 periods");
	if (c->reserve_rate > 0 && c->type == FT_CONTRACT_PROFIT_SPLIT)
		return ft_error_setloc(err, FT_EINVAL, LOC(c, c->line), "reserve",
				       "reserve: a profit split has no reserve (returns reduce "
				       "the cumulative profit instead)");
	return 0;
}

/* ---- scope and rules -------------------------------------------------------- */

bool ft_contract_covers_when(const struct ft_contract *c, const char territory[2], int month)
{
	if (month < ft_date_month(c->scope.start))
		return false;
	if (c->scope.end && month > ft_date_month(c->scope.end))
		return false;
	return territory && ft_territory_set_contains(&c->scope.territories, territory);
}

bool ft_contract_covers(const struct ft_contract *c, const char *isrc, const char *gtin14,
			const char *artist_id, const char territory[2], int month)
{
	bool in = false;
	size_t i;

	if (!ft_contract_covers_when(c, territory, month))
		return false;
	for (i = 0; !in && isrc && i < c->scope.n_tracks; i++)
		in = strcmp(c->scope.tracks[i], isrc) == 0;
	for (i = 0; !in && gtin14 && gtin14[0] && i < c->scope.n_releases; i++)
		in = strcmp(c->scope.releases[i], gtin14) == 0;
	for (i = 0; !in && artist_id && artist_id[0] && i < c->scope.n_artists; i++)
		in = strcmp(c->scope.artists[i], artist_id) == 0;
	return in;
}

static bool token_matches(const char *cond, const char *value)
{
	return !cond[0] || (value && strcasecmp(cond, value) == 0);
}

int ft_contract_match_rule(const struct ft_contract *c, const char *use_type,
			   const char *commercial_model, const char territory[2],
			   const char *release_format)
{
	int best = -1, best_score = -1;
	size_t i;

	/* ACCT-3: the most specific matching rule wins. */
	for (i = 0; i < c->n_rules; i++) {
		const struct ft_contract_rule *r = &c->rules[i];
		int score;

		if (!token_matches(r->use_type, use_type) ||
		    !token_matches(r->commercial_model, commercial_model) ||
		    !token_matches(r->release_format, release_format))
			continue;
		if (!r->any_territory &&
		    (!territory || !ft_territory_set_contains(&r->territories, territory)))
			continue;
		score = rule_specificity(r);
		if (score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}
