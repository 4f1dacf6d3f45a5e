/*
 * catalog_parse.c — catalogue files (CSV/TSV) into the in-memory catalogue.
 *
 * The file formats are documented column by column in docs/CATALOG.md.  What
 * this file guarantees:
 *  - the kind of a file is decided by its header alone, never by guessing
 *    from the rows;
 *  - every value is validated before it is kept (identifiers by ids.h,
 *    fees by money.h, exactly), and the first bad one stops the parse with
 *    "file:line: column 'name': what is wrong (the fix)";
 *  - facts repeated on several rows (a release's columns on each of its
 *    track rows, a recording on the single and the album) must agree, and a
 *    disagreement names both lines;
 *  - input is UTF-8 (a BOM is skipped), LF or CRLF, ',' '\t' or ';'
 *    separated (sniffed from the header), RFC 4180 quotes.
 * Cross-file references (a track's artist, a contributor's ISRC) are checked
 * at import, against the ledger and the whole import together.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/catalog_int.h"
#include "fairtrack/csv.h"

#define MAX_COLUMNS 64
#define MAX_VALUE 1024 /* bytes of one value: titles are long, not that long */

/* A column a kind knows: its canonical name and the other spellings labels use. */
struct column_spec {
	const char *name;
	const char *aliases; /* '|'-separated normalised names, or NULL */
	int required;
};

enum { L_LABEL, L_COUNTRY, L_N };
static const struct column_spec label_columns[] = {
	{"label", "label_name|name", 1},
	{"country", NULL, 0},
};

enum { A_ID, A_NAME, A_KIND, A_COUNTRY, A_MEMBERS, A_N };
static const struct column_spec artist_columns[] = {
	{"artist_id", NULL, 1},
	{"name", "artist_name|artist", 1},
	{"kind", "type", 1},
	{"country", NULL, 0},
	{"members", NULL, 0},
};

enum { P_ID, P_NAME, P_TYPE, P_TERRITORIES, P_FEE, P_CURRENCY, P_N };
static const struct column_spec partner_columns[] = {
	{"partner_id", NULL, 1},
	{"name", "partner_name|partner", 1},
	{"type", "kind", 1},
	{"territories", "territory", 0},
	{"fee_percent", "fee|fee_%|distribution_fee", 0},
	{"currency", NULL, 0},
};

enum {
	T_UPC, T_RELEASE_TITLE, T_RELEASE_ARTIST, T_RELEASE_DATE, T_FORMAT, T_LABEL, T_DISC,
	T_TRACK_NO, T_ISRC, T_TITLE, T_ARTISTS, T_FEATURED, T_DURATION, T_N
};
static const struct column_spec track_columns[] = {
	{"upc", "ean|gtin|barcode|upc_ean", 0},
	{"release_title", "release|album|album_title", 0},
	{"release_artist", "album_artist", 0},
	{"release_date", "original_release_date", 0},
	{"format", "release_format|release_type", 0},
	{"label", "label_name", 0},
	{"disc", "disc_no|disc_number|volume", 0},
	{"track_no", "track_number|position", 0},
	{"isrc", NULL, 1},
	{"title", "track_title", 1},
	{"artists", "artist|main_artist|main_artists|track_artist", 1},
	{"featured", "featured_artist|featured_artists|feat", 0},
	{"duration", "length|time", 0},
};

enum { C_ISRC, C_NAME, C_ROLE, C_N };
static const struct column_spec contributor_columns[] = {
	{"isrc", NULL, 1},
	{"name", "contributor|contributor_name", 1},
	{"role", NULL, 1},
};

enum { R_UPC, R_PARTNER, R_TERRITORIES, R_DATE, R_N };
static const struct column_spec plan_columns[] = {
	{"upc", "ean|gtin|barcode|upc_ean", 1},
	{"partner_id", "partner", 1},
	{"territories", "territory", 0},
	{"release_date", "date|start_date", 0},
};

/* DDEX BWARM recordings file (bwarm.ddex.net §6.9): the columns fairtrack
 * uses; the others (identifiers of parties, P-line …) are read past. */
enum { B_FPID, B_ISRC, B_TITLE, B_SUBTITLE, B_ARTIST, B_DURATION, B_N };
static const struct column_spec bwarm_columns[] = {
	{"feedprovidersrecordingid", NULL, 1},
	{"isrc", NULL, 1},
	{"recordingtitle", NULL, 1},
	{"recordingsubtitle", NULL, 0},
	{"displayartistname", NULL, 0},
	{"duration", NULL, 0},
};

static const char *const artist_kinds[] = {"person", "band", "other", NULL};
static const char *const partner_types[] = {"aggregator", "distributor", "dsp", "retailer",
					    "manufacturer", "promoter", "other", NULL};
static const char *const release_formats[] = {"single", "ep", "album", "compilation",
					      "live", "soundtrack", "remixes", "mixtape",
					      "other", NULL};
static const char *const contributor_roles[] = {
	"producer", "co-producer", "executive-producer", "featured", "session", "remixer",
	"mixer", "mastering", "engineer", "composer", "lyricist", "songwriter", "arranger",
	"conductor", "performer", "vocalist", "other", NULL};

struct parse {
	struct ft_catalog *cat;
	const char *file; /* kept in the arena */
	long line;
	char delim;
	int kind;
	const struct column_spec *spec;
	size_t n_spec;
	int col[MAX_COLUMNS];            /* spec index → field index, -1 when absent */
	char header[MAX_COLUMNS][64];    /* the header as written, for messages */
	size_t n_header;
	struct ft_csv_field fields[MAX_COLUMNS];
	size_t n_fields;
	char *scratch; /* cleaned values of the current row */
	size_t scratch_cap;
	const char *value[MAX_COLUMNS]; /* spec index → cleaned value ("" when absent) */
	struct ft_error *err;
};

/* ----------------------------------------------------------------- errors */

static const char *col_label(const struct parse *p, int spec_index)
{
	int f = p->col[spec_index];

	return f >= 0 ? p->header[f] : p->spec[spec_index].name;
}

static int col_error(struct parse *p, int spec_index, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int col_error(struct parse *p, int spec_index, int code, const char *fmt, ...)
{
	char body[FT_ERROR_MESSAGE_MAX];
	const char *label = col_label(p, spec_index);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	return ft_error_setloc(p->err, code, p->file, p->line, label, "column '%s': %s", label,
			       body);
}

/* A callee (ids.h, money.h) filled err; put the place in front. */
static int col_wrap(struct parse *p, int spec_index, int code)
{
	char cause[FT_ERROR_MESSAGE_MAX];

	snprintf(cause, sizeof(cause), "%s", p->err ? p->err->message : "invalid value");
	return col_error(p, spec_index, code ? code : FT_EINVAL, "%s", cause);
}

static int nomem(struct parse *p)
{
	return ft_error_setloc(p->err, FT_ENOMEM, p->file, p->line, NULL, "out of memory");
}

/* ---------------------------------------------------------------- helpers */

/* Shortest valid UTF-8 (RFC 3629): no overlongs, no surrogates, ≤ U+10FFFF. */
static long utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		unsigned int cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return (long)i;
		}
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return (long)i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return (long)i;
		i += n + 1;
	}
	return -1;
}

/* ASCII lower case, trimmed, spaces and hyphens as '_': "Track No." and
 * "track-no" both become "track_no." — then '.' and '#' are dropped. */
static void normalise_name(char *out, size_t cap, const char *in, size_t len)
{
	size_t i, o = 0;

	while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	for (i = 0; i < len && (in[i] == ' ' || in[i] == '\t'); i++)
		;
	for (; i < len && o + 1 < cap; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == ' ' || c == '-')
			c = '_';
		else if (c == '.' || c == '#')
			continue;
		out[o++] = c;
	}
	out[o] = '\0';
}

static int name_matches(const struct column_spec *spec, const char *norm)
{
	const char *a;
	size_t n = strlen(norm);

	if (strcmp(spec->name, norm) == 0)
		return 1;
	for (a = spec->aliases; a && *a;) {
		const char *bar = strchr(a, '|');
		size_t len = bar ? (size_t)(bar - a) : strlen(a);

		if (len == n && strncmp(a, norm, n) == 0)
			return 1;
		a = bar ? bar + 1 : a + len;
	}
	return 0;
}

static int one_of(const char *value, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(value, *allowed) == 0)
			return 1;
	return 0;
}

static void join_allowed(char *buf, size_t cap, const char *const *allowed)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; *allowed && o < cap; allowed++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? ", " : "", *allowed);
}

/* Lower-case an enumerated value in place (they are ASCII). */
static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int check_enum(struct parse *p, int spec_index, char *value, const char *const *allowed,
		      const char *what)
{
	char list[256];

	lower(value);
	if (one_of(value, allowed))
		return 0;
	join_allowed(list, sizeof(list), allowed);
	return col_error(p, spec_index, FT_EINVAL, "%s '%s' is not one of: %s", what, value, list);
}

/* Artist and partner ids are slugs: stable, case-free, safe in a URL. */
static int check_slug(struct parse *p, int spec_index, const char *value)
{
	const char *s;

	if (strlen(value) > 64)
		return col_error(p, spec_index, FT_EINVAL,
				 "id '%.64s…' is longer than 64 characters", value);
	for (s = value; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		    *s == '_' || *s == '.')
			continue;
		return col_error(p, spec_index, FT_EINVAL,
				 "id '%s' may hold only a-z, 0-9, '-', '_' and '.' (e.g. "
				 "'zoe-ashwood')",
				 value);
	}
	return 0;
}

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DD, a real calendar date. */
static int check_date(struct parse *p, int spec_index, const char *value)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	long y, m, d;
	int i;

	if (strlen(value) != 10 || value[4] != '-' || value[7] != '-')
		goto bad;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (value[i] < '0' || value[i] > '9'))
			goto bad;
	y = strtol(value, NULL, 10);
	m = strtol(value + 5, NULL, 10);
	d = strtol(value + 8, NULL, 10);
	if (y < 1000 || m < 1 || m > 12 || d < 1 ||
	    d > days[m - 1] + (m == 2 && is_leap(y) ? 1 : 0))
		return col_error(p, spec_index, FT_EINVAL, "date '%s' does not exist", value);
	return 0;
bad:
	return col_error(p, spec_index, FT_EINVAL, "date '%s' is not YYYY-MM-DD", value);
}

/* A positive whole number (disc, track number). */
static int parse_count(struct parse *p, int spec_index, const char *value, int *out)
{
	long n = 0;
	const char *s = value;

	if (!*s)
		return col_error(p, spec_index, FT_EINVAL, "a number is required");
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 99999)
			return col_error(p, spec_index, FT_EINVAL,
					 "'%s' is not a whole number between 1 and 99999", value);
		n = n * 10 + (*s - '0');
	}
	if (n < 1 || n > 99999)
		return col_error(p, spec_index, FT_EINVAL,
				 "'%s' is not a whole number between 1 and 99999", value);
	*out = (int)n;
	return 0;
}

/*
 * A list value "a; b;c" made canonical: items trimmed, empty ones dropped,
 * joined by "; ".  Kept in the arena.
 */
static const char *canonical_list(struct parse *p, const char *value)
{
	size_t len = strlen(value), o = 0;
	char *out = cat_alloc(p->cat, len * 2 + 1);
	const char *s = value;

	if (!out)
		return NULL;
	while (*s) {
		const char *end = strchr(s, ';');
		const char *stop = end ? end : s + strlen(s);
		const char *a = s, *b = stop;

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			if (o) {
				memcpy(out + o, CAT_LIST_SEP, 2);
				o += 2;
			}
			memcpy(out + o, a, (size_t)(b - a));
			o += (size_t)(b - a);
		}
		s = end ? end + 1 : stop;
	}
	out[o] = '\0';
	return out;
}

static const char *keep(struct parse *p, const char *value)
{
	return cat_strndup(p->cat, value, strlen(value));
}

/* The value of an optional column, or NULL when the file has no such column:
 * then the ledger's value is kept on re-import. */
static const char *given(struct parse *p, int spec_index)
{
	return p->col[spec_index] < 0 ? NULL : p->value[spec_index];
}

static const char *opt(struct parse *p, int spec_index)
{
	return p->col[spec_index] < 0 ? NULL : keep(p, p->value[spec_index]);
}

/* ------------------------------------------------------------ kind setup */

static int detect_kind(struct parse *p, const char norm[][64], size_t n)
{
	int has_isrc = 0, has_role = 0, has_label = 0, has_artist_id = 0, has_partner_id = 0,
	    has_bwarm = 0, has_upc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		has_isrc |= strcmp(norm[i], "isrc") == 0;
		has_role |= strcmp(norm[i], "role") == 0;
		has_label |= strcmp(norm[i], "label") == 0 || strcmp(norm[i], "label_name") == 0;
		has_artist_id |= strcmp(norm[i], "artist_id") == 0;
		has_partner_id |= strcmp(norm[i], "partner_id") == 0;
		has_bwarm |= strcmp(norm[i], "feedprovidersrecordingid") == 0;
		has_upc |= strcmp(norm[i], "upc") == 0;
	}
	/* A partner column next to a UPC and no track: a release plan. */
	if (has_partner_id && has_upc && !has_isrc)
		return FT_CATALOG_PLANS;
	if (has_partner_id)
		return FT_CATALOG_PARTNERS;
	if (has_artist_id)
		return FT_CATALOG_ARTISTS;
	if (has_bwarm)
		return FT_CATALOG_BWARM;
	if (has_isrc && has_role)
		return FT_CATALOG_CONTRIBUTORS;
	if (has_isrc)
		return FT_CATALOG_TRACKS;
	if (has_label)
		return FT_CATALOG_LABELS;
	return -1;
}

static int read_header(struct parse *p, const char *line, size_t len)
{
	char norm[MAX_COLUMNS][64];
	size_t i, s;
	int rc;

	p->delim = ft_csv_sniff_delim(line, len);
	rc = ft_csv_split(p->fields, MAX_COLUMNS, &p->n_fields, line, len, p->delim, p->err);
	if (rc)
		return ft_error_locate(p->err, p->file, p->line, NULL);
	p->n_header = p->n_fields;
	for (i = 0; i < p->n_fields; i++) {
		char clean[256];
		size_t n = ft_csv_unquote(clean, sizeof(clean), &p->fields[i]);

		if (n >= sizeof(clean))
			n = sizeof(clean) - 1;
		normalise_name(norm[i], sizeof(norm[i]), clean, n);
		if (n >= sizeof(p->header[i]))
			n = sizeof(p->header[i]) - 1;
		memcpy(p->header[i], clean, n);
		p->header[i][n] = '\0';
		/* trim for messages */
		while (p->header[i][0] == ' ')
			memmove(p->header[i], p->header[i] + 1, strlen(p->header[i]));
		n = strlen(p->header[i]);
		while (n > 0 && p->header[i][n - 1] == ' ')
			p->header[i][--n] = '\0';
	}
	p->kind = detect_kind(p, norm, p->n_fields);
	switch (p->kind) {
	case FT_CATALOG_LABELS: p->spec = label_columns; p->n_spec = L_N; break;
	case FT_CATALOG_ARTISTS: p->spec = artist_columns; p->n_spec = A_N; break;
	case FT_CATALOG_PARTNERS: p->spec = partner_columns; p->n_spec = P_N; break;
	case FT_CATALOG_TRACKS: p->spec = track_columns; p->n_spec = T_N; break;
	case FT_CATALOG_CONTRIBUTORS: p->spec = contributor_columns; p->n_spec = C_N; break;
	case FT_CATALOG_BWARM: p->spec = bwarm_columns; p->n_spec = B_N; break;
	case FT_CATALOG_PLANS: p->spec = plan_columns; p->n_spec = R_N; break;
	default:
		return ft_error_setloc(p->err, FT_EINVAL, p->file, p->line, NULL,
				       "cannot tell what kind of catalogue file this is from its "
				       "header: expected an 'isrc', 'artist_id', 'partner_id' or "
				       "'label' column (see docs/CATALOG.md)");
	}
	for (s = 0; s < p->n_spec; s++) {
		p->col[s] = -1;
		for (i = 0; i < p->n_fields; i++) {
			if (name_matches(&p->spec[s], norm[i])) {
				if (p->col[s] >= 0)
					return ft_error_setloc(
					    p->err, FT_EINVAL, p->file, p->line, p->header[i],
					    "columns '%s' and '%s' both mean '%s' (keep one)",
					    p->header[p->col[s]], p->header[i], p->spec[s].name);
				p->col[s] = (int)i;
			}
		}
		if (p->spec[s].required && p->col[s] < 0)
			return ft_error_setloc(
			    p->err, FT_EINVAL, p->file, p->line, p->spec[s].name,
			    "a %s file needs a column '%s' (see docs/CATALOG.md)",
			    ft_catalog_kind_name(p->kind), p->spec[s].name);
	}
	return 0;
}

/* Split a data row and clean the values this kind uses into p->value. */
static int read_row(struct parse *p, const char *line, size_t len, int *blank)
{
	size_t s, need = 0, used = 0, i;
	int rc;

	rc = ft_csv_split(p->fields, MAX_COLUMNS, &p->n_fields, line, len, p->delim, p->err);
	if (rc)
		return ft_error_locate(p->err, p->file, p->line, NULL);
	if (p->n_fields > p->n_header) {
		/* Spreadsheets leave trailing empty cells; only text past the header counts. */
		for (i = p->n_header; i < p->n_fields; i++)
			if (p->fields[i].len)
				return ft_error_setloc(
				    p->err, FT_EINVAL, p->file, p->line, NULL,
				    "row has %zu fields but the header has %zu "
				    "(a delimiter inside a value must be quoted)",
				    p->n_fields, p->n_header);
	}
	*blank = 1;
	for (i = 0; i < p->n_fields && i < p->n_header; i++) {
		need += p->fields[i].len + 1;
		if (p->fields[i].len)
			*blank = 0;
	}
	if (*blank)
		return 0;
	if (need > p->scratch_cap) {
		char *grown = realloc(p->scratch, need);

		if (!grown)
			return nomem(p);
		p->scratch = grown;
		p->scratch_cap = need;
	}
	for (s = 0; s < p->n_spec; s++) {
		int f = p->col[s];
		char *v;
		size_t n;

		if (f < 0 || (size_t)f >= p->n_fields) {
			p->value[s] = "";
			continue;
		}
		v = p->scratch + used;
		n = ft_csv_unquote(v, p->fields[f].len + 1, &p->fields[f]);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			v[--n] = '\0';
		while (*v == ' ' || *v == '\t') {
			v++;
			n--;
		}
		if (n > MAX_VALUE)
			return col_error(p, (int)s, FT_EINVAL, "value is longer than %d bytes",
					 MAX_VALUE);
		p->value[s] = v;
		used += p->fields[f].len + 1;
	}
	return 0;
}

/* The mutable copy of a value (enumerations are lower-cased in place). */
static char *val(struct parse *p, int spec_index)
{
	return (char *)p->value[spec_index];
}

static int need(struct parse *p, int spec_index)
{
	if (p->value[spec_index][0])
		return 0;
	return col_error(p, spec_index, FT_EINVAL, "a value is required");
}

static int country_of(struct parse *p, int spec_index, const char **out)
{
	char code[3];
	int rc;

	*out = p->col[spec_index] < 0 ? NULL : "";
	if (!p->value[spec_index][0])
		return 0;
	rc = ft_territory_parse(code, p->value[spec_index], strlen(p->value[spec_index]), p->err);
	if (rc)
		return col_wrap(p, spec_index, rc);
	if (strcmp(code, "WW") == 0)
		return col_error(p, spec_index, FT_EINVAL,
				 "country 'WW' is a territory set, not a country (leave it empty)");
	*out = keep(p, code);
	return *out ? 0 : nomem(p);
}

static int duplicate(struct parse *p, const char *what, const char *key,
		     const struct ft_catalog_loc *first, int spec_index)
{
	return col_error(p, spec_index, FT_EINVAL, "%s '%s' is already given at %s:%ld", what, key,
			 first->file, first->line);
}

/* ------------------------------------------------------------ kinds */

static int row_label(struct parse *p)
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_label *l;
	const char *country;
	long prev;
	int rc;

	if ((rc = need(p, L_LABEL)) || (rc = country_of(p, L_COUNTRY, &country)))
		return rc;
	prev = cat_index_put(cat, VEC_LABELS, p->value[L_LABEL], cat->n_labels);
	if (prev < 0)
		return nomem(p);
	if (prev > 0)
		return duplicate(p, "label", p->value[L_LABEL], &cat->labels[prev - 1].loc,
				 L_LABEL);
	l = cat_push(cat, (void **)&cat->labels, &cat->n_labels, VEC_LABELS, sizeof(*l));
	if (!l)
		return nomem(p);
	l->name = keep(p, p->value[L_LABEL]);
	l->country = country;
	l->loc.file = p->file;
	l->loc.line = p->line;
	return l->name ? 0 : nomem(p);
}

static int row_artist(struct parse *p)
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_artist *a;
	const char *country;
	long prev;
	int rc;

	if ((rc = need(p, A_ID)) || (rc = check_slug(p, A_ID, p->value[A_ID])) ||
	    (rc = need(p, A_NAME)) || (rc = need(p, A_KIND)) ||
	    (rc = check_enum(p, A_KIND, val(p, A_KIND), artist_kinds, "kind")) ||
	    (rc = country_of(p, A_COUNTRY, &country)))
		return rc;
	if (strcmp(p->value[A_KIND], "person") == 0 && p->value[A_MEMBERS][0])
		return col_error(p, A_MEMBERS, FT_EINVAL,
				 "a person has no members (is '%s' a band? set kind to 'band')",
				 p->value[A_NAME]);
	prev = cat_index_put(cat, VEC_ARTISTS, p->value[A_ID], cat->n_artists);
	if (prev < 0)
		return nomem(p);
	if (prev > 0)
		return duplicate(p, "artist", p->value[A_ID], &cat->artists[prev - 1].loc, A_ID);
	a = cat_push(cat, (void **)&cat->artists, &cat->n_artists, VEC_ARTISTS, sizeof(*a));
	if (!a)
		return nomem(p);
	a->id = keep(p, p->value[A_ID]);
	a->name = keep(p, p->value[A_NAME]);
	a->kind = keep(p, p->value[A_KIND]);
	a->country = country;
	a->members = p->col[A_MEMBERS] < 0 ? NULL : canonical_list(p, p->value[A_MEMBERS]);
	a->loc.file = p->file;
	a->loc.line = p->line;
	return a->id && a->name && a->kind && (a->members || p->col[A_MEMBERS] < 0) ? 0
										    : nomem(p);
}

static int parse_fee(struct parse *p, ft_amount *fee)
{
	const char *text = p->value[P_FEE];
	size_t len = strlen(text);
	int rc;

	*fee = 0;
	if (!len)
		return 0;
	if (text[len - 1] == '%')
		len--;
	while (len > 0 && text[len - 1] == ' ')
		len--;
	rc = ft_amount_parse(fee, text, len, p->err);
	if (rc)
		return col_wrap(p, P_FEE, rc);
	if (*fee < 0 || *fee > 100 * FT_AMOUNT_ONE)
		return col_error(p, P_FEE, FT_EINVAL,
				 "fee '%s' must be a percentage between 0 and 100 (15 %% is '15')",
				 text);
	return 0;
}

static int row_partner(struct parse *p)
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_partner *pt;
	struct ft_territory_set set;
	char terr[2048], currency[4] = "";
	ft_amount fee;
	long prev;
	int rc;

	terr[0] = '\0';
	if ((rc = need(p, P_ID)) || (rc = check_slug(p, P_ID, p->value[P_ID])) ||
	    (rc = need(p, P_NAME)) || (rc = need(p, P_TYPE)) ||
	    (rc = check_enum(p, P_TYPE, val(p, P_TYPE), partner_types, "type")) ||
	    (rc = parse_fee(p, &fee)))
		return rc;
	if (p->value[P_TERRITORIES][0]) {
		rc = ft_territory_set_parse(&set, p->value[P_TERRITORIES],
					    strlen(p->value[P_TERRITORIES]), p->err);
		if (rc)
			return col_wrap(p, P_TERRITORIES, rc);
		ft_territory_set_format(terr, sizeof(terr), &set);
	} else if (p->col[P_TERRITORIES] >= 0) {
		snprintf(terr, sizeof(terr), "WW");
	}
	if (p->value[P_CURRENCY][0]) {
		rc = ft_currency_parse(currency, NULL, p->value[P_CURRENCY],
				       strlen(p->value[P_CURRENCY]), p->err);
		if (rc)
			return col_wrap(p, P_CURRENCY, rc);
	}
	prev = cat_index_put(cat, VEC_PARTNERS, p->value[P_ID], cat->n_partners);
	if (prev < 0)
		return nomem(p);
	if (prev > 0)
		return duplicate(p, "partner", p->value[P_ID], &cat->partners[prev - 1].loc, P_ID);
	pt = cat_push(cat, (void **)&cat->partners, &cat->n_partners, VEC_PARTNERS, sizeof(*pt));
	if (!pt)
		return nomem(p);
	pt->id = keep(p, p->value[P_ID]);
	pt->name = keep(p, p->value[P_NAME]);
	pt->type = keep(p, p->value[P_TYPE]);
	pt->territories = p->col[P_TERRITORIES] < 0 ? NULL : keep(p, terr);
	pt->fee_percent = fee;
	pt->has_fee = p->col[P_FEE] >= 0;
	pt->currency = p->col[P_CURRENCY] < 0 ? NULL : keep(p, currency);
	pt->loc.file = p->file;
	pt->loc.line = p->line;
	if (!pt->id || !pt->name || !pt->type || (!pt->territories && terr[0]) ||
	    (!pt->currency && p->col[P_CURRENCY] >= 0))
		return nomem(p);
	return 0;
}

/* A fact given twice must be the same; names both places when it is not. */
static int agree(struct parse *p, int spec_index, const char *what, const char *key,
		 const char *here, const char *before, const struct ft_catalog_loc *first)
{
	if (!here || !before || strcmp(here, before) == 0)
		return 0;
	return col_error(p, spec_index, FT_EINVAL,
			 "%s %s has '%s' here but '%s' at %s:%ld (the rows must agree)", what, key,
			 here, before, first->file, first->line);
}

static int parse_isrc(struct parse *p, int spec_index, char isrc[FT_ISRC_LEN + 1])
{
	int rc = need(p, spec_index);

	if (rc)
		return rc;
	rc = ft_isrc_parse(isrc, p->value[spec_index], strlen(p->value[spec_index]), p->err);
	return rc ? col_wrap(p, spec_index, rc) : 0;
}

/* The release columns of a tracks row: the release itself, once per UPC. */
static int release_of_row(struct parse *p, char gtin14[FT_GTIN_LEN + 1])
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_release *r;
	char upc[FT_GTIN_LEN + 1];
	const char *format;
	size_t at;
	long prev;
	int rc;

	rc = ft_gtin_parse(upc, NULL, p->value[T_UPC], strlen(p->value[T_UPC]), p->err);
	if (rc)
		return col_wrap(p, T_UPC, rc);
	ft_gtin_to14(gtin14, upc);
	if ((rc = need(p, T_RELEASE_TITLE)) || (rc = need(p, T_FORMAT)) ||
	    (rc = check_enum(p, T_FORMAT, val(p, T_FORMAT), release_formats, "format")))
		return rc;
	if (p->value[T_RELEASE_DATE][0] && (rc = check_date(p, T_RELEASE_DATE,
							     p->value[T_RELEASE_DATE])))
		return rc;
	format = p->value[T_FORMAT];
	at = cat_index_get(cat, VEC_RELEASES, gtin14);
	if (at) {
		r = &cat->releases[at - 1];
		if ((rc = agree(p, T_RELEASE_TITLE, "release", upc, p->value[T_RELEASE_TITLE],
				r->title, &r->loc)) ||
		    (rc = agree(p, T_RELEASE_ARTIST, "release", upc, given(p, T_RELEASE_ARTIST),
				r->artist, &r->loc)) ||
		    (rc = agree(p, T_RELEASE_DATE, "release", upc, given(p, T_RELEASE_DATE),
				r->date, &r->loc)) ||
		    (rc = agree(p, T_FORMAT, "release", upc, format, r->format, &r->loc)) ||
		    (rc = agree(p, T_LABEL, "release", upc, given(p, T_LABEL), r->label, &r->loc)))
			return rc;
		/* a later file may give what an earlier one left out */
		if ((!r->artist && (r->artist = opt(p, T_RELEASE_ARTIST)) == NULL &&
		     given(p, T_RELEASE_ARTIST)) ||
		    (!r->date && (r->date = opt(p, T_RELEASE_DATE)) == NULL &&
		     given(p, T_RELEASE_DATE)) ||
		    (!r->label && (r->label = opt(p, T_LABEL)) == NULL && given(p, T_LABEL)))
			return nomem(p);
		return 0;
	}
	prev = cat_index_put(cat, VEC_RELEASES, gtin14, cat->n_releases);
	if (prev < 0)
		return nomem(p);
	r = cat_push(cat, (void **)&cat->releases, &cat->n_releases, VEC_RELEASES, sizeof(*r));
	if (!r)
		return nomem(p);
	memcpy(r->gtin14, gtin14, sizeof(r->gtin14));
	memcpy(r->upc, upc, sizeof(r->upc));
	r->title = keep(p, p->value[T_RELEASE_TITLE]);
	r->artist = opt(p, T_RELEASE_ARTIST);
	r->label = opt(p, T_LABEL);
	r->format = keep(p, format);
	r->date = opt(p, T_RELEASE_DATE);
	r->loc.file = p->file;
	r->loc.line = p->line;
	if (!r->title || !r->format || (!r->artist && given(p, T_RELEASE_ARTIST)) ||
	    (!r->label && given(p, T_LABEL)) || (!r->date && given(p, T_RELEASE_DATE)))
		return nomem(p);
	return 0;
}

/*
 * Add a recording, or check it against the earlier row with its ISRC.
 * featured is NULL and duration_col's column absent when the file does not
 * carry them: the ledger's values are then kept.
 */
static int add_track(struct parse *p, const char isrc[FT_ISRC_LEN + 1], const char *title,
		     const char *artists, const char *featured, long duration, int title_col,
		     int artists_col, int featured_col, int duration_col, int create_artists)
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_track *t;
	size_t at = cat_index_get(cat, VEC_TRACKS, isrc);
	int has_duration = duration_col >= 0 && p->col[duration_col] >= 0;
	int rc;

	if (at) {
		char here[32], before[32];

		t = &cat->tracks[at - 1];
		snprintf(here, sizeof(here), "%ld", duration);
		snprintf(before, sizeof(before), "%ld", t->duration);
		if ((rc = agree(p, title_col, "track", isrc, title, t->title, &t->loc)) ||
		    (rc = agree(p, artists_col, "track", isrc, artists, t->artists, &t->loc)) ||
		    (featured_col >= 0 &&
		     (rc = agree(p, featured_col, "track", isrc, featured, t->featured, &t->loc))) ||
		    (has_duration && t->has_duration &&
		     (rc = agree(p, duration_col, "track", isrc, here, before, &t->loc))))
			return rc;
		if (!t->featured)
			t->featured = featured;
		if (!t->has_duration && has_duration) {
			t->duration = duration;
			t->has_duration = 1;
		}
		return 0;
	}
	if (cat_index_put(cat, VEC_TRACKS, isrc, cat->n_tracks) < 0)
		return nomem(p);
	t = cat_push(cat, (void **)&cat->tracks, &cat->n_tracks, VEC_TRACKS, sizeof(*t));
	if (!t)
		return nomem(p);
	memcpy(t->isrc, isrc, sizeof(t->isrc));
	t->title = keep(p, title);
	t->artists = artists;
	t->featured = featured;
	t->duration = duration;
	t->has_duration = has_duration;
	t->create_artists = create_artists;
	t->loc.file = p->file;
	t->loc.line = p->line;
	return t->title ? 0 : nomem(p);
}

static int row_track(struct parse *p)
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_placement *pl;
	char isrc[FT_ISRC_LEN + 1], gtin14[FT_GTIN_LEN + 1], key[64];
	const char *artists, *featured;
	long duration = -1, prev;
	int disc = 1, track_no = 0, rc;

	if ((rc = parse_isrc(p, T_ISRC, isrc)) || (rc = need(p, T_TITLE)) ||
	    (rc = need(p, T_ARTISTS)))
		return rc;
	if (p->value[T_DURATION][0]) {
		rc = ft_catalog_parse_duration(&duration, p->value[T_DURATION],
					       strlen(p->value[T_DURATION]), p->err);
		if (rc)
			return col_wrap(p, T_DURATION, rc);
	}
	artists = canonical_list(p, p->value[T_ARTISTS]);
	featured = p->col[T_FEATURED] < 0 ? "" : canonical_list(p, p->value[T_FEATURED]);
	if (!artists || !featured)
		return nomem(p);
	if (p->col[T_FEATURED] < 0)
		featured = NULL;
	if (!p->value[T_UPC][0]) {
		static const int release_cols[] = {T_RELEASE_TITLE, T_RELEASE_ARTIST,
						   T_RELEASE_DATE,  T_FORMAT,
						   T_LABEL,         T_DISC,
						   T_TRACK_NO};
		size_t i;

		for (i = 0; i < sizeof(release_cols) / sizeof(release_cols[0]); i++)
			if (p->value[release_cols[i]][0])
				return col_error(p, release_cols[i], FT_EINVAL,
						 "release columns need a release: the 'upc' "
						 "column is empty");
		return add_track(p, isrc, p->value[T_TITLE], artists, featured, duration, T_TITLE,
				 T_ARTISTS, T_FEATURED, T_DURATION, 0);
	}
	if ((rc = release_of_row(p, gtin14)))
		return rc;
	if (p->value[T_DISC][0] && (rc = parse_count(p, T_DISC, p->value[T_DISC], &disc)))
		return rc;
	if ((rc = parse_count(p, T_TRACK_NO, p->value[T_TRACK_NO], &track_no)))
		return rc;
	if ((rc = add_track(p, isrc, p->value[T_TITLE], artists, featured, duration, T_TITLE,
			    T_ARTISTS, T_FEATURED, T_DURATION, 0)))
		return rc;
	snprintf(key, sizeof(key), "%s/%d/%d", gtin14, disc, track_no);
	prev = cat_index_put(cat, VEC_PLACEMENTS, key, cat->n_placements);
	if (prev < 0)
		return nomem(p);
	if (prev > 0) {
		pl = &cat->placements[prev - 1];
		return col_error(p, T_TRACK_NO, FT_EINVAL,
				 "release %s already has a track %d on disc %d (%s at %s:%ld)",
				 p->value[T_UPC], track_no, disc, pl->isrc, pl->loc.file,
				 pl->loc.line);
	}
	pl = cat_push(cat, (void **)&cat->placements, &cat->n_placements, VEC_PLACEMENTS,
		      sizeof(*pl));
	if (!pl)
		return nomem(p);
	memcpy(pl->gtin14, gtin14, sizeof(pl->gtin14));
	memcpy(pl->isrc, isrc, sizeof(pl->isrc));
	pl->disc = disc;
	pl->track_no = track_no;
	pl->loc.file = p->file;
	pl->loc.line = p->line;
	return 0;
}

static int row_contributor(struct parse *p)
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_contributor *c;
	char isrc[FT_ISRC_LEN + 1], key[MAX_VALUE * 2 + 32];
	long prev;
	int rc;

	if ((rc = parse_isrc(p, C_ISRC, isrc)) || (rc = need(p, C_NAME)) ||
	    (rc = need(p, C_ROLE)) ||
	    (rc = check_enum(p, C_ROLE, val(p, C_ROLE), contributor_roles, "role")))
		return rc;
	snprintf(key, sizeof(key), "%s/%s/%s", isrc, p->value[C_ROLE], p->value[C_NAME]);
	prev = cat_index_put(cat, VEC_CONTRIBUTORS, key, cat->n_contributors);
	if (prev < 0)
		return nomem(p);
	if (prev > 0)
		return col_error(p, C_NAME, FT_EINVAL, "%s as %s on %s is already given at %s:%ld",
				 p->value[C_NAME], p->value[C_ROLE], isrc,
				 cat->contributors[prev - 1].loc.file,
				 cat->contributors[prev - 1].loc.line);
	c = cat_push(cat, (void **)&cat->contributors, &cat->n_contributors, VEC_CONTRIBUTORS,
		     sizeof(*c));
	if (!c)
		return nomem(p);
	memcpy(c->isrc, isrc, sizeof(c->isrc));
	c->name = keep(p, p->value[C_NAME]);
	c->role = keep(p, p->value[C_ROLE]);
	c->loc.file = p->file;
	c->loc.line = p->line;
	return c->name && c->role ? 0 : nomem(p);
}

/* BWARM recordings: a recording without release or artist ids; its display
 * artist name is matched to an artist at import (and created if new). */
static int row_bwarm(struct parse *p)
{
	char isrc[FT_ISRC_LEN + 1];
	char title[MAX_VALUE * 2 + 4];
	const char *artists;
	long duration = -1;
	int rc;

	if ((rc = parse_isrc(p, B_ISRC, isrc)) || (rc = need(p, B_TITLE)) ||
	    (rc = need(p, B_ARTIST)))
		return rc;
	if (p->value[B_DURATION][0]) {
		rc = ft_catalog_parse_duration(&duration, p->value[B_DURATION],
					       strlen(p->value[B_DURATION]), p->err);
		if (rc)
			return col_wrap(p, B_DURATION, rc);
	}
	if (p->value[B_SUBTITLE][0])
		snprintf(title, sizeof(title), "%s (%s)", p->value[B_TITLE], p->value[B_SUBTITLE]);
	else
		snprintf(title, sizeof(title), "%s", p->value[B_TITLE]);
	/* A display name is one artist, even with ';' in it. */
	artists = keep(p, p->value[B_ARTIST]);
	if (!artists)
		return nomem(p);
	return add_track(p, isrc, title, artists, NULL, duration, B_TITLE, B_ARTIST, -1,
			 B_DURATION, 1);
}

/* A release planned through a partner: upc, partner_id, territories, date. */
static int row_plan(struct parse *p)
{
	struct ft_catalog *cat = p->cat;
	struct ft_catalog_plan *pl;
	struct ft_territory_set set;
	char upc[FT_GTIN_LEN + 1], gtin14[FT_GTIN_LEN + 1], terr[2048], key[128];
	long prev;
	int rc;

	if ((rc = need(p, R_UPC)))
		return rc;
	rc = ft_gtin_parse(upc, NULL, p->value[R_UPC], strlen(p->value[R_UPC]), p->err);
	if (rc)
		return col_wrap(p, R_UPC, rc);
	ft_gtin_to14(gtin14, upc);
	if ((rc = need(p, R_PARTNER)) || (rc = check_slug(p, R_PARTNER, p->value[R_PARTNER])))
		return rc;
	snprintf(terr, sizeof(terr), "WW");
	if (p->value[R_TERRITORIES][0]) {
		rc = ft_territory_set_parse(&set, p->value[R_TERRITORIES],
					    strlen(p->value[R_TERRITORIES]), p->err);
		if (rc)
			return col_wrap(p, R_TERRITORIES, rc);
		ft_territory_set_format(terr, sizeof(terr), &set);
	}
	if (p->value[R_DATE][0] && (rc = check_date(p, R_DATE, p->value[R_DATE])))
		return rc;
	snprintf(key, sizeof(key), "%s/%s", gtin14, p->value[R_PARTNER]);
	prev = cat_index_put(cat, VEC_PLANS, key, cat->n_plans);
	if (prev < 0)
		return nomem(p);
	if (prev > 0)
		return col_error(p, R_PARTNER, FT_EINVAL,
				 "release %s through partner '%s' is already planned at %s:%ld",
				 upc, p->value[R_PARTNER], cat->plans[prev - 1].loc.file,
				 cat->plans[prev - 1].loc.line);
	pl = cat_push(cat, (void **)&cat->plans, &cat->n_plans, VEC_PLANS, sizeof(*pl));
	if (!pl)
		return nomem(p);
	memcpy(pl->gtin14, gtin14, sizeof(pl->gtin14));
	memcpy(pl->upc, upc, sizeof(pl->upc));
	pl->partner = keep(p, p->value[R_PARTNER]);
	pl->territories = p->col[R_TERRITORIES] < 0 ? NULL : keep(p, terr);
	pl->date = opt(p, R_DATE);
	pl->loc.file = p->file;
	pl->loc.line = p->line;
	if (!pl->partner || (!pl->territories && p->col[R_TERRITORIES] >= 0) ||
	    (!pl->date && p->col[R_DATE] >= 0))
		return nomem(p);
	return 0;
}

int ft_catalog_parse(struct ft_catalog *cat, const char *name, const char *data, size_t len,
		     enum ft_catalog_kind *kind_out, struct ft_error *err)
{
	struct parse p;
	struct ft_lines lines;
	const char *line;
	size_t line_len;
	long line_no, bad;
	int have_header = 0, blank, rc = 0;

	memset(&p, 0, sizeof(p));
	p.cat = cat;
	p.err = err;
	p.kind = -1;
	p.file = cat_strndup(cat, name ? name : "-", strlen(name ? name : "-"));
	if (!p.file)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	ft_lines_init(&lines, data, len);
	while (ft_lines_next(&lines, &line, &line_len, &line_no)) {
		p.line = line_no;
		bad = utf8_invalid_at((const unsigned char *)line, line_len);
		if (bad >= 0) {
			rc = ft_error_setloc(err, FT_EINVAL, p.file, p.line, NULL,
					     "byte %ld is not UTF-8 (save the file as UTF-8)",
					     bad + 1);
			break;
		}
		if (memchr(line, '\0', line_len)) {
			rc = ft_error_setloc(err, FT_EINVAL, p.file, p.line, NULL,
					     "NUL byte: this is not a text file");
			break;
		}
		if (!have_header) {
			size_t i;

			for (i = 0; i < line_len && (line[i] == ' ' || line[i] == '\t'); i++)
				;
			if (i == line_len)
				continue;
			rc = read_header(&p, line, line_len);
			if (rc)
				break;
			have_header = 1;
			continue;
		}
		rc = read_row(&p, line, line_len, &blank);
		if (rc)
			break;
		if (blank)
			continue;
		switch (p.kind) {
		case FT_CATALOG_LABELS: rc = row_label(&p); break;
		case FT_CATALOG_ARTISTS: rc = row_artist(&p); break;
		case FT_CATALOG_PARTNERS: rc = row_partner(&p); break;
		case FT_CATALOG_TRACKS: rc = row_track(&p); break;
		case FT_CATALOG_CONTRIBUTORS: rc = row_contributor(&p); break;
		case FT_CATALOG_BWARM: rc = row_bwarm(&p); break;
		case FT_CATALOG_PLANS: rc = row_plan(&p); break;
		default: rc = ft_error_set(err, FT_EINVAL, "%s: unknown kind", p.file);
		}
		if (rc)
			break;
	}
	if (!rc && !have_header)
		rc = ft_error_setloc(err, FT_EINVAL, p.file, 0, NULL,
				     "empty file: a catalogue file starts with a header line "
				     "(see docs/CATALOG.md)");
	free(p.scratch);
	if (!rc && kind_out)
		*kind_out = (enum ft_catalog_kind)p.kind;
	return rc;
}

int ft_catalog_parse_file(struct ft_catalog *cat, const char *path,
			  enum ft_catalog_kind *kind_out, struct ft_error *err)
{
	FILE *f;
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	struct stat st;
	int rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return ft_error_set(err, FT_EIO, "%s is a directory, not a catalogue file", path);
	f = fopen(path, "rb");
	if (!f)
		return ft_error_set(err, FT_EIO, "%s: cannot open: %m", path);
	for (;;) {
		if (cap - len < 65536) {
			char *grown;

			cap = cap ? cap * 2 : 1 << 20;
			grown = realloc(data, cap);
			if (!grown) {
				free(data);
				fclose(f);
				return ft_error_set(err, FT_ENOMEM, "%s: out of memory reading it",
						    path);
			}
			data = grown;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(data);
		fclose(f);
		return ft_error_set(err, FT_EIO, "%s: read error", path);
	}
	fclose(f);
	rc = ft_catalog_parse(cat, path, data, len, kind_out, err);
	free(data);
	return rc;
}
