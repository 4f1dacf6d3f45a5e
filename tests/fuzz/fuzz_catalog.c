/*
 * fuzz_catalog.c — the catalogue file parser on arbitrary bytes: in memory,
 * no store.  Any input must end in 0 or a clean FT_E* error, never a crash,
 * a leak or an out-of-bounds read (ASan/UBSan in `make check`, libFuzzer in
 * `make fuzz`).  The duration parser gets the first bytes too.
 */
#include <stddef.h>
#include <stdint.h>

#include "fairtrack/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_catalog *cat = NULL;
	struct ft_error err;
	long seconds;
	int rc;

	if (ft_catalog_new(&cat, &err) != 0)
		return 0;
	rc = ft_catalog_parse(cat, "fuzz.csv", (const char *)data, size, NULL, &err);
	if (rc > 0)
		__builtin_trap(); /* errors are negative */
	ft_catalog_free(cat);
	ft_catalog_parse_duration(&seconds, (const char *)data, size < 32 ? size : 32, &err);
	return 0;
}
