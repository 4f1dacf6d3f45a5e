/*
 * fuzz_mapping.c — ft_mapping_parse (the column mappings of the generic
 * report format, include/fairtrack/mapping.h) on arbitrary bytes.
 *
 * Whatever the text, parsing must not crash or read past len; a refusal
 * comes with a message and leaves no mapping; an accepted mapping has a
 * name and frees cleanly.  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_mapping *m = NULL;
	struct ft_error err;
	/* A private copy of exactly size bytes, so ASan catches any read past
	 * len. */
	char *text = malloc(size ? size : 1);
	int rc;

	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	ft_error_clear(&err);
	rc = ft_mapping_parse(&m, text, size, "fuzz.map", &err);
	free(text);
	if (rc != 0) {
		if (m || err.message[0] == '\0')
			abort();
		return 0;
	}
	if (!m || !ft_mapping_name(m) || !ft_mapping_name(m)[0])
		abort();
	ft_mapping_free(m);
	return 0;
}
