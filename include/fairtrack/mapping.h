/*
 * fairtrack — column mappings for the generic CSV/TSV report format.
 *
 * A label that receives reports from a partner nobody wrote a parser for
 * describes the partner's columns in a small text file (syntax in
 * docs/FORMATS.md, "generic"):
 *
 *   # Partner X monthly statement
 *   name = Partner X
 *   # rows before the header; the delimiter (tab , ; auto); the decimal point
 *   # of money cells (. or ,); a currency sign written before amounts
 *   skip_rows = 2
 *   delimiter = ;
 *   decimal = ,
 *   money_prefix = $
 *   # a field = the header of its column, | between alternative names
 *   isrc = ISRC | ISRC Code
 *   territory = Country
 *   usages = Units
 *   revenue = Net Amount
 *   period = Sales Month
 *   # a field the file has no column for
 *   const currency = EUR
 *   const store = Partner X
 *
 * Comments are whole lines starting with '#': a '#' after a value is part of
 * the value (a column may be called "Track #").
 *
 * Fields: isrc, upc, territory, commercial_model, use_type, currency, store,
 * period, transaction_id, usages, revenue, gross.  A mapping needs revenue,
 * isrc or upc, and currency (a column or a constant).
 *
 * The loaded mapping is passed to the "generic" format as
 * struct ft_format_ctx.user.
 */
#ifndef FAIRTRACK_MAPPING_H
#define FAIRTRACK_MAPPING_H

#include <stddef.h>

#include "fairtrack/error.h"

struct ft_mapping;

/* Parse a mapping from text[0..len); source names it in messages (a path).
 * On success *out owns a copy of everything it needs. */
int ft_mapping_parse(struct ft_mapping **out, const char *text, size_t len, const char *source,
		     struct ft_error *err);
/* Read and parse a mapping file; FT_EIO when it cannot be read. */
int ft_mapping_load(struct ft_mapping **out, const char *path, struct ft_error *err);
/* The mapping's name ("name = …"), or its source when it has none. */
const char *ft_mapping_name(const struct ft_mapping *mapping);
/* NULL is a no-op. */
void ft_mapping_free(struct ft_mapping *mapping);

#endif
