/*
 * csv.c — CSV/TSV line splitting and line iteration (include/fairtrack/csv.h).
 *
 * This sits on the ingest hot path (every report line of every file passes
 * through ft_csv_split), so it never allocates, never copies, and finds
 * delimiters and quotes with memchr rather than byte loops.  What it must
 * guarantee: a field never points outside the line, n_out never exceeds
 * max_fields, and any input (any bytes, NULs included) gets either fields or
 * FT_EINVAL — never a read past len.
 *
 * Quoting follows RFC 4180 §2 rules 5-7 for every delimiter, but only for a
 * field whose first byte is '"'.  A quote in the middle of an unquoted field
 * is kept as a literal: TSV exports (and many hand-made CSVs) write
 * 12" Vinyl unquoted, and refusing them would help nobody.  For the same
 * reason a TSV field that starts with '"' but is not a well-formed quoted
 * field is taken as written rather than refused; with ',' and ';' it is an
 * error, since there quoting is the format's own rule.
 */
#include "fairtrack/csv.h"

#include <string.h>

/* The shown excerpt of a bad field: enough to find it, short enough that the
 * message still fits beside a long file name. */
#define EXCERPT_MAX 40

/* Index of the first ch in s[from..len), or len.  memchr is never called with
 * a NULL pointer, even for a zero length. */
static size_t find_byte(const char *s, size_t from, size_t len, char ch)
{
	const char *hit;

	if (from >= len)
		return len;
	hit = memchr(s + from, ch, len - from);
	return hit ? (size_t)(hit - s) : len;
}

static int excerpt_len(size_t len)
{
	return len > EXCERPT_MAX ? EXCERPT_MAX : (int)len;
}

/* Where the quoted field opening at line[open] ends: QUOTE_OK with *close at
 * its closing quote, BAD_UNTERMINATED, or BAD_TRAILING with *close just past
 * the closing quote. */
enum { QUOTE_OK, BAD_UNTERMINATED, BAD_TRAILING };

static int find_closing_quote(const char *line, size_t len, size_t open, char delim, size_t *close)
{
	size_t end = find_byte(line, open + 1, len, '"');

	/* Skip "" pairs until a lone closing quote. */
	while (end + 1 < len && line[end + 1] == '"')
		end = find_byte(line, end + 2, len, '"');
	*close = end;
	if (end >= len)
		return BAD_UNTERMINATED;
	if (end + 1 < len && line[end + 1] != delim) {
		*close = end + 1;
		return BAD_TRAILING;
	}
	return QUOTE_OK;
}

int ft_csv_split(struct ft_csv_field *fields, size_t max_fields, size_t *n_out, const char *line,
		 size_t len, char delim, struct ft_error *err)
{
	size_t n = 0;
	size_t pos = 0;

	*n_out = 0;
	if (delim == '"')
		return ft_error_set(err, FT_EUSAGE, "'\"' cannot be a field delimiter");
	for (;;) {
		size_t start = pos;
		size_t end = 0;
		int quoted = 0, bad = QUOTE_OK;

		if (n == max_fields)
			return ft_error_set(err, FT_EINVAL,
					    "column %zu: more than %zu fields on the line (is the "
					    "delimiter right, or does a field need quoting?)",
					    n + 1, max_fields);
		if (pos < len && line[pos] == '"')
			bad = find_closing_quote(line, len, pos, delim, &end);
		if (pos < len && line[pos] == '"' && bad == QUOTE_OK) {
			quoted = 1;
			start = pos + 1;
			pos = end + 1;
		} else if (bad != QUOTE_OK && delim != '\t') {
			size_t shown = bad == BAD_UNTERMINATED
					   ? len - pos
					   : find_byte(line, end, len, delim) - pos;

			return ft_error_set(
			    err, FT_EINVAL,
			    bad == BAD_UNTERMINATED
				? "column %zu: unterminated quoted field '%.*s%s' (close it with "
				  "'\"' on the same line; write a '\"' inside it as '\"\"')"
				: "column %zu: text after the closing quote in '%.*s%s' (write a "
				  "'\"' inside a quoted field as '\"\"')",
			    n + 1, excerpt_len(shown), line + pos,
			    shown > EXCERPT_MAX ? "..." : "");
		} else {
			/* Unquoted, or a TSV field that only looks quoted: TSV has
			 * no quoting of its own, and DSP exports write titles such
			 * as "Heroes" (Remastered) raw, so it is kept as written. */
			end = find_byte(line, pos, len, delim);
			pos = end;
		}
		fields[n].ptr = line + start;
		fields[n].len = end - start;
		fields[n].quoted = quoted;
		n++;
		if (pos >= len)
			break;
		pos++; /* past the delimiter; a trailing one makes a last empty field */
	}
	*n_out = n;
	return 0;
}

size_t ft_csv_unquote(char *dst, size_t cap, const struct ft_csv_field *f)
{
	size_t i = 0;
	size_t out = 0;

	while (i < f->len) {
		char c = f->ptr[i];

		if (f->quoted && c == '"' && i + 1 < f->len && f->ptr[i + 1] == '"')
			i += 2;
		else
			i++;
		if (out + 1 < cap)
			dst[out] = c;
		out++;
	}
	if (cap > 0)
		dst[out < cap ? out : cap - 1] = '\0';
	return out;
}

char ft_csv_sniff_delim(const char *header, size_t len)
{
	size_t tabs = 0, commas = 0, semicolons = 0;
	int in_quotes = 0;
	size_t i;

	/* A "" pair toggles twice, so it never changes the state. */
	for (i = 0; i < len; i++) {
		char c = header[i];

		if (c == '"')
			in_quotes = !in_quotes;
		else if (in_quotes)
			continue;
		else if (c == '\t')
			tabs++;
		else if (c == ',')
			commas++;
		else if (c == ';')
			semicolons++;
	}
	if (tabs > 0 && tabs >= commas && tabs >= semicolons)
		return '\t';
	if (semicolons > commas)
		return ';';
	return ',';
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int field_names(const struct ft_csv_field *f, const char *name, size_t name_len)
{
	size_t i = 0, end = f->len, j = 0;

	while (i < end && is_blank(f->ptr[i]))
		i++;
	while (end > i && is_blank(f->ptr[end - 1]))
		end--;
	while (i < end && j < name_len) {
		char c = f->ptr[i];

		if (f->quoted && c == '"' && i + 1 < end && f->ptr[i + 1] == '"')
			i += 2;
		else
			i++;
		if (ascii_lower(c) != ascii_lower(name[j]))
			return 0;
		j++;
	}
	return i == end && j == name_len;
}

int ft_csv_find_column(const struct ft_csv_field *hdr, size_t n, const char *name)
{
	size_t start = 0, len = strlen(name);
	size_t i;

	while (start < len && is_blank(name[start]))
		start++;
	while (len > start && is_blank(name[len - 1]))
		len--;
	for (i = 0; i < n && i < (size_t)0x7fffffff; i++)
		if (field_names(&hdr[i], name + start, len - start))
			return (int)i;
	return -1;
}

void ft_lines_init(struct ft_lines *it, const char *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->pos = 0;
	it->line_no = 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		it->pos = 3;
}

int ft_lines_next(struct ft_lines *it, const char **line, size_t *len, long *line_no)
{
	size_t start = it->pos;
	size_t nl, n;

	if (start >= it->len)
		return 0;
	nl = find_byte(it->buf, start, it->len, '\n');
	n = nl - start;
	it->pos = nl < it->len ? nl + 1 : nl;
	if (n > 0 && it->buf[start + n - 1] == '\r')
		n--;
	it->line_no++;
	*line = it->buf + start;
	*len = n;
	if (line_no)
		*line_no = it->line_no;
	return 1;
}
