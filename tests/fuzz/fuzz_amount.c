/*
 * fuzz_amount.c — ft_amount_parse on arbitrary bytes.
 *
 * Whatever the input, parsing must not crash or read past len, a rejection
 * must come with a message, and an accepted amount must survive the round
 * trip: format it (with every min_frac_digits) and parse it back to the same
 * value.  Any violation aborts, which libFuzzer and the replay driver report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_error err;
	ft_amount amount = 0, back = 0;
	char buf[FT_AMOUNT_STR_MAX];
	/* A private copy of exactly size bytes, so ASan catches any read past
	 * len (the fuzzer's own buffer may have slack after it). */
	char *text = malloc(size ? size : 1);
	int rc;

	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	ft_error_clear(&err);
	rc = ft_amount_parse(&amount, text, size, &err);
	if (rc != 0) {
		if ((rc != FT_EINVAL && rc != FT_EOVERFLOW) || err.code != rc ||
		    err.message[0] == '\0')
			abort();
		free(text);
		return 0;
	}
	for (int min_frac = 0; min_frac <= FT_AMOUNT_SCALE; min_frac++) {
		size_t n = ft_amount_format(buf, sizeof(buf), amount, min_frac);

		if (n == 0 || n != strlen(buf))
			abort();
		if (ft_amount_parse(&back, buf, n, NULL) != 0 || back != amount)
			abort();
	}
	free(text);
	return 0;
}
