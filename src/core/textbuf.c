/*
 * textbuf.c — appending text into a caller's buffer (fairtrack/textbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "fairtrack/textbuf.h"

void ft_textbuf_init(struct ft_textbuf *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	if (cap)
		buf[0] = '\0';
}

void ft_textbuf_add(struct ft_textbuf *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->len < t->cap ? t->buf + t->len : NULL,
		      t->len < t->cap ? t->cap - t->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

void ft_textbuf_amount(struct ft_textbuf *t, ft_amount a, int min_digits)
{
	char s[FT_AMOUNT_STR_MAX];

	ft_amount_format(s, sizeof(s), a, min_digits);
	ft_textbuf_add(t, "%s", s);
}

void ft_textbuf_percent(struct ft_textbuf *t, ft_amount fraction)
{
	ft_amount pct;

	/* A rate is a fraction of a few units at most; a figure too large to
	 * scale by 100 says so rather than wrap. */
	if (ft_amount_mul_int(&pct, fraction, 100)) {
		ft_textbuf_add(t, "?%%");
		return;
	}
	ft_textbuf_amount(t, pct, 0);
	ft_textbuf_add(t, "%%");
}
