/*
 * fuzz_csv.c — the line iterator and the CSV/TSV splitter on arbitrary bytes.
 *
 * The input is a whole file: its first line picks the delimiter by sniffing,
 * every line is split, and each field is checked to lie inside its line and
 * to unquote to no more bytes than it spans.  Any violation aborts, so the
 * fuzzer reports it like a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/csv.h"

#define MAX_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_csv_field fields[MAX_FIELDS];
	struct ft_csv_field hdr[MAX_FIELDS];
	struct ft_lines it;
	const char *line;
	size_t len, n, n_hdr = 0, i;
	long line_no, prev_no = 0;
	char delim = ',';
	char clean[256];
	struct ft_error err;

	ft_lines_init(&it, (const char *)data, size);
	while (ft_lines_next(&it, &line, &len, &line_no)) {
		if (line_no != prev_no + 1)
			abort();
		prev_no = line_no;
		if (line < (const char *)data || line + len > (const char *)data + size)
			abort();
		if (memchr(line, '\n', len))
			abort();
		if (line_no == 1)
			delim = ft_csv_sniff_delim(line, len);
		ft_error_clear(&err);
		if (ft_csv_split(fields, MAX_FIELDS, &n, line, len, delim, &err) != 0) {
			if (n != 0 || err.message[0] == '\0')
				abort();
			continue;
		}
		if (n == 0 || n > MAX_FIELDS)
			abort();
		for (i = 0; i < n; i++) {
			if (fields[i].ptr < line || fields[i].ptr + fields[i].len > line + len)
				abort();
			if (ft_csv_unquote(clean, sizeof(clean), &fields[i]) > fields[i].len)
				abort();
		}
		if (line_no == 1) {
			memcpy(hdr, fields, n * sizeof(fields[0]));
			n_hdr = n;
		} else if (n_hdr > 0) {
			/* Look every field of this line up among the header's names. */
			for (i = 0; i < n; i++) {
				int col;

				ft_csv_unquote(clean, sizeof(clean), &fields[i]);
				col = ft_csv_find_column(hdr, n_hdr, clean);
				if (col < -1 || col >= (int)n_hdr)
					abort();
			}
		}
	}
	return 0;
}
