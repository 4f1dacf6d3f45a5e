/*
 * fmt_generic.c — any CSV/TSV report described by a mapping file (format
 * "generic"), and the mapping file parser (include/fairtrack/mapping.h).
 *
 * A mapping is turned into the same struct fmt_dialect the built-in
 * distributor formats are written as, so a partner loaded by mapping gets
 * the same header search, exact money, and per-field error messages.  The
 * mapping owns one copy of its text; every name in the dialect points into
 * it.  Every mapped column is required in the header: a mapping that names a
 * column the file lacks is reported as such instead of producing empty
 * fields.  The format never detects itself (it needs a mapping to mean
 * anything): it is chosen with --format generic --mapping FILE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/mapping.h"
#include "ingest/formats.h"
#include "ingest/fmt_util.h"

struct ft_mapping {
	struct fmt_dialect dialect;
	char *text;   /* the copy every name points into */
	char *source; /* for messages */
	const char *name;
};

static char *trim_inplace(char *p, char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return p;
}

static int to_int(const char *v, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0 || n > 1000)
		return -1;
	*out = (int)n;
	return 0;
}

static int set_option(struct ft_mapping *m, const char *key, char *value, long line_no,
		      struct ft_error *err)
{
	struct fmt_dialect *d = &m->dialect;

	if (strcmp(key, "name") == 0) {
		m->name = value;
		d->name = value;
	} else if (strcmp(key, "skip_rows") == 0) {
		if (to_int(value, &d->skip_rows))
			goto bad;
	} else if (strcmp(key, "preamble") == 0) {
		if (to_int(value, &d->max_preamble))
			goto bad;
	} else if (strcmp(key, "delimiter") == 0) {
		if (strcmp(value, "tab") == 0 || strcmp(value, "\\t") == 0)
			d->delim = '\t';
		else if (strcmp(value, ",") == 0 || strcmp(value, "comma") == 0)
			d->delim = ',';
		else if (strcmp(value, ";") == 0 || strcmp(value, "semicolon") == 0)
			d->delim = ';';
		else if (strcmp(value, "auto") == 0)
			d->delim = 0;
		else
			goto bad;
	} else if (strcmp(key, "decimal") == 0) {
		if (strcmp(value, ",") == 0)
			d->money_flags |= FMT_MONEY_DECIMAL_COMMA;
		else if (strcmp(value, ".") == 0)
			d->money_flags &= ~(unsigned)FMT_MONEY_DECIMAL_COMMA;
		else
			goto bad;
	} else if (strcmp(key, "money_prefix") == 0) {
		if (strcmp(value, "$") != 0)
			goto bad;
		d->money_flags |= FMT_MONEY_DOLLAR;
	} else {
		return 1; /* not an option */
	}
	return 0;
bad:
	return ft_error_setloc(err, FT_EINVAL, m->source, line_no, key,
			       "'%s = %s': value not understood (skip_rows/preamble: 0..1000; "
			       "delimiter: tab , ; auto; decimal: . or ,; money_prefix: $)",
			       key, value);
}

static int set_field(struct ft_mapping *m, const char *key, char *value, int is_const, long line_no,
		     struct ft_error *err)
{
	struct fmt_dialect *d = &m->dialect;
	int f = fmt_field_by_name(key, strlen(key));
	int n = 0;

	if (f < 0)
		return ft_error_setloc(err, FT_EINVAL, m->source, line_no, key,
				       "unknown key '%s' (fields: isrc, upc, territory, "
				       "commercial_model, use_type, currency, store, period, "
				       "transaction_id, usages, revenue, gross; options: name, "
				       "skip_rows, preamble, delimiter, decimal, money_prefix)",
				       key);
	if (*value == '\0')
		return ft_error_setloc(err, FT_EINVAL, m->source, line_no, key, "'%s' has no value",
				       key);
	if (d->columns[f][0] || d->constants[f])
		return ft_error_setloc(err, FT_EINVAL, m->source, line_no, key,
				       "'%s' is mapped twice", key);
	if (is_const) {
		if (f == FMT_REVENUE || f == FMT_GROSS)
			return ft_error_setloc(err, FT_EINVAL, m->source, line_no, key,
					       "'%s' cannot be a constant: money comes from the "
					       "file",
					       key);
		d->constants[f] = value;
		return 0;
	}
	for (char *alt = value; alt;) {
		char *bar = strchr(alt, '|');
		char *end = bar ? bar : alt + strlen(alt);

		if (n == FMT_MAX_ALTS)
			return ft_error_setloc(err, FT_EINVAL, m->source, line_no, key,
					       "'%s' lists more than %d column names", key,
					       FMT_MAX_ALTS);
		d->columns[f][n] = trim_inplace(alt, end);
		if (d->columns[f][n][0] == '\0')
			return ft_error_setloc(err, FT_EINVAL, m->source, line_no, key,
					       "'%s' has an empty column name", key);
		n++;
		alt = bar ? bar + 1 : NULL;
	}
	d->required |= 1u << f;
	return 0;
}

int ft_mapping_parse(struct ft_mapping **out, const char *text, size_t len, const char *source,
		     struct ft_error *err)
{
	struct ft_mapping *m = calloc(1, sizeof(*m));
	struct fmt_dialect *d;
	char *p, *end = NULL;
	long line_no = 0;
	int rc = 0;

	*out = NULL;
	if (!m)
		return ft_error_set(err, FT_ENOMEM, "out of memory (mapping)");
	m->text = malloc(len + 1);
	m->source = strdup(source ? source : "mapping");
	if (!m->text || !m->source) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory (mapping)");
		goto out;
	}
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	if (memchr(m->text, '\0', len)) {
		rc = ft_error_setloc(err, FT_EINVAL, m->source, 0, NULL,
				     "a mapping is a text file; this one contains NUL bytes");
		goto out;
	}
	d = &m->dialect;
	d->name = m->source;
	m->name = m->source;
	d->max_preamble = 0;
	for (p = m->text; p; p = end) {
		char *eq, *key, *value, *nl = strchr(p, '\n');
		int is_const = 0;

		end = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line_no++;
		key = trim_inplace(p, p + strlen(p));
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rc = ft_error_setloc(err, FT_EINVAL, m->source, line_no, NULL,
					     "'%s' is not 'key = value'", key);
			goto out;
		}
		value = trim_inplace(eq + 1, eq + 1 + strlen(eq + 1));
		key = trim_inplace(key, eq);
		if (strncmp(key, "const ", 6) == 0) {
			is_const = 1;
			key = trim_inplace(key + 6, key + strlen(key));
		}
		if (!is_const) {
			rc = set_option(m, key, value, line_no, err);
			if (rc <= 0) {
				if (rc)
					goto out;
				continue;
			}
		}
		rc = set_field(m, key, value, is_const, line_no, err);
		if (rc)
			goto out;
	}
	if (!d->columns[FMT_REVENUE][0]) {
		rc = ft_error_setloc(
		    err, FT_EINVAL, m->source, 0, "revenue",
		    "the mapping has no 'revenue = <column>' line: fairtrack needs the "
		    "money column");
		goto out;
	}
	if (!d->columns[FMT_ISRC][0] && !d->columns[FMT_UPC][0]) {
		rc =
		    ft_error_setloc(err, FT_EINVAL, m->source, 0, "isrc",
				    "the mapping names no identifier column: add 'isrc = <column>' "
				    "or 'upc = <column>'");
		goto out;
	}
	if (!d->columns[FMT_CURRENCY][0] && !d->constants[FMT_CURRENCY]) {
		rc = ft_error_setloc(err, FT_EINVAL, m->source, 0, "currency",
				     "the mapping says nothing about the currency: add 'currency = "
				     "<column>' or 'const currency = EUR'");
		goto out;
	}
	*out = m;
	m = NULL;
out:
	ft_mapping_free(m);
	return rc;
}

int ft_mapping_load(struct ft_mapping **out, const char *path, struct ft_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!f)
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot open the mapping: %s",
				       strerror(errno));
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			cap = cap ? cap * 2 : 4096;
			if (cap > (1u << 20)) {
				rc = ft_error_setloc(
				    err, FT_EINVAL, path, 0, NULL,
				    "a mapping file is small; this one is over 1 MiB");
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				rc = ft_error_set(err, FT_ENOMEM, "out of memory (mapping)");
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot read the mapping");
		goto out;
	}
	rc = ft_mapping_parse(out, buf ? buf : "", len, path, err);
out:
	free(buf);
	fclose(f);
	return rc;
}

const char *ft_mapping_name(const struct ft_mapping *mapping)
{
	return mapping ? mapping->name : "";
}

void ft_mapping_free(struct ft_mapping *mapping)
{
	if (!mapping)
		return;
	free(mapping->text);
	free(mapping->source);
	free(mapping);
}

/* ---- the format ---- */

static int generic_detect(const char *head, size_t len)
{
	(void)head;
	(void)len;
	return 0;
}

static int generic_begin(void **state, const struct ft_format_ctx *ctx, struct ft_error *err)
{
	const struct ft_mapping *m = ctx->user;

	*state = NULL;
	if (!m)
		return ft_error_setloc(err, FT_EUSAGE, ctx->file, 0, NULL,
				       "the generic format needs a mapping file (--mapping FILE, "
				       "syntax in docs/FORMATS.md)");
	return fmt_table_new((struct fmt_table **)state, &m->dialect, err);
}

static int generic_line(void *state, const struct ft_format_ctx *ctx, const char *line, size_t len,
			long line_no, ft_usage_sink_fn sink, void *sink_ctx, struct ft_error *err)
{
	return fmt_table_line(state, ctx, line, len, line_no, sink, sink_ctx, err);
}

static int generic_end(void *state, const struct ft_format_ctx *ctx, ft_usage_sink_fn sink,
		       void *sink_ctx, struct ft_error *err)
{
	return fmt_table_end(state, ctx, err);
}

static void generic_free(void *state)
{
	fmt_table_free(state);
}

const struct ft_format ft_format_generic = {
    .name = "generic",
    .description = "any CSV/TSV described by a mapping file (--mapping FILE)",
    .detect = generic_detect,
    .begin = generic_begin,
    .line = generic_line,
    .end = generic_end,
    .free = generic_free,
};
