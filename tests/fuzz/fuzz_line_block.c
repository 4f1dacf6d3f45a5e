/*
 * fuzz_line_block.c — line_block_decode on arbitrary bytes (src/ledger/
 * line_block.h): a block is read back from the ledger file, which may be
 * damaged, so no input may crash it or read past len.
 *
 * The first two bytes say how many lines the block claims (as the row's n
 * column does); the rest is the blob.  A rejection must come with a
 * message; an accepted block, encoded again, must decode to the same lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/line_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct line_rec *a, const struct line_rec *b)
{
	return a->usage_id == b->usage_id && a->income_id == b->income_id &&
	       a->rule == b->rule && a->tier == b->tier && a->units == b->units &&
	       a->base == b->base && a->rate == b->rate && a->royalty == b->royalty &&
	       a->allocation == b->allocation && a->allocated == b->allocated;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct line_rec out[LINE_BLOCK_MAX], back[LINE_BLOCK_MAX];
	struct ft_error err;
	size_t n, len, i;
	uint8_t *blob, *again;
	int rc;

	if (size < 2)
		return 0;
	n = ((size_t)data[0] << 8 | data[1]) % (LINE_BLOCK_MAX + 2);
	/* A private copy of exactly the blob's bytes, so ASan catches any read
	 * past len. */
	blob = malloc(size - 2 ? size - 2 : 1);
	if (!blob)
		return 0;
	memcpy(blob, data + 2, size - 2);
	ft_error_clear(&err);
	rc = line_block_decode(blob, size - 2, n, out, &err);
	free(blob);
	if (rc != 0) {
		if (rc != FT_EINVAL || err.code != rc || err.message[0] == '\0')
			abort();
		return 0;
	}
	if (n == 0 || n > LINE_BLOCK_MAX)
		abort(); /* accepted a count the format does not allow */
	again = malloc(line_block_bound(n));
	if (!again)
		return 0;
	len = line_block_encode(again, line_block_bound(n), out, n);
	if (len == 0 || line_block_decode(again, len, n, back, &err) != 0)
		abort();
	for (i = 0; i < n; i++)
		if (!same(&out[i], &back[i]))
			abort();
	free(again);
	return 0;
}
