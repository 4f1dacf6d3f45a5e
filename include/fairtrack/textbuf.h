/*
 * fairtrack — a text built by appending into a caller's buffer (the
 * engine's and the ledger's explanations of a figure).
 *
 * Appends never write past cap and always leave the buffer terminated; len
 * keeps counting what did not fit, like snprintf, so a caller can tell the
 * text was cut.  The buffer belongs to the caller.
 */
#ifndef FAIRTRACK_TEXTBUF_H
#define FAIRTRACK_TEXTBUF_H

#include <stddef.h>

#include "fairtrack/money.h"

struct ft_textbuf {
	char *buf;
	size_t cap, len;
};

/* An empty text over buf[cap]. */
void ft_textbuf_init(struct ft_textbuf *t, char *buf, size_t cap);

void ft_textbuf_add(struct ft_textbuf *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An amount, exact, with at least min_digits decimals (ft_amount_format). */
void ft_textbuf_amount(struct ft_textbuf *t, ft_amount a, int min_digits);

/* A fraction as a percentage, every digit kept: 0.225 → "22.5%". */
void ft_textbuf_percent(struct ft_textbuf *t, ft_amount fraction);

#endif
