/*
 * contract_yaml.c — the contract file parser (YAML, via libyaml's document
 * API).  docs/CONTRACTS.md is the format's reference.
 *
 * libyaml builds the node tree of each document ("---" separated); this file
 * walks it against a fixed schema, turning scalars into typed fields and
 * recording each element's line (libyaml marks are 0-based; ours 1-based).
 * Every cross-field rule is left to ft_contract_validate (contract.c), so a
 * contract built in memory meets exactly the same checks.
 *
 * What it refuses, and why:
 *  - unknown keys and keys given twice: a misspelt "shares:" silently
 *    ignored would change who gets paid;
 *  - values of the wrong shape (a list where a scalar belongs);
 *  - anything that is not exact: percentages are "18%" or a fraction
 *    "0.18", parsed by ft_amount_parse, never through floating point.
 * YAML anchors and aliases are allowed (libyaml shares the node, nothing is
 * copied) and the walk descends only as deep as the schema, so neither an
 * alias bomb nor a self-referencing alias can blow up memory or recursion.
 * Input larger than FT_CONTRACT_FILE_MAX is refused before libyaml sees it.
 */
#include "fairtrack/contract.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct pctx {
	yaml_document_t *doc;
	const char *file;
	struct ft_error *err;
	struct ft_contract *c;
	char field[FT_ERROR_FIELD_MAX]; /* dotted path of the value being read */
};

static long node_line(const yaml_node_t *node)
{
	return node ? (long)node->start_mark.line + 1 : 0;
}

static int fail(struct pctx *p, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct pctx *p, const yaml_node_t *node, const char *fmt, ...)
{
	char body[FT_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	return ft_error_setloc(p->err, FT_EINVAL, p->file, node_line(node), p->field, "%s: %s",
			       p->field, body);
}

/* Re-locate an error a core parser (ids, money) produced about this value. */
static int relocate(struct pctx *p, const yaml_node_t *node)
{
	char body[FT_ERROR_MESSAGE_MAX];

	if (!p->err)
		return FT_EINVAL;
	snprintf(body, sizeof(body), "%s", p->err->message);
	return ft_error_setloc(p->err, p->err->code ? p->err->code : FT_EINVAL, p->file,
			       node_line(node), p->field, "%s: %s", p->field, body);
}

static void set_field(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_field(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->field, sizeof(p->field), fmt, ap);
	va_end(ap);
}

/* ---- scalars ---------------------------------------------------------------- */

static int scalar(struct pctx *p, yaml_node_t *node, const char **text, size_t *len)
{
	*text = "";
	*len = 0;
	if (!node || node->type != YAML_SCALAR_NODE)
		return fail(p, node, "expected a single value, not a %s",
			    node && node->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
	*text = (const char *)node->data.scalar.value;
	*len = node->data.scalar.length;
	return 0;
}

static int text_value(struct pctx *p, yaml_node_t *node, char *dst, size_t cap)
{
	const char *s;
	size_t len;
	int rc = scalar(p, node, &s, &len);

	if (rc)
		return rc;
	if (len >= cap)
		return fail(p, node, "longer than %zu bytes", cap - 1);
	if (memchr(s, '\0', len))
		return fail(p, node, "contains a NUL byte");
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* Identifiers and vocabulary tokens: no spaces or punctuation that could
 * hide a typo ("Subscription Model" vs "SubscriptionModel"). */
static int token_value(struct pctx *p, yaml_node_t *node, char *dst, size_t cap)
{
	size_t i;
	int rc = text_value(p, node, dst, cap);

	if (rc)
		return rc;
	if (!dst[0])
		return fail(p, node, "must not be empty");
	/* a leading '-', '.' or ':' would read back as YAML syntax */
	if (!isalnum((unsigned char)dst[0]))
		return fail(p, node, "'%s' must start with a letter or digit", dst);
	for (i = 0; dst[i]; i++)
		if (!isalnum((unsigned char)dst[i]) && !strchr("-_.:", dst[i]))
			return fail(p, node,
				    "'%s' has a character other than letters, digits, "
				    "'-', '_', '.', ':'",
				    dst);
	return 0;
}

static int amount_value(struct pctx *p, yaml_node_t *node, ft_amount *out)
{
	const char *s;
	size_t len;
	int rc = scalar(p, node, &s, &len);

	if (rc)
		return rc;
	if (ft_amount_parse(out, s, len, p->err) != 0)
		return relocate(p, node);
	return 0;
}

/* "18%", "2.5 %" (percent) or "0.18" (a fraction); exact or refused. */
static int fraction_value(struct pctx *p, yaml_node_t *node, ft_amount *out)
{
	const char *s;
	size_t len;
	ft_amount v, rem;
	int rc = scalar(p, node, &s, &len);

	if (rc)
		return rc;
	if (len > 0 && s[len - 1] == '%') {
		len--;
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (ft_amount_parse(&v, s, len, p->err) != 0)
			return relocate(p, node);
		/* ÷ 100 is × 0.01; exact unless the percentage has more than 10
		 * decimals, which we refuse rather than round. */
		if (ft_amount_mul_ratio(out, &rem, v, FT_AMOUNT_ONE / 100) != 0 || rem != 0)
			return fail(p, node, "'%.*s%%' has more than 10 decimal places", (int)len,
				    s);
		return 0;
	}
	if (ft_amount_parse(out, s, len, p->err) != 0)
		return relocate(p, node);
	return 0;
}

static int int_value(struct pctx *p, yaml_node_t *node, int64_t *out)
{
	const char *s;
	size_t len, i;
	int64_t v = 0;
	int rc = scalar(p, node, &s, &len);

	if (rc)
		return rc;
	if (len == 0 || len > 18)
		return fail(p, node, "'%.*s' is not a whole number", (int)(len > 30 ? 30 : len),
			    s);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return fail(p, node, "'%.*s' is not a whole number (digits only)",
				    (int)(len > 30 ? 30 : len), s);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int date_value(struct pctx *p, yaml_node_t *node, ft_date *out)
{
	const char *s;
	size_t len;
	int rc = scalar(p, node, &s, &len);

	if (rc)
		return rc;
	if (ft_date_parse(out, s, len, p->err) != 0)
		return relocate(p, node);
	return 0;
}

/* A territory set, written "WW -US" or as a list ["GB", "IE"]. */
static int territory_value(struct pctx *p, yaml_node_t *node, struct ft_territory_set *out)
{
	char buf[1024];
	size_t used = 0, len;
	const char *s;
	yaml_node_item_t *it;

	if (node && node->type == YAML_SEQUENCE_NODE) {
		for (it = node->data.sequence.items.start; it < node->data.sequence.items.top;
		     it++) {
			yaml_node_t *item = yaml_document_get_node(p->doc, *it);

			if (scalar(p, item, &s, &len))
				return FT_EINVAL;
			if (used + len + 2 > sizeof(buf))
				return fail(p, node, "too many territories");
			memcpy(buf + used, s, len);
			used += len;
			buf[used++] = ' ';
		}
		if (ft_territory_set_parse(out, buf, used, p->err) != 0)
			return relocate(p, node);
		return 0;
	}
	if (scalar(p, node, &s, &len))
		return FT_EINVAL;
	if (ft_territory_set_parse(out, s, len, p->err) != 0)
		return relocate(p, node);
	return 0;
}

/* ---- mappings and lists ------------------------------------------------------ */

/*
 * Walk a mapping whose keys must come from `keys` (NULL-terminated); calls
 * fn(p, key index, value node, arg) for each, refusing unknown and repeated
 * keys.  `what` names the mapping in messages.
 */
typedef int (*key_fn)(struct pctx *p, int key, yaml_node_t *value, void *arg);

static int walk_mapping(struct pctx *p, yaml_node_t *node, const char *what,
			const char *const *keys, key_fn fn, void *arg)
{
	char saved[FT_ERROR_FIELD_MAX];
	unsigned long seen = 0;
	yaml_node_pair_t *pair;
	int rc;

	if (!node || node->type != YAML_MAPPING_NODE)
		return fail(p, node, "expected a mapping of %s fields (key: value lines)", what);
	memcpy(saved, p->field, sizeof(saved));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(p->doc, pair->value);
		const char *name;
		int k;

		if (!key || key->type != YAML_SCALAR_NODE)
			return fail(p, key, "a key must be a plain name");
		name = (const char *)key->data.scalar.value;
		for (k = 0; keys[k]; k++)
			if (strlen(keys[k]) == key->data.scalar.length &&
			    memcmp(keys[k], name, key->data.scalar.length) == 0)
				break;
		if (!keys[k]) {
			char known[400];
			size_t used = 0;
			int j;

			known[0] = '\0';
			for (j = 0; keys[j] && used < sizeof(known) - 40; j++)
				used += (size_t)snprintf(known + used, sizeof(known) - used,
							 "%s%s", j ? ", " : "", keys[j]);
			if (saved[0])
				set_field(p, "%s.%.40s", saved, name);
			else
				set_field(p, "%.60s", name);
			return fail(p, key, "unknown field in %s (known: %s)", what, known);
		}
		if (saved[0])
			set_field(p, "%s.%s", saved, keys[k]);
		else
			set_field(p, "%s", keys[k]);
		if (seen & (1ul << k))
			return fail(p, key, "given twice");
		seen |= 1ul << k;
		rc = fn(p, k, value, arg);
		if (rc)
			return rc;
		memcpy(p->field, saved, sizeof(saved));
	}
	return 0;
}

/* Allocate an array for a YAML list and call fn on each item. */
typedef int (*item_fn)(struct pctx *p, yaml_node_t *item, void *elem, size_t index);

static int walk_list(struct pctx *p, yaml_node_t *node, const char *what, void **array,
		     size_t *n, size_t elem_size, item_fn fn)
{
	char saved[FT_ERROR_FIELD_MAX];
	yaml_node_item_t *it;
	size_t count, i = 0;
	int rc;

	if (!node || node->type != YAML_SEQUENCE_NODE)
		return fail(p, node, "expected a list of %s ('- ' items)", what);
	count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (count > 100000)
		return fail(p, node, "more than 100000 %s", what);
	free(*array);
	*array = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	*array = calloc(count, elem_size);
	if (!*array)
		return ft_error_set(p->err, FT_ENOMEM, "out of memory reading %s", p->field);
	*n = count;
	memcpy(saved, p->field, sizeof(saved));
	for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++, i++) {
		set_field(p, "%.50s[%zu]", saved, i + 1);
		rc = fn(p, yaml_document_get_node(p->doc, *it), (char *)*array + i * elem_size, i);
		if (rc)
			return rc;
	}
	memcpy(p->field, saved, sizeof(saved));
	return 0;
}

/* ---- payees --------------------------------------------------------------------- */

static const char *const payee_keys[] = {"id", "name", "share", NULL};

static int payee_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	struct ft_contract_payee *payee = arg;

	switch (key) {
	case 0: return token_value(p, v, payee->id, sizeof(payee->id));
	case 1: return text_value(p, v, payee->name, sizeof(payee->name));
	default: return fraction_value(p, v, &payee->share);
	}
}

static int payee_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	struct ft_contract_payee *payee = elem;
	int rc;

	payee->line = node_line(item);
	rc = walk_mapping(p, item, "payee", payee_keys, payee_key, payee);
	if (rc)
		return rc;
	if (!payee->id[0])
		return fail(p, item, "a payee needs an id");
	if (payee->share == 0)
		return fail(p, item, "a payee needs a share (e.g. 'share: 25%%')");
	return 0;
}

/* ---- scope ------------------------------------------------------------------------ */

static int track_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	char(*isrc)[FT_ISRC_LEN + 1] = elem;
	const char *s;
	size_t len, j;

	if (scalar(p, item, &s, &len))
		return FT_EINVAL;
	if (ft_isrc_parse(*isrc, s, len, p->err) != 0)
		return relocate(p, item);
	for (j = 0; j < index; j++)
		if (strcmp(p->c->scope.tracks[j], *isrc) == 0)
			return fail(p, item, "%s is listed twice", *isrc);
	return 0;
}

static int release_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	char(*gtin14)[FT_GTIN_LEN + 1] = elem;
	char gtin[FT_GTIN_LEN + 1];
	const char *s;
	size_t len, j;

	if (scalar(p, item, &s, &len))
		return FT_EINVAL;
	if (ft_gtin_parse(gtin, NULL, s, len, p->err) != 0)
		return relocate(p, item);
	ft_gtin_to14(*gtin14, gtin);
	for (j = 0; j < index; j++)
		if (strcmp(p->c->scope.releases[j], *gtin14) == 0)
			return fail(p, item, "%s is listed twice", gtin);
	return 0;
}

static int artist_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	char(*artist)[FT_CONTRACT_ID_MAX] = elem;
	size_t j;
	int rc = token_value(p, item, *artist, sizeof(*artist));

	if (rc)
		return rc;
	for (j = 0; j < index; j++)
		if (strcmp(p->c->scope.artists[j], *artist) == 0)
			return fail(p, item, "'%s' is listed twice", *artist);
	return 0;
}

static const char *const scope_keys[] = {"tracks", "releases", "artists", "territories",
					 "start", "end", NULL};

static int scope_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	struct ft_contract_scope *s = &p->c->scope;

	switch (key) {
	case 0:
		return walk_list(p, v, "ISRCs", (void **)&s->tracks, &s->n_tracks,
				 sizeof(*s->tracks), track_item);
	case 1:
		return walk_list(p, v, "UPC/EAN codes", (void **)&s->releases, &s->n_releases,
				 sizeof(*s->releases), release_item);
	case 2:
		return walk_list(p, v, "artist ids", (void **)&s->artists, &s->n_artists,
				 sizeof(*s->artists), artist_item);
	case 3: return territory_value(p, v, &s->territories);
	case 4: return date_value(p, v, &s->start);
	default: return date_value(p, v, &s->end);
	}
}

/* ---- rates and escalations ----------------------------------------------------------- */

static const char *const rule_keys[] = {"rate", "use_type", "commercial_model", "territory",
					"release_format", NULL};

static int rule_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	struct ft_contract_rule *r = arg;

	switch (key) {
	case 0: return fraction_value(p, v, &r->rate);
	case 1: return token_value(p, v, r->use_type, sizeof(r->use_type));
	case 2: return token_value(p, v, r->commercial_model, sizeof(r->commercial_model));
	case 3: r->any_territory = false; return territory_value(p, v, &r->territories);
	default: return token_value(p, v, r->release_format, sizeof(r->release_format));
	}
}

static int rule_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	struct ft_contract_rule *r = elem;
	bool has_rate;
	int rc;

	r->line = node_line(item);
	r->any_territory = true;
	r->rate = -1;
	rc = walk_mapping(p, item, "rate rule", rule_keys, rule_key, r);
	if (rc)
		return rc;
	has_rate = r->rate != -1;
	if (!has_rate)
		return fail(p, item, "a rate rule needs 'rate' (e.g. 'rate: 18%%')");
	return 0;
}

static const char *const escalation_keys[] = {"units", "add", NULL};

static int escalation_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	struct ft_contract_escalation *e = arg;

	return key == 0 ? int_value(p, v, &e->units) : fraction_value(p, v, &e->add);
}

static int escalation_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	struct ft_contract_escalation *e = elem;

	e->line = node_line(item);
	return walk_mapping(p, item, "escalation", escalation_keys, escalation_key, e);
}

/* ---- advances and costs ------------------------------------------------------------------ */

/* An advance's or cost's currency: "" when it is the contract's (the
 * canonical form), else the code — the run converts it (ACCT-5). */
static int money_currency(struct pctx *p, yaml_node_t *v, char out[4])
{
	char code[4];
	const char *s;
	size_t len;

	if (scalar(p, v, &s, &len))
		return FT_EINVAL;
	if (ft_currency_parse(code, NULL, s, len, p->err) != 0)
		return relocate(p, v);
	if (strcmp(code, p->c->currency) != 0)
		memcpy(out, code, 4);
	return 0;
}

static const char *const advance_keys[] = {"amount", "currency", "date", "payee", NULL};

static int advance_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	struct ft_contract_advance *a = arg;

	switch (key) {
	case 0: return amount_value(p, v, &a->amount);
	case 1: return money_currency(p, v, a->currency);
	case 2: return date_value(p, v, &a->date);
	default: return token_value(p, v, a->payee, sizeof(a->payee));
	}
}

static int advance_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	struct ft_contract_advance *a = elem;

	a->line = node_line(item);
	return walk_mapping(p, item, "advance", advance_keys, advance_key, a);
}

static const char *const cost_keys[] = {"description", "amount",     "currency", "date",
					"recoupable",  "payee", NULL};

static int cost_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	struct ft_contract_cost *k = arg;

	switch (key) {
	case 0: return text_value(p, v, k->description, sizeof(k->description));
	case 1: return amount_value(p, v, &k->amount);
	case 2: return money_currency(p, v, k->currency);
	case 3: return date_value(p, v, &k->date);
	case 4: return fraction_value(p, v, &k->recoupable);
	default: return token_value(p, v, k->payee, sizeof(k->payee));
	}
}

static int cost_item(struct pctx *p, yaml_node_t *item, void *elem, size_t index)
{
	struct ft_contract_cost *k = elem;

	k->line = node_line(item);
	k->recoupable = FT_AMOUNT_ONE; /* a cost is fully recoupable unless it says */
	return walk_mapping(p, item, "cost", cost_keys, cost_key, k);
}

static const char *const reserve_keys[] = {"percent", "release_after", NULL};

static int reserve_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	int64_t n = 0;
	int rc;

	if (key == 0)
		return fraction_value(p, v, &p->c->reserve_rate);
	rc = int_value(p, v, &n);
	if (rc)
		return rc;
	if (n > 1000)
		return fail(p, v, "%lld periods is too many", (long long)n);
	p->c->reserve_periods = (int)n;
	return 0;
}

/* ---- the contract --------------------------------------------------------------------------- */

static const char *const contract_keys[] = {
	"id",	   "label", "type",	   "base",     "currency", "frequency",
	"cross_collateral", "payees", "scope", "rates", "escalations", "advances",
	"costs",   "reserve", "fee",	   NULL};

static int named_value(struct pctx *p, yaml_node_t *v, const char *const *names, int *out)
{
	char buf[32], known[200];
	size_t used = 0;
	int i;

	if (text_value(p, v, buf, sizeof(buf)))
		return FT_EINVAL;
	for (i = 0; names[i]; i++)
		if (strcmp(buf, names[i]) == 0) {
			*out = i;
			return 0;
		}
	known[0] = '\0';
	for (i = 0; names[i]; i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
					 i ? ", " : "", names[i]);
	return fail(p, v, "'%s' is not one of %s", buf, known);
}

static int contract_key(struct pctx *p, int key, yaml_node_t *v, void *arg)
{
	static const char *const types[] = {"royalty", "profit_split", "distribution", "license",
					    NULL};
	static const char *const bases[] = {"net_receipts", "gross", NULL};
	static const char *const freqs[] = {"monthly", "quarterly", "half-yearly", NULL};
	struct ft_contract *c = p->c;
	int i = 0, rc;

	switch (key) {
	case 0: return token_value(p, v, c->id, sizeof(c->id));
	case 1: return text_value(p, v, c->label, sizeof(c->label));
	case 2:
		rc = named_value(p, v, types, &i);
		c->type = (enum ft_contract_type)(i + 1);
		return rc;
	case 3:
		rc = named_value(p, v, bases, &i);
		c->base = i ? FT_BASE_GROSS : FT_BASE_NET_RECEIPTS;
		return rc;
	case 4: return 0; /* read before everything else, see parse_contract */
	case 5:
		rc = named_value(p, v, freqs, &i);
		c->frequency = i == 0 ? FT_FREQ_MONTHLY : i == 1 ? FT_FREQ_QUARTERLY
								 : FT_FREQ_HALF_YEARLY;
		return rc;
	case 6: return token_value(p, v, c->cross_collateral, sizeof(c->cross_collateral));
	case 7:
		return walk_list(p, v, "payees", (void **)&c->payees, &c->n_payees,
				 sizeof(*c->payees), payee_item);
	case 8: return walk_mapping(p, v, "scope", scope_keys, scope_key, NULL);
	case 9:
		return walk_list(p, v, "rate rules", (void **)&c->rules, &c->n_rules,
				 sizeof(*c->rules), rule_item);
	case 10:
		return walk_list(p, v, "escalations", (void **)&c->escalations,
				 &c->n_escalations, sizeof(*c->escalations), escalation_item);
	case 11:
		return walk_list(p, v, "advances", (void **)&c->advances, &c->n_advances,
				 sizeof(*c->advances), advance_item);
	case 12:
		return walk_list(p, v, "costs", (void **)&c->costs, &c->n_costs,
				 sizeof(*c->costs), cost_item);
	case 13: return walk_mapping(p, v, "reserve", reserve_keys, reserve_key, NULL);
	default: return fraction_value(p, v, &c->fee);
	}
}

static yaml_node_t *find_key(yaml_document_t *doc, yaml_node_t *map, const char *name)
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(doc, pair->key);

		if (key && key->type == YAML_SCALAR_NODE &&
		    key->data.scalar.length == strlen(name) &&
		    memcmp(key->data.scalar.value, name, strlen(name)) == 0)
			return yaml_document_get_node(doc, pair->value);
	}
	return NULL;
}

static int check_hooks(struct pctx *p, const struct ft_contract_hooks *hooks)
{
	const struct ft_contract *c = p->c;
	size_t i;

	if (!hooks)
		return 0;
	for (i = 0; hooks->track_known && i < c->scope.n_tracks; i++)
		if (!hooks->track_known(hooks->ctx, c->scope.tracks[i]))
			return ft_error_setloc(p->err, FT_ENOTFOUND, p->file, c->line,
					       "scope.tracks",
					       "scope.tracks[%zu]: ISRC %s is not in the catalogue "
					       "(import the catalogue first, or fix the code)",
					       i + 1, c->scope.tracks[i]);
	for (i = 0; hooks->release_known && i < c->scope.n_releases; i++)
		if (!hooks->release_known(hooks->ctx, c->scope.releases[i]))
			return ft_error_setloc(p->err, FT_ENOTFOUND, p->file, c->line,
					       "scope.releases",
					       "scope.releases[%zu]: GTIN %s is not in the "
					       "catalogue (import the catalogue first, or fix the "
					       "code)",
					       i + 1, c->scope.releases[i]);
	for (i = 0; hooks->artist_known && i < c->scope.n_artists; i++)
		if (!hooks->artist_known(hooks->ctx, c->scope.artists[i]))
			return ft_error_setloc(p->err, FT_ENOTFOUND, p->file, c->line,
					       "scope.artists",
					       "scope.artists[%zu]: artist '%s' is not in the "
					       "catalogue",
					       i + 1, c->scope.artists[i]);
	return 0;
}

static int parse_contract(struct pctx *p, yaml_node_t *root, const struct ft_contract_hooks *hooks)
{
	struct ft_contract *c = p->c;
	yaml_node_t *cur;
	const char *s;
	size_t len;
	int rc;

	c->line = node_line(root);
	if (p->file)
		snprintf(c->file, sizeof(c->file), "%s", p->file);
	if (ft_territory_set_parse(&c->scope.territories, "WW", 2, p->err) != 0)
		return p->err ? p->err->code : FT_EINVAL;
	p->field[0] = '\0';
	if (!root || root->type != YAML_MAPPING_NODE)
		return fail(p, root, "a contract is a mapping of fields (id: …, type: …)");
	/* The currency first: advances and costs are checked against it. */
	cur = find_key(p->doc, root, "currency");
	if (cur) {
		set_field(p, "currency");
		if (scalar(p, cur, &s, &len))
			return FT_EINVAL;
		if (ft_currency_parse(c->currency, &c->minor_units, s, len, p->err) != 0)
			return relocate(p, cur);
		p->field[0] = '\0';
	}
	rc = walk_mapping(p, root, "contract", contract_keys, contract_key, NULL);
	if (rc)
		return rc;
	if (!c->id[0])
		return ft_error_setloc(p->err, FT_EINVAL, p->file, c->line, "id",
				       "id: missing (every contract needs a unique id)");
	if (!c->currency[0])
		return ft_error_setloc(p->err, FT_EINVAL, p->file, c->line, "currency",
				       "currency: missing (the accounting currency, e.g. EUR)");
	rc = ft_contract_validate(c, p->err);
	if (rc)
		return rc;
	return check_hooks(p, hooks);
}

int ft_contract_parse(struct ft_contract **out, size_t *n_out, const char *text, size_t len,
		      const char *file, const struct ft_contract_hooks *hooks,
		      struct ft_error *err)
{
	struct ft_contract *list = NULL, *grown;
	size_t n = 0, cap = 0, j;
	yaml_parser_t parser;
	yaml_document_t doc;
	struct pctx p;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if (len > FT_CONTRACT_FILE_MAX)
		return ft_error_setloc(err, FT_EINVAL, file, 0, NULL,
				       "contract file is larger than %u bytes", FT_CONTRACT_FILE_MAX);
	if (!yaml_parser_initialize(&parser))
		return ft_error_set(err, FT_ENOMEM, "out of memory starting the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			rc = ft_error_setloc(err, FT_EINVAL, file, (long)parser.problem_mark.line + 1,
					     NULL, "YAML: %s%s%s",
					     parser.problem ? parser.problem : "syntax error",
					     parser.context ? " " : "",
					     parser.context ? parser.context : "");
			goto out;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				yaml_document_delete(&doc);
				rc = ft_error_set(err, FT_ENOMEM, "out of memory reading contracts");
				goto out;
			}
			list = grown;
		}
		memset(&list[n], 0, sizeof(list[n]));
		memset(&p, 0, sizeof(p));
		p.doc = &doc;
		p.file = file;
		p.err = err;
		p.c = &list[n];
		rc = parse_contract(&p, root, hooks);
		yaml_document_delete(&doc);
		n++;
		if (rc)
			goto out;
		for (j = 0; j + 1 < n; j++)
			if (strcmp(list[j].id, list[n - 1].id) == 0) {
				rc = ft_error_setloc(err, FT_EINVAL, file, list[n - 1].line, "id",
						     "id: contract '%s' is defined twice in this "
						     "file (line %ld)",
						     list[j].id, list[j].line);
				goto out;
			}
	}
	if (n == 0)
		rc = ft_error_setloc(err, FT_EINVAL, file, 0, NULL,
				     "no contract in the file (see docs/CONTRACTS.md)");
out:
	yaml_parser_delete(&parser);
	if (rc) {
		ft_contract_array_free(list, n);
		return rc;
	}
	*out = list;
	*n_out = n;
	return 0;
}
