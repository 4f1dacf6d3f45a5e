/*
 * render.c — the table of statement renderers and the helpers they share.
 *
 * The renderers are one file each (render_csv.c, render_xlsx.c,
 * render_pdf.c), all reading the same model; this table is how a caller
 * (the CLI's `statements --format csv,xlsx,pdf`) finds them by name.  The
 * order is fixed so a run over every format is always in the same order.
 */
#include "report/render.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct ft_renderer renderers[] = {
    {"csv", ".csv", "one line per royalty line, plus a .summary.csv", ft_render_csv},
    {"xlsx", ".xlsx", "workbook: summary, detail, by store, territory, track and release",
     ft_render_xlsx},
    {"pdf", ".pdf", "the artist's statement: summary page with charts, then detail", ft_render_pdf},
};

const struct ft_renderer *ft_renderers(size_t *n_out)
{
	*n_out = sizeof(renderers) / sizeof(renderers[0]);
	return renderers;
}

const struct ft_renderer *ft_renderer_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(renderers) / sizeof(renderers[0]); i++)
		if (strcasecmp(renderers[i].name, name) == 0)
			return &renderers[i];
	return NULL;
}

int render_tmp_path(char *buf, size_t cap, const char *path, struct ft_error *err)
{
	int n = snprintf(buf, cap, "%s.part", path);

	if (n < 0 || (size_t)n >= cap)
		return ft_error_set(err, FT_EUSAGE, "%s: path too long for a statement file", path);
	return 0;
}

int render_commit(const char *tmp, const char *path, struct ft_error *err)
{
	if (rename(tmp, path) != 0) {
		int e = errno;
		remove(tmp);
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot write the statement: %s",
				       strerror(e));
	}
	return 0;
}

const char *render_currency_symbol(const char *code)
{
	static const char *const symbols[][2] = {
	    {"EUR", "€"}, {"USD", "$"}, {"GBP", "£"}, {"JPY", "¥"},  {"BRL", "R$"},
	    {"INR", "₹"}, {"KRW", "₩"}, {"ILS", "₪"}, {"AUD", "A$"}, {"CAD", "C$"},
	};
	size_t i;

	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (strcmp(symbols[i][0], code) == 0)
			return symbols[i][1];
	return code;
}

const char *ft_statement_words(const char *token)
{
	static const char *const words[][2] = {
	    {"SubscriptionModel", "subscription"},
	    {"AdvertisementSupportedModel", "ad-supported"},
	    {"PayAsYouGoModel", "purchase"},
	    {"FreeOfChargeModel", "free"},
	    {"RightsClaimModel", "rights claim"},
	    {"OnDemandStream", "stream"},
	    {"NonInteractiveStream", "radio stream"},
	    {"Stream", "stream"},
	    {"PermanentDownload", "download"},
	    {"ConditionalDownload", "conditional download"},
	    {"TetheredDownload", "tethered download"},
	    {"Webcast", "webcast"},
	    {"UserMakeAvailableUserProvided", "user upload"},
	    {"UserMakeAvailableLabelProvided", "user video"},
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i][0], token) == 0)
			return words[i][1];
	return token;
}

size_t render_period_words(char *buf, size_t cap, const struct ft_period *p)
{
	static const char *const months[] = {"January",	  "February", "March",	  "April",
					     "May",	  "June",     "July",	  "August",
					     "September", "October",  "November", "December"};
	int year = p->first / 12, m = p->first % 12, last = p->first + p->months - 1;
	int n;

	if (p->months <= 1)
		n = snprintf(buf, cap, "%s %d", months[m], year);
	else if (p->months == 12 && m == 0)
		n = snprintf(buf, cap, "%d", year);
	else if (last / 12 == year)
		n = snprintf(buf, cap, "%s–%s %d", months[m], months[last % 12], year);
	else
		n = snprintf(buf, cap, "%s %d – %s %d", months[m], year, months[last % 12],
			     last / 12);
	return n < 0 ? 0 : (size_t)n;
}

static bool digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool render_issued_date(const char *issued, int *year, int *month, int *day)
{
	if (strlen(issued) >= 10 && issued[4] == '-' && issued[7] == '-' &&
	    digits(issued, 4, year) && digits(issued + 5, 2, month) && digits(issued + 8, 2, day) &&
	    *year >= 1980 && *month >= 1 && *month <= 12 && *day >= 1 && *day <= 31)
		return true;
	*year = 2000;
	*month = 1;
	*day = 1;
	return false;
}
