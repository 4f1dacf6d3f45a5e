/*
 * fairtrack — CSV/TSV lines: an allocation-free splitter and line iterator.
 *
 * Every report and catalogue reader goes through here, so the rules live in
 * one place (docs/internals/CSV.md):
 *
 *  - ft_lines walks a memory buffer line by line: LF or CRLF terminators, a
 *    UTF-8 byte order mark at the very start skipped, 1-based line numbers, a
 *    last line without a terminator still a line.
 *  - ft_csv_split cuts one line (terminator already removed) at a delimiter.
 *    A field that starts with '"' is quoted as RFC 4180 §2 says, whatever the
 *    delimiter (',' '\t' ';'): it runs to the matching closing quote, "" inside
 *    stands for one '"', and the delimiter or the end of line must follow.
 *    With '\t' only, a field that starts with '"' but is not well-formed
 *    quoting ("Heroes" (Remastered)) is taken as written, unquoted: TSV has no
 *    quoting rule of its own and DSP exports write such titles raw.
 *    Fields are views into the line: nothing is copied or allocated.
 *
 * Not supported: a quoted field spanning several lines (the line iterator
 * does not know about quotes, so the splitter reports an unterminated quote
 * naming the column), and a bare CR as a line terminator.
 *
 * Errors are FT_EINVAL with a message naming the 1-based column and the fix;
 * the caller adds file and line with ft_error_locate().
 */
#ifndef FAIRTRACK_CSV_H
#define FAIRTRACK_CSV_H

#include <stddef.h>

#include "fairtrack/error.h"

/*
 * One field of a split line, a view into the line.  For a quoted field, ptr
 * and len cover the text between the outer quotes, with any doubled quote
 * ("") still doubled; quoted is 1 and ft_csv_unquote gives the clean text.
 * For an unquoted field quoted is 0 and ptr/len are the field as written.
 */
struct ft_csv_field {
	const char *ptr;
	size_t len;
	int quoted;
};

/*
 * Split line[0..len) at delim into fields[0..max_fields).  *n_out gets the
 * number of fields (an empty line is one empty field).  Returns 0, or
 * FT_EINVAL when a quote is unterminated or text follows a closing quote
 * (',' and ';' only), or the line has more than max_fields fields; *n_out is
 * then 0.  FT_EUSAGE when delim is '"'.
 */
int ft_csv_split(struct ft_csv_field *fields, size_t max_fields, size_t *n_out, const char *line,
		 size_t len, char delim, struct ft_error *err);

/*
 * Copy field f into dst with "" collapsed to '"' (an unquoted field is copied
 * as is), writing at most cap - 1 bytes and a NUL (nothing when cap is 0).
 * Returns the length of the full clean text, so a result >= cap means dst
 * was too small and holds a truncated prefix, as snprintf does.
 */
size_t ft_csv_unquote(char *dst, size_t cap, const struct ft_csv_field *f);

/*
 * Guess the delimiter of a file from its header line: the one of '\t', ','
 * and ';' that occurs most often outside quotes.  Ties go to '\t', then ',';
 * a header with none of them gives ','.
 */
char ft_csv_sniff_delim(const char *header, size_t len);

/*
 * Index of the header field equal to name, comparing ASCII letters without
 * case and ignoring spaces and tabs around both (a quoted header compares by
 * its clean text); the first match wins.  -1 when no field matches.
 */
int ft_csv_find_column(const struct ft_csv_field *hdr, size_t n, const char *name);

/* Iterator over the lines of a buffer; the fields are private. */
struct ft_lines {
	const char *buf;
	size_t len;
	size_t pos;
	long line_no;
};

/* Start at buf[0..len); a UTF-8 BOM (EF BB BF) at buf[0] is skipped.  The
 * buffer must outlive the iterator and the lines it returns. */
void ft_lines_init(struct ft_lines *it, const char *buf, size_t len);

/*
 * Next line without its LF or CRLF: returns 1 and sets *line, *len and
 * *line_no (1-based; line_no may be NULL), or 0 at the end of the buffer.
 */
int ft_lines_next(struct ft_lines *it, const char **line, size_t *len, long *line_no);

#endif
