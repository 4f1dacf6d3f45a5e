/*
 * fmt_util — what every CSV/TSV report dialect needs (internal to src/ingest).
 *
 * A distributor export is a table: maybe a few preamble rows, one header row,
 * then one row per usage line.  The dialects differ only in the names of their
 * columns, in how they write money, and in one or two quirks, so a dialect is
 * described as data (struct fmt_dialect: for each usage-line field the header
 * names that may carry it) and one table driver (struct fmt_table) finds the
 * header, maps the columns and turns each row into a struct ft_usage_line.
 * fmt_generic.c builds a dialect at run time from a label's mapping file.
 *
 * Cells are views into the line.  A quoted cell with a doubled quote inside
 * is unquoted into a scratch buffer owned by the table, so views stay valid
 * until the next row.  A text cell that is not valid UTF-8 is taken as
 * ISO-8859-1 (what DistroKid's older exports are written in) and transcoded
 * into the same scratch space; ASCII is both, so nothing changes for it.
 *
 * Money cells are parsed exactly with ft_amount_parse after the dialect's
 * documented decorations are removed: a '$' prefix (DistroKid) or a decimal
 * comma (a generic mapping that says `decimal = ,`).  Nothing else is guessed:
 * "1,234.56" is refused, because a thousands separator in one file and a
 * decimal comma in another look the same.
 */
#ifndef FAIRTRACK_FMT_UTIL_H
#define FAIRTRACK_FMT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/csv.h"
#include "fairtrack/format.h"

/* The fields a table row can fill, in struct ft_usage_line order. */
enum fmt_field {
	FMT_ISRC,
	FMT_UPC,
	FMT_TERRITORY,
	FMT_MODEL,
	FMT_USE_TYPE,
	FMT_CURRENCY,
	FMT_STORE,
	FMT_PERIOD,
	FMT_TXID,
	FMT_USAGES,
	FMT_REVENUE,
	FMT_GROSS,
	FMT_FIELD_COUNT
};

/* Name of a field as the generic mapping spells it ("isrc", "revenue", ...). */
const char *fmt_field_name(enum fmt_field f);
/* Field by mapping-file name; -1 when unknown. */
int fmt_field_by_name(const char *name, size_t len);

/* Money cell decorations a dialect documents. */
#define FMT_MONEY_DOLLAR 0x1	    /* "$0.0093", "-$1.00", "$-1.00" */
#define FMT_MONEY_DECIMAL_COMMA 0x2 /* "12,50" (no thousands separators) */

/* Dialect options. */
#define FMT_OPT_DATE_US 0x1	       /* period cells may be MM/DD/YYYY (Apple) */
#define FMT_OPT_EMPTY_REVENUE_ZERO 0x2 /* an empty money cell is 0, not an error */

#define FMT_MAX_COLUMNS 256
#define FMT_MAX_ALTS 6

struct fmt_row; /* the cells of the current row, for dialect hooks */

struct fmt_dialect {
	const char *name; /* for messages */
	/* Header names that may carry each field, NULL-terminated; first match. */
	const char *columns[FMT_FIELD_COUNT][FMT_MAX_ALTS + 1];
	/* A fixed value for a field no column carries (e.g. currency "USD"). */
	const char *constants[FMT_FIELD_COUNT];
	/* Bit (1 << field) set: the header must have a column for it. */
	unsigned required;
	unsigned money_flags;
	unsigned options; /* FMT_OPT_* */
	/* Rows before the header that may be skipped (preamble); the header is
	 * the first row, within the first max_preamble + 1, that has every
	 * required column. */
	int max_preamble;
	/* Rows to skip unconditionally before looking for the header. */
	int skip_rows;
	/* Forced delimiter, or 0 to sniff it from the header row. */
	char delim;
	/* Optional, looked at before any cell is parsed: 1 when a data row is
	 * not usage (a total line, a repeated header), 2 when it starts a
	 * trailer that ends the data (the rest of the file is ignored). */
	int (*skip_row)(const struct fmt_row *row);
	/* Optional: adjust or refuse a mapped row (return 0, a negative FT_E*
	 * code, or 1 to skip it). */
	int (*row_hook)(const struct fmt_row *row, struct ft_usage_line *line,
			struct ft_error *err);
	/* Optional extra columns a hook reads, looked up like the fields. */
	const char *extra[4][FMT_MAX_ALTS + 1];
};

struct fmt_row {
	struct fmt_table *table; /* for fmt_cell_text */
	const char *file;
	long line_no;
	const struct ft_csv_field *cells;
	size_t n_cells;
	const int *extra_col; /* index per dialect->extra entry, -1 when absent */
};

/* Parser state for one table file. */
struct fmt_table {
	const struct fmt_dialect *dialect;
	int have_header;
	int stopped; /* a trailer was seen: the rest is not data */
	long rows_seen;
	char delim;
	int col[FMT_FIELD_COUNT]; /* -1: no column */
	int extra_col[4];
	char *header_names[FMT_FIELD_COUNT]; /* header text of each mapped column */
	char *scratch;			     /* unquote / transcode space */
	size_t scratch_cap, scratch_used;
	char period[8];
	struct ft_csv_field cells[FMT_MAX_COLUMNS];
};

/* Allocate a table driver for a dialect (the dialect must outlive it). */
int fmt_table_new(struct fmt_table **out, const struct fmt_dialect *dialect, struct ft_error *err);
void fmt_table_free(struct fmt_table *t);
/* One physical line: preamble, header or data row. */
int fmt_table_line(struct fmt_table *t, const struct ft_format_ctx *ctx, const char *line,
		   size_t len, long line_no, ft_usage_sink_fn sink, void *sink_ctx,
		   struct ft_error *err);
/* End of file: a file without a header is an error. */
int fmt_table_end(struct fmt_table *t, const struct ft_format_ctx *ctx, struct ft_error *err);

/*
 * Detection helper: 0..100 for how well the head matches the dialect.  90
 * when a header row with every required column is found (plus 1 per
 * optional column found, capped at 99), 0 otherwise.
 */
int fmt_table_detect(const struct fmt_dialect *dialect, const char *head, size_t len);

/* Cell helpers, usable by hooks and the DSR parser. */
int fmt_parse_money(ft_amount *out, const char *p, size_t len, unsigned flags,
		    struct ft_error *err);
/* A whole number, optional sign; "12.0"-style decimals with only zero
 * fractional digits are accepted (some exports write counts as decimals). */
int fmt_parse_count(int64_t *out, const char *p, size_t len, struct ft_error *err);
/* "n/a", "N/A", a run of dashes ("-", "-----") or empty (after trimming). */
int fmt_is_missing(const char *p, size_t len);
/* Trim ASCII spaces. */
void fmt_trim(const char **p, size_t *len);
int fmt_utf8_valid(const char *p, size_t len);

/* Check that the dialect's extra column `extra` (if the header has it) holds
 * a percentage from 0 to 100 ("12.5" or "12.5%"); FT_EINVAL names it. */
int fmt_check_percent(const struct fmt_row *row, int extra, const char *name, struct ft_error *err);

/* A row's cell as a clean view (unquoted; ISO-8859-1 transcoded). */
int fmt_cell_text(struct fmt_table *t, const struct ft_csv_field *f, struct ft_strview *out,
		  struct ft_error *err);

/*
 * The format-interface glue is the same for every table dialect; this
 * defines the ft_format named VAR over the static struct fmt_dialect DIALECT
 * (a dialect with its own detect passes DETECT, else fmt_table_detect).
 */
#define FMT_TABLE_FORMAT(VAR, NAME, DESCRIPTION, DIALECT, DETECT)                                  \
	static int VAR##_begin(void **state, const struct ft_format_ctx *ctx,                      \
			       struct ft_error *err)                                               \
	{                                                                                          \
		(void)ctx;                                                                         \
		return fmt_table_new((struct fmt_table **)state, &(DIALECT), err);                 \
	}                                                                                          \
	static int VAR##_line(void *state, const struct ft_format_ctx *ctx, const char *line,      \
			      size_t len, long line_no, ft_usage_sink_fn sink, void *sink_ctx,     \
			      struct ft_error *err)                                                \
	{                                                                                          \
		return fmt_table_line(state, ctx, line, len, line_no, sink, sink_ctx, err);        \
	}                                                                                          \
	static int VAR##_end(void *state, const struct ft_format_ctx *ctx, ft_usage_sink_fn sink,  \
			     void *sink_ctx, struct ft_error *err)                                 \
	{                                                                                          \
		(void)sink;                                                                        \
		(void)sink_ctx;                                                                    \
		return fmt_table_end(state, ctx, err);                                             \
	}                                                                                          \
	static void VAR##_free(void *state)                                                        \
	{                                                                                          \
		fmt_table_free(state);                                                             \
	}                                                                                          \
	const struct ft_format VAR = {                                                             \
	    .name = (NAME),                                                                        \
	    .description = (DESCRIPTION),                                                          \
	    .detect = (DETECT),                                                                    \
	    .begin = VAR##_begin,                                                                  \
	    .line = VAR##_line,                                                                    \
	    .end = VAR##_end,                                                                      \
	    .free = VAR##_free,                                                                    \
	}

#endif
