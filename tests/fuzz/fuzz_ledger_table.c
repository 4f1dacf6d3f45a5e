/*
 * fuzz_ledger_table.c — the table files of `import fx` and `import income`
 * (ft_ledger_table_each in src/ledger/fx.c: header by name, a row per line,
 * cells trimmed and unquoted) on arbitrary bytes, each row then parsed the
 * way `import fx` parses it (period, currencies, an exact rate).
 *
 * Whatever the file, the reader must not crash or read past it; every cell
 * handed out is NUL-terminated within its buffer; a row comes with a line
 * number that only grows; a refusal carries a message.  Any violation
 * aborts.  The bytes go through a file because the reader takes a path, as
 * the CLI gives it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fairtrack/ids.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "ledger/run_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long last_line;
	size_t rows;
};

static int row(void *ctx, const struct ft_ledger_row *r, struct ft_error *err)
{
	struct seen *s = ctx;
	struct ft_period p;
	char cur[4];
	ft_amount rate;
	size_t i;

	if (r->line <= s->last_line)
		abort(); /* lines come in file order, each once */
	s->last_line = r->line;
	s->rows++;
	for (i = 0; i < 4; i++)
		if (!memchr(r->cell[i], '\0', FT_LEDGER_CELL_MAX))
			abort(); /* a cell not terminated within its buffer */
	/* Parse as import fx does; a bad cell is an ordinary error. */
	if (ft_period_parse(&p, r->cell[0], strlen(r->cell[0]), err) ||
	    ft_currency_parse(cur, NULL, r->cell[1], strlen(r->cell[1]), err) ||
	    ft_currency_parse(cur, NULL, r->cell[2], strlen(r->cell[2]), err) ||
	    ft_amount_parse(&rate, r->cell[3], strlen(r->cell[3]), err)) {
		if (err->message[0] == '\0')
			abort();
		return 0;
	}
	return 0;
}

static char path[64];

static void remove_file(void)
{
	remove(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cols[] = {"period", "from", "to", "rate"};
	struct seen s = {0, 0};
	struct ft_error err;
	FILE *f;
	int rc;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz_ledger_table.%ld.csv", (long)getpid());
		atexit(remove_file);
	}
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	ft_error_clear(&err);
	rc = ft_ledger_table_each(path, cols, 4, row, &s, &err);
	if (rc != 0 && err.message[0] == '\0')
		abort(); /* a refusal says why */
	return 0;
}
