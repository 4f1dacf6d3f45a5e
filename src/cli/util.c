/*
 * util.c — error rendering, usage errors and JSON output for the CLI.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/catalog.h"
#include "fairtrack/format.h"
#include "fairtrack/ingest.h"
#include "fairtrack/mapping.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "fairtrack/store.h"

int cli_exit_for(int ft_code)
{
	switch (ft_code) {
	case FT_OK: return CLI_EXIT_OK;
	case FT_EINVAL:
	case FT_EIO: return CLI_EXIT_INPUT;
	case FT_EUSAGE: return CLI_EXIT_USAGE;
	case FT_ESCHEMA: return CLI_EXIT_LEDGER;
	case FT_EEXISTS:
	case FT_ECONFLICT: return CLI_EXIT_CONFLICT;
	case FT_ENOTFOUND: return CLI_EXIT_NOTFOUND;
	default: return CLI_EXIT_INTERNAL;
	}
}

int cli_fail(struct cli *cli, const struct ft_error *err)
{
	if (cli->json) {
		fputs("{\"error\":{\"code\":", stderr);
		cli_json_string(stderr, ft_error_name(err->code));
		fputs(",\"message\":", stderr);
		cli_json_string(stderr, err->message);
		if (err->file[0]) {
			fputs(",\"file\":", stderr);
			cli_json_string(stderr, err->file);
		}
		if (err->line > 0)
			fprintf(stderr, ",\"line\":%ld", err->line);
		if (err->field[0]) {
			fputs(",\"field\":", stderr);
			cli_json_string(stderr, err->field);
		}
		fputs("}}\n", stderr);
	} else {
		fprintf(stderr, "%s: %s\n", cli->prog,
			err->message[0] ? err->message : ft_error_name(err->code));
	}
	return cli_exit_for(err->code);
}

int cli_usage_error(struct cli *cli, const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", cli->prog, command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s %s --help')\n", cli->prog, command);
	return CLI_EXIT_USAGE;
}

void cli_print_command_help(FILE *f, const struct cli_command *cmd)
{
	fprintf(f, "usage: fairtrack [-l LEDGER] %s %s\n\n%s.\n\n%s\n", cmd->name, cmd->synopsis,
		cmd->summary, cmd->help);
}

int cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int cli_need_ledger(struct cli *cli, const char *command)
{
	if (cli->ledger && cli->ledger[0])
		return 0;
	return cli_usage_error(cli, command, "needs a ledger: fairtrack -l LEDGER %s …", command);
}

void cli_json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

int cli_open_ledger(struct cli *cli, const char *command, struct ft_store **store)
{
	struct ft_error err;
	int code;

	*store = NULL;
	if (cli_need_ledger(cli, command))
		return CLI_EXIT_USAGE;
	ft_error_clear(&err);
	if (ft_store_open(store, cli->ledger, 0, &err) == 0)
		return 0;
	code = cli_fail(cli, &err);
	/* A ledger that is missing or broken is "ledger unusable" (3), whatever
	 * the library's code says about the cause. */
	return code == CLI_EXIT_NOTFOUND || code == CLI_EXIT_INTERNAL ? CLI_EXIT_LEDGER : code;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) == 0 && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, name) != 0)
		return NULL;
	if (*i + 1 >= argc) {
		if (missing)
			*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

void cli_print_amount(FILE *f, __int128 amount, int min_frac)
{
	char buf[FT_AMOUNT_STR_MAX];

	ft_amount_format(buf, sizeof(buf), (ft_amount)amount, min_frac);
	fputs(buf, f);
}

int cli_report_format(struct cli *cli, const char *command, const char *format_name,
		      const char *mapping_path, const struct ft_format **format, void **mapping)
{
	struct ft_mapping *m = NULL;
	struct ft_error err;

	*format = NULL;
	*mapping = NULL;
	if (!format_name && mapping_path)
		format_name = "generic";
	if (format_name) {
		*format = ft_format_find(format_name);
		if (!*format)
			return cli_usage_error(cli, command,
					       "unknown format '%s' (see docs/FORMATS.md)",
					       format_name);
	}
	if (format_name && strcmp(format_name, "generic") == 0 && !mapping_path)
		return cli_usage_error(cli, command,
				       "the generic format needs --mapping FILE (docs/FORMATS.md)");
	if (!mapping_path)
		return 0;
	ft_error_clear(&err);
	if (ft_mapping_load(&m, mapping_path, &err))
		return cli_fail(cli, &err);
	*mapping = m;
	return 0;
}

void cli_free_mapping(void *mapping)
{
	ft_mapping_free(mapping);
}

void cli_print_rejects(struct cli *cli, const char *path, uint64_t lines, const char *first_reason,
		       const struct ft_aggregate_reject_total *totals, size_t n)
{
	size_t i;

	if (!lines)
		return;
	fprintf(stderr, "%s: %llu bad line(s) set aside in %s; the first: %s\n", cli->prog,
		(unsigned long long)lines, path, first_reason);
	for (i = 0; i < n; i++) {
		fprintf(stderr, "  %s  %llu line(s)  ", totals[i].currency[0] ? totals[i].currency : "???",
			(unsigned long long)totals[i].lines);
		cli_print_amount(stderr, totals[i].revenue, 2);
		if (totals[i].unreadable)
			fprintf(stderr, "  (+ %llu line(s) whose amount could not be read)",
				(unsigned long long)totals[i].unreadable);
		fputc('\n', stderr);
	}
}

int cli_import_files(struct cli *cli, const char *kind, cli_import_fn import, const char *what,
		     const char *json_key, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	int code, i;

	if (argc < 2)
		return cli_usage_error(cli, "import", "import %s needs a FILE", kind);
	code = cli_open_ledger(cli, "import", &store);
	if (code)
		return code;
	for (i = 1; i < argc && !code; i++) {
		size_t n = 0;

		ft_error_clear(&err);
		if (import(store, argv[i], &n, &err)) {
			code = cli_fail(cli, &err);
		} else if (cli->json) {
			fputs("{\"file\":", stdout);
			cli_json_string(stdout, argv[i]);
			printf(",\"%s\":%zu}\n", json_key, n);
		} else if (!cli->quiet) {
			printf("imported %s: %zu %s\n", argv[i], n, what);
		}
	}
	ft_store_close(store);
	return code;
}

int cli_period_arg(struct cli *cli, const char *command, int argc, char **argv,
		   struct ft_period *period, const char **text)
{
	struct ft_error err;
	const char *p = NULL;
	int i, missing = 0;

	for (i = 1; i < argc; i++) {
		const char *v = cli_opt_value(argc, argv, &i, "--period", &missing);

		if (!v)
			return cli_usage_error(cli, command, "%s '%s'",
					       missing ? "missing value for" : "unknown argument",
					       argv[i]);
		p = v;
	}
	if (!p)
		return cli_usage_error(cli, command, "needs --period P (2026-10, 2026-Q4, 2026-H2)");
	ft_error_clear(&err);
	if (ft_period_parse(period, p, strlen(p), &err))
		return cli_fail(cli, &err);
	*text = p;
	return 0;
}

int cli_take_json_flag(struct cli *cli, int argc, char **argv)
{
	int i, o = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			cli->json = 1;
		else
			argv[o++] = argv[i];
	}
	return o;
}

void cli_catalog_record_json(const struct ft_catalog_record *rec)
{
	size_t i;

	putchar('{');
	for (i = 0; i < rec->count; i++) {
		if (i)
			putchar(',');
		cli_json_string(stdout, rec->fields[i].name);
		putchar(':');
		if (rec->fields[i].numeric && rec->fields[i].value[0])
			fputs(rec->fields[i].value, stdout);
		else
			cli_json_string(stdout, rec->fields[i].value);
	}
	putchar('}');
}
