/*
 * fuzz_contract.c — the YAML contract parser on arbitrary bytes.
 *
 * Whatever the input, the parser must either refuse it with a message (and
 * allocate nothing) or return contracts that pass validation, export to YAML
 * and parse back to equal contracts.  Any violation aborts, so the fuzzer
 * reports it like a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_contract *list = NULL, *back = NULL;
	size_t n = 0, n_back = 0, i, len;
	struct ft_error err;
	char *yaml = NULL;

	ft_error_clear(&err);
	if (ft_contract_parse(&list, &n, (const char *)data, size, "fuzz.yaml", NULL, &err) != 0) {
		if (list || n || err.message[0] == '\0' || err.code >= 0)
			abort();
		return 0;
	}
	if (n == 0)
		abort();
	for (i = 0; i < n; i++) {
		if (ft_contract_validate(&list[i], &err) != 0)
			abort();
		if (ft_contract_to_yaml(&yaml, &len, &list[i], &err) != 0)
			abort();
		if (ft_contract_parse(&back, &n_back, yaml, len, "export", NULL, &err) != 0)
			abort();
		if (n_back != 1 || !ft_contract_equal(&list[i], &back[0]))
			abort();
		ft_contract_array_free(back, n_back);
		back = NULL;
		free(yaml);
		yaml = NULL;
	}
	ft_contract_array_free(list, n);
	return 0;
}
