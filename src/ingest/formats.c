/*
 * formats.c — the registry of report formats.
 *
 * One table, in the order `fairtrack formats` lists them.  Detection asks
 * every format to score the file's head and takes the best score above 50;
 * a tie goes to the format listed first, so the more specific formats come
 * first.  "generic" never detects itself: it needs a mapping.
 */
#include <string.h>

#include "fairtrack/format.h"
#include "ingest/fmt_flat_tsv.h"
#include "ingest/formats.h"

/* clang-format off */
static const struct ft_format *const all_formats[] = {
	&ft_format_flat_tsv,
	&ft_format_dsr,
	&ft_format_distrokid,
	&ft_format_soundcloud,
	&ft_format_youtube,
	&ft_format_apple,
	&ft_format_cdbaby,
	&ft_format_generic,
	NULL,
};
/* clang-format on */

const struct ft_format *const *ft_formats(void)
{
	return all_formats;
}

const struct ft_format *ft_format_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; all_formats[i]; i++)
		if (strcmp(all_formats[i]->name, name) == 0)
			return all_formats[i];
	return NULL;
}

const struct ft_format *ft_format_detect(const char *head, size_t len)
{
	const struct ft_format *best = NULL;
	int best_score = 50;

	for (size_t i = 0; all_formats[i]; i++) {
		int score = all_formats[i]->detect ? all_formats[i]->detect(head, len) : 0;

		if (score > best_score) {
			best = all_formats[i];
			best_score = score;
		}
	}
	return best;
}
